//! Diagnostics resolved to a file and a range: the one place that turns a
//! [`model::Diagnostic`]'s scope into the text range every face shows (the
//! CLI's renderers and the language server), so `flowctl lint` and the editor
//! report the same range, related locations included.

use model::Diagnostic;
use text::{ColumnUnit, Position, TextRange};
use url::Url;

use crate::Loaded;

/// A diagnostic with its scope resolved to a file and a range.
#[derive(Debug, Clone)]
pub struct Located<'d> {
    pub diagnostic: &'d Diagnostic,
    /// The file holding the range (inline-schema scopes resolve to their catalog file).
    pub file: Option<Url>,
    pub range: TextRange,
    pub related: Vec<(Url, TextRange, String)>,
}

/// Resolves every diagnostic's range, sorted by file (load order) and position.
pub fn locate_all<'d>(loaded: &Loaded, diagnostics: &'d [Diagnostic]) -> Vec<Located<'d>> {
    let mut located: Vec<Located<'d>> = diagnostics
        .iter()
        .map(|diagnostic| {
            let location = loaded.locate(&diagnostic.scope, diagnostic.at_key);
            let file = location.as_ref().map(|location| location.resource.clone());
            let range = diagnostic
                .range
                .or(location.as_ref().map(|location| location.range))
                .unwrap_or_default();
            let mut related = Vec::new();
            if let Some(anchor) = location.as_ref().and_then(|location| location.anchor_range)
                && let Some(file) = &file
            {
                related.push((
                    file.clone(),
                    anchor,
                    "the value comes from this anchor".to_string(),
                ));
            }
            for item in &diagnostic.related {
                if let Some(at) = loaded.locate(&item.scope, false) {
                    related.push((
                        at.resource,
                        item.range.unwrap_or(at.range),
                        item.message.clone(),
                    ));
                }
            }
            Located {
                diagnostic,
                file,
                range,
                related,
            }
        })
        .collect();
    let order = |url: &Option<Url>| {
        url.as_ref()
            .and_then(|url| {
                loaded
                    .resources
                    .iter()
                    .position(|resource| &resource.url == url)
            })
            .unwrap_or(usize::MAX)
    };
    located.sort_by_key(|item| (order(&item.file), item.range.start, item.diagnostic.code));
    located
}

/// The (start, end) positions of a range in a resource, in `unit`.
pub fn positions(
    loaded: &Loaded,
    file: &Url,
    range: TextRange,
    unit: ColumnUnit,
) -> (Position, Position) {
    match loaded.resource(file) {
        Some(resource) => (
            resource
                .line_index
                .position(&resource.text, range.start, unit),
            resource
                .line_index
                .position(&resource.text, range.end, unit),
        ),
        None => (Position::default(), Position::default()),
    }
}
