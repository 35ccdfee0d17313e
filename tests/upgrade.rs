//! Issue 12: `isdb migrate --is-version X` upgrades databases isdb built (or
//! adopted) at an earlier release, release by release, to exactly a fresh X:
//! `verify --is-version X` is clean afterwards, the history holds one row per
//! (group, step), and a downgrade is refused without touching anything.

#[macro_use]
mod common;

use common::{Server, run_expect, run_isdb, run_with};
use isdb::model::catalog::Catalog;

/// Builds `target` at IS 5.3.0, then upgrades it to `release` in a second run,
/// which must say it went to that release.
fn built_at_5_3_0_then_upgraded(dir: &std::path::Path, target: &[&str], release: &str) {
    run_expect(dir, &["migrate", "--is-version", "5.3.0"], target, 0);
    let out = run_expect(dir, &["migrate", "--is-version", release], target, 0);
    assert!(out.contains(&format!("IS release {release}")), "{out}");
}

/// Builds a merged database at 5.3.0, upgrades it to every later release in
/// turn (one database per target), and checks each against a fresh target.
async fn every_release_from_5_3_0(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let catalog = Catalog::builtin().unwrap();
    for release in catalog.releases().into_iter().skip(1) {
        let x = release.to_string();
        let url = server.db_url(&format!("{prefix}{}", x.replace('.', "_")));
        let target = ["--url", url.as_str()];
        built_at_5_3_0_then_upgraded(dir.path(), &target, &x);
        let out = run_expect(dir.path(), &["verify", "--is-version", &x], &target, 0);
        assert!(out.contains(": clean"), "{x}: {out}");
        // The database's release is now read back from its history.
        let out = run_expect(dir.path(), &["status"], &target, 0);
        assert!(out.contains(&x), "{out}");
        let out = run_expect(dir.path(), &["migrate"], &target, 0);
        assert!(out.contains("already up to date"), "{out}");
    }
    common::drop_databases(server, &prefix).await;
}

/// The arguments that name the split layout of `prefix` on `server`.
fn split_layout<'a>(server: &'a Server, prefix: &'a str) -> [&'a str; 6] {
    [
        "--layout",
        "split",
        "--url",
        server.url.as_str(),
        "--db-prefix",
        prefix,
    ]
}

/// Issue 12's acceptance, split: for every later release X, a split layout
/// built at 5.3.0 (one per X) is upgraded to X and every database of it
/// verifies clean against X.
async fn every_release_from_5_3_0_split(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::builtin().unwrap();
    for release in catalog.releases().into_iter().skip(1) {
        let x = release.to_string();
        let prefix = common::unique_prefix(tag);
        let target = split_layout(server, &prefix);
        built_at_5_3_0_then_upgraded(dir.path(), &target, &x);
        let out = run_expect(dir.path(), &["verify", "--is-version", &x], &target, 0);
        let databases = out.lines().filter(|l| l.starts_with(&prefix)).count();
        let clean = out
            .lines()
            .filter(|l| l.starts_with(&prefix) && l.ends_with(": clean"))
            .count();
        assert!(databases > 1 && clean == databases, "{x}: {out}");
        common::drop_databases(server, &prefix).await;
    }
}

/// 5.3.0 → 5.7.0 → 5.11.0 in two runs, split: each database of the layout
/// converges, and the history has one row per group and step.
async fn two_runs_split(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let target = split_layout(server, &prefix);
    run_expect(
        dir.path(),
        &["migrate", "--is-version", "5.3.0"],
        &target,
        0,
    );
    for x in ["5.7.0", "5.11.0"] {
        run_expect(dir.path(), &["migrate", "--is-version", x], &target, 0);
        let out = run_expect(dir.path(), &["verify", "--is-version", x], &target, 0);
        assert!(!out.contains("DIFFERS"), "{x}: {out}");
    }
    let identity = format!("{prefix}identity_db");
    let history = server.history_lines(&identity).await;
    let steps: Vec<String> = history
        .iter()
        .map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" "))
        .collect();
    let catalog = Catalog::builtin().unwrap();
    let mut want: Vec<String> = catalog
        .group(isdb::layout::TableGroup::Identity)
        .map(|m| format!("identity {}", m.version))
        .collect();
    // consent and uma joined at the 5.7.0 run as fresh installs of their 5.7.0
    // snapshots, then took their later steps.
    want.extend([
        "consent 5.7.0".to_string(),
        "uma 5.7.0".into(),
        "uma 5.8.0".into(),
    ]);
    want.sort();
    let mut got = steps.clone();
    got.sort();
    assert_eq!(got, want, "{history:?}");
    common::drop_databases(server, &prefix).await;
}

