//! The migration algorithm, written once for every engine.

use std::fs::File;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use sqlx::{AnyConnection, ConnectOptions, Connection, Row};

use super::history::{self, HistoryRow};
use super::session::{self, within};
use super::target::DbConnection;
use super::{Event, MigrateError, Plan, Progress};
use crate::dialect::Dialect;
use crate::engine::{self, LockMethod, SessionLimits};
use crate::error::Error;
use crate::layout::TableGroup;
use crate::model::catalog::{Catalog, Migration, Version};
use crate::render::{self, RenderOptions, Statement, StatementKind};
use crate::step::{self, Step};

/// The outcome of `migrate` for one database.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DatabaseReport {
    /// Physical database.
    pub database: String,
    /// Whether isdb created it.
    pub created: bool,
    /// The IS release the database is at after the run.
    pub release: String,
    /// Migrations applied, as `group version`.
    pub applied: Vec<String>,
    /// Of those, the ones that resumed a half-applied run.
    pub resumed: Vec<String>,
}

/// The outcome of `migrate`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MigrateReport {
    /// Per database, in layout order.
    pub databases: Vec<DatabaseReport>,
}

impl MigrateReport {
    /// How many migrations were applied in all.
    pub fn applied(&self) -> usize {
        self.databases.iter().map(|d| d.applied.len()).sum()
    }
}

/// What `--dry-run` would run in one database.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DryRunScript {
    /// Physical database.
    pub database: String,
    /// Where it is (no password).
    pub location: String,
    /// Whether isdb would create the database.
    pub create_database: bool,
    /// The IS release a run would bring the database to.
    pub release: String,
    /// The migrations that would run, as `group version`.
    pub migrations: Vec<String>,
    /// How many tables those migrations create.
    pub tables: usize,
    /// How many statements they run (history bookkeeping not counted).
    pub statements: usize,
    /// The SQL, as a script the dialect's client runs as it is: the database's
    /// creation, a line that connects to it, the statements and the history
    /// rows migrate would write. Empty when nothing is pending.
    pub sql: String,
}

/// Applied and pending versions of one group in one database.
#[derive(Debug, Clone, serde::Serialize)]
pub struct GroupStatus {
    /// Table group.
    pub group: String,
    /// Versions applied completely, oldest first.
    pub applied: Vec<String>,
    /// Versions not applied.
    pub pending: Vec<String>,
    /// Versions started but not finished (resumable).
    pub partial: Vec<String>,
}

/// Status of one database.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DatabaseStatus {
    /// Physical database.
    pub database: String,
    /// Where it is (no password).
    pub location: String,
    /// Whether isdb could reach its server (and read the database when it exists).
    pub reachable: bool,
    /// Whether the database exists (a reachable server without it: everything is pending).
    pub exists: bool,
    /// The IS release `migrate` would bring it to (empty when unreachable).
    pub release: String,
    /// Why it is not reachable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Per group; empty when unreachable (nothing is known about it).
    pub groups: Vec<GroupStatus>,
    /// History rows `migrate` refuses (a changed applied migration, a version
    /// this isdb does not know); any makes `status` fail.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

/// Status of a deployment.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StatusReport {
    /// Per database, in layout order.
    pub databases: Vec<DatabaseStatus>,
}

impl StatusReport {
    /// Whether every database is reachable and fully migrated.
    pub fn up_to_date(&self) -> bool {
        self.databases.iter().all(|d| {
            d.reachable
                && d.problems.is_empty()
                && d.groups
                    .iter()
                    .all(|g| g.pending.is_empty() && g.partial.is_empty())
        })
    }
}

pub(super) async fn connect(
    conn: &DbConnection,
    database: Option<&str>,
) -> Result<AnyConnection, Error> {
    sqlx::any::install_default_drivers();
    let url = conn.connect_url(database)?;
    let target = match database {
        Some(_) => conn.display(),
        None => conn
            .display()
            .rsplit_once('/')
            .map(|(s, _)| format!("{s}/"))
            .unwrap_or_default(),
    };
    let opts = sqlx::any::AnyConnectOptions::from_url(&url)
        .map_err(|e| Error::db(format!("cannot use the URL for {target}"), e))?
        .disable_statement_logging();
    engine::open(
        conn.backend.engine(),
        opts,
        &session_spec(conn, &url, &target),
    )
    .await
}

/// How every session of `conn` is opened: its URL, its connect timeout and
/// the run's server-side limits.
pub(super) fn session_spec<'a>(
    conn: &DbConnection,
    url: &'a url::Url,
    target: &'a str,
) -> engine::SessionSpec<'a> {
    engine::SessionSpec {
        url,
        target,
        connect_timeout: conn.connect_timeout,
        limits: SessionLimits {
            statement: conn.statement_timeout,
            lock_wait: session::server_lock_wait(conn),
            idle: conn.idle_timeout,
        },
    }
}

