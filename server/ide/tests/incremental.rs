//! Incremental rebuilds (issue #8 item 3): a build through the shared caches
//! of earlier revisions (`load::Memo`, `check::Memo`) reports exactly what a
//! cold build of the same texts reports, after every edit of a script that
//! breaks YAML, renames a collection, changes a schema file, removes an
//! import, inserts a collection (shifting every positional inline-schema
//! URL after it) and creates a file a `$ref` named; and after an edit of
//! one file, the other files' schemas are not inferred, compiled or checked
//! again (counted, never timed).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use ide::{Analysis, AnalysisHost, Cancellation, build};
use test_utils::fixture::MultiFile;
use url::Url;

/// Open texts over a host whose caches live through every edit.
struct Session {
    host: AnalysisHost,
    open: BTreeMap<Url, Arc<str>>,
    catalogs: Vec<Url>,
}

impl Session {
    fn new(catalogs: Vec<Url>) -> Session {
        let mut host = AnalysisHost::default();
        host.set_catalog_files(catalogs.clone());
        Session {
            host,
            open: BTreeMap::new(),
            catalogs,
        }
    }

    /// A session over a multi-file fixture, every file of it open.
    fn open_fixture(fixture: &str) -> Session {
        let fixture = MultiFile::parse(fixture);
        let catalogs = fixture
            .files
            .iter()
            .map(|(path, _)| MultiFile::url(path))
            .filter(ide::workspace::is_catalog_name)
            .collect();
        let mut session = Session::new(catalogs);
        for (path, text) in &fixture.files {
            session.set(&MultiFile::url(path), text);
        }
        session
    }

    fn set(&mut self, url: &Url, text: &str) {
        let text: Arc<str> = Arc::from(text);
        self.open.insert(url.clone(), Arc::clone(&text));
        self.host.set_open_text(url, Some(text));
    }

    fn text(&self, url: &Url) -> String {
        self.open[url].to_string()
    }

    /// Replaces the first `from` in an open file.
    fn replace(&mut self, url: &Url, from: &str, to: &str) {
        let text = self.text(url);
        assert!(text.contains(from), "{from:?} is in {url}");
        self.set(url, &text.replacen(from, to, 1));
    }

    fn warm(&self) -> Analysis {
        build(&self.host.inputs(), &Cancellation::never()).expect("nothing cancels it")
    }

    /// The same texts through a host with empty caches.
    fn cold(&self) -> Analysis {
        let mut host = AnalysisHost::default();
        host.set_catalog_files(self.catalogs.clone());
        for (url, text) in &self.open {
            host.set_open_text(url, Some(Arc::clone(text)));
        }
        build(&host.inputs(), &Cancellation::never()).expect("nothing cancels it")
    }

    /// Builds warm and cold and asserts they agree; returns the warm one.
    fn assert_warm_equals_cold(&self, step: &str) -> Analysis {
        let warm = self.warm();
        let cold = self.cold();
        assert_eq!(
            raw_diagnostics(&warm),
            raw_diagnostics(&cold),
            "diagnostics (codes, scopes, messages, order) after {step}"
        );
        assert_eq!(
            warm.diagnostics(),
            cold.diagnostics(),
            "diagnostics per file with ranges after {step}"
        );
        warm
    }
}

/// Every root's loader and check diagnostics, in the order reported.
fn raw_diagnostics(analysis: &Analysis) -> Vec<(Url, Vec<model::Diagnostic>)> {
    analysis
        .roots()
        .iter()
        .map(|build| {
            let mut all = build.loaded.diagnostics.clone();
            all.extend(build.diagnostics.iter().cloned());
            (build.root.clone(), all)
        })
        .collect()
}

fn codes(analysis: &Analysis) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = analysis
        .diagnostics()
        .values()
        .flatten()
        .map(|diagnostic| diagnostic.code)
        .collect();
    codes.sort();
    codes
}

