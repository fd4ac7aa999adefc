//! Every diagnostic code, with the one-line summary that rule lists (SARIF's
//! `rules`, documentation) show: catalog.md §12, our own `W` codes, and the
//! `T` codes of test runs in the editor.

/// `(code, summary)` for every code a build can report, in catalog.md order.
pub const CODES: &[(&str, &str)] = &[
    (
        "C1a",
        "the file is not valid YAML, or an alias is undefined",
    ),
    (
        "C1b",
        "unknown property, missing required property, or wrong type in the catalog structure",
    ),
    ("C1c", "readDelay is not a duration"),
    ("C2", "a resource cannot be read"),
    ("C3", "a URL is used as two kinds of resource"),
    ("C4", "an import closes a cycle"),
    ("C5a", "bad characters in a collection name"),
    ("C5b", "a collection name ends with /"),
    ("C5c", "duplicate collection name"),
    ("C5d", "a collection name is a path prefix of another"),
    ("C6a", "a collection key is empty"),
    (
        "C6b",
        "a key, shuffle, projection or selector pointer is not a valid JSON Pointer",
    ),
    ("C7", "a schema URL, $ref or fragment does not resolve"),
    ("C8a", "a location that must exist has no possible types"),
    ("C8b", "a reduce strategy below a location without one"),
    ("C8c", "sum on a location that may not be numeric"),
    (
        "C8d",
        "merge on a location that may not be an object or array",
    ),
    ("C8e", "set on a location that may not be an object"),
    (
        "C8f",
        "a set location with properties other than add, intersect, remove",
    ),
    ("C8g", "append on a location that may not be an array"),
    ("C9", "invalid reduce value or schema keyword value"),
    ("C10a", "a key-like location is not described by the schema"),
    ("C10b", "a key-like location can never exist"),
    ("C10c", "a key-like location may be absent"),
    ("C10d", "a key-like location may have several types"),
    (
        "C10e",
        "a key-like location may be an object, array or fractional number",
    ),
    (
        "C11a",
        "a projection points at a location the schema does not describe",
    ),
    (
        "C11b",
        "a projection reuses a canonical field name for another location",
    ),
    ("C11c", "bad characters in a partition field name"),
    ("C12", "a referenced collection does not exist"),
    ("C13", "a referenced collection is not imported"),
    (
        "C14",
        "a transform reads a collection defined later in the same file",
    ),
    ("C15", "a derivation reads from itself"),
    ("C16", "derivations form a cycle"),
    ("C17a", "bad characters in a transform name"),
    ("C17b", "two transforms differ only by case"),
    ("C18", "a transform has neither update nor publish"),
    ("C19", "an empty shuffle"),
    ("C20", "a shuffle equals the source collection's key"),
    (
        "C21",
        "a source schema repeats the source collection's schema",
    ),
    (
        "C22",
        "transforms read one source with different source schemas",
    ),
    ("C23", "shuffle key types differ between transforms"),
    ("C24", "readDelay shorter than one second"),
    (
        "C25a",
        "a selector names a field that is not a logical partition",
    ),
    (
        "C25b",
        "a selector value is not null, boolean, integer or string",
    ),
    ("C25c", "a selector value is the empty string"),
    (
        "C25d",
        "a selector value does not match its partition's type",
    ),
    ("C26", "the initial register value is invalid"),
    ("C27", "the register schema is invalid"),
    ("C28a", "a nodeJS lambda body is not a string"),
    ("C28b", "a remote lambda is not an absolute http(s) URL"),
    ("C28c", "SQLite lambdas are not supported"),
    ("C29", "a nodeJS lambda does not compile"),
    ("C30", "an NPM package is required at two versions"),
    ("C31a", "bad characters in a materialization target name"),
    ("C31b", "duplicate materialization target name"),
    ("C32a", "duplicate test name"),
    ("C32b", "verify documents are not in key order"),
    ("C32c", "an ingest into a derived collection"),
    ("C32d", "an ingest document fails the collection schema"),
    ("C32e", "an empty test name"),
    (
        "W1",
        "a key location carries a reduce strategy, which keying ignores",
    ),
    (
        "T1",
        "a test's verify step found other documents than its fixtures (the language server, after a test run)",
    ),
];

/// The summary of `code`, if it is one of ours.
pub fn summary(code: &str) -> Option<&'static str> {
    CODES
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, summary)| *summary)
}

/// The page that explains every code (`docs/checks.md`, generated from
/// [`CODES`]): editors link each diagnostic to its anchor.
pub const DOCUMENTATION: &str = "https://github.com/estuary/flowctl/blob/main/docs/checks.md";

/// The link to the explanation of `code` (its anchor in [`DOCUMENTATION`]).
pub fn documentation_url(code: &str) -> String {
    format!("{DOCUMENTATION}#{}", code.to_lowercase())
}

/// The text of `docs/checks.md`: a section per code, whose heading is the
/// anchor editors link to.
pub fn checks_markdown() -> String {
    let mut text = String::from(
        "# Checks\n\n\
         <!-- Generated from server/model/src/codes.rs by `UPDATE_DOCS=1 cargo test -p model`; do not edit. -->\n\n\
         Every diagnostic `flowctl build`, `flowctl lint` and the language server report has one of these\n\
         codes. `C` codes are the checks of the catalog specification (catalog.md §12); `W` codes are\n\
         warnings of ours; `T` codes come from test runs in the editor. Each heading is the anchor an editor's diagnostic links to.\n",
    );
    for (code, summary) in CODES {
        text.push_str(&format!("\n## {code}\n\n{code}: {summary}.\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checks_page_is_current() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/checks.md");
        let expected = checks_markdown();
        if std::env::var_os("UPDATE_DOCS").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &expected).unwrap();
        }
        let actual = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            actual == expected,
            "docs/checks.md is stale: run `UPDATE_DOCS=1 cargo test -p model`"
        );
    }

    #[test]
    fn links_point_at_the_code_heading() {
        assert!(documentation_url("C8a").ends_with("checks.md#c8a"));
        // GitHub's anchor of a heading is its text in lower case.
        assert!(checks_markdown().contains("\n## C8a\n"));
    }
}
