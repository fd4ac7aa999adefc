//! Every diagnostic of a revision, resolved to a file and a range and grouped
//! per file: the same resolution (`load::locate`) that `flowctl lint` prints,
//! so the editor and the command line agree on codes and ranges.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, RandomState};

use model::{Diagnostic, Severity};
use text::TextRange;
use url::Url;

use crate::FileRange;

/// One diagnostic in one file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileDiagnostic {
    pub range: TextRange,
    pub severity: Severity,
    /// The check id (`C12`); see `model::codes`.
    pub code: &'static str,
    pub message: String,
    /// Other places that explain it: the anchor of an alias, the first
    /// definition of a duplicate, the collection a C12 meant.
    pub related: Vec<(FileRange, String)>,
}

/// Diagnostics by file, each file's sorted by position.
pub type FileDiagnostics = BTreeMap<Url, Vec<FileDiagnostic>>;

/// Adds a build's diagnostics to `out`. A diagnostic that resolves to no
/// file is shown at the start of `root` (it is about the build as a whole).
/// The same diagnostic seen through two roots is kept once.
pub fn collect(
    loaded: &load::Loaded,
    diagnostics: &[Diagnostic],
    root: &Url,
    out: &mut FileDiagnostics,
) {
    let hasher = RandomState::new();
    let mut index: HashMap<Url, HashMap<u64, Vec<usize>>> = HashMap::new();
    for located in load::locate::locate_all(loaded, diagnostics) {
        let file = located.file.clone().unwrap_or_else(|| root.clone());
        let item = FileDiagnostic {
            range: located.range,
            severity: located.diagnostic.severity,
            code: located.diagnostic.code,
            message: located.diagnostic.message.clone(),
            related: located
                .related
                .into_iter()
                .map(|(file, range, message)| (FileRange { file, range }, message))
                .collect(),
        };
        let list = out.entry(file.clone()).or_default();
        // Where each hash already is in this file's list (built once per
        // call from what earlier roots added), so a file with many
        // diagnostics is not compared item by item against all of them.
        let seen = index.entry(file).or_insert_with(|| {
            let mut seen: HashMap<u64, Vec<usize>> = HashMap::new();
            for (at, existing) in list.iter().enumerate() {
                seen.entry(hasher.hash_one(existing)).or_default().push(at);
            }
            seen
        });
        let slots = seen.entry(hasher.hash_one(&item)).or_default();
        if slots.iter().any(|&at| list[at] == item) {
            continue;
        }
        slots.push(list.len());
        list.push(item);
    }
}

/// Sorts each file's list by position, then code.
pub fn sort(out: &mut FileDiagnostics) {
    for list in out.values_mut() {
        list.sort_by(|a, b| {
            (a.range.start, a.range.end, a.code).cmp(&(b.range.start, b.range.end, b.code))
        });
    }
}
