//! MySQL and MariaDB inspector: reads `information_schema` for `DATABASE()`.
//!
//! Things the catalog reports differently from the DDL that created them:
//!
//! - A UNIQUE constraint and `CREATE UNIQUE INDEX` are both unique keys; every
//!   unique key reads as a unique constraint (see
//!   [`CatalogFacts::unique_indexes_are_constraints`]). An unnamed one is named
//!   after its first column (`COL`, `COL_2`, ...), which reads as unnamed.
//! - InnoDB creates an index for a foreign key when none can serve it, named
//!   after the constraint, or, for an unnamed constraint, after its first column
//!   (`COL`, `COL_2`). Such indexes are not reported; see [`is_implicit_fk_index`].
//! - Unnamed foreign keys are named `<table>_ibfk_<n>`, which reads as unnamed.
//! - MariaDB (10.2.7 on) reports defaults as SQL expressions (`'ACTIVE'`,
//!   `current_timestamp()`, `NULL`); MySQL reports the bare value (`ACTIVE`)
//!   and marks expressions `DEFAULT_GENERATED`. Both are handled.

use sqlx::MySqlConnection;

use super::{CatalogFacts, Collector, TypeRule, neutral_type, upper_all};
use crate::error::Error;
use crate::model::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, OnDelete, Schema, Table, Unique,
};

/// The largest `BLOB(n)` / `TEXT(n)` each of MySQL's four sizes holds.
const LOB_SIZES_BLOB: &[(u64, &str)] = &[
    (255, "TINYBLOB"),
    (65_535, "BLOB"),
    (16_777_215, "MEDIUMBLOB"),
    (4_294_967_295, "LONGBLOB"),
];
const LOB_SIZES_TEXT: &[(u64, &str)] = &[
    (255, "TINYTEXT"),
    (65_535, "TEXT"),
    (16_777_215, "MEDIUMTEXT"),
    (4_294_967_295, "LONGTEXT"),
];

/// What `information_schema.COLUMNS.COLUMN_TYPE` reports beyond the `mysql`
/// dialect's `type_aliases` (which already cover `int(11)`, `bigint(20)`,
/// `tinyint(1)` for BOOLEAN and `decimal(10,0)` for DECIMAL).
pub const CATALOG_FACTS: CatalogFacts = CatalogFacts {
    type_rules: &[
        // BLOB(n) and TEXT(n) are stored as the smallest LOB type that holds n bytes.
        TypeRule::SizedBy("BLOB", LOB_SIZES_BLOB),
        TypeRule::SizedBy("TEXT", LOB_SIZES_TEXT),
        TypeRule::Same("NUMERIC(", "DECIMAL("),
        TypeRule::Same("NUMERIC", "DECIMAL"),
        TypeRule::Same("DOUBLE PRECISION", "DOUBLE"),
        TypeRule::Same("REAL", "DOUBLE"),
        TypeRule::Same("CHAR", "CHAR(1)"),
        TypeRule::Same("BINARY", "BINARY(1)"),
        // MariaDB and MySQL before 8.0.19 show the default display width
        // (the dialect's aliases cover the other integer types).
        TypeRule::Same("MEDIUMINT(9)", "MEDIUMINT"),
    ],
    unique_indexes_are_constraints: true,
};

