//! The WSO2-specific XML patches: what isdb changes in each file of an
//! XML-configured release, 5.3.0 to 5.8.0 (datasource files, registry.xml,
//! user-mgt.xml, identity.xml, embedded-ldap.xml, from 5.5.0 consent-mgt-config.xml,
//! and the consumers of the metrics and BPS datasources), written as splices
//! through the generic editor in [`super::xml_edit`].

use super::emit;
use super::names::{self, DatasourceFile};
use super::release::XmlRelease;
use super::xml_edit::*;
use super::{NodePlan, UserStorePlan};
use crate::error::Error;

pub(crate) fn set_property(
    doc: &XmlDoc,
    parent: usize,
    name: &str,
    value: &str,
    edits: &mut Edits,
    path: &str,
) -> Result<(), Error> {
    match doc
        .children(parent, "Property")
        .find(|&p| doc.attr(p, "name") == Some(name))
    {
        Some(p) => set_text(doc, p, value, edits),
        None => append_child(
            doc,
            parent,
            &[emit::property(name, value, doc.style())],
            edits,
            path,
        )?,
    }
    Ok(())
}

pub(crate) fn expect_root(doc: &XmlDoc, local: &str, path: &str) -> Result<usize, Error> {
    if doc.els[doc.root].local == local {
        Ok(doc.root)
    } else {
        Err(Error::Usage(format!(
            "{path}: the root element is <{}>, expected <{local}>; is this a stock IS configuration file?",
            doc.els[doc.root].qname
        )))
    }
}

pub(crate) fn missing(path: &str, what: &str) -> Error {
    Error::Usage(format!(
        "{path} has no {what}; is this a stock IS configuration file? Nothing was written"
    ))
}

pub(crate) fn patch_datasources(
    doc: &XmlDoc,
    file: DatasourceFile,
    n: &NodePlan,
    edits: &mut Edits,
    removed: &mut Vec<String>,
    path: &str,
) -> Result<(), Error> {
    let root = expect_root(doc, "datasources-configuration", path)?;
    let list = doc
        .child(root, "datasources")
        .ok_or_else(|| missing(path, "<datasources> element"))?;
    let style = doc.style();
    let ours_here = n.datasources_in(file);
    let mut placed = vec![false; ours_here.len()];
    for e in doc.children(list, "datasource").collect::<Vec<_>>() {
        let name = doc.child_text(e, "name").unwrap_or("");
        let jndi = doc
            .child(e, "jndiConfig")
            .and_then(|j| doc.child_text(j, "name"))
            .unwrap_or("");
        let Some(claim) = n.datasources.iter().find(|d| {
            d.name == name
                || d.jndi == jndi
                || names::former_names(d.logical)
                    .iter()
                    .any(|f| f.datasource == name || f.jndi == jndi)
        }) else {
            continue;
        };
        if !n.datasources.iter().any(|o| o.name == name) {
            removed.push(name.to_string());
        }
        match ours_here.iter().position(|o| o.name == claim.name) {
            Some(i) if !placed[i] => {
                replace(doc, e, &emit::datasource(claim, style), edits);
                placed[i] = true;
            }
            _ => {
                remove(doc, e, edits);
            }
        }
    }
    let missing_ones: Vec<String> = ours_here
        .iter()
        .zip(&placed)
        .filter(|(_, p)| !**p)
        .map(|(d, _)| emit::datasource(d, style))
        .collect();
    if !missing_ones.is_empty() {
        append_child(doc, list, &missing_ones, edits, path)?;
    }
    if ours_here.iter().any(|d| d.alias.is_some()) {
        match doc.attr(root, "xmlns:svns") {
            None => add_attr(doc, root, "xmlns:svns", names::SECURE_VAULT_NS, edits),
            Some(ns) if ns == names::SECURE_VAULT_NS => {}
            Some(other) => {
                return Err(Error::Usage(format!(
                    "{path}: the prefix svns is bound to `{other}`, not to the secure vault namespace; nothing was written"
                )));
            }
        }
    }
    Ok(())
}

