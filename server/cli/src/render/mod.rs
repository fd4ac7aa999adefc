//! Renderers: each output format of `build`, `lint` and `test`. They all start
//! from [`Located`] diagnostics, so every format reports the same range.

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod sarif;

use std::path::Path;

use url::Url;

pub use load::locate::{Located, locate_all, positions};

/// The path shown for a file.
pub fn display(file: &Url, cwd: &Path) -> String {
    crate::paths::display_path(file, cwd)
}
