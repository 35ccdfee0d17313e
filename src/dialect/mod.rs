//! SQL dialects: what each RDBMS supports and how it spells things.
//!
//! Core code asks a [`Dialect`] what it supports (its capability methods) and
//! never branches on a dialect's name. Each dialect is one small file holding
//! only its differences; its data (type map, reserved words, identifier limit,
//! script terminators) lives in `dialects/<name>.toml`.

mod db2;
mod h2;
mod mssql;
mod mysql;
mod oracle;
mod postgres;
mod sqlite;

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;

use crate::model::{ColumnType, DefaultValue, Table};

/// How a script separates statements for the RDBMS's own command-line client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScriptStyle {
    /// `;` after each statement (psql, mysql/mariadb, H2 RunScript, sqlite3).
    Semicolon,
    /// A line holding only `/` after each statement (SQL*Plus/SQLcl, `db2 -td/`).
    Slash,
    /// `;` and a `GO` line after each statement (sqlcmd).
    Go,
}

/// How the database generates identity-column values, the way WSO2's scripts do it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdentityStyle {
    /// `AUTO_INCREMENT` on the column (MySQL, H2).
    AutoIncrement,
    /// `IDENTITY(1,1)` on the column (MS SQL).
    Identity,
    /// A sequence and `DEFAULT NEXTVAL('seq')` (PostgreSQL).
    SequenceDefault,
    /// A sequence and a BEFORE INSERT trigger (Oracle, DB2).
    SequenceTrigger,
    /// `INTEGER PRIMARY KEY AUTOINCREMENT`, only for a single-column primary key (SQLite).
    SqliteAutoincrement,
}

/// How the dialect folds unquoted identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fold {
    /// To upper case (Oracle, DB2, H2).
    Upper,
    /// To lower case (PostgreSQL).
    Lower,
    /// Not at all (MySQL, MS SQL, SQLite).
    None,
}

/// How `ALTER TABLE` changes a column's type, nullability or default: the
/// shape differs by RDBMS, the planner's changes do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnAlterStyle {
    /// `ALTER COLUMN c TYPE t`, `SET`/`DROP NOT NULL`, `SET`/`DROP DEFAULT` (PostgreSQL).
    AlterType,
    /// `ALTER COLUMN c SET DATA TYPE t`, `SET`/`DROP NOT NULL`, `SET`/`DROP DEFAULT`
    /// (the SQL standard: DB2, H2).
    SetDataType,
    /// `MODIFY COLUMN c <the whole new definition>` (MySQL, MariaDB).
    ModifyColumn,
    /// `MODIFY (c t DEFAULT d NULL|NOT NULL)` (Oracle).
    Modify,
    /// `ALTER COLUMN c t NULL|NOT NULL`; defaults are separate constraints (MS SQL).
    AlterColumn,
    /// No way to alter a column: the table is rebuilt, rows copied (SQLite).
    Rebuild,
}

impl ColumnAlterStyle {
    /// Whether a column's default can be changed in place, by an `ALTER`
    /// that needs no constraint name and touches no row.
    pub fn alters_defaults(self) -> bool {
        matches!(
            self,
            ColumnAlterStyle::AlterType
                | ColumnAlterStyle::SetDataType
                | ColumnAlterStyle::ModifyColumn
                | ColumnAlterStyle::Modify
        )
    }
}

/// How the RDBMS applies DDL to a table that has rows and writers: what
/// `isdb plan` reports for each change (see [`crate::plan::Impact`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DdlLocking {
    /// Catalog changes under a brief exclusive lock; `ADD COLUMN` without a
    /// rewrite (11+); type changes other than widening rewrite the table while
    /// writes wait (PostgreSQL). Plain index, key and NOT NULL builds scan it
    /// while writes wait; the online forms `migrate` uses (see
    /// [`Dialect::online_constraints`]) scan while writes go on, except a
    /// primary key's.
    CatalogFirst,
    /// InnoDB online DDL: most changes rebuild in place while writes go on
    /// (`ALGORITHM=INPLACE, LOCK=NONE`) or are instant; type changes and
    /// foreign keys checked against existing rows copy the table (MySQL 5.7+,
    /// MariaDB 10.3+).
    InnoDbOnline,
    /// Assume every change to a table with rows holds writers for a full pass.
    Blocking,
}

