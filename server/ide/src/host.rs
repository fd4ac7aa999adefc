//! The analysis host and its snapshots (rust-analyzer's shape).
//!
//! [`AnalysisHost`] lives on the language server's main loop and owns the
//! inputs: open documents, settings, the workspace's catalog files. Each
//! change bumps the revision and cancels work on older revisions. The loop
//! hands [`Inputs`] (cheap `Arc` clones) to a worker, which runs [`build`]:
//! every root catalog is loaded and checked, reusing what the shared caches
//! hold for unchanged texts, into an [`Analysis`]: an immutable snapshot
//! that requests read on any thread.

use std::collections::{BTreeSet, HashMap};

use foldhash::HashMap as FastMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use load::{DiskFetch, Loaded, UrlMapping};
use text::LineIndex;
use url::Url;

use crate::diagnostics::{self, FileDiagnostic, FileDiagnostics};
use crate::files::{DiskCache, EditorFetch};
use crate::workspace;

/// Settings (`flowctl.*` in the editor; the CLI's flags of the same names).
#[derive(Debug, Clone)]
pub struct Config {
    /// Never fetch `http(s)` resources (`--offline`).
    pub offline: bool,
    /// `--map-url PREFIX=DIR` rewrites.
    pub map_url: Vec<UrlMapping>,
    /// Time limit of one lambda call (`--lambda-timeout`).
    pub lambda_timeout: Duration,
    /// Largest file read (`--max-file-size`).
    pub max_file_size: u64,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            offline: false,
            map_url: Vec::new(),
            lambda_timeout: Duration::from_secs(1),
            max_file_size: 64 * 1024 * 1024,
        }
    }
}

/// Work on a revision stops once a newer revision exists.
#[derive(Debug, Clone)]
pub struct Cancellation {
    current: Arc<AtomicU64>,
    revision: u64,
}

/// The revision a computation was for has moved on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancelled;

impl Cancellation {
    pub fn is_cancelled(&self) -> bool {
        self.current.load(Ordering::Acquire) != self.revision
    }

    pub fn check(&self) -> Result<(), Cancelled> {
        if self.is_cancelled() {
            Err(Cancelled)
        } else {
            Ok(())
        }
    }

    /// A cancellation that never fires (the CLI, tests).
    pub fn never() -> Cancellation {
        Cancellation {
            current: Arc::new(AtomicU64::new(0)),
            revision: 0,
        }
    }
}

/// Caches shared by every revision; each entry is keyed by the text it was
/// computed from, so a stale entry is never used.
#[derive(Debug, Default)]
pub struct Caches {
    pub disk: DiskCache,
    /// Per-file parses, JSON, C1b and `$ref`s (`load::load_with`).
    pub load: load::Memo,
    /// Schema work keyed by the documents it read (`check::check_with`).
    pub check: check::Memo,
    /// Per file, the builds of the last complete revision in which it
    /// parsed (no C1a): what navigation falls back to while it does not
    /// (see [`Analysis::last_good`]). Written only by [`build`], which runs
    /// one revision at a time.
    last_good: Mutex<FastMap<Url, LastGood>>,
}

/// The root builds that held a file when it last parsed (its text is their
/// resource's). Shared, so keeping one pins no older snapshot.
#[derive(Debug, Clone)]
struct LastGood {
    builds: Vec<Arc<RootBuild>>,
}

// Snapshots and caches cross threads: the server builds on a worker and
// answers requests from snapshots on others.
const _: () = {
    const fn send_sync<T: Send + Sync>() {}
    send_sync::<Analysis>();
    send_sync::<Loaded>();
    send_sync::<Caches>();
    send_sync::<load::Memo>();
    send_sync::<check::Memo>();
};

/// Everything a build reads. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct Inputs {
    pub revision: u64,
    pub config: Arc<Config>,
    /// Open documents: their text wins over the disk.
    pub open: Arc<HashMap<Url, Arc<str>>>,
    /// The workspace's catalog files (found on disk by the server, plus
    /// open documents with catalog names).
    pub catalog_files: Arc<Vec<Url>>,
    pub caches: Arc<Caches>,
}

/// Owns the inputs of the analysis; lives on the server's main loop.
#[derive(Debug)]
pub struct AnalysisHost {
    inputs: Inputs,
    current: Arc<AtomicU64>,
}

impl Default for AnalysisHost {
    fn default() -> AnalysisHost {
        AnalysisHost::new(Config::default())
    }
}

