//! Applying the migration catalog to live databases.
//!
//! The algorithm is written once, over sqlx's `Any` driver, with small
//! per-engine hooks ([`crate::engine`]):
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

mod baseline;
pub mod history;
mod preview;
mod runner;
pub mod server_url;
pub mod session;
pub mod target;

use std::sync::Arc;

pub use baseline::{
    DatabaseVerification, VerifyOptions, VerifyReport, inspect_database, is_missing,
};
pub use history::{HISTORY_TABLE, HistoryRow};
pub use preview::{ChangeReport, DataStepReport, DatabasePlan, PlanReport, StepReport};
pub use runner::{
    DatabaseReport, DatabaseStatus, DryRunScript, GroupStatus, MigrateReport, StatusReport,
};
pub use session::Timeouts;
pub use target::{Backend, ConfigFile, DbConnection, Deployment, TargetArgs, resolve};

use crate::error::Error;
pub use crate::error::MigrateError;
use crate::model::catalog::Version;

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

    /// Bring every database to `release` instead (per group: migrations up
    /// to it). It must be a release the builtin catalog knows: anything else is
    /// a usage error, so no plan compares with a release isdb has no schema for.
    pub fn to_version(mut self, release: &Version) -> Result<Plan, Error> {
        let known = crate::model::catalog::Catalog::builtin()?.release(&release.to_string())?;
        self.target = Some(known);
        Ok(self)
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

    /// What `migrate` would do to each database, step by step, with row
    /// counts and locking estimates, and which WSO2 migrators the operator
    /// must still run (`isdb plan`). Read-only.
    pub async fn preview(&self) -> Result<PlanReport, Error> {
        preview::preview(self).await
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
