//! "Reduction explained" (issue #9 item 6): on a `reduce` annotation (its
//! key or its strategy) or on a collection's `key`, the actual reduction of
//! the test fixtures: when a test ingests two or more documents with one key
//! into the collection, each step `doc1 ⊕ doc2 = result`, computed with the
//! runtime's own `reduce` (validation gives each right-hand document its
//! annotations, and documents of a key are combined in `Partial` mode, as an
//! ingest combines them). For an annotation, each value is shortened to the
//! annotated location (`/total`).
//!
//! Bounded: at most [`MAX_GROUPS`] keys, [`MAX_STEPS`] steps each, every
//! value cut to [`MAX_VALUE`] bytes, and only the first [`MAX_DOCUMENTS`]
//! documents of ingests are looked at.

use json::order::OwnedKey;
use load::Loaded;
use model::TestStepSpec;
use model::catalog::Collection;
use runtime::reduce::{Mode, reduce};
use serde_json::Value;

use crate::cursor::Segment;

/// Keys (of a test) whose reductions are shown.
pub const MAX_GROUPS: usize = 2;
/// Steps shown per key.
pub const MAX_STEPS: usize = 4;
/// Bytes of one value in a step.
pub const MAX_VALUE: usize = 120;
/// Ingested documents looked at, over all tests.
pub const MAX_DOCUMENTS: usize = 2_000;

/// The document location a path inside a collection's schema describes
/// (`properties/total` → `/total`), up to the first keyword that is not a
/// property or array item; `None` when the path leaves the documents'
/// structure (`$defs`, `patternProperties`, …).
pub fn location(relative: &[Segment]) -> Option<String> {
    let mut pointer = String::new();
    let mut segments = relative.iter();
    while let Some(segment) = segments.next() {
        match segment.key()? {
            "properties" => {
                let name = segments.next()?.key()?;
                json::pointer::push_token(&mut pointer, name);
            }
            "items" | "additionalItems" => pointer.push_str("/-"),
            // The annotation itself and what is inside it.
            "reduce" => break,
            // In-place applicators describe the same location.
            "allOf" | "anyOf" | "oneOf" | "then" | "else" | "if" => {
                if matches!(segments.clone().next(), Some(Segment::Item(_))) {
                    segments.next();
                }
            }
            _ => return None,
        }
    }
    Some(pointer)
}

/// The markdown section of the fixtures' reductions of `collection`, at
/// `location` (`""`: whole documents); `None` when no test ingests two
/// documents of one key into it.
pub fn fixtures(loaded: &Loaded, collection: &Collection, location: &str) -> Option<String> {
    let validator = loaded.schemas.compile(&collection.schema_url()?).ok()?;
    let key = &collection.spec.key;
    let mut seen = 0usize;
    let mut sections: Vec<String> = Vec::new();
    for test in runtime::testing::ordered_tests(&loaded.catalog) {
        // Keys in first-seen order, with their documents.
        let mut groups: Vec<(OwnedKey, Vec<&Value>)> = Vec::new();
        for step in &test.steps {
            let TestStepSpec::Ingest(ingest) = step else {
                continue;
            };
            if ingest.collection != collection.name {
                continue;
            }
            for document in &ingest.documents {
                seen += 1;
                if seen > MAX_DOCUMENTS {
                    break;
                }
                let owned = OwnedKey::extract(document, key);
                match groups.iter_mut().find(|(k, _)| *k == owned) {
                    Some((_, documents)) => documents.push(document),
                    None => groups.push((owned, vec![document])),
                }
            }
        }
        for (owned, documents) in groups.into_iter().filter(|(_, d)| d.len() >= 2) {
            if sections.len() == MAX_GROUPS {
                break;
            }
            let key_text: Vec<String> = owned
                .0
                .iter()
                .map(|value| value.as_ref().map_or("∅".to_owned(), Value::to_string))
                .collect();
            let mut lines = Vec::new();
            let mut reduced = documents[0].clone();
            for (index, document) in documents.iter().enumerate().skip(1) {
                if index > MAX_STEPS {
                    lines.push(format!("… {} more", documents.len() - index));
                    break;
                }
                let before = at(&reduced, location);
                let annotations = match validator.validate(document) {
                    Ok(annotations) => annotations,
                    Err(_) => {
                        lines.push(format!(
                            "{} is invalid: the test fails here",
                            at(document, location)
                        ));
                        break;
                    }
                };
                match reduce(
                    reduced.clone(),
                    (*document).clone(),
                    &annotations,
                    Mode::Partial,
                ) {
                    Ok(next) => {
                        lines.push(format!(
                            "{before} ⊕ {} = {}",
                            at(document, location),
                            at(&next, location)
                        ));
                        reduced = next;
                    }
                    Err(error) => {
                        lines.push(format!(
                            "{before} ⊕ {}: {}",
                            at(document, location),
                            error.message()
                        ));
                        break;
                    }
                }
            }
            sections.push(format!(
                "key `[{}]` in test \"{}\":\n```text\n{}\n```",
                key_text.join(", "),
                test.name,
                lines.join("\n")
            ));
        }
        if sections.len() == MAX_GROUPS || seen > MAX_DOCUMENTS {
            break;
        }
    }
    if sections.is_empty() {
        return None;
    }
    let of = if location.is_empty() {
        String::new()
    } else {
        format!(" at `{location}`")
    };
    Some(format!(
        "**Reduced in the tests**{of}, ingests of one key in order:\n\n{}",
        sections.join("\n\n")
    ))
}

/// `document`'s value at `location` as short JSON (`∅` where absent); a
/// `/-` token stands for every item, so the array is shown.
fn at(document: &Value, location: &str) -> String {
    let shown = location
        .find("/-")
        .map_or(location, |items| &location[..items]);
    let text = match json::pointer::resolve(document, shown) {
        Some(value) => value.to_string(),
        None => "∅".to_owned(),
    };
    runtime::shorten::shorten(text, MAX_VALUE)
}
