//! The live engines isdb connects to — PostgreSQL, MySQL/MariaDB and SQLite —
//! each registered once: its dialect (which gives its URL schemes), its connection,
//! session and lock hooks, its inspector and its catalog facts.
//!
//! The migration algorithm (`migrate`) is written once and asks an [`Engine`]
//! for the primitives that differ, as sqlx's `Migrator` asks a driver's
//! `Migrate`; it never branches on an engine's name. An engine is one file
//! here ([`postgres`], [`mysql`], [`sqlite`]) plus one line in [`Backend`]:
//! adding one touches nothing else in the runner, `verify` or `baseline`.
//! What only the SQL text needs (quoting, types, scripts) stays in
//! [`crate::dialect`], which knows nothing of connections.

mod mysql;
mod postgres;
mod sqlite;

use std::fmt;
use std::path::Path;
use std::time::Duration;

use futures_util::future::BoxFuture;
use sqlx::ConnectOptions;
use url::Url;

use crate::dialect::Dialect;
use crate::error::{Error, MigrateError};
use crate::inspect::CatalogFacts;
use crate::model::Schema;

/// A live database engine isdb can connect to: the key of its registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// PostgreSQL.
    Postgres,
    /// MySQL or MariaDB.
    MySql,
    /// SQLite files (the embedded default).
    Sqlite,
}

impl Backend {
    /// Every live engine, in the order messages list them.
    pub const ALL: [Backend; 3] = [Backend::Postgres, Backend::MySql, Backend::Sqlite];

    /// The engine registered under this key. The one place a backend maps to its code.
    pub fn engine(self) -> &'static dyn Engine {
        match self {
            Backend::Postgres => &postgres::Postgres,
            Backend::MySql => &mysql::MySql,
            Backend::Sqlite => &sqlite::Sqlite,
        }
    }

    /// The dialect whose scripts this engine runs.
    pub fn dialect(self) -> &'static dyn Dialect {
        self.engine().dialect()
    }

    /// The live engine a URL scheme (`postgresql`, `mariadb`, ...) names, any
    /// case: the engine of the dialect the scheme names ([`crate::dialect::by_scheme`]).
    pub fn from_scheme(scheme: &str) -> Option<Backend> {
        crate::dialect::by_scheme(scheme).and_then(Backend::of_dialect)
    }

    /// The engine whose scripts `dialect` writes, if it is a live one.
    pub fn of_dialect(dialect: &dyn Dialect) -> Option<Backend> {
        Backend::ALL
            .into_iter()
            .find(|b| b.engine().dialect_name() == dialect.name())
    }
}

/// The server-side limits every session of a run gets.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// Any one statement.
    pub statement: Duration,
    /// Waiting for a lock inside the server.
    pub lock_wait: Duration,
    /// A session whose client stopped talking (idle, or idle in a transaction).
    pub idle: Duration,
}

/// How an engine serializes runners on one database.
#[derive(Debug, Clone, Copy)]
pub enum LockMethod {
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

/// How a URL spells TLS settings for the engine's driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsSpelling {
    /// `sslmode=verify-full&sslrootcert=...` (libpq's names).
    Libpq,
    /// `ssl-mode=VERIFY_IDENTITY&ssl-ca=...` (MySQL's names; no `allow` mode).
    MySql,
}

/// Where and how to open one session: everything [`open`] needs, with no
/// password in `target`.
pub struct SessionSpec<'a> {
    /// The URL to connect with (holds the password; never log it).
    pub url: &'a Url,
    /// Where, for messages.
    pub target: &'a str,
    /// How long connecting (and setting the limits) may take.
    pub connect_timeout: Duration,
    /// The server-side limits of the session.
    pub limits: SessionLimits,
}

/// One live engine's primitives. Every method that has a default describes
/// the common case; an engine overrides only what differs.
pub trait Engine: fmt::Debug + Sync {
    /// The name of its dialect (`postgres`, `mysql`, `sqlite`).
    fn dialect_name(&self) -> &'static str;

