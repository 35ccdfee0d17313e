//! The planner: from an optional current schema to a target schema, as an
//! ordered list of typed [`Change`]s, the way Atlas plans (model → diff →
//! plan → SQL).
//!
//! [`plan`] is pure. It finds what differs through [`crate::diff::diff`], so
//! it compares exactly as `verify` does (types through the dialect's aliases
//! and the catalog's spellings, defaults by meaning, unnamed constraints by
//! what they cover), and a plan is empty exactly when the diff is (extra
//! objects included: the planner drops them). Declared renames
//! ([`Rename`]) are applied first, so a renamed table or column is renamed,
//! never dropped and created again.
//!
//! [`render`](Plan::statements) turns a plan into SQL for one dialect through a
//! quoting writer ([`sql::SqlWriter`]). From nothing, a plan renders exactly
//! the statements [`crate::render::statements`] writes for a fresh install.
//!
//! Order of a plan (each step only after what it depends on):
//! 1. foreign keys dropped (before the columns, keys and tables they reference);
//! 2. renames (tables, then columns);
//! 3. indexes, unique constraints and primary keys dropped; columns dropped;
//! 4. tables dropped (referencing ones first), with their sequences, so that
//!    their index names (schema-wide on PostgreSQL and SQLite) are free;
//! 5. columns altered, then added (or, where the dialect cannot alter a column,
//!    one [`Change::RebuildTable`] per table instead);
//! 6. new tables in dependency order, each with its sequence, trigger and indexes;
//! 7. primary keys, unique constraints and indexes added to existing tables;
//! 8. foreign keys added;
//! 9. seed rows, after their table.

mod build;
mod impact;
mod online;
mod render;
pub mod sql;
#[cfg(test)]
mod tests;

use std::fmt;

use crate::dialect::Dialect;

use crate::model::{Column, DefaultValue, ForeignKey, Index, SeedRow, Table, Unique};

pub use crate::model::catalog::Rename;
pub use build::plan;
pub use impact::Impact;
pub use sql::{PlanError, SqlWriter};

/// What changes about one column in a [`Change::AlterColumn`]: each field is
/// `Some((old, new))` when that property changes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ColumnChanges {
    /// The type, as the current schema spells it and as the target renders it.
    pub ty: Option<(String, String)>,
    /// Whether NULL is allowed.
    pub nullable: Option<(bool, bool)>,
    /// The default (`None`: no default).
    pub default: Option<(Option<DefaultValue>, Option<DefaultValue>)>,
}

/// Why a change may need work on the data before (or instead of) its DDL;
/// issue 12's data steps hang on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Risk {
    /// A column's type narrows or converts: existing values may not fit.
    Narrowing,
    /// A column becomes NOT NULL, or a NOT NULL column without a default is
    /// added: existing rows need a value.
    NotNullWithoutValue,
    /// A new unique rule (unique constraint or index, primary key): existing
    /// rows may violate it.
    NewUniqueRule,
    /// A unique rule is dropped: the application may have relied on it, and a
    /// later re-adding needs de-duplication.
    UniqueRuleDropped,
    /// A table or column is dropped with its data.
    DropsData,
    /// A new foreign key: existing rows may reference nothing.
    NewReference,
}

impl Risk {
    /// The risk in a few words, for summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Narrowing => "values may not fit the new type",
            Risk::NotNullWithoutValue => "existing rows need a value",
            Risk::NewUniqueRule => "existing rows may be duplicates",
            Risk::UniqueRuleDropped => "a unique rule goes",
            Risk::DropsData => "data is dropped",
            Risk::NewReference => "existing rows may reference nothing",
        }
    }
}

