//! `verify` and `baseline`: read live databases back into the model, compare
//! them with what the layout puts there, and adopt a matching installation by
//! recording its migrations as applied without running any DDL.

use futures_util::StreamExt;
use sqlx::Connection;

use super::history::{self, HistoryRow};
use super::runner::{self, Lock};
use super::target::DbConnection;
use super::{NoProgress, Plan};
use crate::diff::{self, Difference};
use crate::error::Error;
use crate::layout::TableGroup;
use crate::model::Schema;
use crate::model::catalog::{Catalog, Migration, Version};
use crate::render;

/// How strict `verify` and `baseline` are.
#[derive(Debug, Clone, Copy, Default)]
pub struct VerifyOptions {
    /// Extra objects (tables no group owns, extra non-unique indexes, ...) fail too.
    pub strict: bool,
    /// `baseline` only: record the migrations although existing objects differ
    /// (never when something is missing: `migrate` would then skip creating it).
    pub accept_drift: bool,
}

/// The comparison of one live database with the model.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DatabaseVerification {
    /// Physical database.
    pub database: String,
    /// Where it is (no password).
    pub location: String,
    /// Group and version compared against, as `group version`.
    pub compared_with: Vec<String>,
    /// The differences, in table order.
    #[serde(serialize_with = "ser_differences")]
    pub differences: Vec<Difference>,
    /// Why the database could not be inspected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// `baseline` only: the migrations recorded as applied.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub recorded: Vec<String>,
    /// The IS release the database was found to be built for (or, with
    /// drift, the one it differs least from): `baseline`, and `verify` of a
    /// database with no history and no `--is-version`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<String>,
}

fn ser_differences<S: serde::Serializer>(d: &[Difference], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(d.iter().map(Difference::json))
}

impl DatabaseVerification {
    /// Whether this database fails the check.
    pub fn failing(&self, strict: bool) -> bool {
        self.error.is_some() || diff::is_failing(&self.differences, strict)
    }
}

/// The result of `verify` or `baseline`.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VerifyReport {
    /// Per database, in layout order.
    pub databases: Vec<DatabaseVerification>,
}

impl VerifyReport {
    /// Whether any database fails.
    pub fn failing(&self, strict: bool) -> bool {
        self.databases.iter().any(|d| d.failing(strict))
    }
}

/// Whether `d` says an expected object is absent.
pub fn is_missing(d: &Difference) -> bool {
    matches!(
        d,
        Difference::MissingTable { .. }
            | Difference::MissingColumn { .. }
            | Difference::MissingPrimaryKey { .. }
            | Difference::MissingUnique { .. }
            | Difference::MissingForeignKey { .. }
            | Difference::MissingIndex { .. }
            | Difference::MissingSequence { .. }
    )
}

/// The tables of any group of the catalog that `db` holds, upper-cased.
async fn catalog_tables_present(
    db: &mut sqlx::AnyConnection,
    conn: &DbConnection,
    catalog: &Catalog,
) -> Result<Vec<String>, Error> {
    let names: Vec<String> = sqlx::query_scalar(conn.backend.engine().list_tables_sql())
        .fetch_all(&mut *db)
        .await
        .map_err(|e| Error::db(format!("cannot list the tables of {}", conn.db.name), e))?;
    let dialect = conn.backend.dialect();
    let known: std::collections::BTreeSet<String> = TableGroup::ALL
        .into_iter()
        .flat_map(|g| catalog.group(g))
        .flat_map(|m| m.schema(dialect).tables)
        .map(|t| t.name.to_ascii_uppercase())
        .collect();
    let mut found: Vec<String> = names
        .into_iter()
        .map(|n| n.to_ascii_uppercase())
        .filter(|n| known.contains(n))
        .collect();
    found.sort();
    Ok(found)
}

/// Stops a run, before any DDL, on a database that holds WSO2 tables but no
/// isdb history (`rows` is the history, `None` without a history table): it
/// was built outside isdb, and `isdb baseline` is what adopts it. Re-creating
/// its tables would fail on PostgreSQL and, on MySQL, silently accept tables
/// that may differ. A history with rows (even failed ones) is isdb's own and resumes.
pub(super) async fn refuse_unrecorded(
    db: &mut sqlx::AnyConnection,
    conn: &DbConnection,
    catalog: &Catalog,
    rows: Option<&[HistoryRow]>,
) -> Result<(), Error> {
    if rows.is_some_and(|r| !r.is_empty()) {
        return Ok(());
    }
    let tables = catalog_tables_present(db, conn, catalog).await?;
    if tables.is_empty() {
        return Ok(());
    }
    Err(super::MigrateError::Unrecorded {
        database: conn.db.name.clone(),
        count: tables.len(),
        tables: tables.into_iter().take(3).collect::<Vec<_>>().join(", "),
    }
    .into())
}

/// Reads a live database back into the model, on a session opened the way
/// every session of a run is (connect timeout, server-side limits).
pub async fn inspect_database(conn: &DbConnection) -> Result<Schema, Error> {
    let url = conn.connect_url(Some(&conn.db.name))?;
    let target = conn.display();
    conn.backend
        .engine()
        .inspect(runner::session_spec(conn, &url, &target))
        .await
}

