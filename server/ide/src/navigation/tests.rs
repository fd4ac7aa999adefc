//! Fixture tests of go to definition, references and rename.

use super::*;
use crate::fixture::{analysis, url};

const CATALOG: &str = r##"
#- /flow.yaml
import: [stations.flow.yaml]
collections:
  weather/daily:
    schema: daily.schema.yaml#/$defs/day
    key: [/station, /day]
    derivation:
      transform:
        fromReadings:
          source: { name: weather/readings, partitions: { include: { region: [north] } } }
          shuffle: [/station]
          publish: { nodeJS: "return [source];" }
tests:
  weather/test-daily:
    - ingest: { collection: weather/readings, documents: [{ station: s1, region: north }] }
    - verify: { collection: "weather/daily", documents: [] }
#- /stations.flow.yaml
collections:
  - name: weather/readings
    schema:
      type: object
      properties:
        station: { type: string }
        region: { $ref: "#/$defs/region" }
      required: [station, region]
      $defs:
        region: { type: string, enum: [north, south] }
    key: [/station]
    projections:
      region: { location: /region, partition: true }
#- /daily.schema.yaml
$defs:
  day:
    type: object
    properties:
      station: { $ref: "#Station" }
      day: { type: string }
    required: [station, day]
  station:
    $anchor: Station
    type: string
"##;

/// The fixture with `$0` put before the `nth` (0-based) occurrence of
/// `needle` in the file `path`.
fn at(path: &str, needle: &str, nth: usize) -> (Analysis, FilePosition) {
    let mut fixture = String::new();
    let mut in_file = false;
    let mut seen = 0;
    for line in CATALOG.split_inclusive('\n') {
        if let Some(header) = line.trim_end().strip_prefix("#- ") {
            in_file = header == path;
        } else if in_file && seen <= nth {
            let mut rest = line;
            let mut out = String::new();
            while let Some(found) = rest.find(needle) {
                if seen == nth {
                    out.push_str(&rest[..found]);
                    out.push_str("$0");
                    rest = &rest[found..];
                    seen += 1;
                    break;
                }
                seen += 1;
                out.push_str(&rest[..found + needle.len()]);
                rest = &rest[found + needle.len()..];
            }
            out.push_str(rest);
            fixture.push_str(&out);
            continue;
        }
        fixture.push_str(line);
    }
    let (analysis, cursor) = analysis(&fixture);
    (analysis, cursor.expect("the needle is in the file"))
}

fn text_of(analysis: &Analysis, file: &Url, range: TextRange) -> String {
    let view = analysis.file(file).expect("a known file");
    view.text[range.start as usize..range.end as usize].to_string()
}

/// Each target as `file: focus text | first line of the full text`.
fn targets(analysis: &Analysis, position: &FilePosition) -> Vec<String> {
    definition(analysis, position)
        .into_iter()
        .map(|target| {
            let focus = text_of(analysis, &target.file, target.focus_range);
            let full = text_of(analysis, &target.file, target.full_range);
            assert!(
                target.full_range.start <= target.focus_range.start
                    && target.focus_range.end <= target.full_range.end,
                "the full range holds the focus"
            );
            let file = target
                .file
                .path()
                .trim_start_matches("/fixture/")
                .to_string();
            format!("{file}: {focus} | {}", full.lines().next().unwrap_or(""))
        })
        .collect()
}

#[test]
fn collection_names_go_to_their_definition_in_any_file() {
    let (analysis, position) = at("/flow.yaml", "weather/readings,", 0);
    assert_eq!(
        targets(&analysis, &position),
        ["stations.flow.yaml: weather/readings | name: weather/readings"]
    );
    let (analysis, position) = at("/flow.yaml", "readings, documents", 0);
    assert_eq!(
        targets(&analysis, &position),
        ["stations.flow.yaml: weather/readings | name: weather/readings"]
    );
    // A quoted use, and a derivation's own name (map form: its key).
    let (analysis, position) = at("/flow.yaml", "daily\", documents", 0);
    assert_eq!(
        targets(&analysis, &position),
        ["flow.yaml: weather/daily | weather/daily:"]
    );
    let (analysis, position) = at("/flow.yaml", "weather/daily:", 0);
    assert_eq!(
        targets(&analysis, &position),
        ["flow.yaml: weather/daily | weather/daily:"]
    );
}

