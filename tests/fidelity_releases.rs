//! The snapshots of IS 5.4.0 … 5.11.0 held to WSO2's facts and run for real.
//!
//! For every release, group and dialect that `tests/facts/wso2is-<release>/`
//! has facts for, the group's snapshot in force at that release (its newest
//! `migrations/<group>/<version>.toml` not after the release) resolved for the
//! dialect equals the official schema, except for the differences listed with
//! a reason in `migrations/DEVIATIONS-releases.toml`, which must also name
//! every defect the facts record in an official script. An unlisted difference
//! fails, and so does a listed one that no longer occurs.
//!
//! Every release (all its groups in one database) is built on PostgreSQL and
//! MariaDB with the vendor's client and on SQLite, and read back equal to the
//! model; its H2 script runs through H2's RunScript; every dialect's script
//! splits back into its statements.

mod common;
#[path = "common/fidelity.rs"]
mod fidelity;
#[path = "common/h2.rs"]
mod h2;
#[path = "common/snapshots.rs"]
mod snapshots;

use std::collections::BTreeSet;
use std::path::PathBuf;

use isdb::dialect::{self, Dialect};
use isdb::layout::TableGroup;
use isdb::model::catalog::Version;
use serde_json::Value;
use sqlx::Connection;

use snapshots::{GROUPS, in_force, parse, snapshot_versions};

use fidelity::{
    Deviations, Found, differences, facts_group, facts_variants, load_facts, script_warnings,
};

/// The releases after the 5.3.0 baseline (which `tests/fidelity.rs` covers).
const RELEASES: [&str; 8] = [
    "5.4.0", "5.5.0", "5.6.0", "5.7.0", "5.8.0", "5.9.0", "5.10.0", "5.11.0",
];

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The isdb dialects WSO2 ships scripts for (every one but SQLite).
fn official_dialects() -> Vec<&'static dyn Dialect> {
    dialect::all()
        .into_iter()
        .filter(|d| !facts_variants(d.name()).is_empty())
        .collect()
}

fn table_count(facts: &Value) -> usize {
    facts["tables"].as_object().map_or(0, serde_json::Map::len)
}

#[test]
fn every_release_equals_the_official_schema_except_listed_deviations() {
    let listed = Deviations::load(&repo().join("migrations/DEVIATIONS-releases.toml"));
    let mut actual: BTreeSet<Found> = BTreeSet::new();
    let mut compared = 0;
    let mut with_facts = 0;
    for release in RELEASES {
        assert!(
            fidelity::facts_dir(release).is_dir(),
            "facts of {release} must be at {}",
            fidelity::facts_dir(release).display()
        );
        for group in GROUPS {
            let snapshot = in_force(group, release);
            for d in official_dialects() {
                let facts = load_facts(release, group.name(), d.name());
                let mut found = |x: String| {
                    actual.insert((release.into(), group.name().into(), d.name().into(), x));
                };
                match (&snapshot, &facts) {
                    (Some(m), Some((_, facts))) => {
                        compared += 1;
                        differences(d, &m.schema(d), facts)
                            .into_iter()
                            .chain(script_warnings(facts))
                            .for_each(&mut found);
                    }
                    (Some(m), None) => {
                        let n = m.schema(d).tables.len();
                        if n > 0 {
                            found(format!("no official script: isdb renders {n} tables"));
                        }
                    }
                    (None, Some((_, facts))) => found(format!(
                        "no snapshot: the official script has {} tables",
                        table_count(facts)
                    )),
                    (None, None) => {}
                }
                with_facts += usize::from(facts.is_some());
            }
        }
    }
    // Independently of the loop: every facts file a dialect is held to was compared.
    let mut files = 0;
    for release in RELEASES {
        for group in GROUPS {
            for d in official_dialects() {
                files += usize::from(facts_variants(d.name()).iter().any(|v| {
                    fidelity::facts_dir(release)
                        .join(format!("{}.{v}.json", facts_group(group.name())))
                        .is_file()
                }));
            }
        }
    }
    assert_eq!(with_facts, files, "every facts file was read");
    assert!(compared > 0);
    if let Err(e) = listed.check(&actual) {
        panic!("{e}");
    }
}

