//! The command line: raw arguments (clap) are turned into validated settings
//! before any work starts, then each subcommand is one library call.

mod args;
mod examples;
mod interrupt;
mod preview;
mod progress;

use std::io::Write;

pub use args::{Cli, Command, Format};
pub use interrupt::{Interrupt, interrupted};

use crate::error::Error;
use crate::layout::Layout;

/// Runs a parsed command line. Returns the process exit code for commands
/// whose outcome is not simply success (e.g. `status`: 1 when something is pending).
pub async fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Render(a) => {
            let catalog = crate::model::catalog::Catalog::builtin()?;
            let release = match a.release.is_version.as_deref() {
                Some(raw) => catalog.release(raw)?,
                None => crate::migrate::target::newest_release()?,
            };
            let from = a
                .from
                .as_deref()
                .map(|raw| catalog.release(raw))
                .transpose()?;
            if let Some(from) = from.as_ref().filter(|f| **f >= release) {
                return Err(Error::Usage(format!(
                    "--from {from} is not older than --is-version {release}: render writes an upgrade to a newer release (isdb never downgrades)"
                )));
            }
            let dialect = args::dialect(&a.dialect)?;
            let layout = Layout::new(a.layout.into(), a.nodes, &a.db_prefix)?;
            let opts = crate::render::ScriptOptions {
                history: !a.no_history,
                release: Some(release.clone()),
                from: from.clone(),
            };
            let written = crate::render::write_scripts(dialect, &layout, &a.out, a.force, &opts)?;
            let mut out = std::io::stdout().lock();
            let _ = match &from {
                Some(from) => writeln!(out, "IS release {from} -> {release} (upgrade)"),
                None => writeln!(out, "IS release {release}"),
            };
            for p in written {
                let _ = writeln!(out, "wrote {}", p.display());
            }
            Ok(0)
        }
        Command::Migrate(a) => migrate(a, cli.quiet).await,
        Command::Status(a) => status(a).await,
        Command::Plan(a) => {
            let deployment = crate::migrate::resolve(&a.target.to_target_args(), &env)?;
            let report = crate::migrate::Plan::new(deployment).preview().await?;
            preview::print(&report, a.format);
            Ok(if report.failed() { 1 } else { 0 })
        }
        Command::Verify(a) => {
            let plan = plan_to(&a.target.to_target_args())?;
            let report = plan.verify().await?;
            print_verification(&report, a.format, a.strict, false);
            Ok(if report.failing(a.strict) { 1 } else { 0 })
        }
        Command::Baseline(a) => {
            let plan = plan_to(&a.to_target_args())?;
            let opts = crate::migrate::VerifyOptions {
                strict: a.strict,
                accept_drift: a.accept_drift,
            };
            let report = plan.baseline(opts).await?;
            print_verification(&report, a.format, a.strict, true);
            Ok(if report.databases.iter().any(|d| d.error.is_some()) {
                1
            } else {
                0
            })
        }
        Command::Config(a) => config(a),
        Command::Versions(a) => versions(a.format),
    }
}

/// `isdb versions`: the releases the builtin catalog knows, each with the
/// snapshot of every group that stands at it and its number of tables.
fn versions(format: Format) -> Result<i32, Error> {
    let catalog = crate::model::catalog::Catalog::builtin()?;
    let releases: Vec<serde_json::Value> = catalog
        .releases()
        .into_iter()
        .map(|r| {
            let groups: Vec<serde_json::Value> = catalog
                .release_groups(r)
                .into_iter()
                .map(|(g, v, tables)| {
                    serde_json::json!({"group": g.name(), "snapshot": v.to_string(), "tables": tables})
                })
                .collect();
            serde_json::json!({
                "release": r.to_string(),
                "newest": Some(r) == catalog.newest(),
                "groups": groups,
            })
        })
        .collect();
    let mut out = std::io::stdout().lock();
    match format {
        Format::Json => {
            let text = serde_json::to_string_pretty(&releases).unwrap_or_default();
            let _ = writeln!(out, "{text}");
        }
        Format::Text => {
            for r in catalog.releases() {
                let tag = if Some(r) == catalog.newest() {
                    " (newest: what a fresh database gets)"
                } else {
                    ""
                };
                let _ = writeln!(out, "IS {r}{tag}");
                for (g, v, tables) in catalog.release_groups(r) {
                    let _ = writeln!(out, "  {:<16} {tables:>3} tables  (snapshot {v})", g.name());
                }
            }
        }
    }
    Ok(0)
}

