//! Changes as SQL for one dialect, through [`SqlWriter`]. The dialect's
//! capability methods decide the shape (how a column is altered, how a
//! constraint is dropped, how a table is renamed); nothing here names a dialect.

use crate::dialect::{
    ColumnAlterStyle, Dialect, IdentityStyle, ImplicitConstraint, RenameStyle, SequenceRename,
};
use crate::model::{Column, DefaultValue, ForeignKey, Index, OnDelete, SeedRow, Table};
use crate::render::{RenderOptions, Statement, StatementKind, rendered_column};

use super::{Change, ColumnChanges, Plan, PlanError, SqlWriter};

/// Prefix of the temporary table a rebuild copies rows into (a bookkeeping
/// name, so that a rebuild cut short is never taken for a WSO2 table).
const REBUILD_PREFIX: &str = "ISDB_NEW_";

impl Plan {
    /// Every change's statements for `dialect`, in plan order, as a script
    /// writes them ([`RenderOptions::default`]).
    pub fn statements(&self, dialect: &dyn Dialect) -> Result<Vec<Statement>, PlanError> {
        self.statements_with(dialect, RenderOptions::default())
    }

    /// [`Plan::statements`] with the renderer's options: `idempotent` writes
    /// `IF NOT EXISTS` where the dialect has it and puts a new table's indexes
    /// inside its `CREATE TABLE` where it can, as the migration runner needs
    /// on dialects whose DDL commits implicitly (see [`crate::render::live_options`]).
    pub fn statements_with(
        &self,
        dialect: &dyn Dialect,
        opts: RenderOptions,
    ) -> Result<Vec<Statement>, PlanError> {
        let idempotent = opts.idempotent && dialect.supports_if_not_exists();
        let inline = idempotent && dialect.supports_inline_indexes();
        let online = opts.online && dialect.concurrent_index_builds();
        let mut indexed_inline: Vec<&str> = Vec::new();
        let mut out = Vec::new();
        let form = Form {
            idempotent,
            inline,
            online: false,
        };
        let together = dialect.column_alter_style() == ColumnAlterStyle::ModifyColumn;
        let mut i = 0;
        while i < self.changes.len() {
            let c = &self.changes[i];
            i += 1;
            // Where each ALTER TABLE may copy or rebuild the table (InnoDB),
            // the column changes of one table next to each other are one
            // statement: one rebuild instead of one per column.
            if together && let Change::AlterColumn { table, to, .. } = c {
                let mut columns = vec![to];
                while let Some(Change::AlterColumn { table: t, to, .. }) = self.changes.get(i)
                    && t.name == table.name
                {
                    columns.push(to);
                    i += 1;
                }
                if columns.len() > 1 {
                    out.push(modify_columns(dialect, table, &columns)?);
                    continue;
                }
            }
            match c {
                Change::AddIndex { table, .. } if indexed_inline.contains(&table.as_str()) => {}
                Change::CreateTable { table, .. } if inline => {
                    indexed_inline.push(&table.name);
                    out.extend(c.write(dialect, form)?);
                }
                // An existing table has rows and writers: build and check
                // without blocking them.
                _ if online && c.table().is_some_and(|t| !self.creates(t)) => out.extend(c.write(
                    dialect,
                    Form {
                        online: true,
                        ..form
                    },
                )?),
                _ => out.extend(c.write(dialect, form)?),
            }
        }
        Ok(out)
    }
}

/// How statements are written (see [`Plan::statements_with`]).
#[derive(Clone, Copy, Default)]
struct Form {
    /// `IF NOT EXISTS` on creations.
    idempotent: bool,
    /// A new table's indexes inside its `CREATE TABLE`.
    inline: bool,
    /// The change's table has rows and writers, and the dialect builds
    /// indexes concurrently: `CREATE INDEX CONCURRENTLY IF NOT EXISTS`, and
    /// the online forms of new keys and NOT NULL where the dialect has them
    /// (see [`super::online`]).
    online: bool,
}