/// Opens the database itself; `None` when it does not exist (SQLite: no file).
/// Connecting directly needs no access to the server's maintenance database.
pub(super) async fn open_existing(conn: &DbConnection) -> Result<Option<AnyConnection>, Error> {
    if conn.sqlite_path.as_ref().is_some_and(|p| !p.exists()) {
        return Ok(None);
    }
    match connect(conn, Some(&conn.db.name)).await {
        Ok(c) => Ok(Some(c)),
        Err(Error::Database { source, .. })
            if conn.backend.engine().is_unknown_database(&source) =>
        {
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// Creates the database if it is missing. Returns whether isdb created it and,
/// when it already existed, the connection that found it (reused for the lock).
async fn ensure_database(
    conn: &DbConnection,
    dialect: &dyn Dialect,
) -> Result<(bool, Option<AnyConnection>), Error> {
    if let Some(existing) = open_existing(conn).await? {
        return Ok((false, Some(existing)));
    }
    let hooks = conn.backend.engine();
    let Some(sql) =
        hooks.create_database_sql(&dialect.quote_ident(&conn.db.name), &conn.mysql_charset)
    else {
        // SQLite: the file is created on first connect (mode=rwc); its directory here.
        if let Some(dir) = conn
            .sqlite_path
            .as_ref()
            .and_then(|p| p.parent())
            .filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        tracing::info!(
            "{}: creating the database ({})",
            conn.db.name,
            conn.display()
        );
        return Ok((true, None));
    };
    match on_server(conn, sql).await? {
        Ok(_) => {
            tracing::info!(
                "{}: created the database ({})",
                conn.db.name,
                conn.display()
            );
            Ok((true, None))
        }
        Err(e) if hooks.is_duplicate_database(&e) => Ok((false, None)),
        Err(e) => Err(Error::db(
            format!("cannot create database {}", conn.db.name),
            e,
        )),
    }
}

/// After a failed run in `conn`'s database, which this run created: drops it
/// when no migration in it is recorded as applied, so a failed run leaves no
/// empty database behind. It is kept when another runner holds its lock (that
/// runner is working in it), when anything in it is applied, or when the drop
/// fails (PostgreSQL refuses while anyone is connected); each case is logged.
/// Returns `error`, the failure itself.
async fn drop_created_if_empty(conn: &DbConnection, error: Error) -> Error {
    if matches!(&error, Error::Migrate(m) if matches!(**m, MigrateError::LockTimeout { .. })) {
        return error;
    }
    let mut once = conn.clone();
    once.lock_timeout = Duration::ZERO;
    let Ok(lock) = Lock::acquire(&once, &super::NoProgress, None).await else {
        tracing::warn!(
            "{}: keeping the database this run created: another runner holds its lock",
            conn.db.name
        );
        return error;
    };
    if let Ok(Some(rows)) = read_history(conn).await
        && rows.iter().any(|r| r.success)
    {
        lock.release().await;
        return error;
    }
    // Some engines drop no database with a session in it, the lock's included.
    let held = if conn.backend.engine().drop_needs_no_sessions() {
        lock.release().await;
        None
    } else {
        Some(lock)
    };
    let dropped = drop_database(conn).await;
    if let Some(lock) = held {
        lock.release().await;
    }
    match dropped {
        Ok(()) => tracing::warn!(
            "{}: dropped the database this run created, since nothing was applied in it",
            conn.db.name
        ),
        Err(e) => tracing::warn!(
            "{}: could not drop the empty database this run created: {e}",
            conn.db.name
        ),
    }
    error
}

/// Runs one statement on `conn`'s server, connected to its maintenance
/// database (`CREATE`/`DROP DATABASE`), bounded like every round trip. The
/// outer error is the connection's; the inner one the statement's, which
/// the caller interprets.
async fn on_server(
    conn: &DbConnection,
    sql: String,
) -> Result<Result<sqlx::any::AnyQueryResult, sqlx::Error>, Error> {
    let mut admin = connect(conn, conn.backend.engine().maintenance_database()).await?;
    let result = within(conn, conn.statement_timeout, async {
        Ok(sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut admin)
            .await)
    })
    .await?;
    close_bounded(conn, admin).await;
    Ok(result)
}

/// Drops `conn`'s database (SQLite: removes its file).
async fn drop_database(conn: &DbConnection) -> Result<(), Error> {
    if let Some(path) = &conn.sqlite_path {
        return match std::fs::remove_file(path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(Error::io(path, e)),
        };
    }
    let sql = format!(
        "DROP DATABASE IF EXISTS {}",
        conn.backend.dialect().quote_ident(&conn.db.name)
    );
    on_server(conn, sql)
        .await?
        .map(|_| ())
        .map_err(|e| Error::db(format!("cannot drop database {}", conn.db.name), e))
}

/// A held migration lock and the connection the migration runs on. For a
/// session lock (PostgreSQL, MySQL/MariaDB) that is the lock's own session:
/// if it is killed or cut, the lock and the work end together, and isdb never
/// reconnects mid-run. Release it with [`Lock::release`]; if the process dies
/// instead, the server (or the OS, for a file lock) releases it.
pub(super) struct Lock {
    /// The connection the migration runs on.
    pub(super) conn: AnyConnection,
    kind: LockKind,
    /// The client-side bound on releasing it.
    bound: Duration,
}

enum LockKind {
    Session { unlock: &'static str, name: String },
    File(File),
}

impl Lock {
    /// Takes the lock of `conn`'s database, on `existing` when given (a
    /// connection to that database no one else uses), else on a new one.
    pub(super) async fn acquire(
        conn: &DbConnection,
        progress: &dyn Progress,
        existing: Option<AnyConnection>,
    ) -> Result<Lock, Error> {
        let name = format!("isdb:{}", conn.db.name);
        let deadline = Instant::now() + conn.lock_timeout;
        let mut told = false;
        match conn.backend.engine().lock_method() {
            LockMethod::Session { try_lock, unlock } => {
                let mut lock_conn = match existing {
                    Some(c) => c,
                    None => connect(conn, Some(&conn.db.name)).await?,
                };
                loop {
                    let taken = within(conn, conn.statement_timeout, async {
                        let row = sqlx::query(try_lock)
                            .bind(name.clone())
                            .fetch_one(&mut lock_conn)
                            .await
                            .map_err(|e| {
                                Error::db(
                                    format!("cannot take the migration lock on {}", conn.db.name),
                                    e,
                                )
                            })?;
                        Ok(row.try_get::<i64, _>(0).unwrap_or(0) == 1)
                    })
                    .await?;
                    if taken {
                        return Ok(Lock {
                            conn: lock_conn,
                            kind: LockKind::Session { unlock, name },
                            bound: conn.statement_timeout + session::CLIENT_GRACE,
                        });
                    }
                    if !wait_turn(conn, deadline, &mut told, progress).await {
                        let _ = lock_conn.close().await;
                        break;
                    }
                }
            }
            LockMethod::File => {
                let path = lock_file_path(conn);
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
                }
                let file = File::options()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&path)
                    .map_err(|e| Error::io(&path, e))?;
                loop {
                    match file.try_lock() {
                        Ok(()) => {
                            let work = match existing {
                                Some(c) => c,
                                None => connect(conn, Some(&conn.db.name)).await?,
                            };
                            return Ok(Lock {
                                conn: work,
                                kind: LockKind::File(file),
                                bound: conn.statement_timeout + session::CLIENT_GRACE,
                            });
                        }
                        Err(std::fs::TryLockError::WouldBlock) => {}
                        Err(std::fs::TryLockError::Error(e)) => return Err(Error::io(&path, e)),
                    }
                    if !wait_turn(conn, deadline, &mut told, progress).await {
                        break;
                    }
                }
            }
        }
        Err(MigrateError::LockTimeout {
            database: conn.db.name.clone(),
            waited: conn.lock_timeout,
        }
        .into())
    }

    /// Releases the lock and closes its connection, each bounded by
    /// `--statement-timeout` (plus the client's grace).
    pub(super) async fn release(self) {
        let Lock {
            conn: mut db,
            kind,
            bound,
        } = self;
        if let LockKind::Session { unlock, name } = &kind {
            let released = tokio::time::timeout(
                bound,
                sqlx::query(sqlx::AssertSqlSafe(*unlock))
                    .bind(name.clone())
                    .fetch_one(&mut db),
            )
            .await;
            if !matches!(released, Ok(Ok(_))) {
                tracing::warn!(
                    "releasing the migration lock failed; dropping its connection releases it"
                );
                return;
            }
        }
        let _ = tokio::time::timeout(bound, db.close()).await;
        if let LockKind::File(f) = kind {
            let _ = f.unlock();
        }
    }

    /// Drops the lock's connection without another word to the server, for a
    /// session that is no longer usable (killed, cut, or a round trip that
    /// got no answer): the server releases a session lock as it ends the
    /// session, the OS a file lock as the file closes.
    pub(super) fn abandon(self) {
        drop(self);
    }
}

fn lock_file_path(conn: &DbConnection) -> PathBuf {
    let db = conn
        .sqlite_path
        .clone()
        .unwrap_or_else(|| PathBuf::from(&conn.db.name));
    let mut name = db.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".isdb-lock");
    db.with_file_name(name)
}

