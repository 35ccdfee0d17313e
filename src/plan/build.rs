//! [`plan`]: the walk from the diff's differences to ordered changes.

use crate::dialect::{ColumnAlterStyle, Dialect, IdentityStyle};
use crate::diff::{Difference, diff, find_column, find_table as find};
use crate::model::{ForeignKey, Index, Schema, Table, Unique};
use crate::render::{creation_order, rendered_column};

use super::{Change, ColumnChanges, Plan, Rename};

/// The changes that turn `current` (`None`: an empty database) into `target`
/// on `dialect`, in an order the database accepts (see the [module](super)
/// docs). Both schemas are resolved for `dialect`; `current` may be a snapshot
/// or a live database read back by [`crate::inspect`], and must hold only the
/// tables `target` is responsible for (a table it has beyond `target` is
/// dropped). `renames` are the target snapshot's declared renames
/// ([`crate::model::catalog::Migration::renames`]); one whose old name
/// `current` does not have (or whose new name it already has) is skipped, so
/// passing them to a plan from a later schema is harmless.
///
/// Seed rows are planned for the tables the plan creates, and for tables the
/// current schema lists seed rows of (a snapshot), where the row is new: a
/// live schema carries no seed rows, and reconciling the data of existing
/// tables is a data step.
pub fn plan(
    dialect: &dyn Dialect,
    current: Option<&Schema>,
    target: &Schema,
    renames: &[Rename],
) -> Plan {
    let mut cur = current.map(|c| as_built(dialect, c)).unwrap_or_default();
    let mut steps = Steps::default();
    apply_renames(dialect, &mut cur, renames, &mut steps);
    let renamed_tables: Vec<String> = steps
        .renames
        .iter()
        .filter_map(|c| match c {
            Change::RenameTable { to, .. } => Some(to.clone()),
            _ => None,
        })
        .collect();
    let differences = diff(dialect, target, &cur);
    let rebuild = dialect.column_alter_style() == ColumnAlterStyle::Rebuild;

    let mut new_tables: Vec<&Table> = Vec::new();
    let mut dropped = Schema::default();
    let mut rebuilt: Vec<String> = Vec::new();
    if rebuild {
        for d in &differences {
            let name = d.table();
            let structural = !matches!(
                d,
                Difference::MissingTable { .. }
                    | Difference::ExtraTable { .. }
                    | Difference::MissingIndex { .. }
                    | Difference::ExtraIndex { .. }
                    | Difference::IndexMismatch { .. }
            );
            if structural && !rebuilt.iter().any(|r| r == name) {
                rebuilt.push(name.to_string());
                if let (Some(from), Some(to)) = (find(&cur, name), find(target, name)) {
                    steps.alter.push(Change::RebuildTable {
                        from: from.clone(),
                        to: to.clone(),
                    });
                }
            }
        }
    }

    for d in &differences {
        let name = d.table();
        if rebuilt.iter().any(|r| r == name) {
            continue;
        }
        let tt = find(target, name);
        let ct = find(&cur, name);
        match d {
            Difference::MissingTable { .. } => new_tables.extend(tt),
            Difference::ExtraTable { .. } => dropped.tables.extend(ct.cloned()),
            Difference::MissingColumn { column, .. } => {
                if let (Some(tt), Some(c)) = (tt, tt.and_then(|t| find_column(t, column))) {
                    steps.add_columns.push(Change::AddColumn {
                        table: tt.clone(),
                        column: c.clone(),
                    });
                }
            }
            Difference::ExtraColumn { column, .. } => {
                if let (Some(ct), Some(c)) = (ct, ct.and_then(|t| find_column(t, column))) {
                    steps.drop_columns.push(Change::DropColumn {
                        table: ct.name.clone(),
                        column: c.name.clone(),
                    });
                }
            }
            Difference::TypeMismatch { column, .. }
            | Difference::NullabilityMismatch { column, .. }
            | Difference::DefaultMismatch { column, .. } => {
                if let (Some(tt), Some(ct)) = (tt, ct) {
                    alter_column(dialect, &mut steps.alter, tt, ct, column, d);
                }
            }
            Difference::MissingPrimaryKey { columns, .. } => {
                steps.add_keys.push(Change::AddPrimaryKey {
                    table: table_name(tt, name),
                    columns: columns.clone(),
                });
            }
            Difference::ExtraPrimaryKey { columns, .. } => {
                steps.drop_keys.push(Change::DropPrimaryKey {
                    table: table_name(ct, name),
                    columns: columns.clone(),
                });
            }
            Difference::PrimaryKeyMismatch {
                expected, actual, ..
            } => {
                steps.drop_keys.push(Change::DropPrimaryKey {
                    table: table_name(ct, name),
                    columns: actual.clone(),
                });
                steps.add_keys.push(Change::AddPrimaryKey {
                    table: table_name(tt, name),
                    columns: expected.clone(),
                });
            }
            Difference::MissingUnique { unique, .. } => {
                steps.add_keys.push(add_unique(tt, name, unique));
            }
            Difference::ExtraUnique { unique, .. } => {
                steps.drop_keys.push(Change::DropUnique {
                    table: table_name(ct, name),
                    unique: unique.clone(),
                });
            }
            Difference::UniqueMismatch {
                expected, actual, ..
            } => {
                steps.drop_keys.push(Change::DropUnique {
                    table: table_name(ct, name),
                    unique: actual.clone(),
                });
                steps.add_keys.push(add_unique(tt, name, expected));
            }
            Difference::MissingForeignKey { foreign_key, .. } => {
                steps.add_fks.push(Change::AddForeignKey {
                    table: table_name(tt, name),
                    foreign_key: foreign_key.clone(),
                    ordinal: 0,
                });
            }
            Difference::ExtraForeignKey { foreign_key, .. } => {
                steps.drop_fks.push(drop_fk(ct, name, foreign_key));
            }
            Difference::ForeignKeyMismatch {
                expected, actual, ..
            } => {
                steps.drop_fks.push(drop_fk(ct, name, actual));
                steps.add_fks.push(Change::AddForeignKey {
                    table: table_name(tt, name),
                    foreign_key: expected.clone(),
                    ordinal: 0,
                });
            }
            Difference::MissingIndex { index, .. } => {
                steps.add_keys.push(Change::AddIndex {
                    table: table_name(tt, name),
                    index: index.clone(),
                });
            }
            Difference::ExtraIndex { index, .. } => {
                steps.drop_keys.push(Change::DropIndex {
                    table: table_name(ct, name),
                    index: index.clone(),
                });
            }
            Difference::IndexMismatch {
                expected, actual, ..
            } => {
                steps.drop_keys.push(Change::DropIndex {
                    table: table_name(ct, name),
                    index: actual.clone(),
                });
                steps.add_keys.push(Change::AddIndex {
                    table: table_name(tt, name),
                    index: expected.clone(),
                });
            }
            // A renamed table's sequence follows its name; on trigger
            // dialects the trigger that reads it is replaced around the rename.
            Difference::SequenceMismatch {
                expected, actual, ..
            } if renamed_tables.iter().any(|r| same(r, name)) => {
                let trigger = (dialect.identity_style() == IdentityStyle::SequenceTrigger)
                    .then(|| tt.zip(ct))
                    .flatten()
                    .and_then(|(tt, ct)| tt.identity_column().map(|c| (tt, ct, c)));
                if let Some((_, ct, _)) = trigger {
                    steps.renames.push(Change::DropTrigger {
                        table: ct.name.clone(),
                        trigger: dialect.trigger_of(ct),
                    });
                }
                steps.renames.push(Change::RenameSequence {
                    table: table_name(tt, name),
                    from: actual.clone(),
                    to: expected.clone(),
                });
                if let Some((tt, _, col)) = trigger {
                    steps.renames.push(Change::CreateTrigger {
                        table: tt.name.clone(),
                        column: col.name.clone(),
                        sequence: expected.clone(),
                        trigger: dialect.trigger_of(tt),
                    });
                }
            }
            // The identity machinery of an existing table (rare between
            // releases): left to the caller, see `Plan::unplanned`.
            _ => steps.unplanned.push(d.clone()),
        }
    }

    // Referencing tables first, so that no dropped table is still referenced.
    for t in creation_order(&dropped).into_iter().rev() {
        steps.drop_tables.push(Change::DropTable {
            table: t.name.clone(),
        });
        if let Some(sequence) = sequence_of(dialect, t) {
            steps.drop_tables.push(Change::DropSequence { sequence });
        }
    }
    create_tables(dialect, &cur, target, &new_tables, &mut steps);
    number_added_fks(&cur, &mut steps);
    seeds(&cur, target, &new_tables, &mut steps);
    steps.into_plan()
}

