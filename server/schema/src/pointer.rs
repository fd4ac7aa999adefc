//! JSON Pointer helpers of schemas: the RFC 6901 basics come from
//! `json::pointer`; this adds the percent-encoded pointers of URL fragments
//! and prefix tests.

pub use json::pointer::{is_well_formed, join, parse_index, push_token, resolve, tokens};

/// Percent-decodes a URL fragment. Invalid escapes are kept as written.
pub fn percent_decode(fragment: &str) -> String {
    percent_encoding::percent_decode_str(fragment)
        .decode_utf8_lossy()
        .into_owned()
}

/// Percent-encodes a pointer for use as a URL fragment: everything but the
/// RFC 3986 fragment characters (and `%` itself) is encoded.
pub fn encode_fragment(pointer: &str) -> String {
    let mut out = String::with_capacity(pointer.len());
    for byte in pointer.bytes() {
        let plain = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&byte);
        if plain {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Whether `prefix` is `pointer` itself or one of its ancestors (token-wise).
pub fn is_prefix(prefix: &str, pointer: &str) -> bool {
    pointer.starts_with(prefix)
        && (pointer.len() == prefix.len() || pointer.as_bytes()[prefix.len()] == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn tokens_escape_and_resolve() {
        assert_eq!(join("/a", "b/c~d"), "/a/b~1c~0d");
        assert_eq!(tokens("/a/b~1c~0d"), Some(vec!["a".into(), "b/c~d".into()]));
        assert_eq!(tokens("a"), None);
        assert_eq!(tokens("/~2"), None);
        let v = json!({"a": [{"b/c": 1}]});
        assert_eq!(resolve(&v, "/a/0/b~1c"), Some(&json!(1)));
        assert_eq!(resolve(&v, "/a/01"), None);
        assert_eq!(percent_decode("/%24defs/a%20b/%zz%"), "/$defs/a b/%zz%");
        assert_eq!(encode_fragment("/a b/%/é"), "/a%20b/%25/%C3%A9");
        assert_eq!(percent_decode(&encode_fragment("/a b/%/é")), "/a b/%/é");
        assert!(is_prefix("/a", "/a/b") && is_prefix("", "/a") && !is_prefix("/a", "/ab"));
    }
}
