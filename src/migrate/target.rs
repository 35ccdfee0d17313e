//! Where the databases are: the `--url`, the `isdb.toml` config file and the
//! `ISDB_*` environment variables, resolved into a [`Layout`] and one
//! [`DbConnection`] per physical database before anything is sent anywhere.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use url::Url;

pub use crate::engine::Backend;
use crate::error::Error;
use crate::ident::validate_identifier;
use crate::layout::{Layout, LayoutKind, LogicalDb, PhysicalDb};
use crate::migrate::server_url::{self, Tls};
use crate::model::catalog::{Catalog, Version};
use crate::secret::{Secret, is_secret_param};

/// The inputs that say where the databases are. Every field is optional:
/// flags override the config file, which overrides the defaults.
#[derive(Debug, Clone, Default)]
pub struct TargetArgs {
    /// `--layout`.
    pub layout: Option<LayoutKind>,
    /// `--url`.
    pub url: Option<String>,
    /// `--nodes`.
    pub nodes: Option<u16>,
    /// `--db-prefix`.
    pub db_prefix: Option<String>,
    /// `--config`.
    pub config: Option<PathBuf>,
    /// `--mysql-charset`.
    pub mysql_charset: Option<String>,
    /// `--connect-timeout`.
    pub connect_timeout: Option<Duration>,
    /// `--lock-timeout`.
    pub lock_timeout: Option<Duration>,
    /// `--allow-system-database`: let a target be a server's own database
    /// (`postgres`, `mysql`, ...), which isdb otherwise refuses.
    pub allow_system_database: bool,
    /// `--statement-timeout`.
    pub statement_timeout: Option<Duration>,
    /// `--index-timeout`.
    pub index_timeout: Option<Duration>,
    /// `--idle-timeout`.
    pub idle_timeout: Option<Duration>,
    /// `--is-version`: the IS release to install or check, as typed.
    pub is_version: Option<String>,
}

/// The `isdb.toml` file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `merged` or `split`.
    #[serde(default)]
    pub layout: Option<String>,
    /// Number of IS nodes.
    #[serde(default)]
    pub nodes: Option<u16>,
    /// Prefix for every database name.
    #[serde(default)]
    pub db_prefix: Option<String>,
    /// Server URL (split) or database URL (merged).
    #[serde(default)]
    pub url: Option<String>,
    /// MySQL/MariaDB character set for created databases.
    #[serde(default)]
    pub mysql_charset: Option<String>,
    /// Seconds to wait for a connection.
    #[serde(default)]
    pub connect_timeout: Option<u64>,
    /// Seconds to wait for another runner's lock.
    #[serde(default)]
    pub lock_timeout: Option<u64>,
    /// Seconds any one statement may run.
    #[serde(default)]
    pub statement_timeout: Option<u64>,
    /// Seconds a `CREATE INDEX` may run (instead of `statement_timeout`).
    #[serde(default)]
    pub index_timeout: Option<u64>,
    /// Seconds the server keeps a session whose client stopped answering.
    #[serde(default)]
    pub idle_timeout: Option<u64>,
    /// The IS release to install or check (`--is-version`).
    #[serde(default)]
    pub is_version: Option<String>,
    /// Per logical database settings, keyed by logical name (e.g. `IDENTITY_DB`).
    #[serde(default)]
    pub databases: BTreeMap<String, DatabaseConfig>,
}

/// Settings of one logical database in `isdb.toml`. Its `Debug` hides the
/// password and redacts the URL.
#[derive(Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// Physical database name (logical databases with the same name share it).
    #[serde(default)]
    pub name: Option<String>,
    /// Server URL for this database (its database part is ignored).
    #[serde(default)]
    pub url: Option<String>,
    /// User name.
    #[serde(default)]
    pub user: Option<String>,
    /// Password (prefer `ISDB_PASSWORD_<LOGICAL_DB>`).
    #[serde(default)]
    pub password: Option<String>,
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("name", &self.name)
            .field("url", &self.url.as_deref().map(redact))
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

impl ConfigFile {
    /// Reads and parses a config file. Unknown keys are errors naming the key and line.
    pub fn load(path: &Path) -> Result<ConfigFile, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        toml::from_str(&text).map_err(|e| {
            let line = e
                .span()
                .map(|s| {
                    format!(
                        " (line {})",
                        text[..s.start.min(text.len())].matches('\n').count() + 1
                    )
                })
                .unwrap_or_default();
            Error::Usage(format!("{}{line}: {}", path.display(), e.message()))
        })
    }
}

