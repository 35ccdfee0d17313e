//! Rendering a resolved [`Schema`] as SQL statements and as a script that the
//! RDBMS's own client runs as-is.

use std::fmt;

use crate::dialect::{Dialect, IdentityStyle, ScriptStyle};
use crate::model::{
    Column, ColumnType, DefaultValue, ForeignKey, OnDelete, Schema, SeedRow, Table,
};

/// What a statement does; the migration runner treats data changes differently
/// from DDL on dialects where DDL commits implicitly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatementKind {
    /// `CREATE SEQUENCE`.
    CreateSequence,
    /// `CREATE TABLE`.
    CreateTable,
    /// A trigger: a procedural block whose own `;` belong to it.
    CreateTrigger,
    /// `CREATE INDEX`.
    CreateIndex,
    /// `CREATE INDEX CONCURRENTLY` on a table with rows and writers
    /// (PostgreSQL): it cannot run inside a transaction.
    CreateIndexConcurrently,
    /// `ALTER TABLE … ADD FOREIGN KEY` (a reference to a table created later).
    AddForeignKey,
    /// `INSERT` of a seed row.
    Insert,
    /// A data step's statement: work on existing rows (`UPDATE`, `INSERT …
    /// SELECT`, `DELETE`) between a release step's expand and contract changes.
    Data,
    /// A change to an existing object (`ALTER`, `DROP`, `RENAME`, a table
    /// rebuild's copy), written by the planner ([`crate::plan`]).
    Alter,
}

/// One SQL statement, without its script terminator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// What it does.
    pub kind: StatementKind,
    /// The SQL text.
    pub sql: String,
    /// For a data step's batched update ([`crate::model::data::BatchedUpdate`]):
    /// its parts, so that a live run can apply it a key range at a time;
    /// `sql` is the same update whole.
    pub batch: Option<crate::model::data::BatchedUpdate>,
}

/// Choices that change the SQL but not the schema it creates.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderOptions {
    /// Write `IF NOT EXISTS` where the dialect supports it and put indexes
    /// inside `CREATE TABLE`, so that re-running a half-applied migration on a
    /// dialect whose DDL commits implicitly is safe.
    pub idempotent: bool,
    /// Build the indexes of tables that already exist without blocking their
    /// writers, where the dialect can ([`Dialect::concurrent_index_builds`]).
    pub online: bool,
}

/// Renders every object of `schema` for `dialect`, in an order the database accepts.
pub fn statements(dialect: &dyn Dialect, schema: &Schema, opts: RenderOptions) -> Vec<Statement> {
    let idempotent = opts.idempotent && dialect.supports_if_not_exists();
    let mut out = Vec::new();
    let mut deferred_fks = Vec::new();
    let mut created: Vec<&str> = Vec::new();
    for table in creation_order(schema) {
        let identity = table.identity_column();
        let style = dialect.identity_style();
        let sequence = identity.map(|_| dialect.sequence_of(table));
        if let (Some(seq), IdentityStyle::SequenceDefault | IdentityStyle::SequenceTrigger) =
            (&sequence, style)
        {
            let mut sql = dialect.create_sequence(seq);
            if idempotent {
                sql = sql.replacen("CREATE SEQUENCE", "CREATE SEQUENCE IF NOT EXISTS", 1);
            }
            out.push(Statement {
                batch: None,
                kind: StatementKind::CreateSequence,
                sql,
            });
        }
        let (inline_fks, later): (Vec<&ForeignKey>, Vec<&ForeignKey>) =
            table.foreign_keys.iter().partition(|fk| {
                fk.references == table.name || created.contains(&fk.references.as_str())
            });
        deferred_fks.extend(later.into_iter().map(|fk| (table, fk)));
        out.push(Statement {
            batch: None,
            kind: StatementKind::CreateTable,
            sql: create_table(dialect, table, sequence.as_deref(), &inline_fks, idempotent),
        });
        created.push(&table.name);
        if let (Some(col), Some(seq), IdentityStyle::SequenceTrigger) = (identity, &sequence, style)
        {
            let trig = dialect.trigger_of(table);
            if let Some(sql) = dialect.identity_trigger(&table.name, &col.name, seq, &trig) {
                out.push(Statement {
                    batch: None,
                    kind: StatementKind::CreateTrigger,
                    sql,
                });
            }
        }
        if !(idempotent && dialect.supports_inline_indexes()) {
            for idx in &table.indexes {
                let cols: Vec<String> =
                    idx.columns.iter().map(|c| dialect.object_name(c)).collect();
                out.push(Statement {
                    batch: None,
                    kind: StatementKind::CreateIndex,
                    sql: format!(
                        "CREATE {}INDEX {}{} ON {} ({})",
                        if idx.unique { "UNIQUE " } else { "" },
                        if idempotent { "IF NOT EXISTS " } else { "" },
                        dialect.object_name(&idx.name),
                        dialect.object_name(&table.name),
                        cols.join(", ")
                    ),
                });
            }
        }
    }
    for (table, fk) in deferred_fks {
        out.push(Statement {
            batch: None,
            kind: StatementKind::AddForeignKey,
            sql: format!(
                "ALTER TABLE {} ADD {}",
                dialect.object_name(&table.name),
                foreign_key(dialect, fk)
            ),
        });
    }
    for seed in &schema.seeds {
        out.push(Statement {
            batch: None,
            kind: StatementKind::Insert,
            sql: insert_seed(dialect, schema, seed),
        });
    }
    out
}

