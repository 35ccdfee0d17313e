//! Oracle and Oracle RAC: sequence + BEFORE INSERT trigger per identity column,
//! statements ended by `/` lines for SQL*Plus/SQLcl, 30-character names (pre-12.2).
//! RAC differs only in its data (`dialects/oracle-rac.toml`: ordered, cached
//! sequences and `base = "oracle"` for the overrides).
//! <https://docs.oracle.com/en/database/oracle/oracle-database/19/lnpls/CREATE-TRIGGER-statement.html>

use std::sync::OnceLock;

use super::{Dialect, DialectData};

/// Oracle Database, single instance or RAC.
#[derive(Debug)]
pub struct Oracle {
    data: DialectData,
}

impl Oracle {
    /// The single-instance dialect.
    pub fn get() -> &'static dyn Dialect {
        static CELL: OnceLock<Oracle> = OnceLock::new();
        CELL.get_or_init(|| Oracle {
            data: DialectData::parse(include_str!("../../dialects/oracle.toml")),
        })
    }

    /// The RAC dialect.
    pub fn rac() -> &'static dyn Dialect {
        static CELL: OnceLock<Oracle> = OnceLock::new();
        CELL.get_or_init(|| Oracle {
            data: DialectData::parse(include_str!("../../dialects/oracle-rac.toml")),
        })
    }
}

impl Dialect for Oracle {
    fn data(&self) -> &DialectData {
        &self.data
    }

    fn constant_select_from(&self) -> Option<&str> {
        Some("DUAL")
    }

    fn sequence_rename(&self) -> super::SequenceRename {
        super::SequenceRename::Rename
    }

    fn identity_trigger(
        &self,
        table: &str,
        column: &str,
        sequence: &str,
        name: &str,
    ) -> Option<String> {
        Some(format!(
            "CREATE OR REPLACE TRIGGER {name}\n    BEFORE INSERT\n    ON {table}\n    REFERENCING NEW AS NEW\n    FOR EACH ROW\n    BEGIN\n        SELECT {sequence}.nextval INTO :NEW.{column} FROM dual;\n    END;"
        ))
    }

    fn column_alter_style(&self) -> super::ColumnAlterStyle {
        super::ColumnAlterStyle::Modify
    }

    /// <https://docs.oracle.com/en/database/oracle/oracle-database/19/sqlrf/ALTER-TABLE.html>
    /// (`drop_constraint_clause`).
    fn drops_unique_by_columns(&self) -> bool {
        true
    }
}
