//! Golden files for the dialects no server here can run (Oracle, Oracle RAC,
//! MS SQL, DB2): the metrics and user-management groups as each client gets
//! them. Every snapshot was read by a person before it was accepted.

use isdb::dialect;
use isdb::layout::TableGroup;
use isdb::model::catalog::Catalog;
use isdb::render::{self, RenderOptions, Script};

fn script(dialect: &str, group: TableGroup) -> String {
    let d = dialect::by_name(dialect).unwrap();
    let m = Catalog::builtin().unwrap().group(group).next().unwrap();
    let stmts = render::statements(d, &m.schema(d), RenderOptions::default());
    Script {
        dialect: d,
        header: vec![format!("{group} {} for {}", m.version, d.data().title)],
        statements: &stmts,
    }
    .to_string()
}

#[test]
fn oracle_metrics() {
    insta::assert_snapshot!(script("oracle", TableGroup::Metrics));
}

#[test]
fn oracle_rac_metrics() {
    insta::assert_snapshot!(script("oracle-rac", TableGroup::Metrics));
}

#[test]
fn mssql_metrics() {
    insta::assert_snapshot!(script("mssql", TableGroup::Metrics));
}

#[test]
fn db2_metrics() {
    insta::assert_snapshot!(script("db2", TableGroup::Metrics));
}

#[test]
fn oracle_user_management() {
    insta::assert_snapshot!(script("oracle", TableGroup::UserManagement));
}

#[test]
fn mssql_user_management() {
    insta::assert_snapshot!(script("mssql", TableGroup::UserManagement));
}

#[test]
fn db2_user_management() {
    insta::assert_snapshot!(script("db2", TableGroup::UserManagement));
}