/// A statement of `kind` from what `w` wrote.
pub(super) fn stmt(kind: StatementKind, w: SqlWriter<'_>) -> Statement {
    Statement {
        batch: None,
        kind,
        sql: w.finish(),
    }
}

fn alter(kind: StatementKind, w: SqlWriter<'_>) -> Vec<Statement> {
    vec![stmt(kind, w)]
}

impl Change {
    /// The change's statements for `dialect` (none where the dialect has no
    /// such object, e.g. an identity trigger outside Oracle and DB2).
    pub fn statements(&self, d: &dyn Dialect) -> Result<Vec<Statement>, PlanError> {
        self.write(d, Form::default())
    }

    fn write(&self, d: &dyn Dialect, form: Form) -> Result<Vec<Statement>, PlanError> {
        let mut w = SqlWriter::new(d);
        let unsupported = |why: &str| PlanError::Unsupported {
            dialect: d.name().into(),
            change: self.to_string(),
            why: why.into(),
        };
        Ok(match self {
            Change::CreateSequence { sequence, .. } => {
                w.word("CREATE SEQUENCE");
                if form.idempotent {
                    w.word("IF NOT EXISTS");
                }
                w.ident(sequence)?;
                let options = &d.data().sequence_options;
                if !options.is_empty() {
                    w.dialect_text(options);
                }
                alter(StatementKind::CreateSequence, w)
            }
            Change::DropSequence { sequence } => {
                w.word("DROP SEQUENCE").ident(sequence)?;
                alter(StatementKind::Alter, w)
            }
            Change::RenameSequence { from, to, .. } => {
                match d.sequence_rename() {
                    SequenceRename::AlterSequence => {
                        w.word("ALTER SEQUENCE")
                            .ident(from)?
                            .word("RENAME TO")
                            .ident(to)?;
                    }
                    SequenceRename::Rename => {
                        w.word("RENAME").ident(from)?.word("TO").ident(to)?;
                    }
                    SequenceRename::Unsupported => {
                        return Err(unsupported(
                            "it cannot rename a sequence (a new one would restart at 1 under existing keys)",
                        ));
                    }
                }
                alter(StatementKind::Alter, w)
            }
            Change::CreateTable {
                table,
                sequence,
                inline_foreign_keys,
            } => {
                let fks: Vec<&ForeignKey> = inline_foreign_keys.iter().collect();
                create_table(&mut w, table, &table.name, sequence.as_deref(), &fks, form)?;
                alter(StatementKind::CreateTable, w)
            }
            Change::DropTable { table } => {
                w.word("DROP TABLE").ident(table)?;
                alter(StatementKind::Alter, w)
            }
            Change::RenameTable { from, to } => {
                match d.rename_style() {
                    RenameStyle::AlterTable => {
                        w.word("ALTER TABLE")
                            .ident(from)?
                            .word("RENAME TO")
                            .ident(to)?;
                    }
                    RenameStyle::RenameTable => {
                        w.word("RENAME TABLE").ident(from)?.word("TO").ident(to)?;
                    }
                    RenameStyle::SpRename => {
                        w.ident(from)?.ident(to)?;
                        w = SqlWriter::new(d);
                        w.word("EXEC sp_rename")
                            .literal(&DefaultValue::Str(from.clone()))
                            .glue(",")
                            .literal(&DefaultValue::Str(to.clone()));
                    }
                }
                alter(StatementKind::Alter, w)
            }
            Change::CreateTrigger {
                table,
                column,
                sequence,
                trigger,
            } => {
                for n in [table, column, sequence, trigger] {
                    w.ident(n)?;
                }
                d.identity_trigger(table, column, sequence, trigger)
                    .map(|sql| Statement {
                        batch: None,
                        kind: StatementKind::CreateTrigger,
                        sql,
                    })
                    .into_iter()
                    .collect()
            }
            Change::DropTrigger { trigger, .. } => {
                w.word("DROP TRIGGER").ident(trigger)?;
                alter(StatementKind::Alter, w)
            }
            Change::AddColumn { table, column } => {
                w.word("ALTER TABLE").ident(&table.name)?.word("ADD");
                column_def(&mut w, table, column, None)?;
                alter(StatementKind::Alter, w)
            }
            Change::DropColumn { table, column } => {
                w.word("ALTER TABLE")
                    .ident(table)?
                    .word("DROP COLUMN")
                    .ident(column)?;
                alter(StatementKind::Alter, w)
            }
            Change::RenameColumn { table, from, to } => {
                if d.rename_style() == RenameStyle::SpRename {
                    w.ident(table)?.ident(from)?.ident(to)?;
                    w = SqlWriter::new(d);
                    w.word("EXEC sp_rename")
                        .literal(&DefaultValue::Str(format!("{table}.{from}")))
                        .glue(",")
                        .literal(&DefaultValue::Str(to.clone()))
                        .glue(",")
                        .literal(&DefaultValue::Str("COLUMN".into()));
                } else {
                    w.word("ALTER TABLE")
                        .ident(table)?
                        .word("RENAME COLUMN")
                        .ident(from)?
                        .word("TO")
                        .ident(to)?;
                }
                alter(StatementKind::Alter, w)
            }
            Change::AlterColumn {
                table, to, changes, ..
            } if form.online
                && d.online_constraints()
                && changes.nullable == Some((true, false)) =>
            {
                let rest = ColumnChanges {
                    nullable: None,
                    ..changes.clone()
                };
                let mut out = alter_column(d, table, to, &rest).map_err(|e| match e {
                    Refused(why) => unsupported(why),
                    Name(e) => e,
                })?;
                out.extend(super::online::set_not_null(d, &table.name, &to.name)?);
                out
            }
            Change::AlterColumn {
                table, to, changes, ..
            } => alter_column(d, table, to, changes).map_err(|e| match e {
                Refused(why) => unsupported(why),
                Name(e) => e,
            })?,
            Change::RebuildTable { from, to } => rebuild(d, from, to)?,
            Change::AddPrimaryKey { table, columns } => {
                w.word("ALTER TABLE")
                    .ident(table)?
                    .word("ADD PRIMARY KEY")
                    .ident_list(columns)?;
                alter(StatementKind::Alter, w)
            }
            Change::DropPrimaryKey { table, .. } => {
                w.word("ALTER TABLE").ident(table)?;
                match d.primary_key_name(table) {
                    Some(name) => w.word("DROP CONSTRAINT").ident(&name)?,
                    None => w.word("DROP PRIMARY KEY"),
                };
                alter(StatementKind::Alter, w)
            }
            Change::AddUnique { table, unique }
                if form.online
                    && d.online_constraints()
                    && super::online::unique_name(d, table, unique).is_some() =>
            {
                super::online::add_unique(d, table, unique)?.unwrap_or_default()
            }
            Change::AddUnique { table, unique } => {
                w.word("ALTER TABLE").ident(table)?.word("ADD");
                // Where DDL commits by itself (the idempotent form), an unnamed key
                // gets the name the RDBMS would give it: re-run after a kill, it then
                // fails as a duplicate (taken as applied) instead of adding a second key.
                let name = unique.name.clone().or_else(|| {
                    form.idempotent
                        .then(|| {
                            d.implicit_constraint_name(
                                table,
                                ImplicitConstraint::Unique,
                                &unique.columns,
                            )
                        })
                        .flatten()
                });
                if let Some(n) = &name {
                    w.word("CONSTRAINT").ident(n)?;
                }
                w.word("UNIQUE").ident_list(&unique.columns)?;
                alter(StatementKind::Alter, w)
            }
            Change::DropUnique { table, unique }
                if unique.name.is_none() && d.drops_unique_by_columns() =>
            {
                w.word("ALTER TABLE")
                    .ident(table)?
                    .word("DROP UNIQUE")
                    .ident_list(&unique.columns)?;
                alter(StatementKind::Alter, w)
            }
            Change::DropUnique { table, unique } => {
                let name = unique
                    .name
                    .clone()
                    .or_else(|| {
                        d.implicit_constraint_name(
                            table,
                            ImplicitConstraint::Unique,
                            &unique.columns,
                        )
                    })
                    .ok_or_else(|| unsupported("the RDBMS named the constraint unpredictably"))?;
                w.word("ALTER TABLE").ident(table)?;
                if d.drops_constraints_as_keys() {
                    w.word("DROP INDEX").ident(&name)?;
                } else {
                    w.word("DROP CONSTRAINT").ident(&name)?;
                }
                alter(StatementKind::Alter, w)
            }
            Change::AddForeignKey {
                table, foreign_key, ..
            } if form.online && d.online_constraints() => {
                match super::online::add_foreign_key(d, table, foreign_key)? {
                    Some(out) => out,
                    None => self.write(
                        d,
                        Form {
                            online: false,
                            ..form
                        },
                    )?,
                }
            }
            Change::AddForeignKey {
                table,
                foreign_key,
                ordinal,
            } => {
                w.word("ALTER TABLE").ident(table)?.word("ADD");
                // Where DDL commits by itself (MySQL's upgrade form), as an unnamed
                // unique key above: the name InnoDB would give it makes a re-run
                // after a kill a duplicate name (taken as applied) instead of a
                // second, identical key.
                let mut fk = foreign_key.clone();
                let commits_by_itself = form.idempotent && !d.supports_transactional_ddl();
                if fk.name.is_none() && commits_by_itself && *ordinal > 0 {
                    fk.name = d.implicit_constraint_name(
                        table,
                        ImplicitConstraint::ForeignKey { ordinal: *ordinal },
                        &fk.columns,
                    );
                }
                foreign_key_def(&mut w, &fk)?;
                alter(StatementKind::AddForeignKey, w)
            }
            Change::DropForeignKey {
                table,
                foreign_key,
                ordinal,
            } => {
                let name = foreign_key
                    .name
                    .clone()
                    .or_else(|| {
                        d.implicit_constraint_name(
                            table,
                            ImplicitConstraint::ForeignKey { ordinal: *ordinal },
                            &foreign_key.columns,
                        )
                    })
                    .ok_or_else(|| unsupported("the RDBMS named the constraint unpredictably"))?;
                w.word("ALTER TABLE").ident(table)?;
                if d.drops_constraints_as_keys() {
                    w.word("DROP FOREIGN KEY").ident(&name)?;
                } else {
                    w.word("DROP CONSTRAINT").ident(&name)?;
                }
                alter(StatementKind::Alter, w)
            }
            Change::AddIndex { table, index } if form.online => {
                // IF NOT EXISTS: a resumed run finds the index a killed one
                // finished (the runner drops one it left invalid first).
                create_index(&mut w, table, index, true, true)?;
                alter(StatementKind::CreateIndexConcurrently, w)
            }
            Change::AddIndex { table, index } => {
                create_index(&mut w, table, index, form.idempotent, false)?;
                alter(StatementKind::CreateIndex, w)
            }
            Change::DropIndex { table, index } => {
                w.word("DROP INDEX").ident(&index.name)?;
                if d.drop_index_names_table() {
                    w.word("ON").ident(table)?;
                }
                alter(StatementKind::Alter, w)
            }
            Change::InsertSeed { seed } => {
                insert_seed(&mut w, seed)?;
                alter(StatementKind::Insert, w)
            }
        })
    }
}

