//! YAML text → [`Tree`]: a node arena in which every scalar, sequence, mapping,
//! key and alias keeps its byte range.
//!
//! Built on `saphyr-parser`'s event stream (and on [`fast`], a faster parser
//! of the YAML catalogs are made of, which feeds the same builder and hands
//! anything else to saphyr), because we need what no YAML value
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

mod fast;

use std::collections::HashMap;
use std::sync::Arc;

use json::pointer::{push_token, tokens as pointer_tokens};
use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle, Span};
use serde_json::{Map, Number, Value};
use text::TextRange;

/// Index of a node in its [`Tree`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

/// Stands for "no node" in an [`Entry`] (a tree never has `u32::MAX` nodes:
/// that would take more text than a `u32` offset reaches).
const NO_NODE: NodeId = NodeId(u32::MAX);

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
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ScalarValue {
    Null,
    Bool(bool),
    /// A non-negative integer that fits in `u64`.
    UInt(u64),
    /// A negative integer that fits in `i64`.
    Int(i64),
    Float(f64),
    /// A string: its content is the scalar's [`Scalar::text`] (held once).
    String,
}

/// A scalar node, as [`Tree::node`] and [`Tree::scalar`] show it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scalar<'t> {
    pub value: ScalarValue,
    /// The scalar's content as text (after unescaping, before typing); for
    /// a string, its value.
    pub text: &'t str,
    pub style: ScalarStyle,
}

/// One key/value pair of a mapping, after `<<` merges are applied. The key
/// is always a scalar; its text is [`Tree::key_text`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub key: NodeId,
    pub value: NodeId,
    /// [`NO_NODE`] unless the entry came in through a merge.
    merged_via: NodeId,
}

impl Entry {
    /// When this entry came in through a `<<` merge: the node written after `<<`
    /// (an alias or an inline mapping) at the use site.
    pub fn merged_via(&self) -> Option<NodeId> {
        (self.merged_via != NO_NODE).then_some(self.merged_via)
    }
}