    /// Its dialect.
    fn dialect(&self) -> &'static dyn Dialect {
        let name = self.dialect_name();
        crate::dialect::by_name(name).unwrap_or_else(|| unreachable!("built-in dialect {name}"))
    }

    /// Whether its databases are local files: no server, host or password.
    fn is_embedded(&self) -> bool {
        false
    }

    /// Whether its driver can connect to an IPv6 literal (`[::1]`).
    fn reaches_ipv6_literals(&self) -> bool {
        true
    }

    /// The databases a server keeps for itself (never a place for WSO2's tables).
    fn system_databases(&self) -> &'static [&'static str] {
        &[]
    }

    /// Whether an unquoted database name is folded to lower case, so that a
    /// name with upper-case letters would be created under one name and
    /// reached under another.
    fn folds_database_names(&self) -> bool {
        false
    }

    /// The URL query parameters passed on to its driver as they are.
    fn url_passthrough_keys(&self) -> &'static [&'static str] {
        &[]
    }

    /// How its URLs spell TLS settings (`None`: it has none).
    fn tls_spelling(&self) -> Option<TlsSpelling> {
        None
    }

    /// Its own command-line client, as a dry run's script is run with it.
    fn client_command(&self) -> &'static str;

    /// The line that makes its client continue in a database: `location` is
    /// where it is (no password), `quoted` its quoted name, `file` its file.
    fn connect_line(&self, location: &str, quoted: &str, file: Option<&Path>) -> String;

    /// A query listing the tables of the connection's current database or schema.
    fn list_tables_sql(&self) -> &'static str;

    /// A query of `(table, estimated rows)` for every table of the current
    /// database, from the engine's statistics (no table scan); `None` where
    /// the engine keeps none (SQLite).
    fn table_rows_sql(&self) -> Option<&'static str> {
        None
    }

    /// Whether `DROP DATABASE` needs every session in it closed first (the
    /// lock's included).
    fn drop_needs_no_sessions(&self) -> bool {
        false
    }

    /// What its live catalog reports differently from the SQL that created the objects.
    fn catalog_facts(&self) -> &'static CatalogFacts;

    /// Reads the database `spec` names back into the model, on a session
    /// opened by [`open`] (limits set), closed afterwards.
    fn inspect<'a>(&'a self, spec: SessionSpec<'a>) -> BoxFuture<'a, Result<Schema, Error>>;

    /// The bind placeholder for the `n`-th parameter (1-based).
    fn placeholder(&self, _n: usize) -> String {
        "?".into()
    }

    /// The database to connect to for server-level work (`None`: none).
    fn maintenance_database(&self) -> Option<&'static str> {
        None
    }

    /// `CREATE DATABASE` for an already quoted name (`None`: the database is
    /// a file, created on first connect).
    fn create_database_sql(&self, quoted: &str, mysql_charset: &str) -> Option<String>;

    /// Whether an error from `CREATE DATABASE` means another runner created it first.
    fn is_duplicate_database(&self, e: &sqlx::Error) -> bool {
        let _ = e;
        false
    }

    /// A statement that shortens the lock wait of the current transaction, so
    /// that an online step's DDL gives way to a long transaction instead of
    /// queueing every writer behind it; `None` where the engine has none.
    fn short_lock_wait_sql(&self) -> Option<&'static str> {
        None
    }

    /// Whether a statement failed because its lock wait expired.
    fn is_lock_wait_expired(&self, e: &sqlx::Error) -> bool {
        let _ = e;
        false
    }

    /// A query of the names of the current schema's invalid indexes (left by
    /// a concurrent build that was killed); `None` where there are none.
    fn invalid_indexes_sql(&self) -> Option<&'static str> {
        None
    }

    /// Whether a DDL statement's error says its work is already done (the
    /// column, key or table it adds exists; the one it drops or renames is
    /// gone). Asked only for the one statement a killed run may have applied
    /// without recording it, on engines whose DDL commits by itself.
    fn already_applied(&self, e: &sqlx::Error) -> bool {
        let _ = e;
        false
    }

    /// Whether a server error means the session itself ended (killed,
    /// shut down, timed out), as opposed to one statement failing.
    fn ends_session(&self, e: &dyn sqlx::error::DatabaseError) -> bool {
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

/// The one way isdb opens a session, for any sqlx driver: connect and set
/// `engine`'s session limits, all within the connect timeout. The runner's
/// `Any` connections and the inspectors' typed ones both come from here.
pub async fn open<O>(
    engine: &dyn Engine,
    opts: O,
    spec: &SessionSpec<'_>,
) -> Result<O::Connection, Error>
where
    O: ConnectOptions,
    O::Connection: SessionConnection,
{
    let target = spec.target;
    let setup = engine.session_setup(&spec.limits);
    let attempt = async {
        let mut c = opts
            .connect()
            .await
            .map_err(|e| Error::db(format!("cannot connect to {target}"), e))?;
        if let Some(sql) = setup {
            c.run_setup(sql)
                .await
                .map_err(|e| Error::db(format!("cannot set the session limits on {target}"), e))?;
        }
        Ok(c)
    };
    match tokio::time::timeout(spec.connect_timeout, attempt).await {
        Ok(r) => r,
        Err(_) => Err(MigrateError::ConnectTimeout {
            target: target.to_string(),
            after: spec.connect_timeout,
        }
        .into()),
    }
}

/// A connection type [`open`] sets session limits on.
pub trait SessionConnection: sqlx::Connection + Sized {
    /// Runs `sql` (several statements) as it is.
    fn run_setup(&mut self, sql: String) -> BoxFuture<'_, Result<(), sqlx::Error>>;
}

macro_rules! session_connection {
    ($($ty:ty),*) => {$(
        impl SessionConnection for $ty {
            fn run_setup(&mut self, sql: String) -> BoxFuture<'_, Result<(), sqlx::Error>> {
                Box::pin(async move {
                    sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(self).await.map(|_| ())
                })
            }
        }
    )*};
}

