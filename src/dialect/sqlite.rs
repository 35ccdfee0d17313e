//! SQLite: isdb's embedded default for trying and development, not supported by WSO2 IS.
//! Only a single-column INTEGER primary key can be generated (`AUTOINCREMENT`).
//! <https://www.sqlite.org/autoinc.html>

use super::{Dialect, DialectData, dialect_struct};

dialect_struct!(
    /// SQLite 3.
    Sqlite,
    "sqlite.toml"
);

impl Dialect for Sqlite {
    fn data(&self) -> &DialectData {
        &self.data
    }

    fn supports_if_not_exists(&self) -> bool {
        true
    }

    fn column_alter_style(&self) -> super::ColumnAlterStyle {
        super::ColumnAlterStyle::Rebuild
    }
}
