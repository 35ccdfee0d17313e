//! `isdb plan`'s output: per database, per step, what changes and what it
//! costs the writers; then the WSO2 migrators the operator must still run.

use std::io::Write;

use super::Format;
use crate::migrate::{PlanReport, StepReport};

/// Seconds as a report says them: "<1 s" below one second.
fn about(seconds: f64) -> String {
    if seconds < 1.0 {
        "<1 s".into()
    } else {
        format!("~{seconds:.0} s")
    }
}

fn print_step(out: &mut impl Write, s: &StepReport) {
    let from = match &s.from {
        Some(f) => format!("upgrade from {f}"),
        None => "fresh install".into(),
    };
    let resumes = if s.resumes {
        ", resumes a stopped run"
    } else {
        ""
    };
    let tables = s.tables();
    let _ = writeln!(
        out,
        "  {} ({from}{resumes}): {} change(s) to {} table(s), {} statement(s){}",
        s.step,
        s.changes.len(),
        tables.len(),
        s.statements,
        match s.longest_block() {
            b if b > 0.0 => format!("; writers wait up to {}", about(b)),
            _ => String::new(),
        }
    );
    for c in &s.changes {
        let rows = c.rows.map(|n| format!(", {n} rows")).unwrap_or_default();
        let cost = match c.seconds {
            Some(t) if c.impact != crate::plan::Impact::Instant => {
                format!(" [{}, {}{rows}]", c.impact.as_str(), about(t))
            }
            _ if c.impact != crate::plan::Impact::Instant => {
                format!(" [{}{rows}]", c.impact.as_str())
            }
            _ => String::new(),
        };
        let risks = if c.risks.is_empty() {
            String::new()
        } else {
            format!(" (data: {})", c.risks.join(", "))
        };
        let _ = writeln!(out, "    {}{cost}{risks}", c.change);
    }
    for d in &s.data_steps {
        let _ = writeln!(out, "    data step {}: {}", d.name, d.why.trim());
    }
}

/// Prints `report` as text or JSON.
pub(super) fn print(report: &PlanReport, format: Format) {
    let mut out = std::io::stdout().lock();
    if let Format::Json = format {
        let _ = writeln!(
            out,
            "{}",
            serde_json::to_string_pretty(report).unwrap_or_default()
        );
        return;
    }
    for d in &report.databases {
        let at = if d.from_release.is_empty() {
            "nothing installed".to_string()
        } else {
            format!("IS {}", d.from_release)
        };
        let _ = writeln!(
            out,
            "{} ({}): {at} -> IS {}",
            d.database, d.location, d.to_release
        );
        if let Some(e) = &d.error {
            let _ = writeln!(out, "  cannot plan: {e}");
            continue;
        }
        if d.steps.is_empty() {
            let _ = writeln!(out, "  nothing to do");
        }
        for s in &d.steps {
            print_step(&mut out, s);
        }
    }
    if !report.operator_migrators.is_empty() {
        let _ = writeln!(
            out,
            "\nAfter `isdb migrate`, run WSO2's migration client for what needs the server's keys, registry or files, with every SchemaMigrator removed from migration-config.yaml (isdb made the schema changes); see docs/upgrades.md:"
        );
        for m in &report.operator_migrators {
            let _ = writeln!(out, "  {} {}: {}", m.release, m.name, m.what);
        }
    }
}
