//! A mutation fuzzer for the whole pipeline (issue #12): mutates the files of
//! `fixtures/` and of the conformance corpus (`mutate`: lines, indentation,
//! scalars, YAML constructs, pointers, `$ref`s, lambda bodies, splices) and
//! runs each mutant in process through the YAML fast path against saphyr
//! (`syntax::differential`: equal parses, or the fast path declined), load,
//! check, the mapping of every
//! diagnostic to a range, the editor's questions at random places (offset ↔
//! position, offset → pointer → range, positions in a lambda body) and, when
//! the build has no error, the test runner with small lambda limits. A panic, a mutant still running after the hang
//! limit, or a mutant that grew the heap past 512 MiB is a finding: its files
//! are written to `target/fuzz-failures/` and the test fails with a summary.
//! An abort (stack overflow, failed allocation: the process allocator is
//! capped, see `alloc`) kills the process; the mutant it was running is in
//! `target/fuzz-failures/current.txt`.
//!
//! Each mutant is determined by the seed and its index, so a run is
//! reproducible and any one mutant can be replayed. Environment:
//!
//! - `FLOWCTL_FUZZ_SECONDS` (default 5): how long to run; CI (`.ci/run`) sets 60.
//! - `FLOWCTL_FUZZ_SEED` (default 1206): the run's seed.
//! - `FLOWCTL_FUZZ_REPLAY=N`: run only mutant N, printing its files.
//! - `FLOWCTL_FUZZ_KNOWN=1`: also run the operators that reproduce the issue
//!   #12 cases being fixed on other branches (`mutate::OPERATORS`, `known`).
//! - `FLOWCTL_FUZZ_SKIP=lambda,yaml`: operators to leave out.
//! - `FLOWCTL_FUZZ_HANG_SECONDS` (default 30): when a mutant counts as a hang.
//! - `FLOWCTL_FUZZ_BROKEN=1`: run the tests of catalogs with errors too (as an
//!   editor's preview might; `flowctl test` does not).
//! - `FLOWCTL_FUZZ_STACK_KIB` (default 8192, the main thread's on Linux, where
//!   the CLI runs): the worker thread's stack.
//!
//! - `FLOWCTL_FUZZ_WARM_SECONDS` (default 3): how long the differential test
//!   (`warm_builds_through_shared_memos_equal_cold_builds`) runs. It builds
//!   each mutant, and then its unmutated catalog again, through memos shared
//!   by every build of that catalog (`load::Memo`, `check::Memo`: an editor's
//!   edits), and asserts each equals a cold build: same diagnostics, same
//!   order. Its failures are the mutant's replay line and the first
//!   difference.
//!
//! A long run by hand, printing the summary:
//!
//! ```text
//! FLOWCTL_FUZZ_SECONDS=3600 FLOWCTL_FUZZ_SEED=7 \
//!     cargo test -p flowctl-tests --test fuzz -- --nocapture
//! ```

mod alloc;
mod mutate;
use test_utils::rng;
mod seeds;

use std::backtrace::Backtrace;
use std::cell::RefCell;
use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use load::{MemoryFetch, Overlay};
use model::Scope;
use mutate::{Mutant, OPERATORS, Operator};
use runtime::engine::Plan;
use runtime::lambda::QuickJsConfig;
use runtime::testing::{self, Problem};
use seeds::Seeds;
use text::ColumnUnit;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