/// Sleeps before the next lock attempt; false when the deadline has passed.
async fn wait_turn(
    conn: &DbConnection,
    deadline: Instant,
    told: &mut bool,
    progress: &dyn Progress,
) -> bool {
    if Instant::now() >= deadline {
        return false;
    }
    if !*told {
        *told = true;
        tracing::info!("{}: waiting for another isdb run to finish", conn.db.name);
        progress.event(&Event::WaitingForLock {
            database: conn.db.name.clone(),
        });
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    true
}

/// One pending step of one database.
pub(super) struct Pending<'a> {
    /// The step.
    pub(super) step: Step<'a>,
    /// Its statements, as this run applies them.
    pub(super) statements: Vec<Statement>,
    /// The half-applied row to resume, if any.
    pub(super) resume: Option<HistoryRow>,
    /// Whether it runs statement by statement on a transactional engine, so
    /// that no lock outlives its statement and indexes build concurrently: an
    /// upgrade step (its tables have rows and writers) on an engine that can
    /// build indexes concurrently.
    pub(super) online: bool,
}

pub(super) fn render_options(dialect: &dyn Dialect) -> RenderOptions {
    crate::render::live_options(dialect)
}

/// Every history row that `migrate` refuses: versions this isdb does not know
/// for the database's groups, and applied migrations whose definition changed.
fn history_problems(
    catalog: &Catalog,
    conn: &DbConnection,
    rows: &[HistoryRow],
) -> Vec<MigrateError> {
    let groups = conn.db.groups();
    let mut out = Vec::new();
    for r in rows {
        let known = groups.iter().filter(|g| g.name() == r.group).find_map(|g| {
            catalog
                .group(*g)
                .find(|m| m.version.to_string() == r.version)
        });
        match known {
            None => out.push(MigrateError::UnknownApplied {
                database: conn.db.name.clone(),
                group: r.group.clone(),
                version: r.version.clone(),
            }),
            Some(m) if m.checksum != r.checksum => out.push(MigrateError::ChecksumMismatch {
                database: conn.db.name.clone(),
                group: r.group.clone(),
                version: r.version.clone(),
                applied: r.checksum.clone(),
                current: m.checksum.clone(),
            }),
            Some(_) => {}
        }
    }
    out
}

/// Per group of `conn`'s database, the newest version its history records,
/// applied or stopped part-way: where the group is, or is going.
pub(super) fn recorded(conn: &DbConnection, rows: &[HistoryRow]) -> Vec<(TableGroup, Version)> {
    conn.db
        .groups()
        .into_iter()
        .filter_map(|g| {
            rows.iter()
                .filter(|r| r.group == g.name())
                .filter_map(|r| Version::parse(&r.version).ok())
                .max()
                .map(|v| (g, v))
        })
        .collect()
}

/// The newest version of `group` its history records as applied.
pub(super) fn applied_version(group: TableGroup, rows: &[HistoryRow]) -> Option<Version> {
    rows.iter()
        .filter(|r| r.success && r.group == group.name())
        .filter_map(|r| Version::parse(&r.version).ok())
        .max()
}

/// The release a run brings a database with history `rows` to: the one asked
/// for; else, when the database has a history, the release it records (a run
/// never upgrades a database implicitly; a run stopped between the groups of
/// one release step finishes that step); else the newest the catalog knows.
pub(super) fn run_release(
    plan: &Plan,
    catalog: &Catalog,
    conn: &DbConnection,
    rows: &[HistoryRow],
) -> Option<Version> {
    let recorded = recorded(conn, rows);
    plan.target
        .clone()
        .or_else(|| catalog.release_of(&recorded).cloned())
        .or_else(|| recorded.iter().map(|(_, v)| v.clone()).max())
        .or_else(|| catalog.newest().cloned())
}

/// [`run_release`] as reports show it.
fn release_name(
    plan: &Plan,
    catalog: &Catalog,
    conn: &DbConnection,
    rows: &[HistoryRow],
) -> String {
    run_release(plan, catalog, conn, rows)
        .map(|v| v.to_string())
        .unwrap_or_default()
}

/// A group whose history is newer than the release a run goes to.
fn downgrade(
    catalog: &Catalog,
    conn: &DbConnection,
    group: TableGroup,
    applied: Option<&Version>,
    release: &Version,
) -> Option<MigrateError> {
    let applied = applied?;
    let wanted = catalog.snapshot(group, release);
    if wanted.is_some_and(|m| &m.version >= applied) {
        return None;
    }
    Some(MigrateError::Downgrade {
        database: conn.db.name.clone(),
        group: group.name().into(),
        applied: applied.to_string(),
        target: release.to_string(),
        wanted: wanted.map_or_else(|| "none".into(), |m| m.version.to_string()),
    })
}

