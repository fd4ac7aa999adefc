//! YAML text → [`Tree`]: a node arena in which every scalar, sequence, mapping,
//! key and alias keeps its byte range.
//!
//! Built on `saphyr-parser`'s event stream, because we need what no YAML value
//! library keeps: the range of every key and value, aliases as nodes of their own
//! (so a mistake inside an aliased subtree is reported at the use site, with the
//! anchor as related information), and `<<` merge keys resolved the way the
//! catalog spec asks (explicit keys always win; earlier merged mappings win over
//! later ones).
//!
//! Aliases are never copied: an alias node points at its anchored node, so an
//! "alias bomb" costs nothing to parse. Expanding into JSON ([`Tree::to_json`]) is
//! iterative and bounded by the size and depth of the expanded value
//! ([`Limits`]), so neither a billion laughs nor a chain of aliases each
//! nesting the previous one deeper can exhaust memory or the stack.
//!
//! Bad input never panics: every problem becomes a [`SyntaxError`] and parsing
//! keeps whatever it could build.

use std::borrow::Cow;
use std::collections::HashMap;

use json::pointer::{push_token, tokens as pointer_tokens};
use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle, Span};
use serde_json::{Map, Number, Value};
use text::TextRange;

/// Index of a node in its [`Tree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

impl ScalarStyle {
    pub fn is_block(self) -> bool {
        matches!(self, ScalarStyle::Literal | ScalarStyle::Folded)
    }
}

/// A scalar's value under the YAML 1.2 core schema.
#[derive(Debug, Clone, PartialEq)]
pub enum ScalarValue {
    Null,
    Bool(bool),
    /// Integers that fit in `u64` (non-negative) or `i64`.
    Integer(Number),
    Float(f64),
    /// A string: its content is the scalar's [`Scalar::text`] (held once).
    String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub value: ScalarValue,
    /// The scalar's content as text (after unescaping, before typing); for
    /// a string, its value.
    pub text: String,
    pub style: ScalarStyle,
}

/// One key/value pair of a mapping, after `<<` merges are applied. The key
/// is always a scalar; its text is [`Tree::key_text`].
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: NodeId,
    pub value: NodeId,
    /// When this entry came in through a `<<` merge: the node written after `<<`
    /// (an alias or an inline mapping) at the use site.
    pub merged_via: Option<NodeId>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Sequence(Vec<NodeId>),
    Mapping(Vec<Entry>),
    /// `*name`: refers to the anchored node.
    Alias(NodeId),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// The node's own text: for an alias, the `*name` token.
    pub range: TextRange,
    /// True for `{…}` and `[…]` collections.
    pub flow: bool,
}

/// A problem found while parsing. `related` points at a second place that
/// explains it (the first of two duplicate keys, an anchor).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    pub range: TextRange,
    pub message: String,
    pub related: Option<(TextRange, String)>,
}

/// Bounds that keep hostile input cheap.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Deepest nesting of collections accepted, as written and as expanded
    /// through aliases.
    pub max_depth: usize,
    /// Most JSON nodes one document may expand to through aliases.
    pub max_expanded_nodes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 200,
            max_expanded_nodes: 2_000_000,
        }
    }
}

/// A parsed YAML file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tree {
    nodes: Vec<Node>,
    root: Option<NodeId>,
    limits: LimitsEq,
}

#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct LimitsEq {
    max_expanded_nodes: usize,
    max_depth: usize,
}

/// The outcome of [`parse`]: always a tree (possibly empty), plus every error.
#[derive(Debug, Clone, PartialEq)]
pub struct Parse {
    pub tree: Tree,
    pub errors: Vec<SyntaxError>,
    /// What the document's outermost node is, known from its first event, so
    /// also when an error stopped parsing before it was built (None: the
    /// file holds no node at all).
    pub outer: Option<Outer>,
}

/// The kind of a document's outermost node (see [`Parse::outer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outer {
    Scalar,
    Sequence,
    Mapping,
}

/// Parses `text` with the default [`Limits`].
pub fn parse(text: &str) -> Parse {
    parse_with_limits(text, Limits::default())
}