/// A seed row's `INSERT`, written so that running it again (a second runner,
/// a script run twice) cannot duplicate the row: `INSERT INTO t (cols) SELECT
/// values WHERE NOT EXISTS (the same row)`. A seed whose table this schema does
/// not define has no known column names and is inserted plainly.
fn insert_seed(dialect: &dyn Dialect, schema: &Schema, seed: &SeedRow) -> String {
    let table = dialect.object_name(&seed.table);
    let values: Vec<String> = seed.values.iter().map(|v| dialect.literal(v)).collect();
    // A seed that names its columns (its table's first column is generated)
    // fills those; otherwise the table's leading columns, as WSO2's scripts do.
    let columns: Vec<&str> = if seed.columns.is_empty() {
        let Some(def) = schema.tables.iter().find(|t| t.name == seed.table) else {
            return format!("INSERT INTO {table} VALUES ({})", values.join(", "));
        };
        def.columns
            .iter()
            .take(values.len())
            .map(|c| c.name.as_str())
            .collect()
    } else {
        seed.columns.iter().map(String::as_str).collect()
    };
    // CURRENT_TIMESTAMP differs on every run, so it cannot identify the row.
    let same: Vec<String> = columns
        .iter()
        .zip(&seed.values)
        .filter(|(_, v)| **v != DefaultValue::CurrentTimestamp)
        .map(|(c, v)| match v {
            DefaultValue::Null => format!("{} IS NULL", dialect.object_name(c)),
            _ => format!("{} = {}", dialect.object_name(c), dialect.literal(v)),
        })
        .collect();
    let filter = if same.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", same.join(" AND "))
    };
    let from = dialect
        .constant_select_from()
        .map(|t| format!(" FROM {t}"))
        .unwrap_or_default();
    format!(
        "INSERT INTO {table} ({}) SELECT {}{from} WHERE NOT EXISTS (SELECT 1 FROM {table}{filter})",
        columns
            .iter()
            .map(|c| dialect.object_name(c))
            .collect::<Vec<_>>()
            .join(", "),
        values.join(", ")
    )
}

/// Tables in definition order, except that a table comes after the tables its
/// foreign keys reference where that is possible (cycles keep definition order).
pub(crate) fn creation_order(schema: &Schema) -> Vec<&Table> {
    let mut done: Vec<&Table> = Vec::new();
    let mut pending: Vec<&Table> = schema.tables.iter().collect();
    while !pending.is_empty() {
        let ready = pending.iter().position(|t| {
            t.foreign_keys.iter().all(|fk| {
                fk.references == t.name
                    || done.iter().any(|d| d.name == fk.references)
                    || !pending.iter().any(|p| p.name == fk.references)
            })
        });
        done.push(pending.remove(ready.unwrap_or(0)));
    }
    done
}

