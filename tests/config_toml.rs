//! `isdb config` for IS 5.9.0–5.11.0: one deployment.toml per node (issue 13).
//!
//! Every emitted file is parsed here with the `toml` crate and mapped to the
//! datasources WSO2's templates would render, by a reader of this file's own
//! written from the facts (carbon-kernel 4.5.1/4.6.1 default.json,
//! master-datasources.xml.j2, user-mgt.xml.j2, registry.xml.j2; product-is
//! identity-db-template): JNDI names, URLs, drivers and which tables each
//! datasource serves. The live tests read every JDBC URL back and connect with
//! isdb's own connection code to databases `isdb migrate` built.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use isdb::Error;
use isdb::config::{self, ConfigRequest, LocalRegistry, Secret, Target, Targets, UserStore};
use isdb::dialect;
use isdb::layout::{Layout, LayoutKind, TableGroup};
use isdb::model::catalog::{Catalog, Version};

const PASSWORD: &str = "p&w\"q'\\é]x";
const HOSTS: [&str; 2] = ["is1.example.com", "is2.example.com"];

fn request(dialect_name: &str, kind: LayoutKind, release: &str) -> ConfigRequest {
    let target = Target {
        host: Some("db.example.com".into()),
        port: None,
        database: None,
        user: "wso2".into(),
        password: Some(Secret::new(PASSWORD)),
        tls: Default::default(),
    };
    let layout = Layout::new(kind, 2, "").unwrap();
    let mut req = ConfigRequest::new(
        dialect::by_name(dialect_name).unwrap(),
        layout,
        Targets::uniform(target),
    );
    req.release = Version::parse(release).unwrap();
    for (k, h) in HOSTS.iter().enumerate() {
        req.node_hosts.insert(k as u16 + 1, h.to_string());
    }
    req
}

fn toml_of(plan: &config::ConfigPlan, node: u16) -> String {
    let files = plan.files(node).unwrap();
    assert_eq!(files.len(), 1, "one file per node");
    assert_eq!(files[0].path, "repository/conf/deployment.toml");
    assert!(files[0].complete);
    files[0].contents().to_string()
}

// ---------------------------------------------------------------------------
// WSO2's key mapping, as the facts describe it.

/// One datasource the server would render from a deployment.toml.
#[derive(Debug, Clone)]
struct Rendered {
    name: String,
    jndi: String,
    url: String,
    driver: String,
    user: String,
    /// The password after `$secret{…}` and the cipher tool's `[…]` are resolved.
    password: String,
    validation_query: Option<String>,
    /// The table groups its consumers read.
    serves: BTreeSet<TableGroup>,
}

fn get<'a>(t: &'a toml::Table, path: &[&str]) -> Option<&'a toml::Value> {
    let (last, init) = path.split_last()?;
    let mut cur = t;
    for p in init {
        cur = cur.get(*p)?.as_table()?;
    }
    cur.get(*last)
}

fn str_at(t: &toml::Table, path: &[&str]) -> Option<String> {
    get(t, path).and_then(|v| v.as_str()).map(str::to_string)
}

fn resolve_secret(doc: &toml::Table, value: &str) -> String {
    match value
        .strip_prefix("$secret{")
        .and_then(|r| r.strip_suffix('}'))
    {
        Some(alias) => {
            let v = str_at(doc, &["secrets", alias])
                .unwrap_or_else(|| panic!("$secret{{{alias}}} has no [secrets] entry"));
            v.strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
                .unwrap_or_else(|| panic!("{alias} is not a [value] for the cipher tool"))
                .to_string()
        }
        None => value.to_string(),
    }
}

fn block(doc: &toml::Table, t: &toml::Table, name: &str, jndi: &str) -> Rendered {
    let s = |k: &str| {
        t.get(k)
            .and_then(|v| v.as_str())
            .unwrap_or_else(|| panic!("{name} has no {k}"))
            .to_string()
    };
    Rendered {
        name: name.into(),
        jndi: jndi.into(),
        url: s("url"),
        driver: s("driver"),
        user: s("username"),
        password: resolve_secret(doc, &s("password")),
        validation_query: get(t, &["pool_options", "validationQuery"])
            .and_then(|v| v.as_str())
            .map(str::to_string),
        serves: BTreeSet::new(),
    }
}