const DEFAULT_SECONDS: f64 = 5.0;
const DEFAULT_WARM_SECONDS: f64 = 3.0;
const DEFAULT_SEED: u64 = 1206;
/// Whether the `known` operators (issue #12's lambda cases 1–4 and the
/// conversion DAG bomb) run without `FLOWCTL_FUZZ_KNOWN`: on, since the
/// sandbox bounds them all (`FLOWCTL_FUZZ_KNOWN=0` leaves them out).
const KNOWN_BY_DEFAULT: bool = true;
const DEFAULT_HANG_SECONDS: u64 = 30;
/// Lambda limits of the runtime under fuzzing: small, so that loops and
/// bombs end fast.
const LAMBDA_TIME_LIMIT: Duration = Duration::from_millis(100);
const LAMBDA_MEMORY_LIMIT: usize = 32 << 20;
/// Heap growth during one mutant that counts as a finding.
const MEMORY_FINDING: usize = 512 << 20;
/// A mutant slower than this is listed (not failed: timing depends on the machine).
const SLOW: Duration = Duration::from_secs(5);
/// The worker's stack: the main thread's on Linux, where the CLI runs.
const DEFAULT_STACK_KIB: usize = 8 << 10;

struct Config {
    duration: Duration,
    seed: u64,
    replay: Option<u64>,
    known: bool,
    skip: Vec<String>,
    hang: Duration,
    broken: bool,
    stack: usize,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    env(name).map(|value| {
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is not a number"))
    })
}

impl Config {
    fn from_env() -> Config {
        Config {
            duration: Duration::from_secs_f64(
                env_number("FLOWCTL_FUZZ_SECONDS").unwrap_or(DEFAULT_SECONDS),
            ),
            seed: env_number("FLOWCTL_FUZZ_SEED").unwrap_or(DEFAULT_SEED),
            replay: env_number("FLOWCTL_FUZZ_REPLAY"),
            known: env("FLOWCTL_FUZZ_KNOWN").map_or(KNOWN_BY_DEFAULT, |value| value != "0"),
            skip: env("FLOWCTL_FUZZ_SKIP")
                .map(|list| list.split(',').map(|s| s.trim().to_owned()).collect())
                .unwrap_or_default(),
            hang: Duration::from_secs(
                env_number("FLOWCTL_FUZZ_HANG_SECONDS").unwrap_or(DEFAULT_HANG_SECONDS),
            ),
            broken: env("FLOWCTL_FUZZ_BROKEN").is_some_and(|value| value != "0"),
            stack: env_number::<usize>("FLOWCTL_FUZZ_STACK_KIB").unwrap_or(DEFAULT_STACK_KIB) << 10,
        }
    }
}

/// How far one mutant got.
#[derive(Default)]
struct Reached {
    /// The build had an error, so no test ran.
    errors: bool,
    tests: usize,
    passed: usize,
    /// The first few errors, for a replay.
    first_errors: Vec<String>,
}

/// Runs one mutant through the pipeline, as `flowctl test` does, in memory.
fn exercise(seeds: &Seeds, mutant: &Mutant, broken: bool) -> Reached {
    // The YAML fast path builds what saphyr builds, or declines.
    for (url, text) in &mutant.files {
        if let Some(fast) = syntax::differential::fast(text, syntax::Limits::default()) {
            let reference = syntax::differential::reference(text, syntax::Limits::default());
            assert!(
                fast == reference,
                "the YAML fast path's parse of {url} differs from saphyr's"
            );
        }
    }
    let mut overlay = MemoryFetch::new();
    for (url, text) in &mutant.files {
        overlay.insert(url.clone(), text.clone());
    }
    let fetch = Overlay {
        overlay: &overlay,
        base: &seeds.base,
    };
    let loaded = load::load(&mutant.root, &fetch);
    let diagnostics = check::all_diagnostics(&loaded);
    for diagnostic in &diagnostics {
        let _ = loaded.locate(&diagnostic.scope, diagnostic.at_key);
    }
    probe_editor_faces(&loaded, mutant.index);
    let errors = diagnostics.iter().any(model::Diagnostic::is_error);
    let first_errors = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .take(3)
        .map(|diagnostic| {
            format!(
                "{} {}: {}",
                diagnostic.code, diagnostic.scope, diagnostic.message
            )
        })
        .collect();
    if errors && !broken {
        return Reached {
            errors,
            first_errors,
            ..Reached::default()
        };
    }
    let catalog = &loaded.catalog;
    let plan = Plan::build(catalog, &loaded.schemas).expect("a plan never fails on a catalog");
    let options = testing::RunOptions {
        jobs: 1,
        lambda: QuickJsConfig {
            memory_limit: LAMBDA_MEMORY_LIMIT,
            time_limit: LAMBDA_TIME_LIMIT,
            ..QuickJsConfig::default()
        },
        // Traced, so mutants also run the trace's recording of reads and states.
        trace: true,
    };
    let report = testing::run_matching(&plan, catalog, |_| true, &options);
    for result in &report.results {
        let Some(failure) = &result.failure else {
            continue;
        };
        let _ = failure.to_string();
        let _ = loaded.locate(&failure.scope, true);
        if let Problem::Error(error) = &failure.problem
            && let (Some(scope), Some(position)) = (&error.scope, &error.body_position)
        {
            let _ = loaded.locate_in_scalar(scope, position.line, position.column);
        }
    }
    Reached {
        errors,
        tests: report.results.len(),
        passed: report.passed(),
        first_errors,
    }
}

