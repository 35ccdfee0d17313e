//! PostgreSQL inspector: reads `pg_catalog` for the tables of `current_schema()`.
//!
//! Identity columns are those whose default calls `nextval(...)` (how WSO2's
//! scripts and isdb create them), `serial` columns, and `GENERATED ... AS
//! IDENTITY` columns; the sequence behind them fills the table's
//! [`KeyGenerator::sequence`](crate::model::KeyGenerator). Constraint names
//! PostgreSQL generated (`<table>_<columns>_key`, `<table>_<columns>_fkey`) read
//! as unnamed. Reads PostgreSQL 10 or later ([`MIN_SERVER_VERSION`]): identity
//! columns (`pg_attribute.attidentity`) appeared in 10; on 10, where an index
//! has no `INCLUDE` columns, every indexed column is a key column (11 added
//! `pg_index.indnkeyatts`). An older server is refused with a message naming
//! its version.

use sqlx::PgConnection;

use super::{CatalogFacts, Collector, TypeRule, is_integer, neutral_type, upper_all};
use crate::error::Error;
use crate::model::{Column, ColumnType, DefaultValue, ForeignKey, Index, OnDelete, Schema, Unique};

/// What `format_type()` reports beyond the `postgres` dialect's `type_aliases`.
pub const CATALOG_FACTS: CatalogFacts = CatalogFacts {
    type_rules: &[
        // `VARCHAR` without a length is unbounded; format_type spells it out.
        TypeRule::Same("CHARACTER VARYING", "VARCHAR"),
        // `CHAR` without a length is CHAR(1).
        TypeRule::Same("CHAR", "CHAR(1)"),
        TypeRule::Same("CHARACTER", "CHAR(1)"),
        // 6 is both the default and the maximum precision of a timestamp.
        TypeRule::Same("TIMESTAMP(6) WITHOUT TIME ZONE", "TIMESTAMP"),
        TypeRule::Same("TIMESTAMP(6)", "TIMESTAMP"),
        TypeRule::Same("DECIMAL(", "NUMERIC("),
        TypeRule::Same("DECIMAL", "NUMERIC"),
        // WSO2's 5.3.0 BPS script gives seven columns ABSTIME, which exists up
        // to PostgreSQL 11; isdb renders TIMESTAMP there (migrations/DEVIATIONS.toml).
        // A database built by the official script on 10 or 11 is 5.3.0, not drift.
        TypeRule::Same("ABSTIME", "TIMESTAMP"),
    ],
    unique_indexes_are_constraints: false,
};

/// The oldest server the inspector reads, as `server_version_num` (10.0).
pub const MIN_SERVER_VERSION: i32 = 100_000;

/// Reads the tables of the connection's `current_schema()`; refuses a server
/// older than [`MIN_SERVER_VERSION`] with [`Error::Unsupported`].
pub async fn inspect(conn: &mut PgConnection) -> Result<Schema, Error> {
    let (version_num, version): (i32, String) = sqlx::query_as(SERVER_VERSION)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| Error::db("reading the PostgreSQL server version", e))?;
    supported(version_num, &version)?;
    let mut tables = Collector::default();
    let names: Vec<(String,)> = sqlx::query_as(TABLES)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::db("reading PostgreSQL tables", e))?;
    for (name,) in &names {
        tables.add_table(name);
    }

    type ColumnRow = (
        String,
        String,
        String,
        bool,
        Option<String>,
        bool,
        Option<String>,
    );
    let columns: Vec<ColumnRow> = sqlx::query_as(COLUMNS)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::db("reading PostgreSQL columns", e))?;
    for (table, column, native, not_null, default, is_identity, owned_seq) in columns {
        let Some(t) = tables.table(&table) else {
            continue;
        };
        let ty = neutral_type(&native);
        let nextval = default.as_deref().and_then(nextval_sequence);
        let identity = is_identity || nextval.is_some();
        if let Some(seq) = nextval.or_else(|| owned_seq.filter(|_| identity)) {
            t.key_generator.sequence = Some(seq.to_ascii_uppercase());
        }
        t.columns.push(Column {
            name: column.to_ascii_uppercase(),
            ty,
            native: Some(native),
            nullable: !not_null,
            default: if identity {
                None
            } else {
                default.as_deref().map(|d| parse_default(d, ty))
            },
            identity,
        });
    }

    type ConstraintRow = (
        String,
        String,
        String,
        Vec<String>,
        Option<String>,
        Vec<String>,
        String,
    );
    let constraints: Vec<ConstraintRow> =
        sqlx::query_as(CONSTRAINTS)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::db("reading PostgreSQL constraints", e))?;
    for (table, name, kind, cols, ref_table, ref_cols, on_delete) in constraints {
        let Some(t) = tables.table(&table) else {
            continue;
        };
        match kind.as_str() {
            "p" => t.primary_key = upper_all(&cols),
            "u" => t.unique.push(Unique {
                name: (!is_generated_name(&name, &table, &cols, "key"))
                    .then(|| name.to_ascii_uppercase()),
                columns: upper_all(&cols),
            }),
            "f" => {
                let generated = is_generated_name(&name, &table, &cols, "fkey")
                    || is_generated_name(&name, &table, &cols[..cols.len().min(1)], "fkey");
                t.foreign_keys.push(ForeignKey {
                    name: (!generated).then(|| name.to_ascii_uppercase()),
                    columns: upper_all(&cols),
                    references: ref_table.unwrap_or_default().to_ascii_uppercase(),
                    ref_columns: upper_all(&ref_cols),
                    on_delete: match on_delete.as_str() {
                        "c" => OnDelete::Cascade,
                        "n" => OnDelete::SetNull,
                        _ => OnDelete::NoAction,
                    },
                })
            }
            _ => {}
        }
    }

    let indexes_query = if version_num < 110_000 {
        INDEXES_PG10
    } else {
        INDEXES
    };
    let indexes: Vec<(String, String, bool, Vec<String>)> = sqlx::query_as(indexes_query)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::db("reading PostgreSQL indexes", e))?;
    for (table, name, unique, cols) in indexes {
        if let Some(t) = tables.table(&table) {
            t.indexes.push(Index {
                name: name.to_ascii_uppercase(),
                columns: upper_all(&cols),
                unique,
            });
        }
    }
    Ok(tables.finish())
}

