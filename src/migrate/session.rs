//! Bounds on every server round trip of a run, and what a lost session means.
//!
//! Each connection isdb opens gets server-side limits (statement, lock wait
//! and idle timeouts, and on PostgreSQL TCP keepalives on the server's end:
//! `engine::Engine::session_setup`), so the server itself ends a statement
//! that runs too long and drops the session of a client that froze, releasing
//! its locks. Each round trip of a migration is
//! also bounded on the client side ([`within`]), a little longer than the
//! server's own limit so that the server's clearer error arrives first.

use std::future::Future;
use std::time::Duration;

use super::MigrateError;
use super::target::{ConfigFile, DbConnection, TargetArgs};
use crate::error::Error;
use crate::render::StatementKind;

/// The longest accepted value of any timeout: 7 days (PostgreSQL's
/// millisecond settings stop at about 24 days).
pub const MAX_TIMEOUT_SECS: u64 = 7 * 24 * 3600;

/// How much longer than the server's limit the client waits for an answer.
pub const CLIENT_GRACE: Duration = Duration::from_secs(2);

/// The validated timeouts of a run (flags over `isdb.toml` over defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// `--connect-timeout` (default 10 s).
    pub connect: Duration,
    /// `--lock-timeout` (default 60 s): another runner's migration lock, and
    /// any lock a statement waits for inside the server (at least 1 s there).
    pub lock: Duration,
    /// `--statement-timeout` (default 300 s): any one statement.
    pub statement: Duration,
    /// `--index-timeout` (default 3600 s): a `CREATE INDEX`, exempt from
    /// `--statement-timeout` because building an index on a large table is slow.
    pub index: Duration,
    /// `--idle-timeout` (default 60 s): how long the server keeps a session
    /// whose client stopped talking (a frozen network) before dropping it.
    pub idle: Duration,
}

impl Timeouts {
    /// Every timeout checked up front: whole seconds from 1 (0 allowed for
    /// `--lock-timeout`: try once) to [`MAX_TIMEOUT_SECS`]; anything else is
    /// a usage error, before anything is touched.
    pub fn resolve(args: &TargetArgs, file: &ConfigFile) -> Result<Timeouts, Error> {
        let pick = |flag: Option<Duration>,
                    key: Option<u64>,
                    name: &str,
                    default: u64,
                    min: u64|
         -> Result<Duration, Error> {
            let secs = flag.map(|d| d.as_secs()).or(key).unwrap_or(default);
            if !(min..=MAX_TIMEOUT_SECS).contains(&secs) {
                return Err(Error::Usage(format!(
                    "--{} (isdb.toml `{}`) must be whole seconds from {min} to {MAX_TIMEOUT_SECS} (7 days); got {secs}",
                    name.replace('_', "-"),
                    name
                )));
            }
            Ok(Duration::from_secs(secs))
        };
        Ok(Timeouts {
            connect: pick(
                args.connect_timeout,
                file.connect_timeout,
                "connect_timeout",
                10,
                1,
            )?,
            lock: pick(args.lock_timeout, file.lock_timeout, "lock_timeout", 60, 0)?,
            statement: pick(
                args.statement_timeout,
                file.statement_timeout,
                "statement_timeout",
                300,
                1,
            )?,
            index: pick(
                args.index_timeout,
                file.index_timeout,
                "index_timeout",
                3600,
                1,
            )?,
            idle: pick(args.idle_timeout, file.idle_timeout, "idle_timeout", 60, 1)?,
        })
    }
}

/// The server-side limit for one statement of `kind`.
pub(super) fn server_bound(conn: &DbConnection, kind: StatementKind) -> Duration {
    match kind {
        StatementKind::CreateIndex | StatementKind::CreateIndexConcurrently => conn.index_timeout,
        _ => conn.statement_timeout,
    }
}

