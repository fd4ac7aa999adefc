//! How deeply a JSON value nests: [`depth_exceeding`], the one bound every
//! layer puts on user JSON before it recurses or hands it to a library that
//! does (schema documents, validated instances, compact text read back).

use serde_json::Value;

/// The pointer of the first value found nested deeper than `limit` levels
/// (every object and array level counts), searching depth-first from the
/// last entry of each object or array back to its first; `None` when the
/// whole of `value` is within `limit`. The pointer is built only when found.
pub fn depth_exceeding(value: &Value, limit: usize) -> Option<String> {
    /// The children of an object or array still to look at, last first.
    enum Children<'v> {
        Object(std::iter::Rev<serde_json::map::Iter<'v>>),
        Array(std::iter::Rev<std::iter::Enumerate<std::slice::Iter<'v, Value>>>),
    }
    enum Token<'v> {
        Key(&'v str),
        Index(usize),
    }
    fn children(value: &Value) -> Option<Children<'_>> {
        match value {
            Value::Object(map) => Some(Children::Object(map.iter().rev())),
            Value::Array(items) => Some(Children::Array(items.iter().enumerate().rev())),
            _ => None,
        }
    }
    // The path to the current container: the token that reached it and its
    // children still to look at.
    let mut path: Vec<(Option<Token<'_>>, Children<'_>)> = Vec::new();
    path.push((None, children(value)?));
    while let Some((_, next)) = path.last_mut() {
        let child = match next {
            Children::Object(iter) => iter.next().map(|(k, v)| (Token::Key(k.as_str()), v)),
            Children::Array(iter) => iter.next().map(|(i, v)| (Token::Index(i), v)),
        };
        let Some((token, child)) = child else {
            path.pop();
            continue;
        };
        let Some(grandchildren) = children(child) else {
            continue;
        };
        path.push((Some(token), grandchildren));
        // The root is at depth 0: a container at depth `path.len() - 1`.
        if path.len() - 1 > limit {
            let mut pointer = String::new();
            for (token, _) in &path {
                match token {
                    Some(Token::Key(key)) => crate::pointer::push_token(&mut pointer, key),
                    Some(Token::Index(i)) => crate::pointer::push_index(&mut pointer, *i),
                    None => {}
                }
            }
            return Some(pointer);
        }
    }
    None
}
