//! The dev container (`.devcontainer/`, which `flowctl init` also writes): its
//! files parse (devcontainer.json as JSON with comments, docker-compose.yml as
//! YAML), every path they name exists, the database is PostgreSQL 15 at the
//! URI the corpus' `testDB` target uses, and the extension the Dockerfile
//! packages is the one devcontainer.json installs. No Docker runs here.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// JSON with comments (devcontainer.json's format) without its `//` and
/// `/* */` comments; strings are kept as they are.
fn strip_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' => {
                out.push(c);
                while let Some(c) = chars.next() {
                    out.push(c);
                    match c {
                        '\\' => out.extend(chars.next()),
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                out.push(' ');
            }
            c => out.push(c),
        }
    }
    out
}

/// A YAML file as JSON, failing on any syntax error.
fn yaml(path: &Path) -> Value {
    let parse = syntax::parse(read(path));
    assert!(
        parse.errors.is_empty(),
        "{}: {:?}",
        path.display(),
        parse.errors
    );
    parse.tree.document_json().unwrap()
}

#[test]
fn comments_are_stripped_but_not_from_strings() {
    let text = "{\n  // a comment\n  \"a\": \"http://x/*y*/\", /* b */ \"c\": 1\n}";
    let value: Value = serde_json::from_str(&strip_comments(text)).unwrap();
    assert_eq!(value, serde_json::json!({"a": "http://x/*y*/", "c": 1}));
}

#[test]
fn the_dev_container_parses_and_names_only_existing_paths() {
    let dir = root().join(".devcontainer");
    let config: Value =
        serde_json::from_str(&strip_comments(&read(&dir.join("devcontainer.json"))))
            .expect("devcontainer.json is JSON with comments");

    // Compose: the file, its service, the build context and Dockerfile.
    let compose_path = dir.join(config["dockerComposeFile"].as_str().unwrap());
    let compose = yaml(&compose_path);
    let service = config["service"].as_str().unwrap();
    let app = &compose["services"][service];
    assert!(
        app.is_object(),
        "no service {service} in docker-compose.yml"
    );
    let context = dir.join(app["build"]["context"].as_str().unwrap());
    assert!(context.is_dir(), "{}", context.display());
    let context = context.canonicalize().unwrap();
    assert_eq!(context, root(), "the build context is the workspace");
    let dockerfile = context.join(app["build"]["dockerfile"].as_str().unwrap());
    assert!(dockerfile.is_file(), "{}", dockerfile.display());
    // BuildKit reads the ignore file beside the Dockerfile, by this name.
    assert!(dir.join("Dockerfile.dockerignore").is_file());

    // postCreateCommand runs a script of the workspace, which tests the example.
    let post_create = config["postCreateCommand"].as_str().unwrap();
    let script = post_create.strip_prefix("sh ").unwrap();
    let script = read(&root().join(script));
    assert!(
        script.contains("flowctl test --source \"$catalog\""),
        "{script}"
    );
    assert!(script.contains("catalog=fixtures/greenhouse/flow.yaml"));
    assert!(root().join("fixtures/greenhouse/flow.yaml").is_file());

    // The Dockerfile builds flowctl and the extension from these paths of the
    // sources (copied to /src), and puts the .vsix where devcontainer.json
    // installs it from.
    let dockerfile = read(&dockerfile);
    assert!(dockerfile.contains("cargo install --locked --path /src/server/cli"));
    assert!(root().join("server/cli/Cargo.toml").is_file());
    assert!(dockerfile.contains("COPY --from=sources /src/vscode-extension /extension"));
    assert!(root().join("vscode-extension").is_dir());
    let package_json = root().join("vscode-extension/package.json");
    if package_json.is_file() {
        let package: Value = serde_json::from_str(&read(&package_json)).unwrap();
        let script = package["scripts"]["package"].as_str().unwrap_or_default();
        assert!(
            script.contains("flowctl.vsix"),
            "`npm run package` must write flowctl.vsix: {script}"
        );
    }
    let extensions = config["customizations"]["vscode"]["extensions"]
        .as_array()
        .unwrap();
    let vsix = extensions[0].as_str().unwrap();
    assert!(
        dockerfile.contains(&format!("/extension/flowctl.vsix {vsix}\n")),
        "the Dockerfile does not put the extension at {vsix}"
    );

    // Ports: PostgreSQL and `flowctl develop`.
    let ports: Vec<u64> = config["forwardPorts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_u64)
        .collect();
    assert_eq!(ports, [5432, 8080]);
}

#[test]
fn the_database_is_postgres_15_at_the_corpus_uri() {
    let compose = yaml(&root().join(".devcontainer/docker-compose.yml"));
    let db = &compose["services"]["db"];
    assert_eq!(db["image"], "postgres:15");
    for variable in ["POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"] {
        assert_eq!(db["environment"][variable], "flow", "{variable}");
    }
    let check = db["healthcheck"]["test"].to_string();
    assert!(check.contains("pg_isready"), "{check}");
    // localhost inside the dev container is the database's network.
    let app = &compose["services"]["app"];
    assert_eq!(app["network_mode"], "service:db");
    assert_eq!(
        app["depends_on"]["db"]["condition"], "service_healthy",
        "the container starts once PostgreSQL answers"
    );
    let corpus = yaml(&test_utils::corpus::corpus_dir().join("flow.yaml"));
    let uri = &corpus["materializationTargets"]["testDB"]["postgres"]["uri"];
    assert_eq!(&app["environment"]["DATABASE_URL"], uri);
    // And the example catalog of `flowctl init` materializes there.
    let example = yaml(&root().join("server/cli/templates/flow.yaml"));
    assert_eq!(
        &example["materializationTargets"]["localDB"]["postgres"]["uri"],
        uri
    );
}
