//! Planning benchmarks: resolving a split layout from the command-line
//! settings, and rendering what every one of its databases would run.
//!
//! Run with `cargo bench --bench plan`; results are in `docs/benchmarks.md`.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use isdb::layout::LayoutKind;
use isdb::migrate::{Plan, TargetArgs, resolve};
use isdb::model::catalog::Catalog;
use isdb::render::{self, RenderOptions};

const NODES: [u16; 3] = [2, 8, 32];

fn args(url: &str, nodes: u16) -> TargetArgs {
    TargetArgs {
        layout: Some(LayoutKind::Split),
        url: Some(url.to_string()),
        nodes: Some(nodes),
        db_prefix: Some("bench_".into()),
        ..TargetArgs::default()
    }
}

fn no_env(_: &str) -> Option<String> {
    None
}

/// Flags → layout → one connection per physical database.
fn resolution(c: &mut Criterion) {
    let mut g = c.benchmark_group("resolve_split");
    for n in NODES {
        let a = args("postgres://postgres@127.0.0.1:5432/", n);
        g.bench_with_input(BenchmarkId::from_parameter(n), &a, |b, a| {
            b.iter(|| black_box(resolve(a, &no_env).expect("resolve")))
        });
    }
    g.finish();
}

/// Resolution plus the statements of every group of every database, as the
/// runner renders them for an empty database.
fn resolve_and_render(c: &mut Criterion) {
    let catalog = Catalog::builtin().expect("built-in catalog");
    for (engine, url) in [
        ("postgres", "postgres://postgres@127.0.0.1:5432/"),
        ("mysql", "mysql://root@127.0.0.1:3306/"),
    ] {
        let mut g = c.benchmark_group(format!("plan_split/{engine}"));
        for n in NODES {
            let a = args(url, n);
            g.bench_with_input(BenchmarkId::from_parameter(n), &a, |b, a| {
                b.iter(|| {
                    let d = resolve(a, &no_env).expect("resolve");
                    let dialect = d.backend.dialect();
                    let opts = RenderOptions {
                        idempotent: !dialect.supports_transactional_ddl(),
                        online: false,
                    };
                    let mut total = 0;
                    for conn in &d.databases {
                        for group in conn.db.groups() {
                            for m in catalog.up_to(group, None) {
                                total +=
                                    render::statements(dialect, &m.schema(dialect), opts).len();
                            }
                        }
                    }
                    black_box(total)
                })
            });
        }
        g.finish();
    }
}

/// `Plan::dry_run` on SQLite files that do not exist: the runner's own
/// planning path (history lookup, pending list, script text) without a server.
fn dry_run(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}/absent", dir.path().display());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let mut g = c.benchmark_group("dry_run_split/sqlite");
    for n in NODES {
        let plan = Plan::new(resolve(&args(&url, n), &no_env).expect("resolve"));
        g.bench_with_input(BenchmarkId::from_parameter(n), &plan, |b, plan| {
            b.iter(|| black_box(rt.block_on(plan.dry_run()).expect("dry run")))
        });
    }
    g.finish();
}

criterion_group!(benches, resolution, resolve_and_render, dry_run);
criterion_main!(benches);
