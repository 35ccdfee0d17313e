//! Data steps: the work on existing rows that a release step needs besides
//! its DDL, declared beside the snapshot in `<group>/<version>.data.toml`
//! (see `migrations/README.md`). A step with data steps runs as
//! expand (new tables, new columns still nullable, renames, dropped old
//! rules) → data → contract (NOT NULL, new keys, dropped columns and tables),
//! so the SQL here sees both the old and the new shape.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::dialect::Dialect;

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
    sql: BTreeMap<String, Vec<String>>,
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
    sql: BTreeMap<String, Vec<String>>,
}

impl DataStep {
    /// Its statements for `dialect` (the most specific of its override chain
    /// that has any: `oracle-rac` falls back to `oracle`); `None` when the
    /// step has no SQL for the dialect, which then cannot take the release step.
    pub fn sql(&self, dialect: &dyn Dialect) -> Option<&[String]> {
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
}

/// Parses a `.data.toml` file; `columns` says whether `TABLE.COLUMN` exists
/// in the snapshot the steps belong to. The error names what is wrong.
pub(super) fn parse(
    text: &str,
    columns: impl Fn(&str, &str) -> bool,
) -> Result<Vec<DataStep>, String> {
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
        for (d, stmts) in &s.sql {
            if crate::dialect::by_name(d).is_none() {
                return Err(format!("data step `{}`: unknown dialect `{d}`", s.name));
            }
            // An empty list says there is nothing to do on that dialect (its
            // `why` says why); a blank statement is a mistake.
            if stmts.iter().any(|x| x.trim().is_empty()) {
                return Err(format!("data step `{}`: empty SQL for {d}", s.name));
            }
        }
        let mut fills = Vec::new();
        for f in &s.fills {
            let (t, c) = f
                .split_once('.')
                .ok_or_else(|| format!("data step `{}`: `{f}` is not TABLE.COLUMN", s.name))?;
            if !columns(t, c) {
                return Err(format!(
                    "data step `{}` fills `{f}`, which the snapshot does not have",
                    s.name
                ));
            }
            fills.push((t.to_string(), c.to_string()));
        }
        out.push(DataStep {
            name: s.name,
            why: s.why,
            fills,
            sql: s.sql,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
[[data]]
name = "fill-x"
why = "X is new and NOT NULL."
fills = ["T.X"]
[data.sql]
postgres = ["UPDATE T SET X = 1 WHERE X IS NULL"]
oracle = ["UPDATE T SET X = 2 WHERE X IS NULL"]
"#;

    fn cols(t: &str, c: &str) -> bool {
        t == "T" && c == "X"
    }

    #[test]
    fn steps_are_read_with_their_sql_per_dialect() {
        let s = parse(OK, cols).unwrap();
        assert_eq!(s.len(), 1);
        assert!(s[0].fills("t", "x"));
        let sql = |d: &str| s[0].sql(crate::dialect::by_name(d).unwrap());
        assert_eq!(
            sql("postgres").unwrap()[0],
            "UPDATE T SET X = 1 WHERE X IS NULL"
        );
        assert_eq!(
            sql("oracle-rac").unwrap()[0],
            "UPDATE T SET X = 2 WHERE X IS NULL"
        );
        assert!(sql("mysql").is_none());
    }

    #[test]
    fn mistakes_are_refused_by_name() {
        let bad = |from: &str, to: &str, says: &str| {
            let e = parse(&OK.replace(from, to), cols).unwrap_err();
            assert!(e.contains(says), "{e}");
        };
        bad("fill-x", "Fill X", "kebab-case");
        bad("\"T.X\"", "\"T.Y\"", "does not have");
        bad("postgres =", "nosql =", "unknown dialect");
        bad("X is new and NOT NULL.", " ", "does not say why");
        let twice = format!("{OK}{}", OK.replace("[[data]]", "\n[[data]]"));
        assert!(parse(&twice, cols).unwrap_err().contains("twice"));
    }
}
