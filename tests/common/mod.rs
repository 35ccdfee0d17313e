//! Shared test support: real servers and unique database names.
//!
//! A server comes from `ISDB_TEST_POSTGRES_URL` / `ISDB_TEST_MYSQL_URL` when set
//! (CI sets both to the servers on its machine); otherwise from a testcontainers
//! container when a Docker daemon answers; otherwise the test FAILS, saying
//! which variable to set — unless `ISDB_TEST_ALLOW_SKIP=1` is set, when it
//! prints one `skipped: …` line and returns (for a machine with no server,
//! knowing that those tests then test nothing).
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use sqlx::Connection;
use testcontainers::ContainerAsync;
use testcontainers::ImageExt;
use testcontainers::runners::AsyncRunner;

/// A database server for one test. Dropping it stops the container, if any.
pub struct Server {
    /// Server URL (no database part), e.g. `postgres://postgres@127.0.0.1:5432/`.
    pub url: String,
    _pg: Option<ContainerAsync<testcontainers_modules::postgres::Postgres>>,
    _my: Option<ContainerAsync<testcontainers_modules::mysql::Mysql>>,
}

impl Server {
    /// The URL of database `db` on this server.
    pub fn db_url(&self, db: &str) -> String {
        format!("{}{db}", self.url)
    }

    /// Whether this is PostgreSQL (else MySQL/MariaDB).
    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }

    /// The isdb dialect of this server's scripts.
    pub fn dialect(&self) -> &'static dyn isdb::dialect::Dialect {
        isdb::dialect::by_name(if self.is_postgres() {
            "postgres"
        } else {
            "mysql"
        })
        .unwrap()
    }

    /// Creates database `name` the way an operator does (MySQL: latin1, WSO2's charset).
    pub async fn create_database(&self, name: &str) {
        if self.is_postgres() {
            self.exec("postgres", &format!("CREATE DATABASE \"{name}\""))
                .await;
        } else {
            self.exec(
                "",
                &format!("CREATE DATABASE `{name}` CHARACTER SET latin1"),
            )
            .await;
        }
    }

    /// Runs `sql` (one or more statements) in database `db` ("" for none, MySQL).
    pub async fn exec(&self, db: &str, sql: &str) {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        if self.is_postgres() {
            let mut c = sqlx::PgConnection::connect(&self.db_url(db)).await.unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
            let _ = c.close().await;
        } else {
            let mut c = sqlx::MySqlConnection::connect(&self.db_url(db))
                .await
                .unwrap();
            sqlx::raw_sql(sql).execute(&mut c).await.unwrap();
            let _ = c.close().await;
        }
    }

    /// The single integer `sql` returns in database `db`.
    pub async fn query_i64(&self, db: &str, sql: &str) -> i64 {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        if self.is_postgres() {
            let mut c = sqlx::PgConnection::connect(&self.db_url(db)).await.unwrap();
            let n = sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap();
            let _ = c.close().await;
            n
        } else {
            let mut c = sqlx::MySqlConnection::connect(&self.db_url(db))
                .await
                .unwrap();
            let n = sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap();
            let _ = c.close().await;
            n
        }
    }

    /// isdb's history rows in database `db`, each as one line of its
    /// group, version, checksum, dialect, statements done and total, success
    /// (what must not depend on who recorded it), sorted.
    pub async fn history_lines(&self, db: &str) -> Vec<String> {
        let cols =
            "TABLE_GROUP, VERSION, CHECKSUM, DIALECT, STATEMENTS_DONE, STATEMENTS_TOTAL, SUCCESS";
        let sql = if self.is_postgres() {
            format!("SELECT CONCAT_WS(' ', {cols}) FROM ISDB_SCHEMA_HISTORY")
        } else {
            format!("SELECT CAST(CONCAT_WS(' ', {cols}) AS CHAR) FROM ISDB_SCHEMA_HISTORY")
        };
        let sql = sqlx::AssertSqlSafe(sql);
        let mut lines: Vec<String> = if self.is_postgres() {
            let mut c = sqlx::PgConnection::connect(&self.db_url(db)).await.unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
        } else {
            let mut c = sqlx::MySqlConnection::connect(&self.db_url(db))
                .await
                .unwrap();
            sqlx::query_scalar(sql).fetch_all(&mut c).await.unwrap()
        };
        lines.sort();
        lines
    }

    /// Runs a script file in database `db` with the vendor's own client
    /// (`psql -v ON_ERROR_STOP=1`, `mariadb`), as an operator does; panics with
    /// the client's output when it fails.
    pub fn run_script(&self, db: &str, script: &std::path::Path) {
        let out = if self.is_postgres() {
            std::process::Command::new("psql")
                .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d"])
                .arg(self.db_url(db))
                .arg("-f")
                .arg(script)
                .output()
                .expect("psql runs")
        } else {
            let url = url::Url::parse(&self.url).unwrap();
            let client = if std::process::Command::new("mariadb")
                .arg("--version")
                .output()
                .is_ok()
            {
                "mariadb"
            } else {
                "mysql"
            };
            std::process::Command::new(client)
                .arg(format!("--host={}", url.host_str().unwrap_or("127.0.0.1")))
                .arg(format!("--port={}", url.port().unwrap_or(3306)))
                .arg(format!("--user={}", url.username()))
                .env("MYSQL_PWD", url.password().unwrap_or(""))
                .arg(db)
                .stdin(std::fs::File::open(script).unwrap())
                .output()
                .expect("the mariadb client runs")
        };
        assert!(
            out.status.success(),
            "running {} failed ({}):\n{}\n{}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Reads database `db` back into the model with isdb's inspector.
    pub async fn inspect(&self, db: &str) -> isdb::model::Schema {
        if self.is_postgres() {
            let mut c = sqlx::PgConnection::connect(&self.db_url(db)).await.unwrap();
            let s = isdb::inspect::postgres::inspect(&mut c).await.unwrap();
            let _ = c.close().await;
            s
        } else {
            let mut c = sqlx::MySqlConnection::connect(&self.db_url(db))
                .await
                .unwrap();
            let s = isdb::inspect::mysql::inspect(&mut c).await.unwrap();
            let _ = c.close().await;
            s
        }
    }
}

fn server_root(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            u.set_path("/");
            u.to_string()
        }
        Err(_) => url.to_string(),
    }
}