/// Numbers each unnamed foreign key the plan adds as InnoDB would name it:
/// one above the highest `<table>_ibfk_<n>` the table has when it is added.
/// The current table's unnamed keys are taken to be numbered by their place
/// (as [`drop_fk`] takes them), less those the plan drops first; a table the
/// plan creates numbers its inline keys from 1.
fn number_added_fks(cur: &Schema, steps: &mut Steps) {
    let mut highest: Vec<(String, usize)> = Vec::new();
    for i in 0..steps.add_fks.len() {
        let Change::AddForeignKey {
            table, foreign_key, ..
        } = &steps.add_fks[i]
        else {
            continue;
        };
        if foreign_key.name.is_some() {
            continue;
        }
        let at = match highest.iter().position(|(t, _)| same(t, table)) {
            Some(at) => at,
            None => {
                highest.push((table.clone(), kept_highest(cur, steps, table)));
                highest.len() - 1
            }
        };
        highest[at].1 += 1;
        let n = highest[at].1;
        if let Some(Change::AddForeignKey { ordinal, .. }) = steps.add_fks.get_mut(i) {
            *ordinal = n;
        }
    }
}

/// The highest number among `table`'s unnamed foreign keys once the plan's
/// drops have run (0: none).
fn kept_highest(cur: &Schema, steps: &Steps, table: &str) -> usize {
    let created = steps.create.iter().find_map(|c| match c {
        Change::CreateTable {
            table: t,
            inline_foreign_keys,
            ..
        } if same(&t.name, table) => Some(inline_foreign_keys),
        _ => None,
    });
    if let Some(inline) = created {
        return inline.iter().filter(|f| f.name.is_none()).count();
    }
    let dropped: Vec<usize> = steps
        .drop_fks
        .iter()
        .filter_map(|c| match c {
            Change::DropForeignKey {
                table: t, ordinal, ..
            } if same(t, table) => Some(*ordinal),
            _ => None,
        })
        .collect();
    find(cur, table).map_or(0, |t| {
        (1..=t.foreign_keys.iter().filter(|f| f.name.is_none()).count())
            .filter(|n| !dropped.contains(n))
            .max()
            .unwrap_or(0)
    })
}

