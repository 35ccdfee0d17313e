//! Datasource and registry configuration for every node of an IS 5.3.0 cluster,
//! matching the layout `migrate` used (issue 4).
//!
//! The flow is [`plan`] (every check, nothing written) and then one of:
//! - [`ConfigPlan::write_tree`]: a tree per node, `DIR/node<k>/…`, holding the
//!   complete datasource files (installable with `cp -r DIR/node<k>/. $IS_HOME/`),
//!   and `DIR/fragments/node<k>/…` holding the DB-related parts of the files isdb
//!   does not own (registry.xml, user-mgt.xml, identity.xml, embedded-ldap.xml,
//!   the cipher-tool properties), to merge by hand;
//! - [`ConfigPlan::write_tree_from`]: the same tree made complete by patching a
//!   stock IS_HOME's files, so `cp -r` is the whole install step;
//! - [`ConfigPlan::patch_is_home`]: patch one node's IS_HOME in place, changing
//!   only the DB-related elements and keeping every other byte.
//!
//! Names come from one table ([`names`]), JDBC facts from `dialects/jdbc/`
//! ([`jdbc`]), and passwords go through secure vault aliases ([`secrets`]).

mod emit;
mod files;
pub mod jdbc;
pub mod names;
mod patch;
pub mod secrets;
mod txn;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

use crate::dialect::Dialect;
use crate::error::Error;
use crate::layout::{Layout, LogicalDb};

pub use crate::secret::Secret;
pub use names::{DatasourceFile, DatasourceNames, Names};
pub use secrets::{PasswordPrompt, Prompt, prompt_on_terminal, resolve_passwords};

use jdbc::{JdbcFacts, Pool};

/// Where the cluster's users live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum UserStore {
    /// Node 1 keeps its embedded LDAP and every other node uses it: node 1 is
    /// then a single point of failure for every login.
    Ldap,
    /// The default: a JDBC user store on WSO2_USER_DB, shared by every node;
    /// embedded LDAP off on every node.
    #[default]
    Jdbc,
}

impl std::str::FromStr for UserStore {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "ldap" => Ok(UserStore::Ldap),
            "jdbc" => Ok(UserStore::Jdbc),
            _ => Err(Error::Usage(format!(
                "unknown user store `{}` (expected ldap or jdbc)",
                s.escape_default()
            ))),
        }
    }
}

/// Where each node keeps its local registry (`jdbc/WSO2CarbonDB`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LocalRegistry {
    /// In the layout's REGISTRY_LOCAL<k> database.
    #[default]
    Database,
    /// In the node's embedded H2 file, as a stock IS node does.
    H2,
}

impl LocalRegistry {
    /// The default for `layout`: each node's own REGISTRY_LOCAL<k> database when
    /// the layout gives it one, else the node's embedded H2 (the merged layout
    /// has one database, which the nodes must not share as their local registry).
    pub fn for_layout(layout: &Layout) -> LocalRegistry {
        if layout.shared_local_registry().is_some() {
            LocalRegistry::H2
        } else {
            LocalRegistry::Database
        }
    }
}

impl std::str::FromStr for LocalRegistry {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "database" => Ok(LocalRegistry::Database),
            "h2" => Ok(LocalRegistry::H2),
            _ => Err(Error::Usage(format!(
                "unknown local registry `{}` (expected database or h2)",
                s.escape_default()
            ))),
        }
    }
}

/// How to reach one physical database.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Target {
    /// Server host name or IP literal. Oracle RAC takes several, comma-separated.
    /// None only for H2, whose databases are then files below each node's IS_HOME.
    pub host: Option<String>,
    /// Server port; the dialect's default when none.
    pub port: Option<u16>,
    /// The database name on the server (Oracle: the service name); the physical
    /// database's name when none.
    pub database: Option<String>,
    /// The user the datasources connect as.
    pub user: String,
    /// The password from the config file, if any.
    pub password: Option<Secret>,
    /// TLS settings for the JDBC URLs.
    pub tls: crate::migrate::server_url::Tls,
}

/// How to reach every physical database of the layout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    /// Used for every physical database not listed in `databases`.
    pub default: Target,
    /// Per physical database name.
    pub databases: BTreeMap<String, Target>,
}

impl Targets {
    /// Every physical database on the same server with the same credentials.
    pub fn uniform(target: Target) -> Targets {
        Targets {
            default: target,
            databases: BTreeMap::new(),
        }
    }

    /// The target of the physical database called `physical`.
    pub fn get(&self, physical: &str) -> &Target {
        self.databases.get(physical).unwrap_or(&self.default)
    }
}

