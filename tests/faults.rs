//! `isdb migrate` under faults, against the real servers: the session holding
//! the migration lock killed or cut mid-run, a frozen network, bad durations,
//! a run that died just before recording success, a tampered history, and
//! termination signals. Each live test catches the run mid-way without any
//! test hook in isdb: it leaves a resumable history row for the last group
//! (bps) and holds that row locked from a test transaction, so the run applies
//! every other group and then waits on the row, holding its lock.

mod common;
#[path = "common/proxy.rs"]
mod proxy;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Server, run_isdb};
use isdb::layout::TableGroup;
use isdb::migrate::history::history_table;
use isdb::model::Schema;
use isdb::model::catalog::Catalog;
use isdb::render::{self, RenderOptions};
use proxy::Proxy;
use sqlx::{AnyConnection, Connection, Row};

async fn any(url: &str) -> AnyConnection {
    sqlx::any::install_default_drivers();
    AnyConnection::connect(url).await.expect("test connection")
}

async fn exec(c: &mut AnyConnection, sql: &str) {
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

async fn scalar(c: &mut AnyConnection, sql: &str) -> Option<i64> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_optional(c)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .and_then(|r| r.try_get::<Option<i64>, _>(0).ok().flatten())
}

fn spawn_isdb(dir: &Path, args: &[&str]) -> Child {
    Command::new(common::isdb())
        .args(args)
        .current_dir(dir)
        // The test servers take no password (see common::run_isdb).
        .env("ISDB_PASSWORD", "")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("isdb starts")
}