/// Why an `ALTER COLUMN` could not be written.
enum AlterError {
    Refused(&'static str),
    Name(PlanError),
}
use AlterError::{Name, Refused};

impl From<PlanError> for AlterError {
    fn from(e: PlanError) -> AlterError {
        Name(e)
    }
}

/// `ALTER TABLE t MODIFY COLUMN <a>[, MODIFY COLUMN <b> …]`: the new
/// definitions of one or more columns of one table in one statement
/// ([`ColumnAlterStyle::ModifyColumn`]).
fn modify_columns(
    d: &dyn Dialect,
    table: &Table,
    columns: &[&Column],
) -> Result<Statement, PlanError> {
    let mut w = SqlWriter::new(d);
    w.word("ALTER TABLE").ident(&table.name)?;
    for (n, col) in columns.iter().enumerate() {
        if n > 0 {
            w.glue(",");
        }
        w.word("MODIFY COLUMN");
        column_def(&mut w, table, col, None)?;
    }
    Ok(stmt(StatementKind::Alter, w))
}

/// One column's type, nullability and default changes in the dialect's shape.
fn alter_column(
    d: &dyn Dialect,
    table: &Table,
    to: &Column,
    changes: &ColumnChanges,
) -> Result<Vec<Statement>, AlterError> {
    let r = rendered_column(d, table, to);
    let head = |w: &mut SqlWriter<'_>| -> Result<(), PlanError> {
        w.word("ALTER TABLE").ident(&table.name)?;
        Ok(())
    };
    let mut out = Vec::new();
    match d.column_alter_style() {
        style @ (ColumnAlterStyle::AlterType | ColumnAlterStyle::SetDataType) => {
            let column = |w: &mut SqlWriter<'_>| -> Result<(), PlanError> {
                head(w)?;
                w.word("ALTER COLUMN").ident(&to.name)?;
                Ok(())
            };
            if changes.default.is_some() {
                let mut w = SqlWriter::new(d);
                column(&mut w)?;
                match r.default.as_ref().filter(|v| **v != DefaultValue::Null) {
                    Some(v) => w.word("SET DEFAULT").literal(v),
                    None => w.word("DROP DEFAULT"),
                };
                out.push(stmt(StatementKind::Alter, w));
            }
            if changes.ty.is_some() {
                let mut w = SqlWriter::new(d);
                column(&mut w)?;
                if style == ColumnAlterStyle::AlterType {
                    w.word("TYPE");
                } else {
                    w.word("SET DATA TYPE");
                }
                w.dialect_text(&r.ty);
                out.push(stmt(StatementKind::Alter, w));
            }
            if let Some((_, nullable)) = changes.nullable {
                let mut w = SqlWriter::new(d);
                column(&mut w)?;
                w.word(if nullable {
                    "DROP NOT NULL"
                } else {
                    "SET NOT NULL"
                });
                out.push(stmt(StatementKind::Alter, w));
            }
        }
        ColumnAlterStyle::ModifyColumn => out.push(modify_columns(d, table, &[to])?),
        ColumnAlterStyle::Modify => {
            let mut w = SqlWriter::new(d);
            head(&mut w)?;
            w.word("MODIFY").glue(" (").ident(&to.name)?;
            if changes.ty.is_some() {
                w.dialect_text(&r.ty);
            }
            if changes.default.is_some() {
                w.word("DEFAULT")
                    .literal(r.default.as_ref().unwrap_or(&DefaultValue::Null));
            }
            if let Some((_, nullable)) = changes.nullable {
                w.word(if nullable { "NULL" } else { "NOT NULL" });
            }
            w.glue(")");
            out.push(stmt(StatementKind::Alter, w));
        }
        ColumnAlterStyle::AlterColumn => {
            if changes.default.is_some() {
                return Err(Refused(
                    "a default is a named constraint here; drop and add it by name",
                ));
            }
            let mut w = SqlWriter::new(d);
            head(&mut w)?;
            w.word("ALTER COLUMN").ident(&to.name)?.dialect_text(&r.ty);
            w.word(if to.nullable { "NULL" } else { "NOT NULL" });
            out.push(stmt(StatementKind::Alter, w));
        }
        ColumnAlterStyle::Rebuild => {
            return Err(Refused("columns cannot be altered; the table is rebuilt"));
        }
    }
    Ok(out)
}