pub fn parse_with_limits(text: &str, limits: Limits) -> Parse {
    let mut builder = Builder {
        text,
        offsets: CharOffsets::new(text),
        nodes: Vec::new(),
        stack: Vec::new(),
        anchors: HashMap::new(),
        open_anchors: Vec::new(),
        errors: Vec::new(),
        root: None,
        documents: 0,
        limits,
        skip_depth: 0,
        outer: None,
    };
    builder.run();
    let Builder {
        mut nodes,
        root,
        errors,
        outer,
        ..
    } = builder;
    // Kept for the life of the build: drop the slack of the last doubling.
    nodes.shrink_to_fit();
    Parse {
        tree: Tree {
            nodes,
            root,
            limits: LimitsEq {
                max_expanded_nodes: limits.max_expanded_nodes,
                max_depth: limits.max_depth,
            },
        },
        errors,
        outer,
    }
}

/// Maps saphyr's character indices to byte offsets.
struct CharOffsets {
    /// Byte offset of each char, or empty when the text is ASCII.
    table: Vec<u32>,
    len: u32,
}

impl CharOffsets {
    fn new(text: &str) -> CharOffsets {
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices()
                .map(|(offset, _)| offset as u32)
                .collect()
        };
        CharOffsets {
            table,
            len: text.len() as u32,
        }
    }

    fn byte(&self, char_index: usize) -> u32 {
        if self.table.is_empty() {
            (char_index as u32).min(self.len)
        } else {
            self.table.get(char_index).copied().unwrap_or(self.len)
        }
    }
}

enum Frame {
    Sequence {
        start: u32,
        flow: bool,
        items: Vec<NodeId>,
        anchor: usize,
    },
    Mapping {
        start: u32,
        flow: bool,
        pairs: Vec<(NodeId, NodeId)>,
        key: Option<NodeId>,
        anchor: usize,
    },
}

struct Builder<'t> {
    text: &'t str,
    offsets: CharOffsets,
    nodes: Vec<Node>,
    stack: Vec<Frame>,
    /// saphyr anchor id → node.
    anchors: HashMap<usize, NodeId>,
    /// Anchor ids of collections still being built (an alias to one is a cycle).
    open_anchors: Vec<usize>,
    errors: Vec<SyntaxError>,
    root: Option<NodeId>,
    documents: usize,
    limits: Limits,
    /// While > 0 we are inside collections nested beyond `max_depth`, which are
    /// skipped (one error reported) rather than built.
    skip_depth: usize,
    /// The kind of the first node started at the top level.
    outer: Option<Outer>,
}

