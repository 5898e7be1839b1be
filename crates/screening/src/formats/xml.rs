//! A small in-memory XML tree with line numbers, enough for the OFAC and UN list files
//! (a few MB each), so that the parsers can be written as plain tree walks.

use crate::error::Error;
use quick_xml::events::Event;
use std::path::Path;

#[derive(Debug, Default)]
pub(crate) struct Node {
    /// Local name (namespace prefix removed).
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Node>,
    pub line: u64,
}

impl Node {
    pub fn child(&self, name: &str) -> Option<&Node> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The trimmed text of a direct child, if present and not empty.
    pub fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim()).filter(|t| !t.is_empty())
    }

    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    pub fn trimmed(&self) -> Option<&str> {
        Some(self.text.trim()).filter(|t| !t.is_empty())
    }
}

struct LineCounter<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn line_at(&mut self, pos: usize) -> u64 {
        let pos = pos.min(self.bytes.len());
        if pos >= self.pos {
            self.line += self.bytes[self.pos..pos].iter().filter(|&&b| b == b'\n').count() as u64;
            self.pos = pos;
        }
        self.line
    }
}

fn local(name: &[u8]) -> String {
    let s = String::from_utf8_lossy(name);
    match s.rsplit_once(':') {
        Some((_, l)) => l.to_string(),
        None => s.into_owned(),
    }
}

/// Parses a whole document; malformed XML gives an error naming the file and line.
pub(crate) fn parse(bytes: &[u8], file: &Path) -> Result<Node, Error> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    reader.config_mut().check_end_names = true;
    let mut lines = LineCounter { bytes, pos: 0, line: 1 };
    let mut stack: Vec<Node> = vec![Node::default()];
    let mut buf = Vec::new();
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader.read_event_into(&mut buf);
        let line = lines.line_at(before);
        let event = match event {
            Ok(e) => e,
            Err(e) => {
                let line = lines.line_at(reader.error_position() as usize);
                return Err(Error::parse(file, line, format!("malformed XML: {e}")));
            }
        };
        let open = |e: &quick_xml::events::BytesStart<'_>| -> Result<Node, Error> {
            let mut node = Node { name: local(e.name().as_ref()), line, ..Node::default() };
            for a in e.attributes() {
                let a =
                    a.map_err(|err| Error::parse(file, line, format!("malformed XML attribute: {err}")))?;
                let value = a
                    .unescape_value()
                    .map_err(|err| Error::parse(file, line, format!("malformed XML attribute: {err}")))?;
                node.attrs.push((local(a.key.as_ref()), value.into_owned()));
            }
            Ok(node)
        };
        match event {
            Event::Start(e) => stack.push(open(&e)?),
            Event::Empty(e) => {
                let node = open(&e)?;
                stack.last_mut().expect("root").children.push(node);
            }
            Event::End(_) => {
                let node = stack.pop().expect("quick-xml checks nesting");
                stack
                    .last_mut()
                    .ok_or_else(|| Error::parse(file, line, "unbalanced end tag"))?
                    .children
                    .push(node);
            }
            Event::Text(t) => {
                let text = t
                    .unescape()
                    .map_err(|err| Error::parse(file, line, format!("malformed XML text: {err}")))?;
                stack.last_mut().expect("root").text.push_str(&text);
            }
            Event::CData(t) => {
                let text = String::from_utf8_lossy(&t.into_inner()).into_owned();
                stack.last_mut().expect("root").text.push_str(&text);
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if stack.len() != 1 {
        let open = stack.last().expect("non-empty");
        return Err(Error::parse(
            file,
            lines.line_at(bytes.len()),
            format!("unexpected end of file: <{}> opened on line {} is not closed", open.name, open.line),
        ));
    }
    let mut root = stack.pop().expect("root");
    match root.children.len() {
        1 => Ok(root.children.pop().expect("one child")),
        _ => Err(Error::parse(file, 1, "not an XML document with one root element")),
    }
}