const OBSERVATORY: &str = r#"
#- /flow.yaml
import:
  - telescopes.flow.yaml
  - sightings.flow.yaml
#- /telescopes.flow.yaml
collections:
  - name: observatory/telescopes
    schema:
      description: "A telescope of the observatory."
      type: object
      properties:
        id: { type: string }
        aperture: { type: number, minimum: 0 }
        site: { type: string }
      required: [id]
    key: [/id]
  - name: observatory/mirrors
    schema: mirror.schema.yaml
    key: [/serial]
#- /sightings.flow.yaml
import:
  - telescopes.flow.yaml
collections:
  - name: observatory/sightings
    schema: sighting.schema.yaml#/$defs/sighting
    key: [/telescope, /at]
  - name: observatory/nightly
    schema:
      type: object
      properties:
        telescope: { type: string }
        count: { type: integer, reduce: { strategy: sum } }
      required: [telescope]
      reduce: { strategy: merge }
    key: [/telescope]
    derivation:
      register:
        schema: { type: integer }
        initial: 0
      transform:
        fromSightings:
          source: { name: observatory/sightings }
          publish:
            nodeJS: "return [{ telescope: source.telescope, count: 1 }];"
tests:
  observatory/test-nightly:
    - ingest:
        collection: observatory/sightings
        documents: [{ telescope: t1, at: "2026-01-01T00:00:00Z", magnitude: 3 }]
    - verify:
        collection: observatory/nightly
        documents: [{ telescope: t1, count: 1 }]
#- /mirror.schema.yaml
type: object
properties:
  serial: { type: string }
  coating: { type: string, enum: [silver, aluminium] }
required: [serial]
#- /sighting.schema.yaml
$defs:
  sighting:
    type: object
    properties:
      telescope: { type: string }
      at: { type: string, format: date-time }
      magnitude: { type: number }
    required: [telescope, at]
"#;