impl AnalysisHost {
    pub fn new(config: Config) -> AnalysisHost {
        AnalysisHost {
            inputs: Inputs {
                revision: 0,
                config: Arc::new(config),
                open: Arc::new(HashMap::new()),
                catalog_files: Arc::new(Vec::new()),
                caches: Arc::new(Caches::default()),
            },
            current: Arc::new(AtomicU64::new(0)),
        }
    }

    fn bump(&mut self) {
        self.inputs.revision += 1;
        self.current.store(self.inputs.revision, Ordering::Release);
    }

    pub fn revision(&self) -> u64 {
        self.inputs.revision
    }

    /// The inputs of the current revision, for [`build`].
    pub fn inputs(&self) -> Inputs {
        self.inputs.clone()
    }

    /// Fires once the revision moves past the current one.
    pub fn cancellation(&self) -> Cancellation {
        Cancellation {
            current: Arc::clone(&self.current),
            revision: self.inputs.revision,
        }
    }

    pub fn config(&self) -> &Config {
        &self.inputs.config
    }

    pub fn set_config(&mut self, config: Config) {
        self.inputs.config = Arc::new(config);
        // Mappings and limits change what a read returns.
        self.inputs.caches.disk.clear();
        self.bump();
    }

    /// An open document's text, or `None` when it is closed (the disk's
    /// text applies again, read afresh).
    /// Returns whether the revision moved: opening a file with the text a
    /// build already read for it (from disk, or as an open document)
    /// changes nothing to analyse.
    pub fn set_open_text(&mut self, url: &Url, text: Option<Arc<str>>) -> bool {
        let known = match self.inputs.open.get(url) {
            Some(open) => Some(Arc::clone(open)),
            None => self.inputs.caches.disk.cached(url).and_then(Result::ok),
        };
        let open = Arc::make_mut(&mut self.inputs.open);
        match text {
            Some(text) => {
                // The same text keeps the allocation a build already read,
                // so it is held once and caches compare it by address.
                if let Some(known) = known.filter(|known| **known == *text) {
                    open.insert(url.clone(), known);
                    return false;
                }
                open.insert(url.clone(), text);
            }
            None => {
                open.remove(url);
                self.inputs.caches.disk.invalidate(url);
            }
        }
        self.bump();
        true
    }

    pub fn open_text(&self, url: &Url) -> Option<&Arc<str>> {
        self.inputs.open.get(url)
    }

    /// A file changed on disk (created, changed or deleted).
    pub fn file_changed_on_disk(&mut self, url: &Url) {
        self.inputs.caches.disk.invalidate(url);
        self.bump();
    }

    /// The workspace's catalog files, as found on disk.
    pub fn set_catalog_files(&mut self, mut files: Vec<Url>) {
        files.sort();
        files.dedup();
        self.inputs.catalog_files = Arc::new(files);
        self.bump();
    }
}

/// One root catalog, loaded and checked.
#[derive(Debug)]
pub struct RootBuild {
    pub root: Url,
    pub loaded: Loaded,
    /// The checks' diagnostics (the loader's are in `loaded.diagnostics`).
    pub diagnostics: Vec<model::Diagnostic>,
}

/// A file outside every catalog (a YAML file the editor opened): its parse.
#[derive(Debug)]
pub struct LooseFile {
    pub text: Arc<str>,
    pub tree: syntax::Tree,
    pub line_index: LineIndex,
}

/// A file as the features see it, wherever it comes from.
#[derive(Debug, Clone, Copy)]
pub struct FileView<'a> {
    pub url: &'a Url,
    pub text: &'a Arc<str>,
    pub tree: &'a syntax::Tree,
    pub line_index: &'a LineIndex,
    /// The first root build that loaded this file, if any.
    pub build: Option<&'a RootBuild>,
}

#[derive(Debug)]
struct AnalysisData {
    inputs: Inputs,
    roots: Vec<Arc<RootBuild>>,
    /// For each file of the builds that does not parse in this revision but
    /// did in an earlier one: that revision's builds of it.
    last_good: FastMap<Url, LastGood>,
    loose: FastMap<Url, LooseFile>,
    diagnostics: FileDiagnostics,
    /// Root index by file, for every file of every build (first root wins).
    root_of: FastMap<Url, usize>,
}

/// An immutable snapshot of one revision's analysis. Cheap to clone and
/// shareable across threads.
#[derive(Debug, Clone)]
pub struct Analysis {
    data: Arc<AnalysisData>,
}

impl Analysis {
    pub fn revision(&self) -> u64 {
        self.data.inputs.revision
    }

