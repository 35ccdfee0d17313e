//! Patching an existing IS_HOME: each file a node owns is read once, patched
//! in memory by the release's patches ([`super::xml_patch`]) and the cipher-tool
//! properties, and the result is checked ([`super::checks`]) before anything is
//! written. Only the DB-related elements and lines change.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use super::checks::check_references;
use super::names::{self, DatasourceFile};
use super::release::XmlRelease;
use super::secrets;
use super::xml_edit::*;
use super::xml_patch::*;
use super::{ConfigPlan, NodePlan};
use crate::error::Error;

/// One file's content before and after patching.
#[derive(Debug)]
pub(crate) struct FileChange {
    /// Path below IS_HOME.
    pub path: String,
    /// None when the file did not exist.
    pub old: Option<Vec<u8>>,
    pub new: Vec<u8>,
}

/// Every file of a node, patched in memory.
#[derive(Debug, Default)]
pub(crate) struct NodeChanges {
    pub files: Vec<FileChange>,
    pub notes: Vec<String>,
    pub warnings: Vec<String>,
}

fn read_optional(path: &Path) -> Result<Option<Vec<u8>>, Error> {
    match fs::read(path) {
        Ok(b) => Ok(Some(b)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::Files(format!(
            "{}: {e}; nothing was changed",
            path.display()
        ))),
    }
}

/// Patches every file of node `n` below `is_home` (a home of `release`) in memory
/// and checks the result.
pub(crate) fn patch_node(
    plan: &ConfigPlan,
    n: &NodePlan,
    is_home: &Path,
    release: XmlRelease,
) -> Result<NodeChanges, Error> {
    let conf = is_home.join("repository/conf");
    if !conf.is_dir() {
        return Err(Error::Usage(format!(
            "{} does not look like an IS {release} home: it has no repository/conf",
            is_home.display()
        )));
    }
    let emitted = plan.files(n.node)?;
    let mut changes = NodeChanges::default();
    let mut docs: Vec<(String, XmlDoc)> = Vec::new();
    let mut removed = Vec::new();

    for file in DatasourceFile::ALL {
        let rel = file.path();
        let full = is_home.join(&rel);
        let shown = full.display().to_string();
        let old = read_optional(&full)?;
        let new = match &old {
            Some(bytes) => {
                let doc = parse(&shown, bytes)?;
                let mut edits = Edits::default();
                patch_datasources(&doc, file, n, &mut edits, &mut removed, &shown)?;
                let text = edits.apply(&doc.text);
                doc.encode(&text, &shown)?
            }
            None => emitted
                .iter()
                .find(|f| f.path == rel)
                .map(|f| f.contents.clone().into_bytes())
                .unwrap_or_default(),
        };
        docs.push((rel.clone(), parse(&shown, &new)?));
        changes.files.push(FileChange {
            path: rel,
            old,
            new,
        });
    }

    for (rel, patcher, required) in consumer_patches(release) {
        let full = is_home.join(rel);
        let shown = full.display().to_string();
        let Some(bytes) = read_optional(&full)? else {
            if required {
                return Err(Error::Usage(format!(
                    "{shown} is missing; is {} an IS {release} home? Nothing was written",
                    is_home.display()
                )));
            }
            changes.notes.push(format!(
                "{rel} is not there; skipped (it only names the datasource)"
            ));
            continue;
        };
        let doc = parse(&shown, &bytes)?;
        let mut edits = Edits::default();
        match patcher(&doc, n, &mut edits, &shown) {
            Ok(()) => {}
            Err(e) if !required => {
                changes.notes.push(format!("{e}; skipped"));
                continue;
            }
            Err(e) => return Err(e),
        }
        let new = doc.encode(&edits.apply(&doc.text), &shown)?;
        docs.push((rel.to_string(), parse(&shown, &new)?));
        changes.files.push(FileChange {
            path: rel.to_string(),
            old: Some(bytes),
            new,
        });
    }

    patch_cipher_files(plan, n, is_home, &removed, &mut changes)?;

    // Datasource files isdb does not manage are loaded by Carbon too, so their
    // JNDI names count when checking that each is defined once.
    let dir = is_home.join(names::DATASOURCES_DIR);
    if let Ok(entries) = fs::read_dir(&dir) {
        let mut others: Vec<_> = entries.filter_map(Result::ok).map(|e| e.path()).collect();
        others.sort();
        for p in others {
            let name = p
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            let ours = DatasourceFile::ALL.iter().any(|f| f.file_name() == name);
            if ours || !name.ends_with("-datasources.xml") {
                continue;
            }
            let bytes = fs::read(&p).map_err(|e| Error::io(&p, e))?;
            docs.push((
                format!("{}/{name}", names::DATASOURCES_DIR),
                parse(&p.display().to_string(), &bytes)?,
            ));
        }
    }
    check_references(n.node, &docs)?;
    Ok(changes)
}