impl Builder<'_> {
    fn range(&self, span: &Span) -> TextRange {
        TextRange::new(
            self.offsets.byte(span.start.index()),
            self.offsets.byte(span.end.index()),
        )
    }

    fn run(&mut self) {
        let mut parser = Parser::new_from_str(self.text);
        loop {
            let (event, span) = match parser.next_event() {
                None => break,
                Some(Ok(pair)) => pair,
                Some(Err(error)) => {
                    let at = self.offsets.byte(error.marker().index());
                    let range = self.token_range_at(at);
                    self.errors.push(SyntaxError {
                        range,
                        message: error.info().to_string(),
                        related: None,
                    });
                    break;
                }
            };
            if !self.event(event, span) {
                break;
            }
        }
    }

    /// A short range at `offset` for an error: the rest of the word there.
    fn token_range_at(&self, offset: u32) -> TextRange {
        let rest = self.text.get(offset as usize..).unwrap_or("");
        let len: usize = rest
            .char_indices()
            .find(|(_, c)| c.is_whitespace())
            .map(|(i, _)| i)
            .unwrap_or(rest.len())
            .min(rest.char_indices().nth(80).map_or(rest.len(), |(i, _)| i));
        TextRange::new(
            offset,
            offset + len.max(rest.chars().next().map_or(0, char::len_utf8)) as u32,
        )
    }

    /// Handles one event; false stops parsing.
    fn event(&mut self, event: Event<'_>, span: Span) -> bool {
        let range = self.range(&span);
        if self.skip_depth > 0 {
            match event {
                Event::SequenceStart(..) | Event::MappingStart(..) => self.skip_depth += 1,
                Event::SequenceEnd | Event::MappingEnd => {
                    self.skip_depth -= 1;
                    if self.skip_depth == 0 {
                        let id = self.push(Node {
                            kind: NodeKind::Scalar(Scalar {
                                value: ScalarValue::Null,
                                text: String::new(),
                                style: ScalarStyle::Plain,
                            }),
                            range,
                            flow: false,
                        });
                        return self.attach(id);
                    }
                }
                _ => {}
            }
            return true;
        }
        if self.outer.is_none() && self.stack.is_empty() {
            self.outer = match event {
                Event::Scalar(..) | Event::Alias(_) => Some(Outer::Scalar),
                Event::SequenceStart(..) => Some(Outer::Sequence),
                Event::MappingStart(..) => Some(Outer::Mapping),
                _ => None,
            };
        }
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => true,
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    self.errors.push(SyntaxError {
                        range: self.token_range_at(range.start),
                        message: "a file may hold only one YAML document".to_string(),
                        related: None,
                    });
                    return false;
                }
                true
            }
            Event::Alias(anchor) => {
                let Some(&target) = self.anchors.get(&anchor) else {
                    self.errors.push(SyntaxError {
                        range,
                        message: "alias refers to an unknown anchor".to_string(),
                        related: None,
                    });
                    let id = self.push(null_node(range));
                    return self.attach(id);
                };
                if self.open_anchors.contains(&anchor) {
                    self.errors.push(SyntaxError {
                        range,
                        message: "alias refers to a node that contains it (a cycle)".to_string(),
                        related: None,
                    });
                    let id = self.push(null_node(range));
                    return self.attach(id);
                }
                let id = self.push(Node {
                    kind: NodeKind::Alias(target),
                    range,
                    flow: false,
                });
                self.attach(id)
            }
            Event::Scalar(value, style, anchor, tag) => {
                let style = match style {
                    SaphyrStyle::Plain => ScalarStyle::Plain,
                    SaphyrStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    SaphyrStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    SaphyrStyle::Literal => ScalarStyle::Literal,
                    SaphyrStyle::Folded => ScalarStyle::Folded,
                };
                let tag = tag.map(|tag| tag.suffix.clone());
                let scalar = type_scalar(value, style, tag.as_deref());
                let range = self.scalar_range(range, style);
                let id = self.push(Node {
                    kind: NodeKind::Scalar(scalar),
                    range,
                    flow: false,
                });
                if anchor > 0 {
                    self.anchors.insert(anchor, id);
                }
                self.attach(id)
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.stack.len() >= self.limits.max_depth {
                    self.errors.push(SyntaxError {
                        range: self.token_range_at(range.start),
                        message: format!(
                            "nesting is deeper than {} levels; this content is ignored",
                            self.limits.max_depth
                        ),
                        related: None,
                    });
                    self.skip_depth = 1;
                    return true;
                }
                let flow = matches!(
                    self.text.as_bytes().get(self.after_properties(range.start)),
                    Some(b'[' | b'{')
                );
                if anchor > 0 {
                    self.open_anchors.push(anchor);
                }
                self.stack
                    .push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Sequence {
                            start: range.start,
                            flow,
                            items: Vec::new(),
                            anchor,
                        }
                    } else {
                        Frame::Mapping {
                            start: range.start,
                            flow,
                            pairs: Vec::new(),
                            key: None,
                            anchor,
                        }
                    });
                true
            }
            Event::SequenceEnd | Event::MappingEnd => {
                let Some(frame) = self.stack.pop() else {
                    return true;
                };
                let (id, anchor) = match frame {
                    Frame::Sequence {
                        start,
                        flow,
                        mut items,
                        anchor,
                    } => {
                        items.shrink_to_fit();
                        let end = self.collection_end(flow, range, items.last().copied(), start);
                        let id = self.push(Node {
                            kind: NodeKind::Sequence(items),
                            range: TextRange::new(start, end),
                            flow,
                        });
                        (id, anchor)
                    }
                    Frame::Mapping {
                        start,
                        flow,
                        pairs,
                        anchor,
                        ..
                    } => {
                        let last = pairs.last().map(|(_, value)| *value);
                        let end = self.collection_end(flow, range, last, start);
                        let entries = self.resolve_entries(pairs);
                        let id = self.push(Node {
                            kind: NodeKind::Mapping(entries),
                            range: TextRange::new(start, end),
                            flow,
                        });
                        (id, anchor)
                    }
                };
                if anchor > 0 {
                    self.open_anchors.retain(|open| *open != anchor);
                    self.anchors.insert(anchor, id);
                }
                self.attach(id)
            }
        }
    }

    /// The offset of a node's content after its anchor and tag (`&a !t {`):
    /// a collection's span starts at its properties.
    fn after_properties(&self, mut at: u32) -> usize {
        let bytes = self.text.as_bytes();
        while let Some(b'&' | b'!') = bytes.get(at as usize) {
            while bytes
                .get(at as usize)
                .is_some_and(|b| !b.is_ascii_whitespace())
            {
                at += 1;
            }
            while bytes.get(at as usize).is_some_and(u8::is_ascii_whitespace) {
                at += 1;
            }
        }
        at as usize
    }

    /// saphyr's scalar spans vary by style; normalise to the scalar's written text
    /// (quotes included for quoted scalars, the indicator line included for block
    /// scalars, trailing whitespace excluded).
    fn scalar_range(&self, range: TextRange, style: ScalarStyle) -> TextRange {
        let bytes = self.text.as_bytes();
        let mut start = range.start;
        let mut end = range.end.max(start);
        if matches!(style, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted) {
            let quote = if style == ScalarStyle::SingleQuoted {
                b'\''
            } else {
                b'"'
            };
            if start > 0
                && bytes.get(start as usize) != Some(&quote)
                && bytes.get(start as usize - 1) == Some(&quote)
            {
                start -= 1;
            }
            if end < bytes.len() as u32
                && bytes.get(end as usize - 1) != Some(&quote)
                && bytes.get(end as usize) == Some(&quote)
            {
                end += 1;
            }
        }
        while end > start
            && matches!(
                bytes.get(end as usize - 1),
                Some(b' ' | b'\t' | b'\n' | b'\r')
            )
        {
            end -= 1;
        }
        TextRange::new(start, end)
    }

    fn collection_end(
        &self,
        flow: bool,
        end_event: TextRange,
        last_child: Option<NodeId>,
        start: u32,
    ) -> u32 {
        if flow {
            return end_event.end.max(start);
        }
        match last_child {
            Some(child) => self.nodes[child.0 as usize].range.end.max(start),
            None => start,
        }
    }

    fn push(&mut self, node: Node) -> NodeId {
        self.nodes.push(node);
        NodeId(self.nodes.len() as u32 - 1)
    }

    /// Adds a finished node to the collection being built, or makes it the root.
    fn attach(&mut self, id: NodeId) -> bool {
        match self.stack.last_mut() {
            None => {
                self.root = Some(id);
            }
            Some(Frame::Sequence { items, .. }) => items.push(id),
            Some(Frame::Mapping { pairs, key, .. }) => match key.take() {
                None => *key = Some(id),
                Some(key) => pairs.push((key, id)),
            },
        }
        true
    }

    /// Turns raw pairs into entries: reports duplicate and non-scalar keys, and
    /// applies `<<` merges (explicit keys win; earlier merged mappings win).
    fn resolve_entries(&mut self, pairs: Vec<(NodeId, NodeId)>) -> Vec<Entry> {
        let nodes = &self.nodes;
        let mut errors = Vec::new();
        let mut entries: Vec<Entry> = Vec::with_capacity(pairs.len());
        // Keys borrowed from the tree: no copy of a key per mapping.
        let mut seen: HashMap<&str, NodeId> = HashMap::with_capacity(pairs.len());
        let mut merges: Vec<NodeId> = Vec::new();
        for (key, value) in pairs {
            let key_node = &nodes[key.0 as usize];
            let key_text = match &key_node.kind {
                NodeKind::Scalar(scalar) => {
                    if scalar.style == ScalarStyle::Plain && scalar.text == "<<" {
                        merges.push(value);
                        continue;
                    }
                    scalar.text.as_str()
                }
                _ => {
                    errors.push(SyntaxError {
                        range: key_node.range,
                        message: "mapping keys must be strings".to_string(),
                        related: None,
                    });
                    continue;
                }
            };
            if let Some(first) = seen.get(key_text) {
                let first_range = nodes[first.0 as usize].range;
                errors.push(SyntaxError {
                    range: key_node.range,
                    message: format!("duplicate key \"{key_text}\""),
                    related: Some((first_range, "first defined here".to_string())),
                });
                continue;
            }
            seen.insert(key_text, key);
            entries.push(Entry {
                key,
                value,
                merged_via: None,
            });
        }
        for merge in merges {
            let sources: &[NodeId] = match &nodes[self.resolve(merge).0 as usize].kind {
                NodeKind::Sequence(items) => items,
                _ => std::slice::from_ref(&merge),
            };
            for &source in sources {
                let target = self.resolve(source);
                let NodeKind::Mapping(merged) = &nodes[target.0 as usize].kind else {
                    errors.push(SyntaxError {
                        range: nodes[source.0 as usize].range,
                        message: "a merge key `<<` takes a mapping or a list of mappings"
                            .to_string(),
                        related: None,
                    });
                    continue;
                };
                for entry in merged {
                    let key_text = node_key_text(nodes, entry);
                    if seen.contains_key(key_text) {
                        continue;
                    }
                    seen.insert(key_text, entry.key);
                    entries.push(Entry {
                        merged_via: Some(source),
                        ..entry.clone()
                    });
                }
            }
        }
        self.errors.extend(errors);
        entries
    }

    fn resolve(&self, mut id: NodeId) -> NodeId {
        while let NodeKind::Alias(target) = self.nodes[id.0 as usize].kind {
            id = target;
        }
        id
    }
}

