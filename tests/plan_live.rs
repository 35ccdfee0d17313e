//! The planner on real engines (PostgreSQL, MariaDB, SQLite): for every
//! group and every pair of consecutive snapshots, a database built from the
//! older one by its plan from nothing, with rows in it, upgraded by
//! `plan(older, newer)`, reads back equal to the newer snapshot (the diff
//! `verify` uses finds nothing), keeps its rows, and plans nothing more
//! against the newer snapshot (what `verify` will become); the database built
//! from nothing plans nothing against the older snapshot either.
//!
//! Rows: one sample row in every table without foreign keys whose upgrade
//! needs no data step; a table whose upgrade does (a new NOT NULL column
//! without a default, flagged by the plan) is emptied first, the data step
//! being issue 12's. The row must come through with the values of every
//! column that keeps its name and type.

mod common;
#[path = "common/snapshots.rs"]
mod snapshots;

use isdb::dialect::Dialect;
use isdb::model::{ColumnType, DefaultValue, Schema, Table};
use isdb::plan::{Risk, plan};
use isdb::render::rendered_column;
use snapshots::{GROUPS, steps};
use sqlx::Connection;

/// A live database connection of one engine.
enum Conn {
    Pg(sqlx::PgConnection),
    My(sqlx::MySqlConnection),
    Lite(sqlx::SqliteConnection),
}

impl Conn {
    async fn exec(&mut self, sql: &str) -> Result<(), sqlx::Error> {
        let q = sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()));
        match self {
            Conn::Pg(c) => q.execute(c).await.map(drop),
            Conn::My(c) => q.execute(c).await.map(drop),
            Conn::Lite(c) => q.execute(c).await.map(drop),
        }
    }

    async fn count(&mut self, sql: &str) -> i64 {
        let q = sqlx::AssertSqlSafe(sql.to_string());
        match self {
            Conn::Pg(c) => sqlx::query_scalar(q).fetch_one(c).await,
            Conn::My(c) => sqlx::query_scalar(q).fetch_one(c).await,
            Conn::Lite(c) => sqlx::query_scalar(q).fetch_one(c).await,
        }
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    async fn inspect(&mut self) -> Schema {
        match self {
            Conn::Pg(c) => isdb::inspect::postgres::inspect(c).await,
            Conn::My(c) => isdb::inspect::mysql::inspect(c).await,
            Conn::Lite(c) => isdb::inspect::sqlite::inspect(c).await,
        }
        .expect("inspect")
    }
}

/// One value per column type that every engine stores and compares back
/// exactly (`None`: the column is left to its default or NULL).
fn sample(ty: ColumnType) -> Option<DefaultValue> {
    Some(match ty {
        ColumnType::TinyInt
        | ColumnType::SmallInt
        | ColumnType::Integer
        | ColumnType::BigInt
        | ColumnType::Decimal(_) => DefaultValue::Int(7),
        ColumnType::Char(_) => DefaultValue::Str("Y".into()),
        ColumnType::Varchar(_) | ColumnType::Clob => DefaultValue::Str("v".into()),
        ColumnType::Timestamp => DefaultValue::Str("2020-01-02 03:04:05".into()),
        ColumnType::Date => DefaultValue::Str("2020-01-02".into()),
        ColumnType::Double => DefaultValue::Int(3),
        ColumnType::Boolean | ColumnType::Blob | ColumnType::Varbinary(_) => return None,
    })
}

/// The columns of `t` a sample row fills: not generated, with a sample
/// value, and (when nullable with a default) left alone.
fn filled(d: &dyn Dialect, t: &Table) -> Vec<(String, DefaultValue)> {
    t.columns
        .iter()
        .filter(|c| !rendered_column(d, t, c).identity)
        .filter_map(|c| Some((c.name.clone(), sample(c.ty)?)))
        .collect()
}

