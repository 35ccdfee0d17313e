//! Steps: what one row of the migration history stands for. A step brings
//! one table group to one snapshot, either from nothing (a fresh install,
//! planned from an empty schema to the snapshot) or from the group's previous
//! snapshot (an upgrade step, planned between the two snapshots with the
//! newer one's declared renames). The runner, `--dry-run`, `status` and
//! `render` all take their statements from here, so a script a DBA runs and
//! a `migrate` run apply the same SQL.

use std::fmt;

use crate::dialect::Dialect;
use crate::layout::TableGroup;
use crate::model::DefaultValue;
use crate::model::catalog::{Catalog, Migration, Version};
use crate::plan::{self, Plan, SqlWriter};
use crate::render::{RenderOptions, Statement, StatementKind};

/// One history step of one table group (see the [module](self) docs).
#[derive(Debug, Clone, Copy)]
pub struct Step<'a> {
    /// The snapshot the step brings the group to; the history records its
    /// group, version and checksum.
    pub to: &'a Migration,
    /// The snapshot it starts from; `None` for a fresh install of the group.
    pub from: Option<&'a Migration>,
}

impl<'a> Step<'a> {
    /// The step's table group.
    pub fn group(&self) -> TableGroup {
        self.to.group
    }

    /// The version the history records for it.
    pub fn version(&self) -> &'a Version {
        &self.to.version
    }

    /// The typed changes of this step on `dialect`.
    pub fn plan(&self, dialect: &dyn Dialect) -> Plan {
        let current = self.from.map(|m| m.schema(dialect));
        plan::plan(
            dialect,
            current.as_ref(),
            &self.to.schema(dialect),
            &self.to.renames(),
        )
    }

    /// The step's statements on `dialect`, or why they cannot be written:
    /// a difference the planner has no change for, or a change the dialect
    /// cannot express. Either is a defect of the definitions, found before
    /// anything runs.
    pub fn statements(
        &self,
        dialect: &dyn Dialect,
        opts: RenderOptions,
    ) -> Result<Vec<Statement>, String> {
        let plan = self.plan(dialect);
        if let Some(d) = plan.unplanned.first() {
            return Err(format!("the planner has no change for: {d}"));
        }
        let data = self.data_steps();
        if data.is_empty() {
            return plan
                .statements_with(dialect, opts)
                .map_err(|e| e.to_string());
        }
        let phases = plan.phases(dialect, data);
        let mut out = phases
            .expand
            .statements_with(dialect, opts)
            .map_err(|e| e.to_string())?;
        for (table, column, value) in &phases.backfills {
            out.push(backfill(dialect, table, column, value).map_err(|e| e.to_string())?);
        }
        for d in data {
            let sql = d.sql(dialect).ok_or_else(|| {
                format!(
                    "its data step `{}` has no SQL for {} yet",
                    d.name,
                    dialect.data().title
                )
            })?;
            out.extend(sql.iter().map(|s| Statement {
                kind: StatementKind::Data,
                sql: s.sql(),
                batch: s.batched().cloned(),
            }));
        }
        out.extend(
            phases
                .contract
                .statements_with(dialect, opts)
                .map_err(|e| e.to_string())?,
        );
        Ok(out)
    }

    /// The data steps this step runs: the target snapshot's, for an upgrade
    /// step; none for a fresh install (there are no rows yet).
    pub fn data_steps(&self) -> &'a [crate::model::data::DataStep] {
        match self.from {
            Some(_) => self.to.data_steps(),
            None => &[],
        }
    }
}

impl fmt::Display for Step<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to.group, self.to.version)
    }
}

/// The update that gives every row without a value in the new column
/// `table.column` the step's backfill `value`, where the dialect cannot make
/// it the column's default for a moment ([`plan::Phases::backfills`]).
fn backfill(
    dialect: &dyn Dialect,
    table: &str,
    column: &str,
    value: &DefaultValue,
) -> Result<Statement, plan::PlanError> {
    let mut w = SqlWriter::new(dialect);
    w.word("UPDATE").ident(table)?.word("SET").ident(column)?;
    w.word("=")
        .literal(value)
        .word("WHERE")
        .ident(column)?
        .word("IS NULL");
    Ok(Statement {
        kind: StatementKind::Data,
        sql: w.finish(),
        batch: None,
    })
}

/// The steps that bring `group` from `applied` (the newest version its
/// history records as applied; `None`: not installed) to the snapshot that
/// stands at IS release `release`: one fresh step when the group is not
/// installed, else one step per snapshot after `applied`, oldest first.
/// Empty when the group is already there, when it does not exist at
/// `release`, or when `applied` is newer (a downgrade, which callers refuse
/// first).
pub fn steps<'c>(
    catalog: &'c Catalog,
    group: TableGroup,
    applied: Option<&Version>,
    release: &Version,
) -> Vec<Step<'c>> {
    let Some(target) = catalog.snapshot(group, release) else {
        return vec![];
    };
    match applied {
        None => vec![Step {
            to: target,
            from: None,
        }],
        Some(applied) => catalog
            .group(group)
            .filter(|m| &m.version > applied && m.version <= target.version)
            .map(|m| Step {
                to: m,
                from: catalog.previous(m),
            })
            .collect(),
    }
}

/// Where `step` falls in a run to `release`: a run applies steps release by
/// release, an upgrade step at the release it upgrades to and a fresh install
/// of a group at `release` itself; a stable sort on this key keeps the
/// database's group order within one release.
pub fn run_position(step: &Step<'_>, release: &Version) -> Version {
    match step.from {
        Some(_) => step.to.version.clone(),
        None => release.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn a_fresh_group_is_one_step_and_an_installed_one_steps_through_each_snapshot() {
        let c = Catalog::builtin().unwrap();
        let fresh = steps(c, TableGroup::Identity, None, &v("5.11.0"));
        assert_eq!(fresh.len(), 1);
        assert!(fresh[0].from.is_none());
        assert_eq!(fresh[0].to_string(), "identity 5.11.0");

        let up = steps(
            c,
            TableGroup::UserManagement,
            Some(&v("5.3.0")),
            &v("5.11.0"),
        );
        let names: Vec<String> = up.iter().map(ToString::to_string).collect();
        assert_eq!(
            names,
            [
                "user-management 5.4.0",
                "user-management 5.5.0",
                "user-management 5.9.0",
                "user-management 5.10.0",
                "user-management 5.11.0"
            ]
        );
        assert!(
            up.iter()
                .all(|s| s.from.is_some_and(|f| f.version < s.to.version))
        );

        assert!(steps(c, TableGroup::Bps, Some(&v("5.3.0")), &v("5.11.0")).is_empty());
        assert!(steps(c, TableGroup::Consent, None, &v("5.4.0")).is_empty());
        assert!(steps(c, TableGroup::Identity, Some(&v("5.11.0")), &v("5.4.0")).is_empty());
    }

    #[test]
    fn a_fresh_step_renders_what_render_writes_for_the_snapshot() {
        let c = Catalog::builtin().unwrap();
        for d in crate::dialect::all() {
            for s in steps(c, TableGroup::Identity, None, &v("5.11.0")) {
                let from_plan = s.statements(d, RenderOptions::default()).unwrap();
                let direct =
                    crate::render::statements(d, &s.to.schema(d), RenderOptions::default());
                assert_eq!(from_plan, direct, "{}", d.name());
            }
        }
    }
}