#[test]
fn every_snapshot_changes_something_its_predecessor_had_in_some_dialect() {
    for group in GROUPS {
        let versions = snapshot_versions(group);
        for pair in versions.windows(2) {
            let (old, new) = (parse(group, &pair[0]), parse(group, &pair[1]));
            let changed = dialect::all()
                .into_iter()
                .any(|d| old.schema(d) != new.schema(d));
            assert!(
                changed,
                "{group} {} resolves to the same schema as {} in every dialect: delete it",
                pair[1], pair[0]
            );
        }
    }
}

/// Renames as WSO2's upgrade scripts do them (`rename_column` / `rename_table`
/// of `identity-migration-resources`, copied to `tests/facts/wso2is-5.11.0/upgrade_renames.json`).
#[derive(serde::Deserialize)]
struct UpgradeRename {
    target_version: String,
    dialect: String,
    table: String,
    column: Option<String>,
    to: String,
}

#[test]
fn every_rename_of_an_existing_object_is_declared_in_the_snapshot() {
    let path = fidelity::facts_dir("5.11.0").join("upgrade_renames.json");
    let text = std::fs::read_to_string(&path).expect("upgrade_renames.json");
    let ops: Vec<UpgradeRename> = serde_json::from_str(&text).expect("JSON");
    assert!(!ops.is_empty());
    let mut checked = 0;
    for op in &ops {
        let d = dialect::by_name(&op.dialect).expect("dialect");
        let prev_release = RELEASES
            .iter()
            .position(|r| *r == op.target_version)
            .map_or("5.3.0", |i| if i == 0 { "5.3.0" } else { RELEASES[i - 1] });
        for group in GROUPS {
            let (Some(before), Some(after)) = (
                in_force(group, prev_release),
                in_force(group, &op.target_version),
            ) else {
                continue;
            };
            let before = before.schema(d);
            let declared = after.renames();
            match &op.column {
                Some(col) => {
                    let Some(t) = before.table(&op.table) else {
                        continue;
                    };
                    if t.column(col).is_none() {
                        continue;
                    }
                    checked += 1;
                    assert!(
                        declared.iter().any(|r| r.table == op.table
                            && r.column.as_deref() == Some(op.to.as_str())
                            && &r.from == col),
                        "{} {group}: {}.{col} → {} is not declared as renamed_from",
                        op.target_version,
                        op.table,
                        op.to
                    );
                }
                None => {
                    // A rename of a table the previous release never had is a step's
                    // temporary table (or an out-of-band one), still declared where kept.
                    if before.table(&op.table).is_none() {
                        continue;
                    }
                    checked += 1;
                    assert!(
                        declared
                            .iter()
                            .any(|r| r.table == op.to && r.column.is_none() && r.from == op.table),
                        "{} {group}: table {} → {} is not declared as renamed_from",
                        op.target_version,
                        op.table,
                        op.to
                    );
                }
            }
        }
    }
    assert!(checked > 0, "no rename applied to an existing object");
    // And the other way: every declared rename names an object of the previous snapshot
    // or one an upgrade script renames.
    for group in GROUPS {
        let versions = snapshot_versions(group);
        for v in versions.iter().skip(1) {
            for r in parse(group, v).renames() {
                let in_ops = ops.iter().any(|op| {
                    op.target_version == v.to_string()
                        && match &r.column {
                            Some(c) => op.column.as_deref() == Some(r.from.as_str()) && &op.to == c,
                            None => op.column.is_none() && op.table == r.from && op.to == r.table,
                        }
                });
                let unscripted = UNSCRIPTED_RENAMES.iter().any(|(g, ver, from)| {
                    *g == group.name() && *ver == v.to_string() && *from == r.from
                });
                assert!(
                    in_ops || unscripted,
                    "{group} {v}: {r:?} is not a rename of WSO2's upgrade scripts"
                );
            }
        }
    }
}

