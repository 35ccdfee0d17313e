//! Patching an existing IS_HOME: only the DB-related elements change.
//!
//! A file is read once with quick-xml's event reader to build an index of its
//! elements with their byte ranges; the patch is a list of splices into the
//! original text. Every byte outside a splice (comments, order, indentation,
//! namespace prefixes such as `svns:`, CDATA, entity spellings) is therefore
//! kept as it was, and an element that already says the right thing is not
//! touched at all, which is what makes a second run a no-op.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::emit::{self, Style};
use super::names::{self, DatasourceFile};
use super::secrets;
use super::{ConfigPlan, EmittedFile, NodePlan, UserStorePlan};
use crate::error::Error;

/// One element of a parsed file, with its byte ranges in [`XmlDoc::text`].
#[derive(Debug, Clone)]
pub(crate) struct El {
    /// Local name (prefix stripped).
    pub local: String,
    /// Name as written, with its prefix.
    pub qname: String,
    /// Attributes as written (qualified name, unescaped value).
    pub attrs: Vec<(String, String)>,
    /// Offset of `<`.
    pub start: usize,
    /// Offset after the start tag's `>`.
    pub start_end: usize,
    /// Offset of the end tag's `<` (= `end` for an empty element).
    pub inner_end: usize,
    /// Offset after the element.
    pub end: usize,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// The element's own character data, unescaped (text, CDATA and references).
    pub text: String,
    pub empty: bool,
}

/// A parsed XML file.
#[derive(Debug, Clone)]
pub(crate) struct XmlDoc {
    pub text: String,
    /// The bytes were ISO-8859-1, not UTF-8: write back in ISO-8859-1.
    latin1: bool,
    /// The file declares an encoding other than UTF-8: inserted text stays ASCII.
    ascii: bool,
    newline: &'static str,
    pub els: Vec<El>,
    pub root: usize,
}

fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn malformed(path: &str, text: &str, offset: usize, message: &str) -> Error {
    let (line, col) = position(text, offset);
    Error::Usage(format!(
        "{path}:{line}:{col}: malformed XML: {message}; nothing was written"
    ))
}

fn declared_encoding(text: &str) -> Option<String> {
    let t = text.trim_start_matches('\u{feff}');
    let decl = &t[..t.find("?>")?];
    if !decl.starts_with("<?xml") {
        return None;
    }
    let rest = &decl[decl.find("encoding")? + "encoding".len()..];
    let rest = rest.trim_start().strip_prefix('=')?.trim_start();
    let quote = rest.chars().next()?;
    let value = &rest[1..];
    Some(value[..value.find(quote)?].to_string())
}

fn is_latin1(encoding: &str) -> bool {
    [
        "iso-8859-1",
        "iso8859-1",
        "latin1",
        "latin-1",
        "us-ascii",
        "ascii",
    ]
    .iter()
    .any(|e| e.eq_ignore_ascii_case(encoding))
}

/// Text of a file that is UTF-8, or ISO-8859-1 when its XML declaration says so.
fn decode(path: &str, bytes: &[u8]) -> Result<(String, bool), Error> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok((s.to_string(), false)),
        Err(e) => {
            let head = String::from_utf8_lossy(&bytes[..bytes.len().min(256)]);
            if declared_encoding(&head).is_some_and(|enc| is_latin1(&enc)) {
                Ok((bytes.iter().map(|&b| char::from(b)).collect(), true))
            } else {
                let text = String::from_utf8_lossy(bytes);
                Err(malformed(
                    path,
                    &text,
                    e.valid_up_to(),
                    "the file is not UTF-8 and declares no ISO-8859-1 encoding",
                ))
            }
        }
    }
}

