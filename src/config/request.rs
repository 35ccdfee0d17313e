//! What `isdb config` is asked: the request types and the validation of the
//! values that come from the command line (hosts, ports, names).

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use super::Secret;
use super::names::{self, Names};
use crate::dialect::Dialect;
use crate::error::Error;
use crate::layout::{Layout, LogicalDb};
use crate::model::catalog::Version;

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
    /// has one database, which the nodes must not share as their local registry,
    /// and which holds the shared registry: a single node keeps its local
    /// registry in H2 there too, as stock IS does).
    pub fn for_layout(layout: &Layout) -> LocalRegistry {
        if layout.shared_local_registry().is_some() || layout.local_registries_in_shared_registry()
        {
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
    /// The IS release the nodes run, which picks the configuration generation
    /// ([`super::ConfigGeneration::for_release`]): XML files for 5.3.0 (the
    /// default) to 5.8.0, one deployment.toml per node for 5.9.0 to 5.11.0.
    pub release: Version,
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
            release: super::release::default_release(),
        }
    }

    /// The configuration generation of [`ConfigRequest::release`]; a release isdb
    /// cannot configure is a usage error.
    pub fn generation(&self) -> Result<super::ConfigGeneration, Error> {
        super::ConfigGeneration::for_release(&self.release)
    }

    /// Whether the release's configuration connects the nodes' local registries
    /// to the layout's REGISTRY_LOCAL<k> databases: asked for, and possible in
    /// the release ([`super::ConfigGeneration::uses_local_registry_databases`]).
    pub(crate) fn local_registry_databases(&self) -> bool {
        self.local_registry == LocalRegistry::Database
            && self
                .generation()
                .is_ok_and(super::ConfigGeneration::uses_local_registry_databases)
    }

    /// The logical databases that get a datasource on some node, in layout order:
    /// what the release's configuration uses, so that the datasources, the
    /// password prompts and checks, and the warnings agree. The deployment.toml
    /// releases have no datasource for REGISTRY_LOCAL<k> at all.
    pub fn datasource_databases(&self) -> Vec<LogicalDb> {
        let locals = self
            .generation()
            .is_ok_and(super::ConfigGeneration::uses_local_registry_databases);
        LogicalDb::all(self.layout.nodes)
            .into_iter()
            .filter(|l| *l != LogicalDb::Wso2UserDb || self.user_store == UserStore::Jdbc)
            .filter(|l| l.local_node().is_none() || locals)
            .collect()
    }

    /// Whether `logical`'s datasource connects to a layout database (and so needs
    /// that database's password), rather than to a node's embedded H2.
    pub fn uses_layout_database(&self, logical: LogicalDb) -> bool {
        logical.local_node().is_none() || self.local_registry_databases()
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

pub(crate) fn check_text(value: &str, what: &str) -> Result<(), Error> {
    // XML 1.0 cannot carry control characters at all, and a line break would
    // also split a cipher-text.properties entry.
    if value.chars().any(char::is_control) {
        return Err(Error::Usage(format!(
            "{what} contains a control character, which XML 1.0 and the properties files cannot carry"
        )));
    }
    Ok(())
}

pub(crate) fn check_database_name(name: &str, what: &str) -> Result<(), Error> {
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
