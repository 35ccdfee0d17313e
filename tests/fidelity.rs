//! The acceptance bar of the 5.3.0 baseline: for every group and dialect that
//! `tests/facts/wso2is-5.3.0/` has facts for (copies of the official scripts'
//! facts; see its README), the schema isdb
//! renders equals the official one, except for the differences listed (with a
//! reason) in `migrations/DEVIATIONS.toml`. An unlisted difference fails, and
//! so does a listed one that no longer occurs.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use isdb::dialect::{self, Dialect, IdentityStyle};
use isdb::layout::TableGroup;
use isdb::model::catalog::Catalog;
use isdb::model::{ColumnType, DefaultValue, Schema};
use serde_json::Value;

fn facts_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/facts/wso2is-5.3.0")
}

/// The facts file names for a group, and which facts variant each dialect is held to.
fn facts_group(g: TableGroup) -> &'static str {
    match g {
        TableGroup::Registry => "carbon-registry",
        TableGroup::UserManagement => "carbon-um",
        other => other.name(),
    }
}

fn facts_variants(dialect: &str) -> &'static [&'static str] {
    match dialect {
        "postgres" => &["postgresql"],
        "mysql" => &["mysql-5.7", "mysql"],
        "oracle" => &["oracle"],
        "oracle-rac" => &["oracle-rac"],
        "mssql" => &["mssql"],
        "db2" => &["db2"],
        "h2" => &["h2"],
        _ => &[],
    }
}

fn load_facts(g: TableGroup, dialect: &str) -> Option<(String, Value)> {
    for v in facts_variants(dialect) {
        let p = facts_dir().join(format!("{}.{v}.json", facts_group(g)));
        if let Ok(text) = std::fs::read_to_string(&p) {
            let json: Value = serde_json::from_str(&text).expect("facts file is JSON");
            return Some((v.to_string(), json));
        }
    }
    None
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_uppercase))
                .collect()
        })
        .unwrap_or_default()
}

