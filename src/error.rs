//! The library's error types. This module depends on nothing else in the
//! crate, so every module can return them without an import circle.

use std::path::PathBuf;
use std::time::Duration;

/// Everything that can go wrong in isdb, with enough context to act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input (flags, config file, URL) is invalid; nothing was done.
    #[error("{0}")]
    Usage(String),
    /// A migration definition under `migrations/` is invalid.
    #[error("migration {group} {version}: {message}")]
    Definition {
        /// Table group.
        group: String,
        /// Version.
        version: String,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The database reported an error.
    #[error("{context}: {}", describe_db(source))]
    Database {
        /// What isdb was doing (never contains a password).
        context: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// A migration failed or the history disagrees with the definitions.
    #[error(transparent)]
    Migrate(Box<MigrateError>),
    /// The requested operation is not supported for this target yet.
    #[error("{0}")]
    Unsupported(String),
    /// Replacing a set of files failed; the message names the files changed,
    /// put back and not touched.
    #[error("{0}")]
    Files(String),
}

/// A migration run failed or found the history inconsistent.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MigrateError {
    /// An applied migration's definition has changed since.
    #[error(
        "{database}: migration {group} {version} was applied with checksum {applied} but its definition now has checksum {current}; an applied migration must not change: add a new migration instead"
    )]
    ChecksumMismatch {
        /// Physical database.
        database: String,
        /// Table group.
        group: String,
        /// Version.
        version: String,
        /// Checksum in the history table.
        applied: String,
        /// Checksum of the definition now.
        current: String,
    },
    /// The history records a migration this isdb does not know.
    #[error(
        "{database}: the history records {group} {version}, which this isdb does not know (was it applied by a newer isdb?)"
    )]
    UnknownApplied {
        /// Physical database.
        database: String,
        /// Table group.
        group: String,
        /// Version.
        version: String,
    },
    /// A statement failed.
    #[error(
        "{database}: migration {group} {version} failed at statement {index} of {total} ({head}): {}\n  statements before it are applied and recorded; fix the cause and run `isdb migrate` again to resume",
        describe_db(.source)
    )]
    StatementFailed {
        /// Physical database.
        database: String,
        /// Table group.
        group: String,
        /// Version.
        version: String,
        /// 1-based statement number.
        index: usize,
        /// Statements in the migration.
        total: usize,
        /// The statement's first line.
        head: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// Another runner held the lock for too long.
    #[error(
        "{database}: another isdb run holds the migration lock; gave up after {}s (--lock-timeout)",
        waited.as_secs()
    )]
    LockTimeout {
        /// Physical database.
        database: String,
        /// How long isdb waited.
        waited: Duration,
    },
    /// The server did not answer in time.
    #[error("cannot connect to {target}: no answer within {}s (--connect-timeout)", after.as_secs())]
    ConnectTimeout {
        /// Where (no password).
        target: String,
        /// The timeout.
        after: Duration,
    },
    /// The session holding the migration lock was killed or cut: the server
    /// releases the lock and rolls back its open transaction as the session
    /// ends; isdb applied nothing more and did not reconnect.
    #[error(
        "{database}: the session holding the migration lock was lost, so isdb stopped and applied nothing more (as that session ends, the server releases the lock and rolls back any open transaction); run `isdb migrate` again to finish. Cause: {cause}"
    )]
    SessionLost {
        /// Physical database.
        database: String,
        /// What failed, as the driver reported it.
        cause: String,
    },
    /// A round trip got no answer in time (a frozen network or server).
    #[error(
        "{database}: no answer from the server within {}s (--statement-timeout or --index-timeout, plus 2 s), so isdb stopped, applied nothing more and dropped the connection; the server ends that session, releasing the migration lock and rolling back any open transaction, within --idle-timeout ({}s). Run `isdb migrate` again to finish",
        after.as_secs(),
        idle.as_secs()
    )]
    NoAnswer {
        /// Physical database.
        database: String,
        /// How long isdb waited.
        after: Duration,
        /// The server's idle limit for the session.
        idle: Duration,
    },
    /// The history records a group at a newer release than the one asked for.
    #[error(
        "{database}: {group} is at {applied} (recorded in its history), newer than the {group} schema of IS {target} ({wanted}); isdb never downgrades a database. Nothing was changed. Ask for IS {applied} or newer, or restore a backup taken before the upgrade"
    )]
    Downgrade {
        /// Physical database.
        database: String,
        /// Table group.
        group: String,
        /// The version the history records.
        applied: String,
        /// The release asked for.
        target: String,
        /// The group's snapshot at that release.
        wanted: String,
    },
    /// A half-applied step is not the one this run would take next.
    #[error(
        "{database}: {group} {stopped} was stopped part-way by an earlier run, and this run would go to {group} {next} instead; nothing was changed. Finish the earlier run first (`isdb migrate --is-version {stopped}`), then ask for the release you want"
    )]
    OtherStepStopped {
        /// Physical database.
        database: String,
        /// Table group.
        group: String,
        /// The half-applied version (a snapshot is named by its release).
        stopped: String,
        /// The version this run would apply next.
        next: String,
    },
    /// A step holds a difference the planner cannot turn into SQL on this
    /// dialect (a definition defect; nothing was run).
    #[error("{database}: {group} {version} cannot be applied on {dialect}: {why}")]
    Unplannable {
        /// Physical database.
        database: String,
        /// Table group.
        group: String,
        /// The version the step brings the group to.
        version: String,
        /// The dialect.
        dialect: String,
        /// What the planner could not do.
        why: String,
    },
    /// The live schema is not what the history records, so an upgrade is refused.
    #[error(
        "{database}: the live schema differs from what its history records ({recorded}): {count} difference(s), e.g. {first}. isdb upgrades only a database whose schema it knows exactly; nothing was changed. `isdb verify` lists the differences: repair them (or restore the database), then run the upgrade again"
    )]
    Drift {
        /// Physical database.
        database: String,
        /// The recorded versions, as `group version, ...`.
        recorded: String,
        /// How many failing differences.
        count: usize,
        /// The first of them.
        first: String,
    },
    /// Several databases failed; each error is listed.
    #[error("{}", .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Several(Vec<Error>),
    /// The database holds WSO2 tables but no isdb history; nothing was run.
    #[error(
        "{database}: holds {count} WSO2 table(s) (e.g. {tables}) but no isdb history: it was built outside isdb (e.g. from WSO2's or `isdb render --no-history`'s scripts). Nothing was changed. Run `isdb baseline` with the same arguments to adopt it (it records what matches and lists what differs), then `isdb migrate`"
    )]
    Unrecorded {
        /// Physical database.
        database: String,
        /// How many WSO2 tables it holds.
        count: usize,
        /// The first few of them.
        tables: String,
    },
}

