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
}
