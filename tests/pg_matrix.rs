//! isdb on every PostgreSQL major an operator may run, 10 to 18: the servers
//! `ISDB_TEST_POSTGRES_URLS` lists (comma separated), which
//! `.ci/postgres-matrix start` starts and prints. One test per major and
//! scenario, so that a failure names its version.
//!
//! The whole scenario (fresh install merged and split, verify, rerun, status,
//! baseline of a database built by the official-equivalent 5.3.0 scripts) runs
//! on the oldest (10) and the newest (18); the majors between get a fresh
//! install and verify. On 10 and 11 a database built the way WSO2's BPS script
//! builds it there (ABSTIME columns) must be recognised as 5.3.0; from 12 on
//! that script must fail.
//!
//! Every test is ignored unless asked for (`cargo nextest run --test pg_matrix
//! --run-ignored only`), and an ignored test run without the variable, or
//! without a server of its major, fails: the matrix never passes by not running.

mod common;

use std::path::Path;

use common::{Server, run_isdb};
use isdb::dialect;
use isdb::layout::{Layout, LayoutKind, TableGroup};
use isdb::model::catalog::Catalog;
use isdb::render::{self, RenderOptions, Script};
use sqlx::Connection;

const NEEDS: &str = "needs ISDB_TEST_POSTGRES_URLS (.ci/postgres-matrix start)";

/// One server of the matrix and the version it reports.
struct MatrixServer {
    server: Server,
    /// `server_version_num`, e.g. 100023 for 10.23.
    version_num: i32,
    /// `server_version`, e.g. `10.23`.
    version: String,
}

impl MatrixServer {
    fn major(&self) -> i32 {
        self.version_num / 10_000
    }
}

/// The servers of `ISDB_TEST_POSTGRES_URLS`, oldest first; panics when the
/// variable is unset or a server does not answer.
async fn matrix() -> Vec<MatrixServer> {
    let urls = std::env::var("ISDB_TEST_POSTGRES_URLS")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(String::from)
        .collect::<Vec<_>>();
    assert!(
        !urls.is_empty(),
        "this test {NEEDS}: run `ISDB_TEST_POSTGRES_URLS=$(.ci/postgres-matrix start)` first"
    );
    let mut servers = Vec::new();
    for url in urls {
        let server = common::at(&url).await;
        let mut c = sqlx::PgConnection::connect(&server.db_url("postgres"))
            .await
            .unwrap_or_else(|e| panic!("{url} does not answer: {e}"));
        let (version_num, version): (i32, String) = sqlx::query_as(
            "SELECT current_setting('server_version_num')::int4, current_setting('server_version')",
        )
        .fetch_one(&mut c)
        .await
        .unwrap();
        let _ = c.close().await;
        servers.push(MatrixServer {
            server,
            version_num,
            version,
        });
    }
    servers.sort_by_key(|s| s.version_num);
    servers
}

/// The server of PostgreSQL `major` in the matrix; panics when there is none.
async fn server(major: i32) -> MatrixServer {
    let servers = matrix().await;
    let listed: Vec<String> = servers.iter().map(|s| s.version.clone()).collect();
    servers
        .into_iter()
        .find(|s| s.major() == major)
        .unwrap_or_else(|| {
            panic!("ISDB_TEST_POSTGRES_URLS has no PostgreSQL {major} (it has {listed:?})")
        })
}

/// Drops the test's databases. `DROP DATABASE ... WITH (FORCE)`, which the
/// shared helper uses, needs 13; every isdb process has exited by now.
async fn drop_databases(server: &Server, prefix: &str) {
    let mut c = sqlx::PgConnection::connect(&server.db_url("postgres"))
        .await
        .unwrap();
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE $1")
            .bind(format!("{}%", prefix.replace('_', "\\_")))
            .fetch_all(&mut c)
            .await
            .unwrap();
    for n in names {
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE \"{n}\"")))
            .execute(&mut c)
            .await
            .unwrap();
    }
    let _ = c.close().await;
}

/// Runs isdb `cmd` with `target` in `dir`: (exit code, stdout, stderr).
fn isdb(dir: &Path, cmd: &str, target: &[&str], extra: &[&str]) -> (i32, String, String) {
    let mut args = vec![cmd];
    args.extend_from_slice(target);
    args.extend_from_slice(extra);
    run_isdb(dir, &args, &[])
}