/// One typed schema change. Names are as the schemas spell them; the
/// renderer quotes them through the dialect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Creates the sequence that generates `table`'s identity column
    /// (dialects whose identity is a sequence: PostgreSQL, Oracle, DB2).
    CreateSequence {
        /// The table whose key it generates.
        table: String,
        /// Sequence name.
        sequence: String,
    },
    /// Renames the sequence behind a renamed table's identity column, keeping
    /// its current value (a new sequence would hand out keys already used).
    RenameSequence {
        /// The table whose key it generates.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Drops a sequence (of a dropped table, or no longer generating a key).
    DropSequence {
        /// Sequence name.
        sequence: String,
    },
    /// Creates a table with its columns, primary key, unique constraints and
    /// the foreign keys to tables that exist by then (`inline_foreign_keys`);
    /// its indexes and later foreign keys are separate changes.
    CreateTable {
        /// The table as the target defines it.
        table: Table,
        /// The sequence behind its identity column, where the dialect uses one.
        sequence: Option<String>,
        /// Foreign keys declared inside `CREATE TABLE`.
        inline_foreign_keys: Vec<ForeignKey>,
    },
    /// Drops a table and its rows.
    DropTable {
        /// Table name.
        table: String,
    },
    /// Renames a table (declared with `renamed_from`), keeping its rows.
    RenameTable {
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Creates the BEFORE INSERT trigger that fills an identity column from
    /// its sequence (Oracle, DB2).
    CreateTrigger {
        /// Table.
        table: String,
        /// The identity column.
        column: String,
        /// The sequence it reads.
        sequence: String,
        /// Trigger name.
        trigger: String,
    },
    /// Drops a trigger.
    DropTrigger {
        /// Table.
        table: String,
        /// Trigger name.
        trigger: String,
    },
    /// Adds a column (the target's definition, with its default and nullability).
    AddColumn {
        /// Table (the target's).
        table: Table,
        /// The new column.
        column: Column,
    },
    /// Drops a column and its values.
    DropColumn {
        /// Table.
        table: String,
        /// Column name.
        column: String,
    },
    /// Renames a column (declared with `renamed_from`), keeping its values.
    RenameColumn {
        /// Table.
        table: String,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// Changes a column's type, nullability and/or default in place.
    AlterColumn {
        /// Table (the target's).
        table: Table,
        /// The column as the current schema has it.
        from: Column,
        /// The column as the target defines it.
        to: Column,
        /// What differs.
        changes: ColumnChanges,
    },
    /// Rebuilds a table the dialect cannot alter in place (SQLite): creates
    /// the target table under a temporary name, copies every row (columns
    /// both have), drops the old table, renames the new one and recreates its
    /// indexes. One change, so it is planned and reported as one step.
    RebuildTable {
        /// The table as it is now (after renames).
        from: Table,
        /// The table as the target defines it.
        to: Table,
    },
    /// Adds a primary key.
    AddPrimaryKey {
        /// Table.
        table: String,
        /// Key columns.
        columns: Vec<String>,
    },
    /// Drops the primary key.
    DropPrimaryKey {
        /// Table.
        table: String,
        /// Its columns (for the summary).
        columns: Vec<String>,
    },
    /// Adds a unique constraint.
    AddUnique {
        /// Table.
        table: String,
        /// The constraint.
        unique: Unique,
    },
    /// Drops a unique constraint (unnamed: by the name the RDBMS gave it).
    DropUnique {
        /// Table.
        table: String,
        /// The constraint as the current schema has it.
        unique: Unique,
    },
    /// Adds a foreign key.
    AddForeignKey {
        /// Table.
        table: String,
        /// The foreign key.
        foreign_key: ForeignKey,
        /// Unnamed: the number an RDBMS that numbers unnamed foreign keys
        /// (MySQL `<table>_ibfk_<n>`) gives it, one above the highest the
        /// table keeps (0: named).
        ordinal: usize,
    },
    /// Drops a foreign key (unnamed: by the name the RDBMS gave it).
    DropForeignKey {
        /// Table.
        table: String,
        /// The foreign key as the current schema has it.
        foreign_key: ForeignKey,
        /// Its 1-based place among the table's unnamed foreign keys (for
        /// RDBMSs that number them: MySQL `<table>_ibfk_<n>`).
        ordinal: usize,
    },
    /// Creates an index.
    AddIndex {
        /// Table.
        table: String,
        /// The index.
        index: Index,
    },
    /// Drops an index.
    DropIndex {
        /// Table.
        table: String,
        /// The index.
        index: Index,
    },
    /// Inserts a seed row (after its table exists).
    InsertSeed {
        /// The row.
        seed: SeedRow,
    },
}

impl Change {
    /// The table the change is about (a sequence's table where known).
    pub fn table(&self) -> Option<&str> {
        match self {
            Change::CreateSequence { table, .. }
            | Change::RenameSequence { table, .. }
            | Change::DropTable { table }
            | Change::RenameTable { to: table, .. }
            | Change::CreateTrigger { table, .. }
            | Change::DropTrigger { table, .. }
            | Change::DropColumn { table, .. }
            | Change::RenameColumn { table, .. }
            | Change::AddPrimaryKey { table, .. }
            | Change::DropPrimaryKey { table, .. }
            | Change::AddUnique { table, .. }
            | Change::DropUnique { table, .. }
            | Change::AddForeignKey { table, .. }
            | Change::DropForeignKey { table, .. }
            | Change::AddIndex { table, .. }
            | Change::DropIndex { table, .. } => Some(table),
            Change::CreateTable { table, .. }
            | Change::AddColumn { table, .. }
            | Change::AlterColumn { table, .. }
            | Change::RebuildTable { to: table, .. } => Some(&table.name),
            Change::InsertSeed { seed } => Some(&seed.table),
            Change::DropSequence { .. } => None,
        }
    }

    /// What about the data makes this change risky (empty: nothing).
    pub fn risks(&self) -> Vec<Risk> {
        let mut out = Vec::new();
        match self {
            Change::DropTable { .. } | Change::DropColumn { .. } => out.push(Risk::DropsData),
            Change::AddColumn { column, .. }
                if !column.nullable && column.default.is_none() && !column.identity =>
            {
                out.push(Risk::NotNullWithoutValue)
            }
            Change::AlterColumn {
                from, to, changes, ..
            } => {
                if changes.ty.is_some() && !widens(from, to) {
                    out.push(Risk::Narrowing);
                }
                if changes.nullable == Some((true, false)) {
                    out.push(Risk::NotNullWithoutValue);
                }
            }
            Change::RebuildTable { from, to } => {
                for c in &to.columns {
                    match from.column(&c.name) {
                        None if !c.nullable && c.default.is_none() && !c.identity => {
                            out.push(Risk::NotNullWithoutValue)
                        }
                        Some(old) if old.nullable && !c.nullable => {
                            out.push(Risk::NotNullWithoutValue)
                        }
                        Some(old) if old.ty != c.ty && !widens(old, c) => out.push(Risk::Narrowing),
                        _ => {}
                    }
                }
                if from.columns.iter().any(|c| to.column(&c.name).is_none()) {
                    out.push(Risk::DropsData);
                }
                if to.unique.iter().any(|u| !from.unique.contains(u)) {
                    out.push(Risk::NewUniqueRule);
                }
            }
            Change::AddPrimaryKey { .. } | Change::AddUnique { .. } => {
                out.push(Risk::NewUniqueRule)
            }
            Change::AddIndex { index, .. } if index.unique => out.push(Risk::NewUniqueRule),
            Change::AddForeignKey { .. } => out.push(Risk::NewReference),
            Change::DropUnique { .. } | Change::DropPrimaryKey { .. } => {
                out.push(Risk::UniqueRuleDropped)
            }
            Change::DropIndex { index, .. } if index.unique => out.push(Risk::UniqueRuleDropped),
            _ => {}
        }
        out.sort();
        out.dedup();
        out
    }

    /// Whether the change may need a data step first (it has a [`Risk`]).
    pub fn needs_data_step(&self) -> bool {
        !self.risks().is_empty()
    }
}

/// Whether `to`'s type holds every value of `from`'s (the same type, a longer
/// string, a wider integer or decimal). Anything else counts as narrowing.
fn widens(from: &Column, to: &Column) -> bool {
    use crate::model::ColumnType as T;
    let rank = |t: &T| match t {
        T::TinyInt => 1,
        T::SmallInt => 2,
        T::Integer => 3,
        T::BigInt => 4,
        _ => 0,
    };
    match (from.ty, to.ty) {
        (a, b) if a == b => true,
        (T::Varchar(a) | T::Char(a), T::Varchar(b)) => b >= a,
        (T::Varbinary(a), T::Varbinary(b)) => b >= a,
        (T::Varchar(_) | T::Char(_), T::Clob) | (T::Varbinary(_), T::Blob) => true,
        (T::Decimal(Some((p1, s1))), T::Decimal(Some((p2, s2)))) => s2 >= s1 && p2 - s2 >= p1 - s1,
        (a, b) if rank(&a) > 0 && rank(&b) > 0 => rank(&b) >= rank(&a),
        (a, T::Decimal(None)) => rank(&a) > 0,
        _ => false,
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cols = |c: &[String]| c.join(", ");
        match self {
            Change::CreateSequence { sequence, .. } => write!(f, "create sequence {sequence}"),
            Change::DropSequence { sequence } => write!(f, "drop sequence {sequence}"),
            Change::RenameSequence { from, to, .. } => {
                write!(f, "rename sequence {from} to {to}")
            }
            Change::CreateTable { table, .. } => write!(f, "create table {}", table.name),
            Change::DropTable { table } => write!(f, "drop table {table}"),
            Change::RenameTable { from, to } => write!(f, "rename table {from} to {to}"),
            Change::CreateTrigger { table, trigger, .. } => {
                write!(f, "create trigger {trigger} on {table}")
            }
            Change::DropTrigger { table, trigger } => {
                write!(f, "drop trigger {trigger} on {table}")
            }
            Change::AddColumn { table, column } => {
                write!(f, "add column {}.{}", table.name, column.name)
            }
            Change::DropColumn { table, column } => write!(f, "drop column {table}.{column}"),
            Change::RenameColumn { table, from, to } => {
                write!(f, "rename column {table}.{from} to {to}")
            }
            Change::AlterColumn {
                table, to, changes, ..
            } => {
                let mut what = Vec::new();
                if let Some((a, b)) = &changes.ty {
                    what.push(format!("type {a} -> {b}"));
                }
                if let Some((a, b)) = changes.nullable {
                    let n = |x: bool| if x { "NULL" } else { "NOT NULL" };
                    what.push(format!("{} -> {}", n(a), n(b)));
                }
                if changes.default.is_some() {
                    what.push("default".into());
                }
                write!(
                    f,
                    "alter column {}.{} ({})",
                    table.name,
                    to.name,
                    what.join(", ")
                )
            }
            Change::RebuildTable { to, .. } => {
                write!(f, "rebuild table {} (rows copied)", to.name)
            }
            Change::AddPrimaryKey { table, columns } => {
                write!(f, "add primary key {table} ({})", cols(columns))
            }
            Change::DropPrimaryKey { table, columns } => {
                write!(f, "drop primary key {table} ({})", cols(columns))
            }
            Change::AddUnique { table, unique } => {
                write!(f, "add unique {table} ({})", cols(&unique.columns))
            }
            Change::DropUnique { table, unique } => {
                write!(f, "drop unique {table} ({})", cols(&unique.columns))
            }
            Change::AddForeignKey {
                table, foreign_key, ..
            } => write!(
                f,
                "add foreign key {table} ({}) -> {}",
                cols(&foreign_key.columns),
                foreign_key.references
            ),
            Change::DropForeignKey {
                table, foreign_key, ..
            } => write!(
                f,
                "drop foreign key {table} ({}) -> {}",
                cols(&foreign_key.columns),
                foreign_key.references
            ),
            Change::AddIndex { table, index } => write!(
                f,
                "add {}index {} on {table} ({})",
                if index.unique { "unique " } else { "" },
                index.name,
                cols(&index.columns)
            ),
            Change::DropIndex { table, index } => {
                write!(f, "drop index {} on {table}", index.name)
            }
            Change::InsertSeed { seed } => write!(f, "insert seed row into {}", seed.table),
        }
    }
}

/// An ordered list of changes: applied in order, they turn the current
/// schema into the target.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// The changes, in the order they must be applied.
    pub changes: Vec<Change>,
    /// Differences the planner has no change for (the identity machinery of
    /// an existing table: a sequence or generated column added or removed);
    /// applying the plan leaves them, and a caller must refuse or report them.
    pub unplanned: Vec<crate::diff::Difference>,
}

/// A plan split around the data steps of a release step: `expand` relaxes
/// (new tables, new columns, renames, wider types, dropped old rules), so the
/// data steps see both the old and the new shape; `contract` tightens and
/// removes (NOT NULL, new keys and unique indexes on existing tables, dropped
/// columns, tables and sequences, SQLite table rebuilds) and adds the new seed
/// rows of existing tables.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Phases {
    /// Before the data steps.
    pub expand: Plan,
    /// After them.
    pub contract: Plan,
    /// Backfills the dialect cannot make with a transient default (see
    /// [`DataFills::backfill`]): new columns, as `(table, column, value)`,
    /// whose rows the caller must update to the value before the data steps.
    pub backfills: Vec<(String, String, DefaultValue)>,
}