/// What an editor asks of a loaded catalog at arbitrary places: offset →
/// line and column → offset (identity, in every column unit), offset → JSON
/// pointer → range (must find it again), scope → range, and positions inside
/// a string scalar (a lambda body).
fn probe_editor_faces(loaded: &load::Loaded, index: u64) {
    let mut rng = rng::Rng::for_mutant(0x0ED1_7000, index);
    for resource in &loaded.resources {
        let text = &*resource.text;
        for _ in 0..6 {
            let mut offset = rng.below(text.len() + 1);
            while !text.is_char_boundary(offset) {
                offset -= 1;
            }
            // Between the `\r` and `\n` of a CRLF there is no position of its
            // own (it is the end of the line): it maps back to before the `\r`.
            let inside_crlf = offset > 0
                && text.as_bytes()[offset - 1] == b'\r'
                && text.as_bytes().get(offset) == Some(&b'\n');
            let offset = offset as u32;
            for unit in [ColumnUnit::Utf16, ColumnUnit::Char, ColumnUnit::Utf8] {
                let position = resource.line_index.position(text, offset, unit);
                let back = resource.line_index.offset(text, position, unit);
                assert!(
                    back == offset || inside_crlf,
                    "{}: offset {offset} → {position:?} ({unit:?}) → offset {back}",
                    resource.url
                );
            }
            let Some(pointer) = resource.tree.pointer_at(offset) else {
                continue;
            };
            assert!(
                resource.tree.locate(&pointer).is_some(),
                "{}: pointer_at({offset}) = {pointer:?}, which locate does not find",
                resource.url
            );
            let scope = Scope::new(resource.url.clone(), pointer);
            let _ = loaded.locate(&scope, rng.chance(50));
            let _ = loaded.locate(&scope.push("x"), false);
            let (line, column) = (rng.below(40) as u32, rng.below(200) as u32);
            let _ = loaded.locate_in_scalar(&scope, line, column);
        }
    }
}

thread_local! {
    /// The message and backtrace of this thread's last panic.
    static LAST_PANIC: RefCell<String> = const { RefCell::new(String::new()) };
}

enum Outcome {
    Done(Reached),
    Panicked(String),
    Hung,
}

/// Runs `mutant` on a worker thread; gives up waiting after `hang`.
fn run_bounded(seeds: &Arc<Seeds>, mutant: &Arc<Mutant>, config: &Config) -> Outcome {
    let (hang, broken) = (config.hang, config.broken);
    let (sender, receiver) = mpsc::channel();
    let (seeds, mutant) = (Arc::clone(seeds), Arc::clone(mutant));
    let spawned = thread::Builder::new()
        .name(format!("mutant-{}", mutant.index))
        .stack_size(config.stack)
        .spawn(move || {
            let outcome =
                match panic::catch_unwind(AssertUnwindSafe(|| exercise(&seeds, &mutant, broken))) {
                    Ok(reached) => Outcome::Done(reached),
                    Err(_) => Outcome::Panicked(LAST_PANIC.with(|last| last.take())),
                };
            let _ = sender.send(outcome);
        });
    if let Err(error) = spawned {
        return Outcome::Panicked(format!("cannot start a worker: {error}"));
    }
    match receiver.recv_timeout(hang) {
        Ok(outcome) => outcome,
        Err(RecvTimeoutError::Timeout) => Outcome::Hung,
        Err(RecvTimeoutError::Disconnected) => {
            Outcome::Panicked("the worker ended without a result".to_owned())
        }
    }
}

