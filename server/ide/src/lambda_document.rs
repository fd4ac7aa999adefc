//! The TypeScript document of a `nodeJS` lambda (issue #9,
//! `flowctl/lambdaDocument`), as plain data: the generated declarations of
//! what the body may use (runtime.md §8.1–§8.2: `source`, and `register`
//! and `previous` in a publish lambda; `nodeDependencies` packages as
//! `any`), then the body wrapped as the function it is, line for line, with
//! the map from each body line to where it starts in the YAML. An editor
//! gives the text to a TypeScript service and maps its completions and
//! errors back with the line map.
//!
//! ```ts
//! // header
//! declare namespace collections { … }
//! declare namespace registers { … }
//! declare const moment: any;
//! async function publish(source: collections.S, register: registers.D, previous: registers.D): Promise<collections.D[]> {
//! <the body, verbatim>
//! }
//! ```
//!
//! The lambda is found in the loaded model (a transform's `update` or
//! `publish` `nodeJS` scalar whose value or key holds the position), so a
//! file that does not load as a catalog has none. Lines map through `load`'s
//! scalar mapper (the one C29 and test failures use): a literal block
//! scalar maps each line past its indentation; a scalar with no exact
//! mapping (folded, escaped) maps every line to its start.

use load::Loaded;
use model::spec::LambdaSpec;
use text::TextRange;
use url::Url;

use crate::typegen::{self, Declaration};
use crate::{Analysis, FilePosition};

/// A lambda's TypeScript document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaDocument {
    /// The file holding the body (the anchored definition when the lambda
    /// is used through an alias).
    pub file: Url,
    pub text: String,
    /// The body's value in the YAML.
    pub range: TextRange,
    /// One entry per body line.
    pub lines: Vec<LineMap>,
}

/// Line `generated_line` of the text is the body line that starts at
/// `offset` of the YAML file: column `c` of it is `offset + c` (in bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineMap {
    pub generated_line: u32,
    pub offset: u32,
}

/// The lambda at `position` (inside its body, or on its `nodeJS`,
/// `update` or `publish` key).
pub fn lambda_document(analysis: &Analysis, position: &FilePosition) -> Option<LambdaDocument> {
    analysis
        .builds_of(&position.file)
        .find_map(|build| in_build(&build.loaded, position))
}

fn in_build(loaded: &Loaded, position: &FilePosition) -> Option<LambdaDocument> {
    let contains = |range: TextRange| range.start <= position.offset && position.offset <= range.end;
    for collection in &loaded.catalog.collections {
        if collection.scope.resource != position.file {
            continue;
        }
        for (scope, transform, spec) in collection.transforms() {
            for (kind, lambda) in [("update", &spec.update), ("publish", &spec.publish)] {
                let Some(LambdaSpec::NodeJs(body)) = lambda else {
                    continue;
                };
                let lambda_scope = scope.push(kind);
                let body_scope = lambda_scope.push("nodeJS");
                let Some(map) = loaded.scalar_map(&body_scope) else {
                    continue;
                };
                let value = map.range(0, body.len() as u32);
                let at_key = [&lambda_scope, &body_scope].into_iter().any(|scope| {
                    loaded
                        .locate(scope, true)
                        .is_some_and(|at| at.resource == position.file && contains(at.range))
                });
                let in_body = map.resource() == &position.file
                    && (contains(value) || map.use_site().is_some_and(contains));
                if !(at_key || in_body) {
                    continue;
                }
                let (text, first_line) = text(loaded, collection, transform, kind, body);
                let mut lines = Vec::new();
                let mut start = 0usize;
                for (index, line) in body.split('\n').enumerate() {
                    lines.push(LineMap {
                        generated_line: first_line + index as u32,
                        offset: map.range(start as u32, start as u32).start,
                    });
                    start += line.len() + 1;
                }
                // A body ending in a line break has no line after it.
                if body.ends_with('\n') && lines.len() > 1 {
                    lines.pop();
                }
                return Some(LambdaDocument {
                    file: map.resource().clone(),
                    text,
                    range: value,
                    lines,
                });
            }
        }
    }
    None
}

/// The document's text and the line the body starts on.
fn text(
    loaded: &Loaded,
    derivation: &model::catalog::Collection,
    transform: &str,
    kind: &str,
    body: &str,
) -> (String, u32) {
    let source = typegen::source(loaded, derivation, transform).unwrap_or_else(|| Declaration {
        module: typegen::Module::Collections,
        name: "Unknown".to_owned(),
        shape: schema::Shape::anything(),
    });
    let own = typegen::collection(loaded, derivation);
    let register = typegen::register(loaded, derivation);
    let signature = if kind == "update" {
        format!(
            "async function update(source: {}): Promise<{}[]> {{",
            source.reference(),
            register.reference()
        )
    } else {
        format!(
            "async function publish(source: {}, register: {}, previous: {}): Promise<{}[]> {{",
            source.reference(),
            register.reference(),
            register.reference(),
            own.reference()
        )
    };
    let mut text = format!(
        "// The {kind} lambda of transform \"{transform}\" of \"{}\", with the types flowctl generates (runtime.md §8.2).\n",
        derivation.name
    );
    text.push_str(&typegen::render(&[source, own, register]));
    for dependency in &loaded.catalog.node_dependencies {
        text.push_str(&format!(
            "declare const {}: any;\n",
            runtime::lambda::dependency_identifier(&dependency.package)
        ));
    }
    text.push_str(&signature);
    text.push('\n');
    let first_line = text.matches('\n').count() as u32;
    text.push_str(body);
    if !body.ends_with('\n') {
        text.push('\n');
    }
    text.push_str("}\n");
    (text, first_line)
}

#[cfg(test)]
mod tests;