/// What `conn`'s database holds at IS release `release`: per group, the
/// snapshot standing then (as `group version`), and their union.
fn expected_at<'a>(
    catalog: &'a Catalog,
    conn: &DbConnection,
    release: &Version,
) -> Vec<&'a Migration> {
    conn.db
        .groups()
        .into_iter()
        .filter_map(|g| catalog.snapshot(g, release))
        .collect()
}

/// The snapshots `verify` compares a database with: those of the release
/// asked for (`--is-version X`: does the database equal a fresh X?); else,
/// per group, the version its history records as applied, and for a group
/// with none, the snapshot of the release a run would bring the database to.
fn compared_snapshots<'a>(
    plan: &Plan,
    catalog: &'a Catalog,
    conn: &DbConnection,
    rows: &[HistoryRow],
) -> Vec<&'a Migration> {
    let release = runner::run_release(plan, catalog, conn, rows);
    conn.db
        .groups()
        .into_iter()
        .filter_map(|g| {
            let applied = runner::applied_version(g, rows)
                .filter(|_| plan.target.is_none())
                .and_then(|v| catalog.migration(g, &v));
            applied.or_else(|| release.as_ref().and_then(|r| catalog.snapshot(g, r)))
        })
        .collect()
}

/// The union of `snapshots`, resolved for `conn`'s dialect, and their names.
fn union(conn: &DbConnection, snapshots: &[&Migration]) -> (Vec<String>, Schema) {
    let dialect = conn.backend.dialect();
    let names = snapshots
        .iter()
        .map(|m| format!("{} {}", m.group, m.version))
        .collect();
    (names, snapshots.iter().map(|m| m.schema(dialect)).collect())
}

/// A report for `conn`'s database with nothing compared yet.
fn empty_report(conn: &DbConnection) -> DatabaseVerification {
    DatabaseVerification {
        database: conn.db.name.clone(),
        location: conn.display(),
        compared_with: vec![],
        differences: vec![],
        error: None,
        recorded: vec![],
        release: None,
    }
}

/// `conn`'s database, opened; an error when it does not exist (nothing is created).
async fn open_existing(conn: &DbConnection) -> Result<sqlx::AnyConnection, Error> {
    runner::open_existing(conn)
        .await?
        .ok_or_else(|| Error::Usage("the database does not exist".into()))
}

/// Verifies one database, reading its history on `db`: its differences
/// from the snapshots [`compared_snapshots`] chooses, i.e. what a plan from
/// the live schema to them would have to change. A database with no history
/// and no release asked for is compared with the release it was built for
/// (detected as `baseline` does), else the one it differs least from.
async fn verify_one(
    plan: &Plan,
    catalog: &Catalog,
    conn: &DbConnection,
    db: &mut sqlx::AnyConnection,
    v: &mut DatabaseVerification,
) -> Result<(), Error> {
    let rows = history::read(db).await?.unwrap_or_default();
    let actual = inspect_database(conn).await?;
    let snapshots = if plan.target.is_none() && rows.is_empty() {
        let release = detect(plan, catalog, conn, &actual, false)
            .or_else(|| nearest(plan, catalog, conn, &actual, false));
        v.release = release.map(ToString::to_string);
        release.map_or_else(Vec::new, |r| expected_at(catalog, conn, r))
    } else {
        compared_snapshots(plan, catalog, conn, &rows)
    };
    let (names, expected) = union(conn, &snapshots);
    v.compared_with = names;
    v.differences = diff::diff(conn.backend.dialect(), &expected, &actual);
    Ok(())
}

/// `verify` of one database.
async fn verify_database(
    plan: &Plan,
    catalog: &Catalog,
    conn: &DbConnection,
) -> DatabaseVerification {
    let mut v = empty_report(conn);
    let result = async {
        let mut db = open_existing(conn).await?;
        let result = verify_one(plan, catalog, conn, &mut db, &mut v).await;
        let _ = db.close().await;
        result
    }
    .await;
    if let Err(e) = result {
        v.error = Some(e.to_string());
    }
    v
}

pub(super) async fn verify(plan: &Plan) -> Result<VerifyReport, Error> {
    let catalog = Catalog::builtin()?;
    let databases = futures_util::stream::iter(&plan.deployment.databases)
        .map(|conn| verify_database(plan, catalog, conn))
        .buffered(plan.parallelism)
        .collect()
        .await;
    Ok(VerifyReport { databases })
}

/// The IS release `actual` was built for: the newest release (up to the
/// one asked for) whose snapshots it holds with no failing difference. `None`
/// when it matches none.
fn detect<'a>(
    plan: &Plan,
    catalog: &'a Catalog,
    conn: &DbConnection,
    actual: &Schema,
    strict: bool,
) -> Option<&'a Version> {
    candidates(plan, catalog)
        .into_iter()
        .find(|r| !diff::is_failing(&differences_at(catalog, conn, r, actual), strict))
}

