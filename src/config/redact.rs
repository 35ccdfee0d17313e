//! Diffs with secrets redacted: what `--diff` prints.

use std::collections::BTreeMap;

use super::patch::FileChange;
use super::xml_edit::*;
use super::{names, secrets};

/// How a secret differs from its counterpart on the other side of a diff,
/// without its value: `***`, `*** (changed)`, `*** (blanked)`.
fn secret_marker(value: &str, before: Option<&str>) -> &'static str {
    match before {
        Some(b) if b == value => "***",
        _ if value.is_empty() || value == "[]" => "*** (blanked)",
        None => "***",
        Some(_) => "*** (changed)",
    }
}

/// The secrets of a file by a stable key (properties key; XML element path
/// with datasource and property names), to compare two versions of it.
fn secrets_of(path: &str, text: &str) -> BTreeMap<String, String> {
    if path == names::CIPHER_TEXT_PROPERTIES {
        return text
            .lines()
            .filter_map(|l| {
                secrets::properties_key(l).map(|k| {
                    (
                        k.to_string(),
                        secrets::properties_value(l).trim_end().to_string(),
                    )
                })
            })
            .collect();
    }
    let Ok(doc) = parse(path, text.as_bytes()) else {
        return BTreeMap::new();
    };
    secret_elements(&doc)
        .into_iter()
        .map(|i| (secret_key(&doc, i), doc.els[i].text.clone()))
        .collect()
}

fn secret_elements(doc: &XmlDoc) -> Vec<usize> {
    (0..doc.els.len())
        .filter(|&i| {
            let el = &doc.els[i];
            let secret_property = el.local == "Property"
                && doc.attr(i, "name").is_some_and(|n| n.contains("Password"));
            let password = el.local.eq_ignore_ascii_case("password")
                && doc.attr(i, "svns:secretAlias").is_none();
            (secret_property || password) && !el.empty && el.children.is_empty()
        })
        .collect()
}

fn secret_key(doc: &XmlDoc, idx: usize) -> String {
    let mut parts = Vec::new();
    let mut cur = Some(idx);
    while let Some(c) = cur {
        let el = &doc.els[c];
        let name = doc.attr(c, "name").map(str::to_string).or_else(|| {
            (el.local == "datasource").then(|| doc.child_text(c, "name").unwrap_or("").to_string())
        });
        parts.push(match name {
            Some(n) => format!("{}[{n}]", el.local),
            None => el.local.clone(),
        });
        cur = el.parent;
    }
    parts.reverse();
    parts.join("/")
}

/// `text` with every secret replaced by a marker; with `before` (the old
/// version), the marker says whether the secret changed or was blanked.
fn redact(path: &str, text: &str, before: Option<&BTreeMap<String, String>>) -> String {
    let old = |key: &str| before.and_then(|b| b.get(key).map(String::as_str));
    let marker = |key: &str, value: &str| match before {
        Some(_) => secret_marker(value, old(key)),
        None => "***",
    };
    if path == names::CIPHER_TEXT_PROPERTIES {
        return text
            .split_inclusive('\n')
            .map(|line| {
                let body = line.trim_end_matches(['\n', '\r']);
                match secrets::properties_key(body) {
                    Some(k) => {
                        let value = secrets::properties_value(body).trim_end();
                        format!("{k}={}{}", marker(k, value), &line[body.len()..])
                    }
                    None => line.to_string(),
                }
            })
            .collect();
    }
    if path.ends_with(".toml") {
        return super::toml_patch::redact(text);
    }
    if !path.ends_with(".xml") {
        return text.to_string();
    }
    let Ok(doc) = parse(path, text.as_bytes()) else {
        return "(not shown: the file does not parse)\n".to_string();
    };
    let mut edits = Edits::default();
    for i in secret_elements(&doc) {
        let el = &doc.els[i];
        let key = secret_key(&doc, i);
        let shown = marker(&key, &el.text);
        // An empty secret that stays empty shows as it is.
        if el.text.is_empty() && shown == "***" {
            continue;
        }
        edits.splice(el.start_end, el.inner_end, shown.into());
    }
    edits.apply(&doc.text)
}

/// A unified diff of one change, with every secret shown as `***`, and on the
/// new side `*** (changed)` or `*** (blanked)` where it differs from the old.
pub(crate) fn redacted_diff(c: &FileChange) -> String {
    let decode = |b: &[u8]| {
        std::str::from_utf8(b)
            .map(str::to_string)
            .unwrap_or_else(|_| b.iter().map(|&c| char::from(c)).collect())
    };
    let old = c.old.as_deref().map(decode).unwrap_or_default();
    let new = decode(&c.new);
    let before = secrets_of(&c.path, &old);
    let (old, new) = (
        redact(&c.path, &old, None),
        redact(&c.path, &new, Some(&before)),
    );
    let from = if c.old.is_some() {
        format!("a/{}", c.path)
    } else {
        "/dev/null".to_string()
    };
    similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .context_radius(3)
        .header(&from, &format!("b/{}", c.path))
        .to_string()
}