/// Before the first upgrade step (not a resumed one, which finds the schema
/// half-way by design), the live schema must be exactly what the history
/// records: the steps are planned between snapshots, so an upgrade of a
/// database that drifted (a dropped column, a changed type) would fail
/// half-way or leave it matching no release. Nothing is changed when it refuses.
async fn refuse_drift(
    catalog: &Catalog,
    conn: &DbConnection,
    rows: &[HistoryRow],
    todo: &[Pending<'_>],
) -> Result<(), Error> {
    if !todo.iter().any(|p| p.step.from.is_some()) || todo.iter().any(|p| p.resume.is_some()) {
        return Ok(());
    }
    let dialect = conn.backend.dialect();
    let recorded: crate::model::Schema = conn
        .db
        .groups()
        .into_iter()
        .filter_map(|g| applied_version(g, rows).and_then(|v| catalog.migration(g, &v)))
        .map(|m| m.schema(dialect))
        .collect();
    let actual = super::baseline::inspect_database(conn).await?;
    let failing: Vec<String> = crate::diff::diff(dialect, &recorded, &actual)
        .iter()
        .filter(|d| crate::diff::is_failing(std::slice::from_ref(*d), false))
        .map(ToString::to_string)
        .collect();
    match failing.first() {
        None => Ok(()),
        Some(first) => Err(MigrateError::Drift {
            database: conn.db.name.clone(),
            recorded: recorded_names(conn, rows),
            count: failing.len(),
            first: first.clone(),
        }
        .into()),
    }
}

/// The versions the history records as applied, as `group version, ...`.
fn recorded_names(conn: &DbConnection, rows: &[HistoryRow]) -> String {
    conn.db
        .groups()
        .into_iter()
        .filter_map(|g| applied_version(g, rows).map(|v| format!("{g} {v}")))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Compares the history with the catalog and lists the steps a run applies,
/// release by release (within a release, in the database's group order); the
/// first step of a group resumes the row an earlier run left half-applied.
pub(super) fn pending<'a>(
    plan: &Plan,
    catalog: &'a Catalog,
    conn: &DbConnection,
    rows: &[HistoryRow],
) -> Result<Vec<Pending<'a>>, Error> {
    let dialect = conn.backend.dialect();
    if let Some(problem) = history_problems(catalog, conn, rows).into_iter().next() {
        return Err(problem.into());
    }
    let Some(release) = run_release(plan, catalog, conn, rows) else {
        return Ok(vec![]);
    };
    let mut out = Vec::new();
    for g in conn.db.groups() {
        let applied = applied_version(g, rows);
        if let Some(e) = downgrade(catalog, conn, g, applied.as_ref(), &release) {
            return Err(e.into());
        }
        let steps = step::steps(catalog, g, applied.as_ref(), &release);
        let stopped = rows.iter().find(|r| r.group == g.name() && !r.success);
        if let Some(r) = stopped
            && steps
                .first()
                .is_none_or(|s| s.version().to_string() != r.version)
        {
            return Err(MigrateError::OtherStepStopped {
                database: conn.db.name.clone(),
                group: g.name().into(),
                stopped: r.version.clone(),
                next: steps
                    .first()
                    .map_or_else(|| "nothing".into(), |s| s.version().to_string()),
            }
            .into());
        }
        for (i, s) in steps.into_iter().enumerate() {
            let statements = s
                .statements(dialect, render_options(dialect))
                .map_err(|why| MigrateError::Unplannable {
                    database: conn.db.name.clone(),
                    group: g.name().into(),
                    version: s.version().to_string(),
                    dialect: dialect.name().into(),
                    why,
                })?;
            out.push(Pending {
                step: s,
                statements,
                resume: if i == 0 { stopped.cloned() } else { None },
                online: s.from.is_some() && dialect.concurrent_index_builds(),
            });
        }
    }
    out.sort_by_key(|p| step::run_position(&p.step, &release));
    Ok(out)
}

fn head(sql: &str) -> String {
    let first = sql
        .lines()
        .next()
        .unwrap_or_default()
        .trim_end_matches(" (");
    first.chars().take(80).collect()
}

fn failed(
    conn: &DbConnection,
    m: &Migration,
    index: usize,
    total: usize,
    st: &Statement,
    e: sqlx::Error,
) -> Error {
    MigrateError::StatementFailed {
        database: conn.db.name.clone(),
        group: m.group.name().into(),
        version: m.version.to_string(),
        index: index + 1,
        total,
        head: head(&st.sql),
        source: e,
    }
    .into()
}

/// `-v` shows each statement as it starts (its first line); `-vv` all of it.
fn log_statement(conn: &DbConnection, index: usize, total: usize, st: &Statement) {
    if tracing::enabled!(tracing::Level::TRACE) {
        tracing::trace!("{}: [{}/{total}]\n{}", conn.db.name, index + 1, st.sql);
    } else {
        tracing::debug!(
            "{}: [{}/{total}] {}",
            conn.db.name,
            index + 1,
            head(&st.sql)
        );
    }
}

/// Runs one statement of a migration, bounded on the server and the client.
/// `limit` is the session's current statement limit; an index build gets
/// `--index-timeout` instead of `--statement-timeout`, set just before it.
async fn execute_statement(
    db: &mut AnyConnection,
    conn: &DbConnection,
    limit: &mut Duration,
    m: &Migration,
    (index, total): (usize, usize),
    st: &Statement,
) -> Result<(), Error> {
    let want = statement_bound(db, conn, limit, st.kind).await?;
    within(conn, want, async {
        sqlx::raw_sql(sqlx::AssertSqlSafe(st.sql.clone()))
            .execute(&mut *db)
            .await
            .map(|_| ())
            .map_err(|e| failed(conn, m, index, total, st, e))
    })
    .await
}

