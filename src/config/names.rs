//! The one table of datasource and JNDI names, and the other fixed names the
//! configuration files share.
//!
//! WSO2's own pages disagree on these names (config-facts.md §1.4), and a JNDI
//! name is the only link between a datasource and its consumers, so isdb picks
//! one set here and every generator and patcher reads it from this table.

use std::collections::BTreeMap;
use std::fmt;

use crate::error::Error;
use crate::layout::LogicalDb;

/// The datasource file of `repository/conf/datasources/` a datasource is defined in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DatasourceFile {
    /// `master-datasources.xml`: user management, identity and both registries.
    Master,
    /// `metrics-datasources.xml`: carbon-metrics.
    Metrics,
    /// `bps-datasources.xml`: the workflow (BPEL/human task) engine.
    Bps,
}

impl DatasourceFile {
    /// Every datasource file, in the order they are written.
    pub const ALL: [DatasourceFile; 3] = [
        DatasourceFile::Master,
        DatasourceFile::Metrics,
        DatasourceFile::Bps,
    ];

    /// The file name.
    pub fn file_name(self) -> &'static str {
        match self {
            DatasourceFile::Master => "master-datasources.xml",
            DatasourceFile::Metrics => "metrics-datasources.xml",
            DatasourceFile::Bps => "bps-datasources.xml",
        }
    }

    /// The path below IS_HOME.
    pub fn path(self) -> String {
        format!("{DATASOURCES_DIR}/{}", self.file_name())
    }
}

impl fmt::Display for DatasourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.file_name())
    }
}

/// The datasource and JNDI names of one logical database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatasourceNames {
    /// The datasource `<name>` (also the key of its secure vault alias).
    pub datasource: String,
    /// The `<jndiConfig><name>` that consumers look up.
    pub jndi: String,
}

/// The stock row of the names table for `logical`: datasource name, JNDI name, file.
fn stock(logical: LogicalDb) -> (String, &'static str, DatasourceFile) {
    match logical {
        LogicalDb::UserstoreDb => (
            "USERSTORE_DB".into(),
            "jdbc/WSO2UMDB",
            DatasourceFile::Master,
        ),
        LogicalDb::Wso2UserDb => (
            "WSO2_USER_DB".into(),
            "jdbc/WSO2UserDB",
            DatasourceFile::Master,
        ),
        LogicalDb::IdentityDb => (
            "WSO2_IDENTITY_DB".into(),
            "jdbc/WSO2IDENTITYDB",
            DatasourceFile::Master,
        ),
        LogicalDb::RegistryDb => (
            "WSO2_REGISTRY_DB".into(),
            "jdbc/WSO2RegistryDB",
            DatasourceFile::Master,
        ),
        LogicalDb::RegistryLocal(n) => (
            format!("REGISTRY_LOCAL{n}"),
            "jdbc/WSO2CarbonDB",
            DatasourceFile::Master,
        ),
        LogicalDb::MetricsDb => (
            "WSO2_METRICS_DB".into(),
            "jdbc/WSO2MetricsDB",
            DatasourceFile::Metrics,
        ),
        LogicalDb::BpsDb => ("BPS_DS".into(), "bpsds", DatasourceFile::Bps),
    }
}

/// Names `logical`'s datasource may carry in an existing IS_HOME: the stock
/// table's and the ones a stock IS 5.3.0 ships (config-facts.md §1), so a patch
/// replaces them rather than leaving a stale datasource beside the new one.
pub fn former_names(logical: LogicalDb) -> Vec<DatasourceNames> {
    let (datasource, jndi, _) = stock(logical);
    let mut v = vec![DatasourceNames {
        datasource,
        jndi: jndi.to_string(),
    }];
    let shipped = match logical {
        LogicalDb::RegistryLocal(_) => Some(("WSO2_CARBON_DB", "jdbc/WSO2CarbonDB")),
        LogicalDb::MetricsDb => Some(("WSO2_METRICS_DB", "jdbc/WSO2MetricsDB")),
        LogicalDb::BpsDb => Some(("BPS_DS", "bpsds")),
        _ => None,
    };
    if let Some((d, j)) = shipped {
        v.push(DatasourceNames {
            datasource: d.to_string(),
            jndi: j.to_string(),
        });
    }
    v
}

