//! The history table, `ISDB_SCHEMA_HISTORY`: one row per applied (or
//! half-applied) migration of a table group in a physical database.

use sqlx::{AnyConnection, Row};

use crate::dialect::Dialect;
use crate::engine::Engine;
use crate::error::Error;
use crate::model::{Column, ColumnType, KeyGenerator, Schema, Table};
use crate::render::{self, RenderOptions};

/// Name of the history table. Every bookkeeping object isdb creates starts with `ISDB_`.
pub const HISTORY_TABLE: &str = "ISDB_SCHEMA_HISTORY";

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryRow {
    /// Table group name.
    pub group: String,
    /// Version.
    pub version: String,
    /// Checksum of the migration definition when it was applied.
    pub checksum: String,
    /// Statements applied so far (equals `statements_total` when done).
    pub statements_done: i64,
    /// Statements the migration has.
    pub statements_total: i64,
    /// Whether the migration completed.
    pub success: bool,
    /// When it completed or started (RFC 3339, UTC).
    pub applied_at: String,
    /// How long it took, in milliseconds.
    pub duration_ms: i64,
    /// `baseline` when recorded by `isdb baseline` without running DDL, else `migrate`.
    pub applied_by: String,
}

fn column(name: &str, ty: ColumnType) -> Column {
    Column {
        name: name.into(),
        ty,
        native: None,
        nullable: false,
        default: None,
        identity: false,
    }
}

/// The history table in the neutral model, so every dialect renders it.
pub fn history_table() -> Table {
    Table {
        name: HISTORY_TABLE.into(),
        columns: vec![
            column("TABLE_GROUP", ColumnType::Varchar(64)),
            column("VERSION", ColumnType::Varchar(32)),
            column("CHECKSUM", ColumnType::Varchar(64)),
            column("DIALECT", ColumnType::Varchar(32)),
            column("STATEMENTS_DONE", ColumnType::BigInt),
            column("STATEMENTS_TOTAL", ColumnType::BigInt),
            column("SUCCESS", ColumnType::BigInt),
            column("APPLIED_AT", ColumnType::Varchar(40)),
            column("DURATION_MS", ColumnType::BigInt),
            column("APPLIED_BY", ColumnType::Varchar(64)),
        ],
        primary_key: vec!["TABLE_GROUP".into(), "VERSION".into()],
        unique: vec![],
        foreign_keys: vec![],
        indexes: vec![],
        key_generator: KeyGenerator::default(),
    }
}

/// Creates the history table if it does not exist.
pub(crate) async fn ensure(conn: &mut AnyConnection, dialect: &dyn Dialect) -> Result<(), Error> {
    let schema = Schema {
        tables: vec![history_table()],
        seeds: vec![],
    };
    for st in render::statements(
        dialect,
        &schema,
        RenderOptions {
            idempotent: true,
            online: false,
        },
    ) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(st.sql))
            .execute(&mut *conn)
            .await
            .map_err(|e| Error::db(format!("cannot create {HISTORY_TABLE}"), e))?;
    }
    Ok(())
}

/// Reads every row; `Ok(None)` when the table does not exist.
pub(crate) async fn read(conn: &mut AnyConnection) -> Result<Option<Vec<HistoryRow>>, Error> {
    let sql = "SELECT TABLE_GROUP, VERSION, CHECKSUM, STATEMENTS_DONE, STATEMENTS_TOTAL, SUCCESS, APPLIED_AT, DURATION_MS, APPLIED_BY FROM ISDB_SCHEMA_HISTORY ORDER BY TABLE_GROUP, VERSION";
    let rows = match sqlx::query(sql).fetch_all(&mut *conn).await {
        Ok(r) => r,
        Err(e) if is_undefined_table(&e) => return Ok(None),
        Err(e) => return Err(Error::db(format!("cannot read {HISTORY_TABLE}"), e)),
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let get_s = |i: usize| r.try_get::<String, _>(i);
        let get_i = |i: usize| {
            r.try_get::<i64, _>(i)
                .or_else(|_| r.try_get::<i32, _>(i).map(i64::from))
        };
        let row = (|| -> Result<HistoryRow, sqlx::Error> {
            Ok(HistoryRow {
                group: get_s(0)?,
                version: get_s(1)?,
                checksum: get_s(2)?,
                statements_done: get_i(3)?,
                statements_total: get_i(4)?,
                success: get_i(5)? == 1,
                applied_at: get_s(6)?,
                duration_ms: get_i(7)?,
                applied_by: get_s(8)?,
            })
        })()
        .map_err(|e| Error::db(format!("cannot decode {HISTORY_TABLE}"), e))?;
        out.push(row);
    }
    Ok(Some(out))
}

