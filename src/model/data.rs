//! Data steps: the work on existing rows that a release step needs besides
//! its DDL, declared beside the snapshot in `<group>/<version>.data.toml`
//! (see `migrations/README.md`). A step with data steps runs as
//! expand (new tables, new columns still nullable, renames, dropped old
//! rules) → data → contract (NOT NULL, new keys, dropped columns and tables),
//! so the SQL here sees both the old and the new shape.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::dialect::Dialect;
use crate::model::DefaultValue;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataFile {
    #[serde(default, rename = "data")]
    steps: Vec<DataStepDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataStepDef {
    name: String,
    why: String,
    #[serde(default)]
    fills: Vec<String>,
    #[serde(default)]
    backfill: BTreeMap<String, DefaultValue>,
    sql: BTreeMap<String, Vec<SqlDef>>,
}

/// A statement as a data file writes it: SQL text, or an `UPDATE` in parts.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum SqlDef {
    Text(String),
    Update(UpdateDef),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateDef {
    update: String,
    #[serde(default, rename = "as")]
    alias: Option<String>,
    set: String,
    #[serde(rename = "where")]
    filter: String,
}

/// How a batched update walks its table: by the first column of the table's
/// primary key, NOT NULL and the leading column of an index by construction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchKey {
    /// The column.
    pub column: String,
    /// Whether its values are integers (else they are compared as text).
    pub integer: bool,
}

/// One statement of a data step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSql {
    /// SQL run as written.
    Text(String),
    /// An `UPDATE` of the rows of one table that match a condition, which a
    /// live run may apply in batches ([`BatchedUpdate`]).
    Update(BatchedUpdate),
}

/// `UPDATE <table> [<alias>] SET <set> WHERE <filter>`, declared in parts so
/// that a live run can apply it a key range at a time, each range committed
/// on its own: no writer then waits for the whole table, and InnoDB locks
/// only the range it scans. Its `filter` must stop matching a row once the
/// row is updated (the update is then idempotent: a run stopped half-way
/// starts again from the first range and finds the done rows done).
/// A script for a DBA runs it whole, with the same result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchedUpdate {
    /// The table updated.
    pub table: String,
    /// The name the `SET` and `WHERE` text calls it by, when not its own.
    pub alias: Option<String>,
    /// The assignments, as SQL text.
    pub set: String,
    /// The condition rows must meet, as SQL text.
    pub filter: String,
    /// The column the batches are ranges of.
    pub key: BatchKey,
}

impl BatchedUpdate {
    /// The whole update as one statement.
    pub fn sql(&self) -> String {
        format!("{} WHERE {}", self.head(), self.filter)
    }

    /// The update of one key range: keys above the first placeholder (when
    /// `above`) and up to the next one (when `upto`); `placeholder(n)` writes
    /// the engine's n-th (1-based) parameter marker.
    pub fn range_sql(
        &self,
        above: bool,
        upto: bool,
        placeholder: impl Fn(usize) -> String,
    ) -> String {
        let key = format!(
            "{}.{}",
            self.alias.as_deref().unwrap_or(&self.table),
            self.key.column
        );
        let mut sql = format!("{} WHERE ({})", self.head(), self.filter);
        let mut n = 0;
        if above {
            n += 1;
            sql.push_str(&format!(" AND {key} > {}", placeholder(n)));
        }
        if upto {
            n += 1;
            sql.push_str(&format!(" AND {key} <= {}", placeholder(n)));
        }
        sql
    }

    /// A query that returns a row when some row still needs the update:
    /// a consistent read, which takes no row lock. A batched update with
    /// nothing to do (the common case of a fill for rows an earlier step
    /// already filled) is then one scan instead of a walk of the key index.
    pub fn probe_sql(&self) -> String {
        format!(
            "SELECT 1 FROM {}{} WHERE {} LIMIT 1",
            self.table,
            self.alias_clause(),
            self.filter
        )
    }

