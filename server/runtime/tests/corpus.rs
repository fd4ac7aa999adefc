//! The conformance corpus end to end: loads `shared/corpus/estuary-docs`, runs
//! all 29 tests with the engine, and checks that every one passes and that
//! every `verify` step saw exactly the fully reduced documents listed in
//! `shared/spec/corpus.md` §7 (fixtures only state a subset of them).

use json::order::compare;
use runtime::engine::Plan;
use runtime::testing::{self, TestReport};
use serde_json::Value;
use url::Url;

/// Loads and checks the corpus, which must build without diagnostics.
fn load_corpus() -> load::Loaded {
    let loaded = test_utils::corpus::load_corpus();
    let diagnostics = check::check(&loaded);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    loaded
}

/// One test's section of corpus.md §7: file, test name, and per verify step
/// the collection and the exact documents.
#[derive(Debug)]
struct Expected {
    file: String,
    test: String,
    verifies: Vec<(String, Vec<Value>)>,
}

/// Parses corpus.md §7: `#### \`file\` — name`, then for each verify
/// "verify #N of \`collection\`:" and a json block (one document per line, or `[]`).
fn expected_results() -> Vec<Expected> {
    let text = std::fs::read_to_string(test_utils::corpus::shared_dir().join("spec/corpus.md"))
        .expect("corpus.md");
    let section = text
        .split("## 7. Exact verify results")
        .nth(1)
        .expect("§7 exists");
    let mut expected: Vec<Expected> = Vec::new();
    let mut lines = section.lines();
    while let Some(line) = lines.next() {
        if let Some(heading) = line.strip_prefix("#### `") {
            let (file, test) = heading
                .split_once("` — ")
                .expect("heading is `file` — name");
            expected.push(Expected {
                file: file.to_owned(),
                test: test.to_owned(),
                verifies: Vec::new(),
            });
        } else if let Some(rest) = line.strip_prefix("verify #") {
            let collection = rest
                .split('`')
                .nth(1)
                .expect("verify names a collection")
                .to_owned();
            assert_eq!(lines.next(), Some(""));
            assert_eq!(lines.next(), Some("```json"));
            let mut documents = Vec::new();
            for line in lines.by_ref() {
                match line {
                    "```" => break,
                    "[]" => {}
                    json => documents
                        .push(serde_json::from_str(json).expect("one JSON document per line")),
                }
            }
            expected
                .last_mut()
                .expect("a heading first")
                .verifies
                .push((collection, documents));
        }
    }
    expected
}

fn run_corpus() -> (load::Loaded, TestReport) {
    let loaded = load_corpus();
    let plan = Plan::build(&loaded.catalog, &loaded.schemas).expect("the plan builds");
    let report = testing::run_all(&plan, &loaded.catalog);
    (loaded, report)
}

#[test]
fn all_29_corpus_tests_pass() {
    let (loaded, report) = run_corpus();
    let failures: Vec<String> = report
        .results
        .iter()
        .filter_map(|result| {
            let failure = result.failure.as_ref()?;
            Some(format!(
                "{} :: {} failed at step {:?}:\n{failure}",
                result.scope.resource, result.name, failure.step
            ))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    assert_eq!(report.results.len(), 29);
    assert_eq!(report.passed(), 29);

    // Test by test, in run order (file URL, then name).
    let corpus =
        Url::from_directory_path(test_utils::corpus::shared_dir().join("corpus/estuary-docs"))
            .expect("absolute path");
    let ran: Vec<(String, &str, bool)> = report
        .results
        .iter()
        .map(|result| {
            let file = corpus
                .make_relative(&result.scope.resource)
                .unwrap_or_default();
            (file, result.name.as_str(), result.passed())
        })
        .collect();
    let mut listed: Vec<(String, String)> = expected_results()
        .into_iter()
        .map(|expected| (expected.file, expected.test))
        .collect();
    listed.sort();
    let ran_names: Vec<(String, String)> = ran
        .iter()
        .map(|(file, name, _)| (file.clone(), name.to_string()))
        .collect();
    assert_eq!(ran_names, listed);
    for (file, name, passed) in &ran {
        assert!(passed, "{file} :: {name}");
    }
    assert_eq!(loaded.catalog.tests.len(), 29);
}

#[test]
fn every_verify_sees_the_exact_reduced_documents() {
    let (_loaded, report) = run_corpus();
    let corpus =
        Url::from_directory_path(test_utils::corpus::shared_dir().join("corpus/estuary-docs"))
            .expect("absolute path");
    let expected = expected_results();
    assert_eq!(expected.len(), 29);
    let mut checked = 0;
    for expected in &expected {
        let result = report
            .results
            .iter()
            .find(|result| {
                result.name == expected.test
                    && corpus.make_relative(&result.scope.resource).as_deref()
                        == Some(&expected.file)
            })
            .unwrap_or_else(|| panic!("test {} :: {} ran", expected.file, expected.test));
        assert_eq!(
            result.verifies.len(),
            expected.verifies.len(),
            "verify steps of {}",
            expected.test
        );
        for (ordinal, ((collection, documents), verify)) in
            expected.verifies.iter().zip(&result.verifies).enumerate()
        {
            let context = format!(
                "{} :: {} verify #{}",
                expected.file,
                expected.test,
                ordinal + 1
            );
            assert_eq!(&verify.collection, collection, "{context}");
            let equal = documents.len() == verify.actual.len()
                && documents
                    .iter()
                    .zip(&verify.actual)
                    .all(|(a, b)| compare(a, b).is_eq());
            assert!(
                equal,
                "{context}\nexpected:\n{}\nactual:\n{}",
                documents
                    .iter()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
                verify
                    .actual
                    .iter()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 46);
}
