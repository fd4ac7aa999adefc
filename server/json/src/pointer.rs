//! JSON Pointers (RFC 6901): parsing, escaping, building and resolving.
//!
//! The one implementation every crate uses: the syntax tree maps pointers to
//! ranges, schemas are indexed by pointer, documents are keyed by pointer.

use serde_json::Value;

/// Splits a pointer into unescaped tokens; `None` when it is malformed (not
/// empty and not starting with `/`, or a bad `~` escape).
pub fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    pointer
        .strip_prefix('/')?
        .split('/')
        .map(unescape_token)
        .collect()
}

/// Whether `pointer` is one [`tokens`] splits (empty, or `/`-led with every
/// `~` escaping `0` or `1`), without splitting it.
pub fn is_well_formed(pointer: &str) -> bool {
    if pointer.is_empty() {
        return true;
    }
    let bytes = pointer.as_bytes();
    bytes[0] == b'/'
        && bytes
            .iter()
            .enumerate()
            .all(|(i, &b)| b != b'~' || matches!(bytes.get(i + 1), Some(b'0' | b'1')))
}

/// Resolves a JSON Pointer (RFC 6901) inside `document`: `""` is the document
/// itself, `/a/0` the first item of property `a`. `None` means "missing"
/// (including a malformed pointer or an array index with leading zeros).
pub fn resolve<'d>(document: &'d Value, pointer: &str) -> Option<&'d Value> {
    if pointer.is_empty() {
        return Some(document);
    }
    let rest = pointer.strip_prefix('/')?;
    let mut here = document;
    for token in rest.split('/') {
        here = match here {
            Value::Object(map) => {
                if token.contains('~') {
                    map.get(&unescape_token(token)?)?
                } else {
                    map.get(token)?
                }
            }
            Value::Array(items) => items.get(parse_index(token)?)?,
            _ => return None,
        };
    }
    Some(here)
}

/// Decodes `~1` as `/` and `~0` as `~`; any other `~` makes the pointer invalid.
pub fn unescape_token(token: &str) -> Option<String> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            }
        } else {
            out.push(c);
        }
    }
    Some(out)
}

/// An RFC 6901 array index: decimal digits, no leading zero except `0` itself.
pub fn parse_index(token: &str) -> Option<usize> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if token.len() > 1 && token.starts_with('0') {
        return None;
    }
    token.parse().ok()
}

/// Appends `token` to a JSON Pointer, escaping `~` and `/`.
pub fn push_token(pointer: &mut String, token: &str) {
    use std::fmt::Write;
    pointer.push('/');
    // Writing to a String cannot fail.
    let _ = TokenWriter(pointer).write_str(token);
}

/// Writes text at the end of a JSON Pointer as (part of) its last token,
/// escaping `~` and `/`: `write!(TokenWriter(&mut pointer), "{token}")`
/// appends a `Display` token without formatting it into a String first.
pub struct TokenWriter<'p>(pub &'p mut String);

impl std::fmt::Write for TokenWriter<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        if text.contains(['~', '/']) {
            for c in text.chars() {
                match c {
                    '~' => self.0.push_str("~0"),
                    '/' => self.0.push_str("~1"),
                    c => self.0.push(c),
                }
            }
        } else {
            self.0.push_str(text);
        }
        Ok(())
    }
}

/// Appends an array index to a JSON Pointer.
pub fn push_index(pointer: &mut String, index: usize) {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let _ = write!(pointer, "/{index}");
}

/// `pointer` extended by one escaped token.
pub fn join(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    push_token(&mut out, token);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn well_formed_is_what_tokens_splits() {
        for p in [
            "", "/", "/a", "a", "/~0/~1", "/~", "/~2", "/a~", "~0", "/é~1", "//", "/~01",
        ] {
            assert_eq!(is_well_formed(p), tokens(p).is_some(), "{p}");
        }
    }

    #[test]
    fn tokens_escape_and_resolve() {
        assert_eq!(
            tokens("/a~1b/~0c/0"),
            Some(vec!["a/b".to_string(), "~c".to_string(), "0".to_string()])
        );
        assert_eq!(tokens(""), Some(vec![]));
        assert_eq!(tokens("a"), None);
        assert_eq!(tokens("/a~2"), None);
        assert_eq!(join("/x", "a/b~"), "/x/a~1b~0");
        let doc = json!({"a/b": [1, {"c": 2}]});
        assert_eq!(resolve(&doc, "/a~1b/1/c"), Some(&json!(2)));
        assert_eq!(resolve(&doc, "/a~1b/01"), None);
        assert_eq!(resolve(&doc, ""), Some(&doc));
    }
}