/// The bound of a statement of `kind` (an index build gets `--index-timeout`,
/// others `--statement-timeout`), set on the session first when `limit`, the
/// session's current one, differs.
async fn statement_bound(
    db: &mut AnyConnection,
    conn: &DbConnection,
    limit: &mut Duration,
    kind: StatementKind,
) -> Result<Duration, Error> {
    let want = session::server_bound(conn, kind);
    if want != *limit {
        set_statement_limit(db, conn, want).await?;
        *limit = want;
    }
    Ok(want)
}

/// How many rows of a table one range of a batched update covers: small
/// enough that a writer waiting for one of its rows waits for a fraction of
/// a second, large enough that the ranges' own round trips do not matter.
/// (WSO2's own data migrators commit every 10,000 rows too.)
const BATCH_ROWS: u32 = 10_000;

/// The value of a batched update's key column that ends one range.
enum KeyValue {
    Integer(i64),
    Text(String),
}

impl KeyValue {
    fn bind<'q>(
        &self,
        q: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments> {
        match self {
            KeyValue::Integer(x) => q.bind(*x),
            KeyValue::Text(x) => q.bind(x.clone()),
        }
    }
}

/// Runs a data step's batched update a key range of [`BATCH_ROWS`] rows at a
/// time, each range in its own transaction: no writer waits for more than
/// one range, and on InnoDB the update locks only the range it scans. A run
/// stopped half-way re-runs the statement from the first range; its filter
/// no longer matches the rows already done.
async fn run_batched(
    db: &mut AnyConnection,
    conn: &DbConnection,
    limit: &mut Duration,
    m: &Migration,
    at: (usize, usize),
    st: &Statement,
    batch: &crate::model::data::BatchedUpdate,
) -> Result<(), Error> {
    let engine = conn.backend.engine();
    let want = statement_bound(db, conn, limit, st.kind).await?;
    let ph = |n: usize| engine.placeholder(n);
    let probe = batch.probe_sql();
    let needed = within(conn, want, async {
        sqlx::query(sqlx::AssertSqlSafe(probe))
            .fetch_optional(&mut *db)
            .await
            .map_err(|e| failed(conn, m, at.0, at.1, st, e))
    })
    .await?;
    if needed.is_none() {
        tracing::debug!(
            "{}: no row of {} needs the update",
            conn.db.name,
            batch.table
        );
        return Ok(());
    }
    let mut last: Option<KeyValue> = None;
    let mut ranges = 0u64;
    loop {
        let fail = |e| failed(conn, m, at.0, at.1, st, e);
        let boundary_sql = batch.boundary_sql(last.is_some(), BATCH_ROWS, ph);
        let upto: Option<KeyValue> = within(conn, want, async {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(boundary_sql));
            if let Some(v) = &last {
                q = v.bind(q);
            }
            let row = q.fetch_optional(&mut *db).await.map_err(fail)?;
            row.map(|r| {
                if batch.key.integer {
                    r.try_get::<i64, _>(0)
                        .or_else(|_| r.try_get::<i32, _>(0).map(i64::from))
                        .map(KeyValue::Integer)
                } else {
                    r.try_get::<String, _>(0).map(KeyValue::Text)
                }
            })
            .transpose()
            .map_err(fail)
        })
        .await?;
        let sql = batch.range_sql(last.is_some(), upto.is_some(), ph);
        within(conn, want, async {
            let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
            if let Some(v) = &last {
                q = v.bind(q);
            }
            if let Some(v) = &upto {
                q = v.bind(q);
            }
            // Autocommit: the range is committed when the statement returns.
            q.execute(&mut *db).await.map(|_| ()).map_err(fail)
        })
        .await?;
        ranges += 1;
        match upto {
            Some(v) => last = Some(v),
            None => break,
        }
    }
    tracing::debug!(
        "{}: batched update of {} in {ranges} range(s)",
        conn.db.name,
        batch.table
    );
    Ok(())
}

/// How often an online step's statement may find its table lock held by a
/// long transaction before the run gives up (each wait is the engine's short
/// lock wait, e.g. 2 s on PostgreSQL).
const LOCK_ATTEMPTS: u32 = 20;

/// Whether `e` is a failed statement whose lock wait expired.
fn lock_wait_expired(hooks: &dyn engine::Engine, e: &Error) -> bool {
    statement_error(e).is_some_and(|s| hooks.is_lock_wait_expired(s))
}

/// The server's error behind a failed statement, if `e` is one.
fn statement_error(e: &Error) -> Option<&sqlx::Error> {
    match e {
        Error::Migrate(m) => match m.as_ref() {
            MigrateError::StatementFailed { source, .. } => Some(source),
            _ => None,
        },
        _ => None,
    }
}

/// Drops the indexes of the database that a killed concurrent build left
/// invalid (never used by queries, but still maintained on every write).
async fn drop_invalid_indexes(db: &mut AnyConnection, conn: &DbConnection) -> Result<(), Error> {
    let Some(sql) = conn.backend.engine().invalid_indexes_sql() else {
        return Ok(());
    };
    let names: Vec<String> = within(conn, conn.statement_timeout, async {
        sqlx::query_scalar(sql)
            .fetch_all(&mut *db)
            .await
            .map_err(|e| {
                Error::db(
                    format!("cannot list invalid indexes of {}", conn.db.name),
                    e,
                )
            })
    })
    .await?;
    let dialect = conn.backend.dialect();
    for name in names {
        let mut w = crate::plan::SqlWriter::new(dialect);
        w.word("DROP INDEX")
            .ident(&name)
            .map_err(|e| Error::Unsupported(e.to_string()))?;
        let sql = w.finish();
        tracing::info!(
            "{}: dropping the invalid index {name} a killed run left",
            conn.db.name
        );
        within(conn, conn.statement_timeout, async {
            sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                .execute(&mut *db)
                .await
                .map(|_| ())
                .map_err(|e| Error::db(format!("cannot drop the invalid index {name}"), e))
        })
        .await?;
    }
    Ok(())
}

/// Whether `e` is a failed statement whose server error says its work is
/// already done (see [`engine::Engine::already_applied`]).
fn already_applied(hooks: &dyn engine::Engine, e: &Error) -> bool {
    statement_error(e).is_some_and(|s| hooks.already_applied(s))
}

