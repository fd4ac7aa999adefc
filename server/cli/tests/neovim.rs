//! A real editor drives `flowctl lsp` (issue #8 acceptance): headless Neovim
//! (Debian's 0.7, its built-in LSP client) runs `neovim.lua` over a copy of
//! `fixtures/editor` (two catalog files, a mistake in the one never opened)
//! and writes a JSON report of each step: a diagnostic published for the
//! other file, completion of a collection name, go to definition across
//! files, a rename applied to both buffers, and a test run through its
//! code lens once the mistake is fixed in its buffer. Skipped, with the reason
//! printed, only when `nvim` is not installed (`.ci/run` installs it when
//! it can).

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The longest the whole session may take (the script's own waits are
/// shorter, so a missing answer fails its step rather than the run).
const SESSION_SECONDS: &str = "120";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

fn nvim_version() -> Option<String> {
    let output = Command::new("nvim").arg("--version").output().ok()?;
    output.status.success().then(|| {
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .to_string()
    })
}

/// A fresh directory under the target directory (never the fixture itself:
/// nothing in the repository is written).
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn neovim_drives_the_language_server() {
    let Some(version) = nvim_version() else {
        eprintln!("skipping neovim_drives_the_language_server: `nvim` is not installed");
        return;
    };
    let scratch = scratch("neovim");
    let workspace = scratch.join("workspace");
    fs::create_dir_all(&workspace).unwrap();
    for name in ["flow.yaml", "library.flow.yaml"] {
        fs::copy(
            repo().join("fixtures/editor").join(name),
            workspace.join(name),
        )
        .unwrap();
    }
    let report = scratch.join("report.json");
    let script = repo().join("server/cli/tests/neovim.lua");
    // Neovim keeps its log, shada and state under these.
    let home = scratch.join("home");
    fs::create_dir_all(&home).unwrap();
    let output = Command::new("timeout")
        .args([
            "-k",
            "5",
            SESSION_SECONDS,
            "nvim",
            "--headless",
            "--clean",
            "-u",
        ])
        .arg(&script)
        .current_dir(&workspace)
        .env("FLOWCTL", env!("CARGO_BIN_EXE_flowctl"))
        .env("WORKSPACE", &workspace)
        .env("REPORT", &report)
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("XDG_CACHE_HOME", home.join("cache"))
        .output()
        .unwrap();
    let text = fs::read_to_string(&report).unwrap_or_else(|error| {
        panic!(
            "{version}: no report ({error}); exit {:?}\nstdout:\n{}\nstderr:\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    let report: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        report["error"],
        Value::Null,
        "the script failed: {report:#}"
    );
    let mut failed = Vec::new();
    for step in [
        "start",
        "diagnostics",
        "completion",
        "definition",
        "rename",
        "test_lens",
    ] {
        if report["steps"][step]["ok"] != Value::Bool(true) {
            failed.push(format!(
                "{step}: {}",
                serde_json::to_string_pretty(&report["steps"][step]).unwrap()
            ));
        }
    }
    assert!(
        failed.is_empty(),
        "{version}: {} step(s) failed:\n{}",
        failed.len(),
        failed.join("\n")
    );
    // The copies are untouched: edits stay in the buffers.
    for name in ["flow.yaml", "library.flow.yaml"] {
        assert_eq!(
            fs::read_to_string(workspace.join(name)).unwrap(),
            fs::read_to_string(repo().join("fixtures/editor").join(name)).unwrap()
        );
    }
}
