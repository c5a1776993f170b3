//! [`DigestCache`]: tag → digest answers kept on disk with an expiry, wrapped around any
//! [`DigestSource`], so a second `fleetpin pin` run makes no request and `--offline` works
//! from what earlier runs saw.
//!
//! # The file
//!
//! One JSON document, `digests-v1.json` in the cache directory ([`default_cache_dir`]):
//!
//! ```json
//! {
//!   "version": 1,
//!   "entries": {
//!     "docker.io/library/nginx:1.25": {
//!       "digest": "sha256:…",
//!       "media_type": "application/vnd.oci.image.index.v1+json",
//!       "size": 10229,
//!       "fetched": 1764768000
//!     }
//!   }
//! }
//! ```
//!
//! - Keys are the fully qualified reference ([`Reference`]'s `Display`: `nginx`,
//!   `nginx:latest` and `docker.io/library/nginx:latest` are one entry). There is no platform
//!   in the key: a tag resolves to one digest whatever the platform — for a multi-platform tag
//!   the index's, which every platform pulls through.
//! - `fetched` is when the registry answered (seconds since the Unix epoch); an entry older
//!   than the expiry ([`DigestCache::ttl`], 24 hours by default) is asked again, online.
//!   Offline, every entry is used whatever its age: it is the best knowledge there is, and
//!   its age is in [`CacheEntry::fetched`].
//! - Only successful lookups are stored; references that already carry a digest are not.
//! - Saving merges with what is on disk (another run may have added entries), under an
//!   advisory lock on `digests-v1.json.lock`, and replaces the file atomically (temporary
//!   file in the same directory, fsync, rename), so readers never see half a file. Entries
//!   unused for [`PRUNE_AFTER`] are dropped.
//! - A file that is not valid JSON, or entries that make no sense, are ignored with a
//!   [`CacheWarning`] (naming the file and line), never an error: the cache only saves
//!   requests. A cache that cannot be written is a warning too.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::digest::{Digest, MediaType};
use crate::error::Error;
use crate::reference::Reference;
use crate::resolver::{DigestOrigin, Resolved};
use crate::source::DigestSource;

/// The cache file's name (the format version is in the name, so an older fleetpin never
/// reads a newer layout).
pub const CACHE_FILE: &str = "digests-v1.json";
/// The format version inside the file.
const CACHE_VERSION: u32 = 1;
/// How long an answer is trusted online unless [`DigestCache::ttl`] says otherwise.
pub const DEFAULT_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// Entries fetched longer ago than this are dropped when the file is saved.
pub const PRUNE_AFTER: Duration = Duration::from_secs(90 * 24 * 60 * 60);

/// fleetpin's cache directory: `$FLEETPIN_CACHE_DIR`, else `$XDG_CACHE_HOME/fleetpin`, else
/// `$HOME/.cache/fleetpin` (the XDG base directory rules: a relative `XDG_CACHE_HOME` is
/// ignored). `None` when no home directory is known.
pub fn default_cache_dir() -> Option<PathBuf> {
    let absolute = |var: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    if let Some(dir) = absolute("FLEETPIN_CACHE_DIR") {
        return Some(dir);
    }
    if let Some(xdg) = absolute("XDG_CACHE_HOME") {
        return Some(xdg.join("fleetpin"));
    }
    std::env::home_dir()
        .filter(|h| h.is_absolute())
        .map(|h| h.join(".cache").join("fleetpin"))
}

/// One cached answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheEntry {
    /// The manifest digest (the index's for a multi-platform tag).
    pub digest: String,
    /// The manifest's media type, when the registry said.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// The manifest's size in bytes, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// When the registry answered, in seconds since the Unix epoch.
    pub fetched: u64,
}

/// Something wrong with the cache that did not stop the lookup: an unreadable or corrupt
/// file (ignored), a bad entry (skipped), a file that could not be saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheWarning {
    /// The cache file.
    pub path: PathBuf,
    /// The line, when the problem has one.
    pub line: Option<usize>,
    /// What was wrong and what was done about it.
    pub message: String,
}

impl std::fmt::Display for CacheWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(l) => write!(f, "{}:{l}: {}", self.path.display(), self.message),
            None => write!(f, "{}: {}", self.path.display(), self.message),
        }
    }
}

