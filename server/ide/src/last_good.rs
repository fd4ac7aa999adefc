//! Navigation while a file does not parse (issue #8, "keeps the last good
//! analysis for navigation"): [`Analysis::last_good`] holds the builds of
//! the last revision in which the file parsed, with its text of then; this
//! module maps positions between that text and today's where they did not
//! change (the common prefix and suffix), so an answer of the old build is
//! given only about text that is still there, character for character.
//! A cursor or a result inside the changed region maps to nothing: no
//! answer rather than a wrong one.

use std::sync::Arc;

use syntax::NodeKind;
use text::TextRange;
use url::Url;

use crate::{Analysis, FilePosition, tree_path};

/// The change between two texts as one replaced region: bytes before
/// `prefix` are equal, and so are the old text from `old_tail` and the new
/// text from `new_tail` to their ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TextMap {
    prefix: u32,
    old_tail: u32,
    new_tail: u32,
    same: bool,
}

impl TextMap {
    pub fn new(old: &str, new: &str) -> TextMap {
        let (a, b) = (old.as_bytes(), new.as_bytes());
        let mut prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
        while !old.is_char_boundary(prefix) {
            prefix -= 1;
        }
        let room = a.len().min(b.len()) - prefix;
        let mut suffix = a
            .iter()
            .rev()
            .zip(b.iter().rev())
            .take(room)
            .take_while(|(x, y)| x == y)
            .count();
        while !old.is_char_boundary(a.len() - suffix) {
            suffix -= 1;
        }
        TextMap {
            prefix: prefix as u32,
            old_tail: (a.len() - suffix) as u32,
            new_tail: (b.len() - suffix) as u32,
            same: old == new,
        }
    }

    /// The map from the new text to the old.
    pub fn inverse(self) -> TextMap {
        TextMap {
            old_tail: self.new_tail,
            new_tail: self.old_tail,
            ..self
        }
    }

    /// An old offset in the new text, when it is outside the changed region
    /// (its ends included).
    pub fn offset(&self, offset: u32) -> Option<u32> {
        if offset <= self.prefix {
            Some(offset)
        } else if offset >= self.old_tail {
            Some(offset - self.old_tail + self.new_tail)
        } else {
            None
        }
    }

    /// An old range in the new text when its text and the character on
    /// each side of it did not change (so a name is still that whole name).
    pub fn exact(&self, range: TextRange) -> Option<TextRange> {
        if self.same {
            return Some(range);
        }
        let moved = |offset: u32| offset - self.old_tail + self.new_tail;
        if range.end < self.prefix {
            Some(range)
        } else if range.start > self.old_tail {
            Some(TextRange::new(moved(range.start), moved(range.end)))
        } else {
            None
        }
    }

    /// An old range in the new text when both its ends are outside the
    /// changed region (a range around the change grows or shrinks with it).
    pub fn enclosing(&self, range: TextRange) -> Option<TextRange> {
        Some(TextRange::new(
            self.offset(range.start)?,
            self.offset(range.end)?,
        ))
    }
}

/// The last good analysis of a file that does not parse, and how its
/// files' texts map to the current ones.
pub(crate) struct LastGood<'a> {
    pub stale: Analysis,
    current: &'a Analysis,
}

impl<'a> LastGood<'a> {
    /// The last good analysis of `file`, when it does not parse now.
    pub fn of(current: &'a Analysis, file: &Url) -> Option<LastGood<'a>> {
        Some(LastGood {
            stale: current.last_good(file)?,
            current,
        })
    }

    /// The last good analysis at `position`, and the position in it: only
    /// when the name or key under the cursor (and a character on each side)
    /// is unchanged since.
    pub fn at(
        current: &'a Analysis,
        position: &FilePosition,
    ) -> Option<(LastGood<'a>, FilePosition)> {
        let last = LastGood::of(current, &position.file)?;
        let map = last.map(&position.file)?;
        let offset = map.inverse().offset(position.offset)?;
        let old = last.stale.file(&position.file)?;
        let path = tree_path::path_at(old.tree, offset);
        let node = path.node()?;
        let leaf = match (path.on_key, path.steps.last()?.key) {
            (true, Some(key)) => old.tree.node(key).range,
            _ => match old.tree.node(node).kind {
                NodeKind::Scalar(_) | NodeKind::Alias(_) => old.tree.node(node).range,
                _ => return None,
            },
        };
        map.exact(leaf)?;
        let position = FilePosition {
            file: position.file.clone(),
            offset,
        };
        Some((last, position))
    }

    /// How `file`'s text in the last good analysis maps to its text now.
    pub fn map(&self, file: &Url) -> Option<TextMap> {
        let old = self.stale.file(file)?.text;
        let new = self.current.file(file)?.text;
        Some(match Arc::ptr_eq(old, new) {
            true => TextMap::new("", ""),
            false => TextMap::new(old, new),
        })
    }

    /// A range of the last good analysis in the current text of `file`,
    /// when unchanged (see [`TextMap::exact`]).
    pub fn exact(&self, file: &Url, range: TextRange) -> Option<TextRange> {
        self.map(file)?.exact(range)
    }

    /// Whether every file of the last good analysis other than `except` has
    /// the same text now.
    pub fn others_unchanged(&self, except: &Url) -> bool {
        self.stale
            .files()
            .filter(|file| *file != except)
            .all(
                |file| match (self.stale.file(file), self.current.file(file)) {
                    (Some(old), Some(new)) => {
                        Arc::ptr_eq(old.text, new.text) || old.text == new.text
                    }
                    _ => false,
                },
            )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_map_outside_the_changed_region_only() {
        let old = "a: one\nb: two\nc: three\n";
        let new = "a: one\nb: [tw\nc: three\n";
        let map = TextMap::new(old, new);
        let at = |text: &str, needle: &str| text.find(needle).unwrap() as u32;
        assert_eq!(map.offset(at(old, "a:")), Some(0));
        assert_eq!(map.offset(at(old, "three")), Some(at(new, "three")));
        assert_eq!(map.offset(at(old, "two") + 1), None);
        // A whole name maps; one touching the change does not.
        let three = TextRange::new(at(old, "three"), at(old, "three") + 5);
        let mapped = map.exact(three).unwrap();
        assert_eq!(&new[mapped.start as usize..mapped.end as usize], "three");
        let two = TextRange::new(at(old, "two"), at(old, "two") + 3);
        assert_eq!(map.exact(two), None);
        // A name that grew is not the old name any more.
        let grew = TextMap::new("x: acme/foo\n", "x: acme/foobar\n");
        assert_eq!(grew.exact(TextRange::new(3, 11)), None);
        // Around the change, a range stretches.
        assert_eq!(
            map.enclosing(TextRange::new(0, old.len() as u32)),
            Some(TextRange::new(0, new.len() as u32))
        );
        assert_eq!(
            map.inverse().offset(at(new, "three")),
            Some(at(old, "three"))
        );
        // Multi-byte characters split no boundary.
        let wide = TextMap::new("é: 1\n", "è: 1\n");
        assert_eq!(wide.offset(1), None);
        assert_eq!(wide.exact(TextRange::new(3, 4)), Some(TextRange::new(3, 4)));
    }
}