#[test]
fn refs_and_schema_urls_go_to_the_sub_schema() {
    // A `$ref` inside an inline schema of a catalog.
    let (analysis, position) = at("/stations.flow.yaml", "/$defs/region", 0);
    assert_eq!(
        targets(&analysis, &position),
        ["stations.flow.yaml: region | region: { type: string, enum: [north, south] }"]
    );
    // A schema URL with a pointer fragment.
    let (analysis, position) = at("/flow.yaml", "daily.schema.yaml#", 0);
    assert_eq!(
        targets(&analysis, &position),
        ["daily.schema.yaml: day | day:"]
    );
    // An `$anchor` in a schema file.
    let (analysis, position) = at("/daily.schema.yaml", "Station\" }", 0);
    assert_eq!(
        targets(&analysis, &position),
        ["daily.schema.yaml: station | station:"]
    );
    // An import goes to the file.
    let (analysis, position) = at("/flow.yaml", "stations.flow.yaml", 0);
    let found = definition(&analysis, &position);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].file, url("/stations.flow.yaml"));
    assert_eq!(found[0].focus_range, TextRange::empty(0));
}

#[test]
fn pointers_go_to_the_schema_that_describes_them() {
    // A key pointer of a collection whose schema is a `$defs` of a file.
    let (analysis, position) = at("/flow.yaml", "/day]", 0);
    assert_eq!(
        targets(&analysis, &position),
        ["daily.schema.yaml: day | day: { type: string }"]
    );
    // A property declared by a `$ref`: the property that declares it.
    let (analysis, position) = at("/flow.yaml", "/station,", 0);
    assert_eq!(
        targets(&analysis, &position),
        ["daily.schema.yaml: station | station: { $ref: \"#Station\" }"]
    );
    // A shuffle pointer reads the source collection's schema.
    let (analysis, position) = at("/flow.yaml", "/station]", 0);
    assert_eq!(
        targets(&analysis, &position),
        ["stations.flow.yaml: station | station: { type: string }"]
    );
    // A partition field stands for its projection's location.
    let (analysis, position) = at("/flow.yaml", "region: [north]", 0);
    assert_eq!(
        targets(&analysis, &position),
        ["stations.flow.yaml: region | region: { $ref: \"#/$defs/region\" }"]
    );
    // A projection's field name.
    let (analysis, position) = at("/stations.flow.yaml", "region: { location", 0);
    assert_eq!(
        targets(&analysis, &position),
        ["stations.flow.yaml: region | region: { $ref: \"#/$defs/region\" }"]
    );
    // A projection's location.
    let (analysis, position) = at("/stations.flow.yaml", "/region,", 0);
    assert_eq!(
        targets(&analysis, &position),
        ["stations.flow.yaml: region | region: { $ref: \"#/$defs/region\" }"]
    );
}

#[test]
fn aliases_go_to_their_anchor_even_in_loose_files() {
    let (analysis, cursor) =
        analysis("#- /notes.yaml\nbase: &base { region: north }\nother: *ba$0se\n");
    let cursor = cursor.unwrap();
    assert_eq!(
        targets(&analysis, &cursor),
        ["notes.yaml: &base | &base { region: north }"]
    );
}

#[test]
fn nothing_to_go_to_is_empty_and_never_panics() {
    let (analysis, position) = at("/flow.yaml", "transform:", 0);
    assert!(definition(&analysis, &position).is_empty());
    let past_the_end = FilePosition {
        file: position.file.clone(),
        offset: 1_000_000,
    };
    assert!(definition(&analysis, &past_the_end).is_empty());
    assert!(references(&analysis, &past_the_end, true).is_empty());
    assert!(prepare_rename(&analysis, &past_the_end).is_err());
    let absent = FilePosition {
        file: url("/absent.flow.yaml"),
        offset: 0,
    };
    assert!(definition(&analysis, &absent).is_empty());
    // Broken YAML: whatever tree there is.
    let (analysis, cursor) = crate::fixture::analysis(
        "#- /flow.yaml\ncollections:\n  a/b: { schema: x.yaml, key: [/i$0d\n",
    );
    let cursor = cursor.unwrap();
    let _ = definition(&analysis, &cursor);
    let _ = references(&analysis, &cursor, true);
    assert!(rename(&analysis, &cursor, "c/d").is_err());
}

