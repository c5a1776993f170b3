//! The offline candidate source: `Packages` indexes (plain or compressed files, or apt lists
//! folders) and preferences, loaded once and shared by every host.
//!
//! Priorities and pins come from fleetpin-debian's policy ([`Cache`]), built without a status
//! file; each host's installed version is folded in per host ([`Universe::candidate`]) exactly
//! as apt counts the dpkg status file (priority 100, never a downgrade below 1000), so one
//! universe serves 5,000 hosts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use fleetpin_debian::control::{BinaryPackage, DepField};
use fleetpin_debian::policy::{Cache, IndexFile, Options, PinStanza, parse_preferences};
use fleetpin_debian::relation::{MultiArch, Relation, Relations};
use fleetpin_debian::version::Version;

use crate::Error;

/// Where an index comes from (`--index`).
#[derive(Debug, Clone)]
pub struct IndexSource {
    /// A `Packages` file (plain, `.gz`, `.xz`, `.lz4`, `.zst`) or an apt lists folder.
    pub path: PathBuf,
}

/// The dependency fields of one version, parsed on first use (most versions of a 63k-stanza
/// index are never looked at by any host).
#[derive(Debug, Default)]
pub struct Deps {
    /// `Pre-Depends` then `Depends`.
    pub depends: Relations,
    /// `Recommends`.
    pub recommends: Relations,
    /// `Breaks`.
    pub breaks: Relations,
    /// `Conflicts`.
    pub conflicts: Relations,
}

/// Raw fields of one version of a package, aligned with the policy cache's versions.
#[derive(Debug, Default)]
pub struct VersionMeta {
    raw: [Option<Box<str>>; 5],
    /// `Multi-Arch`.
    pub multi_arch: MultiArch,
    /// Where the stanza is (file, line), for error messages.
    pub origin: Option<(usize, usize)>,
    /// The virtual names it provides.
    pub provides: Vec<Box<str>>,
    parsed: OnceLock<Deps>,
}

const FIELDS: [DepField; 5] = [
    DepField::PreDepends,
    DepField::Depends,
    DepField::Recommends,
    DepField::Breaks,
    DepField::Conflicts,
];

impl VersionMeta {
    fn from_record(rec: &BinaryPackage<'_>, origin: (usize, usize)) -> VersionMeta {
        let mut raw: [Option<Box<str>>; 5] = Default::default();
        for (slot, f) in raw.iter_mut().zip(FIELDS) {
            *slot = rec.dep(f).map(Box::from);
        }
        VersionMeta {
            raw,
            multi_arch: rec.multi_arch,
            origin: Some(origin),
            provides: Vec::new(),
            parsed: OnceLock::new(),
        }
    }

    /// The parsed dependency fields (a field that does not parse reads as empty; the loader
    /// already reported it).
    pub fn deps(&self) -> &Deps {
        self.parsed.get_or_init(|| {
            let p = |i: usize| {
                self.raw[i]
                    .as_deref()
                    .and_then(|s| Relations::parse(s).ok())
                    .unwrap_or_default()
            };
            let mut depends = p(0);
            depends.0.extend(p(1).0);
            Deps {
                depends,
                recommends: p(2),
                breaks: p(3),
                conflicts: p(4),
            }
        })
    }
}

/// A provider of a virtual name: (package, version index, provided version).
pub type Provider = (usize, usize, Option<Version>);

/// Packages from the indexes, with apt's priorities.
#[derive(Debug)]
pub struct Universe {
    cache: Cache,
    by_key: HashMap<String, usize>,
    meta: Vec<Vec<VersionMeta>>,
    providers: HashMap<String, Vec<Provider>>,
    /// The index files read (for messages).
    pub files: Vec<PathBuf>,
    /// Problems that did not stop loading: bad stanzas (file and line), an index for another
    /// architecture, unreadable lists.
    pub problems: Vec<Error>,
}

