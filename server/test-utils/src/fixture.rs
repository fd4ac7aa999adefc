//! Multi-file text fixtures for editor tests (rust-analyzer's shape): one
//! string holding several files, each introduced by a `#- /path.yaml` header
//! line (a YAML comment, so every part stays valid YAML), and at most one
//! `$0` marking the cursor, removed from the text.
//!
//! ```text
//! #- /flow.yaml
//! import: [orders.flow.yaml]
//! #- /orders.flow.yaml
//! collections:
//!   acme/orders$0: …
//! ```
//!
//! Text before the first header belongs to `/flow.yaml`. Paths are absolute
//! within the fixture; [`MultiFile::url`] places them under `file:///fixture`.

use url::Url;

/// The cursor marker.
pub const CURSOR: &str = "$0";

/// A parsed multi-file fixture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiFile {
    /// `(path, text)` in the order written.
    pub files: Vec<(String, String)>,
    /// The file and byte offset of `$0`, if any.
    pub cursor: Option<(String, u32)>,
}

impl MultiFile {
    pub fn parse(fixture: &str) -> MultiFile {
        let mut files: Vec<(String, String)> = Vec::new();
        let mut current = ("/flow.yaml".to_string(), String::new());
        let mut started = false;
        for line in fixture.split_inclusive('\n') {
            if let Some(path) = line.trim_end().strip_prefix("#- ") {
                if started || !current.1.trim().is_empty() {
                    files.push(std::mem::take(&mut current));
                }
                current = (path.trim().to_string(), String::new());
                started = true;
                continue;
            }
            current.1.push_str(line);
        }
        files.push(current);
        let mut cursor = None;
        for (path, text) in &mut files {
            if let Some(at) = text.find(CURSOR) {
                assert!(cursor.is_none(), "a fixture has at most one {CURSOR}");
                text.replace_range(at..at + CURSOR.len(), "");
                cursor = Some((path.clone(), at as u32));
            }
        }
        MultiFile { files, cursor }
    }

    /// The URL a fixture path stands for.
    pub fn url(path: &str) -> Url {
        Url::parse(&format!("file:///fixture{path}")).expect("fixture paths are URL paths")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_cursor() {
        let fixture = MultiFile::parse(
            "#- /flow.yaml\nimport: [a.flow.yaml]\n#- /a.flow.yaml\ncollections:\n  x$0/y: {}\n",
        );
        assert_eq!(fixture.files.len(), 2);
        assert_eq!(
            fixture.files[0],
            ("/flow.yaml".into(), "import: [a.flow.yaml]\n".into())
        );
        assert_eq!(fixture.files[1].1, "collections:\n  x/y: {}\n");
        assert_eq!(fixture.cursor, Some(("/a.flow.yaml".into(), 16)));
    }

    #[test]
    fn text_before_any_header_is_flow_yaml() {
        let fixture = MultiFile::parse("collections: {}\n");
        assert_eq!(
            fixture.files,
            vec![("/flow.yaml".into(), "collections: {}\n".into())]
        );
        assert_eq!(fixture.cursor, None);
    }
}
