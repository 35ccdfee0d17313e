//! A generic byte-preserving XML editor.
//!
//! A file is read once with quick-xml's event reader to build an index of its
//! elements with their byte ranges; an edit is a list of splices into the
//! original text. Every byte outside a splice (comments, order, indentation,
//! namespace prefixes such as `svns:`, CDATA, entity spellings) is therefore
//! kept as it was, and an element that already says the right thing is not
//! touched at all, which is what makes a second run a no-op. Nothing here knows
//! about WSO2's files: that is [`super::xml_patch`].

use quick_xml::Reader;
use quick_xml::events::Event;

use super::emit::{self, Style};
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

pub(crate) fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

pub(crate) fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

pub(crate) fn malformed(path: &str, text: &str, offset: usize, message: &str) -> Error {
    let (line, col) = position(text, offset);
    Error::Usage(format!(
        "{path}:{line}:{col}: malformed XML: {message}; nothing was written"
    ))
}

pub(crate) fn declared_encoding(text: &str) -> Option<String> {
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

pub(crate) fn is_latin1(encoding: &str) -> bool {
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
pub(crate) fn decode(path: &str, bytes: &[u8]) -> Result<(String, bool), Error> {
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
    pub(crate) fn children<'a>(
        &'a self,
        idx: usize,
        local: &'a str,
    ) -> impl Iterator<Item = usize> + 'a {
        self.els[idx]
            .children
            .iter()
            .copied()
            .filter(move |&c| self.els[c].local == local)
    }

    pub(crate) fn child(&self, idx: usize, local: &str) -> Option<usize> {
        self.children(idx, local).next()
    }

    pub(crate) fn child_text(&self, idx: usize, local: &str) -> Option<&str> {
        self.child(idx, local).map(|c| self.els[c].text.trim())
    }

    pub(crate) fn attr(&self, idx: usize, name: &str) -> Option<&str> {
        self.els[idx]
            .attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Elements whose ancestry ends with `suffix` (local names), in document order.
    pub(crate) fn find(&self, suffix: &[&str]) -> Vec<usize> {
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
    pub(crate) fn line_indent(&self, idx: usize) -> Option<&str> {
        let start = self.els[idx].start;
        let line_start = self.text[..start].rfind('\n').map_or(0, |p| p + 1);
        let prefix = &self.text[line_start..start];
        prefix
            .chars()
            .all(|c| c == ' ' || c == '\t')
            .then_some(prefix)
    }

    /// The indentation of one level, from the root's first child.
    pub(crate) fn style(&self) -> Style {
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

    pub(crate) fn unit(&self) -> String {
        let s = self.style();
        char::from(s.ch).to_string().repeat(s.size)
    }

    /// The indentation for an element at `idx`'s position.
    pub(crate) fn indent_of(&self, idx: usize) -> String {
        match self.line_indent(idx) {
            Some(i) => i.to_string(),
            None => match self.els[idx].parent {
                Some(p) => self.indent_of(p) + &self.unit(),
                None => String::new(),
            },
        }
    }

    pub(crate) fn encode(&self, text: &str, path: &str) -> Result<Vec<u8>, Error> {
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

    pub(crate) fn place(&self, snippet: &str, indent: &str) -> String {
        snippet.replace('\n', &format!("{}{indent}", self.newline))
    }
}

/// Splices into one file's text, applied all at once.
#[derive(Debug, Default)]
pub(crate) struct Edits {
    list: Vec<(usize, usize, String)>,
}

impl Edits {
    pub(crate) fn splice(&mut self, start: usize, end: usize, with: String) {
        self.list.push((start, end, with));
    }

    pub(crate) fn apply(mut self, text: &str) -> String {
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

pub(crate) fn set_text(doc: &XmlDoc, idx: usize, value: &str, edits: &mut Edits) {
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
pub(crate) fn attr_value_range(
    doc: &XmlDoc,
    idx: usize,
    name: &str,
) -> Option<(usize, usize, char)> {
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

pub(crate) fn set_attr(doc: &XmlDoc, idx: usize, name: &str, value: &str, edits: &mut Edits) {
    if doc.attr(idx, name) == Some(value) {
        return;
    }
    match attr_value_range(doc, idx, name) {
        // Our escaping covers both quote characters, so either delimiter is safe.
        Some((s, e, _)) => edits.splice(s, e, emit::escape(value, doc.ascii)),
        None => add_attr(doc, idx, name, value, edits),
    }
}

pub(crate) fn add_attr(doc: &XmlDoc, idx: usize, name: &str, value: &str, edits: &mut Edits) {
    let el = &doc.els[idx];
    let at = el.start + 1 + el.qname.len();
    edits.splice(
        at,
        at,
        format!(" {name}=\"{}\"", emit::escape(value, doc.ascii)),
    );
}

pub(crate) fn remove(doc: &XmlDoc, idx: usize, edits: &mut Edits) {
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

pub(crate) fn replace(doc: &XmlDoc, idx: usize, snippet: &str, edits: &mut Edits) {
    let el = &doc.els[idx];
    let placed = doc.place(snippet, &doc.indent_of(idx));
    if doc.text[el.start..el.end] != placed {
        edits.splice(el.start, el.end, placed);
    }
}

pub(crate) fn insert_after(doc: &XmlDoc, idx: usize, snippets: &[String], edits: &mut Edits) {
    let indent = doc.indent_of(idx);
    let text: String = snippets
        .iter()
        .map(|s| format!("{}{indent}{}", doc.newline, doc.place(s, &indent)))
        .collect();
    edits.splice(doc.els[idx].end, doc.els[idx].end, text);
}

pub(crate) fn append_child(
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
}
