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

/// The migration of `group` to compare against: the applied one when the
/// history has it, else the newest up to `target`.
fn chosen<'a>(
    catalog: &'a Catalog,
    group: TableGroup,
    target: Option<&Version>,
    rows: &[HistoryRow],
) -> Option<&'a Migration> {
    let candidates = catalog.up_to(group, target);
    let applied = candidates.iter().rev().find(|m| {
        rows.iter()
            .any(|r| r.success && r.group == group.name() && r.version == m.version.to_string())
    });
    applied.or(candidates.last()).copied()
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
    }
}

/// `conn`'s database, opened; an error when it does not exist (nothing is created).
async fn open_existing(conn: &DbConnection) -> Result<sqlx::AnyConnection, Error> {
    runner::open_existing(conn)
        .await?
        .ok_or_else(|| Error::Usage("the database does not exist".into()))
}

/// Verifies one database, reading its history on `db`; also returns what
/// inspection read, for `baseline`.
async fn verify_one(
    plan: &Plan,
    catalog: &Catalog,
    conn: &DbConnection,
    db: &mut sqlx::AnyConnection,
    v: &mut DatabaseVerification,
) -> Result<Schema, Error> {
    let dialect = conn.backend.dialect();
    {
        let rows = history::read(db).await?.unwrap_or_default();
        let mut parts = Vec::new();
        for g in conn.db.groups() {
            if let Some(m) = chosen(catalog, g, plan.target.as_ref(), &rows) {
                v.compared_with.push(format!("{g} {}", m.version));
                parts.push(m.schema(dialect));
            }
        }
        let actual = inspect_database(conn).await?;
        v.differences = diff::diff(dialect, &parts.into_iter().collect(), &actual);
        Ok(actual)
    }
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

/// For each group, the newest version whose schema the live database holds
/// with no failing difference; `None` for a group no version matches.
fn detect<'a>(
    plan: &Plan,
    catalog: &'a Catalog,
    conn: &DbConnection,
    actual: &Schema,
    strict: bool,
) -> Vec<(TableGroup, Option<&'a Migration>)> {
    let dialect = conn.backend.dialect();
    conn.db
        .groups()
        .into_iter()
        .map(|g| {
            let found = catalog
                .up_to(g, plan.target.as_ref())
                .into_iter()
                .rev()
                .find(|m| {
                    let d = diff::diff(dialect, &m.schema(dialect), actual);
                    // Tables of other groups are extra here; they count only in the whole-database check.
                    !d.iter().any(|x| {
                        !x.is_extra() || (strict && !matches!(x, Difference::ExtraTable { .. }))
                    })
                });
            (g, found)
        })
        .collect()
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

/// Compares the database with the model and, where it matches (or the drift
/// is accepted), records its migrations as applied on `db`, the lock's session.
async fn adopt(
    plan: &Plan,
    catalog: &Catalog,
    conn: &DbConnection,
    opts: VerifyOptions,
    db: &mut sqlx::AnyConnection,
    v: &mut DatabaseVerification,
) -> Result<(), Error> {
    let actual = verify_one(plan, catalog, conn, db, v).await?;
    let dialect = conn.backend.dialect();
    let detected = detect(plan, catalog, conn, &actual, opts.strict);
    if v.failing(opts.strict) {
        if !opts.accept_drift {
            return Err(Error::Usage(
                "the live schema differs from the model; nothing recorded (see the differences; --accept-drift records it anyway unless something is missing)".into(),
            ));
        }
        if v.differences.iter().any(is_missing) {
            return Err(Error::Usage(
                "objects are missing; --accept-drift never records those, since migrate would then skip creating them: build the missing objects (or start from an empty database) and run baseline again".into(),
            ));
        }
    }
    history::ensure(db, dialect).await?;
    let rows = history::read(db).await?.unwrap_or_default();
    for (g, found) in &detected {
        // With accepted drift, the group is recorded at the version it was compared with.
        let m = match found {
            Some(m) => *m,
            None => match chosen(catalog, *g, plan.target.as_ref(), &rows) {
                Some(m) => m,
                None => continue,
            },
        };
        for earlier in catalog.up_to(*g, Some(&m.version)) {
            let version = earlier.version.to_string();
            let row = rows
                .iter()
                .find(|r| r.group == g.name() && r.version == version);
            if row.is_some_and(|r| r.success) {
                continue;
            }
            // A failed row (a migrate that stopped on these tables) gives way to the adoption.
            if row.is_some() {
                history::delete(db, conn.backend.engine(), g.name(), &version).await?;
            }
            let by = if found.is_some() {
                "baseline"
            } else {
                "baseline-drift"
            };
            let row = render::history_row(dialect, earlier, by);
            history::insert(db, conn.backend.engine(), dialect, &row).await?;
            v.recorded.push(format!("{g} {version}"));
        }
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
