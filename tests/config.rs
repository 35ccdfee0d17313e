//! `isdb config` (issue 4): generated trees, IS_HOME patching and bad input.
//!
//! Every emitted or patched file is parsed back here with quick-xml (a small
//! tree reader of this file's own, not the library's index) and its
//! cross-references are checked; golden files hold the reviewed output.

#[path = "support/run.rs"]
mod run;
#[path = "support/xml_tree.rs"]
mod xml_tree;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use isdb::Error;
use isdb::config::{
    self, ConfigRequest, LocalRegistry, Secret, Target, Targets, UserStore, parse_node_host,
};
use isdb::dialect;
use isdb::layout::{Layout, LayoutKind, LogicalDb};
use xml_tree::{Node, parse_xml, text_of_bytes, without};

/// The fixture's datasource that belongs to the operator, not to isdb.
const FOREIGN_DATASOURCE: &str = "WSO2_DASHBOARD_DB";

/// A password with every character that can break XML or a properties file.
const PASSWORD: &str = "p&w<d]]>\"q'\\é";

// ---------------------------------------------------------------------------
// Requests.

fn supported() -> Vec<&'static str> {
    dialect::all()
        .into_iter()
        .map(|d| d.name())
        .filter(|n| *n != "sqlite")
        .collect()
}

fn request(dialect_name: &str, kind: LayoutKind, nodes: u16) -> ConfigRequest {
    let d = dialect::by_name(dialect_name).unwrap();
    let host = match dialect_name {
        "h2" => None,
        "oracle-rac" => Some("rac1.example.com,rac2.example.com".to_string()),
        _ => Some("db.example.com".to_string()),
    };
    let target = Target {
        host,
        port: None,
        database: None,
        user: "wso2".into(),
        password: Some(Secret::new(PASSWORD)),
        tls: Default::default(),
    };
    let layout = Layout::new(kind, nodes, "").unwrap();
    ConfigRequest::new(d, layout, Targets::uniform(target))
}

/// `request` with the LDAP user store: node 1's embedded LDAP, which the others reach.
fn ldap_request(dialect_name: &str, kind: LayoutKind, nodes: u16) -> ConfigRequest {
    let mut req = request(dialect_name, kind, nodes);
    req.user_store = UserStore::Ldap;
    req.node_hosts.insert(1, "is1.example.com".into());
    req
}

fn files_of(plan: &config::ConfigPlan, node: u16) -> BTreeMap<String, String> {
    plan.files(node)
        .unwrap()
        .into_iter()
        .map(|f| (f.path.clone(), f.contents().to_string()))
        .collect()
}

// ---------------------------------------------------------------------------
// The cross-reference checks of issue 4 point 7, on one node's files.

struct NodeView {
    /// JNDI name → datasource nodes defining it.
    defs: BTreeMap<String, Vec<Node>>,
    /// (JNDI name, who references it).
    refs: Vec<(String, String)>,
    registry: Node,
}

fn view(files: &BTreeMap<String, String>) -> NodeView {
    let mut defs: BTreeMap<String, Vec<Node>> = BTreeMap::new();
    let mut refs = Vec::new();
    for (path, text) in files {
        if path.starts_with("repository/conf/datasources/") && path.ends_with("-datasources.xml") {
            let root = parse_xml(text);
            for ds in root.path(&["datasources", "datasource"]) {
                let jndi = ds.child("jndiConfig").unwrap().text_of("name").unwrap();
                defs.entry(jndi).or_default().push(ds.clone());
            }
        }
    }
    let get = |p: &str| parse_xml(&files[p]);
    let user_mgt = get("repository/conf/user-mgt.xml");
    for p in user_mgt.path(&["Realm", "Configuration", "Property"]) {
        if p.attrs.get("name").map(String::as_str) == Some("dataSource") {
            refs.push((p.text.trim().to_string(), "realm".to_string()));
        }
    }
    if let Some(store) = user_mgt.path(&["Realm", "UserStoreManager"]).first() {
        for p in store.all("Property") {
            if p.attrs.get("name").map(String::as_str) == Some("dataSource") {
                refs.push((p.text.trim().to_string(), "user store".to_string()));
            }
        }
    }
    let identity = get("repository/conf/identity/identity.xml");
    for n in identity.path(&["JDBCPersistenceManager", "DataSource", "Name"]) {
        refs.push((n.text.trim().to_string(), "identity".to_string()));
    }
    let registry = get("repository/conf/registry.xml");
    for c in registry.all("dbConfig") {
        refs.push((
            c.text_of("dataSource").unwrap(),
            format!("dbConfig {}", c.attrs["name"]),
        ));
    }
    NodeView {
        defs,
        refs,
        registry,
    }
}

fn assert_holds_together(req: &ConfigRequest, node: u16, files: &BTreeMap<String, String>) {
    let v = view(files);
    for (jndi, by) in &v.refs {
        assert_eq!(
            v.defs.get(jndi).map(Vec::len),
            Some(1),
            "node {node}: {by} references {jndi}, which must be defined exactly once"
        );
    }
    // Node k's local registry is REGISTRY_LOCALk behind jdbc/WSO2CarbonDB.
    let local = v
        .registry
        .all("dbConfig")
        .into_iter()
        .find(|c| c.attrs["name"] == "wso2registry")
        .unwrap()
        .text_of("dataSource")
        .unwrap();
    assert_eq!(local, "jdbc/WSO2CarbonDB");
    let local_ds = &v.defs[&local][0];
    assert_eq!(
        local_ds.text_of("name").unwrap(),
        format!("REGISTRY_LOCAL{node}")
    );
    let local_url = local_ds.path(&["definition", "configuration", "url"])[0]
        .text
        .clone();
    if req.local_registry == LocalRegistry::H2 {
        assert!(
            local_url.starts_with("jdbc:h2:./repository/database/WSO2CARBON_DB"),
            "{local_url}"
        );
    } else if req.layout.kind == LayoutKind::Split {
        assert!(
            local_url.contains(&format!("registry_local{node}")),
            "{local_url}"
        );
    }
    // The shared registry: cacheId is exactly user@url of its datasource.
    let shared = v
        .registry
        .all("dbConfig")
        .into_iter()
        .find(|c| c.attrs["name"] == "sharedregistry")
        .unwrap()
        .text_of("dataSource")
        .unwrap();
    let shared_conf = &v.defs[&shared][0].path(&["definition", "configuration"])[0].clone();
    let remote = v.registry.child("remoteInstance").unwrap();
    assert_eq!(
        remote.text_of("cacheId").unwrap(),
        format!(
            "{}@{}",
            shared_conf.text_of("username").unwrap(),
            shared_conf.text_of("url").unwrap()
        )
    );
    assert_eq!(remote.text_of("dbConfig").unwrap(), "sharedregistry");
    assert_eq!(remote.text_of("readOnly").unwrap(), "false");
    let mounts = v.registry.all("mount");
    let paths: Vec<&str> = mounts.iter().map(|m| m.attrs["path"].as_str()).collect();
    assert_eq!(paths, ["/_system/config", "/_system/governance"]);
    for m in mounts {
        assert_eq!(m.attrs["overwrite"], "true");
        assert_eq!(m.text_of("instanceId"), remote.text_of("id"));
        assert_eq!(m.text_of("targetPath").unwrap(), m.attrs["path"]);
    }
    // Passwords: an alias per datasource, with matching cipher-tool/cipher-text lines.
    for (jndi, list) in &v.defs {
        let ds = &list[0];
        let name = ds.text_of("name").unwrap();
        if name == FOREIGN_DATASOURCE {
            continue;
        }
        let pw = &ds.path(&["definition", "configuration", "password"])[0];
        if req.plaintext_passwords {
            assert!(pw.attrs.is_empty(), "{jndi}");
            continue;
        }
        let alias = format!("Datasources.{name}.Configuration.Password");
        assert_eq!(pw.attrs.get("svns:secretAlias"), Some(&alias), "{jndi}");
        assert_eq!(pw.text, "password");
        let tool = &files["repository/conf/security/cipher-tool.properties"];
        assert!(
            tool.lines().any(|l| l.starts_with(&format!("{alias}="))
                && l.contains(&format!("datasource[name='{name}']"))),
            "{alias} missing in cipher-tool.properties"
        );
        let text = &files["repository/conf/security/cipher-text.properties"];
        assert!(
            text.lines().any(|l| l.starts_with(&format!("{alias}=["))),
            "{alias}"
        );
    }
}