/// How to reach one physical database.
#[derive(Clone)]
pub struct DbConnection {
    /// The engine.
    pub backend: Backend,
    /// The physical database.
    pub db: PhysicalDb,
    /// Server URL without password and database (PostgreSQL, MySQL).
    server: Option<Url>,
    /// The database file (SQLite).
    pub sqlite_path: Option<PathBuf>,
    password: Option<Secret>,
    /// Character set for a MySQL database isdb creates.
    pub mysql_charset: String,
    /// How long to wait for a connection.
    pub connect_timeout: Duration,
    /// How long to wait for another runner's lock (and for locks inside the server).
    pub lock_timeout: Duration,
    /// How long any one statement may run.
    pub statement_timeout: Duration,
    /// How long a `CREATE INDEX` may run.
    pub index_timeout: Duration,
    /// How long the server keeps a session whose client stopped talking.
    pub idle_timeout: Duration,
}

impl fmt::Debug for DbConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DbConnection({})", self.display())
    }
}

impl DbConnection {
    /// Where this database is, for messages: never contains a password.
    pub fn display(&self) -> String {
        match (&self.sqlite_path, &self.server) {
            (Some(p), _) => format!("sqlite:{}", p.display()),
            (None, Some(u)) => {
                let mut u = u.clone();
                u.set_path(&format!("/{}", self.db.name));
                u.to_string()
            }
            (None, None) => self.db.name.clone(),
        }
    }

    /// The URL sqlx connects with: the database itself, or (`database = None`)
    /// the server's maintenance database. Holds the password; never log it.
    pub(crate) fn connect_url(&self, database: Option<&str>) -> Result<Url, Error> {
        if let Some(p) = &self.sqlite_path {
            let abs = if p.is_absolute() {
                p.clone()
            } else {
                std::env::current_dir()
                    .map_err(|e| Error::io(".", e))?
                    .join(p)
            };
            let path = abs.to_str().ok_or_else(|| {
                Error::Usage(format!("{} is not a usable SQLite path", abs.display()))
            })?;
            let mut u = Url::parse("sqlite:///").map_err(|e| Error::Usage(e.to_string()))?;
            u.set_path(path);
            u.set_query(Some("mode=rwc"));
            return Ok(u);
        }
        let mut u = self
            .server
            .clone()
            .ok_or_else(|| Error::Usage("no server URL".into()))?;
        u.set_path(&format!("/{}", database.unwrap_or("")));
        // sqlx hands the URL's host to the resolver as written, brackets and all;
        // PostgreSQL's `host` parameter takes the bare address instead.
        if let Some(url::Host::Ipv6(addr)) = u.host() {
            u.query_pairs_mut().append_pair("host", &addr.to_string());
        }
        if let Some(p) = &self.password
            && !p.is_empty()
        {
            // Encoded whole: `url` leaves a `%` as it is, and the driver decodes what it finds.
            let encoded = percent_encoding::utf8_percent_encode(
                p.expose(),
                percent_encoding::NON_ALPHANUMERIC,
            )
            .to_string();
            u.set_password(Some(&encoded))
                .map_err(|_| Error::Usage("the URL cannot carry a password".into()))?;
        }
        Ok(u)
    }
}

impl DbConnection {
    /// The password isdb connects with, if one is known (never log it).
    pub fn password(&self) -> Option<&Secret> {
        self.password.as_ref()
    }
}