/// Each range as `file: text @ line`.
fn places(analysis: &Analysis, ranges: &[FileRange]) -> Vec<String> {
    ranges
        .iter()
        .map(|place| {
            let view = analysis.file(&place.file).unwrap();
            let line = view.line_index.line_of(place.range.start);
            format!(
                "{}: {} @ {}",
                place.file.path().trim_start_matches("/fixture/"),
                text_of(analysis, &place.file, place.range),
                line + 1
            )
        })
        .collect()
}

#[test]
fn references_of_a_collection_across_files() {
    let (analysis, position) = at("/stations.flow.yaml", "weather/readings", 0);
    let found = references(&analysis, &position, true);
    assert_eq!(
        places(&analysis, &found),
        [
            "flow.yaml: stations.flow.yaml @ 1",
            "flow.yaml: weather/readings @ 9",
            "flow.yaml: weather/readings @ 14",
            "stations.flow.yaml: weather/readings @ 2",
        ]
    );
    let (analysis, position) = at("/flow.yaml", "weather/readings", 1);
    let found = references(&analysis, &position, false);
    assert_eq!(found.len(), 3, "{:?}", places(&analysis, &found));
}

/// The texts of the fixture's files with a change applied.
fn apply(analysis: &Analysis, change: &SourceChange) -> String {
    let mut fixture = String::new();
    for (path, _) in test_utils::fixture::MultiFile::parse(CATALOG).files {
        let file = url(&path);
        let mut text = analysis.file(&file).unwrap().text.to_string();
        let mut edits = change.edits.get(&file).cloned().unwrap_or_default();
        edits.sort_by_key(|edit| std::cmp::Reverse(edit.range.start));
        for edit in edits {
            text.replace_range(
                edit.range.start as usize..edit.range.end as usize,
                &edit.new_text,
            );
        }
        fixture.push_str(&format!("#- {path}\n{text}"));
    }
    fixture
}

#[test]
fn rename_a_collection_everywhere() {
    let (analysis, position) = at("/flow.yaml", "readings, documents", 0);
    let (range, name) = prepare_rename(&analysis, &position).unwrap();
    assert_eq!(name, "weather/readings");
    assert_eq!(
        text_of(&analysis, &range.file, range.range),
        "weather/readings"
    );
    let change = rename(&analysis, &position, "weather/observations").unwrap();
    assert_eq!(change.edits.len(), 2);
    let renamed = apply(&analysis, &change);
    assert_eq!(renamed.matches("weather/observations").count(), 3);
    assert!(!renamed.contains("weather/readings"));
    // The catalog still resolves every name.
    let (after, _) = crate::fixture::analysis(&renamed);
    let codes: Vec<&str> = after
        .diagnostics()
        .values()
        .flatten()
        .map(|d| d.code)
        .filter(|code| matches!(*code, "C12" | "C13"))
        .collect();
    assert!(codes.is_empty(), "{codes:?}");

    // A quoted name keeps its quotes; a name YAML would read as a number is quoted.
    let (analysis, position) = at("/flow.yaml", "daily\", documents", 0);
    let (range, _) = prepare_rename(&analysis, &position).unwrap();
    assert_eq!(
        text_of(&analysis, &range.file, range.range),
        "weather/daily"
    );
    let change = rename(&analysis, &position, "1.5").unwrap();
    let renamed = apply(&analysis, &change);
    assert!(renamed.contains("  \"1.5\":\n"), "{renamed}");
    assert!(
        renamed.contains("collection: \"1.5\", documents"),
        "{renamed}"
    );
}