/// Renames isdb declares where WSO2's upgrade scripts have none: 5.7.0
/// renamed the six UMA tables (`IDN_RESOURCE` → `IDN_UMA_RESOURCE`, ...), and
/// WSO2's only UMA script for it (5.8.0 step1, which `migration-config.yaml`
/// never runs) creates the new tables empty beside the old ones. Renaming keeps
/// the resources and permission tickets a 5.6.0 node registered.
const UNSCRIPTED_RENAMES: [(&str, &str, &str); 6] = [
    ("uma", "5.7.0", "IDN_RESOURCE"),
    ("uma", "5.7.0", "IDN_RESOURCE_META_DATA"),
    ("uma", "5.7.0", "IDN_RESOURCE_SCOPE"),
    ("uma", "5.7.0", "IDN_PERMISSION_TICKET"),
    ("uma", "5.7.0", "IDN_PT_RESOURCE"),
    ("uma", "5.7.0", "IDN_PT_RESOURCE_SCOPE"),
];

#[tokio::test]
async fn every_snapshot_runs_on_sqlite_and_reads_back_equal_to_the_model() {
    let d = dialect::by_name("sqlite").expect("built-in dialect");
    let mut ran = 0;
    for group in GROUPS {
        for v in snapshot_versions(group) {
            let m = parse(group, &v);
            let expected = m.schema(d);
            let mut c = sqlx::SqliteConnection::connect("sqlite::memory:")
                .await
                .expect("in-memory SQLite");
            for s in isdb::render::statements(d, &expected, Default::default()) {
                sqlx::raw_sql(sqlx::AssertSqlSafe(s.sql.as_str()))
                    .execute(&mut c)
                    .await
                    .unwrap_or_else(|e| panic!("{group} {v}: {e}\n{}", s.sql));
            }
            let actual = isdb::inspect::sqlite::inspect(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{group} {v}: {e}"));
            let found = isdb::diff::diff(d, &expected, &actual);
            assert!(found.is_empty(), "{group} {v}: {found:?}");
            for seed in &expected.seeds {
                let n: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM {}",
                    d.object_name(&seed.table)
                )))
                .fetch_one(&mut c)
                .await
                .unwrap_or_else(|e| panic!("{group} {v}: {e}"));
                assert!(n > 0, "{group} {v}: seed of {} not inserted", seed.table);
            }
            ran += 1;
        }
    }
    assert!(ran >= GROUPS.len());
}

#[test]
fn the_5_3_0_checksums_are_pinned() {
    // A snapshot once applied must never change: these are the checksums
    // ISDB_SCHEMA_HISTORY holds for every database built at 5.3.0.
    let pinned = [
        (
            TableGroup::Registry,
            "1bd9f2ae99c245a8c895a0ecb6b5e8a6e3c15d3647e718b73a3ed4d316370a5f",
        ),
        (
            TableGroup::UserManagement,
            "ee5e191a96493a0372ee3e8158eb476227480c1863c04dd97c9dc8b22945423b",
        ),
        (
            TableGroup::Identity,
            "9aa46ace079b22fe242e4a11f006232b5378c969a739012bbb2ff2e63d0a6a2f",
        ),
        (
            TableGroup::Metrics,
            "d57587b11488396375e4de591a2d6f85af2e93de257044909830ac2d9aaf4a38",
        ),
        (
            TableGroup::Bps,
            "ed6613598540c9ce3de7764c7207e90479fc3905afc16fdea9944d4b0625ae4b",
        ),
    ];
    let changed: Vec<String> = pinned
        .iter()
        .filter_map(|(g, sum)| {
            let m = parse(*g, &Version::parse("5.3.0").expect("version"));
            (m.checksum != *sum).then(|| format!("{g}: {}", m.checksum))
        })
        .collect();
    assert!(
        changed.is_empty(),
        "5.3.0 checksums changed:\n{}",
        changed.join("\n")
    );
}

#[test]
fn every_snapshot_renders_in_every_dialect_with_names_the_dialect_accepts() {
    for group in GROUPS {
        for v in snapshot_versions(group) {
            let m = parse(group, &v);
            for d in dialect::all() {
                let s = m.schema(d);
                assert!(
                    !isdb::render::statements(d, &s, Default::default()).is_empty(),
                    "{group} {v} {}",
                    d.name()
                );
                let mut names: Vec<String> = Vec::new();
                for t in &s.tables {
                    names.push(t.name.clone());
                    names.extend(t.columns.iter().map(|c| c.name.clone()));
                    names.extend(t.unique.iter().filter_map(|u| u.name.clone()));
                    names.extend(t.foreign_keys.iter().filter_map(|f| f.name.clone()));
                    names.extend(t.indexes.iter().map(|i| i.name.clone()));
                    names.extend(t.key_generator.sequence.clone());
                    names.extend(t.key_generator.trigger.clone());
                }
                // WSO2's own Oracle scripts of 5.6.0 and 5.11.0 use a few 31+ character
                // index names (valid from Oracle 12.2 on); those are reproduced as shipped.
                let official = load_facts(&v.to_string(), group.name(), d.name())
                    .map(|(_, f)| f.to_string())
                    .unwrap_or_default();
                for n in names {
                    assert!(
                        d.fit_name(&n) == n || official.contains(&format!("\"{n}\"")),
                        "{group} {v}: `{n}` is too long for {}",
                        d.name()
                    );
                }
            }
        }
    }
}