/// Waits for `child` (at most `limit`), returning (exit code, stderr, time taken).
async fn finish(mut child: Child, limit: Duration) -> (i32, String, Duration) {
    let started = Instant::now();
    loop {
        if child.try_wait().expect("try_wait").is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().expect("output");
            panic!(
                "isdb did not finish within {limit:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let taken = started.elapsed();
    let out = child.wait_with_output().expect("output");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        taken,
    )
}

/// Polls `f` every 50 ms until it yields a value, at most `limit`.
async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One database for one test, and a connection that holds its bps history row.
struct Scene {
    server: Server,
    prefix: String,
    db: String,
    holder: AnyConnection,
}

impl Scene {
    /// A fresh database with a history table whose bps row says "started,
    /// no statement done" (a run killed at its very start), locked by `holder`.
    async fn new(server: Server, tag: &str) -> Scene {
        let prefix = common::unique_prefix(tag);
        let db = format!("{prefix}wso2is");
        server.create_database(&db).await;
        let d = server.dialect();
        let history = render::statements(
            d,
            &Schema {
                tables: vec![history_table()],
                seeds: vec![],
            },
            RenderOptions::default(),
        );
        let catalog = Catalog::builtin().unwrap();
        let bps = catalog.group(TableGroup::Bps).next().unwrap();
        let total = render::statements(
            d,
            &bps.schema(d),
            RenderOptions {
                idempotent: !d.supports_transactional_ddl(),
                online: false,
            },
        )
        .len();
        let url = server.db_url(&db);
        let mut c = any(&url).await;
        for st in history {
            exec(&mut c, &st.sql).await;
        }
        exec(
            &mut c,
            &format!(
                "INSERT INTO ISDB_SCHEMA_HISTORY (TABLE_GROUP, VERSION, CHECKSUM, DIALECT, STATEMENTS_DONE, STATEMENTS_TOTAL, SUCCESS, APPLIED_AT, DURATION_MS, APPLIED_BY) \
                 VALUES ('bps', '{}', '{}', '{}', 0, {total}, 0, '2026-01-01T00:00:00Z', 0, 'migrate')",
                bps.version,
                bps.checksum,
                d.name()
            ),
        )
        .await;
        let mut holder = any(&url).await;
        if !server.is_postgres() {
            // No gap locks: the other groups' history rows must go in freely.
            exec(
                &mut holder,
                "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
            )
            .await;
        }
        exec(&mut holder, "BEGIN").await;
        exec(
            &mut holder,
            &format!(
                "SELECT TABLE_GROUP FROM ISDB_SCHEMA_HISTORY WHERE TABLE_GROUP = 'bps' AND VERSION = '{}' FOR UPDATE",
                bps.version
            ),
        )
        .await;
        let _ = c.close().await;
        Scene {
            server,
            prefix,
            db,
            holder,
        }
    }

    fn url(&self) -> String {
        self.server.db_url(&self.db)
    }

    /// A proxy on 127.0.0.1 to this scene's server.
    async fn proxy(&self) -> Proxy {
        let u = url::Url::parse(&self.url()).unwrap();
        Proxy::start(format!(
            "{}:{}",
            u.host_str().unwrap(),
            u.port_or_known_default().unwrap()
        ))
        .await
    }

    async fn admin(&self) -> AnyConnection {
        any(&self.url()).await
    }

    /// The server session holding isdb's migration lock on the database,
    /// once that same session waits for a lock inside the server: proof that
    /// the lock and the work share one session.
    async fn lock_holder_waiting(&self, run: &mut Child) -> i64 {
        let mut admin = self.admin().await;
        let pg = self.server.is_postgres();
        let db = &self.db;
        let (holder_sql, waiting_sql) = if pg {
            (
                format!(
                    "SELECT CAST(l.pid AS BIGINT) FROM pg_locks l JOIN pg_database d ON d.oid = l.database \
                     WHERE l.locktype = 'advisory' AND l.granted AND d.datname = '{db}'"
                ),
                "SELECT CAST(COUNT(*) AS BIGINT) FROM pg_stat_activity WHERE pid = {id} AND wait_event_type = 'Lock'",
            )
        } else {
            (
                format!("SELECT CAST(IS_USED_LOCK('isdb:{db}') AS SIGNED)"),
                // INNODB_TRX is a cache MariaDB may leave stale; the statement
                // list is not: an UPDATE of the history that has run for 300 ms
                // is the one waiting on the held row.
                "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.PROCESSLIST WHERE ID = {id} \
                 AND INFO LIKE 'UPDATE ISDB_SCHEMA_HISTORY%' AND TIME_MS >= 300",
            )
        };
        let started = Instant::now();
        loop {
            if let Some(id) = scalar(&mut admin, &holder_sql).await {
                let waiting = waiting_sql.replace("{id}", &id.to_string());
                if scalar(&mut admin, &waiting).await == Some(1) {
                    let _ = admin.close().await;
                    return id;
                }
            }
            if run.try_wait().expect("try_wait").is_some()
                || started.elapsed() > Duration::from_secs(30)
            {
                let sessions = if pg {
                    "SELECT CONCAT(pid, ' ', COALESCE(wait_event_type, '-'), ' ', state, ' ', query) FROM pg_stat_activity WHERE datname = current_database()"
                } else {
                    "SELECT CONCAT(ID, ' ', COALESCE(STATE, '-'), ' ', COALESCE(INFO, '-')) FROM information_schema.PROCESSLIST WHERE DB = DATABASE()"
                };
                let seen: Vec<String> = sqlx::query_scalar(sessions)
                    .fetch_all(&mut admin)
                    .await
                    .unwrap_or_default();
                let _ = run.kill();
                let mut err = String::new();
                if let Some(mut e) = run.stderr.take() {
                    use std::io::Read;
                    let _ = e.read_to_string(&mut err);
                }
                panic!(
                    "the isdb run did not come to hold its lock and wait on the held history row; sessions: {seen:#?}\nisdb: {err}"
                );
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Whether server session `id` still exists.
    async fn session_exists(&self, id: i64) -> bool {
        let mut admin = self.admin().await;
        let sql = if self.server.is_postgres() {
            format!("SELECT CAST(COUNT(*) AS BIGINT) FROM pg_stat_activity WHERE pid = {id}")
        } else {
            format!(
                "SELECT CAST(COUNT(*) AS SIGNED) FROM information_schema.PROCESSLIST WHERE ID = {id}"
            )
        };
        let n = scalar(&mut admin, &sql).await;
        let _ = admin.close().await;
        n == Some(1)
    }

    async fn release_row(&mut self) {
        exec(&mut self.holder, "ROLLBACK").await;
    }

    /// After the interrupted run: it was caught mid-way (every other group
    /// applied), bps is not complete and its seed row is not there.
    async fn assert_bps_unfinished(&self) {
        let mut admin = self.admin().await;
        let others = scalar(
            &mut admin,
            &format!(
                "SELECT CAST(COUNT(*) AS {}) FROM ISDB_SCHEMA_HISTORY WHERE TABLE_GROUP <> 'bps' AND SUCCESS = 1",
                if self.server.is_postgres() { "BIGINT" } else { "SIGNED" }
            ),
        )
        .await;
        assert_eq!(
            others,
            Some(6),
            "the run applied the other six groups first"
        );
        let success = scalar(
            &mut admin,
            "SELECT SUCCESS FROM ISDB_SCHEMA_HISTORY WHERE TABLE_GROUP = 'bps'",
        )
        .await;
        assert_ne!(success, Some(1), "bps must not be recorded as applied");
        let seeded = sqlx::query("SELECT VERSION FROM ODE_SCHEMA_VERSION")
            .fetch_all(&mut admin)
            .await
            .map(|r| r.len())
            .unwrap_or(0);
        assert_eq!(seeded, 0, "nothing after the interruption may be applied");
        let _ = admin.close().await;
    }

    /// A second runner completes, and the database is exactly the model:
    /// every table, every history row complete, each seed row once.
    async fn assert_second_run_completes(&self, dir: &Path) {
        let url = self.url();
        let (code, out, err) = run_isdb(
            dir,
            &["migrate", "--url", &url, "--lock-timeout", "30"],
            &[],
        );
        assert_eq!(code, 0, "second runner: {out}\n{err}");
        let d = self.server.dialect();
        let deployment = isdb::migrate::resolve(
            &isdb::migrate::TargetArgs {
                url: Some(url.clone()),
                ..Default::default()
            },
            &|_| None,
        )
        .unwrap();
        let expected =
            Catalog::builtin()
                .unwrap()
                .expected_schema(d, &deployment.databases[0].db, None);
        let actual = self.server.inspect(&self.db).await;
        let diffs = isdb::diff::diff(d, &expected, &actual);
        assert!(
            diffs.is_empty(),
            "{}",
            diffs
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
        let mut admin = self.admin().await;
        let rows = sqlx::query(
            "SELECT TABLE_GROUP, SUCCESS, STATEMENTS_DONE, STATEMENTS_TOTAL FROM ISDB_SCHEMA_HISTORY ORDER BY TABLE_GROUP",
        )
        .fetch_all(&mut admin)
        .await
        .unwrap();
        let history: Vec<(String, i64, bool)> = rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get::<i64, _>(2) == r.get::<i64, _>(3)))
            .collect();
        let want: Vec<(String, i64, bool)> = [
            "bps",
            "consent",
            "identity",
            "metrics",
            "registry",
            "uma",
            "user-management",
        ]
        .iter()
        .map(|g| (g.to_string(), 1, true))
        .collect();
        assert_eq!(history, want, "history: every group once, complete");
        for (table, n) in [("ODE_SCHEMA_VERSION", 1), ("IDN_BASE_TABLE", 1)] {
            let count = scalar(
                &mut admin,
                &format!(
                    "SELECT CAST(COUNT(*) AS {}) FROM {table}",
                    if self.server.is_postgres() {
                        "BIGINT"
                    } else {
                        "SIGNED"
                    }
                ),
            )
            .await;
            assert_eq!(count, Some(n), "{table} seed rows");
        }
        let _ = admin.close().await;
    }

    async fn cleanup(mut self) {
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut self.holder).await;
        let _ = self.holder.close().await;
        common::drop_databases(&self.server, &self.prefix).await;
    }
}

/// A temporary working directory, a unique prefix and the URL of a database
/// `<prefix>wso2is` that does not exist yet.
fn fresh(server: &Server, tag: &str) -> (tempfile::TempDir, String, String) {
    let prefix = common::unique_prefix(tag);
    let url = server.db_url(&format!("{prefix}wso2is"));
    (tempfile::tempdir().unwrap(), prefix, url)
}

async fn server(pg: bool, test: &str) -> Option<Server> {
    if pg {
        common::postgres(test).await
    } else {
        common::mysql(test).await
    }
}

/// How the session of a running migration is lost.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Killed from another session (`pg_terminate_backend`, `KILL CONNECTION`).
    Kill,
    /// Reset by the network (the proxy between isdb and the server).
    Cut,
}

/// The session of a running migration is lost: the run stops with a message,
/// a second runner completes, and the database is exact.
async fn lost_mid_run(pg: bool, test: &str, fault: Fault) {
    let Some(server) = server(pg, test).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut scene = Scene::new(server, test).await;
    let proxy = match fault {
        Fault::Cut => Some(scene.proxy().await),
        Fault::Kill => None,
    };
    let url = proxy
        .as_ref()
        .map_or_else(|| scene.url(), |p| p.url(&scene.url()));
    let mut run = spawn_isdb(
        dir.path(),
        &[
            "migrate",
            "--url",
            &url,
            "--lock-timeout",
            "30",
            "--statement-timeout",
            "60",
        ],
    );
    let id = scene.lock_holder_waiting(&mut run).await;
    match &proxy {
        Some(p) => p.cut(),
        None => {
            let mut admin = scene.admin().await;
            if pg {
                exec(&mut admin, &format!("SELECT pg_terminate_backend({id})")).await;
            } else {
                exec(&mut admin, &format!("KILL CONNECTION {id}")).await;
            }
            let _ = admin.close().await;
        }
    }
    let (code, err, taken) = finish(run, Duration::from_secs(20)).await;
    eprintln!("isdb exited {code} after {taken:?}: {err}");
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains("the session holding the migration lock was lost")
            && err.contains("applied nothing more"),
        "{err}"
    );
    assert!(
        taken < Duration::from_secs(5),
        "losing the session stops the run at once: {taken:?}"
    );
    // After a cut the server's session lives on until it notices, holding the
    // lock meanwhile: the second runner waits for it (--lock-timeout).
    scene.release_row().await;
    scene.assert_bps_unfinished().await;
    scene.assert_second_run_completes(dir.path()).await;
    scene.cleanup().await;
}