#[test]
fn warm_builds_equal_cold_builds_through_an_edit_script() {
    let mut session = Session::open_fixture(OBSERVATORY);
    let url = MultiFile::url;
    let (flow, telescopes, sightings) = (
        url("/flow.yaml"),
        url("/telescopes.flow.yaml"),
        url("/sightings.flow.yaml"),
    );
    let (mirror, sighting, lenses) = (
        url("/mirror.schema.yaml"),
        url("/sighting.schema.yaml"),
        url("/lens.schema.yaml"),
    );

    let start = session.assert_warm_equals_cold("the first build");
    assert_eq!(codes(&start), Vec::<&str>::new(), "the fixture is clean");

    session.replace(&telescopes, "A telescope of", "One telescope of");
    session.assert_warm_equals_cold("a description edit");

    session.replace(
        &telescopes,
        "aperture: { type: number",
        "aperture: { type: [number",
    );
    let broken = session.assert_warm_equals_cold("breaking the YAML");
    assert!(codes(&broken).contains(&"C1a"));

    session.replace(
        &telescopes,
        "aperture: { type: [number",
        "aperture: { type: number",
    );
    session.assert_warm_equals_cold("fixing the YAML");

    session.replace(
        &sightings,
        "  - name: observatory/sightings",
        "  - name: observatory/sighting",
    );
    let renamed = session.assert_warm_equals_cold("renaming a collection");
    assert!(codes(&renamed).contains(&"C12"));
    session.replace(
        &sightings,
        "  - name: observatory/sighting",
        "  - name: observatory/sightings",
    );
    session.assert_warm_equals_cold("renaming it back");

    // A schema file changes: the key location is no longer required (C10).
    session.replace(
        &sighting,
        "required: [telescope, at]",
        "required: [telescope]",
    );
    let schema_changed = session.assert_warm_equals_cold("changing a schema file");
    assert!(
        codes(&schema_changed)
            .iter()
            .any(|code| code.starts_with("C10")),
        "{:?}",
        codes(&schema_changed)
    );
    session.replace(
        &sighting,
        "required: [telescope]",
        "required: [telescope, at]",
    );
    session.assert_warm_equals_cold("restoring the schema file");

    // A keyword typo in a schema file (C9), then fixed.
    session.replace(
        &mirror,
        "serial: { type: string }",
        "serial: { type: strnig }",
    );
    let typo = session.assert_warm_equals_cold("a schema keyword typo");
    assert!(codes(&typo).contains(&"C9"));
    session.replace(
        &mirror,
        "serial: { type: strnig }",
        "serial: { type: string }",
    );
    session.assert_warm_equals_cold("fixing the typo");

    // Inserting a collection first shifts every inline schema's URL.
    session.replace(
        &telescopes,
        "collections:\n",
        "collections:\n  - name: observatory/domes\n    schema:\n      type: object\n      properties:\n        id: { type: string }\n        aperture: { type: strnig }\n      required: [id]\n    key: [/id]\n",
    );
    let inserted = session.assert_warm_equals_cold("inserting a collection first");
    assert!(codes(&inserted).contains(&"C9"));
    session.replace(
        &telescopes,
        "aperture: { type: strnig }",
        "aperture: { type: number }",
    );
    session.assert_warm_equals_cold("fixing the inserted collection");

    // Removing an import: the imported file becomes a root of its own.
    session.replace(&flow, "  - telescopes.flow.yaml\n", "");
    session.replace(&sightings, "import:\n  - telescopes.flow.yaml\n", "");
    let unimported = session.assert_warm_equals_cold("removing imports");
    assert_eq!(unimported.roots().len(), 2, "the unimported file is a root");
    session.replace(&flow, "import:\n", "import:\n  - telescopes.flow.yaml\n");
    session.replace(
        &sightings,
        "collections:\n",
        "import:\n  - telescopes.flow.yaml\ncollections:\n",
    );
    session.assert_warm_equals_cold("restoring the imports");

    // A `$ref` to a file that does not exist yet (C2), then created.
    session.replace(
        &mirror,
        "coating: { type: string, enum: [silver, aluminium] }",
        "coating: { type: string, enum: [silver, aluminium] }\n  lens: { $ref: lens.schema.yaml }",
    );
    let dangling = session.assert_warm_equals_cold("a $ref to a missing file");
    assert!(codes(&dangling).contains(&"C2"));
    session.set(
        &lenses,
        "type: object\nproperties:\n  focal: { type: number }\n",
    );
    let created = session.assert_warm_equals_cold("creating the referenced file");
    assert_eq!(
        codes(&created),
        Vec::<&str>::new(),
        "{:?}",
        created.diagnostics()
    );

    // A lambda body that is not a string (C28a, memoised per file's tree),
    // then one with a syntax error (C29, memoised per kind and body), in
    // another file that did not change meanwhile.
    let publish = "nodeJS: \"return [{ telescope: source.telescope, count: 1 }];\"";
    session.replace(&sightings, publish, "nodeJS: { body: 1 }");
    let not_a_string = session.assert_warm_equals_cold("a lambda body that is not a string");
    assert!(codes(&not_a_string).contains(&"C28a"));
    session.replace(&telescopes, "One telescope of", "A telescope of");
    session.assert_warm_equals_cold("an edit of another file");
    session.replace(
        &sightings,
        "nodeJS: { body: 1 }",
        "nodeJS: \"return [{ telescope: source.telescope, count: 1 ];\"",
    );
    let syntax = session.assert_warm_equals_cold("a lambda syntax error");
    assert!(codes(&syntax).contains(&"C29"), "{:?}", codes(&syntax));
    session.replace(
        &sightings,
        "nodeJS: \"return [{ telescope: source.telescope, count: 1 ];\"",
        publish,
    );
    session.assert_warm_equals_cold("fixing the lambda");

    // A catalog file used as a schema too (C3): its JSON, which the load
    // memo drops once it was read as a catalog source, is rebuilt.
    session.replace(
        &sightings,
        "schema: sighting.schema.yaml#/$defs/sighting",
        "schema: telescopes.flow.yaml",
    );
    let both = session.assert_warm_equals_cold("a catalog file used as a schema");
    assert!(codes(&both).contains(&"C3"), "{:?}", codes(&both));
    session.replace(&telescopes, "A telescope of", "One telescope of");
    session.assert_warm_equals_cold("an edit of the file used both ways");
}