/// Whether a sample row can go into `t`: no foreign keys (their targets would
/// need rows too), and every NOT NULL column either generated, defaulted or filled.
fn fillable(d: &dyn Dialect, t: &Table) -> bool {
    t.foreign_keys.is_empty()
        && t.columns.iter().all(|c| {
            c.nullable
                || rendered_column(d, t, c).identity
                || c.default.is_some()
                || sample(c.ty).is_some()
        })
}

async fn run(conn: &mut Conn, d: &dyn Dialect, what: &str, sql: &[isdb::render::Statement]) {
    for s in sql {
        conn.exec(&s.sql)
            .await
            .unwrap_or_else(|e| panic!("{what} on {}: {e}\n{}", d.name(), s.sql));
    }
}

/// Every upgrade step of every group on one engine; `connect` gives a fresh,
/// empty database for each.
async fn every_step_upgrades<F, Fut>(d: &'static dyn Dialect, mut connect: F)
where
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = Conn>,
{
    let mut upgraded = 0;
    let mut rows_checked = 0;
    for group in GROUPS {
        for (older, newer) in steps(group) {
            let Some(older) = older else { continue };
            let what = format!("{group} {} -> {}", older.version, newer.version);
            let (old, new) = (older.schema(d), newer.schema(d));
            let mut conn = connect(format!(
                "{}_{}",
                group.name().replace('-', "_"),
                newer.version.to_string().replace('.', "_")
            ))
            .await;
            let build = plan(d, None, &old, &older.renames());
            run(&mut conn, d, &what, &build.statements(d).expect("renders")).await;

            let built = conn.inspect().await;
            let fresh = plan(d, Some(&built), &old, &older.renames());
            assert!(
                fresh.is_empty(),
                "{what}: built from nothing: {}",
                fresh.summary()
            );

            let upgrade = plan(d, Some(&old), &new, &newer.renames());
            assert!(upgrade.unplanned.is_empty(), "{what}: {upgrade:?}");
            // The runner will plan from the live database: the same changes
            // (seed rows aside: a live schema lists none, so new rows of an
            // existing table are a data step), and every one writable with the
            // names the database reports.
            let from_live = plan(d, Some(&built), &new, &newer.renames());
            let outline = |p: &isdb::plan::Plan| -> Vec<(String, String)> {
                p.changes
                    .iter()
                    .filter(|c| !matches!(c, isdb::plan::Change::InsertSeed { .. }))
                    .map(|c| {
                        let kind = format!("{c:?}");
                        let kind = kind.split([' ', '{']).next().unwrap_or("").to_string();
                        (kind, c.table().unwrap_or("").to_ascii_uppercase())
                    })
                    .collect()
            };
            assert_eq!(
                outline(&from_live),
                outline(&upgrade),
                "{what}: from the live database"
            );
            from_live
                .statements(d)
                .unwrap_or_else(|e| panic!("{what}: from the live database: {e}"));
            // A sample row in every table the upgrade can carry rows through
            // without a data step (issue 12 adds those).
            let needs_data: Vec<&str> = upgrade
                .changes
                .iter()
                .filter(|c| c.risks().contains(&Risk::NotNullWithoutValue))
                .filter_map(|c| c.table())
                .collect();
            // Without the data step, a table that needs one is emptied first
            // (its seed rows included): the step is issue 12's.
            for t in &needs_data {
                let mut w = isdb::plan::SqlWriter::new(d);
                w.word("DELETE FROM").ident(t).unwrap();
                if old.table(t).is_some() {
                    conn.exec(&w.finish()).await.expect("emptied");
                }
            }
            let mut kept = Vec::new();
            for t in old.tables.iter().filter(|t| fillable(d, t)) {
                let renamed = upgrade.changes.iter().find_map(|c| match c {
                    isdb::plan::Change::RenameTable { from, to } if from == &t.name => {
                        Some(to.clone())
                    }
                    _ => None,
                });
                let new_name = renamed.unwrap_or_else(|| t.name.clone());
                let Some(nt) = new.table(&new_name) else {
                    continue;
                };
                if needs_data.contains(&nt.name.as_str()) {
                    continue;
                }
                let values = filled(d, t);
                let mut w = isdb::plan::SqlWriter::new(d);
                w.word("INSERT INTO").ident(&t.name).unwrap();
                let cols: Vec<String> = values.iter().map(|(c, _)| c.clone()).collect();
                let vals: Vec<DefaultValue> = values.iter().map(|(_, v)| v.clone()).collect();
                w.ident_list(&cols)
                    .unwrap()
                    .word("VALUES")
                    .literal_list(&vals);
                let sql = w.finish();
                conn.exec(&sql)
                    .await
                    .unwrap_or_else(|e| panic!("{what}: {e}\n{sql}"));
                // Unchanged columns: same name and neutral type in both snapshots.
                let same: Vec<(String, DefaultValue)> = values
                    .into_iter()
                    .filter(|(c, _)| {
                        nt.column(c)
                            .zip(t.column(c))
                            .is_some_and(|(a, b)| a.ty == b.ty)
                    })
                    .collect();
                kept.push((nt.clone(), same));
            }

            let sql = upgrade
                .statements(d)
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            run(&mut conn, d, &what, &sql).await;

            let live = conn.inspect().await;
            let found = isdb::diff::diff(d, &new, &live);
            assert!(
                found.is_empty(),
                "{what} on {}: after the upgrade:\n{}\nplan:\n{}",
                d.name(),
                found
                    .iter()
                    .map(|x| format!("  {x}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                upgrade.summary()
            );
            let again = plan(d, Some(&live), &new, &newer.renames());
            assert!(
                again.is_empty(),
                "{what} on {}: {}",
                d.name(),
                again.summary()
            );

            for (t, same) in kept {
                let mut w = isdb::plan::SqlWriter::new(d);
                w.word("SELECT COUNT(*) FROM").ident(&t.name).unwrap();
                for (i, (c, v)) in same.iter().enumerate() {
                    w.word(if i == 0 { "WHERE" } else { "AND" });
                    w.ident(c).unwrap().glue(" =").literal(v);
                }
                let sql = w.finish();
                assert_eq!(conn.count(&sql).await, 1, "{what}: row lost\n{sql}");
                rows_checked += 1;
            }
            upgraded += 1;
        }
    }
    assert!(upgraded >= 20, "only {upgraded} steps");
    assert!(rows_checked >= 50, "only {rows_checked} rows checked");
}

/// [`every_step_upgrades`] on `server`, one fresh database per step.
async fn every_step_upgrades_on(server: common::Server, tag: &str) {
    let prefix = common::unique_prefix(tag);
    let d = server.dialect();
    every_step_upgrades(d, |name| {
        let db = format!("{prefix}{name}");
        let server = &server;
        async move {
            server.create_database(&db).await;
            let url = server.db_url(&db);
            if server.is_postgres() {
                Conn::Pg(sqlx::PgConnection::connect(&url).await.unwrap())
            } else {
                Conn::My(sqlx::MySqlConnection::connect(&url).await.unwrap())
            }
        }
    })
    .await;
    common::drop_databases(&server, &prefix).await;
}

#[tokio::test]
async fn every_step_upgrades_on_postgres_keeping_rows() {
    if let Some(server) = common::postgres("plan_live_pg").await {
        every_step_upgrades_on(server, "planpg").await;
    }
}

#[tokio::test]
async fn every_step_upgrades_on_mariadb_keeping_rows() {
    if let Some(server) = common::mysql("plan_live_my").await {
        every_step_upgrades_on(server, "planmy").await;
    }
}

#[tokio::test]
async fn every_step_upgrades_on_sqlite_keeping_rows() {
    let d = isdb::dialect::by_name("sqlite").expect("built-in dialect");
    every_step_upgrades(d, |_| async {
        Conn::Lite(
            sqlx::SqliteConnection::connect("sqlite::memory:")
                .await
                .expect("in-memory SQLite"),
        )
    })
    .await;
}
