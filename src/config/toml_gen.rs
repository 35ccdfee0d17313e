//! One `repository/conf/deployment.toml` per node for IS 5.9.0 to 5.11.0,
//! built with `toml_edit` from the same [`NodePlan`] the XML generation uses.
//!
//! The keys are carbon-kernel 4.5.1/4.6.x's and product-is's (see
//! docs/decisions.md, "deployment.toml for IS 5.9.0–5.11.0"): the server
//! renders `[database.identity_db]` as `WSO2_IDENTITY_DB`/`jdbc/WSO2IdentityDB`,
//! `[database.shared_db]` as `WSO2_SHARED_DB`/`jdbc/SHARED_DB`, `[database.user]`
//! as `WSO2USER_DB`/`jdbc/WSO2USER_DB`, `[[datasource]] id = "X"` as `X`/`jdbc/X`
//! and `[bps_database.config]` as the BPS engine's `bpsds`. Those names are
//! fixed by WSO2's templates, so `isdb.toml` name overrides do not apply here.

use std::collections::BTreeMap;

use toml_edit::{Array, ArrayOfTables, DocumentMut, Item, Table, value};

use super::release::TomlRelease;
use super::{Datasource, NodePlan, UserStorePlan};
use crate::layout::LogicalDb;

/// The file's path below IS_HOME.
pub(crate) const DEPLOYMENT_TOML: &str = "repository/conf/deployment.toml";

/// The Hazelcast well-known-address port WSO2 defaults `local_member_port` to.
pub(crate) const WKA_PORT: u16 = 4000;

/// `realm_manager.data_source` of the `[database.user]` block (kernel
/// master-datasources.xml.j2 names that datasource `WSO2USER_DB`).
pub(crate) const USER_DB_SOURCE: &str = "WSO2USER_DB";
/// `realm_manager.data_source` of the shared database (kernel default.json).
pub(crate) const SHARED_DB_SOURCE: &str = "SHARED_DB";
/// `[[datasource]]` id of a JDBC user store kept apart from the realm database.
pub(crate) const USER_STORE_SOURCE: &str = "WSO2_USER_DB";
/// `[[datasource]]` id of the metrics database: renders `jdbc/WSO2MetricsDB`,
/// the JNDI name carbon-metrics' shipped configuration reads.
pub(crate) const METRICS_SOURCE: &str = "WSO2MetricsDB";

/// What a node's file needs besides its [`NodePlan`].
pub(crate) struct TomlContext<'a> {
    pub release: TomlRelease,
    pub nodes: u16,
    pub dialect: &'a str,
    pub layout: &'a str,
    /// Host of every node (checked by the planner: all present when `nodes > 1`).
    pub hosts: &'a BTreeMap<u16, String>,
    pub plaintext: bool,
    /// Whether the layout holds a REGISTRY_LOCAL<k> that this release cannot use.
    pub unused_local_registry: bool,
}

/// WSO2's `type` for an isdb dialect (the keys of kernel `infer.json`);
/// None for a dialect these releases do not support.
pub(crate) fn wso2_type(dialect: &str) -> Option<&'static str> {
    match dialect {
        "postgres" => Some("postgre"),
        "mysql" => Some("mysql"),
        "oracle" | "oracle-rac" => Some("oracle"),
        "mssql" => Some("mssql"),
        "db2" => Some("db2"),
        "h2" => Some("h2"),
        _ => None,
    }
}

/// The secret alias of `logical`'s password, e.g. `identity_db_password`.
pub(crate) fn secret_alias(logical: LogicalDb) -> String {
    format!("{}_password", logical.split_name())
}

/// The WKA member port of every node: 4000, one more for each earlier node on the same host.
pub(crate) fn member_ports(hosts: &BTreeMap<u16, String>) -> BTreeMap<u16, u16> {
    let mut used: BTreeMap<String, u16> = BTreeMap::new();
    hosts
        .iter()
        .map(|(&node, host)| {
            let n = used.entry(host.to_ascii_lowercase()).or_insert(0);
            let port = WKA_PORT + *n;
            *n += 1;
            (node, port)
        })
        .collect()
}

fn same_database(a: &Datasource, b: &Datasource) -> bool {
    a.url == b.url && a.user == b.user
}

fn comment(t: &mut Table, lines: &[String]) {
    let mut s = String::from("\n");
    for l in lines {
        s.push_str("# ");
        s.push_str(l);
        s.push('\n');
    }
    t.decor_mut().set_prefix(s);
}

/// Builds the deployment.toml blocks of one datasource.
struct Builder<'a> {
    cx: &'a TomlContext<'a>,
    /// alias → value for `[secrets]`; None when no password was given.
    secrets: Vec<(String, Option<String>)>,
}

