//! The reference checks run before anything is written: every JNDI name a
//! consumer references is defined exactly once per node, datasource names are
//! unique, registry mounts point at a defined instance and dbConfig, and the
//! consent tables (5.5.0 on) are read where the identity tables are.

use std::collections::BTreeMap;

use super::xml_edit::*;
use super::{EmittedFile, names};
use crate::error::Error;

/// Checks the cross-references of issue 4 point 7 over one node's files: every
/// JNDI name a consumer references is defined exactly once, datasource names are
/// unique, and registry mounts point at a defined remote instance and dbConfig.
pub(crate) fn check_references(node: u16, docs: &[(String, XmlDoc)]) -> Result<(), Error> {
    let mut defs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut ds_names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut refs: Vec<(String, String)> = Vec::new();
    let mut problems = Vec::new();
    let mut identity: Option<String> = None;
    let mut consent: Option<String> = None;
    for (path, doc) in docs {
        let file = path.rsplit('/').next().unwrap_or(path).to_string();
        if path.starts_with(names::DATASOURCES_DIR) {
            for ds in doc.find(&["datasources-configuration", "datasources", "datasource"]) {
                let name = doc.child_text(ds, "name").unwrap_or("").to_string();
                if let Some(j) = doc
                    .child(ds, "jndiConfig")
                    .and_then(|j| doc.child_text(j, "name"))
                {
                    defs.entry(j.to_string())
                        .or_default()
                        .push(format!("{file} {name}"));
                }
                ds_names.entry(name).or_default().push(file.clone());
            }
        } else if path == names::USER_MGT_XML {
            for p in doc.find(&["Realm", "Configuration", "Property"]) {
                if doc.attr(p, "name") == Some("dataSource") {
                    refs.push((
                        doc.els[p].text.trim().to_string(),
                        "user-mgt.xml Realm dataSource".into(),
                    ));
                }
            }
            for s in doc.find(&["Realm", "UserStoreManager"]).into_iter().take(1) {
                for p in doc.children(s, "Property") {
                    if doc.attr(p, "name") == Some("dataSource") {
                        refs.push((
                            doc.els[p].text.trim().to_string(),
                            "user-mgt.xml UserStoreManager dataSource".into(),
                        ));
                    }
                }
            }
        } else if path == names::IDENTITY_XML {
            for e in doc.find(&["JDBCPersistenceManager", "DataSource", "Name"]) {
                let jndi = doc.els[e].text.trim().to_string();
                identity.get_or_insert_with(|| jndi.clone());
                refs.push((jndi, "identity.xml JDBCPersistenceManager".into()));
            }
        } else if path == names::CONSENT_MGT_CONFIG_XML {
            for e in doc.find(&["ConsentManager", "DataSource", "Name"]) {
                let jndi = doc.els[e].text.trim().to_string();
                consent.get_or_insert_with(|| jndi.clone());
                refs.push((jndi, "consent-mgt-config.xml".into()));
            }
        } else if path == names::REGISTRY_XML {
            let root = doc.root;
            let configs: Vec<String> = doc
                .children(root, "dbConfig")
                .filter_map(|c| doc.attr(c, "name").map(str::to_string))
                .collect();
            for c in doc.children(root, "dbConfig") {
                if let Some(ds) = doc.child_text(c, "dataSource") {
                    let name = doc.attr(c, "name").unwrap_or("?");
                    refs.push((ds.to_string(), format!("registry.xml dbConfig {name}")));
                }
            }
            let mut instances = Vec::new();
            for r in doc.children(root, "remoteInstance") {
                let id = doc.child_text(r, "id").unwrap_or("").to_string();
                if let Some(c) = doc.child_text(r, "dbConfig")
                    && !configs.iter().any(|k| k == c)
                {
                    problems.push(format!(
                        "registry.xml remoteInstance {id} uses dbConfig {c}, which is not defined"
                    ));
                }
                instances.push(id);
            }
            for m in doc.children(root, "mount") {
                let id = doc.child_text(m, "instanceId").unwrap_or("");
                if !instances.iter().any(|i| i == id) {
                    problems.push(format!(
                        "registry.xml mount {} uses remoteInstance {id}, which is not defined",
                        doc.attr(m, "path").unwrap_or("?")
                    ));
                }
            }
        } else if path == names::METRICS_XML {
            for e in doc.find(&["Reporting", "JDBC", "DataSourceName"]) {
                refs.push((doc.els[e].text.trim().to_string(), "metrics.xml".into()));
            }
        } else if path == names::BPS_XML {
            for e in doc.find(&["DataBaseConfig", "DataSource"]) {
                if let Some(v) = doc.attr(e, "name") {
                    refs.push((v.to_string(), "bps.xml".into()));
                }
            }
        } else if path == names::HUMANTASK_XML {
            for e in doc.find(&["PersistenceConfig", "DataSource"]) {
                refs.push((doc.els[e].text.trim().to_string(), "humantask.xml".into()));
            }
        }
    }
    // isdb creates the consent tables beside the identity tables (decision 11).
    if let (Some(i), Some(c)) = (&identity, &consent)
        && i != c
    {
        problems.push(format!(
            "consent-mgt-config.xml reads the consent tables from {c}, but they are in the identity database ({i}, identity.xml)"
        ));
    }
    for (jndi, by) in &refs {
        match defs.get(jndi).map(Vec::len).unwrap_or(0) {
            1 => {}
            0 => problems.push(format!(
                "{by} references {jndi}, which no datasource defines"
            )),
            k => problems.push(format!(
                "{by} references {jndi}, which is defined {k} times ({})",
                defs[jndi].join(", ")
            )),
        }
    }
    for (name, files) in &ds_names {
        if files.len() > 1 {
            problems.push(format!(
                "datasource {name} is defined {} times ({})",
                files.len(),
                files.join(", ")
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Usage(format!(
            "node {node}: the configuration would not hold together: {}; nothing was written",
            problems.join("; ")
        )))
    }
}

/// Parses the emitted files of a node and checks their cross-references.
pub(crate) fn check_emitted(node: u16, files: &[EmittedFile]) -> Result<(), Error> {
    let mut docs = Vec::new();
    for f in files.iter().filter(|f| f.path.ends_with(".xml")) {
        docs.push((f.path.clone(), parse(&f.path, f.contents.as_bytes())?));
    }
    check_references(node, &docs)
}
