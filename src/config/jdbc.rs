//! Per-dialect JDBC facts: URL form, driver class, validation query, autocommit,
//! pool sizes and the driver jar each node needs.
//!
//! The facts live in `dialects/jdbc/<dialect>.toml` (with their sources) and are
//! compiled in. [`facts`] is the one place a dialect's name is used to find them.

use std::sync::OnceLock;

use serde::Deserialize;

use super::ConfigGeneration;
use crate::dialect::Dialect;
use crate::error::Error;
use crate::layout::LogicalDb;
use crate::migrate::server_url::{self, Tls, TlsMode};

/// The JDBC facts of one dialect, as read from `dialects/jdbc/<dialect>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JdbcFacts {
    /// The dialect these facts belong to.
    pub dialect: String,
    /// `driverClassName`.
    pub driver_class: String,
    /// URL template with `{host}`, `{port}`, `{database}` (or `{addresses}`).
    pub url: String,
    /// Template of one `{addresses}` entry, for URLs that list several hosts (Oracle RAC).
    #[serde(default)]
    pub address: Option<String>,
    /// URL template of a database file below IS_HOME, for embedded databases (H2).
    #[serde(default)]
    pub file_url: Option<String>,
    /// URL of a stock node's local registry, for the embedded database.
    #[serde(default)]
    pub local_registry_url: Option<String>,
    /// User of the stock embedded databases.
    #[serde(default)]
    pub embedded_user: Option<String>,
    /// Password of the stock embedded databases.
    #[serde(default)]
    pub embedded_password: Option<String>,
    /// Port used when the target names none.
    pub default_port: u16,
    /// `validationQuery`.
    pub validation_query: String,
    /// `defaultAutoCommit` of the datasources.
    pub default_auto_commit: bool,
    /// `defaultAutoCommit` of the metrics datasource.
    pub metrics_auto_commit: bool,
    /// The jar to put in `repository/components/lib` (a hint: versions vary),
    /// the Java 8 build: every release from 5.4.0 needs Java 8.
    pub driver_jar: String,
    /// The Java 7 build, an alternative for the releases that run on Java 7 (5.3.0).
    #[serde(default)]
    pub java7_driver_jar: Option<String>,
    /// Whether every IS release isdb configures ships the driver (H2).
    pub bundled: bool,
    /// Pool settings of the master datasources.
    pub pool: PoolFacts,
    /// How the driver's URL asks for TLS; `None` when isdb does not know.
    #[serde(default)]
    pub tls: Option<TlsFacts>,
}

/// The URL parameters that ask a JDBC driver for each TLS mode.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsFacts {
    /// Parameters when the isdb URL gives no TLS mode.
    #[serde(default)]
    pub unset: String,
    /// `disable`.
    pub disable: String,
    /// `allow`.
    pub allow: String,
    /// `prefer`.
    pub prefer: String,
    /// `require`.
    pub require: String,
    /// `verify-ca`.
    pub verify_ca: String,
    /// `verify-full` (MySQL `VERIFY_IDENTITY`).
    pub verify_full: String,
    /// The parameter naming the CA certificate file, `{ca}` standing for its path.
    #[serde(default)]
    pub ca: Option<String>,
    /// Warning when the isdb URL names a CA file (`{ca}` standing for its path).
    #[serde(default)]
    pub ca_warning: Option<String>,
    /// Warning for `verify-full` when the driver cannot check host names.
    #[serde(default)]
    pub verify_full_warning: Option<String>,
}

impl TlsFacts {
    fn params(&self, mode: TlsMode) -> &str {
        match mode {
            TlsMode::Disable => &self.disable,
            TlsMode::Allow => &self.allow,
            TlsMode::Prefer => &self.prefer,
            TlsMode::Require => &self.require,
            TlsMode::VerifyCa => &self.verify_ca,
            TlsMode::VerifyFull => &self.verify_full,
        }
    }
}

/// The pool settings a dialect's datasources get.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolFacts {
    /// `maxActive`.
    pub max_active: u32,
    /// `maxWait` (ms).
    pub max_wait: u64,
    /// `minIdle`, when set.
    #[serde(default)]
    pub min_idle: Option<u32>,
    /// `testOnBorrow`.
    pub test_on_borrow: bool,
    /// `validationInterval` (ms).
    pub validation_interval: u64,
}