session_connection!(
    sqlx::AnyConnection,
    sqlx::PgConnection,
    sqlx::MySqlConnection,
    sqlx::SqliteConnection
);

/// The catalog facts of `dialect`'s engine (none for a dialect isdb does not
/// connect to).
pub fn catalog_facts(dialect: &dyn Dialect) -> &'static CatalogFacts {
    static NO_FACTS: CatalogFacts = CatalogFacts {
        type_rules: &[],
        unique_indexes_are_constraints: false,
    };
    Backend::of_dialect(dialect).map_or(&NO_FACTS, |b| b.engine().catalog_facts())
}

/// Opens a session with typed `opts`, runs `inspect` on it and closes it.
async fn inspect_with<O, F>(
    engine: &dyn Engine,
    opts: O,
    spec: &SessionSpec<'_>,
    inspect: F,
) -> Result<Schema, Error>
where
    O: ConnectOptions,
    O::Connection: SessionConnection,
    F: for<'c> FnOnce(&'c mut O::Connection) -> BoxFuture<'c, Result<Schema, Error>>,
{
    use sqlx::Connection;
    let mut c = open(engine, opts, spec).await?;
    let schema = inspect(&mut c).await;
    let _ = c.close().await;
    schema
}

/// A URL sqlx refuses, as the error says it.
fn bad_url(target: &str) -> impl FnOnce(sqlx::Error) -> Error + '_ {
    move |e| Error::db(format!("cannot use the URL for {target}"), e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_engine_is_found_by_its_dialect_and_its_schemes() {
        for b in Backend::ALL {
            assert_eq!(Backend::of_dialect(b.dialect()), Some(b));
            let name = b.engine().dialect_name();
            assert_eq!(Backend::from_scheme(name), Some(b), "{name}");
            assert_eq!(Backend::from_scheme(&name.to_ascii_uppercase()), Some(b));
        }
        assert_eq!(Backend::from_scheme("postgresql"), Some(Backend::Postgres));
        assert_eq!(Backend::from_scheme("MariaDB"), Some(Backend::MySql));
        for not_live in ["oracle", "sqlserver", "db2", "h2", "ftp"] {
            assert_eq!(Backend::from_scheme(not_live), None, "{not_live}");
        }
    }

    #[test]
    fn only_live_engines_have_catalog_facts() {
        for d in crate::dialect::all() {
            let facts = catalog_facts(d);
            match Backend::of_dialect(d) {
                Some(b) => assert!(
                    std::ptr::eq(facts, b.engine().catalog_facts()),
                    "{}",
                    d.name()
                ),
                None => assert!(facts.type_rules.is_empty(), "{}", d.name()),
            }
        }
        let mysql = catalog_facts(Backend::MySql.dialect());
        assert!(mysql.unique_indexes_are_constraints);
    }
}