#[tokio::test]
async fn postgres_lock_session_killed_mid_run() {
    lost_mid_run(true, "pgkill", Fault::Kill).await;
}

#[tokio::test]
async fn mariadb_lock_session_killed_mid_run() {
    lost_mid_run(false, "mykill", Fault::Kill).await;
}

#[tokio::test]
async fn postgres_lock_connection_cut_by_the_network() {
    lost_mid_run(true, "pgcut", Fault::Cut).await;
}

#[tokio::test]
async fn mariadb_lock_connection_cut_by_the_network() {
    lost_mid_run(false, "mycut", Fault::Cut).await;
}

/// The network freezes after the connection is set up.
async fn frozen_mid_run(pg: bool, test: &str) {
    let Some(server) = server(pg, test).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut scene = Scene::new(server, test).await;
    let proxy = scene.proxy().await;
    let via_proxy = proxy.url(&scene.url());
    // Documented bound: no answer within --statement-timeout + 2 s stops the run;
    // the server drops the session after --idle-timeout without a word from it.
    let (statement, idle) = (4, 2);
    let (st, it) = (statement.to_string(), idle.to_string());
    let mut run = spawn_isdb(
        dir.path(),
        &[
            "migrate",
            "--url",
            &via_proxy,
            "--lock-timeout",
            "30",
            "--statement-timeout",
            &st,
            "--idle-timeout",
            &it,
        ],
    );
    let id = scene.lock_holder_waiting(&mut run).await;
    proxy.freeze();
    let frozen = Instant::now();
    // The server answers the waiting statement now, into the frozen network.
    scene.release_row().await;
    let (code, err, _) = finish(run, Duration::from_secs(statement + 10)).await;
    let failed_after = frozen.elapsed();
    eprintln!("isdb exited {code}: {err}");
    assert_ne!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "no answer from the server within {}s",
            statement + 2
        )),
        "{err}"
    );
    assert!(
        failed_after <= Duration::from_secs(statement + 2 + 1),
        "the run fails within the documented bound: {failed_after:?}"
    );
    let gone = Instant::now();
    eventually(
        "the server drops the frozen client's session",
        Duration::from_secs(idle + 5),
        || async { (!scene.session_exists(id).await).then_some(()) },
    )
    .await;
    eprintln!(
        "frozen network: run failed {failed_after:?} after the freeze; server session gone {:?} later",
        gone.elapsed()
    );
    scene.assert_bps_unfinished().await;
    scene.assert_second_run_completes(dir.path()).await;
    drop(proxy);
    scene.cleanup().await;
}