/// A column's definition as `CREATE TABLE` writes it (see
/// [`crate::render::rendered_column`]).
fn column_def(
    w: &mut SqlWriter<'_>,
    table: &Table,
    col: &Column,
    sequence: Option<&str>,
) -> Result<(), PlanError> {
    let d = w.dialect();
    let r = rendered_column(d, table, col);
    w.ident(&col.name)?.dialect_text(&r.ty);
    if r.sqlite_rowid {
        w.word("PRIMARY KEY AUTOINCREMENT");
        return Ok(());
    }
    let style = d.identity_style();
    if r.identity {
        match (style, sequence) {
            (IdentityStyle::SequenceDefault, Some(seq)) => {
                w.word("DEFAULT NEXTVAL")
                    .glue("(")
                    .literal(&DefaultValue::Str(seq.to_string()))
                    .glue(")");
            }
            (IdentityStyle::Identity, _) => {
                w.word("IDENTITY(1,1)");
            }
            _ => {}
        }
    }
    if let Some(v) = &r.default {
        w.word("DEFAULT").literal(v);
    }
    if !col.nullable {
        w.word("NOT NULL");
    }
    if r.identity && style == IdentityStyle::AutoIncrement {
        w.word("AUTO_INCREMENT");
    }
    Ok(())
}

