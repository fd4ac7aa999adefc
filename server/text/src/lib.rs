//! Text positions shared by every layer: byte ranges into a file's text, and the
//! conversions between byte offsets and (line, column) positions that editors and
//! humans use.
//!
//! Columns come in two flavours: UTF-16 code units (what LSP and `flowctl lint
//! --format json` report) and Unicode characters (what the human renderer shows).
//! This crate depends on no other crate of ours.

use std::fmt;
use std::sync::{Arc, OnceLock};

/// A half-open byte range `[start, end)` into one file's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    pub fn new(start: u32, end: u32) -> TextRange {
        TextRange {
            start,
            end: end.max(start),
        }
    }

    /// An empty range at `offset`.
    pub fn empty(offset: u32) -> TextRange {
        TextRange {
            start: offset,
            end: offset,
        }
    }

    pub fn len(&self) -> u32 {
        self.end - self.start
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }

    /// True when `offset` lies inside the range (its end included, so a cursor
    /// just after a word still counts as on it).
    pub fn contains_inclusive(&self, offset: u32) -> bool {
        self.start <= offset && offset <= self.end
    }
}

impl fmt::Display for TextRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A zero-based position: `line`, and `character` in the unit the caller asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Position {
    pub line: u32,
    pub character: u32,
}

/// Line starts of one text, for offset ↔ position conversions.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Byte offset at which each line starts; the first is always 0.
    line_starts: OnceLock<Vec<u32>>,
    /// The text, until its line starts are found ([`LineIndex::lazy`]).
    text: Option<Arc<str>>,
    text_len: u32,
}

/// Equal line starts (found now if either is lazy).
impl PartialEq for LineIndex {
    fn eq(&self, other: &LineIndex) -> bool {
        self.text_len == other.text_len && self.line_starts() == other.line_starts()
    }
}

impl Eq for LineIndex {}

/// Which unit a column is counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnUnit {
    /// UTF-16 code units (LSP's default encoding).
    Utf16,
    /// Unicode scalar values (what a person counts).
    Char,
    /// Bytes of UTF-8.
    Utf8,
}

impl LineIndex {
    /// Lines end at `\n`, `\r\n` or a lone `\r`: the line breaks of YAML and
    /// of LSP, so a file with old Mac line endings is not one long line.
    pub fn new(text: &str) -> LineIndex {
        LineIndex {
            line_starts: OnceLock::from(line_starts(text)),
            text: None,
            text_len: text.len() as u32,
        }
    }

