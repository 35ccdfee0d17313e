//! `isdb plan`: what a `migrate` to a release would do to each database,
//! step by step, before it does it: the typed changes, the tables they
//! touch with their live row counts (from the engine's statistics), which
//! changes hold writers and for about how long, the data steps, and the WSO2
//! migrators the operator must still run. Read-only: nothing is created,
//! locked or changed.

use std::collections::BTreeMap;

use futures_util::StreamExt;
use sqlx::Row;

use super::runner::{self, Pending};
use super::session::within;
use super::target::DbConnection;
use super::{HistoryRow, Plan};
use crate::error::Error;
use crate::model::catalog::{Catalog, Version};
use crate::model::migrators::{self, Migrator};
use crate::plan::Impact;

/// One change of a step, as `isdb plan` reports it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChangeReport {
    /// The change, in words (`add column UM_USER.UM_USER_ID`).
    pub change: String,
    /// Its table, where it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// The table's estimated rows (engine statistics), where known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rows: Option<u64>,
    /// What it does to the table's writers.
    pub impact: Impact,
    /// About how long writers wait (blocking changes) or the build runs
    /// (online ones), in seconds, from the row count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// Why it may need work on the rows (see `plan::Risk`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub risks: Vec<&'static str>,
}

/// A data step of a release step.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DataStepReport {
    /// Its name.
    pub name: String,
    /// What it does and why.
    pub why: String,
}

/// One release step of one group.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepReport {
    /// `group version`.
    pub step: String,
    /// The snapshot it upgrades from; `None` for a fresh install of the group.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// Whether it resumes a half-applied run.
    pub resumes: bool,
    /// The changes, in order.
    pub changes: Vec<ChangeReport>,
    /// The data steps it runs between its expand and contract changes.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data_steps: Vec<DataStepReport>,
    /// How many statements it runs.
    pub statements: usize,
}

impl StepReport {
    /// The tables it touches, each once, in order.
    pub fn tables(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for t in self.changes.iter().filter_map(|c| c.table.as_deref()) {
            if !out.contains(&t) {
                out.push(t);
            }
        }
        out
    }

    /// The longest time it holds writers of one table, in seconds.
    pub fn longest_block(&self) -> f64 {
        self.changes
            .iter()
            .filter(|c| c.impact.blocks_writes())
            .filter_map(|c| c.seconds)
            .fold(0.0, f64::max)
    }
}

/// What a `migrate` would do to one database.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DatabasePlan {
    /// Physical database.
    pub database: String,
    /// Where it is (no password).
    pub location: String,
    /// The release it is at (empty: nothing installed, or it does not exist).
    pub from_release: String,
    /// The release the run would bring it to.
    pub to_release: String,
    /// The steps, in the order the run applies them.
    pub steps: Vec<StepReport>,
    /// Why it cannot be planned (unreachable, refused history, a downgrade).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What `isdb plan` reports.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PlanReport {
    /// Per database, in layout order.
    pub databases: Vec<DatabasePlan>,
    /// WSO2 migrators of the releases being upgraded through that isdb does
    /// not replace: the operator runs them with WSO2's migration client, its
    /// schema steps switched off (see docs/upgrades.md).
    pub operator_migrators: Vec<Migrator>,
}

impl PlanReport {
    /// Whether any database could not be planned.
    pub fn failed(&self) -> bool {
        self.databases.iter().any(|d| d.error.is_some())
    }
}

/// Estimated rows per upper-cased table name, from the engine's statistics.
async fn row_counts(conn: &DbConnection) -> Result<BTreeMap<String, u64>, Error> {
    let Some(sql) = conn.backend.engine().table_rows_sql() else {
        return Ok(BTreeMap::new());
    };
    let Some(mut db) = runner::open_existing(conn).await? else {
        return Ok(BTreeMap::new());
    };
    let rows = within(conn, conn.statement_timeout, async {
        sqlx::query(sql).fetch_all(&mut db).await.map_err(|e| {
            Error::db(
                format!("cannot read the table statistics of {}", conn.db.name),
                e,
            )
        })
    })
    .await;
    runner::close_bounded(conn, db).await;
    Ok(rows?
        .iter()
        .filter_map(|r| {
            let name: String = r.try_get(0).ok()?;
            let n: i64 = r.try_get(1).ok()?;
            Some((name.to_ascii_uppercase(), u64::try_from(n).unwrap_or(0)))
        })
        .collect())
}