/// Parses `bytes`; `path` names the file in errors.
pub(crate) fn parse(path: &str, bytes: &[u8]) -> Result<XmlDoc, Error> {
    let (text, latin1) = decode(path, bytes)?;
    let ascii = declared_encoding(&text)
        .is_some_and(|e| !e.eq_ignore_ascii_case("utf-8") && !e.eq_ignore_ascii_case("utf8"));
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut reader = Reader::from_str(&text);
    reader.config_mut().check_comments = true;
    let mut els: Vec<El> = Vec::new();
    let mut stack: Vec<usize> = Vec::new();
    let mut root = None;
    let mut doctype = false;
    loop {
        let pos = reader.buffer_position() as usize;
        let event = reader.read_event().map_err(|e| {
            malformed(
                path,
                &text,
                reader.error_position() as usize,
                &e.to_string(),
            )
        })?;
        let after = reader.buffer_position() as usize;
        match event {
            Event::Start(e) | Event::Empty(e) => {
                let empty = after >= 2 && text[..after].ends_with("/>");
                if stack.is_empty() && root.is_some() {
                    return Err(malformed(path, &text, pos, "a second root element"));
                }
                let mut attrs = Vec::new();
                for a in e.attributes() {
                    let a = a.map_err(|err| malformed(path, &text, pos, &err.to_string()))?;
                    let key = a.key.as_ref().to_string();
                    let value = a
                        .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                        .map_err(|err| malformed(path, &text, pos, &err.to_string()))?
                        .into_owned();
                    attrs.push((key, value));
                }
                let qname = e.name().as_ref().to_string();
                let local = e.local_name().as_ref().to_string();
                let idx = els.len();
                let parent = stack.last().copied();
                els.push(El {
                    local,
                    qname,
                    attrs,
                    start: pos,
                    start_end: after,
                    inner_end: after,
                    end: after,
                    parent,
                    children: Vec::new(),
                    text: String::new(),
                    empty,
                });
                if let Some(p) = parent {
                    els[p].children.push(idx);
                } else {
                    root = Some(idx);
                }
                if !empty {
                    stack.push(idx);
                }
            }
            Event::End(_) => {
                // check_end_names makes quick-xml refuse unmatched end tags.
                if let Some(idx) = stack.pop() {
                    els[idx].inner_end = pos;
                    els[idx].end = after;
                }
            }
            Event::Text(t) => {
                let content = t.xml10_content();
                match stack.last() {
                    Some(&top) => els[top].text.push_str(&content),
                    None => {
                        if !content
                            .chars()
                            .all(|c| c.is_whitespace() || c == '\u{feff}')
                        {
                            return Err(malformed(
                                path,
                                &text,
                                pos,
                                "text outside the root element",
                            ));
                        }
                    }
                }
            }
            Event::CData(c) => match stack.last() {
                Some(&top) => els[top].text.push_str(&c.xml10_content()),
                None => {
                    return Err(malformed(
                        path,
                        &text,
                        pos,
                        "CDATA outside the root element",
                    ));
                }
            },
            Event::GeneralRef(r) => {
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|e| malformed(path, &text, pos, &e.to_string()))?
                } else {
                    match &*r.xml10_content() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    }
                };
                match (resolved, stack.last()) {
                    (Some(c), Some(&top)) => els[top].text.push(c),
                    (None, Some(_)) if doctype => {}
                    (_, None) => {
                        return Err(malformed(
                            path,
                            &text,
                            pos,
                            "a reference outside the root element",
                        ));
                    }
                    (None, Some(_)) => {
                        return Err(malformed(
                            path,
                            &text,
                            pos,
                            &format!("undefined entity `&{};`", &*r.xml10_content()),
                        ));
                    }
                }
            }
            Event::DocType(_) => doctype = true,
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) => {}
            Event::Eof => {
                if let Some(&open) = stack.last() {
                    let msg = format!("<{}> is never closed", els[open].qname);
                    return Err(malformed(path, &text, text.len(), &msg));
                }
                break;
            }
        }
    }
    let root = root.ok_or_else(|| malformed(path, &text, text.len(), "no root element"))?;
    Ok(XmlDoc {
        text,
        latin1,
        ascii,
        newline,
        els,
        root,
    })
}

impl XmlDoc {
    fn children<'a>(&'a self, idx: usize, local: &'a str) -> impl Iterator<Item = usize> + 'a {
        self.els[idx]
            .children
            .iter()
            .copied()
            .filter(move |&c| self.els[c].local == local)
    }

    fn child(&self, idx: usize, local: &str) -> Option<usize> {
        self.children(idx, local).next()
    }

    fn child_text(&self, idx: usize, local: &str) -> Option<&str> {
        self.child(idx, local).map(|c| self.els[c].text.trim())
    }

