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

    fn column_alter_style(&self) -> super::ColumnAlterStyle {
        super::ColumnAlterStyle::AlterType
    }

    fn ddl_locking(&self) -> super::DdlLocking {
        super::DdlLocking::CatalogFirst
    }

    fn concurrent_index_builds(&self) -> bool {
        true
    }

    fn implicit_constraint_name(
        &self,
        table: &str,
        kind: super::ImplicitConstraint,
        columns: &[String],
    ) -> Option<String> {
        // PostgreSQL's ChooseConstraintName: <table>_<columns>_key / _fkey, folded.
        let suffix = match kind {
            super::ImplicitConstraint::Unique => "key",
            super::ImplicitConstraint::ForeignKey { .. } => "fkey",
        };
        let name = format!("{table}_{}_{suffix}", columns.join("_")).to_ascii_lowercase();
        (name.len() <= self.data.max_identifier_length).then_some(name)
    }

    fn primary_key_name(&self, table: &str) -> Option<String> {
        Some(format!("{table}_pkey").to_ascii_lowercase())
    }
}
