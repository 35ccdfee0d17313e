//! Introspection: reading a live database back into the schema model.
//!
//! One inspector per RDBMS, each taking the concrete sqlx connection and
//! returning a [`Schema`] of the connection's current schema (PostgreSQL
//! `current_schema()`, the MySQL `DATABASE()`, the SQLite `main` database):
//!
//! - [`postgres::inspect`] (PostgreSQL 10 or later),
//! - [`mysql::inspect`] (MySQL 5.7/8, MariaDB 10.2 or later),
//! - [`sqlite::inspect`] (SQLite 3.16 or later).
//!
//! What comes back, and how it maps onto the model:
//!
//! - Table and column names in upper case (PostgreSQL folds unquoted names to
//!   lower case; WSO2's names are upper case everywhere else).
//! - [`Column::native`](crate::model::Column::native) holds the type exactly as
//!   the catalog reports it (`character varying(255)`, `int(11)`, the declared
//!   type on SQLite); [`Column::ty`](crate::model::Column::ty) is a best-effort
//!   neutral reading of it ([`neutral_type`]). Comparisons use `native`, through
//!   the dialect's type equivalence and the catalog's own equivalences
//!   ([`catalog_facts`]).
//! - Defaults parsed to [`DefaultValue`](crate::model::DefaultValue); a default
//!   that generates the key (PostgreSQL `nextval(...)`) is reported as
//!   `identity`, with the sequence in the table's
//!   [`KeyGenerator::sequence`](crate::model::KeyGenerator), not as a default.
//!   A default the model cannot express (a function call other than the current
//!   timestamp) is kept as its SQL text in a [`DefaultValue::Str`](crate::model::DefaultValue::Str).
//! - Unique constraints and foreign keys carry their name only where someone
//!   chose it; names the RDBMS generated (`<table>_<cols>_key`, `<table>_ibfk_1`,
//!   `sqlite_autoindex_...`) come back as `None`.
//! - Indexes are the ones created with `CREATE INDEX`: indexes that back a
//!   primary key or unique constraint, and those MySQL creates implicitly for a
//!   foreign key, are left out.
//! - ON DELETE `RESTRICT` reads as [`OnDelete::NoAction`](crate::model::OnDelete)
//!   (the model has no RESTRICT; InnoDB treats them alike and PostgreSQL differs
//!   only for deferred checks); `SET DEFAULT` reads as no action as well.
//! - Bookkeeping tables (`ISDB_*`, see [`is_bookkeeping`]) are left out.
//! - Seed rows are data, not schema: [`Schema::seeds`] is always empty.

pub mod mysql;
pub mod postgres;
pub mod sqlite;

use std::collections::BTreeMap;

use crate::model::{ColumnType, Schema, Table};

/// Whether `table` is one of isdb's own bookkeeping tables (`ISDB_*`, any case),
/// which inspection and diffing ignore.
pub fn is_bookkeeping(table: &str) -> bool {
    table
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("ISDB_"))
}