/// What the renderer makes of a column on a dialect: the type it writes, whether
/// the database generates its values, and the default it declares. The diff
/// compares live databases against this, so the two can never disagree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedColumn {
    /// The type as written.
    pub ty: String,
    /// Whether the database generates the column's values.
    pub identity: bool,
    /// The declared default (none for a sequence-backed or rowid key).
    pub default: Option<crate::model::DefaultValue>,
    /// SQLite only: the column is the table's `INTEGER PRIMARY KEY AUTOINCREMENT`.
    pub sqlite_rowid: bool,
}

/// How `col` of `table` is rendered on `dialect`. SQLite generates keys only
/// for a single-column integer primary key; elsewhere identity is as modelled.
pub fn rendered_column(dialect: &dyn Dialect, table: &Table, col: &Column) -> RenderedColumn {
    let style = dialect.identity_style();
    let sqlite_rowid = col.identity
        && style == IdentityStyle::SqliteAutoincrement
        && table.primary_key.len() == 1
        && table.primary_key[0] == col.name
        && matches!(
            col.ty,
            ColumnType::Integer | ColumnType::BigInt | ColumnType::SmallInt
        );
    let identity = col.identity && (style != IdentityStyle::SqliteAutoincrement || sqlite_rowid);
    let ty = if sqlite_rowid {
        "INTEGER".to_string()
    } else {
        col.native
            .clone()
            .unwrap_or_else(|| dialect.render_type(&col.ty))
    };
    let default = if sqlite_rowid || (col.identity && style == IdentityStyle::SequenceDefault) {
        None
    } else {
        col.default.clone()
    };
    RenderedColumn {
        ty,
        identity,
        default,
        sqlite_rowid,
    }
}

fn column_sql(
    dialect: &dyn Dialect,
    table: &Table,
    col: &Column,
    sequence: Option<&str>,
) -> String {
    let r = rendered_column(dialect, table, col);
    let name = dialect.object_name(&col.name);
    if r.sqlite_rowid {
        return format!("{name} {} PRIMARY KEY AUTOINCREMENT", r.ty);
    }
    let mut s = format!("{name} {}", r.ty);
    let style = dialect.identity_style();
    if r.identity {
        match (style, sequence) {
            (IdentityStyle::SequenceDefault, Some(seq)) => {
                s.push_str(&format!(" DEFAULT NEXTVAL('{seq}')"))
            }
            (IdentityStyle::Identity, _) => s.push_str(" IDENTITY(1,1)"),
            _ => {}
        }
    }
    if let Some(d) = &r.default {
        s.push_str(" DEFAULT ");
        s.push_str(&dialect.literal(d));
    }
    if !col.nullable {
        s.push_str(" NOT NULL");
    }
    if r.identity && style == IdentityStyle::AutoIncrement {
        s.push_str(" AUTO_INCREMENT");
    }
    s
}

fn names(dialect: &dyn Dialect, cols: &[String]) -> String {
    cols.iter()
        .map(|c| dialect.object_name(c))
        .collect::<Vec<_>>()
        .join(", ")
}

fn constraint_prefix(dialect: &dyn Dialect, name: &Option<String>) -> String {
    name.as_ref()
        .map(|n| format!("CONSTRAINT {} ", dialect.object_name(n)))
        .unwrap_or_default()
}

fn foreign_key(dialect: &dyn Dialect, fk: &ForeignKey) -> String {
    let mut s = format!(
        "{}FOREIGN KEY ({}) REFERENCES {} ({})",
        constraint_prefix(dialect, &fk.name),
        names(dialect, &fk.columns),
        dialect.object_name(&fk.references),
        names(dialect, &fk.ref_columns)
    );
    if fk.on_delete != OnDelete::NoAction {
        s.push_str(" ON DELETE ");
        s.push_str(fk.on_delete.sql());
    }
    s
}