/// Refuses a server older than [`MIN_SERVER_VERSION`], naming its version
/// (`server_version_num`, `server_version`).
fn supported(version_num: i32, version: &str) -> Result<(), Error> {
    if version_num < MIN_SERVER_VERSION {
        return Err(Error::Unsupported(format!(
            "PostgreSQL {version} is not supported: isdb reads PostgreSQL 10 or later"
        )));
    }
    Ok(())
}

/// The sequence a `nextval('name'::regclass)` default draws from, without schema or quotes.
fn nextval_sequence(default: &str) -> Option<String> {
    let inner = default.trim().strip_prefix("nextval(")?;
    let start = inner.find('\'')?;
    let end = start + 1 + inner[start + 1..].find('\'')?;
    let qualified = &inner[start + 1..end];
    let last = split_qualified(qualified).pop()?;
    Some(last)
}

/// `schema.name` split at dots outside double quotes, quotes removed.
fn split_qualified(s: &str) -> Vec<String> {
    let mut parts = vec![String::new()];
    let mut quoted = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                if let Some(p) = parts.last_mut() {
                    p.push('"');
                }
            }
            '"' => quoted = !quoted,
            '.' if !quoted => parts.push(String::new()),
            c => {
                if let Some(p) = parts.last_mut() {
                    p.push(c);
                }
            }
        }
    }
    parts
}

/// A default as `pg_get_expr` prints it (`'ACTIVE'::character varying`,
/// `'-1'::integer`, `false`, `CURRENT_TIMESTAMP`, `NULL::bpchar`), read for a
/// column of neutral type `ty`.
fn parse_default(expr: &str, ty: ColumnType) -> DefaultValue {
    let mut s = expr.trim();
    loop {
        let stripped = strip_cast(s);
        let stripped = stripped
            .strip_prefix('(')
            .and_then(|x| x.strip_suffix(')'))
            .filter(|x| !x.contains('(') && !x.contains(')'))
            .unwrap_or(stripped)
            .trim();
        if stripped == s {
            break;
        }
        s = stripped;
    }
    match DefaultValue::parse_sql(s, ty == ColumnType::Boolean) {
        Some(DefaultValue::Str(text)) if is_integer(ty) => text
            .trim()
            .parse()
            .map(DefaultValue::Int)
            .unwrap_or(DefaultValue::Str(text)),
        Some(v) => v,
        None => DefaultValue::Str(expr.trim().to_string()),
    }
}

/// `s` without a trailing `::type` cast outside quotes.
fn strip_cast(s: &str) -> &str {
    let mut quoted = false;
    let mut last = None;
    let bytes = s.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'\'' {
            quoted = !quoted;
        } else if !quoted && b == b':' && bytes.get(i + 1) == Some(&b':') {
            last = Some(i);
        }
    }
    match last {
        Some(i)
            if s[i + 2..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || " _\"()[],".contains(c)) =>
        {
            s[..i].trim_end()
        }
        _ => s,
    }
}

/// Whether `name` is what PostgreSQL generates for an unnamed constraint of
/// `table` on `columns` (`label` is `key` or `fkey`), collision suffix included.
fn is_generated_name(name: &str, table: &str, columns: &[String], label: &str) -> bool {
    let addition = columns.join("_");
    (0..100).any(|pass| {
        let label = if pass == 0 {
            label.to_string()
        } else {
            format!("{label}{pass}")
        };
        object_name(
            table,
            (!addition.is_empty()).then_some(addition.as_str()),
            &label,
        ) == name
    })
}

