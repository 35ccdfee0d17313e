//! Diff benchmarks: the expected schema of a merged database (every group)
//! compared with itself, and with a copy drifted in many places, on the
//! dialects `isdb verify` inspects.
//!
//! Run with `cargo bench --bench diff`; results are in `docs/benchmarks.md`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use isdb::dialect::{self, Dialect, IdentityStyle};
use isdb::diff::diff;
use isdb::layout::TableGroup;
use isdb::model::catalog::Catalog;
use isdb::model::{ColumnType, Schema, Table};

/// Every group's newest schema for `dialect`, as one database holds them.
fn merged(dialect: &dyn Dialect) -> Schema {
    let catalog = Catalog::builtin().expect("built-in catalog");
    let mut s = Schema::default();
    for g in TableGroup::ALL {
        if let Some(m) = catalog.up_to(g, None).last() {
            let part = m.schema(dialect);
            s.tables.extend(part.tables);
        }
    }
    s
}

/// `s` as the database holds it after running the dialect's script: on SQLite
/// only a single-column integer primary key is generated, declared `INTEGER`
/// (see `isdb::diff`). Elsewhere the model is what the script creates.
fn as_created(dialect: &dyn Dialect, s: &Schema) -> Schema {
    let mut s = s.clone();
    if dialect.identity_style() != IdentityStyle::SqliteAutoincrement {
        return s;
    }
    for t in &mut s.tables {
        let rowid = match t.primary_key.as_slice() {
            [only] => Some(only.clone()),
            _ => None,
        };
        for c in &mut t.columns {
            if !c.identity {
                continue;
            }
            let is_rowid = rowid.as_deref() == Some(c.name.as_str())
                && matches!(
                    c.ty,
                    ColumnType::Integer | ColumnType::BigInt | ColumnType::SmallInt
                );
            if is_rowid {
                c.native = Some("INTEGER".into());
            } else {
                c.identity = false;
            }
        }
    }
    s
}

/// `s` with drift spread over its tables: changed types and nullability,
/// dropped columns, indexes and unique constraints, a missing and an extra table.
fn drifted(s: &Schema) -> Schema {
    let mut d = s.clone();
    for (i, t) in d.tables.iter_mut().enumerate() {
        if i % 3 == 0 {
            t.indexes.clear();
        }
        if i % 4 == 0 {
            t.unique.pop();
        }
        if i % 5 == 0
            && let Some(c) = t.columns.last_mut()
        {
            c.ty = ColumnType::Varchar(1);
            c.native = None;
            c.nullable = !c.nullable;
        }
        if i % 7 == 0 && t.columns.len() > 1 {
            t.columns.pop();
        }
    }
    d.tables.remove(d.tables.len() / 2);
    d.tables.push(Table {
        name: "NOT_IN_THE_MODEL".into(),
        ..s.tables[0].clone()
    });
    d
}

fn diffs(c: &mut Criterion) {
    for name in ["postgres", "mysql", "sqlite"] {
        let d = dialect::by_name(name).expect("built-in dialect");
        let expected = merged(d);
        let same = as_created(d, &expected);
        let other = drifted(&same);
        assert!(diff(d, &expected, &same).is_empty());
        let drift = diff(d, &expected, &other).len();
        assert!(drift > 0);
        eprintln!(
            "diff_merged/{name}: {} tables; the drifted copy has {drift} differences",
            expected.tables.len()
        );
        let mut g = c.benchmark_group(format!("diff_merged/{name}"));
        g.bench_function("itself", |b| {
            b.iter(|| black_box(diff(d, &expected, &same)))
        });
        g.bench_function("drifted", |b| {
            b.iter(|| black_box(diff(d, &expected, &other)))
        });
        g.finish();
    }
}

criterion_group!(benches, diffs);
criterion_main!(benches);