/// `file:///fuzz/a/b.yaml` → `a/b.yaml`.
fn relative(url: &url::Url) -> &str {
    url.path().trim_start_matches("/fuzz/")
}

fn describe(seed: u64, mutant: &Mutant) -> String {
    format!(
        "seed {seed}, mutant {} (replay: FLOWCTL_FUZZ_SEED={seed} FLOWCTL_FUZZ_REPLAY={} cargo test -p flowctl-tests --test fuzz -- --nocapture)\nroot: {}\noperators: {}\nmutated: {}\n",
        mutant.index,
        mutant.index,
        mutant.root,
        mutant.operators.join(", "),
        mutant
            .files
            .iter()
            .map(|(url, _)| relative(url))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// The mutant about to run, so that an abort leaves a trace.
fn write_current(dir: &Path, seed: u64, mutant: &Mutant) {
    let mut text = describe(seed, mutant);
    for (url, content) in &mutant.files {
        text.push_str(&format!("\n=== {url}\n{content}\n"));
    }
    let _ = fs::write(dir.join("current.txt"), text);
}

/// Writes the catalog of a finding: every seed beside the root, then the
/// mutated files over them, and `FINDING.txt`.
fn write_finding(dir: &Path, seeds: &Seeds, seed: u64, mutant: &Mutant, detail: &str) -> PathBuf {
    let out = dir.join(format!("seed{seed}-mutant{}", mutant.index));
    let _ = fs::remove_dir_all(&out);
    let root = mutant.root.as_str();
    let root_dir = &root[..root.rfind('/').map_or(0, |slash| slash + 1)];
    let originals = seeds
        .files
        .iter()
        .filter(|seed| seed.url.as_str().starts_with(root_dir))
        .map(|seed| (&seed.url, &seed.text));
    for (url, text) in originals.chain(mutant.files.iter().map(|(url, text)| (url, text))) {
        let path = out.join(relative(url));
        if let Some(parent) = path.parent() {
            let _ = fs::create_dir_all(parent);
        }
        let _ = fs::write(path, text);
    }
    let _ = fs::write(
        out.join("FINDING.txt"),
        format!("{}\n{detail}\n", describe(seed, mutant)),
    );
    out
}

struct Finding {
    kind: &'static str,
    /// The first line of the detail (a panic's message and place).
    headline: String,
    mutant: u64,
    written: PathBuf,
}

#[test]
fn mutants_of_the_fixtures_and_the_corpus_break_nothing() {
    let config = Config::from_env();
    let seeds = Arc::new(Seeds::collect());
    let enabled: Vec<&Operator> = OPERATORS
        .iter()
        .filter(|op| (config.known || !op.known) && !config.skip.iter().any(|s| s == op.name))
        .collect();
    assert!(!enabled.is_empty(), "every operator is skipped");
    let failures = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("target directory")
        .join("fuzz-failures");
    fs::create_dir_all(&failures).expect("target/fuzz-failures");
    panic::set_hook(Box::new(|info| {
        let text = format!("{info}\n{}", Backtrace::force_capture());
        LAST_PANIC.with(|last| *last.borrow_mut() = text);
    }));

    let started = Instant::now();
    let mut findings: Vec<Finding> = Vec::new();
    let mut slow: Vec<(u64, Duration)> = Vec::new();
    let (mut count, mut built, mut tests, mut passed) = (0u64, 0u64, 0usize, 0usize);
    let mut index = config.replay.unwrap_or(0);
    loop {
        if config.replay.is_none() && started.elapsed() >= config.duration {
            break;
        }
        let mutant = Arc::new(mutate::generate(&seeds, &enabled, config.seed, index));
        if config.replay.is_some() {
            println!("{}", describe(config.seed, &mutant));
            for (url, text) in &mutant.files {
                println!("=== {url}\n{text}");
            }
        }
        write_current(&failures, config.seed, &mutant);
        let baseline = alloc::reset_peak();
        let mutant_started = Instant::now();
        let outcome = run_bounded(&seeds, &mutant, &config);
        let took = mutant_started.elapsed();
        let grew = alloc::peak().saturating_sub(baseline);
        count += 1;
        let mut finding = |kind: &'static str, detail: String| {
            let written = write_finding(&failures, &seeds, config.seed, &mutant, &detail);
            findings.push(Finding {
                kind,
                headline: detail.lines().take(2).collect::<Vec<_>>().join(" "),
                mutant: mutant.index,
                written,
            });
        };
        let hung = matches!(outcome, Outcome::Hung);
        match outcome {
            Outcome::Done(reached) => {
                if config.replay.is_some() {
                    println!(
                        "reached: errors {}, {} tests, {} passed",
                        reached.errors, reached.tests, reached.passed
                    );
                    for error in &reached.first_errors {
                        println!("error: {error}");
                    }
                }
                if !reached.errors {
                    built += 1;
                    tests += reached.tests;
                    passed += reached.passed;
                }
            }
            Outcome::Panicked(detail) => finding("panic", detail),
            Outcome::Hung => finding("hang", format!("still running after {:?}", config.hang)),
        }
        if grew > MEMORY_FINDING {
            finding("memory", format!("the heap grew by {} MiB", grew >> 20));
        }
        if took > SLOW && !hung {
            slow.push((mutant.index, took));
        }
        // A hung worker keeps running: stop here. A replay runs one mutant.
        if hung || config.replay.is_some() {
            break;
        }
        index += 1;
    }
    let _ = panic::take_hook();

    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "fuzz: seed {}, {count} mutants in {elapsed:.1} s ({:.1}/s); {built} built without errors and ran {tests} tests ({passed} passed); {} findings; operators: {}",
        config.seed,
        count as f64 / elapsed,
        findings.len(),
        enabled
            .iter()
            .map(|op| op.name)
            .collect::<Vec<_>>()
            .join(" ")
    );
    for (index, took) in &slow {
        println!("slow: mutant {index} took {took:?}");
    }
    let mut summary = String::new();
    for finding in &findings {
        summary.push_str(&format!(
            "\n{} at mutant {}: {}\n  files: {}",
            finding.kind,
            finding.mutant,
            finding.headline,
            finding.written.display()
        ));
    }
    assert!(
        findings.is_empty(),
        "{} findings (FINDING.txt in each directory has the backtrace):{summary}",
        findings.len()
    );
}

