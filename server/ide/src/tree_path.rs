//! What is under a cursor in a YAML tree: the path of nodes from the
//! document's root down to the deepest node (or key) whose range holds an
//! offset, with aliases not followed (an alias is a leaf at its use site).
//! Navigation and selection ranges read it; `Tree::pointer_at` gives only
//! the pointer, this keeps the nodes and keys on the way.

use syntax::{NodeId, NodeKind, Tree};
use text::TextRange;

/// One level of a [`CursorPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Step {
    pub node: NodeId,
    /// The key of the mapping entry holding `node` (None for the root and
    /// sequence items).
    pub key: Option<NodeId>,
    /// The pointer token leading to `node` (empty for the root).
    pub token: String,
}

/// The nodes from the root to the deepest one at an offset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CursorPath {
    /// Root first; empty when the tree has no root.
    pub steps: Vec<Step>,
    /// The offset is on the key of the last step rather than on its value.
    pub on_key: bool,
}

impl CursorPath {
    /// The deepest step's node.
    pub fn node(&self) -> Option<NodeId> {
        self.steps.last().map(|step| step.node)
    }

    /// The pointer tokens below the root.
    pub fn tokens(&self) -> Vec<&str> {
        self.steps
            .iter()
            .skip(1)
            .map(|step| step.token.as_str())
            .collect()
    }
}

/// Joins unescaped tokens into a JSON pointer.
pub(crate) fn pointer_of<'t>(tokens: impl IntoIterator<Item = &'t str>) -> String {
    let mut pointer = String::new();
    for token in tokens {
        json::pointer::push_token(&mut pointer, token);
    }
    pointer
}

/// The path to the deepest node whose range (or key's range) contains
/// `offset`, ends included. Entries merged in with `<<` are skipped (their
/// nodes are written elsewhere).
pub(crate) fn path_at(tree: &Tree, offset: u32) -> CursorPath {
    let Some(root) = tree.root() else {
        return CursorPath::default();
    };
    let mut path = CursorPath {
        steps: vec![Step {
            node: root,
            key: None,
            token: String::new(),
        }],
        on_key: false,
    };
    let mut current = root;
    'descend: loop {
        match &tree.node(current).kind {
            NodeKind::Mapping(entries) => {
                for entry in entries.iter().filter(|entry| entry.merged_via().is_none()) {
                    let on_key = tree.node(entry.key).range.contains_inclusive(offset);
                    if on_key || tree.node(entry.value).range.contains_inclusive(offset) {
                        path.steps.push(Step {
                            node: entry.value,
                            key: Some(entry.key),
                            token: tree.key_text(entry).to_string(),
                        });
                        if on_key {
                            path.on_key = true;
                            return path;
                        }
                        current = entry.value;
                        continue 'descend;
                    }
                }
                return path;
            }
            NodeKind::Sequence(items) => {
                for (index, item) in items.iter().enumerate() {
                    if tree.node(*item).range.contains_inclusive(offset) {
                        path.steps.push(Step {
                            node: *item,
                            key: None,
                            token: index.to_string(),
                        });
                        current = *item;
                        continue 'descend;
                    }
                }
                return path;
            }
            NodeKind::Scalar(_) | NodeKind::Alias(_) => return path,
        }
    }
}

/// `range` without the whitespace it ends with (the parser's range of a
/// flow collection can run over the spaces after its closing bracket).
pub(crate) fn trimmed(text: &str, range: TextRange) -> TextRange {
    let covered = text
        .get(range.start as usize..range.end as usize)
        .unwrap_or("");
    let trailing = covered.len() - covered.trim_end().len();
    TextRange::new(range.start, range.end - trailing as u32)
}

/// The range of a mapping entry: from its key to the end of its value.
pub(crate) fn entry_range(tree: &Tree, key: NodeId, value: NodeId) -> TextRange {
    let key = tree.node(key).range;
    let value = tree.node(value).range;
    TextRange::new(key.start.min(value.start), key.end.max(value.end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_through_mappings_and_sequences() {
        let text = "a:\n  b: [x, 'y']\n  c: { d: 1 } \n";
        let tree = syntax::parse(text).tree;
        let path = path_at(&tree, text.find("'y'").unwrap() as u32 + 1);
        assert_eq!(path.tokens(), ["a", "b", "1"]);
        assert!(!path.on_key);

        let path = path_at(&tree, text.find("b:").unwrap() as u32);
        assert_eq!(path.tokens(), ["a", "b"]);
        assert!(path.on_key);

        // A flow mapping inside another may end after the spaces following
        // its `}`; trimmed, it ends at the brace.
        let d = path_at(&tree, text.find("d:").unwrap() as u32 + 4);
        assert_eq!(d.tokens(), ["a", "c", "d"]);
        let c = &d.steps[2];
        let range = trimmed(text, tree.node(c.node).range);
        assert_eq!(&text[range.start as usize..range.end as usize], "{ d: 1 }");

        // Past the end and in an empty tree: no panic, the root or nothing.
        assert_eq!(path_at(&tree, 10_000).tokens(), Vec::<&str>::new());
        assert!(path_at(&syntax::parse("").tree, 3).steps.is_empty());
    }
}