/// Everything `isdb config` needs to know.
#[derive(Debug, Clone)]
pub struct ConfigRequest {
    /// The RDBMS of every database.
    pub dialect: &'static dyn Dialect,
    /// The same layout `migrate` used.
    pub layout: Layout,
    /// Where users live.
    pub user_store: UserStore,
    /// Hosts, ports and credentials per physical database.
    pub targets: Targets,
    /// Resolved passwords per logical database (see [`resolve_passwords`]); a
    /// database not listed uses its target's password. A database with neither
    /// has no known password: plaintext mode and a written tree refuse it, and
    /// patching an IS_HOME keeps the secret its cipher-text.properties holds.
    pub passwords: BTreeMap<LogicalDb, Secret>,
    /// A database with no known password gets an empty one (`--empty-password`),
    /// for servers that need none; otherwise isdb never writes an empty password.
    pub empty_password: bool,
    /// Host name or IP of each node, by node number (`--node-host k=HOST`).
    pub node_hosts: BTreeMap<u16, String>,
    /// Write passwords into the XML instead of secure vault aliases.
    pub plaintext_passwords: bool,
    /// Where each node's local registry lives.
    pub local_registry: LocalRegistry,
    /// The datasource and JNDI names, with `isdb.toml` overrides.
    pub names: Names,
    /// The port of node 1's embedded LDAP, which other nodes use with
    /// `UserStore::Ldap`: 10389 plus node 1's Carbon port offset.
    pub ldap_port: u16,
}

impl ConfigRequest {
    /// A request with the defaults, which leave no single point of failure in
    /// the database tier: JDBC user store, aliases, local registry per
    /// [`LocalRegistry::for_layout`].
    pub fn new(dialect: &'static dyn Dialect, layout: Layout, targets: Targets) -> ConfigRequest {
        ConfigRequest {
            dialect,
            local_registry: LocalRegistry::for_layout(&layout),
            layout,
            user_store: UserStore::Jdbc,
            targets,
            passwords: BTreeMap::new(),
            empty_password: false,
            node_hosts: BTreeMap::new(),
            plaintext_passwords: false,
            names: Names::new(),
            ldap_port: names::EMBEDDED_LDAP_PORT,
        }
    }

    /// The logical databases that get a datasource on some node, in layout order.
    pub fn datasource_databases(&self) -> Vec<LogicalDb> {
        LogicalDb::all(self.layout.nodes)
            .into_iter()
            .filter(|l| *l != LogicalDb::Wso2UserDb || self.user_store == UserStore::Jdbc)
            .collect()
    }

    /// Whether `logical`'s datasource connects to a layout database (and so needs
    /// that database's password), rather than to a node's embedded H2.
    pub fn uses_layout_database(&self, logical: LogicalDb) -> bool {
        !(logical.local_node().is_some() && self.local_registry == LocalRegistry::H2)
    }
}

/// One datasource as it is written into a `*-datasources.xml` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datasource {
    /// The logical database behind it.
    pub logical: LogicalDb,
    /// The file that defines it.
    pub file: DatasourceFile,
    /// `<name>`.
    pub name: String,
    /// `<description>`.
    pub description: String,
    /// `<jndiConfig><name>`.
    pub jndi: String,
    /// `<url>`, unescaped.
    pub url: String,
    /// `<username>`.
    pub user: String,
    password: Option<Secret>,
    /// The secure vault alias of the password; None with plaintext passwords.
    pub alias: Option<String>,
    /// `<driverClassName>`.
    pub driver_class: String,
    /// Pool settings.
    pub pool: Pool,
}

impl Datasource {
    /// The password (for the file the operator asked for; never log it); None
    /// when none was given, so the one already configured is to be kept.
    pub fn password(&self) -> Option<&Secret> {
        self.password.as_ref()
    }
}

/// What node k's user-mgt.xml primary user store becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UserStorePlan {
    /// Node 1 with an LDAP store: its embedded LDAP, unchanged.
    EmbeddedLdap,
    /// Another node with an LDAP store: node 1's LDAP at this URL.
    RemoteLdap(String),
    /// A JDBC store on this JNDI name.
    Jdbc(String),
}

/// The configuration of one node.
#[derive(Debug, Clone)]
pub(crate) struct NodePlan {
    pub node: u16,
    pub datasources: Vec<Datasource>,
    pub realm_jndi: String,
    pub user_store: UserStorePlan,
    pub identity_jndi: String,
    pub local_jndi: String,
    pub shared_jndi: String,
    pub cache_id: String,
    pub metrics_jndi: String,
    pub bps_jndi: String,
    pub embedded_ldap: bool,
}

