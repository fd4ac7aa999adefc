//! Scratch directories for tests: a fresh directory under the system's temp
//! directory that is removed again when the test is done with it, so test
//! runs leave nothing behind in `/tmp` (a test that fails keeps unwinding
//! through the guard and cleans up too).

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// A directory that exists for as long as this value lives.
#[derive(Debug)]
pub struct Scratch(PathBuf);

impl Scratch {
    /// An empty directory `flowctl-{name}-{pid}-{n}` (unique within the
    /// process, so tests running in parallel never share one).
    pub fn new(name: &str) -> Scratch {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "flowctl-{name}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a scratch directory");
        Scratch(dir)
    }

    /// A scratch directory holding `files` (paths relative to it).
    pub fn with_files(name: &str, files: &[(&str, &str)]) -> Scratch {
        let scratch = Scratch::new(name);
        for (path, text) in files {
            let path = scratch.join(path);
            std::fs::create_dir_all(path.parent().expect("a file has a directory")).unwrap();
            std::fs::write(path, text).unwrap();
        }
        scratch
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::Scratch;

    #[test]
    fn a_scratch_directory_holds_its_files_and_is_removed_when_dropped() {
        let scratch = Scratch::with_files("scratch-test", &[("a/b.yaml", "x: 1\n")]);
        let path = scratch.path().to_path_buf();
        assert_eq!(
            std::fs::read_to_string(path.join("a/b.yaml")).unwrap(),
            "x: 1\n"
        );
        let other = Scratch::new("scratch-test");
        assert_ne!(
            other.path(),
            path,
            "two scratch directories never share a path"
        );
        drop(scratch);
        assert!(!path.exists());
    }
}