pub(super) fn foreign_key_def(w: &mut SqlWriter<'_>, fk: &ForeignKey) -> Result<(), PlanError> {
    if let Some(n) = &fk.name {
        w.word("CONSTRAINT").ident(n)?;
    }
    w.word("FOREIGN KEY")
        .ident_list(&fk.columns)?
        .word("REFERENCES")
        .ident(&fk.references)?
        .ident_list(&fk.ref_columns)?;
    match fk.on_delete {
        OnDelete::NoAction => {}
        OnDelete::Cascade => {
            w.word("ON DELETE CASCADE");
        }
        OnDelete::SetNull => {
            w.word("ON DELETE SET NULL");
        }
    }
    Ok(())
}

/// `CREATE TABLE name (...)`: columns, primary key, unique constraints, the
/// given foreign keys, then the dialect's table options, one item a line.
fn create_table(
    w: &mut SqlWriter<'_>,
    table: &Table,
    name: &str,
    sequence: Option<&str>,
    fks: &[&ForeignKey],
    form: Form,
) -> Result<(), PlanError> {
    let d = w.dialect();
    w.word("CREATE TABLE");
    if form.idempotent {
        w.word("IF NOT EXISTS");
    }
    w.ident(name)?.glue(" (\n    ");
    let mut first = true;
    let mut item = |w: &mut SqlWriter<'_>| {
        if !std::mem::take(&mut first) {
            w.glue(",\n    ");
        }
    };
    let mut rowid_pk = false;
    for c in &table.columns {
        item(w);
        rowid_pk |= rendered_column(d, table, c).sqlite_rowid;
        column_def(w, table, c, sequence)?;
    }
    if !table.primary_key.is_empty() && !rowid_pk {
        item(w);
        w.word("PRIMARY KEY").ident_list(&table.primary_key)?;
    }
    for u in &table.unique {
        item(w);
        if let Some(n) = &u.name {
            w.word("CONSTRAINT").ident(n)?;
        }
        w.word("UNIQUE").ident_list(&u.columns)?;
    }
    for fk in fks {
        item(w);
        foreign_key_def(w, fk)?;
    }
    if form.inline {
        // Indexes inside CREATE TABLE make the table and its indexes one atomic DDL
        // statement where DDL commits implicitly.
        for index in &table.indexes {
            item(w);
            w.word(if index.unique {
                "UNIQUE INDEX"
            } else {
                "INDEX"
            })
            .ident(&index.name)?
            .ident_list(&index.columns)?;
        }
    }
    w.glue("\n)");
    if let Some(options) = d.data().table_options.as_deref() {
        w.dialect_text(options);
    }
    Ok(())
}