// ---------------------------------------------------------------------------

#[test]
fn golden_files_for_every_dialect_layout_and_node() {
    for d in supported() {
        for kind in [LayoutKind::Merged, LayoutKind::Split] {
            let plan = config::plan(&request(d, kind, 2)).unwrap();
            for node in plan.nodes() {
                let mut out = String::new();
                for f in plan.files(node).unwrap() {
                    let what = if f.complete { "complete" } else { "fragment" };
                    out.push_str(&format!(
                        "===== {} ({what}) =====\n{}",
                        f.path,
                        f.contents()
                    ));
                }
                insta::assert_snapshot!(format!("golden_{d}_{}_node{node}", kind.name()), out);
            }
        }
    }
}

#[test]
fn emitted_files_parse_back_and_hold_together_in_every_variant() {
    for d in supported() {
        for kind in [LayoutKind::Merged, LayoutKind::Split] {
            for (store, local, plaintext) in [
                (UserStore::Ldap, LocalRegistry::Database, false),
                (UserStore::Jdbc, LocalRegistry::H2, true),
                (UserStore::Jdbc, LocalRegistry::Database, false),
            ] {
                if kind == LayoutKind::Merged && local == LocalRegistry::Database {
                    // Refused: the nodes would share one local registry.
                    continue;
                }
                let mut req = match store {
                    UserStore::Ldap => ldap_request(d, kind, 3),
                    UserStore::Jdbc => request(d, kind, 3),
                };
                req.local_registry = local;
                req.plaintext_passwords = plaintext;
                let plan = config::plan(&req).unwrap();
                for node in plan.nodes() {
                    assert_holds_together(&req, node, &files_of(&plan, node));
                }
            }
        }
    }
}

#[test]
fn jdbc_settings_follow_the_facts_per_dialect() {
    let raw = |d: &str| {
        files_of(&config::plan(&request(d, LayoutKind::Split, 2)).unwrap(), 1)
        ["repository/conf/datasources/master-datasources.xml"]
        .clone()
    };
    let my = raw("mysql");
    assert!(my.contains("<url>jdbc:mysql://db.example.com:3306/identity_db?autoReconnect=true&amp;useSSL=false</url>"));
    assert!(my.contains("<driverClassName>com.mysql.jdbc.Driver</driverClassName>"));
    let pg = raw("postgres");
    assert!(pg.contains("<validationQuery>SELECT 1; COMMIT</validationQuery>"));
    assert!(pg.contains("<defaultAutoCommit>false</defaultAutoCommit>"));
    assert!(!pg.contains("<defaultAutoCommit>true</defaultAutoCommit>"));
    assert!(raw("oracle").contains("<validationQuery>SELECT 1 FROM DUAL</validationQuery>"));
    assert!(raw("oracle").contains("jdbc:oracle:thin:@db.example.com:1521/identity_db"));
    assert!(
        raw("mssql")
            .contains(";databaseName=identity_db;SendStringParametersAsUnicode=false</url>")
    );
    assert!(
        raw("db2").contains("<validationQuery>SELECT 1 FROM sysibm.sysdummy1</validationQuery>")
    );
    assert!(raw("db2").contains("<maxWait>360000</maxWait>"));
    assert!(raw("h2").contains("<url>jdbc:h2:./repository/database/identity_db;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=60000</url>"));
    assert!(raw("oracle-rac").contains("(HOST=rac2.example.com)(PORT=1521)"));
}

#[test]
fn passwords_with_xml_and_properties_specials_round_trip() {
    let mut req = request("postgres", LayoutKind::Split, 2);
    req.plaintext_passwords = true;
    let files = files_of(&config::plan(&req).unwrap(), 1);
    let master = &files["repository/conf/datasources/master-datasources.xml"];
    assert!(
        !master.contains("]]>\""),
        "raw password leaked into the XML"
    );
    let root = parse_xml(master);
    for ds in root.path(&["datasources", "datasource"]) {
        let pw = ds.path(&["definition", "configuration", "password"])[0]
            .text
            .clone();
        assert_eq!(pw, PASSWORD);
    }
    assert!(!files.contains_key("repository/conf/security/cipher-text.properties"));

    let files = files_of(
        &config::plan(&request("postgres", LayoutKind::Split, 2)).unwrap(),
        1,
    );
    let text = &files["repository/conf/security/cipher-text.properties"];
    assert!(!text.contains(PASSWORD));
    assert!(
        text.contains(
            "Datasources.WSO2_IDENTITY_DB.Configuration.Password=[p&w<d]]>\"q'\\\\\\u00E9]"
        )
    );
    assert!(!files["repository/conf/datasources/master-datasources.xml"].contains("p&w"));
}