/// PostgreSQL's `makeObjectName`: `name1_name2_label`, the longer of the two
/// names cut first so that the whole fits in 63 bytes.
fn object_name(name1: &str, name2: Option<&str>, label: &str) -> String {
    const MAX: usize = 63;
    let overhead = label.len() + 1 + usize::from(name2.is_some());
    let avail = MAX.saturating_sub(overhead);
    let mut n1 = name1.len();
    let mut n2 = name2.map_or(0, str::len);
    while n1 + n2 > avail {
        if n1 > n2 {
            n1 -= 1;
        } else {
            n2 -= 1;
        }
    }
    let clip = |s: &str, mut n: usize| {
        while !s.is_char_boundary(n) {
            n -= 1;
        }
        s[..n].to_string()
    };
    let mut out = clip(name1, n1);
    if let Some(n) = name2 {
        out.push('_');
        out.push_str(&clip(n, n2));
    }
    out.push('_');
    out.push_str(label);
    out
}

#[cfg(test)]
mod tests;

const TABLES: &str = "
SELECT c.relname::text
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY c.relname";

/// Per column: table, column, type, NOT NULL, default expression, whether it is
/// an identity column, and the sequence that belongs to it (serial / identity).
const COLUMNS: &str = "
SELECT c.relname::text, a.attname::text,
       pg_catalog.format_type(a.atttypid, a.atttypmod),
       a.attnotnull,
       pg_catalog.pg_get_expr(d.adbin, d.adrelid),
       a.attidentity IN ('a', 'd'),
       (SELECT s.relname::text
          FROM pg_catalog.pg_depend dep
          JOIN pg_catalog.pg_class s ON s.oid = dep.objid AND s.relkind = 'S'
         WHERE dep.classid = 'pg_catalog.pg_class'::regclass
           AND dep.refclassid = 'pg_catalog.pg_class'::regclass
           AND dep.refobjid = c.oid AND dep.refobjsubid = a.attnum
           AND dep.deptype IN ('a', 'i')
         ORDER BY s.relname LIMIT 1)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
ORDER BY c.relname, a.attnum";

/// Primary keys, unique constraints and foreign keys: table, name, kind
/// (`p`/`u`/`f`), columns, referenced table and columns, ON DELETE code.
const CONSTRAINTS: &str = "
SELECT c.relname::text, con.conname::text, con.contype::text,
       ARRAY(SELECT a.attname::text
               FROM unnest(con.conkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum
              ORDER BY k.ord),
       r.relname::text,
       ARRAY(SELECT a.attname::text
               FROM unnest(con.confkey) WITH ORDINALITY k(attnum, ord)
               JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum
              ORDER BY k.ord),
       con.confdeltype::text
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class c ON c.oid = con.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_class r ON r.oid = con.confrelid
WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f')
ORDER BY c.relname, con.contype, con.conname";

const SERVER_VERSION: &str = "
SELECT current_setting('server_version_num')::int4, current_setting('server_version')";

/// Indexes that no primary key, unique or exclusion constraint owns: table,
/// name, uniqueness, key columns (an expression where there is no column);
/// `$key_count` is the number of key columns among `indkey`.
macro_rules! indexes_query {
    ($key_count:literal) => {
        concat!(
            "
SELECT t.relname::text, i.relname::text, ix.indisunique,
       ARRAY(SELECT COALESCE(a.attname::text, pg_catalog.pg_get_indexdef(ix.indexrelid, k.ord::int, true))
               FROM unnest(ix.indkey::int2[]) WITH ORDINALITY k(attnum, ord)
               LEFT JOIN pg_catalog.pg_attribute a
                      ON a.attrelid = ix.indrelid AND a.attnum = k.attnum AND k.attnum > 0
              WHERE k.ord <= ", $key_count, "
              ORDER BY k.ord)
FROM pg_catalog.pg_index ix
JOIN pg_catalog.pg_class i ON i.oid = ix.indexrelid
JOIN pg_catalog.pg_class t ON t.oid = ix.indrelid
JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = current_schema() AND t.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint con
                   WHERE con.conindid = ix.indexrelid AND con.contype IN ('p', 'u', 'x'))
ORDER BY t.relname, i.relname"
        )
    };
}

/// [`indexes_query`] on PostgreSQL 11 and later, whose indexes may `INCLUDE`
/// non-key columns.
const INDEXES: &str = indexes_query!("ix.indnkeyatts");

/// [`indexes_query`] on PostgreSQL 10: every indexed column is a key column.
const INDEXES_PG10: &str = indexes_query!("ix.indnatts");