#[test]
fn rename_refuses_invalid_and_taken_names() {
    let (analysis, position) = at("/flow.yaml", "weather/readings,", 0);
    let refused = |name: &str| rename(&analysis, &position, name).unwrap_err();
    assert_eq!(
        refused("weather readings"),
        "\"weather readings\" is not a valid collection name: a name may contain only letters, digits, \"-\", \"_\", \".\" and \"/\""
    );
    assert!(refused("weather/").contains("must not end with \"/\""));
    assert_eq!(
        refused("Weather/Daily"),
        "a collection named \"weather/daily\" already exists (in file:///fixture/flow.yaml)"
    );
    assert!(refused("weather").contains("would be a path prefix of collection"));
    assert!(refused("weather/daily/x").contains("collection \"weather/daily\""));
    // Changing only the case of its own name is fine.
    assert!(rename(&analysis, &position, "Weather/Readings").is_ok());

    let (analysis, position) = at("/flow.yaml", "fromReadings", 0);
    assert_eq!(
        prepare_rename(&analysis, &position).unwrap_err(),
        "only collection names can be renamed, and there is none under the cursor"
    );
}

#[test]
fn refs_through_ids_and_relative_files() {
    let (analysis, cursor) = crate::fixture::analysis(
        r##"
#- /flow.yaml
collections:
  weather/places:
    schema: schemas/reading.schema.yaml
    key: [/at/lat]
#- /schemas/reading.schema.yaml
type: object
properties:
  where: { $ref: "place.json#/properties/l$0at" }
  kind: { $ref: "common.schema.yaml#/$defs/kind" }
  at: { $ref: place.json }
$defs:
  place:
    $id: place.json
    type: object
    properties:
      lat: { type: number }
#- /schemas/common.schema.yaml
$defs:
  kind: { type: string }
"##,
    );
    let cursor = cursor.unwrap();
    assert_eq!(
        targets(&analysis, &cursor),
        ["schemas/reading.schema.yaml: lat | lat: { type: number }"]
    );
    let file = url("/schemas/reading.schema.yaml");
    let text = analysis.file(&file).unwrap().text.to_string();
    let position = FilePosition {
        offset: text.find("common.schema").unwrap() as u32,
        file,
    };
    assert_eq!(
        targets(&analysis, &position),
        ["schemas/common.schema.yaml: kind | kind: { type: string }"]
    );
    // A key pointer through that `$ref`.
    let file = url("/flow.yaml");
    let text = analysis.file(&file).unwrap().text.to_string();
    let position = FilePosition {
        offset: text.find("/at/lat").unwrap() as u32 + 5,
        file,
    };
    assert_eq!(
        targets(&analysis, &position),
        ["schemas/reading.schema.yaml: lat | lat: { type: number }"]
    );
}

