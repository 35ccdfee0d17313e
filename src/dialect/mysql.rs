//! MySQL and MariaDB: AUTO_INCREMENT, InnoDB tables, DDL that commits implicitly.
//! <https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html>

use super::{Dialect, DialectData, dialect_struct};

dialect_struct!(
    /// MySQL 5.7/8 and MariaDB 10.2+.
    MySql,
    "mysql.toml"
);

impl Dialect for MySql {
    fn data(&self) -> &DialectData {
        &self.data
    }

    fn constant_select_from(&self) -> Option<&str> {
        Some("DUAL")
    }

    fn supports_if_not_exists(&self) -> bool {
        true
    }

    fn supports_inline_indexes(&self) -> bool {
        true
    }

    fn column_alter_style(&self) -> super::ColumnAlterStyle {
        super::ColumnAlterStyle::ModifyColumn
    }

    fn ddl_locking(&self) -> super::DdlLocking {
        super::DdlLocking::InnoDbOnline
    }

    fn drops_constraints_as_keys(&self) -> bool {
        true
    }

    fn drop_index_names_table(&self) -> bool {
        true
    }

    fn implicit_constraint_name(
        &self,
        table: &str,
        kind: super::ImplicitConstraint,
        columns: &[String],
    ) -> Option<String> {
        // InnoDB names an unnamed unique key after its first column and an
        // unnamed foreign key <table>_ibfk_<n>.
        match kind {
            super::ImplicitConstraint::Unique => columns.first().cloned(),
            super::ImplicitConstraint::ForeignKey { ordinal } => {
                Some(format!("{table}_ibfk_{ordinal}"))
            }
        }
    }
}
