//! SQLite inspector: reads `sqlite_master` and the table pragmas of `main`.
//!
//! The pragmas report the declared type of each column verbatim, and neither
//! constraint names nor `AUTOINCREMENT`; those two are read from the table's
//! `CREATE TABLE` text, which SQLite keeps as written. Identity means an
//! `INTEGER PRIMARY KEY AUTOINCREMENT` column (a plain `INTEGER PRIMARY KEY`
//! also gets rowid values, but may reuse them, and isdb never writes one).

use sqlx::SqliteConnection;

use super::{CatalogFacts, Collector, neutral_type, upper_all};
use crate::error::Error;
use crate::model::{Column, ColumnType, DefaultValue, ForeignKey, Index, OnDelete, Schema, Unique};

/// SQLite reports the declared type as written: nothing to add to the dialect's aliases.
pub const CATALOG_FACTS: CatalogFacts = CatalogFacts {
    type_rules: &[],
    unique_indexes_are_constraints: false,
};

/// Reads the tables of the connection's `main` database.
pub async fn inspect(conn: &mut SqliteConnection) -> Result<Schema, Error> {
    let names: Vec<(String, Option<String>)> =
        sqlx::query_as(TABLES)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::db("reading SQLite tables", e))?;
    let mut tables = Collector::default();
    for (name, _) in &names {
        tables.add_table(name);
    }
    // Foreign keys that name no referenced columns point at the primary key,
    // known only once every table is read.
    let mut implicit_refs: Vec<(String, usize)> = Vec::new();
    for (name, sql) in &names {
        let mut parsed = sql.as_deref().map(parse_create_table).unwrap_or_default();
        let ctx = |what: &str| format!("reading SQLite {what} of table {name}");
        let columns: Vec<(String, String, bool, Option<String>, i64)> = sqlx::query_as(COLUMNS)
            .bind(name)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::db(ctx("columns"), e))?;
        let fks: Vec<(i64, String, String, Option<String>, String)> = sqlx::query_as(FOREIGN_KEYS)
            .bind(name)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::db(ctx("foreign keys"), e))?;
        let index_list: Vec<(String, bool, String)> = sqlx::query_as(INDEX_LIST)
            .bind(name)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::db(ctx("indexes"), e))?;
        let mut index_columns = Vec::new();
        for (index, unique, origin) in index_list {
            let cols: Vec<(Option<String>,)> = sqlx::query_as(INDEX_COLUMNS)
                .bind(&index)
                .fetch_all(&mut *conn)
                .await
                .map_err(|e| Error::db(ctx("index columns"), e))?;
            let cols: Vec<String> = cols
                .into_iter()
                .map(|(c,)| c.unwrap_or_else(|| "(expression)".into()))
                .collect();
            index_columns.push((index, unique, origin, cols));
        }

        let Some(t) = tables.table(name) else {
            continue;
        };
        let mut pk: Vec<(i64, String)> = columns
            .iter()
            .filter(|c| c.4 > 0)
            .map(|c| (c.4, c.0.to_ascii_uppercase()))
            .collect();
        pk.sort();
        t.primary_key = pk.into_iter().map(|(_, c)| c).collect();
        for (column, declared, not_null, default, _) in columns {
            let ty = neutral_type(&declared);
            let upper = column.to_ascii_uppercase();
            // The column a single-column INTEGER primary key names is the rowid: never NULL.
            let rowid =
                t.primary_key == [upper.clone()] && declared.eq_ignore_ascii_case("INTEGER");
            t.columns.push(Column {
                identity: rowid
                    && parsed
                        .autoincrement
                        .iter()
                        .any(|c| c.eq_ignore_ascii_case(&column)),
                name: upper,
                ty,
                native: Some(declared),
                nullable: !not_null && !rowid,
                default: default.map(|d| {
                    DefaultValue::parse_sql(&d, ty == ColumnType::Boolean)
                        .unwrap_or(DefaultValue::Str(d))
                }),
            });
        }
        let mut last_id = None;
        for (id, ref_table, from, to, on_delete) in fks {
            if last_id != Some(id) {
                last_id = Some(id);
                t.foreign_keys.push(ForeignKey {
                    name: None,
                    columns: Vec::new(),
                    references: ref_table.to_ascii_uppercase(),
                    ref_columns: Vec::new(),
                    on_delete: match on_delete.to_ascii_uppercase().as_str() {
                        "CASCADE" => OnDelete::Cascade,
                        "SET NULL" => OnDelete::SetNull,
                        _ => OnDelete::NoAction,
                    },
                });
            }
            if let Some(fk) = t.foreign_keys.last_mut() {
                fk.columns.push(from.to_ascii_uppercase());
                if let Some(to) = to {
                    fk.ref_columns.push(to.to_ascii_uppercase());
                }
            }
        }
        for (i, fk) in t.foreign_keys.iter_mut().enumerate() {
            fk.name = parsed.take_fk_name(&fk.columns, &fk.references);
            if fk.ref_columns.is_empty() {
                implicit_refs.push((t.name.clone(), i));
            }
        }
        for (index, unique, origin, cols) in index_columns {
            match origin.as_str() {
                "u" => {
                    let cols = upper_all(&cols);
                    let name = parsed.take_unique_name(&cols);
                    t.unique.push(Unique {
                        name,
                        columns: cols,
                    });
                }
                "c" => t.indexes.push(Index {
                    name: index.to_ascii_uppercase(),
                    columns: upper_all(&cols),
                    unique,
                }),
                _ => {}
            }
        }
    }
    for (table, i) in implicit_refs {
        let Some(target) = tables
            .table(&table)
            .and_then(|t| t.foreign_keys.get(i))
            .map(|fk| fk.references.clone())
        else {
            continue;
        };
        let pk = tables
            .table(&target)
            .map(|t| t.primary_key.clone())
            .unwrap_or_default();
        if let Some(fk) = tables.table(&table).and_then(|t| t.foreign_keys.get_mut(i)) {
            fk.ref_columns = pk;
        }
    }
    Ok(tables.finish())
}

