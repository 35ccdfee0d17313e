//! `isdb verify` and `isdb baseline` on databases built the way existing
//! installations were: WSO2's scripts (as `isdb render` reproduces them) run
//! with the vendor's client, then drifted by hand.

mod common;

use std::path::Path;

use common::{Server, run_isdb};
use isdb::dialect;
use isdb::layout::{Layout, LayoutKind, TableGroup};
use isdb::model::catalog::Catalog;
use isdb::render::{self, RenderOptions, Script};
use sqlx::Connection;

/// Writes the official IS 5.3.0 script of `groups` for the server's dialect.
fn script_of(server: &Server, groups: &[TableGroup], path: &Path) {
    let d = server.dialect();
    let catalog = Catalog::builtin().unwrap();
    let release = catalog.release("5.3.0").unwrap();
    let mut text = String::new();
    for g in groups {
        let Some(m) = catalog.snapshot(*g, &release) else {
            continue;
        };
        let stmts = render::statements(d, &m.schema(d), RenderOptions::default());
        text.push_str(
            &Script {
                dialect: d,
                header: vec![],
                statements: &stmts,
            }
            .to_string(),
        );
    }
    std::fs::write(path, text).unwrap();
}

/// Whether `db` has isdb's history table.
async fn has_history_table(server: &Server, db: &str) -> bool {
    let sql = if server.is_postgres() {
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_catalog = current_database() AND UPPER(table_name) = 'ISDB_SCHEMA_HISTORY'"
    } else {
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND UPPER(TABLE_NAME) = 'ISDB_SCHEMA_HISTORY'"
    };
    server.query_i64(db, sql).await > 0
}