/// `verify --strict` passes: every database of `target` (`count` of them)
/// holds exactly the model of its groups, nothing more.
fn assert_verifies_clean(dir: &Path, target: &[&str], count: usize, what: &str) {
    let (code, out, err) = isdb(dir, "verify", target, &["--strict", "--format", "json"]);
    assert_eq!(code, 0, "{what}: verify --strict: {out}\n{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let dbs = json["databases"].as_array().unwrap();
    assert_eq!(dbs.len(), count, "{what}: {out}");
    for db in dbs {
        assert_eq!(
            db["differences"].as_array().map(Vec::len),
            Some(0),
            "{what}: {db}"
        );
        assert!(
            db["compared_with"]
                .as_array()
                .is_some_and(|g| !g.is_empty()),
            "{what}: {db}"
        );
    }
}

/// `status` says every group of every database of `target` is at its
/// snapshot of IS `release`, nothing pending.
fn assert_up_to_date(dir: &Path, target: &[&str], release: &str, what: &str) {
    let catalog = Catalog::builtin().unwrap();
    let release = catalog.release(release).unwrap();
    let (code, out, err) = isdb(dir, "status", target, &["--format", "json"]);
    assert_eq!(code, 0, "{what}: status: {out}\n{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    for db in json["databases"].as_array().unwrap() {
        assert_eq!(db["reachable"], true, "{what}: {db}");
        for g in db["groups"].as_array().unwrap() {
            assert_eq!(
                g["pending"].as_array().map(Vec::len),
                Some(0),
                "{what}: {g}"
            );
            let group: TableGroup = g["group"].as_str().unwrap().parse().unwrap();
            match catalog.snapshot(group, &release) {
                Some(m) => {
                    // Oldest first: the last is where the group stands.
                    let applied = g["applied"].as_array().unwrap();
                    let want = m.version.to_string();
                    assert_eq!(applied.last().unwrap(), want.as_str(), "{what}: {g}");
                }
                // A group the release does not have yet (consent, uma before 5.5.0/5.6.0).
                None => assert_eq!(
                    g["applied"].as_array().map(Vec::len),
                    Some(0),
                    "{what}: {g}"
                ),
            }
        }
    }
}

/// Fresh install of `target`, verify; with `full`, also a rerun that applies
/// nothing and a status that is up to date.
fn install(dir: &Path, target: &[&str], count: usize, full: bool, what: &str) {
    let (code, out, err) = isdb(dir, "migrate", target, &[]);
    assert_eq!(code, 0, "{what}: migrate: {out}\n{err}");
    assert!(out.contains("applied"), "{what}: {out}");
    assert_verifies_clean(dir, target, count, what);
    if full {
        let (code, out, err) = isdb(dir, "migrate", target, &[]);
        assert_eq!(code, 0, "{what}: second migrate: {out}\n{err}");
        assert!(
            out.contains("already up to date; nothing applied"),
            "{what}: the second run must be a no-op: {out}"
        );
        let newest = Catalog::builtin().unwrap().newest().unwrap().to_string();
        assert_up_to_date(dir, target, &newest, what);
    }
}

/// Merged (the URL names the database) and split (the URL names the server)
/// fresh installs on `s`.
async fn fresh_installs(s: &MatrixServer, full: bool) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(&format!("pgm{}", s.major()));
    let merged = s.server.db_url(&format!("{prefix}merged"));
    let what = format!("PostgreSQL {} merged", s.version);
    install(dir.path(), &["--url", &merged], 1, full, &what);
    let split = [
        "--layout",
        "split",
        "--url",
        &s.server.url,
        "--db-prefix",
        &prefix,
    ];
    let what = format!("PostgreSQL {} split", s.version);
    install(dir.path(), &split, 8, full, &what);
    drop_databases(&s.server, &prefix).await;
}

/// Merged database `db`, built by hand, is recognised as 5.3.0: verify is
/// clean before and after, baseline records all five groups without running
/// DDL, and migrate then has nothing to do.
fn baselines_as_5_3_0(s: &MatrixServer, dir: &Path, db: &str, what: &str) {
    let url = s.server.db_url(db);
    let target = ["--url", url.as_str()];
    assert_verifies_clean(dir, &target, 1, what);
    let (code, out, err) = isdb(dir, "status", &target, &[]);
    assert_eq!(
        code, 1,
        "{what}: before the baseline all is pending: {out}{err}"
    );
    let (code, out, err) = isdb(dir, "baseline", &target, &[]);
    assert_eq!(code, 0, "{what}: baseline: {out}{err}");
    assert_eq!(
        out.matches("as applied (no DDL run)").count(),
        5,
        "{what}: every group is recorded: {out}"
    );
    assert_up_to_date(dir, &target, "5.3.0", what);
    let (code, out, err) = isdb(dir, "migrate", &target, &[]);
    assert_eq!(code, 0, "{what}: {out}{err}");
    assert!(
        out.contains("already up to date; nothing applied"),
        "{what}: {out}"
    );
    assert_verifies_clean(dir, &target, 1, what);
}