/// A node as [`Tree::node`] shows it: a view over the tree's compact storage.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NodeKind<'t> {
    Scalar(Scalar<'t>),
    Sequence(&'t [NodeId]),
    Mapping(&'t [Entry]),
    /// `*name`: refers to the anchored node.
    Alias(NodeId),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Node<'t> {
    pub kind: NodeKind<'t>,
    /// The node's own text: for an alias, the `*name` token.
    pub range: TextRange,
    /// True for `{…}` and `[…]` collections.
    pub flow: bool,
}

/// A node as the tree stores it (20 bytes; pinned by a test): no heap
/// allocation of its own. A scalar's text is a slice of the source when the
/// content is written as is (most plain and quoted scalars), else of the
/// tree's `cooked` string; the children of every sequence and mapping are
/// one run of the tree's `items` or `entries`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StoredNode {
    range: TextRange,
    kind: Stored,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stored {
    Scalar {
        text: u32,
        len: u32,
        cooked: bool,
        typed: Typed,
        style: ScalarStyle,
    },
    Sequence {
        start: u32,
        len: u32,
        flow: bool,
    },
    Mapping {
        start: u32,
        len: u32,
        flow: bool,
    },
    Alias(NodeId),
}

/// A scalar's core-schema type; numbers are read again from the text when
/// asked for (the same parse that typed them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Typed {
    Null,
    False,
    True,
    UInt,
    Int,
    Float,
    String,
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

/// A parsed YAML file. It shares its source text (see [`SourceText`]) and
/// reads scalar texts from it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tree {
    source: Arc<str>,
    nodes: Vec<StoredNode>,
    /// The items of every sequence, each sequence's a contiguous run.
    items: Vec<NodeId>,
    /// The entries of every mapping, each mapping's a contiguous run.
    entries: Vec<Entry>,
    /// The texts of scalars whose content differs from what is written
    /// (escapes, folded lines, block scalars), one after the other.
    cooked: String,
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

/// Text a [`Tree`] can keep: an `Arc<str>` (or a reference to one) is shared,
/// other text is copied once.
pub trait SourceText {
    fn into_source(self) -> Arc<str>;
}

impl SourceText for Arc<str> {
    fn into_source(self) -> Arc<str> {
        self
    }
}

impl SourceText for &Arc<str> {
    fn into_source(self) -> Arc<str> {
        Arc::clone(self)
    }
}

impl SourceText for &str {
    fn into_source(self) -> Arc<str> {
        Arc::from(self)
    }
}

impl SourceText for &String {
    fn into_source(self) -> Arc<str> {
        Arc::from(self.as_str())
    }
}

impl SourceText for String {
    fn into_source(self) -> Arc<str> {
        Arc::from(self)
    }
}

/// Parses `text` with the default [`Limits`].
pub fn parse(text: impl SourceText) -> Parse {
    parse_with_limits(text, Limits::default())
}

pub fn parse_with_limits(text: impl SourceText, limits: Limits) -> Parse {
    let source = text.into_source();
    let mut builder = Builder::new(&source, limits);
    // About what catalogs hold (a node per 9 bytes, an entry per 20), so a
    // large file's vectors are not doubled past twice their need on the
    // way (the 20 MB catalog's peak memory was 14 MB higher without it);
    // `finish` trims them.
    builder.tree.nodes.reserve(source.len() / 8);
    builder.tree.entries.reserve(source.len() / 20);
    if fast::parse(&mut builder).is_err() {
        builder = Builder::new(&source, limits);
        builder.run();
    }
    builder.finish()
}

/// The two parsers side by side, for the differential tests: saphyr's
/// (the reference every result must equal) and the fast path's (None when
/// it declined the text).
#[doc(hidden)]
pub mod differential {
    use super::*;

    /// Parses with saphyr only.
    pub fn reference(text: impl SourceText, limits: Limits) -> Parse {
        let source = text.into_source();
        let mut builder = Builder::new(&source, limits);
        builder.run();
        builder.finish()
    }

    /// Parses with the fast path only; None when it declined.
    pub fn fast(text: impl SourceText, limits: Limits) -> Option<Parse> {
        let source = text.into_source();
        let mut builder = Builder::new(&source, limits);
        fast::parse(&mut builder).ok()?;
        Some(builder.finish())
    }
}

/// Where a node's content starts when its range starts at `at` with an
/// anchor (`&a`) or a tag (`!t`) before it: after them and the white space
/// that follows each.
fn after_properties(bytes: &[u8], mut at: usize) -> usize {
    while matches!(bytes.get(at), Some(b'&' | b'!')) {
        while bytes
            .get(at)
            .is_some_and(|byte| !byte.is_ascii_whitespace())
        {
            at += 1;
        }
        while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
            at += 1;
        }
    }
    at
}

/// The offset of the quote that closes the quoted scalar opening at `open`
/// (`''` is a quote inside single quotes, a backslash escapes inside double
/// quotes).
fn closing_quote(bytes: &[u8], open: usize, quote: u8) -> Option<usize> {
    if bytes.get(open) != Some(&quote) {
        return None;
    }
    let mut at = open + 1;
    while let Some(&byte) = bytes.get(at) {
        if quote == b'"' && byte == b'\\' {
            at += 2;
        } else if byte == quote {
            if quote == b'\'' && bytes.get(at + 1) == Some(&b'\'') {
                at += 2;
            } else {
                return Some(at);
            }
        } else {
            at += 1;
        }
    }
    None
}

/// Maps saphyr's character indices to byte offsets.
#[derive(Default)]
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

/// A collection being built. Its children wait on the builder's `open_items`
/// or `open_pairs` from `base` on (nested collections push after them and
/// take theirs off when they close), and move into the tree's shared vector
/// when it closes, so no collection has a vector of its own.
enum Frame {
    Sequence {
        start: u32,
        flow: bool,
        base: usize,
        anchor: usize,
    },
    Mapping {
        start: u32,
        flow: bool,
        base: usize,
        key: Option<NodeId>,
        anchor: usize,
    },
}

struct Builder<'t> {
    text: &'t str,
    offsets: CharOffsets,
    tree: Tree,
    stack: Vec<Frame>,
    /// The items of the open sequences (see [`Frame`]).
    open_items: Vec<NodeId>,
    /// The key/value pairs of the open mappings (see [`Frame`]).
    open_pairs: Vec<(NodeId, NodeId)>,
    /// saphyr anchor id → node.
    anchors: HashMap<usize, NodeId>,
    /// Anchor ids of collections still being built (an alias to one is a cycle).
    open_anchors: Vec<usize>,
    errors: Vec<SyntaxError>,
    documents: usize,
    limits: Limits,
    /// While > 0 we are inside collections nested beyond `max_depth`, which are
    /// skipped (one error reported) rather than built.
    skip_depth: usize,
    /// The kind of the first node started at the top level.
    outer: Option<Outer>,
}

