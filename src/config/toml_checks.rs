//! The reference checks of a deployment.toml before it is written: the file
//! parses, every datasource the realm and the user store name is defined by
//! the same file (WSO2's templates would otherwise render a dangling JNDI name),
//! `[[datasource]]` ids are unique, and every `$secret{alias}` resolves.

use std::collections::BTreeSet;

use toml_edit::{DocumentMut, Item};

use crate::error::Error;

fn fail(node: u16, what: String) -> Error {
    Error::Usage(format!("node {node}'s deployment.toml: {what}"))
}

/// The datasource names (`realm_manager.data_source` form, without `jdbc/`)
/// that `doc` defines, per kernel master-datasources.xml.j2.
fn defined(node: u16, doc: &DocumentMut) -> Result<BTreeSet<String>, Error> {
    let mut names = BTreeSet::new();
    let db = doc.get("database");
    for (key, name) in [
        ("shared_db", "SHARED_DB"),
        ("user", "WSO2USER_DB"),
        ("config", "WSO2CONFIG_DB"),
        ("identity_db", "WSO2IdentityDB"),
    ] {
        if db.and_then(|d| d.get(key)).is_some() {
            names.insert(name.to_string());
        }
    }
    if let Some(list) = doc.get("datasource").and_then(Item::as_array_of_tables) {
        for t in list.iter() {
            let id = t
                .get("id")
                .and_then(Item::as_str)
                .ok_or_else(|| fail(node, "a [[datasource]] has no id".into()))?;
            if !names.insert(id.to_string()) {
                return Err(fail(node, format!("datasource id `{id}` is defined twice")));
            }
        }
    }
    Ok(names)
}

fn secret_refs(item: &Item, out: &mut Vec<String>) {
    if let Some(s) = item.as_str() {
        if let Some(alias) = s.strip_prefix("$secret{").and_then(|r| r.strip_suffix('}')) {
            out.push(alias.to_string());
        }
    } else if let Some(t) = item.as_table_like() {
        for (_, v) in t.iter() {
            secret_refs(v, out);
        }
    } else if let Some(a) = item.as_array_of_tables() {
        for t in a.iter() {
            for (_, v) in t.iter() {
                secret_refs(v, out);
            }
        }
    }
}

/// Checks one node's deployment.toml (see the module docs). With `lenient_secrets`
/// (a generated file) a secret with no value is allowed when the file says where
/// to add it; a patched file must hold every secret it references.
pub(crate) fn check_deployment_toml(
    node: u16,
    text: &str,
    lenient_secrets: bool,
) -> Result<(), Error> {
    let doc: DocumentMut = text
        .parse()
        .map_err(|e| fail(node, format!("does not parse: {e}")))?;
    let names = defined(node, &doc)?;
    let realm = doc
        .get("realm_manager")
        .and_then(|r| r.get("data_source"))
        .and_then(Item::as_str)
        .unwrap_or("SHARED_DB");
    if !names.contains(realm) {
        return Err(fail(
            node,
            format!("[realm_manager] data_source `{realm}` is not defined"),
        ));
    }
    if let Some(ds) = doc
        .get("user_store")
        .and_then(|u| u.get("properties"))
        .and_then(|p| p.get("dataSource"))
        .and_then(Item::as_str)
    {
        let name = ds.strip_prefix("jdbc/").unwrap_or(ds);
        if !names.contains(name) {
            return Err(fail(
                node,
                format!("the user store's dataSource `{ds}` is not defined"),
            ));
        }
    }
    let mut refs = Vec::new();
    secret_refs(doc.as_item(), &mut refs);
    let secrets = doc.get("secrets").and_then(Item::as_table_like);
    for alias in refs {
        let known = secrets.is_some_and(|s| s.contains_key(&alias));
        let noted = lenient_secrets && text.contains(&format!("# {alias}: no password was given"));
        if !known && !noted {
            return Err(fail(
                node,
                format!(
                    "$secret{{{alias}}} has no [secrets] entry and no password was given for it; nothing was written"
                ),
            ));
        }
    }
    Ok(())
}
