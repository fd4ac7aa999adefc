//! Inline diagnostic expectations for the catalog fixtures under `fixtures/invalid/`.
//!
//! A fixture states the diagnostics it expects as YAML comments placed directly
//! under the line they point at:
//!
//! ```yaml
//!       source: { name: acme/order }
//! #                     ^^^^^^^^^^ C12: did you mean "acme/orders"
//! ```
//!
//! An *annotation line* is a line whose content (after optional leading
//! whitespace) is `#`, then spaces, then one or more `^`, then a space, then
//! `CODE: message-substring`. The carets mark a single-line range on the nearest
//! preceding line that is not itself an annotation line: the range starts at the
//! column of the first caret and ends one past the column of the last caret.
//! Columns are 0-based and counted in Unicode scalar values (`char`s), in the
//! comment line and in the annotated line alike. Several annotation lines may
//! follow one source line. `CODE` is a check id of catalog.md §12 (`C12`, `C1a`,
//! `W1`, …); the message is a substring expected in the diagnostic's message.
//!
//! A fixture directory may additionally hold an `expect.json` for diagnostics
//! that cannot be written inline (see [`fixture_expectations`]).

pub mod big;
pub mod corpus;
pub mod fixture;
pub mod postgres;
pub mod rng;
pub mod scratch;

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

/// One expected diagnostic, located in the file that holds the annotation.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Expectation {
    /// 0-based line of the annotated source line.
    pub line: u32,
    /// 0-based start column, in Unicode scalar values.
    pub start_character: u32,
    /// 0-based exclusive end column, in Unicode scalar values.
    pub end_character: u32,
    /// Check id, e.g. `C12` or `W1`.
    pub code: String,
    /// Substring expected in the diagnostic's message (may be empty).
    pub message: String,
}

/// A malformed annotation, or an annotation with nothing above it to point at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnotationError {
    /// 0-based line of the offending annotation line.
    pub line: u32,
    /// What is wrong with it.
    pub reason: String,
}

impl fmt::Display for AnnotationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line + 1, self.reason)
    }
}

impl std::error::Error for AnnotationError {}

/// The parts of one annotation line, before it is attached to a source line.
struct Annotation {
    start: u32,
    end: u32,
    code: String,
    message: String,
}

/// Returns true when `line` looks like an annotation line: optional leading
/// whitespace, `#`, optional spaces, then a `^`. Such a line is never an
/// annotated source line, even when it is malformed.
pub fn is_annotation_line(line: &str) -> bool {
    let rest = line.trim_start();
    match rest.strip_prefix('#') {
        Some(after_hash) => after_hash.trim_start_matches(' ').starts_with('^'),
        None => false,
    }
}

/// Parses one annotation-like line (see [`is_annotation_line`]).
fn parse_annotation(line: &str) -> Result<Annotation, String> {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    // `#`
    i += 1;
    while i < chars.len() && chars[i] == ' ' {
        i += 1;
    }
    let start = i;
    while i < chars.len() && chars[i] == '^' {
        i += 1;
    }
    let end = i;
    if i >= chars.len() || chars[i] != ' ' {
        return Err("expected a space and a check code after the carets".to_string());
    }
    while i < chars.len() && chars[i] == ' ' {
        i += 1;
    }
    let code_start = i;
    while i < chars.len() && chars[i].is_ascii_alphanumeric() {
        i += 1;
    }
    let code: String = chars[code_start..i].iter().collect();
    let valid_code = code.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && code.chars().any(|c| c.is_ascii_digit());
    if !valid_code {
        return Err(format!(
            "expected a check code such as C12 or W1 after the carets, found {:?}",
            code
        ));
    }
    let message = if i == chars.len() {
        String::new()
    } else if chars[i] == ':' {
        let rest: String = chars[i + 1..].iter().collect();
        rest.strip_prefix(' ')
            .unwrap_or(&rest)
            .trim_end()
            .to_string()
    } else {
        return Err(format!("expected ':' after the check code {code}"));
    };
    Ok(Annotation {
        start: start as u32,
        end: end as u32,
        code,
        message,
    })
}

/// Splits text into lines on `\n`, dropping a trailing `\r` from each line.
fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l))
}

/// Parses every annotation of `file_text`, reporting malformed annotations and
/// annotations that have no source line above them.
pub fn try_expectations(file_text: &str) -> Result<Vec<Expectation>, AnnotationError> {
    let mut out = Vec::new();
    let mut last_source_line: Option<u32> = None;
    for (index, line) in lines(file_text).enumerate() {
        let index = index as u32;
        if !is_annotation_line(line) {
            last_source_line = Some(index);
            continue;
        }
        let annotation = parse_annotation(line).map_err(|reason| AnnotationError {
            line: index,
            reason,
        })?;
        let Some(source_line) = last_source_line else {
            return Err(AnnotationError {
                line: index,
                reason: "annotation has no source line above it".to_string(),
            });
        };
        out.push(Expectation {
            line: source_line,
            start_character: annotation.start,
            end_character: annotation.end,
            code: annotation.code,
            message: annotation.message,
        });
    }
    Ok(out)
}

