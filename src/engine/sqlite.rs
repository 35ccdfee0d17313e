//! SQLite 3.16 or later, the embedded default (<https://www.sqlite.org/lang.html>).

use std::path::Path;

use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use sqlx::ConnectOptions;

use super::{Engine, LockMethod, SessionSpec, bad_url, inspect_with};
use crate::error::Error;
use crate::inspect::CatalogFacts;
use crate::model::Schema;

/// SQLite files.
#[derive(Debug)]
pub(super) struct Sqlite;

impl Engine for Sqlite {
    fn dialect_name(&self) -> &'static str {
        "sqlite"
    }

    fn is_embedded(&self) -> bool {
        true
    }

    fn client_command(&self) -> &'static str {
        "sqlite3 -bail < FILE"
    }

    fn connect_line(&self, _: &str, quoted: &str, file: Option<&Path>) -> String {
        match file {
            Some(p) => format!(".open '{}'", p.display().to_string().replace('\'', "''")),
            None => format!(".open {quoted}"),
        }
    }

    fn list_tables_sql(&self) -> &'static str {
        "SELECT name FROM sqlite_master WHERE type = 'table'"
    }

    fn catalog_facts(&self) -> &'static CatalogFacts {
        &crate::inspect::sqlite::CATALOG_FACTS
    }

    fn inspect<'a>(&'a self, spec: SessionSpec<'a>) -> BoxFuture<'a, Result<Schema, Error>> {
        async move {
            // Inspecting must never create an empty database file.
            let opts = sqlx::sqlite::SqliteConnectOptions::from_url(spec.url)
                .map_err(bad_url(spec.target))?
                .create_if_missing(false);
            inspect_with(self, opts, &spec, |c| {
                crate::inspect::sqlite::inspect(c).boxed()
            })
            .await
        }
        .boxed()
    }

    fn create_database_sql(&self, _: &str, _: &str) -> Option<String> {
        None
    }

    fn lock_method(&self) -> LockMethod {
        LockMethod::File
    }
}
