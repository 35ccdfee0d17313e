//! The online forms of the rules a step adds to a table that already has rows
//! and writers, where the dialect has them ([`Dialect::online_constraints`]:
//! PostgreSQL). Each plain form (`ADD UNIQUE`, `ADD FOREIGN KEY`, `SET NOT
//! NULL`) holds the table's writers while it reads every row; each online
//! form does that reading under a lock writers do not wait for, and keeps the
//! exclusive lock to a catalog change. They end in the constraint a fresh
//! install has, name included.
//!
//! Each statement is its own step of the runner's progress (it commits with
//! its progress row, or, for the index build, runs outside any transaction
//! and is re-run `IF NOT EXISTS`), so a run killed between two of them
//! resumes at the next; a statement re-run after it already took effect
//! converges too (see each function).

use sha2::{Digest, Sha256};

use crate::dialect::{Dialect, ImplicitConstraint};
use crate::model::{ForeignKey, Index, Unique};
use crate::render::{Statement, StatementKind};

use super::render::{create_index, foreign_key_def, stmt};
use super::{PlanError, SqlWriter};

/// Prefix of the temporary CHECK that proves a column NOT NULL (a
/// bookkeeping name: WSO2 names no constraint so).
const NOT_NULL_CHECK_PREFIX: &str = "ISDB_NN_";

/// The name a unique constraint ends up with: its own, else the one the RDBMS
/// would give it (`None`: unpredictable, so only the plain form keeps it as
/// a fresh install has it).
pub(super) fn unique_name(d: &dyn Dialect, table: &str, unique: &Unique) -> Option<String> {
    unique
        .name
        .clone()
        .or_else(|| d.implicit_constraint_name(table, ImplicitConstraint::Unique, &unique.columns))
}

/// A unique constraint on a table with rows: its index built concurrently
/// (`CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS`, outside any
/// transaction), then attached as the constraint (`ADD CONSTRAINT n UNIQUE
/// USING INDEX n`: a catalog change under a brief lock). The index takes the
/// constraint's name, as a fresh install's does. `None` where the name is
/// unpredictable.
///
/// A run killed during the build leaves an invalid index, which the runner
/// drops before it re-runs the build; one killed after it finds the index
/// there and only attaches it.
pub(super) fn add_unique(
    d: &dyn Dialect,
    table: &str,
    unique: &Unique,
) -> Result<Option<Vec<Statement>>, PlanError> {
    let Some(name) = unique_name(d, table, unique) else {
        return Ok(None);
    };
    let index = Index {
        name: name.clone(),
        columns: unique.columns.clone(),
        unique: true,
    };
    let mut w = SqlWriter::new(d);
    create_index(&mut w, table, &index, true, true)?;
    let build = stmt(StatementKind::CreateIndexConcurrently, w);
    let mut w = SqlWriter::new(d);
    w.word("ALTER TABLE")
        .ident(table)?
        .word("ADD CONSTRAINT")
        .ident(&name)?
        .word("UNIQUE USING INDEX")
        .ident(&name)?;
    Ok(Some(vec![build, stmt(StatementKind::Alter, w)]))
}

/// A foreign key on a table with rows: added `NOT VALID` (new and changed
/// rows are checked from then on; a brief lock on both tables), then
/// validated (`VALIDATE CONSTRAINT`: reads every row under SHARE UPDATE
/// EXCLUSIVE, which writers do not wait for). An unnamed key is added under
/// the name the RDBMS would give it, so the second statement can name it.
/// `None` where that name is unpredictable. Validating a valid key again does
/// nothing.
pub(super) fn add_foreign_key(
    d: &dyn Dialect,
    table: &str,
    fk: &ForeignKey,
) -> Result<Option<Vec<Statement>>, PlanError> {
    let name = fk.name.clone().or_else(|| {
        // No RDBMS with online constraints numbers its foreign keys.
        d.implicit_constraint_name(
            table,
            ImplicitConstraint::ForeignKey { ordinal: 0 },
            &fk.columns,
        )
    });
    let Some(name) = name else {
        return Ok(None);
    };
    let named = ForeignKey {
        name: Some(name.clone()),
        ..fk.clone()
    };
    let mut w = SqlWriter::new(d);
    w.word("ALTER TABLE").ident(table)?.word("ADD");
    foreign_key_def(&mut w, &named)?;
    w.word("NOT VALID");
    let add = stmt(StatementKind::AddForeignKey, w);
    Ok(Some(vec![add, validate(d, table, &name)?]))
}

/// `SET NOT NULL` on a column of a table with rows, proven first: a CHECK
/// (`col IS NOT NULL`) added `NOT VALID` (replacing one a killed run left),
/// validated while writes go on, then `SET NOT NULL`, which PostgreSQL 12+
/// takes from the valid check without reading the rows (10 and 11 still read
/// them, as the plain form does), then the check dropped. Each statement can
/// run again: the first drops the check before adding it, the last drops it
/// only if it is there, and the middle two are no-ops once done.
pub(super) fn set_not_null(
    d: &dyn Dialect,
    table: &str,
    column: &str,
) -> Result<Vec<Statement>, PlanError> {
    let check = not_null_check_name(d, column);
    let alter = |w: &mut SqlWriter<'_>| -> Result<(), PlanError> {
        w.word("ALTER TABLE").ident(table)?;
        Ok(())
    };
    let mut w = SqlWriter::new(d);
    alter(&mut w)?;
    w.word("DROP CONSTRAINT IF EXISTS")
        .ident(&check)?
        .glue(",")
        .word("ADD CONSTRAINT")
        .ident(&check)?
        .word("CHECK")
        .glue(" (")
        .ident(column)?
        .word("IS NOT NULL")
        .glue(")")
        .word("NOT VALID");
    let add = stmt(StatementKind::Alter, w);
    let mut w = SqlWriter::new(d);
    alter(&mut w)?;
    w.word("ALTER COLUMN").ident(column)?.word("SET NOT NULL");
    let set = stmt(StatementKind::Alter, w);
    let mut w = SqlWriter::new(d);
    alter(&mut w)?;
    w.word("DROP CONSTRAINT IF EXISTS").ident(&check)?;
    let drop = stmt(StatementKind::Alter, w);
    Ok(vec![add, validate(d, table, &check)?, set, drop])
}

/// `ALTER TABLE t VALIDATE CONSTRAINT n`.
fn validate(d: &dyn Dialect, table: &str, name: &str) -> Result<Statement, PlanError> {
    let mut w = SqlWriter::new(d);
    w.word("ALTER TABLE")
        .ident(table)?
        .word("VALIDATE CONSTRAINT")
        .ident(name)?;
    Ok(stmt(StatementKind::Alter, w))
}

/// The temporary CHECK's name for `column`: the prefix and the column where
/// that fits the dialect's identifiers, else the column cut short and a hash
/// of its whole name (two long columns sharing a beginning still differ).
/// Constraint names of a check are per table, and WSO2 names none with the
/// prefix, so it collides with no real constraint.
pub(super) fn not_null_check_name(d: &dyn Dialect, column: &str) -> String {
    let max = d.data().max_identifier_length;
    let name = format!("{NOT_NULL_CHECK_PREFIX}{}", column.to_ascii_uppercase());
    if name.len() <= max {
        return name;
    }
    let hash: String = Sha256::digest(column.to_ascii_uppercase().as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02X}"))
        .collect();
    let keep = max.saturating_sub(hash.len() + 1);
    format!(
        "{}_{hash}",
        name.get(..keep).unwrap_or(NOT_NULL_CHECK_PREFIX)
    )
}
