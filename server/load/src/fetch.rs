//! Where resource bytes come from: the [`Fetch`] trait and its implementations.
//!
//! The loader never touches the file system or network itself; it asks a
//! `Fetch`. [`MemoryFetch`] serves tests and editor overlays; [`DiskFetch`]
//! reads `file://` URLs, rewrites mapped URL prefixes to local directories
//! (catalog.md §1.2: the resource keeps its original URL), and fetches remote
//! URLs with `curl` only when they are unmapped and the build is not offline.
//! This module is the one place in the library crates that does real IO.
//!
//! Every read is bounded (hostile input, issue #12): only regular files, at
//! most [`DiskFetch::max_file_size`] bytes per resource, a mapped URL never
//! leaves its directory (decoded and normalised first), and curl speaks only
//! http and https.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

use url::Url;

/// Source of resource text. Errors are human-readable reasons
/// ("no such file", "HTTP 404", …) that the loader wraps in a C2 diagnostic.
/// Texts are shared: a fetcher that hands out the same allocation for an
/// unchanged file (an editor's buffers) lets a [`crate::Memo`] recognise it
/// by pointer.
pub trait Fetch {
    fn fetch(&self, url: &Url) -> Result<Arc<str>, String>;
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
    fn fetch(&self, url: &Url) -> Result<Arc<str>, String> {
        self.files
            .get(url)
            .map(|text| Arc::from(text.as_str()))
            .ok_or_else(|| "no such resource".to_string())
    }
}

/// In-memory texts over another fetcher: what the editor has open wins.
pub struct Overlay<'f> {
    pub overlay: &'f MemoryFetch,
    pub base: &'f dyn Fetch,
}