/// Replaces the first of `found` with `snippet` and removes the others; returns
/// the snippet back when nothing was found, for the caller to insert.
pub(crate) fn replace_unique(
    doc: &XmlDoc,
    found: &[usize],
    snippet: String,
    edits: &mut Edits,
    anchor: &mut usize,
) -> Option<String> {
    let Some((&first, rest)) = found.split_first() else {
        return Some(snippet);
    };
    replace(doc, first, &snippet, edits);
    for &r in rest {
        remove(doc, r, edits);
    }
    if doc.els[first].end > doc.els[*anchor].end {
        *anchor = first;
    }
    None
}

pub(crate) fn patch_registry(
    doc: &XmlDoc,
    n: &NodePlan,
    edits: &mut Edits,
    path: &str,
) -> Result<(), Error> {
    let root = expect_root(doc, "wso2registry", path)?;
    let style = doc.style();
    let db_configs: Vec<usize> = doc.children(root, "dbConfig").collect();
    let named = |name: &str| -> Vec<usize> {
        db_configs
            .iter()
            .copied()
            .filter(|&c| doc.attr(c, "name") == Some(name))
            .collect()
    };
    let local = *named(names::LOCAL_DB_CONFIG)
        .first()
        .ok_or_else(|| missing(path, "<dbConfig name=\"wso2registry\">"))?;
    match doc.child(local, "dataSource") {
        Some(ds) => set_text(doc, ds, &n.local_jndi, edits),
        None => {
            let mut w = emit::db_config(names::LOCAL_DB_CONFIG, &n.local_jndi, style);
            // Only the inner <dataSource> line is wanted here.
            w = w
                .lines()
                .find(|l| l.trim_start().starts_with("<dataSource>"))
                .unwrap_or_default()
                .trim()
                .to_string();
            append_child(doc, local, &[w], edits, path)?;
        }
    }
    let mut anchor = local;
    let mut to_insert = Vec::new();
    to_insert.extend(replace_unique(
        doc,
        &named(names::SHARED_DB_CONFIG),
        emit::db_config(names::SHARED_DB_CONFIG, &n.shared_jndi, style),
        edits,
        &mut anchor,
    ));
    let remotes: Vec<usize> = doc
        .children(root, "remoteInstance")
        .filter(|&r| {
            doc.child_text(r, "id") == Some(names::REMOTE_INSTANCE_ID)
                || doc.child_text(r, "dbConfig") == Some(names::SHARED_DB_CONFIG)
        })
        .collect();
    to_insert.extend(replace_unique(
        doc,
        &remotes,
        emit::remote_instance(&n.cache_id, style),
        edits,
        &mut anchor,
    ));
    for mount_path in names::MOUNT_PATHS {
        let mounts: Vec<usize> = doc
            .children(root, "mount")
            .filter(|&m| doc.attr(m, "path") == Some(mount_path))
            .collect();
        to_insert.extend(replace_unique(
            doc,
            &mounts,
            emit::mount(mount_path, style),
            edits,
            &mut anchor,
        ));
    }
    if !to_insert.is_empty() {
        insert_after(doc, anchor, &to_insert, edits);
    }
    Ok(())
}

pub(crate) fn patch_user_mgt(
    doc: &XmlDoc,
    n: &NodePlan,
    edits: &mut Edits,
    path: &str,
) -> Result<(), Error> {
    let root = expect_root(doc, "UserManager", path)?;
    let realm = doc
        .child(root, "Realm")
        .ok_or_else(|| missing(path, "<Realm>"))?;
    let conf = doc
        .child(realm, "Configuration")
        .ok_or_else(|| missing(path, "<Realm><Configuration>"))?;
    set_property(doc, conf, "dataSource", &n.realm_jndi, edits, path)?;
    let primary = doc.child(realm, "UserStoreManager");
    let class = |p: usize| doc.attr(p, "class").unwrap_or("");
    match &n.user_store {
        UserStorePlan::EmbeddedLdap => {}
        UserStorePlan::RemoteLdap(url) => {
            let p = primary.filter(|&p| class(p).contains("LDAP")).ok_or_else(|| {
                Error::Usage(format!(
                    "{path}: the primary user store is not an LDAP store, so it cannot be pointed at node 1's LDAP; restore the stock user-mgt.xml or use --user-store jdbc. Nothing was written"
                ))
            })?;
            set_property(doc, p, "ConnectionURL", url, edits, path)?;
        }
        UserStorePlan::Jdbc(jndi) => match primary {
            Some(p) if class(p) == names::JDBC_USER_STORE_CLASS => {
                set_property(doc, p, "dataSource", jndi, edits, path)?;
            }
            Some(p) => replace(doc, p, &emit::jdbc_user_store(jndi, doc.style()), edits),
            None => insert_after(
                doc,
                conf,
                &[emit::jdbc_user_store(jndi, doc.style())],
                edits,
            ),
        },
    }
    Ok(())
}