fn null_node(range: TextRange) -> Node {
    Node {
        kind: NodeKind::Scalar(Scalar {
            value: ScalarValue::Null,
            text: String::new(),
            style: ScalarStyle::Plain,
        }),
        range,
        flow: false,
    }
}

/// Applies the YAML 1.2 core schema to a plain scalar (quoted and block scalars are
/// strings); `!!str`, `!!int`, `!!float`, `!!bool`, `!!null` tags are honoured.
fn type_scalar(value: Cow<'_, str>, style: ScalarStyle, tag: Option<&str>) -> Scalar {
    let mut text = value.into_owned();
    // The scanner's buffer may have grown past the text: the tree keeps it
    // for the life of the build.
    text.shrink_to_fit();
    let value = match tag {
        Some("str") => ScalarValue::String,
        Some("null") => ScalarValue::Null,
        Some("bool") | Some("int") | Some("float") => {
            core_schema(&text).unwrap_or(ScalarValue::String)
        }
        _ if style != ScalarStyle::Plain => ScalarValue::String,
        _ => core_schema(&text).unwrap_or(ScalarValue::String),
    };
    Scalar { value, text, style }
}

fn core_schema(text: &str) -> Option<ScalarValue> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(ScalarValue::Null),
        "true" | "True" | "TRUE" => return Some(ScalarValue::Bool(true)),
        "false" | "False" | "FALSE" => return Some(ScalarValue::Bool(false)),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = text.strip_prefix('+').unwrap_or(text).parse::<u64>() {
            return Some(ScalarValue::Integer(Number::from(n)));
        }
        if let Ok(n) = text.parse::<i64>() {
            return Some(ScalarValue::Integer(Number::from(n)));
        }
        return text.parse::<f64>().ok().map(ScalarValue::Float);
    }
    if is_core_float(unsigned) {
        return text
            .strip_prefix('+')
            .unwrap_or(text)
            .parse::<f64>()
            .ok()
            .map(ScalarValue::Float);
    }
    None
}

