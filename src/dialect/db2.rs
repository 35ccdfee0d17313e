//! IBM DB2: sequence + `NO CASCADE BEFORE INSERT` trigger, `/`-terminated scripts for `db2 -td/`.
//! <https://www.ibm.com/docs/en/db2/11.5?topic=statements-create-trigger>

use super::{Dialect, DialectData, dialect_struct};

dialect_struct!(
    /// IBM DB2 LUW.
    Db2,
    "db2.toml"
);

impl Dialect for Db2 {
    fn data(&self) -> &DialectData {
        &self.data
    }

    fn constant_select_from(&self) -> Option<&str> {
        Some("SYSIBM.SYSDUMMY1")
    }

    fn identity_trigger(
        &self,
        table: &str,
        column: &str,
        sequence: &str,
        name: &str,
    ) -> Option<String> {
        Some(format!(
            "CREATE TRIGGER {name} NO CASCADE\n    BEFORE INSERT\n    ON {table}\n    REFERENCING NEW AS NEW\n    FOR EACH ROW MODE DB2SQL\n    BEGIN ATOMIC\n        SET (NEW.{column}) = (NEXTVAL FOR {sequence});\n    END"
        ))
    }

    fn rename_style(&self) -> super::RenameStyle {
        super::RenameStyle::RenameTable
    }

    fn sequence_rename(&self) -> super::SequenceRename {
        super::SequenceRename::Unsupported
    }
}
