//! A tiny XML tree of the tests' own, built with quick-xml, with each element's
//! byte range: the config tests parse what isdb writes with it rather than with
//! the library's index.
#![allow(dead_code)]

use std::collections::BTreeMap;

use quick_xml::Reader;
use quick_xml::events::Event;

#[derive(Debug, Clone, Default)]
pub struct Node {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
    pub text: String,
    pub children: Vec<Node>,
    pub start: usize,
    pub end: usize,
}

impl Node {
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }
    pub fn all(&self, name: &str) -> Vec<&Node> {
        self.children.iter().filter(|c| c.name == name).collect()
    }
    pub fn text_of(&self, name: &str) -> Option<String> {
        self.child(name).map(|c| c.text.trim().to_string())
    }
    pub fn path(&self, names: &[&str]) -> Vec<&Node> {
        let mut cur = vec![self];
        for n in names {
            cur = cur.into_iter().flat_map(|c| c.all(n)).collect();
        }
        cur
    }
    pub fn walk<'a>(&'a self, out: &mut Vec<&'a Node>) {
        out.push(self);
        for c in &self.children {
            c.walk(out);
        }
    }
}

pub fn text_of_bytes(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

pub fn parse_xml(text: &str) -> Node {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Node> = vec![Node::default()];
    loop {
        let pos = reader.buffer_position() as usize;
        let ev = reader
            .read_event()
            .unwrap_or_else(|e| panic!("does not parse: {e}\n{text}"));
        let after = reader.buffer_position() as usize;
        match ev {
            Event::Start(e) | Event::Empty(e) => {
                let mut n = Node {
                    name: e.local_name().as_ref().to_string(),
                    start: pos,
                    end: after,
                    ..Node::default()
                };
                for a in e.attributes() {
                    let a = a.unwrap();
                    n.attrs.insert(
                        a.key.as_ref().to_string(),
                        a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                            .unwrap()
                            .into_owned(),
                    );
                }
                if text[..after].ends_with("/>") {
                    stack.last_mut().unwrap().children.push(n);
                } else {
                    stack.push(n);
                }
            }
            Event::End(_) => {
                let mut n = stack.pop().unwrap();
                n.end = after;
                stack.last_mut().unwrap().children.push(n);
            }
            Event::Text(t) => stack.last_mut().unwrap().text.push_str(&t.xml10_content()),
            Event::CData(c) => stack.last_mut().unwrap().text.push_str(&c.xml10_content()),
            Event::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    r.resolve_char_ref().unwrap().unwrap()
                } else {
                    match &*r.xml10_content() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => panic!("unknown entity {other}"),
                    }
                };
                stack.last_mut().unwrap().text.push(c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(stack.len(), 1, "unclosed elements");
    let mut doc = stack.pop().unwrap();
    assert_eq!(doc.children.len(), 1, "one root element");
    doc.children.remove(0)
}

/// `text` without the elements for which `cut` is true (each with the indentation
/// and line break before it), and with `extra` substrings removed.
pub fn without(text: &str, cut: &dyn Fn(&Node) -> bool) -> String {
    let root = parse_xml(text);
    let mut all = Vec::new();
    root.walk(&mut all);
    let mut spans: Vec<(usize, usize)> = all
        .into_iter()
        .filter(|n| cut(n))
        .map(|n| {
            let mut s = n.start;
            let line = text[..s].rfind('\n').map_or(0, |p| p + 1);
            if text[line..s].trim().is_empty() {
                s = line.saturating_sub(1);
            }
            (s, n.end)
        })
        .collect();
    spans.sort();
    let mut out = String::new();
    let mut at = 0;
    for (s, e) in spans {
        if s < at {
            continue;
        }
        out.push_str(&text[at..s]);
        at = e;
    }
    out.push_str(&text[at..]);
    out
}