const ACME: &str = r#"
#- /flow.yaml
import:
  - orders.flow.yaml
  - totals.flow.yaml
  - copies.flow.yaml
#- /orders.flow.yaml
collections:
  - name: acme/orders
    schema: order.schema.yaml
    key: [/id]
  - name: acme/items
    schema: order.schema.yaml
    key: [/id]
    projections:
      item: /id
#- /totals.flow.yaml
import:
  - orders.flow.yaml
collections:
  - name: acme/totals
    schema:
      type: object
      properties:
        customer: { type: string }
        total: { type: integer, reduce: { strategy: sum } }
      required: [customer]
      reduce: { strategy: merge }
    key: [/customer]
    derivation:
      transform:
        fromOrders:
          source: { name: acme/orders }
          shuffle: [/customer]
          publish:
            nodeJS: "return [{ customer: source.customer, total: source.qty }];"
tests:
  acme/test-totals:
    - ingest:
        collection: acme/orders
        documents: [{ id: "1", customer: c, qty: 2 }]
    - verify:
        collection: acme/totals
        documents: [{ customer: c, total: 2 }]
#- /copies.flow.yaml
import:
  - orders.flow.yaml
collections:
  - name: acme/copies
    schema: order.schema.yaml
    key: [/id]
    derivation:
      transform:
        fromItems:
          source: { name: acme/items }
          publish: { nodeJS: "return [source];" }
#- /order.schema.yaml
type: object
properties:
  id: { type: string }
  customer: { type: string }
  qty: { type: integer }
required: [id, customer, qty]
"#;

/// `check::MemoStats::units_run` and `units_replayed` since `before`.
fn units_since(session: &Session, before: check::MemoStats) -> (usize, usize) {
    let now = session.host.inputs().caches.check.stats();
    (
        now.units_run - before.units_run,
        now.units_replayed - before.units_replayed,
    )
}

