//! Projections and logical partitions (catalog.md §5.5, §7.6): projection
//! pointers (C6b), locations the schema describes (C11a), canonical field
//! names (C11b), partition field names (C11c) and partition locations as keys
//! (C10); and partition selectors, in transforms and verify steps (C25a–C25d).

use std::sync::Arc;

use model::{Collection, Diagnostic, PartitionSelectorSpec, ProjectionSpec, Scope};
use serde_json::Value;

use crate::context::Context;
use crate::schemas::{self, KeyRole};
use crate::units::{Entity, UnitKind};
use schema::shape::{Exists, Types};

pub(crate) fn check(cx: &mut Context<'_>) {
    let catalog = cx.catalog();
    for (index, collection) in catalog.collections.iter().enumerate() {
        if collection.spec.projections.is_empty() {
            continue;
        }
        let entity = Entity::Collection(Arc::clone(collection));
        cx.unit(UnitKind::Projections, entity, index, |cx| {
            projections(cx, collection);
            Vec::new()
        });
    }
}

/// C6b, C10, C11a–C11c for one collection's projections.
fn projections<'l>(cx: &mut Context<'l>, collection: &'l Collection) {
    let inferred = cx
        .schema_url(collection)
        .and_then(|url| cx.inferred(url).map(|shape| (url, shape)));
    let schema_shape = inferred
        .as_ref()
        .map(|(url, inferred)| (*url, Arc::clone(inferred)));
    for (field, projection) in &collection.spec.projections {
        let entry = collection.scope.push("projections").push(field);
        let location_scope = match projection {
            ProjectionSpec::Location(_) => entry.clone(),
            ProjectionSpec::Full(_) => entry.push("location"),
        };
        let location = projection.location();
        if projection.is_partition() && !model::names::is_valid_token_name(field) {
            let message = format!(
                "partition field \"{field}\" may contain only letters, digits, \"-\", \"_\", \".\""
            );
            cx.report(Diagnostic::error("C11c", entry.clone(), message).at_key());
        }
        if !schemas::report_invalid_pointer(cx, location, &location_scope) {
            continue;
        }
        if let Some(canonical) = inferred
            .as_ref()
            .and_then(|(_, inferred)| inferred.canonical_projection(field))
            && canonical != location
        {
            let message = format!(
                "projection \"{field}\" is the automatic field for {canonical}; it cannot point at {location}"
            );
            cx.report(Diagnostic::error("C11b", location_scope.clone(), message));
        }
        let Some((url, shape)) = &schema_shape else {
            continue;
        };
        let located = shape.locate(location);
        if !matches!(located.exists, Exists::Must | Exists::May) {
            let message = format!(
                "projection \"{field}\" points at {location}, which schema {url} does not describe"
            );
            cx.report(Diagnostic::error("C11a", location_scope, message));
            continue;
        }
        if projection.is_partition() {
            let role = KeyRole::Partition {
                field,
                collection: &collection.name,
            };
            schemas::check_key_location(cx, shape, url, location, &role, &location_scope);
        }
    }
}

/// C25a–C25d: a partition selector (`include`/`exclude`) written at `scope`
/// that selects documents of `collection`.
pub(crate) fn check_selector<'l>(
    cx: &mut Context<'l>,
    collection: &'l Collection,
    selector: &PartitionSelectorSpec,
    scope: &Scope,
) {
    let shape = cx.schema_url(collection).and_then(|url| cx.shape(url));
    for (kind, fields) in [
        ("include", &selector.include),
        ("exclude", &selector.exclude),
    ] {
        for (field, values) in fields {
            let field_scope = scope.push(kind).push(field);
            let partition = collection
                .spec
                .projections
                .get(field)
                .filter(|projection| projection.is_partition());
            let Some(partition) = partition else {
                let message = format!(
                    "\"{field}\" is not a partition field of collection \"{}\"",
                    collection.name
                );
                cx.report(Diagnostic::error("C25a", field_scope, message).at_key());
                continue;
            };
            // The partition's types, when its location is a valid key.
            let types = shape.as_ref().and_then(|shape| {
                let located = shape.locate(partition.location());
                (located.exists == Exists::Must).then_some(located.shape.types)
            });
            for (index, value) in values.iter().enumerate() {
                let value_scope = field_scope.push(index);
                match value {
                    Value::Null | Value::Bool(_) | Value::String(_) => {}
                    Value::Number(number) if number.is_i64() || number.is_u64() => {}
                    _ => {
                        let message =
                            "partition selector values must be null, boolean, integer or string";
                        cx.report(Diagnostic::error("C25b", value_scope, message));
                        continue;
                    }
                }
                if value.as_str() == Some("") {
                    cx.report(Diagnostic::error(
                        "C25c",
                        value_scope,
                        "partition selector values cannot be empty strings",
                    ));
                    continue;
                }
                let Some(types) = types else { continue };
                if !types.overlaps(Types::of_value(value)) {
                    let message = format!(
                        "value {value} of partition \"{field}\" does not match its type {}",
                        types
                    );
                    cx.report(Diagnostic::error("C25d", value_scope, message));
                }
            }
        }
    }
}

