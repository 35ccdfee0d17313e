//! `isdb migrate` and `isdb status` against real servers, run as the operator
//! runs them: the binary, in a process of its own.

#[macro_use]
mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{Server, run_expect, run_isdb};
use isdb::dialect::Dialect;
use isdb::layout::PhysicalDb;
use isdb::migrate::{Backend, DbConnection, TargetArgs, resolve};
use isdb::model::Schema;
use isdb::model::catalog::Catalog;
use sqlx::{Connection, Row};

fn expected_schema(d: &dyn Dialect, db: &PhysicalDb) -> Schema {
    Catalog::builtin().unwrap().expected_schema(d, db, None)
}

/// The version the history records for `group` after a fresh install of the
/// newest release: the group's snapshot standing then.
fn newest_snapshot(group: isdb::layout::TableGroup) -> String {
    let c = Catalog::builtin().unwrap();
    c.snapshot(group, c.newest().unwrap())
        .unwrap()
        .version
        .to_string()
}

/// (group, version, success, done == total) rows of a database's history.
type History = Vec<(String, String, i64, bool)>;

async fn inspect_and_history(conn: &DbConnection, url: &str) -> (Schema, History) {
    const Q: &str = "SELECT TABLE_GROUP, VERSION, SUCCESS, STATEMENTS_DONE, STATEMENTS_TOTAL FROM ISDB_SCHEMA_HISTORY ORDER BY TABLE_GROUP, VERSION";
    fn rows<R: Row>(rs: Vec<R>) -> History
    where
        for<'r> String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        for<'r> i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
        usize: sqlx::ColumnIndex<R>,
    {
        rs.iter()
            .map(|r| {
                (
                    r.get(0),
                    r.get(1),
                    r.get(2),
                    r.get::<i64, _>(3) == r.get::<i64, _>(4),
                )
            })
            .collect()
    }
    match conn.backend {
        Backend::Postgres => {
            let mut c = sqlx::PgConnection::connect(url).await.unwrap();
            let s = isdb::inspect::postgres::inspect(&mut c).await.unwrap();
            let h = rows(sqlx::query(Q).fetch_all(&mut c).await.unwrap());
            (s, h)
        }
        Backend::MySql => {
            let mut c = sqlx::MySqlConnection::connect(url).await.unwrap();
            let s = isdb::inspect::mysql::inspect(&mut c).await.unwrap();
            let h = rows(sqlx::query(Q).fetch_all(&mut c).await.unwrap());
            (s, h)
        }
        Backend::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
            let s = isdb::inspect::sqlite::inspect(&mut c).await.unwrap();
            let h = rows(sqlx::query(Q).fetch_all(&mut c).await.unwrap());
            (s, h)
        }
    }
}

fn db_url(server: Option<&Server>, dir: &Path, conn: &DbConnection) -> String {
    match server {
        Some(s) => s.db_url(&conn.db.name),
        None => format!(
            "sqlite://{}",
            dir.join(conn.sqlite_path.as_ref().unwrap()).display()
        ),
    }
}

/// Every database of the deployment holds exactly the model of its groups,
/// and each of its migrations is recorded once, complete.
async fn assert_migrated(server: Option<&Server>, dir: &Path, args: &[&str]) {
    let newest = Catalog::builtin().unwrap().newest().unwrap().to_string();
    assert_migrated_at(server, dir, args, &newest).await;
}

