//! Navigation, symbols and ranges on a 1,000-collection single-file catalog
//! (`test_utils::big`, 100 tests): what one request costs once the analysis
//! is built (the build itself is `check`'s `build` bench). Each must stay far
//! below an editor's budget for a keystroke (a few milliseconds).

use std::sync::Arc;

use ide::{Analysis, AnalysisHost, Cancellation, FilePosition};
use url::Url;

fn main() {
    divan::main();
}

struct Setup {
    analysis: Analysis,
    file: Url,
    text: Arc<str>,
}

fn setup() -> Setup {
    let text: Arc<str> = Arc::from(test_utils::big::single_file_catalog(1000, 100));
    let file = Url::parse("file:///bench/flow.yaml").expect("a URL");
    let mut host = AnalysisHost::default();
    host.set_open_text(&file, Some(Arc::clone(&text)));
    host.set_catalog_files(vec![file.clone()]);
    let analysis = ide::build(&host.inputs(), &Cancellation::never()).expect("not cancelled");
    Setup {
        analysis,
        file,
        text,
    }
}

impl Setup {
    /// The position of the `nth` occurrence of `needle`.
    fn at(&self, needle: &str, nth: usize) -> FilePosition {
        let offset = self
            .text
            .match_indices(needle)
            .nth(nth)
            .expect("the needle is in the catalog")
            .0;
        FilePosition {
            file: self.file.clone(),
            offset: offset as u32 + 2,
        }
    }
}

#[divan::bench]
fn definition_of_a_source(bencher: divan::Bencher) {
    let setup = setup();
    let position = setup.at("source: { name: ", 5);
    let position = FilePosition {
        offset: position.offset + 14,
        ..position
    };
    assert_eq!(
        ide::navigation::definition(&setup.analysis, &position).len(),
        1
    );
    bencher.bench(|| ide::navigation::definition(&setup.analysis, &position));
}

#[divan::bench]
fn definition_of_a_key_pointer(bencher: divan::Bencher) {
    let setup = setup();
    let position = setup.at("key: [/id]", 500);
    let position = FilePosition {
        offset: position.offset + 5,
        ..position
    };
    assert_eq!(
        ide::navigation::definition(&setup.analysis, &position).len(),
        1
    );
    bencher.bench(|| ide::navigation::definition(&setup.analysis, &position));
}

#[divan::bench]
fn references_of_a_collection(bencher: divan::Bencher) {
    let setup = setup();
    let position = setup.at(&test_utils::big::collection_name(498), 0);
    assert!(!ide::navigation::references(&setup.analysis, &position, true).is_empty());
    bencher.bench(|| ide::navigation::references(&setup.analysis, &position, true));
}

#[divan::bench]
fn rename_a_collection(bencher: divan::Bencher) {
    let setup = setup();
    let position = setup.at(&test_utils::big::collection_name(498), 0);
    assert!(ide::navigation::rename(&setup.analysis, &position, "acme/renamed").is_ok());
    bencher.bench(|| ide::navigation::rename(&setup.analysis, &position, "acme/renamed"));
}

#[divan::bench]
fn document_symbols(bencher: divan::Bencher) {
    let setup = setup();
    bencher.bench(|| ide::symbols::document_symbols(&setup.analysis, &setup.file));
}

#[divan::bench]
fn workspace_symbols(bencher: divan::Bencher) {
    let setup = setup();
    bencher.bench(|| ide::symbols::workspace_symbols(&setup.analysis, "c0009", 100));
}

#[divan::bench]
fn folding_ranges(bencher: divan::Bencher) {
    let setup = setup();
    bencher.bench(|| ide::ranges::folding_ranges(&setup.analysis, &setup.file));
}

#[divan::bench]
fn selection_ranges(bencher: divan::Bencher) {
    let setup = setup();
    let offsets: Vec<u32> = (0..10).map(|i| setup.text.len() as u32 / 10 * i).collect();
    bencher.bench(|| ide::ranges::selection_ranges(&setup.analysis, &setup.file, &offsets));
}
