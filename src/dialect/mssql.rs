//! Microsoft SQL Server: IDENTITY columns, `GO` batches for sqlcmd.
//! <https://learn.microsoft.com/sql/tools/sqlcmd/sqlcmd-utility>

use super::{Dialect, DialectData, dialect_struct};

dialect_struct!(
    /// MS SQL Server.
    MsSql,
    "mssql.toml"
);

impl Dialect for MsSql {
    fn data(&self) -> &DialectData {
        &self.data
    }

    fn column_alter_style(&self) -> super::ColumnAlterStyle {
        super::ColumnAlterStyle::AlterColumn
    }

    fn rename_style(&self) -> super::RenameStyle {
        super::RenameStyle::SpRename
    }

    fn drop_index_names_table(&self) -> bool {
        true
    }
}