/// Every diagnostic of a build of `root` over `fetch`: through the memos
/// when given (warm), else cold.
fn build_diagnostics(
    root: &url::Url,
    fetch: &dyn load::Fetch,
    memos: Option<&(load::Memo, check::Memo)>,
) -> Vec<model::Diagnostic> {
    let Some((load_memo, check_memo)) = memos else {
        return check::all_diagnostics(&load::load(root, fetch));
    };
    let loaded = load::load_with(root, fetch, load_memo);
    let mut diagnostics = loaded.diagnostics.clone();
    diagnostics.extend(check::check_with(&loaded, check_memo));
    load_memo.sweep();
    check_memo.sweep();
    diagnostics
}

/// Memos per catalog root, and each root's cold diagnostics unmutated.
#[derive(Default)]
struct Warm {
    memos: std::collections::HashMap<url::Url, (load::Memo, check::Memo)>,
    originals: std::collections::HashMap<url::Url, Vec<model::Diagnostic>>,
    /// Units replayed over all builds.
    replayed: usize,
}

impl Warm {
    /// Builds `root` with `files` over the seeds, then unmutated again,
    /// both through the root's memos, asserting each equals a cold build.
    fn edit_and_undo(
        &mut self,
        seeds: &Seeds,
        root: &url::Url,
        files: &[(url::Url, String)],
        what: &str,
    ) {
        let first = !self.memos.contains_key(root);
        let memo = self
            .memos
            .entry(root.clone())
            .or_insert_with(|| (load::Memo::default(), check::Memo::new()));
        let original = self
            .originals
            .entry(root.clone())
            .or_insert_with(|| build_diagnostics(root, &seeds.base, None));
        if first {
            let warm = build_diagnostics(root, &seeds.base, Some(memo));
            assert_eq!(&warm, original, "first build of {root}");
        }
        let mut overlay = MemoryFetch::new();
        for (url, text) in files {
            overlay.insert(url.clone(), text.clone());
        }
        let fetch = Overlay {
            overlay: &overlay,
            base: &seeds.base,
        };
        let before = memo.1.stats().units_replayed;
        let warm = build_diagnostics(root, &fetch, Some(memo));
        let cold = build_diagnostics(root, &fetch, None);
        assert_eq!(warm, cold, "warm and cold builds differ after {what}");
        let undone = build_diagnostics(root, &seeds.base, Some(memo));
        assert_eq!(
            &undone, original,
            "warm and cold builds differ after undoing {what}"
        );
        self.replayed += memo.1.stats().units_replayed - before;
    }
}