pub(super) fn create_index(
    w: &mut SqlWriter<'_>,
    table: &str,
    index: &Index,
    idempotent: bool,
    concurrently: bool,
) -> Result<(), PlanError> {
    w.word(if index.unique {
        "CREATE UNIQUE INDEX"
    } else {
        "CREATE INDEX"
    });
    if concurrently {
        w.word("CONCURRENTLY");
    }
    if idempotent {
        w.word("IF NOT EXISTS");
    }
    w.ident(&index.name)?
        .word("ON")
        .ident(table)?
        .ident_list(&index.columns)?;
    Ok(())
}

/// A seed row inserted only where no equal row exists, so that a second
/// insert (a resumed run, a second runner) cannot duplicate it: the same
/// statement `render` writes. `seed.columns` were filled in at planning time;
/// a seed of a table the plan does not know keeps the plain form.
fn insert_seed(w: &mut SqlWriter<'_>, seed: &SeedRow) -> Result<(), PlanError> {
    w.word("INSERT INTO").ident(&seed.table)?;
    if seed.columns.is_empty() {
        w.word("VALUES").literal_list(&seed.values);
        return Ok(());
    }
    w.ident_list(&seed.columns)?.word("SELECT");
    for (i, v) in seed.values.iter().enumerate() {
        if i > 0 {
            w.glue(",");
        }
        w.literal(v);
    }
    if let Some(table) = w.dialect().constant_select_from() {
        w.word("FROM").dialect_text(table);
    }
    w.word("WHERE NOT EXISTS")
        .glue(" (")
        .word("SELECT 1 FROM")
        .ident(&seed.table)?;
    // CURRENT_TIMESTAMP differs on every run, so it cannot identify the row.
    let identifying = seed
        .columns
        .iter()
        .zip(&seed.values)
        .filter(|(_, v)| **v != DefaultValue::CurrentTimestamp);
    for (i, (c, v)) in identifying.enumerate() {
        w.word(if i == 0 { "WHERE" } else { "AND" }).ident(c)?;
        match v {
            DefaultValue::Null => w.word("IS NULL"),
            _ => w.word("=").literal(v),
        };
    }
    w.glue(")");
    Ok(())
}

