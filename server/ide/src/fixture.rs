//! Test support: an [`Analysis`] of a multi-file text fixture
//! (`test_utils::fixture`), every file given as an open document so no test
//! touches the disk.

use std::sync::Arc;

use test_utils::fixture::MultiFile;

use crate::{Analysis, AnalysisHost, Cancellation, FilePosition, build};

/// The analysis of a fixture's files, and its `$0` cursor if it has one.
pub fn analysis(fixture: &str) -> (Analysis, Option<FilePosition>) {
    let mut host = AnalysisHost::default();
    revision(&mut host, fixture)
}

/// The analysis of `after` built once `before` was: an edit of the files
/// `after` names (the others stay as `before` had them), and `after`'s
/// cursor.
pub fn edited(before: &str, after: &str) -> (Analysis, Option<FilePosition>) {
    let mut host = AnalysisHost::default();
    revision(&mut host, before);
    revision(&mut host, after)
}

/// Opens a fixture's files in `host` and builds the revision.
fn revision(host: &mut AnalysisHost, fixture: &str) -> (Analysis, Option<FilePosition>) {
    let parsed = MultiFile::parse(fixture);
    let mut catalogs: Vec<url::Url> = Vec::new();
    for (path, text) in &parsed.files {
        let url = MultiFile::url(path);
        if crate::workspace::is_catalog_name(&url) {
            catalogs.push(url.clone());
        }
        host.set_open_text(&url, Some(Arc::from(text.as_str())));
    }
    let open = host.inputs().open;
    catalogs.extend(
        open.keys()
            .filter(|url| crate::workspace::is_catalog_name(url))
            .cloned(),
    );
    host.set_catalog_files(catalogs);
    let analysis = build(&host.inputs(), &Cancellation::never()).expect("nothing cancels it");
    let cursor = parsed.cursor.map(|(path, offset)| FilePosition {
        file: MultiFile::url(&path),
        offset,
    });
    (analysis, cursor)
}

/// The URL of a fixture path.
pub fn url(path: &str) -> url::Url {
    MultiFile::url(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagnostics_reach_files_of_the_build_and_loose_files() {
        let (analysis, _) = analysis(
            r#"
#- /flow.yaml
import: [orders.flow.yaml]
#- /orders.flow.yaml
collections:
  acme/orders:
    schema: { type: object, properties: { id: { type: string } }, required: [id] }
    key: [/id]
tests:
  acme/test:
    - ingest: { collection: acme/order, documents: [{ id: "1" }] }
#- /notes.yaml
a: [b
"#,
        );
        assert_eq!(
            analysis.roots().len(),
            1,
            "orders.flow.yaml is imported, so not a root"
        );
        let orders = analysis.file_diagnostics(&url("/orders.flow.yaml"));
        assert_eq!(orders.iter().map(|d| d.code).collect::<Vec<_>>(), ["C12"]);
        let loose = analysis.file_diagnostics(&url("/notes.yaml"));
        assert_eq!(loose.iter().map(|d| d.code).collect::<Vec<_>>(), ["C1a"]);
        assert!(analysis.file(&url("/notes.yaml")).is_some());
        assert!(analysis.file_diagnostics(&url("/flow.yaml")).is_empty());
    }

    #[test]
    fn a_catalog_no_root_reaches_is_a_root_of_its_own() {
        let (analysis, _) =
            analysis("#- /flow.yaml\ncollections: {}\n#- /extra.flow.yaml\ncollections: {}\n");
        assert_eq!(analysis.roots().len(), 2);
    }
}