/// A driver error as the operator needs it: the server's message without the
/// driver's "error returned from database" prefix or PostgreSQL's source line
/// ("at line 1454", a line of the server's C code).
pub fn describe_db(e: &sqlx::Error) -> String {
    match e.as_database_error() {
        Some(d) => match d.code() {
            Some(code) => format!("{} (SQLSTATE {code})", d.message()),
            None => d.message().to_string(),
        },
        None => e.to_string(),
    }
}

/// The longest user-given value a message echoes, in characters.
pub const ECHO_LIMIT: usize = 80;

/// `value` as a message quotes it: escaped, and cut after [`ECHO_LIMIT`]
/// characters with its full length named, so a huge value does not flood the terminal.
pub fn excerpt(value: &str) -> String {
    let mut escaped = value.escape_default();
    let shown: String = escaped.by_ref().take(ECHO_LIMIT).collect();
    match escaped.next() {
        Some(_) => format!("{shown}… ({} bytes in all)", value.len()),
        None => shown,
    }
}

/// `message` with every word longer than a few hundred bytes cut as [`excerpt`]
/// cuts values: the last guard before a message reaches the terminal, for values
/// echoed by code that does not cut them itself (argument parsing, for one).
pub fn clip_long_words(message: &str) -> String {
    const LONG: usize = 4 * ECHO_LIMIT;
    if message.split_whitespace().all(|w| w.len() <= LONG) {
        return message.to_string();
    }
    message
        .split_inclusive(char::is_whitespace)
        .map(|w| {
            let word = w.trim_end();
            if word.len() <= LONG {
                return w.to_string();
            }
            let shown: String = word.chars().take(ECHO_LIMIT).collect();
            format!("{shown}… ({} bytes in all){}", word.len(), &w[word.len()..])
        })
        .collect()
}

impl From<MigrateError> for Error {
    fn from(e: MigrateError) -> Error {
        Error::Migrate(Box::new(e))
    }
}

impl Error {
    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Error {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// Wraps a driver error with what isdb was doing.
    pub fn db(context: impl Into<String>, source: sqlx::Error) -> Error {
        Error::Database {
            context: context.into(),
            source,
        }
    }

    /// The process exit code that fits this error: 2 for usage, 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::Unsupported(_) => 2,
            _ => 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_long_values_and_escapes_control_characters() {
        assert_eq!(excerpt("a\nb"), "a\\nb");
        let long = "x".repeat(10_000_000);
        let e = excerpt(&long);
        assert!(e.len() < 200, "{}", e.len());
        assert!(e.ends_with("… (10000000 bytes in all)"), "{e}");
        let accented = excerpt(&"é".repeat(80));
        assert!(accented.starts_with("\\u{e9}\\u{e9}"), "{accented}");
        assert!(accented.ends_with("… (160 bytes in all)"), "{accented}");
        assert_eq!(excerpt("short"), "short");
    }

    #[test]
    fn clip_long_words_cuts_only_the_long_ones() {
        let msg = format!("bad value '{}' for --x\nnext line", "y".repeat(5000));
        let clipped = clip_long_words(&msg);
        assert!(clipped.len() < 300, "{clipped}");
        assert!(
            clipped.contains("(5002 bytes in all) for --x\nnext line"),
            "{clipped}"
        );
        assert_eq!(clip_long_words("a b\nc"), "a b\nc");
    }
}
