//! `isdb config` for the XML-configured releases, IS 5.3.0 to 5.8.0 (issue 13):
//! reviewed 5.8.0 trees, what each release's files reference, patching WSO2's
//! stock files of 5.3.0 and 5.8.0, and (live) the database behind each 5.3.0
//! datasource.
//!
//! Releases other than 5.3.0 go through the library: the command line's
//! `--is-version` accepts only the releases the schema catalog installs.

mod common;
#[path = "support/xml_tree.rs"]
mod xml_tree;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use isdb::Error;
use isdb::config::{self, ConfigRequest, Secret, Target, Targets};
use isdb::dialect;
use isdb::layout::{Layout, LayoutKind, TableGroup};
use isdb::model::catalog::{Catalog, Version};
use xml_tree::{Node, parse_xml, text_of_bytes, without};

const PASSWORD: &str = "p&w<d]]>\"q'\\é";
const XML_RELEASES: [&str; 6] = ["5.3.0", "5.4.0", "5.5.0", "5.6.0", "5.7.0", "5.8.0"];
const CONSENT: &str = "repository/conf/consent-mgt-config.xml";

fn request(dialect_name: &str, kind: LayoutKind, release: &str) -> ConfigRequest {
    let target = Target {
        host: Some("db.example.com".into()),
        port: None,
        database: None,
        user: "wso2".into(),
        password: Some(Secret::new(PASSWORD)),
        tls: Default::default(),
    };
    let layout = Layout::new(kind, 2, "").unwrap();
    let mut req = ConfigRequest::new(
        dialect::by_name(dialect_name).unwrap(),
        layout,
        Targets::uniform(target),
    );
    req.release = Version::parse(release).unwrap();
    req
}

fn files_of(plan: &config::ConfigPlan, node: u16) -> BTreeMap<String, String> {
    plan.files(node)
        .unwrap()
        .into_iter()
        .map(|f| (f.path.clone(), f.contents().to_string()))
        .collect()
}

fn has_consent(release: &str) -> bool {
    Version::parse(release).unwrap() >= Version::parse("5.5.0").unwrap()
}

// ---------------------------------------------------------------------------
// What a node's files say, read as Carbon reads them.

/// One `<datasource>` of a `*-datasources.xml` file.
#[derive(Debug, Clone)]
struct Ds {
    name: String,
    url: String,
    user: String,
    driver: String,
    /// The table groups its consumers read.
    serves: BTreeSet<TableGroup>,
}