fn create_table(
    dialect: &dyn Dialect,
    table: &Table,
    sequence: Option<&str>,
    fks: &[&ForeignKey],
    idempotent: bool,
) -> String {
    let mut lines: Vec<String> = table
        .columns
        .iter()
        .map(|c| column_sql(dialect, table, c, sequence))
        .collect();
    let rowid_pk = lines
        .iter()
        .any(|l| l.ends_with("PRIMARY KEY AUTOINCREMENT"));
    if !table.primary_key.is_empty() && !rowid_pk {
        lines.push(format!(
            "PRIMARY KEY ({})",
            names(dialect, &table.primary_key)
        ));
    }
    for u in &table.unique {
        lines.push(format!(
            "{}UNIQUE ({})",
            constraint_prefix(dialect, &u.name),
            names(dialect, &u.columns)
        ));
    }
    for fk in fks {
        lines.push(foreign_key(dialect, fk));
    }
    let options = dialect.data().table_options.as_deref();
    if idempotent && dialect.supports_inline_indexes() {
        // Indexes inside CREATE TABLE make the table and its indexes one atomic DDL
        // statement where DDL commits implicitly.
        for idx in &table.indexes {
            lines.push(format!(
                "{}INDEX {} ({})",
                if idx.unique { "UNIQUE " } else { "" },
                dialect.object_name(&idx.name),
                names(dialect, &idx.columns)
            ));
        }
    }
    let mut s = format!(
        "CREATE TABLE {}{} (\n    {}\n)",
        if idempotent { "IF NOT EXISTS " } else { "" },
        dialect.object_name(&table.name),
        lines.join(",\n    ")
    );
    if let Some(o) = options {
        s.push(' ');
        s.push_str(o);
    }
    s
}

/// A whole script for the dialect's command-line client.
pub struct Script<'a> {
    /// The dialect (decides terminators).
    pub dialect: &'a dyn Dialect,
    /// Comment lines written at the top.
    pub header: Vec<String>,
    /// The statements.
    pub statements: &'a [Statement],
}

impl fmt::Display for Script<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for h in &self.header {
            writeln!(f, "-- {h}")?;
        }
        if !self.header.is_empty() {
            writeln!(f)?;
        }
        for st in self.statements {
            match self.dialect.script_style() {
                ScriptStyle::Semicolon => writeln!(f, "{};\n", st.sql)?,
                ScriptStyle::Slash => writeln!(f, "{}\n/\n", st.sql)?,
                ScriptStyle::Go => writeln!(f, "{};\nGO\n", st.sql)?,
            }
        }
        Ok(())
    }
}

/// Splits a script written in `style` back into statements (without
/// terminators), the way the dialect's client does. Comment lines are dropped.
/// Used to run scripts through drivers that take one statement per call.
pub fn split_script(style: ScriptStyle, text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let push = |cur: &mut String, out: &mut Vec<String>| {
        let s = cur.trim();
        if !s.is_empty() {
            out.push(s.to_string());
        }
        cur.clear();
    };
    match style {
        ScriptStyle::Slash | ScriptStyle::Go => {
            for line in text.lines() {
                let t = line.trim();
                let is_sep = match style {
                    ScriptStyle::Slash => t == "/",
                    _ => t.eq_ignore_ascii_case("go"),
                };
                if is_sep {
                    if style == ScriptStyle::Go {
                        let trimmed = cur.trim_end().trim_end_matches(';').to_string();
                        cur = trimmed;
                    }
                    push(&mut cur, &mut out);
                } else if !t.starts_with("--") {
                    cur.push_str(line);
                    cur.push('\n');
                }
            }
        }
        ScriptStyle::Semicolon => {
            let mut in_quote = false;
            for line in text.lines() {
                if !in_quote && line.trim_start().starts_with("--") {
                    continue;
                }
                for ch in line.chars() {
                    if ch == '\'' {
                        in_quote = !in_quote;
                    }
                    if ch == ';' && !in_quote {
                        push(&mut cur, &mut out);
                    } else {
                        cur.push(ch);
                    }
                }
                cur.push('\n');
            }
        }
    }
    push(&mut cur, &mut out);
    out
}