#[tokio::test]
async fn postgres_frozen_network_is_bounded() {
    frozen_mid_run(true, "pgfrozen").await;
}

#[tokio::test]
async fn mariadb_frozen_network_is_bounded() {
    frozen_mid_run(false, "myfrozen").await;
}

/// The timer `ss` reports for the TCP socket from local port `local` to peer
/// port `peer` (`keepalive,1min38sec,0`), `None` when it has none.
fn socket_timer(local: u16, peer: u16) -> Option<String> {
    let out = Command::new("ss")
        .args(["-tnoH", "state", "established"])
        .output()
        .expect("`ss` (iproute2) runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = text
        .lines()
        .find(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            cols.len() >= 4
                && cols[2].ends_with(&format!(":{local}"))
                && cols[3].ends_with(&format!(":{peer}"))
        })
        .unwrap_or_else(|| panic!("no socket {local} -> {peer} in:\n{text}"));
    let timer = line.split("timer:(").nth(1)?;
    Some(timer.split(')').next().unwrap_or_default().to_string())
}

/// The time left on an `ss` timer (`keepalive,1min38sec,0`), written as
/// iproute2's print_ms_timer writes it: `[Nmin][Nsec|N.]NNNms`.
fn timer_left(timer: &str) -> Duration {
    let left = timer.split(',').nth(1).expect("timer has a time");
    let number = |s: &str| s.parse::<u64>().unwrap_or_else(|_| panic!("timer {timer}"));
    let (mut ms, mut rest) = (0, left);
    if let Some((m, r)) = rest.split_once("min") {
        ms += number(m) * 60_000;
        rest = r;
    }
    if let Some((s, r)) = rest.split_once("sec").or_else(|| rest.split_once('.')) {
        ms += number(s) * 1000;
        rest = r;
    }
    if let Some(m) = rest.strip_suffix("ms") {
        ms += number(m);
    }
    Duration::from_millis(ms)
}