/// `isdb migrate`.
async fn migrate(a: args::MigrateArgs, quiet: bool) -> Result<i32, Error> {
    let mut deployment = crate::migrate::resolve(&a.to_target_args(), &env)?;
    check_local_registries(&deployment.layout, quiet)?;
    let mut prompt = crate::config::prompt_on_terminal;
    crate::migrate::target::fill_passwords(&mut deployment, a.empty_password, Some(&mut prompt))?;
    // The configuration is planned (and checked) before any database is touched.
    let config_plan = match &a.emit_config {
        Some(_) => {
            // The release the databases are migrated to, and so what the nodes run.
            let release = match &deployment.release {
                Some(v) => v.clone(),
                None => crate::migrate::target::newest_release()?,
            };
            let dialect = config_dialect(deployment.backend.dialect(), &release)?;
            // `resolve` above has already said everything reading the same
            // arguments again would warn about (a password in --url), once.
            let resolved = tracing::dispatcher::with_default(&tracing::Dispatch::none(), || {
                crate::migrate::target::resolve_servers(&a.to_target_args())
            })?;
            let plan = node_config_plan(
                dialect,
                resolved,
                &a.nodes,
                (release, a.empty_password),
                Some(&deployment),
            )?;
            plan.check_layout(&deployment.layout)?;
            Some(plan)
        }
        None => None,
    };
    if let (Some(dir), false) = (&a.emit_config, a.force) {
        crate::atomic::check_output_dir(dir, false)?;
    }
    let plan = crate::migrate::Plan::new(deployment);
    if a.dry_run {
        let scripts = plan.dry_run().await?;
        print_dry_run(&scripts, plan.deployment().backend);
        return Ok(0);
    }
    let report = if quiet {
        plan.migrate(&crate::migrate::NoProgress).await?
    } else {
        plan.migrate(&progress::TerminalProgress::new()).await?
    };
    if let (Some(dir), Some(cp)) = (&a.emit_config, &config_plan) {
        write_config(cp, dir, None, a.force)?;
    }
    if !quiet {
        let n = report.applied();
        let dbs = report.databases.len();
        let releases = releases(report.databases.iter().map(|d| d.release.as_str()));
        if n == 0 {
            println!("all {dbs} database(s) already up to date; nothing applied; {releases}");
        } else {
            println!("applied {n} migration(s) across {dbs} database(s); {releases}");
        }
    }
    Ok(0)
}

/// The dry run: a summary per database, then one script that the engine's
/// client runs as it is (comments, creation, connect lines, statements, history).
fn print_dry_run(scripts: &[crate::migrate::DryRunScript], backend: crate::migrate::Backend) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "-- isdb migrate --dry-run: what a run would do; nothing has been changed."
    );
    for s in scripts {
        let what = if s.migrations.is_empty() {
            "up to date, nothing would run".to_string()
        } else {
            format!(
                "{}{} migration(s) ({}), {} table(s) to create, {} statement(s)",
                if s.create_database {
                    "create the database; "
                } else {
                    ""
                },
                s.migrations.len(),
                s.migrations.join(", "),
                s.tables,
                s.statements
            )
        };
        let _ = writeln!(
            out,
            "--   {} ({}): IS {}; {what}",
            s.database, s.location, s.release
        );
    }
    let client = backend.engine().client_command();
    let _ = writeln!(
        out,
        "-- The SQL below runs as it is, as the user isdb connects as: {client}\n"
    );
    for s in scripts.iter().filter(|s| !s.sql.is_empty()) {
        let _ = writeln!(out, "-- ==== {} ({})", s.database, s.location);
        let _ = writeln!(out, "{}", s.sql);
    }
}

