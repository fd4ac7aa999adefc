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
        let mut pointer = self.pointer.clone();
        json::pointer::push_token(&mut pointer, &token.to_string());
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
