//! What a change does to the writers of a table that already has rows, and
//! about how long: `isdb plan`'s per-change estimate. The rules follow each
//! RDBMS's documented locking ([`DdlLocking`]); the durations are orders of
//! magnitude from row counts, not promises.

use crate::dialect::{DdlLocking, Dialect};

use super::Change;

/// How a change affects the writers of its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Impact {
    /// Nothing to wait for: a new object, or a catalog-only change under a
    /// brief exclusive lock.
    Instant,
    /// Rebuilds or builds while writes go on.
    Online,
    /// Reads every row while writes wait (an index, key or NOT NULL check).
    ScanBlocksWrites,
    /// Rewrites every row while writes wait.
    RewriteBlocksWrites,
}

impl Impact {
    /// Whether writers wait for the whole pass.
    pub fn blocks_writes(self) -> bool {
        matches!(self, Impact::ScanBlocksWrites | Impact::RewriteBlocksWrites)
    }

    /// About how long the pass takes over `rows` rows, in seconds (rough
    /// rates on one modest server: 1M rows/s scanned, 200k rows/s rewritten
    /// or indexed).
    pub fn seconds(self, rows: u64) -> f64 {
        let rows = rows as f64;
        match self {
            Impact::Instant => 0.0,
            Impact::ScanBlocksWrites => rows / 1_000_000.0,
            Impact::Online | Impact::RewriteBlocksWrites => rows / 200_000.0,
        }
    }

    /// The words a report uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Instant => "instant",
            Impact::Online => "online (writes go on)",
            Impact::ScanBlocksWrites => "scans the table, writes wait",
            Impact::RewriteBlocksWrites => "rewrites the table, writes wait",
        }
    }
}

/// Whether a type change only widens a variable-length string
/// (`VARCHAR(n)` → `VARCHAR(m)`, m ≥ n), which needs no rewrite.
fn widens_varchar(old: &str, new: &str) -> bool {
    let len = |t: &str| -> Option<u64> {
        let t = t.trim().to_ascii_uppercase();
        let rest = t
            .strip_prefix("VARCHAR")
            .or_else(|| t.strip_prefix("CHARACTER VARYING"))?;
        rest.trim()
            .strip_prefix('(')?
            .strip_suffix(')')?
            .trim()
            .parse()
            .ok()
    };
    matches!((len(old), len(new)), (Some(a), Some(b)) if b >= a)
}

impl Change {
    /// What this change does to the writers of its table on `dialect`,
    /// assuming the table has rows (a table the same plan creates has none:
    /// see [`super::Plan::impact_of`]).
    pub fn impact(&self, dialect: &dyn Dialect) -> Impact {
        let locking = dialect.ddl_locking();
        match self {
            Change::CreateSequence { .. }
            | Change::DropSequence { .. }
            | Change::CreateTable { .. }
            | Change::DropTable { .. }
            | Change::RenameTable { .. }
            | Change::RenameSequence { .. }
            | Change::CreateTrigger { .. }
            | Change::DropTrigger { .. }
            | Change::RenameColumn { .. }
            | Change::DropPrimaryKey { .. }
            | Change::DropUnique { .. }
            | Change::DropForeignKey { .. }
            | Change::DropIndex { .. }
            | Change::InsertSeed { .. } => Impact::Instant,
            Change::RebuildTable { .. } => Impact::RewriteBlocksWrites,
            Change::AddColumn { .. } => match locking {
                DdlLocking::Blocking => Impact::RewriteBlocksWrites,
                DdlLocking::CatalogFirst | DdlLocking::InnoDbOnline => Impact::Instant,
            },
            Change::DropColumn { .. } => match locking {
                DdlLocking::CatalogFirst => Impact::Instant,
                DdlLocking::InnoDbOnline => Impact::Online,
                DdlLocking::Blocking => Impact::RewriteBlocksWrites,
            },
            Change::AlterColumn { changes, .. } => {
                let retype = changes
                    .ty
                    .as_ref()
                    .is_some_and(|(old, new)| !widens_varchar(old, new));
                let not_null = changes.nullable == Some((true, false));
                match locking {
                    DdlLocking::Blocking => Impact::RewriteBlocksWrites,
                    DdlLocking::CatalogFirst if retype => Impact::RewriteBlocksWrites,
                    DdlLocking::CatalogFirst if not_null => Impact::ScanBlocksWrites,
                    DdlLocking::CatalogFirst => Impact::Instant,
                    DdlLocking::InnoDbOnline if retype => Impact::RewriteBlocksWrites,
                    DdlLocking::InnoDbOnline if not_null || changes.ty.is_some() => Impact::Online,
                    DdlLocking::InnoDbOnline => Impact::Instant,
                }
            }
            Change::AddPrimaryKey { .. } | Change::AddUnique { .. } | Change::AddIndex { .. } => {
                match locking {
                    DdlLocking::InnoDbOnline => Impact::Online,
                    DdlLocking::CatalogFirst | DdlLocking::Blocking => Impact::ScanBlocksWrites,
                }
            }
            Change::AddForeignKey { .. } => match locking {
                DdlLocking::CatalogFirst => Impact::ScanBlocksWrites,
                DdlLocking::InnoDbOnline | DdlLocking::Blocking => Impact::RewriteBlocksWrites,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widening_a_varchar_is_told_from_a_real_type_change() {
        assert!(widens_varchar("VARCHAR(255)", "VARCHAR(1024)"));
        assert!(widens_varchar("character varying(10)", "VARCHAR(10)"));
        assert!(!widens_varchar("VARCHAR(255)", "VARCHAR(100)"));
        assert!(!widens_varchar("INTEGER", "BIGINT"));
        assert!(!widens_varchar("VARCHAR(255)", "TEXT"));
    }
}