#[derive(Serialize, Deserialize)]
struct CacheFile {
    version: u32,
    #[serde(default)]
    entries: HashMap<String, serde_json::Value>,
}

/// A [`DigestSource`] that answers from an on-disk cache and asks the source it wraps only
/// for what is missing or expired (in one batch, so the wrapped [`Resolver`]'s concurrency
/// applies); [`offline`](Self::offline) never asks it.
///
/// ```no_run
/// use fleetpin_registry::{DigestCache, DigestSource, Resolver};
/// let cache = DigestCache::open_default(Resolver::new()?)?;
/// let r = cache.resolve("nginx:1.25")?; // from the registry, then saved
/// let again = cache.resolve("nginx:1.25")?; // from the cache: no request
/// assert_eq!(r.digest, again.digest);
/// for w in cache.take_warnings() {
///     eprintln!("warning: {w}");
/// }
/// # Ok::<(), fleetpin_registry::Error>(())
/// ```
///
/// [`Resolver`]: crate::Resolver
pub struct DigestCache<S> {
    inner: S,
    path: PathBuf,
    ttl: Duration,
    offline: bool,
    entries: Mutex<HashMap<String, CacheEntry>>,
    warnings: Mutex<Vec<CacheWarning>>,
    save_failed: std::sync::atomic::AtomicBool,
    hits: std::sync::atomic::AtomicUsize,
    asked: std::sync::atomic::AtomicUsize,
}

/// How a [`DigestCache`] answered so far ([`DigestCache::stats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CacheStats {
    /// References answered from the cache.
    pub hits: usize,
    /// References handed to the wrapped source (missing, expired, or already pinned).
    pub asked: usize,
}