#[test]
fn ldap_user_store_points_the_other_nodes_at_node_one() {
    let plan = config::plan(&ldap_request("mysql", LayoutKind::Split, 2)).unwrap();
    let one = files_of(&plan, 1);
    let two = files_of(&plan, 2);
    let ldap = |f: &BTreeMap<String, String>| {
        parse_xml(&f["repository/conf/identity/embedded-ldap.xml"])
            .path(&["EmbeddedLDAP", "Property"])[0]
            .text
            .clone()
    };
    assert_eq!(ldap(&one), "true");
    assert_eq!(ldap(&two), "false");
    let um = parse_xml(&two["repository/conf/user-mgt.xml"]);
    let url = um.path(&["Realm", "UserStoreManager", "Property"])[0].clone();
    assert_eq!(url.attrs["name"], "ConnectionURL");
    assert_eq!(url.text, "ldap://is1.example.com:10389");
    assert!(
        parse_xml(&one["repository/conf/user-mgt.xml"])
            .path(&["Realm", "UserStoreManager"])
            .is_empty()
    );
    // No WSO2_USER_DB datasource without a JDBC user store.
    assert!(!one["repository/conf/datasources/master-datasources.xml"].contains("WSO2_USER_DB"));
}

#[test]
fn jdbc_user_store_uses_wso2_user_db_and_disables_embedded_ldap_everywhere() {
    let req = request("mysql", LayoutKind::Split, 2);
    assert_eq!(req.user_store, UserStore::Jdbc, "the default");
    let plan = config::plan(&req).unwrap();
    for node in [1, 2] {
        let f = files_of(&plan, node);
        let ldap = parse_xml(&f["repository/conf/identity/embedded-ldap.xml"]);
        assert_eq!(ldap.path(&["EmbeddedLDAP", "Property"])[0].text, "false");
        let um = parse_xml(&f["repository/conf/user-mgt.xml"]);
        let store = um.path(&["Realm", "UserStoreManager"])[0].clone();
        assert_eq!(
            store.attrs["class"],
            "org.wso2.carbon.user.core.jdbc.JDBCUserStoreManager"
        );
        let ds = store
            .all("Property")
            .into_iter()
            .find(|p| p.attrs["name"] == "dataSource")
            .unwrap()
            .text
            .clone();
        assert_eq!(ds, "jdbc/WSO2UserDB");
        assert!(
            f["repository/conf/datasources/master-datasources.xml"]
                .contains("<name>WSO2_USER_DB</name>")
        );
    }
}

/// Issue 10 point 6: the merged layout gives each node its own local registry
/// (embedded H2) by default, and a request that would share one is refused.
#[test]
fn merged_layouts_keep_local_registries_per_node_and_sharing_is_refused() {
    let req = request("postgres", LayoutKind::Merged, 2);
    assert_eq!(req.local_registry, LocalRegistry::H2, "the merged default");
    let plan = config::plan(&req).unwrap();
    assert!(plan.warnings().is_empty(), "{:?}", plan.warnings());
    for node in [1, 2] {
        let local = plan
            .datasources(node)
            .unwrap()
            .iter()
            .find(|d| d.logical == LogicalDb::RegistryLocal(node))
            .unwrap()
            .url
            .clone();
        assert!(
            local.starts_with("jdbc:h2:./repository/database/"),
            "{local}"
        );
    }

    let mut req = request("postgres", LayoutKind::Merged, 2);
    req.local_registry = LocalRegistry::Database;
    let err = config::plan(&req).unwrap_err().to_string();
    assert!(
        err.contains("are the same database (wso2is)") && err.contains("--local-registry h2"),
        "{err}"
    );

    let mut mapping = BTreeMap::new();
    mapping.insert(LogicalDb::RegistryLocal(1), "locals".to_string());
    mapping.insert(LogicalDb::RegistryLocal(2), "locals".to_string());
    let layout = Layout::with_mapping(LayoutKind::Split, 2, "", &mapping).unwrap();
    assert_eq!(LocalRegistry::for_layout(&layout), LocalRegistry::H2);
    let mut req = request("postgres", LayoutKind::Split, 2);
    req.layout = layout;
    req.local_registry = LocalRegistry::Database;
    let err = config::plan(&req).unwrap_err().to_string();
    assert!(err.contains("REGISTRY_LOCAL1 and REGISTRY_LOCAL2"), "{err}");
    assert_eq!(
        request("postgres", LayoutKind::Split, 2).local_registry,
        LocalRegistry::Database
    );
}

#[test]
fn bad_input_is_refused_before_anything_is_written() {
    let usage = |r: Result<config::ConfigPlan, Error>| match r {
        Err(Error::Usage(m)) => m,
        other => panic!("expected a usage error, got {other:?}"),
    };
    let mut req = ldap_request("postgres", LayoutKind::Split, 2);
    req.node_hosts.insert(3, "is3".into());
    assert!(usage(config::plan(&req)).contains("node 3"));

    for bad in [
        "not a host",
        "-x",
        "a..b",
        "is1:9443",
        "a/b",
        "1.2.3",
        "is1;rm",
    ] {
        let mut req = ldap_request("postgres", LayoutKind::Split, 2);
        req.node_hosts.insert(1, bad.into());
        usage(config::plan(&req));
        assert!(parse_node_host(&format!("1={bad}")).is_err(), "{bad}");
    }
    assert!(parse_node_host("one=is1").is_err());

    let mut req = ldap_request("postgres", LayoutKind::Split, 2);
    req.node_hosts.clear();
    assert!(usage(config::plan(&req)).contains("--node-host 1="));

    let mut req = request("postgres", LayoutKind::Split, 2);
    req.targets.default.host = None;
    assert!(usage(config::plan(&req)).contains("no host"));

    let mut req = request("postgres", LayoutKind::Split, 2);
    req.targets.default.password = Some(Secret::new("line\nbreak"));
    let msg = usage(config::plan(&req));
    assert!(
        msg.contains("control character") && !msg.contains("line"),
        "{msg}"
    );

    let mut req = request("postgres", LayoutKind::Split, 2);
    req.targets.default.database = Some("x;y".into());
    usage(config::plan(&req));

    let mut req = request("postgres", LayoutKind::Split, 2);
    req.targets.default.host = Some("a.example.com,b.example.com".into());
    usage(config::plan(&req));

    let mut req = request("postgres", LayoutKind::Split, 2);
    req.names
        .set(LogicalDb::MetricsDb, None, Some("jdbc/WSO2UMDB"))
        .unwrap();
    assert!(usage(config::plan(&req)).contains("exactly once"));

    let req = request("sqlite", LayoutKind::Split, 2);
    assert!(matches!(config::plan(&req), Err(Error::Unsupported(_))));

    let plan = config::plan(&request("postgres", LayoutKind::Split, 2)).unwrap();
    assert!(plan.files(3).is_err());
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        plan.patch_is_home(dir.path(), 7, false),
        Err(Error::Usage(_))
    ));
    // Not an IS home.
    assert!(matches!(
        plan.patch_is_home(dir.path(), 1, false),
        Err(Error::Usage(_))
    ));
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn write_tree_mirrors_is_home_with_private_files() {
    let plan = config::plan(&request("postgres", LayoutKind::Split, 2)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let report = plan.write_tree(&out, false).unwrap();
    for node in [1, 2] {
        for f in ["master", "metrics", "bps"] {
            let p = out.join(format!(
                "node{node}/repository/conf/datasources/{f}-datasources.xml"
            ));
            assert!(report.files.contains(&p), "{}", p.display());
            assert_eq!(mode(&p), 0o600);
        }
        for f in [
            "repository/conf/registry.xml",
            "repository/conf/user-mgt.xml",
            "repository/conf/identity/identity.xml",
            "repository/conf/identity/embedded-ldap.xml",
            "repository/conf/security/cipher-tool.properties",
            "repository/conf/security/cipher-text.properties",
        ] {
            let p = out.join(format!("fragments/node{node}/{f}"));
            assert_eq!(mode(&p), 0o600, "{}", p.display());
            // Fragments never sit where `cp -r node<k>/.` would install them over a real file.
            assert!(!out.join(format!("node{node}/{f}")).exists());
        }
    }
    assert_eq!(report.files.len(), 2 * 9);
    // No temporary files are left behind.
    let leftovers: Vec<_> = walk(&out)
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    let err = plan.write_tree(&out, false).unwrap_err().to_string();
    assert!(err.contains("not empty"), "{err}");
    plan.write_tree(&out, true).unwrap();

    // An output path below a regular file cannot be written.
    let file = dir.path().join("a-file");
    fs::write(&file, "x").unwrap();
    match plan.write_tree(&file.join("out"), false) {
        Err(Error::Io { path, .. }) => assert!(path.starts_with(&file)),
        other => panic!("expected an I/O error, got {other:?}"),
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            fs::copy(&p, &dest).unwrap();
        }
    }
}