/// `isdb status`.
async fn status(a: args::StatusArgs) -> Result<i32, Error> {
    let deployment = crate::migrate::resolve(&a.target.to_target_args(), &env)?;
    let report = crate::migrate::Plan::new(deployment).status().await?;
    let mut out = std::io::stdout().lock();
    match a.format {
        Format::Json => {
            let text = serde_json::to_string_pretty(&report).unwrap_or_default();
            let _ = writeln!(out, "{text}");
        }
        Format::Text => {
            for d in &report.databases {
                let state = match (d.reachable, d.exists) {
                    (false, _) => "unreachable",
                    (true, false) => "does not exist yet (isdb migrate creates it)",
                    (true, true) => "reachable",
                };
                let release = if d.release.is_empty() {
                    String::new()
                } else {
                    format!(", IS {}", d.release)
                };
                let _ = writeln!(out, "{} ({}): {state}{release}", d.database, d.location);
                if let Some(e) = &d.error {
                    let _ = writeln!(out, "  {e}");
                }
                for p in &d.problems {
                    let _ = writeln!(out, "  refused by migrate: {p}");
                }
                for g in &d.groups {
                    let _ = writeln!(
                        out,
                        "  {:<16} applied: {:<10} pending: {:<10}{}",
                        g.group,
                        list(&g.applied),
                        list(&g.pending),
                        if g.partial.is_empty() {
                            String::new()
                        } else {
                            format!(" half-applied: {}", list(&g.partial))
                        }
                    );
                }
            }
        }
    }
    Ok(if report.up_to_date() { 0 } else { 1 })
}

/// `isdb config`.
fn config(a: args::ConfigArgs) -> Result<i32, Error> {
    let target = a.target.to_target_args();
    let release = crate::migrate::target::resolve_release(&target)?;
    let resolved = crate::migrate::target::resolve_servers(&target)?;
    let dialect = config_dialect(config_engine(a.dialect.as_deref(), &resolved.1)?, &release)?;
    let plan = node_config_plan(
        dialect,
        resolved,
        &a.nodes,
        (release, a.empty_password),
        None,
    )?;
    match (&a.out, &a.is_home, a.node) {
        (Some(out), _, _) => write_config(&plan, out, a.from.as_deref(), a.force)?,
        (None, Some(home), Some(node)) => {
            let report = plan.patch_is_home(home, node, a.diff)?;
            let mut stdout = std::io::stdout().lock();
            if a.diff {
                let _ = write!(stdout, "{}", report.diff);
            } else if report.changed.is_empty() {
                let _ = writeln!(stdout, "node {node}: already configured; nothing changed");
            } else {
                for f in &report.changed {
                    let _ = writeln!(stdout, "patched {}", f.display());
                }
                for b in &report.backups {
                    let _ = writeln!(stdout, "backup  {}", b.display());
                }
            }
            for n in &report.notes {
                let _ = writeln!(stdout, "note: {n}");
            }
            for w in &report.warnings {
                eprintln!("warning: {w}");
            }
            for jar in plan.driver_jars() {
                let _ = writeln!(stdout, "{jar}");
            }
        }
        _ => {
            return Err(Error::Usage(
                "give --out DIR, or --is-home PATH with --node K".into(),
            ));
        }
    }
    Ok(0)
}