impl<'t> Builder<'t> {
    fn new(source: &'t Arc<str>, limits: Limits) -> Builder<'t> {
        Builder {
            text: source,
            offsets: CharOffsets::default(),
            tree: Tree {
                source: Arc::clone(source),
                limits: LimitsEq {
                    max_expanded_nodes: limits.max_expanded_nodes,
                    max_depth: limits.max_depth,
                },
                ..Tree::default()
            },
            stack: Vec::new(),
            open_items: Vec::new(),
            open_pairs: Vec::new(),
            anchors: HashMap::new(),
            open_anchors: Vec::new(),
            errors: Vec::new(),
            documents: 0,
            limits,
            skip_depth: 0,
            outer: None,
        }
    }

    fn finish(self) -> Parse {
        let Builder {
            mut tree,
            errors,
            outer,
            ..
        } = self;
        // Kept for the life of the build: drop the slack of the last doublings.
        tree.nodes.shrink_to_fit();
        tree.items.shrink_to_fit();
        tree.entries.shrink_to_fit();
        tree.cooked.shrink_to_fit();
        Parse {
            tree,
            errors,
            outer,
        }
    }

    fn range(&self, span: &Span) -> TextRange {
        TextRange::new(
            self.offsets.byte(span.start.index()),
            self.offsets.byte(span.end.index()),
        )
    }

    fn run(&mut self) {
        self.offsets = CharOffsets::new(self.text);
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
                        let id = self.push(null_node(range));
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
                self.alias(anchor, range);
                true
            }
            Event::Scalar(value, style, anchor, tag) => {
                let style = match style {
                    SaphyrStyle::Plain => ScalarStyle::Plain,
                    SaphyrStyle::SingleQuoted => ScalarStyle::SingleQuoted,
                    SaphyrStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
                    SaphyrStyle::Literal => ScalarStyle::Literal,
                    SaphyrStyle::Folded => ScalarStyle::Folded,
                };
                let range = self.scalar_range(range, style);
                self.scalar(
                    &value,
                    style,
                    tag.as_ref().map(|tag| &*tag.suffix),
                    anchor,
                    range,
                );
                true
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
                let sequence = matches!(event, Event::SequenceStart(..));
                self.open(sequence, flow, range.start, anchor);
                true
            }
            Event::SequenceEnd | Event::MappingEnd => {
                self.close(range.end);
                true
            }
        }
    }

    /// Adds an alias to saphyr's anchor id `anchor` (an error and a null
    /// when it names no anchor, or one still open: a cycle).
    pub(super) fn alias(&mut self, anchor: usize, range: TextRange) {
        let node = match self.anchors.get(&anchor) {
            Some(_) if self.open_anchors.contains(&anchor) => {
                Err("alias refers to a node that contains it (a cycle)")
            }
            Some(&target) => Ok(StoredNode {
                range,
                kind: Stored::Alias(target),
            }),
            None => Err("alias refers to an unknown anchor"),
        };
        let node = node.unwrap_or_else(|message| {
            self.errors.push(SyntaxError {
                range,
                message: message.to_string(),
                related: None,
            });
            null_node(range)
        });
        let id = self.push(node);
        self.attach(id);
    }

    /// Adds a scalar whose range is already normalised (see
    /// [`Builder::scalar_range`]); `anchor` 0 is none.
    pub(super) fn scalar(
        &mut self,
        value: &str,
        style: ScalarStyle,
        tag: Option<&str>,
        anchor: usize,
        range: TextRange,
    ) {
        let typed = type_scalar(value, style, tag);
        let (text, len, cooked) = self.keep_text(value, range, style);
        let id = self.push(StoredNode {
            range,
            kind: Stored::Scalar {
                text,
                len,
                cooked,
                typed,
                style,
            },
        });
        if anchor > 0 {
            self.anchors.insert(anchor, id);
        }
        self.attach(id);
    }

    /// Opens a sequence or mapping starting at `start` (its properties, if
    /// any); the caller has checked the depth limit.
    pub(super) fn open(&mut self, sequence: bool, flow: bool, start: u32, anchor: usize) {
        if anchor > 0 {
            self.open_anchors.push(anchor);
        }
        self.stack.push(if sequence {
            Frame::Sequence {
                start,
                flow,
                base: self.open_items.len(),
                anchor,
            }
        } else {
            Frame::Mapping {
                start,
                flow,
                base: self.open_pairs.len(),
                key: None,
                anchor,
            }
        });
    }

    /// Closes the innermost open collection; `end` is where its end event
    /// ends (a flow collection's range ends there, a block one's at its last
    /// child).
    pub(super) fn close(&mut self, end: u32) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        let (id, anchor) = match frame {
            Frame::Sequence {
                start,
                flow,
                base,
                anchor,
            } => {
                let last = self.open_items.get(base..).and_then(<[_]>::last).copied();
                let end = self.collection_end(flow, end, last, start);
                let first = self.tree.items.len();
                let base = base.min(self.open_items.len());
                self.tree.items.extend(self.open_items.drain(base..));
                let id = self.push(StoredNode {
                    range: TextRange::new(start, end),
                    kind: Stored::Sequence {
                        start: first as u32,
                        len: (self.tree.items.len() - first) as u32,
                        flow,
                    },
                });
                (id, anchor)
            }
            Frame::Mapping {
                start,
                flow,
                base,
                anchor,
                ..
            } => {
                let base = base.min(self.open_pairs.len());
                let last = self.open_pairs[base..].last().map(|(_, value)| *value);
                let end = self.collection_end(flow, end, last, start);
                let first = self.tree.entries.len();
                self.resolve_entries(base);
                self.open_pairs.truncate(base);
                let id = self.push(StoredNode {
                    range: TextRange::new(start, end),
                    kind: Stored::Mapping {
                        start: first as u32,
                        len: (self.tree.entries.len() - first) as u32,
                        flow,
                    },
                });
                (id, anchor)
            }
        };
        if anchor > 0 {
            self.open_anchors.retain(|open| *open != anchor);
            self.anchors.insert(anchor, id);
        }
        self.attach(id);
    }

    /// Where a scalar's text is kept: `(offset, len, in cooked)`. The source
    /// slice when the content is written as is (a plain scalar, after any
    /// anchor or tag; a quoted one between its quotes), else a copy in the
    /// tree's `cooked` text.
    fn keep_text(&mut self, value: &str, range: TextRange, style: ScalarStyle) -> (u32, u32, bool) {
        let len = value.len() as u32;
        if value.is_empty() {
            return (range.start, 0, false);
        }
        let written = match style {
            ScalarStyle::Plain => range.end.checked_sub(len),
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => range.end.checked_sub(len + 1),
            ScalarStyle::Literal | ScalarStyle::Folded => None,
        };
        if let Some(at) = written.filter(|at| *at >= range.start)
            && let Some(source) = self.text.get(at as usize..(at + len) as usize)
            // The fast path passes the source slice itself.
            && (std::ptr::eq(source.as_ptr(), value.as_ptr()) || source == value)
        {
            return (at, len, false);
        }
        let at = self.tree.cooked.len() as u32;
        self.tree.cooked.push_str(value);
        (at, len, true)
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
            // saphyr's span of a quoted scalar runs over a comment after it on
            // its line: end at the closing quote.
            if let Some(close) =
                closing_quote(bytes, after_properties(bytes, start as usize), quote)
            {
                end = end.min(close as u32 + 1);
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
        end_event: u32,
        last_child: Option<NodeId>,
        start: u32,
    ) -> u32 {
        if flow {
            return end_event.max(start);
        }
        match last_child {
            Some(child) => self.tree.nodes[child.0 as usize].range.end.max(start),
            None => start,
        }
    }

    fn push(&mut self, node: StoredNode) -> NodeId {
        self.tree.nodes.push(node);
        NodeId(self.tree.nodes.len() as u32 - 1)
    }

    /// Adds a finished node to the collection being built, or makes it the root.
    fn attach(&mut self, id: NodeId) -> bool {
        match self.stack.last_mut() {
            None => {
                self.tree.root = Some(id);
            }
            Some(Frame::Sequence { .. }) => self.open_items.push(id),
            Some(Frame::Mapping { key, .. }) => match key.take() {
                None => *key = Some(id),
                Some(key) => self.open_pairs.push((key, id)),
            },
        }
        true
    }

    /// Turns the open pairs from `base` on into the tree's entries: reports
    /// duplicate and non-scalar keys, and applies `<<` merges (explicit keys
    /// win; earlier merged mappings win).
    fn resolve_entries(&mut self, base: usize) {
        let tree = &mut self.tree;
        let pairs = &self.open_pairs[base..];
        let first = tree.entries.len();
        let mut seen = Seen::default();
        let mut merges: Vec<NodeId> = Vec::new();
        for &(key, value) in pairs {
            let key_node = tree.nodes[key.0 as usize];
            let Stored::Scalar { style, .. } = key_node.kind else {
                self.errors.push(SyntaxError {
                    range: key_node.range,
                    message: "mapping keys must be strings".to_string(),
                    related: None,
                });
                continue;
            };
            let key_text = tree.stored_text(key);
            if style == ScalarStyle::Plain && key_text == "<<" {
                merges.push(value);
                continue;
            }
            if let Some(first) = seen.find(tree, first, key_text) {
                let first_range = tree.nodes[first.0 as usize].range;
                self.errors.push(SyntaxError {
                    range: key_node.range,
                    message: format!("duplicate key \"{key_text}\""),
                    related: Some((first_range, "first defined here".to_string())),
                });
                continue;
            }
            tree.entries.push(Entry {
                key,
                value,
                merged_via: NO_NODE,
            });
        }
        for merge in merges {
            let single = [merge];
            let sources: &[NodeId] = match tree.nodes[tree.resolve(merge).0 as usize].kind {
                Stored::Sequence { start, len, .. } => {
                    &tree.items[start as usize..(start + len) as usize]
                }
                _ => &single,
            };
            for &source in sources {
                let target = tree.resolve(source);
                let Stored::Mapping { start, len, .. } = tree.nodes[target.0 as usize].kind else {
                    self.errors.push(SyntaxError {
                        range: tree.nodes[source.0 as usize].range,
                        message: "a merge key `<<` takes a mapping or a list of mappings"
                            .to_string(),
                        related: None,
                    });
                    continue;
                };
                for index in start as usize..(start + len) as usize {
                    let entry = tree.entries[index];
                    if seen
                        .find(tree, first, tree.stored_text(entry.key))
                        .is_some()
                    {
                        continue;
                    }
                    tree.entries.push(Entry {
                        merged_via: source,
                        ..entry
                    });
                }
            }
        }
    }
}

