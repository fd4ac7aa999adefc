//! Folding ranges and selection ranges, from a file's YAML tree alone (so
//! they work in files of no build and in whatever tree broken YAML left).

use syntax::{NodeId, NodeKind, Tree};
use text::TextRange;
use url::Url;

use crate::Analysis;
use crate::tree_path::{self, entry_range};

/// A range an editor can fold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    pub range: TextRange,
    pub kind: FoldKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoldKind {
    /// A mapping, sequence or block scalar over several lines.
    Region,
    /// A run of comment lines.
    Comment,
}

/// Every multi-line mapping, sequence and block scalar (folded from its key
/// when it is an entry's value), and every run of two or more comment lines.
/// At most one fold starts on a line (the longest), in text order.
pub fn folding_ranges(analysis: &Analysis, file: &Url) -> Vec<Fold> {
    let Some(view) = analysis.file(file) else {
        return Vec::new();
    };
    let (text, tree) = (&**view.text, view.tree);
    let line_of = |offset: u32| view.line_index.line_of(offset);
    let mut regions: Vec<TextRange> = Vec::new();
    let mut block_scalars: Vec<TextRange> = Vec::new();
    if let Some(root) = tree.root() {
        // (node, range to fold when it spans several lines)
        let mut work: Vec<(NodeId, Option<TextRange>)> = vec![(root, None)];
        while let Some((id, range)) = work.pop() {
            let node = tree.node(id);
            // Nothing inside a one-line flow collection can fold.
            if node.flow && line_of(node.range.start) == line_of(node.range.end) {
                continue;
            }
            let foldable = match &node.kind {
                NodeKind::Mapping(entries) => {
                    for entry in entries.iter().filter(|entry| entry.merged_via().is_none()) {
                        let range = entry_range(tree, entry.key, entry.value);
                        work.push((entry.value, Some(range)));
                    }
                    true
                }
                NodeKind::Sequence(items) => {
                    work.extend(
                        items
                            .iter()
                            .map(|item| (*item, Some(tree.node(*item).range))),
                    );
                    true
                }
                NodeKind::Scalar(scalar) if scalar.style.is_block() => {
                    block_scalars.push(node.range);
                    true
                }
                NodeKind::Scalar(_) | NodeKind::Alias(_) => false,
            };
            if let Some(range) = range
                && foldable
                && line_of(range.start) < line_of(range.end)
            {
                regions.push(range);
            }
        }
    }
    let mut folds: Vec<Fold> = regions
        .into_iter()
        .map(|range| Fold {
            range,
            kind: FoldKind::Region,
        })
        .collect();
    block_scalars.sort();
    folds.extend(
        comment_runs(text, &block_scalars)
            .into_iter()
            .map(|range| Fold {
                range,
                kind: FoldKind::Comment,
            }),
    );
    // One fold per start line: the longest (each line computed once).
    let mut by_line: Vec<(u32, std::cmp::Reverse<u32>, Fold)> = folds
        .into_iter()
        .map(|fold| {
            let line = line_of(fold.range.start);
            (line, std::cmp::Reverse(fold.range.end), fold)
        })
        .collect();
    by_line.sort_unstable_by_key(|(line, end, _)| (*line, *end));
    by_line.dedup_by_key(|(line, _, _)| *line);
    by_line.into_iter().map(|(_, _, fold)| fold).collect()
}

