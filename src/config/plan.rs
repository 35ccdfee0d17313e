//! Planning: every check of the request and every node's configuration worked
//! out, with nothing written.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use super::jdbc::{self, JdbcFacts, Pool};
use super::names::{self, DatasourceFile};
use super::release::{ConfigGeneration, TomlRelease};
use super::request::*;
use super::{Secret, checks, secrets, toml_checks, toml_gen};
use crate::error::Error;
use crate::layout::{Layout, LogicalDb};

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
    pub(crate) dialect: String,
    pub(crate) layout: Layout,
    pub(crate) nodes: Vec<NodePlan>,
    pub(crate) warnings: Vec<String>,
    pub(crate) plaintext: bool,
    pub(crate) driver_class: String,
    pub(crate) driver_jar: String,
    pub(crate) driver_bundled: bool,
    pub(crate) embedded_jar: (String, String),
    pub(crate) generation: ConfigGeneration,
    pub(crate) node_hosts: BTreeMap<u16, String>,
    pub(crate) unused_local_registry: bool,
}

/// A JDBC driver the nodes need in `repository/components/lib`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DriverJar {
    /// `driverClassName`.
    pub driver_class: String,
    /// The jar to copy (versions vary; this names the artifact).
    pub jar: String,
    /// Whether IS already ships it (every release isdb configures ships H2's).
    pub bundled: bool,
    /// The IS release the nodes run.
    pub release: String,
    /// The nodes that need it.
    pub nodes: Vec<u16>,
}

impl fmt::Display for DriverJar {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes: Vec<String> = self.nodes.iter().map(u16::to_string).collect();
        if self.bundled {
            write!(
                f,
                "node {}: {} is bundled with IS {} ({}); nothing to copy",
                nodes.join(", "),
                self.driver_class,
                self.release,
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

/// Checks the request (issue 4, point 7) and works out every node's configuration.
/// Nothing is written.
pub fn plan(req: &ConfigRequest) -> Result<ConfigPlan, Error> {
    let layout = &req.layout;
    let nodes = layout.nodes;
    let mut warnings = Vec::new();
    let generation = ConfigGeneration::for_release(&req.release)?;
    let toml_release = match generation {
        ConfigGeneration::DeploymentToml(r) => Some(r),
        ConfigGeneration::Xml(_) => None,
    };
    if let Some(release) = toml_release {
        toml_request_checks(req, release, &mut warnings)?;
    }
    let facts = jdbc::facts(req.dialect, generation)?;

    for (node, host) in &req.node_hosts {
        if *node == 0 || *node > nodes {
            return Err(Error::Usage(format!(
                "--node-host names node {node}, but the cluster has nodes 1 to {nodes}"
            )));
        }
        validate_host(host, &format!("--node-host {node}"))?;
        // A host isdb would not write anywhere is refused rather than ignored.
        if toml_release.is_none() && (*node != 1 || req.user_store != UserStore::Ldap || nodes < 2)
        {
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
        driver_jar: facts.driver_jar_for(generation),
        driver_bundled: facts.bundled,
        embedded_jar: (
            embedded.driver_class.clone(),
            embedded.driver_jar_for(generation),
        ),
        generation,
        node_hosts: req.node_hosts.clone(),
        unused_local_registry: toml_release.is_some()
            && req.local_registry == LocalRegistry::Database,
    };
    for node in &plan.nodes {
        let files = plan.files(node.node)?;
        match generation {
            ConfigGeneration::Xml(_) => checks::check_emitted(node.node, &files)?,
            ConfigGeneration::DeploymentToml(_) => {
                for f in &files {
                    toml_checks::check_deployment_toml(node.node, f.contents(), true)?;
                }
            }
        }
    }
    Ok(plan)
}

/// What a deployment.toml release needs of the request beyond the XML checks:
/// a `type` WSO2 knows for the engine, and every node's host when the nodes
/// cluster (each is a well-known member, written `host:port`).
fn toml_request_checks(
    req: &ConfigRequest,
    release: TomlRelease,
    warnings: &mut Vec<String>,
) -> Result<(), Error> {
    let dialect = req.dialect.name();
    if toml_gen::wso2_type(dialect).is_none() {
        return Err(Error::Usage(format!(
            "IS {release}'s deployment.toml has no database type for {dialect}"
        )));
    }
    let nodes = req.layout.nodes;
    if nodes > 1 {
        let missing: Vec<String> = (1..=nodes)
            .filter(|k| !req.node_hosts.contains_key(k))
            .map(|k| format!("--node-host {k}=HOST"))
            .collect();
        if !missing.is_empty() {
            return Err(Error::Usage(format!(
                "IS {release} clusters the {nodes} nodes by well-known address, so every node needs its host: give {}",
                missing.join(", ")
            )));
        }
        if let Some((k, h)) = req.node_hosts.iter().find(|(_, h)| h.contains(':')) {
            return Err(Error::Usage(format!(
                "--node-host {k}={h}: WSO2 splits each well-known member at `:`, so an IPv6 literal cannot be one; give a host name"
            )));
        }
    }
    if req.local_registry == LocalRegistry::Database {
        warnings.push(format!(
            "IS {release} keeps each node's local registry (WSO2_CARBON_DB) in an H2 file below IS_HOME: carbon-kernel 4.5/4.6 hard-codes it and deployment.toml has no key for it, so its REGISTRY_LOCAL<k> database (--local-registry database) is not used by this release; --local-registry h2 says so and silences this"
        ));
    }
    Ok(())
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
    if !req.local_registry_databases() {
        return Ok(());
    }
    if let Some((a, b, physical)) = req.layout.shared_local_registry() {
        return Err(Error::Usage(format!(
            "{a} and {b} are the same database ({physical}), but each node needs its own local registry, which nothing else shares: use --local-registry h2 (each node's embedded H2, as stock IS), the split layout, or map each REGISTRY_LOCAL<k> to its own database"
        )));
    }
    // A single node's local registry may share a database with the shared
    // registry: there is no other node to share it with.
    if req.layout.nodes < 2 {
        return Ok(());
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

    pub(crate) fn node(&self, node: u16) -> Result<&NodePlan, Error> {
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
                        release: self.generation.version().to_string(),
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
