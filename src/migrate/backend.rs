//! What differs between the live engines for the migration runner: SQL for
//! database creation and session locks, bind placeholders, error codes. The
//! runner itself (`super::runner`) is written once over sqlx's `Any` driver.

use std::time::Duration;

use super::target::Backend;

/// The server-side limits every session of a run gets.
pub(crate) struct SessionLimits {
    /// Any one statement.
    pub statement: Duration,
    /// Waiting for a lock inside the server.
    pub lock_wait: Duration,
    /// A session whose client stopped talking (idle, or idle in a transaction).
    pub idle: Duration,
}

/// How a backend serializes runners on one database.
pub(crate) enum LockMethod {
    /// A session-level lock taken with SQL on a dedicated connection; the
    /// statement binds the lock name and returns 1 when the lock was taken.
    Session {
        /// Try once to take the lock; returns 1 or 0.
        try_lock: &'static str,
        /// Release it.
        unlock: &'static str,
    },
    /// An exclusive lock on a file beside the database file (SQLite).
    File,
}

/// The per-engine hooks of the runner.
pub(crate) trait LiveBackend: Sync {
    /// The bind placeholder for the `n`-th parameter (1-based).
    fn placeholder(&self, _n: usize) -> String {
        "?".into()
    }

    /// The database to connect to for server-level work (`None`: none).
    fn maintenance_database(&self) -> Option<&'static str> {
        None
    }

    /// `CREATE DATABASE` for an already quoted name.
    fn create_database_sql(&self, quoted: &str, mysql_charset: &str) -> Option<String>;

    /// Whether an error from `CREATE DATABASE` means another runner created it first.
    fn is_duplicate_database(&self, e: &sqlx::Error) -> bool {
        let _ = e;
        false
    }

    /// Whether a connection error means the database does not exist.
    fn is_unknown_database(&self, e: &sqlx::Error) -> bool {
        let _ = e;
        false
    }

    /// How runners are serialized.
    fn lock_method(&self) -> LockMethod;

    /// SQL run once on every new connection to set the server's own limits
    /// (`None`: the engine has none, SQLite). The values are whole numbers
    /// from validated settings, never user text.
    fn session_setup(&self, limits: &SessionLimits) -> Option<String> {
        let _ = limits;
        None
    }

    /// SQL that changes the session's statement limit to `limit` (`None`:
    /// the engine has none for DDL).
    fn statement_limit_sql(&self, limit: Duration) -> Option<String> {
        let _ = limit;
        None
    }
}

struct PostgresBackend;
struct MySqlBackend;
struct SqliteBackend;

impl LiveBackend for PostgresBackend {
    fn placeholder(&self, n: usize) -> String {
        format!("${n}")
    }

    fn maintenance_database(&self) -> Option<&'static str> {
        Some("postgres")
    }

    fn create_database_sql(&self, quoted: &str, _: &str) -> Option<String> {
        Some(format!(
            "CREATE DATABASE {quoted} ENCODING 'UTF8' TEMPLATE template0"
        ))
    }

    fn is_duplicate_database(&self, e: &sqlx::Error) -> bool {
        // 42P04 duplicate_database; 23505 when two CREATE DATABASE race on pg_database's index.
        e.as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|c| c == "42P04" || c == "23505")
    }

    fn is_unknown_database(&self, e: &sqlx::Error) -> bool {
        // 3D000 invalid_catalog_name.
        e.as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|c| c == "3D000")
    }

    fn lock_method(&self) -> LockMethod {
        LockMethod::Session {
            try_lock: "SELECT CAST(CASE WHEN pg_try_advisory_lock(hashtext($1)) THEN 1 ELSE 0 END AS BIGINT)",
            unlock: "SELECT CAST(CASE WHEN pg_advisory_unlock(hashtext($1)) THEN 1 ELSE 0 END AS BIGINT)",
        }
    }

    fn session_setup(&self, l: &SessionLimits) -> Option<String> {
        let idle_ms = l.idle.as_millis();
        let idle_s = l.idle.as_secs().max(1);
        // idle_session_timeout and client_connection_check_interval exist from
        // PostgreSQL 14; set_config in a filtered SELECT skips them before that.
        Some(format!(
            "SET statement_timeout = {}; SET lock_timeout = {}; \
             SET idle_in_transaction_session_timeout = {idle_ms}; \
             SET tcp_keepalives_idle = {idle_s}; SET tcp_keepalives_interval = {}; SET tcp_keepalives_count = 3; \
             SELECT set_config('idle_session_timeout', '{idle_ms}', false), \
             set_config('client_connection_check_interval', '{}', false) \
             WHERE current_setting('server_version_num')::int >= 140000",
            l.statement.as_millis(),
            l.lock_wait.as_millis(),
            (idle_s / 3).max(1),
            l.idle.min(Duration::from_secs(5)).as_millis(),
        ))
    }

    fn statement_limit_sql(&self, limit: Duration) -> Option<String> {
        Some(format!("SET statement_timeout = {}", limit.as_millis()))
    }
}

impl LiveBackend for MySqlBackend {
    fn create_database_sql(&self, quoted: &str, charset: &str) -> Option<String> {
        Some(format!(
            "CREATE DATABASE IF NOT EXISTS {quoted} CHARACTER SET {charset}"
        ))
    }

    fn is_unknown_database(&self, e: &sqlx::Error) -> bool {
        // ER_BAD_DB_ERROR (1049) carries the generic SQLSTATE 42000; its text is stable.
        e.as_database_error()
            .is_some_and(|d| d.message().starts_with("Unknown database"))
    }

    fn lock_method(&self) -> LockMethod {
        LockMethod::Session {
            try_lock: "SELECT CAST(COALESCE(GET_LOCK(?, 0), 0) AS SIGNED)",
            unlock: "SELECT CAST(COALESCE(RELEASE_LOCK(?), 0) AS SIGNED)",
        }
    }

    fn session_setup(&self, l: &SessionLimits) -> Option<String> {
        let idle = l.idle.as_secs().max(1);
        let lock = l.lock_wait.as_secs().max(1);
        // `/*M!100101 ... */` is read by MariaDB 10.1.1+ only: MySQL has no
        // max_statement_time (its max_execution_time covers SELECT alone, and
        // MariaDB refuses that name), so MySQL relies on the client-side bound.
        Some(format!(
            "SET SESSION lock_wait_timeout = {lock}, innodb_lock_wait_timeout = {lock}, \
             wait_timeout = {idle}, net_read_timeout = {idle}, net_write_timeout = {idle} \
             /*M!100101 , max_statement_time = {} */",
            l.statement.as_secs()
        ))
    }

    fn statement_limit_sql(&self, limit: Duration) -> Option<String> {
        // A harmless user variable on MySQL; MariaDB also reads the comment.
        Some(format!(
            "SET @isdb_statement_limit = {0} /*M!100101 , max_statement_time = {0} */",
            limit.as_secs()
        ))
    }
}

impl LiveBackend for SqliteBackend {
    fn create_database_sql(&self, _: &str, _: &str) -> Option<String> {
        None
    }

    fn lock_method(&self) -> LockMethod {
        LockMethod::File
    }
}

impl Backend {
    /// The runner hooks for this backend.
    pub(crate) fn hooks(self) -> &'static dyn LiveBackend {
        match self {
            Backend::Postgres => &PostgresBackend,
            Backend::MySql => &MySqlBackend,
            Backend::Sqlite => &SqliteBackend,
        }
    }
}
