//! What each subcommand does: glue between the arguments, the library crates
//! and the renderers. Exit codes: 0 success, 1 the catalog (or a test) has
//! errors, 2 the command itself could not run.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use load::{DiskFetch, Loaded, UrlMapping};
use model::Diagnostic;
use serde_json::json;
use termcolor::{ColorChoice, StandardStream};

use crate::args::{self, Cli, Command, SourceArgs};
use crate::render;

pub fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Build(build) => run_build(&build),
        Command::Lint(lint) => crate::commands::lint::run(&lint),
        Command::Test(test) => crate::commands::test::run(&test),
        Command::Preview(preview) => crate::commands::preview::run(&preview),
        Command::Init(init) => crate::commands::init::run(&init),
        Command::Typegen(typegen) => run_typegen(&typegen),
        Command::Develop(develop) => crate::commands::develop::run(&develop),
        Command::Materialize(args) => crate::commands::develop::materialize(&args),
        Command::Ingest(args) => crate::commands::develop::ingest(&args),
        Command::JsonSchema => {
            let schema = model::spec::catalog_json_schema();
            let text = serde_json::to_string_pretty(&schema).map_err(|error| error.to_string())?;
            crate::output::print_line(&text)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Lsp(args) => {
            let mut options = lsp::Options::default();
            if let Some(workers) = args.workers {
                options.workers = workers.max(1);
            }
            let clean = lsp::run_stdio(options)?;
            // LSP: `exit` without `shutdown` first ends with code 1.
            Ok(if clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

mod develop;
mod init;
mod lint;
mod preview;
mod test;

/// `flowctl typegen`: `ide::typegen`'s files, written under `--out`.
fn run_typegen(args: &args::TypegenArgs) -> Result<ExitCode, String> {
    let build = build(&args.source)?;
    if build.has_errors() {
        let located = render::locate_all(&build.loaded, &build.diagnostics);
        let mut out = color_stream(args.source.color, true);
        render::human::write(&mut out, &build.loaded, &located, &build.cwd)
            .map_err(crate::output::write_error)?;
        let errors = build.diagnostics.iter().filter(|d| d.is_error()).count();
        crate::output::eprint_line(&format!(
            "the catalog has {errors} error(s); no types were written"
        ));
        return Ok(ExitCode::from(1));
    }
    let out = build.cwd.join(&args.out);
    std::fs::create_dir_all(&out)
        .map_err(|error| format!("cannot create {}: {error}", out.display()))?;
    let files = ide::typegen::files(&build.loaded);
    for (name, text) in &files {
        let path = out.join(name);
        std::fs::write(&path, text)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?;
    }
    crate::output::eprint_line(&format!(
        "wrote {} declaration file(s) to {}",
        files.len(),
        args.out
    ));
    Ok(ExitCode::SUCCESS)
}

/// A loaded and checked catalog.
pub struct Build {
    pub loaded: Loaded,
    pub diagnostics: Vec<Diagnostic>,
    pub cwd: PathBuf,
}

impl Build {
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

fn working_dir() -> Result<PathBuf, String> {
    std::env::current_dir().map_err(|error| format!("cannot read the working directory: {error}"))
}

/// Loads and checks the catalog recorded in a build artifact (see
/// [`write_artifact`]): every resource comes from the artifact, none from disk.
pub fn build_from_artifact(dir: &str) -> Result<Build, String> {
    let cwd = working_dir()?;
    let path = cwd.join(dir).join("catalog.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|error| format!("cannot read {}: {error}", path.display()))?;
    let artifact: serde_json::Value = serde_json::from_str(&text)
        .map_err(|error| format!("{} is not a build artifact: {error}", path.display()))?;
    let not_artifact = || format!("{} is not a build artifact of this flowctl", path.display());
    let parse_url =
        |value: &serde_json::Value| value.as_str().and_then(|url| url::Url::parse(url).ok());
    let root = parse_url(&artifact["root"]).ok_or_else(not_artifact)?;
    let mut fetch = load::MemoryFetch::new();
    for resource in artifact["resources"].as_array().ok_or_else(not_artifact)? {
        let url = parse_url(&resource["url"]).ok_or_else(not_artifact)?;
        fetch.insert(url, resource["content"].as_str().ok_or_else(not_artifact)?);
    }
    Ok(checked(load::load(&root, &fetch), cwd))
}

/// Runs the checks over a loaded catalog (on every core).
fn checked(loaded: Loaded, cwd: PathBuf) -> Build {
    let diagnostics = check::check_parallel(&loaded, threads());
    Build {
        loaded,
        diagnostics,
        cwd,
    }
}

/// When the catalog has errors: prints them and says `what` did not happen;
/// the exit code to end with.
pub fn refuse_errors(
    build: &Build,
    source: &SourceArgs,
    what: &str,
) -> Result<Option<ExitCode>, String> {
    if !build.has_errors() {
        return Ok(None);
    }
    let located = render::locate_all(&build.loaded, &build.diagnostics);
    let mut out = color_stream(source.color, true);
    render::human::write(&mut out, &build.loaded, &located, &build.cwd)
        .map_err(crate::output::write_error)?;
    let errors = build.diagnostics.iter().filter(|d| d.is_error()).count();
    crate::output::eprint_line(&format!("the catalog has {errors} error(s); {what}"));
    Ok(Some(ExitCode::from(1)))
}

/// The documents of a `.json` (an array) or `.jsonl` file's text.
pub fn parse_documents(
    text: &str,
    file: &str,
    extension: &str,
) -> Result<Vec<serde_json::Value>, String> {
    use serde_json::Value;
    if extension == "json" {
        return match serde_json::from_str::<Value>(text) {
            Ok(Value::Array(documents)) => Ok(documents),
            Ok(_) => Err(format!("{file}: expected a JSON array of documents")),
            Err(error) => Err(format!("{file}: not JSON: {error}")),
        };
    }
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(index, line)| {
            serde_json::from_str(line)
                .map_err(|error| format!("{file}:{}: not a JSON document: {error}", index + 1))
        })
        .collect()
}

/// How many threads a build uses: one per core.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// Loads and checks the catalog named by `source`.
pub fn build(source: &SourceArgs) -> Result<Build, String> {
    let cwd = working_dir()?;
    let mut mappings = Vec::new();
    if let Ok(list) = std::env::var("FLOW_MAP_URL") {
        mappings.extend(UrlMapping::parse_list(&list, &cwd)?);
    }
    for spec in &source.map_url {
        mappings.push(UrlMapping::parse(spec, &cwd)?);
    }
    let root = crate::paths::root_url(&source.source, &cwd)?;
    let mut fetch = DiskFetch::new(mappings, source.offline);
    fetch.max_file_size = source.max_file_size;
    // Files are read and parsed on every core first (a cold build is
    // otherwise one thread); the result is `load::load`'s.
    let loaded = load::load_parallel(&root, &fetch, threads());
    if loaded.resources.is_empty() {
        let reason = loaded
            .diagnostics
            .first()
            .map(|d| d.message.clone())
            .unwrap_or_default();
        return Err(format!("cannot read the root catalog: {reason}"));
    }
    Ok(checked(loaded, cwd))
}

/// Standard output or error, in color when `choice` (and NO_COLOR, and
/// whether it is a terminal) says so; a closed pipe is not an error there
/// (see `crate::output`).
pub fn color_stream(
    choice: args::ColorChoice,
    stderr: bool,
) -> crate::output::Guarded<StandardStream> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty());
    let choice = match choice {
        args::ColorChoice::Always => ColorChoice::Always,
        args::ColorChoice::Never => ColorChoice::Never,
        args::ColorChoice::Auto if no_color => ColorChoice::Never,
        args::ColorChoice::Auto => {
            let terminal = if stderr {
                std::io::IsTerminal::is_terminal(&std::io::stderr())
            } else {
                std::io::IsTerminal::is_terminal(&std::io::stdout())
            };
            if terminal {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            }
        }
    };
    crate::output::Guarded(if stderr {
        StandardStream::stderr(choice)
    } else {
        StandardStream::stdout(choice)
    })
}

/// The exit code for a build, consuming it without freeing its memory: the
/// process is about to end, and dropping a large catalog's trees costs about
/// a tenth of a `flowctl lint` run.
fn exit_for(build: Build) -> ExitCode {
    let code = exit_code(&build);
    std::mem::forget(build);
    code
}

fn exit_code(build: &Build) -> ExitCode {
    if build.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn run_build(args: &args::BuildArgs) -> Result<ExitCode, String> {
    let build = build(&args.source)?;
    let located = render::locate_all(&build.loaded, &build.diagnostics);
    let mut out = color_stream(args.source.color, true);
    render::human::write(&mut out, &build.loaded, &located, &build.cwd)
        .map_err(crate::output::write_error)?;
    if !build.has_errors() {
        let dir = build.cwd.join(&args.output);
        write_artifact(&build, &dir)?;
        let collections = build.loaded.catalog.collections.len();
        let tests = build.loaded.catalog.tests.len();
        writeln!(
            out,
            "built {collections} collection(s) and {tests} test(s) into {}",
            args.output
        )
        .map_err(crate::output::write_error)?;
    }
    Ok(exit_for(build))
}

/// Writes the build artifact: the content of every resource as fetched, so a
/// later run can rebuild without the network (catalog.md §13).
fn write_artifact(build: &Build, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir)
        .map_err(|error| format!("cannot create {}: {error}", dir.display()))?;
    let resources: Vec<_> = build
        .loaded
        .resources
        .iter()
        .map(|resource| json!({"url": resource.url.as_str(), "kind": resource.kind.as_str(), "content": &*resource.text}))
        .collect();
    let artifact = json!({
        "root": build.loaded.root.as_ref().map(|root| root.as_str()),
        "resources": resources,
        "collections": build.loaded.catalog.collections.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        "tests": build.loaded.catalog.tests.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
    });
    let path = dir.join("catalog.json");
    let text = serde_json::to_string_pretty(&artifact).map_err(|error| error.to_string())?;
    std::fs::write(&path, text).map_err(|error| format!("cannot write {}: {error}", path.display()))
}
