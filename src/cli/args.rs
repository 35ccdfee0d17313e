//! Raw command-line arguments.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::dialect::{self, Dialect};
use crate::error::Error;
use crate::layout::LayoutKind;

/// isdb: build, migrate, verify and wire up the databases of a WSO2 Identity Server cluster.
#[derive(Debug, Parser)]
#[command(name = "isdb", version, about, long_about = None)]
pub struct Cli {
    /// More log output (-v: debug, -vv: trace). RUST_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    /// Only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the SQL scripts of every database of a layout, for one dialect.
    #[command(after_help = super::examples::RENDER)]
    Render(RenderArgs),
    /// Create and migrate every database of a layout (SQLite files under ./isdb-data by default).
    #[command(after_help = super::examples::MIGRATE)]
    Migrate(MigrateArgs),
    /// Show applied and pending migrations per database (exit 1 when something is pending).
    #[command(after_help = super::examples::STATUS)]
    Status(StatusArgs),
    /// Show what `migrate` would do, step by step: changes, tables and their row
    /// counts, which changes hold writers and for about how long, data steps, and
    /// the WSO2 migrators still to run. Changes nothing.
    #[command(after_help = super::examples::PLAN)]
    Plan(StatusArgs),
    /// Compare live databases with the expected schema (exit 1 on any difference).
    #[command(after_help = super::examples::VERIFY)]
    Verify(VerifyArgs),
    /// Adopt existing databases: record matching migrations as applied, without running DDL.
    #[command(after_help = super::examples::BASELINE)]
    Baseline(BaselineArgs),
    /// List the IS releases isdb knows, with their table groups and table counts.
    #[command(after_help = super::examples::VERSIONS)]
    Versions(VersionsArgs),
    /// Write (or patch into an IS_HOME) the datasource, registry, user-store and identity settings of every node.
    #[command(after_help = super::examples::CONFIG)]
    Config(ConfigArgs),
}

/// `--is-version`: the same flag on every subcommand that takes a release.
#[derive(Debug, Args)]
pub struct ReleaseFlag {
    /// The WSO2 IS release to install or check (`isdb versions` lists them) [default:
    /// the newest for a fresh database, the recorded one for an existing database].
    /// Also `is_version` in isdb.toml.
    #[arg(long = "is-version", value_name = "X.Y.Z", alias = "version")]
    pub is_version: Option<String>,
}

/// `isdb versions`.
#[derive(Debug, Args)]
pub struct VersionsArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// How the nodes' configuration is produced (shared by `config` and `migrate --emit-config`).
#[derive(Debug, Args)]
pub struct NodeConfigFlags {
    /// Where users live: `jdbc` (a JDBC user store in WSO2_USER_DB, shared by every
    /// node) or `ldap` (node 1's embedded LDAP, which the other nodes use).
    #[arg(long, default_value = "jdbc")]
    pub user_store: String,
    /// With --user-store ldap: node 1's host name, as 1=HOST (the other nodes reach its LDAP there).
    #[arg(long = "node-host", value_name = "NODE=HOST")]
    pub node_hosts: Vec<String>,
    /// With --user-store ldap: node 1's Carbon port offset, as 1=OFFSET; its LDAP listens on 10389 + OFFSET [default: 1=0].
    #[arg(long = "port-offset", value_name = "NODE=OFFSET")]
    pub port_offsets: Vec<String>,
    /// Where each node's local registry lives: `database` (REGISTRY_LOCAL<k>) or `h2`
    /// (embedded, as stock IS) [default: database when each node has its own, else h2].
    #[arg(long)]
    pub local_registry: Option<String>,
    /// Write passwords in plain text instead of secure-vault aliases.
    #[arg(long)]
    pub plaintext_passwords: bool,
}

/// `isdb config`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("destination").required(true).args(["out", "is_home"])))]
pub struct ConfigArgs {
    /// The RDBMS the datasources connect to [default: the engine the URL names; mariadb = mysql].
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(dialect_names()))]
    pub dialect: Option<String>,
    /// Where the databases are.
    #[command(flatten)]
    pub target: PlaceFlags,
    /// How the nodes are configured.
    #[command(flatten)]
    pub nodes: NodeConfigFlags,
    /// Give an empty password to every database that has none from the environment,
    /// the config file or the terminal (for servers that need none).
    #[arg(long)]
    pub empty_password: bool,
    /// Write a tree per node under this directory (DIR/node<k>/..., DIR/fragments/node<k>/...).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// With --out: complete the files from this stock IS_HOME, so `cp -r DIR/node<k>/. $IS_HOME/` installs everything.
    #[arg(long, requires = "out")]
    pub from: Option<PathBuf>,
    /// Write into an output directory that is not empty.
    #[arg(long)]
    pub force: bool,
    /// Patch this existing IS installation (of the release --is-version names) in place (with timestamped backups).
    #[arg(long, requires = "node")]
    pub is_home: Option<PathBuf>,
    /// The node the IS_HOME belongs to.
    #[arg(long)]
    pub node: Option<u16>,
    /// With --is-home: show a unified diff and write nothing.
    #[arg(long, requires = "is_home")]
    pub diff: bool,
}