    /// [`LineIndex::new`] of `text`, found on first use: a loader indexes
    /// every file it reads, and most are never asked for a position (a
    /// clean build locates nothing); until then it holds only the text,
    /// shared.
    pub fn lazy(text: Arc<str>) -> LineIndex {
        LineIndex {
            line_starts: OnceLock::new(),
            text_len: text.len() as u32,
            text: Some(text),
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts
            .get_or_init(|| line_starts(self.text.as_deref().unwrap_or("")))
    }

    pub fn line_count(&self) -> u32 {
        self.line_starts().len() as u32
    }

    /// The byte range of line `line` without its line terminator.
    pub fn line_range(&self, text: &str, line: u32) -> TextRange {
        let start = self
            .line_starts()
            .get(line as usize)
            .copied()
            .unwrap_or(self.text_len);
        let mut end = self
            .line_starts()
            .get(line as usize + 1)
            .copied()
            .unwrap_or(self.text_len);
        let bytes = text.as_bytes();
        while end > start && matches!(bytes.get(end as usize - 1), Some(b'\n' | b'\r')) {
            end -= 1;
        }
        TextRange::new(start, end)
    }

    /// The zero-based line holding byte `offset`.
    pub fn line_of(&self, offset: u32) -> u32 {
        match self.line_starts().binary_search(&offset) {
            Ok(line) => line as u32,
            Err(next) => next as u32 - 1,
        }
    }

    /// Converts a byte offset into a position with the column in `unit`.
    /// Offsets past the end, or inside a UTF-8 sequence, are clamped.
    pub fn position(&self, text: &str, offset: u32, unit: ColumnUnit) -> Position {
        let offset = offset.min(self.text_len);
        let line = self.line_of(offset);
        let line_start = self.line_starts()[line as usize];
        let mut end = offset as usize;
        while end > line_start as usize && !text.is_char_boundary(end) {
            end -= 1;
        }
        let prefix = &text[line_start as usize..end];
        let character = match unit {
            ColumnUnit::Utf8 => prefix.len() as u32,
            ColumnUnit::Char => prefix.chars().count() as u32,
            ColumnUnit::Utf16 => prefix.chars().map(|c| c.len_utf16() as u32).sum(),
        };
        Position { line, character }
    }

    /// Converts a position (column in `unit`) back into a byte offset, clamping
    /// to the end of the line.
    pub fn offset(&self, text: &str, position: Position, unit: ColumnUnit) -> u32 {
        let Some(&line_start) = self.line_starts().get(position.line as usize) else {
            return self.text_len;
        };
        let line = self.line_range(text, position.line);
        let mut counted = 0u32;
        for (index, ch) in text[line.start as usize..line.end as usize].char_indices() {
            if counted >= position.character {
                return line_start + index as u32;
            }
            counted += match unit {
                ColumnUnit::Utf8 => ch.len_utf8() as u32,
                ColumnUnit::Char => 1,
                ColumnUnit::Utf16 => ch.len_utf16() as u32,
            };
        }
        line.end
    }

    /// Byte offset of the start of `line` (clamped to the end of the text).
    pub fn line_start(&self, line: u32) -> u32 {
        self.line_starts()
            .get(line as usize)
            .copied()
            .unwrap_or(self.text_len)
    }
}

/// Byte offset at which each line of `text` starts (found with `memchr`,
/// many bytes at a time).
fn line_starts(text: &str) -> Vec<u32> {
    let mut line_starts = vec![0];
    let bytes = text.as_bytes();
    for offset in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        // A `\r` before a `\n` ends no line: the `\n` does.
        if bytes[offset] == b'\r' && bytes.get(offset + 1) == Some(&b'\n') {
            continue;
        }
        line_starts.push(offset as u32 + 1);
    }
    line_starts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lone_carriage_returns_and_crlf_end_lines() {
        let text = "a: 1\rb: 2\r\nc: 3\nd";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        let c = text.find('c').unwrap() as u32;
        assert_eq!(
            index.position(text, c, ColumnUnit::Utf16),
            Position {
                line: 2,
                character: 0
            }
        );
        let lines: Vec<&str> = (0..4)
            .map(|line| {
                let range = index.line_range(text, line);
                &text[range.start as usize..range.end as usize]
            })
            .collect();
        assert_eq!(lines, ["a: 1", "b: 2", "c: 3", "d"]);
    }

    #[test]
    fn line_breaks_at_the_edges() {
        for (text, count) in [
            ("", 1),
            ("\r", 2),
            ("\n", 2),
            ("\r\n", 2),
            ("\r\r\n", 3),
            ("\n\r", 3),
            ("x\r\n\r\ny", 3),
        ] {
            let index = LineIndex::new(text);
            assert_eq!(index.line_count(), count, "{text:?}");
            assert_eq!(index.line_range(text, count - 1).end, text.len() as u32);
            assert_eq!(LineIndex::lazy(text.into()), index);
        }
    }

    #[test]
    fn positions_count_utf16_and_chars() {
        let text = "a: 1\nkey: 正岡大介 x\n";
        let index = LineIndex::new(text);
        let x = text.find(" x").unwrap() as u32 + 1;
        assert_eq!(
            index.position(text, x, ColumnUnit::Utf16),
            Position {
                line: 1,
                character: 10
            }
        );
        assert_eq!(
            index.position(text, x, ColumnUnit::Char),
            Position {
                line: 1,
                character: 10
            }
        );
        assert_eq!(
            index.position(text, x, ColumnUnit::Utf8),
            Position {
                line: 1,
                character: 18
            }
        );
        let emoji = "k: 😀z";
        let index = LineIndex::new(emoji);
        let z = emoji.find('z').unwrap() as u32;
        assert_eq!(index.position(emoji, z, ColumnUnit::Utf16).character, 5);
        assert_eq!(index.position(emoji, z, ColumnUnit::Char).character, 4);
        assert_eq!(
            index.offset(
                emoji,
                Position {
                    line: 0,
                    character: 5
                },
                ColumnUnit::Utf16
            ),
            z
        );
    }

    #[test]
    fn line_ranges_drop_terminators() {
        let text = "one\r\ntwo\nthree";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 3);
        let two = index.line_range(text, 1);
        assert_eq!(&text[two.start as usize..two.end as usize], "two");
        assert_eq!(index.line_of(text.find("three").unwrap() as u32), 2);
    }
}
