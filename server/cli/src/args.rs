//! The command-line contract of `flowctl` (shared/spec/cli.md), as clap types.

use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Build, test and lint Estuary Flow catalogs: everything runs in this process
/// (schemas, reductions, TypeScript lambdas, the test runner). No platform, no
/// Docker, no network unless a catalog names a remote URL.
#[derive(Debug, Parser)]
#[command(
    name = "flowctl",
    version,
    about = "Build, test and lint Estuary Flow catalogs, in one process: schemas, reductions, TypeScript lambdas and the test runner run here, with no platform and no network.",
    after_help = "Start a project with an example catalog, a dev container and a CI workflow:\n  flowctl init my-catalog\n\nExamples:\n  flowctl build --source flow.yaml\n  flowctl test --source flow.yaml --filter carts\n  flowctl lint --format json\n  flowctl test --offline --map-url https://example.com/schemas/=./schemas/\n\nExit status: 0 success, 1 the catalog or a test has errors, 2 the command could not run."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Load and check a catalog, print its diagnostics and write the build
    /// artifact (exit 0: no errors; 1: the catalog has errors; 2: could not run).
    #[command(
        long_about = "Load and check a catalog (every check of the catalog specification, and our warnings), print its diagnostics rustc-style with the source line underlined, and, when it has no errors, write the build artifact: DIR/catalog.json holds every resource as it was read, so `flowctl test --from-build DIR` runs without the catalog's files or the network.",
        after_help = "Examples:\n  flowctl build\n  flowctl build --source catalogs/flow.yaml --output target/flow\n\nExit status: 0 no errors (warnings allowed); 1 the catalog has errors; 2 the command could not run (unreadable root catalog, bad flags)."
    )]
    Build(BuildArgs),
    /// Check a catalog and print its diagnostics in a format for people or
    /// for CI (GitHub annotations, SARIF, JUnit, JSON); optionally run its
    /// tests too, each failure reported at its failing step.
    #[command(
        long_about = "Check a catalog (the same checks as `flowctl build`, without writing the artifact) and print its diagnostics in a format for people or for CI.\n\nWith --run-tests, the catalog's tests also run when the build has no errors, and each failing test becomes an error diagnostic in every format: T1 at a verify step that found other documents, T2 where the runtime failed (the line of a lambda that threw, else the step). With --max-warnings N, more than N warnings fail the lint too.",
        after_help = "Examples:\n  flowctl lint\n  flowctl lint --format github --run-tests --max-warnings 0   (in a GitHub workflow; see action.yml)\n  flowctl lint --format sarif > flowctl.sarif\n\nExit status: 0 no errors (and, with --max-warnings, not too many warnings); 1 the catalog has errors, a test failed, or there are more warnings than --max-warnings; 2 the command could not run."
    )]
    Lint(LintArgs),
    /// Build a catalog, then run its tests in the in-process runtime.
    #[command(
        long_about = "Build a catalog, then run its tests in the in-process runtime: each test ingests documents into collections, lets the derivations run, and verifies what collections hold. Each test starts from empty collections; lambdas run in a sandbox with a time limit (--lambda-timeout). A catalog with errors runs no test.",
        after_help = "Examples:\n  flowctl test\n  flowctl test --filter \"station totals\" --trace\n  flowctl test --format junit > flowctl-tests.xml\n\nExit status: 0 every test passed; 1 the catalog has errors or a test failed; 2 the command could not run."
    )]
    Test(TestArgs),
    /// Run one derivation in the in-process runtime and print what it
    /// publishes, one JSON document a line.
    #[command(
        long_about = "Run one derivation in the in-process runtime and print what it publishes, one JSON document a line.\n\nWithout --input, the derivation runs on the ingest steps of every catalog test that feeds it (directly or through other derivations), each test on its own from empty state, as `flowctl test` runs them; which test produced which documents is said on standard error. With --input, it runs once on the given documents. Only the derivation and those feeding it run.",
        after_help = "Examples:\n  flowctl preview --collection greenhouse/zone-rollups\n  flowctl preview --collection greenhouse/zone-rollups --input greenhouse/readings=readings.csv --format table\n\nExit status: 0 the derivation ran; 1 the catalog has errors or a run failed (a lambda threw, a document was invalid; the error says where); 2 the command could not run (unknown or captured collection, unreadable or malformed input file, no input documents)."
    )]
    Preview(PreviewArgs),
    /// Start a project: write an example catalog (with a derivation and a
    /// passing test), a dev container with PostgreSQL, the VS Code extension's
    /// recommendation and a GitHub workflow into DIR. Never overwrites a file.
    #[command(
        long_about = "Start a project in DIR (default: the working directory, created if missing). Writes:\n  flow.yaml                        an example catalog: a captured collection, a derivation with a TypeScript lambda, and a test that passes\n  .devcontainer/                   a dev container (Rust, flowctl, the VS Code extension, PostgreSQL 15) for VS Code and Codespaces\n  .vscode/extensions.json          recommends the flowctl VS Code extension\n  .github/workflows/flow.yml       lints and tests the catalog on every push and pull request (flowctl's GitHub Action)\n  .gitignore                       flowctl's build artifact\n\nA file that already exists is never overwritten: it is listed as skipped.",
        after_help = "Examples:\n  flowctl init\n  flowctl init my-catalog && cd my-catalog && flowctl test\n\nExit status: 0 done (even when files were skipped); 2 a file could not be written."
    )]
    Init(InitArgs),
    /// Write the TypeScript declarations of the catalog's collections and
    /// registers (runtime.md §8.2) as `.d.ts` files.
    #[command(
        long_about = "Write the TypeScript declarations of the catalog's collections and registers (runtime.md §8.2) as `.d.ts` files, for an editor's TypeScript service or a build.\n\nOne file per collection, named by its type name (`acme/orders` → `AcmeOrders.d.ts`): `collections.AcmeOrders` (its documents) and, for a derivation, `registers.AcmeOrders` (its register) and the types of its transforms' alternate source schemas. The declarations are ambient namespaces (`declare namespace collections { … }`), so the files load together as global scripts. The same catalog always gives the same bytes; DIR is created if missing, and files already in it that no collection writes are left alone.",
        after_help = "Example:\n  flowctl typegen --out types\n\nExit status: 0 the files were written; 1 the catalog has errors (nothing is written); 2 the command could not run (unwritable DIR)."
    )]
    Typegen(TypegenArgs),
    /// Run the catalog locally: an HTTP ingestion API, derivations, and
    /// materializations into SQLite or PostgreSQL, until Ctrl-C.
    #[command(
        long_about = "Run the catalog locally until Ctrl-C: an ingestion API over HTTP (POST /ingest with {\"collection\": [documents]}, one transaction; POST /ingest/<collection> with CSV, TSV or JSON lines), every derivation, and materializations kept up to date as documents arrive. Each transaction prints one line (documents, keys, milliseconds). Documents, registers and checkpoints are kept in the develop database (flowctl-develop.db), so a restart resumes where the last committed transaction ended, without losing or repeating a document.\n\nWithout --materialize (and no materialization added earlier with `flowctl materialize`), every collection is materialized into a table of its name in the develop database.",
        after_help = "Examples:\n  flowctl develop --source flow.yaml\n  flowctl develop --materialize acme/orders=testDB --materialize acme/totals=testDB:totals\n  curl -d '{\"acme/orders\": [{\"id\": 1}]}' http://localhost:8080/ingest\n\nExit status: 0 stopped by Ctrl-C; 1 the catalog has errors; 2 could not start (port taken, unknown target, unreadable database)."
    )]
    Develop(DevelopArgs),
    /// Add a materialization to a running `flowctl develop`, backfilled from
    /// what the collection holds.
    Materialize(MaterializeArgs),
    /// Send documents from files (`.json`, `.jsonl`, `.csv`, `.tsv`) to a
    /// running `flowctl develop`.
    Ingest(IngestArgs),
    /// Print the JSON Schema of catalog files (for editors' YAML support).
    JsonSchema,
    /// Run the language server on standard input and output (what editors
    /// start): every check live in every file of the workspace's catalogs,
    /// with completion, hover, navigation, rename and fixes. Settings come
    /// from the client (`flowctl.offline`, `flowctl.mapUrl`,
    /// `flowctl.lambdaTimeout`). Logs go to standard error.
    Lsp(LspArgs),
}