/// The full `<configuration>` pool settings of one datasource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pool {
    /// `maxActive`.
    pub max_active: u32,
    /// `maxWait` (ms).
    pub max_wait: u64,
    /// `maxIdle`, when set.
    pub max_idle: Option<u32>,
    /// `minIdle`, when set.
    pub min_idle: Option<u32>,
    /// `testOnBorrow`.
    pub test_on_borrow: bool,
    /// `validationQuery`.
    pub validation_query: String,
    /// `validationInterval` (ms).
    pub validation_interval: u64,
    /// `defaultAutoCommit`.
    pub default_auto_commit: bool,
    /// `useDataSourceFactory`, which the shipped BPS datasource sets to false.
    pub use_data_source_factory: Option<bool>,
}

const DATA: [&str; 7] = [
    include_str!("../../dialects/jdbc/postgres.toml"),
    include_str!("../../dialects/jdbc/mysql.toml"),
    include_str!("../../dialects/jdbc/oracle.toml"),
    include_str!("../../dialects/jdbc/oracle-rac.toml"),
    include_str!("../../dialects/jdbc/mssql.toml"),
    include_str!("../../dialects/jdbc/db2.toml"),
    include_str!("../../dialects/jdbc/h2.toml"),
];

fn all() -> &'static [JdbcFacts] {
    static ALL: OnceLock<Vec<JdbcFacts>> = OnceLock::new();
    ALL.get_or_init(|| {
        DATA.iter()
            .map(|text| {
                // The files are compiled in and covered by tests; a broken one is a build defect.
                toml::from_str(text).unwrap_or_else(|e| panic!("invalid built-in JDBC data: {e}"))
            })
            .collect()
    })
}

/// The JDBC facts of `dialect`, for the nodes of `generation`'s release.
/// Dialects WSO2 IS cannot run on (SQLite) have none.
pub fn facts(
    dialect: &dyn Dialect,
    generation: ConfigGeneration,
) -> Result<&'static JdbcFacts, Error> {
    all()
        .iter()
        .find(|f| f.dialect == dialect.name())
        .ok_or_else(|| {
            Error::Unsupported(format!(
                "WSO2 IS {} has no JDBC datasource support for `{}`; `isdb config` writes datasources for: {}",
                generation.version(),
                dialect.name(),
                all().iter().map(|f| f.dialect.as_str()).collect::<Vec<_>>().join(", ")
            ))
        })
}

/// The facts of the database IS embeds (H2), which keeps a node's local registry
/// with `--local-registry h2`.
pub fn embedded() -> &'static JdbcFacts {
    all()
        .iter()
        .find(|f| f.local_registry_url.is_some())
        .unwrap_or_else(|| panic!("built-in JDBC data names no embedded database"))
}

impl JdbcFacts {
    /// The driver jar hint for the nodes of `generation`'s release: the Java 8
    /// build, and the Java 7 one as well where the release runs on Java 7.
    pub fn driver_jar_for(&self, generation: ConfigGeneration) -> String {
        match &self.java7_driver_jar {
            Some(java7) if generation.runs_on_java7() => {
                format!("{}, or {java7} on Java 7", self.driver_jar)
            }
            _ => self.driver_jar.clone(),
        }
    }

