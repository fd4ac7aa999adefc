//! Tidy checks of the code base: the crate graph matches server/ARCHITECTURE.md,
//! and every Rust file opens with a `//!` comment saying what it is for.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `[dependencies]` of a crate that are our own crates.
fn own_dependencies(manifest: &str, own: &[String]) -> Vec<String> {
    let mut in_dependencies = false;
    let mut found = Vec::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
            continue;
        }
        if !in_dependencies {
            continue;
        }
        let name = line
            .split(['.', '=', ' '])
            .next()
            .unwrap_or_default()
            .to_string();
        if own.contains(&name) {
            found.push(name);
        }
    }
    found.sort();
    found
}

#[test]
fn crate_edges_match_architecture_md() {
    let architecture = std::fs::read_to_string(root().join("server/ARCHITECTURE.md")).unwrap();
    let section = architecture
        .split("<!-- tidy:edges -->")
        .nth(1)
        .unwrap()
        .split("<!-- /tidy:edges -->")
        .next()
        .unwrap();
    let mut documented: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in section.lines().filter_map(|line| line.strip_prefix("- ")) {
        let (name, deps) = line.split_once(':').unwrap();
        let mut deps: Vec<String> = deps
            .split(',')
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty())
            .collect();
        deps.sort();
        documented.insert(name.trim().to_string(), deps);
    }
    let mut actual = BTreeMap::new();
    let own: Vec<String> = std::fs::read_dir(root().join("server"))
        .unwrap()
        .flatten()
        .filter(|entry| entry.path().join("Cargo.toml").exists())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    for name in &own {
        let manifest =
            std::fs::read_to_string(root().join("server").join(name).join("Cargo.toml")).unwrap();
        actual.insert(name.clone(), own_dependencies(&manifest, &own));
    }
    assert_eq!(
        documented, actual,
        "server/ARCHITECTURE.md's crate edges are out of date"
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|name| name != "target" && name != "node_modules")
            {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_rust_file_says_what_it_is_for() {
    let mut files = Vec::new();
    rust_files(&root().join("server"), &mut files);
    rust_files(&root().join("tests"), &mut files);
    let missing: Vec<String> = files
        .iter()
        .filter(|path| {
            !std::fs::read_to_string(path)
                .unwrap()
                .trim_start()
                .starts_with("//!")
        })
        .map(|path| path.display().to_string())
        .collect();
    assert!(
        missing.is_empty(),
        "files without a //! header: {missing:#?}"
    );
}