    /// The query for the last key of the next range of `rows` keys (keys
    /// above the placeholder, when `above`); no row means the rest of the
    /// table is one range.
    pub fn boundary_sql(
        &self,
        above: bool,
        rows: u32,
        placeholder: impl Fn(usize) -> String,
    ) -> String {
        let k = &self.key.column;
        let filter = if above {
            format!(" WHERE {k} > {}", placeholder(1))
        } else {
            String::new()
        };
        format!(
            "SELECT {k} FROM {}{filter} ORDER BY {k} LIMIT 1 OFFSET {}",
            self.table,
            rows.saturating_sub(1)
        )
    }

    /// `UPDATE <table> [<alias>] SET <set>`.
    fn head(&self) -> String {
        format!(
            "UPDATE {}{} SET {}",
            self.table,
            self.alias_clause(),
            self.set
        )
    }

    fn alias_clause(&self) -> String {
        self.alias
            .as_deref()
            .map(|a| format!(" {a}"))
            .unwrap_or_default()
    }
}

impl DataSql {
    /// The statement as one piece of SQL (a batched update whole).
    pub fn sql(&self) -> String {
        match self {
            DataSql::Text(s) => s.trim().to_string(),
            DataSql::Update(u) => u.sql(),
        }
    }

    /// The update, when it may run in batches.
    pub fn batched(&self) -> Option<&BatchedUpdate> {
        match self {
            DataSql::Update(u) => Some(u),
            DataSql::Text(_) => None,
        }
    }
}

/// One data step of a release step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataStep {
    /// Its name, unique within its release step (kebab-case).
    pub name: String,
    /// What it does to which rows and why, with the WSO2 fact it follows.
    pub why: String,
    /// The columns it fills, as `(TABLE, COLUMN)`: a new NOT NULL column among
    /// them is added nullable, filled, then set NOT NULL.
    pub fills: Vec<(String, String)>,
    /// New columns whose existing rows all take one value, as `(TABLE,
    /// COLUMN, value)`: the column is added with that value as its default
    /// (the engine fills the rows, on PostgreSQL 11+ and MariaDB 10.3+ as a
    /// catalog change), and the default is set back to the snapshot's after
    /// the data steps; where a default cannot be changed in place, the rows
    /// are updated instead ([`crate::plan::Plan::phases`]).
    pub backfill: Vec<(String, String, DefaultValue)>,
    sql: BTreeMap<String, Vec<DataSql>>,
}

impl DataStep {
    /// Its statements for `dialect` (the most specific of its override chain
    /// that has any: `oracle-rac` falls back to `oracle`); `None` when the
    /// step has no SQL for the dialect, which then cannot take the release step.
    pub fn sql(&self, dialect: &dyn Dialect) -> Option<&[DataSql]> {
        dialect
            .override_chain()
            .iter()
            .rev()
            .find_map(|d| self.sql.get(*d))
            .map(Vec::as_slice)
    }

    /// Whether it fills `table.column`.
    pub fn fills(&self, table: &str, column: &str) -> bool {
        self.fills
            .iter()
            .any(|(t, c)| t.eq_ignore_ascii_case(table) && c.eq_ignore_ascii_case(column))
    }

    /// The value existing rows take in the new column `table.column`, if
    /// this step declares one.
    pub fn backfill(&self, table: &str, column: &str) -> Option<&DefaultValue> {
        self.backfill
            .iter()
            .find(|(t, c, _)| t.eq_ignore_ascii_case(table) && c.eq_ignore_ascii_case(column))
            .map(|(_, _, v)| v)
    }
}

/// What parsing a data file needs to know about the snapshot it belongs to.
pub(super) trait SnapshotFacts {
    /// Whether `table.column` exists.
    fn has_column(&self, table: &str, column: &str) -> bool;
    /// The first column of `table`'s primary key, if it has one.
    fn batch_key(&self, table: &str) -> Option<BatchKey>;
}

fn plain_identifier(name: &str) -> bool {
    crate::ident::validate_identifier(name, "name").is_ok()
}