/// The differential mode: every seed file of every catalog (each
/// `fixtures/invalid` case, the corpus) mutated once in turn, then random
/// mutants for the time given; each build through memos that live across
/// the catalog's edits (each mutation, then its undo) reports exactly what
/// a cold build reports. This is what `check`'s per-entity units (replayed
/// while what they read holds) and the load memo's shared entities must
/// guarantee.
#[test]
fn warm_builds_through_shared_memos_equal_cold_builds() {
    let duration = Duration::from_secs_f64(
        env_number("FLOWCTL_FUZZ_WARM_SECONDS").unwrap_or(DEFAULT_WARM_SECONDS),
    );
    let seed = env_number("FLOWCTL_FUZZ_SEED").unwrap_or(DEFAULT_SEED);
    let seeds = Seeds::collect();
    // Runaway lambdas do not matter here (no test runs): every operator.
    let enabled: Vec<&Operator> = OPERATORS.iter().collect();
    let mut warm = Warm::default();
    let roots: std::collections::BTreeSet<&url::Url> =
        seeds.files.iter().map(|file| &file.root).collect();
    let mut edits = 0u64;
    for (number, root) in roots.iter().enumerate() {
        let files = seeds.files.iter().filter(|file| &file.root == *root);
        for (position, file) in files.enumerate() {
            let mut rng = rng::Rng::for_mutant(seed ^ 0xD1FF, (number * 1000 + position) as u64);
            let op = enabled[rng.below(enabled.len())];
            let Some(text) = (op.apply)(&mut rng, &file.text, &seeds) else {
                continue;
            };
            let what = format!("{} applied to {}", op.name, file.url);
            warm.edit_and_undo(&seeds, root, &[(file.url.clone(), text)], &what);
            edits += 1;
        }
    }
    let started = Instant::now();
    let mut count = 0u64;
    let mut index = 0;
    while started.elapsed() < duration {
        let mutant = mutate::generate(&seeds, &enabled, seed, index);
        index += 1;
        warm.edit_and_undo(
            &seeds,
            &mutant.root,
            &mutant.files,
            &describe(seed, &mutant),
        );
        count += 1;
    }
    println!(
        "warm = cold: seed {seed}, {edits} edits of every seed file over {} catalogs and {count} mutants, {} units replayed",
        roots.len(),
        warm.replayed
    );
    assert!(edits > 0 && warm.replayed > 0, "the differential test ran");
}