impl NodePlan {
    pub(crate) fn datasources_in(&self, file: DatasourceFile) -> Vec<&Datasource> {
        self.datasources.iter().filter(|d| d.file == file).collect()
    }
}

/// The checked configuration of every node, ready to be written.
#[derive(Debug, Clone)]
pub struct ConfigPlan {
    dialect: String,
    layout: Layout,
    nodes: Vec<NodePlan>,
    warnings: Vec<String>,
    plaintext: bool,
    driver_class: String,
    driver_jar: String,
    driver_bundled: bool,
    embedded_jar: (String, String),
}

/// One file `isdb config` writes for a node.
#[derive(Clone)]
pub struct EmittedFile {
    /// Path below IS_HOME, `/`-separated.
    pub path: String,
    /// True for a whole file; false for the DB-related part of a file isdb does not own.
    pub complete: bool,
    contents: String,
}

impl EmittedFile {
    /// The file's text (may hold passwords: cipher-text.properties, plaintext mode).
    pub fn contents(&self) -> &str {
        &self.contents
    }
}

impl fmt::Debug for EmittedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EmittedFile")
            .field("path", &self.path)
            .field("complete", &self.complete)
            .field("bytes", &self.contents.len())
            .finish()
    }
}

/// What [`ConfigPlan::write_tree`] wrote.
#[derive(Debug, Clone, Default)]
pub struct WriteReport {
    /// Every file written, in order.
    pub files: Vec<PathBuf>,
    /// Things the operator should check (a template's secret kept because no
    /// password was given).
    pub warnings: Vec<String>,
}

/// What [`ConfigPlan::patch_is_home`] changed (or would change, with `diff_only`).
#[derive(Debug, Clone, Default)]
pub struct PatchReport {
    /// The node patched.
    pub node: u16,
    /// Files whose content changed (or would change).
    pub changed: Vec<PathBuf>,
    /// Of those, files that did not exist before.
    pub created: Vec<PathBuf>,
    /// Backups of the changed files that existed, next to them.
    pub backups: Vec<PathBuf>,
    /// A unified diff of every change, passwords shown as `***`.
    pub diff: String,
    /// Things the operator should know (skipped optional files, kept encrypted values).
    pub notes: Vec<String>,
    /// Things the operator should check (a secret kept because no password was given).
    pub warnings: Vec<String>,
    /// Whether files were written (false with `diff_only` or when nothing changed).
    pub written: bool,
}

/// A JDBC driver the nodes need in `repository/components/lib`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverJar {
    /// `driverClassName`.
    pub driver_class: String,
    /// The jar to copy (versions vary; this names the artifact).
    pub jar: String,
    /// Whether IS 5.3.0 already ships it.
    pub bundled: bool,
    /// The nodes that need it.
    pub nodes: Vec<u16>,
}

impl fmt::Display for DriverJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes: Vec<String> = self.nodes.iter().map(u16::to_string).collect();
        if self.bundled {
            write!(
                f,
                "node {}: {} is bundled with IS 5.3.0 ({}); nothing to copy",
                nodes.join(", "),
                self.driver_class,
                self.jar
            )
        } else {
            write!(
                f,
                "node {}: copy {} into {} (driver {})",
                nodes.join(", "),
                self.jar,
                names::DRIVER_DIR,
                self.driver_class
            )
        }
    }
}

/// Checks `host`: a DNS host name or an IPv4/IPv6 literal (IPv6 with or without brackets).
pub fn validate_host(host: &str, what: &str) -> Result<(), Error> {
    let bad = || {
        Error::Usage(format!(
            "{what} `{}` is not a host name or IP address",
            host.escape_default()
        ))
    };
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if bare.parse::<Ipv6Addr>().is_ok() || host.parse::<Ipv4Addr>().is_ok() {
        return Ok(());
    }
    if host.is_empty() || host.len() > 253 {
        return Err(bad());
    }
    let labels: Vec<&str> = host.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    // All-numeric names are broken IPv4 addresses, not host names.
    let numeric = labels.iter().all(|l| l.chars().all(|c| c.is_ascii_digit()));
    if !labels.iter().all(label_ok) || numeric {
        return Err(bad());
    }
    Ok(())
}

/// Parses a `--node-host` value, `k=HOST`.
pub fn parse_node_host(value: &str) -> Result<(u16, String), Error> {
    let (node, host) = value.split_once('=').ok_or_else(|| {
        Error::Usage(format!(
            "--node-host `{}` must be NODE=HOST, e.g. 1=is1.example.com",
            value.escape_default()
        ))
    })?;
    let node: u16 = node.trim().parse().map_err(|_| {
        Error::Usage(format!(
            "--node-host `{}`: `{}` is not a node number",
            value.escape_default(),
            node.escape_default()
        ))
    })?;
    let host = host.trim();
    validate_host(host, "--node-host")?;
    Ok((node, host.to_string()))
}