/// Changes the session's server-side statement limit.
async fn set_statement_limit(
    db: &mut AnyConnection,
    conn: &DbConnection,
    limit: Duration,
) -> Result<(), Error> {
    let Some(sql) = conn.backend.engine().statement_limit_sql(limit) else {
        return Ok(());
    };
    within(conn, conn.statement_timeout, async {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&mut *db)
            .await
            .map(|_| ())
            .map_err(|e| {
                Error::db(
                    format!("cannot set the statement limit on {}", conn.db.name),
                    e,
                )
            })
    })
    .await
}

/// Applies one migration. Transactional dialects: all statements and the history
/// row in one transaction. Others: statement by statement with recorded progress.
/// Every round trip is bounded ([`within`]).
async fn apply(
    db: &mut AnyConnection,
    conn: &DbConnection,
    p: &Pending<'_>,
    progress: &dyn Progress,
) -> Result<(), Error> {
    let dialect = conn.backend.dialect();
    let hooks = conn.backend.engine();
    let bound = conn.statement_timeout;
    let m = p.step.to;
    let total = p.statements.len();
    let started = Instant::now();
    let mut limit = conn.statement_timeout;
    let mut row = HistoryRow {
        group: m.group.name().into(),
        version: m.version.to_string(),
        checksum: m.checksum.clone(),
        statements_done: 0,
        statements_total: i64::try_from(total).unwrap_or(i64::MAX),
        success: false,
        applied_at: history::now_rfc3339(),
        duration_ms: 0,
        applied_by: "migrate".into(),
    };
    let step = || {
        progress.event(&Event::StatementDone {
            database: conn.db.name.clone(),
        })
    };
    let begin_failed = |e| Error::db(format!("cannot start a transaction on {}", conn.db.name), e);
    let transactional = dialect.supports_transactional_ddl();
    if transactional && !p.online {
        let mut tx = within(conn, bound, async {
            db.begin().await.map_err(begin_failed)
        })
        .await?;
        if p.resume.is_some() {
            within(
                conn,
                bound,
                history::delete(&mut tx, hooks, &row.group, &row.version),
            )
            .await?;
        }
        for (i, st) in p.statements.iter().enumerate() {
            log_statement(conn, i, total, st);
            execute_statement(&mut tx, conn, &mut limit, m, (i, total), st).await?;
            step();
        }
        if limit != conn.statement_timeout {
            set_statement_limit(&mut tx, conn, conn.statement_timeout).await?;
        }
        row.statements_done = row.statements_total;
        row.success = true;
        row.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        within(conn, bound, history::insert(&mut tx, hooks, dialect, &row)).await?;
        within(conn, bound, async {
            tx.commit().await.map_err(|e| {
                Error::db(
                    format!(
                        "cannot commit {} {} on {}",
                        row.group, row.version, conn.db.name
                    ),
                    e,
                )
            })
        })
        .await?;
        return Ok(());
    }
    if p.online && p.resume.is_some() {
        // A concurrent index build a killed run left half-way is invalid; its
        // statement is re-run (IF NOT EXISTS) once the invalid index is gone.
        drop_invalid_indexes(db, conn).await?;
    }
    let start = match &p.resume {
        Some(r) => {
            if r.statements_total != row.statements_total {
                tracing::warn!(
                    "{}: {} {} was started with {} statements and now has {}; re-running them all (each is idempotent)",
                    conn.db.name,
                    row.group,
                    row.version,
                    r.statements_total,
                    row.statements_total
                );
                0
            } else {
                usize::try_from(r.statements_done).unwrap_or(0).min(total)
            }
        }
        None => {
            within(conn, bound, history::insert(db, hooks, dialect, &row)).await?;
            0
        }
    };
    // A resumed run that finds every statement done still records them all done.
    row.statements_done = i64::try_from(start).unwrap_or(i64::MAX);
    for _ in 0..start {
        step();
    }
    for (i, st) in p.statements.iter().enumerate().skip(start) {
        log_statement(conn, i, total, st);
        row.statements_done = i64::try_from(i + 1).unwrap_or(i64::MAX);
        let in_tx = st.kind != StatementKind::CreateIndexConcurrently
            && (transactional || matches!(st.kind, StatementKind::Insert | StatementKind::Data));
        if in_tx {
            if let Some(batch) = &st.batch {
                // Its ranges commit one by one; its progress after the last.
                run_batched(db, conn, &mut limit, m, (i, total), st, batch).await?;
            }
            // The statement and its progress commit together: data always, DDL where it is transactional.
            let mut attempt = 0;
            loop {
                attempt += 1;
                let mut tx = within(conn, bound, async {
                    db.begin().await.map_err(begin_failed)
                })
                .await?;
                if p.online
                    && let Some(sql) = hooks.short_lock_wait_sql()
                {
                    within(conn, bound, async {
                        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                            .execute(&mut *tx)
                            .await
                            .map(|_| ())
                            .map_err(|e| Error::db("cannot set the lock wait", e))
                    })
                    .await?;
                }
                let result = match st.batch {
                    Some(_) => Ok(()),
                    None => execute_statement(&mut tx, conn, &mut limit, m, (i, total), st).await,
                };
                match result {
                    // Behind a long transaction: give way to the writers queued
                    // behind this DDL, then try again, instead of holding them.
                    Err(e)
                        if p.online && attempt < LOCK_ATTEMPTS && lock_wait_expired(hooks, &e) =>
                    {
                        let _ = within(conn, bound, async {
                            tx.rollback().await.map_err(|e| Error::db("rollback", e))
                        })
                        .await;
                        tracing::info!(
                            "{}: statement {} waited too long for its table lock (attempt {attempt} of {LOCK_ATTEMPTS}); retrying",
                            conn.db.name,
                            i + 1
                        );
                        tokio::time::sleep(Duration::from_millis(250 * attempt.min(8) as u64))
                            .await;
                        continue;
                    }
                    other => other?,
                }
                within(conn, bound, history::update(&mut tx, hooks, &row)).await?;
                within(conn, bound, async {
                    tx.commit()
                        .await
                        .map_err(|e| Error::db(format!("cannot commit on {}", conn.db.name), e))
                })
                .await?;
                break;
            }
        } else {
            let result = execute_statement(db, conn, &mut limit, m, (i, total), st).await;
            // The statement a killed run was in may have committed (DDL commits
            // by itself here) without its progress: one that finds its work
            // done counts as applied. Only that statement, only such errors.
            match result {
                Err(e) if p.resume.is_some() && i == start && already_applied(hooks, &e) => {
                    tracing::info!(
                        "{}: {} {}: statement {} was applied before the earlier run stopped; continuing",
                        conn.db.name,
                        row.group,
                        row.version,
                        i + 1
                    );
                }
                other => other?,
            }
            within(conn, bound, history::update(db, hooks, &row)).await?;
        }
        step();
    }
    if limit != conn.statement_timeout {
        set_statement_limit(db, conn, conn.statement_timeout).await?;
    }
    row.success = true;
    row.applied_at = history::now_rfc3339();
    row.duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    within(conn, bound, history::update(db, hooks, &row)).await
}