/// What the `CREATE TABLE` text says that the pragmas do not.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct ParsedTable {
    /// Columns declared `AUTOINCREMENT`.
    autoincrement: Vec<String>,
    /// Named table-level UNIQUE constraints: upper-case columns and name.
    unique_names: Vec<(Vec<String>, String)>,
    /// Named table-level foreign keys: upper-case columns, referenced table, name.
    foreign_keys: Vec<(Vec<String>, String, String)>,
}

impl ParsedTable {
    /// The name of a named UNIQUE constraint on `cols`, used up once given.
    fn take_unique_name(&mut self, cols: &[String]) -> Option<String> {
        let i = self.unique_names.iter().position(|(c, _)| c == cols)?;
        Some(self.unique_names.remove(i).1)
    }

    /// The name of a named foreign key on `cols` referencing `table`, used up once given.
    fn take_fk_name(&mut self, cols: &[String], table: &str) -> Option<String> {
        let i = self
            .foreign_keys
            .iter()
            .position(|(c, t, _)| c == cols && t == table)?;
        Some(self.foreign_keys.remove(i).2)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    /// A bare word or a quoted identifier, unquoted; `bool`: it was quoted.
    Word(String, bool),
    /// A string literal.
    Str,
    /// `(`, `)`, `,` or any other single character.
    Punct(char),
}

impl Token {
    fn is_keyword(&self, kw: &str) -> bool {
        matches!(self, Token::Word(w, false) if w.eq_ignore_ascii_case(kw))
    }

    fn name(&self) -> Option<String> {
        match self {
            Token::Word(w, _) => Some(w.to_ascii_uppercase()),
            _ => None,
        }
    }
}

/// SQL text as tokens: identifiers (`"x"`, `` `x` ``, `[x]` unquoted), string
/// literals, punctuation; comments and whitespace dropped.
fn tokenize(sql: &str) -> Vec<Token> {
    let chars: Vec<char> = sql.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && chars.get(i + 1) == Some(&'-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && chars.get(i + 1) == Some(&'*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if matches!(c, '"' | '`' | '[' | '\'') {
            let close = if c == '[' { ']' } else { c };
            let mut text = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == close {
                    if close != ']' && chars.get(i + 1) == Some(&close) {
                        text.push(close);
                        i += 2;
                        continue;
                    }
                    break;
                }
                text.push(chars[i]);
                i += 1;
            }
            i += 1;
            out.push(if c == '\'' {
                Token::Str
            } else {
                Token::Word(text, true)
            });
        } else if c.is_alphanumeric() || c == '_' || c == '$' {
            let start = i;
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$')
            {
                i += 1;
            }
            out.push(Token::Word(chars[start..i].iter().collect(), false));
        } else {
            out.push(Token::Punct(c));
            i += 1;
        }
    }
    out
}