/// How `actual` differs from what `conn`'s database holds at `release`.
fn differences_at(
    catalog: &Catalog,
    conn: &DbConnection,
    release: &Version,
    actual: &Schema,
) -> Vec<Difference> {
    let (_, expected) = union(conn, &expected_at(catalog, conn, release));
    diff::diff(conn.backend.dialect(), &expected, actual)
}

/// The releases `baseline` may record, newest first: up to the one asked for.
fn candidates<'a>(plan: &Plan, catalog: &'a Catalog) -> Vec<&'a Version> {
    let mut r: Vec<&Version> = catalog
        .releases()
        .into_iter()
        .filter(|r| plan.target.as_ref().is_none_or(|t| *r <= t))
        .collect();
    r.reverse();
    r
}

/// For a database that matches no release: the one it differs least from
/// (newest on a tie), which `--accept-drift` records and the report shows.
fn nearest<'a>(
    plan: &Plan,
    catalog: &'a Catalog,
    conn: &DbConnection,
    actual: &Schema,
    strict: bool,
) -> Option<&'a Version> {
    let failing = |r: &Version| {
        differences_at(catalog, conn, r, actual)
            .iter()
            .filter(|d| diff::is_failing(std::slice::from_ref(*d), strict))
            .count()
    };
    candidates(plan, catalog)
        .into_iter()
        .map(|r| (failing(r), r))
        .min_by_key(|(n, _)| *n)
        .map(|(_, r)| r)
}

/// `baseline` of one database, all under its migration lock: the history is
/// read and written on the lock's own session, and the schema inspected
/// while no other run can change it.
async fn baseline_one(
    plan: &Plan,
    catalog: &Catalog,
    conn: &DbConnection,
    opts: VerifyOptions,
) -> DatabaseVerification {
    let mut v = empty_report(conn);
    let result = async {
        let existing = open_existing(conn).await?;
        let mut lock = Lock::acquire(conn, &NoProgress, Some(existing)).await?;
        let result = adopt(plan, catalog, conn, opts, &mut lock.conn, &mut v).await;
        if result.as_ref().is_err_and(super::session::session_unusable) {
            lock.abandon();
        } else {
            lock.release().await;
        }
        result
    }
    .await;
    if let Err(e) = result {
        v.error = Some(e.to_string());
    }
    v
}

/// Detects the release the database was built for and, where it matches
/// (or the drift is accepted), records each group at that release's snapshot
/// as applied on `db`, the lock's session.
async fn adopt(
    plan: &Plan,
    catalog: &Catalog,
    conn: &DbConnection,
    opts: VerifyOptions,
    db: &mut sqlx::AnyConnection,
    v: &mut DatabaseVerification,
) -> Result<(), Error> {
    let dialect = conn.backend.dialect();
    let actual = inspect_database(conn).await?;
    let detected = detect(plan, catalog, conn, &actual, opts.strict);
    let Some(release) = detected.or_else(|| nearest(plan, catalog, conn, &actual, opts.strict))
    else {
        return Err(Error::Usage("isdb knows no release to compare with".into()));
    };
    let snapshots = expected_at(catalog, conn, release);
    let (names, expected) = union(conn, &snapshots);
    v.compared_with = names;
    v.differences = diff::diff(dialect, &expected, &actual);
    v.release = Some(release.to_string());
    if detected.is_none() {
        if !opts.accept_drift {
            return Err(Error::Usage(format!(
                "the live schema matches no IS release isdb knows{}; nothing recorded. It is nearest to IS {release} (the differences below); --accept-drift records that release anyway unless something is missing",
                plan.target
                    .as_ref()
                    .map(|t| format!(" up to {t}"))
                    .unwrap_or_default()
            )));
        }
        if v.differences.iter().any(is_missing) {
            return Err(Error::Usage(
                "objects are missing; --accept-drift never records those, since migrate would then skip creating them: build the missing objects (or start from an empty database) and run baseline again".into(),
            ));
        }
    }
    history::ensure(db, dialect).await?;
    let rows = history::read(db).await?.unwrap_or_default();
    for m in snapshots {
        let version = m.version.to_string();
        let row = rows
            .iter()
            .find(|r| r.group == m.group.name() && r.version == version);
        if row.is_some_and(|r| r.success) {
            continue;
        }
        // A failed row (a migrate that stopped on these tables) gives way to the adoption.
        if row.is_some() {
            history::delete(db, conn.backend.engine(), m.group.name(), &version).await?;
        }
        let by = if detected.is_some() {
            "baseline"
        } else {
            "baseline-drift"
        };
        let row = render::history_row(dialect, m, by);
        history::insert(db, conn.backend.engine(), dialect, &row).await?;
        v.recorded.push(format!("{} {version}", m.group));
    }
    Ok(())
}

pub(super) async fn baseline(plan: &Plan, opts: VerifyOptions) -> Result<VerifyReport, Error> {
    let catalog = Catalog::builtin()?;
    let databases = futures_util::stream::iter(&plan.deployment.databases)
        .map(|conn| baseline_one(plan, catalog, conn, opts))
        .buffered(plan.parallelism)
        .collect()
        .await;
    Ok(VerifyReport { databases })
}