/// Every datasource of one node by JNDI name, with what each serves; panics
/// unless every reference resolves to exactly one definition.
fn resolve(files: &BTreeMap<String, String>, node: u16, release: &str) -> BTreeMap<String, Ds> {
    let mut defs: BTreeMap<String, Vec<Ds>> = BTreeMap::new();
    for (path, text) in files {
        if !path.starts_with("repository/conf/datasources/") {
            continue;
        }
        for ds in parse_xml(text).path(&["datasources", "datasource"]) {
            let conf = &ds.path(&["definition", "configuration"])[0];
            let jndi = ds.child("jndiConfig").unwrap().text_of("name").unwrap();
            defs.entry(jndi).or_default().push(Ds {
                name: ds.text_of("name").unwrap(),
                url: conf.text_of("url").unwrap(),
                user: conf.text_of("username").unwrap(),
                driver: conf.text_of("driverClassName").unwrap(),
                serves: BTreeSet::new(),
            });
        }
    }
    let mut refs: Vec<(String, TableGroup, &str)> = Vec::new();
    let get = |p: &str| parse_xml(&files[p]);
    let um = get("repository/conf/user-mgt.xml");
    let prop = |n: &&&Node| n.attrs.get("name").map(String::as_str) == Some("dataSource");
    for p in um
        .path(&["Realm", "Configuration", "Property"])
        .iter()
        .filter(prop)
    {
        refs.push((p.text.trim().into(), TableGroup::UserManagement, "realm"));
    }
    if let Some(store) = um.path(&["Realm", "UserStoreManager"]).first() {
        for p in store.all("Property").iter().filter(prop) {
            refs.push((
                p.text.trim().into(),
                TableGroup::UserManagement,
                "user store",
            ));
        }
    }
    let identity = get("repository/conf/identity/identity.xml").path(&[
        "JDBCPersistenceManager",
        "DataSource",
        "Name",
    ])[0]
        .text
        .trim()
        .to_string();
    refs.push((identity.clone(), TableGroup::Identity, "identity.xml"));
    // UMA (5.6.0 on) has no file of its own: it persists through identity.xml's datasource.
    if Version::parse(release).unwrap() >= Version::parse("5.6.0").unwrap() {
        refs.push((identity.clone(), TableGroup::Uma, "identity.xml (UMA)"));
    }
    if has_consent(release) {
        let consent = get(CONSENT);
        assert_eq!(
            consent.attrs.get("xmlns").map(String::as_str),
            Some("http://wso2.org/carbon/consent/management")
        );
        let c = consent.path(&["DataSource", "Name"])[0]
            .text
            .trim()
            .to_string();
        // Consent (and, from 5.6.0, UMA through identity.xml) live with identity: decision 11.
        assert_eq!(
            c, identity,
            "node {node}: consent must be read where isdb creates it"
        );
        refs.push((c, TableGroup::Consent, "consent-mgt-config.xml"));
    } else {
        assert!(
            !files.contains_key(CONSENT),
            "{release} has no consent component"
        );
    }
    let registry = get("repository/conf/registry.xml");
    for c in registry.all("dbConfig") {
        refs.push((
            c.text_of("dataSource").unwrap(),
            TableGroup::Registry,
            "registry",
        ));
    }
    // The consumers isdb leaves as shipped: carbon-metrics' metrics.xml, bps.xml, humantask.xml.
    refs.push((
        "jdbc/WSO2MetricsDB".into(),
        TableGroup::Metrics,
        "metrics.xml",
    ));
    refs.push(("bpsds".into(), TableGroup::Bps, "bps.xml"));
    for (jndi, group, by) in refs {
        let list = defs
            .get_mut(&jndi)
            .unwrap_or_else(|| panic!("node {node}: {by} references {jndi}, never defined"));
        assert_eq!(
            list.len(),
            1,
            "node {node}: {jndi} defined {} times",
            list.len()
        );
        list[0].serves.insert(group);
    }
    defs.into_iter()
        .map(|(k, mut v)| (k, v.remove(0)))
        .collect()
}

/// The checks an operator would make on one node of a 2-node tree.
fn review(
    req: &ConfigRequest,
    files: &BTreeMap<String, String>,
    node: u16,
) -> BTreeMap<String, Ds> {
    let release = req.release.to_string();
    let ds = resolve(files, node, &release);
    // Every header names the release the files are for.
    for (path, text) in files.iter().filter(|(p, _)| p.ends_with(".xml")) {
        assert!(text.contains(&format!("(IS {release}, ")), "{path}");
    }
    // Node k's local registry is its own, and nothing shared reads it.
    let registry = parse_xml(&files["repository/conf/registry.xml"]);
    let db = |name: &str| {
        registry
            .all("dbConfig")
            .into_iter()
            .find(|c| c.attrs["name"] == name)
            .unwrap()
            .text_of("dataSource")
            .unwrap()
    };
    let (local, shared) = (db("wso2registry"), db("sharedregistry"));
    assert_eq!(local, "jdbc/WSO2CarbonDB");
    assert_eq!(ds[&local].name, format!("REGISTRY_LOCAL{node}"));
    assert_eq!(ds[&local].serves, BTreeSet::from([TableGroup::Registry]));
    match req.layout.kind {
        LayoutKind::Split => assert!(ds[&local].url.contains(&format!("registry_local{node}"))),
        LayoutKind::Merged => assert!(
            ds[&local]
                .url
                .starts_with("jdbc:h2:./repository/database/WSO2CARBON_DB"),
            "{}",
            ds[&local].url
        ),
    }
    assert_ne!(ds[&shared].url, ds[&local].url);
    for (jndi, d) in &ds {
        if jndi != &local {
            assert_ne!(
                d.url, ds[&local].url,
                "{jndi} shares node {node}'s local registry"
            );
            assert!(!d.serves.is_empty(), "{jndi} serves nothing");
        }
    }
    let served: BTreeSet<TableGroup> = ds.values().flat_map(|d| d.serves.clone()).collect();
    assert!(served.is_superset(&BTreeSet::from([
        TableGroup::Identity,
        TableGroup::Registry,
        TableGroup::UserManagement,
        TableGroup::Metrics,
        TableGroup::Bps,
    ])));
    assert_eq!(served.contains(&TableGroup::Consent), has_consent(&release));
    ds
}