/// What a release step's data steps say about the columns its plan adds.
pub trait DataFills {
    /// Whether the data steps fill `table.column`: a new NOT NULL column is
    /// then added nullable and set NOT NULL after them.
    fn fills(&self, table: &str, column: &str) -> bool;

    /// The value every existing row takes in the new column `table.column`,
    /// if the data steps declare one: the column is added with it as its
    /// default (the engine fills the rows; a catalog change on PostgreSQL 11+
    /// and MariaDB 10.3+), and the snapshot's default comes back after the
    /// data steps.
    fn backfill(&self, _table: &str, _column: &str) -> Option<&DefaultValue> {
        None
    }
}

impl<F: Fn(&str, &str) -> bool> DataFills for F {
    fn fills(&self, table: &str, column: &str) -> bool {
        self(table, column)
    }
}

impl DataFills for [crate::model::data::DataStep] {
    fn fills(&self, table: &str, column: &str) -> bool {
        self.iter().any(|d| d.fills(table, column))
    }

    fn backfill(&self, table: &str, column: &str) -> Option<&DefaultValue> {
        self.iter().find_map(|d| d.backfill(table, column))
    }
}

impl Plan {
    /// Splits the plan (made for `dialect`) into [`Phases`] around data steps
    /// that fill or backfill new columns ([`DataFills`]): a filled NOT NULL
    /// column is added nullable in `expand` and set NOT NULL in `contract`; a
    /// backfilled one is added with its backfill value as default in `expand`
    /// and gets its own default back in `contract`. Each phase keeps the
    /// plan's order.
    pub fn phases(&self, dialect: &dyn Dialect, data: &(impl DataFills + ?Sized)) -> Phases {
        let mut out = Phases::default();
        for c in &self.changes {
            match c {
                Change::AddColumn { table, column } => {
                    let fill = !column.nullable && data.fills(&table.name, &column.name);
                    let backfill = data.backfill(&table.name, &column.name);
                    if !fill && backfill.is_none() {
                        out.expand.changes.push(c.clone());
                        continue;
                    }
                    let mut open = column.clone();
                    let mut changes = ColumnChanges::default();
                    if fill {
                        open.nullable = true;
                        changes.nullable = Some((true, false));
                    }
                    if let Some(v) = backfill {
                        if dialect.column_alter_style().alters_defaults() {
                            open.default = Some(v.clone());
                            changes.default = Some((open.default.clone(), column.default.clone()));
                        } else {
                            out.backfills.push((
                                table.name.clone(),
                                column.name.clone(),
                                v.clone(),
                            ));
                        }
                    }
                    out.expand.changes.push(Change::AddColumn {
                        table: table.clone(),
                        column: open.clone(),
                    });
                    if changes != ColumnChanges::default() {
                        out.contract.changes.push(Change::AlterColumn {
                            table: table.clone(),
                            from: open,
                            to: column.clone(),
                            changes,
                        });
                    }
                }
                Change::RebuildTable { from, to } => {
                    // A filled column the rebuild would add: added nullable
                    // first, so the data steps can fill it and the rebuild copies it.
                    let mut from = from.clone();
                    for col in &to.columns {
                        let backfill = data.backfill(&to.name, &col.name);
                        if from.column(&col.name).is_none()
                            && (data.fills(&to.name, &col.name) || backfill.is_some())
                        {
                            if let Some(v) = backfill {
                                out.backfills
                                    .push((to.name.clone(), col.name.clone(), v.clone()));
                            }
                            let mut open = col.clone();
                            open.nullable = true;
                            out.expand.changes.push(Change::AddColumn {
                                table: from.clone(),
                                column: open.clone(),
                            });
                            from.columns.push(open);
                        }
                    }
                    out.contract.changes.push(Change::RebuildTable {
                        from,
                        to: to.clone(),
                    });
                }
                Change::AlterColumn { changes, .. } if changes.nullable == Some((true, false)) => {
                    out.contract.changes.push(c.clone())
                }
                Change::DropColumn { .. }
                | Change::DropTable { .. }
                | Change::DropSequence { .. }
                | Change::AddUnique { .. }
                | Change::AddPrimaryKey { .. }
                | Change::AddForeignKey { .. } => out.contract.changes.push(c.clone()),
                Change::AddIndex { table, index } if index.unique && !self.creates(table) => {
                    out.contract.changes.push(c.clone())
                }
                // A new seed row of an existing table goes in after the data
                // steps, whose filled rows its NOT EXISTS guard then sees.
                Change::InsertSeed { seed } if !self.creates(&seed.table) => {
                    out.contract.changes.push(c.clone())
                }
                _ => out.expand.changes.push(c.clone()),
            }
        }
        out.expand.unplanned = self.unplanned.clone();
        out
    }