/// Gives every server database with no password one (issue 10, point 4): asked
/// once per server and user through `prompt` (an empty answer is an empty
/// password), or an empty one with `allow_empty`, which asks nothing. Without
/// either, a database with no password is an error naming each.
pub fn fill_passwords(
    deployment: &mut Deployment,
    allow_empty: bool,
    mut prompt: Option<crate::config::Prompt<'_>>,
) -> Result<(), Error> {
    type Key = (String, Option<u16>, String);
    let mut missing: BTreeMap<Key, Vec<usize>> = BTreeMap::new();
    for (i, db) in deployment.databases.iter().enumerate() {
        if let (Some(server), None) = (&db.server, &db.password) {
            let key = (
                server.host_str().unwrap_or("").to_ascii_lowercase(),
                server.port(),
                server.username().to_string(),
            );
            missing.entry(key).or_default().push(i);
        }
    }
    let mut unanswered = Vec::new();
    for ((host, port, user), dbs) in missing {
        let names: Vec<String> = dbs
            .iter()
            .map(|&i| deployment.databases[i].db.name.clone())
            .collect();
        let answer = match (allow_empty, prompt.as_mut()) {
            (true, _) => Some(Secret::default()),
            (false, Some(ask)) => ask(&crate::config::PasswordPrompt {
                user: user.clone(),
                database: names.join(", "),
                host: Some(host.clone()),
                port,
            })?,
            (false, None) => None,
        };
        match answer {
            Some(p) => {
                for i in dbs {
                    deployment.databases[i].password = Some(p.clone());
                }
            }
            None => unanswered.push(format!(
                "{} (user {user} on {host}{})",
                names.join(", "),
                port.map(|p| format!(":{p}")).unwrap_or_default()
            )),
        }
    }
    if unanswered.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "no password for {}: set ISDB_PASSWORD (or ISDB_PASSWORD_<LOGICAL_DB>), put it in the config file, run isdb on a terminal to be asked, or pass --empty-password for a server that needs none; nothing was done",
            unanswered.join("; ")
        )))
    }
}

/// A resolved deployment: the layout and how to reach each of its databases.
#[derive(Debug, Clone)]
pub struct Deployment {
    /// The layout.
    pub layout: Layout,
    /// One connection per physical database, in layout order.
    pub databases: Vec<DbConnection>,
    /// The dialect of every database (one engine per deployment).
    pub backend: Backend,
    /// The IS release asked for (`--is-version` or `is_version`), one the
    /// builtin catalog knows. `None`: a fresh database gets the newest release,
    /// an existing one stays at the release its history records.
    pub release: Option<Version>,
}

/// The engine when no `--url` or config names one.
pub const EMBEDDED_BACKEND: Backend = Backend::Sqlite;

/// The directory of the embedded default when no `--url` or config is given.
pub const EMBEDDED_DIR: &str = "isdb-data";

fn parse_url(raw: &str) -> Result<(Backend, Url), Error> {
    let url = Url::parse(raw)
        .map_err(|e| Error::Usage(format!("malformed --url `{}`: {e}", redact(raw))))?;
    let scheme = url.scheme();
    let Some(backend) = Backend::from_scheme(scheme) else {
        return Err(match crate::dialect::by_scheme(scheme) {
            Some(dialect) => Error::Unsupported(format!(
                "{scheme}:// is not supported for live apply yet: use `isdb render --dialect {}` and run the scripts with the vendor's client",
                dialect.name()
            )),
            None => Error::Usage(format!(
                "unknown URL scheme `{scheme}:` (expected postgres://, mysql:// (MariaDB too) or sqlite:)"
            )),
        });
    };
    let engine = backend.engine();
    if !engine.is_embedded() && url.host_str().is_none_or(str::is_empty) {
        return Err(Error::Usage(format!(
            "--url `{}` names no host",
            redact(raw)
        )));
    }
    if !engine.reaches_ipv6_literals() && matches!(url.host(), Some(url::Host::Ipv6(_))) {
        return Err(Error::Unsupported(format!(
            "--url `{}`: isdb's MySQL driver (sqlx 0.9) cannot connect to an IPv6 literal; give a host name that resolves to it",
            redact(raw)
        )));
    }
    Ok((backend, url))
}

/// `raw` with every secret (user-info password, `password`, `sslpassword` and
/// any other secret parameter) replaced by `***` and cut to a readable length, for messages.
pub fn redact(raw: &str) -> String {
    crate::error::excerpt(&crate::secret::redact_url(raw))
}

/// Whether `raw` carries a secret anywhere, so that it should not be on a command line.
fn carries_secret(raw: &str) -> bool {
    Url::parse(raw)
        .is_ok_and(|u| u.password().is_some() || u.query_pairs().any(|(k, _)| is_secret_param(&k)))
}

/// Takes a live server URL apart (see [`server_url::split`]) and checks that
/// the CA file it names exists, before anything connects.
fn split_live(raw: &str, url: Url, backend: Backend) -> Result<server_url::ServerUrl, Error> {
    let parts = server_url::split(raw, url, Some(backend))?;
    if let Some(ca) = &parts.tls.ca
        && !Path::new(ca).is_file()
    {
        return Err(Error::Usage(format!(
            "the CA certificate file `{}` the URL names does not exist",
            crate::error::excerpt(ca)
        )));
    }
    Ok(parts)
}

