//! The package universe of one root (index files, packages and their versions) and apt's
//! priorities and candidate over it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::control::BinaryPackage;
use crate::release::Release;
use crate::sources::{self, SourceKind};
use crate::status::Status;
use crate::version::Version;

use super::preferences::{Expr, Matcher, ReleaseMatch, match_ver};
use super::{NEVER_PIN, Options, PinStanza, parse_preferences};

/// An index file (a `Packages` list, or the dpkg status file) with its priority.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IndexFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// How `apt-cache policy` names it (`http://deb.example.org/debian bookworm/main amd64
    /// Packages`, or `/var/lib/dpkg/status`).
    pub describe: String,
    /// Its Release file (None for the status file or when missing).
    pub release: Option<Release>,
    /// The URI's host (`Pin: origin`); None for the status file.
    pub site: Option<String>,
    /// The component (`main`; `now` for the status file).
    pub component: String,
    /// The index architecture (`amd64`, `all`).
    pub architecture: String,
    /// Whether this is the dpkg status file.
    pub is_status: bool,
    /// The priority after preferences.
    pub priority: i32,
}

impl IndexFile {
    fn default_priority(&self) -> i32 {
        if self.is_status {
            100
        } else {
            self.release.as_ref().map_or(500, Release::default_priority)
        }
    }

    /// apt-cache policy's `release ...` line (`v=12.11,o=Debian,a=stable,n=bookworm,l=Debian,c=main,b=amd64`).
    pub fn release_line(&self) -> String {
        if self.is_status {
            return "a=now".to_string();
        }
        let mut parts = Vec::new();
        if let Some(r) = &self.release {
            for (k, v) in [
                ("v", &r.version),
                ("o", &r.origin),
                ("a", &r.suite),
                ("n", &r.codename),
                ("l", &r.label),
            ] {
                if let Some(v) = v {
                    parts.push(format!("{k}={v}"));
                }
            }
        }
        // A flat repository (`deb URI ./`) has an empty component and no architecture:
        // apt prints `c=` and no `b=`.
        parts.push(format!("c={}", self.component));
        if !self.architecture.is_empty() {
            parts.push(format!("b={}", self.architecture));
        }
        parts.join(",")
    }
}

/// One available version of a package.
#[derive(Debug, Clone)]
pub struct AvailableVersion {
    /// The version.
    pub version: Version,
    /// Indexes into [`Cache::files`] of the files that list it.
    pub files: Vec<usize>,
    /// Its source package name.
    pub source: String,
    pub(super) pin: Option<i32>,
}

/// A package (one name and architecture) with all its versions, highest first.
#[derive(Debug, Clone)]
pub struct Package {
    /// The name.
    pub name: String,
    /// The architecture (the native one for `Architecture: all`).
    pub arch: String,
    /// Versions, highest first.
    pub versions: Vec<AvailableVersion>,
    /// Index into `versions` of the installed version.
    pub current: Option<usize>,
    /// dpkg's status (selection/hold) if the status file lists the package.
    pub status: Option<Status>,
}

/// The package universe of one root and apt's policy over it.
#[derive(Debug)]
pub struct Cache {
    /// All index files, the status file first.
    pub files: Vec<IndexFile>,
    packages: Vec<Package>,
    index: HashMap<String, usize>,
    pub(super) opts: Options,
    /// Problems that did not stop loading (bad stanzas, unreadable lists), each naming its file.
    pub problems: Vec<Error>,
    /// Warnings apt would print (ignored preference stanzas).
    pub warnings: Vec<String>,
}