/// Migrates one database on `db`, the connection of its held lock.
async fn migrate_locked(
    plan: &Plan,
    catalog: &Catalog,
    conn: &DbConnection,
    progress: &dyn Progress,
    db: &mut AnyConnection,
    report: &mut DatabaseReport,
) -> Result<(), Error> {
    let dialect = conn.backend.dialect();
    let bound = conn.statement_timeout;
    async {
        let rows = within(conn, bound, history::read(db)).await?;
        within(
            conn,
            bound,
            super::baseline::refuse_unrecorded(db, conn, catalog, rows.as_deref()),
        )
        .await?;
        within(conn, bound, history::ensure(db, dialect)).await?;
        let rows = rows.unwrap_or_default();
        let todo = pending(plan, catalog, conn, &rows)?;
        refuse_drift(catalog, conn, &rows, &todo).await?;
        report.release = release_name(plan, catalog, conn, &rows);
        let statements = todo.iter().map(|p| p.statements.len()).sum();
        progress.event(&Event::DatabaseStarted {
            database: conn.db.name.clone(),
            statements,
        });
        if todo.is_empty() {
            tracing::trace!("{}: up to date, nothing to do", conn.db.name);
        }
        for p in &todo {
            apply(db, conn, p, progress).await?;
            let name = p.step.to_string();
            tracing::trace!(
                "{}: applied {name}{}",
                conn.db.name,
                if p.resume.is_some() { " (resumed)" } else { "" }
            );
            progress.event(&Event::MigrationApplied {
                database: conn.db.name.clone(),
                group: p.step.group().name().into(),
                version: p.step.version().to_string(),
                resumed: p.resume.is_some(),
            });
            if p.resume.is_some() {
                report.resumed.push(name.clone());
            }
            report.applied.push(name);
        }
        Ok(())
    }
    .await
}

async fn migrate_database(
    plan: &Plan,
    catalog: &Catalog,
    conn: &DbConnection,
    progress: &dyn Progress,
) -> Result<DatabaseReport, Error> {
    let (created, existing) = ensure_database(conn, conn.backend.dialect()).await?;
    let mut report = DatabaseReport {
        database: conn.db.name.clone(),
        created,
        release: String::new(),
        applied: vec![],
        resumed: vec![],
    };
    let mut lock = match Lock::acquire(conn, progress, existing).await {
        Ok(l) => l,
        Err(e) if created => return Err(drop_created_if_empty(conn, e).await),
        Err(e) => return Err(e),
    };
    let result = migrate_locked(plan, catalog, conn, progress, &mut lock.conn, &mut report).await;
    if result.as_ref().is_err_and(session::session_unusable) {
        lock.abandon();
    } else {
        lock.release().await;
    }
    match result.map_err(|e| session::explain_lost_session(conn, e)) {
        Err(e) if created => return Err(drop_created_if_empty(conn, e).await),
        other => other?,
    }
    progress.event(&Event::DatabaseFinished {
        database: conn.db.name.clone(),
        applied: report.applied.len(),
    });
    Ok(report)
}

pub(super) async fn migrate(plan: &Plan, progress: &dyn Progress) -> Result<MigrateReport, Error> {
    let catalog = Catalog::builtin()?;
    let results: Vec<Result<DatabaseReport, Error>> =
        futures_util::stream::iter(plan.deployment.databases.iter())
            .map(|conn| migrate_database(plan, catalog, conn, progress))
            .buffered(plan.parallelism)
            .collect()
            .await;
    let mut databases = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(d) => databases.push(d),
            Err(e) => errors.push(e),
        }
    }
    match errors.len() {
        0 => Ok(MigrateReport { databases }),
        1 => Err(errors.remove(0)),
        _ => Err(MigrateError::Several(errors).into()),
    }
}

/// Reads the history of an existing database without creating anything.
async fn read_history(conn: &DbConnection) -> Result<Option<Vec<HistoryRow>>, Error> {
    let Some(mut db) = open_existing(conn).await? else {
        return Ok(None);
    };
    let rows = within(conn, conn.statement_timeout, history::read(&mut db)).await?;
    close_bounded(conn, db).await;
    Ok(Some(rows.unwrap_or_default()))
}

/// Closes a connection, giving up (dropping it) after `--statement-timeout`.
pub(super) async fn close_bounded(conn: &DbConnection, db: AnyConnection) {
    let _ = tokio::time::timeout(conn.statement_timeout, db.close()).await;
}

/// Like [`read_history`], and refuses a database that holds WSO2 tables but no
/// history, as a run would (see `baseline::refuse_unrecorded`).
pub(super) async fn read_history_for_run(
    conn: &DbConnection,
    catalog: &Catalog,
) -> Result<Option<Vec<HistoryRow>>, Error> {
    let Some(mut db) = open_existing(conn).await? else {
        return Ok(None);
    };
    let result = within(conn, conn.statement_timeout, async {
        let rows = history::read(&mut db).await?;
        super::baseline::refuse_unrecorded(&mut db, conn, catalog, rows.as_deref()).await?;
        Ok(rows.unwrap_or_default())
    })
    .await;
    close_bounded(conn, db).await;
    result.map(Some)
}

/// The line that makes the engine's own client continue in `conn`'s database:
/// psql's `\connect` with the URL isdb uses (never a password), MySQL's
/// `USE`, the sqlite3 shell's `.open`.
fn connect_line(conn: &DbConnection) -> String {
    conn.backend.engine().connect_line(
        &conn.display(),
        &conn.backend.dialect().quote_ident(&conn.db.name),
        conn.sqlite_path.as_deref(),
    )
}