/// Runs of two or more lines holding only a comment, outside block scalars
/// (sorted), from the first `#` to the end of the last comment.
fn comment_runs(text: &str, block_scalars: &[TextRange]) -> Vec<TextRange> {
    let mut runs = Vec::new();
    // (start of the run's first comment, end of its last, lines so far)
    let mut run: Option<(u32, u32, u32)> = None;
    let mut offset = 0u32;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len() as u32;
        let content = line.trim_end();
        let indent = content.len() - content.trim_start().len();
        let at = start + indent as u32;
        let in_block_scalar = block_scalars
            .binary_search_by(|range| {
                if range.end < at {
                    std::cmp::Ordering::Less
                } else if range.start > at {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok();
        if content.trim_start().starts_with('#') && !in_block_scalar {
            let end = start + content.len() as u32;
            run = Some(match run {
                Some((first, _, lines)) => (first, end, lines + 1),
                None => (at, end, 1),
            });
        } else if let Some((first, last, lines)) = run.take()
            && lines > 1
        {
            runs.push(TextRange::new(first, last));
        }
    }
    if let Some((first, last, lines)) = run
        && lines > 1
    {
        runs.push(TextRange::new(first, last));
    }
    runs
}

/// For each offset, the ranges that contain it, innermost first: the scalar
/// or key, its entry (key and value), the mapping or sequence holding it,
/// its entry, … and the whole document. Each range contains the previous
/// one; an offset past the end is taken as the end.
pub fn selection_ranges(analysis: &Analysis, file: &Url, offsets: &[u32]) -> Vec<Vec<TextRange>> {
    let Some(view) = analysis.file(file) else {
        return offsets
            .iter()
            .map(|offset| vec![TextRange::empty(*offset)])
            .collect();
    };
    let document = TextRange::new(0, view.text.len() as u32);
    offsets
        .iter()
        .map(|offset| selection(view.text, view.tree, (*offset).min(document.end), document))
        .collect()
}

fn selection(text: &str, tree: &Tree, offset: u32, document: TextRange) -> Vec<TextRange> {
    let path = tree_path::path_at(tree, offset);
    let mut candidates: Vec<TextRange> = Vec::new();
    for (depth, step) in path.steps.iter().enumerate().rev() {
        let is_last = depth + 1 == path.steps.len();
        match step.key {
            Some(key) => {
                if is_last && path.on_key {
                    candidates.push(tree.node(key).range);
                } else {
                    candidates.push(tree.node(step.node).range);
                }
                candidates.push(entry_range(tree, key, step.node));
            }
            None => candidates.push(tree.node(step.node).range),
        }
    }
    candidates.push(document);
    let mut out: Vec<TextRange> = Vec::new();
    for range in candidates {
        // The document's range keeps its final line break.
        let range = if range == document {
            range
        } else {
            tree_path::trimmed(text, range)
        };
        let contains_offset = range.contains_inclusive(offset);
        let contains_last = out
            .last()
            .is_none_or(|last| range.start <= last.start && last.end <= range.end);
        if contains_offset && contains_last && out.last() != Some(&range) {
            out.push(range);
        }
    }
    if out.is_empty() {
        out.push(document);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixture::{analysis, url};

    fn texts(text: &str, ranges: impl IntoIterator<Item = TextRange>) -> Vec<&str> {
        ranges
            .into_iter()
            .map(|range| &text[range.start as usize..range.end as usize])
            .collect()
    }

    const CATALOG: &str = r#"
#- /flow.yaml
# Weather stations and their readings.
# Owned by the field team.
collections:
  weather/readings:
    schema:
      type: object
      properties: { station: { type: string } }
    key: [/station]
    projections: { station: /station }
  weather/daily:
    schema: daily.schema.yaml
    key:
      - /station
      - /day
    derivation:
      transform:
        fromReadings:
          source: { name: weather/readings }
          publish:
            nodeJS: |
              # not a comment
              # but lambda text
              return [source];
"#;

    #[test]
    fn folds_blocks_from_their_keys_and_comment_runs() {
        let (analysis, _) = analysis(CATALOG);
        let file = url("/flow.yaml");
        let text = analysis.file(&file).unwrap().text.to_string();
        let folds = folding_ranges(&analysis, &file);
        let got: Vec<(FoldKind, &str)> = folds
            .iter()
            .map(|fold| (fold.kind, texts(&text, [fold.range])[0]))
            .collect();
        let first_line = |s: &str| s.lines().next().unwrap_or("").to_string();
        let summary: Vec<(FoldKind, String)> = got
            .iter()
            .map(|(kind, text)| (*kind, first_line(text)))
            .collect();
        assert_eq!(
            summary,
            [
                (
                    FoldKind::Comment,
                    "# Weather stations and their readings.".to_string()
                ),
                (FoldKind::Region, "collections:".to_string()),
                (FoldKind::Region, "weather/readings:".to_string()),
                (FoldKind::Region, "schema:".to_string()),
                (FoldKind::Region, "weather/daily:".to_string()),
                (FoldKind::Region, "key:".to_string()),
                (FoldKind::Region, "derivation:".to_string()),
                (FoldKind::Region, "transform:".to_string()),
                (FoldKind::Region, "fromReadings:".to_string()),
                (FoldKind::Region, "publish:".to_string()),
                (FoldKind::Region, "nodeJS: |".to_string()),
            ]
        );
        assert_eq!(
            got[0].1,
            "# Weather stations and their readings.\n# Owned by the field team."
        );
        assert!(got[3].1.ends_with("{ station: { type: string } }"));
        assert!(got[10].1.ends_with("return [source];"));
    }

    #[test]
    fn folds_a_loose_file_and_broken_yaml() {
        let (analysis, _) = analysis("#- /notes.yaml\nlist:\n  - a\n  - b\nbroken: [\n  c,\n");
        let file = url("/notes.yaml");
        let text = analysis.file(&file).unwrap().text.to_string();
        let folds = folding_ranges(&analysis, &file);
        // Whatever the parser kept folds; nothing panics.
        assert!(
            texts(&text, folds.iter().map(|fold| fold.range))
                .iter()
                .all(|folded| folded.contains('\n'))
        );
        assert!(folding_ranges(&analysis, &url("/absent.yaml")).is_empty());
    }

    #[test]
    fn selection_grows_from_the_scalar_to_the_document() {
        let (analysis, cursor) = analysis(
            r#"
#- /flow.yaml
collections:
  weather/readings:
    schema: { type: object, properties: { station: { type: str$0ing } } }
    key: [/station]
"#,
        );
        let cursor = cursor.unwrap();
        let text = analysis.file(&cursor.file).unwrap().text.to_string();
        let ranges = selection_ranges(&analysis, &cursor.file, &[cursor.offset]);
        assert_eq!(
            texts(&text, ranges[0].iter().copied()),
            [
                "string",
                "type: string",
                "{ type: string }",
                "station: { type: string }",
                "{ station: { type: string } }",
                "properties: { station: { type: string } }",
                "{ type: object, properties: { station: { type: string } } }",
                "schema: { type: object, properties: { station: { type: string } } }",
                "schema: { type: object, properties: { station: { type: string } } }\n    key: [/station]",
                "weather/readings:\n    schema: { type: object, properties: { station: { type: string } } }\n    key: [/station]",
                "collections:\n  weather/readings:\n    schema: { type: object, properties: { station: { type: string } } }\n    key: [/station]",
                text.as_str(),
            ]
        );
    }

    #[test]
    fn selection_on_a_key_and_past_the_end() {
        let (analysis, cursor) = analysis("#- /notes.yaml\na:\n  b$0b: [1, 2]\n");
        let cursor = cursor.unwrap();
        let text = analysis.file(&cursor.file).unwrap().text.to_string();
        let ranges = selection_ranges(&analysis, &cursor.file, &[cursor.offset, 999]);
        assert_eq!(
            texts(&text, ranges[0].iter().copied()),
            ["bb", "bb: [1, 2]", "a:\n  bb: [1, 2]", text.as_str()]
        );
        // Past the end: the end of the text, which is in the root mapping.
        assert_eq!(
            ranges[1].last(),
            Some(&TextRange::new(0, text.len() as u32))
        );
        assert_eq!(
            selection_ranges(&analysis, &url("/absent.yaml"), &[4]),
            [[TextRange::empty(4)]]
        );
    }
}