/// Parses every annotation of `file_text`.
///
/// # Panics
///
/// On a malformed annotation (a test fixture bug), naming the line.
pub fn expectations(file_text: &str) -> Vec<Expectation> {
    try_expectations(file_text).unwrap_or_else(|e| panic!("bad annotation at {e}"))
}

/// Every expectation of a fixture case directory, with paths relative to `dir`:
/// the inline annotations of all `*.yaml`/`*.yml` files below `dir` (recursively),
/// plus the entries of `dir/expect.json` when that file exists.
///
/// `expect.json` is an array of objects with the fields `file` (relative path),
/// `line`, `start_character`, `end_character` (0-based, Unicode scalar values),
/// `code` and `message`.
///
/// The result is sorted by path, then position, then code.
///
/// # Panics
///
/// When the directory cannot be read, or an annotation or `expect.json` is malformed.
pub fn fixture_expectations(dir: &Path) -> Vec<(PathBuf, Expectation)> {
    let mut files = Vec::new();
    collect_yaml_files(dir, &mut files);
    let mut out = Vec::new();
    for file in files {
        let text = fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let relative = file
            .strip_prefix(dir)
            .expect("file is below dir")
            .to_path_buf();
        let found = try_expectations(&text)
            .unwrap_or_else(|e| panic!("bad annotation in {}, {e}", file.display()));
        out.extend(found.into_iter().map(|e| (relative.clone(), e)));
    }
    let expect_json = dir.join("expect.json");
    if expect_json.is_file() {
        out.extend(read_expect_json(&expect_json));
    }
    out.sort();
    out
}

fn collect_yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut paths: Vec<PathBuf> = entries
        .map(|entry| entry.expect("directory entry").path())
        .collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect_yaml_files(&path, out);
        } else if path
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml")
        {
            out.push(path);
        }
    }
}

fn read_expect_json(path: &Path) -> Vec<(PathBuf, Expectation)> {
    let bad = |what: &str| -> ! { panic!("{}: {what}", path.display()) };
    let text = fs::read_to_string(path).unwrap_or_else(|e| bad(&e.to_string()));
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| bad(&e.to_string()));
    let Some(items) = value.as_array() else {
        bad("expected a JSON array")
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let string = |field: &str| -> String {
                item.get(field)
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
                    .unwrap_or_else(|| bad(&format!("entry {i}: missing string field {field:?}")))
            };
            let number = |field: &str| -> u32 {
                item.get(field)
                    .and_then(|v| v.as_u64())
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or_else(|| bad(&format!("entry {i}: missing number field {field:?}")))
            };
            let message = item
                .get("message")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string();
            (
                PathBuf::from(string("file")),
                Expectation {
                    line: number("line"),
                    start_character: number("start_character"),
                    end_character: number("end_character"),
                    code: string("code"),
                    message,
                },
            )
        })
        .collect()
}

