//! The fast path of YAML parsing: a hand-written parser for the YAML that
//! catalogs are made of, feeding the same [`Builder`] as saphyr's events do,
//! with the same node order, ranges, texts and styles.
//!
//! It reads one document whose root is a block mapping or sequence: block
//! mappings and sequences (also a sequence at its mapping key's indentation
//! and `- key: value` items), single-line plain and quoted scalars, literal
//! block scalars (`|`, `|-`), single-line flow sequences and mappings,
//! comments, and a `---` first line. Anything else (tabs in structure, `\r`,
//! a byte order mark, anchors, aliases, tags, directives, folded or
//! keep-chomped block scalars, multi-line plain, quoted or flow nodes,
//! complex keys, long keys, any syntax error, nesting beyond a bound...)
//! makes it decline, and the caller parses the text again with saphyr from a
//! fresh builder: every rare construct and every error keeps saphyr's
//! behaviour. `tests/tests/yaml_fast_path.rs` checks that both parsers build
//! equal trees wherever the fast path accepts, and that it accepts the
//! catalogs we meet.
//!
//! saphyr's span conventions it reproduces (the builder normalises the
//! rest): a block mapping starts at its first key; a block sequence at its
//! first `-`, or at its first item's content when it sits at its mapping
//! key's indentation; a flow collection's end event runs over the spaces
//! after its closing bracket and a comment after them (a quoted scalar's
//! does too, but the builder ends its range at the closing quote); an empty mapping value
//! is at its `:`, an empty sequence item at the end of the `-` line; a block
//! scalar starts at its first content character.

use std::collections::HashMap;

use text::TextRange;

use super::{Builder, Outer, ScalarStyle};

/// The fast path gave up; parse with saphyr instead.
#[derive(Debug)]
pub(super) struct Declined;

type Result<T> = std::result::Result<T, Declined>;

/// Deepest nesting the fast path builds (its recursion is bounded by it).
const MAX_DEPTH: usize = 100;

/// Longest implicit key it accepts (YAML allows 1024 characters).
const MAX_KEY: usize = 1000;

/// Parses `builder.text` into `builder`, or declines (the builder is then in
/// an unspecified state and must be dropped).
pub(super) fn parse(builder: &mut Builder<'_>) -> Result<()> {
    let text = builder.text;
    prescan(text.as_bytes())?;
    let max_depth = MAX_DEPTH.min(builder.limits.max_depth);
    let mut fast = Fast {
        s: text.as_bytes(),
        text,
        b: builder,
        depth: 0,
        max_depth,
        scratch: String::new(),
        anchors: HashMap::new(),
        next_anchor: 1,
        last_scan: None,
    };
    fast.document()
}

/// Declines text with a carriage return, a control character, a byte order
/// mark, a C1 control (NEL among them), a line or paragraph separator or a
/// non-character: saphyr has rules of its own for each. Eight bytes at a
/// time: a word of printable ASCII is passed whole.
fn prescan(s: &[u8]) -> Result<()> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let words = s.len() / 8;
    for word in 0..words {
        let at = word * 8;
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&s[at..at + 8]);
        let w = u64::from_le_bytes(bytes);
        // A byte under 0x20 (or a false alarm), a 0x7f, a non-ASCII byte.
        let control = w.wrapping_sub(ONES * 0x20) & !w;
        let del = w ^ (ONES * 0x7f);
        let del = del.wrapping_sub(ONES) & !del;
        if (control | del | w) & HIGH != 0 {
            prescan_bytes(s, at, at + 8)?;
        }
    }
    prescan_bytes(s, words * 8, s.len())
}

/// [`prescan`] of the bytes `from..to` one by one.
fn prescan_bytes(s: &[u8], from: usize, to: usize) -> Result<()> {
    for i in from..to {
        let b = s[i];
        let bad = match b {
            b'\n' | b'\t' => false,
            0..0x20 | 0x7f => true,
            0xc2 | 0xe2 | 0xef => {
                let next = s.get(i + 1).copied().unwrap_or(0);
                let third = s.get(i + 2).copied().unwrap_or(0);
                match b {
                    0xc2 => (0x80..=0x9f).contains(&next),
                    0xe2 => next == 0x80 && (third == 0xa8 || third == 0xa9),
                    _ => (next == 0xbb && third == 0xbf) || (next == 0xbf && third >= 0xbe),
                }
            }
            _ => false,
        };
        if bad {
            return Err(Declined);
        }
    }
    Ok(())
}