/// Every database of `args` holds exactly IS `release` and its history one
/// complete row per group, at the group's snapshot of that release.
async fn assert_migrated_at(server: Option<&Server>, dir: &Path, args: &[&str], release: &str) {
    let catalog = Catalog::builtin().unwrap();
    let release = catalog.release(release).unwrap();
    let targs = target_args(args);
    let deployment = resolve(&targs, &|_| None).unwrap();
    let d = deployment.backend.dialect();
    for conn in &deployment.databases {
        let (actual, history) = inspect_and_history(conn, &db_url(server, dir, conn)).await;
        let expected = catalog.expected_schema(d, &conn.db, Some(&release));
        let diffs = isdb::diff::diff(d, &expected, &actual);
        assert!(
            diffs.is_empty(),
            "{}: {}",
            conn.db.name,
            diffs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
        let want: History = {
            let mut v: History = conn
                .db
                .groups()
                .iter()
                .filter_map(|g| catalog.snapshot(*g, &release))
                .map(|m| (m.group.name().to_string(), m.version.to_string(), 1, true))
                .collect();
            v.sort();
            v
        };
        assert_eq!(history, want, "{}: history", conn.db.name);
    }
}

fn target_args(args: &[&str]) -> TargetArgs {
    let mut t = TargetArgs::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match *a {
            "--url" => t.url = it.next().map(|s| s.to_string()),
            "--layout" => t.layout = it.next().map(|s| s.parse().unwrap()),
            "--db-prefix" => t.db_prefix = it.next().map(|s| s.to_string()),
            _ => {}
        }
    }
    t
}

async fn migrate_rerun_and_status(server: Option<&Server>, dir: &Path, target: &[&str]) {
    let mut args = vec!["migrate"];
    args.extend_from_slice(target);
    let (code, out, err) = run_isdb(dir, &args, &[]);
    assert_eq!(code, 0, "first run: {out}\n{err}");
    assert!(out.contains("applied"), "{out}");
    assert_migrated(server, dir, target).await;

    let (code, out, err) = run_isdb(dir, &args, &[]);
    assert_eq!(code, 0, "second run: {out}\n{err}");
    assert!(
        out.contains("already up to date; nothing applied"),
        "second run must be a no-op: {out}"
    );
    assert_migrated(server, dir, target).await;

    let mut status = vec!["status", "--format", "json"];
    status.extend_from_slice(target);
    let (code, out, err) = run_isdb(dir, &status, &[]);
    assert_eq!(code, 0, "status: {out}\n{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    for db in json["databases"].as_array().unwrap() {
        assert_eq!(db["reachable"], true);
        assert_eq!(db["release"], "5.11.0");
        for g in db["groups"].as_array().unwrap() {
            assert_eq!(g["pending"].as_array().unwrap().len(), 0);
            let group: isdb::layout::TableGroup = g["group"].as_str().unwrap().parse().unwrap();
            assert_eq!(g["applied"][0], newest_snapshot(group).as_str());
        }
    }
}

#[tokio::test]
async fn sqlite_embedded_default_and_split() {
    let dir = tempfile::tempdir().unwrap();
    migrate_rerun_and_status(None, dir.path(), &[]).await;
    assert!(dir.path().join("isdb-data/wso2is.db").is_file());
    migrate_rerun_and_status(
        None,
        dir.path(),
        &["--layout", "split", "--url", "sqlite:split"],
    )
    .await;
    assert!(dir.path().join("split/registry_local2.db").is_file());
}

/// Merged (the URL names the database) then split (the URL names the server).
async fn merged_and_split(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let merged_url = server.db_url(&format!("{prefix}merged"));
    migrate_rerun_and_status(Some(server), dir.path(), &["--url", &merged_url]).await;
    if !server.is_postgres() {
        let mut c = sqlx::MySqlConnection::connect(&server.url).await.unwrap();
        let charset: String = sqlx::query_scalar(
            "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
        )
        .bind(format!("{prefix}merged"))
        .fetch_one(&mut c)
        .await
        .unwrap();
        assert_eq!(
            charset, "latin1",
            "MySQL databases are created with WSO2's supported charset"
        );
    }
    let split = [
        "--layout",
        "split",
        "--url",
        &server.url,
        "--db-prefix",
        &prefix,
    ];
    migrate_rerun_and_status(Some(server), dir.path(), &split).await;
    common::drop_databases(server, &prefix).await;
}

#[tokio::test]
async fn postgres_merged_and_split() {
    let Some(server) = common::postgres("postgres_merged_and_split").await else {
        return;
    };
    merged_and_split(&server, "pgmig").await;
}