/// `(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?` (infinity and NaN stay
/// strings: JSON cannot hold them).
fn is_core_float(text: &str) -> bool {
    let (mantissa, exponent) = match text.find(['e', 'E']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
                && !(int.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = match exponent {
        None => true,
        Some(exp) => {
            let digits = exp.strip_prefix(['-', '+']).unwrap_or(exp);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        }
    };
    mantissa_ok && exponent_ok
}

/// Where a JSON pointer lands in a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// The node the pointer names (aliases followed).
    pub node: NodeId,
    /// The node's range at the use site: when the path passes through an alias,
    /// the outermost alias's range, else the node's own range.
    pub range: TextRange,
    /// The range of the key of the mapping entry holding the node, at the use
    /// site (None for the root and sequence items).
    pub key_range: Option<TextRange>,
    /// When the path passes through an alias or merge: the range of the node in
    /// its anchored definition.
    pub anchor_range: Option<TextRange>,
    /// True when the node is a block (not flow) mapping or sequence.
    pub is_block_collection: bool,
}

/// Why [`Tree::to_json`] could not expand a node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpansionError {
    pub range: TextRange,
    pub message: String,
}

impl Tree {
    pub fn root(&self) -> Option<NodeId> {
        self.root
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Follows aliases to the node they name.
    pub fn resolve(&self, mut id: NodeId) -> NodeId {
        while let NodeKind::Alias(target) = self.node(id).kind {
            id = target;
        }
        id
    }

    /// The entries of a mapping node (after aliases), or an empty slice.
    pub fn entries(&self, id: NodeId) -> &[Entry] {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Mapping(entries) => entries,
            _ => &[],
        }
    }

