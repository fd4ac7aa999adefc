//! The editor's view of a workspace of catalogs, as plain data: what the
//! language server (`lsp`) asks and answers in editor terms (files, byte
//! ranges, targets), never in protocol types.
//!
//! Table of contents:
//! * [`host`]: [`AnalysisHost`] owns the inputs (open documents over the
//!   disk, settings, the workspace's catalog files) and bumps a revision on
//!   every change; [`build`] compiles every root catalog of a revision's
//!   [`Inputs`] into an [`Analysis`], an immutable snapshot that requests
//!   read on any thread.
//! * [`files`]: the text of every file: editor buffers over a cache of the
//!   disk, read through `load`'s `Fetch`.
//! * [`workspace`]: which catalog files are roots (imported by no other).
//! * [`catalog_schema`]: what the catalog's JSON Schema (from `model::spec`)
//!   says about a place: properties with their docs, and where a user JSON
//!   Schema starts (JSON Schema keywords apply there).
//! * [`completion`]: what may be written at a position (keys with docs,
//!   collection names, pointers, paths, `$ref`s, strategies, snippets).
//! * [`cursor`]: where a position is in a YAML file (path of parent keys,
//!   key or value, the word typed), by a tolerant scan of the text that
//!   works while the file does not parse; completion and hover start here.
//! * [`diagnostics`]: every build diagnostic resolved to a file and range,
//!   grouped per file (the same resolution `flowctl lint` prints).
//! * [`navigation`]: go to definition (collection names, `$ref`s and schema
//!   URLs, aliases, imports, key and shuffle pointers), references of a
//!   collection, rename of a collection.
//! * [`symbols`]: document symbols (an outline tree) and workspace symbols.
//! * [`ranges`]: folding ranges and selection ranges from the YAML tree.
//! * `last_good`: navigation while a file does not parse, on the last
//!   analysis in which it did, mapped through the text that did not change.
//! * `tree_path`: the path of YAML nodes under an offset in a parsed tree,
//!   shared by the above.
//! * [`hover`]: markdown about the thing at a position (key docs, a
//!   collection's key/schema/definition, a pointer's inferred shape, the
//!   TypeScript types of a lambda's `source`/`register`/`previous`).
//! * [`semantics`]: what a cursor's place means in the loaded catalog
//!   (file kind, owning collection, pointer places, collection references),
//!   shared by completion and hover.
//! * [`preview`]: `runtime::preview` on a build of the editor's state, its
//!   transforms and failures placed in files.
//! * [`typegen`]: TypeScript declarations of collections and registers
//!   (runtime.md §8.2) as text, for `flowctl typegen` and lambda documents.
//! * [`lambda_document`]: a `nodeJS` lambda as a TypeScript document (the
//!   declarations, the body as its function) with a line map to the YAML.
//! * [`code_actions`]: quick fixes where the fix is certain (C12's suggested
//!   name, C13's missing import, C20/C21's redundant entries, C32b's order,
//!   a non-string test document key quoted).
//! * [`test_report`]: the JSON of a test run (`flowctl test --format json`
//!   and the server's `flowctl.runTests`), failure locations and messages.
//! * [`catalog_tests`]: the catalog's tests as the editor shows them (discovery,
//!   code lenses, verify failures as `T1` diagnostics) and "accept actual"
//!   (a failed verify's documents rewritten in the file's own YAML style).
//!
//! Positions are byte offsets into a file's text (`text::TextRange`); the
//! `lsp` crate converts them to the client's encoding.

pub mod catalog_schema;
pub mod catalog_tests;
pub mod code_actions;
pub mod completion;
pub mod cursor;
pub mod diagnostics;
pub mod files;
pub mod host;
pub mod hover;
pub mod lambda_document;
mod last_good;
pub mod navigation;
pub mod preview;
pub mod ranges;
pub mod semantics;
pub mod symbols;
pub mod test_report;
mod tree_path;
pub mod typegen;
pub mod workspace;

#[cfg(test)]
pub(crate) mod fixture;

pub use host::{Analysis, AnalysisHost, Cancellation, Cancelled, Config, Inputs, RootBuild, build};

use text::TextRange;
use url::Url;

/// A position in a file: a byte offset into its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FilePosition {
    pub file: Url,
    pub offset: u32,
}

/// A range of a file's text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FileRange {
    pub file: Url,
    pub range: TextRange,
}

/// Something to jump to: a definition, a reference, a symbol.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavigationTarget {
    pub file: Url,
    /// The whole of the thing (a collection's mapping).
    pub full_range: TextRange,
    /// The part to select (its name).
    pub focus_range: TextRange,
    pub name: String,
}

/// A replacement of a range of a file's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    pub range: TextRange,
    pub new_text: String,
}

/// Edits over several files (a rename, a code action's fix). Each file's
/// edits do not overlap.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceChange {
    pub edits: std::collections::BTreeMap<Url, Vec<TextEdit>>,
}

/// `text` with `edits` applied (edits must not overlap; any order).
pub fn apply_edits(text: &str, edits: &[TextEdit]) -> String {
    let mut sorted: Vec<&TextEdit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.range.start, edit.range.end));
    let mut out = String::with_capacity(text.len());
    let mut at = 0usize;
    for edit in sorted {
        let (start, end) = (edit.range.start as usize, edit.range.end as usize);
        out.push_str(&text[at.min(start)..start]);
        out.push_str(&edit.new_text);
        at = at.max(end);
    }
    out.push_str(&text[at.min(text.len())..]);
    out
}
