//! Preview latency (issue #9, `flowctl/preview`): `ide::preview::preview` on
//! a built analysis, as the server's preview thread runs it (one QuickJS
//! host kept across previews; each run resets its globals). Two subjects:
//! the corpus' `examples/shopping/carts` (three feeding tests, an upstream
//! derivation joining products) and our greenhouse fixture's
//! `greenhouse/zone-rollups`. What an editor waits for after clicking
//! "Preview", minus the protocol.

use std::path::Path;
use std::time::Duration;

use ide::preview::{PreviewRequest, lambda_host};
use ide::{Analysis, AnalysisHost, Cancellation, Config};
use load::UrlMapping;
use url::Url;

fn main() {
    divan::main();
}

fn analysis(root: &Path, map_url: Vec<UrlMapping>) -> Analysis {
    let mut host = AnalysisHost::new(Config {
        offline: true,
        map_url,
        ..Config::default()
    });
    host.set_catalog_files(vec![Url::from_file_path(root).expect("an absolute path")]);
    let analysis = ide::build(&host.inputs(), &Cancellation::never()).expect("not cancelled");
    assert!(
        analysis
            .diagnostics()
            .values()
            .flatten()
            .all(|d| d.severity != model::Severity::Error),
        "the catalog builds clean"
    );
    analysis
}

fn bench_preview(bencher: divan::Bencher, analysis: &Analysis, collection: &str) {
    let request = PreviewRequest {
        collection: collection.to_owned(),
        inputs: Vec::new(),
    };
    let mut lambdas = lambda_host(Duration::from_secs(2), Default::default()).expect("a host");
    let first = ide::preview::preview(analysis, None, &request, &mut lambdas, &|| false)
        .expect("a preview");
    assert!(first.runs.iter().all(|run| run.error.is_none()));
    bencher.bench_local(|| {
        ide::preview::preview(analysis, None, &request, &mut lambdas, &|| false).expect("a preview")
    });
}

#[divan::bench(sample_count = 50)]
fn corpus_shopping_carts(bencher: divan::Bencher) {
    let dir = test_utils::corpus::corpus_dir();
    let analysis = analysis(
        &dir.join("flow.yaml"),
        vec![UrlMapping {
            prefix: test_utils::corpus::REMOTE_PREFIX.to_owned(),
            dir: dir.clone(),
        }],
    );
    bench_preview(bencher, &analysis, "examples/shopping/carts");
}

#[divan::bench(sample_count = 50)]
fn greenhouse_zone_rollups(bencher: divan::Bencher) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/greenhouse/flow.yaml");
    let analysis = analysis(&root.canonicalize().expect("the fixture"), Vec::new());
    bench_preview(bencher, &analysis, "greenhouse/zone-rollups");
}