    /// The items of a sequence node (after aliases), or an empty slice.
    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Sequence(items) => items,
            _ => &[],
        }
    }

    /// The text of an entry's key.
    pub fn key_text(&self, entry: &Entry) -> &str {
        node_key_text(&self.nodes, entry)
    }

    /// The scalar of a node (after aliases), if it is one.
    pub fn scalar(&self, id: NodeId) -> Option<&Scalar> {
        match &self.node(self.resolve(id)).kind {
            NodeKind::Scalar(scalar) => Some(scalar),
            _ => None,
        }
    }

    /// The whole document as JSON (an empty file is `null`).
    pub fn document_json(&self) -> Result<Value, ExpansionError> {
        match self.root {
            None => Ok(Value::Null),
            Some(root) => self.to_json(root),
        }
    }

    /// Expands a node into JSON, following aliases and merges. Iterative (an
    /// explicit stack, so a chain of aliases cannot overflow the native one)
    /// and bounded by the *expanded* value: at most
    /// [`Limits::max_expanded_nodes`] values and [`Limits::max_depth`] levels.
    /// When a bound is passed, the error is at the outermost alias on the
    /// path (the use site that brought the expansion in), else at the node.
    pub fn to_json(&self, id: NodeId) -> Result<Value, ExpansionError> {
        let mut budget = self.limits.max_expanded_nodes.max(1);
        let max_depth = self.limits.max_depth.max(1);
        let mut stack: Vec<Expanding<'_>> = Vec::new();
        // The next node to expand, with the outermost alias above it.
        let mut next = (id, None::<NodeId>);
        loop {
            let (node, outer_alias) = next;
            let alias = outer_alias
                .or_else(|| matches!(self.node(node).kind, NodeKind::Alias(_)).then_some(node));
            let blame = |message: String| ExpansionError {
                range: self.node(alias.unwrap_or(node)).range,
                message,
            };
            if budget == 0 {
                return Err(blame(format!(
                    "expanding aliases here produces more than {} values; is this an alias bomb?",
                    self.limits.max_expanded_nodes
                )));
            }
            budget -= 1;
            let mut value = match &self.node(self.resolve(node)).kind {
                NodeKind::Scalar(scalar) => Some(scalar_json(scalar)),
                NodeKind::Alias(_) => Some(Value::Null),
                kind @ (NodeKind::Sequence(_) | NodeKind::Mapping(_)) => {
                    if stack.len() >= max_depth {
                        return Err(blame(format!(
                            "expanding aliases here nests values deeper than {max_depth} levels"
                        )));
                    }
                    stack.push(Expanding::new(kind, alias, budget));
                    None
                }
            };
            // Attach finished values upward until a frame has a child left.
            loop {
                let Some(top) = stack.last_mut() else {
                    return Ok(value.unwrap_or(Value::Null));
                };
                if let Some(value) = value.take() {
                    top.attach(value);
                }
                if let Some(child) = top.next_child(self) {
                    next = (child, top.alias);
                    break;
                }
                value = stack.pop().map(Expanding::finish);
            }
        }
    }

    /// Finds the node a JSON pointer names, with its ranges (see [`Located`]).
    /// Sequence tokens must be indices; `-` and out-of-range indices find nothing.
    pub fn locate(&self, pointer: &str) -> Option<Located> {
        let root = self.root?;
        let mut current = root;
        let mut range = self.node(root).range;
        let mut key_range = None;
        // Set once the path leaves the literal text through an alias or a merge.
        let mut left_use_site = false;
        for token in pointer_tokens(pointer)? {
            if matches!(self.node(current).kind, NodeKind::Alias(_)) {
                left_use_site = true;
            }
            let (next, next_key, via) = match &self.node(self.resolve(current)).kind {
                NodeKind::Mapping(entries) => {
                    let entry = entries.iter().find(|entry| self.key_text(entry) == token)?;
                    (
                        entry.value,
                        Some(self.node(entry.key).range),
                        entry.merged_via,
                    )
                }
                NodeKind::Sequence(items) => {
                    let index: usize = token.parse().ok()?;
                    (*items.get(index)?, None, None)
                }
                _ => return None,
            };
            if !left_use_site {
                if let Some(via) = via {
                    left_use_site = true;
                    range = self.node(via).range;
                    key_range = Some(range);
                } else {
                    range = self.node(next).range;
                    key_range = next_key;
                }
            }
            current = next;
        }
        let resolved = self.resolve(current);
        let anchor_range =
            (left_use_site || current != resolved).then(|| self.node(resolved).range);
        let node = self.node(resolved);
        Some(Located {
            node: resolved,
            range,
            key_range,
            anchor_range,
            is_block_collection: !node.flow
                && matches!(node.kind, NodeKind::Mapping(_) | NodeKind::Sequence(_)),
        })
    }

    /// The JSON pointer of the deepest node whose range contains `offset`, with
    /// aliases not followed (positions inside an anchor's definition map to
    /// the definition). Used by editor features.
    pub fn pointer_at(&self, offset: u32) -> Option<String> {
        let mut current = self.root?;
        let mut pointer = String::new();
        'descend: loop {
            match &self.node(current).kind {
                NodeKind::Mapping(entries) => {
                    for entry in entries.iter().filter(|entry| entry.merged_via.is_none()) {
                        let key = self.node(entry.key).range;
                        let value = self.node(entry.value).range;
                        if key.contains_inclusive(offset) || value.contains_inclusive(offset) {
                            push_token(&mut pointer, self.key_text(entry));
                            current = entry.value;
                            continue 'descend;
                        }
                    }
                    return Some(pointer);
                }
                NodeKind::Sequence(items) => {
                    for (index, item) in items.iter().enumerate() {
                        if self.node(*item).range.contains_inclusive(offset) {
                            push_token(&mut pointer, &index.to_string());
                            current = *item;
                            continue 'descend;
                        }
                    }
                    return Some(pointer);
                }
                _ => return Some(pointer),
            }
        }
    }
}

