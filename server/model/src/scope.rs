//! [`Scope`]: a place in a catalog, as a resource URL plus a JSON Pointer.

use std::fmt;

use url::Url;

/// A place in a resource: its URL and the JSON Pointer of a value inside it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Scope {
    pub resource: Url,
    pub pointer: String,
}

impl Scope {
    pub fn new(resource: Url, pointer: impl Into<String>) -> Scope {
        Scope {
            resource,
            pointer: pointer.into(),
        }
    }

    /// The scope of the resource's root value.
    pub fn root(resource: Url) -> Scope {
        Scope {
            resource,
            pointer: String::new(),
        }
    }

    /// This scope extended by one (escaped) pointer token.
    pub fn push(&self, token: impl fmt::Display) -> Scope {
        use fmt::Write;
        let mut pointer = String::with_capacity(self.pointer.len() + 24);
        pointer.push_str(&self.pointer);
        pointer.push('/');
        // Writing to a String cannot fail; the token is escaped as written,
        // without an intermediate String (scopes are built per entity per build).
        let _ = write!(json::pointer::TokenWriter(&mut pointer), "{token}");
        Scope {
            resource: self.resource.clone(),
            pointer,
        }
    }

    /// This scope extended by several tokens.
    pub fn push_all<T: fmt::Display>(&self, tokens: impl IntoIterator<Item = T>) -> Scope {
        tokens
            .into_iter()
            .fold(self.clone(), |scope, token| scope.push(token))
    }

    /// A URL for this scope: the resource URL with the pointer as fragment.
    pub fn to_url_string(&self) -> String {
        format!("{self}")
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.resource, self.pointer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn push_escapes_display_tokens_as_push_token_does() {
        let root = Scope::root(Url::parse("file:///w/flow.yaml").unwrap());
        let scope = root.push("collections").push(3).push("a/b~c").push("");
        assert_eq!(scope.pointer, "/collections/3/a~1b~0c/");
        let mut expected = String::new();
        for token in ["collections", "3", "a/b~c", ""] {
            json::pointer::push_token(&mut expected, token);
        }
        assert_eq!(scope.pointer, expected);
    }
}