/// Reads the tables of the connection's current database (`DATABASE()`).
pub async fn inspect(conn: &mut MySqlConnection) -> Result<Schema, Error> {
    let (version,): (String,) = sqlx::query_as(VERSION)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| Error::db("reading the MySQL server version", e))?;
    let quoted_defaults = reports_default_expressions(&version);

    let mut tables = Collector::default();
    let names: Vec<(String,)> = sqlx::query_as(TABLES)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::db("reading MySQL tables", e))?;
    for (name,) in &names {
        tables.add_table(name);
    }

    let columns: Vec<(String, String, String, bool, Option<String>, String)> =
        sqlx::query_as(COLUMNS)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| Error::db("reading MySQL columns", e))?;
    for (table, column, native, nullable, default, extra) in columns {
        let Some(t) = tables.table(&table) else {
            continue;
        };
        let ty = neutral_type(&native);
        let extra = extra.to_ascii_lowercase();
        let default = default.map(|d| {
            if quoted_defaults {
                parse_expression_default(&d, ty)
            } else {
                parse_value_default(&d, ty, extra.contains("default_generated"))
            }
        });
        t.columns.push(Column {
            name: column.to_ascii_uppercase(),
            ty,
            native: Some(native),
            nullable,
            default,
            identity: extra.contains("auto_increment"),
        });
    }

    let fk_rows: Vec<(String, String, String, String, String)> = sqlx::query_as(FOREIGN_KEYS)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::db("reading MySQL foreign keys", e))?;
    let rules: Vec<(String, String, String)> = sqlx::query_as(DELETE_RULES)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::db("reading MySQL foreign key rules", e))?;
    let rule_of = |table: &str, name: &str| {
        rules
            .iter()
            .find(|(t, n, _)| t == table && n == name)
            .map(|(_, _, r)| r.to_ascii_uppercase())
            .unwrap_or_default()
    };
    // Raw constraint names per table, for telling implicit FK indexes apart.
    let mut fk_raw: Vec<(String, String, Vec<String>)> = Vec::new();
    for (table, name, column, ref_table, ref_column) in fk_rows {
        let Some(t) = tables.table(&table) else {
            continue;
        };
        let same = fk_raw
            .last()
            .is_some_and(|(tb, n, _)| *tb == table && *n == name);
        if same {
            if let (Some(fk), Some(raw)) = (t.foreign_keys.last_mut(), fk_raw.last_mut()) {
                fk.columns.push(column.to_ascii_uppercase());
                fk.ref_columns.push(ref_column.to_ascii_uppercase());
                raw.2.push(column);
            }
            continue;
        }
        t.foreign_keys.push(ForeignKey {
            name: (!is_generated_fk_name(&name, &table)).then(|| name.to_ascii_uppercase()),
            columns: vec![column.to_ascii_uppercase()],
            references: ref_table.to_ascii_uppercase(),
            ref_columns: vec![ref_column.to_ascii_uppercase()],
            on_delete: match rule_of(&table, &name).as_str() {
                "CASCADE" => OnDelete::Cascade,
                "SET NULL" => OnDelete::SetNull,
                _ => OnDelete::NoAction,
            },
        });
        fk_raw.push((table, name, vec![column]));
    }

    let index_rows: Vec<(String, String, bool, Option<String>)> = sqlx::query_as(INDEXES)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| Error::db("reading MySQL indexes", e))?;
    let mut keys: Vec<(String, String, bool, Vec<String>)> = Vec::new();
    for (table, name, unique, column) in index_rows {
        // A functional key part has no column; its expression is not part of the model.
        let column = column.unwrap_or_else(|| "(expression)".into());
        match keys.last_mut() {
            Some((t, n, _, cols)) if *t == table && *n == name => cols.push(column),
            _ => keys.push((table, name, unique, vec![column])),
        }
    }
    for (table, name, unique, cols) in keys {
        let fks: Vec<(&str, &[String])> = fk_raw
            .iter()
            .filter(|(t, _, _)| *t == table)
            .map(|(_, n, c)| (n.as_str(), c.as_slice()))
            .collect();
        let Some(t) = tables.table(&table) else {
            continue;
        };
        classify_key(t, name, unique, cols, &fks);
    }
    Ok(tables.finish())
}

/// Files one key of `t` as its primary key, a unique constraint or an index.
fn classify_key(
    t: &mut Table,
    name: String,
    unique: bool,
    cols: Vec<String>,
    fks: &[(&str, &[String])],
) {
    if name == "PRIMARY" {
        t.primary_key = upper_all(&cols);
    } else if unique {
        let generated = is_first_column_name(&name, &cols);
        t.unique.push(Unique {
            name: (!generated).then(|| name.to_ascii_uppercase()),
            columns: upper_all(&cols),
        });
    } else if !is_implicit_fk_index(&name, &cols, fks) {
        t.indexes.push(Index {
            name: name.to_ascii_uppercase(),
            columns: upper_all(&cols),
            unique: false,
        });
    }
}

/// Whether the non-unique index `name` on `cols` is one InnoDB created for a
/// foreign key of the same table (`fks`: raw constraint names and columns):
/// its name is the constraint's, or, for an unnamed constraint, the name
/// MySQL derives from the first column, on exactly the key's columns.
pub fn is_implicit_fk_index(name: &str, cols: &[String], fks: &[(&str, &[String])]) -> bool {
    fks.iter().any(|(fk_name, fk_cols)| {
        name.eq_ignore_ascii_case(fk_name)
            || (cols.len() == fk_cols.len()
                && cols
                    .iter()
                    .zip(fk_cols.iter())
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
                && is_first_column_name(name, cols))
    })
}

