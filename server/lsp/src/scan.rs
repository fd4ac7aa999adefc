//! Finding the catalog files of the workspace folders on disk (`flow.yaml`,
//! `*.flow.yaml`, …): a bounded walk that skips hidden directories,
//! `node_modules` and `target`, follows no symbolic links, and stops after
//! a fixed number of entries so a huge folder cannot stall the server.

use std::path::Path;

use url::Url;

/// At most this many directory entries are looked at per scan.
const MAX_ENTRIES: usize = 200_000;
/// And no deeper than this.
const MAX_DEPTH: usize = 32;

/// The catalog files under `folders`, sorted.
pub fn catalog_files(folders: &[std::path::PathBuf]) -> Vec<Url> {
    let mut found = Vec::new();
    let mut budget = MAX_ENTRIES;
    for folder in folders {
        let mut stack = vec![(folder.clone(), 0usize)];
        while let Some((dir, depth)) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                if budget == 0 {
                    break;
                }
                budget -= 1;
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                let path = entry.path();
                let name = entry.file_name();
                let name = name.to_string_lossy();
                if kind.is_dir() {
                    if depth < MAX_DEPTH && !skipped_dir(&name) {
                        stack.push((path, depth + 1));
                    }
                } else if kind.is_file()
                    && let Ok(url) = Url::from_file_path(&path)
                    && ide::workspace::is_catalog_name(&url)
                {
                    found.push(url);
                }
            }
        }
    }
    found.sort();
    found
}

fn skipped_dir(name: &str) -> bool {
    name.starts_with('.') || name == "node_modules" || name == "target"
}

/// The directory a file URL is in, for the workspace folder of a client that
/// named none.
pub fn parent_dir(url: &Url) -> Option<std::path::PathBuf> {
    url.to_file_path()
        .ok()
        .and_then(|path| path.parent().map(Path::to_path_buf))
}