/// Where the databases are, by name only: what every command takes (`config`
/// makes no connection, so it takes only these).
#[derive(Debug, Args)]
pub struct PlaceFlags {
    /// Database layout [default: merged].
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// The server (split) or database (merged), e.g. postgres://wso2@db:5432/, mysql://,
    /// mariadb://, oracle://, sqlserver://, db2://; its scheme gives the engine.
    /// Put passwords in ISDB_PASSWORD or ISDB_PASSWORD_<LOGICAL_DB>, not here.
    #[arg(long)]
    pub url: Option<String>,
    /// Number of IS nodes, one local registry each [default: 2].
    #[arg(long)]
    pub nodes: Option<u16>,
    /// Prefix for every database name.
    #[arg(long)]
    pub db_prefix: Option<String>,
    /// Config file [default: ./isdb.toml when it exists].
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// The IS release.
    #[command(flatten)]
    pub release: ReleaseFlag,
}

impl PlaceFlags {
    /// The library's view of these flags.
    pub fn to_target_args(&self) -> crate::migrate::TargetArgs {
        crate::migrate::TargetArgs {
            layout: self.layout.map(Into::into),
            url: self.url.clone(),
            nodes: self.nodes,
            db_prefix: self.db_prefix.clone(),
            config: config_file(self.config.clone()),
            is_version: self.release.is_version.clone(),
            ..Default::default()
        }
    }
}

/// `--config`, or `./isdb.toml` when it exists.
fn config_file(given: Option<PathBuf>) -> Option<PathBuf> {
    let default_config = PathBuf::from("isdb.toml");
    given.or_else(|| default_config.is_file().then_some(default_config))
}

/// `isdb verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Where the databases are.
    #[command(flatten)]
    pub target: TargetFlags,
    /// Extra objects (tables no group owns, ...) fail too.
    #[arg(long)]
    pub strict: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// `isdb baseline`.
#[derive(Debug, Args)]
pub struct BaselineArgs {
    /// Where the databases are.
    #[command(flatten)]
    pub target: TargetFlags,
    /// The migration lock.
    #[command(flatten)]
    pub lock: LockFlag,
    /// Extra objects (tables no group owns, ...) prevent the baseline too.
    #[arg(long)]
    pub strict: bool,
    /// Record the migrations although existing objects differ (listing what is
    /// accepted); never when an object is missing.
    #[arg(long)]
    pub accept_drift: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Where the databases are and how a session with them is bounded: every
/// command that connects.
#[derive(Debug, Args)]
pub struct TargetFlags {
    /// Where the databases are.
    #[command(flatten)]
    pub place: PlaceFlags,
    /// Let a target be the server's own database (postgres, template0/1, mysql,
    /// information_schema, performance_schema, sys), which isdb otherwise refuses.
    #[arg(long)]
    pub allow_system_database: bool,
    /// Seconds to wait for a database connection [default: 10].
    #[arg(long)]
    pub connect_timeout: Option<u64>,
    /// Seconds any one statement may run (server and client side) [default: 300].
    #[arg(long)]
    pub statement_timeout: Option<u64>,
    /// Seconds the server keeps a session whose client stopped talking
    /// (a frozen network) before dropping it and its locks [default: 60].
    #[arg(long)]
    pub idle_timeout: Option<u64>,
}

impl TargetFlags {
    /// The library's view of these flags.
    pub fn to_target_args(&self) -> crate::migrate::TargetArgs {
        crate::migrate::TargetArgs {
            connect_timeout: self.connect_timeout.map(std::time::Duration::from_secs),
            allow_system_database: self.allow_system_database,
            statement_timeout: self.statement_timeout.map(std::time::Duration::from_secs),
            idle_timeout: self.idle_timeout.map(std::time::Duration::from_secs),
            ..self.place.to_target_args()
        }
    }
}

/// `--lock-timeout`: only the commands that take the migration lock.
#[derive(Debug, Args)]
pub struct LockFlag {
    /// Seconds to wait for another isdb run's migration lock, and for any lock
    /// a statement waits for in the server [default: 60].
    #[arg(long)]
    pub lock_timeout: Option<u64>,
}

/// What only `migrate` uses: it creates databases and builds indexes.
#[derive(Debug, Args)]
pub struct CreateFlags {
    /// Character set of MySQL/MariaDB databases isdb creates [default: latin1, WSO2's supported charset].
    #[arg(long)]
    pub mysql_charset: Option<String>,
    /// Seconds a CREATE INDEX may run, instead of --statement-timeout [default: 3600].
    #[arg(long)]
    pub index_timeout: Option<u64>,
}

/// `isdb migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Where the databases are.
    #[command(flatten)]
    pub target: TargetFlags,
    /// The migration lock.
    #[command(flatten)]
    pub lock: LockFlag,
    /// Creating databases and indexes.
    #[command(flatten)]
    pub create: CreateFlags,
    /// Print the SQL that would run, per database, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// After migrating, write every node's configuration for this layout to DIR (as `isdb config --out`).
    #[arg(long, value_name = "DIR")]
    pub emit_config: Option<PathBuf>,
    /// With --emit-config: write into a directory that is not empty.
    #[arg(long, requires = "emit_config")]
    pub force: bool,
    /// Connect with an empty password to every database that has none from the
    /// environment, the config file or the URL, instead of asking on the terminal
    /// (without a terminal, a database with no password is an error otherwise).
    #[arg(long)]
    pub empty_password: bool,
    /// With --emit-config: how the nodes are configured.
    #[command(flatten)]
    pub nodes: NodeConfigFlags,
}