/// The server at `url` (any database part dropped), with orphaned test
/// databases dropped; for tests that take their servers from a list.
pub async fn at(url: &str) -> Server {
    let server = Server {
        url: server_root(url),
        _pg: None,
        _my: None,
    };
    drop_orphans(&server).await;
    server
}

/// The server a test variable names, with orphaned test databases dropped.
async fn from_env(var: &str) -> Option<Server> {
    let url = std::env::var(var).ok()?;
    Some(at(&url).await)
}

/// What a live test does when it has no server: fail, or with
/// `ISDB_TEST_ALLOW_SKIP=1` say so and return `None`.
fn no_server(test: &str, var: &str, cause: &dyn std::fmt::Display) -> Option<Server> {
    missing(
        &format!("{test}: {var} is not set and no Docker daemon answered ({cause})"),
        &format!("set {var} to a server URL (see the README's test command)"),
    );
    None
}

/// A test's requirement is missing: with `ISDB_TEST_ALLOW_SKIP=1` prints one
/// `skipped: WHY` line and returns (the caller then returns); otherwise fails
/// the test, saying `how` to provide it.
pub fn missing(why: &str, how: &str) {
    if std::env::var("ISDB_TEST_ALLOW_SKIP").is_ok_and(|v| v == "1") {
        println!("skipped: {why}");
        return;
    }
    panic!("{why}.\nTo run it, {how}; to skip it knowingly, set ISDB_TEST_ALLOW_SKIP=1.");
}

