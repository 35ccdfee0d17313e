//! `--is-version` and `isdb versions`: a release isdb has no schema for is
//! refused before anything is reached, so no command can pass against the
//! wrong release; a fresh database gets the newest release and says so.

mod common;

use std::collections::BTreeSet;

use isdb::model::catalog::Catalog;

fn newest() -> String {
    Catalog::builtin().unwrap().newest().unwrap().to_string()
}

/// The releases isdb knows, as its usage errors list them.
fn known() -> String {
    let catalog = Catalog::builtin().unwrap();
    let releases: Vec<String> = catalog.releases().iter().map(|r| r.to_string()).collect();
    releases.join(", ")
}

#[test]
fn verify_against_an_unknown_release_is_refused_never_clean() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = common::run_isdb(dir.path(), &["migrate", "--is-version", "5.3.0"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    // Releases isdb has no schema for: a usage error, never a verdict.
    for args in [
        ["verify", "--version", "5.2.0"],
        ["verify", "--is-version", "5.2.0"],
        ["verify", "--is-version", "5.4"],
        ["baseline", "--is-version", "9.9.9"],
    ] {
        let (code, out, err) = common::run_isdb(dir.path(), &args, &[]);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(!out.contains("clean"), "{args:?}: {out}");
        assert!(err.contains(&format!("are {} (", known())), "{err}");
    }
    // A known release other than the database's: compared with that release, so it differs.
    for args in [
        ["verify", "--is-version", "5.4.0"],
        ["verify", "--version", "5.4.0"],
        ["verify", "--is-version", &newest()],
    ] {
        let (code, out, err) = common::run_isdb(dir.path(), &args, &[]);
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        assert!(out.contains(": DIFFERS"), "{args:?}: {out}");
        assert!(!out.contains("clean"), "{args:?}: {out}");
        assert!(
            out.contains(&format!("user-management {}", args[2])),
            "{args:?}: {out}"
        );
    }
    for args in [&["verify", "--is-version", "5.3.0"][..], &["verify"][..]] {
        let (code, out, err) = common::run_isdb(dir.path(), args, &[]);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        assert!(out.contains(": clean"), "{args:?}: {out}");
    }
}

#[test]
fn an_unknown_release_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["migrate", "--is-version", "5.2.0"],
        vec!["migrate", "--dry-run", "--is-version", "5.12.0"],
        vec!["status", "--is-version", "5.4"],
        vec![
            "render",
            "--dialect",
            "sqlite",
            "--out",
            "out",
            "--is-version",
            "9.9.9",
        ],
    ] {
        let (code, out, err) = common::run_isdb(dir.path(), &args, &[]);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        let release = args.last().unwrap();
        assert!(
            err.contains(&format!("isdb knows no IS release `{release}`")),
            "{err}"
        );
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn an_unknown_release_creates_no_postgres_database() {
    let Some(server) = common::postgres("versions_pg").await else {
        return;
    };
    let prefix = common::unique_prefix("versions");
    let dir = tempfile::tempdir().unwrap();
    let url = server.db_url(&format!("{prefix}wso2is"));
    let (code, out, err) = common::run_isdb(
        dir.path(),
        &["migrate", "--url", &url, "--is-version", "5.2.0"],
        &[],
    );
    assert_eq!(code, 2, "{out}{err}");
    let created = server
        .query_i64(
            "postgres",
            &format!("SELECT COUNT(*) FROM pg_database WHERE datname LIKE '{prefix}%'"),
        )
        .await;
    assert_eq!(created, 0);
    let (code, out, err) = common::run_isdb(dir.path(), &["migrate", "--url", &url], &[]);
    common::drop_databases(&server, &prefix).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("IS release {}", newest())), "{out}");
}

#[test]
fn a_fresh_database_gets_the_newest_release_and_the_output_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = common::run_isdb(dir.path(), &["migrate", "--dry-run"], &[]);
    assert_eq!(code, 0);
    assert!(
        out.contains(&format!(": IS {}; create the database", newest())),
        "{out}"
    );
    let (code, out, err) = common::run_isdb(dir.path(), &["migrate"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains(&format!("; IS release {}", newest())), "{out}");
    let (code, out, _) = common::run_isdb(dir.path(), &["status"], &[]);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("reachable, IS {}", newest())),
        "{out}"
    );
    // is_version in isdb.toml is read like the flag.
    std::fs::write(dir.path().join("isdb.toml"), "is_version = \"5.3\"\n").unwrap();
    let (code, _, err) = common::run_isdb(dir.path(), &["status"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("isdb.toml (is_version)"), "{err}");
    std::fs::write(
        dir.path().join("isdb.toml"),
        format!("is_version = \"{}\"\n", newest()),
    )
    .unwrap();
    let (code, out, err) = common::run_isdb(dir.path(), &["verify"], &[]);
    assert_eq!(code, 0, "{out}{err}");
}

/// `isdb versions --format json` reports, per release and group, as many
/// tables as the group's snapshot defines in all dialects together.
#[test]
fn versions_counts_the_tables_of_each_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = common::run_isdb(dir.path(), &["versions", "--format", "json"], &[]);
    assert_eq!(code, 0, "{err}");
    let listed: serde_json::Value = serde_json::from_str(&out).unwrap();
    let catalog = Catalog::builtin().unwrap();
    let releases = listed.as_array().unwrap();
    assert_eq!(releases.len(), catalog.releases().len());
    for r in releases {
        let release = isdb::model::catalog::Version::parse(r["release"].as_str().unwrap()).unwrap();
        for g in r["groups"].as_array().unwrap() {
            let group: isdb::layout::TableGroup = g["group"].as_str().unwrap().parse().unwrap();
            let snapshot = catalog
                .up_to(group, Some(&release))
                .last()
                .copied()
                .unwrap();
            assert_eq!(g["snapshot"], snapshot.version.to_string());
            let names: BTreeSet<String> = isdb::dialect::all()
                .iter()
                .flat_map(|d| snapshot.schema(*d).tables.into_iter().map(|t| t.name))
                .collect();
            assert_eq!(g["tables"].as_u64(), Some(names.len() as u64), "{group}");
        }
    }
}