/// Parses a `--port-offset` value, `1=OFFSET`, into node 1's embedded LDAP
/// port (10389 + OFFSET). Only node 1's offset is used, so another node is refused.
pub fn parse_port_offset(value: &str) -> Result<u16, Error> {
    let bad =
        |why: &str| Error::Usage(format!("--port-offset `{}`: {why}", value.escape_default()));
    let (node, offset) = value
        .split_once('=')
        .ok_or_else(|| bad("must be NODE=OFFSET, e.g. 1=1"))?;
    if node.trim() != "1" {
        return Err(bad(
            "only node 1's offset is used (the other nodes reach node 1's LDAP); give 1=OFFSET",
        ));
    }
    offset
        .trim()
        .parse::<u16>()
        .ok()
        .and_then(|o| names::EMBEDDED_LDAP_PORT.checked_add(o))
        .ok_or_else(|| bad("the offset must be a number from 0 to 55146"))
}

fn check_text(value: &str, what: &str) -> Result<(), Error> {
    // XML 1.0 cannot carry control characters at all, and a line break would
    // also split a cipher-text.properties entry.
    if value.chars().any(char::is_control) {
        return Err(Error::Usage(format!(
            "{what} contains a control character, which XML 1.0 and the properties files cannot carry"
        )));
    }
    Ok(())
}

fn check_database_name(name: &str, what: &str) -> Result<(), Error> {
    let first_ok = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    if !first_ok
        || name.len() > 128
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.$-".contains(c))
    {
        return Err(Error::Usage(format!(
            "{what} `{}` must hold only letters, digits, `_`, `.`, `$` and `-`",
            name.escape_default()
        )));
    }
    Ok(())
}

/// Checks the request (issue 4, point 7) and works out every node's configuration.
/// Nothing is written.
pub fn plan(req: &ConfigRequest) -> Result<ConfigPlan, Error> {
    let facts = jdbc::facts(req.dialect)?;
    let layout = &req.layout;
    let nodes = layout.nodes;
    let mut warnings = Vec::new();

    for (node, host) in &req.node_hosts {
        if *node == 0 || *node > nodes {
            return Err(Error::Usage(format!(
                "--node-host names node {node}, but the cluster has nodes 1 to {nodes}"
            )));
        }
        validate_host(host, &format!("--node-host {node}"))?;
        // A host isdb would not write anywhere is refused rather than ignored.
        if *node != 1 || req.user_store != UserStore::Ldap || nodes < 2 {
            return Err(Error::Usage(format!(
                "--node-host {node}=… is not used: only --user-store ldap with several nodes needs a host, node 1's (where the other nodes find its LDAP)"
            )));
        }
    }
    if req.ldap_port == 0 {
        return Err(Error::Usage("the embedded LDAP port must not be 0".into()));
    }
    if req.ldap_port != names::EMBEDDED_LDAP_PORT
        && (req.user_store != UserStore::Ldap || nodes < 2)
    {
        return Err(Error::Usage(
            "--port-offset is not used: only --user-store ldap with several nodes reaches node 1's LDAP, whose port it sets".into(),
        ));
    }
    let ldap_url = match (req.user_store, nodes) {
        (UserStore::Ldap, n) if n > 1 => {
            let host = req.node_hosts.get(&1).ok_or_else(|| {
                Error::Usage(format!(
                    "--user-store ldap points nodes 2 to {nodes} at node 1's embedded LDAP: give node 1's address with --node-host 1=HOST"
                ))
            })?;
            let host = if host.contains(':') && !host.starts_with('[') {
                format!("[{host}]")
            } else {
                host.clone()
            };
            Some(format!("ldap://{host}:{}", req.ldap_port))
        }
        _ => None,
    };

    let logicals = req.datasource_databases();
    check_names(req, &logicals)?;
    for (l, consumers) in [
        (LogicalDb::MetricsDb, "metrics.xml"),
        (LogicalDb::BpsDb, "bps.xml and humantask.xml"),
    ] {
        if req.names.jndi_overridden(l) {
            warnings.push(format!(
                "{l} gets JNDI name {}: {consumers} must name it too; patching an IS home does that, a written tree does not hold those files",
                req.names.get(l).jndi
            ));
        }
    }

    let mut connections: BTreeMap<LogicalDb, Connection> = BTreeMap::new();
    for &l in &logicals {
        let conn = connection(req, facts, l, &mut warnings)?;
        connections.insert(l, conn);
    }
    check_local_registries(req, &connections)?;

    let mut node_plans = Vec::new();
    for node in 1..=nodes {
        node_plans.push(node_plan(
            req,
            facts,
            &connections,
            node,
            ldap_url.as_deref(),
        )?);
    }
    let embedded = jdbc::embedded();
    let plan = ConfigPlan {
        dialect: req.dialect.name().to_string(),
        layout: layout.clone(),
        nodes: node_plans,
        warnings,
        plaintext: req.plaintext_passwords,
        driver_class: facts.driver_class.clone(),
        driver_jar: facts.driver_jar.clone(),
        driver_bundled: facts.bundled,
        embedded_jar: (embedded.driver_class.clone(), embedded.driver_jar.clone()),
    };
    for node in &plan.nodes {
        let files = plan.files(node.node)?;
        patch::check_emitted(node.node, &files)?;
    }
    Ok(plan)
}

