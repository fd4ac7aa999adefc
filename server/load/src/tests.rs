//! Loader tests over in-memory catalogs, and the conformance corpus from disk.

use super::*;

fn url(path: &str) -> Url {
    Url::parse(&format!("file:///p/{path}")).unwrap()
}

fn load_files(files: &[(&str, &str)]) -> Loaded {
    let mut fetch = MemoryFetch::new();
    for (path, text) in files {
        fetch.insert(url(path), *text);
    }
    load(&url(files[0].0), &fetch)
}

fn codes(loaded: &Loaded) -> Vec<&'static str> {
    loaded
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostic.code)
        .collect()
}

fn text_at<'l>(loaded: &'l Loaded, diagnostic: &Diagnostic) -> &'l str {
    let location = loaded.locate(&diagnostic.scope, diagnostic.at_key).unwrap();
    let location_range = diagnostic.range.unwrap_or(location.range);
    let resource = loaded.resource(&location.resource).unwrap();
    &resource.text[location_range.start as usize..location_range.end as usize]
}

#[test]
fn imports_depth_first_and_diamonds_load_once() {
    let loaded = load_files(&[
        ("flow.yaml", "import: [a.yaml, b.yaml]\n"),
        (
            "a.yaml",
            "import: [c.yaml]\ncollections:\n  - {name: a, schema: {type: object}, key: [/k]}\n",
        ),
        ("b.yaml", "import: [c.yaml]\n"),
        ("c.yaml", "collections:\n  c: {schema: s.yaml, key: [/k]}\n"),
        (
            "s.yaml",
            "type: object\nproperties: {k: {$ref: 'other.yaml#Int'}}\n",
        ),
        ("other.yaml", "$defs: {i: {$anchor: Int, type: integer}}\n"),
    ]);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    let names: Vec<&str> = loaded
        .catalog
        .collections
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["c", "a"]);
    assert_eq!(loaded.catalog.imports.len(), 4);
    assert!(loaded.schemas.document(&url("other.yaml")).is_some());
    assert_eq!(loaded.catalog.resources.len(), 6);
}

#[test]
fn import_cycles_are_c4() {
    let loaded = load_files(&[
        ("flow.yaml", "import: [a.yaml, flow.yaml]\n"),
        ("a.yaml", "import: [b.yaml]\n"),
        ("b.yaml", "import: [a.yaml]\n"),
    ]);
    assert_eq!(codes(&loaded), ["C4", "C4"]);
    assert_eq!(text_at(&loaded, &loaded.diagnostics[0]), "a.yaml");
    assert_eq!(loaded.diagnostics[0].scope.resource, url("b.yaml"));
}

#[test]
fn long_import_cycles_are_c4() {
    let mut files: Vec<(String, String)> = (0..50)
        .map(|i| {
            (
                format!("f{i}.yaml"),
                format!("import: [f{}.yaml]\n", (i + 1) % 50),
            )
        })
        .collect();
    files[0].0 = "f0.yaml".to_string();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let loaded = load_files(&refs);
    assert_eq!(codes(&loaded), ["C4"]);
}

#[test]
fn missing_files_and_kind_conflicts() {
    let loaded = load_files(&[
        (
            "flow.yaml",
            "import: [missing.yaml, s.yaml]\ncollections:\n  - {name: a, schema: flow.yaml, key: [/k]}\n",
        ),
        ("s.yaml", "type: object\n"),
    ]);
    // s.yaml is imported as a catalog source (C1b: `type` is no catalog
    // property), flow.yaml is then used as a schema (C3).
    assert_eq!(codes(&loaded), ["C2", "C1b", "C3"]);
    assert_eq!(text_at(&loaded, &loaded.diagnostics[0]), "missing.yaml");
    assert!(
        loaded.diagnostics[2]
            .message
            .contains("already loaded as a catalog source")
    );
}

#[test]
fn syntax_and_structure_errors_have_exact_ranges() {
    let loaded = load_files(&[(
        "flow.yaml",
        "collections:\n  - name: a\n    schema: {type: object}\n    key: [/k]\n    derivaton: {}\n  - name: b\n    key: [/k]\n",
    )]);
    assert_eq!(codes(&loaded), ["C1b", "C1b"]);
    assert_eq!(text_at(&loaded, &loaded.diagnostics[0]), "derivaton");
    assert_eq!(text_at(&loaded, &loaded.diagnostics[1]), "name");
    assert!(
        loaded.diagnostics[1]
            .message
            .contains("missing required property \"schema\"")
    );
    let broken = load_files(&[("flow.yaml", "a: [1\n")]);
    assert_eq!(codes(&broken), ["C1a"]);
    assert!(broken.diagnostics[0].message.contains("YAML error at line"));
}

#[test]
fn inline_schema_scopes_map_to_the_catalog_file() {
    let loaded = load_files(&[(
        "flow.yaml",
        "collections:\n  - name: a\n    schema:\n      type: object\n      properties:\n        k: {type: string}\n    key: [/k]\n",
    )]);
    assert!(loaded.diagnostics.is_empty());
    let inline =
        model::catalog::inline_schema_url(&Scope::new(url("flow.yaml"), "/collections/0/schema"));
    assert_eq!(
        inline.as_str(),
        "file:///p/flow.yaml?ptr=/collections/0/schema"
    );
    let scope = Scope::new(inline, "/properties/k");
    let location = loaded.locate(&scope, true).unwrap();
    let resource = loaded.resource(&location.resource).unwrap();
    assert_eq!(
        &resource.text[location.range.start as usize..location.range.end as usize],
        "k"
    );
}

#[test]
fn the_corpus_loads_cleanly() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/corpus/estuary-docs/");
    let corpus = corpus.canonicalize().unwrap();
    let fetch = DiskFetch::new(
        vec![UrlMapping {
            prefix: "https://raw.githubusercontent.com/estuary/docs/developer-docs/".to_string(),
            dir: corpus.clone(),
        }],
        true,
    );
    let root = Url::from_file_path(corpus.join("flow.yaml")).unwrap();
    let loaded = load(&root, &fetch);
    assert!(loaded.diagnostics.is_empty(), "{:#?}", loaded.diagnostics);
    assert_eq!(loaded.catalog.collections.len(), 37);
    assert_eq!(loaded.catalog.tests.len(), 29);
    assert!(loaded.resource(&Url::parse("https://raw.githubusercontent.com/estuary/docs/developer-docs/examples/citi-bike/ride.schema.yaml").unwrap()).is_some());
}