/// The engine `config` writes for: the one the URLs name, or `--dialect`; a
/// `--dialect` that contradicts a URL is refused, and so are URLs of two engines.
fn config_engine(
    flag: Option<&str>,
    servers: &[crate::migrate::target::ServerTarget],
) -> Result<&'static dyn crate::dialect::Dialect, Error> {
    let mut from_urls: Vec<(&str, &'static str)> = Vec::new();
    for s in servers {
        let Some(scheme) = s.scheme.as_deref() else {
            continue;
        };
        let engine = crate::dialect::by_scheme(scheme).map(|d| d.name()).ok_or_else(|| {
            Error::Usage(format!(
                "unknown URL scheme `{}:` (expected postgres://, mysql://, mariadb://, oracle://, sqlserver://, db2:// or h2:)",
                scheme.escape_default()
            ))
        })?;
        if !from_urls.iter().any(|(_, e)| *e == engine) {
            from_urls.push((scheme, engine));
        }
    }
    if let [(a, _), (b, _), ..] = from_urls.as_slice() {
        return Err(Error::Usage(format!(
            "the URLs name two engines ({a}: and {b}:); isdb configures one engine per cluster"
        )));
    }
    match (flag, from_urls.first()) {
        (Some(name), Some((scheme, engine))) => {
            let d = args::dialect(name)?;
            // oracle-rac is oracle with several hosts: its URL names its base dialect.
            let base = d.override_chain().first().copied().unwrap_or(d.name());
            if base != *engine {
                return Err(Error::Usage(format!(
                    "--dialect {name} contradicts the URL, which names {scheme}: (the {engine} engine); drop --dialect or fix the URL"
                )));
            }
            Ok(d)
        }
        (Some(name), None) => args::dialect(name),
        (None, Some((_, engine))) => args::dialect(engine),
        (None, None) => Err(Error::Usage(
            "no engine: give --url with the server's scheme (postgres://, mysql://, mariadb://, oracle://, sqlserver://, db2://, h2:) or --dialect".into(),
        )),
    }
}

/// Refuses a layout where nodes would share a local registry, in `migrate` as
/// in `config`; the merged layout keeps each node's local registry in its
/// embedded H2 instead, which it says.
fn check_local_registries(layout: &Layout, quiet: bool) -> Result<(), Error> {
    let Some((a, b, physical)) = layout.shared_local_registry() else {
        return Ok(());
    };
    if layout.local_registries_in_shared_registry() {
        if !quiet {
            eprintln!(
                "note: {physical} holds the shared registry; each node keeps its local registry (REGISTRY_LOCAL1..{}) in its embedded H2, as stock IS does (`isdb config` writes that)",
                layout.nodes
            );
        }
        return Ok(());
    }
    Err(Error::Usage(format!(
        "{a} and {b} are the same database ({physical}), but each node needs its own local registry: map each REGISTRY_LOCAL<k> to its own database"
    )))
}

/// The datasource configuration of every node, checked, for `dialect`.
/// Passwords `migrate` already holds (`deployment`) are used as they are.
fn node_config_plan(
    dialect: &'static dyn crate::dialect::Dialect,
    (layout, servers): (Layout, Vec<crate::migrate::target::ServerTarget>),
    flags: &args::NodeConfigFlags,
    (release, empty_password): (crate::model::catalog::Version, bool),
    deployment: Option<&crate::migrate::Deployment>,
) -> Result<crate::config::ConfigPlan, Error> {
    use crate::config::{ConfigRequest, LocalRegistry, Target, Targets};
    let mut databases = std::collections::BTreeMap::new();
    for s in &servers {
        databases.insert(
            s.db.name.clone(),
            Target {
                host: s.host.clone(),
                port: s.port,
                database: Some(s.db.name.clone()),
                user: s.user.clone().unwrap_or_else(|| "wso2carbon".into()),
                password: s.password.clone(),
                tls: s.tls.clone(),
            },
        );
    }
    let default = databases.values().next().cloned().unwrap_or_default();
    let mut req = ConfigRequest::new(dialect, layout, Targets { default, databases });
    req.release = release;
    req.user_store = flags.user_store.parse()?;
    if let Some(l) = &flags.local_registry {
        req.local_registry = l.parse::<LocalRegistry>()?;
    }
    req.plaintext_passwords = flags.plaintext_passwords;
    req.empty_password = empty_password;
    for h in &flags.node_hosts {
        let (node, host) = crate::config::parse_node_host(h)?;
        req.node_hosts.insert(node, host);
    }
    for o in &flags.port_offsets {
        req.ldap_port = crate::config::parse_port_offset(o)?;
    }
    match deployment {
        Some(d) => {
            for c in &d.databases {
                if let Some(p) = c.password() {
                    for l in &c.db.logical {
                        req.passwords.insert(*l, p.clone());
                    }
                }
            }
            crate::config::resolve_passwords(&mut req, &env, None)?;
        }
        None => {
            let mut prompt = crate::config::prompt_on_terminal;
            crate::config::resolve_passwords(&mut req, &env, Some(&mut prompt))?;
        }
    }
    let plan = crate::config::plan(&req)?;
    for w in plan.warnings() {
        eprintln!("warning: {w}");
    }
    Ok(plan)
}

