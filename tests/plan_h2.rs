//! The planner's upgrade SQL for H2 runs in H2: for every group and every
//! pair of consecutive snapshots whose upgrade H2 can take (not the ones
//! dropping a constraint H2 named itself, which the planner refuses), the
//! older snapshot's plan from nothing and then the upgrade run through H2's
//! RunScript, and the database then has the newer snapshot's tables and
//! columns. (isdb has no H2 inspector; the counts are what H2 reports.)

#[path = "common/h2.rs"]
mod h2;
#[path = "common/snapshots.rs"]
mod snapshots;

use isdb::plan::plan;
use snapshots::{GROUPS, steps};

#[test]
fn every_step_h2_can_take_runs_through_runscript() {
    h2::require();
    let d = isdb::dialect::by_name("h2").expect("built-in dialect");
    let tmp = tempfile::tempdir().expect("temp dir");
    let (mut ran, mut refused) = (0, 0);
    for group in GROUPS {
        for (older, newer) in steps(group) {
            let Some(older) = older else { continue };
            let (old, new) = (older.schema(d), newer.schema(d));
            let Ok(upgrade) = plan(d, Some(&old), &new, &newer.renames()).statements(d) else {
                refused += 1;
                continue;
            };
            let mut statements = plan(d, None, &old, &[]).statements(d).expect("renders");
            statements.extend(upgrade);
            let name = format!("{group}-{}", newer.version);
            let script = tmp.path().join(format!("{name}.sql"));
            let text = isdb::render::Script {
                dialect: d,
                header: vec![name.clone()],
                statements: &statements,
            }
            .to_string();
            std::fs::write(&script, text).expect("script written");
            let url = format!("jdbc:h2:{}", tmp.path().join(&name).display());
            let (counts, out) = h2::run_and_count(&url, &script);
            let columns: usize = new.tables.iter().map(|t| t.columns.len()).sum();
            assert_eq!(
                counts,
                [columns, new.tables.len()],
                "{name}: columns and tables\n{out}"
            );
            ran += 1;
        }
    }
    assert!(ran >= 15, "only {ran} steps ran ({refused} refused)");
    assert!(refused <= 5, "{refused} steps refused on H2");
}