/// The items between the outermost parentheses, split at top-level commas.
fn table_items(tokens: &[Token]) -> Vec<&[Token]> {
    let Some(open) = tokens.iter().position(|t| *t == Token::Punct('(')) else {
        return Vec::new();
    };
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    for (i, t) in tokens.iter().enumerate().skip(open + 1) {
        match t {
            Token::Punct('(') => depth += 1,
            Token::Punct(')') if depth == 0 => {
                items.push(&tokens[start..i]);
                break;
            }
            Token::Punct(')') => depth -= 1,
            Token::Punct(',') if depth == 0 => {
                items.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items
}

/// The first name of each comma-separated part of the parenthesised list that
/// starts at `tokens[0]`, and the tokens after it.
fn column_list(tokens: &[Token]) -> Option<(Vec<String>, &[Token])> {
    if tokens.first() != Some(&Token::Punct('(')) {
        return None;
    }
    let close = tokens.iter().position(|t| *t == Token::Punct(')'))?;
    let cols = tokens[1..close]
        .split(|t| *t == Token::Punct(','))
        .filter_map(|part| part.first().and_then(Token::name))
        .collect();
    Some((cols, &tokens[close + 1..]))
}

fn parse_create_table(sql: &str) -> ParsedTable {
    let tokens = tokenize(sql);
    let mut parsed = ParsedTable::default();
    for item in table_items(&tokens) {
        let Some(first) = item.first() else {
            continue;
        };
        let (name, rest) = if first.is_keyword("CONSTRAINT") {
            (
                item.get(1).and_then(Token::name),
                item.get(2..).unwrap_or_default(),
            )
        } else {
            (None, item)
        };
        let Some(head) = rest.first() else {
            continue;
        };
        if head.is_keyword("UNIQUE") {
            if let (Some(name), Some((cols, _))) = (name, column_list(&rest[1..])) {
                parsed.unique_names.push((cols, name));
            }
        } else if head.is_keyword("FOREIGN") {
            let list = rest.get(2..).and_then(column_list);
            if let (Some(name), Some((cols, after))) = (name, list) {
                let target = after
                    .iter()
                    .position(|t| t.is_keyword("REFERENCES"))
                    .and_then(|i| after.get(i + 1))
                    .and_then(Token::name)
                    .unwrap_or_default();
                parsed.foreign_keys.push((cols, target, name));
            }
        } else if !["PRIMARY", "CHECK"].iter().any(|k| head.is_keyword(k))
            && item.iter().any(|t| t.is_keyword("AUTOINCREMENT"))
            && let Some(col) = first.name()
        {
            parsed.autoincrement.push(col);
        }
    }
    parsed
}

#[cfg(test)]
mod tests;

const TABLES: &str = "
SELECT name, sql FROM main.sqlite_master
WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
ORDER BY name";

/// Per column of table `?1`: name, declared type, NOT NULL, default text, position in the primary key.
const COLUMNS: &str =
    "SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid";

/// Per foreign key column of table `?1`: id, referenced table, column, referenced column, ON DELETE.
const FOREIGN_KEYS: &str = "SELECT id, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list(?1) ORDER BY id, seq";

/// Indexes of table `?1`: name, uniqueness, origin (`c` CREATE INDEX, `u` UNIQUE, `pk`).
const INDEX_LIST: &str = "SELECT name, \"unique\", origin FROM pragma_index_list(?1) ORDER BY name";

/// Key columns of index `?1`, in order (NULL for an expression).
const INDEX_COLUMNS: &str = "SELECT name FROM pragma_index_info(?1) ORDER BY seqno";
