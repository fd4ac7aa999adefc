//! Where resource bytes come from: the [`Fetch`] trait and its implementations.
//!
//! The loader never touches the file system or network itself; it asks a
//! `Fetch`. [`MemoryFetch`] serves tests and editor overlays; [`DiskFetch`]
//! reads `file://` URLs, rewrites mapped URL prefixes to local directories
//! (catalog.md §1.2: the resource keeps its original URL), and fetches remote
//! URLs with `curl` only when they are unmapped and the build is not offline.
//! This module is the one place in the library crates that does real IO.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::sync::Mutex;

use url::Url;

/// Source of resource text. Errors are human-readable reasons
/// ("no such file", "HTTP 404", …) that the loader wraps in a C2 diagnostic.
pub trait Fetch {
    fn fetch(&self, url: &Url) -> Result<String, String>;
}

/// Resources held in memory, by URL (tests, and editor buffers over another
/// fetcher with [`Overlay`]).
#[derive(Debug, Default, Clone)]
pub struct MemoryFetch {
    pub files: HashMap<Url, String>,
}

impl MemoryFetch {
    pub fn new() -> MemoryFetch {
        MemoryFetch::default()
    }

    pub fn insert(&mut self, url: Url, text: impl Into<String>) {
        self.files.insert(url, text.into());
    }
}

impl Fetch for MemoryFetch {
    fn fetch(&self, url: &Url) -> Result<String, String> {
        self.files
            .get(url)
            .cloned()
            .ok_or_else(|| "no such resource".to_string())
    }
}

/// In-memory texts over another fetcher: what the editor has open wins.
pub struct Overlay<'f> {
    pub overlay: &'f MemoryFetch,
    pub base: &'f dyn Fetch,
}

impl Fetch for Overlay<'_> {
    fn fetch(&self, url: &Url) -> Result<String, String> {
        match self.overlay.files.get(url) {
            Some(text) => Ok(text.clone()),
            None => self.base.fetch(url),
        }
    }
}

/// One `--map-url PREFIX=DIR` rewrite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlMapping {
    pub prefix: String,
    pub dir: PathBuf,
}

impl UrlMapping {
    /// Parses `PREFIX=DIR` (DIR relative to `cwd`).
    pub fn parse(spec: &str, cwd: &std::path::Path) -> Result<UrlMapping, String> {
        let (prefix, dir) = spec
            .split_once('=')
            .filter(|(prefix, dir)| !prefix.is_empty() && !dir.is_empty())
            .ok_or_else(|| format!("--map-url expects PREFIX=DIR, got \"{spec}\""))?;
        Ok(UrlMapping {
            prefix: prefix.to_string(),
            dir: cwd.join(dir),
        })
    }

    /// Parses `FLOW_MAP_URL`: `PREFIX=DIR;PREFIX=DIR`.
    pub fn parse_list(list: &str, cwd: &std::path::Path) -> Result<Vec<UrlMapping>, String> {
        list.split(';')
            .filter(|entry| !entry.trim().is_empty())
            .map(|entry| UrlMapping::parse(entry.trim(), cwd))
            .collect()
    }
}

/// Reads files, mapped URLs and (unless offline) remote URLs.
#[derive(Debug, Default)]
pub struct DiskFetch {
    pub mappings: Vec<UrlMapping>,
    pub offline: bool,
    /// Seconds before a remote fetch gives up.
    pub timeout_seconds: u32,
    cache: Mutex<HashMap<Url, Result<String, String>>>,
}

impl DiskFetch {
    pub fn new(mappings: Vec<UrlMapping>, offline: bool) -> DiskFetch {
        DiskFetch {
            mappings,
            offline,
            timeout_seconds: 10,
            cache: Mutex::default(),
        }
    }

    fn read_file(path: &std::path::Path) -> Result<String, String> {
        let bytes = std::fs::read(path).map_err(|error| match error.kind() {
            std::io::ErrorKind::NotFound => format!("file {} does not exist", path.display()),
            _ => format!("cannot read {}: {error}", path.display()),
        })?;
        String::from_utf8(bytes).map_err(|error| {
            format!(
                "{} is not UTF-8 text (invalid byte at offset {})",
                path.display(),
                error.utf8_error().valid_up_to()
            )
        })
    }

    fn fetch_remote(&self, url: &Url) -> Result<String, String> {
        if self.offline {
            return Err(
                "the URL is remote, not mapped by --map-url, and the build is --offline"
                    .to_string(),
            );
        }
        let output = Command::new("curl")
            .args([
                "--silent",
                "--show-error",
                "--location",
                "--fail",
                "--max-time",
            ])
            .arg(self.timeout_seconds.to_string())
            .arg(url.as_str())
            .output()
            .map_err(|error| {
                format!(
                    "cannot run curl to fetch it ({error}); map it with --map-url or use --offline"
                )
            })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            return Err(format!("fetch failed: {}", stderr.trim()));
        }
        String::from_utf8(output.stdout).map_err(|_| "the response is not UTF-8 text".to_string())
    }
}

impl Fetch for DiskFetch {
    fn fetch(&self, url: &Url) -> Result<String, String> {
        if let Some(mapping) = self
            .mappings
            .iter()
            .find(|mapping| url.as_str().starts_with(&mapping.prefix))
        {
            let rest = &url.as_str()[mapping.prefix.len()..];
            let rest = rest.split(['?', '#']).next().unwrap_or_default();
            let decoded = schema::pointer::percent_decode(rest);
            return DiskFetch::read_file(&mapping.dir.join(decoded));
        }
        match url.scheme() {
            "file" => {
                let path = url
                    .to_file_path()
                    .map_err(|()| "not a local file path".to_string())?;
                DiskFetch::read_file(&path)
            }
            "http" | "https" => {
                let mut cache = self
                    .cache
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                cache
                    .entry(url.clone())
                    .or_insert_with(|| self.fetch_remote(url))
                    .clone()
            }
            scheme => Err(format!("unsupported URL scheme \"{scheme}\"")),
        }
    }
}