#[tokio::test]
async fn mysql_merged_and_split() {
    let Some(server) = common::mysql("mysql_merged_and_split").await else {
        return;
    };
    merged_and_split(&server, "mymig").await;
}

/// Four runners start at once on fresh databases, as cluster nodes do at boot.
async fn concurrent_runners(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let args = [
        "migrate",
        "--layout",
        "split",
        "--url",
        &server.url,
        "--db-prefix",
        &prefix,
    ];
    let children: Vec<_> = (0..4)
        .map(|_| {
            std::process::Command::new(common::isdb())
                .args(args)
                .env("ISDB_PASSWORD", "")
                .current_dir(dir.path())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut applied_total = 0;
    for c in children {
        let out = c.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        applied_total += String::from_utf8_lossy(&out.stderr)
            .matches(": applied ")
            .count();
    }
    let targs = target_args(&args[1..]);
    let groups: usize = resolve(&targs, &|_| None)
        .unwrap()
        .databases
        .iter()
        .map(|c| c.db.groups().len())
        .sum();
    assert_eq!(
        applied_total, groups,
        "each group of each of the 8 databases is applied by exactly one runner"
    );
    assert_migrated(Some(server), dir.path(), &args[1..]).await;
    common::drop_databases(server, &prefix).await;
}

#[tokio::test]
async fn four_concurrent_runners_on_postgres() {
    let Some(server) = common::postgres("four_concurrent_runners_on_postgres").await else {
        return;
    };
    concurrent_runners(&server, "pgconc").await;
}

#[tokio::test]
async fn four_concurrent_runners_on_mysql() {
    let Some(server) = common::mysql("four_concurrent_runners_on_mysql").await else {
        return;
    };
    concurrent_runners(&server, "myconc").await;
}

/// SIGKILL `isdb migrate` once the history shows `threshold` statements of
/// `group` done, then let the next run finish the job.
#[tokio::test]
async fn a_killed_run_on_mysql_is_finished_by_the_next() {
    let Some(server) = common::mysql("a_killed_run_on_mysql_is_finished_by_the_next").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for (group, threshold) in [
        ("registry", 1),
        ("user-management", 10),
        ("identity", 30),
        ("bps", 20),
    ] {
        let prefix = common::unique_prefix("mykill");
        let db = format!("{prefix}merged");
        let url = server.db_url(&db);
        // 5.3.0: a fresh install's kill and resume are the same at every
        // release (tests/upgrade.rs kills upgrades), and it is the quickest.
        let mut child = common::spawn_isdb(
            dir.path(),
            &["migrate", "--url", &url, "--is-version", "5.3.0"],
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        let mut killed_at = None;
        while Instant::now() < deadline {
            if let Ok(mut c) = sqlx::MySqlConnection::connect(&url).await {
                let done: Option<i64> = sqlx::query_scalar(
                    "SELECT STATEMENTS_DONE FROM ISDB_SCHEMA_HISTORY WHERE TABLE_GROUP = ? AND SUCCESS = 0",
                )
                .bind(group)
                .fetch_optional(&mut c)
                .await
                .unwrap_or(None);
                let _ = c.close().await;
                if done.is_some_and(|d| d >= threshold) {
                    child.kill().unwrap();
                    killed_at = done;
                    break;
                }
            }
            if child.try_wait().unwrap().is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let _ = child.wait();
        let Some(done) = killed_at else {
            panic!(
                "the run finished before {group} reached statement {threshold}; the kill point was missed"
            );
        };
        let (code, out, err) = run_isdb(dir.path(), &["status", "--url", &url], &[]);
        assert_eq!(
            code, 1,
            "status after the kill at {group}:{done} must show work left: {out}{err}"
        );
        assert!(out.contains("half-applied"), "{out}");
        let (code, out, err) = run_isdb(dir.path(), &["migrate", "--url", &url], &[]);
        assert_eq!(
            code, 0,
            "resume after the kill at {group}:{done}: {out}\n{err}"
        );
        assert!(
            err.contains(&format!("resumed and applied {group} 5.3.0")),
            "{err}"
        );
        assert_migrated_at(Some(&server), dir.path(), &["--url", &url], "5.3.0").await;
        common::drop_databases(&server, &prefix).await;
    }
}

#[tokio::test]
async fn bad_input_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A server that accepts connections and never answers: the connect timeout must fire.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let silent = format!("postgres://postgres@127.0.0.1:{port}/x");
    let started = Instant::now();
    let (code, _, err) = run_isdb(
        dir.path(),
        &["migrate", "--url", &silent, "--connect-timeout", "2"],
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no answer within 2s"), "{err}");
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    drop(listener);

    if let Some(server) = common::mysql("bad_input_changes_nothing (wrong password)").await {
        let prefix = common::unique_prefix("mybad");
        let url = server.db_url(&format!("{prefix}x"));
        let (code, _, err) = run_isdb(
            dir.path(),
            &["migrate", "--url", &url],
            &[("ISDB_PASSWORD", "wrong-pa$$")],
        );
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("Access denied"), "{err}");
        assert!(
            !err.contains("wrong-pa$$"),
            "the password must not be echoed: {err}"
        );
        let mut c = sqlx::MySqlConnection::connect(&server.url).await.unwrap();
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?",
        )
        .bind(format!("{prefix}%"))
        .fetch_one(&mut c)
        .await
        .unwrap();
        assert_eq!(n, 0, "nothing may be created");
    }
    if let Some(server) = common::postgres("bad_input_changes_nothing (bad prefix)").await {
        // Upper case too: PostgreSQL would fold it, so it is refused before anything is created.
        let upper = common::unique_prefix("pgupper");
        for (prefix, want) in [
            (
                "x\"; DROP DATABASE postgres; --",
                "is not a plain identifier",
            ),
            (upper.to_uppercase().as_str(), "has upper-case letters"),
        ] {
            let split = [
                "--layout",
                "split",
                "--url",
                &server.url,
                "--db-prefix",
                prefix,
            ];
            let (code, _, err) = common::run_with(dir.path(), &["migrate"], &split);
            assert_eq!(code, 2, "{err}");
            assert!(err.contains(want), "{err}");
        }
        let n = server
            .query_i64(
                "postgres",
                &format!(
                    "SELECT COUNT(*) FROM pg_database WHERE lower(datname) LIKE '{}%'",
                    upper.replace('_', "\\_")
                ),
            )
            .await;
        assert_eq!(n, 0, "nothing may be created");
    }
    assert!(
        !dir.path().join("isdb-data").exists(),
        "no embedded database may appear"
    );
}

#[tokio::test]
async fn emit_config_writes_the_configuration_of_the_migrated_layout() {
    let dir = tempfile::tempdir().unwrap();
    // SQLite is not a database WSO2 IS can use: refused before anything is migrated.
    let (code, _, err) = run_isdb(dir.path(), &["migrate", "--emit-config", "conf"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no JDBC datasource support"), "{err}");
    assert!(!dir.path().join("isdb-data").exists() && !dir.path().join("conf").exists());

    let Some(server) =
        common::postgres("emit_config_writes_the_configuration_of_the_migrated_layout").await
    else {
        return;
    };
    let prefix = common::unique_prefix("pgemit");
    let (code, out, err) = run_isdb(
        dir.path(),
        &[
            "migrate",
            "--layout",
            "split",
            "--url",
            &server.url,
            "--db-prefix",
            &prefix,
            "--emit-config",
            "conf",
            "--is-version",
            "5.3.0",
        ],
        &[("ISDB_PASSWORD", "s3cret&<pw")],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    for node in [1, 2] {
        let master = std::fs::read_to_string(dir.path().join(format!(
            "conf/node{node}/repository/conf/datasources/master-datasources.xml"
        )))
        .unwrap();
        assert!(
            master.contains(&format!("/{prefix}registry_local{node}")),
            "node {node} uses its own local registry"
        );
        assert!(master.contains(&format!("/{prefix}identity_db")));
        assert!(
            !master.contains("s3cret"),
            "no plaintext password by default"
        );
    }
    let cipher = std::fs::read_to_string(
        dir.path()
            .join("conf/fragments/node1/repository/conf/security/cipher-text.properties"),
    )
    .unwrap();
    assert!(
        cipher.contains("s3cret&<pw"),
        "the password goes to cipher-text.properties for ciphertool"
    );
    common::drop_databases(&server, &prefix).await;
}

#[tokio::test]
async fn dry_run_prints_the_sql_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run_isdb(dir.path(), &["migrate", "--dry-run"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("CREATE TABLE UM_TENANT ("), "{out}");
    assert!(out.contains("isdb would create it"), "{out}");
    assert!(
        !dir.path().join("isdb-data").exists(),
        "a dry run creates nothing"
    );

    let Some(server) = common::mysql("dry_run_prints_the_sql_and_changes_nothing").await else {
        return;
    };
    let prefix = common::unique_prefix("mydry");
    let url = server.db_url(&format!("{prefix}m"));
    let pw = [("ISDB_PASSWORD", "")];
    let (code, out, err) = run_isdb(
        dir.path(),
        &["-vv", "migrate", "--url", &url, "--dry-run"],
        &pw,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!(
            "CREATE DATABASE IF NOT EXISTS `{prefix}m` CHARACTER SET latin1"
        )),
        "{out}"
    );
    let mut c = sqlx::MySqlConnection::connect(&server.url).await.unwrap();
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
    )
    .bind(format!("{prefix}m"))
    .fetch_one(&mut c)
    .await
    .unwrap();
    assert_eq!(n, 0, "a dry run creates no database");
    // After a real run the dry run has nothing left to show.
    assert_eq!(run_isdb(dir.path(), &["migrate", "--url", &url], &[]).0, 0);
    let (code, out, _) = run_isdb(dir.path(), &["migrate", "--url", &url, "--dry-run"], &[]);
    assert_eq!(code, 0);
    assert!(
        out.contains("up to date, nothing would run") && !out.contains("CREATE TABLE"),
        "{out}"
    );
    common::drop_databases(&server, &prefix).await;
}

#[tokio::test]
async fn a_changed_applied_migration_stops_the_run() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(run_isdb(dir.path(), &["migrate"], &[]).0, 0);
    let db = dir.path().join("isdb-data/wso2is.db");
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    sqlx::query(
        "UPDATE ISDB_SCHEMA_HISTORY SET CHECKSUM = 'feedface' WHERE TABLE_GROUP = 'identity'",
    )
    .execute(&mut c)
    .await
    .unwrap();
    let _ = c.close().await;
    let catalog = Catalog::builtin().unwrap();
    let current = &catalog
        .snapshot(
            isdb::layout::TableGroup::Identity,
            catalog.newest().unwrap(),
        )
        .unwrap()
        .checksum;
    let (code, out, err) = run_isdb(dir.path(), &["migrate"], &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("migration identity 5.11.0 was applied with checksum feedface")
            && err.contains(&format!("now has checksum {current}")),
        "{err}"
    );
}

#[tokio::test]
async fn a_held_lock_makes_the_second_runner_wait_then_give_up_clearly() {
    let Some(server) = common::postgres("a_held_lock_makes_the_second_runner_wait").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix("pglock");
    let db = format!("{prefix}m");
    let url = server.db_url(&db);
    assert_eq!(run_isdb(dir.path(), &["migrate", "--url", &url], &[]).0, 0);
    // Another runner holds the lock, on its own session.
    let mut holder = sqlx::PgConnection::connect(&url).await.unwrap();
    let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock(hashtext($1))")
        .bind(format!("isdb:{db}"))
        .fetch_one(&mut holder)
        .await
        .unwrap();
    assert!(got);
    let started = Instant::now();
    let (code, _, err) = run_isdb(
        dir.path(),
        &["migrate", "--url", &url, "--lock-timeout", "1"],
        &[],
    );
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("another isdb run holds the migration lock; gave up after 1s"),
        "{err}"
    );
    assert!(started.elapsed() >= Duration::from_secs(1));
    // Once released, the next run gets the lock and finds nothing to do.
    let _ = holder.close().await;
    let (code, out, err) = run_isdb(
        dir.path(),
        &["migrate", "--url", &url, "--lock-timeout", "5"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("already up to date"), "{out}");
    common::drop_databases(&server, &prefix).await;
}

/// `--dry-run` starts with a summary per database, and its output runs as it
/// is in the engine's client, leaving the databases as `migrate` would.
async fn dry_run_runs_as_it_is(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let target = [
        "--layout",
        "split",
        "--url",
        &server.url,
        "--db-prefix",
        &prefix,
    ];
    // PostgreSQL here trusts local connections, so a password changes nothing but must not show.
    let pw: &[(&str, &str)] = if server.is_postgres() {
        &[("ISDB_PASSWORD", "dry-s3cret")]
    } else {
        &[]
    };
    let args = [&["migrate", "--dry-run"][..], &target].concat();
    let (code, out, err) = run_isdb(dir.path(), &args, pw);
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("dry-s3cret") && !err.contains("dry-s3cret"));
    let last_summary = out
        .find(&format!("--   {prefix}registry_local2 ("))
        .expect("a summary line per database");
    let first_sql = out.find("CREATE ").expect("SQL");
    assert!(last_summary < first_sql, "the summary comes first:\n{out}");
    let identity_tables = {
        let targs = target_args(&target);
        let deployment = resolve(&targs, &|_| None).unwrap();
        let conn = deployment
            .databases
            .iter()
            .find(|c| c.db.name.ends_with("identity_db"))
            .unwrap();
        expected_schema(deployment.backend.dialect(), &conn.db)
            .tables
            .len()
    };
    assert!(
        out.contains(&format!("--   {prefix}identity_db ("))
            && out.contains(&format!("{identity_tables} table(s) to create")),
        "{}",
        &out[..first_sql]
    );
    let plan = dir.path().join("plan.sql");
    std::fs::write(&plan, &out).unwrap();
    server.run_script(if server.is_postgres() { "postgres" } else { "" }, &plan);

    common::assert_up_to_date(dir.path(), &target);
    common::drop_databases(server, &prefix).await;
}

#[tokio::test]
async fn postgres_dry_run_runs_as_it_is_in_psql() {
    let Some(server) = common::postgres("postgres_dry_run_runs_as_it_is_in_psql").await else {
        return;
    };
    dry_run_runs_as_it_is(&server, "pgdryrun").await;
}

#[tokio::test]
async fn mysql_dry_run_runs_as_it_is_in_the_mariadb_client() {
    let Some(server) = common::mysql("mysql_dry_run_runs_as_it_is_in_the_mariadb_client").await
    else {
        return;
    };
    dry_run_runs_as_it_is(&server, "mydryrun").await;
}

/// The SQLite dry run runs in the sqlite3 shell.
#[test]
fn sqlite_dry_run_runs_as_it_is_in_sqlite3() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run_isdb(dir.path(), &["migrate", "--dry-run"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("-- isdb migrate --dry-run"), "{out}");
    std::fs::create_dir(dir.path().join("isdb-data")).unwrap();
    common::sqlite3(dir.path(), ":memory:", &[], &out);
    common::assert_up_to_date(dir.path(), &[]);
}

/// A run that fails drops the databases it created (nothing was applied in
/// them) and keeps the one that was there before. The failure is real: a user
/// allowed to create and drop databases but not to write rows.
#[tokio::test]
async fn a_failed_run_drops_the_databases_it_created() {
    let Some(server) = common::mysql("a_failed_run_drops_the_databases_it_created").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix("myfail");
    let user = format!("{prefix}u");
    server
        .exec(
            "",
            &format!(
                "CREATE USER '{user}'@'%'; GRANT CREATE, DROP, SELECT ON `{}%`.* TO '{user}'@'%'",
                prefix.replace('_', "\\_")
            ),
        )
        .await;
    let existing = format!("{prefix}identity_db");
    server.create_database(&existing).await;
    let mut url = url::Url::parse(&server.url).unwrap();
    url.set_username(&user).unwrap();
    let (code, out, err) = run_isdb(
        dir.path(),
        &[
            "migrate",
            "--layout",
            "split",
            "--url",
            url.as_str(),
            "--db-prefix",
            &prefix,
        ],
        &[],
    );
    server.exec("", &format!("DROP USER '{user}'@'%'")).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("command denied"), "{err}");
    assert!(
        err.contains(&format!(
            "{prefix}bps_db: dropped the database this run created"
        )),
        "{err}"
    );
    let mut c = sqlx::MySqlConnection::connect(&server.url).await.unwrap();
    let left: Vec<String> = sqlx::query_scalar(
        "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ? ORDER BY 1",
    )
    .bind(format!("{}%", prefix.replace('_', "\\_")))
    .fetch_all(&mut c)
    .await
    .unwrap();
    assert_eq!(
        left,
        [existing],
        "only the database that was there before stays"
    );
    common::drop_databases(&server, &prefix).await;
}