/// A sequence or mapping being expanded by [`Tree::to_json`].
struct Expanding<'t> {
    partial: Partial<'t>,
    /// The outermost alias on the path to this collection, if any.
    alias: Option<NodeId>,
}

enum Partial<'t> {
    Sequence(Vec<Value>, std::slice::Iter<'t, NodeId>),
    /// The map so far, the entries left, and the key of the child being expanded.
    Mapping(Map<String, Value>, std::slice::Iter<'t, Entry>, &'t str),
}

impl<'t> Expanding<'t> {
    fn new(kind: &'t NodeKind, alias: Option<NodeId>, budget: usize) -> Expanding<'t> {
        let partial = match kind {
            NodeKind::Sequence(items) => {
                Partial::Sequence(Vec::with_capacity(items.len().min(budget)), items.iter())
            }
            NodeKind::Mapping(entries) => Partial::Mapping(
                Map::with_capacity(entries.len().min(budget)),
                entries.iter(),
                "",
            ),
            NodeKind::Scalar(_) | NodeKind::Alias(_) => {
                Partial::Sequence(Vec::new(), <&[NodeId]>::default().iter())
            }
        };
        Expanding { partial, alias }
    }

    fn next_child(&mut self, tree: &'t Tree) -> Option<NodeId> {
        match &mut self.partial {
            Partial::Sequence(_, items) => items.next().copied(),
            Partial::Mapping(_, entries, key) => {
                let entry = entries.next()?;
                *key = tree.key_text(entry);
                Some(entry.value)
            }
        }
    }

    fn attach(&mut self, value: Value) {
        match &mut self.partial {
            Partial::Sequence(out, _) => out.push(value),
            Partial::Mapping(out, _, key) => {
                out.insert((*key).to_string(), value);
            }
        }
    }

    fn finish(self) -> Value {
        match self.partial {
            Partial::Sequence(out, _) => Value::Array(out),
            Partial::Mapping(out, ..) => Value::Object(out),
        }
    }
}

/// The text of an entry's key (always a scalar: other keys are dropped when
/// the mapping is built).
fn node_key_text<'n>(nodes: &'n [Node], entry: &Entry) -> &'n str {
    match &nodes[entry.key.0 as usize].kind {
        NodeKind::Scalar(scalar) => &scalar.text,
        _ => "",
    }
}

/// Converts a typed scalar to JSON (non-finite floats become strings).
fn scalar_json(scalar: &Scalar) -> Value {
    match &scalar.value {
        ScalarValue::Null => Value::Null,
        ScalarValue::Bool(b) => Value::Bool(*b),
        ScalarValue::Integer(n) => Value::Number(n.clone()),
        ScalarValue::Float(f) => Number::from_f64(*f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(scalar.text.clone())),
        ScalarValue::String => Value::String(scalar.text.clone()),
    }
}
