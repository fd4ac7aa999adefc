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

/// The text at (`line`, `column`) of the string scalar at `pointer`.
fn char_in_scalar(loaded: &Loaded, pointer: &str, line: u32, column: u32) -> String {
    let location = loaded
        .locate_in_scalar(&Scope::new(url("flow.yaml"), pointer), line, column)
        .unwrap();
    let text = &loaded.resource(&location.resource).unwrap().text;
    let range = location.range;
    let line_start = text[..range.start as usize]
        .rfind('\n')
        .map_or(0, |at| at + 1);
    // The character, and the file line it is on (to catch off-by-one lines).
    format!(
        "{}|{}",
        &text[range.start as usize..range.end as usize],
        text[line_start..].lines().next().unwrap_or("")
    )
}

#[test]
fn positions_in_block_scalars_follow_the_yaml_indentation() {
    let loaded = load_files(&[(
        "flow.yaml",
        concat!(
            "x-plain: |\n",
            "  let a = 1;\n",
            "  throw new Error(a);\n",
            "x-indicator: |2\n",
            "      indented(); // four more spaces than the content indentation\n",
            "    throw here;\n",
            "x-blank-first: |-\n",
            "\n",
            "    first();\n",
            "    throw 'x';\n",
            "x-quoted: \"return [a];\"\n",
            "x-escaped: \"a\\tb; throw c\"\n",
        ),
    )]);
    assert_eq!(
        char_in_scalar(&loaded, "/x-plain", 1, 0),
        "t|  throw new Error(a);"
    );
    assert_eq!(
        char_in_scalar(&loaded, "/x-plain", 1, 6),
        "n|  throw new Error(a);"
    );
    // `|2`: the content indentation is 2 (the top-level key's 0 + 2), not
    // the 6 of the first line, whose four extra spaces are part of the value.
    assert_eq!(
        char_in_scalar(&loaded, "/x-indicator", 0, 4),
        "i|      indented(); // four more spaces than the content indentation"
    );
    assert_eq!(
        char_in_scalar(&loaded, "/x-indicator", 1, 2),
        "t|    throw here;"
    );
    assert_eq!(
        char_in_scalar(&loaded, "/x-blank-first", 2, 0),
        "t|    throw 'x';"
    );
    assert_eq!(
        char_in_scalar(&loaded, "/x-quoted", 0, 8),
        "a|x-quoted: \"return [a];\""
    );
    // Escapes: no exact mapping, the whole scalar.
    let location = loaded
        .locate_in_scalar(&Scope::new(url("flow.yaml"), "/x-escaped"), 0, 5)
        .unwrap();
    let text = &loaded.resource(&location.resource).unwrap().text;
    assert_eq!(
        &text[location.range.start as usize..location.range.end as usize],
        "\"a\\tb; throw c\""
    );
}

#[test]
fn a_typo_in_one_property_keeps_the_entity() {
    let loaded = load_files(&[(
        "flow.yaml",
        "collections:\n  - name: a\n    schema: {type: object}\n    key: [/k]\n    projection: {x: /x}\ntests:\n  t:\n    - ingest: {collection: a, documents: [{k: 1}]}\n      extra: 1\n",
    )]);
    assert_eq!(codes(&loaded), ["C1b", "C1b"], "{:#?}", loaded.diagnostics);
    assert_eq!(text_at(&loaded, &loaded.diagnostics[0]), "projection");
    assert_eq!(text_at(&loaded, &loaded.diagnostics[1]), "extra");
    assert_eq!(loaded.catalog.collections.len(), 1);
    assert_eq!(loaded.catalog.tests.len(), 1);
    assert_eq!(loaded.catalog.tests[0].steps.len(), 1);
}

