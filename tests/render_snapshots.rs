//! Golden files for the dialects no server here can run (Oracle, Oracle RAC,
//! MS SQL, DB2): the metrics and user-management groups of 5.3.0, and
//! user-management, consent and uma of 5.11.0 with the 5.10.0 → 5.11.0
//! release step, as each client gets them. Every snapshot was read by a
//! person before it was accepted.

use isdb::dialect;
use isdb::layout::TableGroup;
use isdb::model::catalog::{Catalog, Version};
use isdb::render::{self, RenderOptions, Script};
use isdb::step::Step;

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

/// The fresh-install script of `group` as it stands at IS release `release`.
fn fresh(dialect: &str, group: TableGroup, release: &str) -> String {
    let d = dialect::by_name(dialect).unwrap();
    let release = Version::parse(release).unwrap();
    let m = Catalog::builtin()
        .unwrap()
        .snapshot(group, &release)
        .unwrap();
    let stmts = render::statements(d, &m.schema(d), RenderOptions::default());
    Script {
        dialect: d,
        header: vec![format!(
            "{group} {} (IS {release}) for {}",
            m.version,
            d.data().title
        )],
        statements: &stmts,
    }
    .to_string()
}

/// The upgrade script of the release step `from` → `to` of each group in
/// `groups`, one after another; a step the dialect cannot take is written as
/// the reason it gives, which is reviewed output as much as SQL is.
fn upgrade(dialect: &str, groups: &[TableGroup], from: &str, to: &str) -> String {
    let d = dialect::by_name(dialect).unwrap();
    let c = Catalog::builtin().unwrap();
    let (from, to) = (Version::parse(from).unwrap(), Version::parse(to).unwrap());
    let mut out = String::new();
    for &group in groups {
        let step = Step {
            to: c.migration(group, &to).unwrap(),
            from: Some(c.migration(group, &from).unwrap()),
        };
        let header = format!("{group} {from} -> {to} for {}", d.data().title);
        match step.statements(d, RenderOptions::default()) {
            Ok(stmts) => out.push_str(
                &Script {
                    dialect: d,
                    header: vec![header],
                    statements: &stmts,
                }
                .to_string(),
            ),
            Err(why) => out.push_str(&format!("-- {header}\n-- refused: {why}\n\n")),
        }
    }
    out
}

const RELEASE_STEP: [TableGroup; 2] = [TableGroup::UserManagement, TableGroup::Identity];

macro_rules! goldens_5_11_0 {
    ($($dialect:literal => $um:ident, $consent:ident, $uma:ident, $up:ident;)*) => {$(
        #[test]
        fn $um() {
            insta::assert_snapshot!(fresh($dialect, TableGroup::UserManagement, "5.11.0"));
        }

        #[test]
        fn $consent() {
            insta::assert_snapshot!(fresh($dialect, TableGroup::Consent, "5.11.0"));
        }

        #[test]
        fn $uma() {
            insta::assert_snapshot!(fresh($dialect, TableGroup::Uma, "5.11.0"));
        }

        #[test]
        fn $up() {
            insta::assert_snapshot!(upgrade($dialect, &RELEASE_STEP, "5.10.0", "5.11.0"));
        }
    )*};
}

goldens_5_11_0! {
    "oracle" => oracle_user_management_5_11_0, oracle_consent_5_11_0, oracle_uma_5_11_0,
        oracle_upgrade_5_10_0_to_5_11_0;
    "oracle-rac" => oracle_rac_user_management_5_11_0, oracle_rac_consent_5_11_0,
        oracle_rac_uma_5_11_0, oracle_rac_upgrade_5_10_0_to_5_11_0;
    "mssql" => mssql_user_management_5_11_0, mssql_consent_5_11_0, mssql_uma_5_11_0,
        mssql_upgrade_5_10_0_to_5_11_0;
    "db2" => db2_user_management_5_11_0, db2_consent_5_11_0, db2_uma_5_11_0,
        db2_upgrade_5_10_0_to_5_11_0;
}
