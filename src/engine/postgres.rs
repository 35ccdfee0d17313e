//! PostgreSQL 10 or later (<https://www.postgresql.org/docs/current/>).

use std::path::Path;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sqlx::ConnectOptions;

use super::{Engine, LockMethod, SessionLimits, SessionSpec, TlsSpelling, bad_url, inspect_with};
use crate::error::Error;
use crate::inspect::CatalogFacts;
use crate::model::Schema;

/// PostgreSQL.
#[derive(Debug)]
pub(super) struct Postgres;

impl Engine for Postgres {
    fn dialect_name(&self) -> &'static str {
        "postgres"
    }

    fn system_databases(&self) -> &'static [&'static str] {
        &["postgres", "template0", "template1"]
    }

    fn folds_database_names(&self) -> bool {
        true
    }

    fn url_passthrough_keys(&self) -> &'static [&'static str] {
        &[
            "sslcert",
            "ssl-cert",
            "sslkey",
            "ssl-key",
            "application_name",
            "options",
        ]
    }

    fn tls_spelling(&self) -> Option<TlsSpelling> {
        Some(TlsSpelling::Libpq)
    }

    fn client_command(&self) -> &'static str {
        "psql -v ON_ERROR_STOP=1 -d postgres -f FILE"
    }

    fn connect_line(&self, location: &str, _: &str, _: Option<&Path>) -> String {
        format!("\\connect {location}")
    }

    fn short_lock_wait_sql(&self) -> Option<&'static str> {
        Some("SET LOCAL lock_timeout = '2s'")
    }

    // 55P03 lock_not_available: lock_timeout expired.
    fn is_lock_wait_expired(&self, e: &sqlx::Error) -> bool {
        e.as_database_error()
            .and_then(|d| d.code())
            .is_some_and(|c| c == "55P03")
    }

    fn invalid_indexes_sql(&self) -> Option<&'static str> {
        Some(
            "SELECT CAST(c.relname AS TEXT) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace WHERE NOT i.indisvalid AND n.nspname = current_schema()",
        )
    }

    // reltuples is -1 for a table never analyzed (14+), 0 before.
    fn table_rows_sql(&self) -> Option<&'static str> {
        Some(
            "SELECT CAST(c.relname AS TEXT), CAST(GREATEST(c.reltuples, 0) AS BIGINT) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind = 'r'",
        )
    }

    fn list_tables_sql(&self) -> &'static str {
        "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = current_schema()"
    }

    // https://www.postgresql.org/docs/current/sql-dropdatabase.html: "It cannot
    // be executed while you are connected to the target database."
    fn drop_needs_no_sessions(&self) -> bool {
        true
    }

    fn catalog_facts(&self) -> &'static CatalogFacts {
        &crate::inspect::postgres::CATALOG_FACTS
    }

    fn inspect<'a>(&'a self, spec: SessionSpec<'a>) -> BoxFuture<'a, Result<Schema, Error>> {
        async move {
            let opts = sqlx::postgres::PgConnectOptions::from_url(spec.url)
                .map_err(bad_url(spec.target))?;
            inspect_with(self, opts, &spec, |c| {
                crate::inspect::postgres::inspect(c).boxed()
            })
            .await
        }
        .boxed()
    }

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

    fn ends_session(&self, e: &dyn sqlx::error::DatabaseError) -> bool {
        // 57P01 admin_shutdown (pg_terminate_backend), 57P02/57P03 shutdown,
        // 57P05 idle_session_timeout, 25P03 idle_in_transaction timeout, class 08
        // connection exceptions.
        e.code().is_some_and(|c| {
            matches!(&*c, "57P01" | "57P02" | "57P03" | "57P05" | "25P03") || c.starts_with("08")
        })
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
        // The server's end of the connection gets TCP keepalives (a client that
        // vanished is found within about twice --idle-timeout, even mid-statement
        // with client_connection_check_interval) and a TCP user timeout (data it
        // sends a frozen client stays unacknowledged at most --idle-timeout).
        // sqlx has no client-side keepalive; isdb bounds its own waits instead.
        // tcp_user_timeout exists from PostgreSQL 12, idle_session_timeout and
        // client_connection_check_interval from 14: set_config in a filtered
        // SELECT skips each before that.
        Some(format!(
            "SET statement_timeout = {}; SET lock_timeout = {}; \
             SET idle_in_transaction_session_timeout = {idle_ms}; \
             SET tcp_keepalives_idle = {idle_s}; SET tcp_keepalives_interval = {}; SET tcp_keepalives_count = 3; \
             SELECT set_config('tcp_user_timeout', '{idle_ms}', false) \
             WHERE current_setting('server_version_num')::int >= 120000; \
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
