//! The text of every file a build reads: what the editor has open wins over
//! the disk, and disk reads are cached until the file is reported changed
//! (`didChangeWatchedFiles`, save, open, close). Texts are shared
//! `Arc<str>`s, so an unchanged file is the same allocation from one
//! revision to the next and caches can compare by pointer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use load::{DiskFetch, Fetch};
use url::Url;

/// A cached read of a file from disk: its text or why it could not be read.
pub type DiskRead = Result<Arc<str>, String>;

/// Disk reads shared by every revision until invalidated.
#[derive(Debug, Default)]
pub struct DiskCache {
    reads: Mutex<HashMap<Url, DiskRead>>,
}

impl DiskCache {
    /// Forgets a file's text: the next build reads it again.
    pub fn invalidate(&self, url: &Url) {
        self.lock().remove(url);
    }

    /// Forgets every file.
    pub fn clear(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Url, DiskRead>> {
        // A panic while holding the lock leaves only a map of texts behind:
        // still consistent, so keep using it.
        self.reads
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The cached text of a file, without reading it.
    pub fn cached(&self, url: &Url) -> Option<DiskRead> {
        self.lock().get(url).cloned()
    }

    /// The file's text from the cache, or read now through `disk`.
    pub fn read(&self, url: &Url, disk: &DiskFetch) -> DiskRead {
        if let Some(read) = self.lock().get(url) {
            return read.clone();
        }
        let read = disk.fetch(url);
        self.lock().insert(url.clone(), read.clone());
        read
    }
}

/// Editor buffers over the disk cache, as a `load::Fetch`.
pub struct EditorFetch<'a> {
    pub open: &'a HashMap<Url, Arc<str>>,
    pub disk_cache: &'a DiskCache,
    pub disk: &'a DiskFetch,
}

impl EditorFetch<'_> {
    /// The shared text of a file.
    pub fn text(&self, url: &Url) -> DiskRead {
        match self.open.get(url) {
            Some(text) => Ok(Arc::clone(text)),
            None if url.scheme() == "file" => self.disk_cache.read(url, self.disk),
            // Remote resources go through the disk fetcher's own rules
            // (offline, --map-url), uncached: they are rare.
            None => self.disk.fetch(url),
        }
    }
}

impl Fetch for EditorFetch<'_> {
    fn fetch(&self, url: &Url) -> Result<Arc<str>, String> {
        self.text(url)
    }
}