/// What every command that targets databases reads the same way.
struct Common {
    file: ConfigFile,
    kind: LayoutKind,
    nodes: u16,
    prefix: String,
    per_logical: BTreeMap<LogicalDb, DatabaseConfig>,
    raw_url: Option<String>,
    release: Option<Version>,
}

/// The release the flag (else the config file) names, checked against the
/// builtin catalog before anything else is read or reached.
fn release(args: &TargetArgs, file: &ConfigFile) -> Result<Option<Version>, Error> {
    let catalog = Catalog::builtin()?;
    match (&args.is_version, &file.is_version) {
        (Some(raw), _) => catalog.release(raw).map(Some),
        (None, Some(raw)) => catalog.release(raw).map(Some).map_err(|e| {
            let path = args.config.as_deref().unwrap_or(Path::new("isdb.toml"));
            Error::Usage(format!("{} (is_version): {e}", path.display()))
        }),
        (None, None) => Ok(None),
    }
}

/// The release `args` ask for (flag, else `is_version` in the config file),
/// checked against the builtin catalog, else the newest it knows: what a
/// fresh database gets and what `config` writes the files of.
pub fn resolve_release(args: &TargetArgs) -> Result<Version, Error> {
    let file = match &args.config {
        Some(p) => ConfigFile::load(p)?,
        None => ConfigFile::default(),
    };
    match release(args, &file)? {
        Some(v) => Ok(v),
        None => newest_release(),
    }
}

/// The newest release the builtin catalog knows.
pub fn newest_release() -> Result<Version, Error> {
    Catalog::builtin()?
        .newest()
        .cloned()
        .ok_or_else(|| Error::Unsupported("the builtin catalog holds no release".into()))
}

fn common(args: &TargetArgs) -> Result<Common, Error> {
    let file = match &args.config {
        Some(p) => ConfigFile::load(p)?,
        None => ConfigFile::default(),
    };
    let release = release(args, &file)?;
    let kind = match (&args.layout, &file.layout) {
        (Some(k), _) => *k,
        (None, Some(s)) => s.parse()?,
        (None, None) => LayoutKind::Merged,
    };
    let nodes = args.nodes.or(file.nodes).unwrap_or(2);
    let prefix = args
        .db_prefix
        .clone()
        .or(file.db_prefix.clone())
        .unwrap_or_default();
    let mut per_logical = BTreeMap::new();
    for (k, v) in &file.databases {
        per_logical.insert(k.parse::<LogicalDb>()?, v.clone());
    }
    if args.url.as_deref().is_some_and(carries_secret) {
        tracing::warn!(
            "the --url carries a password, which other users can see in the process list; prefer ISDB_PASSWORD"
        );
    }
    let raw_url = args.url.clone().or(file.url.clone());
    Ok(Common {
        file,
        kind,
        nodes,
        prefix,
        per_logical,
        raw_url,
        release,
    })
}

/// The physical names the config file gives logical databases.
fn named(per_logical: &BTreeMap<LogicalDb, DatabaseConfig>) -> BTreeMap<LogicalDb, String> {
    per_logical
        .iter()
        .filter_map(|(l, c)| c.name.clone().map(|n| (*l, n)))
        .collect()
}

/// The config file's url, user and password for physical database `db`: one
/// each, from whichever of its logical databases sets it; two different values
/// for one database are refused.
fn file_settings(
    db: &PhysicalDb,
    per_logical: &BTreeMap<LogicalDb, DatabaseConfig>,
) -> Result<DatabaseConfig, Error> {
    let configs: Vec<&DatabaseConfig> = db
        .logical
        .iter()
        .filter_map(|l| per_logical.get(l))
        .collect();
    let pick =
        |f: fn(&DatabaseConfig) -> Option<String>, what: &str| -> Result<Option<String>, Error> {
            let mut vals: Vec<String> = configs.iter().filter_map(|c| f(c)).collect();
            vals.sort();
            vals.dedup();
            if vals.len() > 1 {
                return Err(Error::Usage(format!(
                    "database {} gets two different {what} from the config file",
                    db.name
                )));
            }
            Ok(vals.pop())
        };
    Ok(DatabaseConfig {
        name: None,
        url: pick(|c| c.url.clone(), "urls")?,
        user: pick(|c| c.user.clone(), "users")?,
        password: pick(|c| c.password.clone(), "passwords")?,
    })
}