/// The candidate of a package on one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Candidate {
    /// A version from the indexes (index into the package's versions).
    Index(usize),
    /// The installed version, which no index lists, stays the candidate.
    Installed,
    /// No version qualifies.
    None,
}

fn compressed_base(name: &str) -> &str {
    for ext in [".gz", ".xz", ".lz4", ".zst", ".bz2"] {
        if let Some(b) = name.strip_suffix(ext) {
            return b;
        }
    }
    name
}

/// The index files a `--index` argument names: the file itself, or the `*_Packages*` files
/// of an apt lists folder (one per base name, preferring the uncompressed copy).
fn expand(path: &Path) -> Result<Vec<PathBuf>, Error> {
    let md = std::fs::metadata(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if !md.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let rd = std::fs::read_dir(path).map_err(|e| Error::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let mut found: Vec<PathBuf> = rd
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            p.is_file()
                && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                    let b = compressed_base(n);
                    b == "Packages" || b.ends_with("_Packages")
                })
        })
        .collect();
    found.sort();
    let mut seen = std::collections::HashSet::new();
    found.retain(|p| {
        let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
        seen.insert(compressed_base(n).to_string())
    });
    if found.is_empty() {
        return Err(Error::Input {
            path: path.to_path_buf(),
            line: 0,
            message: "no `Packages` index in this folder".into(),
        });
    }
    Ok(found)
}