#[test]
fn ss_timers_are_read_as_iproute2_writes_them() {
    for (timer, ms) in [
        ("keepalive,119min,0", 7_140_000),
        ("keepalive,1min38sec,0", 98_000),
        ("keepalive,5.580ms,0", 5_580),
        ("keepalive,580ms,0", 580),
        ("keepalive,9sec,0", 9_000),
    ] {
        assert_eq!(timer_left(timer), Duration::from_millis(ms), "{timer}");
    }
}

/// The server's end of a running migration's connection: on PostgreSQL it
/// probes the silent client after --idle-timeout (the system's default is two
/// hours); MariaDB keeps its own keepalive with the system's timers, which
/// isdb cannot change per session. isdb's own end has none (sqlx does not set
/// one), which is why every wait of isdb's is bounded by the client instead.
async fn server_keepalive_of_a_run(pg: bool, test: &str) {
    let Some(server) = server(pg, test).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut scene = Scene::new(server, test).await;
    let url = scene.url();
    let server_port = url::Url::parse(&url)
        .unwrap()
        .port_or_known_default()
        .unwrap();
    let idle = 9;
    let mut run = spawn_isdb(
        dir.path(),
        &[
            "migrate",
            "--url",
            &url,
            "--lock-timeout",
            "30",
            "--idle-timeout",
            &idle.to_string(),
        ],
    );
    let id = scene.lock_holder_waiting(&mut run).await;
    let mut admin = scene.admin().await;
    let client_port = if pg {
        scalar(
            &mut admin,
            &format!("SELECT CAST(client_port AS BIGINT) FROM pg_stat_activity WHERE pid = {id}"),
        )
        .await
    } else {
        scalar(
            &mut admin,
            &format!(
                "SELECT CAST(SUBSTRING_INDEX(HOST, ':', -1) AS SIGNED) FROM information_schema.PROCESSLIST WHERE ID = {id}"
            ),
        )
        .await
    }
    .expect("the run's session has a client port");
    let _ = admin.close().await;
    let client_port = u16::try_from(client_port).unwrap();
    let server_end = socket_timer(server_port, client_port);
    let isdb_end = socket_timer(client_port, server_port);
    eprintln!("server end: {server_end:?}; isdb's end: {isdb_end:?}");
    let server_end = server_end.expect("the server's end has a timer");
    assert!(server_end.starts_with("keepalive,"), "{server_end}");
    if pg {
        assert!(
            timer_left(&server_end) <= Duration::from_secs(idle),
            "PostgreSQL probes isdb's session after --idle-timeout: {server_end}"
        );
    }
    scene.release_row().await;
    let (code, err, _) = finish(run, Duration::from_secs(60)).await;
    assert_eq!(code, 0, "{err}");
    scene.cleanup().await;
}