fn fixture_home() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config/is-home"),
        dir.path(),
    );
    dir
}

fn snapshot_tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walk(dir)
        .into_iter()
        .map(|p| (p.clone(), fs::read(&p).unwrap()))
        .collect()
}

fn read_rel(home: &Path, rel: &str) -> String {
    text_of_bytes(&fs::read(home.join(rel)).unwrap())
}

const FILES: [&str; 12] = [
    "repository/conf/datasources/master-datasources.xml",
    "repository/conf/datasources/metrics-datasources.xml",
    "repository/conf/datasources/bps-datasources.xml",
    "repository/conf/registry.xml",
    "repository/conf/user-mgt.xml",
    "repository/conf/identity/identity.xml",
    "repository/conf/identity/embedded-ldap.xml",
    "repository/conf/metrics.xml",
    "repository/conf/bps.xml",
    "repository/conf/humantask.xml",
    "repository/conf/security/cipher-tool.properties",
    "repository/conf/security/cipher-text.properties",
];

fn is_ours_or_carbon(n: &Node) -> bool {
    n.name == "datasource" && n.text_of("name").as_deref() != Some(FOREIGN_DATASOURCE)
}

#[test]
fn patch_changes_only_the_db_elements_byte_for_byte() {
    let home = fixture_home();
    let before: BTreeMap<&str, String> = FILES
        .iter()
        .map(|f| (*f, read_rel(home.path(), f)))
        .collect();
    let req = ldap_request("postgres", LayoutKind::Split, 2);
    let plan = config::plan(&req).unwrap();
    let modes: BTreeMap<&str, u32> = FILES
        .iter()
        .map(|f| (*f, mode(&home.path().join(f))))
        .collect();
    let report = plan.patch_is_home(home.path(), 2, false).unwrap();
    assert!(report.written);
    let after: BTreeMap<&str, String> = FILES
        .iter()
        .map(|f| (*f, read_rel(home.path(), f)))
        .collect();

    // Elsewhere than in the intended elements, every byte is as it was.
    let same = |file: &str, cut: &dyn Fn(&Node) -> bool| {
        assert_eq!(
            without(&before[file], cut),
            without(&after[file], cut),
            "{file}"
        );
    };
    same(FILES[0], &is_ours_or_carbon);
    same(FILES[1], &|n| n.name == "datasource");
    let bps_before = without(&before[FILES[2]], &|n| n.name == "datasource");
    let bps_after = without(&after[FILES[2]], &|n| n.name == "datasource").replace(
        " xmlns:svns=\"http://org.wso2.securevault/configuration\"",
        "",
    );
    assert_eq!(bps_before, bps_after);
    same(FILES[3], &|n| {
        n.attrs.get("name").map(String::as_str) == Some("sharedregistry")
            || n.name == "remoteInstance"
            || n.name == "mount"
    });
    same(FILES[4], &|n| {
        n.name == "Property"
            && matches!(
                n.attrs.get("name").map(String::as_str),
                Some("dataSource" | "ConnectionURL")
            )
    });
    same(FILES[5], &|n| n.name == "Name");
    same(FILES[6], &|n| {
        n.attrs.get("name").map(String::as_str) == Some("enable")
    });
    for f in &FILES[7..10] {
        assert_eq!(
            before[f], after[f],
            "{f} names stock JNDI names and must not change"
        );
    }
    let lines_without = |text: &str, drop: &dyn Fn(&str) -> bool| -> Vec<String> {
        text.lines()
            .filter(|l| !drop(l))
            .map(str::to_string)
            .collect()
    };
    let ours =
        |l: &str| l.starts_with("Datasources.") && !l.starts_with("Datasources.WSO2_CARBON_DB.");
    for f in &FILES[10..12] {
        assert_eq!(
            lines_without(&before[f], &|l| l
                .starts_with("Datasources.WSO2_CARBON_DB.")),
            lines_without(&after[f], &ours),
            "{f}"
        );
    }
    // The Latin-1 byte, CDATA, comments and the svns prefix are still there.
    assert!(
        fs::read(home.path().join(FILES[3]))
            .unwrap()
            .windows(7)
            .any(|w| w == b" \xa9 WSO2")
    );
    assert!(after[FILES[0]].contains("<![CDATA[Dashboard & gadgets <kept as CDATA>]]>"));
    assert!(after[FILES[0]].contains("<!-- An operator's own datasource"));
    assert!(after[FILES[4]].contains("<![CDATA[[a-zA-Z0-9._\\-|//]{3,30}$]]>"));
    assert!(after[FILES[5]].contains("<![CDATA[http://wso2.org/claims/givenname & more]]>"));

    // And the intended elements say what the plan says.
    let mut files: BTreeMap<String, String> = FILES
        .iter()
        .map(|f| (f.to_string(), after[f].clone()))
        .collect();
    files.retain(|k, _| {
        !k.ends_with("metrics.xml") && !k.ends_with("bps.xml") && !k.ends_with("humantask.xml")
    });
    assert_holds_together(&req, 2, &files);
    assert!(
        after[FILES[4]]
            .contains("<Property name=\"ConnectionURL\">ldap://is1.example.com:10389</Property>")
    );
    assert!(after[FILES[6]].contains("<Property name=\"enable\">false</Property>"));
    assert!(after[FILES[0]].contains("<name>WSO2_DASHBOARD_DB</name>"));
    assert!(!after[FILES[0]].contains("WSO2_CARBON_DB"));
    assert!(after[FILES[10]].contains("Carbon.Security.KeyStore.Password="));

    // A backup of each changed file, next to it, private, never named like a datasource file.
    assert_eq!(report.backups.len(), report.changed.len());
    for b in &report.backups {
        let name = b.file_name().unwrap().to_string_lossy().into_owned();
        assert!(name.contains(".isdb-") && name.ends_with(".bak"), "{name}");
        assert!(!name.ends_with("-datasources.xml"));
        assert_eq!(mode(b), 0o600);
        let original = b
            .to_string_lossy()
            .split(".isdb-")
            .next()
            .unwrap()
            .to_string();
        let rel = original
            .strip_prefix(&format!("{}/", home.path().display()))
            .unwrap()
            .to_string();
        assert_eq!(text_of_bytes(&fs::read(b).unwrap()), before[rel.as_str()]);
    }
    // Each file keeps its mode; the one holding secrets is private.
    for f in FILES {
        let want = if f.ends_with("cipher-text.properties") {
            0o600
        } else {
            modes[f]
        };
        assert_eq!(mode(&home.path().join(f)), want, "{f}");
    }
}