/// Where one datasource connects.
struct Connection {
    url: String,
    user: String,
    password: Option<Secret>,
    facts: &'static JdbcFacts,
    /// The server-side identity of the database, to tell whether two datasources share one.
    identity: String,
}

fn connection(
    req: &ConfigRequest,
    facts: &'static JdbcFacts,
    logical: LogicalDb,
    warnings: &mut Vec<String>,
) -> Result<Connection, Error> {
    if !req.uses_layout_database(logical) {
        let embedded = jdbc::embedded();
        let url = embedded.local_registry_url.clone().unwrap_or_default();
        return Ok(Connection {
            identity: format!("node-local {url}"),
            url,
            user: embedded.embedded_user.clone().unwrap_or_default(),
            password: Some(Secret::new(
                embedded.embedded_password.clone().unwrap_or_default(),
            )),
            facts: embedded,
        });
    }
    let physical = req
        .layout
        .physical(logical)
        .ok_or_else(|| Error::Usage(format!("the layout places no database for {logical}")))?;
    let target = req.targets.get(&physical.name);
    let what = |field: &str| format!("{field} of database {}", physical.name);
    let database = target
        .database
        .clone()
        .unwrap_or_else(|| physical.name.clone());
    check_database_name(&database, &what("the database name"))?;
    if target.user.is_empty() {
        return Err(Error::Usage(format!(
            "no user for database {}: set one in the config file or the URL",
            physical.name
        )));
    }
    check_text(&target.user, &what("the user"))?;
    let password = req
        .passwords
        .get(&logical)
        .or(target.password.as_ref())
        .cloned()
        .or_else(|| req.empty_password.then(Secret::default));
    match &password {
        Some(p) => check_text(p.expose(), &format!("the password of {logical}"))?,
        None if req.plaintext_passwords => {
            return Err(secrets::no_password(&[format!(
                "{logical} (user {} of database {})",
                target.user, physical.name
            )]));
        }
        None => {}
    }

    let url = match &target.host {
        Some(host) => {
            let hosts: Vec<String> = host.split(',').map(|h| h.trim().to_string()).collect();
            if hosts.len() > 1 && !facts.multi_host() {
                return Err(Error::Usage(format!(
                    "database {} lists several hosts, which only oracle-rac URLs can hold",
                    physical.name
                )));
            }
            for h in &hosts {
                validate_host(h, &what("the host"))?;
            }
            for w in facts.tls_warnings(&target.tls) {
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            facts.server_url(&hosts, target.port, &database, &target.tls)
        }
        None => match facts.file_url(&database) {
            Some(url) => {
                if req.layout.nodes > 1 && logical.local_node().is_none() {
                    warnings.push(format!(
                        "{logical} is an H2 file below each node's IS_HOME, so the {} nodes do not share it; give an H2 server host to share it",
                        req.layout.nodes
                    ));
                }
                url
            }
            None => {
                return Err(Error::Usage(format!(
                    "no host for database {}: `isdb config` needs the server every node connects to (the URL or config file gives it)",
                    physical.name
                )));
            }
        },
    };
    let identity = match &target.host {
        Some(h) => format!(
            "{}:{}/{}",
            h.to_ascii_lowercase(),
            target.port.unwrap_or(facts.default_port),
            database
        ),
        None => format!("node-local {url}"),
    };
    Ok(Connection {
        url,
        user: target.user.clone(),
        password,
        facts,
        identity,
    })
}

fn check_names(req: &ConfigRequest, logicals: &[LogicalDb]) -> Result<(), Error> {
    for node in 1..=req.layout.nodes {
        let on_node = logicals
            .iter()
            .filter(|l| l.local_node().is_none_or(|n| n == node));
        let mut names: BTreeMap<String, LogicalDb> = BTreeMap::new();
        let mut jndis: BTreeMap<String, LogicalDb> = BTreeMap::new();
        for &l in on_node {
            let n = req.names.get(l);
            if let Some(other) = names.insert(n.datasource.clone(), l) {
                return Err(Error::Usage(format!(
                    "{other} and {l} would both be datasource `{}` on node {node}; datasource names must differ",
                    n.datasource
                )));
            }
            if let Some(other) = jndis.insert(n.jndi.clone(), l) {
                return Err(Error::Usage(format!(
                    "{other} and {l} would both define JNDI name `{}` on node {node}; every JNDI name must be defined exactly once per node",
                    n.jndi
                )));
            }
        }
    }
    Ok(())
}

fn check_local_registries(
    req: &ConfigRequest,
    connections: &BTreeMap<LogicalDb, Connection>,
) -> Result<(), Error> {
    if req.local_registry == LocalRegistry::H2 {
        return Ok(());
    }
    if let Some((a, b, physical)) = req.layout.shared_local_registry() {
        return Err(Error::Usage(format!(
            "{a} and {b} are the same database ({physical}), but each node needs its own local registry, which nothing else shares: use --local-registry h2 (each node's embedded H2, as stock IS), the split layout, or map each REGISTRY_LOCAL<k> to its own database"
        )));
    }
    let mut seen: BTreeMap<&str, LogicalDb> = BTreeMap::new();
    for (l, c) in connections {
        if !matches!(l, LogicalDb::RegistryDb | LogicalDb::RegistryLocal(_))
            || c.identity.starts_with("node-local")
        {
            continue;
        }
        if let Some(other) = seen.insert(c.identity.as_str(), *l) {
            return Err(Error::Usage(format!(
                "{other} and {l} both connect to {}; each node needs its own local registry: map them to different databases, or use --local-registry h2",
                c.identity
            )));
        }
    }
    Ok(())
}

fn node_plan(
    req: &ConfigRequest,
    facts: &'static JdbcFacts,
    connections: &BTreeMap<LogicalDb, Connection>,
    node: u16,
    ldap_url: Option<&str>,
) -> Result<NodePlan, Error> {
    let mut datasources = Vec::new();
    for (&l, c) in connections {
        if l.local_node().is_some_and(|n| n != node) {
            continue;
        }
        let n = req.names.get(l);
        let alias = (!req.plaintext_passwords).then(|| secrets::alias(&n.datasource));
        datasources.push(Datasource {
            logical: l,
            file: names::datasource_file(l),
            description: description(l, req.dialect.name(), c.facts.dialect != facts.dialect),
            name: n.datasource,
            jndi: n.jndi,
            url: c.url.clone(),
            user: c.user.clone(),
            password: c.password.clone(),
            alias,
            driver_class: c.facts.driver_class.clone(),
            pool: c.facts.pool(l),
        });
    }
    // Datasources are written in the order of LogicalDb::all, which is the BTreeMap order
    // only by accident of the enum; sort explicitly so files stay stable.
    let order = LogicalDb::all(req.layout.nodes);
    datasources.sort_by_key(|d| order.iter().position(|l| *l == d.logical));

    let registry = connections
        .get(&LogicalDb::RegistryDb)
        .ok_or_else(|| Error::Usage("the layout has no REGISTRY_DB".into()))?;
    let user_store = match (req.user_store, ldap_url) {
        (UserStore::Jdbc, _) => UserStorePlan::Jdbc(req.names.get(LogicalDb::Wso2UserDb).jndi),
        (UserStore::Ldap, Some(url)) if node != 1 => UserStorePlan::RemoteLdap(url.to_string()),
        (UserStore::Ldap, _) => UserStorePlan::EmbeddedLdap,
    };
    Ok(NodePlan {
        node,
        datasources,
        realm_jndi: req.names.get(LogicalDb::UserstoreDb).jndi,
        embedded_ldap: user_store == UserStorePlan::EmbeddedLdap,
        user_store,
        identity_jndi: req.names.get(LogicalDb::IdentityDb).jndi,
        local_jndi: req.names.get(LogicalDb::RegistryLocal(node)).jndi,
        shared_jndi: req.names.get(LogicalDb::RegistryDb).jndi,
        cache_id: format!("{}@{}", registry.user, registry.url),
        metrics_jndi: req.names.get(LogicalDb::MetricsDb).jndi,
        bps_jndi: req.names.get(LogicalDb::BpsDb).jndi,
    })
}

fn description(logical: LogicalDb, dialect: &str, embedded: bool) -> String {
    let what = match logical {
        LogicalDb::UserstoreDb => "Realm data: authorization, internal roles, tenants".to_string(),
        LogicalDb::Wso2UserDb => "JDBC user store".to_string(),
        LogicalDb::IdentityDb => {
            "Identity data: OAuth, SAML, sessions, service and identity providers".to_string()
        }
        LogicalDb::RegistryDb => "Shared config and governance registry".to_string(),
        LogicalDb::RegistryLocal(n) => format!("Local registry of node {n}"),
        LogicalDb::MetricsDb => "Carbon metrics".to_string(),
        LogicalDb::BpsDb => "Workflow engine for BPEL and human tasks".to_string(),
    };
    if embedded {
        format!("{what} ({logical}, embedded H2)")
    } else {
        format!("{what} ({logical}, {dialect})")
    }
}

impl ConfigPlan {
    /// Things the operator should know that do not stop the run.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The node numbers, 1 to N.
    pub fn nodes(&self) -> Vec<u16> {
        self.nodes.iter().map(|n| n.node).collect()
    }

    fn node(&self, node: u16) -> Result<&NodePlan, Error> {
        self.nodes.iter().find(|n| n.node == node).ok_or_else(|| {
            Error::Usage(format!(
                "unknown node {node}: the cluster has nodes 1 to {}",
                self.nodes.len()
            ))
        })
    }

    /// The datasources node `node` defines, in file order.
    pub fn datasources(&self, node: u16) -> Result<&[Datasource], Error> {
        Ok(&self.node(node)?.datasources)
    }

    /// The files written for `node`, in memory: complete datasource files and the
    /// DB-related fragments of the others (see the module docs).
    pub fn files(&self, node: u16) -> Result<Vec<EmittedFile>, Error> {
        let n = self.node(node)?;
        let context = emit::Context {
            node,
            nodes: self.layout.nodes,
            dialect: &self.dialect,
            layout: self.layout.kind.name(),
        };
        Ok(emit::node_files(n, &context))
    }

    /// Writes every node's files below `out_dir` (see the module docs). Refuses a
    /// non-empty `out_dir` unless `force`, and a datasource with no password
    /// (see [`ConfigRequest::empty_password`]). Files are written atomically, mode 0600.
    pub fn write_tree(&self, out_dir: &Path, force: bool) -> Result<WriteReport, Error> {
        let mut by_user: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for d in self.nodes.iter().flat_map(|n| &n.datasources) {
            let names = by_user.entry(&d.user).or_default();
            if d.password.is_none() && !names.contains(&d.name.as_str()) {
                names.push(&d.name);
            }
        }
        let missing: Vec<String> = by_user
            .into_iter()
            .filter(|(_, names)| !names.is_empty())
            .map(|(user, names)| format!("datasources {} (user {user})", names.join(", ")))
            .collect();
        if !missing.is_empty() {
            return Err(secrets::no_password(&missing));
        }
        let mut planned = Vec::new();
        for n in &self.nodes {
            for f in self.files(n.node)? {
                let base = if f.complete {
                    PathBuf::from(format!("node{}", n.node))
                } else {
                    PathBuf::from("fragments").join(format!("node{}", n.node))
                };
                planned.push((base.join(&f.path), f.contents.into_bytes()));
            }
        }
        files::write_tree(out_dir, force, &planned)
    }

    /// Writes every node's complete, patched copies of the files isdb configures,
    /// taken from the IS 5.3.0 home `template` (left untouched), below
    /// `out_dir/node<k>/`, so `cp -r out_dir/node<k>/. $IS_HOME/` installs them.
    pub fn write_tree_from(
        &self,
        template: &Path,
        out_dir: &Path,
        force: bool,
    ) -> Result<WriteReport, Error> {
        let mut planned = Vec::new();
        let mut warnings = Vec::new();
        for n in &self.nodes {
            let changes = patch::patch_node(self, n, template)?;
            warnings.extend(
                changes
                    .warnings
                    .into_iter()
                    .map(|w| format!("node {}: {w}", n.node)),
            );
            for c in changes.files {
                planned.push((
                    PathBuf::from(format!("node{}", n.node)).join(&c.path),
                    c.new,
                ));
            }
        }
        let mut report = files::write_tree(out_dir, force, &planned)?;
        report.warnings = warnings;
        Ok(report)
    }

    /// Patches node `node`'s IS_HOME in place: only the DB-related elements change.
    ///
    /// Every file is parsed and patched in memory first; a malformed file stops the
    /// run with its path, line and column, and nothing is written. Each changed file
    /// is backed up next to itself (`<file>.isdb-<UTC time>.bak`) before it is
    /// replaced. With `diff_only`, nothing is written and the report holds the diff.
    /// Running it twice changes nothing the second time.
    pub fn patch_is_home(
        &self,
        is_home: &Path,
        node: u16,
        diff_only: bool,
    ) -> Result<PatchReport, Error> {
        let n = self.node(node)?;
        let changes = patch::patch_node(self, n, is_home)?;
        let mut report = PatchReport {
            node,
            notes: changes.notes,
            warnings: changes.warnings,
            ..PatchReport::default()
        };
        for c in &changes.files {
            if c.old.as_deref() == Some(c.new.as_slice()) {
                continue;
            }
            report.changed.push(is_home.join(&c.path));
            if c.old.is_none() {
                report.created.push(is_home.join(&c.path));
            }
            report.diff.push_str(&patch::redacted_diff(c));
        }
        if diff_only || report.changed.is_empty() {
            return Ok(report);
        }
        let stamp = files::utc_stamp(std::time::SystemTime::now());
        let planned: Vec<txn::Planned<'_>> = changes
            .files
            .iter()
            .filter(|c| c.old.as_deref() != Some(c.new.as_slice()))
            .map(|c| txn::Planned {
                path: is_home.join(&c.path),
                old: c.old.as_deref(),
                new: &c.new,
                secret: c.path == names::CIPHER_TEXT_PROPERTIES
                    || (self.plaintext && c.path.starts_with(names::DATASOURCES_DIR)),
            })
            .collect();
        let applied = txn::apply(&planned, &stamp)?;
        report.changed = applied.changed;
        report.backups = applied.backups;
        report.written = true;
        Ok(report)
    }

    /// The JDBC drivers each node needs in `repository/components/lib`.
    pub fn driver_jars(&self) -> Vec<DriverJar> {
        let mut by_class: BTreeMap<String, DriverJar> = BTreeMap::new();
        for n in &self.nodes {
            for d in &n.datasources {
                let (jar, bundled) = if d.driver_class == self.driver_class {
                    (self.driver_jar.clone(), self.driver_bundled)
                } else {
                    (
                        self.embedded_jar.1.clone(),
                        d.driver_class == self.embedded_jar.0,
                    )
                };
                let entry = by_class
                    .entry(d.driver_class.clone())
                    .or_insert_with(|| DriverJar {
                        driver_class: d.driver_class.clone(),
                        jar,
                        bundled,
                        nodes: Vec::new(),
                    });
                if !entry.nodes.contains(&n.node) {
                    entry.nodes.push(n.node);
                }
            }
        }
        by_class.into_values().collect()
    }

    /// Checks that the databases `migrate` worked on are the ones this plan points
    /// at (`isdb migrate --emit-config`): the same nodes, and every logical database
    /// in the physical database of the same name.
    pub fn check_layout(&self, migrated: &Layout) -> Result<(), Error> {
        let mut problems = Vec::new();
        if migrated.nodes != self.layout.nodes {
            problems.push(format!(
                "migrate laid out {} node(s), config {}",
                migrated.nodes, self.layout.nodes
            ));
        }
        let all: BTreeSet<LogicalDb> = LogicalDb::all(self.layout.nodes.max(migrated.nodes))
            .into_iter()
            .collect();
        for l in all {
            let a = migrated.physical(l).map(|p| p.name.as_str());
            let b = self.layout.physical(l).map(|p| p.name.as_str());
            if a != b {
                problems.push(format!(
                    "{l} was migrated in {} but config points at {}",
                    a.unwrap_or("nothing"),
                    b.unwrap_or("nothing")
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Usage(format!(
                "the layout and the migrated databases disagree: {}",
                problems.join("; ")
            )))
        }
    }

    pub(crate) fn plaintext(&self) -> bool {
        self.plaintext
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_names_or_ip_literals() {
        for ok in [
            "is1",
            "is1.example.com",
            "10.0.0.7",
            "::1",
            "[fe80::1]",
            "a-b.c",
        ] {
            assert!(validate_host(ok, "h").is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "a..b",
            "a b",
            "a_b",
            "1.2.3",
            "999.1.1.1",
            "host:80",
            "a/b",
            "é",
            "h;x",
            "a\nb",
        ] {
            assert!(validate_host(bad, "h").is_err(), "{bad}");
        }
    }

    #[test]
    fn node_hosts_parse() {
        assert_eq!(
            parse_node_host("2=is2.example.com").unwrap(),
            (2, "is2.example.com".to_string())
        );
        assert!(parse_node_host("is2").is_err());
        assert!(parse_node_host("x=is2").is_err());
        assert!(parse_node_host("2=not a host").is_err());
    }

    #[test]
    fn control_characters_are_refused() {
        assert!(check_text("a\nb", "x").is_err());
        assert!(check_text("p&<]]>\"'", "x").is_ok());
    }
}
