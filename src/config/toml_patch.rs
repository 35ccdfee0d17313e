//! Patching a node's existing `deployment.toml` (IS 5.9.0–5.11.0) in place
//! with `toml_edit`: only the keys isdb owns (the ones [`super::toml_gen`]
//! writes) are set; every other key, comment, blank line and the order stay as
//! they were, a value that already says the right thing is not touched (so a
//! second run changes nothing), and a replaced value keeps its trailing comment.
//! A file that does not parse is refused with its line and column.

use std::fs;
use std::path::Path;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

use super::patch::{FileChange, NodeChanges};
use super::toml_checks::check_deployment_toml;
use super::toml_gen::DEPLOYMENT_TOML;
use crate::error::Error;

/// Whether two values say the same thing, whatever their spelling and decor.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) => x.value() == y.value(),
        (Value::Integer(x), Value::Integer(y)) => x.value() == y.value(),
        (Value::Boolean(x), Value::Boolean(y)) => x.value() == y.value(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y.iter()).all(|(p, q)| same(p, q))
        }
        _ => false,
    }
}

/// Sets every key of `want` in `have`, recursively; keeps what already matches.
fn merge_table(have: &mut Table, want: &Table, under_secrets: bool) {
    for (key, w) in want.iter() {
        match (have.get_mut(key), w) {
            (Some(Item::Value(h)), Item::Value(wv)) => {
                if !same(h, wv) {
                    let decor = h.decor().clone();
                    let mut v = wv.clone();
                    *v.decor_mut() = decor;
                    *h = v;
                }
            }
            (Some(Item::Table(h)), Item::Table(wt)) => merge_table(h, wt, key == "secrets"),
            (Some(Item::ArrayOfTables(h)), Item::ArrayOfTables(wa)) => merge_by_id(h, wa),
            (Some(_), _) if under_secrets => {}
            (slot, _) => {
                let mut item = w.clone();
                unposition(&mut item);
                match slot {
                    Some(old) => *old = item,
                    None => {
                        have.insert(key, item);
                    }
                }
            }
        }
    }
}

/// Drops the generated file's table positions from an item moved into the
/// patched file, so toml_edit prints it after its neighbours there.
fn unposition(item: &mut Item) {
    match item {
        Item::Table(t) => unposition_table(t),
        Item::ArrayOfTables(a) => a.iter_mut().for_each(unposition_table),
        _ => {}
    }
}

fn unposition_table(t: &mut Table) {
    t.set_position(None);
    for (_, v) in t.iter_mut() {
        unposition(v);
    }
}

/// `[[datasource]]` entries are matched by `id`; new ones are appended.
fn merge_by_id(have: &mut ArrayOfTables, want: &ArrayOfTables) {
    for w in want.iter() {
        let id = w.get("id").and_then(Item::as_str);
        let found = have
            .iter_mut()
            .find(|h| id.is_some() && h.get("id").and_then(Item::as_str) == id);
        match found {
            Some(h) => merge_table(h, w, false),
            None => {
                let mut t = w.clone();
                unposition_table(&mut t);
                have.push(t);
            }
        }
    }
}

fn parse(path: &Path, text: &str) -> Result<DocumentMut, Error> {
    text.parse::<DocumentMut>().map_err(|e| {
        Error::Usage(format!(
            "{} is not valid TOML ({}); nothing was written",
            path.display(),
            e.to_string().trim_end()
        ))
    })
}

/// Patches `is_home`'s deployment.toml with `generated` (node `node`'s file as
/// [`super::toml_gen`] writes it) in memory and checks the result. A missing
/// file becomes the generated one; `[secrets]` entries isdb has no password for
/// keep what the file holds.
pub(crate) fn patch_node(node: u16, is_home: &Path, generated: &str) -> Result<NodeChanges, Error> {
    let conf = is_home.join("repository/conf");
    if !conf.is_dir() {
        return Err(Error::Usage(format!(
            "{} does not look like an IS home: it has no repository/conf",
            is_home.display()
        )));
    }
    let path = is_home.join(DEPLOYMENT_TOML);
    let old = match fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => {
            return Err(Error::Files(format!(
                "{}: {e}; nothing was changed",
                path.display()
            )));
        }
    };
    let mut warnings = Vec::new();
    let new = match &old {
        None => generated.to_string(),
        Some(bytes) => {
            let text = std::str::from_utf8(bytes).map_err(|_| {
                Error::Usage(format!(
                    "{} is not UTF-8, which TOML requires; nothing was written",
                    path.display()
                ))
            })?;
            let mut doc = parse(&path, text)?;
            let want = parse(Path::new(DEPLOYMENT_TOML), generated)?;
            warnings.extend(stale_ldap_keys(&doc, &want));
            merge_table(doc.as_table_mut(), want.as_table(), false);
            doc.to_string()
        }
    };
    check_deployment_toml(node, &new, false)?;
    Ok(NodeChanges {
        files: vec![FileChange {
            path: DEPLOYMENT_TOML.to_string(),
            old,
            new: new.into_bytes(),
        }],
        warnings,
        ..NodeChanges::default()
    })
}

/// The LDAP connection keys a file's `[user_store]` keeps when isdb makes it a
/// JDBC store: isdb does not delete the operator's keys, so it names them.
fn stale_ldap_keys(have: &DocumentMut, want: &DocumentMut) -> Option<String> {
    let wanted = want.get("user_store")?.get("type")?.as_str()?;
    let store = have.get("user_store")?.as_table_like()?;
    let stale: Vec<&str> = store
        .iter()
        .map(|(k, _)| k)
        .filter(|k| k.starts_with("connection_") || *k == "base_dn")
        .collect();
    (!stale.is_empty()).then(|| {
        format!(
            "[user_store] becomes type {wanted} but keeps the LDAP keys {}: remove them by hand",
            stale.join(", ")
        )
    })
}

/// `text` with the value of every password-like key and of every `[secrets]`
/// entry replaced by `***`, for diffs.
pub(crate) fn redact(text: &str) -> String {
    let mut in_secrets = false;
    text.split_inclusive('\n')
        .map(|line| {
            let body = line.trim_start();
            if body.starts_with('[') {
                in_secrets = body
                    .trim_end()
                    .trim_end_matches(']')
                    .trim_start_matches('[')
                    .trim()
                    == "secrets";
                return line.to_string();
            }
            match line.split_once('=') {
                Some((key, _)) if !body.starts_with('#') => {
                    let k = key.trim().trim_matches('"').to_ascii_lowercase();
                    if in_secrets || k.contains("password") || k.contains("secret") {
                        let end = &line[line.trim_end_matches(['\n', '\r']).len()..];
                        format!("{key}= ***{end}")
                    } else {
                        line.to_string()
                    }
                }
                _ => line.to_string(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_hides_passwords_and_secrets_only() {
        let t = "[a]\npassword = \"x\"\nurl = \"u\" # c\n[secrets]\nk = \"[v]\"\n[b]\nn = 1\n";
        assert_eq!(
            redact(t),
            "[a]\npassword = ***\nurl = \"u\" # c\n[secrets]\nk = ***\n[b]\nn = 1\n"
        );
    }

    #[test]
    fn merging_keeps_decor_and_unrelated_keys() {
        let mut have: DocumentMut = "# top\n[x]\na = 1 # one\nb = 2\n".parse().unwrap();
        let want: DocumentMut = "[x]\na = 3\nc = 4\n".parse().unwrap();
        merge_table(have.as_table_mut(), want.as_table(), false);
        assert_eq!(have.to_string(), "# top\n[x]\na = 3 # one\nb = 2\nc = 4\n");
    }
}