/// `-v` shows the database being created and each statement as it starts,
/// and says each applied migration once.
#[test]
fn verbose_shows_created_databases_and_each_statement() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run_isdb(dir.path(), &["-v", "migrate"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("wso2is: creating the database"), "{err}");
    assert!(
        err.contains("wso2is: [1/") && err.contains("] CREATE TABLE REG_CLUSTER_LOCK"),
        "{err}"
    );
    assert_eq!(err.matches("applied registry 5.10.0").count(), 1, "{err}");
}

/// A fresh install of every release, merged and split, equals that release's
/// model (`verify --strict --is-version X` clean) and records one history row
/// per group at the group's snapshot of X.
async fn every_release_installs_merged_and_split(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let catalog = Catalog::builtin().unwrap();
    for release in catalog.releases() {
        let x = release.to_string();
        let p = format!("{prefix}{}_", x.replace('.', "_"));
        let merged = server.db_url(&format!("{p}wso2is"));
        let split = ["--layout", "split", "--url", &server.url, "--db-prefix", &p];
        for target in [&["--url", merged.as_str()][..], &split[..]] {
            run_expect(dir.path(), &["migrate", "--is-version", &x], target, 0);
            let out = run_expect(
                dir.path(),
                &["verify", "--strict", "--is-version", &x, "--format", "json"],
                target,
                0,
            );
            let json: serde_json::Value = serde_json::from_str(&out).unwrap();
            for db in json["databases"].as_array().unwrap() {
                assert_eq!(
                    db["differences"].as_array().map(Vec::len),
                    Some(0),
                    "{x}: {db}"
                );
            }
            let deployment = resolve(&target_args(target), &|_| None).unwrap();
            for conn in &deployment.databases {
                let url = db_url(Some(server), dir.path(), conn);
                let (_, history) = inspect_and_history(conn, &url).await;
                let mut want: History = conn
                    .db
                    .groups()
                    .into_iter()
                    .filter_map(|g| catalog.snapshot(g, release))
                    .map(|m| (m.group.name().to_string(), m.version.to_string(), 1, true))
                    .collect();
                want.sort();
                assert_eq!(history, want, "{x}: {}", conn.db.name);
            }
        }
    }
    common::drop_databases(server, &prefix).await;
}

on_both!(
    postgres_every_release_installs_merged_and_split,
    mysql_every_release_installs_merged_and_split,
    every_release_installs_merged_and_split,
    "pgrel",
    "myrel"
);