/// A key scanned but not yet added: its range, where its `:` is, and its
/// text (the source slice, or the parser's scratch when `cooked`).
#[derive(Clone, Copy)]
struct Key {
    start: usize,
    end: usize,
    colon: usize,
    style: ScalarStyle,
    cooked: bool,
}

/// How a plain scalar on one line ended.
enum PlainEnd {
    /// At `:` followed by a space or the line's end: it is a key.
    Colon(usize),
    /// At the line's end or a comment (the position to read the rest from).
    Line(usize),
}

struct Fast<'t, 'b> {
    s: &'t [u8],
    text: &'t str,
    b: &'b mut Builder<'t>,
    depth: usize,
    max_depth: usize,
    /// The text of the last scanned scalar that needed unescaping or folding.
    scratch: String,
    /// Anchor name → its latest definition's id (numbered as saphyr does:
    /// each definition a new id, from 1).
    anchors: HashMap<&'t str, usize>,
    next_anchor: usize,
    /// The last [`Fast::next_content_line`] asked and answered: every
    /// collection a node closes asks again from the same line, and comment
    /// lines there must not be read once per level.
    last_scan: Option<(usize, Option<(usize, usize)>)>,
}

/// An anchor written before a node: where (the node's range starts there)
/// and its id.
#[derive(Clone, Copy)]
struct Anchor {
    at: usize,
    id: usize,
}

fn start_of(anchor: Option<Anchor>, at: usize) -> usize {
    anchor.map_or(at, |anchor| anchor.at)
}

fn id_of(anchor: Option<Anchor>) -> usize {
    anchor.map_or(0, |anchor| anchor.id)
}

