//! MySQL 5.7/8 and MariaDB 10.2 or later (<https://dev.mysql.com/doc/refman/8.0/en/>,
//! <https://mariadb.com/kb/en/>).

use std::path::Path;
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sqlx::ConnectOptions;

use super::{Engine, LockMethod, SessionLimits, SessionSpec, TlsSpelling, bad_url, inspect_with};
use crate::error::Error;
use crate::inspect::CatalogFacts;
use crate::model::Schema;

/// MySQL or MariaDB.
#[derive(Debug)]
pub(super) struct MySql;

impl Engine for MySql {
    fn dialect_name(&self) -> &'static str {
        "mysql"
    }

    fn system_databases(&self) -> &'static [&'static str] {
        &["mysql", "information_schema", "performance_schema", "sys"]
    }

    fn url_passthrough_keys(&self) -> &'static [&'static str] {
        &[
            "sslcert",
            "ssl-cert",
            "sslkey",
            "ssl-key",
            "charset",
            "collation",
            "timezone",
            "time-zone",
        ]
    }

    fn tls_spelling(&self) -> Option<TlsSpelling> {
        Some(TlsSpelling::MySql)
    }

    fn client_command(&self) -> &'static str {
        "mariadb --user=USER < FILE (or mysql)"
    }

    fn connect_line(&self, _: &str, quoted: &str, _: Option<&Path>) -> String {
        format!("USE {quoted};")
    }

    fn table_rows_sql(&self) -> Option<&'static str> {
        Some(
            "SELECT CAST(TABLE_NAME AS CHAR), CAST(COALESCE(TABLE_ROWS, 0) AS SIGNED) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()",
        )
    }

    fn list_tables_sql(&self) -> &'static str {
        "SELECT CAST(TABLE_NAME AS CHAR) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
    }

    fn catalog_facts(&self) -> &'static CatalogFacts {
        &crate::inspect::mysql::CATALOG_FACTS
    }

    fn inspect<'a>(&'a self, spec: SessionSpec<'a>) -> BoxFuture<'a, Result<Schema, Error>> {
        async move {
            let opts = sqlx::mysql::MySqlConnectOptions::from_url(spec.url)
                .map_err(bad_url(spec.target))?;
            inspect_with(self, opts, &spec, |c| {
                crate::inspect::mysql::inspect(c).boxed()
            })
            .await
        }
        .boxed()
    }

    fn create_database_sql(&self, quoted: &str, charset: &str) -> Option<String> {
        Some(format!(
            "CREATE DATABASE IF NOT EXISTS {quoted} CHARACTER SET {charset}"
        ))
    }

    fn already_applied(&self, e: &sqlx::Error) -> bool {
        // 1050 table exists, 1054 unknown column (renamed already), 1060
        // duplicate column, 1061 duplicate key name, 1068 multiple primary
        // key, 1091 cannot drop (gone), 1146 no such table (renamed or dropped
        // already), 1826 duplicate foreign key name. MariaDB reports a
        // duplicate foreign key name as 1005 with InnoDB's errno 121 when the
        // key is added with foreign_key_checks on (ALGORITHM=COPY); 1005 with
        // any other errno (150: a malformed key) is a real failure.
        e.as_database_error()
            .and_then(|d| d.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>())
            .is_some_and(|m| match m.number() {
                1050 | 1054 | 1060 | 1061 | 1068 | 1091 | 1146 | 1826 => true,
                1005 => m.message().contains("errno: 121 "),
                _ => false,
            })
    }

    fn ends_session(&self, e: &dyn sqlx::error::DatabaseError) -> bool {
        // 1927 connection killed, 1053 server shutdown, 2006/2013 gone away/lost,
        // 4031 idle disconnect (MySQL 8).
        e.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
            .is_some_and(|m| matches!(m.number(), 1927 | 1053 | 2006 | 2013 | 4031))
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
        // No TCP keepalive here: MariaDB keeps SO_KEEPALIVE on every client
        // socket with the system's timers, and its tcp_keepalive_* are global
        // only. wait_timeout ends an idle session, net_*_timeout a stalled packet.
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
