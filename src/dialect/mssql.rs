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
}