    pub fn config(&self) -> &Config {
        &self.data.inputs.config
    }

    /// Every root build.
    pub fn roots(&self) -> &[Arc<RootBuild>] {
        &self.data.roots
    }

    /// The root build that loaded `file` (the first, when several did).
    pub fn build_of(&self, file: &Url) -> Option<&RootBuild> {
        self.data
            .root_of
            .get(file)
            .map(|index| &*self.data.roots[*index])
    }

    /// Every root build that loaded `file`.
    pub fn builds_of<'a>(&'a self, file: &'a Url) -> impl Iterator<Item = &'a RootBuild> + 'a {
        self.data
            .roots
            .iter()
            .map(Arc::as_ref)
            .filter(move |build| build.loaded.resource(file).is_some())
    }

    /// A file's text, tree and line index, and its build.
    pub fn file(&self, url: &Url) -> Option<FileView<'_>> {
        if let Some(build) = self.build_of(url)
            && let Some(resource) = build.loaded.resource(url)
        {
            return Some(FileView {
                url: &resource.url,
                text: &resource.text,
                tree: &resource.tree,
                line_index: &resource.line_index,
                build: Some(build),
            });
        }
        let (url, loose) = self.data.loose.get_key_value(url)?;
        Some(FileView {
            url,
            text: &loose.text,
            tree: &loose.tree,
            line_index: &loose.line_index,
            build: None,
        })
    }

    /// Diagnostics of every file of the revision (files without any are
    /// absent).
    pub fn diagnostics(&self) -> &FileDiagnostics {
        &self.data.diagnostics
    }

    pub fn file_diagnostics(&self, url: &Url) -> &[FileDiagnostic] {
        self.data
            .diagnostics
            .get(url)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// Every file this revision knows: the files of every build and the
    /// loose open files.
    pub fn files(&self) -> impl Iterator<Item = &Url> {
        self.data.root_of.keys().chain(self.data.loose.keys())
    }

    /// For a file that does not parse in this revision (a C1a) but did in
    /// an earlier one: a snapshot of the builds that held it then, with its
    /// text of then. Navigation reads it where the text did not change
    /// since (`crate::last_good`); it has no diagnostics and no loose files.
    pub fn last_good(&self, url: &Url) -> Option<Analysis> {
        let good = self.data.last_good.get(url)?;
        Some(Analysis {
            data: Arc::new(AnalysisData {
                inputs: self.data.inputs.clone(),
                roots: good.builds.clone(),
                last_good: FastMap::default(),
                loose: FastMap::default(),
                diagnostics: FileDiagnostics::new(),
                root_of: root_index(&good.builds),
            }),
        })
    }

    /// The open documents of the revision.
    pub fn open_files(&self) -> impl Iterator<Item = &Url> {
        self.data.inputs.open.keys()
    }
}

