//! Positions inside a string scalar (a lambda body): the one mapper from an
//! offset in the scalar's *value* to an offset in the YAML file, used for C29
//! syntax errors and for the place a lambda threw in `flowctl test`.
//!
//! A literal block scalar (`|`, `|2`, `|-`, …) maps line by line: value line
//! `i` is file line `first + i` (the line after the indicator), past the
//! content indentation. The indentation is not guessed from the file's first
//! non-blank line: it is measured where the parser's value and the file
//! agree (the first non-empty value line is the end of its file line), so an
//! indentation indicator (`|2`, whose lines may start with extra spaces) and
//! leading blank lines map right. A plain or quoted scalar maps when its
//! value is its text verbatim; otherwise (escapes, folding) the whole scalar
//! stands for every position in it.

use model::Scope;
use syntax::ScalarStyle;
use text::{ColumnUnit, LineIndex, Position, TextRange};
use url::Url;

use crate::{Loaded, LoadedResource, TextLocation};

/// Where the value of a string scalar sits in its file (see the module docs).
pub struct ScalarMap<'l> {
    resource: &'l LoadedResource,
    /// The scalar as written (for a block scalar, from its indicator or its
    /// first content line, to its last content character).
    node: TextRange,
    /// The use site when the scalar is reached through an alias or merge.
    use_site: Option<TextRange>,
    value: &'l str,
    value_lines: LineIndex,
    mapping: Mapping,
}

enum Mapping {
    /// The value's bytes appear contiguously from this file offset.
    Contiguous(u32),
    /// Value line `i` is file line `first_line + i`, after `indent` bytes.
    Lines { first_line: u32, indent: u32 },
    /// No exact mapping: the whole scalar.
    Whole,
}

impl Loaded {
    /// The mapper of the string scalar at `scope` (inline-schema scopes are
    /// followed to their catalog file), or None when there is no string
    /// scalar there.
    pub fn scalar_map(&self, scope: &Scope) -> Option<ScalarMap<'_>> {
        let scope = self.file_scope(scope);
        let resource = self.resource(&scope.resource)?;
        let tree = &resource.tree;
        let located = tree.locate(&scope.pointer)?;
        let scalar = tree.scalar(located.node)?;
        let node = tree.node(located.node).range;
        let value = scalar.text;
        let value_lines = LineIndex::new(value);
        let text: &str = &resource.text;
        let mapping = match scalar.style {
            ScalarStyle::Literal => literal(text, &resource.line_index, node, value, &value_lines),
            ScalarStyle::Folded => Mapping::Whole,
            ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                let start = node.start + u32::from(scalar.style != ScalarStyle::Plain);
                let end = start as usize + value.len();
                if text.get(start as usize..end) == Some(value) {
                    Mapping::Contiguous(start)
                } else {
                    Mapping::Whole
                }
            }
        };
        Some(ScalarMap {
            resource,
            node,
            use_site: located.anchor_range.map(|_| located.range),
            value,
            value_lines,
            mapping,
        })
    }

    /// The range of the character at (`line`, `column`) (0-based; column in
    /// UTF-16 units, as JavaScript counts) of the value of the string scalar
    /// at `scope`, such as the place a lambda threw. Reached through an alias,
    /// the position is in the anchored definition.
    pub fn locate_in_scalar(&self, scope: &Scope, line: u32, column: u32) -> Option<TextLocation> {
        let map = self.scalar_map(scope)?;
        let start = map.offset(line, column);
        let len = map.value[start as usize..]
            .chars()
            .next()
            .map_or(0, |c| if c == '\n' { 0 } else { c.len_utf8() as u32 });
        Some(TextLocation {
            resource: map.resource().clone(),
            range: map.range(start, start + len),
            anchor_range: None,
        })
    }
}

impl ScalarMap<'_> {
    /// The file holding the scalar.
    pub fn resource(&self) -> &Url {
        &self.resource.url
    }

    /// Where the scalar is used, when that is not where it is written (an
    /// alias or merge); the mapped ranges are in the written definition.
    pub fn use_site(&self) -> Option<TextRange> {
        self.use_site
    }

    /// The byte offset in the value of (`line`, `column`), the column in
    /// UTF-16 units; clamped to the value.
    pub fn offset(&self, line: u32, column: u32) -> u32 {
        self.value_lines.offset(
            self.value,
            Position {
                line,
                character: column,
            },
            ColumnUnit::Utf16,
        )
    }

    /// The file range of the value's byte range `start..end`.
    pub fn range(&self, start: u32, end: u32) -> TextRange {
        let clamp = |offset: u32| offset.clamp(self.node.start, self.node.end);
        match self.mapping {
            Mapping::Contiguous(at) => {
                TextRange::new(clamp(at + start), clamp(at + end.max(start)))
            }
            Mapping::Lines { first_line, indent } => {
                let file = &self.resource.line_index;
                let text: &str = &self.resource.text;
                let map = |offset: u32| {
                    let line = self.value_lines.line_of(offset);
                    let column = offset - self.value_lines.line_start(line);
                    let file_line = file.line_range(text, first_line + line);
                    clamp((file_line.start + indent + column).min(file_line.end))
                };
                let start = map(start);
                TextRange::new(start, map(end).max(start))
            }
            Mapping::Whole => self.node,
        }
    }
}

/// The line mapping of a literal block scalar written at `node` whose value
/// is `value` (see the module docs).
fn literal(
    text: &str,
    file: &LineIndex,
    node: TextRange,
    value: &str,
    value_lines: &LineIndex,
) -> Mapping {
    // The indicator: where the node starts, or the last `|` before it (the
    // node may start at its first content line).
    let indicator = if text.as_bytes().get(node.start as usize) == Some(&b'|') {
        node.start
    } else {
        match text[..node.start as usize].rfind('|') {
            Some(at) => at as u32,
            None => return Mapping::Whole,
        }
    };
    let first_line = file.line_of(indicator) + 1;
    for line in 0..value_lines.line_count() {
        let in_value = value_lines.line_range(value, line);
        let in_value = &value[in_value.start as usize..in_value.end as usize];
        if in_value.is_empty() {
            continue;
        }
        let in_file = file.line_range(text, first_line + line);
        let in_file = &text[in_file.start as usize..in_file.end as usize];
        return match in_file.strip_suffix(in_value) {
            Some(indentation) if indentation.bytes().all(|b| b == b' ') => Mapping::Lines {
                first_line,
                indent: indentation.len() as u32,
            },
            _ => Mapping::Whole,
        };
    }
    Mapping::Whole
}
