//! `flowctl init [DIR]`: starts a project with an example catalog whose test
//! passes, the dev container of this repository (the same files: they are
//! included from `.devcontainer/`, one owner), the VS Code extension's
//! recommendation and a GitHub workflow using this repository's action.
//! Never overwrites a file: each one is created only if absent.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::args::InitArgs;

/// The VS Code extension's `publisher.name` (vscode-extension/package.json;
/// a test checks they agree).
pub const EXTENSION_ID: &str = "flowctl.flowctl";

/// A file of a new project.
struct File {
    /// Relative to the project's directory, `/`-separated.
    path: &'static str,
    text: String,
    executable: bool,
}

/// Every file `flowctl init` writes, in the order it reports them.
fn files() -> Vec<File> {
    let file = |path, text: &str| File {
        path,
        text: text.to_owned(),
        executable: false,
    };
    vec![
        file("flow.yaml", include_str!("../../templates/flow.yaml")),
        file(
            ".devcontainer/devcontainer.json",
            include_str!("../../../../.devcontainer/devcontainer.json"),
        ),
        file(
            ".devcontainer/docker-compose.yml",
            include_str!("../../../../.devcontainer/docker-compose.yml"),
        ),
        file(
            ".devcontainer/Dockerfile",
            include_str!("../../../../.devcontainer/Dockerfile"),
        ),
        file(
            ".devcontainer/Dockerfile.dockerignore",
            include_str!("../../../../.devcontainer/Dockerfile.dockerignore"),
        ),
        File {
            executable: true,
            ..file(
                ".devcontainer/post-create.sh",
                include_str!("../../../../.devcontainer/post-create.sh"),
            )
        },
        file(
            ".vscode/extensions.json",
            &format!("{{\n  \"recommendations\": [\"{EXTENSION_ID}\"]\n}}\n"),
        ),
        file(
            ".github/workflows/flow.yml",
            include_str!("../../templates/flow.yml"),
        ),
        file(".gitignore", include_str!("../../templates/gitignore")),
    ]
}

pub fn run(args: &InitArgs) -> Result<ExitCode, String> {
    let dir = Path::new(&args.dir);
    if dir.exists() && !dir.is_dir() {
        return Err(format!("{} is not a directory", dir.display()));
    }
    let shown = |path: &str| match args.dir.as_str() {
        "." | "./" => path.to_owned(),
        _ => dir.join(path).display().to_string(),
    };
    let mut out = crate::output::stdout();
    let write_error = crate::output::write_error;
    let mut skipped = Vec::new();
    for file in files() {
        let path = dir.join(file.path);
        if create_new(&path, &file)
            .map_err(|error| format!("cannot write {}: {error}", path.display()))?
        {
            writeln!(out, "wrote   {}", shown(file.path)).map_err(write_error)?;
        } else {
            skipped.push(file.path);
        }
    }
    for path in &skipped {
        writeln!(out, "skipped {} (it exists; not overwritten)", shown(path))
            .map_err(write_error)?;
    }
    writeln!(out, "\nNext:").map_err(write_error)?;
    if !matches!(args.dir.as_str(), "." | "./") {
        writeln!(out, "  cd {}", args.dir).map_err(write_error)?;
    }
    writeln!(
        out,
        "  flowctl test     run the catalog's tests\n  flowctl lint     check the catalog as CI will (.github/workflows/flow.yml)\n  code .           open it in VS Code: install the recommended flowctl extension,\n                   or \"Reopen in Container\" for flowctl and PostgreSQL in a dev container"
    )
    .map_err(write_error)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes `file` at `path` unless something is there already (checked by the
/// create itself, so nothing is ever overwritten): `Ok(false)` when skipped.
fn create_new(path: &Path, file: &File) -> std::io::Result<bool> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if file.executable {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o755);
    }
    match options.open(path) {
        Ok(mut handle) => {
            handle.write_all(file.text.as_bytes())?;
            Ok(true)
        }
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(error) => Err(error),
    }
}