/// `schema` as `dialect` would read it back once built: each column as the
/// renderer writes it (its type, whether the database generates it, its
/// default) and the sequence behind an identity column named. The diff
/// compares a model against a database read back, so a current schema that
/// is a snapshot is taken as built; a schema read back is unchanged by this.
fn as_built(dialect: &dyn Dialect, schema: &Schema) -> Schema {
    let mut out = schema.clone();
    for (t, orig) in out.tables.iter_mut().zip(&schema.tables) {
        for (c, oc) in t.columns.iter_mut().zip(&orig.columns) {
            let r = rendered_column(dialect, orig, oc);
            c.native = Some(r.ty);
            c.identity = r.identity;
            c.default = r.default;
        }
        if t.key_generator.sequence.is_none()
            && t.columns.iter().any(|c| c.identity)
            && matches!(
                dialect.identity_style(),
                IdentityStyle::SequenceDefault | IdentityStyle::SequenceTrigger
            )
        {
            t.key_generator.sequence = Some(dialect.default_sequence_name(&t.name));
        }
    }
    out
}

/// Changes collected by kind, concatenated in the module's order at the end.
#[derive(Default)]
struct Steps {
    drop_fks: Vec<Change>,
    renames: Vec<Change>,
    drop_keys: Vec<Change>,
    drop_columns: Vec<Change>,
    alter: Vec<Change>,
    add_columns: Vec<Change>,
    create: Vec<Change>,
    add_keys: Vec<Change>,
    add_fks: Vec<Change>,
    drop_tables: Vec<Change>,
    seeds: Vec<Change>,
    unplanned: Vec<Difference>,
}

