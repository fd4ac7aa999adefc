//! `nodeDependencies` (catalog.md §8): the same NPM package required at two
//! different version strings anywhere in the catalog is C30.

use std::collections::HashMap;

use model::{Diagnostic, NodeDependency};

use crate::context::Context;

pub(crate) fn check(cx: &mut Context<'_>) {
    let catalog = cx.catalog();
    // Package → the first declaration of it.
    let mut first: HashMap<&str, &NodeDependency> = HashMap::new();
    for dependency in &catalog.node_dependencies {
        match first.get(dependency.package.as_str()) {
            None => {
                first.insert(&dependency.package, dependency);
            }
            Some(earlier) if earlier.version != dependency.version => {
                let message = format!(
                    "package \"{}\" is required at \"{}\" here but \"{}\" at {}",
                    dependency.package, dependency.version, earlier.version, earlier.scope
                );
                cx.report(
                    Diagnostic::error("C30", dependency.scope.clone(), message).with_related(
                        earlier.scope.clone(),
                        format!(
                            "\"{}\" is required at \"{}\" here",
                            earlier.package, earlier.version
                        ),
                    ),
                );
            }
            Some(_) => {}
        }
    }
}

#[cfg(test)]
mod unit {
    use crate::test_support::*;

    #[test]
    fn c30_version_clash_is_reported_at_the_later_declaration() {
        let run = run(&[
            (
                "flow.yaml",
                "import: [reports.yaml]\nnodeDependencies:\n  moment: \"^2.24\"\n  lodash: \"4\"\n",
            ),
            (
                "reports.yaml",
                "nodeDependencies:\n  moment: \"^2.29\"\n  lodash: \"4\"\n",
            ),
        ]);
        let found = run.only("C30");
        assert_eq!(run.text_at(found), "\"^2.24\"");
        assert!(found.message.contains("package \"moment\" is required at \"^2.24\" here but \"^2.29\" at file:///p/reports.yaml#/nodeDependencies/moment"), "{}", found.message);
        assert_eq!(run.related_text(found, 0), "\"^2.29\"");
    }
}