/// Lowering moves each inline schema and test document out of the file's
/// JSON into the entity (`lower::Lowered`) instead of copying it: what the
/// entities hold is the value as written (key order, `1.0` against `1`) in
/// every slot, in both collection forms and when an unexpected property is
/// pruned; an entity that does not deserialize (a non-string lambda) is
/// judged on its JSON as written and skipped.
#[test]
fn lowering_moves_schemas_and_documents_as_written() {
    let loaded = load_files(&[(
        "flow.yaml",
        r#"collections:
  - name: a
    schema: {z: 1.0, type: object, a: [2, {b: true}]}
    key: [/k]
  - name: d
    schema: {type: object}
    key: [/k]
    extra: 1
    derivation:
      register: {schema: {type: integer, reduce: {strategy: sum}}, initial: 0}
      transform:
        t2: {source: {name: a, schema: {y: 2, x: 1}}, publish: {nodeJS: "return [];"}}
        t1: {source: {name: a, schema: false}, publish: {nodeJS: "return [];"}}
  - name: lambda
    schema: {properties: {x: {type: string}}}
    key: [/k]
    derivation:
      transform:
        t: {source: {name: a, schema: {type: object}}, publish: {nodeJS: 1}}
tests:
  t:
    - ingest: {collection: a, documents: [{k: 1, z: 2.50}, {k: 0}]}
    - verify: {collection: d, documents: [{k: 1}]}
"#,
    )]);
    let messages: Vec<&str> = loaded
        .diagnostics
        .iter()
        .map(|d| d.message.as_str())
        .collect();
    // The non-string lambda is the checks' C28a, not a C1b here.
    assert_eq!(codes(&loaded), ["C1b"], "{messages:#?}");
    assert_eq!(text_at(&loaded, &loaded.diagnostics[0]), "extra");
    fn written(value: &impl serde::Serialize) -> String {
        serde_json::to_string(value).unwrap()
    }
    let collections = &loaded.catalog.collections;
    assert_eq!(collections.len(), 2);
    assert_eq!(
        written(&collections[0].spec.schema),
        r#"{"z":1.0,"type":"object","a":[2,{"b":true}]}"#
    );
    let derivation = collections[1].spec.derivation.as_ref().unwrap();
    assert_eq!(
        written(&derivation.register.as_ref().unwrap().schema),
        r#"{"type":"integer","reduce":{"strategy":"sum"}}"#
    );
    assert_eq!(
        written(&derivation.transform["t2"].source.schema),
        r#"{"y":2,"x":1}"#
    );
    assert_eq!(written(&derivation.transform["t1"].source.schema), "false");
    let steps = &loaded.catalog.tests[0].steps;
    assert_eq!(
        written(&steps[0].documents()),
        r#"[{"k":1,"z":2.5},{"k":0}]"#
    );
    assert_eq!(written(&steps[1].documents()), r#"[{"k":1}]"#);
    // The index holds the entities' own JSON, kept as text.
    let schema = loaded
        .schemas
        .document_json(&model::catalog::inline_schema_url(
            &collections[0].scope.push("schema"),
        ))
        .unwrap();
    let model::SchemaSpec::Inline(inline) = &collections[0].spec.schema else {
        panic!("not inline");
    };
    assert!(std::sync::Arc::ptr_eq(schema, &inline.0));
    let written_as = r#"{"z":1.0,"type":"object","a":[2,{"b":true}]}"#;
    assert_eq!(inline.0.text_len(), Some(written_as.len()));
}

#[test]
fn a_block_collection_reached_through_an_alias_is_located_at_the_alias() {
    let loaded = load_files(&[(
        "flow.yaml",
        "x-docs:\n  - &doc\n    id: 1\ntests:\n  t:\n    - ingest:\n        collection: a\n        documents:\n          - *doc\n",
    )]);
    let scope = Scope::new(url("flow.yaml"), "/tests/t/0/ingest/documents/0");
    let location = loaded.locate(&scope, false).unwrap();
    let text = &loaded.resource(&location.resource).unwrap().text;
    assert_eq!(
        &text[location.range.start as usize..location.range.end as usize],
        "*doc"
    );
    let anchor = location.anchor_range.unwrap();
    assert!(
        text[anchor.start as usize..anchor.end as usize].contains("id: 1"),
        "{anchor:?}"
    );
}

#[test]
fn remote_resources_cannot_reach_local_files() {
    let mut fetch = MemoryFetch::new();
    let remote = Url::parse("https://example.com/s/flow.yaml").unwrap();
    fetch.insert(
        remote.clone(),
        "import: [file:///p/local.yaml]\ncollections:\n  - {name: a, schema: {$ref: 'file:///p/s.yaml'}, key: [/k]}\n  - {name: b, schema: ok.yaml, key: [/k]}\n",
    );
    fetch.insert(url("local.yaml"), "collections: {}\n");
    fetch.insert(url("s.yaml"), "type: object\n");
    fetch.insert(
        Url::parse("https://example.com/s/ok.yaml").unwrap(),
        "type: object\n",
    );
    let loaded = load(&remote, &fetch);
    assert_eq!(codes(&loaded), ["C2", "C2"], "{:#?}", loaded.diagnostics);
    for diagnostic in &loaded.diagnostics {
        assert!(
            diagnostic
                .message
                .contains("is a remote resource, and a remote resource cannot refer to a file URL"),
            "{diagnostic:#?}"
        );
    }
    assert_eq!(loaded.resources.len(), 2);
}

#[test]
fn files_of_the_wrong_kind_are_c2_at_the_reference_without_their_content() {
    let loaded = load_files(&[
        (
            "flow.yaml",
            "import: [notes.txt, list.yaml]\ncollections:\n  - {name: a, schema: secret.txt, key: [/k]}\n  - {name: b, schema: yes.yaml, key: [/k]}\n",
        ),
        ("notes.txt", "TOKEN=abc123\n"),
        ("list.yaml", "- 1\n- 2\n"),
        ("secret.txt", "password: \"x\" y\n"),
        ("yes.yaml", "true\n"),
    ]);
    let messages: Vec<(&str, &str)> = loaded
        .diagnostics
        .iter()
        .filter(|d| d.code == "C2")
        .map(|d| (d.code, d.message.as_str()))
        .collect();
    assert_eq!(
        messages,
        [
            (
                "C2",
                "could not load file:///p/notes.txt: it is not a catalog source (a YAML mapping): the file holds text"
            ),
            (
                "C2",
                "could not load file:///p/list.yaml: it is not a catalog source (a YAML mapping): the file holds a list"
            ),
        ][..],
        "{:#?}",
        loaded.diagnostics
    );
    assert_eq!(text_at(&loaded, &loaded.diagnostics[0]), "notes.txt");
    // `secret.txt` is a mapping with a YAML error: a (broken) schema file,
    // reported as such; `yes.yaml` is the schema `true`.
    assert_eq!(codes(&loaded), ["C2", "C2", "C1a"]);
    assert_eq!(loaded.resources.len(), 3);
}

#[test]
fn a_resource_that_failed_is_not_fetched_again() {
    struct Counting(MemoryFetch, std::cell::Cell<usize>);
    impl Fetch for Counting {
        fn fetch(&self, url: &Url) -> Result<std::sync::Arc<str>, String> {
            self.1.set(self.1.get() + 1);
            self.0.fetch(url)
        }
    }
    let mut files = MemoryFetch::new();
    let collections: String = (0..50)
        .map(|i| format!("  - {{name: c{i}, schema: {{$ref: notes.txt}}, key: [/k]}}\n"))
        .collect();
    files.insert(url("flow.yaml"), format!("collections:\n{collections}"));
    files.insert(url("notes.txt"), "just some text\n");
    let fetch = Counting(files, std::cell::Cell::new(0));
    let loaded = load(&url("flow.yaml"), &fetch);
    assert_eq!(loaded.diagnostics.len(), 50);
    assert!(loaded.diagnostics.iter().all(|d| d.code == "C2"));
    assert_eq!(fetch.1.get(), 2, "flow.yaml and notes.txt, once each");
}

#[test]
fn a_memo_keeps_the_json_of_schema_documents_only_and_loads_the_same() {
    let mut fetch = MemoryFetch::new();
    fetch.insert(
        url("flow.yaml"),
        "import: [more.flow.yaml, 7]\ncollections:\n  - {name: a, schema: s.yaml, key: [/k]}\n",
    );
    fetch.insert(
        url("more.flow.yaml"),
        "collections:\n  - {name: b, schema: {type: object}, key: [/k], extra: 1}\n",
    );
    fetch.insert(
        url("s.yaml"),
        "type: object\nproperties: {k: {type: string}}\n",
    );
    let memo = crate::Memo::new();
    let cold = load(&url("flow.yaml"), &fetch);
    for _ in 0..2 {
        let warm = crate::load_with(&url("flow.yaml"), &fetch, &memo);
        assert_eq!(warm.diagnostics, cold.diagnostics);
        assert_eq!(warm.catalog, cold.catalog);
        assert_eq!(codes(&warm), ["C1b", "C1b"], "{:#?}", warm.diagnostics);
        let json: Vec<_> = warm.resources.iter().map(|r| r.json.is_null()).collect();
        assert_eq!(json, [true, true, false], "only the schema's JSON is kept");
    }
    let stats = memo.stats();
    assert_eq!(
        (stats.parses, stats.files, stats.files_with_json),
        (3, 3, 1)
    );
    assert_eq!(
        (stats.schema_indexings, stats.schema_documents),
        (2, (2, 2)),
        "s.yaml and the inline schema, indexed once, found by value"
    );

    // An edit of the schema file and of the inline schema: each is indexed
    // again once, and the memo keeps one document per URL.
    fetch.insert(url("s.yaml"), "type: object\nrequired: [k]\n");
    fetch.insert(
        url("more.flow.yaml"),
        "collections:\n  - {name: b, schema: {type: array}, key: [/k], extra: 1}\n",
    );
    for _ in 0..2 {
        let warm = crate::load_with(&url("flow.yaml"), &fetch, &memo);
        let cold = load(&url("flow.yaml"), &fetch);
        assert_eq!(warm.diagnostics, cold.diagnostics);
        assert_eq!(warm.catalog, cold.catalog);
        let documents = |loaded: &crate::Loaded| -> Vec<(String, serde_json::Value)> {
            let documents = loaded.schemas.documents();
            documents
                .map(|(url, value)| (url.to_string(), (*value).clone()))
                .collect()
        };
        assert_eq!(documents(&warm), documents(&cold));
        memo.sweep();
    }
    let stats = memo.stats();
    assert_eq!(
        (stats.schema_indexings, stats.schema_documents),
        (4, (2, 2))
    );
}

/// What a load through a memo takes from an unchanged file is shared with
/// the previous load, not rebuilt: its import edges, its collections with
/// their schema places (URLs parsed once), its line index, and the indexed
/// schema documents (each added to the new index as one shared entry).
#[test]
fn a_warm_load_shares_the_memoised_parts_of_unchanged_files() {
    let mut fetch = MemoryFetch::new();
    fetch.insert(
        url("flow.yaml"),
        "import: [more.flow.yaml]\ncollections:\n  - {name: a, schema: s.yaml#/$defs/a, key: [/k]}\n",
    );
    fetch.insert(
        url("more.flow.yaml"),
        "collections:\n  - name: b\n    schema: {type: object, properties: {k: {$ref: s.yaml#/$defs/a}}}\n    key: [/k]\n",
    );
    fetch.insert(url("s.yaml"), "$defs:\n  a: {type: object}\n");
    let memo = crate::Memo::new();
    let first = crate::load_with(&url("flow.yaml"), &fetch, &memo);
    let second = crate::load_with(&url("flow.yaml"), &fetch, &memo);
    assert_eq!(first.diagnostics, Vec::new());
    assert_eq!(second.catalog, load(&url("flow.yaml"), &fetch).catalog);
    assert!(Arc::ptr_eq(
        &first.catalog.imports[0],
        &second.catalog.imports[0]
    ));
    for (a, b) in first
        .catalog
        .collections
        .iter()
        .zip(&second.catalog.collections)
    {
        assert!(Arc::ptr_eq(a, b), "{} is lowered once", a.name);
        let place =
            |collection: &model::Collection| Arc::clone(collection.schemas().next().unwrap().0);
        assert!(Arc::ptr_eq(&place(a), &place(b)));
    }
    for (a, b) in first.resources.iter().zip(&second.resources) {
        assert!(Arc::ptr_eq(&a.line_index, &b.line_index), "{}", a.url);
    }
    // Imports first: `b` of more.flow.yaml, then `a`.
    let schema_url = second.catalog.collections[1].schema_url_ref().unwrap();
    assert_eq!(schema_url.as_str(), "file:///p/s.yaml#/$defs/a");
    let inline = second.catalog.collections[0].schema_url().unwrap();
    assert_eq!(
        second.inline_schema(&inline).map(|scope| scope.to_string()),
        Some("file:///p/more.flow.yaml#/collections/0/schema".to_string())
    );
    let stats = memo.stats();
    assert_eq!((stats.parses, stats.schema_indexings), (3, 2));
}

/// A fetcher that counts its reads, to show that a prefetch reads each
/// file once and never what a load would not read.
struct Counting {
    files: MemoryFetch,
    reads: std::sync::Mutex<Vec<Url>>,
}

impl Fetch for Counting {
    fn fetch(&self, url: &Url) -> Result<Arc<str>, String> {
        self.reads.lock().unwrap().push(url.clone());
        self.files.fetch(url)
    }
}

#[test]
fn a_parallel_load_is_exactly_a_sequential_one_and_reads_each_file_once() {
    let files = [
        (
            "flow.yaml",
            "import: [a.yaml, b.yaml, missing.yaml, list.yaml]\n",
        ),
        (
            "a.yaml",
            "import: [c.yaml, flow.yaml]\ncollections:\n  a:\n    schema: {type: object, properties: {x: {$ref: 's.yaml#/$defs/x'}}}\n    key: [/k]\n",
        ),
        (
            "b.yaml",
            "import: [c.yaml]\ncollections:\n  b: {schema: s.yaml, key: [/k]}\n",
        ),
        (
            "c.yaml",
            "collections:\n  c: {schema: list.yaml, key: [/k]}\n",
        ),
        (
            "s.yaml",
            "$defs:\n  x: {type: integer}\n  y: {$id: 'declared.yaml', type: string}\nproperties:\n  k: {$ref: 'other.yaml#Int'}\n  y: {$ref: 'declared.yaml'}\n  r: {$ref: 'https://example.com/remote.yaml'}\n",
        ),
        ("other.yaml", "$defs: {i: {$anchor: Int, type: integer}}\n"),
        ("list.yaml", "- not a catalog\n"),
    ];
    let mut memory = MemoryFetch::new();
    for (path, text) in files {
        memory.insert(url(path), text);
    }
    let root = url("flow.yaml");
    let sequential = load(&root, &memory);
    assert!(!sequential.diagnostics.is_empty());
    for threads in [1, 2, 4] {
        let counting = Counting {
            files: memory.clone(),
            reads: Default::default(),
        };
        let parallel = load_parallel(&root, &counting, threads);
        assert_eq!(
            sequential.summary(),
            parallel.summary(),
            "{threads} threads"
        );
        let mut reads = counting.reads.into_inner().unwrap();
        reads.sort();
        let read = reads.len();
        reads.dedup();
        // `list.yaml` is refused as a catalog and then read again as a
        // schema, as a sequential load does.
        assert_eq!(read, reads.len() + 1, "{threads} threads: {reads:?}");
        assert!(!reads.contains(&url("declared.yaml")), "{reads:?}");
    }
}

/// A fetcher that fails hard on one URL.
struct Panicking(MemoryFetch);

impl Fetch for Panicking {
    fn fetch(&self, url: &Url) -> Result<Arc<str>, String> {
        assert!(!url.path().ends_with("boom.yaml"), "the fetcher broke");
        self.0.fetch(url)
    }
}

#[test]
fn a_panic_while_prefetching_reaches_the_caller_instead_of_hanging_the_others() {
    let mut files = MemoryFetch::new();
    files.insert(url("flow.yaml"), "import: [a.yaml, boom.yaml, b.yaml]\n");
    files.insert(url("a.yaml"), "import: [b.yaml]\n");
    files.insert(url("b.yaml"), "collections: {}\n");
    let fetch = Panicking(files);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        load_parallel(&url("flow.yaml"), &fetch, 3)
    }));
    assert!(outcome.is_err());
}

