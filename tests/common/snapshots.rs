//! Snapshots of every release for the planner's tests: each group's
//! `migrations/<group>/<version>.toml`, parsed as the catalog parses them.
#![allow(dead_code)]

use std::path::PathBuf;

use isdb::layout::TableGroup;
use isdb::model::catalog::{Migration, Version};

/// Every group with snapshots.
pub const GROUPS: [TableGroup; 7] = [
    TableGroup::Registry,
    TableGroup::UserManagement,
    TableGroup::Identity,
    TableGroup::Metrics,
    TableGroup::Bps,
    TableGroup::Consent,
    TableGroup::Uma,
];

/// Every release isdb has snapshots of, oldest first.
pub const RELEASES: [&str; 9] = [
    "5.3.0", "5.4.0", "5.5.0", "5.6.0", "5.7.0", "5.8.0", "5.9.0", "5.10.0", "5.11.0",
];

/// The versions with a snapshot file in `migrations/<group>/`, oldest first.
pub fn snapshot_versions(group: TableGroup) -> Vec<Version> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(group.name());
    let mut out: Vec<Version> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            let v = name.strip_suffix(".toml")?;
            (!v.ends_with(".dialects")).then(|| Version::parse(v).ok())?
        })
        .collect();
    out.sort();
    out
}

/// The snapshot of `group` at `version`.
pub fn parse(group: TableGroup, version: &Version) -> Migration {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(group.name());
    let read = |f: String| {
        std::fs::read_to_string(dir.join(&f)).unwrap_or_else(|e| panic!("{group}/{f}: {e}"))
    };
    let v = version.to_string();
    Migration::parse(
        group,
        &v,
        &read(format!("{v}.toml")),
        &read(format!("{v}.dialects.toml")),
    )
    .unwrap_or_else(|e| panic!("{group} {v}: {e}"))
}

/// The group's snapshot in force at `release` (its newest file not after it).
pub fn in_force(group: TableGroup, release: &str) -> Option<Migration> {
    let r = Version::parse(release).expect("release");
    snapshot_versions(group)
        .into_iter()
        .rfind(|v| v <= &r)
        .map(|v| parse(group, &v))
}

/// The upgrade steps of `group`: each consecutive pair of the releases at
/// which it has a snapshot (`None` before the group exists), the older first.
pub fn steps(group: TableGroup) -> Vec<(Option<Migration>, Migration)> {
    let mut out = Vec::new();
    let mut before: Option<Version> = None;
    for v in snapshot_versions(group) {
        out.push((before.as_ref().map(|b| parse(group, b)), parse(group, &v)));
        before = Some(v);
    }
    out
}