/// The keys of the mapping being resolved: its entries so far (from
/// `first` on), searched in order while they are few, through an index
/// built once they are many.
#[derive(Default)]
struct Seen {
    /// Key text → its first key node, for the entries up to `indexed`.
    index: HashMap<Box<str>, NodeId>,
    indexed: usize,
}

impl Seen {
    /// Mappings up to this many entries are searched without an index.
    const SCAN: usize = 16;

    /// The key node of an earlier entry with this key text.
    fn find(&mut self, tree: &Tree, first: usize, key: &str) -> Option<NodeId> {
        let entries = &tree.entries[first..];
        if entries.len() <= Seen::SCAN {
            return entries
                .iter()
                .find(|entry| tree.stored_text(entry.key) == key)
                .map(|entry| entry.key);
        }
        for entry in &entries[self.indexed..] {
            self.index
                .entry(tree.stored_text(entry.key).into())
                .or_insert(entry.key);
        }
        self.indexed = entries.len();
        self.index.get(key).copied()
    }
}

fn null_node(range: TextRange) -> StoredNode {
    StoredNode {
        range,
        kind: Stored::Scalar {
            text: range.start,
            len: 0,
            cooked: false,
            typed: Typed::Null,
            style: ScalarStyle::Plain,
        },
    }
}