/// `isdb render`'s merged PostgreSQL script (the official scripts as isdb
/// reproduces them) run with psql, then baselined.
async fn rendered_scripts_baseline(s: &MatrixServer) {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run_isdb(
        dir.path(),
        // WSO2's own scripts carry no isdb history: adopting them is the point.
        &[
            "render",
            "--dialect",
            "postgres",
            "--no-history",
            "--is-version",
            "5.3.0",
            "--out",
            "scripts",
        ],
        &[],
    );
    assert_eq!(code, 0, "{out}{err}");
    let prefix = common::unique_prefix(&format!("pgmbl{}", s.major()));
    let what = format!(
        "PostgreSQL {} built by the rendered 5.3.0 scripts",
        s.version
    );
    let db = format!("{prefix}wso2is");
    s.server.create_database(&db).await;
    s.server
        .run_script(&db, &dir.path().join("scripts/sql/wso2is.sql"));
    baselines_as_5_3_0(s, dir.path(), &db, &what);
    drop_databases(&s.server, &prefix).await;
}

/// A merged database installed at 5.3.0 and upgraded to the newest
/// release equals a fresh install of it (issue 12 on the oldest and newest
/// majors: concurrent index builds, lock waits and the data steps' SQL).
async fn upgrades_from_5_3_0(s: &MatrixServer) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(&format!("pgmup{}", s.major()));
    let url = s.server.db_url(&format!("{prefix}wso2is"));
    let target = ["--url", url.as_str()];
    let what = format!("PostgreSQL {} upgrade 5.3.0 -> newest", s.version);
    let (code, out, err) = isdb(dir.path(), "migrate", &target, &["--is-version", "5.3.0"]);
    assert_eq!(code, 0, "{what}: {out}{err}");
    let newest = Catalog::builtin().unwrap().newest().unwrap().to_string();
    let (code, out, err) = isdb(dir.path(), "migrate", &target, &["--is-version", &newest]);
    assert_eq!(code, 0, "{what}: {out}{err}");
    assert_verifies_clean(dir.path(), &target, 1, &what);
    assert_up_to_date(dir.path(), &target, &newest, &what);
    drop_databases(&s.server, &prefix).await;
}

async fn full_scenario(s: &MatrixServer) {
    fresh_installs(s, true).await;
    rendered_scripts_baseline(s).await;
    upgrades_from_5_3_0(s).await;
}

async fn install_and_verify(s: &MatrixServer) {
    fresh_installs(s, false).await;
}

/// One ignored test per (major, scenario).
macro_rules! matrix_tests {
    ($($name:ident: $major:literal => $scenario:ident;)*) => {$(
        #[tokio::test]
        #[ignore = "needs ISDB_TEST_POSTGRES_URLS (.ci/postgres-matrix start)"]
        async fn $name() {
            $scenario(&server($major).await).await;
        }
    )*};
}

matrix_tests! {
    postgres_10_installs_verifies_reruns_and_baselines: 10 => full_scenario;
    postgres_11_installs_and_verifies: 11 => install_and_verify;
    postgres_12_installs_and_verifies: 12 => install_and_verify;
    postgres_13_installs_and_verifies: 13 => install_and_verify;
    postgres_14_installs_and_verifies: 14 => install_and_verify;
    postgres_15_installs_and_verifies: 15 => install_and_verify;
    postgres_16_installs_and_verifies: 16 => install_and_verify;
    postgres_17_installs_and_verifies: 17 => install_and_verify;
    postgres_18_installs_verifies_reruns_and_baselines: 18 => full_scenario;
    postgres_10_abstime_database_is_5_3_0: 10 => abstime_database_is_5_3_0;
    postgres_11_abstime_database_is_5_3_0: 11 => abstime_database_is_5_3_0;
}

/// The `(table, column)` pairs whose official PostgreSQL type WSO2's 5.3.0 BPS
/// script gives as ABSTIME, from the deviations `tests/fidelity.rs` holds
/// against the official schema facts.
fn official_abstime_columns() -> Vec<(String, String)> {
    #[derive(serde::Deserialize)]
    struct Deviations {
        deviation: Vec<Deviation>,
    }
    #[derive(serde::Deserialize)]
    struct Deviation {
        group: String,
        dialect: String,
        difference: String,
    }
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/DEVIATIONS.toml"),
    )
    .unwrap();
    let listed: Deviations = toml::from_str(&text).unwrap();
    listed
        .deviation
        .iter()
        .filter(|d| d.group == "bps" && d.dialect == "postgres")
        .filter_map(|d| {
            d.difference
                .strip_suffix(": type TIMESTAMP, official ABSTIME")
        })
        .filter_map(|c| c.split_once('.'))
        .map(|(t, c)| (t.to_string(), c.to_string()))
        .collect()
}