/// Flags of `flowctl init`.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// The project's directory, created if missing.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: String,
}

/// Flags of `flowctl develop`.
#[derive(Debug, Args)]
pub struct DevelopArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Port of the ingestion API (0: any free port, printed at start).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to listen on (only this machine by default).
    #[arg(long, default_value = "127.0.0.1", value_name = "ADDRESS")]
    pub listen: String,
    /// Materialize COLLECTION into TARGET (a `materializationTargets` name,
    /// or `default`: the develop database), in TABLE (default: the
    /// collection's name). Repeatable.
    #[arg(long, value_name = "COLLECTION=TARGET[:TABLE]")]
    pub materialize: Vec<String>,
    /// The develop database (SQLite): documents, registers, checkpoints,
    /// and the tables of the `default` target.
    #[arg(long, default_value = "flowctl-develop.db", value_name = "PATH")]
    pub db: String,
    /// Largest request body, in bytes or with a unit (`64MiB`, `1GiB`).
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_body: u64,
    /// How long one lambda call may run before it is stopped and fails its
    /// transaction (`500ms`, `5s`, `1m`).
    #[arg(long = "lambda-timeout", value_name = "DURATION", default_value = "2s", value_parser = parse_timeout)]
    pub lambda_timeout: Duration,
}

/// Flags of `flowctl materialize`.
#[derive(Debug, Args)]
pub struct MaterializeArgs {
    /// The collection to materialize.
    #[arg(long, value_name = "NAME")]
    pub collection: String,
    /// A `materializationTargets` name, or `default` (the develop database).
    #[arg(long, value_name = "NAME", default_value = "default")]
    pub target: String,
    /// The table (default: the collection's name).
    #[arg(long, value_name = "TABLE")]
    pub table_name: Option<String>,
    /// The projections to make columns of (default: all; key fields are
    /// always included).
    #[arg(long, value_name = "F,…", value_delimiter = ',')]
    pub fields: Vec<String>,
    /// The running `flowctl develop`.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
}