/// A database built by WSO2's 5.3.0 scripts (as `render --no-history`
/// reproduces them), adopted by `baseline`, then upgraded to 5.11.0.
async fn adopted_then_upgraded(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let db = format!("{prefix}wso2is");
    let (code, _, err) = run_isdb(
        dir.path(),
        &[
            "render",
            "--dialect",
            server.dialect().name(),
            "--is-version",
            "5.3.0",
            "--no-history",
            "--db-prefix",
            &prefix,
            "--out",
            "scripts",
        ],
        &[],
    );
    assert_eq!(code, 0, "{err}");
    server.create_database(&db).await;
    server.run_script(&db, &dir.path().join(format!("scripts/sql/{db}.sql")));
    let url = server.db_url(&db);
    let target = ["--url", url.as_str()];
    let out = run_expect(dir.path(), &["baseline"], &target, 0);
    assert!(out.contains("built for IS 5.3.0"), "{out}");
    // Never upgraded implicitly: a plain migrate leaves it at 5.3.0.
    let out = run_expect(dir.path(), &["migrate"], &target, 0);
    assert!(out.contains("already up to date"), "{out}");
    run_expect(
        dir.path(),
        &["migrate", "--is-version", "5.11.0"],
        &target,
        0,
    );
    let out = run_expect(
        dir.path(),
        &["verify", "--is-version", "5.11.0"],
        &target,
        0,
    );
    assert!(out.contains(": clean"), "{out}");
    common::drop_databases(server, &prefix).await;
}

/// A downgrade is refused with exit 1 and changes nothing.
async fn downgrade_refused(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (prefix, db, url) = common::merged_at(server, dir.path(), tag, "wso2is", "5.7.0");
    let target = ["--url", url.as_str()];
    let before = server.history_lines(&db).await;
    let out = run_expect(
        dir.path(),
        &["migrate", "--is-version", "5.4.0"],
        &target,
        1,
    );
    assert!(
        out.contains("never downgrades") && out.contains("registry is at 5.5.0"),
        "{out}"
    );
    let out = run_expect(dir.path(), &["status", "--is-version", "5.4.0"], &target, 1);
    assert!(out.contains("never downgrades"), "{out}");
    assert_eq!(server.history_lines(&db).await, before);
    let out = run_expect(dir.path(), &["verify", "--is-version", "5.7.0"], &target, 0);
    assert!(out.contains(": clean"), "{out}");
    common::drop_databases(server, &prefix).await;
}

on_both!(
    postgres_upgrades_to_every_release,
    mysql_upgrades_to_every_release,
    every_release_from_5_3_0,
    "pgup",
    "myup"
);

on_both!(
    postgres_split_upgrades_to_every_release,
    mysql_split_upgrades_to_every_release,
    every_release_from_5_3_0_split,
    "pgupsplit",
    "myupsplit"
);

on_both!(
    postgres_split_upgrades_in_two_runs,
    mysql_split_upgrades_in_two_runs,
    two_runs_split,
    "pgup2",
    "myup2"
);

on_both!(
    postgres_adopted_database_upgrades,
    mysql_adopted_database_upgrades,
    adopted_then_upgraded,
    "pgadopt",
    "myadopt"
);

on_both!(
    postgres_downgrade_is_refused,
    mysql_downgrade_is_refused,
    downgrade_refused,
    "pgdown",
    "mydown"
);

