//! The rendered scripts run as-is with each RDBMS's own client, and the
//! database they build is read back and compared with the model.

mod common;
#[path = "common/h2.rs"]
mod h2;

use std::path::Path;
use std::process::Command;

use isdb::dialect::{self, Dialect};
use isdb::layout::{Layout, LayoutKind, PhysicalDb};
use isdb::model::Schema;
use isdb::model::catalog::Catalog;
use isdb::render;
use sqlx::Connection;

fn expected_schema(d: &dyn Dialect, db: &PhysicalDb) -> Schema {
    Catalog::builtin().unwrap().expected_schema(d, db, None)
}

fn render_layout(d: &dyn Dialect, kind: LayoutKind, prefix: &str, out: &Path) -> Layout {
    let layout = Layout::new(kind, 2, prefix).unwrap();
    render::write_scripts(d, &layout, out, false, &Default::default()).unwrap();
    layout
}

fn assert_clean(d: &dyn Dialect, db: &PhysicalDb, actual: &Schema) {
    let diffs = isdb::diff::diff(d, &expected_schema(d, db), actual);
    assert!(
        diffs.is_empty(),
        "{} on {}: the live schema differs from the model:\n{}",
        db.name,
        d.name(),
        diffs
            .iter()
            .map(|x| format!("  {x}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Renders both layouts for the server's dialect, runs every script with the
/// vendor's client into a database created as an operator would, and compares
/// what the server then holds with the model.
async fn vendor_scripts_match_the_model(server: &common::Server, tag: &str) {
    let d = server.dialect();
    let tmp = tempfile::tempdir().unwrap();
    for kind in [LayoutKind::Merged, LayoutKind::Split] {
        let prefix = common::unique_prefix(tag);
        let out = tmp.path().join(kind.name());
        let layout = render_layout(d, kind, &prefix, &out);
        for db in &layout.databases {
            server.create_database(&db.name).await;
            server.run_script(&db.name, &out.join("sql").join(format!("{}.sql", db.name)));
            assert_clean(d, db, &server.inspect(&db.name).await);
        }
        common::drop_databases(server, &prefix).await;
    }
}

#[tokio::test]
async fn postgres_scripts_run_with_psql_and_match_the_model() {
    let Some(server) = common::postgres("postgres_scripts_run_with_psql").await else {
        return;
    };
    vendor_scripts_match_the_model(&server, "pgscript").await;
}

#[tokio::test]
async fn mysql_scripts_run_with_the_mariadb_client_and_match_the_model() {
    let Some(server) = common::mysql("mysql_scripts_run_with_the_mariadb_client").await else {
        return;
    };
    vendor_scripts_match_the_model(&server, "myscript").await;
}

#[tokio::test]
async fn sqlite_scripts_run_through_sqlx_and_match_the_model() {
    let d = dialect::by_name("sqlite").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for kind in [LayoutKind::Merged, LayoutKind::Split] {
        let out = tmp.path().join(kind.name());
        let layout = render_layout(d, kind, "", &out);
        for db in &layout.databases {
            let script =
                std::fs::read_to_string(out.join("sql").join(format!("{}.sql", db.name))).unwrap();
            let file = out.join(format!("{}.db", db.name));
            let mut c =
                sqlx::SqliteConnection::connect(&format!("sqlite://{}?mode=rwc", file.display()))
                    .await
                    .unwrap();
            for st in render::split_script(d.script_style(), &script) {
                sqlx::raw_sql(sqlx::AssertSqlSafe(st.clone()))
                    .execute(&mut c)
                    .await
                    .unwrap_or_else(|e| panic!("{}: {e}\n{st}", db.name));
            }
            let actual = isdb::inspect::sqlite::inspect(&mut c).await.unwrap();
            let _ = c.close().await;
            assert_clean(d, db, &actual);
        }
    }
}

/// Runs SQL in H2's own shell and returns its output rows.
fn h2_query(url: &str, sql: &str) -> Vec<Vec<String>> {
    h2::tool(&[
        "org.h2.tools.Shell",
        "-url",
        url,
        "-user",
        "sa",
        "-sql",
        sql,
    ])
    .lines()
    .skip(1)
    .filter(|l| l.contains('|') || !l.trim().is_empty())
    .filter(|l| !l.starts_with('('))
    .map(|l| l.split('|').map(|c| c.trim().to_string()).collect())
    .collect()
}

#[test]
fn h2_scripts_run_with_runscript_and_match_the_model() {
    if !Path::new(h2::H2_JAR).exists() || Command::new("java").arg("-version").output().is_err() {
        common::missing(
            &format!(
                "h2_scripts_run_with_runscript: {} or java is missing",
                h2::H2_JAR
            ),
            "apt-get install libh2-java (as .ci/run does)",
        );
        return;
    }
    let d = dialect::by_name("h2").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    for kind in [LayoutKind::Merged, LayoutKind::Split] {
        let out = tmp.path().join(kind.name());
        let layout = render_layout(d, kind, "", &out);
        for db in &layout.databases {
            let url = format!("jdbc:h2:{}", out.join("h2").join(&db.name).display());
            let script = out.join("sql").join(format!("{}.sql", db.name));
            let script = script.display().to_string();
            h2::tool(&[
                "org.h2.tools.RunScript",
                "-url",
                &url,
                "-user",
                "sa",
                "-script",
                &script,
            ]);
            let expected = expected_schema(d, db);
            let cols = h2_query(
                &url,
                "SELECT TABLE_NAME, COLUMN_NAME, IS_NULLABLE FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_SCHEMA = 'PUBLIC' ORDER BY TABLE_NAME, COLUMN_NAME",
            );
            let mut actual: Vec<(String, String, bool)> = cols
                .iter()
                .filter(|r| r.len() == 3 && !r[0].starts_with("ISDB_"))
                .map(|r| (r[0].clone(), r[1].clone(), r[2] == "YES"))
                .collect();
            let mut want: Vec<(String, String, bool)> = expected
                .tables
                .iter()
                .flat_map(|t| {
                    t.columns
                        .iter()
                        .map(|c| (t.name.clone(), c.name.clone(), c.nullable))
                })
                .collect();
            actual.sort();
            want.sort();
            assert_eq!(
                actual, want,
                "{}: tables, columns and nullability in H2",
                db.name
            );
            let recorded = h2_query(
                &url,
                "SELECT COUNT(*) FROM ISDB_SCHEMA_HISTORY WHERE SUCCESS = 1",
            );
            assert_eq!(
                recorded.first().and_then(|r| r.first()).map(String::as_str),
                Some(db.groups().len().to_string().as_str()),
                "{}: the script records each of its groups",
                db.name
            );
            let idx = h2_query(
                &url,
                "SELECT INDEX_NAME FROM INFORMATION_SCHEMA.INDEXES WHERE TABLE_SCHEMA = 'PUBLIC' AND INDEX_TYPE_NAME = 'INDEX' AND IS_GENERATED = FALSE ORDER BY INDEX_NAME",
            );
            let mut actual_idx: Vec<String> = idx
                .iter()
                .filter(|r| r.len() == 1)
                .map(|r| r[0].clone())
                .collect();
            let mut want_idx: Vec<String> = expected
                .tables
                .iter()
                .flat_map(|t| {
                    t.indexes
                        .iter()
                        .filter(|i| !i.unique)
                        .map(|i| i.name.clone())
                })
                .collect();
            actual_idx.sort();
            want_idx.sort();
            assert_eq!(actual_idx, want_idx, "{}: indexes in H2", db.name);
            let keys = h2_query(
                &url,
                "SELECT TABLE_NAME, CONSTRAINT_TYPE, COUNT(*) FROM INFORMATION_SCHEMA.TABLE_CONSTRAINTS WHERE TABLE_SCHEMA = 'PUBLIC' GROUP BY TABLE_NAME, CONSTRAINT_TYPE ORDER BY TABLE_NAME, CONSTRAINT_TYPE",
            );
            let mut actual_keys: Vec<(String, String, usize)> = keys
                .iter()
                .filter(|r| r.len() == 3 && !r[0].starts_with("ISDB_"))
                .filter_map(|r| Some((r[0].clone(), r[1].clone(), r[2].parse().ok()?)))
                .collect();
            let mut want_keys: Vec<(String, String, usize)> = Vec::new();
            for t in &expected.tables {
                for (kind, n) in [
                    ("FOREIGN KEY", t.foreign_keys.len()),
                    ("PRIMARY KEY", usize::from(!t.primary_key.is_empty())),
                    ("UNIQUE", t.unique.len()),
                ] {
                    if n > 0 {
                        want_keys.push((t.name.clone(), kind.to_string(), n));
                    }
                }
            }
            actual_keys.sort();
            want_keys.sort();
            assert_eq!(
                actual_keys, want_keys,
                "{}: primary, unique and foreign keys in H2",
                db.name
            );
        }
    }
}