pub(super) async fn dry_run(plan: &Plan) -> Result<Vec<DryRunScript>, Error> {
    let catalog = Catalog::builtin()?;
    let histories: Vec<_> = futures_util::stream::iter(&plan.deployment.databases)
        .map(|conn| read_history_for_run(conn, catalog))
        .buffered(plan.parallelism)
        .collect()
        .await;
    let mut out = Vec::new();
    for (conn, history) in plan.deployment.databases.iter().zip(histories) {
        let dialect = conn.backend.dialect();
        let transactional = dialect.supports_transactional_ddl();
        let rows = history?;
        let mut script = DryRunScript {
            database: conn.db.name.clone(),
            location: conn.display(),
            create_database: rows.is_none(),
            release: release_name(plan, catalog, conn, rows.as_deref().unwrap_or(&[])),
            migrations: vec![],
            tables: 0,
            statements: 0,
            sql: String::new(),
        };
        let todo = pending(plan, catalog, conn, rows.as_deref().unwrap_or(&[]))?;
        if todo.is_empty() {
            out.push(script);
            continue;
        }
        let sql = &mut script.sql;
        if rows.is_none() {
            match conn
                .backend
                .engine()
                .create_database_sql(&dialect.quote_ident(&conn.db.name), &conn.mysql_charset)
            {
                Some(create) => sql.push_str(&format!(
                    "-- the database does not exist; isdb would create it:\n{create};\n"
                )),
                None => sql.push_str(
                    "-- the database file does not exist; isdb would create it (and its directory)\n",
                ),
            }
        }
        sql.push_str(&connect_line(conn));
        sql.push_str("\n\n");
        sql.push_str(
            &render::Script {
                dialect,
                header: vec![format!("isdb's history table ({})", super::HISTORY_TABLE)],
                statements: &render::history_table_statements(dialect, true),
            }
            .to_string(),
        );
        for p in todo {
            // Transactional dialects redo a half-applied migration whole, as migrate does.
            let done = p
                .resume
                .as_ref()
                .filter(|_| !transactional)
                .map(|r| usize::try_from(r.statements_done).unwrap_or(0))
                .unwrap_or(0);
            let remaining = &p.statements[done.min(p.statements.len())..];
            script.migrations.push(p.step.to_string());
            script.statements += remaining.len();
            script.tables += remaining
                .iter()
                .filter(|s| s.kind == StatementKind::CreateTable)
                .count();
            let mut stmts = Vec::new();
            if transactional {
                stmts.push(Statement {
                    batch: None,
                    kind: StatementKind::Insert,
                    sql: "BEGIN".into(),
                });
            }
            if p.resume.is_some() {
                stmts.push(render::history_delete(
                    dialect,
                    p.step.group().name(),
                    &p.step.version().to_string(),
                ));
            }
            stmts.extend_from_slice(remaining);
            stmts.push(render::history_insert(
                dialect,
                &render::history_row(dialect, p.step.to, "migrate --dry-run"),
            ));
            if transactional {
                stmts.push(Statement {
                    batch: None,
                    kind: StatementKind::Insert,
                    sql: "COMMIT".into(),
                });
            }
            sql.push_str(
                &render::Script {
                    dialect,
                    header: vec![format!(
                        "{}{}{}",
                        p.step,
                        match p.step.from {
                            Some(f) => format!(" (upgrade from {})", f.version),
                            None => String::new(),
                        },
                        if done > 0 {
                            format!(" (resuming after statement {done})")
                        } else {
                            String::new()
                        }
                    )],
                    statements: &stmts,
                }
                .to_string(),
            );
        }
        out.push(script);
    }
    Ok(out)
}

pub(super) async fn status(plan: &Plan) -> Result<StatusReport, Error> {
    let catalog = Catalog::builtin()?;
    let histories: Vec<_> = futures_util::stream::iter(&plan.deployment.databases)
        .map(|conn| read_history_for_run(conn, catalog))
        .buffered(plan.parallelism)
        .collect()
        .await;
    let mut databases = Vec::new();
    for (conn, history) in plan.deployment.databases.iter().zip(histories) {
        let (reachable, exists, error, rows) = match history {
            Ok(Some(rows)) => (true, true, None, rows),
            Ok(None) => (true, false, None, vec![]),
            // Built outside isdb: everything is pending for isdb, and the message says what to do.
            Err(Error::Migrate(m)) if matches!(*m, MigrateError::Unrecorded { .. }) => {
                (true, true, Some(m.to_string()), vec![])
            }
            Err(e) => (false, false, Some(e.to_string()), vec![]),
        };
        let target = run_release(plan, catalog, conn, &rows);
        let mut problems: Vec<String> = history_problems(catalog, conn, &rows)
            .iter()
            .map(ToString::to_string)
            .collect();
        let groups = conn
            .db
            .groups()
            .into_iter()
            .filter(|_| reachable)
            .map(|g| {
                let mine = || rows.iter().filter(|r| r.group == g.name());
                let applied = applied_version(g, &rows);
                let oldest_first = |success: bool| {
                    let mut v: Vec<String> = mine()
                        .filter(|r| r.success == success)
                        .map(|r| r.version.clone())
                        .collect();
                    v.sort_by_key(|x| Version::parse(x).ok());
                    v
                };
                let mut s = GroupStatus {
                    group: g.name().into(),
                    applied: oldest_first(true),
                    partial: oldest_first(false),
                    pending: vec![],
                };
                if let Some(release) = &target {
                    if let Some(e) = downgrade(catalog, conn, g, applied.as_ref(), release) {
                        problems.push(e.to_string());
                    }
                    s.pending = step::steps(catalog, g, applied.as_ref(), release)
                        .iter()
                        .map(|st| st.version().to_string())
                        .filter(|v| !s.partial.contains(v))
                        .collect();
                }
                s
            })
            .collect();
        databases.push(DatabaseStatus {
            database: conn.db.name.clone(),
            location: conn.display(),
            reachable,
            exists,
            release: if reachable {
                release_name(plan, catalog, conn, &rows)
            } else {
                String::new()
            },
            error,
            groups,
            problems,
        });
    }
    Ok(StatusReport { databases })
}
