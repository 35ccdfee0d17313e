//! PostgreSQL: sequences with `DEFAULT NEXTVAL`, transactional DDL.
//! <https://www.postgresql.org/docs/current/sql-createsequence.html>

use super::{Dialect, DialectData, dialect_struct};

dialect_struct!(
    /// PostgreSQL.
    Postgres,
    "postgres.toml"
);

impl Dialect for Postgres {
    fn data(&self) -> &DialectData {
        &self.data
    }

    fn supports_if_not_exists(&self) -> bool {
        true
    }
}
