//! Every diagnostic of a revision, resolved to a file and a range and grouped
//! per file: the same resolution (`load::locate`) that `flowctl lint` prints,
//! so the editor and the command line agree on codes and ranges.

use std::collections::BTreeMap;

use model::{Diagnostic, Severity};
use text::TextRange;
use url::Url;

use crate::FileRange;

/// One diagnostic in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
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
        let list = out.entry(file).or_default();
        if !list.contains(&item) {
            list.push(item);
        }
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
