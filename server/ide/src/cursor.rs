//! Where a position is in a YAML file, found by a tolerant scan of the text
//! (taplo's approach), so completion and hover work while the file does not
//! parse: a key with no colon yet, an empty line at some indentation, an
//! unclosed flow mapping `{ name: `.
//!
//! The scan reads the cursor's line, then walks up the lines above it: an
//! entry (`key:` or `- `) indented less than the current level is a parent;
//! items of a block sequence are counted to give their index. A flow
//! collection (`{…}`, `[…]`) opened on the cursor's line or on the parent
//! line and still open at the cursor is scanned character by character.
//! Reaching a `key: |` (or `>`) parent means the cursor is inside that block
//! scalar's body. The cost is the lines between the cursor and its top-level
//! parent, never the whole file.
//!
//! Known limits: a block scalar body whose lines look like `key: value` can
//! be mistaken for YAML when the cursor is *below* it at a lower
//! indentation than the body (never when inside it); outer items of a
//! compact nested sequence (`- - x`) get index 0.

use text::TextRange;

/// One step of a path from the document root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    /// A sequence item, with its index when it could be counted.
    Item(usize),
}

impl Segment {
    pub fn key(&self) -> Option<&str> {
        match self {
            Segment::Key(key) => Some(key),
            Segment::Item(_) => None,
        }
    }
}

/// What is being written at the cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// A key of the mapping at `path`.
    Key,
    /// The scalar value at `path` (its last segment is the key or item).
    Value,
    /// Inside the body of the block scalar at `path` (`key: |`).
    BlockScalar,
}

/// The cursor's place in the document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub path: Vec<Segment>,
    pub slot: Slot,
    /// The word under the cursor (the partial key or value typed so far and
    /// its rest); for a quoted scalar, its content.
    pub word: TextRange,
    /// Keys already written in the mapping (for [`Slot::Key`]).
    pub present: Vec<String>,
    /// The column where the key or value starts (block context).
    pub column: u32,
    /// Inside a flow collection.
    pub flow: bool,
    /// Inside quotes.
    pub quoted: bool,
    /// A `:` follows the word (an existing key being edited).
    pub colon_follows: bool,
    /// Scalars written before the cursor in the flow collections it is in,
    /// with their paths: what the tree lacks while the collection is
    /// unclosed (`source: { name: acme/x, partitions: { include: {`).
    pub written: Vec<(Vec<Segment>, String)>,
    /// Where the outermost flow collection the cursor is in opens.
    pub flow_from: Option<usize>,
    /// The start of the line each block segment of `path` is written on
    /// (the leading segments; flow segments have none).
    pub starts: Vec<usize>,
}

impl Cursor {
    /// The keys of the path (items skipped), for matching against patterns.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.path.iter().filter_map(Segment::key)
    }

    /// Whether the path ends with these segments, `*` matching any key and
    /// `-` any item.
    pub fn ends_with(&self, pattern: &[&str]) -> bool {
        if self.path.len() < pattern.len() {
            return false;
        }
        let tail = &self.path[self.path.len() - pattern.len()..];
        tail.iter()
            .zip(pattern)
            .all(|(segment, want)| match segment {
                Segment::Key(key) => *want == "*" || key == want,
                Segment::Item(_) => *want == "-",
            })
    }
}

/// A `key:` or `- ` entry of a line, at a column (bytes from line start).
#[derive(Debug, Clone)]
enum Entry {
    Dash,
    Key {
        key: String,
        /// Byte offset (in the line) where the value text starts.
        rest: usize,
    },
}

#[derive(Debug)]
struct Line<'t> {
    text: &'t str,
    /// Byte offset of the line in the file.
    start: usize,
    indent: usize,
    entries: Vec<(usize, Entry)>,
    /// Where the text after the last entry starts (in the line).
    rest: usize,
}

impl Line<'_> {
    fn rest_text(&self) -> &str {
        &self.text[self.rest..]
    }
}