    /// Whether this plan creates `table` (a table with no rows yet).
    pub(super) fn creates(&self, table: &str) -> bool {
        self.changes.iter().any(
            |c| matches!(c, Change::CreateTable { table: t, .. } if t.name.eq_ignore_ascii_case(table)),
        )
    }

    /// Whether there is nothing to do (the schemas are equal).
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.unplanned.is_empty()
    }

    /// How many changes.
    pub fn len(&self) -> usize {
        self.changes.len()
    }

    /// The risks of `change` in this plan: none for a change to a table the
    /// plan itself creates (it has no rows yet), else [`Change::risks`].
    pub fn risks_of(&self, change: &Change) -> Vec<Risk> {
        match change.table() {
            Some(t) if self.creates(t) => vec![],
            _ => change.risks(),
        }
    }

    /// What `change` does to the writers of its table: nothing for a table
    /// this plan creates (it has no rows yet), else [`Change::impact`].
    pub fn impact_of(&self, change: &Change, dialect: &dyn Dialect) -> Impact {
        match change.table() {
            Some(t) if self.creates(t) => Impact::Instant,
            _ => change.impact(dialect),
        }
    }

    /// The changes that may need a data step first (see [`Plan::risks_of`]).
    pub fn risky(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| !self.risks_of(c).is_empty())
    }

    /// A human summary: one line per change, with its risks.
    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "nothing to change".into();
        }
        let tables: std::collections::BTreeSet<&str> =
            self.changes.iter().filter_map(Change::table).collect();
        let mut out = format!(
            "{} change(s) to {} table(s), {} needing a data step:\n",
            self.len(),
            tables.len(),
            self.risky().count()
        );
        for d in &self.unplanned {
            out.push_str(&format!("  not planned: {d}\n"));
        }
        for c in &self.changes {
            let risks = self.risks_of(c);
            if risks.is_empty() {
                out.push_str(&format!("  {c}\n"));
            } else {
                let risks: Vec<&str> = risks.iter().map(|r| r.as_str()).collect();
                out.push_str(&format!("  {c}  (data step: {})\n", risks.join(", ")));
            }
        }
        out
    }
}