/// The server-side limit on lock waits: `--lock-timeout`, at least 1 s
/// (0 disables the limit on PostgreSQL).
pub(super) fn server_lock_wait(conn: &DbConnection) -> Duration {
    conn.lock_timeout.max(Duration::from_secs(1))
}

/// Runs one round trip of `conn`'s session, giving up after `server` plus
/// [`CLIENT_GRACE`]. A round trip that gave up leaves the connection in an
/// unknown state: the caller must drop it, never reuse it.
pub(super) async fn within<T>(
    conn: &DbConnection,
    server: Duration,
    fut: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let after = server + CLIENT_GRACE;
    match tokio::time::timeout(after, fut).await {
        Ok(r) => r,
        Err(_) => Err(MigrateError::NoAnswer {
            database: conn.db.name.clone(),
            after,
            idle: conn.idle_timeout,
        }
        .into()),
    }
}

/// Whether a driver error means the session itself is gone (killed on the
/// server, connection reset or closed), as opposed to one statement failing.
pub(super) fn is_session_gone(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::Protocol(_) | sqlx::Error::WorkerCrashed => true,
        // Every engine's codes are read: SQLSTATE class 08 is a lost connection on MySQL too.
        sqlx::Error::Database(d) => crate::engine::Backend::ALL
            .iter()
            .any(|b| b.engine().ends_session(d.as_ref())),
        _ => false,
    }
}

/// The driver error inside `e`, if `e` came from the server or the connection.
fn driver_error(e: &Error) -> Option<&sqlx::Error> {
    match e {
        Error::Database { source, .. } => Some(source),
        Error::Migrate(m) => match m.as_ref() {
            MigrateError::StatementFailed { source, .. } => Some(source),
            _ => None,
        },
        _ => None,
    }
}

/// Whether `e` leaves the session that holds the migration lock unusable:
/// no answer in time, or the session was killed or cut.
pub(super) fn session_unusable(e: &Error) -> bool {
    matches!(e, Error::Migrate(m) if matches!(m.as_ref(), MigrateError::NoAnswer { .. }))
        || driver_error(e).is_some_and(is_session_gone)
}

/// `e` restated as the loss of the session holding `conn`'s migration lock,
/// when that is what it means; otherwise `e` unchanged.
pub(super) fn explain_lost_session(conn: &DbConnection, e: Error) -> Error {
    match driver_error(&e) {
        Some(source) if is_session_gone(source) => MigrateError::SessionLost {
            database: conn.db.name.clone(),
            cause: e.to_string(),
        }
        .into(),
        _ => e,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_file_which_overrides_defaults() {
        let file = ConfigFile {
            statement_timeout: Some(30),
            idle_timeout: Some(5),
            ..Default::default()
        };
        let args = TargetArgs {
            idle_timeout: Some(Duration::from_secs(7)),
            ..Default::default()
        };
        let t = Timeouts::resolve(&args, &file).unwrap();
        assert_eq!(t.statement, Duration::from_secs(30));
        assert_eq!(t.idle, Duration::from_secs(7));
        assert_eq!(t.index, Duration::from_secs(3600));
        assert_eq!(t.lock, Duration::from_secs(60));
    }

    #[test]
    fn out_of_range_values_are_usage_errors_naming_flag_and_key() {
        let file = ConfigFile {
            lock_timeout: Some(MAX_TIMEOUT_SECS + 1),
            ..Default::default()
        };
        let e = Timeouts::resolve(&TargetArgs::default(), &file).unwrap_err();
        assert_eq!(e.exit_code(), 2);
        let msg = e.to_string();
        assert!(
            msg.contains("--lock-timeout") && msg.contains("`lock_timeout`"),
            "{msg}"
        );
        let zero = TargetArgs {
            lock_timeout: Some(Duration::ZERO),
            ..Default::default()
        };
        assert_eq!(
            Timeouts::resolve(&zero, &ConfigFile::default())
                .unwrap()
                .lock,
            Duration::ZERO
        );
    }
}