/// How tables and columns are renamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenameStyle {
    /// `ALTER TABLE a RENAME TO b`, `ALTER TABLE t RENAME COLUMN a TO b`
    /// (PostgreSQL, MariaDB 10.5+/MySQL 8, Oracle, H2, SQLite 3.25+).
    AlterTable,
    /// `RENAME TABLE a TO b`; columns as [`RenameStyle::AlterTable`] (DB2).
    RenameTable,
    /// `EXEC sp_rename` (MS SQL).
    SpRename,
}

/// How a sequence is renamed, keeping its current value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SequenceRename {
    /// `ALTER SEQUENCE a RENAME TO b` (PostgreSQL, H2).
    AlterSequence,
    /// `RENAME a TO b` (Oracle).
    Rename,
    /// The RDBMS cannot rename a sequence (DB2), or has none.
    Unsupported,
}

/// A constraint the RDBMS names itself when the script leaves it unnamed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImplicitConstraint {
    /// A UNIQUE constraint.
    Unique,
    /// A FOREIGN KEY; `ordinal` is its 1-based place among the table's unnamed foreign keys.
    ForeignKey {
        /// 1-based position among the table's unnamed foreign keys.
        ordinal: usize,
    },
}

/// The declarative facts of a dialect, read from `dialects/<name>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DialectData {
    /// Name used on the command line and in overrides.
    pub name: String,
    /// Human-readable name.
    pub title: String,
    /// The dialect whose overrides apply first (oracle-rac: oracle).
    #[serde(default)]
    pub base: Option<String>,
    /// Longest identifier the RDBMS accepts.
    pub max_identifier_length: usize,
    /// Opening quote character for identifiers (`"`, `` ` `` or `[`).
    pub quote: String,
    /// Case folding of unquoted identifiers.
    pub fold: Fold,
    /// Statement separation in scripts.
    pub script: ScriptStyle,
    /// Identity-column generation.
    pub identity: IdentityStyle,
    /// Whether DDL can be rolled back inside a transaction.
    pub transactional_ddl: bool,
    /// How FALSE and TRUE are written.
    pub bool_literals: [String; 2],
    /// The current-timestamp expression.
    pub current_timestamp: String,
    /// Options written after `CREATE SEQUENCE name`.
    pub sequence_options: String,
    /// Written after a CREATE TABLE's closing parenthesis.
    #[serde(default)]
    pub table_options: Option<String>,
    /// Words that must be quoted when used as names.
    pub reserved: Vec<String>,
    /// Neutral type → native spelling; `{n}`, `{p}`, `{s}` are filled in.
    pub types: BTreeMap<String, String>,
    /// Spellings that mean the same type (for comparing types as written or inspected).
    pub type_aliases: BTreeMap<String, String>,
}

impl DialectData {
    fn parse(text: &str) -> DialectData {
        // The files are compiled in and covered by tests; a broken one is a build defect.
        toml::from_str(text).unwrap_or_else(|e| panic!("invalid built-in dialect data: {e}"))
    }
}

/// A SQL dialect. Methods have defaults driven by [`DialectData`]; a dialect
/// overrides only what differs.
pub trait Dialect: fmt::Debug + Send + Sync {
    /// The dialect's data.
    fn data(&self) -> &DialectData;

    /// Name used on the command line (`postgres`, `mysql`, `oracle-rac`, ...).
    fn name(&self) -> &str {
        &self.data().name
    }

    /// The dialects whose overrides apply, base first, this one last.
    fn override_chain(&self) -> Vec<&str> {
        let d = self.data();
        d.base
            .iter()
            .map(String::as_str)
            .chain([d.name.as_str()])
            .collect()
    }

    /// How scripts separate statements.
    fn script_style(&self) -> ScriptStyle {
        self.data().script
    }

    /// How identity columns are generated.
    fn identity_style(&self) -> IdentityStyle {
        self.data().identity
    }

    /// Whether a migration can run in one transaction, DDL included.
    fn supports_transactional_ddl(&self) -> bool {
        self.data().transactional_ddl
    }