/// The datasources WSO2 renders from `doc`, with what each serves.
fn render(doc: &toml::Table) -> Vec<Rendered> {
    let mut out = Vec::new();
    let db = |k: &str| get(doc, &["database", k]).and_then(|v| v.as_table());
    for (key, name, jndi) in [
        ("identity_db", "WSO2_IDENTITY_DB", "jdbc/WSO2IdentityDB"),
        ("shared_db", "WSO2_SHARED_DB", "jdbc/SHARED_DB"),
        ("user", "WSO2USER_DB", "jdbc/WSO2USER_DB"),
        ("config", "WSO2CONFIG_DB", "jdbc/WSO2CONFIG_DB"),
    ] {
        if let Some(t) = db(key) {
            out.push(block(doc, t, name, jndi));
        }
    }
    if let Some(list) = doc.get("datasource").and_then(|v| v.as_array()) {
        for t in list.iter().filter_map(|v| v.as_table()) {
            let id = t["id"].as_str().unwrap();
            out.push(block(doc, t, id, &format!("jdbc/{id}")));
        }
    }
    if let Some(t) = get(doc, &["bps_database", "config"]).and_then(|v| v.as_table()) {
        out.push(block(doc, t, "BPS_DS", "bpsds"));
    }
    let has_metrics = out.iter().any(|d| d.jndi == "jdbc/WSO2MetricsDB");
    let has_bps = out.iter().any(|d| d.jndi == "bpsds");
    let mut serve = |jndi: String, g: TableGroup| {
        let ds = out
            .iter_mut()
            .find(|d| d.jndi == jndi)
            .unwrap_or_else(|| panic!("{jndi} ({g:?}) is not defined"));
        ds.serves.insert(g);
    };
    // Consent and UMA read authentication.consent.data_source, default jdbc/WSO2IdentityDB.
    serve("jdbc/WSO2IdentityDB".into(), TableGroup::Identity);
    serve("jdbc/SHARED_DB".into(), TableGroup::Registry);
    if db("config").is_some() {
        serve("jdbc/WSO2CONFIG_DB".into(), TableGroup::Registry);
    }
    let realm = str_at(doc, &["realm_manager", "data_source"]).unwrap_or("SHARED_DB".into());
    serve(format!("jdbc/{realm}"), TableGroup::UserManagement);
    if let Some(ds) = str_at(doc, &["user_store", "properties", "dataSource"]) {
        serve(ds, TableGroup::UserManagement);
    }
    // carbon-metrics' shipped configuration reads jdbc/WSO2MetricsDB.
    if has_metrics {
        serve("jdbc/WSO2MetricsDB".into(), TableGroup::Metrics);
    }
    if has_bps {
        serve("bpsds".into(), TableGroup::Bps);
    }
    out
}