impl Steps {
    fn into_plan(self) -> Plan {
        let changes = [
            self.drop_fks,
            self.renames,
            self.drop_keys,
            self.drop_columns,
            self.drop_tables,
            self.alter,
            self.add_columns,
            self.create,
            self.add_keys,
            self.add_fks,
            self.seeds,
        ]
        .into_iter()
        .flatten()
        .collect();
        Plan {
            changes,
            unplanned: self.unplanned,
        }
    }
}

/// The table's name as the schema spells it, else the diff's (upper case).
fn table_name(t: Option<&Table>, name: &str) -> String {
    t.map_or_else(|| name.to_string(), |t| t.name.clone())
}

fn same(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
}

/// The sequence behind `table`'s identity column on `dialect`, if it has one.
fn sequence_of(dialect: &dyn Dialect, table: &Table) -> Option<String> {
    let style = dialect.identity_style();
    if !matches!(
        style,
        IdentityStyle::SequenceDefault | IdentityStyle::SequenceTrigger
    ) {
        return None;
    }
    table.key_generator.sequence.clone().or_else(|| {
        table
            .identity_column()
            .map(|_| dialect.default_sequence_name(&table.name))
    })
}

/// A new unique rule: a unique index where the target declares one by that
/// name (the diff counts those as constraints where the catalog cannot tell
/// them apart), otherwise a unique constraint.
fn add_unique(target: Option<&Table>, name: &str, unique: &Unique) -> Change {
    let index = target.and_then(|t| {
        t.indexes
            .iter()
            .find(|i| i.unique && unique.name.as_deref().is_some_and(|n| same(n, &i.name)))
    });
    match index {
        Some(index) => Change::AddIndex {
            table: table_name(target, name),
            index: index.clone(),
        },
        None => Change::AddUnique {
            table: table_name(target, name),
            unique: target
                .and_then(|t| {
                    t.unique
                        .iter()
                        .find(|u| upper_all(&u.columns) == unique.columns)
                })
                .cloned()
                .unwrap_or_else(|| unique.clone()),
        },
    }
}

fn upper_all(v: &[String]) -> Vec<String> {
    v.iter().map(|s| s.to_ascii_uppercase()).collect()
}

/// Dropping `fk` of the current table, with its place among the table's
/// unnamed foreign keys (RDBMSs number those).
fn drop_fk(current: Option<&Table>, name: &str, fk: &ForeignKey) -> Change {
    let ordinal = current
        .map(|t| {
            t.foreign_keys
                .iter()
                .filter(|f| f.name.is_none())
                .position(|f| {
                    upper_all(&f.columns) == fk.columns && same(&f.references, &fk.references)
                })
                .map_or(0, |p| p + 1)
        })
        .unwrap_or(0);
    Change::DropForeignKey {
        table: table_name(current, name),
        foreign_key: fk.clone(),
        ordinal,
    }
}