pub(crate) fn patch_identity(
    doc: &XmlDoc,
    n: &NodePlan,
    edits: &mut Edits,
    path: &str,
) -> Result<(), Error> {
    let name = *doc
        .find(&["JDBCPersistenceManager", "DataSource", "Name"])
        .first()
        .ok_or_else(|| missing(path, "<JDBCPersistenceManager><DataSource><Name>"))?;
    set_text(doc, name, &n.identity_jndi, edits);
    Ok(())
}

pub(crate) fn patch_embedded_ldap(
    doc: &XmlDoc,
    n: &NodePlan,
    edits: &mut Edits,
    path: &str,
) -> Result<(), Error> {
    let enable = doc
        .find(&["EmbeddedLDAP", "Property"])
        .into_iter()
        .find(|&p| doc.attr(p, "name") == Some("enable"))
        .ok_or_else(|| missing(path, "<EmbeddedLDAP><Property name=\"enable\">"))?;
    set_text(doc, enable, &n.embedded_ldap.to_string(), edits);
    Ok(())
}

/// consent-mgt-config.xml: the consent tables go through the identity datasource
/// (see [`super::emit`]'s consent fragment).
pub(crate) fn patch_consent(
    doc: &XmlDoc,
    n: &NodePlan,
    edits: &mut Edits,
    path: &str,
) -> Result<(), Error> {
    expect_root(doc, "ConsentManager", path)?;
    let name = *doc
        .find(&["ConsentManager", "DataSource", "Name"])
        .first()
        .ok_or_else(|| missing(path, "<ConsentManager><DataSource><Name>"))?;
    set_text(doc, name, &n.identity_jndi, edits);
    Ok(())
}

/// A patch of one file besides the datasource files.
type Patcher = fn(&XmlDoc, &NodePlan, &mut Edits, &str) -> Result<(), Error>;

/// The files `release` patches besides the datasource files, in order: the path
/// below IS_HOME, the patch, and whether a stock home must hold the file.
pub(crate) fn consumer_patches(release: XmlRelease) -> Vec<(&'static str, Patcher, bool)> {
    fn metrics(doc: &XmlDoc, n: &NodePlan, edits: &mut Edits, path: &str) -> Result<(), Error> {
        let e = *doc
            .find(&["Reporting", "JDBC", "DataSourceName"])
            .first()
            .ok_or_else(|| missing(path, "<Reporting><JDBC><DataSourceName>"))?;
        set_text(doc, e, &n.metrics_jndi, edits);
        Ok(())
    }
    fn bps(doc: &XmlDoc, n: &NodePlan, edits: &mut Edits, path: &str) -> Result<(), Error> {
        let e = *doc
            .find(&["DataBaseConfig", "DataSource"])
            .first()
            .ok_or_else(|| missing(path, "<DataBaseConfig><DataSource>"))?;
        set_attr(doc, e, "name", &n.bps_jndi, edits);
        Ok(())
    }
    fn humantask(doc: &XmlDoc, n: &NodePlan, edits: &mut Edits, path: &str) -> Result<(), Error> {
        let e = *doc
            .find(&["PersistenceConfig", "DataSource"])
            .first()
            .ok_or_else(|| missing(path, "<PersistenceConfig><DataSource>"))?;
        set_text(doc, e, &n.bps_jndi, edits);
        Ok(())
    }
    let mut patches: Vec<(&'static str, Patcher, bool)> = vec![
        (names::REGISTRY_XML, patch_registry, true),
        (names::USER_MGT_XML, patch_user_mgt, true),
        (names::IDENTITY_XML, patch_identity, true),
    ];
    if release.has_consent_config() {
        patches.push((names::CONSENT_MGT_CONFIG_XML, patch_consent, true));
    }
    patches.extend([
        (
            names::EMBEDDED_LDAP_XML,
            patch_embedded_ldap as Patcher,
            true,
        ),
        (names::METRICS_XML, metrics, false),
        (names::BPS_XML, bps, false),
        (names::HUMANTASK_XML, humantask, false),
    ]);
    patches
}
