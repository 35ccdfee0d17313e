//! The `isdb` binary: parse arguments, set up logging, run, map errors to exit codes.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use isdb::cli::{Cli, Command};
use tracing_subscriber::EnvFilter;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap echoes a bad value whole; a huge one must not flood the terminal.
            let text = e.render().to_string();
            let clipped = isdb::error::clip_long_words(&text);
            if e.use_stderr() && clipped != text {
                eprint!("{clipped}");
                return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
            }
            e.exit()
        }
    };
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
        .with_ansi(colour_on_stderr())
        .with_target(false)
        .init();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err((code, e)) => {
            // isdb's errors name their cause themselves: printing the chain too would repeat it.
            eprintln!("error: {}", isdb::error::clip_long_words(&e.to_string()));
            ExitCode::from(code)
        }
    }
}

/// Colour only for a person at a terminal, and never when NO_COLOR is set (no-color.org).
fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn run(cli: Cli) -> Result<u8, (u8, anyhow::Error)> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| (1, anyhow::anyhow!("cannot start the async runtime: {e}")))?;
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
