//! The dialect-neutral schema model: tables, columns, keys, indexes and seed rows.
//!
//! A [`Schema`] here is already resolved for one dialect (the neutral definition
//! with that dialect's overrides applied, see [`catalog`]); it holds no SQL.

pub mod catalog;
pub mod data;
pub mod migrators;
mod types;

pub use types::{ColumnType, DefaultValue};

/// A column of a table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// Upper-case name.
    pub name: String,
    /// Neutral type.
    pub ty: ColumnType,
    /// The type exactly as the dialect's official script writes it, where the
    /// neutral type does not render to it (e.g. MySQL `LONGBLOB`).
    pub native: Option<String>,
    /// Whether NULL is allowed (primary key columns never are).
    pub nullable: bool,
    /// Default value, if any.
    pub default: Option<DefaultValue>,
    /// Whether the database generates the value (auto-increment, identity, sequence).
    pub identity: bool,
}

/// What happens to referencing rows when the referenced row is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDelete {
    /// No action (the SQL default).
    #[default]
    #[serde(rename = "no action")]
    NoAction,
    /// Delete the referencing rows.
    Cascade,
    /// Set the referencing columns to NULL.
    #[serde(rename = "set null")]
    SetNull,
}

impl OnDelete {
    /// The SQL words.
    pub fn sql(self) -> &'static str {
        match self {
            OnDelete::NoAction => "NO ACTION",
            OnDelete::Cascade => "CASCADE",
            OnDelete::SetNull => "SET NULL",
        }
    }
}

/// A unique constraint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Unique {
    /// Constraint name, when the script names it.
    #[serde(default)]
    pub name: Option<String>,
    /// Columns, in order.
    pub columns: Vec<String>,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignKey {
    /// Constraint name, when the script names it.
    #[serde(default)]
    pub name: Option<String>,
    /// Referencing columns.
    pub columns: Vec<String>,
    /// Referenced table.
    pub references: String,
    /// Referenced columns.
    pub ref_columns: Vec<String>,
    /// ON DELETE action.
    #[serde(default)]
    pub on_delete: OnDelete,
}

/// A (non-constraint) index.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    /// Index name.
    pub name: String,
    /// Columns, in order.
    pub columns: Vec<String>,
    /// Whether it is a unique index.
    #[serde(default)]
    pub unique: bool,
}

/// Names of the objects that generate a table's identity column where the
/// dialect uses a sequence (PostgreSQL, Oracle, DB2) and a trigger (Oracle, DB2).
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct KeyGenerator {
    /// Sequence name.
    #[serde(default)]
    pub sequence: Option<String>,
    /// BEFORE INSERT trigger name.
    #[serde(default)]
    pub trigger: Option<String>,
}

/// A table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// Upper-case name.
    pub name: String,
    /// Columns, in order.
    pub columns: Vec<Column>,
    /// Primary key columns (empty: none).
    pub primary_key: Vec<String>,
    /// Unique constraints.
    pub unique: Vec<Unique>,
    /// Foreign keys.
    pub foreign_keys: Vec<ForeignKey>,
    /// Indexes.
    pub indexes: Vec<Index>,
    /// Sequence/trigger names for the identity column, where the dialect needs them.
    pub key_generator: KeyGenerator,
}

impl Table {
    /// The column called `name`.
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The identity column, if the table has one.
    pub fn identity_column(&self) -> Option<&Column> {
        self.columns.iter().find(|c| c.identity)
    }
}

/// A row inserted when a group is created (e.g. `ODE_SCHEMA_VERSION = 6`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedRow {
    /// Table.
    pub table: String,
    /// The columns the values are for; empty: every column, in table order.
    pub columns: Vec<String>,
    /// Values, in the order of `columns` (or of the table's columns).
    pub values: Vec<DefaultValue>,
}

/// A resolved schema: what one migration creates in one dialect.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Schema {
    /// Tables, in creation order.
    pub tables: Vec<Table>,
    /// Seed rows, inserted after the tables.
    pub seeds: Vec<SeedRow>,
}

impl FromIterator<Schema> for Schema {
    /// The union of several schemas (e.g. every group a database holds), in order.
    fn from_iter<I: IntoIterator<Item = Schema>>(parts: I) -> Schema {
        let mut s = Schema::default();
        for p in parts {
            s.tables.extend(p.tables);
            s.seeds.extend(p.seeds);
        }
        s
    }
}

impl Schema {
    /// The table called `name`.
    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }
}
