//! JSON Pointer (RFC 6901) helpers shared by the index, the validator and
//! shape inference: escaping tokens, walking a value without recursion, and
//! decoding the percent-encoded pointer found in a URL fragment.

use serde_json::Value;

/// Appends `token` to `pointer` as one escaped reference token.
pub fn push_token(pointer: &mut String, token: &str) {
    pointer.push('/');
    for c in token.chars() {
        match c {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            c => pointer.push(c),
        }
    }
}

/// `pointer` with `token` appended.
pub fn join(pointer: &str, token: &str) -> String {
    let mut out = String::with_capacity(pointer.len() + token.len() + 1);
    out.push_str(pointer);
    push_token(&mut out, token);
    out
}

/// The unescaped reference tokens of `pointer`. `None` when `pointer` is not a
/// valid JSON Pointer (non-empty without a leading `/`, or a bad `~` escape).
pub fn tokens(pointer: &str) -> Option<Vec<String>> {
    if pointer.is_empty() {
        return Some(Vec::new());
    }
    let rest = pointer.strip_prefix('/')?;
    rest.split('/').map(unescape).collect()
}

fn unescape(token: &str) -> Option<String> {
    if !token.contains('~') {
        return Some(token.to_string());
    }
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

/// The value at `pointer` inside `root`, walking iteratively.
pub fn resolve<'v>(root: &'v Value, pointer: &str) -> Option<&'v Value> {
    let mut current = root;
    for token in tokens(pointer)? {
        current = match current {
            Value::Object(map) => map.get(&token)?,
            Value::Array(items) => items.get(parse_index(&token)?)?,
            _ => return None,
        };
    }
    Some(current)
}

/// An array index token: ASCII digits without a leading zero (except `0`).
pub fn parse_index(token: &str) -> Option<usize> {
    if token.is_empty() || !token.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if token.len() > 1 && token.starts_with('0') {
        return None;
    }
    token.parse().ok()
}

/// Percent-decodes a URL fragment. Invalid escapes are kept as written.
pub fn percent_decode(fragment: &str) -> String {
    let bytes = fragment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
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
        assert!(is_prefix("/a", "/a/b") && is_prefix("", "/a") && !is_prefix("/a", "/ab"));
    }
}