impl Cache {
    /// An empty cache.
    pub fn new(opts: Options) -> Cache {
        Cache {
            files: Vec::new(),
            packages: Vec::new(),
            index: HashMap::new(),
            opts,
            problems: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn key(&self, name: &str, arch: &str) -> (String, String) {
        if arch == "all" || arch.is_empty() || arch == self.opts.native_arch {
            (name.to_string(), self.opts.native_arch.clone())
        } else {
            (format!("{name}:{arch}"), arch.to_string())
        }
    }

    fn add_version(
        &mut self,
        rec: &BinaryPackage<'_>,
        version: Version,
        file: usize,
    ) -> (usize, usize) {
        self.add_version_of(rec.name, rec.architecture, rec.source_name(), version, file)
    }

    fn add_version_of(
        &mut self,
        name: &str,
        arch: &str,
        source: &str,
        version: Version,
        file: usize,
    ) -> (usize, usize) {
        // apt and dpkg lower-case package names (Debian bug #807012).
        let lower;
        let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = name.to_ascii_lowercase();
            lower.as_str()
        } else {
            name
        };
        let (key, arch) = self.key(name, arch);
        let pi = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                self.packages.push(Package {
                    name: name.to_string(),
                    arch,
                    versions: Vec::new(),
                    current: None,
                    status: None,
                });
                self.index.insert(key, self.packages.len() - 1);
                self.packages.len() - 1
            }
        };
        let p = &mut self.packages[pi];
        let vi = match p
            .versions
            .iter()
            .position(|v| v.version.as_str() == version.as_str())
        {
            Some(i) => i,
            None => {
                p.versions.push(AvailableVersion {
                    version,
                    files: Vec::new(),
                    source: source.to_string(),
                    pin: None,
                });
                p.versions.len() - 1
            }
        };
        if !p.versions[vi].files.contains(&file) {
            p.versions[vi].files.push(file);
        }
        (pi, vi)
    }

    /// Adds the dpkg status file, read with dpkg's strictness
    /// ([`crate::status::StatusFile`]); its problems are recorded in [`Cache::problems`] and
    /// the stanzas that are fine still load.
    pub fn add_status(&mut self, path: &Path, describe: &str, text: &str) {
        self.add_status_file(describe, crate::status::StatusFile::parse(path, text));
    }

    /// Adds a dpkg status file already read (see [`Cache::add_status`]).
    pub fn add_status_file(&mut self, describe: &str, db: crate::status::StatusFile) {
        let file = self.files.len();
        self.files.push(IndexFile {
            path: db.path.clone(),
            describe: describe.to_string(),
            release: None,
            site: None,
            component: "now".into(),
            // apt's status index has no architecture.
            architecture: String::new(),
            is_status: true,
            priority: 100,
        });
        self.problems.extend(db.errors);
        for rec in db.packages {
            let Some(version) = rec.version else { continue };
            let (pi, vi) = self.add_version_of(&rec.name, &rec.arch, &rec.source, version, file);
            let p = &mut self.packages[pi];
            p.status = Some(rec.status);
            if rec.status.is_installed() {
                p.current = Some(vi);
            }
        }
    }

    /// Adds a `Packages` index with its metadata (`priority` and `is_status` are set here).
    pub fn add_index(&mut self, f: IndexFile, text: &str) {
        let file = self.push_index(f);
        let (recs, errs) = crate::control::parse_packages(text);
        for e in errs {
            self.problems
                .push(crate::control::in_file(&self.files[file].path, e));
        }
        for rec in recs {
            self.add_record(file, &rec);
        }
    }

    /// Adds a `Packages` index by streaming it from `reader` through a reused buffer (how
    /// [`Cache::load_root`] reads apt lists: no decompressed copy of the whole file). Bad
    /// stanzas go to [`Cache::problems`]; a read error (corrupt or truncated compressed data)
    /// or non-UTF-8 data stops the index and is returned; records read before it are kept.
    pub fn add_index_reader(
        &mut self,
        f: IndexFile,
        reader: impl std::io::Read,
    ) -> Result<(), crate::control::StreamError> {
        let file = self.push_index(f);
        let mut errs = Vec::new();
        let res = crate::control::stream_packages(
            reader,
            1 << 20,
            |rec| self.add_record(file, rec),
            |e| errs.push(e),
        );
        for e in errs {
            self.problems
                .push(crate::control::in_file(&self.files[file].path, e));
        }
        res
    }

    fn push_index(&mut self, mut f: IndexFile) -> usize {
        f.is_status = false;
        f.priority = f.default_priority();
        self.files.push(f);
        self.files.len() - 1
    }

    fn add_record(&mut self, file: usize, rec: &BinaryPackage<'_>) {
        let arch = rec.architecture;
        if arch != "all"
            && arch != self.opts.native_arch
            && !self.opts.foreign_archs.iter().any(|a| a == arch)
        {
            return;
        }
        match rec.parse_version() {
            Ok(v) => {
                self.add_version(rec, v, file);
            }
            Err(source) => self.problems.push(Error::Version {
                path: self.files[file].path.clone(),
                line: rec.line,
                field: "Version".into(),
                source,
            }),
        }
    }

    /// Loads a root like apt with `-o Dir=ROOT`: `var/lib/dpkg/status`, the indexes of
    /// `etc/apt/sources.list{,.d}` found in `var/lib/apt/lists`, and the preferences.
    pub fn load_root(root: &Path, opts: Options) -> Result<Cache, Error> {
        let mut cache = Cache::new(opts);
        let status = root.join("var/lib/dpkg/status");
        match std::fs::read(&status) {
            // dpkg does not check the encoding: neither do we (lossy), the stanza checks
            // catch what matters.
            Ok(data) => cache.add_status(
                &status,
                &status.display().to_string(),
                &String::from_utf8_lossy(&data),
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                cache.add_status(&status, &status.display().to_string(), "")
            }
            Err(source) => {
                return Err(Error::Io {
                    path: status,
                    source,
                });
            }
        }
        let lists = root.join("var/lib/apt/lists");
        let entries = sources::read_root(root)?;
        let mut seen = std::collections::HashSet::new();
        for e in entries.iter().filter(|e| e.kind == SourceKind::Deb) {
            let release = e
                .release_file_names()
                .iter()
                .map(|n| lists.join(n))
                .find(|p| p.is_file());
            let release = match release.map(|p| Release::read(&p)) {
                Some(Ok(r)) => Some(r),
                Some(Err(err)) => {
                    cache.problems.push(err);
                    None
                }
                None => None,
            };
            let mut archs: Vec<String> = match &e.architectures {
                Some(a) => a.clone(),
                None => std::iter::once(cache.opts.native_arch.clone())
                    .chain(cache.opts.foreign_archs.iter().cloned())
                    .collect(),
            };
            archs.push("all".into());
            let flat = e.suite.ends_with('/');
            let comps: Vec<String> = if flat {
                vec![String::new()]
            } else {
                e.components.clone()
            };
            for comp in &comps {
                for arch in &archs {
                    let base = e.packages_file_name(comp, arch);
                    let Some(path) = ["", ".lz4", ".gz", ".xz", ".zst"]
                        .iter()
                        .map(|ext| lists.join(format!("{base}{ext}")))
                        .find(|p| p.is_file())
                    else {
                        continue;
                    };
                    if !seen.insert(path.clone()) {
                        continue;
                    }
                    let (kind, reader) = match crate::compress::open(&path) {
                        Ok(r) => r,
                        Err(err) => {
                            cache.problems.push(err);
                            continue;
                        }
                    };
                    let meta = IndexFile {
                        path: path.clone(),
                        describe: e.describe(comp, arch),
                        release: release.clone(),
                        site: Some(sources::uri_host(&e.uri)),
                        component: comp.clone(),
                        // A flat repository's index has no architecture (apt gives it no
                        // `b=`, so `Pin: release b=...` never matches it).
                        architecture: if flat { String::new() } else { arch.clone() },
                        is_status: false,
                        priority: 0,
                    };
                    match cache.add_index_reader(meta, reader) {
                        Ok(()) => {}
                        Err(crate::control::StreamError::Io(source)) => {
                            cache.problems.push(Error::Decompress {
                                path: path.clone(),
                                format: kind.name(),
                                source,
                            })
                        }
                        Err(crate::control::StreamError::Syntax(e)) => {
                            cache.problems.push(crate::control::in_file(&path, e))
                        }
                    }
                }
            }
        }
        let mut stanzas = Vec::new();
        let main = root.join("etc/apt/preferences");
        if main.is_file() {
            stanzas.extend(cache.read_prefs(&main)?);
        }
        let dir = root.join("etc/apt/preferences.d");
        if let Ok(rd) = std::fs::read_dir(&dir) {
            let mut names: Vec<_> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    sources::apt_reads_part(n, "") && (!n.contains('.') || n.ends_with(".pref"))
                })
                .collect();
            names.sort();
            for n in names {
                let p = dir.join(n);
                if p.is_file() {
                    stanzas.extend(cache.read_prefs(&p)?);
                }
            }
        }
        cache.apply_preferences(&stanzas)?;
        Ok(cache)
    }

    fn read_prefs(&mut self, path: &Path) -> Result<Vec<PinStanza>, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let (s, w) = parse_preferences(&text, path)?;
        self.warnings.extend(w);
        Ok(s)
    }

    /// Sorts versions and applies the target release and preference stanzas (in order).
    pub fn apply_preferences(&mut self, stanzas: &[PinStanza]) -> Result<(), Error> {
        for p in &mut self.packages {
            // Highest first; stable so equal versions keep their first-seen order.
            let cur = p
                .current
                .map(|i| p.versions[i].version.as_str().to_string());
            p.versions.sort_by(|a, b| b.version.cmp(&a.version));
            p.current = cur.and_then(|c| p.versions.iter().position(|v| v.version.as_str() == c));
            for v in &mut p.versions {
                v.pin = None;
            }
        }
        for f in &mut self.files {
            f.priority = f.default_priority();
        }
        // Generic pins: the target release first, then `Package: *` stanzas in order.
        let mut defaults: Vec<(Matcher, i32)> = Vec::new();
        if let Some(rel) = &self.opts.target_release {
            let m = ReleaseMatch::new(rel);
            let e = Expr::new(rel);
            let found = rel.len() > 2 && rel.as_bytes()[1] == b'='
                || e.matches(Some("now"))
                || self
                    .files
                    .iter()
                    .filter_map(|f| f.release.as_ref())
                    .any(|r| {
                        e.matches(r.suite.as_deref())
                            || e.matches(r.codename.as_deref())
                            || e.matches(r.version.as_deref())
                    });
            if !found {
                return Err(Error::Config {
                    path: PathBuf::from("APT::Default-Release"),
                    line: 0,
                    message: format!(
                        "the value '{rel}' is invalid for APT::Default-Release as such a release is not available in the sources"
                    ),
                });
            }
            defaults.push((Matcher::Release(Box::new(m)), 990));
        }
        for s in stanzas.iter().filter(|s| s.is_generic()) {
            defaults.push((Matcher::new(&s.pin), s.priority));
        }
        let mut fixed = vec![false; self.files.len()];
        for (m, prio) in &defaults {
            for (i, f) in self.files.iter_mut().enumerate() {
                if (!fixed[i] || *prio == NEVER_PIN) && f.priority != NEVER_PIN && m.file_match(f) {
                    f.priority = *prio;
                    fixed[i] = true;
                }
            }
        }
        // Specific pins, first match per version wins.
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, p) in self.packages.iter().enumerate() {
            by_name.entry(p.name.as_str()).or_default().push(i);
        }
        let mut by_source: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        for (i, p) in self.packages.iter().enumerate() {
            for (j, v) in p.versions.iter().enumerate() {
                by_source.entry(v.source.as_str()).or_default().push((i, j));
            }
        }
        let mut names_sorted: Vec<&str> = by_name.keys().copied().collect();
        names_sorted.sort_unstable();
        let mut pins: Vec<(usize, usize, i32)> = Vec::new();
        let mut claimed = std::collections::HashSet::new();
        for s in stanzas.iter().filter(|s| !s.is_generic()) {
            let m = Matcher::new(&s.pin);
            for name in &s.packages {
                let (is_src, rest) = match name.strip_prefix("src:") {
                    Some(r) => (true, r),
                    None => (false, name.as_str()),
                };
                let (base, arch) = match rest.rfind(':') {
                    Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                    None => (rest, None),
                };
                let targets: Vec<&str> = if base.is_empty() {
                    Vec::new()
                } else if (base.starts_with('/') && base.ends_with('/') && base.len() > 1)
                    || base.contains(['*', '[', '?'])
                {
                    let e = Expr::new(base);
                    names_sorted
                        .iter()
                        .copied()
                        .filter(|n| *n != base && e.matches(Some(n)))
                        .collect()
                } else {
                    vec![base]
                };
                let want_arch = arch.unwrap_or(&self.opts.native_arch);
                for t in targets {
                    let candidates: Vec<(usize, usize)> = if is_src {
                        by_source.get(t).cloned().unwrap_or_default()
                    } else {
                        by_name
                            .get(t)
                            .map(|ps| {
                                ps.iter()
                                    .flat_map(|&pi| {
                                        (0..self.packages[pi].versions.len())
                                            .map(move |vi| (pi, vi))
                                    })
                                    .collect()
                            })
                            .unwrap_or_default()
                    };
                    for (pi, vi) in candidates {
                        let p = &self.packages[pi];
                        if !arch_spec_matches(want_arch, &p.arch) {
                            continue;
                        }
                        let v = &p.versions[vi];
                        let ok = match &m {
                            Matcher::Version { prefix, ver, expr } => {
                                match_ver(Some(v.version.as_str()), ver, *prefix)
                                    || expr.matches(Some(v.version.as_str()))
                            }
                            other => v.files.iter().any(|&f| other.file_match(&self.files[f])),
                        };
                        if ok && claimed.insert((pi, vi)) {
                            pins.push((pi, vi, s.priority));
                        }
                    }
                }
            }
        }
        for (pi, vi, prio) in pins {
            self.packages[pi].versions[vi].pin = Some(prio);
        }
        Ok(())
    }

    /// The priority of a version (apt's `GetPriority(Ver, true)`).
    pub fn priority(&self, pkg: &Package, vi: usize) -> i32 {
        let v = &pkg.versions[vi];
        if let Some(pin) = v.pin {
            if pin == NEVER_PIN {
                return NEVER_PIN;
            }
            if v.files.iter().any(|&f| self.files[f].priority != NEVER_PIN) {
                return pin;
            }
        }
        let mut prio: Option<i32> = None;
        for &f in &v.files {
            let file = &self.files[f];
            let p = if file.is_status && pkg.current != Some(vi) {
                -1
            } else {
                file.priority
            };
            prio = Some(prio.map_or(p, |x: i32| x.max(p)));
        }
        prio.unwrap_or(0)
    }

    /// The candidate version index (apt's `GetCandidateVer`), None when no version qualifies.
    pub fn candidate(&self, pkg: &Package) -> Option<usize> {
        let cur = pkg.current.map(|i| &pkg.versions[i].version);
        let mut cand = None;
        let mut cand_prio = -1;
        for (i, v) in pkg.versions.iter().enumerate() {
            let prio = self.priority(pkg, i);
            if prio == 0 || prio <= cand_prio {
                continue;
            }
            if let Some(c) = cur
                && prio < 1000
                && v.version < *c
            {
                continue;
            }
            cand_prio = prio;
            cand = Some(i);
        }
        cand
    }

    /// A package by name, as apt-cache looks it up: `name` and `name:native` for the native
    /// architecture (and `all`), `name:arch` otherwise, `name:any` for the native package if
    /// there is one, else the first architecture that has it. Names are case-sensitive, as
    /// in apt-cache.
    pub fn package(&self, name: &str) -> Option<&Package> {
        let key = match name.split_once(':') {
            Some((n, a)) if a == self.opts.native_arch || a == "all" || a == "native" => n,
            Some((n, "any")) => {
                return self.index.get(n).map(|&i| &self.packages[i]).or_else(|| {
                    self.opts
                        .foreign_archs
                        .iter()
                        .find_map(|a| self.index.get(&format!("{n}:{a}")))
                        .map(|&i| &self.packages[i])
                });
            }
            _ => name,
        };
        self.index.get(key).map(|&i| &self.packages[i])
    }

    /// The index files in the order `apt-cache policy` lists them: the status file, then the
    /// indexes in the reverse of the order the sources name them (apt prepends each file it
    /// adds to its cache).
    pub fn files_in_apt_order(&self) -> impl Iterator<Item = &IndexFile> {
        self.files
            .iter()
            .filter(|f| f.is_status)
            .chain(self.files.iter().rev().filter(|f| !f.is_status))
    }

    /// The versions that a specific preferences stanza pins, with their pin (apt-cache
    /// policy's `Pinned packages:` section): `(name, or name:arch for a foreign package;
    /// version; priority)`, versions highest first, packages in the order apt walks its
    /// package hash table (see [`apt_hash_order`]).
    pub fn pinned(&self) -> Vec<(String, &Version, i32)> {
        let mut out = Vec::new();
        let mut order: Vec<&Package> = self.packages.iter().collect();
        order.sort_by_cached_key(|p| apt_hash_order(&p.name, &p.arch));
        for p in order {
            for v in &p.versions {
                if let Some(pin) = v.pin.filter(|&pin| pin != 0) {
                    let name = if p.arch == self.opts.native_arch || p.arch == "all" {
                        p.name.clone()
                    } else {
                        format!("{}:{}", p.name, p.arch)
                    };
                    out.push((name, &v.version, pin));
                }
            }
        }
        out
    }

    /// Whether `name` (an `:arch` suffix is ignored) is a package apt knows without any
    /// version: one that some stanza of the indexes or the status file provides or names in
    /// a dependency field (apt-cache policy prints an empty stanza for it). Case-sensitive,
    /// as apt's lookup. This re-reads the files, so call it only for names
    /// [`Cache::package`] does not find.
    pub fn is_virtual(&self, name: &str) -> bool {
        let name = name.split_once(':').map_or(name, |(n, _)| n);
        if name.is_empty() {
            return false;
        }
        let finder = memchr::memmem::Finder::new(name.as_bytes());
        let mut found = false;
        for f in &self.files {
            let Ok((_, reader)) = crate::compress::open(&f.path) else {
                continue;
            };
            let _ = crate::control::stream_packages(
                reader,
                1 << 20,
                |rec| {
                    if found {
                        return;
                    }
                    found = crate::control::DepField::ALL.iter().any(|&d| {
                        rec.dep(d).is_some_and(|raw| {
                            // A cheap substring test first: most fields never mention it.
                            finder.find(raw.as_bytes()).is_some()
                                && rec
                                    .relations(d)
                                    .is_ok_and(|rels| rels.iter().flatten().any(|r| r.name == name))
                        })
                    });
                },
                |_| {},
            );
            if found {
                return true;
            }
        }
        false
    }

    /// All packages, in load order.
    pub fn packages(&self) -> &[Package] {
        &self.packages
    }

    /// The options the cache was built with.
    pub fn options(&self) -> &Options {
        &self.opts
    }
}

/// The key by which libapt-pkg 2.x iterates packages (`pkgCache::PkgIterator`): the bucket
/// of its package hash table (`pkgCache::sHash`: djb2 over the lower-cased name, modulo
/// the default table size of 196613), then, within a bucket, the name by length and bytes
/// (`StringViewCompareFast`), then the architecture.
pub fn apt_hash_order(name: &str, arch: &str) -> (u32, usize, String, String) {
    const TABLE: u32 = 196_613;
    let hash = name.bytes().fold(5381u32, |h, c| {
        h.wrapping_mul(33)
            .wrapping_add(u32::from(c.to_ascii_lowercase()))
    });
    (hash % TABLE, name.len(), name.to_string(), arch.to_string())
}

/// apt's `PackageArchitectureMatchesSpecification` for the simple cases (exact, `any`).
fn arch_spec_matches(spec: &str, arch: &str) -> bool {
    spec == arch || spec == "any" || crate::relation::arch_matches(spec, arch)
}
