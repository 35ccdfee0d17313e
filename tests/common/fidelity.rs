//! How a resolved [`Schema`] is held to the facts of an official WSO2 script
//! (`tests/facts/wso2is-<release>/<group>.<dialect>.json`), written once for
//! every release's fidelity test.
//!
//! [`differences`] lists every way the schema differs from the facts, one line
//! per difference, so that a list of known deviations can be enforced in both
//! directions ([`Deviations::check`]).
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use isdb::dialect::{Dialect, IdentityStyle};
use isdb::model::{ColumnType, DefaultValue, Schema};
use serde_json::Value;

/// `tests/facts/wso2is-<release>/`.
pub fn facts_dir(release: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/facts")
        .join(format!("wso2is-{release}"))
}

/// The facts file prefix of a group directory (`registry` → `carbon-registry`).
pub fn facts_group(group: &str) -> &str {
    match group {
        "registry" => "carbon-registry",
        "user-management" => "carbon-um",
        other => other,
    }
}

/// The facts variants a dialect is held to, best first: MySQL is held to the
/// `mysql-5.7` script where a release has one. `mysql-cluster` and `derby`
/// have no isdb dialect and are never compared.
pub fn facts_variants(dialect: &str) -> &'static [&'static str] {
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

/// The facts of `group` (a migrations directory name) for `dialect` at
/// `release`, with the variant they came from; `None` when WSO2 ships no script.
pub fn load_facts(release: &str, group: &str, dialect: &str) -> Option<(String, Value)> {
    for v in facts_variants(dialect) {
        let p = facts_dir(release).join(format!("{}.{v}.json", facts_group(group)));
        if let Ok(text) = std::fs::read_to_string(&p) {
            let json: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} is not JSON: {e}", p.display()));
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

/// Every difference between `ours` (resolved for `d`) and the official script's facts.
pub fn differences(d: &dyn Dialect, ours: &Schema, facts: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let empty = serde_json::Map::new();
    let tables = facts["tables"].as_object().unwrap_or(&empty);
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
        let fcols = ft["columns"].as_array().cloned().unwrap_or_default();
        for c in &t.columns {
            if !fcols.iter().any(|f| f["name"] == c.name.as_str()) {
                out.insert(format!(
                    "{tname}.{}: column not in the official script",
                    c.name
                ));
            }
        }
        for fc in &fcols {
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
                    .and_then(|s| DefaultValue::parse_sql(s, as_bool))
                    .map(|v| numeric_default(c.ty, v));
                let o_default = c
                    .default
                    .as_ref()
                    .and_then(|v| DefaultValue::parse_sql(&d.literal(v), as_bool))
                    .map(|v| numeric_default(c.ty, v));
                if f_default != o_default {
                    out.insert(format!(
                        "{tname}.{cname}: default {o_default:?}, official {f_default:?}"
                    ));
                }
            }
        }
        let f_pk = strs(&ft["primary_key"]["columns"]);
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
    key_generators(d, ours, facts, &mut out);
    seed_rows(d, ours, facts, &mut out);
    out
}

/// A quoted whole number as the default of an integer column (`DEFAULT '-1234'`,
/// as the consent scripts write it) is that number: every RDBMS stores it so.
fn numeric_default(ty: ColumnType, v: DefaultValue) -> DefaultValue {
    let integer = matches!(
        ty,
        ColumnType::TinyInt | ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt
    );
    match v {
        DefaultValue::Str(s) if integer => {
            s.parse().map_or(DefaultValue::Str(s), DefaultValue::Int)
        }
        other => other,
    }
}

/// The defects the facts' parser found in the official script (`parser_warnings`),
/// without line numbers, so each must be acknowledged in a deviation list:
/// isdb renders what the script means, and the list says why.
pub fn script_warnings(facts: &Value) -> BTreeSet<String> {
    facts["parser_warnings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|w| format!("official script: {}", without_line_numbers(w)))
        .collect()
}

/// `w` without " (line N)" and " at line N", which move from release to release.
fn without_line_numbers(w: &str) -> String {
    let mut s = w.to_string();
    for (open, close) in [(" (line ", ")"), (" at line ", "")] {
        while let Some(i) = s.find(open) {
            let start = i + open.len();
            let digits = s[start..].chars().take_while(char::is_ascii_digit).count();
            if digits == 0 {
                break;
            }
            let mut end = start + digits;
            if s[end..].starts_with(close) {
                end += close.len();
            }
            s.replace_range(i..end, "");
        }
    }
    s
}

/// Sequences and triggers by name, and which sequence feeds each generated column.
fn key_generators(d: &dyn Dialect, ours: &Schema, facts: &Value, out: &mut BTreeSet<String>) {
    let style = d.identity_style();
    let mut o_seq = BTreeSet::new();
    let mut o_trg = BTreeSet::new();
    let mut o_feeds = BTreeMap::new();
    for t in &ours.tables {
        let Some(col) = t.identity_column() else {
            continue;
        };
        if matches!(
            style,
            IdentityStyle::SequenceDefault | IdentityStyle::SequenceTrigger
        ) {
            let seq = t
                .key_generator
                .sequence
                .clone()
                .unwrap_or_else(|| d.default_sequence_name(&t.name));
            o_feeds.insert(format!("{}.{}", t.name, col.name), seq.clone());
            o_seq.insert(seq);
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
    let names = |k: &str| -> BTreeSet<String> {
        facts[k]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|s| s["name"].as_str().map(str::to_uppercase))
            .collect()
    };
    for (what, o, f) in [
        ("sequence", &o_seq, names("sequences")),
        ("trigger", &o_trg, names("triggers")),
    ] {
        for n in o.difference(&f) {
            out.insert(format!("{what} {n}: not in the official script"));
        }
        for n in f.difference(o) {
            out.insert(format!("{what} {n}: missing"));
        }
    }
    // Which sequence the script feeds each generated column from (DEFAULT NEXTVAL or a trigger).
    let mut f_feeds: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in facts["sequences"].as_array().into_iter().flatten() {
        if let (Some(table), Some(column), Some(name)) = (
            s["table"].as_str(),
            s["column"].as_str(),
            s["name"].as_str(),
        ) {
            f_feeds
                .entry(format!(
                    "{}.{}",
                    table.to_uppercase(),
                    column.to_uppercase()
                ))
                .or_default()
                .insert(name.to_uppercase());
        }
    }
    for (key, mine) in &o_feeds {
        if let Some(theirs) = f_feeds.get(key)
            && !theirs.contains(&mine.to_uppercase())
        {
            out.insert(format!(
                "{key}: generated by sequence {mine}, official {theirs:?}"
            ));
        }
    }
}

/// The rows of one `INSERT` statement as (table, columns, values), with the
/// values as written (`INSERT INTO T [(cols)] VALUES (..)[, (..)]` and Oracle's
/// `INSERT ALL INTO T (cols) VALUES (..) INTO ... SELECT 1 FROM DUAL`).
pub fn parse_insert(text: &str) -> Vec<(String, Vec<String>, Vec<String>)> {
    // Tokens: words, quoted strings, punctuation; quotes keep their content.
    let mut tokens: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '\'' {
            let mut s = String::from('\'');
            i += 1;
            while i < chars.len() {
                if chars[i] == '\'' && chars.get(i + 1) == Some(&'\'') {
                    s.push_str("''");
                    i += 2;
                } else if chars[i] == '\'' {
                    s.push('\'');
                    i += 1;
                    break;
                } else {
                    s.push(chars[i]);
                    i += 1;
                }
            }
            tokens.push(s);
        } else if "(),;".contains(c) {
            tokens.push(c.to_string());
            i += 1;
        } else {
            let mut s = String::new();
            while i < chars.len() && !chars[i].is_whitespace() && !"(),;'".contains(chars[i]) {
                s.push(chars[i]);
                i += 1;
            }
            tokens.push(s);
        }
    }
    let mut rows = Vec::new();
    let mut k = 0;
    let up = |t: &str| t.to_ascii_uppercase();
    while k < tokens.len() {
        if up(&tokens[k]) != "INTO" {
            k += 1;
            continue;
        }
        let table = tokens.get(k + 1).map(|t| up(t)).unwrap_or_default();
        k += 2;
        let mut columns = Vec::new();
        if tokens.get(k).map(String::as_str) == Some("(") {
            k += 1;
            while k < tokens.len() && tokens[k] != ")" {
                if tokens[k] != "," {
                    columns.push(up(&tokens[k]));
                }
                k += 1;
            }
            k += 1;
        }
        if tokens.get(k).map(|t| up(t)) != Some("VALUES".into()) {
            continue;
        }
        k += 1;
        while tokens.get(k).map(String::as_str) == Some("(") {
            k += 1;
            let mut values = Vec::new();
            let mut cur = String::new();
            let mut depth = 0;
            while k < tokens.len() && !(depth == 0 && tokens[k] == ")") {
                match tokens[k].as_str() {
                    "," if depth == 0 => values.push(std::mem::take(&mut cur)),
                    t => {
                        if t == "(" {
                            depth += 1;
                        } else if t == ")" {
                            depth -= 1;
                        }
                        cur.push_str(t);
                    }
                }
                k += 1;
            }
            if k >= tokens.len() {
                // The text was cut short (facts keep a statement's first 200 characters).
                break;
            }
            values.push(cur);
            k += 1;
            rows.push((table.clone(), columns.clone(), values));
            if tokens.get(k).map(String::as_str) == Some(",") {
                k += 1;
            }
        }
    }
    rows
}

type SeedKey = (String, Vec<String>, Vec<Option<DefaultValue>>);

/// Seed rows: table, the columns named and the values, as a multiset.
fn seed_rows(d: &dyn Dialect, ours: &Schema, facts: &Value, out: &mut BTreeSet<String>) {
    let mut f_seed: BTreeMap<String, usize> = BTreeMap::new();
    for s in facts["seed_rows"].as_array().into_iter().flatten() {
        for (table, columns, values) in parse_insert(s["text"].as_str().unwrap_or_default()) {
            let key: SeedKey = (
                table,
                columns,
                values
                    .iter()
                    .map(|v| DefaultValue::parse_sql(v, false))
                    .collect(),
            );
            *f_seed.entry(format!("{key:?}")).or_default() += 1;
        }
    }
    let mut o_seed: BTreeMap<String, usize> = BTreeMap::new();
    for s in &ours.seeds {
        let key: SeedKey = (
            s.table.clone(),
            s.columns.clone(),
            s.values
                .iter()
                .map(|v| DefaultValue::parse_sql(&d.literal(v), false))
                .collect(),
        );
        *o_seed.entry(format!("{key:?}")).or_default() += 1;
    }
    for (k, n) in &o_seed {
        let f = f_seed.get(k).copied().unwrap_or(0);
        if *n != f {
            out.insert(format!("seed row {k}: {n} time(s), official {f}"));
        }
    }
    for (k, f) in &f_seed {
        if !o_seed.contains_key(k) {
            out.insert(format!("seed row {k}: 0 time(s), official {f}"));
        }
    }
}

/// One listed deviation: a difference [`differences`] reports, and why it is accepted.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// The releases it occurs in (absent in a list that covers one release:
    /// see [`Deviations::load_for`]).
    #[serde(default)]
    pub releases: Vec<String>,
    /// The migrations directory name.
    pub group: String,
    /// The isdb dialect.
    pub dialect: String,
    /// The line [`differences`] reports.
    pub difference: String,
    /// Why isdb differs.
    pub reason: String,
}

/// The deviation list of a TOML file (`[[deviation]]` entries).
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deviations {
    /// Entries.
    pub deviation: Vec<Deviation>,
}

/// (release, group, dialect, difference).
pub type Found = (String, String, String, String);

impl Deviations {
    /// Reads and checks a deviation list: every entry has a reason and appears once.
    pub fn load(path: &std::path::Path) -> Deviations {
        Self::read(path, None)
    }

    /// Reads a list that covers one release only (`migrations/DEVIATIONS.toml`
    /// covers 5.3.0): entries that name no release are `release`'s.
    pub fn load_for(path: &std::path::Path, release: &str) -> Deviations {
        Self::read(path, Some(release))
    }

    fn read(path: &std::path::Path, release: Option<&str>) -> Deviations {
        let text =
            std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let mut list: Deviations = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        for d in &mut list.deviation {
            if d.releases.is_empty() {
                let r = release.unwrap_or_else(|| {
                    panic!("{}: `{}` names no release", path.display(), d.difference)
                });
                d.releases.push(r.to_string());
            }
        }
        let mut seen = BTreeSet::new();
        for d in &list.deviation {
            assert!(
                !d.reason.trim().is_empty(),
                "deviation without a reason: {}",
                d.difference
            );
            for r in &d.releases {
                assert!(
                    seen.insert((
                        r.clone(),
                        d.group.clone(),
                        d.dialect.clone(),
                        d.difference.clone()
                    )),
                    "listed twice for {r}: {}",
                    d.difference
                );
            }
        }
        list
    }

    /// Every (release, group, dialect, difference) the list expects.
    pub fn expected(&self) -> BTreeSet<Found> {
        self.deviation
            .iter()
            .flat_map(|d| {
                d.releases.iter().map(|r| {
                    (
                        r.clone(),
                        d.group.clone(),
                        d.dialect.clone(),
                        d.difference.clone(),
                    )
                })
            })
            .collect()
    }

    /// `Err` naming every difference that is not listed and every listed one
    /// that does not occur.
    pub fn check(&self, actual: &BTreeSet<Found>) -> Result<(), String> {
        let expected = self.expected();
        let unlisted: Vec<_> = actual.difference(&expected).collect();
        let stale: Vec<_> = expected.difference(actual).collect();
        if unlisted.is_empty() && stale.is_empty() {
            return Ok(());
        }
        let show = |v: &[&Found]| {
            v.iter()
                .map(|(r, g, d, x)| format!("  {r} {g}/{d}: {x}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        Err(format!(
            "unlisted differences ({}):\n{}\n\nlisted but not occurring ({}):\n{}",
            unlisted.len(),
            show(&unlisted),
            stale.len(),
            show(&stale)
        ))
    }
}
