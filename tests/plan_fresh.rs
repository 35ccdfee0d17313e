//! The planner replaces the renderer: from nothing, every snapshot's plan
//! renders exactly the statements `render::statements` writes for a fresh
//! install (same SQL, same kinds, same order), in every dialect, both as a
//! script writes them and in the idempotent form the migration runner uses.

#[path = "common/snapshots.rs"]
mod snapshots;

use isdb::dialect;
use isdb::plan::plan;
use isdb::render::{self, RenderOptions};
use snapshots::{GROUPS, RELEASES, in_force, parse, snapshot_versions};

#[test]
fn every_snapshot_planned_from_nothing_renders_what_render_writes() {
    let mut compared = 0;
    for group in GROUPS {
        for v in snapshot_versions(group) {
            let m = parse(group, &v);
            for d in dialect::all() {
                let schema = m.schema(d);
                let p = plan(d, None, &schema, &m.renames());
                for opts in [
                    RenderOptions::default(),
                    RenderOptions {
                        idempotent: true,
                        online: false,
                    },
                ] {
                    let expected = render::statements(d, &schema, opts);
                    let planned = p
                        .statements_with(d, opts)
                        .unwrap_or_else(|e| panic!("{group} {v} {}: {e}", d.name()));
                    assert_eq!(planned, expected, "{group} {v} {} {opts:?}", d.name());
                    compared += expected.len();
                }
            }
        }
    }
    assert!(compared > 1000, "only {compared} statements compared");
}

#[test]
fn every_release_planned_from_nothing_renders_what_render_writes() {
    for release in RELEASES {
        for d in dialect::all() {
            let schema: isdb::model::Schema = GROUPS
                .iter()
                .filter_map(|g| in_force(*g, release))
                .map(|m| m.schema(d))
                .collect();
            let expected = render::statements(d, &schema, RenderOptions::default());
            let planned = plan(d, None, &schema, &[]).statements(d).unwrap();
            assert_eq!(planned, expected, "{release} {}", d.name());
        }
    }
}
