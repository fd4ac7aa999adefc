//! What CI users run: the composite action (`action.yml`), the pre-commit
//! hooks (`.pre-commit-hooks.yaml`), the workflow `flowctl init` writes and
//! this repository's own workflow of the action parse, and name only inputs, steps, commands and flags that exist (the
//! flags are checked against the binary's own `--help`).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap()
}

/// A YAML file of the repository as JSON, failing on any syntax error.
fn yaml(path: &str) -> (String, Value) {
    let text = std::fs::read_to_string(repo().join(path)).unwrap();
    let parse = syntax::parse(&text);
    assert!(parse.errors.is_empty(), "{path}: {:?}", parse.errors);
    let value = parse.tree.document_json().unwrap();
    (text, value)
}

/// Every `NAME` of `prefix NAME` in `text` (`inputs.NAME`, `steps.NAME`).
fn references(text: &str, prefix: &str) -> BTreeSet<String> {
    text.match_indices(prefix)
        .map(|(at, _)| {
            text[at + prefix.len()..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .collect()
        })
        .collect()
}

/// Checks that `flowctl SUBCOMMAND --flag…` names a subcommand and flags
/// that `flowctl SUBCOMMAND --help` lists.
fn assert_flowctl_command(line: &str) {
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words.first(), Some(&"flowctl"), "{line}");
    let subcommand = words[1];
    let help = Command::new(env!("CARGO_BIN_EXE_flowctl"))
        .args([subcommand, "--help"])
        .output()
        .unwrap();
    assert!(help.status.success(), "no subcommand {subcommand}: {line}");
    let help = String::from_utf8(help.stdout).unwrap();
    for flag in words.iter().filter(|word| word.starts_with("--")) {
        assert!(
            help.contains(&format!("{flag} ")) || help.contains(&format!("{flag}\n")),
            "flowctl {subcommand} has no {flag}"
        );
    }
}

#[test]
fn the_action_parses_and_uses_only_what_exists() {
    let (text, action) = yaml("action.yml");
    assert_eq!(action["runs"]["using"], "composite");
    let inputs: BTreeSet<String> = action["inputs"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    for input in ["source", "run-tests", "max-warnings", "version"] {
        assert!(inputs.contains(input), "no input {input}");
        assert!(
            action["inputs"][input]["description"].is_string(),
            "{input} has no description"
        );
    }
    let used = references(&text, "inputs.");
    assert!(
        used.is_subset(&inputs),
        "undeclared inputs: {:?}",
        used.difference(&inputs)
    );
    assert!(used.len() >= 4, "{used:?}");
    let steps = action["runs"]["steps"].as_array().unwrap();
    let ids: BTreeSet<String> = steps
        .iter()
        .filter_map(|step| step["id"].as_str().map(str::to_owned))
        .collect();
    let used = references(&text, "steps.");
    assert!(
        used.is_subset(&ids),
        "unknown steps: {:?}",
        used.difference(&ids)
    );

    // It installs this repository's flowctl, and runs lint with flags that exist.
    let scripts: String = steps
        .iter()
        .filter_map(|step| step["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(scripts.contains("install --locked --path \"$src/server/cli\""));
    assert!(repo().join("server/cli/Cargo.toml").is_file());
    let lint = scripts
        .lines()
        .find_map(|line| line.trim().strip_prefix("args=(lint "))
        .expect("the lint command");
    assert_flowctl_command(&format!("flowctl lint {}", lint.trim_end_matches(')')));
    for added in scripts
        .lines()
        .filter_map(|line| line.trim().strip_prefix("args+=("))
    {
        assert_flowctl_command(&format!("flowctl lint {}", added.trim_end_matches(')')));
    }
    assert!(scripts.contains("--max-warnings") && scripts.contains("--run-tests"));
}

#[test]
fn the_pre_commit_hooks_run_existing_commands() {
    let (_, hooks) = yaml(".pre-commit-hooks.yaml");
    let hooks = hooks.as_array().unwrap();
    assert!(!hooks.is_empty());
    for hook in hooks {
        for field in ["id", "name", "entry", "language"] {
            assert!(hook[field].is_string(), "a hook without {field}: {hook}");
        }
        assert_flowctl_command(hook["entry"].as_str().unwrap());
        assert_eq!(
            hook["pass_filenames"], false,
            "flowctl lints a catalog, not files"
        );
    }
    assert!(hooks.iter().any(|hook| hook["entry"] == "flowctl lint"));
}

/// The `with:` of every step of `workflow` that uses this action.
fn action_uses(workflow: &Value) -> Vec<Value> {
    let mut found = Vec::new();
    for job in workflow["jobs"].as_object().unwrap().values() {
        for step in job["steps"].as_array().unwrap() {
            if step["uses"]
                .as_str()
                .is_some_and(|uses| uses.starts_with("estuary/flowctl@") || uses == "./")
            {
                found.push(step["with"].clone());
            }
        }
    }
    found
}

#[test]
fn the_workflows_and_the_readme_example_use_the_action_inputs() {
    let (_, action) = yaml("action.yml");
    let inputs = action["inputs"].as_object().unwrap();
    let (_, workflow) = yaml("server/cli/templates/flow.yml");
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let section = readme
        .split("## Using flowctl in CI")
        .nth(1)
        .expect("a README section \"Using flowctl in CI\"");
    let example = section
        .split("```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a workflow example");
    let parse = syntax::parse(example);
    assert!(parse.errors.is_empty(), "{:?}", parse.errors);
    let example = parse.tree.document_json().unwrap();
    let (_, ours) = yaml(".github/workflows/action.yml");
    let source = action_uses(&ours)[0]["source"].as_str().unwrap().to_owned();
    assert!(repo().join(&source).is_file(), "{source}");
    for (name, workflow) in [
        ("init's workflow", workflow),
        ("README", example),
        (".github/workflows/action.yml", ours),
    ] {
        let uses = action_uses(&workflow);
        assert_eq!(uses.len(), 1, "{name}");
        for key in uses[0].as_object().unwrap().keys() {
            assert!(inputs.contains_key(key), "{name}: no input {key}");
        }
    }
}
