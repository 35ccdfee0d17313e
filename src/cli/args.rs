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