/// How a live catalog spells types, beyond the spellings the dialect's own
/// `type_aliases` already equate.
///
/// A rule is applied to a type after [`Dialect::normalize_type`] (upper case,
/// single spaces, no space before `(`, none after `,`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeRule {
    /// The spelling on the left means the one on the right. A left side ending
    /// in `(` matches that prefix and keeps the rest (`NUMERIC(` → `DECIMAL(`).
    Same(&'static str, &'static str),
    /// `BASE(n)` is stored as the first listed type whose maximum size is at
    /// least `n` (MySQL turns `BLOB(4096)` into `BLOB`).
    SizedBy(&'static str, &'static [(u64, &'static str)]),
}

/// What a dialect's live catalog reports differently from the SQL that
/// created the objects, as data for the diff to apply.
#[derive(Debug, Clone, Copy)]
pub struct CatalogFacts {
    /// Type spellings the catalog reports for a type written otherwise.
    pub type_rules: &'static [TypeRule],
    /// Whether the catalog cannot tell `CREATE UNIQUE INDEX` from a UNIQUE
    /// constraint (MySQL: both are unique keys), so that the inspector reports
    /// every unique index as a unique constraint.
    pub unique_indexes_are_constraints: bool,
}

pub use crate::engine::catalog_facts;

impl TypeRule {
    /// `normalized` rewritten by this rule, if the rule applies to it.
    pub fn apply(&self, normalized: &str) -> Option<String> {
        match *self {
            TypeRule::Same(from, to) if from.ends_with('(') => normalized
                .strip_prefix(from)
                .map(|rest| format!("{to}{rest}")),
            TypeRule::Same(from, to) => (normalized == from).then(|| to.to_string()),
            TypeRule::SizedBy(base, sizes) => {
                let n: u64 = normalized
                    .strip_prefix(base)?
                    .strip_prefix('(')?
                    .strip_suffix(')')?
                    .parse()
                    .ok()?;
                sizes
                    .iter()
                    .find(|(max, _)| n <= *max)
                    .map(|(_, t)| t.to_string())
            }
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Kind {
    TinyInt,
    SmallInt,
    Integer,
    BigInt,
    Boolean,
    Char,
    Varchar,
    Clob,
    Blob,
    Varbinary,
    Timestamp,
    Date,
    Double,
    Decimal,
}

/// Catalog type names (upper case, size arguments removed) and the neutral
/// type they read as.
const NEUTRAL_NAMES: &[(&str, Kind)] = &[
    ("TINYINT", Kind::TinyInt),
    ("INT1", Kind::TinyInt),
    ("SMALLINT", Kind::SmallInt),
    ("INT2", Kind::SmallInt),
    ("MEDIUMINT", Kind::Integer),
    ("INT", Kind::Integer),
    ("INTEGER", Kind::Integer),
    ("INT4", Kind::Integer),
    ("BIGINT", Kind::BigInt),
    ("INT8", Kind::BigInt),
    ("BOOLEAN", Kind::Boolean),
    ("BOOL", Kind::Boolean),
    ("BIT", Kind::Boolean),
    ("CHAR", Kind::Char),
    ("CHARACTER", Kind::Char),
    ("BPCHAR", Kind::Char),
    ("NCHAR", Kind::Char),
    ("VARCHAR", Kind::Varchar),
    ("CHARACTER VARYING", Kind::Varchar),
    ("NVARCHAR", Kind::Varchar),
    ("VARCHAR2", Kind::Varchar),
    ("TEXT", Kind::Clob),
    ("TINYTEXT", Kind::Clob),
    ("MEDIUMTEXT", Kind::Clob),
    ("LONGTEXT", Kind::Clob),
    ("CLOB", Kind::Clob),
    ("LONGVARCHAR", Kind::Clob),
    ("BLOB", Kind::Blob),
    ("TINYBLOB", Kind::Blob),
    ("MEDIUMBLOB", Kind::Blob),
    ("LONGBLOB", Kind::Blob),
    ("BYTEA", Kind::Blob),
    ("OID", Kind::Blob),
    ("IMAGE", Kind::Blob),
    ("VARBINARY", Kind::Varbinary),
    ("BINARY VARYING", Kind::Varbinary),
    ("TIMESTAMP", Kind::Timestamp),
    ("TIMESTAMP WITHOUT TIME ZONE", Kind::Timestamp),
    ("TIMESTAMP WITH TIME ZONE", Kind::Timestamp),
    ("TIMESTAMPTZ", Kind::Timestamp),
    ("DATETIME", Kind::Timestamp),
    ("DATE", Kind::Date),
    ("DOUBLE", Kind::Double),
    ("DOUBLE PRECISION", Kind::Double),
    ("FLOAT8", Kind::Double),
    ("FLOAT", Kind::Double),
    ("REAL", Kind::Double),
    ("DECIMAL", Kind::Decimal),
    ("NUMERIC", Kind::Decimal),
    ("NUMBER", Kind::Decimal),
];

/// A best-effort neutral reading of a type as a catalog reports it
/// (`character varying(255)` → `varchar(255)`, `tinyint(1)` → `boolean`,
/// `longblob` → `blob`). Unknown types read as [`ColumnType::Clob`]; the
/// column's `native` keeps the exact spelling.
pub fn neutral_type(native: &str) -> ColumnType {
    let upper = native.trim().to_ascii_uppercase();
    let (args, base) = match (upper.find('('), upper.find(')')) {
        (Some(open), Some(close)) if open < close => (
            upper[open + 1..close]
                .split(',')
                .map(|a| a.trim().parse::<u32>().ok())
                .collect::<Vec<_>>(),
            format!("{} {}", &upper[..open], &upper[close + 1..]),
        ),
        _ => (Vec::new(), upper.clone()),
    };
    let base = base
        .split_whitespace()
        .filter(|w| !matches!(*w, "UNSIGNED" | "ZEROFILL" | "SIGNED"))
        .collect::<Vec<_>>()
        .join(" ");
    let size = match args.first() {
        Some(Some(n)) if *n > 0 => Some(*n),
        _ => None,
    };
    let kind = NEUTRAL_NAMES
        .iter()
        .find(|(name, _)| *name == base)
        .map(|(_, k)| *k);
    match kind {
        Some(Kind::TinyInt) if size == Some(1) => ColumnType::Boolean,
        Some(Kind::TinyInt) => ColumnType::TinyInt,
        Some(Kind::SmallInt) => ColumnType::SmallInt,
        Some(Kind::Integer) => ColumnType::Integer,
        Some(Kind::BigInt) => ColumnType::BigInt,
        Some(Kind::Boolean) => ColumnType::Boolean,
        Some(Kind::Char) => ColumnType::Char(size.unwrap_or(1)),
        Some(Kind::Varchar) => size.map_or(ColumnType::Clob, ColumnType::Varchar),
        Some(Kind::Varbinary) => size.map_or(ColumnType::Blob, ColumnType::Varbinary),
        Some(Kind::Clob) => ColumnType::Clob,
        Some(Kind::Blob) => ColumnType::Blob,
        Some(Kind::Timestamp) => ColumnType::Timestamp,
        Some(Kind::Date) => ColumnType::Date,
        Some(Kind::Double) => ColumnType::Double,
        Some(Kind::Decimal) => match args.as_slice() {
            [Some(p)] if *p > 0 => ColumnType::Decimal(Some((*p, 0))),
            [Some(p), Some(s)] if *p > 0 && p >= s => ColumnType::Decimal(Some((*p, *s))),
            _ => ColumnType::Decimal(None),
        },
        None => ColumnType::Clob,
    }
}

/// Whether a neutral type holds integers (a quoted default such as
/// PostgreSQL's `'-1'::integer` then reads as a number).
pub(crate) fn is_integer(ty: ColumnType) -> bool {
    matches!(
        ty,
        ColumnType::TinyInt | ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
    )
}

/// Tables as they are read, by upper-case name; bookkeeping tables are never added.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    tables: BTreeMap<String, Table>,
}

impl Collector {
    /// Starts an empty table called `name` (upper-cased), unless it is bookkeeping.
    pub(crate) fn add_table(&mut self, name: &str) {
        if is_bookkeeping(name) {
            return;
        }
        let name = name.to_ascii_uppercase();
        self.tables.entry(name.clone()).or_insert_with(|| Table {
            name,
            columns: Vec::new(),
            primary_key: Vec::new(),
            unique: Vec::new(),
            foreign_keys: Vec::new(),
            indexes: Vec::new(),
            key_generator: Default::default(),
        });
    }

    /// The table called `name` (any case), if it was added.
    pub(crate) fn table(&mut self, name: &str) -> Option<&mut Table> {
        self.tables.get_mut(&name.to_ascii_uppercase())
    }

    /// The schema, tables in name order.
    pub(crate) fn finish(self) -> Schema {
        Schema {
            tables: self.tables.into_values().collect(),
            seeds: Vec::new(),
        }
    }
}

/// Upper-cases every name in `names`.
pub(crate) fn upper_all(names: &[String]) -> Vec<String> {
    names.iter().map(|n| n.to_ascii_uppercase()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect;

    #[test]
    fn bookkeeping_tables_are_recognised_in_any_case() {
        assert!(is_bookkeeping("ISDB_HISTORY"));
        assert!(is_bookkeeping("isdb_lock"));
        assert!(!is_bookkeeping("ISDB"));
        assert!(!is_bookkeeping("REG_LOG"));
        assert!(!is_bookkeeping("ÄSDB_X"));
    }

    #[test]
    fn catalog_types_read_as_neutral_types() {
        let cases = [
            ("character varying(255)", ColumnType::Varchar(255)),
            ("int(11)", ColumnType::Integer),
            ("tinyint(1)", ColumnType::Boolean),
            ("tinyint(4)", ColumnType::TinyInt),
            ("bigint(20) unsigned", ColumnType::BigInt),
            ("timestamp without time zone", ColumnType::Timestamp),
            ("timestamp(6) without time zone", ColumnType::Timestamp),
            ("character(1)", ColumnType::Char(1)),
            ("numeric(20,15)", ColumnType::Decimal(Some((20, 15)))),
            ("decimal(10,0)", ColumnType::Decimal(Some((10, 0)))),
            ("numeric", ColumnType::Decimal(None)),
            ("longblob", ColumnType::Blob),
            ("blob(4096)", ColumnType::Blob),
            ("BLOB(2G)", ColumnType::Blob),
            ("bytea", ColumnType::Blob),
            ("longtext", ColumnType::Clob),
            ("datetime", ColumnType::Timestamp),
            ("double precision", ColumnType::Double),
            ("VARBINARY(4096)", ColumnType::Varbinary(4096)),
            ("geometry", ColumnType::Clob),
        ];
        for (native, ty) in cases {
            assert_eq!(neutral_type(native), ty, "{native}");
        }
    }

    #[test]
    fn type_rules_rewrite_only_what_they_match() {
        let sized = TypeRule::SizedBy("BLOB", &[(255, "TINYBLOB"), (65_535, "BLOB")]);
        assert_eq!(sized.apply("BLOB(4096)").as_deref(), Some("BLOB"));
        assert_eq!(sized.apply("BLOB(100)").as_deref(), Some("TINYBLOB"));
        assert_eq!(sized.apply("BLOB(70000)"), None);
        assert_eq!(sized.apply("BLOB"), None);
        assert_eq!(sized.apply("BLOBX(1)"), None);
        let prefix = TypeRule::Same("NUMERIC(", "DECIMAL(");
        assert_eq!(
            prefix.apply("NUMERIC(5,2)").as_deref(),
            Some("DECIMAL(5,2)")
        );
        assert_eq!(TypeRule::Same("CHAR", "CHAR(1)").apply("CHAR(2)"), None);
    }

    #[test]
    fn catalog_facts_are_found_through_the_dialect() {
        let mysql = catalog_facts(dialect::by_name("mysql").unwrap());
        assert!(mysql.unique_indexes_are_constraints);
        assert!(!mysql.type_rules.is_empty());
        let pg = catalog_facts(dialect::by_name("postgres").unwrap());
        assert!(!pg.unique_indexes_are_constraints);
        let oracle = catalog_facts(dialect::by_name("oracle").unwrap());
        assert!(oracle.type_rules.is_empty() && !oracle.unique_indexes_are_constraints);
    }
}
