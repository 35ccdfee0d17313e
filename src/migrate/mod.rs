//! Applying the migration catalog to live databases.
//!
//! The algorithm is written once, over sqlx's `Any` driver, with small
//! per-engine hooks (`backend`):
//! 1. create the physical database if it is missing;
//! 2. take a session-level lock on the connection that then applies the
//!    migrations (PostgreSQL advisory lock, MySQL/MariaDB `GET_LOCK`; SQLite
//!    an exclusive file lock), released on every path, and by the server if
//!    the process dies or the session is lost, which stops the run;
//! 3. create `ISDB_SCHEMA_HISTORY` if needed, refuse changed or unknown migrations;
//! 4. apply what is pending: on PostgreSQL and SQLite each migration in one
//!    transaction; on MySQL/MariaDB statement by statement, each rendered
//!    idempotently and its progress recorded, so a run killed half-way is
//!    finished by the next one.
//!
//! ```no_run
//! # async fn f() -> Result<(), isdb::Error> {
//! use isdb::migrate::{resolve, Plan, TargetArgs};
//! let deployment = resolve(&TargetArgs::default(), &|k| std::env::var(k).ok())?;
//! let report = Plan::new(deployment).migrate(&isdb::migrate::NoProgress).await?;
//! println!("{} migrations applied", report.applied());
//! # Ok(()) }
//! ```

mod backend;
mod baseline;
pub mod history;
mod runner;
pub mod server_url;
pub mod session;
pub mod target;

use std::sync::Arc;
use std::time::Duration;

pub use baseline::{
    DatabaseVerification, VerifyOptions, VerifyReport, inspect_database, is_missing,
};
pub use history::{HISTORY_TABLE, HistoryRow};
pub use runner::{
    DatabaseReport, DatabaseStatus, DryRunScript, GroupStatus, MigrateReport, StatusReport,
};
pub use session::Timeouts;
pub use target::{Backend, ConfigFile, DbConnection, Deployment, TargetArgs, resolve};

use crate::error::Error;
use crate::model::catalog::Version;

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
        crate::error::describe_db(.source)
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

/// Something worth telling the operator while a run goes on.
#[derive(Debug, Clone)]
pub enum Event {
    /// Work on a database starts; `statements` is how many will run.
    DatabaseStarted {
        /// Physical database.
        database: String,
        /// Statements pending.
        statements: usize,
    },
    /// Waiting for another runner's lock.
    WaitingForLock {
        /// Physical database.
        database: String,
    },
    /// One statement done.
    StatementDone {
        /// Physical database.
        database: String,
    },
    /// A migration completed.
    MigrationApplied {
        /// Physical database.
        database: String,
        /// Table group.
        group: String,
        /// Version.
        version: String,
        /// Whether it resumed a half-applied run.
        resumed: bool,
    },
    /// Work on a database finished.
    DatabaseFinished {
        /// Physical database.
        database: String,
        /// Migrations applied.
        applied: usize,
    },
}

/// Receives [`Event`]s (progress bars, log lines).
pub trait Progress: Send + Sync {
    /// Called for each event, from any task.
    fn event(&self, event: &Event);
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn event(&self, _: &Event) {}
}

/// What to do to a deployment: the library entry point of `migrate`, `status` and `--dry-run`.
#[derive(Debug, Clone)]
pub struct Plan {
    deployment: Arc<Deployment>,
    target: Option<Version>,
    parallelism: usize,
}

impl Plan {
    /// A plan to bring every database of `deployment` to the release it asks
    /// for ([`Deployment::release`]); without one, a fresh database to the
    /// newest release and an existing one to the release its history records.
    pub fn new(deployment: Deployment) -> Plan {
        Plan {
            target: deployment.release.clone(),
            deployment: Arc::new(deployment),
            parallelism: 4,
        }
    }

    /// Stop at `version` instead of the newest (per group: migrations up to it).
    pub fn to_version(mut self, version: Version) -> Plan {
        self.target = Some(version);
        self
    }

    /// How many databases are worked on at once (default 4).
    pub fn parallelism(mut self, n: usize) -> Plan {
        self.parallelism = n.max(1);
        self
    }

    /// The deployment.
    pub fn deployment(&self) -> &Deployment {
        &self.deployment
    }

    /// Creates missing databases and applies every pending migration.
    pub async fn migrate(
        &self,
        progress: &(dyn Progress + 'static),
    ) -> Result<MigrateReport, Error> {
        runner::migrate(self, progress).await
    }

    /// The SQL a run would execute, per database; changes nothing.
    pub async fn dry_run(&self) -> Result<Vec<DryRunScript>, Error> {
        runner::dry_run(self).await
    }

    /// Applied and pending versions per database and group; changes nothing.
    pub async fn status(&self) -> Result<StatusReport, Error> {
        runner::status(self).await
    }

    /// Compares every live database with the model of its groups (at the
    /// applied version, else the newest or the requested one); changes nothing.
    pub async fn verify(&self) -> Result<VerifyReport, Error> {
        baseline::verify(self).await
    }

    /// Adopts existing databases: where the live schema matches a version of
    /// each group, records those migrations as applied without running DDL.
    /// A database that does not match is left unchanged and its report carries
    /// the differences and an error.
    pub async fn baseline(&self, opts: VerifyOptions) -> Result<VerifyReport, Error> {
        baseline::baseline(self, opts).await
    }
}