    fn attr(&self, idx: usize, name: &str) -> Option<&str> {
        self.els[idx]
            .attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Elements whose ancestry ends with `suffix` (local names), in document order.
    fn find(&self, suffix: &[&str]) -> Vec<usize> {
        (0..self.els.len())
            .filter(|&i| {
                let mut cur = Some(i);
                for name in suffix.iter().rev() {
                    match cur {
                        Some(c) if self.els[c].local == *name => cur = self.els[c].parent,
                        _ => return false,
                    }
                }
                true
            })
            .collect()
    }

    /// The whitespace before the element on its line, if nothing else precedes it there.
    fn line_indent(&self, idx: usize) -> Option<&str> {
        let start = self.els[idx].start;
        let line_start = self.text[..start].rfind('\n').map_or(0, |p| p + 1);
        let prefix = &self.text[line_start..start];
        prefix
            .chars()
            .all(|c| c == ' ' || c == '\t')
            .then_some(prefix)
    }

    /// The indentation of one level, from the root's first child.
    fn style(&self) -> Style {
        let mut style = Style {
            ascii: self.ascii,
            ..Style::default()
        };
        let root_indent = self.line_indent(self.root).unwrap_or("").len();
        if let Some(&first) = self.els[self.root].children.first()
            && let Some(indent) = self.line_indent(first)
        {
            let unit = &indent[root_indent.min(indent.len())..];
            if !unit.is_empty() && unit.chars().all(|c| c == ' ') {
                style.size = unit.len();
            } else if !unit.is_empty() && unit.chars().all(|c| c == '\t') {
                style.ch = b'\t';
                style.size = unit.len();
            }
        }
        style
    }

    fn unit(&self) -> String {
        let s = self.style();
        char::from(s.ch).to_string().repeat(s.size)
    }

    /// The indentation for an element at `idx`'s position.
    fn indent_of(&self, idx: usize) -> String {
        match self.line_indent(idx) {
            Some(i) => i.to_string(),
            None => match self.els[idx].parent {
                Some(p) => self.indent_of(p) + &self.unit(),
                None => String::new(),
            },
        }
    }

    fn encode(&self, text: &str, path: &str) -> Result<Vec<u8>, Error> {
        if !self.latin1 {
            return Ok(text.as_bytes().to_vec());
        }
        text.chars()
            .map(|c| u8::try_from(u32::from(c)).ok())
            .collect::<Option<Vec<u8>>>()
            .ok_or_else(|| {
                Error::Usage(format!(
                    "{path}: the patched text does not fit ISO-8859-1; nothing was written"
                ))
            })
    }

    fn place(&self, snippet: &str, indent: &str) -> String {
        snippet.replace('\n', &format!("{}{indent}", self.newline))
    }
}

/// Splices into one file's text, applied all at once.
#[derive(Debug, Default)]
struct Edits {
    list: Vec<(usize, usize, String)>,
}

impl Edits {
    fn splice(&mut self, start: usize, end: usize, with: String) {
        self.list.push((start, end, with));
    }

    fn apply(mut self, text: &str) -> String {
        self.list.sort_by_key(|(s, e, _)| (*s, *e));
        let mut out = String::with_capacity(text.len() + 1024);
        let mut at = 0;
        for (s, e, with) in self.list {
            // Edits never overlap by construction (each touches a distinct element).
            debug_assert!(s >= at, "overlapping edits");
            if s < at {
                continue;
            }
            out.push_str(&text[at..s]);
            out.push_str(&with);
            at = e;
        }
        out.push_str(&text[at..]);
        out
    }
}

fn set_text(doc: &XmlDoc, idx: usize, value: &str, edits: &mut Edits) {
    let el = &doc.els[idx];
    if el.text.trim() == value && el.children.is_empty() {
        return;
    }
    let escaped = emit::escape(value, doc.ascii);
    if el.empty {
        edits.splice(el.end - 2, el.end, format!(">{escaped}</{}>", el.qname));
    } else {
        edits.splice(el.start_end, el.inner_end, escaped);
    }
}

/// The byte range of attribute `name`'s value inside the start tag of `idx`, and its quote.
fn attr_value_range(doc: &XmlDoc, idx: usize, name: &str) -> Option<(usize, usize, char)> {
    let el = &doc.els[idx];
    let tag = &doc.text[el.start..el.start_end];
    let mut i = 1 + el.qname.len();
    let bytes = tag.as_bytes();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] == b'/' || bytes[i] == b'>' {
            return None;
        }
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let key = &tag[key_start..i];
        while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b'=') {
            i += 1;
        }
        let quote = *bytes.get(i)?;
        let value_start = i + 1;
        let value_len = tag[value_start..].find(char::from(quote))?;
        if key == name {
            return Some((
                el.start + value_start,
                el.start + value_start + value_len,
                char::from(quote),
            ));
        }
        i = value_start + value_len + 1;
    }
}