impl Builder<'_> {
    fn password(&mut self, ds: &Datasource) -> String {
        let given = ds.password().map(|p| p.expose().to_string());
        if self.cx.plaintext {
            return given.unwrap_or_default();
        }
        let alias = secret_alias(ds.logical);
        self.secrets.push((alias.clone(), given));
        format!("$secret{{{alias}}}")
    }

    /// `url`, `username`, `password`, `driver` (and `type` when `typed`) of `ds`.
    fn connection(&mut self, ds: &Datasource, typed: bool) -> Table {
        let mut t = Table::new();
        if typed {
            t.insert("type", value(wso2_type(self.cx.dialect).unwrap_or("")));
        }
        t.insert("url", value(ds.url.as_str()));
        t.insert("username", value(ds.user.as_str()));
        t.insert("password", value(self.password(ds)));
        t.insert("driver", value(ds.driver_class.as_str()));
        t
    }
}

/// Tomcat pool elements, rendered verbatim by WSO2's templates.
fn pool_options(ds: &Datasource) -> Table {
    let p = &ds.pool;
    let mut t = Table::new();
    t.insert("maxActive", value(i64::from(p.max_active)));
    t.insert("maxWait", value(p.max_wait as i64));
    if let Some(v) = p.max_idle {
        t.insert("maxIdle", value(i64::from(v)));
    }
    if let Some(v) = p.min_idle {
        t.insert("minIdle", value(i64::from(v)));
    }
    t.insert("testOnBorrow", value(p.test_on_borrow));
    t.insert("validationQuery", value(p.validation_query.as_str()));
    t.insert("validationInterval", value(p.validation_interval as i64));
    t.insert("defaultAutoCommit", value(p.default_auto_commit));
    if let Some(v) = p.use_data_source_factory {
        t.insert("useDataSourceFactory", value(v));
    }
    t
}

fn with_pool(mut t: Table, ds: &Datasource) -> Table {
    t.insert("pool_options", Item::Table(pool_options(ds)));
    t
}

