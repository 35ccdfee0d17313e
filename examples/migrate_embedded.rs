//! Migrate a split layout into SQLite files under a temporary directory with
//! the library API, then print the status and verify the result: what
//! `isdb migrate --layout split --url sqlite:<dir>` and `isdb verify` do.
//!
//! Run with `cargo run --example migrate_embedded`.

use isdb::layout::LayoutKind;
use isdb::migrate::{NoProgress, Plan, TargetArgs, resolve};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("isdb-example-{}", std::process::id()));
    let args = TargetArgs {
        layout: Some(LayoutKind::Split),
        url: Some(format!("sqlite:{}", dir.display())),
        ..TargetArgs::default()
    };
    let deployment = resolve(&args, &|key| std::env::var(key).ok())?;
    let plan = Plan::new(deployment);

    let report = plan.migrate(&NoProgress).await?;
    println!(
        "applied {} migrations in {}",
        report.applied(),
        dir.display()
    );

    for db in plan.status().await?.databases {
        let groups: Vec<String> = db
            .groups
            .iter()
            .map(|g| format!("{} {}", g.group, g.applied.join(",")))
            .collect();
        println!("{:<16} {}", db.database, groups.join("; "));
    }

    let verification = plan.verify().await?;
    println!(
        "verify: {}",
        if verification.failing(false) {
            "differences found"
        } else {
            "every database matches the model"
        }
    );
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