/// The file `logical`'s datasource is defined in.
pub fn datasource_file(logical: LogicalDb) -> DatasourceFile {
    stock(logical).2
}

/// The names table (issue 4, "Names"), with the overrides of `isdb.toml` applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    overrides: BTreeMap<LogicalDb, (Option<String>, Option<String>)>,
}

impl Names {
    /// The stock table, without overrides.
    pub fn new() -> Names {
        Names::default()
    }

    /// Overrides the datasource name and/or the JNDI name of `logical`.
    ///
    /// Datasource names are letters, digits, `_`, `-` and `.`; JNDI names may
    /// also contain `/`. Both end up in XML, XPath predicates and property keys.
    pub fn set(
        &mut self,
        logical: LogicalDb,
        datasource: Option<&str>,
        jndi: Option<&str>,
    ) -> Result<(), Error> {
        if let Some(d) = datasource {
            validate_name(d, false, &format!("datasource name for {logical}"))?;
        }
        if let Some(j) = jndi {
            validate_name(j, true, &format!("JNDI name for {logical}"))?;
        }
        let entry = self.overrides.entry(logical).or_default();
        if let Some(d) = datasource {
            entry.0 = Some(d.to_string());
        }
        if let Some(j) = jndi {
            entry.1 = Some(j.to_string());
        }
        Ok(())
    }

    /// The names of `logical`'s datasource.
    pub fn get(&self, logical: LogicalDb) -> DatasourceNames {
        let (datasource, jndi, _) = stock(logical);
        let over = self.overrides.get(&logical);
        DatasourceNames {
            datasource: over.and_then(|o| o.0.clone()).unwrap_or(datasource),
            jndi: over
                .and_then(|o| o.1.clone())
                .unwrap_or_else(|| jndi.to_string()),
        }
    }

    /// Whether the JNDI name of `logical` differs from the stock table.
    pub fn jndi_overridden(&self, logical: LogicalDb) -> bool {
        self.get(logical).jndi != stock(logical).1
    }
}

fn validate_name(name: &str, allow_slash: bool, what: &str) -> Result<(), Error> {
    let ok_char =
        |c: char| c.is_ascii_alphanumeric() || "_-.".contains(c) || (allow_slash && c == '/');
    let first_ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
    if !first_ok || !name.chars().all(ok_char) || name.len() > 128 {
        return Err(Error::Usage(format!(
            "{what} `{}` must start with a letter and hold only letters, digits, `_`, `-`, `.`{} (at most 128 characters)",
            name.escape_default(),
            if allow_slash { " or `/`" } else { "" }
        )));
    }
    Ok(())
}

/// `repository/conf/datasources`, below IS_HOME.
pub const DATASOURCES_DIR: &str = "repository/conf/datasources";
/// `registry.xml`, below IS_HOME.
pub const REGISTRY_XML: &str = "repository/conf/registry.xml";
/// `user-mgt.xml`, below IS_HOME.
pub const USER_MGT_XML: &str = "repository/conf/user-mgt.xml";
/// `identity.xml`, below IS_HOME.
pub const IDENTITY_XML: &str = "repository/conf/identity/identity.xml";
/// `embedded-ldap.xml`, below IS_HOME.
pub const EMBEDDED_LDAP_XML: &str = "repository/conf/identity/embedded-ldap.xml";
/// `consent-mgt-config.xml` (IS 5.5.0 to 5.8.0), below IS_HOME.
pub const CONSENT_MGT_CONFIG_XML: &str = "repository/conf/consent-mgt-config.xml";
/// The namespace of consent-mgt-config.xml's `<ConsentManager>`.
pub const CONSENT_MGT_NS: &str = "http://wso2.org/carbon/consent/management";
/// `metrics.xml` (consumer of the metrics datasource), below IS_HOME.
pub const METRICS_XML: &str = "repository/conf/metrics.xml";
/// `bps.xml` (consumer of the BPS datasource), below IS_HOME.
pub const BPS_XML: &str = "repository/conf/bps.xml";
/// `humantask.xml` (consumer of the BPS datasource), below IS_HOME.
pub const HUMANTASK_XML: &str = "repository/conf/humantask.xml";
/// `cipher-tool.properties`, below IS_HOME.
pub const CIPHER_TOOL_PROPERTIES: &str = "repository/conf/security/cipher-tool.properties";
/// `cipher-text.properties`, below IS_HOME.
pub const CIPHER_TEXT_PROPERTIES: &str = "repository/conf/security/cipher-text.properties";
/// Where JDBC driver jars go, below IS_HOME.
pub const DRIVER_DIR: &str = "repository/components/lib";