fn patch_cipher_files(
    plan: &ConfigPlan,
    n: &NodePlan,
    is_home: &Path,
    removed: &[String],
    changes: &mut NodeChanges,
) -> Result<(), Error> {
    let mut drop: BTreeSet<String> = removed.iter().map(|r| secrets::alias(r)).collect();
    if plan.plaintext() {
        drop.extend(n.datasources.iter().map(|d| secrets::alias(&d.name)));
    }
    let tool: Vec<(String, String)> = n
        .datasources
        .iter()
        .filter_map(|d| {
            d.alias
                .as_ref()
                .map(|a| (a.clone(), secrets::cipher_tool_line(a, d)))
        })
        .collect();
    let text = cipher_text_lines(n, is_home, &mut changes.warnings)?;
    for (rel, lines, keep_encrypted) in [
        (names::CIPHER_TOOL_PROPERTIES, tool, false),
        (names::CIPHER_TEXT_PROPERTIES, text, true),
    ] {
        let full = is_home.join(rel);
        let old = read_optional(&full)?;
        let old_text = old.as_ref().map(|b| {
            std::str::from_utf8(b)
                .map(str::to_string)
                .unwrap_or_else(|_| b.iter().map(|&c| char::from(c)).collect())
        });
        let Some(new) = patch_properties(
            old_text.as_deref(),
            &lines,
            &drop,
            keep_encrypted,
            &mut changes.notes,
        ) else {
            continue;
        };
        let new = match &old {
            Some(b) if std::str::from_utf8(b).is_err() => new
                .chars()
                .map(|c| u8::try_from(u32::from(c)).unwrap_or(b'?'))
                .collect(),
            _ => new.into_bytes(),
        };
        changes.files.push(FileChange {
            path: rel.to_string(),
            old,
            new,
        });
    }
    Ok(())
}

/// The cipher-text.properties lines of `n`'s datasources. A datasource with no
/// password given keeps the secret the file already holds for its alias; with
/// none there (or an empty one) the run stops: isdb never blanks a secret.
fn cipher_text_lines(
    n: &NodePlan,
    is_home: &Path,
    warnings: &mut Vec<String>,
) -> Result<Vec<(String, String)>, Error> {
    let full = is_home.join(names::CIPHER_TEXT_PROPERTIES);
    let existing: BTreeMap<String, String> = match read_optional(&full)? {
        Some(b) => String::from_utf8_lossy(&b)
            .lines()
            .filter_map(|l| {
                secrets::properties_key(l).map(|k| {
                    (
                        k.to_string(),
                        secrets::properties_value(l).trim_end().to_string(),
                    )
                })
            })
            .collect(),
        None => BTreeMap::new(),
    };
    let mut lines = Vec::new();
    let mut missing = Vec::new();
    for d in &n.datasources {
        let Some(alias) = &d.alias else { continue };
        match d.password() {
            Some(p) => lines.push((alias.clone(), secrets::cipher_text_line(alias, p))),
            None => match existing.get(alias) {
                Some(v) if !v.is_empty() && v != "[]" => warnings.push(format!(
                    "no password given for datasource {}: kept the secret cipher-text.properties holds for {alias}",
                    d.name
                )),
                _ => missing.push(format!(
                    "datasource {} (user {}; cipher-text.properties holds no secret to keep)",
                    d.name, d.user
                )),
            },
        }
    }
    if missing.is_empty() {
        Ok(lines)
    } else {
        Err(secrets::no_password(&missing))
    }
}

/// Sets the lines of `set` (key → line), drops the keys in `drop`, keeps every
/// other line as it is. None when there is no file and nothing to write.
fn patch_properties(
    old: Option<&str>,
    set: &[(String, String)],
    drop: &BTreeSet<String>,
    keep_encrypted: bool,
    notes: &mut Vec<String>,
) -> Option<String> {
    let Some(old) = old else {
        if set.is_empty() {
            return None;
        }
        let mut s = String::from(
            "# Secure vault entries written by isdb; run bin/ciphertool.sh -Dconfigure to encrypt them.\n",
        );
        for (_, line) in set {
            s.push_str(line);
            s.push('\n');
        }
        return Some(s);
    };
    let newline = if old.contains("\r\n") { "\r\n" } else { "\n" };
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = String::with_capacity(old.len() + 512);
    for line in old.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let ending = &line[body.len()..];
        let key = secrets::properties_key(body);
        if let Some(k) = key
            && let Some((alias, ours)) = set.iter().find(|(a, _)| a == k)
        {
            if done.contains(alias.as_str()) {
                continue;
            }
            done.insert(alias);
            let value = secrets::properties_value(body);
            if keep_encrypted && !value.trim_end().starts_with('[') {
                notes.push(format!(
                    "{alias} is already encrypted in cipher-text.properties; kept (change it with ciphertool.sh -Dchange)"
                ));
                out.push_str(line);
            } else {
                out.push_str(ours);
                out.push_str(if ending.is_empty() { newline } else { ending });
            }
            continue;
        }
        if key.is_some_and(|k| drop.contains(k)) {
            continue;
        }
        out.push_str(line);
    }
    let missing: Vec<&String> = set
        .iter()
        .filter(|(a, _)| !done.contains(a.as_str()))
        .map(|(_, l)| l)
        .collect();
    if !missing.is_empty() && !out.is_empty() && !out.ends_with('\n') {
        out.push_str(newline);
    }
    for l in missing {
        out.push_str(l);
        out.push_str(newline);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn properties_are_patched_line_by_line() {
        let set = vec![("A".to_string(), "A=[new]".to_string())];
        let drop: BTreeSet<String> = ["B".to_string()].into();
        let mut notes = Vec::new();
        let out = patch_properties(
            Some("# c\nB=[x]\nA=[old]\nC=1"),
            &set,
            &drop,
            true,
            &mut notes,
        )
        .unwrap();
        assert_eq!(out, "# c\nA=[new]\nC=1");
        let out = patch_properties(Some("A=enc\n"), &set, &drop, true, &mut notes).unwrap();
        assert_eq!(out, "A=enc\n");
        assert_eq!(notes.len(), 1);
        assert_eq!(patch_properties(None, &[], &drop, true, &mut notes), None);
    }
}