#[test]
fn patching_twice_changes_nothing_the_second_time() {
    for store in [UserStore::Ldap, UserStore::Jdbc] {
        let home = fixture_home();
        let mut req = match store {
            UserStore::Ldap => ldap_request("mysql", LayoutKind::Merged, 2),
            UserStore::Jdbc => request("mysql", LayoutKind::Merged, 2),
        };
        req.local_registry = LocalRegistry::H2;
        let plan = config::plan(&req).unwrap();
        for node in [1, 2] {
            let first = plan.patch_is_home(home.path(), node, false).unwrap();
            assert!(!first.changed.is_empty());
            let tree = snapshot_tree(home.path());
            let second = plan.patch_is_home(home.path(), node, false).unwrap();
            assert!(
                second.changed.is_empty(),
                "{store:?} node {node}: {:?}\n{}",
                second.changed,
                second.diff
            );
            assert!(second.backups.is_empty() && !second.written);
            assert_eq!(tree, snapshot_tree(home.path()));
            // Leave a fresh home for the next node.
            for b in first.backups {
                let original = PathBuf::from(b.to_string_lossy().split(".isdb-").next().unwrap());
                fs::rename(&b, original).unwrap();
            }
        }
    }
}

#[test]
fn jdbc_store_replaces_the_ldap_primary_store_when_patching() {
    let home = fixture_home();
    let mut req = request("postgres", LayoutKind::Split, 2);
    req.user_store = UserStore::Jdbc;
    let plan = config::plan(&req).unwrap();
    plan.patch_is_home(home.path(), 1, false).unwrap();
    let um = read_rel(home.path(), "repository/conf/user-mgt.xml");
    let root = parse_xml(&um);
    let stores = root.path(&["Realm", "UserStoreManager"]);
    assert_eq!(stores.len(), 1);
    assert_eq!(
        stores[0].attrs["class"],
        "org.wso2.carbon.user.core.jdbc.JDBCUserStoreManager"
    );
    assert!(
        um.contains("<AuthorizationManager"),
        "the rest of the realm stays"
    );
    assert!(um.contains("<!-- The kernel's JDBC store, commented out by the IS build:"));
    assert!(
        read_rel(home.path(), "repository/conf/identity/embedded-ldap.xml")
            .contains("<Property name=\"enable\">false</Property>")
    );
}

#[test]
fn diff_only_shows_the_change_and_writes_nothing() {
    let home = fixture_home();
    let tree = snapshot_tree(home.path());
    let mut req = request("postgres", LayoutKind::Split, 2);
    req.plaintext_passwords = true;
    let plan = config::plan(&req).unwrap();
    let report = plan.patch_is_home(home.path(), 2, true).unwrap();
    assert!(!report.written && report.backups.is_empty());
    assert_eq!(tree, snapshot_tree(home.path()));
    assert!(
        report
            .diff
            .contains("--- a/repository/conf/identity/identity.xml")
    );
    assert!(
        report
            .diff
            .contains("+            <Name>jdbc/WSO2IDENTITYDB</Name>")
    );
    assert!(report.diff.contains("<password>***</password>"));
    assert!(!report.diff.contains("p&amp;w") && !report.diff.contains(PASSWORD));
    // The dashboard's own plaintext password is hidden too.
    assert!(!report.diff.contains("<password>wso2carbon</password>"));
}

/// Issue 9 point 4, plaintext mode: the diff marks a changed or blanked password
/// in the XML without its value, and no password at all is refused.
#[test]
fn plaintext_passwords_are_marked_in_the_diff_and_never_assumed_empty() {
    let home = fixture_home();
    let mut req = request("postgres", LayoutKind::Split, 2);
    req.plaintext_passwords = true;
    config::plan(&req)
        .unwrap()
        .patch_is_home(home.path(), 1, false)
        .unwrap();
    req.targets.default.password = Some(Secret::new("another"));
    let diff = config::plan(&req)
        .unwrap()
        .patch_is_home(home.path(), 1, true)
        .unwrap()
        .diff;
    assert!(
        diff.contains("+                    <password>*** (changed)</password>"),
        "{diff}"
    );
    assert!(
        !diff.contains("another") && !diff.contains("p&amp;w"),
        "{diff}"
    );

    req.targets.default.password = None;
    let err = config::plan(&req).unwrap_err().to_string();
    assert!(
        err.contains("no password for") && err.contains("--empty-password"),
        "{err}"
    );
    req.empty_password = true;
    let diff = config::plan(&req)
        .unwrap()
        .patch_is_home(home.path(), 1, true)
        .unwrap()
        .diff;
    assert!(
        diff.contains("+                    <password>*** (blanked)</password>"),
        "{diff}"
    );
}