/// SQLite's documented way to change a table it cannot alter: a new table
/// with the target definition (every foreign key inline), every row copied
/// (the columns both have), the old table dropped, the new one renamed, its
/// indexes created. Foreign keys are switched off around it, or dropping
/// the old table would delete (or cascade to) the rows that reference it;
/// SQLite ignores that switch inside a transaction, so a rebuild runs outside one.
fn rebuild(d: &dyn Dialect, from: &Table, to: &Table) -> Result<Vec<Statement>, PlanError> {
    let temp = d.fit_name(&format!("{REBUILD_PREFIX}{}", to.name));
    let mut out = Vec::new();
    let mut w = SqlWriter::new(d);
    w.word("PRAGMA foreign_keys = OFF");
    out.push(stmt(StatementKind::Alter, w));
    let mut w = SqlWriter::new(d);
    let fks: Vec<&ForeignKey> = to.foreign_keys.iter().collect();
    create_table(&mut w, to, &temp, None, &fks, Form::default())?;
    out.push(stmt(StatementKind::CreateTable, w));
    let common: Vec<String> = to
        .columns
        .iter()
        .filter(|c| from_has(from, &c.name))
        .map(|c| c.name.clone())
        .collect();
    let mut w = SqlWriter::new(d);
    w.word("INSERT INTO")
        .ident(&temp)?
        .ident_list(&common)?
        .word("SELECT");
    for (i, c) in common.iter().enumerate() {
        if i > 0 {
            w.glue(",");
        }
        w.ident(c)?;
    }
    w.word("FROM").ident(&from.name)?;
    out.push(stmt(StatementKind::Alter, w));
    let mut w = SqlWriter::new(d);
    w.word("DROP TABLE").ident(&from.name)?;
    out.push(stmt(StatementKind::Alter, w));
    let mut w = SqlWriter::new(d);
    w.word("ALTER TABLE")
        .ident(&temp)?
        .word("RENAME TO")
        .ident(&to.name)?;
    out.push(stmt(StatementKind::Alter, w));
    for index in &to.indexes {
        let mut w = SqlWriter::new(d);
        create_index(&mut w, &to.name, index, false, false)?;
        out.push(stmt(StatementKind::CreateIndex, w));
    }
    let mut w = SqlWriter::new(d);
    w.word("PRAGMA foreign_keys = ON");
    out.push(stmt(StatementKind::Alter, w));
    Ok(out)
}

fn from_has(from: &Table, name: &str) -> bool {
    from.columns
        .iter()
        .any(|c| c.name.eq_ignore_ascii_case(name))
}
