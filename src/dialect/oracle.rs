//! Oracle and Oracle RAC: sequence + BEFORE INSERT trigger per identity column,
//! statements ended by `/` lines for SQL*Plus/SQLcl, 30-character names (pre-12.2).
//! <https://docs.oracle.com/en/database/oracle/oracle-database/19/lnpls/CREATE-TRIGGER-statement.html>

use super::{Dialect, DialectData, dialect_struct};

dialect_struct!(
    /// Oracle Database, single instance.
    Oracle,
    "oracle.toml"
);

dialect_struct!(
    /// Oracle RAC: Oracle with ordered, cached sequences, as WSO2's oracle_rac scripts.
    OracleRac,
    "oracle-rac.toml"
);

fn trigger(table: &str, column: &str, sequence: &str, trigger: &str) -> String {
    format!(
        "CREATE OR REPLACE TRIGGER {trigger}\n    BEFORE INSERT\n    ON {table}\n    REFERENCING NEW AS NEW\n    FOR EACH ROW\n    BEGIN\n        SELECT {sequence}.nextval INTO :NEW.{column} FROM dual;\n    END;"
    )
}

impl Dialect for Oracle {
    fn data(&self) -> &DialectData {
        &self.data
    }

    fn identity_trigger(
        &self,
        table: &str,
        column: &str,
        sequence: &str,
        name: &str,
    ) -> Option<String> {
        Some(trigger(table, column, sequence, name))
    }
}

impl Dialect for OracleRac {
    fn data(&self) -> &DialectData {
        &self.data
    }

    fn identity_trigger(
        &self,
        table: &str,
        column: &str,
        sequence: &str,
        name: &str,
    ) -> Option<String> {
        Some(trigger(table, column, sequence, name))
    }
}