#[test]
fn an_edited_file_keeps_the_entities_it_did_not_change() {
    let before = "collections:
  - {name: a, schema: {type: object, properties: {k: {type: string}}}, key: [/k]}
  - {name: b, schema: {type: object}, key: [/k]}
  - {name: c, schema: {type: object, properties: {k: {type: string}}}, key: [/k]}
tests:
  t1: [{ingest: {collection: a, documents: [{k: x, n: 1}]}}]
  t2: [{ingest: {collection: a, documents: [{k: x, n: 1}]}}]
  t3: [{ingest: {collection: a, documents: [{k: x, n: 1}]}}]
";
    // `b` renamed; `c`'s schema and `t2`'s document only reordered and
    // `t3`'s number written as a float: `==` of JSON values says they are
    // equal, but a cold load reports them as written.
    let after = "collections:
  - {name: a, schema: {type: object, properties: {k: {type: string}}}, key: [/k]}
  - {name: bx, schema: {type: object}, key: [/k]}
  - {name: c, schema: {properties: {k: {type: string}}, type: object}, key: [/k]}
tests:
  t1: [{ingest: {collection: a, documents: [{k: x, n: 1}]}}]
  t2: [{ingest: {collection: a, documents: [{n: 1, k: x}]}}]
  t3: [{ingest: {collection: a, documents: [{k: x, n: 1.0}]}}]
";
    let memo = crate::Memo::new();
    let mut fetch = MemoryFetch::new();
    fetch.insert(url("flow.yaml"), before);
    let first = crate::load_with(&url("flow.yaml"), &fetch, &memo);
    assert_eq!(first.diagnostics, Vec::new());
    fetch.insert(url("flow.yaml"), after);
    let second = crate::load_with(&url("flow.yaml"), &fetch, &memo);
    assert_eq!(second.summary(), load(&url("flow.yaml"), &fetch).summary());
    let collections = &first.catalog.collections;
    let kept: Vec<bool> = collections
        .iter()
        .zip(&second.catalog.collections)
        .map(|(a, b)| Arc::ptr_eq(a, b))
        .collect();
    assert_eq!(kept, [true, false, false]);
    let tests = &first.catalog.tests;
    let kept: Vec<bool> = tests
        .iter()
        .zip(&second.catalog.tests)
        .map(|(a, b)| Arc::ptr_eq(a, b))
        .collect();
    assert_eq!(kept, [true, false, false]);
    // Only `c`'s reordered inline schema is indexed again.
    let stats = memo.stats();
    assert_eq!((stats.parses, stats.schema_indexings), (2, 4));
    // Back to the first text: its entities equal the second's where
    // unchanged, so `a` and `t1` are still the first load's.
    fetch.insert(url("flow.yaml"), before);
    let third = crate::load_with(&url("flow.yaml"), &fetch, &memo);
    assert_eq!(third.summary(), first.summary());
    assert!(Arc::ptr_eq(&third.catalog.collections[0], &collections[0]));
    assert!(Arc::ptr_eq(&third.catalog.tests[0], &tests[0]));
}