#[cfg(test)]
mod unit {
    use crate::test_support::*;

    fn collection(properties: &str, required: &str, projections: &str) -> String {
        format!(
            "collections:\n  - name: acme/orders\n    schema:\n      type: object\n      properties:\n{properties}      required: [{required}]\n    key: [/id]\n    projections:\n{projections}"
        )
    }

    #[test]
    fn c11a_projection_location_not_described() {
        let text = collection(
            "        id: { type: string }\n        weight_g: { type: integer }\n",
            "id",
            "      weight: /weight_kg\n",
        );
        let run = run(&[("flow.yaml", &text)]);
        let found = run.only("C11a");
        assert_eq!(run.text_at(found), "/weight_kg");
        assert!(found.message.starts_with("projection \"weight\" points at /weight_kg, which schema file:///p/flow.yaml?ptr=/collections/0/schema does not describe"), "{}", found.message);
    }

    #[test]
    fn c11b_canonical_field_for_another_location() {
        let text = collection(
            "        id: { type: string }\n        sku: { type: string }\n",
            "id",
            "      sku: /id\n      same: /sku\n      id: /id\n",
        );
        let run = run(&[("flow.yaml", &text)]);
        let found = run.only("C11b");
        assert_eq!(run.text_at(found), "/id");
        assert_eq!(
            found.message,
            "projection \"sku\" is the automatic field for /sku; it cannot point at /id"
        );
    }

    #[test]
    fn c11c_partition_field_name() {
        let text = collection(
            "        id: { type: string }\n        region: { type: string }\n",
            "id, region",
            "      ship/region:\n        location: /region\n        partition: true\n",
        );
        let run = run(&[("flow.yaml", &text)]);
        let found = run.only("C11c");
        assert_eq!(run.text_at(found), "ship/region");
        assert!(
            found
                .message
                .starts_with("partition field \"ship/region\" may contain only")
        );
    }

    #[test]
    fn c10d_partition_with_two_types() {
        let text = collection(
            "        id: { type: string }\n        region: { type: [string, integer] }\n",
            "id, region",
            "      region:\n        location: /region\n        partition: true\n",
        );
        let run = run(&[("flow.yaml", &text)]);
        let found = run.only("C10d");
        assert_eq!(run.text_at(found), "/region");
        assert!(found.message.contains("partition field \"region\" of collection \"acme/orders\" /region may be integer, string; a key may have only one type besides null"), "{}", found.message);
    }

    #[test]
    fn c6b_projection_pointer() {
        let text = collection(
            "        id: { type: string }\n",
            "id",
            "      buyer: customer\n",
        );
        let run = run(&[("flow.yaml", &text)]);
        let found = run.only("C6b");
        assert_eq!(run.text_at(found), "customer");
        assert_eq!(found.message, "\"customer\" is not a valid JSON Pointer");
    }

    const PARTITIONED: &str = "collections:\n  - name: acme/orders\n    schema:\n      type: object\n      properties:\n        id: { type: string }\n        region: { type: string }\n        color: { type: string }\n      required: [id, region]\n    key: [/id]\n    projections:\n      region:\n        location: /region\n        partition: true\n";

    fn verify_with(selector: &str) -> String {
        format!(
            "{PARTITIONED}tests:\n  t:\n    - verify:\n        collection: acme/orders\n        partitions:\n{selector}        documents: []\n"
        )
    }

    #[test]
    fn c25a_selector_field_is_not_a_partition() {
        let run = run(&[(
            "flow.yaml",
            &verify_with("          include:\n            color:\n              - red\n"),
        )]);
        let found = run.only("C25a");
        assert_eq!(run.text_at(found), "color");
        assert_eq!(
            found.message,
            "\"color\" is not a partition field of collection \"acme/orders\""
        );
    }

    #[test]
    fn c25b_float_selector_value() {
        let run = run(&[(
            "flow.yaml",
            &verify_with("          include:\n            region: [north, 2.5]\n"),
        )]);
        let found = run.only("C25b");
        assert_eq!(run.text_at(found), "2.5");
    }

    #[test]
    fn c25c_empty_selector_value() {
        let run = run(&[(
            "flow.yaml",
            &verify_with("          exclude: { region: [\"\"] }\n"),
        )]);
        let found = run.only("C25c");
        assert_eq!(run.text_at(found), "\"\"");
    }

    #[test]
    fn c25d_selector_value_of_the_wrong_type() {
        let run = run(&[(
            "flow.yaml",
            &verify_with("          include: { region: [north, 7, true] }\n"),
        )]);
        let found = run.all("C25d");
        assert_eq!(found.len(), 2, "{:#?}", run.diagnostics);
        assert_eq!(run.text_at(found[0]), "7");
        assert_eq!(
            found[0].message,
            "value 7 of partition \"region\" does not match its type string"
        );
        assert_eq!(run.text_at(found[1]), "true");
    }
}