fn is_block_indicator(value: &str) -> bool {
    let value = strip_comment(value).trim_end();
    let mut chars = value.chars();
    matches!(chars.next(), Some('|' | '>'))
        && chars.all(|c| matches!(c, '+' | '-') || c.is_ascii_digit())
}

fn strip_comment(value: &str) -> &str {
    let bytes = value.as_bytes();
    for (at, &byte) in bytes.iter().enumerate() {
        if byte == b'#' && (at == 0 || bytes[at - 1] == b' ' || bytes[at - 1] == b'\t') {
            return &value[..at];
        }
    }
    value
}

/// Splits a line into its leading `- ` and `key:` entries.
fn parse_line(text: &str, start: usize) -> Line<'_> {
    let bytes = text.as_bytes();
    let indent = bytes.iter().take_while(|b| **b == b' ').count();
    let mut entries = Vec::new();
    let mut at = indent;
    loop {
        if at < bytes.len()
            && bytes[at] == b'-'
            && (at + 1 == bytes.len() || bytes[at + 1] == b' ' || bytes[at + 1] == b'\t')
        {
            entries.push((at, Entry::Dash));
            at += 1;
            while at < bytes.len() && (bytes[at] == b' ' || bytes[at] == b'\t') {
                at += 1;
            }
            continue;
        }
        if let Some((key, rest)) = key_at(text, at) {
            entries.push((at, Entry::Key { key, rest }));
            at = rest;
        }
        break;
    }
    Line {
        text,
        start,
        indent,
        entries,
        rest: at,
    }
}

/// A `key:` starting at `at`: the key's text and where its value starts.
fn key_at(text: &str, at: usize) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    let first = *bytes.get(at)?;
    let (key, after) = match first {
        b'"' | b'\'' => {
            let end = quoted_end(text, at)?;
            (unquote(&text[at..end]), end)
        }
        b'{' | b'[' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' => {
            return None;
        }
        _ => {
            let mut end = at;
            loop {
                if end >= bytes.len() {
                    return None;
                }
                let byte = bytes[end];
                if byte == b':'
                    && (end + 1 == bytes.len() || matches!(bytes[end + 1], b' ' | b'\t' | b'\r'))
                {
                    break;
                }
                if byte == b'#' && end > at && matches!(bytes[end - 1], b' ' | b'\t') {
                    return None;
                }
                end += 1;
            }
            (text[at..end].trim_end().to_string(), end)
        }
    };
    let mut colon = after;
    while colon < bytes.len() && bytes[colon] == b' ' {
        colon += 1;
    }
    if bytes.get(colon) != Some(&b':') {
        return None;
    }
    let mut rest = colon + 1;
    while rest < bytes.len() && (bytes[rest] == b' ' || bytes[rest] == b'\t') {
        rest += 1;
    }
    Some((key, rest))
}

/// The end (exclusive, after the closing quote) of a quoted scalar starting
/// at `at`, if it closes on this text.
fn quoted_end(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = bytes[at];
    let mut i = at + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            b'\'' if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
            byte if byte == quote => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

fn unquote(quoted: &str) -> String {
    let inner = &quoted[1..quoted.len().saturating_sub(1).max(1)];
    if quoted.starts_with('\'') {
        inner.replace("''", "'")
    } else {
        serde_json::from_str::<String>(quoted).unwrap_or_else(|_| inner.to_string())
    }
}

/// The lines before `line_start`, nearest first, as `(start, text)`
/// (parsed only when their indentation makes them matter).
fn lines_above(text: &str, line_start: usize) -> impl Iterator<Item = (usize, &str)> {
    let mut end = line_start;
    std::iter::from_fn(move || {
        if end == 0 {
            return None;
        }
        let line_end = end - 1; // the '\n'
        let start = text[..line_end].rfind('\n').map_or(0, |at| at + 1);
        end = start;
        Some((start, text[start..line_end].trim_end_matches('\r')))
    })
}

fn lines_below(text: &str, from: usize) -> impl Iterator<Item = (usize, &str)> {
    let mut start = text[from..].find('\n').map(|at| from + at + 1);
    std::iter::from_fn(move || {
        let line_start = start?;
        if line_start >= text.len() {
            return None;
        }
        let end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |at| line_start + at);
        start = (end < text.len()).then_some(end + 1);
        Some((line_start, text[line_start..end].trim_end_matches('\r')))
    })
}

