//! Editor request benchmarks on a 1,000-collection single-file catalog
//! (`test_utils::big`, 50 tests), analysed once: completion of a test
//! step's collection (1,000 names), of a key pointer, of a top-level key at
//! the end of the file (the text scan's worst case), and hover on a
//! collection name and a lambda parameter; and a key pointer while the
//! last collection's `key: [` is unclosed (the file does not parse: the
//! owner is read from a repaired parse of the file).
//! Target on the 2-core machine: each well under 10 ms (issue #8).

use std::sync::Arc;

use ide::{Analysis, AnalysisHost, Cancellation, FilePosition};
use url::Url;

fn main() {
    divan::main();
}

struct Setup {
    analysis: Analysis,
    url: Url,
    text: String,
}

fn setup() -> Setup {
    let mut text = test_utils::big::single_file_catalog(1000, 50);
    text.push('\n');
    setup_text(text)
}

fn setup_text(text: String) -> Setup {
    let url = Url::parse("file:///bench/flow.yaml").unwrap();
    let mut host = AnalysisHost::default();
    host.set_open_text(&url, Some(Arc::from(text.as_str())));
    host.set_catalog_files(vec![url.clone()]);
    let analysis = ide::build(&host.inputs(), &Cancellation::never()).unwrap();
    Setup {
        analysis,
        url,
        text,
    }
}

impl Setup {
    /// The position `after` bytes into the last occurrence of `needle`.
    fn at(&self, needle: &str, after: usize) -> FilePosition {
        let at = self
            .text
            .rfind(needle)
            .expect("the needle is in the catalog")
            + after;
        FilePosition {
            file: self.url.clone(),
            offset: at as u32,
        }
    }
}

#[divan::bench(sample_count = 50)]
fn complete_test_collection(bencher: divan::Bencher) {
    let setup = setup();
    let position = setup.at("collection: acme", "collection: ".len());
    assert!(ide::completion::completions(&setup.analysis, &position).len() >= 1000);
    bencher.bench(|| ide::completion::completions(&setup.analysis, &position));
}

#[divan::bench(sample_count = 50)]
fn complete_key_pointer(bencher: divan::Bencher) {
    let setup = setup();
    let position = setup.at("key: [/id]", "key: [/".len());
    assert!(!ide::completion::completions(&setup.analysis, &position).is_empty());
    bencher.bench(|| ide::completion::completions(&setup.analysis, &position));
}

#[divan::bench(sample_count = 50)]
fn complete_top_level_key_at_the_end(bencher: divan::Bencher) {
    let setup = setup();
    let position = FilePosition {
        file: setup.url.clone(),
        offset: setup.text.len() as u32,
    };
    let items = ide::completion::completions(&setup.analysis, &position);
    assert!(items.iter().any(|item| item.label == "import"));
    bencher.bench(|| ide::completion::completions(&setup.analysis, &position));
}

#[divan::bench(sample_count = 50)]
fn hover_collection_name(bencher: divan::Bencher) {
    let setup = setup();
    let position = setup.at("collection: acme", "collection: acme".len());
    assert!(ide::hover::hover(&setup.analysis, &position).is_some());
    bencher.bench(|| ide::hover::hover(&setup.analysis, &position));
}

#[divan::bench(sample_count = 50)]
fn hover_lambda_source(bencher: divan::Bencher) {
    let setup = setup();
    let position = setup.at("id: source.id", "id: sou".len());
    assert!(ide::hover::hover(&setup.analysis, &position).is_some());
    bencher.bench(|| ide::hover::hover(&setup.analysis, &position));
}

#[divan::bench(sample_count = 20)]
fn complete_key_pointer_in_a_broken_file(bencher: divan::Bencher) {
    let mut text = test_utils::big::single_file_catalog(1000, 0);
    let at = text.rfind("key: [/id]").unwrap();
    text.replace_range(at..at + "key: [/id]".len(), "key: [/id, ");
    let cut = at + "key: [/id, ".len();
    let setup = setup_text(text);
    let position = FilePosition {
        file: setup.url.clone(),
        offset: cut as u32,
    };
    assert!(!ide::completion::completions(&setup.analysis, &position).is_empty());
    bencher.bench(|| ide::completion::completions(&setup.analysis, &position));
}
