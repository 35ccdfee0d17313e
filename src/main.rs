//! The `isdb` binary: parse arguments, set up logging, run, map errors to exit codes.

use std::process::ExitCode;

use clap::Parser;
use isdb::cli::{Cli, Command};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let default_level = match (cli.quiet, cli.verbose) {
        (true, _) => "error",
        (false, 0) => "warn",
        (false, 1) => "isdb=debug,info",
        (false, _) => "isdb=trace,debug",
    };
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err((code, e)) => {
            eprintln!("error: {e:#}");
            ExitCode::from(code)
        }
    }
}

fn run(cli: Cli) -> Result<u8, (u8, anyhow::Error)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            (
                1,
                anyhow::Error::from(e).context("cannot start the async runtime"),
            )
        })?;
    // Commands without database sessions keep the default signal handling
    // (a password prompt must still yield to Ctrl-C).
    let sessions = !matches!(cli.command, Command::Render(_) | Command::Config(_));
    let outcome = runtime.block_on(async {
        if !sessions {
            return Ok(isdb::cli::run(cli).await);
        }
        // Dropping the run closes its connections: the servers then release its
        // locks. The run is polled first, so the handlers are installed only once
        // it waits on the network, after any password prompt.
        tokio::select! {
            biased;
            r = isdb::cli::run(cli) => Ok(r),
            signal = isdb::cli::interrupted() => Err(signal),
        }
    });
    let result = match outcome {
        Ok(r) => r,
        Err(signal) => return Err((signal.exit_code(), anyhow::anyhow!(signal.message()))),
    };
    match result {
        Ok(code) => Ok(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            let code = u8::try_from(e.exit_code()).unwrap_or(1);
            Err((code, anyhow::Error::from(e)))
        }
    }
}
