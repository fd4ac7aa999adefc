//! Lambdas (catalog.md §5.6, runtime.md §8–§9): `nodeJS` bodies that are not
//! strings (C28a), `remote` URLs (C28b), SQLite lambdas (C28c), and
//! TypeScript syntax errors (C29) mapped from positions inside the body to
//! the exact range in the YAML file (by `load::ScalarMap`, the one mapper of
//! positions inside a scalar).

use model::{Diagnostic, LambdaSpec, Related, ResourceKind, Scope};
use serde_json::Value;

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
    let errors = cx
        .lambda_errors
        .entry(body.to_string())
        .or_insert_with(|| std::rc::Rc::new(typescript::strip_types(body).errors))
        .clone();
    if errors.is_empty() {
        return;
    }
    let place = cx.loaded.scalar_map(scope);
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