/// Choices of `isdb render`: which release the scripts bring the databases
/// to, from what, and whether they record isdb's history.
#[derive(Debug, Clone)]
pub struct ScriptOptions {
    /// Create isdb's history table and record each step in it, as
    /// `isdb migrate` does, so that a database built by running the script is
    /// one `isdb status`, `migrate` and `verify` know (`--no-history` turns it off).
    pub history: bool,
    /// The IS release the scripts install or upgrade to (`None`: the newest).
    pub release: Option<crate::model::catalog::Version>,
    /// The release the databases are at (`render --from`): the scripts are
    /// then the upgrade steps `migrate` would run, not a fresh install.
    pub from: Option<crate::model::catalog::Version>,
}

impl Default for ScriptOptions {
    fn default() -> ScriptOptions {
        ScriptOptions {
            history: true,
            release: None,
            from: None,
        }
    }
}

/// The options the migration runner renders a migration with on `dialect`:
/// idempotent where DDL commits implicitly, so a half-applied run can resume.
pub fn live_options(dialect: &dyn Dialect) -> RenderOptions {
    RenderOptions {
        idempotent: !dialect.supports_transactional_ddl(),
        online: true,
    }
}

/// The complete history row of `m` as `isdb migrate` writes it after applying
/// it on `dialect`: same checksum and statement count; `applied_by` says who recorded it.
pub fn history_row(
    dialect: &dyn Dialect,
    m: &crate::model::catalog::Migration,
    applied_by: &str,
) -> crate::migrate::HistoryRow {
    let total = statements(dialect, &m.schema(dialect), live_options(dialect)).len();
    let total = i64::try_from(total).unwrap_or(i64::MAX);
    crate::migrate::HistoryRow {
        group: m.group.name().into(),
        version: m.version.to_string(),
        checksum: m.checksum.clone(),
        statements_done: total,
        statements_total: total,
        success: true,
        applied_at: crate::migrate::history::now_rfc3339(),
        duration_ms: 0,
        applied_by: applied_by.into(),
    }
}

/// `CREATE TABLE` of isdb's history table for `dialect` (with `IF NOT EXISTS`
/// where the dialect has it and `idempotent` asks for it).
pub fn history_table_statements(dialect: &dyn Dialect, idempotent: bool) -> Vec<Statement> {
    let schema = Schema {
        tables: vec![crate::migrate::history::history_table()],
        seeds: vec![],
    };
    statements(
        dialect,
        &schema,
        RenderOptions {
            idempotent,
            online: false,
        },
    )
}

/// The `INSERT` that records `row` in the history table, as literal SQL.
pub fn history_insert(dialect: &dyn Dialect, row: &crate::migrate::HistoryRow) -> Statement {
    use crate::model::DefaultValue::{Int, Str};
    let table = crate::migrate::history::history_table();
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| dialect.object_name(&c.name))
        .collect();
    let values = [
        Str(row.group.clone()),
        Str(row.version.clone()),
        Str(row.checksum.clone()),
        Str(dialect.name().to_string()),
        Int(row.statements_done),
        Int(row.statements_total),
        Int(i64::from(row.success)),
        Str(row.applied_at.clone()),
        Int(row.duration_ms),
        Str(row.applied_by.clone()),
    ];
    let values: Vec<String> = values.iter().map(|v| dialect.literal(v)).collect();
    Statement {
        batch: None,
        kind: StatementKind::Insert,
        sql: format!(
            "INSERT INTO {} ({}) VALUES ({})",
            dialect.object_name(&table.name),
            columns.join(", "),
            values.join(", ")
        ),
    }
}

/// The `DELETE` of a half-applied migration's history row, as literal SQL.
pub fn history_delete(dialect: &dyn Dialect, group: &str, version: &str) -> Statement {
    use crate::model::DefaultValue::Str;
    Statement {
        batch: None,
        kind: StatementKind::Insert,
        sql: format!(
            "DELETE FROM {} WHERE {} = {} AND {} = {}",
            dialect.object_name(crate::migrate::HISTORY_TABLE),
            dialect.object_name("TABLE_GROUP"),
            dialect.literal(&Str(group.into())),
            dialect.object_name("VERSION"),
            dialect.literal(&Str(version.into()))
        ),
    }
}

