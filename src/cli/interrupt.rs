//! SIGINT and SIGTERM: the run stops with a message and the conventional
//! exit code (128 + the signal's number) instead of dying silently.

/// A termination signal that stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interrupt {
    /// SIGINT (Ctrl-C): exit 130.
    Int,
    /// SIGTERM (`kill`, a service manager stopping isdb): exit 143.
    Term,
}

impl Interrupt {
    /// 128 + the signal's number, as shells report a process a signal ended.
    pub fn exit_code(self) -> u8 {
        match self {
            Interrupt::Int => 130,
            Interrupt::Term => 143,
        }
    }

    /// What the operator is told.
    pub fn message(self) -> String {
        let name = match self {
            Interrupt::Int => "SIGINT",
            Interrupt::Term => "SIGTERM",
        };
        format!(
            "interrupted by {name}: isdb stopped and closed its connections, so the servers release its migration locks and roll back any open transaction; run the command again to finish"
        )
    }
}

/// Waits for SIGINT or SIGTERM. Never returns if neither can be watched.
pub async fn interrupted() -> Interrupt {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) {
            (Ok(mut int), Ok(mut term)) => tokio::select! {
                _ = int.recv() => Interrupt::Int,
                _ = term.recv() => Interrupt::Term,
            },
            _ => std::future::pending().await,
        }
    }
    #[cfg(not(unix))]
    {
        match tokio::signal::ctrl_c().await {
            Ok(()) => Interrupt::Int,
            Err(_) => std::future::pending().await,
        }
    }
}