/// The indentation of a line, or `None` for a blank or comment line.
pub(crate) fn indent_of(line: &str) -> Option<usize> {
    let indent = line.bytes().take_while(|b| *b == b' ').count();
    let content = line[indent..].trim_end();
    (!content.is_empty() && !content.starts_with('#')).then_some(indent)
}

/// Bytes that end a word (a key, a name, a pointer, a path).
fn is_word_byte(byte: u8) -> bool {
    !matches!(
        byte,
        b' ' | b'\t' | b'\r' | b'\n' | b'{' | b'}' | b'[' | b']' | b',' | b'"' | b'\''
    )
}

/// The state at the cursor of a flow collection scanned from its opening
/// bracket.
struct Flow {
    /// Segments inside the flow collection, outermost first.
    path: Vec<Segment>,
    slot: Slot,
    present: Vec<String>,
    quoted_from: Option<usize>,
    written: Vec<(Vec<Segment>, String)>,
}

enum Frame {
    Map {
        key: Option<String>,
        valued: bool,
        keys: Vec<String>,
        token: Option<usize>,
        /// Where the current key's scalar value starts.
        value: Option<usize>,
    },
    Seq {
        index: usize,
    },
}

/// Records that a scalar starts at `at` in the innermost flow mapping: its
/// value when the entry has its colon, else its key.
fn mark_scalar_start(stack: &mut [Frame], at: usize) {
    if let Some(Frame::Map {
        token,
        valued,
        value,
        ..
    }) = stack.last_mut()
    {
        if *valued {
            value.get_or_insert(at);
        } else {
            token.get_or_insert(at);
        }
    }
}