/// `d`, when WSO2 IS `release` can use its databases (there is datasource
/// configuration for it); a release isdb cannot configure is refused here too.
fn config_dialect(
    d: &'static dyn crate::dialect::Dialect,
    release: &crate::model::catalog::Version,
) -> Result<&'static dyn crate::dialect::Dialect, Error> {
    crate::config::jdbc::facts(d, crate::config::ConfigGeneration::for_release(release)?)?;
    Ok(d)
}

fn write_config(
    plan: &crate::config::ConfigPlan,
    out: &std::path::Path,
    from: Option<&std::path::Path>,
    force: bool,
) -> Result<(), Error> {
    let report = match from {
        Some(template) => plan.write_tree_from(template, out, force)?,
        None => plan.write_tree(out, force)?,
    };
    let mut stdout = std::io::stdout().lock();
    for f in &report.files {
        let _ = writeln!(stdout, "wrote {}", f.display());
    }
    for w in &report.warnings {
        eprintln!("warning: {w}");
    }
    for jar in plan.driver_jars() {
        let _ = writeln!(stdout, "{jar}");
    }
    Ok(())
}

fn plan_to(target: &crate::migrate::TargetArgs) -> Result<crate::migrate::Plan, Error> {
    let deployment = crate::migrate::resolve(target, &env)?;
    Ok(crate::migrate::Plan::new(deployment))
}

fn print_verification(
    report: &crate::migrate::VerifyReport,
    format: Format,
    strict: bool,
    baseline: bool,
) {
    let mut out = std::io::stdout().lock();
    if let Format::Json = format {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        );
        return;
    }
    for d in &report.databases {
        let verdict = match (&d.error, d.failing(strict)) {
            (Some(_), _) => "FAILED",
            (None, true) => "DIFFERS",
            (None, false) if d.differences.is_empty() => "clean",
            (None, false) => "clean (extra objects only)",
        };
        let _ = writeln!(out, "{} ({}): {verdict}", d.database, d.location);
        if let Some(r) = &d.release {
            let _ = if d.failing(strict) {
                writeln!(out, "  matches no IS release; nearest: IS {r}")
            } else {
                writeln!(out, "  built for IS {r} (detected from its schema)")
            };
        }
        if !d.compared_with.is_empty() {
            let _ = writeln!(out, "  compared with: {}", d.compared_with.join(", "));
        }
        let mut last_table = "";
        for x in &d.differences {
            if x.table() != last_table {
                last_table = x.table();
                let _ = writeln!(out, "  {last_table}:");
            }
            let tag = if x.is_extra() { " (extra)" } else { "" };
            let _ = writeln!(out, "    {x}{tag}");
        }
        if let Some(e) = &d.error {
            let _ = writeln!(out, "  {e}");
        }
        if baseline {
            if d.recorded.is_empty() && d.error.is_none() {
                let _ = writeln!(
                    out,
                    "  nothing to record: the history already has every migration"
                );
            }
            for r in &d.recorded {
                let _ = writeln!(out, "  recorded {r} as applied (no DDL run)");
            }
        }
    }
}

/// The distinct releases a run left the databases at, as `IS release 5.3.0`.
fn releases<'a>(each: impl Iterator<Item = &'a str>) -> String {
    let mut v: Vec<&str> = each.filter(|r| !r.is_empty()).collect();
    v.sort_unstable();
    v.dedup();
    format!("IS release {}", v.join(", "))
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok()
}

fn list(v: &[String]) -> String {
    if v.is_empty() {
        "-".into()
    } else {
        v.join(",")
    }
}