/// One physical database as the datasource configuration sees it: a server
/// of any RDBMS (no live connection is made).
#[derive(Debug, Clone)]
pub struct ServerTarget {
    /// The physical database.
    pub db: PhysicalDb,
    /// Host, when a URL names one.
    pub host: Option<String>,
    /// Port, when the URL names one.
    pub port: Option<u16>,
    /// User, from the config file or the URL.
    pub user: Option<String>,
    /// Password from the config file or the URL (prefer the environment).
    pub password: Option<Secret>,
    /// The scheme of the URL naming the server (`postgres`, `mariadb`, ...), if any.
    pub scheme: Option<String>,
    /// TLS settings of the URL, for the JDBC URLs.
    pub tls: Tls,
}

/// Resolves flags and config file into a layout and, per physical database,
/// the server it is on, for any RDBMS (the URL's scheme is not checked: the
/// datasource configuration is written for the dialect the operator names).
pub fn resolve_servers(args: &TargetArgs) -> Result<(Layout, Vec<ServerTarget>), Error> {
    let c = common(args)?;
    let parse = |raw: &str| {
        Url::parse(raw).map_err(|e| Error::Usage(format!("malformed --url `{}`: {e}", redact(raw))))
    };
    let base = c.raw_url.as_deref().map(parse).transpose()?;
    let mut mapping = named(&c.per_logical);
    if let Some(u) = &base
        && c.kind == LayoutKind::Merged
    {
        let db = u.path().trim_start_matches('/');
        if !db.is_empty() {
            validate_identifier(db, "database name in --url")?;
            for l in LogicalDb::all(c.nodes) {
                mapping.entry(l).or_insert_with(|| db.to_string());
            }
        }
    }
    let layout = Layout::with_mapping(c.kind, c.nodes, &c.prefix, &mapping)?;
    let mut out = Vec::new();
    for db in &layout.databases {
        let file = file_settings(db, &c.per_logical)?;
        let raw = file
            .url
            .as_deref()
            .or(c.raw_url.as_deref())
            .unwrap_or_default();
        let url = file.url.as_deref().map(parse).transpose()?.or(base.clone());
        let backend = url
            .as_ref()
            .and_then(|u| Backend::from_scheme(u.scheme()))
            .filter(|b| !b.engine().is_embedded());
        let parts = url
            .clone()
            .map(|u| server_url::split(raw, u, backend))
            .transpose()?;
        let user = file.user.or_else(|| {
            url.as_ref()
                .map(|u| u.username().to_string())
                .filter(|u| !u.is_empty())
        });
        let password = file
            .password
            .map(Secret::new)
            .or_else(|| parts.as_ref().and_then(|p| p.password.clone()));
        out.push(ServerTarget {
            db: db.clone(),
            host: url
                .as_ref()
                .and_then(|u| u.host_str())
                .map(|h| h.trim_matches(['[', ']']).to_string()),
            port: url.as_ref().and_then(Url::port),
            scheme: url.as_ref().map(|u| u.scheme().to_string()),
            user,
            password,
            tls: parts.map(|p| p.tls).unwrap_or_default(),
        });
    }
    Ok((layout, out))
}

/// The databases a server keeps for itself: never a place for WSO2's tables.
fn is_system_database(backend: Backend, name: &str) -> bool {
    backend
        .engine()
        .system_databases()
        .iter()
        .any(|n| n.eq_ignore_ascii_case(name))
}

/// Refuses, before anything is sent anywhere, database names that would
/// install into a server's own database or that the engine would not keep as
/// written: PostgreSQL folds an unquoted name to lower case, so a name with
/// upper-case letters would be created under one name and reached under another.
fn check_database_names(
    backend: Backend,
    layout: &Layout,
    allow_system: bool,
) -> Result<(), Error> {
    for db in &layout.databases {
        if !allow_system && is_system_database(backend, &db.name) {
            return Err(Error::Usage(format!(
                "`{}` is a system database of the server; isdb does not install WSO2's tables into it. Name a database of your own (merged: the URL's database, e.g. .../wso2is; split: a server URL ending in `/`), or pass --allow-system-database if you really mean it",
                db.name
            )));
        }
        if backend.engine().folds_database_names()
            && db.name.chars().any(|c| c.is_ascii_uppercase())
        {
            return Err(Error::Usage(format!(
                "database name `{}` has upper-case letters; {} folds unquoted names to lower case, so clients and DBAs would reach a different database: use lower case (`{}`, e.g. in --db-prefix)",
                db.name,
                backend.dialect().data().title,
                db.name.to_ascii_lowercase()
            )));
        }
    }
    Ok(())
}

