//! The migration definitions under `migrations/`, embedded in the binary,
//! and their resolution into a [`Schema`] for one dialect.
//!
//! Each migration is two files: `<group>/<version>.toml`, the neutral definition,
//! and `<group>/<version>.dialects.toml`, per-dialect facts the neutral model
//! cannot express (a length that really differs, a type as the official script
//! writes it, constraint sets, sequence and trigger names).

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::OnceLock;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::data::DataStep;
use super::{
    Column, ColumnType, DefaultValue, ForeignKey, Index, KeyGenerator, Schema, SeedRow, Table,
    Unique,
};
use crate::dialect::Dialect;
use crate::error::Error;
use crate::layout::TableGroup;

/// A migration version such as `5.3.0`, ordered numerically part by part.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version(Vec<u32>);

impl Version {
    /// Parses `a.b.c` (one or more numeric parts).
    pub fn parse(s: &str) -> Result<Version, Error> {
        let parts = s
            .split('.')
            .map(|p| p.parse::<u32>())
            .collect::<Result<Vec<_>, _>>();
        match parts {
            Ok(p) if !p.is_empty() => Ok(Version(p)),
            _ => Err(Error::Usage(format!(
                "`{s}` is not a version (expected numbers separated by dots, e.g. 5.3.0)"
            ))),
        }
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(u32::to_string).collect();
        f.write_str(&parts.join("."))
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GroupFile {
    group: String,
    version: String,
    #[serde(rename = "table")]
    tables: Vec<TableDef>,
    #[serde(default, rename = "seed")]
    seeds: Vec<SeedDef>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TableDef {
    name: String,
    /// The table's name in the group's previous snapshot, when this release renamed it.
    #[serde(default)]
    renamed_from: Option<String>,
    #[serde(default)]
    only_in: Option<Vec<String>>,
    columns: Vec<ColumnDef>,
    #[serde(default)]
    primary_key: Vec<String>,
    #[serde(default)]
    unique: Vec<Unique>,
    #[serde(default)]
    foreign_keys: Vec<ForeignKey>,
    #[serde(default)]
    indexes: Vec<Index>,
}

impl GroupFile {
    fn table(&self, name: &str) -> Option<&TableDef> {
        self.tables
            .iter()
            .find(|x| x.name.eq_ignore_ascii_case(name))
    }
}

impl super::data::SnapshotFacts for GroupFile {
    fn has_column(&self, table: &str, column: &str) -> bool {
        self.table(table).is_some_and(|t| {
            t.columns
                .iter()
                .any(|c| c.name.eq_ignore_ascii_case(column))
        })
    }

    fn batch_key(&self, table: &str) -> Option<super::data::BatchKey> {
        let t = self.table(table)?;
        let first = t.primary_key.first()?;
        let col = t
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(first))?;
        Some(super::data::BatchKey {
            column: col.name.clone(),
            integer: matches!(
                col.ty,
                ColumnType::TinyInt
                    | ColumnType::SmallInt
                    | ColumnType::Integer
                    | ColumnType::BigInt
            ),
        })
    }
}

fn yes() -> bool {
    true
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnDef {
    name: String,
    #[serde(rename = "type")]
    ty: ColumnType,
    #[serde(default)]
    native: Option<String>,
    #[serde(default = "yes")]
    nullable: bool,
    #[serde(default)]
    default: Option<DefaultValue>,
    #[serde(default)]
    identity: bool,
    #[serde(default)]
    only_in: Option<Vec<String>>,
    /// The column's name in the group's previous snapshot, when this release renamed it.
    #[serde(default)]
    renamed_from: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedDef {
    table: String,
    /// The columns `values` are for, when not every column in table order.
    #[serde(default)]
    columns: Option<Vec<String>>,
    values: Vec<DefaultValue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DialectPatch {
    #[serde(default)]
    columns: BTreeMap<String, ColumnPatch>,
    #[serde(default)]
    tables: BTreeMap<String, TablePatch>,
    #[serde(default)]
    sequences: BTreeMap<String, KeyGenerator>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnPatch {
    #[serde(default, rename = "type")]
    ty: Option<ColumnType>,
    /// `""` removes a native type inherited from a base dialect.
    #[serde(default)]
    native: Option<String>,
    #[serde(default)]
    nullable: Option<bool>,
    /// `{ expr = "none" }` removes the default.
    #[serde(default)]
    default: Option<PatchDefault>,
    #[serde(default)]
    identity: Option<bool>,
}

#[derive(Debug)]
enum PatchDefault {
    Set(DefaultValue),
    Remove,
}

impl<'de> Deserialize<'de> for PatchDefault {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = toml::Value::deserialize(d)?;
        if let Some(t) = v.as_table()
            && t.get("expr").and_then(toml::Value::as_str) == Some("none")
        {
            return Ok(PatchDefault::Remove);
        }
        DefaultValue::deserialize(v)
            .map(PatchDefault::Set)
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TablePatch {
    #[serde(default)]
    primary_key: Option<Vec<String>>,
    #[serde(default)]
    unique: Option<Vec<Unique>>,
    #[serde(default)]
    foreign_keys: Option<Vec<ForeignKey>>,
    #[serde(default)]
    indexes: Option<Vec<Index>>,
}

/// One versioned migration of one table group.
#[derive(Debug)]
pub struct Migration {
    /// The table group.
    pub group: TableGroup,
    /// The version it brings the group to.
    pub version: Version,
    /// SHA-256 (hex) of the parsed definition and overrides: independent of
    /// comments, formatting, line endings and of how renderers turn it into SQL.
    pub checksum: String,
    def: GroupFile,
    patches: BTreeMap<String, DialectPatch>,
    data: Vec<DataStep>,
}

impl Migration {
    /// Parses a migration from the text of its two files.
    pub fn parse(
        group: TableGroup,
        version: &str,
        neutral: &str,
        dialects: &str,
    ) -> Result<Migration, Error> {
        let bad = |message: String| Error::Definition {
            group: group.name().into(),
            version: version.into(),
            message,
        };
        let neutral_value: toml::Table =
            toml::from_str(neutral).map_err(|e| bad(format!("{version}.toml: {e}")))?;
        let dialect_value: toml::Table =
            toml::from_str(dialects).map_err(|e| bad(format!("{version}.dialects.toml: {e}")))?;
        let def: GroupFile =
            toml::from_str(neutral).map_err(|e| bad(format!("{version}.toml: {e}")))?;
        let patches: BTreeMap<String, DialectPatch> =
            toml::from_str(dialects).map_err(|e| bad(format!("{version}.dialects.toml: {e}")))?;
        if def.group != group.name() || def.version != version {
            return Err(bad(format!(
                "file says group {} version {}",
                def.group, def.version
            )));
        }
        let mut hasher = Sha256::new();
        // serde_json over toml's sorted maps is a canonical form of the parsed content.
        hasher.update(serde_json::to_string(&neutral_value).unwrap_or_default());
        hasher.update(b"\n");
        hasher.update(serde_json::to_string(&dialect_value).unwrap_or_default());
        let checksum = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let m = Migration {
            group,
            version: Version::parse(version)?,
            checksum,
            def,
            patches,
            data: vec![],
        };
        m.validate().map_err(bad)?;
        Ok(m)
    }

    fn validate(&self) -> Result<(), String> {
        for d in self.patches.keys() {
            if crate::dialect::by_name(d).is_none() {
                return Err(format!("unknown dialect `{d}` in overrides"));
            }
        }
        let check = |name: &str, what: &str| {
            crate::ident::validate_identifier(name, what).map_err(|e| e.to_string())
        };
        let check_constraints =
            |pk: &[String], u: &[Unique], f: &[ForeignKey], i: &[Index]| -> Result<(), String> {
                pk.iter().try_for_each(|c| check(c, "primary key column"))?;
                for x in u {
                    x.name
                        .iter()
                        .try_for_each(|n| check(n, "unique constraint name"))?;
                    x.columns
                        .iter()
                        .try_for_each(|c| check(c, "unique column"))?;
                }
                for x in f {
                    x.name
                        .iter()
                        .try_for_each(|n| check(n, "foreign key name"))?;
                    check(&x.references, "referenced table")?;
                    x.columns
                        .iter()
                        .chain(&x.ref_columns)
                        .try_for_each(|c| check(c, "foreign key column"))?;
                }
                for x in i {
                    check(&x.name, "index name")?;
                    x.columns
                        .iter()
                        .try_for_each(|c| check(c, "index column"))?;
                }
                Ok(())
            };
        for t in &self.def.tables {
            check(&t.name, "table name")?;
            t.columns
                .iter()
                .try_for_each(|c| check(&c.name, "column name"))?;
            check_constraints(&t.primary_key, &t.unique, &t.foreign_keys, &t.indexes)?;
        }
        for s in &self.def.seeds {
            check(&s.table, "seed table")?;
            if let Some(cols) = &s.columns {
                let table = self.def.tables.iter().find(|t| t.name == s.table);
                for c in cols {
                    check(c, "seed column")?;
                    if !table.is_some_and(|t| t.columns.iter().any(|x| &x.name == c)) {
                        return Err(format!("seed for `{}` names unknown column `{c}`", s.table));
                    }
                }
                if cols.len() != s.values.len() {
                    return Err(format!(
                        "seed for `{}` has {} columns but {} values",
                        s.table,
                        cols.len(),
                        s.values.len()
                    ));
                }
            }
        }
        self.validate_renames()?;
        for p in self.patches.values() {
            for t in p.tables.values() {
                check_constraints(
                    t.primary_key.as_deref().unwrap_or_default(),
                    t.unique.as_deref().unwrap_or_default(),
                    t.foreign_keys.as_deref().unwrap_or_default(),
                    t.indexes.as_deref().unwrap_or_default(),
                )?;
            }
            for k in p.sequences.values() {
                k.sequence
                    .iter()
                    .chain(&k.trigger)
                    .try_for_each(|n| check(n, "sequence or trigger name"))?;
            }
            for c in p.columns.values() {
                if let Some(n) = &c.native
                    && !n
                        .chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || " (),_".contains(ch))
                {
                    return Err(format!(
                        "native type `{n}` has characters a type name never has"
                    ));
                }
            }
        }
        for (d, p) in &self.patches {
            for key in p.columns.keys() {
                let (t, c) = key
                    .split_once('.')
                    .ok_or(format!("{d}: column key `{key}` is not TABLE.COLUMN"))?;
                let table = self.def.tables.iter().find(|x| x.name == t);
                if !table.is_some_and(|x| x.columns.iter().any(|col| col.name == c)) {
                    return Err(format!("{d}: override for unknown column `{key}`"));
                }
            }
            for t in p.tables.keys().chain(p.sequences.keys()) {
                if !self.def.tables.iter().any(|x| &x.name == t) {
                    return Err(format!("{d}: override for unknown table `{t}`"));
                }
            }
        }
        Ok(())
    }

    /// `renamed_from` names a plain identifier other than the object's own
    /// name, and no two objects of one scope claim the same old name.
    fn validate_renames(&self) -> Result<(), String> {
        let check = |name: &str, what: &str| {
            crate::ident::validate_identifier(name, what).map_err(|e| e.to_string())
        };
        let mut old_tables = std::collections::BTreeSet::new();
        for t in &self.def.tables {
            if let Some(from) = &t.renamed_from {
                check(from, "renamed_from table")?;
                if from == &t.name || !old_tables.insert(from.as_str()) {
                    return Err(format!(
                        "table `{}`: renamed_from `{from}` is its own name or claimed twice",
                        t.name
                    ));
                }
                // The old name may stay in use only in other dialects (e.g. Oracle's shortened name).
                let disjoint = |other: &TableDef| match (&t.only_in, &other.only_in) {
                    (Some(a), Some(b)) => !a.iter().any(|d| b.contains(d)),
                    _ => false,
                };
                if let Some(other) = self.def.tables.iter().find(|x| &x.name == from)
                    && !disjoint(other)
                {
                    return Err(format!(
                        "table `{}`: renamed_from `{from}`, but `{from}` is still a table in the same dialects",
                        t.name
                    ));
                }
            }
            let mut old_columns = std::collections::BTreeSet::new();
            for c in &t.columns {
                if let Some(from) = &c.renamed_from {
                    check(from, "renamed_from column")?;
                    if from == &c.name || !old_columns.insert(from.as_str()) {
                        return Err(format!(
                            "column `{}.{}`: renamed_from `{from}` is its own name or claimed twice",
                            t.name, c.name
                        ));
                    }
                    // An old name still in use must belong to a column that was renamed itself (a chain).
                    let reused = t.columns.iter().find(|x| &x.name == from);
                    if reused.is_some_and(|x| x.renamed_from.is_none()) {
                        return Err(format!(
                            "column `{}.{}`: renamed_from `{from}`, but `{from}` is still a column of its own",
                            t.name, c.name
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// Adds the data steps of `<version>.data.toml` (see [`DataStep`]); the
    /// checksum then covers them too, so changing the data steps of an applied
    /// step is caught like changing its schema. A snapshot without a data file
    /// keeps the checksum of its two schema files.
    pub fn with_data(mut self, text: &str) -> Result<Migration, Error> {
        let bad = |message: String| Error::Definition {
            group: self.group.name().into(),
            version: self.version.to_string(),
            message: format!("{}.data.toml: {message}", self.version),
        };
        let value: toml::Table = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let data = super::data::parse(text, &self.def).map_err(bad)?;
        let mut hasher = Sha256::new();
        hasher.update(&self.checksum);
        hasher.update(b"\n");
        hasher.update(serde_json::to_string(&value).unwrap_or_default());
        self.checksum = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.data = data;
        Ok(self)
    }

    /// The data steps of the release step to this snapshot, in file order.
    pub fn data_steps(&self) -> &[DataStep] {
        &self.data
    }

    /// What this release renamed relative to the group's previous snapshot:
    /// tables, then columns, in definition order. A planner renames these
    /// objects instead of dropping the old one and creating the new one.
    pub fn renames(&self) -> Vec<Rename> {
        let mut out = Vec::new();
        for t in &self.def.tables {
            if let Some(from) = &t.renamed_from {
                out.push(Rename {
                    table: t.name.clone(),
                    column: None,
                    from: from.clone(),
                    only_in: t.only_in.clone(),
                });
            }
        }
        for t in &self.def.tables {
            for c in &t.columns {
                if let Some(from) = &c.renamed_from {
                    out.push(Rename {
                        table: t.name.clone(),
                        column: Some(c.name.clone()),
                        from: from.clone(),
                        only_in: c.only_in.clone().or_else(|| t.only_in.clone()),
                    });
                }
            }
        }
        out
    }

    /// The schema this migration creates, resolved for `dialect`: tables and
    /// columns limited to those the dialect has, then the overrides of the
    /// dialect's chain (e.g. `oracle` then `oracle-rac`) applied in order.
    pub fn schema(&self, dialect: &dyn Dialect) -> Schema {
        let chain = dialect.override_chain();
        let included = |only: &Option<Vec<String>>| match only {
            None => true,
            Some(list) => list.iter().any(|d| chain.contains(&d.as_str())),
        };
        let patches: Vec<&DialectPatch> =
            chain.iter().filter_map(|d| self.patches.get(*d)).collect();
        let mut tables = Vec::new();
        for t in self.def.tables.iter().filter(|t| included(&t.only_in)) {
            let mut table = Table {
                name: t.name.clone(),
                columns: t
                    .columns
                    .iter()
                    .filter(|c| included(&c.only_in))
                    .map(|c| Column {
                        name: c.name.clone(),
                        ty: c.ty,
                        native: c.native.clone(),
                        nullable: c.nullable && !t.primary_key.contains(&c.name),
                        default: c.default.clone(),
                        identity: c.identity,
                    })
                    .collect(),
                primary_key: t.primary_key.clone(),
                unique: t.unique.clone(),
                foreign_keys: t.foreign_keys.clone(),
                indexes: t.indexes.clone(),
                key_generator: KeyGenerator::default(),
            };
            for p in &patches {
                for col in &mut table.columns {
                    if let Some(cp) = p.columns.get(&format!("{}.{}", t.name, col.name)) {
                        if let Some(ty) = cp.ty {
                            col.ty = ty;
                        }
                        if let Some(n) = &cp.native {
                            col.native = (!n.is_empty()).then(|| n.clone());
                        }
                        if let Some(n) = cp.nullable {
                            col.nullable = n;
                        }
                        match &cp.default {
                            Some(PatchDefault::Set(v)) => col.default = Some(v.clone()),
                            Some(PatchDefault::Remove) => col.default = None,
                            None => {}
                        }
                        if let Some(i) = cp.identity {
                            col.identity = i;
                        }
                    }
                }
                if let Some(tp) = p.tables.get(&t.name) {
                    if let Some(pk) = &tp.primary_key {
                        table.primary_key = pk.clone();
                    }
                    if let Some(u) = &tp.unique {
                        table.unique = u.clone();
                    }
                    if let Some(f) = &tp.foreign_keys {
                        table.foreign_keys = f.clone();
                    }
                    if let Some(i) = &tp.indexes {
                        table.indexes = i.clone();
                    }
                }
                if let Some(k) = p.sequences.get(&t.name) {
                    if k.sequence.is_some() {
                        table.key_generator.sequence = k.sequence.clone();
                    }
                    if k.trigger.is_some() {
                        table.key_generator.trigger = k.trigger.clone();
                    }
                }
            }
            for col in &mut table.columns {
                if table.primary_key.contains(&col.name) {
                    col.nullable = false;
                }
            }
            tables.push(table);
        }
        let seeds = self
            .def
            .seeds
            .iter()
            .filter(|s| tables.iter().any(|t| t.name == s.table))
            .map(|s| SeedRow {
                table: s.table.clone(),
                columns: s.columns.clone().unwrap_or_default(),
                values: s.values.clone(),
            })
            .collect();
        Schema { tables, seeds }
    }
}

/// A table or column that a release renamed (`renamed_from` in its snapshot).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rename {
    /// The table's name in this snapshot.
    pub table: String,
    /// The column's name in this snapshot; `None` when the table itself was renamed.
    pub column: Option<String>,
    /// The name in the group's previous snapshot.
    pub from: String,
    /// The dialects the renamed object exists in (`None`: all).
    pub only_in: Option<Vec<String>>,
}

/// Every migration isdb knows, by group and version.
#[derive(Debug)]
pub struct Catalog {
    migrations: Vec<Migration>,
}

macro_rules! builtin {
    ($(($group:expr, $dir:literal, $version:literal)),* $(,)?) => {
        [$(
            (
                $group,
                $version,
                include_str!(concat!("../../migrations/", $dir, "/", $version, ".toml")),
                include_str!(concat!("../../migrations/", $dir, "/", $version, ".dialects.toml")),
            ),
        )*]
    };
}

impl Catalog {
    /// The migrations built into this binary (parsed once).
    pub fn builtin() -> Result<&'static Catalog, Error> {
        static CATALOG: OnceLock<Result<Catalog, String>> = OnceLock::new();
        let c = CATALOG.get_or_init(|| {
            // One line per file pair under migrations/; a test checks the list against the directory.
            let files = builtin![
                (TableGroup::Registry, "registry", "5.3.0"),
                (TableGroup::Registry, "registry", "5.4.0"),
                (TableGroup::Registry, "registry", "5.5.0"),
                (TableGroup::Registry, "registry", "5.9.0"),
                (TableGroup::Registry, "registry", "5.10.0"),
                (TableGroup::UserManagement, "user-management", "5.3.0"),
                (TableGroup::UserManagement, "user-management", "5.4.0"),
                (TableGroup::UserManagement, "user-management", "5.5.0"),
                (TableGroup::UserManagement, "user-management", "5.9.0"),
                (TableGroup::UserManagement, "user-management", "5.10.0"),
                (TableGroup::UserManagement, "user-management", "5.11.0"),
                (TableGroup::Identity, "identity", "5.3.0"),
                (TableGroup::Identity, "identity", "5.4.0"),
                (TableGroup::Identity, "identity", "5.5.0"),
                (TableGroup::Identity, "identity", "5.6.0"),
                (TableGroup::Identity, "identity", "5.7.0"),
                (TableGroup::Identity, "identity", "5.8.0"),
                (TableGroup::Identity, "identity", "5.9.0"),
                (TableGroup::Identity, "identity", "5.10.0"),
                (TableGroup::Identity, "identity", "5.11.0"),
                (TableGroup::Consent, "consent", "5.5.0"),
                (TableGroup::Consent, "consent", "5.7.0"),
                (TableGroup::Uma, "uma", "5.6.0"),
                (TableGroup::Uma, "uma", "5.7.0"),
                (TableGroup::Uma, "uma", "5.8.0"),
                (TableGroup::Metrics, "metrics", "5.3.0"),
                (TableGroup::Metrics, "metrics", "5.5.0"),
                (TableGroup::Bps, "bps", "5.3.0"),
            ];
            // The release steps that need work on existing rows (see `model::data`).
            let data: [(TableGroup, &str, &str); 8] = [
                (
                    TableGroup::UserManagement,
                    "5.4.0",
                    include_str!("../../migrations/user-management/5.4.0.data.toml"),
                ),
                (
                    TableGroup::UserManagement,
                    "5.10.0",
                    include_str!("../../migrations/user-management/5.10.0.data.toml"),
                ),
                (
                    TableGroup::UserManagement,
                    "5.11.0",
                    include_str!("../../migrations/user-management/5.11.0.data.toml"),
                ),
                (
                    TableGroup::Identity,
                    "5.4.0",
                    include_str!("../../migrations/identity/5.4.0.data.toml"),
                ),
                (
                    TableGroup::Identity,
                    "5.8.0",
                    include_str!("../../migrations/identity/5.8.0.data.toml"),
                ),
                (
                    TableGroup::Identity,
                    "5.10.0",
                    include_str!("../../migrations/identity/5.10.0.data.toml"),
                ),
                (
                    TableGroup::Consent,
                    "5.7.0",
                    include_str!("../../migrations/consent/5.7.0.data.toml"),
                ),
                (
                    TableGroup::Uma,
                    "5.7.0",
                    include_str!("../../migrations/uma/5.7.0.data.toml"),
                ),
            ];
            let mut migrations = Vec::new();
            for (group, version, neutral, dialects) in files {
                let mut m = Migration::parse(group, version, neutral, dialects)
                    .map_err(|e| e.to_string())?;
                if let Some((_, _, text)) =
                    data.iter().find(|(g, v, _)| *g == group && *v == version)
                {
                    m = m.with_data(text).map_err(|e| e.to_string())?;
                }
                migrations.push(m);
            }
            migrations.sort_by(|a, b| a.group.cmp(&b.group).then(a.version.cmp(&b.version)));
            Ok(Catalog { migrations })
        });
        c.as_ref().map_err(|e| Error::Definition {
            group: "builtin".into(),
            version: "-".into(),
            message: e.clone(),
        })
    }

    /// The migrations of `group`, oldest first.
    pub fn group(&self, group: TableGroup) -> impl Iterator<Item = &Migration> {
        self.migrations.iter().filter(move |m| m.group == group)
    }

    /// What a physical database holds at IS release `release` (the newest
    /// when `None`): every group it has at the snapshot standing at that
    /// release, resolved for `dialect`. Groups a release does not have yet
    /// (consent before 5.5.0, uma before 5.6.0) contribute nothing.
    pub fn expected_schema(
        &self,
        dialect: &dyn Dialect,
        db: &crate::layout::PhysicalDb,
        release: Option<&Version>,
    ) -> Schema {
        db.groups()
            .into_iter()
            .filter_map(|g| self.up_to(g, release).last().map(|m| m.schema(dialect)))
            .collect()
    }

    /// The snapshot of `group` that stands at IS release `release`: its newest
    /// migration up to it; `None` when the group does not exist yet then.
    pub fn snapshot(&self, group: TableGroup, release: &Version) -> Option<&Migration> {
        self.up_to(group, Some(release)).last().copied()
    }

    /// The migration of `group` at exactly `version`, if there is one.
    pub fn migration(&self, group: TableGroup, version: &Version) -> Option<&Migration> {
        self.group(group).find(|m| &m.version == version)
    }

    /// The snapshot of `m`'s group just before `m`: what an upgrade step to
    /// `m` starts from. `None` for a group's first snapshot.
    pub fn previous(&self, m: &Migration) -> Option<&Migration> {
        self.group(m.group).filter(|x| x.version < m.version).last()
    }

    /// The newest release at which every `(group, version)` of `recorded` is
    /// the group's standing snapshot: the IS release a database whose history
    /// records those versions serves. `None` when no release has them all (a
    /// run stopped between two groups of one release step), and when nothing
    /// is recorded.
    pub fn release_of(&self, recorded: &[(TableGroup, Version)]) -> Option<&Version> {
        if recorded.is_empty() {
            return None;
        }
        self.releases().into_iter().rev().find(|r| {
            recorded
                .iter()
                .all(|(g, v)| self.snapshot(*g, r).is_some_and(|m| &m.version == v))
        })
    }

    /// The IS releases this catalog knows, oldest first: every version some
    /// group has a migration for.
    pub fn releases(&self) -> Vec<&Version> {
        let mut v: Vec<&Version> = self.migrations.iter().map(|m| &m.version).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The newest release this catalog knows.
    pub fn newest(&self) -> Option<&Version> {
        self.releases().last().copied()
    }

    /// `raw` as one of the releases this catalog knows, spelled as it lists
    /// them (`5.3.0`, not `5.3`): anything else is a usage error naming them,
    /// so no command can run against a release isdb has no schema for.
    pub fn release(&self, raw: &str) -> Result<Version, Error> {
        let known = self.releases();
        let list = known
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        match known.iter().find(|v| v.to_string() == raw) {
            Some(v) => Ok((*v).clone()),
            None => Err(Error::Usage(format!(
                "isdb knows no IS release `{}`: the releases it can install and check are {list} (`isdb versions` lists them)",
                crate::error::excerpt(raw)
            ))),
        }
    }

    /// Per group, the snapshot that stands at `release` (its newest migration
    /// up to it) and how many tables that snapshot defines, in any dialect.
    pub fn release_groups(&self, release: &Version) -> Vec<(TableGroup, &Version, usize)> {
        let mut out: Vec<(TableGroup, &Version, usize)> = Vec::new();
        for m in self.migrations.iter().filter(|m| &m.version <= release) {
            out.retain(|(g, _, _)| *g != m.group);
            out.push((m.group, &m.version, m.def.tables.len()));
        }
        out.sort_by_key(|(g, _, _)| *g);
        out
    }

    /// The migrations of `group` up to and including `target` (all when `None`).
    pub fn up_to(&self, group: TableGroup, target: Option<&Version>) -> Vec<&Migration> {
        self.group(group)
            .filter(|m| target.is_none_or(|t| &m.version <= t))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_parses_and_has_every_group() {
        let c = Catalog::builtin().unwrap();
        for g in TableGroup::ALL {
            assert!(c.group(g).count() >= 1, "{g}");
        }
        let releases: Vec<String> = c.releases().iter().map(|v| v.to_string()).collect();
        assert_eq!(
            releases,
            [
                "5.3.0", "5.4.0", "5.5.0", "5.6.0", "5.7.0", "5.8.0", "5.9.0", "5.10.0", "5.11.0"
            ]
        );
    }

    /// The builtin list and `migrations/` hold the same file pairs, so a
    /// snapshot added to the directory cannot be left out of the binary.
    #[test]
    fn the_builtin_list_is_every_snapshot_under_migrations() {
        let c = Catalog::builtin().unwrap();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        let mut on_disk = Vec::new();
        let mut on_disk_data = Vec::new();
        for g in TableGroup::ALL {
            for entry in std::fs::read_dir(root.join(g.name())).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                if let Some(v) = name.strip_suffix(".data.toml") {
                    let m = c
                        .migration(g, &Version::parse(v).unwrap())
                        .unwrap_or_else(|| panic!("{g} {v}: a data file without a snapshot"));
                    assert!(
                        !m.data_steps().is_empty(),
                        "{g} {v}.data.toml is not built in"
                    );
                    on_disk_data.push(format!("{g} {v}"));
                } else if let Some(v) = name.strip_suffix(".toml")
                    && !v.ends_with(".dialects")
                {
                    assert!(
                        root.join(g.name())
                            .join(format!("{v}.dialects.toml"))
                            .exists(),
                        "{g} {v}"
                    );
                    on_disk.push(format!("{g} {v}"));
                }
            }
        }
        let mut built: Vec<String> = TableGroup::ALL
            .into_iter()
            .flat_map(|g| c.group(g).map(move |m| format!("{g} {}", m.version)))
            .collect();
        on_disk.sort();
        built.sort();
        assert_eq!(built, on_disk);
        let mut built_data: Vec<String> = TableGroup::ALL
            .into_iter()
            .flat_map(|g| c.group(g))
            .filter(|m| !m.data_steps().is_empty())
            .map(|m| format!("{} {}", m.group, m.version))
            .collect();
        built_data.sort();
        on_disk_data.sort();
        assert_eq!(built_data, on_disk_data);
    }

    #[test]
    fn a_release_is_read_back_from_the_versions_a_history_records() {
        let c = Catalog::builtin().unwrap();
        let v = |s: &str| Version::parse(s).unwrap();
        let rel = |r: &[(TableGroup, &str)]| {
            let r: Vec<_> = r.iter().map(|(g, s)| (*g, v(s))).collect();
            c.release_of(&r).map(|x| x.to_string())
        };
        assert_eq!(
            rel(&[(TableGroup::Identity, "5.3.0")]).as_deref(),
            Some("5.3.0")
        );
        // The BPS schema never changed after 5.3.0: a BPS database serves the newest release.
        assert_eq!(
            rel(&[(TableGroup::Bps, "5.3.0")]).as_deref(),
            Some("5.11.0")
        );
        assert_eq!(
            rel(&[
                (TableGroup::Identity, "5.7.0"),
                (TableGroup::Consent, "5.7.0")
            ])
            .as_deref(),
            Some("5.7.0")
        );
        // Identity at 5.4.0 with user management still at 5.3.0: a run stopped mid-step.
        assert_eq!(
            rel(&[
                (TableGroup::Identity, "5.4.0"),
                (TableGroup::UserManagement, "5.3.0")
            ]),
            None
        );
        let uma = c.snapshot(TableGroup::Uma, &v("5.11.0")).unwrap();
        assert_eq!(uma.version.to_string(), "5.8.0");
        assert_eq!(c.previous(uma).unwrap().version.to_string(), "5.7.0");
        assert!(c.snapshot(TableGroup::Consent, &v("5.4.0")).is_none());
    }

    #[test]
    fn only_releases_the_catalog_holds_are_accepted_as_spelled() {
        let c = Catalog::builtin().unwrap();
        assert_eq!(c.release("5.3.0").unwrap().to_string(), "5.3.0");
        for bad in ["5.3", "5.4", "9.9.9", "", "latest"] {
            let e = c.release(bad).unwrap_err();
            assert_eq!(e.exit_code(), 2, "{bad}");
            assert!(e.to_string().contains("are 5.3.0, 5.4.0"), "{e}");
        }
    }

    #[test]
    fn versions_order_numerically() {
        assert!(Version::parse("5.10.0").unwrap() > Version::parse("5.9.0").unwrap());
        assert!(Version::parse("5.3").is_ok());
        assert!(Version::parse("5.x").is_err());
    }

    #[test]
    fn checksum_ignores_comments_and_line_endings_but_not_content() {
        let a = "group = \"metrics\"\nversion = \"1.0\"\n[[table]]\nname = \"T\"\ncolumns = [{ name = \"A\", type = \"integer\" }]\n";
        let b = a
            .replace('\n', "\r\n")
            .replace("[[table]]", "# a comment\n[[table]]");
        let c = a.replace("integer", "bigint");
        let ma = Migration::parse(TableGroup::Metrics, "1.0", a, "").unwrap();
        let mb = Migration::parse(TableGroup::Metrics, "1.0", &b, "").unwrap();
        let mc = Migration::parse(TableGroup::Metrics, "1.0", &c, "").unwrap();
        assert_eq!(ma.checksum, mb.checksum);
        assert_ne!(ma.checksum, mc.checksum);
    }

    #[test]
    fn names_that_are_not_plain_identifiers_are_refused() {
        let a = "group = \"metrics\"\nversion = \"1.0\"\n[[table]]\nname = \"T\"\ncolumns = [{ name = \"A\", type = \"integer\" }]\nindexes = [{ name = \"I; DROP TABLE T\", columns = [\"A\"] }]\n";
        let e = Migration::parse(TableGroup::Metrics, "1.0", a, "").unwrap_err();
        assert!(e.to_string().contains("index name"), "{e}");
        let b = a.replace("I; DROP TABLE T", "I");
        let e = Migration::parse(
            TableGroup::Metrics,
            "1.0",
            &b,
            "[mysql.columns]\n\"T.A\" = { native = \"INT; --\" }\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("native type"), "{e}");
    }

    const T: &str = "group = \"metrics\"\nversion = \"1.0\"\n";

    #[test]
    fn renames_are_read_and_validated() {
        let ok = format!(
            "{T}[[table]]\nname = \"NEW_T\"\nrenamed_from = \"OLD_T\"\ncolumns = [{{ name = \"B\", type = \"integer\", renamed_from = \"A\" }}, {{ name = \"A\", type = \"integer\", renamed_from = \"Z\" }}]\n"
        );
        let m = Migration::parse(TableGroup::Metrics, "1.0", &ok, "").unwrap();
        let r = m.renames();
        assert_eq!(r.len(), 3);
        assert_eq!(
            (
                r[0].table.as_str(),
                r[0].column.as_deref(),
                r[0].from.as_str()
            ),
            ("NEW_T", None, "OLD_T")
        );
        assert_eq!(
            (r[1].column.as_deref(), r[1].from.as_str()),
            (Some("B"), "A")
        );
        // A renamed_from naming a column that is still a column of its own (not renamed) is refused.
        let bad = ok.replace(", renamed_from = \"Z\"", "");
        let e = Migration::parse(TableGroup::Metrics, "1.0", &bad, "").unwrap_err();
        assert!(e.to_string().contains("still a column"), "{e}");
        let own = ok.replace("renamed_from = \"A\"", "renamed_from = \"B\"");
        let e = Migration::parse(TableGroup::Metrics, "1.0", &own, "").unwrap_err();
        assert!(e.to_string().contains("its own name"), "{e}");
        let raw = ok.replace("\"OLD_T\"", "\"OLD T\"");
        let e = Migration::parse(TableGroup::Metrics, "1.0", &raw, "").unwrap_err();
        assert!(e.to_string().contains("renamed_from table"), "{e}");
        // A table renamed from one that still exists is refused unless their dialects are disjoint.
        let two = format!(
            "{T}[[table]]\nname = \"LONG_NAME\"\nonly_in = [\"postgres\"]\ncolumns = [{{ name = \"A\", type = \"integer\" }}]\n[[table]]\nname = \"SHORT\"\nrenamed_from = \"LONG_NAME\"\nonly_in = [\"oracle\"]\ncolumns = [{{ name = \"A\", type = \"integer\" }}]\n"
        );
        assert!(Migration::parse(TableGroup::Metrics, "1.0", &two, "").is_ok());
        let overlap = two.replace(
            "only_in = [\"oracle\"]",
            "only_in = [\"oracle\", \"postgres\"]",
        );
        let e = Migration::parse(TableGroup::Metrics, "1.0", &overlap, "").unwrap_err();
        assert!(e.to_string().contains("still a table"), "{e}");
    }

    #[test]
    fn seeds_name_their_columns() {
        let base = format!(
            "{T}[[table]]\nname = \"T\"\ncolumns = [{{ name = \"ID\", type = \"integer\", identity = true }}, {{ name = \"N\", type = \"varchar(9)\" }}]\nprimary_key = [\"ID\"]\n[[seed]]\ntable = \"T\"\ncolumns = [\"N\"]\nvalues = [\"x\"]\n"
        );
        let m = Migration::parse(TableGroup::Metrics, "1.0", &base, "").unwrap();
        let my = m.schema(crate::dialect::by_name("mysql").unwrap());
        assert_eq!(my.seeds.len(), 1);
        assert_eq!(my.seeds[0].columns, ["N"]);
        let sql = crate::render::statements(
            crate::dialect::by_name("postgres").unwrap(),
            &m.schema(crate::dialect::by_name("postgres").unwrap()),
            Default::default(),
        );
        assert!(
            sql.iter().any(|s| s.sql
                == "INSERT INTO T (N) SELECT 'x' WHERE NOT EXISTS (SELECT 1 FROM T WHERE N = 'x')"),
            "{sql:?}"
        );
        let unknown = base.replace("columns = [\"N\"]", "columns = [\"Q\"]");
        let e = Migration::parse(TableGroup::Metrics, "1.0", &unknown, "").unwrap_err();
        assert!(e.to_string().contains("unknown column `Q`"), "{e}");
        let count = base.replace("values = [\"x\"]", "values = [\"x\", 1]");
        let e = Migration::parse(TableGroup::Metrics, "1.0", &count, "").unwrap_err();
        assert!(e.to_string().contains("1 columns but 2 values"), "{e}");
    }

    #[test]
    fn overrides_for_unknown_objects_are_refused() {
        let a = "group = \"metrics\"\nversion = \"1.0\"\n[[table]]\nname = \"T\"\ncolumns = [{ name = \"A\", type = \"integer\" }]\n";
        let e = Migration::parse(
            TableGroup::Metrics,
            "1.0",
            a,
            "[mysql.columns]\n\"T.B\" = { type = \"bigint\" }\n",
        );
        assert!(e.unwrap_err().to_string().contains("unknown column `T.B`"));
        let e = Migration::parse(TableGroup::Metrics, "1.0", a, "[nosql.columns]\n");
        assert!(e.unwrap_err().to_string().contains("unknown dialect"));
    }
}
