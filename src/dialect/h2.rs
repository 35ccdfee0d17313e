//! H2: WSO2's embedded database. H2 2.x reserves `VALUE`, which WSO2 uses as a
//! column name; it is written quoted in upper case, the name H2 1.x folded it to.
//! <https://h2database.com/html/advanced.html#keywords>

use super::{Dialect, DialectData, dialect_struct};

dialect_struct!(
    /// H2 1.3+ / 2.x.
    H2,
    "h2.toml"
);

impl Dialect for H2 {
    fn data(&self) -> &DialectData {
        &self.data
    }

    fn supports_if_not_exists(&self) -> bool {
        true
    }
}