impl Fetch for Overlay<'_> {
    fn fetch(&self, url: &Url) -> Result<Arc<str>, String> {
        match self.overlay.files.get(url) {
            Some(text) => Ok(Arc::from(text.as_str())),
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

/// The default cap on one resource's size: 64 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 64 << 20;

/// Reads files, mapped URLs and (unless offline) remote URLs. Every read is
/// bounded: only regular files, at most `max_file_size` bytes per resource.
#[derive(Debug)]
pub struct DiskFetch {
    pub mappings: Vec<UrlMapping>,
    pub offline: bool,
    /// Seconds before a remote fetch gives up.
    pub timeout_seconds: u32,
    /// Most bytes one resource (file or response) may have.
    pub max_file_size: u64,
    cache: Mutex<HashMap<Url, Result<Arc<str>, String>>>,
}

impl Default for DiskFetch {
    fn default() -> DiskFetch {
        DiskFetch::new(Vec::new(), false)
    }
}

impl DiskFetch {
    pub fn new(mappings: Vec<UrlMapping>, offline: bool) -> DiskFetch {
        DiskFetch {
            mappings,
            offline,
            timeout_seconds: 10,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            cache: Mutex::default(),
        }
    }

    /// Reads a regular file of at most `max_file_size` bytes as UTF-8 text.
    /// Devices (`/dev/zero`), FIFOs and directories are refused before they
    /// are opened, and the read itself stops one byte past the limit.
    fn read_file(&self, path: &Path) -> Result<String, String> {
        let shown = path.display();
        let cannot = |error: std::io::Error| match error.kind() {
            std::io::ErrorKind::NotFound => format!("file {shown} does not exist"),
            _ => format!("cannot read {shown}: {error}"),
        };
        let metadata = std::fs::metadata(path).map_err(cannot)?;
        if !metadata.is_file() {
            return Err(format!("{shown} is not a regular file"));
        }
        let file = std::fs::File::open(path).map_err(cannot)?;
        let bytes = self
            .read_capped(file, &shown.to_string(), metadata.len())
            .map_err(|error| error.unwrap_or_else(cannot))?;
        String::from_utf8(bytes).map_err(|error| {
            format!(
                "{shown} is not UTF-8 text (invalid byte at offset {})",
                error.utf8_error().valid_up_to()
            )
        })
    }

    /// Reads at most `max_file_size` bytes; more is an error naming `what`
    /// and the limit (`Err(Ok(reason))`), an IO failure is `Err(Err(io))`.
    /// `expected`: the size it will likely have (a file's length), read
    /// into one allocation of that size rather than a growing one.
    fn read_capped(
        &self,
        reader: impl Read,
        what: &str,
        expected: u64,
    ) -> Result<Vec<u8>, Result<String, std::io::Error>> {
        // One byte more, so that reaching the end needs no growth.
        let capacity = expected.min(self.max_file_size).saturating_add(1);
        let mut bytes = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        reader
            .take(self.max_file_size.saturating_add(1))
            .read_to_end(&mut bytes)
            .map_err(Err)?;
        if bytes.len() as u64 > self.max_file_size {
            return Err(Ok(self.too_large(what)));
        }
        Ok(bytes)
    }

    fn too_large(&self, what: &str) -> String {
        format!(
            "{what} is larger than the limit of {} per resource (raise it with --max-file-size)",
            size_text(self.max_file_size)
        )
    }

    /// Fetches an `http(s)` URL with curl: those two protocols only (also
    /// across redirects), within the timeout, and at most `max_file_size`
    /// bytes of response.
    fn fetch_remote(&self, url: &Url) -> Result<String, String> {
        if self.offline {
            return Err(
                "the URL is remote, not mapped by --map-url, and the build is --offline"
                    .to_string(),
            );
        }
        let mut child = Command::new("curl")
            .args([
                "--silent",
                "--show-error",
                "--location",
                "--fail",
                "--proto",
                "=http,https",
                "--proto-redir",
                "=http,https",
                "--max-filesize",
            ])
            .arg(self.max_file_size.to_string())
            .arg("--max-time")
            .arg(self.timeout_seconds.to_string())
            .arg("--")
            .arg(url.as_str())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|error| {
                format!(
                    "cannot run curl to fetch it ({error}); map it with --map-url or use --offline"
                )
            })?;
        let body = match child.stdout.take() {
            Some(stdout) => self.read_capped(stdout, "the response", 0),
            None => Ok(Vec::new()),
        };
        if body.is_err() {
            // Too large (or unreadable): stop the transfer now.
            let _ = child.kill();
        }
        let output = child
            .wait_with_output()
            .map_err(|error| format!("fetch failed: {error}"))?;
        let body = body.map_err(|error| {
            error.unwrap_or_else(|io| format!("fetch failed: reading the response: {io}"))
        })?;
        // curl's own refusal when the announced length is over the cap.
        const CURL_FILESIZE_EXCEEDED: i32 = 63;
        if output.status.code() == Some(CURL_FILESIZE_EXCEEDED) {
            return Err(self.too_large("the response"));
        }
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let reason = stderr.trim().trim_start_matches("curl: ");
            let reason = match reason.chars().count() {
                0 => format!("curl exited with {}", output.status),
                n if n > 300 => format!("{}…", reason.chars().take(300).collect::<String>()),
                _ => reason.to_string(),
            };
            return Err(format!("fetch failed: {reason}"));
        }
        String::from_utf8(body).map_err(|_| "the response is not UTF-8 text".to_string())
    }

    /// The local path a mapped URL is served from, or why it cannot be.
    fn mapped_path(mapping: &UrlMapping, url: &Url) -> Result<PathBuf, String> {
        let rest = &url.as_str()[mapping.prefix.len()..];
        let rest = rest.split(['?', '#']).next().unwrap_or_default();
        let path = inside(rest).ok_or_else(|| {
            format!(
                "the path leaves the directory {} that --map-url {} serves",
                mapping.dir.display(),
                mapping.prefix
            )
        })?;
        Ok(mapping.dir.join(path))
    }
}

/// `rest` (the part of a URL after a mapped prefix) as a relative path that
/// stays inside the mapped directory: percent-decoded first, then normalised
/// (`.` and empty segments dropped, `..` taken back), and refused (None) when
/// a `..` would climb out, or when it decodes to a NUL or invalid UTF-8.
fn inside(rest: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(rest)
        .decode_utf8()
        .ok()?;
    if decoded.contains('\0') {
        return None;
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in decoded.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop()?;
            }
            name => segments.push(name),
        }
    }
    Some(segments.iter().collect())
}