    /// The JDBC URL of `database` on `hosts` (several only where the URL form
    /// lists addresses), with the driver's parameters for `tls`.
    pub fn server_url(
        &self,
        hosts: &[String],
        port: Option<u16>,
        database: &str,
        tls: &Tls,
    ) -> String {
        let url = self.plain_server_url(hosts, port, database);
        let params = self.tls_params(tls);
        if params.is_empty() {
            return url;
        }
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}{params}")
    }

    /// The URL parameters that ask this driver for `tls`.
    fn tls_params(&self, tls: &Tls) -> String {
        let Some(facts) = &self.tls else {
            return String::new();
        };
        let mut params: Vec<String> = Vec::new();
        let mode = match tls.mode {
            Some(mode) => facts.params(mode),
            None => &facts.unset,
        };
        params.extend(mode.split('&').filter(|p| !p.is_empty()).map(String::from));
        if let (Some(template), Some(ca)) = (&facts.ca, &tls.ca) {
            params.push(template.replace("{ca}", &server_url::encode_query_value(ca)));
        }
        params.join("&")
    }

    /// What the operator must know about the TLS settings of this dialect's
    /// JDBC URLs for `tls`: what the driver cannot do, and files the nodes need.
    pub fn tls_warnings(&self, tls: &Tls) -> Vec<String> {
        let Some(facts) = &self.tls else {
            return match (tls.mode, &tls.ca) {
                (None, None) => vec![],
                _ => vec![format!(
                    "the URL's TLS settings are not carried into {} JDBC URLs: configure the driver's TLS yourself",
                    self.dialect
                )],
            };
        };
        let mut out = Vec::new();
        if tls.mode == Some(TlsMode::VerifyFull)
            && let Some(w) = &facts.verify_full_warning
        {
            out.push(w.clone());
        }
        if let (Some(ca), Some(w)) = (&tls.ca, &facts.ca_warning) {
            out.push(w.replace("{ca}", ca));
        }
        out
    }

    fn plain_server_url(&self, hosts: &[String], port: Option<u16>, database: &str) -> String {
        let port = port.unwrap_or(self.default_port).to_string();
        let fill = |template: &str, host: &str| {
            template
                .replace("{host}", &url_host(host))
                .replace("{port}", &port)
                .replace("{database}", database)
        };
        match &self.address {
            Some(address) => {
                let addresses: String = hosts.iter().map(|h| fill(address, h)).collect();
                fill(&self.url, "").replace("{addresses}", &addresses)
            }
            None => fill(&self.url, hosts.first().map(String::as_str).unwrap_or("")),
        }
    }

    /// The JDBC URL of a database file below each node's IS_HOME, if the dialect is embedded.
    pub fn file_url(&self, database: &str) -> Option<String> {
        self.file_url
            .as_ref()
            .map(|t| t.replace("{database}", database))
    }

    /// Whether several hosts may be listed for one database.
    pub fn multi_host(&self) -> bool {
        self.address.is_some()
    }

    /// The pool settings of `logical`'s datasource.
    pub fn pool(&self, logical: LogicalDb) -> Pool {
        let mut pool = Pool {
            max_active: self.pool.max_active,
            max_wait: self.pool.max_wait,
            max_idle: None,
            min_idle: self.pool.min_idle,
            test_on_borrow: self.pool.test_on_borrow,
            validation_query: self.validation_query.clone(),
            validation_interval: self.pool.validation_interval,
            default_auto_commit: self.default_auto_commit,
            use_data_source_factory: None,
        };
        match logical {
            LogicalDb::MetricsDb => pool.default_auto_commit = self.metrics_auto_commit,
            // The shipped BPS_DS (carbon-business-process 4.4.9 bps-datasources.xml).
            LogicalDb::BpsDb => {
                pool.max_active = 100;
                pool.max_idle = Some(20);
                pool.max_wait = 10000;
                pool.use_data_source_factory = Some(false);
            }
            _ => {}
        }
        pool
    }
}