/// Edits whose effect crosses files, for the per-entity check results
/// (`check::units`): each entity's checks replay only while everything they
/// read outside the entity (names, visibility, schema documents, which
/// unit first reported a shared schema's problem) is unchanged, so every
/// step equals a cold build; and a rename reruns only the units that read
/// the renamed file.
#[test]
fn entity_checks_replay_only_while_what_they_read_holds() {
    let mut session = Session::open_fixture(ACME);
    let url = MultiFile::url;
    let (orders, totals, copies, schema) = (
        url("/orders.flow.yaml"),
        url("/totals.flow.yaml"),
        url("/copies.flow.yaml"),
        url("/order.schema.yaml"),
    );
    let start = session.assert_warm_equals_cold("the first build");
    assert_eq!(
        codes(&start),
        Vec::<&str>::new(),
        "{:?}",
        start.diagnostics()
    );

    // A rename makes a source and a test step unresolved in another file.
    let before = session.host.inputs().caches.check.stats();
    session.replace(&orders, "name: acme/orders", "name: acme/order");
    let renamed = session.assert_warm_equals_cold("renaming a collection");
    assert_eq!(codes(&renamed), ["C12", "C12"]);
    // The renamed collection's unit and the two that read it (a derivation
    // and a test) run; the edited file's other collection is kept by the
    // load (its collection and projection units replay), and so does the
    // derivation that reads it and every other collection's unit.
    assert_eq!(units_since(&session, before), (3, 5));
    let before = session.host.inputs().caches.check.stats();
    session.replace(&orders, "name: acme/order", "name: acme/orders");
    let back = session.assert_warm_equals_cold("renaming it back");
    assert_eq!(codes(&back), Vec::<&str>::new());
    assert_eq!(units_since(&session, before), (3, 5));
    let before = session.host.inputs().caches.check.stats();
    session.assert_warm_equals_cold("nothing changed");
    assert_eq!(units_since(&session, before), (0, 8), "everything replays");

    // Moving a collection between files, after its reader in a list (C14),
    // then before it, then back.
    let items = "  - name: acme/items\n    schema: order.schema.yaml\n    key: [/id]\n    projections:\n      item: /id\n";
    session.replace(&orders, items, "");
    let text = session.text(&copies);
    session.set(&copies, &format!("{text}{items}"));
    let later = session.assert_warm_equals_cold("moving a collection after its reader");
    assert_eq!(codes(&later), ["C14"]);
    session.replace(&copies, items, "");
    session.replace(&copies, "collections:\n", &format!("collections:\n{items}"));
    let earlier = session.assert_warm_equals_cold("moving it before its reader");
    assert_eq!(codes(&earlier), Vec::<&str>::new());
    session.replace(&copies, items, "");
    let text = session.text(&orders);
    session.set(&orders, &format!("{text}{items}"));
    session.assert_warm_equals_cold("moving it back");

    // An import removed: the derivation and the test cannot see the
    // collection (C13).
    session.replace(&totals, "import:\n  - orders.flow.yaml\n", "");
    let unimported = session.assert_warm_equals_cold("removing an import");
    assert_eq!(codes(&unimported), ["C13", "C13"]);
    session.replace(
        &totals,
        "collections:\n",
        "import:\n  - orders.flow.yaml\ncollections:\n",
    );
    session.assert_warm_equals_cold("restoring the import");

    // A schema file edit changes the key's type in every file using it.
    session.replace(&schema, "id: { type: string }", "id: { type: object }");
    let object_key = session.assert_warm_equals_cold("a key that is an object");
    assert_eq!(codes(&object_key), ["C10e", "C10e", "C10e", "C32d"]);
    session.replace(&schema, "id: { type: object }", "id: { type: string }");
    session.assert_warm_equals_cold("restoring the key's type");

    // A duplicate name, defined in a file loaded after the first (C5c),
    // then removed.
    session.replace(
        &copies,
        "collections:\n",
        "collections:\n  - name: acme/orders\n    schema: order.schema.yaml\n    key: [/id]\n",
    );
    let duplicate = session.assert_warm_equals_cold("a duplicate name");
    assert_eq!(codes(&duplicate), ["C5c"]);
    session.replace(
        &copies,
        "  - name: acme/orders\n    schema: order.schema.yaml\n    key: [/id]\n",
        "",
    );
    session.assert_warm_equals_cold("the duplicate removed");

    // Inserting a collection first in a list-form file shifts every
    // positional scope after it.
    session.replace(
        &orders,
        "collections:\n",
        "collections:\n  - name: acme/first\n    schema:\n      type: object\n      properties:\n        id: { type: strnig }\n      required: [id]\n    key: [/id]\n",
    );
    let inserted = session.assert_warm_equals_cold("inserting a collection first");
    assert_eq!(codes(&inserted), ["C9"]);
    session.replace(&orders, "id: { type: strnig }", "id: { type: string }");
    session.assert_warm_equals_cold("fixing the inserted collection");

    // A shared schema's problems are reported once, by its first user.
    session.replace(
        &schema,
        "qty: { type: integer }",
        "qty: { type: integr }\n  total: { type: integer, reduce: { strategy: sum } }",
    );
    let typo = session.assert_warm_equals_cold("a shared schema with a problem");
    assert_eq!(codes(&typo), ["C9"]);
    session.replace(&schema, "qty: { type: integr }", "qty: { type: integer }");
    let inspected = session.assert_warm_equals_cold("a shared schema with a C8 problem");
    assert_eq!(codes(&inspected), ["C8b"]);
    // Both users in the first file leave it: the derivation in an unchanged
    // file becomes the first user and reports the problem; then they are
    // back, and it no longer does.
    let shared = session.text(&orders);
    let inline =
        "    schema: { type: object, properties: { id: { type: string } }, required: [id] }\n";
    session.set(
        &orders,
        &shared.replace("    schema: order.schema.yaml\n", inline),
    );
    let moved = session.assert_warm_equals_cold("the first users leave the shared schema");
    assert_eq!(codes(&moved), ["C10a", "C8b"]);
    session.set(&orders, &shared);
    session.assert_warm_equals_cold("the first users are back");
    session.replace(
        &schema,
        "\n  total: { type: integer, reduce: { strategy: sum } }",
        "",
    );
    let clean = session.assert_warm_equals_cold("the shared schema fixed");
    assert_eq!(codes(&clean), Vec::<&str>::new());
}