/// A byte count as people write it: `64 MiB`, `1.5 KiB`, `100 bytes`.
fn size_text(bytes: u64) -> String {
    const UNITS: [(&str, u64); 3] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)];
    for (unit, size) in UNITS {
        if bytes >= size {
            return if bytes.is_multiple_of(size) {
                format!("{} {unit}", bytes / size)
            } else {
                format!("{:.1} {unit}", bytes as f64 / size as f64)
            };
        }
    }
    format!("{bytes} bytes")
}

impl Fetch for DiskFetch {
    fn fetch(&self, url: &Url) -> Result<Arc<str>, String> {
        if let Some(mapping) = self
            .mappings
            .iter()
            .find(|mapping| url.as_str().starts_with(&mapping.prefix))
        {
            return self
                .read_file(&DiskFetch::mapped_path(mapping, url)?)
                .map(Arc::from);
        }
        match url.scheme() {
            "file" => {
                let path = url
                    .to_file_path()
                    .map_err(|()| "not a local file path".to_string())?;
                self.read_file(&path).map(Arc::from)
            }
            "http" | "https" => {
                let mut cache = self
                    .cache
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
                cache
                    .entry(url.clone())
                    .or_insert_with(|| self.fetch_remote(url).map(Arc::from))
                    .clone()
            }
            scheme => Err(format!("unsupported URL scheme \"{scheme}\"")),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    use super::*;

    /// Serves one HTTP request on a local port with `response`, returning
    /// the base URL.
    fn serve_once(response: Vec<u8>) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
                line.clear();
            }
            let _ = reader.get_mut().write_all(&response);
        });
        format!("http://{address}/")
    }

    fn fetch_with_cap(response: Vec<u8>, cap: u64) -> Result<Arc<str>, String> {
        let url = Url::parse(&serve_once(response))
            .unwrap()
            .join("s.yaml")
            .unwrap();
        let mut fetch = DiskFetch::new(Vec::new(), false);
        fetch.max_file_size = cap;
        fetch.fetch(&url)
    }

    #[test]
    fn remote_responses_are_capped_with_or_without_a_length() {
        let body = "x".repeat(5000);
        let announced = format!("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n{body}");
        let error = fetch_with_cap(announced.into_bytes(), 1024).unwrap_err();
        assert_eq!(
            error,
            "the response is larger than the limit of 1 KiB per resource (raise it with --max-file-size)"
        );
        let unannounced = format!("HTTP/1.0 200 OK\r\nConnection: close\r\n\r\n{body}");
        let error = fetch_with_cap(unannounced.into_bytes(), 1024).unwrap_err();
        assert!(
            error.starts_with("the response is larger than the limit"),
            "{error}"
        );
        let small = "HTTP/1.0 200 OK\r\nConnection: close\r\n\r\ntype: object\n";
        assert_eq!(
            &*fetch_with_cap(small.as_bytes().to_vec(), 1024).unwrap(),
            "type: object\n"
        );
    }

    #[test]
    fn remote_redirects_cannot_reach_local_files() {
        let redirect =
            "HTTP/1.1 302 Found\r\nLocation: file:///etc/hostname\r\nContent-Length: 0\r\n\r\n";
        let error = fetch_with_cap(redirect.as_bytes().to_vec(), 1 << 20).unwrap_err();
        assert!(error.starts_with("fetch failed: "), "{error}");
        assert!(error.contains("file"), "{error}");
    }

    #[test]
    fn mapped_paths_are_decoded_normalised_and_kept_inside() {
        for (rest, inside_dir) in [
            ("a/b.yaml", Some("a/b.yaml")),
            ("a/./b/../c.yaml", Some("a/c.yaml")),
            ("%2Fetc%2Fpasswd", Some("etc/passwd")),
            ("a%20b.yaml", Some("a b.yaml")),
            ("..%2Fx", None),
            ("a/../../x", None),
            ("%2E%2E/x", None),
            ("a%00b", None),
            ("%FF", None),
        ] {
            assert_eq!(inside(rest), inside_dir.map(PathBuf::from), "{rest}");
        }
    }
}