/// The merged 5.3.0 script as WSO2's own scripts build it on PostgreSQL 10
/// and 11: isdb's rendering with ABSTIME where the official BPS script has it.
fn official_script_with_abstime(path: &Path) {
    let d = dialect::by_name("postgres").unwrap();
    let catalog = Catalog::builtin().unwrap();
    let abstime = official_abstime_columns();
    assert!(
        !abstime.is_empty(),
        "DEVIATIONS.toml lists the BPS ABSTIME columns"
    );
    let layout = Layout::new(LayoutKind::Merged, 2, "").unwrap();
    let mut text = String::new();
    let mut changed = 0;
    let five_three = catalog.release("5.3.0").unwrap();
    for g in layout.databases[0].groups() {
        let Some(m) = catalog.snapshot(g, &five_three) else {
            continue;
        };
        let mut schema = m.schema(d);
        if g == TableGroup::Bps {
            for t in &mut schema.tables {
                for c in &mut t.columns {
                    if abstime.contains(&(t.name.clone(), c.name.clone())) {
                        c.native = Some("ABSTIME".into());
                        changed += 1;
                    }
                }
            }
        }
        let stmts = render::statements(d, &schema, RenderOptions::default());
        text.push_str(
            &Script {
                dialect: d,
                header: vec![],
                statements: &stmts,
            }
            .to_string(),
        );
    }
    assert_eq!(
        changed,
        abstime.len(),
        "every listed column is in the model"
    );
    std::fs::write(path, text).unwrap();
}

/// The columns of `db` whose type is `abstime`.
async fn abstime_columns(server: &Server, db: &str) -> Vec<(String, String)> {
    let mut c = sqlx::PgConnection::connect(&server.db_url(db))
        .await
        .unwrap();
    let cols: Vec<(String, String)> = sqlx::query_as(
        "SELECT upper(table_name::text), upper(column_name::text) FROM information_schema.columns
          WHERE table_schema = current_schema() AND data_type = 'abstime'
          ORDER BY 1, 2",
    )
    .fetch_all(&mut c)
    .await
    .unwrap();
    let _ = c.close().await;
    cols
}

/// On 10 and 11 WSO2's BPS script creates ABSTIME columns: such a database is
/// 5.3.0, not drift.
async fn abstime_database_is_5_3_0(s: &MatrixServer) {
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("official-with-abstime.sql");
    official_script_with_abstime(&script);
    let mut expected = official_abstime_columns();
    expected.sort();
    let prefix = common::unique_prefix(&format!("pgmabs{}", s.major()));
    let db = format!("{prefix}wso2is");
    let what = format!("PostgreSQL {} built with ABSTIME columns", s.version);
    s.server.create_database(&db).await;
    s.server.run_script(&db, &script);
    assert_eq!(abstime_columns(&s.server, &db).await, expected, "{what}");
    baselines_as_5_3_0(s, dir.path(), &db, &what);
    assert_eq!(
        abstime_columns(&s.server, &db).await,
        expected,
        "{what}: baseline changed nothing"
    );
    drop_databases(&s.server, &prefix).await;
}

/// From 12 on, the official BPS script fails on ABSTIME (which is why isdb
/// renders TIMESTAMP), on every server of the matrix.
#[tokio::test]
#[ignore = "needs ISDB_TEST_POSTGRES_URLS (.ci/postgres-matrix start)"]
async fn official_abstime_script_fails_from_postgres_12_on() {
    let servers: Vec<MatrixServer> = matrix()
        .await
        .into_iter()
        .filter(|s| s.major() >= 12)
        .collect();
    assert!(
        !servers.is_empty(),
        "the matrix has no PostgreSQL 12 or later"
    );
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("official-with-abstime.sql");
    official_script_with_abstime(&script);
    for s in &servers {
        let prefix = common::unique_prefix(&format!("pgmabs{}", s.major()));
        let db = format!("{prefix}wso2is");
        s.server.create_database(&db).await;
        let out = std::process::Command::new("psql")
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
            .arg(s.server.db_url(&db))
            .arg("-f")
            .arg(&script)
            .output()
            .expect("psql runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains("type \"abstime\" does not exist"),
            "PostgreSQL {}: the official BPS script must fail on ABSTIME: {stderr}",
            s.version
        );
        drop_databases(&s.server, &prefix).await;
    }
}