/// PostgreSQL for this test; without one, see [`no_server`].
pub async fn postgres(test: &str) -> Option<Server> {
    if let Some(server) = from_env("ISDB_TEST_POSTGRES_URL").await {
        return Some(server);
    }
    let image = testcontainers_modules::postgres::Postgres::default().with_tag("15-alpine");
    match image.start().await {
        Ok(c) => {
            let port = c.get_host_port_ipv4(5432).await.ok()?;
            Some(Server {
                url: format!("postgres://postgres:postgres@127.0.0.1:{port}/"),
                _pg: Some(c),
                _my: None,
            })
        }
        Err(e) => no_server(test, "ISDB_TEST_POSTGRES_URL", &e),
    }
}

/// MySQL/MariaDB for this test; without one, see [`no_server`].
pub async fn mysql(test: &str) -> Option<Server> {
    if let Some(server) = from_env("ISDB_TEST_MYSQL_URL").await {
        return Some(server);
    }
    let image = testcontainers_modules::mysql::Mysql::default().with_tag("8.0");
    match image.start().await {
        Ok(c) => {
            let port = c.get_host_port_ipv4(3306).await.ok()?;
            Some(Server {
                url: format!("mysql://root@127.0.0.1:{port}/"),
                _pg: None,
                _my: Some(c),
            })
        }
        Err(e) => no_server(test, "ISDB_TEST_MYSQL_URL", &e),
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A database-name prefix no other test (or test process) uses.
pub fn unique_prefix(test: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    format!("t_{}_{}_{n}_", test, std::process::id())
}

/// Drops the databases of test processes that died without cleaning up (a
/// failed assertion skips the drop at a test's end): names from
/// [`unique_prefix`] carry the pid, and a pid with no process is gone.
async fn drop_orphans(server: &Server) {
    let names: Vec<String> = if server.is_postgres() {
        let Ok(mut c) = sqlx::PgConnection::connect(&server.db_url("postgres")).await else {
            return;
        };
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 't\\_%'")
            .fetch_all(&mut c)
            .await
            .unwrap_or_default()
    } else {
        let Ok(mut c) = sqlx::MySqlConnection::connect(&server.url).await else {
            return;
        };
        sqlx::query_scalar(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE 't\\_%'",
        )
        .fetch_all(&mut c)
        .await
        .unwrap_or_default()
    };
    let mut dead: Vec<String> = names
        .iter()
        .filter_map(|n| {
            let pid = n.split('_').nth(2)?.parse::<u32>().ok()?;
            let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
            (!alive).then(|| n.split('_').take(4).collect::<Vec<_>>().join("_") + "_")
        })
        .collect();
    dead.sort();
    dead.dedup();
    for prefix in dead {
        drop_databases(server, &prefix).await;
    }
}

/// Drops every database whose name starts with `prefix`.
pub async fn drop_databases(server: &Server, prefix: &str) {
    let pattern = format!("{}%", prefix.replace('_', "\\_"));
    if server.url.starts_with("postgres") {
        let Ok(mut c) = sqlx::PgConnection::connect(&server.db_url("postgres")).await else {
            return;
        };
        let names: Vec<String> =
            sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE $1")
                .bind(&pattern)
                .fetch_all(&mut c)
                .await
                .unwrap_or_default();
        for n in names {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS \"{n}\" WITH (FORCE)"
            )))
            .execute(&mut c)
            .await;
        }
    } else {
        let Ok(mut c) = sqlx::MySqlConnection::connect(&server.url).await else {
            return;
        };
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME LIKE ?",
        )
        .bind(&pattern)
        .fetch_all(&mut c)
        .await
        .unwrap_or_default();
        for n in names {
            let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS `{n}`"
            )))
            .execute(&mut c)
            .await;
        }
    }
}

#[path = "../support/run.rs"]
pub mod run;

/// The isdb binary built for this test run.
pub fn isdb() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_isdb"))
}

/// Runs isdb with `args` in `dir`, returning (exit code, stdout, stderr).
pub fn run_isdb(
    dir: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, String, String) {
    // The test servers trust local connections. isdb never assumes an empty
    // password: an ISDB_PASSWORD that is set and empty asks for one.
    let mut all = vec![("ISDB_PASSWORD", "")];
    all.extend_from_slice(env);
    run::isdb(dir, args, &all)
}