fn step_report(conn: &DbConnection, p: &Pending<'_>, rows: &BTreeMap<String, u64>) -> StepReport {
    let dialect = conn.backend.dialect();
    let plan = p.step.plan(dialect);
    let changes = plan
        .changes
        .iter()
        .map(|c| {
            let table = c.table().map(str::to_string);
            let n = table
                .as_ref()
                .and_then(|t| rows.get(&t.to_ascii_uppercase()))
                .copied();
            let impact = plan.impact_of(c, dialect);
            ChangeReport {
                change: c.to_string(),
                seconds: n
                    .filter(|_| impact != Impact::Instant)
                    .map(|n| impact.seconds(n)),
                rows: n,
                table,
                impact,
                risks: plan.risks_of(c).iter().map(|r| r.as_str()).collect(),
            }
        })
        .collect();
    StepReport {
        step: p.step.to_string(),
        from: p.step.from.map(|f| f.version.to_string()),
        resumes: p.resume.is_some(),
        changes,
        data_steps: p
            .step
            .data_steps()
            .iter()
            .map(|d| DataStepReport {
                name: d.name.clone(),
                why: d.why.clone(),
            })
            .collect(),
        statements: p.statements.len(),
    }
}

async fn plan_database(
    plan: &Plan,
    catalog: &Catalog,
    conn: &DbConnection,
) -> (DatabasePlan, Option<(Version, Version)>) {
    let mut out = DatabasePlan {
        database: conn.db.name.clone(),
        location: conn.display(),
        from_release: String::new(),
        to_release: String::new(),
        steps: vec![],
        error: None,
    };
    let result = async {
        let rows: Vec<HistoryRow> = runner::read_history_for_run(conn, catalog)
            .await?
            .unwrap_or_default();
        let recorded = runner::recorded(conn, &rows);
        let from = catalog.release_of(&recorded).cloned();
        let to = runner::run_release(plan, catalog, conn, &rows);
        out.from_release = from.as_ref().map(ToString::to_string).unwrap_or_default();
        out.to_release = to.as_ref().map(ToString::to_string).unwrap_or_default();
        let pending = runner::pending(plan, catalog, conn, &rows)?;
        let counts = if pending.iter().any(|p| p.step.from.is_some()) {
            row_counts(conn).await?
        } else {
            BTreeMap::new()
        };
        out.steps = pending
            .iter()
            .map(|p| step_report(conn, p, &counts))
            .collect();
        Ok::<_, Error>(from.zip(to))
    }
    .await;
    match result {
        Ok(span) => (out, span),
        Err(e) => {
            out.error = Some(e.to_string());
            (out, None)
        }
    }
}

pub(super) async fn preview(plan: &Plan) -> Result<PlanReport, Error> {
    let catalog = Catalog::builtin()?;
    let planned: Vec<_> = futures_util::stream::iter(&plan.deployment.databases)
        .map(|conn| plan_database(plan, catalog, conn))
        .buffered(plan.parallelism)
        .collect()
        .await;
    let mut operator: Vec<Migrator> = Vec::new();
    for (_, span) in &planned {
        if let Some((from, to)) = span {
            for m in migrators::left_to_operator(from, to)? {
                if !operator
                    .iter()
                    .any(|x| x.release == m.release && x.name == m.name)
                {
                    operator.push(m.clone());
                }
            }
        }
    }
    operator.sort_by_key(|m| Version::parse(&m.release).ok());
    Ok(PlanReport {
        databases: planned.into_iter().map(|(d, _)| d).collect(),
        operator_migrators: operator,
    })
}