/// With the merged layout a URL that names a database is that database, so a
/// prefix would be silently ignored: the two together are refused.
fn refuse_prefix_beside_url_database(db: &str, prefix: &str) -> Result<(), Error> {
    if prefix.is_empty() {
        return Ok(());
    }
    Err(Error::Usage(format!(
        "the --url names database `{db}` and a --db-prefix `{prefix}` is given: with the merged layout the URL's database is used as it is and the prefix would be ignored. Drop the prefix, or end the URL with `/` (the database is then `{prefix}wso2is`), or use --layout split"
    )))
}

/// Resolves flags, config file and environment into a [`Deployment`].
/// `env` looks up environment variables (injectable for tests).
pub fn resolve(
    args: &TargetArgs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Deployment, Error> {
    let Common {
        file,
        kind,
        nodes,
        prefix,
        per_logical,
        raw_url,
        release,
    } = common(args)?;
    let charset = args
        .mysql_charset
        .clone()
        .or(file.mysql_charset.clone())
        .unwrap_or_else(|| "latin1".into());
    validate_identifier(&charset, "--mysql-charset")?;
    let timeouts = super::session::Timeouts::resolve(args, &file)?;
    let (backend, base_url) = match &raw_url {
        Some(u) => {
            let (b, url) = parse_url(u)?;
            (b, Some(url))
        }
        None => (EMBEDDED_BACKEND, None),
    };
    let embedded = backend.engine().is_embedded();

    let mut mapping = named(&per_logical);
    // Merged: a server URL's database part (or a SQLite file name) names the database.
    let mut sqlite_file: Option<PathBuf> = None;
    let mut sqlite_dir = PathBuf::from(EMBEDDED_DIR);
    if let Some(u) = &base_url {
        if embedded {
            let path = PathBuf::from(u.path());
            let is_file = kind == LayoutKind::Merged && path.extension().is_some();
            if is_file {
                sqlite_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                sqlite_file = Some(path.clone());
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default();
                validate_identifier(&stem, "SQLite database file name")?;
                for l in LogicalDb::all(nodes) {
                    mapping.entry(l).or_insert_with(|| stem.clone());
                }
            } else {
                sqlite_dir = path;
            }
        } else if kind == LayoutKind::Merged {
            let db = u.path().trim_start_matches('/');
            if !db.is_empty() {
                validate_identifier(db, "database name in --url")?;
                refuse_prefix_beside_url_database(db, &prefix)?;
                for l in LogicalDb::all(nodes) {
                    mapping.entry(l).or_insert_with(|| db.to_string());
                }
            }
        }
    }
    let layout = Layout::with_mapping(kind, nodes, &prefix, &mapping)?;
    check_database_names(backend, &layout, args.allow_system_database)?;

    let global_password = env("ISDB_PASSWORD").map(Secret::new);
    let mut databases = Vec::new();
    for db in &layout.databases {
        let DatabaseConfig {
            url: db_url,
            user,
            password: file_password,
            ..
        } = file_settings(db, &per_logical)?;
        let env_password = db
            .logical
            .iter()
            .find_map(|l| env(&format!("ISDB_PASSWORD_{}", l.name())))
            .map(Secret::new);
        let (db_backend, server, raw) = match &db_url {
            Some(u) => {
                let (b, url) = parse_url(u)?;
                (b, Some(url), u.as_str())
            }
            None => (
                backend,
                base_url.clone(),
                raw_url.as_deref().unwrap_or_default(),
            ),
        };
        if db_backend != backend {
            return Err(Error::Usage(format!(
                "database {} is on a different kind of server than the others; isdb migrates one engine per run",
                db.name
            )));
        }
        let mut server = server.filter(|_| !embedded);
        let mut url_password = None;
        if let Some(s) = &mut server {
            let parts = split_live(raw, s.clone(), backend)?;
            url_password = parts.password;
            *s = parts.url;
            if let Some(u) = &user {
                let _ = s.set_username(u);
            }
            s.set_path("/");
        }
        let password = env_password
            .or(global_password.clone())
            .or(file_password.map(Secret::new))
            .or(url_password);
        let sqlite_path = embedded.then(|| match &sqlite_file {
            Some(f) => f.clone(),
            None => sqlite_dir.join(format!("{}.db", db.name)),
        });
        databases.push(DbConnection {
            backend,
            db: db.clone(),
            server,
            sqlite_path,
            password,
            mysql_charset: charset.clone(),
            connect_timeout: timeouts.connect,
            lock_timeout: timeouts.lock,
            statement_timeout: timeouts.statement,
            index_timeout: timeouts.index,
            idle_timeout: timeouts.idle,
        });
    }
    Ok(Deployment {
        layout,
        databases,
        backend,
        release,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn embedded_default_is_sqlite_files_under_isdb_data() {
        let d = resolve(&TargetArgs::default(), &no_env).unwrap();
        assert_eq!(d.backend, Backend::Sqlite);
        assert_eq!(d.databases.len(), 1);
        assert_eq!(
            d.databases[0].sqlite_path.as_deref(),
            Some(Path::new("isdb-data/wso2is.db"))
        );
    }

    #[test]
    fn merged_url_names_the_database_split_url_names_the_server() {
        let args = TargetArgs {
            url: Some("postgres://u:p%40ss@db.example:5433/idp".into()),
            ..Default::default()
        };
        let d = resolve(&args, &no_env).unwrap();
        assert_eq!(d.layout.databases[0].name, "idp");
        assert_eq!(d.databases[0].display(), "postgres://u@db.example:5433/idp");
        assert_eq!(
            d.databases[0].password.as_ref().map(Secret::expose),
            Some("p@ss")
        );
        let split = TargetArgs {
            layout: Some(LayoutKind::Split),
            ..args
        };
        let d = resolve(&split, &|k| {
            (k == "ISDB_PASSWORD_IDENTITY_DB").then(|| "idn-only-pw".into())
        })
        .unwrap();
        assert_eq!(d.databases.len(), 8);
        let idn = d
            .databases
            .iter()
            .find(|c| c.db.name == "identity_db")
            .unwrap();
        assert_eq!(
            idn.password.as_ref().map(Secret::expose),
            Some("idn-only-pw")
        );
        for c in &d.databases {
            let dbg = format!("{c:?}");
            assert!(
                !dbg.contains("idn-only-pw") && !dbg.contains("p@ss") && !dbg.contains("p%40ss"),
                "{dbg}"
            );
        }
    }

    #[test]
    fn bad_urls_are_usage_errors_that_hide_the_password() {
        for (url, want) in [
            ("not a url", "malformed"),
            ("ftp://h/x", "unknown URL scheme"),
            ("postgres:///x", "names no host"),
            ("postgres://u:secret@h/bad-name", "not a plain identifier"),
        ] {
            let e = resolve(
                &TargetArgs {
                    url: Some(url.into()),
                    ..Default::default()
                },
                &no_env,
            )
            .unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains(want), "{url}: {msg}");
            assert!(!msg.contains("secret"), "{msg}");
            assert_eq!(e.exit_code(), 2);
        }
        let e = resolve(
            &TargetArgs {
                url: Some("oracle://h/x".into()),
                ..Default::default()
            },
            &no_env,
        )
        .unwrap_err();
        assert!(e.to_string().contains("isdb render --dialect oracle"));
        assert_eq!(e.exit_code(), 2);
    }

    #[test]
    fn a_shared_database_with_two_users_is_refused_by_migrate_and_config_alike() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("isdb.toml");
        std::fs::write(
            &p,
            "layout = \"split\"\nurl = \"postgres://h/\"\n[databases.WSO2_USER_DB]\nname = \"users\"\nuser = \"a\"\n[databases.USERSTORE_DB]\nname = \"users\"\nuser = \"b\"\n",
        )
        .unwrap();
        let args = TargetArgs {
            config: Some(p),
            ..Default::default()
        };
        for e in [
            resolve(&args, &no_env).unwrap_err(),
            resolve_servers(&args).unwrap_err(),
        ] {
            assert!(
                e.to_string()
                    .contains("database users gets two different users"),
                "{e}"
            );
        }
    }

    #[test]
    fn system_databases_are_refused_unless_allowed() {
        for url in [
            "postgres://h/postgres",
            "postgres://h/template1",
            "mysql://h/mysql",
            "mysql://h/INFORMATION_SCHEMA",
            "mariadb://h/sys",
        ] {
            let args = TargetArgs {
                url: Some(url.into()),
                ..Default::default()
            };
            let e = resolve(&args, &no_env).unwrap_err();
            assert!(e.to_string().contains("is a system database"), "{url}: {e}");
            assert_eq!(e.exit_code(), 2);
            let allowed = TargetArgs {
                allow_system_database: true,
                ..args
            };
            assert!(resolve(&allowed, &no_env).is_ok(), "{url}");
        }
        // A server URL for split, or a database of one's own, is fine.
        for (url, layout) in [
            ("postgres://h/postgres", LayoutKind::Split),
            ("mysql://h/wso2", LayoutKind::Merged),
        ] {
            let args = TargetArgs {
                url: Some(url.into()),
                layout: Some(layout),
                ..Default::default()
            };
            assert!(resolve(&args, &no_env).is_ok(), "{url}");
        }
    }

    #[test]
    fn a_prefix_beside_a_merged_urls_database_is_refused() {
        let args = TargetArgs {
            url: Some("postgres://h/idp".into()),
            db_prefix: Some("nc_".into()),
            ..Default::default()
        };
        let e = resolve(&args, &no_env).unwrap_err();
        assert!(e.to_string().contains("the prefix would be ignored"), "{e}");
        let server = TargetArgs {
            url: Some("postgres://h/".into()),
            ..args
        };
        let d = resolve(&server, &no_env).unwrap();
        assert_eq!(d.layout.databases[0].name, "nc_wso2is");
    }

    #[test]
    fn upper_case_names_are_refused_on_postgres_only() {
        let pg = TargetArgs {
            url: Some("postgres://h/".into()),
            layout: Some(LayoutKind::Split),
            db_prefix: Some("Prod_".into()),
            ..Default::default()
        };
        let e = resolve(&pg, &no_env).unwrap_err();
        assert!(e.to_string().contains("`prod_wso2_user_db`"), "{e}");
        let my = TargetArgs {
            url: Some("mysql://h/".into()),
            ..pg
        };
        assert_eq!(
            resolve(&my, &no_env).unwrap().databases[0].db.name,
            "Prod_wso2_user_db"
        );
    }

    #[test]
    fn config_file_unknown_keys_name_the_key_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("isdb.toml");
        std::fs::write(
            &p,
            "layout = \"split\"\n\n[databases.IDENTITY_DB]\nnmae = \"x\"\n",
        )
        .unwrap();
        let e = ConfigFile::load(&p).unwrap_err().to_string();
        assert!(e.contains("nmae") && e.contains("line 4"), "{e}");
    }

    #[test]
    fn a_password_in_a_config_files_url_query_is_used_not_shown() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("isdb.toml");
        std::fs::write(
            &p,
            "layout = \"split\"\nurl = \"postgres://u@h/?password=base%26pw&sslmode=require\"\n[databases.IDENTITY_DB]\nurl = \"postgres://u@h2/?password=idn-pw\"\n",
        )
        .unwrap();
        let d = resolve(
            &TargetArgs {
                config: Some(p),
                ..Default::default()
            },
            &no_env,
        )
        .unwrap();
        for c in &d.databases {
            let want = if c.db.name == "identity_db" {
                "idn-pw"
            } else {
                "base&pw"
            };
            assert_eq!(c.password.as_ref().map(Secret::expose), Some(want));
            let shown = format!("{} {c:?}", c.display());
            assert!(!shown.contains("pw"), "{shown}");
        }
        let user_db = &d.databases[0];
        assert_eq!(
            user_db.display(),
            format!("postgres://u@h/{}?sslmode=require", user_db.db.name)
        );
    }

    #[test]
    fn a_database_configs_debug_hides_its_secrets() {
        let c = DatabaseConfig {
            url: Some("postgres://u:urlpw@h/?sslpassword=keypw".into()),
            password: Some("filepw".into()),
            ..Default::default()
        };
        let dbg = format!("{c:?}");
        for secret in ["urlpw", "keypw", "filepw"] {
            assert!(!dbg.contains(secret), "{dbg}");
        }
    }
}
