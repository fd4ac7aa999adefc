//! Lambdas (catalog.md §5.6, runtime.md §8–§9): `nodeJS` bodies that are not
//! strings (C28a), `remote` URLs (C28b), SQLite lambdas (C28c), and
//! TypeScript syntax errors (C29) mapped from positions inside the body to
//! the exact range in the YAML file. Whether a body compiles is decided by
//! the runtime's QuickJS parser (`runtime::lambda::check_syntax`), so the
//! build accepts exactly what `flowctl test` runs; tree-sitter's messages are
//! shown when both reject a body.

use model::{Diagnostic, LambdaSpec, Related, ResourceKind, Scope};
use runtime::lambda::{LambdaErrorKind, LambdaKind, LambdaSource};
use serde_json::Value;
use syntax::ScalarStyle;
use text::{ColumnUnit, LineIndex, Position, TextRange};

use crate::context::Context;

/// Checks one lambda written at `scope` (the `update`/`publish`/bootstrap
/// entry). `label` names it in messages: `acme/totals/fromOrders publish`.
pub(crate) fn check_lambda(cx: &mut Context<'_>, label: &str, lambda: &LambdaSpec, scope: &Scope) {
    match lambda {
        LambdaSpec::NodeJs(body) => typescript_syntax(cx, label, body, &scope.push("nodeJS")),
        LambdaSpec::Remote(url) => {
            let absolute = url::Url::parse(url).is_ok_and(|url| {
                matches!(url.scheme(), "http" | "https")
                    && url.host_str().is_some_and(|host| !host.is_empty())
            });
            if !absolute {
                let message =
                    format!("remote lambda must be an absolute http(s) URL, not \"{url}\"");
                cx.report(Diagnostic::error("C28b", scope.push("remote"), message));
            }
        }
        LambdaSpec::Sqlite(_) => {
            cx.report(Diagnostic::error(
                "C28c",
                scope.push("sqlite"),
                "SQLite lambdas are not supported",
            ));
        }
        LambdaSpec::SqliteFile(_) => {
            cx.report(Diagnostic::error(
                "C28c",
                scope.push("sqliteFile"),
                "SQLite lambdas are not supported",
            ));
        }
    }
}

/// C29: syntax errors of a TypeScript body written at `scope`.
fn typescript_syntax(cx: &mut Context<'_>, label: &str, body: &str, scope: &Scope) {
    // The parameters in scope depend on the kind (`register` only in publish).
    let kind = if label.ends_with(" publish") {
        LambdaKind::Publish
    } else {
        LambdaKind::Update
    };
    let errors = cx
        .lambda_errors
        .entry(format!("{kind}\n{body}"))
        .or_insert_with(|| std::rc::Rc::new(syntax_errors(body, kind)))
        .clone();
    if errors.is_empty() {
        return;
    }
    let body_lines = LineIndex::new(body);
    let place = BodyPlace::find(cx, scope, body);
    for error in errors.iter() {
        let mut diagnostic = Diagnostic::error(
            "C29",
            scope.clone(),
            format!("lambda {label}: {}", error.message),
        );
        let start = body_lines.offset(
            body,
            Position {
                line: error.line,
                character: error.column,
            },
            ColumnUnit::Utf16,
        );
        let end = body_lines.offset(
            body,
            Position {
                line: error.end_line,
                character: error.end_column,
            },
            ColumnUnit::Utf16,
        );
        if let Some(place) = &place {
            let precise = place.range(start, end.max(start));
            match place.use_site {
                // Through an alias: report at the use, point into the anchor.
                Some(use_site) => {
                    diagnostic = diagnostic.with_range(use_site);
                    diagnostic.related.push(Related {
                        scope: scope.clone(),
                        range: Some(precise),
                        message: format!(
                            "the error is in the anchored lambda body: {}",
                            error.message
                        ),
                    });
                }
                None => diagnostic = diagnostic.with_range(precise),
            }
        }
        cx.report(diagnostic);
    }
}

