//! Where the data of an IS cluster lives: logical databases, table groups and
//! the physical databases they are placed in.
//!
//! The seed document ("deployment pattern 1") names eight logical databases.
//! A [`Layout`] maps each of them to a [`PhysicalDb`]: all to one database
//! (`merged`), one database each (`split`), or any mapping an `isdb.toml` asks for.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use crate::error::Error;
use crate::ident::validate_identifier;

/// A table group: the unit that is versioned and migrated together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TableGroup {
    /// REG_* tables (carbon-kernel registry).
    Registry,
    /// UM_* tables (carbon-kernel user management).
    UserManagement,
    /// IDN_*, SP_*, IDP_*, WF_*, FIDO_* tables (carbon-identity-framework).
    Identity,
    /// METRIC_* tables (carbon-metrics).
    Metrics,
    /// ODE_*, STORE_*, HT_*, ATTACHMENT tables (carbon-business-process).
    Bps,
    /// CM_* tables (carbon-consent-management, IS 5.5.0 and later), in IDENTITY_DB.
    Consent,
    /// UMA tables (identity-oauth-uma, IS 5.6.0 and later; `IDN_UMA_*` from
    /// 5.7.0, `IDN_*` before), in IDENTITY_DB.
    Uma,
}

impl TableGroup {
    /// Every group, in the order they are applied to a merged database.
    pub const ALL: [TableGroup; 7] = [
        TableGroup::Registry,
        TableGroup::UserManagement,
        TableGroup::Identity,
        TableGroup::Consent,
        TableGroup::Uma,
        TableGroup::Metrics,
        TableGroup::Bps,
    ];

    /// The group's name as used in `migrations/<name>/` and in the history table.
    pub fn name(self) -> &'static str {
        match self {
            TableGroup::Registry => "registry",
            TableGroup::UserManagement => "user-management",
            TableGroup::Identity => "identity",
            TableGroup::Metrics => "metrics",
            TableGroup::Bps => "bps",
            TableGroup::Consent => "consent",
            TableGroup::Uma => "uma",
        }
    }
}

impl fmt::Display for TableGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for TableGroup {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        TableGroup::ALL
            .into_iter()
            .find(|g| g.name() == s)
            .ok_or_else(|| Error::Usage(format!("unknown table group `{s}` (expected one of: registry, user-management, identity, consent, uma, metrics, bps)")))
    }
}

/// One of the logical databases of deployment pattern 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LogicalDb {
    /// JDBC user store (only used with a JDBC user store manager).
    Wso2UserDb,
    /// Realm data: authorization, internal roles, tenants.
    UserstoreDb,
    /// OAuth, SAML, sessions, service and identity providers, workflows.
    IdentityDb,
    /// Carbon metrics.
    MetricsDb,
    /// BPEL/human task engine behind workflows.
    BpsDb,
    /// Shared config and governance registry.
    RegistryDb,
    /// Local registry of node `n` (1-based).
    RegistryLocal(u16),
}

impl LogicalDb {
    /// The logical databases of a cluster of `nodes` nodes, in a stable order.
    pub fn all(nodes: u16) -> Vec<LogicalDb> {
        let mut v = vec![
            LogicalDb::Wso2UserDb,
            LogicalDb::UserstoreDb,
            LogicalDb::IdentityDb,
            LogicalDb::MetricsDb,
            LogicalDb::BpsDb,
            LogicalDb::RegistryDb,
        ];
        v.extend((1..=nodes).map(LogicalDb::RegistryLocal));
        v
    }

    /// The upper-case name the seed document uses, e.g. `IDENTITY_DB`, `REGISTRY_LOCAL2`.
    pub fn name(self) -> String {
        match self {
            LogicalDb::Wso2UserDb => "WSO2_USER_DB".into(),
            LogicalDb::UserstoreDb => "USERSTORE_DB".into(),
            LogicalDb::IdentityDb => "IDENTITY_DB".into(),
            LogicalDb::MetricsDb => "METRICS_DB".into(),
            LogicalDb::BpsDb => "BPS_DB".into(),
            LogicalDb::RegistryDb => "REGISTRY_DB".into(),
            LogicalDb::RegistryLocal(n) => format!("REGISTRY_LOCAL{n}"),
        }
    }