#[tokio::test]
async fn postgres_server_probes_a_runs_connection_after_the_idle_timeout() {
    server_keepalive_of_a_run(true, "pgkeep").await;
}

#[tokio::test]
async fn mariadb_server_keeps_a_keepalive_on_a_runs_connection() {
    server_keepalive_of_a_run(false, "mykeep").await;
}

/// The limits isdb sets on every session it opens (`engine::open`, the one
/// way any command connects), read back on that session.
async fn session_limits_are_set(pg: bool, test: &str) {
    use isdb::engine::{Backend, SessionLimits, SessionSpec};
    use sqlx::ConnectOptions;
    let Some(server) = server(pg, test).await else {
        return;
    };
    let url = url::Url::parse(&server.db_url(if pg { "postgres" } else { "mysql" })).unwrap();
    let backend = if pg {
        Backend::Postgres
    } else {
        Backend::MySql
    };
    sqlx::any::install_default_drivers();
    let spec = SessionSpec {
        url: &url,
        target: "the test server",
        connect_timeout: Duration::from_secs(10),
        limits: SessionLimits {
            statement: Duration::from_secs(41),
            lock_wait: Duration::from_secs(17),
            idle: Duration::from_secs(9),
        },
    };
    let opts = sqlx::any::AnyConnectOptions::from_url(&url).unwrap();
    let mut c = isdb::engine::open(backend.engine(), opts, &spec)
        .await
        .unwrap();
    let want: &[(&str, i64)] = if pg {
        // pg_settings in base units (s or ms). On a TCP connection the tcp_*
        // values are read back from the server's socket (getsockopt).
        &[
            ("statement_timeout", 41_000),
            ("lock_timeout", 17_000),
            ("idle_in_transaction_session_timeout", 9_000),
            ("idle_session_timeout", 9_000),
            ("client_connection_check_interval", 5_000),
            ("tcp_keepalives_idle", 9),
            ("tcp_keepalives_interval", 3),
            ("tcp_keepalives_count", 3),
            ("tcp_user_timeout", 9_000),
        ]
    } else {
        &[
            ("max_statement_time", 41),
            ("lock_wait_timeout", 17),
            ("innodb_lock_wait_timeout", 17),
            ("wait_timeout", 9),
            ("net_read_timeout", 9),
            ("net_write_timeout", 9),
        ]
    };
    for (name, value) in want {
        let sql = if pg {
            format!("SELECT CAST(setting AS BIGINT) FROM pg_settings WHERE name = '{name}'")
        } else {
            format!("SELECT CAST(@@SESSION.{name} AS SIGNED)")
        };
        assert_eq!(scalar(&mut c, &sql).await, Some(*value), "{name}");
    }
    let _ = c.close().await;
}

#[tokio::test]
async fn postgres_session_limits_and_keepalives_are_set() {
    session_limits_are_set(true, "pglimits").await;
}

#[tokio::test]
async fn mariadb_session_limits_are_set() {
    session_limits_are_set(false, "mylimits").await;
}