/// Folds one column difference into the column's [`Change::AlterColumn`]
/// (one per column, whatever differs).
fn alter_column(
    dialect: &dyn Dialect,
    alter: &mut Vec<Change>,
    target: &Table,
    current: &Table,
    column: &str,
    d: &Difference,
) {
    let (Some(to), Some(from)) = (find_column(target, column), find_column(current, column)) else {
        return;
    };
    let at = alter.iter().position(|c| {
        matches!(c, Change::AlterColumn { table, to: t, .. }
            if same(&table.name, &target.name) && same(&t.name, &to.name))
    });
    let at = at.unwrap_or_else(|| {
        alter.push(Change::AlterColumn {
            table: target.clone(),
            from: from.clone(),
            to: to.clone(),
            changes: ColumnChanges::default(),
        });
        alter.len() - 1
    });
    let Some(Change::AlterColumn { changes, .. }) = alter.get_mut(at) else {
        return;
    };
    match d {
        Difference::TypeMismatch {
            expected, actual, ..
        } => changes.ty = Some((actual.clone(), expected.clone())),
        Difference::NullabilityMismatch {
            expected, actual, ..
        } => changes.nullable = Some((*actual, *expected)),
        Difference::DefaultMismatch {
            expected, actual, ..
        } => {
            let rendered = rendered_column(dialect, target, to).default;
            changes.default = Some((actual.clone(), rendered.or_else(|| expected.clone())))
        }
        _ => {}
    }
}

/// Applies the renames `current` still needs, recording each as a change and
/// renaming the object (and every reference to it) in `current`.
fn apply_renames(dialect: &dyn Dialect, cur: &mut Schema, renames: &[Rename], steps: &mut Steps) {
    let chain = dialect.override_chain();
    let applies = |r: &Rename| {
        r.only_in
            .as_ref()
            .is_none_or(|l| l.iter().any(|d| chain.contains(&d.as_str())))
    };
    for r in renames.iter().filter(|r| r.column.is_none() && applies(r)) {
        if find(cur, &r.table).is_some() {
            continue;
        }
        let Some(t) = cur.tables.iter_mut().find(|t| same(&t.name, &r.from)) else {
            continue;
        };
        steps.renames.push(Change::RenameTable {
            from: t.name.clone(),
            to: r.table.clone(),
        });
        // Its trigger keeps the name it was built with (the sequence's is
        // already pinned by `as_built`).
        if t.identity_column().is_some()
            && dialect.identity_style() == IdentityStyle::SequenceTrigger
        {
            t.key_generator.trigger = Some(dialect.trigger_of(t));
        }
        t.name = r.table.clone();
        for t in &mut cur.tables {
            for fk in &mut t.foreign_keys {
                if same(&fk.references, &r.from) {
                    fk.references = r.table.clone();
                }
            }
        }
    }
    // A chain (5.4.0: NAME -> DISPLAY_NAME, SCOPE_KEY -> NAME) renames in
    // whichever order frees each new name first: repeat until nothing applies.
    let mut pending: Vec<&Rename> = renames
        .iter()
        .filter(|r| r.column.is_some() && applies(r))
        .collect();
    while let Some(i) = pending.iter().position(|r| column_rename_ready(cur, r)) {
        let r = pending.remove(i);
        let Some(to) = &r.column else { continue };
        let Some(t) = cur.tables.iter_mut().find(|t| same(&t.name, &r.table)) else {
            continue;
        };
        if find_column(t, to).is_some() {
            continue;
        }
        let Some(c) = t.columns.iter_mut().find(|c| same(&c.name, &r.from)) else {
            continue;
        };
        steps.renames.push(Change::RenameColumn {
            table: t.name.clone(),
            from: c.name.clone(),
            to: to.clone(),
        });
        c.name = to.clone();
        let rename = |cols: &mut Vec<String>| {
            for c in cols.iter_mut() {
                if same(c, &r.from) {
                    *c = to.clone();
                }
            }
        };
        rename(&mut t.primary_key);
        t.unique.iter_mut().for_each(|u| rename(&mut u.columns));
        t.foreign_keys
            .iter_mut()
            .for_each(|f| rename(&mut f.columns));
        t.indexes.iter_mut().for_each(|i| rename(&mut i.columns));
        let table = t.name.clone();
        for t in &mut cur.tables {
            for fk in &mut t.foreign_keys {
                if same(&fk.references, &table) {
                    rename(&mut fk.ref_columns);
                }
            }
        }
    }
}