    /// The table groups this logical database holds.
    pub fn groups(self) -> &'static [TableGroup] {
        match self {
            LogicalDb::Wso2UserDb | LogicalDb::UserstoreDb => &[TableGroup::UserManagement],
            LogicalDb::IdentityDb => &[TableGroup::Identity, TableGroup::Consent, TableGroup::Uma],
            LogicalDb::MetricsDb => &[TableGroup::Metrics],
            LogicalDb::BpsDb => &[TableGroup::Bps],
            LogicalDb::RegistryDb | LogicalDb::RegistryLocal(_) => &[TableGroup::Registry],
        }
    }

    /// The default physical database name in a split layout (before the prefix).
    pub fn split_name(self) -> String {
        self.name().to_ascii_lowercase()
    }

    /// The node whose local registry this is, if it is one.
    pub fn local_node(self) -> Option<u16> {
        match self {
            LogicalDb::RegistryLocal(n) => Some(n),
            _ => None,
        }
    }
}

impl fmt::Display for LogicalDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for LogicalDb {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let up = s.to_ascii_uppercase();
        let fixed = [
            LogicalDb::Wso2UserDb,
            LogicalDb::UserstoreDb,
            LogicalDb::IdentityDb,
            LogicalDb::MetricsDb,
            LogicalDb::BpsDb,
            LogicalDb::RegistryDb,
        ];
        if let Some(db) = fixed.into_iter().find(|d| d.name() == up) {
            return Ok(db);
        }
        if let Some(n) = up.strip_prefix("REGISTRY_LOCAL")
            && let Ok(n) = n.parse::<u16>()
            && n >= 1
        {
            return Ok(LogicalDb::RegistryLocal(n));
        }
        Err(Error::Usage(format!(
            "unknown logical database `{s}` (expected WSO2_USER_DB, USERSTORE_DB, IDENTITY_DB, METRICS_DB, BPS_DB, REGISTRY_DB or REGISTRY_LOCAL<n>)"
        )))
    }
}

/// How logical databases are placed by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LayoutKind {
    /// Every logical database in one physical database.
    #[default]
    Merged,
    /// One physical database per logical database.
    Split,
}

impl LayoutKind {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            LayoutKind::Merged => "merged",
            LayoutKind::Split => "split",
        }
    }
}

impl FromStr for LayoutKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        match s {
            "merged" => Ok(LayoutKind::Merged),
            "split" => Ok(LayoutKind::Split),
            _ => Err(Error::Usage(format!(
                "unknown layout `{s}` (expected one of: merged, split)"
            ))),
        }
    }
}

/// A physical database and what is placed in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhysicalDb {
    /// The database name on the server (validated identifier).
    pub name: String,
    /// The logical databases placed here, in [`LogicalDb::all`] order.
    pub logical: Vec<LogicalDb>,
}

impl PhysicalDb {
    /// The table groups this database must hold, each once, in apply order.
    pub fn groups(&self) -> Vec<TableGroup> {
        TableGroup::ALL
            .into_iter()
            .filter(|g| self.logical.iter().any(|l| l.groups().contains(g)))
            .collect()
    }
}

/// The placement of every logical database of a cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// How the layout was built (for messages; an explicit mapping still says merged/split).
    pub kind: LayoutKind,
    /// Number of IS nodes (and so of local registries).
    pub nodes: u16,
    /// Physical databases, in a stable order (first appearance in [`LogicalDb::all`]).
    pub databases: Vec<PhysicalDb>,
}

/// The largest number of nodes isdb lays out (names stay short enough for every dialect).
pub const MAX_NODES: u16 = 999;

impl Layout {
    /// Builds a `merged` or `split` layout for `nodes` nodes with database names prefixed by `prefix`.
    ///
    /// Names: merged = `<prefix>wso2is`; split = `<prefix>` + the lower-case logical name.
    pub fn new(kind: LayoutKind, nodes: u16, prefix: &str) -> Result<Layout, Error> {
        Self::with_mapping(kind, nodes, prefix, &BTreeMap::new())
    }