// ---------------------------------------------------------------------------

#[test]
fn golden_xml_trees_for_5_8_0() {
    for d in ["postgres", "mysql"] {
        for kind in [LayoutKind::Merged, LayoutKind::Split] {
            let req = request(d, kind, "5.8.0");
            let plan = config::plan(&req).unwrap();
            for node in plan.nodes() {
                let mut out = String::new();
                for w in plan.warnings() {
                    out.push_str(&format!("warning: {w}\n"));
                }
                for f in plan.files(node).unwrap() {
                    let what = if f.complete { "complete" } else { "fragment" };
                    out.push_str(&format!(
                        "===== {} ({what}) =====\n{}",
                        f.path,
                        f.contents()
                    ));
                }
                review(&req, &files_of(&plan, node), node);
                insta::assert_snapshot!(format!("xml_5.8.0_{d}_{}_node{node}", kind.name()), out);
            }
        }
    }
}

#[test]
fn every_xml_release_holds_together_in_every_dialect() {
    for release in XML_RELEASES {
        for d in ["postgres", "mysql", "oracle", "mssql", "db2"] {
            for kind in [LayoutKind::Merged, LayoutKind::Split] {
                let req = request(d, kind, release);
                let plan = config::plan(&req).unwrap();
                for node in plan.nodes() {
                    let files = files_of(&plan, node);
                    assert_eq!(files.contains_key(CONSENT), has_consent(release));
                    review(&req, &files, node);
                }
            }
        }
    }
}

#[test]
fn releases_differ_only_where_the_facts_say() {
    let files = |release: &str| {
        files_of(
            &config::plan(&request("postgres", LayoutKind::Split, release)).unwrap(),
            1,
        )
    };
    let base = files("5.3.0");
    for release in &XML_RELEASES[1..] {
        let other = files(release);
        for (path, text) in &other {
            if path == CONSENT {
                continue;
            }
            assert_eq!(
                text.replace(&format!("IS {release},"), "IS 5.3.0,"),
                base[path],
                "{release} {path}"
            );
        }
    }
}

#[test]
fn a_release_without_xml_or_toml_generation_is_refused() {
    let mut req = request("postgres", LayoutKind::Split, "5.8.0");
    req.release = Version::parse("5.2.0").unwrap();
    match config::plan(&req) {
        Err(Error::Usage(m)) => {
            assert!(
                m.contains("not of IS 5.2.0")
                    && m.contains("5.3.0, 5.4.0, 5.5.0, 5.6.0, 5.7.0, 5.8.0"),
                "{m}"
            )
        }
        other => panic!("expected a usage error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------
// Patching WSO2's stock files (tests/fixtures/config/is-home-<release>-stock/SOURCE.md).

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else if p.file_name().unwrap() != "SOURCE.md" {
            fs::copy(&p, &dest).unwrap();
        }
    }
}

fn stock_home(release: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/fixtures/config/is-home-{release}-stock")),
        dir.path(),
    );
    dir
}

fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.insert(p.clone(), fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, &mut out);
    out
}