#[test]
fn malformed_input_is_refused_with_its_position_and_nothing_is_written() {
    let home = fixture_home();
    let identity = home.path().join("repository/conf/identity/identity.xml");
    let text = fs::read_to_string(&identity).unwrap();
    fs::write(
        &identity,
        text.replace("</SessionDataPersist>", "</SessionDataPersistX>"),
    )
    .unwrap();
    let tree = snapshot_tree(home.path());
    let plan = config::plan(&request("postgres", LayoutKind::Split, 2)).unwrap();
    let err = plan
        .patch_is_home(home.path(), 1, false)
        .unwrap_err()
        .to_string();
    let line = text
        .lines()
        .position(|l| l.contains("</SessionDataPersist>"))
        .unwrap()
        + 1;
    assert!(
        err.starts_with(&format!("{}:{line}:", identity.display())),
        "{err}"
    );
    assert_eq!(tree, snapshot_tree(home.path()));
    assert!(
        plan.write_tree_from(home.path(), &home.path().join("out"), false)
            .is_err()
    );
    assert_eq!(tree, snapshot_tree(home.path()));
}

#[test]
fn write_tree_from_a_template_gives_complete_installable_files() {
    let home = fixture_home();
    let tree = snapshot_tree(home.path());
    let req = request("oracle", LayoutKind::Split, 2);
    let plan = config::plan(&req).unwrap();
    let out = tempfile::tempdir().unwrap();
    plan.write_tree_from(home.path(), out.path(), true).unwrap();
    assert_eq!(
        tree,
        snapshot_tree(home.path()),
        "the template is untouched"
    );
    for node in [1, 2] {
        let base = out.path().join(format!("node{node}"));
        let files: BTreeMap<String, String> = FILES
            .iter()
            .map(|f| (f.to_string(), read_rel(&base, f)))
            .collect();
        assert_holds_together(&req, node, &files);
        assert!(files["repository/conf/user-mgt.xml"].contains("<AdminRole>admin</AdminRole>"));
    }
}

#[test]
fn secrets_never_show_in_debug_output_or_errors() {
    let req = request("postgres", LayoutKind::Split, 2);
    let plan = config::plan(&req).unwrap();
    for shown in [
        format!("{req:?}"),
        format!("{plan:?}"),
        format!("{:?}", plan.files(1).unwrap()),
    ] {
        assert!(
            !shown.contains("p&w") && !shown.contains("p&amp;w"),
            "{shown}"
        );
    }
    let mut bad = request("postgres", LayoutKind::Split, 2);
    bad.targets.default.password = Some(Secret::new("secret\u{7}"));
    assert!(
        !config::plan(&bad)
            .unwrap_err()
            .to_string()
            .contains("secret")
    );
}

#[test]
fn passwords_come_from_env_then_config_then_prompt() {
    let mut req = request("postgres", LayoutKind::Split, 2);
    req.targets.default.password = None;
    req.targets.databases.insert(
        "metrics_db".into(),
        Target {
            password: Some(Secret::new("from-file")),
            ..req.targets.default.clone()
        },
    );
    let env = |k: &str| match k {
        "ISDB_PASSWORD_IDENTITY_DB" => Some("identity-env".to_string()),
        _ => None,
    };
    let mut asked = Vec::new();
    let mut prompt = |p: &config::PasswordPrompt| {
        asked.push(p.clone());
        Ok(Some(Secret::new("typed")))
    };
    // A second server, with the same user, for BPS_DB.
    req.targets.databases.insert(
        "bps_db".into(),
        Target {
            host: Some("db2.example.com".into()),
            ..req.targets.default.clone()
        },
    );
    config::resolve_passwords(&mut req, &env, Some(&mut prompt)).unwrap();
    assert_eq!(
        req.passwords[&LogicalDb::IdentityDb].expose(),
        "identity-env"
    );
    assert_eq!(req.passwords[&LogicalDb::MetricsDb].expose(), "from-file");
    assert_eq!(req.passwords[&LogicalDb::BpsDb].expose(), "typed");
    assert_eq!(req.passwords[&LogicalDb::Wso2UserDb].expose(), "typed");
    // Issue 10 point 4: one prompt per server and user, not one per database.
    let shown: Vec<(Option<String>, String)> = asked
        .iter()
        .map(|p| (p.host.clone(), p.database.clone()))
        .collect();
    assert_eq!(
        shown,
        [
            (
                Some("db.example.com".to_string()),
                "wso2_user_db, userstore_db, registry_db, registry_local1, registry_local2"
                    .to_string()
            ),
            (Some("db2.example.com".to_string()), "bps_db".to_string()),
        ]
    );

    // An empty answer gives no password (re-patching keeps the configured one).
    let mut req = request("postgres", LayoutKind::Split, 2);
    req.targets.default.password = None;
    let mut empty = |_: &config::PasswordPrompt| Ok(Some(Secret::default()));
    config::resolve_passwords(&mut req, &|_| None, Some(&mut empty)).unwrap();
    assert!(req.passwords.is_empty());

    let mut req = request("postgres", LayoutKind::Merged, 2);
    req.targets.default.password = Some(Secret::new("from-file"));
    let env = |k: &str| (k == "ISDB_PASSWORD").then(|| "all".to_string());
    config::resolve_passwords(&mut req, &env, None).unwrap();
    assert!(req.passwords.values().all(|p| p.expose() == "all"));

    let mut req = request("postgres", LayoutKind::Merged, 2);
    req.targets.default.password = None;
    config::resolve_passwords(&mut req, &|_| None, None).unwrap();
    assert!(req.passwords.is_empty(), "no terminal, no password: none");
    req.empty_password = true;
    config::resolve_passwords(&mut req, &|_| None, None).unwrap();
    assert!(
        !req.passwords.is_empty() && req.passwords.values().all(Secret::is_empty),
        "--empty-password: empty"
    );
}

#[test]
fn driver_jars_name_what_each_node_needs() {
    let plan = config::plan(&request("mysql", LayoutKind::Split, 2)).unwrap();
    let jars = plan.driver_jars();
    assert_eq!(jars.len(), 1);
    assert_eq!(jars[0].driver_class, "com.mysql.jdbc.Driver");
    assert_eq!(jars[0].nodes, [1, 2]);
    assert!(jars[0].to_string().contains("repository/components/lib"));

    let mut req = request("postgres", LayoutKind::Merged, 2);
    req.local_registry = LocalRegistry::H2;
    let jars = config::plan(&req).unwrap().driver_jars();
    assert_eq!(jars.len(), 2);
    assert!(
        jars.iter()
            .any(|j| j.driver_class == "org.h2.Driver" && j.bundled)
    );
}