    /// Whether `CREATE TABLE IF NOT EXISTS` (and the same for indexes) is available,
    /// which isdb uses to make re-running a half-applied migration safe.
    fn supports_if_not_exists(&self) -> bool {
        false
    }

    /// Whether `CREATE TABLE` can declare plain indexes inline (`INDEX name (cols)`),
    /// which makes a table and its indexes one statement where DDL commits implicitly.
    fn supports_inline_indexes(&self) -> bool {
        false
    }

    /// The table a `SELECT` of constants with a `WHERE` clause must name on
    /// this dialect (`DUAL`), or `None` when it may name none.
    fn constant_select_from(&self) -> Option<&str> {
        None
    }

    /// How `ALTER TABLE` changes a column (see [`ColumnAlterStyle`]).
    fn column_alter_style(&self) -> ColumnAlterStyle {
        ColumnAlterStyle::SetDataType
    }

    /// How tables and columns are renamed (see [`RenameStyle`]).
    fn rename_style(&self) -> RenameStyle {
        RenameStyle::AlterTable
    }

    /// Whether an index on a table with rows can be built while its writers
    /// go on (`CREATE INDEX CONCURRENTLY`, outside any transaction: PostgreSQL).
    fn concurrent_index_builds(&self) -> bool {
        false
    }

    /// Whether a key or NOT NULL rule can be added to a table with rows
    /// without holding its writers for a full pass over it: a unique
    /// constraint attached to an index built concurrently (`ADD CONSTRAINT …
    /// UNIQUE USING INDEX`), a foreign key or check added `NOT VALID` and then
    /// validated under a lock writers do not wait for, and `SET NOT NULL`
    /// proven by such a valid check (PostgreSQL; 12+ skips that scan).
    fn online_constraints(&self) -> bool {
        false
    }

    /// How DDL on a table with rows affects its writers (see [`DdlLocking`]).
    fn ddl_locking(&self) -> DdlLocking {
        DdlLocking::Blocking
    }

    /// How a sequence is renamed (see [`SequenceRename`]).
    fn sequence_rename(&self) -> SequenceRename {
        SequenceRename::AlterSequence
    }

    /// Whether foreign keys and unique constraints are dropped as the indexes
    /// behind them (`DROP FOREIGN KEY n`, `DROP INDEX n`: MySQL) rather than
    /// with `DROP CONSTRAINT n`.
    fn drops_constraints_as_keys(&self) -> bool {
        false
    }

    /// Whether a UNIQUE constraint can be dropped by its columns
    /// (`ALTER TABLE t DROP UNIQUE (cols)`: Oracle), so that one the script
    /// left unnamed needs no name.
    fn drops_unique_by_columns(&self) -> bool {
        false
    }

    /// Whether `DROP INDEX` names the table (`DROP INDEX i ON t`: MySQL, MS SQL).
    fn drop_index_names_table(&self) -> bool {
        false
    }

    /// The name the RDBMS gives a constraint `table` declares without one,
    /// where that name is predictable (`None`: it is not, or unknown).
    fn implicit_constraint_name(
        &self,
        _table: &str,
        _kind: ImplicitConstraint,
        _columns: &[String],
    ) -> Option<String> {
        None
    }

    /// The name of `table`'s primary key constraint where `DROP PRIMARY KEY`
    /// is not available and the constraint must be named (PostgreSQL).
    fn primary_key_name(&self, _table: &str) -> Option<String> {
        None
    }

    /// The native spelling of a neutral type.
    fn render_type(&self, ty: &ColumnType) -> String {
        let types = &self.data().types;
        let get = |k: &str| {
            types
                .get(k)
                .cloned()
                .unwrap_or_else(|| k.to_ascii_uppercase())
        };
        match ty {
            ColumnType::Char(n) => get("char").replace("{n}", &n.to_string()),
            ColumnType::Varchar(n) => get("varchar").replace("{n}", &n.to_string()),
            ColumnType::Varbinary(n) => get("varbinary").replace("{n}", &n.to_string()),
            ColumnType::Decimal(Some((p, s))) => {
                let key = if *s == 0 && types.contains_key("decimal_p0") {
                    "decimal_p0"
                } else {
                    "decimal_ps"
                };
                get(key)
                    .replace("{p}", &p.to_string())
                    .replace("{s}", &s.to_string())
            }
            other => get(&other.to_string()),
        }
    }