/// Parses a `.data.toml` file; `columns` says whether `TABLE.COLUMN` exists
/// in the snapshot the steps belong to. The error names what is wrong.
pub(super) fn parse(text: &str, facts: &dyn SnapshotFacts) -> Result<Vec<DataStep>, String> {
    let file: DataFile = toml::from_str(text).map_err(|e| e.to_string())?;
    if file.steps.is_empty() {
        return Err("declares no data step".into());
    }
    let mut out: Vec<DataStep> = Vec::new();
    for s in file.steps {
        if s.name.is_empty()
            || !s
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(format!("data step name `{}` is not kebab-case", s.name));
        }
        if out.iter().any(|x| x.name == s.name) {
            return Err(format!("data step `{}` is declared twice", s.name));
        }
        if s.why.trim().is_empty() {
            return Err(format!("data step `{}` does not say why", s.name));
        }
        if s.sql.is_empty() {
            return Err(format!("data step `{}` has no SQL", s.name));
        }
        let mut sql = BTreeMap::new();
        for (d, stmts) in s.sql {
            if crate::dialect::by_name(&d).is_none() {
                return Err(format!("data step `{}`: unknown dialect `{d}`", s.name));
            }
            let mut out = Vec::with_capacity(stmts.len());
            for st in stmts {
                out.push(match st {
                    // An empty list says there is nothing to do on that
                    // dialect (its `why` says why); a blank statement is a mistake.
                    SqlDef::Text(t) if t.trim().is_empty() => {
                        return Err(format!("data step `{}`: empty SQL for {d}", s.name));
                    }
                    SqlDef::Text(t) => DataSql::Text(t),
                    SqlDef::Update(u) => DataSql::Update(
                        batched(u, facts)
                            .map_err(|e| format!("data step `{}` ({d}): {e}", s.name))?,
                    ),
                });
            }
            sql.insert(d, out);
        }
        let mut fills = Vec::new();
        for f in &s.fills {
            let (t, c) = f
                .split_once('.')
                .ok_or_else(|| format!("data step `{}`: `{f}` is not TABLE.COLUMN", s.name))?;
            if !facts.has_column(t, c) {
                return Err(format!(
                    "data step `{}` fills `{f}`, which the snapshot does not have",
                    s.name
                ));
            }
            fills.push((t.to_string(), c.to_string()));
        }
        let mut backfill = Vec::new();
        for (f, value) in s.backfill {
            let Some((t, c)) = f.split_once('.').filter(|(t, c)| facts.has_column(t, c)) else {
                return Err(format!(
                    "data step `{}` backfills `{f}`, which is not a TABLE.COLUMN of the snapshot",
                    s.name
                ));
            };
            if matches!(value, DefaultValue::Null | DefaultValue::CurrentTimestamp) {
                return Err(format!(
                    "data step `{}` backfills `{f}` with no constant value",
                    s.name
                ));
            }
            backfill.push((t.to_string(), c.to_string(), value));
        }
        out.push(DataStep {
            name: s.name,
            why: s.why,
            fills,
            backfill,
            sql,
        });
    }
    Ok(out)
}

