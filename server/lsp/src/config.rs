//! Settings from the client: `initializationOptions` at start and
//! `workspace/didChangeConfiguration` later, either as `{"flowctl": {...}}`
//! or the inner object itself. Keys (the CLI flags of the same names):
//! `mapUrl` (a list of `PREFIX=DIR`, or one comma-separated string; DIR
//! relative to the first workspace folder), `offline` (bool),
//! `lambdaTimeout` (milliseconds, or a duration like `"2s"`),
//! `maxFileSize` (bytes). A setting that cannot be read is reported and the
//! others still apply.

use std::path::Path;
use std::time::Duration;

use ide::Config;
use load::UrlMapping;
use serde_json::Value;

/// Applies `settings` over `config`; returns a message per setting that could
/// not be read.
pub fn apply(config: &mut Config, settings: &Value, folder: &Path) -> Vec<String> {
    let settings = settings.get("flowctl").unwrap_or(settings);
    let mut problems = Vec::new();
    let Some(object) = settings.as_object() else {
        return problems;
    };
    if let Some(offline) = object.get("offline") {
        match offline.as_bool() {
            Some(offline) => config.offline = offline,
            None => problems.push("flowctl.offline must be true or false".to_string()),
        }
    }
    if let Some(map_url) = object.get("mapUrl") {
        let specs: Vec<String> = match map_url {
            Value::String(list) => list.split(',').map(str::to_string).collect(),
            Value::Array(items) => items
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            Value::Null => Vec::new(),
            _ => {
                problems.push("flowctl.mapUrl must be a list of PREFIX=DIR".to_string());
                Vec::new()
            }
        };
        let mut mappings = Vec::new();
        for spec in specs
            .iter()
            .map(|spec| spec.trim())
            .filter(|spec| !spec.is_empty())
        {
            match UrlMapping::parse(spec, folder) {
                Ok(mapping) => mappings.push(mapping),
                Err(error) => problems.push(format!("flowctl.mapUrl: {error}")),
            }
        }
        config.map_url = mappings;
    }
    if let Some(timeout) = object.get("lambdaTimeout") {
        let parsed = match timeout {
            Value::Number(ms) => ms.as_u64().map(Duration::from_millis),
            Value::String(text) => humantime_like(text),
            _ => None,
        };
        match parsed.filter(|timeout| !timeout.is_zero()) {
            Some(timeout) => config.lambda_timeout = timeout,
            None => problems.push(format!(
                "flowctl.lambdaTimeout must be a positive number of milliseconds or a duration like \"2s\", not {timeout}"
            )),
        }
    }
    if let Some(size) = object.get("maxFileSize") {
        match size.as_u64() {
            Some(size) if size > 0 => config.max_file_size = size,
            _ => {
                problems.push("flowctl.maxFileSize must be a positive number of bytes".to_string())
            }
        }
    }
    problems
}

/// `250ms`, `2s`, `1m` or a bare number of milliseconds.
fn humantime_like(text: &str) -> Option<Duration> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    match unit.trim() {
        "" | "ms" => Some(Duration::from_millis(number)),
        "s" => Some(Duration::from_secs(number)),
        "m" | "min" => Some(Duration::from_secs(number * 60)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_or_flat_settings_apply() {
        let mut config = Config::default();
        let problems = apply(
            &mut config,
            &json!({"flowctl": {"offline": true, "lambdaTimeout": "2s", "mapUrl": ["https://x.test/=schemas"]}}),
            Path::new("/w"),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert!(config.offline);
        assert_eq!(config.lambda_timeout, Duration::from_secs(2));
        assert_eq!(config.map_url.len(), 1);
        let problems = apply(
            &mut config,
            &json!({"offline": false, "lambdaTimeout": 250}),
            Path::new("/w"),
        );
        assert!(problems.is_empty());
        assert!(!config.offline);
        assert_eq!(config.lambda_timeout, Duration::from_millis(250));
    }

    #[test]
    fn unreadable_settings_are_reported_and_others_apply() {
        let mut config = Config::default();
        let problems = apply(
            &mut config,
            &json!({"offline": "yes", "lambdaTimeout": "soon", "maxFileSize": 10}),
            Path::new("/w"),
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert_eq!(config.max_file_size, 10);
    }
}
