//! Typegen fixtures: the files of a small apiary catalog, byte for byte.

use super::*;
use crate::fixture;

const APIARY: &str = r#"
#- /flow.yaml
collections:
  apiary/inspections:
    schema:
      type: object
      title: An inspection
      properties:
        hive: { type: string }
        frames: { type: integer }
        queenSeen: { type: boolean }
      required: [hive, frames]
    key: [/hive, /frames]
  apiary/hive-stats:
    schema:
      type: object
      properties:
        hive: { type: string }
        inspections: { type: integer, reduce: { strategy: sum } }
      required: [hive]
      reduce: { strategy: merge }
    key: [/hive]
    derivation:
      register:
        schema: { type: integer }
        initial: 0
      transform:
        fromInspections:
          source:
            name: apiary/inspections
            schema: { type: object, properties: { hive: { type: string }, frames: { type: integer } }, required: [hive, frames] }
          publish:
            nodeJS: |
              return [{ hive: source.hive, inspections: 1 }];
"#;

fn generated() -> Vec<(String, String)> {
    let (analysis, _) = fixture::analysis(APIARY);
    let build = &analysis.roots()[0];
    assert!(analysis.diagnostics().values().all(Vec::is_empty), "{:?}", analysis.diagnostics());
    files(&build.loaded)
}

#[test]
fn one_file_per_collection_type_with_its_register_and_alternate_sources() {
    let files = generated();
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    assert_eq!(names, ["ApiaryHiveStats.d.ts", "ApiaryInspections.d.ts"]);
    let inspections = &files[1].1;
    assert_eq!(
        inspections,
        &format!(
            "{HEADER}\ndeclare namespace collections {{\n    /* An inspection */\n    type ApiaryInspections = {{\n        hive: string;\n        frames: number;\n        queenSeen?: boolean;\n    }};\n}}\n"
        ),
    );
    let stats = &files[0].1;
    assert!(stats.contains("    type ApiaryHiveStats = {"), "{stats}");
    assert!(
        stats.contains("declare namespace registers {\n    type ApiaryHiveStats = number;\n}"),
        "{stats}"
    );
    // The alternate source schema has a type of its own, in the reader's file.
    assert!(stats.contains("    type ApiaryInspections_"), "{stats}");
}

#[test]
fn the_same_catalog_gives_the_same_bytes() {
    assert_eq!(generated(), generated());
}

#[test]
fn the_files_parse_as_typescript() {
    for (name, text) in generated() {
        let stripped = typescript::strip_types(&text);
        assert!(stripped.errors.is_empty(), "{name}: {:?}", stripped.errors);
    }
}