/// Loads and checks every root catalog of `inputs`: the roots among the
/// catalog files, then any catalog file or open catalog document that no
/// root reached, as a root of its own; open YAML files outside every build
/// get their syntax diagnostics.
pub fn build(inputs: &Inputs, cancel: &Cancellation) -> Result<Analysis, Cancelled> {
    let config = &inputs.config;
    let mut disk = DiskFetch::new(config.map_url.clone(), config.offline);
    disk.max_file_size = config.max_file_size;
    let fetch = EditorFetch {
        open: &inputs.open,
        disk_cache: &inputs.caches.disk,
        disk: &disk,
    };
    let mut candidates: Vec<Url> = inputs.catalog_files.as_ref().clone();
    candidates.extend(
        inputs
            .open
            .keys()
            .filter(|url| workspace::is_catalog_name(url))
            .cloned(),
    );
    candidates.sort();
    candidates.dedup();

    // A cold start: every catalog file and what it reaches are read and
    // parsed on every core first (the builds below then find them in the
    // memo, as a warm build does).
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads > 1 && inputs.caches.load.is_empty() {
        load::prefetch(&candidates, &fetch, &inputs.caches.load, threads);
    }
    let mut roots = Vec::new();
    let mut root_of: FastMap<Url, usize> = FastMap::default();
    let mut pending: Vec<Url> = workspace::roots(&candidates, &fetch, &inputs.caches.load);
    let mut tried: BTreeSet<Url> = BTreeSet::new();
    loop {
        for root in std::mem::take(&mut pending) {
            cancel.check()?;
            if root_of.contains_key(&root) || !tried.insert(root.clone()) {
                continue;
            }
            let loaded = load::load_with(&root, &fetch, &inputs.caches.load);
            cancel.check()?;
            let diagnostics = check::check_with(&loaded, &inputs.caches.check);
            let index = roots.len();
            root_of.reserve(loaded.resources.len());
            for resource in &loaded.resources {
                root_of.entry(resource.url.clone()).or_insert(index);
            }
            roots.push(Arc::new(RootBuild {
                root,
                loaded,
                diagnostics,
            }));
        }
        // Catalog files no root reached become roots of their own.
        pending = candidates
            .iter()
            .filter(|url| !root_of.contains_key(*url) && !tried.contains(*url))
            .take(1)
            .cloned()
            .collect();
        if pending.is_empty() {
            break;
        }
    }
    // Whatever this revision did not use belongs to texts that are gone.
    inputs.caches.load.sweep();
    inputs.caches.check.sweep();
    let last_good = remember_good_parses(&inputs.caches, &roots);

    let mut file_diagnostics = FileDiagnostics::new();
    for build in &roots {
        let mut all = build.loaded.diagnostics.clone();
        all.extend(build.diagnostics.iter().cloned());
        diagnostics::collect(&build.loaded, &all, &build.root, &mut file_diagnostics);
    }
    let mut loose = FastMap::default();
    for (url, text) in inputs.open.iter() {
        if root_of.contains_key(url) || !is_yaml_or_json(url) {
            continue;
        }
        let file = loose_file(url, text, &mut file_diagnostics);
        loose.insert(url.clone(), file);
    }
    diagnostics::sort(&mut file_diagnostics);
    Ok(Analysis {
        data: Arc::new(AnalysisData {
            inputs: inputs.clone(),
            roots,
            last_good,
            loose,
            diagnostics: file_diagnostics,
            root_of,
        }),
    })
}

/// Files of this revision's builds that parse replace their entry of
/// `caches.last_good`; those that do not keep theirs, which is returned for
/// the snapshot. Files of no build are forgotten.
fn remember_good_parses(caches: &Caches, roots: &[Arc<RootBuild>]) -> FastMap<Url, LastGood> {
    let mut broken: BTreeSet<&Url> = BTreeSet::new();
    let resources = roots.iter().map(|build| build.loaded.resources.len()).sum();
    let mut holders: FastMap<&Url, Vec<Arc<RootBuild>>> = FastMap::default();
    holders.reserve(resources);
    for build in roots {
        for diagnostic in &build.loaded.diagnostics {
            if diagnostic.code == "C1a" {
                broken.insert(&diagnostic.scope.resource);
            }
        }
        for resource in &build.loaded.resources {
            holders
                .entry(&resource.url)
                .or_default()
                .push(Arc::clone(build));
        }
    }
    // A poisoned lock only means a panicking build: its map is still whole.
    let mut remembered = caches
        .last_good
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let mut kept = FastMap::default();
    remembered.retain(|url, _| holders.contains_key(url));
    for (url, builds) in holders {
        if broken.contains(url) {
            if let Some(good) = remembered.get(url) {
                kept.insert(url.clone(), good.clone());
            }
        } else {
            remembered.insert(url.clone(), LastGood { builds });
        }
    }
    kept
}

/// Root index by file, for every file of `roots` (first root wins).
fn root_index(roots: &[Arc<RootBuild>]) -> FastMap<Url, usize> {
    let mut root_of = FastMap::default();
    for (index, build) in roots.iter().enumerate() {
        for resource in &build.loaded.resources {
            root_of.entry(resource.url.clone()).or_insert(index);
        }
    }
    root_of
}

fn is_yaml_or_json(url: &Url) -> bool {
    let path = url.path();
    path.ends_with(".yaml") || path.ends_with(".yml") || path.ends_with(".json")
}

/// Parses an open file no build reads, reporting its YAML errors (C1a).
fn loose_file(url: &Url, text: &Arc<str>, out: &mut FileDiagnostics) -> LooseFile {
    let parse = syntax::parse(text);
    let line_index = LineIndex::new(text);
    for error in &parse.errors {
        let diagnostic = load::yaml_error(url, text, &line_index, error.range, &error.message);
        out.entry(url.clone()).or_default().push(FileDiagnostic {
            range: error.range,
            severity: diagnostic.severity,
            code: diagnostic.code,
            message: diagnostic.message,
            related: Vec::new(),
        });
    }
    LooseFile {
        text: Arc::clone(text),
        tree: parse.tree,
        line_index,
    }
}
