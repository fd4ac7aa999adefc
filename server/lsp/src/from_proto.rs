//! From the protocol to the analysis: URIs to URLs, positions (in the
//! negotiated encoding) to byte offsets, clamped to the text.

use lsp_types::{Position, Uri};
use text::{ColumnUnit, LineIndex};
use url::Url;

/// How the client counts columns (`general.positionEncodings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Utf16,
    Utf8,
}

impl Encoding {
    pub fn unit(self) -> ColumnUnit {
        match self {
            Encoding::Utf16 => ColumnUnit::Utf16,
            Encoding::Utf8 => ColumnUnit::Utf8,
        }
    }
}

/// A document URI as a URL; an error a client can read when it is not one.
pub fn url(uri: &Uri) -> Result<Url, String> {
    Url::parse(uri.as_str()).map_err(|error| format!("{} is not a URL: {error}", uri.as_str()))
}

/// The byte offset of a position, clamped to its line and to the text.
pub fn offset(text: &str, line_index: &LineIndex, position: Position, encoding: Encoding) -> u32 {
    line_index.offset(
        text,
        text::Position {
            line: position.line,
            character: position.character,
        },
        encoding.unit(),
    )
}
