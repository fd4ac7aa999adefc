//! `flowctl lint --format junit`: JUnit XML with one test case per catalog
//! file, failed when the file has errors (warnings are listed in its
//! `system-out`).

use std::path::Path;

use load::Loaded;
use text::ColumnUnit;

use super::{Located, display, positions};

pub fn report(loaded: &Loaded, located: &[Located<'_>], cwd: &Path) -> String {
    let mut cases = Vec::new();
    let mut failures = 0;
    for resource in &loaded.resources {
        let path = display(&resource.url, cwd);
        let mine: Vec<&Located<'_>> = located
            .iter()
            .filter(|item| item.file.as_ref() == Some(&resource.url))
            .collect();
        let lines: Vec<String> = mine
            .iter()
            .map(|item| {
                let (start, _) = positions(loaded, &resource.url, item.range, ColumnUnit::Char);
                format!(
                    "{path}:{}:{}: {}[{}]: {}",
                    start.line + 1,
                    start.character + 1,
                    item.diagnostic.severity,
                    item.diagnostic.code,
                    item.diagnostic.message
                )
            })
            .collect();
        let errors = mine
            .iter()
            .filter(|item| item.diagnostic.is_error())
            .count();
        let mut case = format!(
            "    <testcase name=\"{}\" classname=\"flowctl lint\"",
            escape(&path)
        );
        if errors > 0 {
            failures += 1;
            case.push_str(&format!(
                ">\n      <failure message=\"{errors} error(s)\">{}</failure>\n    </testcase>\n",
                escape(&lines.join("\n"))
            ));
        } else if !lines.is_empty() {
            case.push_str(&format!(
                ">\n      <system-out>{}</system-out>\n    </testcase>\n",
                escape(&lines.join("\n"))
            ));
        } else {
            case.push_str("/>\n");
        }
        cases.push(case);
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites tests=\"{0}\" failures=\"{failures}\">\n  <testsuite name=\"flowctl lint\" tests=\"{0}\" failures=\"{failures}\">\n{1}  </testsuite>\n</testsuites>",
        cases.len(),
        cases.concat()
    )
}

/// Escapes text for XML attributes and content.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