/// A merged database built by hand baselines cleanly; migrate then runs nothing.
async fn merged_built_by_hand_baselines(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let db = format!("{prefix}wso2is");
    let url = server.db_url(&db);
    let d = if server.is_postgres() {
        "postgres"
    } else {
        "mysql"
    };
    let (code, _, err) = run_isdb(
        dir.path(),
        &["render", "--dialect", d, "--out", "scripts", "--no-history"],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    server.create_database(&db).await;
    server.run_script(&db, &dir.path().join("scripts/sql/wso2is.sql"));

    // migrate stops before any DDL and points at baseline.
    let (code, out, err) = run_isdb(dir.path(), &["migrate", "--url", &url], &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("but no isdb history") && err.contains("Run `isdb baseline`"),
        "{err}"
    );
    assert!(
        !has_history_table(server, &db).await,
        "migrate ran DDL (created the history table) before stopping"
    );

    let (code, out, err) = run_isdb(dir.path(), &["verify", "--url", &url], &[]);
    assert_eq!(
        code, 0,
        "a database built from the official scripts verifies clean: {out}{err}"
    );
    let (code, out, err) = run_isdb(dir.path(), &["status", "--url", &url], &[]);
    assert_eq!(
        code, 1,
        "before the baseline everything is pending: {out}{err}"
    );
    let (code, out, err) = run_isdb(dir.path(), &["baseline", "--url", &url], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.matches("as applied (no DDL run)").count(),
        TableGroup::ALL.len(),
        "{out}"
    );
    let (code, out, err) = run_isdb(dir.path(), &["migrate", "--url", &url], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("already up to date; nothing applied"), "{out}");
    let (code, out, _) = run_isdb(dir.path(), &["status", "--url", &url], &[]);
    assert_eq!(code, 0, "{out}");
    let (code, out, _) = run_isdb(dir.path(), &["baseline", "--url", &url], &[]);
    assert_eq!(code, 0, "a second baseline records nothing: {out}");
    assert!(out.contains("nothing to record"), "{out}");
    common::drop_databases(server, &prefix).await;
}

#[tokio::test]
async fn postgres_database_built_by_hand_baselines_cleanly() {
    let Some(server) = common::postgres("postgres_database_built_by_hand_baselines_cleanly").await
    else {
        return;
    };
    merged_built_by_hand_baselines(&server, "pgbl").await;
}

#[tokio::test]
async fn mysql_database_built_by_hand_baselines_cleanly() {
    let Some(server) = common::mysql("mysql_database_built_by_hand_baselines_cleanly").await else {
        return;
    };
    merged_built_by_hand_baselines(&server, "mybl").await;
}

/// The DBA hand-off: `isdb render`'s script, run with the vendor's client,
/// leaves the database as `isdb migrate` would: status up to date, migrate a
/// no-op, verify clean, and history rows equal to migrate's. Then, with every
/// row turned into a failed one (as a migrate that stopped on those tables
/// leaves it), `baseline` adopts the database again.
async fn rendered_script_is_recorded_like_migrate(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let rendered = format!("{prefix}r_wso2is");
    let migrated = format!("{prefix}m_wso2is");
    let d = server.dialect().name().to_string();
    let r_prefix = format!("{prefix}r_");
    let (code, _, err) = run_isdb(
        dir.path(),
        &[
            "render",
            "--dialect",
            &d,
            "--db-prefix",
            &r_prefix,
            "--out",
            "scripts",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    server.create_database(&rendered).await;
    server.run_script(
        &rendered,
        &dir.path().join(format!("scripts/sql/{rendered}.sql")),
    );
    let url = server.db_url(&rendered);
    common::assert_up_to_date(dir.path(), &["--url", &url]);

    let m_url = server.db_url(&migrated);
    let (code, out, err) = run_isdb(dir.path(), &["migrate", "--url", &m_url], &[]);
    assert_eq!(code, 0, "{out}{err}");
    let by_render = server.history_lines(&rendered).await;
    assert_eq!(by_render.len(), TableGroup::ALL.len(), "{by_render:?}");
    assert_eq!(
        by_render,
        server.history_lines(&migrated).await,
        "the script's history rows must equal migrate's"
    );

    server
        .exec(
            &rendered,
            "UPDATE ISDB_SCHEMA_HISTORY SET SUCCESS = 0, STATEMENTS_DONE = 1",
        )
        .await;
    common::assert_baseline_adopts(dir.path(), &["--url", &url], TableGroup::ALL.len());
    common::drop_databases(server, &prefix).await;
}

#[tokio::test]
async fn postgres_rendered_script_is_recorded_like_migrate() {
    let Some(server) = common::postgres("postgres_rendered_script_is_recorded_like_migrate").await
    else {
        return;
    };
    rendered_script_is_recorded_like_migrate(&server, "pgrend").await;
}

#[tokio::test]
async fn mysql_rendered_script_is_recorded_like_migrate() {
    let Some(server) = common::mysql("mysql_rendered_script_is_recorded_like_migrate").await else {
        return;
    };
    rendered_script_is_recorded_like_migrate(&server, "myrend").await;
}

/// The same hand-off on SQLite, with the `sqlite3` shell; and a script
/// without history makes migrate stop before any DDL, until baseline adopts it.
#[test]
fn sqlite_rendered_scripts_with_and_without_history() {
    let dir = tempfile::tempdir().unwrap();
    for (name, flag) in [("with", None), ("without", Some("--no-history"))] {
        let out = format!("{name}-scripts");
        let mut args = vec!["render", "--dialect", "sqlite", "--out", &out];
        args.extend(flag);
        let (code, _, err) = run_isdb(dir.path(), &args, &[]);
        assert_eq!(code, 0, "{err}");
        std::fs::create_dir_all(dir.path().join(name)).unwrap();
        common::sqlite3(
            dir.path(),
            &format!("{name}/wso2is.db"),
            &[&format!(".read {out}/sql/wso2is.sql")],
            "",
        );
    }
    common::assert_up_to_date(dir.path(), &["--url", "sqlite:with/wso2is.db"]);

    let without = ["--url", "sqlite:without/wso2is.db"];
    let (code, out, _) = common::run_with(dir.path(), &["status"], &without);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(": reachable") && out.contains("Run `isdb baseline`"),
        "status says what to do with a database built outside isdb: {out}"
    );
    for dry in [&["--dry-run"][..], &[]] {
        let (code, out, err) =
            common::run_with(dir.path(), &[&["migrate"][..], dry].concat(), &without);
        assert_eq!(code, 1, "{dry:?}: {out}{err}");
        assert!(err.contains("Run `isdb baseline`"), "{err}");
    }
    assert_eq!(
        common::sqlite3(
            dir.path(),
            "without/wso2is.db",
            &["SELECT COUNT(*) FROM sqlite_master WHERE name = 'ISDB_SCHEMA_HISTORY'"],
            ""
        ),
        "0",
        "nothing may be created before migrate stops"
    );
    common::assert_baseline_adopts(dir.path(), &without, TableGroup::ALL.len());
}

/// A split layout built the way WSO2's docs say: the whole carbon script
/// (registry and user management together) run into the user-store and
/// registry databases. The other group's tables are extra: not failing,
/// except with --strict.
async fn split_built_the_wso2_way(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let layout = Layout::new(LayoutKind::Split, 2, &prefix).unwrap();
    let carbon = dir.path().join("carbon.sql");
    script_of(
        server,
        &[TableGroup::Registry, TableGroup::UserManagement],
        &carbon,
    );
    for db in &layout.databases {
        server.create_database(&db.name).await;
        let groups = db.groups();
        if groups == [TableGroup::Registry] || groups == [TableGroup::UserManagement] {
            server.run_script(&db.name, &carbon);
        } else {
            let own = dir.path().join(format!("{}.sql", db.name));
            script_of(server, &groups, &own);
            server.run_script(&db.name, &own);
        }
    }
    let args = [
        "--layout",
        "split",
        "--url",
        &server.url,
        "--db-prefix",
        &prefix,
    ];
    let with = |cmd: &str, extra: &[&str]| {
        let mut v = vec![cmd.to_string()];
        v.extend(args.iter().map(|s| s.to_string()));
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |v: Vec<String>| {
        let refs: Vec<&str> = v.iter().map(String::as_str).collect();
        run_isdb(dir.path(), &refs, &[])
    };
    let (code, out, _) = run(with("verify", &["--strict"]));
    assert_eq!(code, 1, "--strict fails on the other group's tables: {out}");
    let (code, out, _) = run(with("baseline", &["--strict"]));
    assert_eq!(
        code, 1,
        "--strict baseline refuses the databases with extra tables: {out}"
    );
    assert_eq!(
        out.matches("as applied (no DDL run)").count(),
        3,
        "only identity, metrics and bps, which have no extra tables, are recorded: {out}"
    );
    let (code, out, _) = run(with("status", &[]));
    assert_eq!(
        code, 1,
        "the user-store and registry databases are still pending: {out}"
    );
    let (code, out, _) = run(with("verify", &[]));
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("UM_TENANT: table is not in the expected schema (extra)"),
        "{out}"
    );
    let (code, out, err) = run(with("baseline", &[]));
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(
        out.matches("as applied (no DDL run)").count(),
        5,
        "the other five now: {out}"
    );
    let (code, out, _) = run(with("migrate", &[]));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("already up to date"), "{out}");
    common::drop_databases(server, &prefix).await;
}

#[tokio::test]
async fn postgres_split_built_the_wso2_way_baselines_with_extra_tables() {
    let Some(server) = common::postgres("postgres_split_built_the_wso2_way").await else {
        return;
    };
    split_built_the_wso2_way(&server, "pgwso2").await;
}

#[tokio::test]
async fn mysql_split_built_the_wso2_way_baselines_with_extra_tables() {
    let Some(server) = common::mysql("mysql_split_built_the_wso2_way").await else {
        return;
    };
    split_built_the_wso2_way(&server, "mywso2").await;
}

/// Each kind of drift makes `verify` exit 1 with one precise line, and `baseline` refuse.
async fn drift_is_reported(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let pg = server.is_postgres();
    let mut cases: Vec<(&str, String, &str)> = vec![
        (
            "dropped column",
            "ALTER TABLE IDN_OAUTH2_SCOPE DROP COLUMN DESCRIPTION".into(),
            "IDN_OAUTH2_SCOPE.DESCRIPTION: column",
        ),
        (
            "widened varchar",
            if pg {
                "ALTER TABLE IDN_OAUTH_CONSUMER_APPS ALTER COLUMN APP_NAME TYPE VARCHAR(1000)"
                    .into()
            } else {
                "ALTER TABLE IDN_OAUTH_CONSUMER_APPS MODIFY APP_NAME VARCHAR(1000)".into()
            },
            "IDN_OAUTH_CONSUMER_APPS.APP_NAME",
        ),
        (
            "dropped index",
            if pg {
                "DROP INDEX IDX_TC".into()
            } else {
                "DROP INDEX IDX_TC ON IDN_OAUTH2_ACCESS_TOKEN".into()
            },
            "IDX_TC",
        ),
        (
            "missing table",
            "DROP TABLE IDN_BASE_TABLE".into(),
            "IDN_BASE_TABLE: table",
        ),
    ];
    cases.push((
        "foreign key with another ON DELETE",
        if pg {
            "ALTER TABLE IDN_OAUTH1A_REQUEST_TOKEN DROP CONSTRAINT IDN_OAUTH1A_REQUEST_TOKEN_CONSUMER_KEY_ID_FKEY; ALTER TABLE IDN_OAUTH1A_REQUEST_TOKEN ADD FOREIGN KEY (CONSUMER_KEY_ID) REFERENCES IDN_OAUTH_CONSUMER_APPS (ID)".into()
        } else {
            "ALTER TABLE IDN_OAUTH1A_REQUEST_TOKEN DROP FOREIGN KEY IDN_OAUTH1A_REQUEST_TOKEN_ibfk_1; ALTER TABLE IDN_OAUTH1A_REQUEST_TOKEN ADD FOREIGN KEY (CONSUMER_KEY_ID) REFERENCES IDN_OAUTH_CONSUMER_APPS (ID)".into()
        },
        "IDN_OAUTH1A_REQUEST_TOKEN: foreign key",
    ));
    if pg {
        cases.push((
            "missing sequence",
            "DROP SEQUENCE IDN_OAUTH2_SCOPE_PK_SEQ CASCADE".into(),
            "IDN_OAUTH2_SCOPE_PK_SEQ",
        ));
    }
    for (n, (what, sql, expect)) in cases.iter().enumerate() {
        let db = format!("{prefix}{n}");
        let url = server.db_url(&db);
        // 5.3.0: drift is found the same way at every release, and it installs quickest.
        let (code, _, err) = run_isdb(
            dir.path(),
            &["migrate", "--url", &url, "--is-version", "5.3.0"],
            &[],
        );
        assert_eq!(code, 0, "{err}");
        server.exec(&db, sql).await;
        let (code, out, err) = run_isdb(dir.path(), &["verify", "--url", &url], &[]);
        assert_eq!(code, 1, "{what}: verify must fail: {out}{err}");
        let lines: Vec<&str> = out.lines().filter(|l| l.starts_with("    ")).collect();
        assert!(
            lines.iter().any(|l| l.contains(expect)),
            "{what}: expected a line about {expect}: {out}"
        );
        let (code, out, _) = run_isdb(
            dir.path(),
            &["verify", "--url", &url, "--format", "json"],
            &[],
        );
        assert_eq!(code, 1);
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(
            !json["databases"][0]["differences"]
                .as_array()
                .unwrap()
                .is_empty(),
            "{what}"
        );
    }
    // An extra table fails only with --strict.
    let db = format!("{prefix}extra");
    let url = server.db_url(&db);
    assert_eq!(
        run_isdb(
            dir.path(),
            &["migrate", "--url", &url, "--is-version", "5.3.0"],
            &[]
        )
        .0,
        0
    );
    server
        .exec(&db, "CREATE TABLE LOCAL_AUDIT (ID INTEGER)")
        .await;
    let (code, out, _) = run_isdb(dir.path(), &["verify", "--url", &url], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("LOCAL_AUDIT: table is not in the expected schema (extra)"),
        "{out}"
    );
    assert_eq!(
        run_isdb(dir.path(), &["verify", "--url", &url, "--strict"], &[]).0,
        1
    );
    common::drop_databases(server, &prefix).await;
}

#[tokio::test]
async fn postgres_drift_fails_verify_precisely() {
    let Some(server) = common::postgres("postgres_drift_fails_verify_precisely").await else {
        return;
    };
    drift_is_reported(&server, "pgdrift").await;
}

#[tokio::test]
async fn mysql_drift_fails_verify_precisely() {
    let Some(server) = common::mysql("mysql_drift_fails_verify_precisely").await else {
        return;
    };
    drift_is_reported(&server, "mydrift").await;
}

/// The identity script stopped half-way: baseline refuses and lists what is
/// missing, with or without --accept-drift, and records nothing.
#[tokio::test]
async fn a_partly_built_database_is_not_baselined() {
    let Some(server) = common::mysql("a_partly_built_database_is_not_baselined").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix("mypart");
    let db = format!("{prefix}idn");
    let d = dialect::by_name("mysql").unwrap();
    let m = Catalog::builtin()
        .unwrap()
        .group(TableGroup::Identity)
        .next()
        .unwrap();
    let stmts = render::statements(d, &m.schema(d), RenderOptions::default());
    let half = &stmts[..stmts.len() / 2];
    let path = dir.path().join("half.sql");
    std::fs::write(
        &path,
        Script {
            dialect: d,
            header: vec![],
            statements: half,
        }
        .to_string(),
    )
    .unwrap();
    server.create_database(&db).await;
    server.run_script(&db, &path);
    let cfg = dir.path().join("isdb.toml");
    std::fs::write(
        &cfg,
        format!(
            "layout = \"split\"\nurl = \"{}\"\ndb_prefix = \"{prefix}\"\n[databases.IDENTITY_DB]\nname = \"{db}\"\n",
            server.url
        ),
    )
    .unwrap();
    for extra in [&[][..], &["--accept-drift"][..]] {
        let mut args = vec!["baseline", "--config", "isdb.toml"];
        args.extend_from_slice(extra);
        let (code, out, err) = run_isdb(dir.path(), &args, &[]);
        assert_eq!(code, 1, "{extra:?}: {out}{err}");
        let idn: Vec<&str> = out.lines().skip_while(|l| !l.starts_with(&db)).collect();
        assert!(
            idn.iter().any(|l| l.contains("table is missing")),
            "{extra:?}: lists what is missing: {out}"
        );
        assert!(!out.contains("recorded identity"), "{out}");
    }
    let mut c = sqlx::MySqlConnection::connect(&server.db_url(&db))
        .await
        .unwrap();
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ISDB_SCHEMA_HISTORY")
        .fetch_one(&mut c)
        .await
        .unwrap_or(0);
    assert_eq!(n, 0, "nothing recorded for the partly built database");
    common::drop_databases(&server, &prefix).await;
}

/// Issue 11's acceptance: a merged database built by the rendered scripts of
/// release X (no history) is adopted by `baseline` as X, every group at X's
/// snapshot, without being told; `verify --is-version X` is then clean. Where
/// a later release's schema is identical in this dialect, baseline records the
/// newest identical one, and the test proves the two schemas equal.
async fn every_release_is_detected(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let catalog = Catalog::builtin().unwrap();
    let d = server.dialect();
    let layout = Layout::new(LayoutKind::Merged, 2, "").unwrap();
    let merged = &layout.databases[0];
    for release in catalog.releases() {
        let x = release.to_string();
        let r_prefix = format!("{prefix}{}_", x.replace('.', "_"));
        let db = format!("{r_prefix}wso2is");
        let out_dir = format!("scripts_{x}");
        let (code, _, err) = run_isdb(
            dir.path(),
            &[
                "render",
                "--dialect",
                d.name(),
                "--is-version",
                &x,
                "--no-history",
                "--db-prefix",
                &r_prefix,
                "--out",
                &out_dir,
            ],
            &[],
        );
        assert_eq!(code, 0, "{x}: {err}");
        server.create_database(&db).await;
        server.run_script(&db, &dir.path().join(format!("{out_dir}/sql/{db}.sql")));
        let url = server.db_url(&db);
        let (code, out, err) = run_isdb(
            dir.path(),
            &["baseline", "--url", &url, "--format", "json"],
            &[],
        );
        assert_eq!(code, 0, "{x}: {out}{err}");
        let json: serde_json::Value = serde_json::from_str(&out).unwrap();
        let found = json["databases"][0]["release"]
            .as_str()
            .unwrap()
            .to_string();
        let detected = catalog.release(&found).unwrap();
        assert!(&detected >= release, "{x} detected as older {found}");
        if &detected != release {
            let at = |r| catalog.expected_schema(d, merged, Some(r));
            let same = isdb::diff::diff(d, &at(release), &at(&detected));
            assert!(
                same.is_empty(),
                "{x} detected as {found}, whose schema differs: {same:?}"
            );
        }
        let recorded: Vec<String> = json["databases"][0]["recorded"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap().to_string())
            .collect();
        let want: Vec<String> = merged
            .groups()
            .into_iter()
            .filter_map(|g| catalog.snapshot(g, &detected))
            .map(|m| format!("{} {}", m.group, m.version))
            .collect();
        assert_eq!(recorded, want, "{x}");
        let (code, out, err) = run_isdb(
            dir.path(),
            &["verify", "--url", &url, "--is-version", &x],
            &[],
        );
        assert_eq!(code, 0, "verify --is-version {x}: {out}{err}");
        assert!(out.contains(": clean"), "{x}: {out}");
    }
    common::drop_databases(server, &prefix).await;
}

#[tokio::test]
async fn postgres_baseline_detects_every_release() {
    let Some(server) = common::postgres("postgres_baseline_detects_every_release").await else {
        return;
    };
    every_release_is_detected(&server, "pgdetect").await;
}

#[tokio::test]
async fn mysql_baseline_detects_every_release() {
    let Some(server) = common::mysql("mysql_baseline_detects_every_release").await else {
        return;
    };
    every_release_is_detected(&server, "mydetect").await;
}