/// Applies the YAML 1.2 core schema to a plain scalar (quoted and block scalars are
/// strings); `!!str`, `!!int`, `!!float`, `!!bool`, `!!null` tags are honoured.
fn type_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Typed {
    match tag {
        Some("str") => Typed::String,
        Some("null") => Typed::Null,
        Some("bool") | Some("int") | Some("float") => core_schema(text).unwrap_or(Typed::String),
        _ if style != ScalarStyle::Plain => Typed::String,
        _ => core_schema(text).unwrap_or(Typed::String),
    }
}

fn core_schema(text: &str) -> Option<Typed> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Typed::Null),
        "true" | "True" | "TRUE" => return Some(Typed::True),
        "false" | "False" | "FALSE" => return Some(Typed::False),
        _ => {}
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    // Numbers start with a digit or `.`: most strings stop here.
    if !matches!(unsigned.as_bytes().first(), Some(b'0'..=b'9' | b'.')) {
        return None;
    }
    if !unsigned.is_empty() && unsigned.bytes().all(|b| b.is_ascii_digit()) {
        return match scalar_value(Typed::UInt, text) {
            ScalarValue::UInt(_) => Some(Typed::UInt),
            _ if matches!(scalar_value(Typed::Int, text), ScalarValue::Int(_)) => Some(Typed::Int),
            _ => matches!(scalar_value(Typed::Float, text), ScalarValue::Float(_))
                .then_some(Typed::Float),
        };
    }
    (is_core_float(unsigned) && matches!(scalar_value(Typed::Float, text), ScalarValue::Float(_)))
        .then_some(Typed::Float)
}