/// The engine a JDBC URL names, and the drivers kernel infer.json pairs with it.
fn engine_of(url: &str) -> (&'static str, &'static [&'static str]) {
    if url.starts_with("jdbc:postgresql://") {
        ("postgre", &["org.postgresql.Driver"])
    } else if url.starts_with("jdbc:mysql://") {
        (
            "mysql",
            &["com.mysql.jdbc.Driver", "com.mysql.cj.jdbc.Driver"],
        )
    } else {
        panic!("unexpected JDBC URL {url}")
    }
}

/// Checks one node's file: it parses, the rendered datasources hold together,
/// every table group has its datasource, secrets are references, the node's
/// host and the cluster's members are right. Returns the rendered datasources.
fn check_node(text: &str, node: u16, nodes: u16, expected_type: &str) -> Vec<Rendered> {
    let doc: toml::Table = toml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let ds = render(&doc);
    let mut jndis = BTreeSet::new();
    for d in &ds {
        assert!(jndis.insert(d.jndi.clone()), "{} defined twice", d.jndi);
        let (engine, drivers) = engine_of(&d.url);
        assert_eq!(engine, expected_type, "{}", d.name);
        assert!(
            drivers.contains(&d.driver.as_str()),
            "{}: {}",
            d.name,
            d.driver
        );
        assert!(
            d.validation_query.is_some(),
            "{} has no validationQuery",
            d.name
        );
        assert!(!d.serves.is_empty(), "{} serves nothing", d.name);
    }
    assert!(
        !jndis.contains("jdbc/WSO2CarbonDB"),
        "WSO2_CARBON_DB is H2-only"
    );
    for key in ["identity_db", "shared_db", "user"] {
        if let Some(t) = get(&doc, &["database", key]).and_then(|v| v.as_table()) {
            assert_eq!(t["type"].as_str(), Some(expected_type), "{key}");
        }
    }
    let served: BTreeSet<TableGroup> = ds.iter().flat_map(|d| d.serves.clone()).collect();
    for g in [
        TableGroup::Identity,
        TableGroup::Registry,
        TableGroup::UserManagement,
        TableGroup::Metrics,
        TableGroup::Bps,
    ] {
        assert!(served.contains(&g), "nothing serves {g:?}");
    }
    // Secrets: never a plaintext password in a datasource block.
    assert!(!text.contains(&format!("password = \"{PASSWORD}")));
    let host = HOSTS[node as usize - 1];
    assert_eq!(str_at(&doc, &["server", "hostname"]).as_deref(), Some(host));
    if nodes > 1 {
        assert_eq!(
            str_at(&doc, &["clustering", "membership_scheme"]).as_deref(),
            Some("wka")
        );
        assert_eq!(
            str_at(&doc, &["clustering", "local_member_host"]).as_deref(),
            Some(host)
        );
        let members: Vec<&str> = get(&doc, &["clustering", "members"])
            .and_then(|v| v.as_array())
            .unwrap()
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        let port = str_at(&doc, &["clustering", "local_member_port"]).unwrap();
        assert!(members.contains(&format!("{host}:{port}").as_str()));
        assert_eq!(members.len(), nodes as usize);
    }
    ds
}

// ---------------------------------------------------------------------------

#[test]
fn golden_deployment_toml_for_5_9_and_5_11() {
    for release in ["5.9.0", "5.11.0"] {
        for d in ["postgres", "mysql"] {
            for kind in [LayoutKind::Merged, LayoutKind::Split] {
                let plan = config::plan(&request(d, kind, release)).unwrap();
                for node in plan.nodes() {
                    let mut out = String::new();
                    for w in plan.warnings() {
                        out.push_str(&format!("warning: {w}\n"));
                    }
                    out.push_str(&toml_of(&plan, node));
                    insta::assert_snapshot!(
                        format!("toml_{release}_{d}_{}_node{node}", kind.name()),
                        out
                    );
                }
            }
        }
    }
}

#[test]
fn every_deployment_toml_renders_consistent_datasources() {
    for release in ["5.9.0", "5.10.0", "5.11.0"] {
        for (d, ty) in [("postgres", "postgre"), ("mysql", "mysql")] {
            for kind in [LayoutKind::Merged, LayoutKind::Split] {
                for (store, local, plaintext) in [
                    (UserStore::Jdbc, LocalRegistry::H2, false),
                    (UserStore::Ldap, LocalRegistry::H2, false),
                    (UserStore::Jdbc, LocalRegistry::H2, true),
                ] {
                    let mut req = request(d, kind, release);
                    req.user_store = store;
                    req.local_registry = local;
                    req.plaintext_passwords = plaintext;
                    let plan = config::plan(&req).unwrap();
                    for node in plan.nodes() {
                        let text = toml_of(&plan, node);
                        let ds = check_node(&text, node, 2, ty);
                        for r in &ds {
                            assert_eq!(r.password, PASSWORD, "{}", r.name);
                            assert_eq!(r.user, "wso2");
                        }
                        assert_eq!(text.contains("$secret{"), !plaintext);
                    }
                }
            }
        }
    }
}

#[test]
fn the_realm_and_a_separate_user_store_are_wired_as_the_layout_places_them() {
    let doc = |kind| -> toml::Table {
        let plan = config::plan(&request("postgres", kind, "5.11.0")).unwrap();
        toml::from_str(&toml_of(&plan, 1)).unwrap()
    };
    let merged = doc(LayoutKind::Merged);
    assert_eq!(
        str_at(&merged, &["realm_manager", "data_source"]).as_deref(),
        Some("SHARED_DB")
    );
    assert!(get(&merged, &["database", "user"]).is_none());
    assert!(get(&merged, &["user_store", "properties", "dataSource"]).is_none());
    let split = doc(LayoutKind::Split);
    assert_eq!(
        str_at(&split, &["realm_manager", "data_source"]).as_deref(),
        Some("WSO2USER_DB")
    );
    assert!(
        str_at(&split, &["database", "user", "url"])
            .unwrap()
            .ends_with("/userstore_db")
    );
    assert_eq!(
        str_at(&split, &["user_store", "properties", "dataSource"]).as_deref(),
        Some("jdbc/WSO2_USER_DB")
    );
    assert_eq!(
        str_at(&split, &["user_store", "type"]).as_deref(),
        Some("database_unique_id")
    );
    let plan590 = config::plan(&request("postgres", LayoutKind::Split, "5.9.0")).unwrap();
    let doc590: toml::Table = toml::from_str(&toml_of(&plan590, 1)).unwrap();
    assert_eq!(
        str_at(&doc590, &["user_store", "type"]).as_deref(),
        Some("database")
    );
}

#[test]
fn the_unused_local_registry_is_said_in_the_file_and_a_warning() {
    let plan = config::plan(&request("mysql", LayoutKind::Split, "5.10.0")).unwrap();
    assert!(
        plan.warnings()
            .iter()
            .any(|w| w.contains("WSO2_CARBON_DB") && w.contains("REGISTRY_LOCAL"))
    );
    for node in plan.nodes() {
        let text = toml_of(&plan, node);
        assert!(text.contains(&format!("REGISTRY_LOCAL{node} is not used")));
        assert!(!text.contains(&format!("registry_local{node}")));
    }
    let mut req = request("mysql", LayoutKind::Split, "5.10.0");
    req.local_registry = LocalRegistry::H2;
    let plan = config::plan(&req).unwrap();
    assert!(!plan.warnings().iter().any(|w| w.contains("WSO2_CARBON_DB")));
}

#[test]
fn a_missing_password_leaves_a_note_and_no_secret() {
    let mut req = request("postgres", LayoutKind::Merged, "5.11.0");
    req.targets.default.password = None;
    let plan = config::plan(&req).unwrap();
    let text = toml_of(&plan, 1);
    assert!(text.contains("identity_db_password: no password was given"));
    let doc: toml::Table = toml::from_str(&text).unwrap();
    assert!(get(&doc, &["secrets", "identity_db_password"]).is_none());
    // Writing the tree refuses, as for the XML files.
    let dir = tempfile::tempdir().unwrap();
    let err = plan.write_tree(dir.path(), false).unwrap_err();
    assert!(matches!(err, Error::Usage(_)), "{err}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

#[test]
fn the_tree_holds_one_private_deployment_toml_per_node() {
    use std::os::unix::fs::PermissionsExt;
    let plan = config::plan(&request("mysql", LayoutKind::Split, "5.11.0")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    plan.write_tree(&dir.path().join("out"), false).unwrap();
    for node in plan.nodes() {
        let p = dir
            .path()
            .join(format!("out/node{node}/repository/conf/deployment.toml"));
        assert_eq!(std::fs::read_to_string(&p).unwrap(), toml_of(&plan, node));
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(!dir.path().join("out/fragments").exists());
}

#[test]
fn bad_input_is_refused_with_one_clear_message() {
    let usage = |req: &ConfigRequest| match config::plan(req) {
        Err(Error::Usage(m)) => m,
        other => panic!("expected a usage error, got {other:?}"),
    };
    let mut req = request("postgres", LayoutKind::Split, "5.11.0");
    req.release = Version::parse("5.2.0").unwrap();
    assert!(usage(&req).contains("not of IS 5.2.0"));

    let mut req = request("postgres", LayoutKind::Split, "5.11.0");
    req.node_hosts.remove(&2);
    assert!(usage(&req).contains("--node-host 2=HOST"));

    let mut req = request("postgres", LayoutKind::Split, "5.9.0");
    req.node_hosts.insert(1, "fd00::1".into());
    assert!(usage(&req).contains("IPv6"));

    let mut req = request("postgres", LayoutKind::Split, "5.11.0");
    req.dialect = dialect::by_name("sqlite").unwrap();
    usage(&req);

    // Not an IS home: refused, nothing written.
    let plan = config::plan(&request("postgres", LayoutKind::Split, "5.11.0")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let err = plan.patch_is_home(dir.path(), 1, false);
    assert!(matches!(err, Err(Error::Usage(_))));
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Issue 13 review: the deployment.toml releases have no key for a node's local
/// registry, so nothing asks for, requires or checks a REGISTRY_LOCAL<k> password,
/// while the XML releases still do.
#[test]
fn toml_releases_neither_prompt_for_nor_require_local_registry_passwords() {
    for release in ["5.9.0", "5.10.0", "5.11.0", "5.8.0"] {
        let xml = release == "5.8.0";
        let mut req = request("postgres", LayoutKind::Split, release);
        if xml {
            req.node_hosts.clear();
        }
        req.targets.default.password = None;
        let mut asked = Vec::new();
        let mut prompt = |p: &config::PasswordPrompt| {
            asked.push(p.database.clone());
            Ok(Some(Secret::new("typed")))
        };
        config::resolve_passwords(&mut req, &|_| None, Some(&mut prompt)).unwrap();
        assert_eq!(asked.len(), 1, "{release}: one server and user: {asked:?}");
        assert_eq!(
            asked[0].contains("registry_local1"),
            xml,
            "{release}: {asked:?}"
        );
        assert_eq!(
            req.passwords.keys().any(|l| l.local_node().is_some()),
            xml,
            "{release}"
        );
        assert_eq!(
            req.datasource_databases()
                .iter()
                .any(|l| l.local_node().is_some()),
            xml
        );
        // Every password the configuration needs is there: the tree is written.
        let plan = config::plan(&req).unwrap();
        let dir = tempfile::tempdir().unwrap();
        plan.write_tree(&dir.path().join("out"), false)
            .unwrap_or_else(|e| panic!("{release}: {e}"));
    }
}

/// Issue 13 review: `--local-registry database` with the merged layout is refused
/// for the XML releases (the nodes would share the registry database) and, for
/// the deployment.toml releases, which cannot use it, only warned about.
#[test]
fn local_registry_database_is_a_warning_where_the_release_cannot_use_it() {
    let mut req = request("postgres", LayoutKind::Merged, "5.11.0");
    req.local_registry = LocalRegistry::Database;
    let plan = config::plan(&req).unwrap();
    assert!(
        plan.warnings()
            .iter()
            .any(|w| w.contains("WSO2_CARBON_DB") && w.contains("--local-registry database")),
        "{:?}",
        plan.warnings()
    );
    check_node(&toml_of(&plan, 1), 1, 2, "postgre");
    req.release = Version::parse("5.8.0").unwrap();
    req.node_hosts.clear();
    let err = config::plan(&req).unwrap_err().to_string();
    assert!(
        err.contains("each node needs its own local registry"),
        "{err}"
    );
}

/// Issue 13 review: one node with the merged layout shares nothing with another
/// node; its local registry is its embedded H2 by default, or, when asked, the
/// layout's database.
#[test]
fn one_merged_node_is_configured_for_every_generation() {
    let layout = Layout::new(LayoutKind::Merged, 1, "").unwrap();
    for release in ["5.3.0", "5.8.0", "5.11.0"] {
        let mut req = request("postgres", LayoutKind::Merged, release);
        req.layout = layout.clone();
        req.local_registry = LocalRegistry::for_layout(&layout);
        req.node_hosts.clear();
        assert_eq!(req.local_registry, LocalRegistry::H2);
        let plan = config::plan(&req).unwrap_or_else(|e| panic!("{release}: {e}"));
        assert_eq!(plan.nodes(), [1]);
        req.local_registry = LocalRegistry::Database;
        let plan = config::plan(&req).unwrap_or_else(|e| panic!("{release}: {e}"));
        if release != "5.11.0" {
            let local = plan
                .datasources(1)
                .unwrap()
                .iter()
                .find(|d| d.logical == isdb::layout::LogicalDb::RegistryLocal(1))
                .map(|d| d.url.clone())
                .unwrap();
            assert!(local.ends_with("/wso2is"), "{release}: {local}");
        }
    }
}

/// Issue 13 acceptance, on the command line: a release isdb has no
/// configuration for, a URL whose engine no release supports, a node host
/// missing where clustering needs it: one clear message, exit 2, nothing written.
#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let split = [
        "config",
        "--layout",
        "split",
        "--url",
        "postgres://wso2@db.example.org/",
    ];
    let cases: [(Vec<&str>, &str); 5] = [
        (
            [&split[..], &["--is-version", "5.2.0"]].concat(),
            "isdb knows no IS release `5.2.0`",
        ),
        (
            vec![
                "config",
                "--url",
                "sqlite://isdb.db",
                "--is-version",
                "5.9.0",
            ],
            "WSO2 IS 5.9.0 has no JDBC datasource support for `sqlite`",
        ),
        (
            vec!["config", "--url", "sqlite://isdb.db"],
            "WSO2 IS 5.11.0 has no JDBC datasource support for `sqlite`",
        ),
        (
            [&split[..], &["--node-host", "1=is1.example.org"]].concat(),
            "IS 5.11.0 clusters the 2 nodes by well-known address, so every node needs its host: give --node-host 2=HOST",
        ),
        (
            [
                &split[..],
                &["--is-version", "5.9.0", "--node-host", "2=is2"],
            ]
            .concat(),
            "IS 5.9.0 clusters the 2 nodes by well-known address, so every node needs its host: give --node-host 1=HOST",
        ),
    ];
    for (mut args, message) in cases {
        let dir = tempfile::tempdir().unwrap();
        args.extend(["--out", "conf"]);
        let (code, out, err) = common::run_isdb(dir.path(), &args, &[("ISDB_PASSWORD", "s3cret")]);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(message), "{args:?}: {err}");
        assert_eq!(
            err.lines().filter(|l| l.starts_with("error:")).count(),
            1,
            "{err}"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{args:?}: nothing may be written"
        );
    }
}

// ---------------------------------------------------------------------------
// Patching a stock deployment.toml in place.

const STOCK_5_11: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/config/is-home-5.11.0"
);
const TOML_PATH: &str = "repository/conf/deployment.toml";

/// A copy of the stock 5.11.0 home's deployment.toml in a temporary IS home.
fn stock_home() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("repository/conf")).unwrap();
    std::fs::copy(
        format!("{STOCK_5_11}/{TOML_PATH}"),
        dir.path().join(TOML_PATH),
    )
    .unwrap();
    dir
}

fn entries(dir: &std::path::Path) -> BTreeSet<String> {
    std::fs::read_dir(dir.join("repository/conf"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn patching_the_stock_5_11_file_changes_only_the_keys_isdb_owns() {
    for d in ["postgres", "mysql"] {
        for kind in [LayoutKind::Merged, LayoutKind::Split] {
            let home = stock_home();
            let old = std::fs::read_to_string(home.path().join(TOML_PATH)).unwrap();
            let plan = config::plan(&request(d, kind, "5.11.0")).unwrap();

            let preview = plan.patch_is_home(home.path(), 2, true).unwrap();
            assert!(!preview.written);
            assert!(!preview.diff.contains(PASSWORD) && preview.diff.contains("***"));
            assert!(
                !preview.diff.contains("password = \"wso2carbon\""),
                "stock passwords are redacted too:\n{}",
                preview.diff
            );
            assert_eq!(
                std::fs::read_to_string(home.path().join(TOML_PATH)).unwrap(),
                old
            );

            let report = plan.patch_is_home(home.path(), 2, false).unwrap();
            assert!(report.written);
            assert!(
                report.warnings.iter().any(|w| w.contains("connection_url")),
                "the stock LDAP keys left beside a JDBC store are named: {:?}",
                report.warnings
            );
            assert_eq!(report.backups.len(), 1);
            assert_eq!(std::fs::read(&report.backups[0]).unwrap(), old.as_bytes());
            let new = std::fs::read_to_string(home.path().join(TOML_PATH)).unwrap();
            let ty = if d == "postgres" { "postgre" } else { "mysql" };
            for r in check_node(&new, 2, 2, ty) {
                assert_eq!(r.password, PASSWORD, "{}", r.name);
            }

            // Outside the edited keys the file is the stock file, line for line.
            let owned = ["hostname", "type", "url", "username", "password", "driver"];
            let diff = similar::TextDiff::from_lines(&old, &new);
            for change in diff.iter_all_changes() {
                if change.tag() == similar::ChangeTag::Delete {
                    let key = change.value().split('=').next().unwrap().trim();
                    assert!(
                        owned.contains(&key),
                        "{d} {kind:?}: removed {:?}",
                        change.value()
                    );
                }
            }
            for comment in old.lines().filter(|l| l.trim_start().starts_with('#')) {
                assert!(new.contains(comment), "comment lost: {comment}");
            }
            let keep = new.find("[keystore.primary]").unwrap();
            assert!(new.find("[server]").unwrap() < keep, "order kept");
            assert!(new.contains("base_dn = \"dc=wso2,dc=org\"      #refers the base dn"));

            // A second run is a no-op.
            let again = plan.patch_is_home(home.path(), 2, false).unwrap();
            assert!(
                again.changed.is_empty() && again.diff.is_empty(),
                "{}",
                again.diff
            );
            assert_eq!(
                std::fs::read_to_string(home.path().join(TOML_PATH)).unwrap(),
                new
            );
            assert_eq!(entries(home.path()).len(), 2, "file and one backup");
        }
    }
}

#[test]
fn malformed_deployment_toml_is_refused_and_left_byte_identical() {
    let plan = config::plan(&request("postgres", LayoutKind::Split, "5.11.0")).unwrap();
    for bad in [
        &b"[server\nhostname = \"a\"\n"[..],
        b"[server]\nhostname = \"a\"\nhostname = \"b\"\n",
        b"[database.identity_db]\nurl = \n",
        b"\xff\xfe[server]\n",
    ] {
        let home = stock_home();
        std::fs::write(home.path().join(TOML_PATH), bad).unwrap();
        match plan.patch_is_home(home.path(), 1, false) {
            Err(Error::Usage(m)) => assert!(m.contains("deployment.toml"), "{m}"),
            other => panic!("expected a usage error, got {other:?}"),
        }
        assert_eq!(std::fs::read(home.path().join(TOML_PATH)).unwrap(), bad);
        assert_eq!(entries(home.path()).len(), 1, "no backup, no temp file");
    }
}

#[test]
fn repatching_without_passwords_keeps_the_secrets_the_file_holds() {
    let home = stock_home();
    let plan = config::plan(&request("mysql", LayoutKind::Split, "5.9.0")).unwrap();
    plan.patch_is_home(home.path(), 1, false).unwrap();
    let patched = std::fs::read_to_string(home.path().join(TOML_PATH)).unwrap();
    let mut req = request("mysql", LayoutKind::Split, "5.9.0");
    req.targets.default.password = None;
    let plan = config::plan(&req).unwrap();
    let report = plan.patch_is_home(home.path(), 1, false).unwrap();
    assert!(report.changed.is_empty(), "{}", report.diff);
    assert_eq!(
        std::fs::read_to_string(home.path().join(TOML_PATH)).unwrap(),
        patched
    );
    // A home whose file holds no secret for a datasource with no password is refused.
    let home = stock_home();
    let old = std::fs::read(home.path().join(TOML_PATH)).unwrap();
    assert!(matches!(
        plan.patch_is_home(home.path(), 1, false),
        Err(Error::Usage(_))
    ));
    assert_eq!(std::fs::read(home.path().join(TOML_PATH)).unwrap(), old);
}

#[test]
fn a_tree_from_the_stock_home_holds_each_nodes_patched_file() {
    let home = stock_home();
    let plan = config::plan(&request("postgres", LayoutKind::Merged, "5.10.0")).unwrap();
    let out = tempfile::tempdir().unwrap();
    plan.write_tree_from(home.path(), &out.path().join("t"), false)
        .unwrap();
    for node in plan.nodes() {
        let text =
            std::fs::read_to_string(out.path().join(format!("t/node{node}/{TOML_PATH}"))).unwrap();
        check_node(&text, node, 2, "postgre");
        assert!(text.contains("[keystore.primary]"));
    }
}

#[test]
fn a_single_node_has_no_clustering_and_needs_no_host() {
    let layout = Layout::new(LayoutKind::Merged, 1, "").unwrap();
    let mut req = request("postgres", LayoutKind::Merged, "5.11.0");
    req.layout = layout;
    req.node_hosts.clear();
    let plan = config::plan(&req).unwrap();
    let doc: toml::Table = toml::from_str(&toml_of(&plan, 1)).unwrap();
    assert!(doc.get("clustering").is_none());
    assert_eq!(
        str_at(&doc, &["server", "hostname"]).as_deref(),
        Some("localhost")
    );
}

// ---------------------------------------------------------------------------
// Live: the database behind each emitted datasource holds what it serves.

/// `jdbc:postgresql://h:p/db?…` → `postgres://user@h:p/db` (and MySQL alike).
fn isdb_url(jdbc: &str, user: &str) -> String {
    let (scheme, rest) = if let Some(r) = jdbc.strip_prefix("jdbc:postgresql://") {
        ("postgres", r)
    } else if let Some(r) = jdbc.strip_prefix("jdbc:mysql://") {
        ("mysql", r)
    } else {
        panic!("unexpected JDBC URL {jdbc}")
    };
    let rest = rest.split('?').next().unwrap();
    format!("{scheme}://{user}@{rest}")
}

async fn live(server: &common::Server, tag: &str) {
    let prefix = common::unique_prefix(tag);
    let base = url::Url::parse(&server.url).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::builtin().unwrap();
    let d = server.dialect();
    for kind in [LayoutKind::Merged, LayoutKind::Split] {
        let layout = Layout::new(kind, 2, &prefix).unwrap();
        let url = match kind {
            LayoutKind::Merged => server.db_url(&layout.databases[0].name),
            LayoutKind::Split => server.url.clone(),
        };
        let mut args = vec!["migrate", "--layout", kind.name(), "--url", &url];
        if kind == LayoutKind::Split {
            args.extend(["--db-prefix", &prefix]);
        }
        let (code, out, err) = common::run_isdb(dir.path(), &args, &[]);
        assert_eq!(code, 0, "{out}\n{err}");

        let target = Target {
            host: base.host_str().map(str::to_string),
            port: base.port(),
            database: None,
            user: base.username().to_string(),
            password: None,
            tls: Default::default(),
        };
        for release in ["5.9.0", "5.11.0"] {
            let mut req = ConfigRequest::new(d, layout.clone(), Targets::uniform(target.clone()));
            req.release = Version::parse(release).unwrap();
            req.empty_password = true;
            for (k, h) in HOSTS.iter().enumerate() {
                req.node_hosts.insert(k as u16 + 1, h.to_string());
            }
            let plan = config::plan(&req).unwrap();
            let ty = if server.is_postgres() {
                "postgre"
            } else {
                "mysql"
            };
            let mut checked = BTreeMap::new();
            for node in plan.nodes() {
                for ds in check_node(&toml_of(&plan, node), node, 2, ty) {
                    let url = isdb_url(&ds.url, &ds.user);
                    let deployment = isdb::migrate::resolve(
                        &isdb::migrate::TargetArgs {
                            url: Some(url.clone()),
                            ..Default::default()
                        },
                        &|_| None,
                    )
                    .unwrap();
                    let schema = isdb::migrate::inspect_database(&deployment.databases[0])
                        .await
                        .unwrap_or_else(|e| panic!("{} at {url}: {e}", ds.name));
                    let have: BTreeSet<String> = schema
                        .tables
                        .iter()
                        .map(|t| t.name.to_ascii_uppercase())
                        .collect();
                    for g in &ds.serves {
                        let m = catalog.up_to(*g, None);
                        let want = m.last().unwrap().schema(d);
                        for t in &want.tables {
                            assert!(
                                have.contains(&t.name.to_ascii_uppercase()),
                                "{release} node {node}: {} ({url}) serves {g:?} but lacks {}",
                                ds.name,
                                t.name
                            );
                        }
                        *checked.entry(*g).or_insert(0) += want.tables.len();
                    }
                }
            }
            assert_eq!(
                checked.len(),
                5,
                "every table group was checked: {checked:?}"
            );
        }
    }
    common::drop_databases(server, &prefix).await;
}

#[tokio::test]
async fn live_postgres_datasources_hold_the_tables_they_serve() {
    let Some(server) = common::postgres("toml_live_pg").await else {
        return;
    };
    live(&server, "tomlpg").await;
}

#[tokio::test]
async fn live_mariadb_datasources_hold_the_tables_they_serve() {
    let Some(server) = common::mysql("toml_live_my").await else {
        return;
    };
    live(&server, "tomlmy").await;
}