fn set_attr(doc: &XmlDoc, idx: usize, name: &str, value: &str, edits: &mut Edits) {
    if doc.attr(idx, name) == Some(value) {
        return;
    }
    match attr_value_range(doc, idx, name) {
        // Our escaping covers both quote characters, so either delimiter is safe.
        Some((s, e, _)) => edits.splice(s, e, emit::escape(value, doc.ascii)),
        None => add_attr(doc, idx, name, value, edits),
    }
}

fn add_attr(doc: &XmlDoc, idx: usize, name: &str, value: &str, edits: &mut Edits) {
    let el = &doc.els[idx];
    let at = el.start + 1 + el.qname.len();
    edits.splice(
        at,
        at,
        format!(" {name}=\"{}\"", emit::escape(value, doc.ascii)),
    );
}

fn remove(doc: &XmlDoc, idx: usize, edits: &mut Edits) {
    let el = &doc.els[idx];
    let mut start = el.start;
    if let Some(indent) = doc.line_indent(idx) {
        start -= indent.len();
        if doc.text[..start].ends_with('\n') {
            start -= 1;
            if doc.text[..start].ends_with('\r') {
                start -= 1;
            }
        }
    }
    edits.splice(start, el.end, String::new());
}

fn replace(doc: &XmlDoc, idx: usize, snippet: &str, edits: &mut Edits) {
    let el = &doc.els[idx];
    let placed = doc.place(snippet, &doc.indent_of(idx));
    if doc.text[el.start..el.end] != placed {
        edits.splice(el.start, el.end, placed);
    }
}

fn insert_after(doc: &XmlDoc, idx: usize, snippets: &[String], edits: &mut Edits) {
    let indent = doc.indent_of(idx);
    let text: String = snippets
        .iter()
        .map(|s| format!("{}{indent}{}", doc.newline, doc.place(s, &indent)))
        .collect();
    edits.splice(doc.els[idx].end, doc.els[idx].end, text);
}

fn append_child(
    doc: &XmlDoc,
    parent: usize,
    snippets: &[String],
    edits: &mut Edits,
    path: &str,
) -> Result<(), Error> {
    if let Some(&last) = doc.els[parent].children.last() {
        insert_after(doc, last, snippets, edits);
        return Ok(());
    }
    let el = &doc.els[parent];
    if el.empty {
        return Err(Error::Usage(format!(
            "{path}: <{}/> is empty; write it as <{0}></{0}> so isdb can add to it",
            el.qname
        )));
    }
    let indent = doc.indent_of(parent) + &doc.unit();
    let mut text: String = snippets
        .iter()
        .map(|s| format!("{}{indent}{}", doc.newline, doc.place(s, &indent)))
        .collect();
    if doc.text[el.start_end..el.inner_end].trim().is_empty()
        && !doc.text[el.start_end..el.inner_end].contains('\n')
    {
        text.push_str(doc.newline);
        text.push_str(&doc.indent_of(parent));
    }
    edits.splice(el.start_end, el.start_end, text);
    Ok(())
}