/// The schema of every group in force at `release`, resolved for `d` (one database
/// holding them all, as a merged layout would).
fn release_schema(release: &str, d: &dyn Dialect) -> isdb::model::Schema {
    GROUPS
        .iter()
        .filter_map(|g| in_force(*g, release))
        .map(|m| m.schema(d))
        .collect()
}

/// The script of `release` for `d` (every group in one database) and how many
/// statements it holds.
fn release_script(release: &str, d: &dyn Dialect) -> (String, usize) {
    let statements = isdb::render::statements(d, &release_schema(release, d), Default::default());
    let text = isdb::render::Script {
        dialect: d,
        header: vec![format!("IS {release}")],
        statements: &statements,
    }
    .to_string();
    (text, statements.len())
}

/// [`release_script`] written to `dir/<release>.sql`.
fn write_release_script(dir: &std::path::Path, release: &str, d: &dyn Dialect) -> PathBuf {
    let path = dir.join(format!("{release}.sql"));
    std::fs::write(&path, release_script(release, d).0).expect("script written");
    path
}

#[test]
fn every_release_script_splits_back_into_its_statements_in_every_dialect() {
    for release in RELEASES {
        for d in dialect::all() {
            let (text, statements) = release_script(release, d);
            let split = isdb::render::split_script(d.script_style(), &text);
            assert_eq!(
                split.len(),
                statements,
                "{release} {}: the script splits into another number of statements",
                d.name()
            );
        }
    }
}

#[test]
fn every_release_runs_on_h2_through_runscript() {
    h2::require();
    let d = dialect::by_name("h2").expect("built-in dialect");
    let tmp = tempfile::tempdir().expect("temp dir");
    for release in RELEASES {
        let schema = release_schema(release, d);
        let script = write_release_script(tmp.path(), release, d);
        let url = format!("jdbc:h2:{}", tmp.path().join(release).display());
        let (counts, out) = h2::run_and_count(&url, &script);
        let columns: usize = schema.tables.iter().map(|t| t.columns.len()).sum();
        assert_eq!(
            counts,
            [columns, schema.tables.len()],
            "{release}: columns and tables in H2\n{out}"
        );
    }
}

/// Builds every release (all groups in one database) on `server` with the
/// vendor's own client, then reads it back and compares it with the model.
async fn every_release_builds_on(server: &common::Server, tag: &str) {
    let d = server.dialect();
    let tmp = tempfile::tempdir().expect("temp dir");
    let prefix = common::unique_prefix(tag);
    for release in RELEASES {
        let db = format!("{prefix}{}", release.replace('.', "_"));
        let schema = release_schema(release, d);
        let script = write_release_script(tmp.path(), release, d);
        server.create_database(&db).await;
        server.run_script(&db, &script);
        let found = isdb::diff::diff(d, &schema, &server.inspect(&db).await);
        assert!(
            found.is_empty(),
            "{release} on {}: the live schema differs from the model:\n{}",
            d.name(),
            found
                .iter()
                .map(|x| format!("  {x}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    common::drop_databases(server, &prefix).await;
}

#[tokio::test]
async fn every_release_builds_on_postgres_and_reads_back_equal_to_the_model() {
    let Some(server) = common::postgres("every_release_builds_on_postgres").await else {
        return;
    };
    every_release_builds_on(&server, "relpg").await;
}

#[tokio::test]
async fn every_release_builds_on_mariadb_and_reads_back_equal_to_the_model() {
    let Some(server) = common::mysql("every_release_builds_on_mariadb").await else {
        return;
    };
    every_release_builds_on(&server, "relmy").await;
}
