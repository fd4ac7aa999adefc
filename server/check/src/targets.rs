//! `materializationTargets` (catalog.md §9): target names follow the
//! collection-name character rules (C31a) and are unique case-insensitively
//! across the catalog (C31b).

use std::collections::HashMap;

use model::{Diagnostic, Target};

use crate::context::Context;

pub(crate) fn check(cx: &mut Context<'_>) {
    let catalog = cx.catalog();
    let mut first: HashMap<String, &Target> = HashMap::new();
    for target in &catalog.targets {
        let name = &target.name;
        if !model::names::is_valid_collection_name(name) {
            let message = format!(
                "materialization target name \"{name}\" may contain only letters, digits, \"-\", \"_\", \".\", \"/\""
            );
            cx.report(Diagnostic::error("C31a", target.scope.clone(), message).at_key());
        }
        match first.get(&name.to_lowercase()) {
            Some(earlier) => {
                let message = format!(
                    "materialization target \"{name}\" is already defined at {}",
                    earlier.scope
                );
                cx.report(
                    Diagnostic::error("C31b", target.scope.clone(), message)
                        .at_key()
                        .with_related(
                            earlier.scope.clone(),
                            format!("\"{}\" is defined here", earlier.name),
                        ),
                );
            }
            None => {
                first.insert(name.to_lowercase(), target);
            }
        }
    }
}

#[cfg(test)]
mod unit {
    use crate::test_support::*;

    #[test]
    fn c31a_bad_target_name() {
        let run = run(&[(
            "flow.yaml",
            "materializationTargets:\n  warehouse db:\n    sqlite: { uri: file:///tmp/x.db }\n",
        )]);
        let found = run.only("C31a");
        assert_eq!(run.text_at(found), "warehouse db");
        assert!(found.message.contains("\"warehouse db\" may contain only"));
    }

    #[test]
    fn c31b_duplicate_target_differs_by_case() {
        let run = run(&[
            ("flow.yaml", "import: [a.yaml, b.yaml]\n"),
            (
                "a.yaml",
                "materializationTargets:\n  warehouse:\n    sqlite: { uri: file:///tmp/x.db }\n",
            ),
            (
                "b.yaml",
                "materializationTargets:\n  Warehouse: { postgres: { uri: \"postgresql://x\" } }\n",
            ),
        ]);
        let found = run.only("C31b");
        assert_eq!(found.scope.resource.as_str(), "file:///p/b.yaml");
        assert_eq!(run.text_at(found), "Warehouse");
        assert!(found.message.contains("materialization target \"Warehouse\" is already defined at file:///p/a.yaml#/materializationTargets/warehouse"));
        assert_eq!(run.related_text(found, 0), "warehouse");
    }
}