impl<S> std::fmt::Debug for DigestCache<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DigestCache")
            .field("path", &self.path)
            .field("ttl", &self.ttl)
            .field("offline", &self.offline)
            .finish_non_exhaustive()
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl<S: DigestSource> DigestCache<S> {
    /// A cache in `dir` (its file is `dir/digests-v1.json`), wrapping `inner`. The file is
    /// read now; problems with it become [warnings](Self::take_warnings).
    pub fn open(inner: S, dir: &Path) -> DigestCache<S> {
        let path = dir.join(CACHE_FILE);
        let mut warnings = Vec::new();
        let entries = read_entries(&path, &mut warnings);
        DigestCache {
            inner,
            path,
            ttl: DEFAULT_TTL,
            offline: false,
            entries: Mutex::new(entries),
            warnings: Mutex::new(warnings),
            save_failed: std::sync::atomic::AtomicBool::new(false),
            hits: std::sync::atomic::AtomicUsize::new(0),
            asked: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// A cache in [`default_cache_dir`]; [`Error::Client`] when there is no home directory
    /// to put it in.
    pub fn open_default(inner: S) -> Result<DigestCache<S>, Error> {
        let dir = default_cache_dir().ok_or_else(|| {
            Error::Client(
                "no cache directory: set XDG_CACHE_HOME, HOME or FLEETPIN_CACHE_DIR".into(),
            )
        })?;
        Ok(DigestCache::open(inner, &dir))
    }

    /// How long an answer is used without asking the registry again. Default: 24 hours.
    /// Zero asks every time (and still saves the answers for `--offline`).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Answer from the cache only, whatever the entries' age: a reference not in it is
    /// [`Error::NotCached`]; the wrapped source is never asked.
    pub fn offline(mut self, yes: bool) -> Self {
        self.offline = yes;
        self
    }

    /// The cache file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The wrapped source.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The cached entry for a reference (tag references only), fresh or not.
    pub fn entry(&self, reference: &Reference) -> Option<CacheEntry> {
        lock(&self.entries).get(&reference.to_string()).cloned()
    }

    /// How many references were answered from the cache and how many were handed to the
    /// wrapped source, since the cache was opened (for a "12 cached, 3 looked up" summary).
    pub fn stats(&self) -> CacheStats {
        use std::sync::atomic::Ordering::Relaxed;
        CacheStats {
            hits: self.hits.load(Relaxed),
            asked: self.asked.load(Relaxed),
        }
    }

    /// The warnings gathered so far (corrupt file, bad entries, failed saves), emptied.
    /// Library code never prints: the caller shows them.
    pub fn take_warnings(&self) -> Vec<CacheWarning> {
        std::mem::take(&mut *lock(&self.warnings))
    }

    fn warn(&self, line: Option<usize>, message: String) {
        lock(&self.warnings).push(CacheWarning {
            path: self.path.clone(),
            line,
            message,
        });
    }

    /// A cached answer for `reference`, if usable now.
    fn lookup(&self, reference: &Reference, now: u64) -> Option<Resolved> {
        let entries = lock(&self.entries);
        let e = entries.get(&reference.to_string())?;
        let age = now.saturating_sub(e.fetched);
        if !self.offline && (self.ttl.is_zero() || age >= self.ttl.as_secs()) {
            return None;
        }
        Some(Resolved {
            reference: reference.clone(),
            // Checked when the file was read.
            digest: e.digest.parse().ok()?,
            media_type: e.media_type.as_deref().map(MediaType::from_content_type),
            size: e.size,
            source: DigestOrigin::Cache,
        })
    }

    /// Records fresh answers and saves the file (merged with what is on disk).
    fn store(&self, answers: &[&Resolved]) {
        if answers.is_empty() {
            return;
        }
        let fetched = now_secs();
        let new: Vec<(String, CacheEntry)> = answers
            .iter()
            .map(|r| {
                (
                    r.reference.without_digest().to_string(),
                    CacheEntry {
                        digest: r.digest.to_string(),
                        media_type: r.media_type.as_ref().map(|m| m.as_str().to_owned()),
                        size: r.size,
                        fetched,
                    },
                )
            })
            .collect();
        let mut entries = lock(&self.entries);
        entries.extend(new.iter().cloned());
        if let Err(e) = self.save(&new) {
            drop(entries);
            // Once per cache: every later batch would fail the same way.
            if !self
                .save_failed
                .swap(true, std::sync::atomic::Ordering::Relaxed)
            {
                self.warn(
                    None,
                    format!(
                        "cannot save the digest cache: {e}; answers are not kept for the next run"
                    ),
                );
            }
        }
    }

    /// Merge `new` into the file on disk under the lock file, and replace it atomically.
    fn save(&self, new: &[(String, CacheEntry)]) -> std::io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let lock_path = self.path.with_extension("json.lock");
        let lock_file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)?;
        // Advisory: another fleetpin saving at the same moment waits instead of losing our
        // entries or theirs. Released when `lock_file` is dropped.
        lock_file.lock()?;
        // Whatever is on disk now (another run may have saved since we read), problems
        // already reported at open are not reported twice.
        let mut merged = read_entries(&self.path, &mut Vec::new());
        for (k, e) in new {
            merged.insert(k.clone(), e.clone());
        }
        let oldest = now_secs().saturating_sub(PRUNE_AFTER.as_secs());
        merged.retain(|_, e| e.fetched >= oldest);
        let file = CacheFile {
            version: CACHE_VERSION,
            entries: merged
                .into_iter()
                .map(|(k, e)| (k, serde_json::to_value(e).unwrap_or_default()))
                .collect(),
        };
        // Sorted keys: a stable file that diffs well when someone looks at it.
        let sorted: std::collections::BTreeMap<&String, &serde_json::Value> =
            file.entries.iter().collect();
        let body = serde_json::to_vec_pretty(&serde_json::json!({
            "version": file.version,
            "entries": sorted,
        }))
        .map_err(std::io::Error::other)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".digests-")
            .suffix(".tmp")
            .tempfile_in(dir)?;
        tmp.write_all(&body)?;
        tmp.write_all(b"\n")?;
        tmp.as_file().sync_all()?;
        tmp.persist(&self.path).map_err(|e| e.error)?;
        Ok(())
    }
}