fn differences(d: &dyn Dialect, ours: &Schema, facts: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let tables = facts["tables"].as_object().expect("tables");
    for t in &ours.tables {
        if !tables.contains_key(&t.name) {
            out.insert(format!("{}: table not in the official script", t.name));
        }
    }
    for (tname, ft) in tables {
        let Some(t) = ours.table(tname) else {
            out.insert(format!("{tname}: table missing"));
            continue;
        };
        let fcols = ft["columns"].as_array().expect("columns");
        for c in &t.columns {
            if !fcols.iter().any(|f| f["name"] == c.name.as_str()) {
                out.insert(format!(
                    "{tname}.{}: column not in the official script",
                    c.name
                ));
            }
        }
        for fc in fcols {
            let cname = fc["name"].as_str().unwrap_or_default();
            let Some(c) = t.column(cname) else {
                out.insert(format!("{tname}.{cname}: column missing"));
                continue;
            };
            let ours_type = c.native.clone().unwrap_or_else(|| d.render_type(&c.ty));
            let theirs_type = fc["type"].as_str().unwrap_or_default();
            if d.normalize_type(&ours_type) != d.normalize_type(theirs_type) {
                out.insert(format!(
                    "{tname}.{cname}: type {ours_type}, official {theirs_type}"
                ));
            }
            let in_pk = fc["in_primary_key"].as_bool().unwrap_or(false);
            let f_nullable = fc["nullable"].as_bool().unwrap_or(true) && !in_pk;
            if f_nullable != c.nullable {
                out.insert(format!(
                    "{tname}.{cname}: nullable {}, official {}",
                    c.nullable, f_nullable
                ));
            }
            let generated = !fc["generated"].is_null();
            if generated != c.identity {
                out.insert(format!(
                    "{tname}.{cname}: generated {}, official {generated}",
                    c.identity
                ));
            }
            if !generated {
                let as_bool = c.ty == ColumnType::Boolean;
                let f_default = fc["default"]
                    .as_str()
                    .and_then(|s| DefaultValue::parse_sql(s, as_bool));
                let o_default = c
                    .default
                    .as_ref()
                    .and_then(|v| DefaultValue::parse_sql(&d.literal(v), as_bool));
                if f_default != o_default {
                    out.insert(format!(
                        "{tname}.{cname}: default {o_default:?}, official {f_default:?}"
                    ));
                }
            }
        }
        let f_pk = ft["primary_key"]["columns"].clone();
        let f_pk = strs(&f_pk);
        if f_pk != t.primary_key {
            out.insert(format!(
                "{tname}: primary key {:?}, official {:?}",
                t.primary_key, f_pk
            ));
        }
        let f_uq: BTreeSet<(Option<String>, Vec<String>)> = ft["unique_constraints"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|u| {
                (
                    u["name"].as_str().map(str::to_uppercase),
                    strs(&u["columns"]),
                )
            })
            .collect();
        let o_uq: BTreeSet<(Option<String>, Vec<String>)> = t
            .unique
            .iter()
            .map(|u| (u.name.clone(), u.columns.clone()))
            .collect();
        if f_uq != o_uq {
            out.insert(format!("{tname}: unique {o_uq:?}, official {f_uq:?}"));
        }
        let f_fk: BTreeSet<(Vec<String>, String, Vec<String>, String)> = ft["foreign_keys"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                (
                    strs(&f["columns"]),
                    f["ref_table"].as_str().unwrap_or_default().to_uppercase(),
                    strs(&f["ref_columns"]),
                    f["on_delete"]
                        .as_str()
                        .unwrap_or("NO ACTION")
                        .to_uppercase(),
                )
            })
            .collect();
        let o_fk: BTreeSet<(Vec<String>, String, Vec<String>, String)> = t
            .foreign_keys
            .iter()
            .map(|f| {
                (
                    f.columns.clone(),
                    f.references.clone(),
                    f.ref_columns.clone(),
                    f.on_delete.sql().to_string(),
                )
            })
            .collect();
        if f_fk != o_fk {
            out.insert(format!("{tname}: foreign keys {o_fk:?}, official {f_fk:?}"));
        }
        let f_ix: BTreeSet<(String, Vec<String>, bool)> = ft["indexes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| {
                (
                    i["name"].as_str().unwrap_or_default().to_uppercase(),
                    strs(&i["columns"]),
                    i["unique"].as_bool().unwrap_or(false),
                )
            })
            .collect();
        let o_ix: BTreeSet<(String, Vec<String>, bool)> = t
            .indexes
            .iter()
            .map(|i| (i.name.clone(), i.columns.clone(), i.unique))
            .collect();
        if f_ix != o_ix {
            out.insert(format!("{tname}: indexes {o_ix:?}, official {f_ix:?}"));
        }
    }
    // Sequences and triggers, by name.
    let style = d.identity_style();
    let mut o_seq = BTreeSet::new();
    let mut o_trg = BTreeSet::new();
    for t in &ours.tables {
        if t.identity_column().is_some() {
            if matches!(
                style,
                IdentityStyle::SequenceDefault | IdentityStyle::SequenceTrigger
            ) {
                o_seq.insert(
                    t.key_generator
                        .sequence
                        .clone()
                        .unwrap_or_else(|| d.default_sequence_name(&t.name)),
                );
            }
            if style == IdentityStyle::SequenceTrigger {
                o_trg.insert(
                    t.key_generator
                        .trigger
                        .clone()
                        .unwrap_or_else(|| d.default_trigger_name(&t.name)),
                );
            }
        }
    }
    let names = |k: &str| -> BTreeSet<String> {
        facts[k]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["name"].as_str().map(str::to_uppercase))
            .collect()
    };
    if names("sequences") != o_seq {
        out.insert(format!(
            "sequences {o_seq:?}, official {:?}",
            names("sequences")
        ));
    }
    if names("triggers") != o_trg {
        out.insert(format!(
            "triggers {o_trg:?}, official {:?}",
            names("triggers")
        ));
    }
    let mut f_seed: BTreeMap<String, usize> = BTreeMap::new();
    for s in facts["seed_rows"].as_array().into_iter().flatten() {
        let text = s["text"].as_str().unwrap_or_default().to_uppercase();
        if let Some(rest) = text.trim().strip_prefix("INSERT INTO ") {
            let table: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            *f_seed.entry(table).or_default() += 1;
        }
    }
    let mut o_seed: BTreeMap<String, usize> = BTreeMap::new();
    for s in &ours.seeds {
        *o_seed.entry(s.table.clone()).or_default() += 1;
    }
    if f_seed != o_seed {
        out.insert(format!("seed rows {o_seed:?}, official {f_seed:?}"));
    }
    out
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Deviations {
    deviation: Vec<Deviation>,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Deviation {
    group: String,
    dialect: String,
    difference: String,
    reason: String,
}

#[test]
fn rendered_baseline_equals_the_official_5_3_0_schema_except_listed_deviations() {
    assert!(
        facts_dir().is_dir(),
        "the schema facts must be in the repository at {}",
        facts_dir().display()
    );
    let text = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations/DEVIATIONS.toml"),
    )
    .expect("migrations/DEVIATIONS.toml");
    let listed: Deviations = toml::from_str(&text).expect("DEVIATIONS.toml parses");
    let mut expected: BTreeSet<(String, String, String)> = BTreeSet::new();
    for d in &listed.deviation {
        assert!(
            !d.reason.trim().is_empty(),
            "deviation without a reason: {}",
            d.difference
        );
        assert!(
            expected.insert((d.group.clone(), d.dialect.clone(), d.difference.clone())),
            "listed twice: {}",
            d.difference
        );
    }
    let catalog = Catalog::builtin().unwrap();
    let mut actual = BTreeSet::new();
    let mut compared = 0;
    for d in dialect::all() {
        for g in TableGroup::ALL {
            let Some((_variant, facts)) = load_facts(g, d.name()) else {
                continue;
            };
            let m = catalog.group(g).next().expect("5.3.0 baseline");
            compared += 1;
            for diff in differences(d, &m.schema(d), &facts) {
                actual.insert((g.name().to_string(), d.name().to_string(), diff));
            }
        }
    }
    assert_eq!(compared, 32, "group × dialect pairs with facts");
    let unlisted: Vec<_> = actual.difference(&expected).collect();
    let stale: Vec<_> = expected.difference(&actual).collect();
    assert!(
        unlisted.is_empty() && stale.is_empty(),
        "unlisted differences ({}):\n{}\n\nlisted but not occurring ({}):\n{}",
        unlisted.len(),
        unlisted
            .iter()
            .map(|(g, d, x)| format!("  {g}/{d}: {x}"))
            .collect::<Vec<_>>()
            .join("\n"),
        stale.len(),
        stale
            .iter()
            .map(|(g, d, x)| format!("  {g}/{d}: {x}"))
            .collect::<Vec<_>>()
            .join("\n"),
    );
}