/// Every catalog source of a directory tree.
fn catalog_files(dir: &Path, out: &mut Vec<Url>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            catalog_files(&path, out);
        } else {
            let url = Url::from_file_path(&path).unwrap();
            if ide::workspace::is_catalog_name(&url) {
                out.push(url);
            }
        }
    }
}

/// A session over the generated catalog of 100 collections, with its largest
/// source file (to be opened and edited; the other files are read from disk)
/// and that file's text.
fn generated_session() -> (Session, Url, String) {
    let dir = test_utils::corpus::generated(100, 20);
    let mut catalogs = Vec::new();
    catalog_files(&dir, &mut catalogs);
    catalogs.sort();
    let largest = catalogs
        .iter()
        .max_by_key(|url| {
            std::fs::metadata(url.to_file_path().unwrap())
                .unwrap()
                .len()
        })
        .unwrap()
        .clone();
    let text = std::fs::read_to_string(largest.to_file_path().unwrap()).unwrap();
    (Session::new(catalogs), largest, text)
}

/// The generated catalog: the largest source file is opened and edited; the
/// other files are read from disk.
#[test]
fn warm_equals_cold_on_a_generated_catalog_and_other_files_are_not_redone() {
    let (mut session, largest, text) = generated_session();
    session.set(&largest, &text);
    let first = session.assert_warm_equals_cold("the first build");
    assert_eq!(
        codes(&first),
        Vec::<&str>::new(),
        "the generated catalog is clean"
    );
    let caches = &session.host.inputs().caches;
    let (load_before, check_before) = (caches.load.stats(), caches.check.stats());
    assert!(check_before.shapes >= 100, "{check_before:?}");

    // One description inside one inline schema of the file.
    session.replace(&largest, "description: \"", "description: \"Edited. ");
    session.assert_warm_equals_cold("a description edit");
    let (load_after, check_after) = (caches.load.stats(), caches.check.stats());
    assert_eq!(
        load_after.parses - load_before.parses,
        1,
        "only the edited file is parsed"
    );
    assert_eq!(
        load_after.schema_indexings - load_before.schema_indexings,
        1,
        "only the edited inline schema is indexed"
    );
    assert_eq!(
        (
            check_after.shapes - check_before.shapes,
            check_after.validators - check_before.validators,
            check_after.documents - check_before.documents,
            check_after.lambdas - check_before.lambdas,
        ),
        (1, 0, 1, 0),
        "only the edited schema is inferred and checked again; nothing is compiled again"
    );

    // Breaking edits of the generated file.
    session.replace(&largest, "collections:", "collections: [");
    let broken = session.assert_warm_equals_cold("breaking the YAML");
    assert!(codes(&broken).contains(&"C1a"));
    session.replace(&largest, "collections: [", "collections:");
    session.replace(&largest, "    key: [/", "    key: [/missing, /");
    session.assert_warm_equals_cold("a key pointer to nothing");
    session.replace(&largest, "acmeCo/", "acmeCo/renamed-");
    session.assert_warm_equals_cold("renaming a collection");
    session.replace(
        &largest,
        "import:\n  - ",
        "import:\n  - ../missing.flow.yaml\n  - ",
    );
    session.assert_warm_equals_cold("importing a missing file");

    // Memory follows the catalog: the sweep leaves one entry per file and
    // schema, not one per edit.
    let files = caches.load.stats().files;
    assert!(files <= load_before.files, "{files} files held");
    let entries = caches.check.stats().entries;
    assert!(
        entries <= check_before.entries,
        "{entries} schema entries held, {} after the first build",
        check_before.entries
    );
}