fn rel_text(t: &BTreeMap<PathBuf, Vec<u8>>, home: &Path, rel: &str) -> String {
    text_of_bytes(&t[&home.join(rel)])
}

/// What isdb may change in each stock file; everything else must keep its bytes.
fn edited(rel: &str) -> Box<dyn Fn(&Node) -> bool> {
    let named = |n: &Node, v: &str| n.attrs.get("name").map(String::as_str) == Some(v);
    match rel {
        r if r.starts_with("repository/conf/datasources/") => {
            Box::new(|n: &Node| n.name == "datasource")
        }
        "repository/conf/registry.xml" => Box::new(move |n: &Node| {
            named(n, "sharedregistry") || n.name == "remoteInstance" || n.name == "mount"
        }),
        "repository/conf/user-mgt.xml" => Box::new(move |n: &Node| {
            n.name == "UserStoreManager" || (n.name == "Property" && named(n, "dataSource"))
        }),
        "repository/conf/identity/identity.xml" => {
            Box::new(|n: &Node| n.name == "JDBCPersistenceManager")
        }
        CONSENT => Box::new(|n: &Node| n.name == "DataSource"),
        "repository/conf/identity/embedded-ldap.xml" => {
            Box::new(move |n: &Node| named(n, "enable"))
        }
        _ => Box::new(|_: &Node| false),
    }
}

fn patch_stock_home(release: &str) {
    let home = stock_home(release);
    let h = home.path();
    let before = tree(h);
    let req = request("postgres", LayoutKind::Split, release);
    let plan = config::plan(&req).unwrap();
    let report = plan.patch_is_home(h, 1, false).unwrap();
    assert!(report.written, "{release}");
    let after = tree(h);

    // Byte-identical outside the edited elements, file by file.
    let mut seen = 0;
    for path in before.keys() {
        let rel = path.strip_prefix(h).unwrap().to_string_lossy().into_owned();
        let (b, a) = (rel_text(&before, h, &rel), rel_text(&after, h, &rel));
        let cut = edited(&rel);
        let strip = |s: String| {
            s.replace(
                " xmlns:svns=\"http://org.wso2.securevault/configuration\"",
                "",
            )
        };
        assert_eq!(
            strip(without(&b, &*cut)),
            strip(without(&a, &*cut)),
            "{release} {rel}"
        );
        seen += 1;
    }
    assert_eq!(seen, if has_consent(release) { 10 } else { 9 }, "{release}");
    // Only the files with something to change were changed; the consumers that
    // already name isdb's JNDI names are left alone.
    for rel in ["repository/conf/metrics.xml", "repository/conf/bps.xml"] {
        assert_eq!(before[&h.join(rel)], after[&h.join(rel)], "{release} {rel}");
    }
    let created: BTreeSet<String> = report
        .created
        .iter()
        .map(|p| p.strip_prefix(h).unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        created,
        BTreeSet::from([
            "repository/conf/security/cipher-text.properties".to_string(),
            "repository/conf/security/cipher-tool.properties".to_string(),
        ])
    );

    // The patched home holds together as the generated tree does.
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for (p, bytes) in &after {
        let rel = p.strip_prefix(h).unwrap().to_string_lossy().into_owned();
        if rel.ends_with(".xml") && !rel.contains(".isdb-") {
            files.insert(rel, text_of_bytes(bytes));
        }
    }
    let ds = resolve(&files, 1, release);
    assert!(
        !ds.values().any(|d| d.name == "WSO2_CARBON_DB"),
        "the stock carbon datasource is replaced"
    );
    assert_eq!(ds["jdbc/WSO2CarbonDB"].name, "REGISTRY_LOCAL1");
    assert_eq!(ds["jdbc/WSO2MetricsDB"].driver, "org.postgresql.Driver");
    let um = parse_xml(&files["repository/conf/user-mgt.xml"]);
    let stores = um.path(&["Realm", "UserStoreManager"]);
    assert_eq!(stores.len(), 1);
    assert_eq!(
        stores[0].attrs["class"],
        "org.wso2.carbon.user.core.jdbc.JDBCUserStoreManager"
    );
    if has_consent(release) {
        let c = rel_text(&after, h, CONSENT);
        assert!(c.contains("<Name>jdbc/WSO2IDENTITYDB</Name>"), "{c}");
        assert!(c.contains("<PiiController>change-me</PiiController>"));
    }

    // Idempotent: a second run changes nothing, not even a backup.
    let second = plan.patch_is_home(h, 1, false).unwrap();
    assert!(
        second.changed.is_empty() && !second.written,
        "{release}: {}",
        second.diff
    );
    assert_eq!(after, tree(h));
}