/// Output format of reports.
#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum Format {
    /// Human-readable.
    #[default]
    Text,
    /// JSON, for tools.
    Json,
}

/// `isdb status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Where the databases are.
    #[command(flatten)]
    pub target: TargetFlags,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// Layout choice on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LayoutArg {
    /// Every logical database in one physical database.
    Merged,
    /// One physical database per logical database.
    Split,
}

impl From<LayoutArg> for LayoutKind {
    fn from(l: LayoutArg) -> LayoutKind {
        match l {
            LayoutArg::Merged => LayoutKind::Merged,
            LayoutArg::Split => LayoutKind::Split,
        }
    }
}

/// `isdb render`.
#[derive(Debug, Args)]
pub struct RenderArgs {
    /// Target RDBMS (mariadb = mysql).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(dialect_names()))]
    pub dialect: String,
    /// Database layout.
    #[arg(long, value_enum, default_value = "merged")]
    pub layout: LayoutArg,
    /// Number of IS nodes (one local registry each).
    #[arg(long, default_value_t = 2)]
    pub nodes: u16,
    /// Prefix for every database name.
    #[arg(long, default_value = "")]
    pub db_prefix: String,
    /// Output directory; scripts go to OUT/sql/<database>.sql. An earlier
    /// render there is replaced (its scripts this one does not write are removed).
    #[arg(long)]
    pub out: PathBuf,
    /// Write into an output directory that holds files isdb did not write (they are left alone).
    #[arg(long)]
    pub force: bool,
    /// Leave isdb's history table out of the scripts (then `isdb baseline` adopts the databases).
    #[arg(long)]
    pub no_history: bool,
    /// The IS release.
    #[command(flatten)]
    pub release: ReleaseFlag,
    /// Write the upgrade from this IS release (the databases' current one) to
    /// --is-version, as `isdb migrate` would run it, instead of a fresh install.
    #[arg(long, value_name = "RELEASE")]
    pub from: Option<String>,
}

/// The names `--dialect` accepts: every dialect, and aliases.
fn dialect_names() -> Vec<&'static str> {
    let mut v = dialect::names();
    v.extend(DIALECT_ALIASES.iter().map(|(alias, _)| *alias));
    v
}

/// Other names of dialects: MariaDB runs the mysql dialect's scripts and JDBC settings.
const DIALECT_ALIASES: [(&str, &str); 1] = [("mariadb", "mysql")];

/// The dialect named on the command line (clap has already checked the name).
pub fn dialect(name: &str) -> Result<&'static dyn Dialect, Error> {
    let name = DIALECT_ALIASES
        .iter()
        .find(|(alias, _)| *alias == name)
        .map_or(name, |(_, real)| real);
    dialect::by_name(name).ok_or_else(|| {
        Error::Usage(format!(
            "unknown dialect `{name}` (expected one of: {})",
            dialect_names().join(", ")
        ))
    })
}

impl MigrateArgs {
    /// The library's view of where and how to migrate.
    pub fn to_target_args(&self) -> crate::migrate::TargetArgs {
        crate::migrate::TargetArgs {
            lock_timeout: self.lock.lock_timeout.map(std::time::Duration::from_secs),
            mysql_charset: self.create.mysql_charset.clone(),
            index_timeout: self
                .create
                .index_timeout
                .map(std::time::Duration::from_secs),
            ..self.target.to_target_args()
        }
    }
}

impl BaselineArgs {
    /// The library's view of where the databases to adopt are.
    pub fn to_target_args(&self) -> crate::migrate::TargetArgs {
        crate::migrate::TargetArgs {
            lock_timeout: self.lock.lock_timeout.map(std::time::Duration::from_secs),
            ..self.target.to_target_args()
        }
    }
}