fn is_blank_or_end(c: u8) -> bool {
    matches!(c, b' ' | b'\n' | 0)
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

fn is_flow_indicator(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

/// Whether a plain scalar may start with `c` followed by `next`.
fn plain_start(c: u8, next: u8, flow: bool) -> bool {
    match c {
        b'-' | b'?' | b':' => {
            !(is_blank_or_end(next) || next == b'\t' || (flow && is_flow_indicator(next)))
        }
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' | b' ' | b'\t' | b'\n' | 0 => false,
        _ => true,
    }
}

impl<'t> Fast<'t, '_> {
    /// The byte at `i`, 0 past the end (the prescan declines NUL bytes).
    fn at(&self, i: usize) -> u8 {
        self.s.get(i).copied().unwrap_or(0)
    }

    fn skip_spaces(&self, mut i: usize) -> usize {
        while self.at(i) == b' ' {
            i += 1;
        }
        i
    }

    /// The position of the line break ending the line of `i` (or the end).
    fn eol(&self, i: usize) -> usize {
        match self
            .s
            .get(i..)
            .and_then(|rest| rest.iter().position(|&b| b == b'\n'))
        {
            Some(at) => i + at,
            None => self.s.len(),
        }
    }

    /// The start of the line after the one ending at `eol`.
    fn next_line(&self, eol: usize) -> usize {
        (eol + 1).min(self.s.len())
    }

    /// Checks that only spaces and a comment follow `i` on its line; returns
    /// the line break's position.
    fn end_of_line(&self, i: usize) -> Result<usize> {
        let j = self.skip_spaces(i);
        match self.at(j) {
            b'\n' | 0 => Ok(j),
            b'#' if j > i => Ok(self.eol(j)),
            _ => Err(Declined),
        }
    }

    fn is_sequence_entry(&self, i: usize) -> bool {
        self.at(i) == b'-' && is_blank_or_end(self.at(i + 1))
    }

    /// The next line from `i` (a line start) holding more than spaces and a
    /// comment: its start and indentation.
    fn next_content_line(&mut self, from: usize) -> Result<Option<(usize, usize)>> {
        if let Some((asked, answer)) = self.last_scan
            && asked == from
        {
            return Ok(answer);
        }
        let answer = self.scan_content_line(from)?;
        self.last_scan = Some((from, answer));
        Ok(answer)
    }

    fn scan_content_line(&self, mut i: usize) -> Result<Option<(usize, usize)>> {
        loop {
            if i >= self.s.len() {
                return Ok(None);
            }
            let j = self.skip_spaces(i);
            match self.at(j) {
                b'\n' => i = j + 1,
                0 => return Ok(None),
                b'#' => i = self.next_line(self.eol(j)),
                b'\t' => return Err(Declined),
                b'-' | b'.' if j == i && self.is_document_marker(j) => return Err(Declined),
                _ => return Ok(Some((i, j - i))),
            }
        }
    }

    fn is_document_marker(&self, i: usize) -> bool {
        let three = self.s.get(i..i + 3);
        (three == Some(b"---") || three == Some(b"...")) && is_blank_or_end(self.at(i + 3))
    }

    fn document(&mut self) -> Result<()> {
        // A `---` first line (alone, or with a comment).
        let mut from = 0;
        let mut i = 0;
        while i < self.s.len() {
            let j = self.skip_spaces(i);
            match self.at(j) {
                b'\n' => i = j + 1,
                b'#' => i = self.next_line(self.eol(j)),
                b'-' if j == i && self.is_document_marker(j) => {
                    from = self.next_line(self.end_of_line(j + 3)?);
                    break;
                }
                _ => break,
            }
        }
        let Some((line, indent)) = self.next_content_line(from)? else {
            return Err(Declined);
        };
        let at = line + indent;
        let next = if self.is_sequence_entry(at) {
            self.b.outer = Some(Outer::Sequence);
            self.block_sequence(at, indent, false, None)?
        } else if let Some(key) = self.scan_key(at)? {
            self.b.outer = Some(Outer::Mapping);
            self.block_mapping(at, indent, key, None)?
        } else {
            return Err(Declined);
        };
        match self.next_content_line(next)? {
            None => Ok(()),
            Some(_) => Err(Declined),
        }
    }

    fn open(&mut self, sequence: bool, flow: bool, start: usize, anchor: usize) -> Result<()> {
        if self.depth >= self.max_depth {
            return Err(Declined);
        }
        self.depth += 1;
        self.b.open(sequence, flow, start as u32, anchor);
        Ok(())
    }

    /// An anchor or alias name from `i`: its end, if it is made of ASCII
    /// letters, digits, `_` and `-` and followed by a blank (or, in a flow
    /// collection, by `,`, `]` or `}`).
    fn scan_name(&self, i: usize, flow: bool) -> Result<usize> {
        let mut end = i;
        while is_name_char(self.at(end)) {
            end += 1;
        }
        let next = self.at(end);
        if end == i || !(is_blank_or_end(next) || (flow && matches!(next, b',' | b']' | b'}'))) {
            return Err(Declined);
        }
        Ok(end)
    }

    /// An alias at `i`; returns the position after it.
    fn alias(&mut self, i: usize, flow: bool) -> Result<usize> {
        let end = self.scan_name(i + 1, flow)?;
        let id = *self.anchors.get(&self.text[i + 1..end]).ok_or(Declined)?;
        self.b.alias(id, TextRange::new(i as u32, end as u32));
        Ok(end)
    }

    /// A node after its anchor at `i` (in a block collection at column `n`).
    fn anchored(&mut self, i: usize, n: usize) -> Result<usize> {
        let end = self.scan_name(i + 1, false)?;
        let name = &self.text[i + 1..end];
        let anchor = Some(Anchor {
            at: i,
            id: self.next_anchor,
        });
        self.anchors.insert(name, self.next_anchor);
        self.next_anchor += 1;
        let j = self.skip_spaces(end);
        match self.at(j) {
            b'\n' | 0 | b'#' => {
                let next = self.next_line(self.eol(j));
                let Some((line, indent)) = self.next_content_line(next)? else {
                    return Err(Declined);
                };
                let at = line + indent;
                if indent <= n {
                    Err(Declined)
                } else if self.is_sequence_entry(at) {
                    self.block_sequence(at, indent, false, anchor)
                } else if let Some(key) = self.scan_key(at)? {
                    self.block_mapping(at, indent, key, anchor)
                } else {
                    Err(Declined)
                }
            }
            b'\t' | b'*' | b'&' | b'!' => Err(Declined),
            _ if self.scan_key(j)?.is_some() => Err(Declined),
            _ => self.inline(j, n, anchor),
        }
    }

    fn close(&mut self, end: usize) {
        self.depth -= 1;
        self.b.close(end as u32);
    }

    /// Adds a plain scalar: the source slice `start..end`.
    fn plain(&mut self, start: usize, end: usize, anchor: Option<Anchor>) {
        self.scalar_at((start, end), Some((start, end)), ScalarStyle::Plain, anchor);
    }

    /// Adds a scalar whose range is `start..end` (from its anchor, if any)
    /// and whose text is the source slice `written`, or the scratch when
    /// None.
    fn scalar_at(
        &mut self,
        (start, end): (usize, usize),
        written: Option<(usize, usize)>,
        style: ScalarStyle,
        anchor: Option<Anchor>,
    ) {
        let range = TextRange::new(start_of(anchor, start) as u32, end as u32);
        let value = match written {
            Some((from, to)) => &self.text[from..to],
            None => self.scratch.as_str(),
        };
        self.b.scalar(value, style, None, id_of(anchor), range);
    }

    /// The text of a quoted scalar `start..end`: between its quotes, or the
    /// scratch when it was unescaped there.
    fn between_quotes(start: usize, end: usize, cooked: bool) -> Option<(usize, usize)> {
        (!cooked).then_some((start + 1, end - 1))
    }

    fn key(&mut self, key: Key) {
        match key.style {
            ScalarStyle::Plain => self.plain(key.start, key.end, None),
            _ => self.scalar_at(
                (key.start, key.end),
                Self::between_quotes(key.start, key.end, key.cooked),
                key.style,
                None,
            ),
        }
    }

    /// A key at `i` (plain or quoted, followed by `:` and a blank), or None.
    fn scan_key(&mut self, i: usize) -> Result<Option<Key>> {
        let c = self.at(i);
        let key = match c {
            b'"' | b'\'' => {
                let (end, cooked) = self.scan_quoted(i)?;
                let colon = self.skip_spaces(end);
                if self.at(colon) != b':' || !is_blank_or_end(self.at(colon + 1)) {
                    return Ok(None);
                }
                let style = if c == b'"' {
                    ScalarStyle::DoubleQuoted
                } else {
                    ScalarStyle::SingleQuoted
                };
                Key {
                    start: i,
                    end,
                    colon,
                    style,
                    cooked,
                }
            }
            _ if plain_start(c, self.at(i + 1), false) => match self.scan_plain_block(i)? {
                (end, PlainEnd::Colon(colon)) => Key {
                    start: i,
                    end,
                    colon,
                    style: ScalarStyle::Plain,
                    cooked: false,
                },
                (_, PlainEnd::Line(_)) => return Ok(None),
            },
            _ => return Ok(None),
        };
        if key.end - key.start > MAX_KEY {
            return Err(Declined);
        }
        Ok(Some(key))
    }

    /// A block mapping whose first key (scanned) is at `at`, column `n`.
    /// Returns the start of the line after it.
    fn block_mapping(
        &mut self,
        at: usize,
        n: usize,
        first: Key,
        anchor: Option<Anchor>,
    ) -> Result<usize> {
        self.open(false, false, start_of(anchor, at), id_of(anchor))?;
        let mut key = first;
        let next = loop {
            self.key(key);
            let next = self.value(key.colon + 1, n, key.colon, true)?;
            match self.next_content_line(next)? {
                None => break next,
                Some((_, indent)) if indent < n => break next,
                Some((line, indent)) if indent == n => {
                    key = self.scan_key(line + indent)?.ok_or(Declined)?;
                }
                Some(_) => return Err(Declined),
            }
        };
        self.close(at);
        Ok(next)
    }

    /// A block sequence whose first `-` is at `dash`, column `n`;
    /// `indentless` when it sits at its mapping key's indentation.
    fn block_sequence(
        &mut self,
        dash: usize,
        n: usize,
        indentless: bool,
        anchor: Option<Anchor>,
    ) -> Result<usize> {
        let start = if indentless {
            let first = self.skip_spaces(dash + 1);
            // saphyr starts it at its first item, and the builder takes a
            // `[` or `{` there (after properties) for a flow sequence's.
            if matches!(
                self.at(first),
                b'\n' | 0 | b'#' | b'\t' | b'[' | b'{' | b'&'
            ) {
                return Err(Declined);
            }
            first
        } else {
            dash
        };
        let start = start_of(anchor, start);
        self.open(true, false, start, id_of(anchor))?;
        let mut dash = dash;
        let next = loop {
            let next = self.item(dash, n)?;
            match self.next_content_line(next)? {
                None => break next,
                Some((_, indent)) if indent < n => break next,
                Some((line, indent)) if indent == n => {
                    if self.is_sequence_entry(line + indent) {
                        dash = line + indent;
                    } else if indentless {
                        break next;
                    } else {
                        return Err(Declined);
                    }
                }
                Some(_) => return Err(Declined),
            }
        };
        self.close(start);
        Ok(next)
    }

    /// One sequence item after the `-` at `dash` (column `n`).
    fn item(&mut self, dash: usize, n: usize) -> Result<usize> {
        let i = self.skip_spaces(dash + 1);
        match self.at(i) {
            b'\t' => Err(Declined),
            b'\n' | 0 | b'#' => {
                let eol = self.eol(i);
                let next = self.next_line(eol);
                match self.next_content_line(next)? {
                    Some((line, indent)) if indent > n => self.block_node(line + indent, indent, n),
                    _ => {
                        self.plain(eol, eol, None);
                        Ok(next)
                    }
                }
            }
            b'&' => self.anchored(i, n),
            _ if self.is_sequence_entry(i) => Err(Declined),
            _ => match self.scan_key(i)? {
                Some(key) => self.block_mapping(i, i - (dash - n), key, None),
                None => self.inline(i, n, None),
            },
        }
    }

    /// A mapping value after its `:` (`i` is just after it, `n` the
    /// mapping's column).
    fn value(&mut self, i: usize, n: usize, colon: usize, in_mapping: bool) -> Result<usize> {
        let j = self.skip_spaces(i);
        match self.at(j) {
            b'\t' => Err(Declined),
            b'\n' | 0 | b'#' => {
                let eol = self.eol(j);
                let next = self.next_line(eol);
                match self.next_content_line(next)? {
                    Some((line, indent)) if indent > n => self.block_node(line + indent, indent, n),
                    Some((line, indent))
                        if indent == n && in_mapping && self.is_sequence_entry(line + indent) =>
                    {
                        self.block_sequence(line + indent, n, true, None)
                    }
                    _ => {
                        self.plain(colon, colon, None);
                        Ok(next)
                    }
                }
            }
            b'&' => self.anchored(j, n),
            _ => self.inline(j, n, None),
        }
    }

    /// A node that starts a line of its own at `at` (column `indent`, more
    /// than its parent's `n`).
    fn block_node(&mut self, at: usize, indent: usize, n: usize) -> Result<usize> {
        if self.is_sequence_entry(at) {
            self.block_sequence(at, indent, false, None)
        } else if let Some(key) = self.scan_key(at)? {
            self.block_mapping(at, indent, key, None)
        } else if self.at(at) == b'&' {
            self.anchored(at, n)
        } else {
            self.inline(at, n, None)
        }
    }

    /// A scalar or flow collection at `i`, in a block collection at column
    /// `n`, that must end its line. Returns the next line's start.
    fn inline(&mut self, i: usize, n: usize, anchor: Option<Anchor>) -> Result<usize> {
        let c = self.at(i);
        let eol = match c {
            b'|' => return self.literal(i, n, anchor),
            b'[' | b'{' => {
                let after = self.flow_collection(i, anchor)?;
                self.end_of_line(after)?
            }
            b'"' | b'\'' => {
                let end = self.quoted(i, anchor)?;
                self.end_of_line(end)?
            }
            b'*' if anchor.is_none() => {
                let end = self.alias(i, false)?;
                self.end_of_line(end)?
            }
            _ if plain_start(c, self.at(i + 1), false) => match self.scan_plain_block(i)? {
                (_, PlainEnd::Colon(_)) => return Err(Declined),
                (end, PlainEnd::Line(rest)) => {
                    self.plain(i, end, anchor);
                    self.eol(rest)
                }
            },
            _ => return Err(Declined),
        };
        Ok(self.next_line(eol))
    }

    /// A plain scalar in block context on one line: its end (trailing spaces
    /// excluded) and how it ended.
    fn scan_plain_block(&self, start: usize) -> Result<(usize, PlainEnd)> {
        let mut i = start;
        let mut end = start;
        loop {
            match self.at(i) {
                b'\n' | 0 => return Ok((end, PlainEnd::Line(i))),
                b' ' => {
                    i += 1;
                    if self.at(i) == b'#' {
                        return Ok((end, PlainEnd::Line(i)));
                    }
                }
                b'\t' => return Err(Declined),
                b':' => {
                    let next = self.at(i + 1);
                    if is_blank_or_end(next) {
                        return Ok((end, PlainEnd::Colon(i)));
                    }
                    if next == b'\t' {
                        return Err(Declined);
                    }
                    i += 1;
                    end = i;
                }
                _ => {
                    i += 1;
                    end = i;
                }
            }
        }
    }

    /// A plain scalar in a flow collection on one line: its end (trailing
    /// spaces excluded).
    fn scan_plain_flow(&self, start: usize) -> Result<usize> {
        let mut i = start;
        let mut end = start;
        loop {
            match self.at(i) {
                b',' | b'[' | b']' | b'{' | b'}' => return Ok(end),
                b' ' => {
                    i += 1;
                    if self.at(i) == b'#' {
                        return Err(Declined);
                    }
                }
                b':' => {
                    if self.at(i + 1) == b' ' {
                        return Ok(end);
                    }
                    return Err(Declined);
                }
                b'\n' | 0 | b'\t' => return Err(Declined),
                _ => {
                    i += 1;
                    end = i;
                }
            }
        }
    }

    /// Scans a one-line quoted scalar at `start`: the position after its
    /// closing quote, and whether its text (unescaped) is in the scratch.
    fn scan_quoted(&mut self, start: usize) -> Result<(usize, bool)> {
        let quote = self.at(start);
        let mut i = start + 1;
        // Written as is up to the first escape.
        loop {
            match self.at(i) {
                b'\n' | 0 | b'\t' => return Err(Declined),
                b'\\' if quote == b'"' => break,
                b'\'' if quote == b'\'' => {
                    if self.at(i + 1) != b'\'' {
                        return Ok((i + 1, false));
                    }
                    break;
                }
                b'"' if quote == b'"' => return Ok((i + 1, false)),
                _ => i += 1,
            }
        }
        self.scratch.clear();
        self.scratch.push_str(&self.text[start + 1..i]);
        loop {
            let c = self.at(i);
            match c {
                b'\n' | 0 | b'\t' => return Err(Declined),
                b'\'' if quote == b'\'' => {
                    if self.at(i + 1) != b'\'' {
                        return Ok((i + 1, true));
                    }
                    self.scratch.push('\'');
                    i += 2;
                }
                b'"' if quote == b'"' => return Ok((i + 1, true)),
                b'\\' if quote == b'"' => {
                    let (ch, len) = self.escape(i + 1)?;
                    self.scratch.push(ch);
                    i += 1 + len;
                }
                _ => {
                    // The byte at `i` is content (maybe the other quote).
                    let run = i
                        + 1
                        + self.s[i + 1..]
                            .iter()
                            .position(|&b| matches!(b, b'\n' | b'\t' | b'\'' | b'"' | b'\\'))
                            .unwrap_or(self.s.len() - i - 1);
                    self.scratch.push_str(&self.text[i..run]);
                    i = run;
                }
            }
        }
    }

    /// The escape after a `\` at `i - 1`: its character and how many bytes
    /// it takes after the backslash.
    fn escape(&self, i: usize) -> Result<(char, usize)> {
        let simple = match self.at(i) {
            b'0' => '\0',
            b'a' => '\x07',
            b'b' => '\x08',
            b't' => '\t',
            b'n' => '\n',
            b'v' => '\x0b',
            b'f' => '\x0c',
            b'r' => '\r',
            b'e' => '\x1b',
            b' ' => ' ',
            b'"' => '"',
            b'/' => '/',
            b'\\' => '\\',
            b'N' => '\u{85}',
            b'_' => '\u{a0}',
            b'L' => '\u{2028}',
            b'P' => '\u{2029}',
            b'x' => return self.hex(i + 1, 2),
            b'u' => return self.hex(i + 1, 4),
            b'U' => return self.hex(i + 1, 8),
            _ => return Err(Declined),
        };
        Ok((simple, 1))
    }

    fn hex(&self, i: usize, digits: usize) -> Result<(char, usize)> {
        let text = self.text.get(i..i + digits).ok_or(Declined)?;
        if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Declined);
        }
        let code = u32::from_str_radix(text, 16).map_err(|_| Declined)?;
        let ch = char::from_u32(code).ok_or(Declined)?;
        Ok((ch, 1 + digits))
    }

    /// Adds a quoted scalar at `start`; returns the position after it. A
    /// `:` after it would make it a key where none may be.
    fn quoted(&mut self, start: usize, anchor: Option<Anchor>) -> Result<usize> {
        let (end, cooked) = self.scan_quoted(start)?;
        let style = if self.at(start) == b'"' {
            ScalarStyle::DoubleQuoted
        } else {
            ScalarStyle::SingleQuoted
        };
        if self.at(self.skip_spaces(end)) == b':' {
            return Err(Declined);
        }
        // The range ends at the closing quote (the builder cuts saphyr's
        // span, which runs on over a comment after it, there too).
        self.scalar_at(
            (start, end),
            Self::between_quotes(start, end, cooked),
            style,
            anchor,
        );
        Ok(end)
    }

    /// Where a flow collection's end event ends: after its bracket, the
    /// spaces after it, and a comment after those.
    fn flow_end(&self, after: usize) -> usize {
        let j = self.skip_spaces(after);
        if j > after && self.at(j) == b'#' {
            self.eol(j)
        } else {
            j
        }
    }

    /// A node inside a flow collection (or a flow collection in a block
    /// one): returns the position after it.
    fn flow_node(&mut self, i: usize) -> Result<usize> {
        match self.at(i) {
            b'[' | b'{' => self.flow_collection(i, None),
            b'*' => self.alias(i, true),
            _ => self.flow_scalar(i),
        }
    }

    /// A flow sequence or mapping at `i`: returns the position after it.
    fn flow_collection(&mut self, i: usize, anchor: Option<Anchor>) -> Result<usize> {
        let start = start_of(anchor, i);
        match self.at(i) {
            b'[' => {
                self.open(true, true, start, id_of(anchor))?;
                let mut j = i + 1;
                loop {
                    j = self.skip_spaces(j);
                    if self.at(j) == b']' {
                        break;
                    }
                    j = self.flow_node(j)?;
                    j = self.skip_spaces(j);
                    match self.at(j) {
                        b',' => j = self.after_comma(j)?,
                        b']' => break,
                        _ => return Err(Declined),
                    }
                }
                self.close(self.flow_end(j + 1));
                Ok(j + 1)
            }
            _ => {
                self.open(false, true, start, id_of(anchor))?;
                let mut j = i + 1;
                loop {
                    j = self.skip_spaces(j);
                    if self.at(j) == b'}' {
                        break;
                    }
                    j = self.flow_scalar(j)?;
                    j = self.skip_spaces(j);
                    if self.at(j) != b':' || self.at(j + 1) != b' ' {
                        return Err(Declined);
                    }
                    j = self.skip_spaces(j + 1);
                    j = self.flow_node(j)?;
                    j = self.skip_spaces(j);
                    match self.at(j) {
                        b',' => j = self.after_comma(j)?,
                        b'}' => break,
                        _ => return Err(Declined),
                    }
                }
                self.close(self.flow_end(j + 1));
                Ok(j + 1)
            }
        }
    }

    /// The position after a flow collection's `,` at `i`; a trailing comma
    /// is declined (saphyr's end events vary there).
    fn after_comma(&self, i: usize) -> Result<usize> {
        if matches!(self.at(self.skip_spaces(i + 1)), b']' | b'}') {
            return Err(Declined);
        }
        Ok(i + 1)
    }

    /// A quoted or plain scalar inside a flow collection.
    fn flow_scalar(&mut self, i: usize) -> Result<usize> {
        let c = self.at(i);
        match c {
            b'"' | b'\'' => {
                let (end, cooked) = self.scan_quoted(i)?;
                let style = if c == b'"' {
                    ScalarStyle::DoubleQuoted
                } else {
                    ScalarStyle::SingleQuoted
                };
                self.scalar_at((i, end), Self::between_quotes(i, end, cooked), style, None);
                Ok(end)
            }
            _ if plain_start(c, self.at(i + 1), true) => {
                let end = self.scan_plain_flow(i)?;
                if end - i > MAX_KEY {
                    return Err(Declined);
                }
                self.plain(i, end, None);
                Ok(end)
            }
            _ => Err(Declined),
        }
    }

    /// A literal block scalar (`|` or `|-`) at `at`, in a block collection
    /// at column `n`. Returns the start of the first line after it.
    fn literal(&mut self, at: usize, n: usize, anchor: Option<Anchor>) -> Result<usize> {
        let mut i = at + 1;
        let strip = match self.at(i) {
            b'-' => {
                i += 1;
                true
            }
            b'+' | b'0'..=b'9' => return Err(Declined),
            _ => false,
        };
        let header_end = self.end_of_line(i)?;
        if header_end >= self.s.len() {
            return Err(Declined);
        }
        let mut line = header_end + 1;
        let indent = self.skip_spaces(line) - line;
        if indent <= n || matches!(self.at(line + indent), b'\n' | 0 | b'\t') {
            return Err(Declined);
        }
        let start = line + indent;
        self.scratch.clear();
        let mut empty_lines = 0;
        let mut last_end = start;
        while line < self.s.len() {
            let spaces = self.skip_spaces(line) - line;
            match self.at(line + spaces) {
                b'\n' | 0 => {
                    // saphyr reads spaces ending the text as one more line.
                    if spaces > indent || line + spaces == self.s.len() {
                        return Err(Declined);
                    }
                    empty_lines += 1;
                    line = self.next_line(line + spaces);
                    continue;
                }
                b'\t' if spaces < indent => return Err(Declined),
                _ if spaces < indent => break,
                _ => {}
            }
            for _ in 0..empty_lines {
                self.scratch.push('\n');
            }
            empty_lines = 0;
            let eol = self.eol(line + indent);
            self.scratch.push_str(&self.text[line + indent..eol]);
            self.scratch.push('\n');
            last_end = eol;
            line = self.next_line(eol);
        }
        if strip && self.scratch.ends_with('\n') {
            self.scratch.pop();
        }
        let mut end = last_end;
        while end > start && matches!(self.at(end - 1), b' ' | b'\t' | b'\n') {
            end -= 1;
        }
        self.scalar_at((start, end), None, ScalarStyle::Literal, anchor);
        Ok(line)
    }
}

#[cfg(test)]
mod tests;