#[test]
fn patching_the_stock_5_3_0_files_changes_only_the_db_elements_once() {
    patch_stock_home("5.3.0");
}

#[test]
fn patching_the_stock_5_8_0_files_changes_only_the_db_elements_once() {
    patch_stock_home("5.8.0");
}

#[test]
fn malformed_stock_files_are_refused_and_left_byte_identical() {
    for (release, rel, from, to) in [
        (
            "5.3.0",
            "repository/conf/registry.xml",
            "</dbConfig>",
            "</dbConfigX>",
        ),
        ("5.8.0", CONSENT, "</DataSource>", "</DataSourceX>"),
        (
            "5.8.0",
            "repository/conf/user-mgt.xml",
            "<Realm>",
            "<Realm x=>",
        ),
    ] {
        let home = stock_home(release);
        let file = home.path().join(rel);
        let text = fs::read_to_string(&file).unwrap();
        assert!(text.contains(from));
        fs::write(&file, text.replacen(from, to, 1)).unwrap();
        let before = tree(home.path());
        let plan = config::plan(&request("mysql", LayoutKind::Split, release)).unwrap();
        let err = plan
            .patch_is_home(home.path(), 2, false)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("{}:", file.display())),
            "{release} {rel}: {err}"
        );
        assert_eq!(before, tree(home.path()), "{release} {rel}");
    }
}

#[test]
fn a_5_8_0_home_without_its_consent_file_is_refused() {
    let home = stock_home("5.8.0");
    fs::remove_file(home.path().join(CONSENT)).unwrap();
    let before = tree(home.path());
    let plan = config::plan(&request("postgres", LayoutKind::Split, "5.8.0")).unwrap();
    let err = plan
        .patch_is_home(home.path(), 1, false)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("consent-mgt-config.xml is missing") && err.contains("IS 5.8.0 home"),
        "{err}"
    );
    assert_eq!(before, tree(home.path()));
}

// ---------------------------------------------------------------------------
// Live: the database behind each emitted datasource holds what it serves, for
// 5.3.0 and 5.8.0 (the first and last XML releases) installed by `isdb migrate
// --is-version`, consent (CM_*) and UMA through the identity datasource.

/// `jdbc:postgresql://h:p/db?…` → `postgres://user@h:p/db` (and MySQL alike).
fn isdb_url(jdbc: &str, user: &str) -> Option<String> {
    let (scheme, rest) = if let Some(r) = jdbc.strip_prefix("jdbc:postgresql://") {
        ("postgres", r)
    } else if let Some(r) = jdbc.strip_prefix("jdbc:mysql://") {
        ("mysql", r)
    } else if jdbc.starts_with("jdbc:h2:./repository/database/") {
        return None;
    } else {
        panic!("unexpected JDBC URL {jdbc}")
    };
    let rest = rest.split('?').next().unwrap();
    Some(format!("{scheme}://{user}@{rest}"))
}