/// The deployment.toml of node `n`.
pub(crate) fn deployment_toml(n: &NodePlan, cx: &TomlContext) -> String {
    let find = |l: LogicalDb| n.datasources.iter().find(|d| d.logical == l);
    let mut b = Builder {
        cx,
        secrets: Vec::new(),
    };
    let mut doc = DocumentMut::new();

    let host = cx.hosts.get(&n.node).map_or("localhost", String::as_str);
    let mut server = Table::new();
    server.insert("hostname", value(host));
    let mut header = vec![
        format!(
            "deployment.toml of node {} of {} for WSO2 IS {} ({} layout, {}), written by isdb config.",
            n.node, cx.nodes, cx.release, cx.layout, cx.dialect
        ),
        "Merge it with the rest of your deployment.toml: isdb owns the database, realm, clustering and secrets keys.".into(),
    ];
    if !cx.plaintext {
        header.push(
            "Passwords are $secret{alias} references; run `ciphertool.sh -Dconfigure` to encrypt [secrets] in place.".into(),
        );
    }
    comment(&mut server, &header);
    doc.insert("server", Item::Table(server));

    let realm = find(LogicalDb::UserstoreDb);
    let shared = find(LogicalDb::RegistryDb);
    let realm_on_shared = matches!((realm, shared), (Some(r), Some(s)) if same_database(r, s));
    let user_store = find(LogicalDb::Wso2UserDb);
    let separate_store = match (user_store, realm) {
        (Some(u), Some(r)) => !same_database(u, r),
        (Some(_), None) => true,
        _ => false,
    };

    if let UserStorePlan::Jdbc(_) = n.user_store {
        let mut us = Table::new();
        us.insert("type", value(cx.release.jdbc_user_store_type()));
        comment(
            &mut us,
            &["JDBC user store: users live in the WSO2_USER_DB tables.".into()],
        );
        if separate_store {
            let mut props = Table::new();
            props.insert("dataSource", value(format!("jdbc/{USER_STORE_SOURCE}")));
            us.insert("properties", Item::Table(props));
        }
        doc.insert("user_store", Item::Table(us));
    }

    let mut realm_manager = Table::new();
    realm_manager.insert(
        "data_source",
        value(if realm_on_shared || realm.is_none() {
            SHARED_DB_SOURCE
        } else {
            USER_DB_SOURCE
        }),
    );
    comment(
        &mut realm_manager,
        &["Realm data (USERSTORE_DB): permissions, internal roles, tenants.".into()],
    );
    doc.insert("realm_manager", Item::Table(realm_manager));

    let mut database = Table::new();
    database.set_implicit(true);
    if let Some(ds) = find(LogicalDb::IdentityDb) {
        let mut t = with_pool(b.connection(ds, true), ds);
        comment(
            &mut t,
            &["IDENTITY_DB: identity, consent and UMA tables (jdbc/WSO2IdentityDB).".into()],
        );
        database.insert("identity_db", Item::Table(t));
    }
    if let Some(ds) = shared {
        let mut t = with_pool(b.connection(ds, true), ds);
        comment(
            &mut t,
            &["REGISTRY_DB: the shared config and governance registry (jdbc/SHARED_DB).".into()],
        );
        database.insert("shared_db", Item::Table(t));
    }
    if let Some(ds) = realm.filter(|_| !realm_on_shared) {
        let mut t = with_pool(b.connection(ds, true), ds);
        comment(
            &mut t,
            &["USERSTORE_DB: the realm (jdbc/WSO2USER_DB), with [realm_manager] above.".into()],
        );
        database.insert("user", Item::Table(t));
    }
    doc.insert("database", Item::Table(database));

    if let Some(ds) = find(LogicalDb::BpsDb) {
        let mut config = with_pool(b.connection(ds, false), ds);
        comment(
            &mut config,
            &["BPS_DB: the workflow engine's datasource (bpsds).".into()],
        );
        let mut bps = Table::new();
        bps.set_implicit(true);
        bps.insert("config", Item::Table(config));
        doc.insert("bps_database", Item::Table(bps));
    }

    let mut extra = ArrayOfTables::new();
    for (logical, id, what) in [
        (
            LogicalDb::MetricsDb,
            METRICS_SOURCE,
            "METRICS_DB: carbon-metrics (jdbc/WSO2MetricsDB).",
        ),
        (
            LogicalDb::Wso2UserDb,
            USER_STORE_SOURCE,
            "WSO2_USER_DB: the JDBC user store's own database (jdbc/WSO2_USER_DB).",
        ),
    ] {
        let Some(ds) = find(logical) else { continue };
        if logical == LogicalDb::Wso2UserDb && !separate_store {
            continue;
        }
        let mut t = Table::new();
        t.insert("id", value(id));
        for (k, v) in b.connection(ds, false).iter() {
            t.insert(k, v.clone());
        }
        t.insert("jmx_enable", value(false));
        let mut t = with_pool(t, ds);
        comment(&mut t, &[what.to_string()]);
        extra.push(t);
    }
    if !extra.is_empty() {
        doc.insert("datasource", Item::ArrayOfTables(extra));
    }

    if cx.nodes > 1 {
        let ports = member_ports(cx.hosts);
        let mut c = Table::new();
        c.insert("membership_scheme", value("wka"));
        c.insert("local_member_host", value(host));
        let port = ports.get(&n.node).copied().unwrap_or(WKA_PORT);
        c.insert("local_member_port", value(port.to_string()));
        let members: Array = cx
            .hosts
            .iter()
            .map(|(k, h)| format!("{h}:{}", ports.get(k).copied().unwrap_or(WKA_PORT)))
            .collect();
        c.insert("members", value(members));
        comment(
            &mut c,
            &[format!(
                "Hazelcast well-known-address clustering of the {} nodes.",
                cx.nodes
            )],
        );
        doc.insert("clustering", Item::Table(c));
    }

    if !b.secrets.is_empty() {
        let mut s = Table::new();
        let mut notes = vec![
            "Values for the cipher tool: `ciphertool.sh -Dconfigure` replaces each [value] with its encryption.".to_string(),
        ];
        for (alias, password) in &b.secrets {
            match password {
                Some(p) => {
                    s.insert(alias, value(format!("[{p}]")));
                }
                None => notes.push(format!(
                    "{alias}: no password was given; add it as [value]."
                )),
            }
        }
        comment(&mut s, &notes);
        doc.insert("secrets", Item::Table(s));
    }

    let mut text = doc.to_string();
    let local = if cx.unused_local_registry {
        format!(
            "REGISTRY_LOCAL{k} is not used: WSO2_CARBON_DB (jdbc/WSO2CarbonDB), node {k}'s local registry, is hard-coded to an H2 file below IS_HOME in carbon-kernel 4.5/4.6 (IS 5.9.0-5.11.0) and deployment.toml has no key for it.",
            k = n.node
        )
    } else {
        format!(
            "Node {}'s local registry is WSO2_CARBON_DB (jdbc/WSO2CarbonDB), an H2 file below IS_HOME: carbon-kernel 4.5/4.6 (IS 5.9.0-5.11.0) hard-codes it and deployment.toml has no key for it.",
            n.node
        )
    };
    text.push_str(&format!("\n# {local}\n"));
    text.trim_start_matches('\n').to_string()
}