/// The syntax errors of a body: none when QuickJS compiles it; else
/// tree-sitter's (better worded for TypeScript), or QuickJS's own when
/// tree-sitter found none.
fn syntax_errors(body: &str, kind: LambdaKind) -> Vec<typescript::SyntaxError> {
    let source = LambdaSource {
        name: String::new(),
        kind,
        body: body.to_owned(),
        dependencies: Vec::new(),
    };
    match runtime::lambda::check_syntax(&source) {
        Err(error) if error.kind == LambdaErrorKind::Syntax => {
            let stripped = typescript::strip_types(body);
            if !stripped.errors.is_empty() {
                return stripped.errors;
            }
            let (line, column) = (error.line.unwrap_or(0), error.column.unwrap_or(0));
            vec![typescript::SyntaxError {
                line,
                column,
                end_line: line,
                end_column: column,
                message: error.message,
            }]
        }
        // Compiled, or the check itself could not run (no verdict on the body).
        _ => Vec::new(),
    }
}

/// Where a lambda body's text sits in its YAML file.
struct BodyPlace {
    /// The scalar as written (indicator line included for block scalars).
    node: TextRange,
    /// How body offsets map to file offsets.
    mapping: Mapping,
    /// The use site, when the body is reached through an alias or merge.
    use_site: Option<TextRange>,
}

enum Mapping {
    /// The body's bytes appear contiguously from this file offset.
    Contiguous(u32),
    /// A literal block scalar: body line `i` is file line `first_line + i`,
    /// starting after `indent` columns.
    Lines {
        first_line: u32,
        indent: u32,
        body_lines: LineIndex,
        line_index: LineIndex,
    },
    /// No exact mapping (folded or escaped scalars): the whole scalar.
    Whole,
}

impl BodyPlace {
    fn find(cx: &Context<'_>, scope: &Scope, body: &str) -> Option<BodyPlace> {
        let resource = cx.loaded.resource(&scope.resource)?;
        let tree = &resource.tree;
        let located = tree.locate(&scope.pointer)?;
        let scalar = tree.scalar(located.node)?;
        let node = tree.node(located.node).range;
        let text: &str = &resource.text;
        let use_site = located.anchor_range.map(|_| located.range);
        let mapping = match scalar.style {
            ScalarStyle::Literal => literal_mapping(text, &resource.line_index, node, body),
            ScalarStyle::Folded => Mapping::Whole,
            ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                let quoted = scalar.style != ScalarStyle::Plain;
                let start = node.start + u32::from(quoted);
                let end = start as usize + body.len();
                if text.get(start as usize..end) == Some(body) {
                    Mapping::Contiguous(start)
                } else {
                    Mapping::Whole
                }
            }
        };
        Some(BodyPlace {
            node,
            mapping,
            use_site,
        })
    }

    /// The file range of the body range `start..end` (byte offsets).
    fn range(&self, start: u32, end: u32) -> TextRange {
        let clamp = |offset: u32| offset.clamp(self.node.start, self.node.end);
        match &self.mapping {
            Mapping::Contiguous(at) => TextRange::new(clamp(at + start), clamp(at + end)),
            Mapping::Lines {
                first_line,
                indent,
                body_lines,
                line_index,
            } => {
                let map = |offset: u32| {
                    let line = body_lines.line_of(offset);
                    let column = offset - body_lines.line_start(line);
                    clamp(line_index.line_start(first_line + line) + indent + column)
                };
                TextRange::new(map(start), map(end))
            }
            Mapping::Whole => self.node,
        }
    }
}

/// The line mapping of a literal block scalar whose range is `node`.
fn literal_mapping(text: &str, line_index: &LineIndex, node: TextRange, body: &str) -> Mapping {
    let bytes = text.as_bytes();
    // The node starts at the `|` indicator, or at its content.
    let indicator_line = if bytes.get(node.start as usize) == Some(&b'|') {
        line_index.line_of(node.start)
    } else {
        match text[..node.start as usize].rfind('|') {
            Some(at) => line_index.line_of(at as u32),
            None => return Mapping::Whole,
        }
    };
    let first_line = indicator_line + 1;
    // Content indentation: the first non-blank content line's leading spaces.
    let mut indent = None;
    for line in first_line..line_index.line_count() {
        let range = line_index.line_range(text, line);
        let content = &text[range.start as usize..range.end as usize];
        if !content.trim().is_empty() {
            indent = Some((content.len() - content.trim_start_matches(' ').len()) as u32);
            break;
        }
    }
    let Some(indent) = indent else {
        return Mapping::Whole;
    };
    Mapping::Lines {
        first_line,
        indent,
        body_lines: LineIndex::new(body),
        line_index: line_index.clone(),
    }
}