async fn live(server: &common::Server, tag: &str, release: &str) {
    let version = Version::parse(release).unwrap();
    let prefix = common::unique_prefix(tag);
    let base = url::Url::parse(&server.url).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let catalog = Catalog::builtin().unwrap();
    let d = server.dialect();
    for kind in [LayoutKind::Merged, LayoutKind::Split] {
        let layout = Layout::new(kind, 2, &prefix).unwrap();
        let url = match kind {
            LayoutKind::Merged => server.db_url(&layout.databases[0].name),
            LayoutKind::Split => server.url.clone(),
        };
        let mut args = vec![
            "migrate",
            "--layout",
            kind.name(),
            "--url",
            &url,
            "--is-version",
            release,
        ];
        if kind == LayoutKind::Split {
            args.extend(["--db-prefix", &prefix]);
        }
        let (code, out, err) = common::run_isdb(dir.path(), &args, &[]);
        assert_eq!(code, 0, "{out}\n{err}");

        let target = Target {
            host: base.host_str().map(str::to_string),
            port: base.port(),
            database: None,
            user: base.username().to_string(),
            password: None,
            tls: Default::default(),
        };
        let mut req = ConfigRequest::new(d, layout.clone(), Targets::uniform(target));
        req.release = version.clone();
        req.empty_password = true;
        let plan = config::plan(&req).unwrap();
        let mut checked: BTreeMap<TableGroup, usize> = BTreeMap::new();
        let mut local_urls = BTreeSet::new();
        for node in plan.nodes() {
            for (jndi, ds) in review(&req, &files_of(&plan, node), node) {
                let Some(url) = isdb_url(&ds.url, &ds.user) else {
                    continue;
                };
                if jndi == "jdbc/WSO2CarbonDB" {
                    assert!(local_urls.insert(url.clone()), "two nodes share {url}");
                }
                let deployment = isdb::migrate::resolve(
                    &isdb::migrate::TargetArgs {
                        url: Some(url.clone()),
                        ..Default::default()
                    },
                    &|_| None,
                )
                .unwrap();
                let schema = isdb::migrate::inspect_database(&deployment.databases[0])
                    .await
                    .unwrap_or_else(|e| panic!("{} at {url}: {e}", ds.name));
                let have: BTreeSet<String> = schema
                    .tables
                    .iter()
                    .map(|t| t.name.to_ascii_uppercase())
                    .collect();
                for g in &ds.serves {
                    let want = catalog.up_to(*g, Some(&version)).last().unwrap().schema(d);
                    for t in &want.tables {
                        assert!(
                            have.contains(&t.name.to_ascii_uppercase()),
                            "{release} {} node {node}: {} ({url}) serves {g:?} but lacks {}",
                            kind.name(),
                            ds.name,
                            t.name
                        );
                    }
                    *checked.entry(*g).or_insert(0) += want.tables.len();
                }
            }
        }
        assert_eq!(
            checked.len(),
            catalog.release_groups(&version).len(),
            "{release}: every table group was checked: {checked:?}"
        );
        let locals = if kind == LayoutKind::Split { 2 } else { 0 };
        assert_eq!(local_urls.len(), locals, "{}", kind.name());
    }
    common::drop_databases(server, &prefix).await;
}

#[tokio::test]
async fn live_postgres_5_3_0_datasources_hold_the_tables_they_serve() {
    let Some(server) = common::postgres("xml_live_pg").await else {
        return;
    };
    live(&server, "xmlpg", "5.3.0").await;
}

#[tokio::test]
async fn live_mariadb_5_3_0_datasources_hold_the_tables_they_serve() {
    let Some(server) = common::mysql("xml_live_my").await else {
        return;
    };
    live(&server, "xmlmy", "5.3.0").await;
}

#[tokio::test]
async fn live_postgres_5_8_0_datasources_hold_the_tables_they_serve() {
    let Some(server) = common::postgres("xml_live_pg58").await else {
        return;
    };
    live(&server, "xmlpg58", "5.8.0").await;
}

#[tokio::test]
async fn live_mariadb_5_8_0_datasources_hold_the_tables_they_serve() {
    let Some(server) = common::mysql("xml_live_my58").await else {
        return;
    };
    live(&server, "xmlmy58", "5.8.0").await;
}