/// The script that brings every group `db` holds to the release of `opts`
/// for `dialect`: a fresh install (each group planned from nothing to its
/// snapshot at that release), or with `opts.from` the upgrade steps from that
/// release, exactly as `isdb migrate` applies them. What `isdb render` writes
/// to `sql/<database>.sql`, with isdb's history (see [`ScriptOptions`]).
pub fn database_script(
    dialect: &dyn Dialect,
    db: &crate::layout::PhysicalDb,
    catalog: &crate::model::catalog::Catalog,
) -> Result<String, crate::Error> {
    database_script_with(dialect, db, catalog, &ScriptOptions::default())
}

/// [`database_script`] with explicit options.
pub fn database_script_with(
    dialect: &dyn Dialect,
    db: &crate::layout::PhysicalDb,
    catalog: &crate::model::catalog::Catalog,
    opts: &ScriptOptions,
) -> Result<String, crate::Error> {
    let Some(release) = opts.release.as_ref().or(catalog.newest()) else {
        return Ok(String::new());
    };
    let logical: Vec<String> = db.logical.iter().map(|l| l.name()).collect();
    let mut text = String::new();
    let mut header = vec![
        format!(
            "Database {} for {} ({}): IS {}{}.",
            db.name,
            dialect.data().title,
            logical.join(", "),
            match &opts.from {
                Some(from) => format!("upgrade from {from} to "),
                None => String::new(),
            },
            release
        ),
        format!(
            "Written by isdb {}; run it with the RDBMS's own client.",
            env!("CARGO_PKG_VERSION")
        ),
    ];
    if opts.history {
        header.push(format!(
            "It records each step in {}, as `isdb migrate` does (APPLIED_BY 'render', APPLIED_AT when it was written).",
            crate::migrate::HISTORY_TABLE
        ));
    }
    // An upgrade runs on databases isdb built or adopted: their history table exists.
    let history_table = if opts.history && opts.from.is_none() {
        history_table_statements(dialect, false)
    } else {
        vec![]
    };
    text.push_str(
        &Script {
            dialect,
            header,
            statements: &history_table,
        }
        .to_string(),
    );
    let mut steps = Vec::new();
    for group in db.groups() {
        let applied = opts
            .from
            .as_ref()
            .and_then(|a| catalog.snapshot(group, a))
            .map(|m| m.version.clone());
        steps.extend(crate::step::steps(
            catalog,
            group,
            applied.as_ref(),
            release,
        ));
    }
    steps.sort_by_key(|s| crate::step::run_position(s, release));
    for step in steps {
        let mut stmts = step
            .statements(dialect, RenderOptions::default())
            .map_err(|why| {
                crate::Error::Unsupported(format!("{} for {}: {why}", step, dialect.data().title))
            })?;
        if opts.history {
            stmts.push(history_insert(
                dialect,
                &history_row(dialect, step.to, "render"),
            ));
        }
        text.push_str(
            &Script {
                dialect,
                header: vec![format!(
                    "Table group {}{} (checksum {}).",
                    step,
                    match step.from {
                        Some(f) => format!(", upgrade from {}", f.version),
                        None => String::new(),
                    },
                    step.to.checksum
                )],
                statements: &stmts,
            }
            .to_string(),
        );
    }
    Ok(text)
}

