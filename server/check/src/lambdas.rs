//! Lambdas (catalog.md §5.6, runtime.md §8–§9): `nodeJS` bodies that are not
//! strings (C28a), `remote` URLs (C28b), SQLite lambdas (C28c), and
//! TypeScript syntax errors (C29) mapped from positions inside the body to
//! the exact range in the YAML file (by `load::ScalarMap`, the one mapper of
//! positions inside a scalar). Whether a body compiles is decided by the
//! runtime's QuickJS parser (`runtime::lambda::check_syntax`), so the build
//! accepts exactly what `flowctl test` runs; tree-sitter's messages are shown
//! when both reject a body.

use model::{Diagnostic, LambdaSpec, Related, ResourceKind, Scope};
use runtime::lambda::{LambdaErrorKind, LambdaKind, LambdaSource};
use syntax::{NodeId, NodeKind, Tree};

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
    let errors = cx.lambda_errors(kind, body, || syntax_errors(body, kind));
    if errors.is_empty() {
        return;
    }
    let place = cx.scalar_map(scope);
    for error in errors.iter() {
        let mut diagnostic = Diagnostic::error(
            "C29",
            scope.clone(),
            format!("lambda {label}: {}", error.message),
        );
        if let Some(place) = &place {
            let start = place.offset(error.line, error.column);
            let end = place.offset(error.end_line, error.end_column);
            let precise = place.range(start, end.max(start));
            match place.use_site() {
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
pub(crate) fn syntax_errors(body: &str, kind: LambdaKind) -> Vec<typescript::SyntaxError> {
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

/// C28a: a `nodeJS` value that is not a string. The loader cannot build such
/// a collection (C1b), so this reads every catalog file's syntax tree
/// directly (the loader keeps no JSON of catalog files past lowering).
pub(crate) fn non_string_bodies(cx: &mut Context<'_>) {
    let loaded = cx.loaded();
    for resource in loaded
        .resources
        .iter()
        .filter(|resource| resource.kind == ResourceKind::Catalog)
    {
        // A function of the file's tree alone: kept while the text is.
        let found = cx
            .memo
            .non_string_bodies(&resource.url, &resource.tree, || {
                file_non_string_bodies(&resource.url, &resource.tree)
            });
        for scope in found.iter() {
            cx.report(
                Diagnostic::error(
                    "C28a",
                    scope.clone(),
                    "nodeJS lambda must be an inline function body",
                )
                .at_key(),
            );
        }
    }
}

/// The places of one catalog file's `nodeJS` values that are not strings.
fn file_non_string_bodies(url: &url::Url, tree: &Tree) -> Vec<Scope> {
    let mut found = Vec::new();
    let root = Scope::root(url.clone());
    let Some(collections) = tree.root().and_then(|doc| child(tree, doc, "collections")) else {
        return found;
    };
    let collections: Vec<(Scope, NodeId)> = match &tree.node(tree.resolve(collections)).kind {
        NodeKind::Sequence(items) => items
            .iter()
            .enumerate()
            .map(|(index, item)| (root.push("collections").push(index), *item))
            .collect(),
        NodeKind::Mapping(entries) => entries
            .iter()
            .map(|entry| {
                let name = tree.key_text(entry);
                (root.push("collections").push(name), entry.value)
            })
            .collect(),
        _ => Vec::new(),
    };
    for (scope, collection) in collections {
        let Some(derivation) = child(tree, collection, "derivation") else {
            continue;
        };
        let derivation_scope = scope.push("derivation");
        let mut lambdas: Vec<(Scope, NodeId)> = Vec::new();
        if let Some(transforms) = child(tree, derivation, "transform")
            && matches!(
                tree.node(tree.resolve(transforms)).kind,
                NodeKind::Mapping(_)
            )
        {
            for transform in tree.entries(transforms) {
                let name = tree.key_text(transform);
                for kind in ["update", "publish"] {
                    if let Some(lambda) = child(tree, transform.value, kind) {
                        lambdas.push((
                            derivation_scope.push("transform").push(name).push(kind),
                            lambda,
                        ));
                    }
                }
            }
        }
        if let Some(bootstrap) = child(tree, derivation, "bootstrap") {
            for (index, lambda) in tree.items(bootstrap).iter().enumerate() {
                lambdas.push((derivation_scope.push("bootstrap").push(index), *lambda));
            }
        }
        for (lambda_scope, lambda) in lambdas {
            let Some(body) = child(tree, lambda, "nodeJS") else {
                continue;
            };
            // As JSON (a YAML float too large for JSON is text); a value
            // that cannot be expanded was reported by the loader.
            if let Ok(value) = tree.to_json(body)
                && !value.is_string()
            {
                found.push(lambda_scope.push("nodeJS"));
            }
        }
    }
    found
}

/// The value under `key` of a mapping node (after aliases and merges).
fn child(tree: &Tree, node: NodeId, key: &str) -> Option<NodeId> {
    tree.entries(node)
        .iter()
        .find(|entry| tree.key_text(entry) == key)
        .map(|entry| entry.value)
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

    /// C28a reads the syntax tree: bodies reached through an alias and a
    /// `<<` merge, and bootstrap lambdas, are found at their written place.
    #[test]
    fn c28a_finds_non_string_bodies_through_merges_and_in_bootstrap() {
        let text = derivation(
            "          publish: &lambda\n            nodeJS: 42\n        again:\n          source: { name: acme/orders }\n          publish:\n            <<: *lambda\n      bootstrap:\n        - nodeJS: [not, a, body]\n",
        );
        let run = run(&[("flow.yaml", &text), ("s.yaml", SCHEMA)]);
        let pointers: Vec<&str> = run
            .all("C28a")
            .iter()
            .map(|diagnostic| diagnostic.scope.pointer.as_str())
            .collect();
        assert_eq!(
            pointers,
            [
                "/collections/1/derivation/transform/fromOrders/publish/nodeJS",
                "/collections/1/derivation/transform/again/publish/nodeJS",
                "/collections/1/derivation/bootstrap/0/nodeJS",
            ]
        );
    }

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