fn batched(u: UpdateDef, facts: &dyn SnapshotFacts) -> Result<BatchedUpdate, String> {
    if !plain_identifier(&u.update) || u.alias.as_deref().is_some_and(|a| !plain_identifier(a)) {
        return Err(format!(
            "`{}` is not a plain table name (and alias)",
            u.update
        ));
    }
    if u.set.trim().is_empty() || u.filter.trim().is_empty() {
        return Err(format!(
            "the update of {} needs `set` and `where`",
            u.update
        ));
    }
    let key = facts
        .batch_key(&u.update)
        .ok_or_else(|| format!("{} has no primary key to batch the update by", u.update))?;
    Ok(BatchedUpdate {
        table: u.update,
        alias: u.alias,
        set: u.set.trim().to_string(),
        filter: u.filter.trim().to_string(),
        key,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
[[data]]
name = "fill-x"
why = "X is new and NOT NULL."
fills = ["T.X"]
backfill = { "T.Y" = -1 }
[data.sql]
postgres = ["UPDATE T SET X = 1 WHERE X IS NULL"]
oracle = ["UPDATE T SET X = 2 WHERE X IS NULL"]
mysql = [{ update = "T", as = "A", set = "X = 3", where = "X IS NULL OR X = 0" }]
"#;

    struct Facts;

    impl SnapshotFacts for Facts {
        fn has_column(&self, t: &str, c: &str) -> bool {
            t == "T" && (c == "X" || c == "Y")
        }
        fn batch_key(&self, t: &str) -> Option<BatchKey> {
            (t == "T").then(|| BatchKey {
                column: "ID".into(),
                integer: true,
            })
        }
    }

    #[test]
    fn steps_are_read_with_their_sql_per_dialect() {
        let s = parse(OK, &Facts).unwrap();
        assert_eq!(s.len(), 1);
        assert!(s[0].fills("t", "x"));
        assert_eq!(s[0].backfill("T", "y"), Some(&DefaultValue::Int(-1)));
        assert_eq!(s[0].backfill("T", "x"), None);
        let sql = |d: &str| s[0].sql(crate::dialect::by_name(d).unwrap());
        assert_eq!(
            sql("postgres").unwrap()[0].sql(),
            "UPDATE T SET X = 1 WHERE X IS NULL"
        );
        assert_eq!(
            sql("oracle-rac").unwrap()[0].sql(),
            "UPDATE T SET X = 2 WHERE X IS NULL"
        );
        assert!(sql("postgres").unwrap()[0].batched().is_none());
        assert!(sql("sqlite").is_none());
    }

    #[test]
    fn a_batched_update_is_one_statement_whole_and_key_ranges_in_batches() {
        let s = parse(OK, &Facts).unwrap();
        let mysql = crate::dialect::by_name("mysql").unwrap();
        let st = &s[0].sql(mysql).unwrap()[0];
        assert_eq!(st.sql(), "UPDATE T A SET X = 3 WHERE X IS NULL OR X = 0");
        let u = st.batched().unwrap();
        let q = |n: usize| format!("${n}");
        // The filter is parenthesised: its OR must not swallow the range.
        assert_eq!(
            u.range_sql(true, true, q),
            "UPDATE T A SET X = 3 WHERE (X IS NULL OR X = 0) AND A.ID > $1 AND A.ID <= $2"
        );
        assert_eq!(
            u.range_sql(false, true, q),
            "UPDATE T A SET X = 3 WHERE (X IS NULL OR X = 0) AND A.ID <= $1"
        );
        assert_eq!(
            u.range_sql(true, false, q),
            "UPDATE T A SET X = 3 WHERE (X IS NULL OR X = 0) AND A.ID > $1"
        );
        assert_eq!(
            u.probe_sql(),
            "SELECT 1 FROM T A WHERE X IS NULL OR X = 0 LIMIT 1"
        );
        assert_eq!(
            u.boundary_sql(true, 10_000, q),
            "SELECT ID FROM T WHERE ID > $1 ORDER BY ID LIMIT 1 OFFSET 9999"
        );
        assert_eq!(
            u.boundary_sql(false, 10, q),
            "SELECT ID FROM T ORDER BY ID LIMIT 1 OFFSET 9"
        );
    }

    #[test]
    fn mistakes_are_refused_by_name() {
        let bad = |from: &str, to: &str, says: &str| {
            let e = parse(&OK.replace(from, to), &Facts).unwrap_err();
            assert!(e.contains(says), "{e}");
        };
        bad("fill-x", "Fill X", "kebab-case");
        bad("\"T.X\"", "\"T.Z\"", "does not have");
        bad("postgres =", "nosql =", "unknown dialect");
        bad("X is new and NOT NULL.", " ", "does not say why");
        bad("\"T.Y\" = -1", "\"T.Z\" = -1", "backfills `T.Z`");
        bad("update = \"T\"", "update = \"U\"", "no primary key");
        bad("update = \"T\"", "update = \"T; DROP\"", "plain table name");
        bad("as = \"A\"", "as = \"A B\"", "plain table name");
        bad("set = \"X = 3\"", "set = \" \"", "needs `set` and `where`");
        let twice = format!("{OK}{}", OK.replace("[[data]]", "\n[[data]]"));
        assert!(parse(&twice, &Facts).unwrap_err().contains("twice"));
    }
}