/// The fixture case directories directly below `root`: every subdirectory that
/// holds a `flow.yaml`, sorted by name.
///
/// # Panics
///
/// When `root` cannot be read.
pub fn case_dirs(root: &Path) -> Vec<PathBuf> {
    let entries =
        fs::read_dir(root).unwrap_or_else(|e| panic!("cannot read {}: {e}", root.display()));
    let mut dirs: Vec<PathBuf> = entries
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_dir() && path.join("flow.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// The repository's `fixtures/` directory.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp(line: u32, start: u32, end: u32, code: &str, message: &str) -> Expectation {
        Expectation {
            line,
            start_character: start,
            end_character: end,
            code: code.to_string(),
            message: message.to_string(),
        }
    }

    #[test]
    fn single_annotation() {
        let text = "\
collections:
      source: { name: acme/order }
#                     ^^^^^^^^^^ C12: did you mean \"acme/orders\"
";
        assert_eq!(
            expectations(text),
            vec![exp(1, 22, 32, "C12", "did you mean \"acme/orders\"")]
        );
    }

    #[test]
    fn several_annotations_under_one_line() {
        let text = "\
a: 1
key: [id, /a~2]
#     ^^ C6b: \"id\" is not a valid JSON Pointer
#         ^^^^ C6b: \"/a~2\" is not a valid JSON Pointer
#    ^^^^^^^^^^ C10a
b: 2
#  ^ W1: second source line
";
        assert_eq!(
            expectations(text),
            vec![
                exp(1, 6, 8, "C6b", "\"id\" is not a valid JSON Pointer"),
                exp(1, 10, 14, "C6b", "\"/a~2\" is not a valid JSON Pointer"),
                exp(1, 5, 15, "C10a", ""),
                exp(5, 3, 4, "W1", "second source line"),
            ]
        );
    }

    #[test]
    fn unicode_columns_count_chars_not_bytes() {
        // `é` and `正岡` are multi-byte in UTF-8 (and `😀` is two UTF-16 units);
        // every one counts as a single column.
        let text = "x: { café: 正岡大介, 😀: acme/ordr }\n#                   ^^^^^^^^^ C12: no collection named \"acme/ordr\"\n";
        let found = expectations(text);
        assert_eq!(
            found,
            vec![exp(0, 20, 29, "C12", "no collection named \"acme/ordr\"")]
        );
        let source: Vec<char> = text.lines().next().unwrap().chars().collect();
        let marked: String = source[20..29].iter().collect();
        assert_eq!(marked, "acme/ordr");
    }

    #[test]
    fn unicode_in_message_and_indented_hash() {
        let text = "tests:\n  \"Ünïcode test\": []\n  #^^^^^^^^^^^^ C32a: test \"Ünïcode test\" is already defined\n";
        assert_eq!(
            expectations(text),
            vec![exp(
                1,
                3,
                15,
                "C32a",
                "test \"Ünïcode test\" is already defined"
            )]
        );
    }

    #[test]
    fn annotations_skip_over_each_other_but_not_over_blank_lines() {
        let text = "a: b\n\n#  ^ C1a: points at the blank line\n";
        assert_eq!(
            expectations(text),
            vec![exp(1, 3, 4, "C1a", "points at the blank line")]
        );
    }

    #[test]
    fn crlf_line_endings() {
        let text = "a: b\r\nkey: value\r\n#    ^^^^^ C1b: wrong  \r\n";
        assert_eq!(expectations(text), vec![exp(1, 5, 10, "C1b", "wrong")]);
    }

    #[test]
    fn plain_comments_are_not_annotations() {
        let text =
            "# a comment\n  # another ^ comment\n#no caret here\nkey: v # trailing ^ caret\n";
        assert_eq!(expectations(text), vec![]);
        assert!(!is_annotation_line("key: v # ^ trailing"));
        assert!(is_annotation_line("   #   ^^ C2: x"));
        assert!(is_annotation_line("#^ C2: x"));
    }

    #[test]
    fn malformed_annotations_are_errors() {
        let missing_code = try_expectations("a: b\n#  ^^ \n").unwrap_err();
        assert_eq!(missing_code.line, 1);
        let lower_code = try_expectations("a: b\n#  ^^ see above\n").unwrap_err();
        assert!(lower_code.reason.contains("check code"), "{lower_code}");
        let no_colon = try_expectations("a: b\n#  ^^ C12 did you mean\n").unwrap_err();
        assert!(no_colon.reason.contains("':'"), "{no_colon}");
        let no_space = try_expectations("a: b\n#  ^^C12: x\n").unwrap_err();
        assert_eq!(no_space.line, 1);
        let orphan = try_expectations("#  ^^ C12: x\na: b\n").unwrap_err();
        assert_eq!(orphan.line, 0);
    }

    #[test]
    #[should_panic(expected = "bad annotation at line 2")]
    fn expectations_panics_on_malformed() {
        expectations("a: b\n# ^ nope\n");
    }

    #[test]
    fn fixture_directory_walk_and_expect_json() {
        let dir = crate::scratch::Scratch::with_files(
            "test-utils-walk",
            &[
                (
                    "flow.yaml",
                    "import: [sub/a.flow.yaml]\n#        ^^^^^^^^^^^^^^^ C2: could not load\n",
                ),
                ("sub/a.flow.yaml", "collections: []\n"),
                (
                    "sub/b.schema.yaml",
                    "type: strnig\n#     ^^^^^^ C9: invalid schema\n",
                ),
                ("notes.txt", "#  ^ C1: not yaml, ignored\n"),
                (
                    "expect.json",
                    r#"[{"file": "data.bin", "line": 0, "start_character": 0, "end_character": 1, "code": "C1a", "message": "YAML error"}]"#,
                ),
            ],
        );

        let found = fixture_expectations(&dir);
        assert_eq!(
            found,
            vec![
                (PathBuf::from("data.bin"), exp(0, 0, 1, "C1a", "YAML error")),
                (
                    PathBuf::from("flow.yaml"),
                    exp(0, 9, 24, "C2", "could not load")
                ),
                (
                    PathBuf::from("sub/b.schema.yaml"),
                    exp(0, 6, 12, "C9", "invalid schema")
                ),
            ]
        );

        let root = crate::scratch::Scratch::new("test-utils-cases");
        for name in ["C2-b", "C12-a", "not-a-case"] {
            fs::create_dir_all(root.join(name)).unwrap();
        }
        fs::write(root.join("C2-b/flow.yaml"), "").unwrap();
        fs::write(root.join("C12-a/flow.yaml"), "").unwrap();
        assert_eq!(
            case_dirs(&root),
            vec![root.join("C12-a"), root.join("C2-b")]
        );
    }
}