/// SIGTERM or SIGINT while a run waits: a message, 128 + the signal's number,
/// and the lock goes with the closed connection.
async fn signalled_mid_run(pg: bool, test: &str, signal: &str, want: i32) {
    let Some(server) = server(pg, test).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut scene = Scene::new(server, test).await;
    let url = scene.url();
    let mut run = spawn_isdb(
        dir.path(),
        &["migrate", "--url", &url, "--lock-timeout", "30"],
    );
    let _ = scene.lock_holder_waiting(&mut run).await;
    let sent = Command::new("kill")
        .args([format!("-{signal}"), run.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(sent.success());
    let (code, err, _) = finish(run, Duration::from_secs(10)).await;
    assert_eq!(code, want, "{err}");
    assert!(
        err.contains(&format!("interrupted by SIG{signal}"))
            && err.contains("closed its connections"),
        "{err}"
    );
    scene.release_row().await;
    scene.assert_second_run_completes(dir.path()).await;
    scene.cleanup().await;
}

#[tokio::test]
async fn postgres_sigterm_stops_with_a_message_and_143() {
    signalled_mid_run(true, "pgterm", "TERM", 143).await;
}

#[tokio::test]
async fn mariadb_sigint_stops_with_a_message_and_130() {
    signalled_mid_run(false, "myint", "INT", 130).await;
}

/// Running a group's seed inserts again, without any lock, adds no row.
async fn seeds_insert_once(pg: bool, test: &str) {
    let Some(server) = server(pg, test).await else {
        return;
    };
    let prefix = common::unique_prefix(test);
    let db = format!("{prefix}seeds");
    server.create_database(&db).await;
    let d = server.dialect();
    let mut c = any(&server.db_url(&db)).await;
    for group in [TableGroup::Bps, TableGroup::Identity] {
        let m = Catalog::builtin().unwrap().group(group).next().unwrap();
        let statements = render::statements(d, &m.schema(d), RenderOptions::default());
        for st in &statements {
            exec(&mut c, &st.sql).await;
        }
        for st in statements
            .iter()
            .filter(|s| s.kind == render::StatementKind::Insert)
        {
            exec(&mut c, &st.sql).await;
        }
    }
    for table in ["ODE_SCHEMA_VERSION", "IDN_BASE_TABLE"] {
        let n = scalar(
            &mut c,
            &format!(
                "SELECT CAST(COUNT(*) AS {}) FROM {table}",
                if pg { "BIGINT" } else { "SIGNED" }
            ),
        )
        .await;
        assert_eq!(n, Some(1), "{table}");
    }
    let _ = c.close().await;
    common::drop_databases(&server, &prefix).await;
}

#[tokio::test]
async fn postgres_seed_rows_cannot_duplicate() {
    seeds_insert_once(true, "pgseed").await;
}

#[tokio::test]
async fn mariadb_seed_rows_cannot_duplicate() {
    seeds_insert_once(false, "myseed").await;
}

/// Every duration flag and key is checked before anything is touched.
#[tokio::test]
async fn out_of_range_durations_are_usage_errors_that_touch_nothing() {
    let Some(server) = common::postgres("durations").await else {
        return;
    };
    let (dir, prefix, url) = fresh(&server, "durations");
    let mut cases: Vec<Vec<String>> = Vec::new();
    for flag in [
        "--connect-timeout",
        "--lock-timeout",
        "--statement-timeout",
        "--index-timeout",
        "--idle-timeout",
    ] {
        cases.push(vec![flag.into(), "18446744073709551615".into()]);
        cases.push(vec![flag.into(), "604801".into()]);
        if flag != "--lock-timeout" {
            cases.push(vec![flag.into(), "0".into()]);
        }
    }
    std::fs::write(dir.path().join("bad.toml"), "statement_timeout = 9999999\n").unwrap();
    cases.push(vec!["--config".into(), "bad.toml".into()]);
    for case in cases {
        let mut args = vec!["migrate", "--url", url.as_str()];
        args.extend(case.iter().map(String::as_str));
        let (code, out, err) = run_isdb(dir.path(), &args, &[]);
        assert_eq!(code, 2, "{case:?}: {out}\n{err}");
        assert!(
            err.contains("must be whole seconds from") && !err.contains("panicked"),
            "{case:?}: {err}"
        );
    }
    let mut admin = any(&server.db_url("postgres")).await;
    let created = scalar(
        &mut admin,
        &format!(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM pg_database WHERE datname LIKE '{}%'",
            prefix.replace('_', "\\_")
        ),
    )
    .await;
    assert_eq!(created, Some(0), "no database may be created");
    let _ = admin.close().await;
}

/// A run that died after recording its last statement but before recording
/// success: the next run records the migration complete, every statement done.
#[tokio::test]
async fn mariadb_run_dead_before_success_is_recorded_complete() {
    let Some(server) = common::mysql("dead_before_success").await else {
        return;
    };
    let (dir, prefix, url) = fresh(&server, "deadsuccess");
    let (code, out, err) = run_isdb(dir.path(), &["migrate", "--url", &url], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let mut c = any(&url).await;
    // The state such a death leaves: every statement recorded, SUCCESS still 0.
    exec(
        &mut c,
        "UPDATE ISDB_SCHEMA_HISTORY SET SUCCESS = 0 WHERE TABLE_GROUP = 'bps'",
    )
    .await;
    let (code, out, err) = run_isdb(dir.path(), &["migrate", "--url", &url], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let row = sqlx::query(
        "SELECT CAST(STATEMENTS_DONE AS SIGNED), CAST(STATEMENTS_TOTAL AS SIGNED), CAST(SUCCESS AS SIGNED) FROM ISDB_SCHEMA_HISTORY WHERE TABLE_GROUP = 'bps'",
    )
    .fetch_one(&mut c)
    .await
    .unwrap();
    let (done, total, success): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    assert!(total > 0);
    assert_eq!((done, success), (total, 1), "bps recorded complete");
    let (code, out, err) = run_isdb(dir.path(), &["verify", "--url", &url], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let _ = c.close().await;
    common::drop_databases(&server, &prefix).await;
}

/// `status` fails on what `migrate` refuses: a changed checksum, an unknown version.
#[tokio::test]
async fn status_fails_on_a_tampered_checksum_and_an_unknown_version() {
    let Some(server) = common::postgres("status_tampered").await else {
        return;
    };
    let (dir, prefix, url) = fresh(&server, "tampered");
    let (code, out, err) = run_isdb(dir.path(), &["migrate", "--url", &url], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = run_isdb(dir.path(), &["status", "--url", &url], &[]);
    assert_eq!(code, 0, "clean status: {out}\n{err}");
    let mut c = any(&url).await;
    let checksum =
        sqlx::query("SELECT CHECKSUM FROM ISDB_SCHEMA_HISTORY WHERE TABLE_GROUP = 'metrics'")
            .fetch_one(&mut c)
            .await
            .unwrap()
            .get::<String, _>(0);

    exec(
        &mut c,
        "UPDATE ISDB_SCHEMA_HISTORY SET CHECKSUM = 'tampered' WHERE TABLE_GROUP = 'metrics'",
    )
    .await;
    assert_status_refuses(dir.path(), &url, "applied with checksum tampered");
    exec(
        &mut c,
        &format!(
            "UPDATE ISDB_SCHEMA_HISTORY SET CHECKSUM = '{checksum}' WHERE TABLE_GROUP = 'metrics'"
        ),
    )
    .await;
    let (code, out, err) = run_isdb(dir.path(), &["status", "--url", &url], &[]);
    assert_eq!(code, 0, "restored: {out}\n{err}");

    exec(
        &mut c,
        "INSERT INTO ISDB_SCHEMA_HISTORY (TABLE_GROUP, VERSION, CHECKSUM, DIALECT, STATEMENTS_DONE, STATEMENTS_TOTAL, SUCCESS, APPLIED_AT, DURATION_MS, APPLIED_BY) \
         VALUES ('identity', '9.9.9', 'x', 'postgres', 1, 1, 1, '2030-01-01T00:00:00Z', 0, 'migrate')",
    )
    .await;
    assert_status_refuses(
        dir.path(),
        &url,
        "identity 9.9.9, which this isdb does not know",
    );
    let _ = c.close().await;
    common::drop_databases(&server, &prefix).await;
}

/// `status` (text and JSON) exits non-zero and names `says`; `migrate` refuses too.
fn assert_status_refuses(dir: &Path, url: &str, says: &str) {
    let (code, out, err) = run_isdb(dir, &["status", "--url", url], &[]);
    assert_ne!(code, 0, "status must fail: {out}\n{err}");
    assert!(
        out.contains("refused by migrate") && out.contains(says),
        "{out}"
    );
    let (code, out, err) = run_isdb(dir, &["status", "--url", url, "--format", "json"], &[]);
    assert_ne!(code, 0, "status --format json must fail: {out}\n{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    let problems = json["databases"][0]["problems"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        problems
            .iter()
            .any(|p| p.as_str().is_some_and(|p| p.contains(says))),
        "{out}"
    );
    let (code, _, err) = run_isdb(dir, &["migrate", "--url", url], &[]);
    assert_ne!(code, 0, "migrate refuses the same history: {err}");
    assert!(err.contains(says), "{err}");
}