/// A merged database for one test, `<unique prefix of tag><name>` on
/// `server`, brought to IS release `release` by `isdb migrate` (which must
/// succeed): returns (prefix, database, url).
pub fn merged_at(
    server: &Server,
    dir: &std::path::Path,
    tag: &str,
    name: &str,
    release: &str,
) -> (String, String, String) {
    let prefix = unique_prefix(tag);
    let db = format!("{prefix}{name}");
    let url = server.db_url(&db);
    run_expect(
        dir,
        &["migrate", "--is-version", release],
        &["--url", url.as_str()],
        0,
    );
    (prefix, db, url)
}

/// Starts isdb with `args` in `dir`, its output dropped, for a test that
/// kills it (the test servers trust local connections, as in [`run_isdb`]).
pub fn spawn_isdb(dir: &std::path::Path, args: &[&str]) -> std::process::Child {
    std::process::Command::new(isdb())
        .args(args)
        .env("ISDB_PASSWORD", "")
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("isdb starts")
}

/// Runs isdb with `cmd` then `target` in `dir`.
pub fn run_with(dir: &std::path::Path, cmd: &[&str], target: &[&str]) -> (i32, String, String) {
    run_isdb(dir, &[cmd, target].concat(), &[])
}

/// isdb knows the databases `target` names as fully migrated: `status` exits
/// 0, `migrate` applies nothing and `verify` finds them clean.
pub fn assert_up_to_date(dir: &std::path::Path, target: &[&str]) {
    let (code, out, err) = run_with(dir, &["status"], target);
    assert_eq!(code, 0, "status: nothing may be pending: {out}{err}");
    let (code, out, err) = run_with(dir, &["migrate"], target);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("already up to date; nothing applied"),
        "migrate must be a no-op: {out}"
    );
    let (code, out, err) = run_with(dir, &["verify"], target);
    assert_eq!(code, 0, "verify: {out}{err}");
}

/// `isdb baseline` records `n` migrations as applied, then isdb finds every
/// database up to date (see [`assert_up_to_date`]).
pub fn assert_baseline_adopts(dir: &std::path::Path, target: &[&str], n: usize) {
    let (code, out, err) = run_with(dir, &["baseline"], target);
    assert_eq!(code, 0, "{out}{err}");
    assert_eq!(out.matches("as applied (no DDL run)").count(), n, "{out}");
    assert_up_to_date(dir, target);
}

/// Runs the `sqlite3` shell in `dir` on database file `db` with `args`,
/// feeding it `stdin`; fails the test when it fails. Returns its output.
pub fn sqlite3(dir: &std::path::Path, db: &str, args: &[&str], stdin: &str) -> String {
    use std::io::Write;
    let mut child = std::process::Command::new("sqlite3")
        .current_dir(dir)
        .arg("-bail")
        .arg(db)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("sqlite3 runs (apt-get install sqlite3)");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("sqlite3 reads its input");
    let out = child.wait_with_output().expect("sqlite3 finishes");
    assert!(
        out.status.success(),
        "sqlite3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs `isdb` with `target` appended to `cmd` in `dir` and fails the test
/// unless it exits `code`; returns stdout and stderr together.
pub fn run_expect(dir: &std::path::Path, cmd: &[&str], target: &[&str], code: i32) -> String {
    let (got, out, err) = run_with(dir, cmd, target);
    assert_eq!(got, code, "isdb {cmd:?} {target:?}:\n{out}\n{err}");
    format!("{out}{err}")
}

/// A PostgreSQL and a MariaDB test over one shared body, each with its own
/// database-name tag.
#[allow(unused_macros)]
macro_rules! on_both {
    ($pg:ident, $my:ident, $body:ident, $pg_tag:literal, $my_tag:literal) => {
        #[tokio::test]
        async fn $pg() {
            let Some(server) = common::postgres(stringify!($pg)).await else {
                return;
            };
            $body(&server, $pg_tag).await;
        }

        #[tokio::test]
        async fn $my() {
            let Some(server) = common::mysql(stringify!($my)).await else {
                return;
            };
            $body(&server, $my_tag).await;
        }
    };
}