    /// A literal value as this dialect writes it, for a column of type `ty`.
    fn literal(&self, value: &DefaultValue) -> String {
        let d = self.data();
        match value {
            DefaultValue::Int(n) => n.to_string(),
            DefaultValue::Bool(b) => d.bool_literals[usize::from(*b)].clone(),
            DefaultValue::Str(s) => format!("'{}'", s.replace('\'', "''")),
            DefaultValue::CurrentTimestamp => d.current_timestamp.clone(),
            DefaultValue::Null => "NULL".into(),
        }
    }

    /// An identifier, always quoted (database names, bookkeeping objects).
    /// The name must already be validated; quoting keeps the case the
    /// dialect would fold an unquoted name to, so both spellings name the same object.
    fn quote_ident(&self, name: &str) -> String {
        let d = self.data();
        let folded = match d.fold {
            Fold::Upper => name.to_ascii_uppercase(),
            Fold::Lower => name.to_ascii_lowercase(),
            Fold::None => name.to_string(),
        };
        match d.quote.as_str() {
            "[" => format!("[{}]", folded.replace(']', "]]")),
            q => format!("{q}{}{q}", folded.replace(q, &format!("{q}{q}"))),
        }
    }

    /// A schema object's name as WSO2's scripts write it: bare, unless the
    /// dialect reserves the word.
    fn object_name(&self, name: &str) -> String {
        if self
            .data()
            .reserved
            .iter()
            .any(|r| r.eq_ignore_ascii_case(name))
        {
            self.quote_ident(name)
        } else {
            name.to_string()
        }
    }

    /// A type spelling reduced to a canonical form for comparison: upper case,
    /// single spaces, and the dialect's aliases applied.
    fn normalize_type(&self, written: &str) -> String {
        let mut t: String = written
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase();
        t = t.replace(", ", ",").replace(" (", "(");
        for (from, to) in &self.data().type_aliases {
            if from.ends_with('(') {
                if let Some(rest) = t.strip_prefix(from.as_str()) {
                    t = format!("{to}{rest}");
                }
            } else if &t == from {
                t = to.clone();
            }
        }
        t
    }

    /// `CREATE SEQUENCE` for an identity column's sequence.
    fn create_sequence(&self, name: &str) -> String {
        let opts = &self.data().sequence_options;
        if opts.is_empty() {
            format!("CREATE SEQUENCE {name}")
        } else {
            format!("CREATE SEQUENCE {name} {opts}")
        }
    }

    /// The trigger that fills `column` of `table` from `sequence`, for
    /// [`IdentityStyle::SequenceTrigger`] dialects.
    fn identity_trigger(
        &self,
        _table: &str,
        _column: &str,
        _sequence: &str,
        _trigger: &str,
    ) -> Option<String> {
        None
    }

    /// The default sequence name for `table` when the overrides name none.
    fn default_sequence_name(&self, table: &str) -> String {
        self.fit_name(&format!("{table}_SEQ"))
    }

    /// The default trigger name for `table` when the overrides name none.
    fn default_trigger_name(&self, table: &str) -> String {
        self.fit_name(&format!("{table}_TRIG"))
    }

    /// The sequence that generates `table`'s key where the dialect uses one:
    /// the one its overrides name, else [`default_sequence_name`](Self::default_sequence_name).
    fn sequence_of(&self, table: &Table) -> String {
        table
            .key_generator
            .sequence
            .clone()
            .unwrap_or_else(|| self.default_sequence_name(&table.name))
    }

    /// The trigger that fills `table`'s key from its sequence: the one its
    /// overrides name, else [`default_trigger_name`](Self::default_trigger_name).
    fn trigger_of(&self, table: &Table) -> String {
        table
            .key_generator
            .trigger
            .clone()
            .unwrap_or_else(|| self.default_trigger_name(&table.name))
    }

    /// `name` cut to the dialect's identifier limit.
    fn fit_name(&self, name: &str) -> String {
        name.chars()
            .take(self.data().max_identifier_length)
            .collect()
    }
}

