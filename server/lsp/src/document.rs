//! Open documents: a rope per buffer, edited in place by incremental
//! `didChange` events (positions in the negotiated encoding, clamped: a
//! client may send a position past the end of a line or of the file), and
//! the text it holds now as a shared `Arc<str>` for the analysis. The rope
//! is made on the first change: a client that opens every file of a
//! workspace (some do) holds each text once until it edits it.

use std::sync::Arc;

use lsp_types::{Position, TextDocumentContentChangeEvent};
use ropey::Rope;

use crate::from_proto::Encoding;

/// One open document.
#[derive(Debug)]
pub struct Document {
    pub version: i32,
    /// The text as a rope, from the first change on.
    rope: Option<Rope>,
    text: Arc<str>,
}

impl Document {
    pub fn new(text: &str, version: i32) -> Document {
        Document {
            version,
            rope: None,
            text: Arc::from(text),
        }
    }

    /// The text as of the last change.
    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    /// Shares `text`, which must equal the document's (an allocation the
    /// analysis already holds).
    pub fn share(&mut self, text: &Arc<str>) {
        debug_assert_eq!(**text, *self.text);
        self.text = Arc::clone(text);
    }

    /// Applies a `didChange`'s events in order (each is relative to the text
    /// the previous one left).
    pub fn apply(
        &mut self,
        changes: &[TextDocumentContentChangeEvent],
        version: i32,
        encoding: Encoding,
    ) {
        let text = &self.text;
        let rope = self.rope.get_or_insert_with(|| Rope::from_str(text));
        for change in changes {
            match change.range {
                Some(range) => {
                    let start = char_index(rope, range.start, encoding);
                    let end = char_index(rope, range.end, encoding).max(start);
                    rope.remove(start..end);
                    rope.insert(start, &change.text);
                }
                None => *rope = Rope::from_str(&change.text),
            }
        }
        self.version = version;
        self.text = Arc::from(rope.to_string());
    }
}

/// The rope's char index of a position, clamped to the end of its line
/// (before the line break) and to the end of the text.
fn char_index(rope: &Rope, position: Position, encoding: Encoding) -> usize {
    let lines = rope.len_lines();
    let line = position.line as usize;
    if line >= lines {
        return rope.len_chars();
    }
    let line_start = rope.line_to_char(line);
    let line_end = if line + 1 < lines {
        let next = rope.line_to_char(line + 1);
        let mut end = next;
        // Step back over the line break (\n, \r\n or \r).
        if end > line_start && rope.char(end - 1) == '\n' {
            end -= 1;
        }
        if end > line_start && rope.char(end - 1) == '\r' {
            end -= 1;
        }
        end
    } else {
        rope.len_chars()
    };
    let column = position.character as usize;
    let index = match encoding {
        Encoding::Utf16 => {
            let start_units = rope.char_to_utf16_cu(line_start);
            let end_units = rope.char_to_utf16_cu(line_end);
            rope.utf16_cu_to_char((start_units + column).min(end_units))
        }
        Encoding::Utf8 => {
            let start_byte = rope.char_to_byte(line_start);
            let end_byte = rope.char_to_byte(line_end);
            rope.byte_to_char((start_byte + column).min(end_byte))
        }
    };
    index.clamp(line_start, line_end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lsp_types::Range;

    fn change(start: (u32, u32), end: (u32, u32), text: &str) -> TextDocumentContentChangeEvent {
        TextDocumentContentChangeEvent {
            range: Some(Range::new(
                Position::new(start.0, start.1),
                Position::new(end.0, end.1),
            )),
            range_length: None,
            text: text.to_string(),
        }
    }

    #[test]
    fn utf16_columns_count_surrogate_pairs() {
        let mut document = Document::new("a: \"😀x\"\nb: 1\n", 1);
        // 😀 is two UTF-16 units: column 6 is after it, before x.
        document.apply(&[change((0, 6), (0, 7), "y")], 2, Encoding::Utf16);
        assert_eq!(&**document.text(), "a: \"😀y\"\nb: 1\n");
        assert_eq!(document.version, 2);
    }

    #[test]
    fn utf8_columns_count_bytes() {
        let mut document = Document::new("名前: x\n", 1);
        // 名前 is six bytes; the colon is at byte 6.
        document.apply(&[change((0, 6), (0, 7), "=")], 2, Encoding::Utf8);
        assert_eq!(&**document.text(), "名前= x\n");
    }

    #[test]
    fn positions_past_the_end_are_clamped() {
        let mut document = Document::new("ab\r\ncd", 1);
        // Past the end of line 0: lands before its CRLF, not inside it.
        document.apply(&[change((0, 99), (0, 99), "!")], 2, Encoding::Utf16);
        assert_eq!(&**document.text(), "ab!\r\ncd");
        // Past the last line: appends.
        document.apply(&[change((9, 0), (12, 3), "?")], 3, Encoding::Utf16);
        assert_eq!(&**document.text(), "ab!\r\ncd?");
        // An end before the start removes nothing.
        document.apply(&[change((1, 2), (1, 0), "-")], 4, Encoding::Utf16);
        assert_eq!(&**document.text(), "ab!\r\ncd-?");
    }

    #[test]
    fn whole_text_replacement_and_several_events_in_order() {
        let mut document = Document::new("x", 1);
        let whole = TextDocumentContentChangeEvent {
            range: None,
            range_length: None,
            text: "one\ntwo\n".into(),
        };
        document.apply(
            &[
                whole,
                change((1, 0), (1, 3), "2"),
                change((0, 0), (0, 3), "1"),
            ],
            5,
            Encoding::Utf16,
        );
        assert_eq!(&**document.text(), "1\n2\n");
    }
}
