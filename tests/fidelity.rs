//! The acceptance bar of the 5.3.0 baseline: for every group and dialect that
//! `tests/facts/wso2is-5.3.0/` has facts for (copies of the official scripts'
//! facts; see its README), the schema isdb
//! renders equals the official one, except for the differences listed (with a
//! reason) in `migrations/DEVIATIONS.toml`. An unlisted difference fails, and
//! so does a listed one that no longer occurs.

#[path = "common/fidelity.rs"]
mod fidelity;

use std::collections::BTreeSet;
use std::path::PathBuf;

use fidelity::{Deviations, differences, facts_dir, load_facts};
use isdb::dialect;
use isdb::layout::TableGroup;
use isdb::model::catalog::Catalog;

const RELEASE: &str = "5.3.0";

#[test]
fn rendered_baseline_equals_the_official_5_3_0_schema_except_listed_deviations() {
    assert!(
        facts_dir(RELEASE).is_dir(),
        "the schema facts must be in the repository at {}",
        facts_dir(RELEASE).display()
    );
    let listed = Deviations::load_for(
        &PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("migrations/DEVIATIONS.toml"),
        RELEASE,
    );
    let catalog = Catalog::builtin().unwrap();
    let mut actual = BTreeSet::new();
    let mut compared = 0;
    for d in dialect::all() {
        for g in TableGroup::ALL {
            let Some((_variant, facts)) = load_facts(RELEASE, g.name(), d.name()) else {
                continue;
            };
            let m = catalog.group(g).next().expect("5.3.0 baseline");
            compared += 1;
            for diff in differences(d, &m.schema(d), &facts) {
                actual.insert((
                    RELEASE.to_string(),
                    g.name().to_string(),
                    d.name().to_string(),
                    diff,
                ));
            }
        }
    }
    assert_eq!(compared, 32, "group × dialect pairs with facts");
    if let Err(e) = listed.check(&actual) {
        panic!("{e}");
    }
}