/// C28a: a `nodeJS` value that is not a string. The loader cannot build such
/// a collection (C1b), so this reads every catalog file's JSON directly.
pub(crate) fn non_string_bodies(cx: &mut Context<'_>) {
    let loaded = cx.loaded;
    let mut found = Vec::new();
    for resource in loaded
        .resources
        .iter()
        .filter(|resource| resource.kind == ResourceKind::Catalog)
    {
        let root = Scope::root(resource.url.clone());
        let collections: Vec<(Scope, &Value)> = match resource.json.get("collections") {
            Some(Value::Array(list)) => list
                .iter()
                .enumerate()
                .map(|(index, value)| (root.push("collections").push(index), value))
                .collect(),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(name, value)| (root.push("collections").push(name), value))
                .collect(),
            _ => Vec::new(),
        };
        for (scope, collection) in collections {
            let Some(derivation) = collection.get("derivation") else {
                continue;
            };
            let derivation_scope = scope.push("derivation");
            let mut lambdas: Vec<(Scope, &Value)> = Vec::new();
            if let Some(Value::Object(transforms)) = derivation.get("transform") {
                for (name, transform) in transforms {
                    for kind in ["update", "publish"] {
                        if let Some(lambda) = transform.get(kind) {
                            lambdas.push((
                                derivation_scope.push("transform").push(name).push(kind),
                                lambda,
                            ));
                        }
                    }
                }
            }
            if let Some(Value::Array(bootstrap)) = derivation.get("bootstrap") {
                for (index, lambda) in bootstrap.iter().enumerate() {
                    lambdas.push((derivation_scope.push("bootstrap").push(index), lambda));
                }
            }
            for (lambda_scope, lambda) in lambdas {
                match lambda.get("nodeJS") {
                    Some(Value::String(_)) | None => {}
                    Some(_) => found.push(lambda_scope.push("nodeJS")),
                }
            }
        }
    }
    for scope in found {
        cx.report(
            Diagnostic::error(
                "C28a",
                scope,
                "nodeJS lambda must be an inline function body",
            )
            .at_key(),
        );
    }
}

#[cfg(test)]
mod unit {
    use crate::test_support::*;

    fn derivation(lambda: &str) -> String {
        format!(
            "collections:\n  - name: acme/orders\n    schema: s.yaml\n    key: [/id]\n  - name: acme/cents\n    schema: s.yaml\n    key: [/id]\n    derivation:\n      transform:\n        fromOrders:\n          source: {{ name: acme/orders }}\n{lambda}"
        )
    }
    const SCHEMA: &str = "type: object\nproperties:\n  id: { type: string }\n  qty: { type: integer }\nrequired: [id]\n";

    #[test]
    fn c29_error_inside_a_block_scalar_maps_to_the_exact_character() {
        let text = derivation(
            "          publish:\n            nodeJS: |\n              // Every unit costs one hundred cents.\n              const cents: number = source.qty * 100;\n              return [{ id: source.id, cents: cents ];\n",
        );
        let run = run(&[("flow.yaml", &text), ("s.yaml", SCHEMA)]);
        let found = run.only("C29");
        assert!(
            found
                .message
                .starts_with("lambda acme/cents/fromOrders publish: "),
            "{}",
            found.message
        );
        let location = run.loaded.locate(&found.scope, false).unwrap();
        let range = found.range.unwrap();
        let line = run
            .loaded
            .resource(&location.resource)
            .unwrap()
            .line_index
            .line_of(range.start);
        assert_eq!(line, 15, "{found:#?}");
        assert_eq!(run.text_at(found), "]", "{found:#?}");
    }

