//! Rendering benchmarks: every table group of the built-in catalog, for every
//! dialect, as statements and as the script `isdb render` writes.
//!
//! Run with `cargo bench --bench render`; results are in `docs/benchmarks.md`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use isdb::dialect;
use isdb::layout::{Layout, LayoutKind, TableGroup};
use isdb::model::catalog::{Catalog, Migration};
use isdb::render::{self, RenderOptions};

/// The built-in migration files, as `Catalog::builtin` reads them.
const MIGRATIONS: [(TableGroup, &str, &str); 5] = [
    (
        TableGroup::Registry,
        include_str!("../migrations/registry/5.3.0.toml"),
        include_str!("../migrations/registry/5.3.0.dialects.toml"),
    ),
    (
        TableGroup::UserManagement,
        include_str!("../migrations/user-management/5.3.0.toml"),
        include_str!("../migrations/user-management/5.3.0.dialects.toml"),
    ),
    (
        TableGroup::Identity,
        include_str!("../migrations/identity/5.3.0.toml"),
        include_str!("../migrations/identity/5.3.0.dialects.toml"),
    ),
    (
        TableGroup::Metrics,
        include_str!("../migrations/metrics/5.3.0.toml"),
        include_str!("../migrations/metrics/5.3.0.dialects.toml"),
    ),
    (
        TableGroup::Bps,
        include_str!("../migrations/bps/5.3.0.toml"),
        include_str!("../migrations/bps/5.3.0.dialects.toml"),
    ),
];

/// Parsing and checksumming the catalog: paid once by every isdb command
/// (`Catalog::builtin` caches it for the rest of the process).
/// `catalog_parse/toml_only` is one untyped TOML parse of every file: the
/// share of the parse that each extra pass over the text costs.
fn catalog_parse(c: &mut Criterion) {
    c.bench_function("catalog_parse/toml_only", |b| {
        b.iter(|| {
            for (_, neutral, dialects) in MIGRATIONS {
                black_box(toml::from_str::<toml::Table>(neutral).expect("toml"));
                black_box(toml::from_str::<toml::Table>(dialects).expect("toml"));
            }
        })
    });
    c.bench_function("catalog_parse/builtin", |b| {
        b.iter(|| {
            for (group, neutral, dialects) in MIGRATIONS {
                black_box(Migration::parse(group, "5.3.0", neutral, dialects).expect("migration"));
            }
        })
    });
}

/// Resolving each migration's neutral definition for a dialect, without SQL.
fn schema_resolution(c: &mut Criterion) {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let mut g = c.benchmark_group("schema");
    for d in dialect::all() {
        g.bench_function(d.name(), |b| {
            b.iter(|| {
                for group in TableGroup::ALL {
                    for m in catalog.group(group) {
                        black_box(m.schema(d));
                    }
                }
            })
        });
    }
    g.finish();
}

/// Resolution plus statements for every group: the work `isdb migrate` does
/// per database before it sends anything (idempotent where DDL is not
/// transactional, as the runner renders it).
fn statements(c: &mut Criterion) {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let mut g = c.benchmark_group("statements");
    for d in dialect::all() {
        let opts = RenderOptions {
            idempotent: !d.supports_transactional_ddl(),
            online: false,
        };
        g.bench_function(d.name(), |b| {
            b.iter(|| {
                for group in TableGroup::ALL {
                    for m in catalog.group(group) {
                        black_box(render::statements(d, &m.schema(d), opts));
                    }
                }
            })
        });
    }
    g.finish();
}

/// The whole merged-layout script text, as `isdb render` writes it (without the file write).
fn scripts(c: &mut Criterion) {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let layout = Layout::new(LayoutKind::Merged, 2, "").expect("merged layout");
    let mut g = c.benchmark_group("script_merged");
    for d in dialect::all() {
        g.bench_function(d.name(), |b| {
            b.iter(|| {
                for db in &layout.databases {
                    let _ = black_box(render::database_script(d, db, catalog));
                }
            })
        });
    }
    g.finish();
    c.bench_function("script_merged/all_dialects", |b| {
        b.iter(|| {
            for d in dialect::all() {
                for db in &layout.databases {
                    let _ = black_box(render::database_script(d, db, catalog));
                }
            }
        })
    });
}

criterion_group!(
    benches,
    catalog_parse,
    schema_resolution,
    statements,
    scripts
);
criterion_main!(benches);