/// A prefetch indexes a file's inline schemas from the values lowering
/// compacted (held meanwhile), without parsing their text back, and keeps
/// none of them once the file is done.
#[test]
fn a_prefetch_indexes_inline_schemas_without_parsing_them_again() {
    let mut fetch = MemoryFetch::new();
    fetch.insert(
        url("flow.yaml"),
        "collections:\n  a:\n    schema: {type: object, properties: {k: {type: string}, r: {$ref: 's.yaml'}}}\n    key: [/k]\n  b:\n    schema: {type: object, properties: {k: {type: integer}}}\n    key: [/k]\n",
    );
    fetch.insert(url("s.yaml"), "type: string\n");
    let memo = Memo::new();
    let before = model::compact::parses_on_this_thread();
    // One thread: the calling one does all the work.
    let prefetched = prefetch(&[url("flow.yaml")], &fetch, &memo, 1);
    assert_eq!(model::compact::parses_on_this_thread(), before);
    assert_eq!(memo.stats().schema_indexings, 3, "{:?}", memo.stats());
    let loaded = load_with(&url("flow.yaml"), &prefetched, &memo);
    assert!(loaded.diagnostics.is_empty(), "{:?}", loaded.diagnostics);
    assert_eq!(model::compact::parses_on_this_thread(), before);
    for collection in &loaded.catalog.collections {
        let model::SchemaSpec::Inline(inline) = &collection.spec.schema else {
            panic!("inline schema expected");
        };
        assert!(!inline.0.holds_value(), "no value kept after the load");
    }
    assert_eq!(loaded.summary(), load(&url("flow.yaml"), &fetch).summary());
}