/// Whether `e` says the table does not exist: SQLSTATE 42P01 (PostgreSQL),
/// 42S02 (MySQL/MariaDB), or SQLite's "no such table".
fn is_undefined_table(e: &sqlx::Error) -> bool {
    e.as_database_error().is_some_and(|d| {
        matches!(d.code().as_deref(), Some("42P01" | "42S02"))
            || d.message().starts_with("no such table")
    })
}

/// Inserts a row.
pub(crate) async fn insert(
    conn: &mut AnyConnection,
    hooks: &dyn Engine,
    dialect: &dyn Dialect,
    row: &HistoryRow,
) -> Result<(), Error> {
    let p: Vec<String> = (1..=10).map(|n| hooks.placeholder(n)).collect();
    let sql = format!(
        "INSERT INTO ISDB_SCHEMA_HISTORY (TABLE_GROUP, VERSION, CHECKSUM, DIALECT, STATEMENTS_DONE, STATEMENTS_TOTAL, SUCCESS, APPLIED_AT, DURATION_MS, APPLIED_BY) VALUES ({})",
        p.join(", ")
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(row.group.clone())
        .bind(row.version.clone())
        .bind(row.checksum.clone())
        .bind(dialect.name().to_string())
        .bind(row.statements_done)
        .bind(row.statements_total)
        .bind(i64::from(row.success))
        .bind(row.applied_at.clone())
        .bind(row.duration_ms)
        .bind(row.applied_by.clone())
        .execute(&mut *conn)
        .await
        .map_err(|e| {
            Error::db(
                format!(
                    "cannot record {} {} in {HISTORY_TABLE}",
                    row.group, row.version
                ),
                e,
            )
        })?;
    Ok(())
}

/// Records progress (and completion) of a row.
pub(crate) async fn update(
    conn: &mut AnyConnection,
    hooks: &dyn Engine,
    row: &HistoryRow,
) -> Result<(), Error> {
    let sql = format!(
        "UPDATE ISDB_SCHEMA_HISTORY SET STATEMENTS_DONE = {}, SUCCESS = {}, APPLIED_AT = {}, DURATION_MS = {} WHERE TABLE_GROUP = {} AND VERSION = {}",
        hooks.placeholder(1),
        hooks.placeholder(2),
        hooks.placeholder(3),
        hooks.placeholder(4),
        hooks.placeholder(5),
        hooks.placeholder(6)
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(row.statements_done)
        .bind(i64::from(row.success))
        .bind(row.applied_at.clone())
        .bind(row.duration_ms)
        .bind(row.group.clone())
        .bind(row.version.clone())
        .execute(&mut *conn)
        .await
        .map_err(|e| {
            Error::db(
                format!("cannot record progress of {} {}", row.group, row.version),
                e,
            )
        })?;
    Ok(())
}

/// Deletes a row (a half-applied migration that a transactional run redoes).
pub(crate) async fn delete(
    conn: &mut AnyConnection,
    hooks: &dyn Engine,
    group: &str,
    version: &str,
) -> Result<(), Error> {
    let sql = format!(
        "DELETE FROM ISDB_SCHEMA_HISTORY WHERE TABLE_GROUP = {} AND VERSION = {}",
        hooks.placeholder(1),
        hooks.placeholder(2)
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(group.to_string())
        .bind(version.to_string())
        .execute(&mut *conn)
        .await
        .map_err(|e| {
            Error::db(
                format!("cannot clear {group} {version} in {HISTORY_TABLE}"),
                e,
            )
        })?;
    Ok(())
}

/// The current time as RFC 3339 UTC, e.g. `2026-11-26T10:50:57Z`.
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let days = i64::try_from(secs / 86_400).unwrap_or(0);
    let rem = secs % 86_400;
    // Civil-from-days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339() {
        let t = now_rfc3339();
        assert_eq!(t.len(), 20, "{t}");
        assert!(t.starts_with("20") && t.ends_with('Z'));
    }
}