    /// Like [`Layout::new`], with some logical databases mapped to explicit physical names
    /// (the `[databases]` table of `isdb.toml`). Logical databases mapped to the same name share it.
    pub fn with_mapping(
        kind: LayoutKind,
        nodes: u16,
        prefix: &str,
        mapping: &BTreeMap<LogicalDb, String>,
    ) -> Result<Layout, Error> {
        if nodes == 0 || nodes > MAX_NODES {
            return Err(Error::Usage(format!(
                "--nodes must be between 1 and {MAX_NODES}, got {nodes}"
            )));
        }
        if !prefix.is_empty() {
            validate_identifier(prefix, "--db-prefix")?;
        }
        for l in mapping.keys() {
            if let Some(n) = l.local_node()
                && n > nodes
            {
                return Err(Error::Usage(format!(
                    "{l} is mapped but the cluster has only {nodes} node(s)"
                )));
            }
        }
        let mut databases: Vec<PhysicalDb> = Vec::new();
        for l in LogicalDb::all(nodes) {
            let name = match mapping.get(&l) {
                Some(n) => n.clone(),
                None => match kind {
                    LayoutKind::Merged => format!("{prefix}wso2is"),
                    LayoutKind::Split => format!("{prefix}{}", l.split_name()),
                },
            };
            validate_identifier(&name, "database name")?;
            match databases.iter_mut().find(|p| p.name == name) {
                Some(p) => p.logical.push(l),
                None => databases.push(PhysicalDb {
                    name,
                    logical: vec![l],
                }),
            }
        }
        Ok(Layout {
            kind,
            nodes,
            databases,
        })
    }

    /// The physical database that holds `logical`.
    pub fn physical(&self, logical: LogicalDb) -> Option<&PhysicalDb> {
        self.databases.iter().find(|p| p.logical.contains(&logical))
    }

    /// With several nodes, the first node-local registry whose database also
    /// holds another node's local registry or the shared REGISTRY_DB, with that
    /// other one and the database's name; None when each node has its own.
    pub fn shared_local_registry(&self) -> Option<(LogicalDb, LogicalDb, String)> {
        if self.nodes < 2 {
            return None;
        }
        self.databases.iter().find_map(|p| {
            let mut registries = p
                .logical
                .iter()
                .filter(|l| matches!(l, LogicalDb::RegistryDb | LogicalDb::RegistryLocal(_)));
            let first = *registries.next()?;
            let second = *registries.next()?;
            Some((first, second, p.name.clone()))
        })
    }

    /// Whether every node-local registry is in the shared registry's database
    /// (the merged layout): then they stay in each node's embedded H2.
    pub fn local_registries_in_shared_registry(&self) -> bool {
        let shared = self.physical(LogicalDb::RegistryDb);
        (1..=self.nodes).all(|n| self.physical(LogicalDb::RegistryLocal(n)) == shared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_puts_everything_in_one_database_once() {
        let l = Layout::new(LayoutKind::Merged, 2, "").unwrap();
        assert_eq!(l.databases.len(), 1);
        assert_eq!(l.databases[0].name, "wso2is");
        assert_eq!(l.databases[0].logical.len(), 8);
        assert_eq!(l.databases[0].groups(), TableGroup::ALL.to_vec());
    }

    #[test]
    fn split_names_follow_the_logical_databases() {
        let l = Layout::new(LayoutKind::Split, 3, "acme_").unwrap();
        let names: Vec<_> = l.databases.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "acme_wso2_user_db",
                "acme_userstore_db",
                "acme_identity_db",
                "acme_metrics_db",
                "acme_bps_db",
                "acme_registry_db",
                "acme_registry_local1",
                "acme_registry_local2",
                "acme_registry_local3"
            ]
        );
        assert_eq!(
            l.physical(LogicalDb::IdentityDb).unwrap().groups(),
            [TableGroup::Identity, TableGroup::Consent, TableGroup::Uma]
        );
    }

    #[test]
    fn explicit_mapping_can_share_databases() {
        let mut m = BTreeMap::new();
        m.insert(LogicalDb::Wso2UserDb, "shared".to_string());
        m.insert(LogicalDb::IdentityDb, "shared".to_string());
        let l = Layout::with_mapping(LayoutKind::Split, 2, "", &m).unwrap();
        let shared = l.physical(LogicalDb::IdentityDb).unwrap();
        assert_eq!(shared.name, "shared");
        assert_eq!(
            shared.groups(),
            [
                TableGroup::UserManagement,
                TableGroup::Identity,
                TableGroup::Consent,
                TableGroup::Uma
            ]
        );
    }

    #[test]
    fn bad_prefix_and_node_counts_are_refused() {
        assert!(Layout::new(LayoutKind::Split, 2, "x; DROP").is_err());
        assert!(Layout::new(LayoutKind::Split, 0, "").is_err());
        assert!("REGISTRY_LOCAL0".parse::<LogicalDb>().is_err());
        assert_eq!(
            "registry_local12".parse::<LogicalDb>().unwrap(),
            LogicalDb::RegistryLocal(12)
        );
    }
}