#[test]
fn the_layout_must_match_the_migrated_databases() {
    let plan = config::plan(&request("postgres", LayoutKind::Split, 2)).unwrap();
    plan.check_layout(&Layout::new(LayoutKind::Split, 2, "").unwrap())
        .unwrap();
    let err = plan
        .check_layout(&Layout::new(LayoutKind::Merged, 2, "").unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("IDENTITY_DB was migrated in wso2is but config points at identity_db"),
        "{err}"
    );
    assert!(
        plan.check_layout(&Layout::new(LayoutKind::Split, 3, "").unwrap())
            .is_err()
    );
}

#[test]
fn overridden_names_reach_every_consumer_when_patching() {
    let home = fixture_home();
    let before: BTreeMap<&str, String> = FILES
        .iter()
        .map(|f| (*f, read_rel(home.path(), f)))
        .collect();
    let mut req = request("mysql", LayoutKind::Split, 2);
    req.names
        .set(
            LogicalDb::BpsDb,
            Some("WORKFLOW_DS"),
            Some("jdbc/WorkflowDS"),
        )
        .unwrap();
    req.names
        .set(LogicalDb::MetricsDb, None, Some("jdbc/MetricsDS"))
        .unwrap();
    req.names
        .set(LogicalDb::IdentityDb, None, Some("jdbc/IdentityDS"))
        .unwrap();
    let plan = config::plan(&req).unwrap();
    assert_eq!(plan.warnings().len(), 2, "{:?}", plan.warnings());
    plan.patch_is_home(home.path(), 1, false).unwrap();
    let after: BTreeMap<&str, String> = FILES
        .iter()
        .map(|f| (*f, read_rel(home.path(), f)))
        .collect();

    let bps = parse_xml(&after["repository/conf/bps.xml"]);
    assert_eq!(
        bps.path(&["DataBaseConfig", "DataSource"])[0].attrs["name"],
        "jdbc/WorkflowDS"
    );
    assert_eq!(
        after["repository/conf/bps.xml"],
        before["repository/conf/bps.xml"].replace("name=\"bpsds\"", "name=\"jdbc/WorkflowDS\"")
    );
    assert_eq!(
        after["repository/conf/humantask.xml"],
        before["repository/conf/humantask.xml"].replace(
            "<DataSource>bpsds</DataSource>",
            "<DataSource>jdbc/WorkflowDS</DataSource>"
        )
    );
    assert_eq!(
        after["repository/conf/metrics.xml"],
        before["repository/conf/metrics.xml"].replace("jdbc/WSO2MetricsDB", "jdbc/MetricsDS")
    );
    assert!(
        after["repository/conf/identity/identity.xml"].contains("<Name>jdbc/IdentityDS</Name>")
    );
    // The stock BPS_DS is gone with its secure vault lines; the renamed one has its own.
    let bps_ds = &after["repository/conf/datasources/bps-datasources.xml"];
    assert!(bps_ds.contains("<name>WORKFLOW_DS</name>") && !bps_ds.contains("BPS_DS"));
    assert!(
        after["repository/conf/security/cipher-tool.properties"]
            .contains("Datasources.WORKFLOW_DS.Configuration.Password=")
    );
    assert!(!after["repository/conf/security/cipher-tool.properties"].contains("BPS_DS"));
    // Twice = once with overrides too.
    assert!(
        plan.patch_is_home(home.path(), 1, false)
            .unwrap()
            .changed
            .is_empty()
    );
}

// ---------------------------------------------------------------------------
// The isdb binary on an IS_HOME (issue 9 points 3 and 4, issue 10 points 4 to 6).
// These runs are about 5.3.0's XML files (the fixture IS_HOME holds them, and the
// LDAP port is an XML-only setting), so they pin `--is-version 5.3.0`; the default
// release writes deployment.toml (tests/config_toml.rs).

/// Runs `isdb` with `args` in `dir`; `env` is the whole ISDB_* environment it sees.
fn isdb(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    isdb_via(dir, None, args, env)
}

/// Like [`isdb`], through `sh -c PRELUDE` (which then execs isdb) when given.
fn isdb_via(
    dir: &Path,
    prelude: Option<&str>,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, String, String) {
    let bin = env!("CARGO_BIN_EXE_isdb");
    let mut cmd = match prelude {
        Some(p) => {
            let mut c = std::process::Command::new("sh");
            c.arg("-c").arg(format!("{p}; exec \"$0\" \"$@\"")).arg(bin);
            c
        }
        None => std::process::Command::new(bin),
    };
    cmd.args(args)
        .current_dir(dir)
        .env_remove("ISDB_PASSWORD")
        .stdin(std::process::Stdio::null());
    for (k, v) in env {
        cmd.env(k, v);
    }
    run::output(&mut cmd)
}

