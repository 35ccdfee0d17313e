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
    /// Builds, rebuilds or checks the rows while writes go on; any exclusive
    /// lock is brief (a catalog change before or after the pass).
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
            Impact::Online => "online (writes go on; brief lock)",
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
    /// What this change does to the writers of its table on `dialect`, as
    /// `migrate` applies it to a table that has rows (a table the same plan
    /// creates has none: see [`super::Plan::impact_of`]): with the online
    /// forms where the dialect has them ([`Dialect::concurrent_index_builds`],
    /// [`Dialect::online_constraints`]; a script from `render` keeps the plain
    /// forms, which hold writers for the pass).
    pub fn impact(&self, dialect: &dyn Dialect) -> Impact {
        let locking = dialect.ddl_locking();
        let online_keys = dialect.online_constraints();
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
                    // A validated check proves it; SET NOT NULL then reads no row (12+).
                    DdlLocking::CatalogFirst if not_null && online_keys => Impact::Online,
                    DdlLocking::CatalogFirst if not_null => Impact::ScanBlocksWrites,
                    DdlLocking::CatalogFirst => Impact::Instant,
                    DdlLocking::InnoDbOnline if retype => Impact::RewriteBlocksWrites,
                    DdlLocking::InnoDbOnline if not_null || changes.ty.is_some() => Impact::Online,
                    DdlLocking::InnoDbOnline => Impact::Instant,
                }
            }
            // Built concurrently (a unique key then attached to its index).
            Change::AddIndex { .. } if dialect.concurrent_index_builds() => Impact::Online,
            Change::AddUnique { table, unique }
                if online_keys && super::online::unique_name(dialect, table, unique).is_some() =>
            {
                Impact::Online
            }
            Change::AddPrimaryKey { .. } | Change::AddUnique { .. } | Change::AddIndex { .. } => {
                match locking {
                    DdlLocking::InnoDbOnline => Impact::Online,
                    DdlLocking::CatalogFirst | DdlLocking::Blocking => Impact::ScanBlocksWrites,
                }
            }
            Change::AddForeignKey { .. } => match locking {
                // Added NOT VALID, then validated while writes go on.
                DdlLocking::CatalogFirst if online_keys => Impact::Online,
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

    #[test]
    fn postgresql_reports_its_online_forms_as_online_and_a_primary_key_as_a_scan() {
        use crate::model::{ForeignKey, Index, Unique};
        let pg = crate::dialect::by_name("postgres").unwrap();
        let unique = Change::AddUnique {
            table: "T".into(),
            unique: Unique {
                name: None,
                columns: vec!["A".into()],
            },
        };
        let index = Change::AddIndex {
            table: "T".into(),
            index: Index {
                name: "I".into(),
                columns: vec!["A".into()],
                unique: true,
            },
        };
        let fk = Change::AddForeignKey {
            table: "T".into(),
            foreign_key: ForeignKey {
                name: None,
                columns: vec!["A".into()],
                references: "P".into(),
                ref_columns: vec!["ID".into()],
                on_delete: Default::default(),
            },
            ordinal: 1,
        };
        for c in [&unique, &index, &fk] {
            assert_eq!(c.impact(pg), Impact::Online, "{c}");
        }
        let pk = Change::AddPrimaryKey {
            table: "T".into(),
            columns: vec!["A".into()],
        };
        assert_eq!(pk.impact(pg), Impact::ScanBlocksWrites);
        let db2 = crate::dialect::by_name("db2").unwrap();
        assert_eq!(unique.impact(db2), Impact::ScanBlocksWrites);
    }
}
