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
    Render(RenderArgs),
    /// Create and migrate every database of a layout (SQLite files under ./isdb-data by default).
    Migrate(MigrateArgs),
    /// Show applied and pending migrations per database (exit 1 when something is pending).
    Status(StatusArgs),
    /// Compare live databases with the expected schema (exit 1 on any difference).
    Verify(VerifyArgs),
    /// Adopt existing databases: record matching migrations as applied, without running DDL.
    Baseline(BaselineArgs),
    /// Write (or patch into an IS_HOME) the datasource, registry, user-store and identity settings of every node.
    Config(ConfigArgs),
}

/// How the nodes' configuration is produced (shared by `config` and `migrate --emit-config`).
#[derive(Debug, Args)]
pub struct NodeConfigFlags {
    /// Where users live: `ldap` (node 1's embedded LDAP, shared) or `jdbc` (WSO2_USER_DB).
    #[arg(long, default_value = "ldap")]
    pub user_store: String,
    /// A node's host name, NODE=HOST (repeatable); node 1's is needed with --user-store ldap.
    #[arg(long = "node-host", value_name = "NODE=HOST")]
    pub node_hosts: Vec<String>,
    /// Where each node's local registry lives: `database` (REGISTRY_LOCAL<k>) or `h2` (embedded, as stock IS).
    #[arg(long, default_value = "database")]
    pub local_registry: String,
    /// Write passwords in plain text instead of secure-vault aliases.
    #[arg(long)]
    pub plaintext_passwords: bool,
}

/// `isdb config`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("destination").required(true).args(["out", "is_home"])))]
pub struct ConfigArgs {
    /// The RDBMS the datasources connect to.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(dialect::names()))]
    pub dialect: String,
    /// Where the databases are.
    #[command(flatten)]
    pub target: TargetFlags,
    /// How the nodes are configured.
    #[command(flatten)]
    pub nodes: NodeConfigFlags,
    /// Write a tree per node under this directory (DIR/node<k>/..., DIR/fragments/node<k>/...).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// With --out: complete the files from this stock IS_HOME, so `cp -r DIR/node<k>/. $IS_HOME/` installs everything.
    #[arg(long, requires = "out")]
    pub from: Option<PathBuf>,
    /// Write into an output directory that is not empty.
    #[arg(long)]
    pub force: bool,
    /// Patch this existing IS 5.3.0 installation in place (with timestamped backups).
    #[arg(long, requires = "node")]
    pub is_home: Option<PathBuf>,
    /// The node the IS_HOME belongs to.
    #[arg(long)]
    pub node: Option<u16>,
    /// With --is-home: show a unified diff and write nothing.
    #[arg(long, requires = "is_home")]
    pub diff: bool,
}

/// `isdb verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Where the databases are.
    #[command(flatten)]
    pub target: TargetFlags,
    /// Compare with this version instead of the applied (or newest) one.
    #[arg(long)]
    pub version: Option<String>,
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
    /// Look for matches up to this version only.
    #[arg(long)]
    pub version: Option<String>,
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

/// Where the databases are: shared by every command that connects.
#[derive(Debug, Args)]
pub struct TargetFlags {
    /// Database layout [default: merged].
    #[arg(long, value_enum)]
    pub layout: Option<LayoutArg>,
    /// postgres://, mysql:// (MariaDB too) or sqlite: URL. Merged: it names the database;
    /// split: it names the server. Default: SQLite files under ./isdb-data.
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
    /// Character set of MySQL/MariaDB databases isdb creates [default: latin1, WSO2's supported charset].
    #[arg(long)]
    pub mysql_charset: Option<String>,
    /// Seconds to wait for a database connection [default: 10].
    #[arg(long)]
    pub connect_timeout: Option<u64>,
    /// Seconds to wait for another isdb run's migration lock, and for any lock
    /// a statement waits for in the server [default: 60].
    #[arg(long)]
    pub lock_timeout: Option<u64>,
    /// Seconds any one statement may run (server and client side) [default: 300].
    #[arg(long)]
    pub statement_timeout: Option<u64>,
    /// Seconds a CREATE INDEX may run, instead of --statement-timeout [default: 3600].
    #[arg(long)]
    pub index_timeout: Option<u64>,
    /// Seconds the server keeps a session whose client stopped talking
    /// (a frozen network) before dropping it and its locks [default: 60].
    #[arg(long)]
    pub idle_timeout: Option<u64>,
}

impl TargetFlags {
    /// The library's view of these flags.
    pub fn to_target_args(&self) -> crate::migrate::TargetArgs {
        let default_config = PathBuf::from("isdb.toml");
        crate::migrate::TargetArgs {
            layout: self.layout.map(Into::into),
            url: self.url.clone(),
            nodes: self.nodes,
            db_prefix: self.db_prefix.clone(),
            config: self
                .config
                .clone()
                .or_else(|| default_config.is_file().then_some(default_config)),
            mysql_charset: self.mysql_charset.clone(),
            connect_timeout: self.connect_timeout.map(std::time::Duration::from_secs),
            lock_timeout: self.lock_timeout.map(std::time::Duration::from_secs),
            statement_timeout: self.statement_timeout.map(std::time::Duration::from_secs),
            index_timeout: self.index_timeout.map(std::time::Duration::from_secs),
            idle_timeout: self.idle_timeout.map(std::time::Duration::from_secs),
        }
    }
}

/// `isdb migrate`.
#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Where the databases are.
    #[command(flatten)]
    pub target: TargetFlags,
    /// Print the SQL that would run, per database, and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// After migrating, write every node's configuration for this layout to DIR (as `isdb config --out`).
    #[arg(long, value_name = "DIR")]
    pub emit_config: Option<PathBuf>,
    /// With --emit-config: write into a directory that is not empty.
    #[arg(long, requires = "emit_config")]
    pub force: bool,
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
    /// Target RDBMS.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(dialect::names()))]
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
    /// Output directory; scripts go to OUT/sql/<database>.sql.
    #[arg(long)]
    pub out: PathBuf,
    /// Write into an output directory that is not empty.
    #[arg(long)]
    pub force: bool,
}

/// The dialect named on the command line (clap has already checked the name).
pub fn dialect(name: &str) -> Result<&'static dyn Dialect, Error> {
    dialect::by_name(name).ok_or_else(|| {
        Error::Usage(format!(
            "unknown dialect `{name}` (expected one of: {})",
            dialect::names().join(", ")
        ))
    })
}