/// A typed scalar's value: the one parse of its text [`core_schema`] typed it
/// by (a text that no longer parses, which cannot happen, is a string).
fn scalar_value(typed: Typed, text: &str) -> ScalarValue {
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    match typed {
        Typed::Null => ScalarValue::Null,
        Typed::False => ScalarValue::Bool(false),
        Typed::True => ScalarValue::Bool(true),
        Typed::UInt => unsigned
            .parse()
            .map_or(ScalarValue::String, ScalarValue::UInt),
        Typed::Int => text.parse().map_or(ScalarValue::String, ScalarValue::Int),
        Typed::Float => unsigned
            .parse()
            .map_or(ScalarValue::String, ScalarValue::Float),
        Typed::String => ScalarValue::String,
    }
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

    /// A view of a node.
    pub fn node(&self, id: NodeId) -> Node<'_> {
        let stored = self.nodes[id.0 as usize];
        let (kind, flow) = match stored.kind {
            Stored::Scalar { typed, style, .. } => {
                let text = self.stored_text(id);
                let value = scalar_value(typed, text);
                (NodeKind::Scalar(Scalar { value, text, style }), false)
            }
            Stored::Sequence { start, len, flow } => (
                NodeKind::Sequence(&self.items[start as usize..(start + len) as usize]),
                flow,
            ),
            Stored::Mapping { start, len, flow } => (
                NodeKind::Mapping(&self.entries[start as usize..(start + len) as usize]),
                flow,
            ),
            Stored::Alias(target) => (NodeKind::Alias(target), false),
        };
        Node {
            kind,
            range: stored.range,
            flow,
        }
    }

    /// A node's range (cheaper than [`Tree::node`]).
    pub fn range(&self, id: NodeId) -> TextRange {
        self.nodes[id.0 as usize].range
    }

    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// How much scalar text the tree holds apart from its source.
    #[cfg(test)]
    pub(crate) fn cooked_len(&self) -> usize {
        self.cooked.len()
    }

    /// The text of a scalar node ("" for other nodes).
    fn stored_text(&self, id: NodeId) -> &str {
        let Stored::Scalar {
            text, len, cooked, ..
        } = self.nodes[id.0 as usize].kind
        else {
            return "";
        };
        let holder: &str = if cooked { &self.cooked } else { &self.source };
        holder
            .get(text as usize..(text + len) as usize)
            .unwrap_or("")
    }

    /// Follows aliases to the node they name.
    pub fn resolve(&self, mut id: NodeId) -> NodeId {
        while let Stored::Alias(target) = self.nodes[id.0 as usize].kind {
            id = target;
        }
        id
    }

    /// The entries of a mapping node (after aliases), or an empty slice.
    pub fn entries(&self, id: NodeId) -> &[Entry] {
        match self.nodes[self.resolve(id).0 as usize].kind {
            Stored::Mapping { start, len, .. } => {
                &self.entries[start as usize..(start + len) as usize]
            }
            _ => &[],
        }
    }

    /// The items of a sequence node (after aliases), or an empty slice.
    pub fn items(&self, id: NodeId) -> &[NodeId] {
        match self.nodes[self.resolve(id).0 as usize].kind {
            Stored::Sequence { start, len, .. } => {
                &self.items[start as usize..(start + len) as usize]
            }
            _ => &[],
        }
    }

    /// The text of an entry's key (always a scalar: other keys are dropped
    /// when the mapping is built).
    pub fn key_text(&self, entry: &Entry) -> &str {
        self.stored_text(entry.key)
    }

    /// The scalar of a node (after aliases), if it is one.
    pub fn scalar(&self, id: NodeId) -> Option<Scalar<'_>> {
        match self.node(self.resolve(id)).kind {
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
            let alias = outer_alias.or_else(|| {
                matches!(self.nodes[node.0 as usize].kind, Stored::Alias(_)).then_some(node)
            });
            let blame = |message: String| ExpansionError {
                range: self.range(alias.unwrap_or(node)),
                message,
            };
            if budget == 0 {
                return Err(blame(format!(
                    "expanding aliases here produces more than {} values; is this an alias bomb?",
                    self.limits.max_expanded_nodes
                )));
            }
            budget -= 1;
            let mut value = match self.node(self.resolve(node)).kind {
                NodeKind::Scalar(scalar) => Some(scalar_json(&scalar)),
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
        let mut range = self.range(root);
        let mut key_range = None;
        // Set once the path leaves the literal text through an alias or a merge.
        let mut left_use_site = false;
        for token in pointer_tokens(pointer)? {
            if matches!(self.nodes[current.0 as usize].kind, Stored::Alias(_)) {
                left_use_site = true;
            }
            let (next, next_key, via) = match self.node(self.resolve(current)).kind {
                NodeKind::Mapping(entries) => {
                    let entry = entries.iter().find(|entry| self.key_text(entry) == token)?;
                    (entry.value, Some(self.range(entry.key)), entry.merged_via())
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
                    range = self.range(via);
                    key_range = Some(range);
                } else {
                    range = self.range(next);
                    key_range = next_key;
                }
            }
            current = next;
        }
        let resolved = self.resolve(current);
        let anchor_range = (left_use_site || current != resolved).then(|| self.range(resolved));
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
            match self.node(current).kind {
                NodeKind::Mapping(entries) => {
                    for entry in entries.iter().filter(|entry| entry.merged_via().is_none()) {
                        let key = self.range(entry.key);
                        let value = self.range(entry.value);
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
                        if self.range(*item).contains_inclusive(offset) {
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
    fn new(kind: NodeKind<'t>, alias: Option<NodeId>, budget: usize) -> Expanding<'t> {
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

/// Converts a typed scalar to JSON (non-finite floats become strings).
fn scalar_json(scalar: &Scalar<'_>) -> Value {
    match scalar.value {
        ScalarValue::Null => Value::Null,
        ScalarValue::Bool(b) => Value::Bool(b),
        ScalarValue::UInt(n) => Value::Number(Number::from(n)),
        ScalarValue::Int(n) => Value::Number(Number::from(n)),
        ScalarValue::Float(f) => Number::from_f64(f)
            .map(Value::Number)
            .unwrap_or_else(|| Value::String(scalar.text.to_string())),
        ScalarValue::String => Value::String(scalar.text.to_string()),
    }
}
