//! The `reduce` annotation (reductions.md §2.3): its parsed form, and the
//! per-location table of strategies that validating a document yields.

use std::collections::BTreeMap;

/// A JSON Pointer relative to some value (`""` is the value itself).
pub type RelativePointer = String;

/// One parsed `reduce: {strategy: …}` annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Strategy {
    LastWriteWins,
    FirstWriteWins,
    Append,
    Sum,
    Merge { key: Vec<RelativePointer> },
    Minimize { key: Vec<RelativePointer> },
    Maximize { key: Vec<RelativePointer> },
    Set { key: Vec<RelativePointer> },
}

/// The strategy chosen for each instance location of one validated document,
/// keyed by the location's JSON Pointer (`""` is the document root). A location
/// absent from the table uses the default, `lastWriteWins`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Annotations {
    pub by_location: BTreeMap<String, Strategy>,
}

impl Annotations {
    /// The strategy annotated at `pointer`, if any.
    pub fn strategy_at(&self, pointer: &str) -> Option<&Strategy> {
        self.by_location.get(pointer)
    }
}

impl Strategy {
    /// Every strategy name a schema may write (reductions.md §4).
    pub const NAMES: [&'static str; 8] = [
        "append",
        "firstWriteWins",
        "lastWriteWins",
        "maximize",
        "merge",
        "minimize",
        "set",
        "sum",
    ];

    /// The strategy's name as written in a schema (`lastWriteWins`, `merge`, …).
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::LastWriteWins => "lastWriteWins",
            Strategy::FirstWriteWins => "firstWriteWins",
            Strategy::Append => "append",
            Strategy::Sum => "sum",
            Strategy::Merge { .. } => "merge",
            Strategy::Minimize { .. } => "minimize",
            Strategy::Maximize { .. } => "maximize",
            Strategy::Set { .. } => "set",
        }
    }

    /// The `key` pointers of a keyed strategy (empty when none were given or
    /// the strategy takes none).
    pub fn key(&self) -> &[RelativePointer] {
        match self {
            Strategy::Merge { key }
            | Strategy::Minimize { key }
            | Strategy::Maximize { key }
            | Strategy::Set { key } => key,
            _ => &[],
        }
    }
}

impl std::fmt::Display for Strategy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

const STRATEGY_NAMES: &str =
    "append, firstWriteWins, lastWriteWins, maximize, merge, minimize, set, sum";

/// Parses the value of a `reduce` keyword (reductions.md §2.3). The error is
/// the detail of a C9 problem, written for a person.
pub fn parse_strategy(value: &serde_json::Value) -> Result<Strategy, String> {
    use serde_json::Value;
    let Value::Object(map) = value else {
        return Err("reduce must be an object such as {strategy: lastWriteWins}".to_string());
    };
    for name in map.keys() {
        if name != "strategy" && name != "key" {
            return Err(format!(
                "unexpected property \"{name}\" in reduce (expected \"strategy\" or \"key\")"
            ));
        }
    }
    let name = match map.get("strategy") {
        Some(Value::String(name)) => name.as_str(),
        Some(other) => return Err(format!("reduce strategy must be a string, found {other}")),
        None => return Err("reduce is missing required property \"strategy\"".to_string()),
    };
    let key = match map.get("key") {
        None => None,
        Some(Value::Array(items)) => {
            let mut key = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    Value::String(p) if crate::pointer::tokens(p).is_some() => key.push(p.clone()),
                    other => {
                        return Err(format!(
                            "reduce key entries must be JSON Pointers such as \"/id\"; {other} is not"
                        ));
                    }
                }
            }
            Some(key)
        }
        Some(other) => {
            return Err(format!(
                "reduce key must be a list of JSON Pointers, found {other}"
            ));
        }
    };
    let keyless = |strategy: Strategy| match key {
        Some(_) => Err(format!("reduce strategy \"{name}\" does not take a key")),
        None => Ok(strategy),
    };
    let key = || key.clone().unwrap_or_default();
    match name {
        "lastWriteWins" => keyless(Strategy::LastWriteWins),
        "firstWriteWins" => keyless(Strategy::FirstWriteWins),
        "append" => keyless(Strategy::Append),
        "sum" => keyless(Strategy::Sum),
        "merge" => Ok(Strategy::Merge { key: key() }),
        "minimize" => Ok(Strategy::Minimize { key: key() }),
        "maximize" => Ok(Strategy::Maximize { key: key() }),
        "set" => Ok(Strategy::Set { key: key() }),
        other => Err(format!(
            "unknown reduce strategy \"{other}\" (expected one of {STRATEGY_NAMES})"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_strategies() {
        assert_eq!(
            parse_strategy(&json!({"strategy": "sum"})),
            Ok(Strategy::Sum)
        );
        assert_eq!(
            parse_strategy(&json!({"strategy": "maximize", "key": ["/0"]})),
            Ok(Strategy::Maximize {
                key: vec!["/0".into()]
            })
        );
        assert_eq!(
            parse_strategy(&json!({"strategy": "set", "key": [""]})),
            Ok(Strategy::Set {
                key: vec!["".into()]
            })
        );
        assert_eq!(
            parse_strategy(&json!({"strategy": "merge"})),
            Ok(Strategy::Merge { key: vec![] })
        );
    }

    #[test]
    fn rejects_bad_strategies() {
        let err = |v| parse_strategy(&v).unwrap_err();
        assert!(err(json!({"strategy": "summ"})).contains("unknown reduce strategy \"summ\""));
        assert!(err(json!({"strategy": "sum", "key": ["/a"]})).contains("does not take a key"));
        assert!(
            err(json!({"strategy": "sum", "extra": 1})).contains("unexpected property \"extra\"")
        );
        assert!(err(json!({"strategy": "merge", "key": ["a"]})).contains("JSON Pointers"));
        assert!(err(json!("sum")).contains("must be an object"));
        assert!(err(json!({})).contains("missing required property"));
    }
}