/// Reads the entries of a cache file. A missing file is an empty cache; anything else wrong
/// becomes a warning and the bad part is ignored.
fn read_entries(path: &Path, warnings: &mut Vec<CacheWarning>) -> HashMap<String, CacheEntry> {
    let mut warn = |line: Option<usize>, message: String| {
        warnings.push(CacheWarning {
            path: path.to_path_buf(),
            line,
            message,
        });
    };
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        // No file, or no directory for it yet (a path component is a file): an empty cache;
        // saving will say what is wrong with the directory.
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory
            ) =>
        {
            return HashMap::new();
        }
        Err(e) => {
            warn(
                None,
                format!("cannot read the digest cache ({e}); ignoring it"),
            );
            return HashMap::new();
        }
    };
    let file: CacheFile = match serde_json::from_slice(&bytes) {
        Ok(f) => f,
        Err(e) => {
            warn(
                Some(e.line()).filter(|l| *l > 0),
                format!(
                    "corrupt digest cache ({e}); ignoring it, it is rewritten on the next save"
                ),
            );
            return HashMap::new();
        }
    };
    if file.version != CACHE_VERSION {
        warn(
            None,
            format!(
                "digest cache format version {} (this fleetpin reads {CACHE_VERSION}); ignoring it",
                file.version
            ),
        );
        return HashMap::new();
    }
    let mut out = HashMap::with_capacity(file.entries.len());
    let mut bad = Vec::new();
    for (key, value) in file.entries {
        let entry = serde_json::from_value::<CacheEntry>(value)
            .map_err(|e| e.to_string())
            .and_then(|e| {
                e.digest
                    .parse::<Digest>()
                    .map_err(|e| e.to_string())
                    .map(|_| e)
            })
            .and_then(|e| {
                // The key must be the normalised form of a tag reference, as we write it.
                match Reference::parse(&key) {
                    Ok(r) if r.digest().is_none() && r.to_string() == key => Ok(e),
                    Ok(_) => Err("not a normalised tag reference".to_owned()),
                    Err(err) => Err(err.to_string()),
                }
            });
        match entry {
            Ok(e) => {
                out.insert(key, e);
            }
            Err(why) => bad.push(format!("`{key}`: {why}")),
        }
    }
    if !bad.is_empty() {
        bad.sort();
        warn(
            None,
            format!(
                "{} bad digest cache entr{} ignored: {}",
                bad.len(),
                if bad.len() == 1 { "y" } else { "ies" },
                bad.join("; ")
            ),
        );
    }
    out
}

impl<S: DigestSource> DigestSource for DigestCache<S> {
    fn resolve_reference(&self, reference: &Reference) -> Result<Resolved, Error> {
        self.resolve_references(&[reference])
            .pop()
            .unwrap_or_else(|| Err(Error::Client("internal: no result".into())))
    }

    fn resolve_references(&self, references: &[&Reference]) -> Vec<Result<Resolved, Error>> {
        let now = now_secs();
        let mut out: Vec<Option<Result<Resolved, Error>>> = Vec::with_capacity(references.len());
        let mut misses: Vec<&Reference> = Vec::new();
        let mut miss_slots: Vec<usize> = Vec::new();
        for (i, r) in references.iter().enumerate() {
            if let Some(d) = r.digest() {
                if self.offline {
                    out.push(Some(Ok(Resolved {
                        reference: (*r).clone(),
                        digest: d.clone(),
                        media_type: None,
                        size: None,
                        source: DigestOrigin::Reference,
                    })));
                    continue;
                }
                // Pinned already: the wrapped source decides (it may verify); not cached.
                out.push(None);
                misses.push(r);
                miss_slots.push(i);
                continue;
            }
            match self.lookup(r, now) {
                Some(hit) => {
                    self.hits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    out.push(Some(Ok(hit)));
                }
                None if self.offline => out.push(Some(Err(Error::NotCached {
                    image: r.to_string(),
                    cache: self.path.clone(),
                }))),
                None => {
                    out.push(None);
                    misses.push(r);
                    miss_slots.push(i);
                }
            }
        }
        if !misses.is_empty() {
            self.asked
                .fetch_add(misses.len(), std::sync::atomic::Ordering::Relaxed);
            let answers = self.inner.resolve_references(&misses);
            let fresh: Vec<&Resolved> = answers
                .iter()
                .filter_map(|a| a.as_ref().ok())
                .filter(|a| a.reference.digest().is_none())
                .collect();
            self.store(&fresh);
            for (slot, answer) in miss_slots.into_iter().zip(answers) {
                out[slot] = Some(answer);
            }
        }
        out.into_iter()
            .map(|o| o.unwrap_or_else(|| Err(Error::Client("internal: lookup did not run".into()))))
            .collect()
    }
}