/// A host as it appears in a JDBC URL: IPv6 literals in brackets.
fn url_host(host: &str) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect;
    use crate::model::catalog::Version;

    fn generation(release: &str) -> ConfigGeneration {
        ConfigGeneration::for_release(&Version::parse(release).unwrap()).unwrap()
    }

    fn g() -> ConfigGeneration {
        generation("5.11.0")
    }

    #[test]
    fn every_dialect_but_sqlite_has_facts() {
        for d in dialect::all() {
            let f = facts(d, g());
            assert_eq!(f.is_ok(), d.name() != "sqlite", "{}", d.name());
        }
        for release in ["5.3.0", "5.8.0", "5.11.0"] {
            let err = facts(dialect::by_name("sqlite").unwrap(), generation(release)).unwrap_err();
            assert!(matches!(err, Error::Unsupported(_)));
            assert!(
                err.to_string()
                    .contains(&format!("WSO2 IS {release} has no")),
                "{err}"
            );
        }
        assert_eq!(embedded().dialect, "h2");
    }

    #[test]
    fn java7_driver_builds_are_offered_only_where_the_release_runs_on_java7() {
        let oracle = facts(dialect::by_name("oracle").unwrap(), g()).unwrap();
        assert!(
            oracle
                .driver_jar_for(generation("5.3.0"))
                .contains("ojdbc7.jar on Java 7")
        );
        for release in ["5.4.0", "5.8.0", "5.9.0", "5.11.0"] {
            for d in dialect::all().iter().filter(|d| d.name() != "sqlite") {
                let jar = facts(*d, g()).unwrap().driver_jar_for(generation(release));
                assert!(!jar.contains("Java 7"), "{release} {}: {jar}", d.name());
            }
        }
    }

    #[test]
    fn urls_fill_the_templates() {
        let hosts = |h: &[&str]| h.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let none = Tls::default();
        let my = facts(dialect::by_name("mysql").unwrap(), g()).unwrap();
        assert_eq!(
            my.server_url(&hosts(&["db1"]), None, "wso2is", &none),
            "jdbc:mysql://db1:3306/wso2is?autoReconnect=true&useSSL=false"
        );
        let pg = facts(dialect::by_name("postgres").unwrap(), g()).unwrap();
        assert_eq!(
            pg.server_url(&hosts(&["::1"]), Some(6543), "x", &none),
            "jdbc:postgresql://[::1]:6543/x"
        );
        let rac = facts(dialect::by_name("oracle-rac").unwrap(), g()).unwrap();
        assert_eq!(
            rac.server_url(&hosts(&["r1", "r2"]), None, "svc", &none),
            "jdbc:oracle:thin:@(DESCRIPTION=(LOAD_BALANCE=on)(ADDRESS=(PROTOCOL=TCP)(HOST=r1)(PORT=1521))(ADDRESS=(PROTOCOL=TCP)(HOST=r2)(PORT=1521))(CONNECT_DATA=(SERVICE_NAME=svc)))"
        );
        let h2 = facts(dialect::by_name("h2").unwrap(), g()).unwrap();
        assert_eq!(
            h2.file_url("wso2is").unwrap(),
            "jdbc:h2:./repository/database/wso2is;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=60000"
        );
        assert!(pg.file_url("x").is_none());
    }

    #[test]
    fn tls_modes_become_each_drivers_parameters() {
        let tls = |mode, ca: Option<&str>| Tls {
            mode,
            ca: ca.map(String::from),
        };
        let host = ["db".to_string()];
        let pg = facts(dialect::by_name("postgres").unwrap(), g()).unwrap();
        let full = tls(Some(TlsMode::VerifyFull), Some("/etc/isdb/ca cert.pem"));
        assert_eq!(
            pg.server_url(&host, None, "x", &full),
            "jdbc:postgresql://db:5432/x?ssl=true&sslmode=verify-full&sslrootcert=/etc/isdb/ca%20cert.pem"
        );
        assert_eq!(
            pg.server_url(&host, None, "x", &tls(Some(TlsMode::Disable), None)),
            "jdbc:postgresql://db:5432/x?sslmode=disable"
        );
        let warnings = pg.tls_warnings(&full);
        assert!(
            warnings.len() == 1 && warnings[0].contains("/etc/isdb/ca cert.pem"),
            "{warnings:?}"
        );

        let my = facts(dialect::by_name("mysql").unwrap(), g()).unwrap();
        assert_eq!(
            my.server_url(&host, None, "x", &tls(Some(TlsMode::Require), None)),
            "jdbc:mysql://db:3306/x?autoReconnect=true&useSSL=true&requireSSL=true&verifyServerCertificate=false"
        );
        let identity = tls(Some(TlsMode::VerifyFull), Some("/ca.pem"));
        assert_eq!(
            my.server_url(&host, None, "x", &identity),
            "jdbc:mysql://db:3306/x?autoReconnect=true&useSSL=true&requireSSL=true&verifyServerCertificate=true"
        );
        let warnings = my.tls_warnings(&identity).join("\n");
        assert!(
            warnings.contains("client-truststore.jks") && warnings.contains("host name"),
            "{warnings}"
        );
        assert!(my.tls_warnings(&Tls::default()).is_empty());

        let oracle = facts(dialect::by_name("oracle").unwrap(), g()).unwrap();
        let req = tls(Some(TlsMode::Require), None);
        assert_eq!(
            oracle.server_url(&host, None, "svc", &req),
            "jdbc:oracle:thin:@db:1521/svc"
        );
        assert!(oracle.tls_warnings(&req)[0].contains("not carried"));
        assert!(oracle.tls_warnings(&Tls::default()).is_empty());
    }

    #[test]
    fn pools_follow_the_shipped_files_per_datasource() {
        let pg = facts(dialect::by_name("postgres").unwrap(), g()).unwrap();
        let p = pg.pool(LogicalDb::IdentityDb);
        assert_eq!(p.validation_query, "SELECT 1; COMMIT");
        assert!(!p.default_auto_commit);
        let bps = pg.pool(LogicalDb::BpsDb);
        assert_eq!(
            (bps.max_active, bps.max_idle, bps.max_wait),
            (100, Some(20), 10000)
        );
        let my = facts(dialect::by_name("mysql").unwrap(), g()).unwrap();
        assert!(my.pool(LogicalDb::MetricsDb).default_auto_commit);
        let db2 = facts(dialect::by_name("db2").unwrap(), g()).unwrap();
        assert_eq!(db2.pool(LogicalDb::RegistryDb).max_wait, 360000);
    }
}