/// Flags of `flowctl ingest`.
#[derive(Debug, Args)]
pub struct IngestArgs {
    /// The captured collection to ingest into.
    pub collection: String,
    /// Files of documents: `.json` (an array), `.jsonl`, `.csv`, `.tsv`.
    #[arg(required = true)]
    pub files: Vec<String>,
    /// Documents (or CSV rows) per request; each request is one transaction.
    #[arg(long, default_value_t = 1000)]
    pub batch: usize,
    /// The running `flowctl develop`.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
}

/// Flags of `flowctl lsp`.
#[derive(Debug, Args, Clone)]
pub struct LspArgs {
    /// Talk over standard input and output (the only transport, and the
    /// default; accepted because editors pass it).
    #[arg(long)]
    pub stdio: bool,
    /// Worker threads for requests (default: the number of cores, at most 4).
    #[arg(long, value_name = "N")]
    pub workers: Option<usize>,
}

/// Flags common to every command that reads a catalog.
#[derive(Debug, Args, Clone)]
pub struct SourceArgs {
    /// Root catalog: a path or URL; the files it imports and the schemas it
    /// names are found relative to it. The default is flow.yaml in the
    /// working directory (`flowctl init` writes one).
    #[arg(long, default_value = "flow.yaml", value_name = "PATH-OR-URL")]
    pub source: String,
    /// Serve URLs starting with PREFIX from files under DIR (repeatable; DIR
    /// is relative to the working directory). Also read from FLOW_MAP_URL as
    /// `PREFIX=DIR;PREFIX=DIR`.
    #[arg(long = "map-url", value_name = "PREFIX=DIR")]
    pub map_url: Vec<String>,
    /// Never touch the network: an unmapped remote URL is error C2.
    #[arg(long)]
    pub offline: bool,
    /// Largest resource (catalog file, schema or remote response) read, in
    /// bytes or with a unit: `64MiB` (the default), `200MB`, `1GiB`.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_file_size: u64,
    /// Colors in human output (NO_COLOR is honoured).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct BuildArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Directory of the build artifact.
    #[arg(long, default_value = "flowctl-build", value_name = "DIR")]
    pub output: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// rustc-style diagnostics with source snippets.
    Human,
    /// One JSON object with every diagnostic (see the README).
    Json,
    /// GitHub Actions workflow commands (`::error file=…`), and a summary
    /// in $GITHUB_STEP_SUMMARY when set.
    Github,
    /// SARIF 2.1.0, one rule per diagnostic code (for code-scanning UIs).
    Sarif,
    /// JUnit XML, one test case per catalog file.
    Junit,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Output format; `github` is the default when GITHUB_ACTIONS=true.
    #[arg(long, value_enum)]
    pub format: Option<LintFormat>,
    /// Fail (exit 1) when the catalog has more than N warnings; the summary
    /// says so. Without it, warnings never fail the lint.
    #[arg(long = "max-warnings", value_name = "N")]
    pub max_warnings: Option<u64>,
    /// Also run the catalog's tests when the build has no errors: each failing
    /// test is an error in every format: T1 at a verify that found other
    /// documents, T2 at a runtime failure (a lambda's `throw`, else the step).
    #[arg(long = "run-tests")]
    pub run_tests: bool,
    /// With --run-tests: how long one lambda call may run before it is
    /// stopped and fails its test (`500ms`, `5s`, `1m`).
    #[arg(long = "lambda-timeout", value_name = "DURATION", default_value = "2s", value_parser = parse_timeout, requires = "run_tests")]
    pub lambda_timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    /// One line per test, failures with a per-document diff, then `N passed, N failed`.
    Human,
    /// One JSON object with every test's result (see the README).
    Json,
    /// JUnit XML, one test case per catalog test.
    Junit,
    /// Test Anything Protocol.
    Tap,
}