impl Universe {
    /// Loads indexes and preferences. `target_release` is `-t`. Bad stanzas, an index with no
    /// package of the host architectures, and unreadable files land in
    /// [`Universe::problems`]; the rest still loads. Fails only when the preferences or `-t`
    /// are invalid (apt refuses to run then too).
    pub fn load(
        indexes: &[PathBuf],
        preferences: &[PathBuf],
        opts: Options,
    ) -> Result<Universe, Error> {
        let mut cache = Cache::new(opts.clone());
        let mut problems = Vec::new();
        let mut files = Vec::new();
        for i in indexes {
            match expand(i) {
                Ok(f) => files.extend(f),
                Err(e) => problems.push(e),
            }
        }
        let mut metas: HashMap<(String, String), VersionMeta> = HashMap::new();
        let mut provides: Vec<(String, String, String, Option<Version>)> = Vec::new();
        for (fi, path) in files.iter().enumerate() {
            let data = match fleetpin_debian::compress::read_file(path) {
                Ok(d) => d,
                Err(e) => {
                    problems.push(Error::Debian(e));
                    continue;
                }
            };
            let text = match String::from_utf8(data) {
                Ok(t) => t,
                Err(e) => {
                    let line = e.as_bytes()[..e.utf8_error().valid_up_to()]
                        .iter()
                        .filter(|&&b| b == b'\n')
                        .count()
                        + 1;
                    problems.push(Error::Input {
                        path: path.clone(),
                        line,
                        message: "not UTF-8 text".into(),
                    });
                    continue;
                }
            };
            let (recs, errs) = fleetpin_debian::control::parse_packages(&text);
            for e in errs {
                problems.push(Error::Debian(fleetpin_debian::control::in_file(path, e)));
            }
            if !text.trim().is_empty() && !text.ends_with('\n') {
                // A stanza cut mid-line: apt reads the prefix; say where it stops.
                problems.push(Error::Input {
                    path: path.clone(),
                    line: text.lines().count(),
                    message: "file ends in the middle of a line (truncated?)".into(),
                });
            }
            let mut usable = 0usize;
            let mut archs = std::collections::BTreeSet::new();
            for rec in &recs {
                let arch = rec.architecture;
                let ok = arch == "all"
                    || arch == opts.native_arch
                    || opts.foreign_archs.iter().any(|a| a == arch);
                if !ok {
                    archs.insert(arch.to_string());
                    continue;
                }
                usable += 1;
                let key = pkg_key(rec.name, arch, &opts.native_arch);
                metas
                    .entry((key.clone(), rec.version.to_string()))
                    .or_insert_with(|| VersionMeta::from_record(rec, (fi, rec.line)));
                if let Some(raw) = rec.dep(DepField::Provides)
                    && let Ok(rels) = Relations::parse(raw)
                {
                    for r in rels.0.into_iter().flatten() {
                        let pv = match r.constraint {
                            Some((fleetpin_debian::relation::Op::Eq, v)) => Some(v),
                            _ => None,
                        };
                        provides.push((r.name, key.clone(), rec.version.to_string(), pv));
                    }
                }
            }
            if usable == 0 && !recs.is_empty() {
                problems.push(Error::Input {
                    path: path.clone(),
                    line: recs[0].line,
                    message: format!(
                        "index for another architecture ({}); hosts here run {}",
                        archs.into_iter().collect::<Vec<_>>().join(", "),
                        std::iter::once(opts.native_arch.as_str())
                            .chain(opts.foreign_archs.iter().map(String::as_str))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                });
            }
            let meta = IndexFile {
                path: path.clone(),
                describe: path.display().to_string(),
                release: None,
                site: None,
                component: String::new(),
                architecture: String::new(),
                is_status: false,
                priority: 0,
            };
            cache.add_index(meta, &text);
        }
        cache.problems.clear();
        let mut stanzas: Vec<PinStanza> = Vec::new();
        for p in preferences {
            for f in preference_files(p)? {
                let text = std::fs::read_to_string(&f).map_err(|e| Error::Io {
                    path: f.clone(),
                    message: e.to_string(),
                })?;
                let (s, _warnings) = parse_preferences(&text, &f).map_err(Error::Debian)?;
                stanzas.extend(s);
            }
        }
        cache.apply_preferences(&stanzas).map_err(Error::Debian)?;
        let mut by_key = HashMap::new();
        let mut meta = Vec::with_capacity(cache.packages().len());
        for (i, p) in cache.packages().iter().enumerate() {
            let key = pkg_key(&p.name, &p.arch, &opts.native_arch);
            let row: Vec<VersionMeta> = p
                .versions
                .iter()
                .map(|v| {
                    metas
                        .remove(&(key.clone(), v.version.as_str().to_string()))
                        .unwrap_or_default()
                })
                .collect();
            meta.push(row);
            by_key.insert(key, i);
        }
        let mut providers: HashMap<String, Vec<Provider>> = HashMap::new();
        for (name, key, ver, pv) in provides {
            if let Some(&pi) = by_key.get(&key)
                && let Some(vi) = cache.packages()[pi]
                    .versions
                    .iter()
                    .position(|v| v.version.as_str() == ver)
            {
                meta[pi][vi].provides.push(Box::from(name.as_str()));
                providers.entry(name).or_default().push((pi, vi, pv));
            }
        }
        Ok(Universe {
            cache,
            by_key,
            meta,
            providers,
            files,
            problems,
        })
    }

    /// The policy options (architectures, target release).
    pub fn options(&self) -> &Options {
        self.cache.options()
    }

    /// The package index for a key (`name`, or `name:arch` for a foreign architecture).
    pub fn lookup(&self, key: &str) -> Option<usize> {
        self.by_key.get(key).copied()
    }

    /// The package's name and architecture.
    pub fn package(&self, pi: usize) -> &fleetpin_debian::policy::Package {
        &self.cache.packages()[pi]
    }

    /// The version `vi` of package `pi`.
    pub fn version(&self, pi: usize, vi: usize) -> &Version {
        &self.cache.packages()[pi].versions[vi].version
    }

    /// The stanza metadata of a version.
    pub fn meta(&self, pi: usize, vi: usize) -> &VersionMeta {
        &self.meta[pi][vi]
    }

    /// Versions that provide `name`.
    pub fn providers(&self, name: &str) -> &[Provider] {
        self.providers.get(name).map_or(&[], Vec::as_slice)
    }

    /// The index of `version` among the package's versions.
    pub fn find_version(&self, pi: usize, version: &str) -> Option<usize> {
        self.cache.packages()[pi]
            .versions
            .iter()
            .position(|v| v.version.as_str() == version)
    }

    /// apt's candidate for package `pi` on a host where `installed` is the installed version:
    /// the status file adds that version at priority 100 (or its pin), and a lower version
    /// than it is a candidate only at priority 1000 or more (`pkgPolicy::GetCandidateVer`).
    pub fn candidate(&self, pi: usize, installed: Option<&Version>) -> Candidate {
        let pkg = &self.cache.packages()[pi];
        let inst_vi = installed.and_then(|v| {
            pkg.versions
                .iter()
                .position(|x| x.version.as_str() == v.as_str())
        });
        let mut best = Candidate::None;
        let mut best_prio = -1;
        let mut installed_done = installed.is_none() || inst_vi.is_some();
        for (i, v) in pkg.versions.iter().enumerate() {
            // A status-only installed version sits at its place in the version order.
            if !installed_done
                && let Some(iv) = installed
                && *iv > v.version
            {
                installed_done = true;
                if 100 > best_prio {
                    best_prio = 100;
                    best = Candidate::Installed;
                }
            }
            let mut prio = self.cache.priority(pkg, i);
            if inst_vi == Some(i) && !self.pinned(pkg, i) {
                prio = prio.max(100);
            }
            if prio == 0 || prio <= best_prio {
                continue;
            }
            if let Some(iv) = installed
                && prio < 1000
                && v.version < *iv
            {
                continue;
            }
            best_prio = prio;
            best = Candidate::Index(i);
        }
        if !installed_done && 100 > best_prio {
            best = Candidate::Installed;
        }
        best
    }

    /// Whether the version's priority comes from a specific pin (it differs from the best of
    /// its files' priorities).
    fn pinned(&self, pkg: &fleetpin_debian::policy::Package, vi: usize) -> bool {
        let v = &pkg.versions[vi];
        let best = v
            .files
            .iter()
            .map(|&f| self.cache.files[f].priority)
            .max()
            .unwrap_or(0);
        self.cache.priority(pkg, vi) != best
    }

    /// Number of packages (name and architecture).
    pub fn len(&self) -> usize {
        self.cache.packages().len()
    }

    /// Whether no index listed any package.
    pub fn is_empty(&self) -> bool {
        self.cache.packages().is_empty()
    }
}

/// The key of a package: its name for the native architecture (and `all`), `name:arch`
/// otherwise.
pub fn pkg_key(name: &str, arch: &str, native: &str) -> String {
    if arch == "all" || arch.is_empty() || arch == native {
        name.to_ascii_lowercase()
    } else {
        format!("{}:{arch}", name.to_ascii_lowercase())
    }
}

fn preference_files(p: &Path) -> Result<Vec<PathBuf>, Error> {
    if p.is_dir() {
        let rd = std::fs::read_dir(p).map_err(|e| Error::Io {
            path: p.to_path_buf(),
            message: e.to_string(),
        })?;
        let mut v: Vec<PathBuf> = rd
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|f| {
                f.is_file()
                    && f.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        !n.starts_with('.') && (!n.contains('.') || n.ends_with(".pref"))
                    })
            })
            .collect();
        v.sort();
        Ok(v)
    } else {
        Ok(vec![p.to_path_buf()])
    }
}

/// Whether a relation's architecture rules let a package of `arch` with `multi_arch`
/// satisfy it, for a dependency of a native (or `all`) package (dpkg's `deparchsatisfied`).
pub fn arch_ok(rel: &Relation, arch: &str, multi_arch: MultiArch, native: &str) -> bool {
    let same = arch == native || arch == "all";
    match rel.arch_qualifier.as_deref() {
        None => same || multi_arch == MultiArch::Foreign,
        Some("any") => multi_arch == MultiArch::Allowed,
        Some("native") => same,
        Some(a) => arch == a || (arch == "all" && a == native),
    }
}