/// Issue 9 point 3: a write that fails part-way through the node's files (here
/// the last one, cipher-text.properties, is larger than the process may write:
/// RLIMIT_FSIZE binds root too) leaves every file byte for byte as it was, and
/// the message says that nothing changed, naming the real files.
#[test]
fn a_write_failing_part_way_changes_no_file_at_all() {
    let home = fixture_home();
    let cipher_text = home
        .path()
        .join("repository/conf/security/cipher-text.properties");
    let mut text = fs::read_to_string(&cipher_text).unwrap();
    text.push_str(&"# padding that makes this file larger than the limit below\n".repeat(2000));
    fs::write(&cipher_text, text).unwrap();
    let tree = snapshot_tree(home.path());
    let home_arg = home.path().to_str().unwrap();
    let (code, out, err) = isdb_via(
        home.path(),
        // 64 blocks: 32 or 64 KiB, more than every other patched file, less than cipher-text.
        Some("trap '' XFSZ; ulimit -f 64"),
        &[
            "config",
            "--is-version",
            "5.3.0",
            "--layout",
            "split",
            "--url",
            "postgres://wso2@db.example.com/",
            "--is-home",
            home_arg,
            "--node",
            "2",
        ],
        &[("ISDB_PASSWORD", "pw")],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert_eq!(
        tree,
        snapshot_tree(home.path()),
        "every file as it was, no leftovers"
    );
    assert!(
        err.contains(&format!("{}:", cipher_text.display()))
            && err.contains("nothing was changed, every file is as it was: ")
            && err.contains(&format!(
                "{}/repository/conf/datasources/master-datasources.xml",
                home_arg
            )),
        "{err}"
    );
    assert!(!err.contains(".bak"), "{err}");
    assert!(!out.contains("patched"), "{out}");
}

/// A directory where a file is expected (here cipher-text.properties, read last):
/// refused before anything is written, saying so.
#[test]
fn a_directory_where_a_file_is_expected_changes_nothing() {
    let home = fixture_home();
    let cipher_text = home
        .path()
        .join("repository/conf/security/cipher-text.properties");
    fs::remove_file(&cipher_text).unwrap();
    fs::create_dir(&cipher_text).unwrap();
    fs::write(cipher_text.join("keep"), "x").unwrap();
    let tree = snapshot_tree(home.path());
    let (code, out, err) = isdb(
        home.path(),
        &[
            "config",
            "--is-version",
            "5.3.0",
            "--url",
            "postgres://wso2@db.example.com/",
            "--is-home",
            home.path().to_str().unwrap(),
            "--node",
            "1",
        ],
        &[("ISDB_PASSWORD", "pw")],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains(&format!("{}: ", cipher_text.display()))
            && err.contains("nothing was changed"),
        "{err}"
    );
    assert_eq!(tree, snapshot_tree(home.path()));
}

/// Issue 9 point 4: re-patching without a password keeps every secret and warns;
/// `--diff` says a secret changes or is blanked without showing it; a first patch
/// without a password is refused.
#[test]
fn repatching_without_a_password_keeps_the_secrets_and_diff_marks_changes() {
    let home = fixture_home();
    let h = home.path().to_str().unwrap();
    let args = |url: &'static str| -> Vec<String> {
        [
            "config",
            "--is-version",
            "5.3.0",
            "--layout",
            "split",
            "--url",
            url,
            "--is-home",
            h,
            "--node",
            "1",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    let run = |args: &[String], extra: &[&str], env: &[(&str, &str)]| {
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        all.extend_from_slice(extra);
        isdb(home.path(), &all, env)
    };
    let url1 = "postgres://wso2@db1.example.com/";
    let url2 = "postgres://wso2@db2.example.com/";

    // No password, nothing to keep: refused, nothing written.
    let tree = snapshot_tree(home.path());
    let (code, _, err) = run(&args(url1), &[], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no password for datasource WSO2_USER_DB"),
        "{err}"
    );
    assert_eq!(tree, snapshot_tree(home.path()));

    let (code, _, err) = run(&args(url1), &[], &[("ISDB_PASSWORD", "first-secret")]);
    assert_eq!(code, 0, "{err}");
    let secrets = |home: &Path| -> Vec<String> {
        read_rel(home, "repository/conf/security/cipher-text.properties")
            .lines()
            .filter(|l| l.starts_with("Datasources.") && !l.contains("WSO2_CARBON_DB"))
            .map(str::to_string)
            .collect()
    };
    let first = secrets(home.path());
    assert_eq!(first.len(), 7, "{first:?}");
    assert!(
        first.iter().all(|l| l.ends_with("=[first-secret]")),
        "{first:?}"
    );

    // The same with another server and no password: the secrets stay, with a warning.
    let (code, out, err) = run(&args(url2), &[], &[]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(secrets(home.path()), first);
    assert!(
        err.contains("warning: no password given for datasource WSO2_IDENTITY_DB: kept the secret"),
        "{err}"
    );
    assert!(
        read_rel(
            home.path(),
            "repository/conf/datasources/master-datasources.xml"
        )
        .contains("db2.example.com")
    );

    // --diff: a new password is "changed", an empty one "blanked", never shown.
    let (code, diff, err) = run(
        &args(url2),
        &["--diff"],
        &[("ISDB_PASSWORD", "second-secret")],
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        diff.contains("-Datasources.WSO2_IDENTITY_DB.Configuration.Password=***\n")
            && diff
                .contains("+Datasources.WSO2_IDENTITY_DB.Configuration.Password=*** (changed)\n"),
        "{diff}"
    );
    let (code, diff, err) = run(&args(url2), &["--diff", "--empty-password"], &[]);
    assert_eq!(code, 0, "{err}");
    assert!(
        diff.contains("+Datasources.WSO2_IDENTITY_DB.Configuration.Password=*** (blanked)\n"),
        "{diff}"
    );
    for d in [&diff, &err] {
        assert!(!d.contains("secret]") && !d.contains("first-secret"), "{d}");
    }
    assert_eq!(secrets(home.path()), first, "--diff writes nothing");
}

/// Issue 10 point 6: the LDAP port other nodes use is 10389 plus node 1's port
/// offset, and a host isdb would write nowhere is refused, not ignored.
#[test]
fn the_ldap_port_follows_node_ones_offset() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = isdb(
        dir.path(),
        &[
            "config",
            "--is-version",
            "5.3.0",
            "--url",
            "mysql://wso2@db.example.com/",
            "--layout",
            "split",
            "--user-store",
            "ldap",
            "--node-host",
            "1=is1.example.com",
            "--port-offset",
            "1=2",
            "--out",
            "conf",
        ],
        &[("ISDB_PASSWORD", "pw")],
    );
    assert_eq!(code, 0, "{err}");
    let um = read_rel(
        dir.path(),
        "conf/fragments/node2/repository/conf/user-mgt.xml",
    );
    assert!(
        um.contains("<Property name=\"ConnectionURL\">ldap://is1.example.com:10391</Property>"),
        "{um}"
    );
    for bad in [["--port-offset", "2=1"], ["--port-offset", "1=60000"]] {
        let (code, _, err) = isdb(
            dir.path(),
            &[
                "config",
                "--is-version",
                "5.3.0",
                "--url",
                "mysql://wso2@db.example.com/",
                "--user-store",
                "ldap",
                "--node-host",
                "1=is1.example.com",
                bad[0],
                bad[1],
                "--out",
                "other",
            ],
            &[("ISDB_PASSWORD", "pw")],
        );
        assert_eq!(code, 2, "{bad:?}: {err}");
    }
    let (code, _, err) = isdb(
        dir.path(),
        &[
            "config",
            "--is-version",
            "5.3.0",
            "--url",
            "mysql://wso2@db.example.com/",
            "--port-offset",
            "1=2",
            "--out",
            "other",
        ],
        &[("ISDB_PASSWORD", "pw")],
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--port-offset is not used"), "{err}");
}

/// Issue 10 point 5: `config --help` lists only what config uses.
#[test]
fn config_help_lists_only_the_options_config_uses() {
    let dir = tempfile::tempdir().unwrap();
    let (code, help, _) = isdb(dir.path(), &["config", "--help"], &[]);
    assert_eq!(code, 0);
    for unused in [
        "--mysql-charset",
        "--connect-timeout",
        "--lock-timeout",
        "--dry-run",
    ] {
        assert!(!help.contains(unused), "{unused}:\n{help}");
    }
    for used in [
        "--url",
        "--dialect",
        "--empty-password",
        "--user-store",
        "--port-offset",
    ] {
        assert!(help.contains(used), "{used}");
    }
}