    #[test]
    fn c29_error_inside_a_quoted_scalar() {
        let text = derivation("          publish: { nodeJS: \"return [source;\" }\n");
        let run = run(&[("flow.yaml", &text), ("s.yaml", SCHEMA)]);
        let found = run.all("C29");
        assert!(!found.is_empty());
        let at = run.text_at(found[0]);
        assert!(
            !at.is_empty() && "return [source;".contains(at),
            "{at:?} {found:#?}"
        );
    }

    #[test]
    fn c29_through_an_alias_reports_the_use_site() {
        let text = format!(
            "x-lambdas:\n  - &broken\n    nodeJS: |\n      return [source;\n{}",
            derivation("          publish: *broken\n")
        );
        // `x-lambdas` is not a catalog property: the loader reports it (C1b).
        let run = run_allowing_load_errors(&[("flow.yaml", &text), ("s.yaml", SCHEMA)]);
        let found = run.all("C29");
        assert!(!found.is_empty(), "{:#?}", run.diagnostics);
        assert_eq!(run.text_at(found[0]), "*broken");
        let related = &found[0].related[0];
        let inside = &run.loaded.resource(&related.scope.resource).unwrap().text
            [related.range.unwrap().start as usize..related.range.unwrap().end as usize];
        assert!(
            "return [source;".contains(inside) && !inside.is_empty(),
            "{inside:?}"
        );
    }

    #[test]
    fn c29_verdict_is_quickjs_s() {
        // tree-sitter reads `<!--` as code; QuickJS (which runs the body) as a
        // comment, after which the body closes its wrapper: C29.
        let escape = derivation(
            "          publish:\n            nodeJS: |\n              x <!--x /*\n              }; })(); globalThis.pwned = 1; (function () { return function () { //*/\n              return [source];\n",
        );
        let escaped = run(&[("flow.yaml", &escape), ("s.yaml", SCHEMA)]);
        let found = escaped.only("C29");
        assert!(
            found
                .message
                .contains("closes the function it is written in"),
            "{found:#?}"
        );
        // Rejected by QuickJS only: a parameter redeclared (publish has `register`).
        let redeclared =
            derivation("          publish: { nodeJS: \"let register = 1; return [];\" }\n");
        run(&[("flow.yaml", &redeclared), ("s.yaml", SCHEMA)]).only("C29");
        // Enums build (runtime.md §8.3: type-correct code MUST build).
        let enums = derivation(
            "          publish: { nodeJS: \"enum E { A, B } return [{id: source.id, n: E.B}];\" }\n",
        );
        run(&[("flow.yaml", &enums), ("s.yaml", SCHEMA)]).assert_clean();
    }

    #[test]
    fn c28a_nodejs_body_that_is_not_a_string() {
        let text = derivation(
            "          publish:\n            nodeJS:\n              file: copy-order.ts\n",
        );
        let run = run_allowing_load_errors(&[("flow.yaml", &text), ("s.yaml", SCHEMA)]);
        let found = run.only("C28a");
        assert_eq!(run.text_at(found), "nodeJS");
        assert_eq!(
            found.message,
            "nodeJS lambda must be an inline function body"
        );
    }

    #[test]
    fn c28b_relative_remote() {
        let text = derivation("          publish:\n            remote: /lambdas/price-order\n");
        let run = run(&[("flow.yaml", &text), ("s.yaml", SCHEMA)]);
        let found = run.only("C28b");
        assert_eq!(run.text_at(found), "/lambdas/price-order");
        assert!(
            found
                .message
                .starts_with("remote lambda must be an absolute http(s) URL")
        );
        let ok = run_allowing_load_errors(&[
            (
                "flow.yaml",
                &derivation("          publish:\n            remote: https://example.com/lambda\n"),
            ),
            ("s.yaml", SCHEMA),
        ]);
        ok.assert_clean();
    }

    #[test]
    fn c28c_sqlite_lambda() {
        let text = derivation("          publish:\n            sqlite: SELECT id FROM source\n");
        let run = run(&[("flow.yaml", &text), ("s.yaml", SCHEMA)]);
        let found = run.only("C28c");
        assert_eq!(run.text_at(found), "SELECT id FROM source");
        assert_eq!(found.message, "SQLite lambdas are not supported");
    }
}