#[derive(Debug, Args)]
pub struct TestArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Run only tests whose name contains this text.
    #[arg(long)]
    pub filter: Option<String>,
    /// Output format: for people, or for CI (JUnit, TAP) and tools (JSON).
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub format: TestFormat,
    /// Run from the artifact a `flowctl build --output DIR` wrote, without
    /// reading the catalog's files or the network again.
    #[arg(long = "from-build", value_name = "DIR")]
    pub from_build: Option<String>,
    /// Tests to run at once, each worker with its own JavaScript engine
    /// [default: the number of cores]. Results are always reported in test order.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// How long one lambda call may run before it is stopped and fails its test
    /// (`500ms`, `5s`, `1m`).
    #[arg(long = "lambda-timeout", value_name = "DURATION", default_value = "2s", value_parser = parse_timeout)]
    pub lambda_timeout: Duration,
    /// Show every step: which derivation read which document, its register
    /// before and after, what it published, and the reduced state of each
    /// collection the step wrote (in `--format json`: a `trace` per test).
    #[arg(long)]
    pub trace: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PreviewFormat {
    /// One JSON document a line.
    Jsonl,
    /// A text table per run, one column per top-level property.
    Table,
}

#[derive(Debug, Args)]
pub struct PreviewArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// The derived collection to run.
    #[arg(long, value_name = "NAME")]
    pub collection: String,
    /// Documents to ingest into a collection feeding the derivation
    /// (repeatable, ingested in order): a `.json` array, `.jsonl` (one
    /// document a line), or `.csv` / `.tsv` with a header row of the
    /// collection's projection fields.
    #[arg(long = "input", value_name = "COLLECTION=FILE")]
    pub input: Vec<String>,
    /// Output format: JSON lines for tools, a table for people.
    #[arg(long, value_enum, default_value_t = PreviewFormat::Jsonl)]
    pub format: PreviewFormat,
    /// How long one lambda call may run before it is stopped and fails the run.
    #[arg(long = "lambda-timeout", value_name = "DURATION", default_value = "2s", value_parser = parse_timeout)]
    pub lambda_timeout: Duration,
}

#[derive(Debug, Args)]
pub struct TypegenArgs {
    #[command(flatten)]
    pub source: SourceArgs,
    /// Directory to write the `.d.ts` files into (created if missing).
    #[arg(long, value_name = "DIR")]
    pub out: String,
}

/// A positive humantime duration (`500ms`, `2s`, `1m 30s`).
fn parse_timeout(text: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(text).map_err(|error| error.to_string())?;
    if duration.is_zero() {
        return Err("the timeout must be longer than zero".to_owned());
    }
    Ok(duration)
}

/// A size with an optional unit: `1000`, `512KiB`, `64MiB`, `1GiB`, `200MB`
/// (decimal units are powers of 1000, binary ones of 1024).
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" => 1_000,
        "m" | "mb" => 1_000_000,
        "g" | "gb" => 1_000_000_000,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        other => {
            return Err(format!(
                "unknown size unit \"{other}\" (use KiB, MiB, GiB, KB, MB or GB)"
            ));
        }
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|number| number.checked_mul(multiplier))
        .filter(|size| *size > 0)
        .ok_or_else(|| format!("\"{text}\" is not a size such as 64MiB"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_with_units() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("200MB"), Ok(200_000_000));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert_eq!(parse_size("1 GiB"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12 parsecs").is_err());
        assert!(parse_size("MiB").is_err());
        assert!(parse_size("99999999999999999999GiB").is_err());
    }
}