/// `isdb plan` on a populated 5.3.0 database: every step to 5.11.0 with its
/// changes, the row counts of the tables they touch (from the engine's
/// statistics), which changes hold writers, the WSO2 migrators left to the
/// operator; as text and JSON; and it changes nothing.
async fn plan_reports_the_upgrade(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let db = format!("{prefix}wso2is");
    let url = server.db_url(&db);
    let target = ["--url", url.as_str()];
    // Nothing there yet: a fresh install of every group.
    let out = run_expect(dir.path(), &["plan", "--is-version", "5.3.0"], &target, 0);
    assert!(out.contains("nothing installed -> IS 5.3.0"), "{out}");
    assert!(out.contains("identity 5.3.0 (fresh install)"), "{out}");
    run_expect(
        dir.path(),
        &["migrate", "--is-version", "5.3.0"],
        &target,
        0,
    );
    let values: Vec<String> = (0..500).map(|i| format!("('role{i}', -1234)")).collect();
    server
        .exec(
            &db,
            &format!(
                "INSERT INTO UM_SYSTEM_ROLE (UM_ROLE_NAME, UM_TENANT_ID) VALUES {}",
                values.join(", ")
            ),
        )
        .await;
    server
        .exec(
            &db,
            if server.is_postgres() {
                "ANALYZE"
            } else {
                "ANALYZE TABLE UM_SYSTEM_ROLE"
            },
        )
        .await;
    let before = server.history_lines(&db).await;
    let out = run_expect(dir.path(), &["plan", "--is-version", "5.11.0"], &target, 0);
    assert!(out.contains("IS 5.3.0 -> IS 5.11.0"), "{out}");
    assert!(
        out.contains("user-management 5.4.0 (upgrade from 5.3.0)"),
        "{out}"
    );
    assert!(
        out.contains("add index SYSTEM_ROLE_IND_BY_RN_TI on UM_SYSTEM_ROLE")
            && out.contains("500 rows"),
        "the row count comes from the engine's statistics: {out}"
    );
    assert!(
        out.contains("EncryptionAdminFlowMigrator"),
        "WSO2 migrators left to the operator are listed: {out}"
    );
    let (code, json, err) = run_with(
        dir.path(),
        &["plan", "--is-version", "5.11.0", "--format", "json"],
        &target,
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let steps = v["databases"][0]["steps"].as_array().unwrap();
    let catalog = Catalog::builtin().unwrap();
    let expected: usize = isdb::layout::TableGroup::ALL
        .iter()
        .map(|g| {
            let five_three = catalog.release("5.3.0").unwrap();
            let newest = catalog.newest().unwrap();
            match catalog.snapshot(*g, &five_three) {
                Some(m) => catalog
                    .group(*g)
                    .filter(|x| x.version > m.version && &x.version <= newest)
                    .count(),
                None => usize::from(catalog.snapshot(*g, newest).is_some()),
            }
        })
        .sum();
    assert_eq!(steps.len(), expected, "one step per group and release");
    let index = steps
        .iter()
        .flat_map(|s| s["changes"].as_array().unwrap())
        .find(|c| {
            c["change"]
                .as_str()
                .unwrap()
                .starts_with("add index SYSTEM_ROLE_IND_BY_RN_TI")
        })
        .unwrap();
    assert_eq!(index["rows"], 500);
    // Built concurrently on PostgreSQL, in place by InnoDB.
    assert_eq!(index["impact"].as_str().unwrap(), "online");
    assert_eq!(
        server.history_lines(&db).await,
        before,
        "plan changed nothing"
    );
    run_expect(
        dir.path(),
        &["migrate", "--is-version", "5.11.0"],
        &target,
        0,
    );
    let out = run_expect(dir.path(), &["plan"], &target, 0);
    assert!(
        out.contains("IS 5.11.0 -> IS 5.11.0") && out.contains("nothing to do"),
        "{out}"
    );
    common::drop_databases(server, &prefix).await;
}

on_both!(
    postgres_plan_reports_the_upgrade,
    mysql_plan_reports_the_upgrade,
    plan_reports_the_upgrade,
    "pgplan",
    "myplan"
);

/// Bad input for an upgrade changes nothing: an unknown target release
/// (usage, exit 2), a database that drifted from its recorded release (a
/// dropped column), and one whose history records a release newer than isdb
/// knows (exit 1).
async fn bad_upgrades_change_nothing(server: &Server, tag: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (prefix, db, url) = common::merged_at(server, dir.path(), tag, "wso2is", "5.3.0");
    let target = ["--url", url.as_str()];
    let before = server.history_lines(&db).await;
    let out = run_expect(
        dir.path(),
        &["migrate", "--is-version", "5.12.0"],
        &target,
        2,
    );
    assert!(out.contains("isdb knows no IS release `5.12.0`"), "{out}");

    server
        .exec(&db, "ALTER TABLE IDN_OAUTH2_SCOPE DROP COLUMN ROLES")
        .await;
    let out = run_expect(
        dir.path(),
        &["migrate", "--is-version", "5.11.0"],
        &target,
        1,
    );
    assert!(
        out.contains("the live schema differs from what its history records")
            && out.contains("ROLES")
            && out.contains("nothing was changed"),
        "{out}"
    );
    assert_eq!(server.history_lines(&db).await, before);
    let out = run_expect(dir.path(), &["verify"], &target, 1);
    assert!(out.contains("IDN_OAUTH2_SCOPE.ROLES"), "{out}");

    let newer = format!("{prefix}newer");
    let n_url = server.db_url(&newer);
    let n_target = ["--url", n_url.as_str()];
    run_expect(
        dir.path(),
        &["migrate", "--is-version", "5.11.0"],
        &n_target,
        0,
    );
    server
        .exec(
            &newer,
            "UPDATE ISDB_SCHEMA_HISTORY SET VERSION = '5.12.0' WHERE TABLE_GROUP = 'identity'",
        )
        .await;
    let n_before = server.history_lines(&newer).await;
    let out = run_expect(
        dir.path(),
        &["migrate", "--is-version", "5.11.0"],
        &n_target,
        1,
    );
    assert!(
        out.contains("identity 5.12.0, which this isdb does not know"),
        "{out}"
    );
    let out = run_expect(dir.path(), &["plan"], &n_target, 1);
    assert!(out.contains("cannot plan"), "{out}");
    assert_eq!(server.history_lines(&newer).await, n_before);
    common::drop_databases(server, &prefix).await;
}

on_both!(
    postgres_bad_upgrades_change_nothing,
    mysql_bad_upgrades_change_nothing,
    bad_upgrades_change_nothing,
    "pgbad",
    "mybad"
);

/// Runs `isdb migrate --is-version 5.11.0` on `url` and SIGKILLs it once
/// `condition` (a COUNT query on the database) is positive. Returns whether
/// the kill landed before the run finished.
async fn kill_when(
    server: &Server,
    db: &str,
    dir: &std::path::Path,
    url: &str,
    condition: &str,
) -> bool {
    use std::time::{Duration, Instant};
    let mut child = common::spawn_isdb(dir, &["migrate", "--url", url, "--is-version", "5.11.0"]);
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            let _ = child.wait();
            return false;
        }
        if server.query_i64(db, condition).await > 0 {
            child.kill().unwrap();
            let _ = child.wait();
            return true;
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the upgrade neither finished nor reached `{condition}` in time");
}

/// Kill -9 at several points of a 5.3.0 → 5.11.0 upgrade; the next run
/// converges every time: verify clean, every seed row once, the history one
/// row per step and complete.
async fn killed_upgrades_converge(server: &Server, tag: &str, points: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let prefix = common::unique_prefix(tag);
    let fresh = format!("{prefix}fresh");
    run_expect(
        dir.path(),
        &["migrate", "--is-version", "5.11.0"],
        &["--url", &server.db_url(&fresh)],
        0,
    );
    let seeded = [
        "IDN_BASE_TABLE",
        "IDN_CONFIG_TYPE",
        "CM_PURPOSE",
        "CM_PURPOSE_CATEGORY",
    ];
    let count = |t: &str| format!("SELECT COUNT(*) FROM {t}");
    let mut want = Vec::new();
    for t in seeded {
        want.push(server.query_i64(&fresh, &count(t)).await);
    }
    let steps_total = server.history_lines(&fresh).await.len();
    for (i, point) in points.iter().enumerate() {
        let db = format!("{prefix}k{i}");
        let url = server.db_url(&db);
        run_expect(
            dir.path(),
            &["migrate", "--is-version", "5.3.0"],
            &["--url", &url],
            0,
        );
        assert!(
            kill_when(server, &db, dir.path(), &url, point).await,
            "the upgrade finished before `{point}`; the kill point was missed"
        );
        let out = run_expect(
            dir.path(),
            &["migrate", "--is-version", "5.11.0"],
            &["--url", &url],
            0,
        );
        assert!(out.contains("IS release 5.11.0"), "{out}");
        let out = run_expect(
            dir.path(),
            &["verify", "--is-version", "5.11.0"],
            &["--url", &url],
            0,
        );
        assert!(out.contains(": clean"), "after a kill at `{point}`: {out}");
        for (t, n) in seeded.iter().zip(&want) {
            assert_eq!(
                server.query_i64(&db, &count(t)).await,
                *n,
                "{t} after `{point}`"
            );
        }
        let history = server.history_lines(&db).await;
        assert!(history.iter().all(|l| l.ends_with(" 1")), "{history:?}");
        // Every step of the upgrade plus the 5.3.0 installs, each once.
        let mut steps: Vec<String> = history
            .iter()
            .map(|l| l.split(' ').take(2).collect::<Vec<_>>().join(" "))
            .collect();
        let n = steps.len();
        steps.dedup();
        assert_eq!(steps.len(), n, "{history:?}");
        assert!(n > steps_total, "{history:?}");
    }
    common::drop_databases(server, &prefix).await;
}

#[tokio::test]
async fn postgres_killed_upgrades_converge() {
    let Some(server) = common::postgres("postgres_killed_upgrades_converge").await else {
        return;
    };
    // Each PostgreSQL step is one transaction: kill after some steps committed.
    let after = |n: usize| {
        format!(
            "SELECT CAST(CASE WHEN COUNT(*) >= {n} THEN 1 ELSE 0 END AS BIGINT) FROM ISDB_SCHEMA_HISTORY WHERE SUCCESS = 1 AND VERSION <> '5.3.0'"
        )
    };
    let points = [after(1), after(6), after(14)];
    let points: Vec<&str> = points.iter().map(String::as_str).collect();
    killed_upgrades_converge(&server, "pgkillup", &points).await;
}

#[tokio::test]
async fn mysql_killed_upgrades_converge() {
    let Some(server) = common::mysql("mysql_killed_upgrades_converge").await else {
        return;
    };
    // MariaDB commits DDL statement by statement: kill inside steps.
    let inside = |group: &str, version: &str, n: usize| {
        format!(
            "SELECT COUNT(*) FROM ISDB_SCHEMA_HISTORY WHERE TABLE_GROUP = '{group}' AND VERSION = '{version}' AND SUCCESS = 0 AND STATEMENTS_DONE >= {n}"
        )
    };
    let points = [
        inside("identity", "5.4.0", 4),
        inside("user-management", "5.9.0", 2),
        inside("identity", "5.10.0", 15),
    ];
    let points: Vec<&str> = points.iter().map(String::as_str).collect();
    killed_upgrades_converge(&server, "mykillup", &points).await;
}

/// The name PostgreSQL gives UM_PERMISSION's unnamed 5.4.0 unique key, which
/// isdb's online form gives its index and constraint.
const UM_PERMISSION_KEY: &str = "um_permission_um_resource_id_um_action_um_tenant_id_key";

/// Starts `isdb migrate --is-version <release>` on `url`, its output dropped.
fn spawn_migrate(dir: &std::path::Path, url: &str, release: &str) -> std::process::Child {
    common::spawn_isdb(dir, &["migrate", "--url", url, "--is-version", release])
}

/// Waits (up to 60 s) until `condition` (a COUNT query on `db`) is positive;
/// panics if `child` exits first or time runs out.
async fn wait_for(server: &Server, db: &str, child: &mut std::process::Child, condition: &str) {
    use std::time::{Duration, Instant};
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if server.query_i64(db, condition).await > 0 {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("isdb exited ({status}) before `{condition}`");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("`{condition}` did not happen in time");
}

/// A session of `db`'s other sessions waiting for a lock in a statement like `pattern`.
fn lock_waiter(pattern: &str) -> String {
    format!(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' AND query LIKE '{pattern}'"
    )
}

/// Issue 12, PostgreSQL: a run killed after `CREATE UNIQUE INDEX
/// CONCURRENTLY` built a new unique key's index and before `ADD CONSTRAINT …
/// USING INDEX` attached it resumes with the attach, and the database ends
/// exactly as a fresh install (verify --strict clean, no temporary check left).
#[tokio::test]
async fn postgres_killed_between_index_build_and_attach_converges() {
    use sqlx::Connection;
    let Some(server) =
        common::postgres("postgres_killed_between_index_build_and_attach_converges").await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (prefix, db, url) = common::merged_at(&server, dir.path(), "pgattach", "db", "5.3.0");
    let target = ["--url", url.as_str()];
    // An idle transaction holding ACCESS SHARE (no snapshot) lets the
    // concurrent build through but holds the attach, which needs a brief
    // ACCESS EXCLUSIVE lock: the run is stopped exactly between the two.
    let mut holder = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("BEGIN; LOCK TABLE UM_PERMISSION IN ACCESS SHARE MODE")
        .execute(&mut holder)
        .await
        .unwrap();
    let mut child = spawn_migrate(dir.path(), &url, "5.11.0");
    let attach = lock_waiter(&format!("%USING INDEX {UM_PERMISSION_KEY}%"));
    wait_for(&server, &db, &mut child, &attach).await;
    child.kill().unwrap();
    let _ = child.wait();
    // The killed run's session ends at its lock wait's limit (2 s).
    let attaching = format!(
        "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
         AND pid <> pg_backend_pid() AND query LIKE '%USING INDEX {UM_PERMISSION_KEY}%'"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while server.query_i64(&db, &attaching).await > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the killed session stayed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let built = format!(
        "SELECT COUNT(*) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid \
         WHERE c.relname = '{UM_PERMISSION_KEY}' AND i.indisvalid AND i.indisunique"
    );
    let attached = format!(
        "SELECT COUNT(*) FROM pg_constraint WHERE conname = '{UM_PERMISSION_KEY}' AND contype = 'u'"
    );
    assert_eq!(server.query_i64(&db, &built).await, 1, "index built");
    assert_eq!(server.query_i64(&db, &attached).await, 0, "not attached");
    let stopped = server.history_lines(&db).await;
    assert!(
        stopped
            .iter()
            .any(|l| l.starts_with("user-management 5.4.0 ") && l.ends_with(" 0")),
        "{stopped:?}"
    );
    sqlx::raw_sql("ROLLBACK")
        .execute(&mut holder)
        .await
        .unwrap();
    let _ = holder.close().await;

    let out = run_expect(
        dir.path(),
        &["migrate", "--is-version", "5.11.0"],
        &target,
        0,
    );
    assert!(out.contains("IS release 5.11.0"), "{out}");
    let out = run_expect(
        dir.path(),
        &["verify", "--is-version", "5.11.0", "--strict"],
        &target,
        0,
    );
    assert!(out.contains(": clean"), "{out}");
    assert_eq!(server.query_i64(&db, &attached).await, 1, "attached");
    let leftovers = "SELECT COUNT(*) FROM pg_constraint WHERE conname LIKE 'isdb\\_nn\\_%'";
    assert_eq!(server.query_i64(&db, leftovers).await, 0);
    let invalid = "SELECT COUNT(*) FROM pg_index WHERE NOT indisvalid";
    assert_eq!(server.query_i64(&db, invalid).await, 0);
    let history = server.history_lines(&db).await;
    assert!(history.iter().all(|l| l.ends_with(" 1")), "{history:?}");
    common::drop_databases(&server, &prefix).await;
}

/// Issue 12, PostgreSQL: while a new unique key's index waits for a
/// transaction that holds a row of its table, other writers of the table go
/// on (the plain `ADD UNIQUE` would queue them behind its ACCESS EXCLUSIVE
/// request); once it ends, the key is built and attached.
#[tokio::test]
async fn postgres_online_unique_key_lets_writers_through() {
    use sqlx::Connection;
    let Some(server) = common::postgres("postgres_online_unique_key_lets_writers_through").await
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (prefix, db, url) = common::merged_at(&server, dir.path(), "pgwriters", "db", "5.3.0");
    let target = ["--url", url.as_str()];
    server
        .exec(
            &db,
            "INSERT INTO UM_PERMISSION (UM_RESOURCE_ID, UM_ACTION, UM_TENANT_ID) VALUES ('/r', 'read', -1234)",
        )
        .await;
    let mut holder = sqlx::PgConnection::connect(&url).await.unwrap();
    sqlx::raw_sql("BEGIN; UPDATE UM_PERMISSION SET UM_MODULE_ID = 1 WHERE UM_RESOURCE_ID = '/r'")
        .execute(&mut holder)
        .await
        .unwrap();
    let mut child = spawn_migrate(dir.path(), &url, "5.4.0");
    let build = lock_waiter("CREATE UNIQUE INDEX CONCURRENTLY%UM_PERMISSION%");
    wait_for(&server, &db, &mut child, &build).await;
    let mut writer = sqlx::PgConnection::connect(&url).await.unwrap();
    let started = std::time::Instant::now();
    sqlx::raw_sql(
        "SET lock_timeout = '1s'; INSERT INTO UM_PERMISSION (UM_RESOURCE_ID, UM_ACTION, UM_TENANT_ID) VALUES ('/w', 'write', -1234)",
    )
    .execute(&mut writer)
    .await
    .expect("a writer is not held by the concurrent build");
    assert!(started.elapsed() < std::time::Duration::from_secs(1));
    let _ = writer.close().await;
    sqlx::raw_sql("COMMIT").execute(&mut holder).await.unwrap();
    let _ = holder.close().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "migrate did not finish"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(status.success(), "{status}");
    let out = run_expect(
        dir.path(),
        &["verify", "--is-version", "5.4.0", "--strict"],
        &target,
        0,
    );
    assert!(out.contains(": clean"), "{out}");
    common::drop_databases(&server, &prefix).await;
}

/// MariaDB commits each DDL statement by itself: a run killed after an
/// upgrade step's `ADD FOREIGN KEY` committed but before its progress did
/// re-runs that statement. The key carries the name InnoDB would have given
/// it, so the re-run fails as a duplicate name (taken as applied) and the
/// table keeps one key, not two identical ones; verify --strict is clean.
#[tokio::test]
async fn mysql_a_foreign_key_in_doubt_is_added_once() {
    let Some(server) = common::mysql("mysql_a_foreign_key_in_doubt_is_added_once").await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (prefix, db, url) = common::merged_at(&server, dir.path(), "myfk", "wso2is", "5.3.0");
    let target = ["--url", url.as_str()];
    // The identity steps whose last statement adds an unnamed foreign key to
    // an existing table (after dropping the one it replaces).
    for (x, table, column, references) in [
        (
            "5.4.0",
            "IDN_OAUTH2_RESOURCE_SCOPE",
            "SCOPE_ID",
            "IDN_OAUTH2_SCOPE",
        ),
        (
            "5.10.0",
            "IDN_OIDC_SCOPE_CLAIM_MAPPING",
            "SCOPE_ID",
            "IDN_OAUTH2_SCOPE",
        ),
    ] {
        run_expect(dir.path(), &["migrate", "--is-version", x], &target, 0);
        // As a kill between the statement's commit and its progress leaves it.
        server
            .exec(
                &db,
                &format!(
                    "UPDATE ISDB_SCHEMA_HISTORY SET STATEMENTS_DONE = STATEMENTS_TOTAL - 1, SUCCESS = 0 WHERE TABLE_GROUP = 'identity' AND VERSION = '{x}'"
                ),
            )
            .await;
        let out = run_expect(
            dir.path(),
            &["migrate", "-v", "--is-version", x],
            &target,
            0,
        );
        assert!(
            out.contains(&format!("ALTER TABLE {table} ADD CONSTRAINT"))
                && out.contains("was applied before the earlier run stopped"),
            "{x}: the foreign key was not the statement in doubt: {out}"
        );
        assert!(
            out.contains(&format!("resumed and applied identity {x}")),
            "{out}"
        );
        let keys = server
            .query_i64(
                &db,
                &format!(
                    "SELECT COUNT(*) FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{table}' AND COLUMN_NAME = '{column}' AND REFERENCED_TABLE_NAME = '{references}'"
                ),
            )
            .await;
        assert_eq!(keys, 1, "{x}: {table} ({column}) -> {references}");
        let out = run_expect(
            dir.path(),
            &["verify", "--strict", "--is-version", x],
            &target,
            0,
        );
        assert!(out.contains(": clean"), "{x}: {out}");
        let history = server.history_lines(&db).await;
        assert!(history.iter().all(|l| l.ends_with(" 1")), "{history:?}");
    }
    common::drop_databases(&server, &prefix).await;
}