/// Every request at every offset (inside multi-byte characters, past the
/// end) of files with aliases, merges, non-ASCII names and broken YAML
/// answers without panicking.
#[test]
fn every_offset_of_odd_files_answers() {
    let (analysis, _) = crate::fixture::analysis(
        r##"
#- /flow.yaml
import: [more.flow.yaml, missing.flow.yaml]
collections:
  météo/relevés: &base
    schema: { type: object, properties: { id: { type: string } }, $ref: "#/nope" }
    key: [/id]
  météo/jours:
    <<: *base
    derivation:
      transform:
        dé: { source: { name: météo/autres }, shuffle: [/id] }
tests:
  "t":
    - ingest: { collection: 'météo/relevés', documents: [{ id: "1" }] }
    - verify: { collection: météo/inconnu, partitions: { include: { x: [1] } } }
#- /more.flow.yaml
collections:
  - name: &nom météo/autres
    schema: nope.schema.yaml#/$defs/x
    key: [/id]
tests:
  "t2":
    - ingest: { collection: *nom, documents: [] }
#- /loose.yaml
a: [b, { c: *d }
# one
# two
"##,
    );
    for file in ["/flow.yaml", "/more.flow.yaml", "/loose.yaml"] {
        let file = url(file);
        let len = analysis.file(&file).unwrap().text.len() as u32;
        let symbols = crate::symbols::document_symbols(&analysis, &file);
        let _ = crate::ranges::folding_ranges(&analysis, &file);
        let offsets: Vec<u32> = (0..len + 3).collect();
        let _ = crate::ranges::selection_ranges(&analysis, &file, &offsets);
        for offset in offsets {
            let position = FilePosition {
                file: file.clone(),
                offset,
            };
            let _ = definition(&analysis, &position);
            let _ = references(&analysis, &position, true);
            let _ = prepare_rename(&analysis, &position);
            let _ = rename(&analysis, &position, "météo/neuf");
        }
        if file.path().ends_with("flow.yaml") {
            assert!(!symbols.is_empty(), "{file}: the tree holds something");
        }
    }
    // A name defined with an anchor.
    let flow = url("/flow.yaml");
    let text = analysis.file(&flow).unwrap().text.to_string();
    let position = FilePosition {
        offset: text.find("name: météo/autres").unwrap() as u32 + 8,
        file: flow,
    };
    assert_eq!(
        targets(&analysis, &position),
        ["more.flow.yaml: météo/autres | name: &nom météo/autres"]
    );
    // Renaming it keeps the anchor and leaves its alias alone.
    let change = rename(&analysis, &position, "météo/neuf").unwrap();
    let edits: Vec<(String, String, String)> = change
        .edits
        .iter()
        .flat_map(|(file, edits)| {
            let analysis = &analysis;
            edits.iter().map(move |edit| {
                (
                    file.path().trim_start_matches("/fixture/").to_string(),
                    text_of(analysis, file, edit.range),
                    edit.new_text.clone(),
                )
            })
        })
        .collect();
    let edit =
        |file: &str, old: &str| (file.to_string(), old.to_string(), "météo/neuf".to_string());
    assert_eq!(
        edits,
        [
            edit("flow.yaml", "météo/autres"),
            edit("more.flow.yaml", "météo/autres")
        ]
    );
    let _ = crate::symbols::workspace_symbols(&analysis, "é", 5);
}

#[test]
fn references_and_rename_span_every_root_holding_the_file() {
    let (analysis, cursor) = crate::fixture::analysis(
        r#"
#- /a.flow.yaml
import: [common.flow.yaml]
tests:
  a-test:
    - ingest: { collection: shop/orders, documents: [] }
#- /b.flow.yaml
import: [common.flow.yaml]
tests:
  b-test:
    - verify: { collection: shop/orders, documents: [] }
#- /common.flow.yaml
collections:
  shop/ord$0ers: { schema: { type: object }, key: [/id] }
"#,
    );
    let cursor = cursor.unwrap();
    assert_eq!(analysis.roots().len(), 2);
    assert_eq!(
        places(&analysis, &references(&analysis, &cursor, true)),
        [
            "a.flow.yaml: common.flow.yaml @ 1",
            "a.flow.yaml: shop/orders @ 4",
            "b.flow.yaml: common.flow.yaml @ 1",
            "b.flow.yaml: shop/orders @ 4",
            "common.flow.yaml: shop/orders @ 2",
        ]
    );
    let change = rename(&analysis, &cursor, "shop/purchases").unwrap();
    assert_eq!(
        change.edits.values().map(Vec::len).collect::<Vec<_>>(),
        [1, 1, 1]
    );
}

/// A garden catalog over two files; `BROKEN` is its `flow.yaml` with an
/// unclosed bracket in the first collection, so nothing after it parses.
const GARDEN: &str = r#"
#- /flow.yaml
import: [tools.flow.yaml]
collections:
  garden/beds:
    schema: { type: object, properties: { id: { type: string } }, required: [id] }
    key: [/id]
  garden/plants:
    schema: { type: object, properties: { id: { type: string } }, required: [id] }
    key: [/id]
tests:
  garden/test-plants:
    - ingest: { collection: garden/plants, documents: [{ id: rose }] }
    - ingest: { collection: garden/tools, documents: [{ id: hoe }] }
#- /tools.flow.yaml
collections:
  garden/tools:
    schema: { type: object, properties: { id: { type: string } }, required: [id] }
    key: [/id]
"#;

fn broken(cursor_before: &str) -> String {
    let text = GARDEN
        .split("#- /tools.flow.yaml")
        .next()
        .unwrap()
        .replacen("key: [/id]", "key: [/i", 1);
    text.replacen(cursor_before, &format!("$0{cursor_before}"), 1)
}

#[test]
fn navigation_uses_the_last_good_analysis_while_a_file_does_not_parse() {
    let (analysis, cursor) = crate::fixture::edited(GARDEN, &broken("den/plants, doc"));
    let cursor = cursor.unwrap();
    let flow = url("/flow.yaml");
    assert!(
        analysis
            .file_diagnostics(&flow)
            .iter()
            .any(|d| d.code == "C1a"),
        "the edit breaks the file"
    );
    // The current tree alone knows nothing after the error.
    assert!(definition_in(&analysis, &cursor).is_empty());

    // garden/plants is defined after the error, in unchanged text: its
    // range is today's (the edit shortened the text before it by two).
    let targets = definition(&analysis, &cursor);
    assert_eq!(targets.len(), 1, "{targets:?}");
    let text = analysis.file(&flow).unwrap().text.clone();
    assert_eq!(targets[0].file, flow);
    let focus = targets[0].focus_range;
    assert_eq!(
        &text[focus.start as usize..focus.end as usize],
        "garden/plants"
    );
    assert_eq!(focus.start as usize, text.find("garden/plants:").unwrap());

    // References and rename, in today's text.
    let found = references(&analysis, &cursor, true);
    let named: Vec<&str> = found
        .iter()
        .map(|place| &text[place.range.start as usize..place.range.end as usize])
        .collect();
    assert_eq!(named, ["garden/plants", "garden/plants"]);
    let (range, name) = prepare_rename(&analysis, &cursor).unwrap();
    assert_eq!(
        (range.range, name.as_str()),
        (found[1].range, "garden/plants")
    );
    let change = rename(&analysis, &cursor, "garden/flowers").unwrap();
    let renamed = crate::apply_edits(&text, &change.edits[&flow]);
    assert_eq!(renamed.matches("garden/flowers").count(), 2);
    assert!(
        renamed.contains("key: [/i\n"),
        "the broken text is left alone"
    );

    // Into another file, and the hover of a name defined after the error.
    let (analysis, cursor) = crate::fixture::edited(GARDEN, &broken("den/tools, doc"));
    let cursor = cursor.unwrap();
    let targets = definition(&analysis, &cursor);
    assert_eq!(targets.len(), 1);
    assert_eq!(targets[0].file, url("/tools.flow.yaml"));
    let (analysis, cursor) = crate::fixture::edited(GARDEN, &broken("den/plants:"));
    let hover = crate::hover::hover(&analysis, &cursor.unwrap()).unwrap();
    assert!(hover.markdown.contains("/id"), "{}", hover.markdown);

    // The outline of the last good text, without what the edit touched.
    let symbols = crate::symbols::document_symbols(&analysis, &flow);
    let names: Vec<&str> = symbols.iter().map(|s| s.name.as_str()).collect();
    assert!(names.contains(&"garden/plants"), "{names:?}");
}

#[test]
fn no_last_good_answer_inside_the_changed_text() {
    // On the edited line itself, the old tree's meaning is not trusted.
    let (analysis, cursor) = crate::fixture::edited(GARDEN, &broken("/i\n"));
    let cursor = cursor.unwrap();
    assert!(LastGood::at(&analysis, &cursor).is_none());
    // A name that the edit made longer is not the old name.
    let longer = GARDEN
        .split("#- /tools.flow.yaml")
        .next()
        .unwrap()
        .replacen("key: [/id]", "key: [/i", 1)
        .replacen(
            "{ collection: garden/plants,",
            "{ collection: garden/plants$0x,",
            1,
        );
    let (analysis, cursor) = crate::fixture::edited(GARDEN, &longer);
    let cursor = cursor.unwrap();
    assert!(LastGood::at(&analysis, &cursor).is_none());
    assert!(definition(&analysis, &cursor).is_empty());
    // A rename is refused once another file changed since.
    let mut after = broken("den/plants, doc");
    after.push_str("#- /tools.flow.yaml\ncollections: {}\n");
    let (analysis, cursor) = crate::fixture::edited(GARDEN, &after);
    let error = rename(&analysis, &cursor.unwrap(), "garden/flowers").unwrap_err();
    assert!(error.contains("does not parse"), "{error}");
}
