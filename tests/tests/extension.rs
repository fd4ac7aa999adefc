//! The VS Code extension's own unit tests (`vscode-extension/`, node's test
//! runner) as part of `cargo test`: installs its locked npm dependencies
//! when `node_modules` is missing or older than `package-lock.json`, then
//! runs `npm test` (type-check, esbuild bundle, `node --test`). Skips with
//! the reason printed only when `npm` is not installed.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::SystemTime;

fn extension_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../vscode-extension")
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
}

fn npm(dir: &Path, args: &[&str]) {
    let output = Command::new("npm")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|error| panic!("npm {args:?} did not start: {error}"));
    assert!(
        output.status.success(),
        "npm {args:?} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn extension_unit_tests_pass() {
    if Command::new("npm").arg("--version").output().is_err() {
        println!(
            "skipped: `npm` is not installed, so the VS Code extension's unit tests cannot run"
        );
        return;
    }
    let dir = extension_dir();
    // npm writes node_modules/.package-lock.json on every install: older than
    // the lockfile means the dependencies changed since.
    let installed = modified(&dir.join("node_modules/.package-lock.json"));
    let locked = modified(&dir.join("package-lock.json"));
    if installed.is_none() || installed < locked {
        npm(&dir, &["ci", "--no-audit", "--no-fund"]);
    }
    npm(&dir, &["test"]);
}
