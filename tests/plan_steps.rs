//! Every upgrade step between consecutive snapshots plans without a
//! difference it cannot handle and renders on PostgreSQL, MySQL and SQLite
//! (which `tests/plan_live.rs` runs). Elsewhere the only refusals are the
//! known ones: dropping a constraint the RDBMS named unpredictably (Oracle
//! `SYS_C…`, DB2, MS SQL, H2 `CONSTRAINT_…`), changing an MS SQL default
//! (a named constraint) and renaming a sequence on DB2 (uma 5.7.0 renames its
//! tables; DB2 has no RENAME SEQUENCE). A snapshot planned against itself is empty.

#[path = "common/snapshots.rs"]
mod snapshots;

use isdb::dialect;
use isdb::plan::{PlanError, plan};
use snapshots::{GROUPS, parse, snapshot_versions, steps};

#[test]
fn every_step_plans_completely_and_renders() {
    let mut failures = Vec::new();
    let mut refused = 0;
    for group in GROUPS {
        for (older, newer) in steps(group) {
            let Some(older) = older else { continue };
            for d in dialect::all() {
                let p = plan(
                    d,
                    Some(&older.schema(d)),
                    &newer.schema(d),
                    &newer.renames(),
                );
                if std::env::var("PLAN_DUMP").is_ok() {
                    println!(
                        "== {group} {} -> {} {}\n{}",
                        older.version,
                        newer.version,
                        d.name(),
                        p.summary()
                    );
                }
                if !p.unplanned.is_empty() {
                    failures.push(format!(
                        "{group} {} {}: unplanned {:?}",
                        newer.version,
                        d.name(),
                        p.unplanned
                    ));
                }
                match p.statements(d) {
                    Ok(_) => {}
                    Err(PlanError::Unsupported { .. })
                        if !["postgres", "mysql", "sqlite"].contains(&d.name()) =>
                    {
                        refused += 1
                    }
                    Err(e) => failures.push(format!("{group} {} {}: {e}", newer.version, d.name())),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The known refusals (see the module docs); more means a new kind of gap.
    assert!(
        refused <= 21,
        "{refused} steps refused outside PG/MySQL/SQLite"
    );
}

#[test]
fn a_snapshot_planned_against_itself_is_empty() {
    for group in GROUPS {
        for v in snapshot_versions(group) {
            let m = parse(group, &v);
            for d in dialect::all() {
                let s = m.schema(d);
                let p = plan(d, Some(&s), &s, &m.renames());
                assert!(p.is_empty(), "{group} {v} {}: {}", d.name(), p.summary());
            }
        }
    }
}