fn set_property(
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

fn expect_root(doc: &XmlDoc, local: &str, path: &str) -> Result<usize, Error> {
    if doc.els[doc.root].local == local {
        Ok(doc.root)
    } else {
        Err(Error::Usage(format!(
            "{path}: the root element is <{}>, expected <{local}>; is this an IS 5.3.0 file?",
            doc.els[doc.root].qname
        )))
    }
}

fn missing(path: &str, what: &str) -> Error {
    Error::Usage(format!(
        "{path} has no {what}; is this an IS 5.3.0 file? Nothing was written"
    ))
}

fn patch_datasources(
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
fn replace_unique(
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

fn patch_registry(doc: &XmlDoc, n: &NodePlan, edits: &mut Edits, path: &str) -> Result<(), Error> {
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

fn patch_user_mgt(doc: &XmlDoc, n: &NodePlan, edits: &mut Edits, path: &str) -> Result<(), Error> {
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

fn patch_identity(doc: &XmlDoc, n: &NodePlan, edits: &mut Edits, path: &str) -> Result<(), Error> {
    let name = *doc
        .find(&["JDBCPersistenceManager", "DataSource", "Name"])
        .first()
        .ok_or_else(|| missing(path, "<JDBCPersistenceManager><DataSource><Name>"))?;
    set_text(doc, name, &n.identity_jndi, edits);
    Ok(())
}

fn patch_embedded_ldap(
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

/// The files isdb patches besides the datasource files, in order.
type Patcher = fn(&XmlDoc, &NodePlan, &mut Edits, &str) -> Result<(), Error>;

fn consumer_patches() -> [(&'static str, Patcher, bool); 7] {
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
    [
        (names::REGISTRY_XML, patch_registry, true),
        (names::USER_MGT_XML, patch_user_mgt, true),
        (names::IDENTITY_XML, patch_identity, true),
        (names::EMBEDDED_LDAP_XML, patch_embedded_ldap, true),
        (names::METRICS_XML, metrics, false),
        (names::BPS_XML, bps, false),
        (names::HUMANTASK_XML, humantask, false),
    ]
}

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

/// Patches every file of node `n` below `is_home` in memory and checks the result.
pub(crate) fn patch_node(
    plan: &ConfigPlan,
    n: &NodePlan,
    is_home: &Path,
) -> Result<NodeChanges, Error> {
    let conf = is_home.join("repository/conf");
    if !conf.is_dir() {
        return Err(Error::Usage(format!(
            "{} does not look like an IS 5.3.0 home: it has no repository/conf",
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

    for (rel, patcher, required) in consumer_patches() {
        let full = is_home.join(rel);
        let shown = full.display().to_string();
        let Some(bytes) = read_optional(&full)? else {
            if required {
                return Err(Error::Usage(format!(
                    "{shown} is missing; is {} an IS 5.3.0 home? Nothing was written",
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

/// Checks the cross-references of issue 4 point 7 over one node's files: every
/// JNDI name a consumer references is defined exactly once, datasource names are
/// unique, and registry mounts point at a defined remote instance and dbConfig.
pub(crate) fn check_references(node: u16, docs: &[(String, XmlDoc)]) -> Result<(), Error> {
    let mut defs: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut ds_names: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut refs: Vec<(String, String)> = Vec::new();
    let mut problems = Vec::new();
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
                refs.push((
                    doc.els[e].text.trim().to_string(),
                    "identity.xml JDBCPersistenceManager".into(),
                ));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn malformed_xml_names_line_and_column() {
        let err = parse("f.xml", b"<a>\n  <b></c>\n</a>")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("f.xml:2:"), "{err}");
        let err = parse("f.xml", b"<a>\n<b>").unwrap_err().to_string();
        assert!(err.contains("never closed"), "{err}");
        assert!(parse("f.xml", b"<a>&bogus;</a>").is_err());
        assert!(parse("f.xml", b"<a/><b/>").is_err());
        assert!(parse("f.xml", b"").is_err());
        assert!(parse("f.xml", b"<a x='1' x='2'/>").is_err());
    }

    #[test]
    fn text_is_unescaped_and_ranges_are_exact() {
        let src = "<r>\n    <u><![CDATA[a&b]]>&amp;c</u>\n    <e/>\n</r>\n";
        let doc = parse("f", src.as_bytes()).unwrap();
        let u = doc.find(&["r", "u"])[0];
        assert_eq!(doc.els[u].text, "a&b&c");
        assert_eq!(
            &doc.text[doc.els[u].start..doc.els[u].end],
            "<u><![CDATA[a&b]]>&amp;c</u>"
        );
        assert_eq!(doc.style().size, 4);
        let mut edits = Edits::default();
        set_text(&doc, doc.find(&["e"])[0], "x<y", &mut edits);
        set_text(&doc, u, "a&b&c", &mut edits);
        assert_eq!(
            edits.apply(&doc.text),
            "<r>\n    <u><![CDATA[a&b]]>&amp;c</u>\n    <e>x&lt;y</e>\n</r>\n"
        );
    }

    #[test]
    fn attributes_are_found_and_set_in_place() {
        let doc = parse("f", b"<r><d name='bpsds' x=\"1\"/></r>").unwrap();
        let d = doc.find(&["d"])[0];
        let mut edits = Edits::default();
        set_attr(&doc, d, "name", "bps2", &mut edits);
        add_attr(&doc, doc.root, "xmlns:svns", "u", &mut edits);
        assert_eq!(
            edits.apply(&doc.text),
            "<r xmlns:svns=\"u\"><d name='bps2' x=\"1\"/></r>"
        );
    }

    #[test]
    fn latin1_files_round_trip_byte_for_byte() {
        let mut src =
            b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<r><!-- \xa9 --><n>x</n></r>"
                .to_vec();
        let doc = parse("f", &src).unwrap();
        let mut edits = Edits::default();
        set_text(&doc, doc.find(&["n"])[0], "é", &mut edits);
        let out = doc.encode(&edits.apply(&doc.text), "f").unwrap();
        src.truncate(src.len() - "x</n></r>".len());
        src.extend_from_slice(b"&#xE9;</n></r>");
        assert_eq!(out, src);
    }

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