/// Writes `out/sql/<database>.sql` for every physical database of `layout`,
/// each file atomically, and removes the scripts an earlier render wrote there
/// that this one does not (see [`crate::render_out`]). Returns the paths written.
pub fn write_scripts(
    dialect: &dyn Dialect,
    layout: &crate::layout::Layout,
    out: &std::path::Path,
    force: bool,
    opts: &ScriptOptions,
) -> Result<Vec<std::path::PathBuf>, crate::Error> {
    let catalog = crate::model::catalog::Catalog::builtin()?;
    let earlier = crate::render_out::Earlier::read(out)?;
    if !earlier.is_all_of(out)? {
        crate::atomic::check_output_dir(out, force)?;
    }
    // Every script is rendered before the first is written, so a release a
    // dialect cannot take leaves the directory as it was.
    let scripts = layout
        .databases
        .iter()
        .map(|db| Ok((db, database_script_with(dialect, db, catalog, opts)?)))
        .collect::<Result<Vec<_>, crate::Error>>()?;
    let mut written = Vec::new();
    for (db, text) in scripts {
        let path = out.join("sql").join(format!("{}.sql", db.name));
        crate::atomic::write_file(&path, text.as_bytes(), false)?;
        written.push(path);
    }
    earlier.replace(out, &written)?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect;
    use crate::model::catalog::Catalog;

    #[test]
    fn every_script_splits_back_into_its_statements() {
        let catalog = Catalog::builtin().unwrap();
        for d in dialect::all() {
            for g in crate::layout::TableGroup::ALL {
                for m in catalog.group(g) {
                    let stmts = statements(d, &m.schema(d), RenderOptions::default());
                    let text = Script {
                        dialect: d,
                        header: vec!["header; with a semicolon".into()],
                        statements: &stmts,
                    }
                    .to_string();
                    let split = split_script(d.script_style(), &text);
                    let expected: Vec<String> =
                        stmts.iter().map(|s| s.sql.trim().to_string()).collect();
                    assert_eq!(split, expected, "{} {}", d.name(), g);
                }
            }
        }
    }

    #[test]
    fn oracle_blocks_keep_their_semicolons_and_plain_statements_have_none() {
        let d = dialect::by_name("oracle").unwrap();
        let m = Catalog::builtin()
            .unwrap()
            .group(crate::layout::TableGroup::Metrics)
            .next()
            .unwrap();
        let stmts = statements(d, &m.schema(d), RenderOptions::default());
        for s in &stmts {
            match s.kind {
                StatementKind::CreateTrigger => assert!(s.sql.ends_with("END;")),
                _ => assert!(!s.sql.ends_with(';'), "{}", s.sql),
            }
        }
    }
}

#[cfg(test)]
mod name_tests {
    use crate::dialect;
    use crate::model::catalog::Catalog;

    /// Index names WSO2's own Oracle scripts (IS 5.6.0 and later) write with
    /// 31 to 35 characters: they need Oracle 12.2 or later (128-character
    /// names), as those releases do. isdb keeps them as WSO2 names them, and
    /// keeps every name it makes up itself within 30.
    const WSO2_LONG_NAMES: [&str; 3] = [
        "IDX_IDN_AUTH_SESSION_STORE_TIME",
        "IDX_IDN_AUTH_TEMP_SESSION_STORE_TIME",
        "IDX_REMOTE_FETCH_REVISION_CONFIG_ID",
    ];

    #[test]
    fn every_name_fits_the_dialects_identifier_limit() {
        let catalog = Catalog::builtin().unwrap();
        let mut too_long = Vec::new();
        for d in dialect::all() {
            let max = d.data().max_identifier_length;
            for g in crate::layout::TableGroup::ALL {
                for m in catalog.group(g) {
                    for t in m.schema(d).tables {
                        let mut names: Vec<String> = vec![t.name.clone()];
                        names.extend(t.columns.iter().map(|c| c.name.clone()));
                        names.extend(t.indexes.iter().map(|i| i.name.clone()));
                        names.extend(t.unique.iter().filter_map(|u| u.name.clone()));
                        names.extend(t.foreign_keys.iter().filter_map(|f| f.name.clone()));
                        if t.identity_column().is_some() {
                            names.push(d.sequence_of(&t));
                            names.push(d.trigger_of(&t));
                        }
                        too_long.extend(
                            names
                                .into_iter()
                                .filter(|n| n.len() > max && !WSO2_LONG_NAMES.contains(&n.as_str()))
                                .map(|n| format!("{} {g}: {n}", d.name())),
                        );
                    }
                }
            }
        }
        assert!(too_long.is_empty(), "{}", too_long.join("\n"));
    }
}
