//! The command line: raw arguments (clap) are turned into validated settings
//! before any work starts, then each subcommand is one library call.

mod args;

use std::io::Write;

pub use args::{Cli, Command};

use crate::error::Error;
use crate::layout::Layout;

/// Runs a parsed command line. Returns the process exit code for commands
/// whose outcome is not simply success (e.g. `status`: 1 when something is pending).
pub async fn run(cli: Cli) -> Result<i32, Error> {
    match cli.command {
        Command::Render(a) => {
            let dialect = args::dialect(&a.dialect)?;
            let layout = Layout::new(a.layout.into(), a.nodes, &a.db_prefix)?;
            let written = crate::render::write_scripts(dialect, &layout, &a.out, a.force)?;
            let mut out = std::io::stdout().lock();
            for p in written {
                let _ = writeln!(out, "wrote {}", p.display());
            }
            Ok(0)
        }
    }
}