/// The editor's most common cross-file edit, typing at the end of a
/// collection's name (lspbench's edit): each keystroke re-reads only the
/// edited file; schema work and lambda checks of unchanged text are reused.
#[test]
fn typing_in_a_collection_name_redoes_only_the_edited_text() {
    let (mut session, largest, text) = generated_session();
    let at = text
        .rfind("\n  - name: ")
        .expect("the file defines collections");
    let at = at + text[at + 1..].find('\n').unwrap() + 1;
    let typed = format!("{}x{}", &text[..at], &text[at..]);
    let line = &text[text[..at].rfind('\n').unwrap() + 1..at];
    let name = line.trim_start().strip_prefix("- name: ").unwrap().trim();
    let renamed = format!("{name}x");
    session.set(&largest, &text);
    session.assert_warm_equals_cold("the first build");
    session.set(&largest, &typed);
    let analysis = session.assert_warm_equals_cold("one character typed");
    // The units a keystroke must run again: the renamed collection's own
    // (schema and key; projections and derivation where it has them) and those
    // of every derivation and test that names it, before or after.
    let names = [name, renamed.as_str()];
    let catalog = &analysis.build_of(&largest).unwrap().loaded.catalog;
    let mut expected = 0;
    for collection in &catalog.collections {
        let derivation = collection.spec.derivation.as_ref();
        if collection.name == renamed {
            let projections = !collection.spec.projections.is_empty();
            expected += 1 + usize::from(projections) + usize::from(derivation.is_some());
        } else if derivation.is_some_and(|derivation| {
            (derivation.transform.values()).any(|t| names.contains(&t.source.name.as_str()))
        }) {
            expected += 1;
        }
    }
    for test in &catalog.tests {
        if (test.steps.iter()).any(|step| names.contains(&step.collection())) {
            expected += 1;
        }
    }
    assert!(expected >= 3, "{name:?} is read elsewhere: {expected}");
    let caches = &session.host.inputs().caches;
    for turn in 0..4 {
        let (load_before, check_before) = (caches.load.stats(), caches.check.stats());
        session.set(&largest, if turn % 2 == 0 { &text } else { &typed });
        session.assert_warm_equals_cold("one character typed or deleted");
        let (load_after, check_after) = (caches.load.stats(), caches.check.stats());
        assert_eq!(
            load_after.parses - load_before.parses,
            1,
            "only the edited file is parsed again"
        );
        assert_eq!(
            (
                check_after.shapes,
                check_after.validators,
                check_after.documents,
                check_after.lambdas
            ),
            (
                check_before.shapes,
                check_before.validators,
                check_before.documents,
                check_before.lambdas
            ),
            "no schema or lambda work is done again at turn {turn}"
        );
        // The other entities of the edited file are kept (`load::memo`), so
        // their units replay like every other file's.
        let (run, replayed) = units_since(&session, check_before);
        assert_eq!(
            run, expected,
            "only the renamed collection's units and their readers' run at turn {turn} ({replayed} replayed)"
        );
    }
}