/// Every dialect isdb renders, in the order `--help` lists them.
pub fn all() -> [&'static dyn Dialect; 8] {
    [
        postgres::Postgres::get(),
        mysql::MySql::get(),
        oracle::Oracle::get(),
        oracle::Oracle::rac(),
        mssql::MsSql::get(),
        db2::Db2::get(),
        h2::H2::get(),
        sqlite::Sqlite::get(),
    ]
}

/// The dialect called `name`, if there is one. The one place names map to dialects.
pub fn by_name(name: &str) -> Option<&'static dyn Dialect> {
    all().into_iter().find(|d| d.name() == name)
}

/// URL schemes and the dialect each names (MariaDB's scripts are the mysql
/// dialect's; `sqlserver` is the JDBC spelling of MS SQL).
const SCHEMES: [(&str, &str); 10] = [
    ("postgres", "postgres"),
    ("postgresql", "postgres"),
    ("mysql", "mysql"),
    ("mariadb", "mysql"),
    ("oracle", "oracle"),
    ("sqlserver", "mssql"),
    ("mssql", "mssql"),
    ("db2", "db2"),
    ("h2", "h2"),
    ("sqlite", "sqlite"),
];

/// The dialect a URL scheme names, any case; `None` for a
/// scheme of no RDBMS isdb knows.
pub fn by_scheme(scheme: &str) -> Option<&'static dyn Dialect> {
    let scheme = scheme.to_ascii_lowercase();
    SCHEMES
        .iter()
        .find(|(s, _)| *s == scheme)
        .and_then(|(_, d)| by_name(d))
}

/// The names of all dialects, for messages.
pub fn names() -> Vec<&'static str> {
    all().iter().map(|d| d.name()).collect()
}

/// Defines a dialect unit struct with `get()` returning its static instance.
macro_rules! dialect_struct {
    ($(#[$doc:meta])* $ty:ident, $file:literal) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $ty {
            data: $crate::dialect::DialectData,
        }

        impl $ty {
            /// The shared instance.
            pub fn get() -> &'static dyn $crate::dialect::Dialect {
                static CELL: std::sync::OnceLock<$ty> = std::sync::OnceLock::new();
                CELL.get_or_init(|| $ty {
                    data: $crate::dialect::DialectData::parse(include_str!(concat!("../../dialects/", $file))),
                })
            }
        }
    };
}
pub(crate) use dialect_struct;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dialect_loads_and_is_found_by_name() {
        for d in all() {
            assert!(by_name(d.name()).is_some());
            for k in [
                "tinyint",
                "smallint",
                "integer",
                "bigint",
                "boolean",
                "char",
                "varchar",
                "clob",
                "blob",
                "varbinary",
                "timestamp",
                "date",
                "double",
                "decimal",
                "decimal_ps",
            ] {
                assert!(
                    d.data().types.contains_key(k),
                    "{} lacks type {k}",
                    d.name()
                );
            }
        }
        assert!(by_name("informix").is_none());
    }

    #[test]
    fn quoting_escapes_and_folds() {
        let pg = by_name("postgres").unwrap();
        assert_eq!(pg.quote_ident("WSO2is"), "\"wso2is\"");
        assert_eq!(by_name("mysql").unwrap().quote_ident("a`b"), "`a``b`");
        assert_eq!(by_name("mssql").unwrap().quote_ident("a]b"), "[a]]b]");
        assert_eq!(by_name("h2").unwrap().object_name("value"), "\"VALUE\"");
        assert_eq!(by_name("h2").unwrap().object_name("NAME"), "NAME");
    }

    #[test]
    fn types_render_and_normalize() {
        let ora = by_name("oracle").unwrap();
        assert_eq!(
            ora.render_type(&ColumnType::Decimal(Some((19, 0)))),
            "NUMBER(19)"
        );
        assert_eq!(ora.normalize_type("varchar(255)"), "VARCHAR2(255)");
        let my = by_name("mysql").unwrap();
        assert_eq!(my.normalize_type("int(11)"), "INTEGER");
        assert_eq!(my.literal(&DefaultValue::Str("it's".into())), "'it''s'");
        assert_eq!(
            by_name("mssql").unwrap().literal(&DefaultValue::Bool(true)),
            "1"
        );
    }
}