/// Scans `text[from..cursor]`, which starts with `{` or `[`. `None` when
/// the collection closes before the cursor.
fn scan_flow(text: &str, from: usize, cursor: usize) -> Option<Flow> {
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = from;
    let mut quoted_from = None;
    let mut written = Vec::new();
    while i < cursor {
        let byte = bytes[i];
        match byte {
            b'"' | b'\'' => {
                let start = i;
                match quoted_end(&text[..cursor], i) {
                    Some(end) => i = end,
                    None => {
                        quoted_from = Some(start + 1);
                        i = cursor;
                    }
                }
                mark_scalar_start(&mut stack, start);
                continue;
            }
            b'{' => stack.push(Frame::Map {
                key: None,
                valued: false,
                keys: Vec::new(),
                token: None,
                value: None,
            }),
            b'[' => stack.push(Frame::Seq { index: 0 }),
            b'}' | b']' => {
                record_value(text, i, &stack, &mut written);
                stack.pop();
                if stack.is_empty() {
                    return None;
                }
            }
            b',' => match stack.last_mut() {
                Some(Frame::Map { .. }) => {
                    record_value(text, i, &stack, &mut written);
                    if let Some(Frame::Map {
                        key,
                        valued,
                        token,
                        value,
                        ..
                    }) = stack.last_mut()
                    {
                        *key = None;
                        *valued = false;
                        *token = None;
                        *value = None;
                    }
                }
                Some(Frame::Seq { index }) => *index += 1,
                None => {}
            },
            b':' if i + 1 >= cursor
                || matches!(
                    bytes[i + 1],
                    b' ' | b'\t' | b'\r' | b'\n' | b',' | b'}' | b']'
                )
                || matches!(i.checked_sub(1).map(|p| bytes[p]), Some(b'"' | b'\'')) =>
            {
                if let Some(Frame::Map {
                    key,
                    valued,
                    keys,
                    token,
                    ..
                }) = stack.last_mut()
                    && !*valued
                {
                    let written = token.map_or("", |start| text[start..i].trim());
                    let name = if written.starts_with(['"', '\'']) {
                        unquote(written)
                    } else {
                        written.to_string()
                    };
                    keys.push(name.clone());
                    *key = Some(name);
                    *valued = true;
                    *token = None;
                }
            }
            b'#' if i > 0 && matches!(bytes[i - 1], b' ' | b'\t' | b'\n') => {
                while i < cursor && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => {
                mark_scalar_start(&mut stack, i);
            }
        }
        i += 1;
    }
    let top = stack.last()?;
    let mut path = frames_path(&stack[..stack.len() - 1]);
    let (slot, present) = match top {
        Frame::Map {
            key: Some(key),
            valued: true,
            ..
        } => {
            path.push(Segment::Key(key.clone()));
            (Slot::Value, Vec::new())
        }
        Frame::Map { keys, .. } => (Slot::Key, keys.clone()),
        Frame::Seq { index } => {
            path.push(Segment::Item(*index));
            (Slot::Value, Vec::new())
        }
    };
    Some(Flow {
        path,
        slot,
        present,
        quoted_from,
        written,
    })
}

/// The collections a catalog's text defines under its top-level
/// `collections:` (map keys, or list items' `name`), read line by line: for
/// a file that does not parse.
pub fn collection_names(text: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut inside = false;
    // The column of the entries of `collections`, and whether they are
    // list items.
    let mut child: Option<(usize, bool)> = None;
    for raw in text.split('\n') {
        let line = raw.trim_end_matches('\r');
        let Some(indent) = indent_of(line) else {
            continue;
        };
        if indent == 0 && !line.starts_with('-') {
            inside = line.starts_with("collections:");
            child = None;
            continue;
        }
        if !inside {
            continue;
        }
        let parsed = parse_line(line, 0);
        let Some((first_col, first)) = parsed.entries.first() else {
            continue;
        };
        let (column, list) = *child.get_or_insert((*first_col, matches!(first, Entry::Dash)));
        let name = |rest: usize| {
            let value = strip_comment(&line[rest..]).trim();
            if value.starts_with(['"', '\'']) {
                unquote(value)
            } else {
                value.to_string()
            }
        };
        for (col, entry) in &parsed.entries {
            match entry {
                Entry::Key { key, .. } if !list && *col == column => names.push(key.clone()),
                Entry::Key { key, rest } if list && *col == column + 2 && key == "name" => {
                    names.push(name(*rest));
                }
                _ => {}
            }
        }
    }
    names.retain(|name| !name.is_empty());
    names
}

/// The brackets that close what `text[from..to]` leaves open, innermost
/// first (quoted scalars and comments skipped): appended at `to`, they
/// make a half-typed flow collection parse.
pub fn closers(text: &str, from: usize, to: usize) -> String {
    let bytes = text.as_bytes();
    let to = to.min(text.len());
    let mut open = Vec::new();
    let mut i = from;
    while i < to {
        match bytes[i] {
            b'"' | b'\'' => match quoted_end(&text[..to], i) {
                Some(end) => {
                    i = end;
                    continue;
                }
                None => {
                    open.push(bytes[i]);
                    break;
                }
            },
            b'{' => open.push(b'}'),
            b'[' => open.push(b']'),
            b'}' | b']' => {
                open.pop();
            }
            b'#' if i > 0 && matches!(bytes[i - 1], b' ' | b'\t' | b'\n') => {
                while i < to && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    open.iter().rev().map(|&b| b as char).collect()
}

fn frames_path(frames: &[Frame]) -> Vec<Segment> {
    frames
        .iter()
        .map(|frame| match frame {
            Frame::Map { key, .. } => Segment::Key(key.clone().unwrap_or_default()),
            Frame::Seq { index } => Segment::Item(*index),
        })
        .collect()
}

/// Records the scalar value of the innermost mapping's current key, ended
/// at `end`.
fn record_value(
    text: &str,
    end: usize,
    stack: &[Frame],
    written: &mut Vec<(Vec<Segment>, String)>,
) {
    let Some(Frame::Map {
        key: Some(key),
        value: Some(start),
        ..
    }) = stack.last()
    else {
        return;
    };
    let raw = text[*start..end].trim();
    if raw.is_empty() || raw.starts_with(['{', '[']) {
        return;
    }
    let value = if raw.starts_with(['"', '\'']) {
        unquote(raw)
    } else {
        raw.to_string()
    };
    let mut path = frames_path(&stack[..stack.len() - 1]);
    path.push(Segment::Key(key.clone()));
    written.push((path, value));
}

/// Where `offset` is in `text`. Offsets past the end are taken as the end.
pub fn cursor(text: &str, offset: u32) -> Cursor {
    let mut offset = (offset as usize).min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line_start = text[..offset].rfind('\n').map_or(0, |at| at + 1);
    let line_end = text[offset..]
        .find('\n')
        .map_or(text.len(), |at| offset + at);
    let full_line = text[line_start..line_end].trim_end_matches('\r');
    let prefix = &text[line_start..offset];
    let line = parse_line(prefix, line_start);
    // Each segment with the start of the line it is written on.
    let mut segments_rev: Vec<(Segment, usize)> = Vec::new();
    let mut slot = Slot::Key;
    let mut present = Vec::new();
    let mut flow: Option<(usize, Flow)> = None;
    let column;
    let mut mode = Mode::Parent { limit: usize::MAX };

    // The cursor line: its entries are the innermost ancestors.
    let rest = line.rest_text();
    let rest_start = line_start + line.rest;
    if line.entries.is_empty() {
        // A word with no colon yet (or nothing): a key of the mapping at
        // this column.
        let trimmed = prefix.trim_start();
        column = prefix.len() - trimmed.len();
        mode = Mode::Parent { limit: column };
        if trimmed.starts_with(['{', '[']) {
            let from = line_start + column;
            flow = scan_flow(text, from, offset).map(|f| (from, f));
        }
    } else {
        // After `key:` or `- `: the value.
        slot = Slot::Value;
        column = line.rest;
        if rest.starts_with(['{', '[']) {
            flow = scan_flow(text, rest_start, offset).map(|f| (rest_start, f));
        }
    }
    process_line(
        &line,
        &mut mode,
        &mut segments_rev,
        &mut present,
        None,
        &mut slot,
        &mut flow,
        offset,
        text,
        true,
    );

    // Keys of the innermost mapping written on lines below the cursor.
    if slot == Slot::Key && flow.is_none() {
        for (start, below) in lines_below(text, offset) {
            let Some(indent) = indent_of(below) else {
                continue;
            };
            if indent < column {
                break;
            }
            if indent > column {
                continue;
            }
            let below = parse_line(below, start);
            let first = below.entries.first().map_or(below.indent, |(col, _)| *col);
            if first < column {
                break;
            }
            if let Some((col, Entry::Key { key, .. })) = below.entries.first()
                && *col == column
            {
                present.push(key.clone());
            }
        }
    }

    for (start, above) in lines_above(text, line_start) {
        let collect = (segments_rev.is_empty() && slot == Slot::Key).then_some(column);
        if matches!(mode, Mode::Parent { limit: 0 }) && collect.is_none() {
            break;
        }
        let Some(indent) = indent_of(above) else {
            continue;
        };
        // Only a line indented less than the level sought can hold a
        // parent (or, at the level, a sibling): skip the rest unparsed.
        let matters = match mode {
            Mode::Siblings { column, .. } => indent <= column,
            Mode::Parent { limit } => indent < limit || collect.is_some_and(|c| indent <= c),
        };
        if !matters {
            continue;
        }
        let above = parse_line(above, start);
        process_line(
            &above,
            &mut mode,
            &mut segments_rev,
            &mut present,
            collect,
            &mut slot,
            &mut flow,
            offset,
            text,
            false,
        );
    }
    if let Mode::Siblings { index, line, .. } = mode {
        segments_rev.push((Segment::Item(index), line));
    }
    segments_rev.reverse();
    let (mut path, starts): (Vec<Segment>, Vec<usize>) = segments_rev.into_iter().unzip();
    let mut quoted = false;
    let mut in_flow = false;
    let mut word_start = None;
    let mut written = Vec::new();
    let flow_from = flow.as_ref().map(|(from, _)| *from);
    if let Some((_, flow)) = flow {
        in_flow = true;
        for (relative, value) in flow.written {
            let mut full = path.clone();
            full.extend(relative);
            written.push((full, value));
        }
        path.extend(flow.path);
        slot = flow.slot;
        if slot == Slot::Key {
            present = flow.present;
        }
        if let Some(from) = flow.quoted_from {
            quoted = true;
            word_start = Some(from);
        }
    } else if slot == Slot::Value && rest.starts_with(['"', '\'']) && quoted_end(rest, 0).is_none()
    {
        quoted = true;
        word_start = Some(rest_start + 1);
    }
    if slot == Slot::BlockScalar {
        present.clear();
    }

    let bytes = text.as_bytes();
    let (start, end) = if quoted {
        let start = word_start.unwrap_or(offset);
        let mut end = offset;
        while end < line_start + full_line.len() && !matches!(bytes[end], b'"' | b'\'') {
            end += 1;
        }
        (start, end)
    } else {
        let mut start = offset;
        while start > line_start && is_word_byte(bytes[start - 1]) {
            start -= 1;
        }
        // In a key, a `:` ends the word.
        if let Some(colon) = text[start..offset].rfind(':')
            && slot != Slot::Value
        {
            start += colon + 1;
        }
        let mut end = offset;
        let line_end = line_start + full_line.len();
        while end < line_end && is_word_byte(bytes[end]) {
            if bytes[end] == b':' && (end + 1 == line_end || matches!(bytes[end + 1], b' ' | b'\t'))
            {
                break;
            }
            end += 1;
        }
        // A word right after a quote the scan did not see open (a JSON
        // key `"ty|"`): insert bare text inside the quotes.
        if start > line_start && matches!(bytes[start - 1], b'"' | b'\'') {
            quoted = true;
        }
        (start, end)
    };
    let colon_follows = text[end..]
        .trim_start_matches([' ', '"', '\''])
        .starts_with(':');
    Cursor {
        path,
        slot,
        word: TextRange::new(start as u32, end as u32),
        present,
        column: column as u32,
        flow: in_flow,
        flow_from,
        starts,
        quoted,
        colon_follows,
        written,
    }
}

#[derive(Debug, Clone, Copy)]
enum Mode {
    /// Looking for an entry indented less than `limit`.
    Parent { limit: usize },
    /// Counting the items of the block sequence whose dashes are at `column`.
    /// `line`: where the item itself starts.
    Siblings {
        column: usize,
        index: usize,
        line: usize,
    },
}

/// Applies one line (the cursor's, then each line above, nearest first) to
/// the walk up the parents.
#[allow(clippy::too_many_arguments)]
fn process_line(
    line: &Line<'_>,
    mode: &mut Mode,
    segments_rev: &mut Vec<(Segment, usize)>,
    present: &mut Vec<String>,
    collect_at: Option<usize>,
    slot: &mut Slot,
    flow: &mut Option<(usize, Flow)>,
    offset: usize,
    text: &str,
    is_cursor_line: bool,
) {
    if let Mode::Siblings {
        column,
        index,
        line: item_line,
    } = *mode
    {
        let first = line.entries.first().map_or(line.indent, |(col, _)| *col);
        if first > column {
            return;
        }
        let dash_at_column = line
            .entries
            .iter()
            .any(|(col, entry)| *col == column && matches!(entry, Entry::Dash));
        if dash_at_column {
            let index = index + 1;
            if first == column {
                *mode = Mode::Siblings {
                    column,
                    index,
                    line: item_line,
                };
                return;
            }
            segments_rev.push((Segment::Item(index), item_line));
            *mode = Mode::Parent { limit: column };
        } else if first == column {
            segments_rev.push((Segment::Item(index), item_line));
            *mode = Mode::Parent { limit: column + 1 };
        } else {
            segments_rev.push((Segment::Item(index), item_line));
            *mode = Mode::Parent { limit: column };
        }
    }
    let Mode::Parent { mut limit } = *mode else {
        return;
    };
    if line.entries.is_empty() {
        if !is_cursor_line && line.indent < limit {
            *mode = Mode::Parent { limit: line.indent };
        }
        return;
    }
    if let Some(level) = collect_at {
        for (col, entry) in &line.entries {
            if let Entry::Key { key, .. } = entry
                && *col == level
                && !is_cursor_line
            {
                present.push(key.clone());
            }
        }
    }
    let entries = &line.entries;
    for (position, (col, entry)) in entries.iter().enumerate().rev() {
        if *col >= limit {
            continue;
        }
        match entry {
            Entry::Key { key, rest } => {
                let value = &line.text[*rest..];
                if !is_cursor_line && is_block_indicator(value) {
                    // The cursor is inside this block scalar's body.
                    segments_rev.clear();
                    *slot = Slot::BlockScalar;
                    *flow = None;
                } else if !is_cursor_line
                    && value.starts_with(['{', '['])
                    && flow.is_none()
                    && segments_rev.is_empty()
                {
                    let from = line.start + rest;
                    *flow = scan_flow(text, from, offset).map(|f| (from, f));
                }
                segments_rev.push((Segment::Key(key.clone()), line.start));
                limit = *col;
            }
            Entry::Dash => {
                if !is_cursor_line
                    && position + 1 == entries.len()
                    && flow.is_none()
                    && segments_rev.is_empty()
                    && line.rest_text().starts_with(['{', '['])
                {
                    let from = line.start + line.rest;
                    *flow = scan_flow(text, from, offset).map(|f| (from, f));
                }
                if position > 0 {
                    // The first item of a nested sequence (`- - x`).
                    segments_rev.push((Segment::Item(0), line.start));
                    limit = *col;
                } else {
                    *mode = Mode::Siblings {
                        column: *col,
                        index: 0,
                        line: line.start,
                    };
                    return;
                }
            }
        }
    }
    *mode = Mode::Parent { limit };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(fixture: &str) -> (Cursor, String) {
        let offset = fixture.find("$0").expect("a $0 cursor");
        let text = fixture.replace("$0", "");
        let cursor = cursor(&text, offset as u32);
        let word = text[cursor.word.start as usize..cursor.word.end as usize].to_string();
        (cursor, word)
    }

    fn path(cursor: &Cursor) -> String {
        cursor
            .path
            .iter()
            .map(|segment| match segment {
                Segment::Key(key) => key.clone(),
                Segment::Item(index) => index.to_string(),
            })
            .collect::<Vec<_>>()
            .join("/")
    }

    #[test]
    fn a_key_with_no_colon_yet() {
        let (cursor, word) =
            at("collections:\n  acme/a:\n    schema: x\n    ke$0\n    key: [/a]\n");
        assert_eq!(path(&cursor), "collections/acme/a");
        assert_eq!(cursor.slot, Slot::Key);
        assert_eq!(word, "ke");
        assert_eq!(cursor.present, ["key", "schema"]);
    }

    #[test]
    fn an_empty_line_takes_the_cursor_column() {
        let (cursor, word) = at("collections:\n  acme/a:\n    schema: x\n  $0\n");
        assert_eq!(path(&cursor), "collections");
        assert_eq!(cursor.slot, Slot::Key);
        assert_eq!(word, "");
        assert_eq!(cursor.present, ["acme/a"]);
        let (cursor, _) = at("collections:\n  acme/a:\n    schema: x\n      \n$0");
        assert_eq!(path(&cursor), "");
        assert_eq!(cursor.present, ["collections"]);
    }

    #[test]
    fn values_and_sequence_items_are_counted() {
        let text = "tests:\n  acme/t:\n    - ingest:\n        collection: a\n    - verify:\n        collection: acme/o$0rd\n";
        let (cursor, word) = at(text);
        assert_eq!(path(&cursor), "tests/acme/t/1/verify/collection");
        assert_eq!(cursor.slot, Slot::Value);
        assert_eq!(word, "acme/ord");
        let (cursor, _) = at("key:\n- /a\n- /b\n- $0\n");
        assert_eq!(path(&cursor), "key/2");
        assert_eq!(cursor.slot, Slot::Value);
        let (cursor, _) = at("tests:\n  t:\n  - ingest: {}\n  - ve$0\n");
        assert_eq!(path(&cursor), "tests/t/1");
    }

    #[test]
    fn unclosed_flow_collections() {
        let (cursor, word) = at("a:\n  source: { name: acme/x, partitions: { include: {$0\n");
        assert_eq!(path(&cursor), "a/source/partitions/include");
        assert_eq!(cursor.slot, Slot::Key);
        assert_eq!(
            cursor.written,
            [(
                vec![
                    Segment::Key("a".into()),
                    Segment::Key("source".into()),
                    Segment::Key("name".into())
                ],
                "acme/x".to_string()
            )]
        );
        assert!(cursor.flow);
        assert_eq!(word, "");
        let (cursor, word) = at("a:\n  source: { name: ac$0\n");
        assert_eq!(path(&cursor), "a/source/name");
        assert_eq!(cursor.slot, Slot::Value);
        assert_eq!(word, "ac");
        let (cursor, _) = at("a:\n  key: [/x, /y$0]\n");
        assert_eq!(path(&cursor), "a/key/1");
        let (cursor, _) = at("a:\n  b: {\n    c: 1,\n    d$0\n");
        assert_eq!(path(&cursor), "a/b");
        assert_eq!(cursor.slot, Slot::Key);
        assert_eq!(cursor.present, ["c"]);
        let (cursor, _) = at("a:\n  - { collection: \"ac$0\" }\n");
        assert_eq!(path(&cursor), "a/0/collection");
        assert!(cursor.quoted);
        let (cursor, word) = at("{\n  \"properties\": {\n    \"n\": { \"ty$0\" }\n");
        assert_eq!(path(&cursor), "properties/n");
        assert_eq!(cursor.slot, Slot::Key);
        assert_eq!(word, "ty");
        assert!(cursor.quoted);
    }

    #[test]
    fn collection_names_from_text_that_does_not_parse() {
        let map =
            "import: [x]\ncollections:\n  a/one:\n    key: [/id\n  a/two: {\ntests:\n  t: []\n";
        assert_eq!(collection_names(map), ["a/one", "a/two"]);
        let list =
            "collections:\n  - name: a/one\n    key: [\n  - schema: x\n    name: \"a/two\"\n";
        assert_eq!(collection_names(list), ["a/one", "a/two"]);
        let compact = "collections:\n- name: a/one\n  source: { name: no }\n- name: a/two\n";
        assert_eq!(collection_names(compact), ["a/one", "a/two"]);
    }

    #[test]
    fn inside_a_block_scalar() {
        let (cursor, _) = at(
            "t:\n  update:\n    nodeJS: |\n      return [{\n          id: sour$0ce.id,\n      }];\n",
        );
        assert_eq!(path(&cursor), "t/update/nodeJS");
        assert_eq!(cursor.slot, Slot::BlockScalar);
    }

    #[test]
    fn positions_past_the_end_and_odd_text() {
        let (cursor, _) = at("$0");
        assert_eq!(path(&cursor), "");
        let text = "a: [\"é";
        for offset in 0..=text.len() as u32 + 3 {
            let _ = super::cursor(text, offset);
        }
        let _ = super::cursor("- - - :\n  - '\n\"", 7);
    }
}