/// Whether `r` can rename its column in `cur` now: the old column is there
/// and the new name is free.
fn column_rename_ready(cur: &Schema, r: &Rename) -> bool {
    let (Some(to), Some(t)) = (&r.column, find(cur, &r.table)) else {
        return false;
    };
    find_column(t, &r.from).is_some() && find_column(t, to).is_none()
}

/// The new tables in dependency order, each with its sequence, trigger and
/// indexes, the way [`crate::render::statements`] writes a fresh install;
/// foreign keys to tables created later are added after all of them.
fn create_tables(
    dialect: &dyn Dialect,
    cur: &Schema,
    target: &Schema,
    new_tables: &[&Table],
    steps: &mut Steps,
) {
    let pending = Schema {
        tables: target
            .tables
            .iter()
            .filter(|t| new_tables.iter().any(|n| n.name == t.name))
            .cloned()
            .collect(),
        seeds: vec![],
    };
    let style = dialect.identity_style();
    let mut created: Vec<&str> = Vec::new();
    let mut deferred = Vec::new();
    for table in creation_order(&pending) {
        let identity = table.identity_column();
        let sequence = identity.map(|_| dialect.sequence_of(table));
        if let (Some(seq), IdentityStyle::SequenceDefault | IdentityStyle::SequenceTrigger) =
            (&sequence, style)
        {
            steps.create.push(Change::CreateSequence {
                table: table.name.clone(),
                sequence: seq.clone(),
            });
        }
        let (inline, later): (Vec<&ForeignKey>, Vec<&ForeignKey>) =
            table.foreign_keys.iter().partition(|fk| {
                fk.references == table.name
                    || created.contains(&fk.references.as_str())
                    || find(cur, &fk.references).is_some()
            });
        deferred.extend(later.into_iter().map(|fk| Change::AddForeignKey {
            table: table.name.clone(),
            foreign_key: fk.clone(),
            ordinal: 0,
        }));
        steps.create.push(Change::CreateTable {
            table: table.clone(),
            sequence: sequence.clone(),
            inline_foreign_keys: inline.into_iter().cloned().collect(),
        });
        created.push(&table.name);
        if let (Some(col), Some(seq), IdentityStyle::SequenceTrigger) = (identity, &sequence, style)
        {
            steps.create.push(Change::CreateTrigger {
                table: table.name.clone(),
                column: col.name.clone(),
                sequence: seq.clone(),
                trigger: dialect.trigger_of(table),
            });
        }
        for index in &table.indexes {
            steps.create.push(Change::AddIndex {
                table: table.name.clone(),
                index: Index::clone(index),
            });
        }
    }
    // A fresh install adds the deferred keys before any key of an existing table.
    deferred.append(&mut steps.add_fks);
    steps.add_fks = deferred;
}

/// Seed rows of the tables the plan creates, and new rows of tables whose
/// seed rows `cur` lists.
fn seeds(cur: &Schema, target: &Schema, new_tables: &[&Table], steps: &mut Steps) {
    for seed in &target.seeds {
        let new_table = new_tables.iter().any(|t| same(&t.name, &seed.table));
        let seeded = cur.seeds.iter().any(|s| same(&s.table, &seed.table));
        if new_table || (seeded && !cur.seeds.contains(seed)) {
            let mut seed = seed.clone();
            // A seed that names no columns fills its table's leading ones,
            // as WSO2's scripts do; naming them lets the insert check for itself.
            if seed.columns.is_empty()
                && let Some(t) = target.tables.iter().find(|t| same(&t.name, &seed.table))
            {
                seed.columns = t
                    .columns
                    .iter()
                    .take(seed.values.len())
                    .map(|c| c.name.clone())
                    .collect();
            }
            steps.seeds.push(Change::InsertSeed { seed });
        }
    }
}