/// The secure vault namespace bound to the `svns` prefix.
pub const SECURE_VAULT_NS: &str = "http://org.wso2.securevault/configuration";
/// The reader every RDBMS datasource file names in `<providers>`.
pub const RDBMS_PROVIDER: &str = "org.wso2.carbon.ndatasource.rdbms.RDBMSDataSourceReader";

/// registry.xml `dbConfig` of the node's local registry (kept as shipped).
pub const LOCAL_DB_CONFIG: &str = "wso2registry";
/// registry.xml `dbConfig` of the shared config and governance registry.
pub const SHARED_DB_CONFIG: &str = "sharedregistry";
/// registry.xml `remoteInstance` id the mounts point at.
pub const REMOTE_INSTANCE_ID: &str = "sharedregistry-instance";
/// registry.xml `remoteInstance@url`, as in the Carbon 4.4 clustering guide.
pub const REMOTE_INSTANCE_URL: &str = "https://localhost:9443/registry";
/// The registry paths mounted from the shared registry.
pub const MOUNT_PATHS: [&str; 2] = ["/_system/config", "/_system/governance"];

/// The JDBC user store manager class (kernel 4.4.x).
pub const JDBC_USER_STORE_CLASS: &str = "org.wso2.carbon.user.core.jdbc.JDBCUserStoreManager";
/// The tenant manager that goes with a JDBC primary user store.
pub const JDBC_TENANT_MANAGER: &str = "org.wso2.carbon.user.core.tenant.JDBCTenantManager";
/// Default port of node 1's embedded LDAP (`carbon.xml` `Ports/EmbeddedLDAP/LDAPServerPort`).
pub const EMBEDDED_LDAP_PORT: u16 = 10389;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stock_names_follow_the_issue_table() {
        let n = Names::new();
        assert_eq!(n.get(LogicalDb::IdentityDb).jndi, "jdbc/WSO2IDENTITYDB");
        assert_eq!(
            n.get(LogicalDb::RegistryLocal(2)).datasource,
            "REGISTRY_LOCAL2"
        );
        assert_eq!(n.get(LogicalDb::RegistryLocal(2)).jndi, "jdbc/WSO2CarbonDB");
        assert_eq!(n.get(LogicalDb::BpsDb).jndi, "bpsds");
        assert_eq!(
            datasource_file(LogicalDb::MetricsDb),
            DatasourceFile::Metrics
        );
    }

    #[test]
    fn overrides_are_validated() {
        let mut n = Names::new();
        n.set(LogicalDb::IdentityDb, None, Some("jdbc/IdDS"))
            .unwrap();
        assert_eq!(n.get(LogicalDb::IdentityDb).jndi, "jdbc/IdDS");
        assert_eq!(n.get(LogicalDb::IdentityDb).datasource, "WSO2_IDENTITY_DB");
        assert!(n.jndi_overridden(LogicalDb::IdentityDb));
        assert!(n.set(LogicalDb::IdentityDb, Some("a/b"), None).is_err());
        assert!(
            n.set(LogicalDb::IdentityDb, None, Some("jdbc/x']"))
                .is_err()
        );
        assert!(n.set(LogicalDb::IdentityDb, Some(""), None).is_err());
    }
}