/// Whether `name` is the one MySQL gives an unnamed key: its first column's
/// name, with `_2`, `_3`, ... on a clash.
fn is_first_column_name(name: &str, cols: &[String]) -> bool {
    let Some(first) = cols.first() else {
        return false;
    };
    if name.eq_ignore_ascii_case(first) {
        return true;
    }
    name.get(..first.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(first))
        && name[first.len()..]
            .strip_prefix('_')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Whether `name` is InnoDB's generated `<table>_ibfk_<n>`.
fn is_generated_fk_name(name: &str, table: &str) -> bool {
    let prefix = format!("{table}_ibfk_");
    name.get(..prefix.len())
        .is_some_and(|p| p.eq_ignore_ascii_case(&prefix))
        && name[prefix.len()..].bytes().all(|b| b.is_ascii_digit())
        && name.len() > prefix.len()
}

/// Whether the server reports `COLUMN_DEFAULT` as SQL expressions (MariaDB
/// 10.2.7 and later) rather than as bare values (MySQL, older MariaDB).
fn reports_default_expressions(version: &str) -> bool {
    if !version.to_ascii_lowercase().contains("mariadb") {
        return false;
    }
    let nums: Vec<u32> = version
        .split(|c: char| !c.is_ascii_digit())
        .take(3)
        .map(|n| n.parse().unwrap_or(0))
        .collect();
    nums.as_slice() >= [10, 2, 7].as_slice()
}

/// A MariaDB default expression (`'ACTIVE'`, `0`, `current_timestamp()`, `NULL`).
fn parse_expression_default(expr: &str, ty: ColumnType) -> DefaultValue {
    DefaultValue::parse_sql(expr, ty == ColumnType::Boolean)
        .unwrap_or_else(|| DefaultValue::Str(expr.to_string()))
}

/// A MySQL bare default value: text for character columns, otherwise a number,
/// boolean or expression (`generated`: the server marked it DEFAULT_GENERATED).
fn parse_value_default(value: &str, ty: ColumnType, generated: bool) -> DefaultValue {
    let text_column = matches!(
        ty,
        ColumnType::Char(_) | ColumnType::Varchar(_) | ColumnType::Clob
    );
    if text_column && !generated {
        return DefaultValue::Str(value.to_string());
    }
    DefaultValue::parse_sql(value, ty == ColumnType::Boolean)
        .unwrap_or_else(|| DefaultValue::Str(value.to_string()))
}

#[cfg(test)]
mod tests;

const VERSION: &str = "SELECT VERSION()";

const TABLES: &str = "
SELECT TABLE_NAME FROM information_schema.TABLES
WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'
ORDER BY TABLE_NAME";

// Each information_schema query filters on its own schema column only: a join
// between two of them makes MariaDB scan every database on the server
// (EXPLAIN: "Scanned all databases"), which made inspection grow with the server.

/// Per column: table, column, type, nullable, default, EXTRA. Views' columns
/// are dropped by the caller, which knows the base tables.
const COLUMNS: &str = "
SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE = 'YES', COLUMN_DEFAULT, EXTRA
FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, ORDINAL_POSITION";

/// Per foreign key column: table, constraint, column, referenced table and column.
const FOREIGN_KEYS: &str = "
SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
FROM information_schema.KEY_COLUMN_USAGE
WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL
ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION";

/// Per foreign key: table, constraint, DELETE_RULE.
const DELETE_RULES: &str = "
SELECT TABLE_NAME, CONSTRAINT_NAME, DELETE_RULE
FROM information_schema.REFERENTIAL_CONSTRAINTS
WHERE CONSTRAINT_SCHEMA = DATABASE()";

/// Per key column: table, key name, whether unique, column (NULL for an expression).
const INDEXES: &str = "
SELECT TABLE_NAME, INDEX_NAME, NON_UNIQUE = 0, COLUMN_NAME
FROM information_schema.STATISTICS
WHERE TABLE_SCHEMA = DATABASE()
ORDER BY TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX";
