//! A compact, interned view of a fleet's facts, for lock and drift at thousands of hosts.
//!
//! Package keys and version strings are interned once (a fleet of 5,000 hosts × 2,000
//! packages has a few thousand distinct names and versions but ten million installations);
//! each installation is then 12 bytes.
//!
//! A package's key is its name, or `name:arch` for a package of a foreign architecture
//! (not the host's native one, `all` or `noarch`), as `dpkg-query -W -f '${binary:Package}'`
//! shows multi-arch packages.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::RwLock;

use rayon::prelude::*;
use serde::Deserialize;

use crate::Error;
use crate::facts::{
    FactsStore, HostFacts, OsRelease, PackageManager, check_format_version, json_line_of,
};

/// Maps strings to dense `u32` ids.
#[derive(Debug, Default, Clone)]
pub struct Interner {
    // FxHash: the keys are short package names and versions, not attacker-chosen in bulk;
    // SipHash showed up at ~15% of the ansible-tree read profile.
    map: HashMap<Box<str>, u32, rustc_hash::FxBuildHasher>,
    strs: Vec<Box<str>>,
}

impl Interner {
    /// The id of `s`, adding it if new.
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.map.get(s) {
            return id;
        }
        let id = self.strs.len() as u32;
        self.strs.push(s.into());
        self.map.insert(s.into(), id);
        id
    }
    /// The id of `s`, if interned.
    pub fn get(&self, s: &str) -> Option<u32> {
        self.map.get(s).copied()
    }
    /// The string of an id.
    pub fn resolve(&self, id: u32) -> &str {
        &self.strs[id as usize]
    }
    /// Number of distinct strings.
    pub fn len(&self) -> usize {
        self.strs.len()
    }
    /// Whether nothing is interned.
    pub fn is_empty(&self) -> bool {
        self.strs.is_empty()
    }
}

/// One installation on a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Installed {
    /// Package key id (see [`Fleet::packages`]).
    pub pkg: u32,
    /// Version id (see [`Fleet::versions`]).
    pub version: u32,
    /// Hold state: `Some(true)` held, `Some(false)` not held, `None` unknown.
    pub held: Option<bool>,
}

/// One host of the fleet.
#[derive(Debug, Clone)]
pub struct FleetHost {
    /// Inventory host name.
    pub name: String,
    /// Inventory groups (without `all`).
    pub groups: Vec<String>,
    /// `id-version_id` of the OS, when known (`debian-10`).
    pub os: Option<String>,
    /// Which version ordering applies.
    pub manager: PackageManager,
    /// Installations, sorted by package id; one per package key (the highest version when
    /// a package is installed in several versions, like rpm kernels).
    pub installed: Vec<Installed>,
}

impl FleetHost {
    /// The installation of a package id, if any.
    pub fn get(&self, pkg: u32) -> Option<&Installed> {
        self.installed
            .binary_search_by_key(&pkg, |i| i.pkg)
            .ok()
            .map(|i| &self.installed[i])
    }

    /// Whether the host is in `group` (an inventory group, `all`, or `os:ID-VERSION`).
    pub fn in_group(&self, group: &str) -> bool {
        if group == "all" {
            return true;
        }
        if let Some(os) = group.strip_prefix("os:") {
            return self.os.as_deref() == Some(os);
        }
        self.groups.iter().any(|g| g == group)
    }
}

/// Many hosts' facts, interned.
#[derive(Debug, Default, Clone)]
pub struct Fleet {
    /// Package keys.
    pub packages: Interner,
    /// Version strings.
    pub versions: Interner,
    /// Hosts, sorted by name.
    pub hosts: Vec<FleetHost>,
}

/// What interning needs of one package, whichever reader produced it: name, architecture,
/// version and hold state (`None`: the reader does not know).
trait PkgRef {
    fn parts(&self) -> (&str, Option<&str>, &str, Option<bool>);
}

impl PkgRef for crate::facts::Package {
    fn parts(&self) -> (&str, Option<&str>, &str, Option<bool>) {
        (&self.name, self.arch.as_deref(), &self.version, self.held())
    }
}

impl PkgRef for PkgView<'_> {
    fn parts(&self) -> (&str, Option<&str>, &str, Option<bool>) {
        let held = crate::facts::held(self.selection.as_deref());
        (&self.name, self.arch.as_deref(), &self.version, held)
    }
}

/// An entry of [`crate::ansible::TreeView`], version already assembled; package_facts
/// carries no hold state.
impl PkgRef for crate::ansible::Entry<'_> {
    fn parts(&self) -> (&str, Option<&str>, &str, Option<bool>) {
        (&self.name, self.arch.as_deref(), &self.version, None)
    }
}

/// A host's fields besides its packages.
struct Header<'a> {
    name: String,
    groups: Vec<String>,
    os: Option<String>,
    manager: PackageManager,
    native: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct FactsView<'a> {
    fleetpin_facts: u32,
    host: String,
    #[serde(default)]
    groups: Vec<String>,
    #[serde(default)]
    os: Option<OsRelease>,
    package_manager: PackageManager,
    #[serde(borrow, default)]
    native_arch: Option<Cow<'a, str>>,
    #[serde(borrow)]
    packages: Vec<PkgView<'a>>,
}

#[derive(Deserialize)]
struct PkgView<'a> {
    #[serde(borrow)]
    name: Cow<'a, str>,
    #[serde(borrow)]
    version: Cow<'a, str>,
    #[serde(borrow, default)]
    arch: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    selection: Option<Cow<'a, str>>,
}

/// The declared native architecture, else the most common one among the packages (`all`
/// and `noarch` aside; ties go to the smallest name).
fn native_arch<'a>(declared: Option<&'a str>, pkgs: &'a [impl PkgRef]) -> Option<&'a str> {
    if declared.is_some() {
        return declared;
    }
    // A host has one to three architectures: a short list beats a hash map, which showed
    // at ~2% of the Ansible tree read in a profile.
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for p in pkgs {
        if let (_, Some(a), _, _) = p.parts()
            && !matches!(a, "all" | "noarch")
        {
            match counts.iter_mut().find(|(x, _)| *x == a) {
                Some(c) => c.1 += 1,
                None => counts.push((a, 1)),
            }
        }
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))
        .map(|(a, _)| a)
}

/// The package key: the name, or `name:arch` for a foreign architecture.
fn key_of<'k>(
    name: &'k str,
    arch: Option<&str>,
    native: Option<&str>,
    buf: &'k mut String,
) -> &'k str {
    match (arch, native) {
        (Some(a), Some(n)) if a != n && !matches!(a, "all" | "noarch") => {
            buf.clear();
            buf.push_str(name);
            buf.push(':');
            buf.push_str(a);
            buf
        }
        _ => name,
    }
}

/// Package and version interners shared by parallel readers.
///
/// A host's lookups happen under one read lock, so threads look up side by side; only the
/// strings no host had before take the write lock, and after the first few hosts of a fleet
/// there are almost none. (One mutex held while each host was interned serialised the
/// readers: ~15% of the Ansible tree read, bench/fleet.)
///
/// Versions read from files are checked once per distinct string and package manager (the
/// third element holds, per version id, one "valid" bit per manager), so validating costs
/// nothing per installation once a fleet's few thousand versions have been seen.
#[derive(Default)]
struct SharedInterners(RwLock<(Interner, Interner, Vec<u8>)>);

/// A package whose version its host's package manager rejects: (index in the host's
/// package list, message).
type BadVersion = (usize, String);

impl SharedInterners {
    fn into_inner(self) -> (Interner, Interner) {
        let (p, v, _) = self.0.into_inner().unwrap_or_else(|e| e.into_inner());
        (p, v)
    }

    /// Interns one host. With `check`, a version its package manager rejects is an error.
    fn add(
        &self,
        header: Header<'_>,
        pkgs: &[impl PkgRef],
        check: bool,
    ) -> Result<FleetHost, BadVersion> {
        let native = native_arch(header.native.as_deref(), pkgs);
        let bit = 1u8 << (header.manager as u8);
        let mut key = String::new();
        let mut installed: Vec<Installed> = Vec::with_capacity(pkgs.len());
        let mut misses = Vec::new();
        {
            let guard = self.0.read().unwrap_or_else(|e| e.into_inner());
            let (packages, versions, valid) = &*guard;
            for (i, p) in pkgs.iter().enumerate() {
                let (name, arch, v, held) = p.parts();
                let k = key_of(name, arch, native, &mut key);
                let (pkg, version) = match (packages.get(k), versions.get(v)) {
                    (Some(pkg), Some(version)) if !check || valid[version as usize] & bit != 0 => {
                        (pkg, version)
                    }
                    _ => {
                        misses.push(i);
                        (u32::MAX, u32::MAX)
                    }
                };
                installed.push(Installed { pkg, version, held });
            }
        }
        if !misses.is_empty() {
            let mut guard = self.0.write().unwrap_or_else(|e| e.into_inner());
            let (packages, versions, valid) = &mut *guard;
            for i in misses {
                let (name, arch, v, _) = pkgs[i].parts();
                installed[i].pkg = packages.intern(key_of(name, arch, native, &mut key));
                let id = versions.intern(v);
                installed[i].version = id;
                if valid.len() < versions.len() {
                    valid.resize(versions.len(), 0);
                }
                if check && valid[id as usize] & bit == 0 {
                    header
                        .manager
                        .check_version(v)
                        .map_err(|m| (i, format!("package `{name}`: {m}")))?;
                    valid[id as usize] |= bit;
                }
            }
        }
        installed.sort_by_key(|i| i.pkg);
        // One entry per key: keep the highest version (rpm can install several kernels).
        let manager = header.manager;
        if installed.windows(2).any(|w| w[0].pkg == w[1].pkg) {
            let guard = self.0.read().unwrap_or_else(|e| e.into_inner());
            let versions = &guard.1;
            installed.dedup_by(|later, earlier| {
                if later.pkg != earlier.pkg {
                    return false;
                }
                if manager
                    .compare(
                        versions.resolve(later.version),
                        versions.resolve(earlier.version),
                    )
                    .is_gt()
                {
                    *earlier = *later;
                }
                true
            });
        }
        Ok(FleetHost {
            name: header.name,
            groups: header.groups,
            os: header.os,
            manager,
            installed,
        })
    }
}

impl Fleet {
    /// Builds a fleet from owned facts (duplicates must already be removed). Versions are
    /// not checked again: [`HostFacts::from_json`] and the importers check them.
    pub fn from_facts(facts: &[HostFacts]) -> Fleet {
        let interners = SharedInterners::default();
        let mut hosts: Vec<FleetHost> = facts
            .iter()
            .map(|f| {
                let header = Header {
                    name: f.host.clone(),
                    groups: f.groups.clone(),
                    os: f.os.as_ref().map(OsRelease::key),
                    manager: f.package_manager,
                    native: f.native_arch.as_deref().map(Cow::Borrowed),
                };
                match interners.add(header, &f.packages, false) {
                    Ok(h) => h,
                    Err(_) => unreachable!("versions are not checked"),
                }
            })
            .collect();
        hosts.sort_by(|a, b| a.name.cmp(&b.name));
        let (packages, versions) = interners.into_inner();
        Fleet {
            packages,
            versions,
            hosts,
        }
    }

    /// Reads a facts store in parallel straight into the interned form, without keeping
    /// the per-host JSON or owned strings around. Returns the fleet and per-file errors
    /// (invalid JSON, newer format, duplicate hosts: both copies are dropped).
    pub fn load(store: &FactsStore) -> Result<(Fleet, Vec<Error>), Error> {
        let files = store.files()?;
        Ok(Fleet::load_files(&files))
    }

    /// Like [`Fleet::load`], over explicit files.
    pub fn load_files(files: &[PathBuf]) -> (Fleet, Vec<Error>) {
        let interners = SharedInterners::default();
        // One read buffer per rayon job, reused (see `ansible::read_tree`).
        let results: Vec<Result<FleetHost, Error>> = files
            .par_iter()
            .map_init(Vec::new, |buf, path| {
                crate::ansible::read_into(path, buf)?;
                let (header, pkgs) = parse_view(buf, path)?;
                interners.add(header, &pkgs, true).map_err(|(i, message)| {
                    let (name, _, version, _) = pkgs[i].parts();
                    Error::Parse {
                        path: path.clone(),
                        line: json_line_of(buf, name, version),
                        message,
                    }
                })
            })
            .collect();
        let (packages, versions) = interners.into_inner();
        let mut errors = Vec::new();
        let mut hosts: Vec<(FleetHost, &PathBuf)> = Vec::with_capacity(results.len());
        for (r, p) in results.into_iter().zip(files) {
            match r {
                Ok(h) => hosts.push((h, p)),
                Err(e) => errors.push(e),
            }
        }
        hosts.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        let mut keep = Vec::with_capacity(hosts.len());
        let mut i = 0;
        while i < hosts.len() {
            let mut j = i + 1;
            while j < hosts.len() && hosts[j].0.name == hosts[i].0.name {
                errors.push(Error::DuplicateHost {
                    host: hosts[i].0.name.clone(),
                    first: hosts[i].1.clone(),
                    second: hosts[j].1.clone(),
                });
                j += 1;
            }
            if j == i + 1 {
                keep.push(i);
            }
            i = j;
        }
        let mut slots: Vec<Option<FleetHost>> = hosts.into_iter().map(|(h, _)| Some(h)).collect();
        let hosts = keep.into_iter().filter_map(|i| slots[i].take()).collect();
        (
            Fleet {
                packages,
                versions,
                hosts,
            },
            errors,
        )
    }

    /// Reads an `ansible -m package_facts --tree DIR` directory straight into the interned
    /// form (parallel, strings borrowed from each file and interned, nothing else kept).
    /// Hosts have no groups or OS (package_facts does not carry them). Failed or unreachable
    /// hosts and invalid files are returned as errors.
    pub fn load_ansible_tree(dir: &Path) -> Result<(Fleet, Vec<Error>), Error> {
        let files = crate::ansible::tree_files(dir)?;
        let interners = SharedInterners::default();
        let results: Vec<Result<FleetHost, Error>> = files
            .par_iter()
            .map_init(Vec::new, |buf, path| {
                let host = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default();
                crate::ansible::read_into(path, buf)?;
                let view = crate::ansible::parse_tree_view(host, buf, path)?;
                let header = Header {
                    name: host.to_string(),
                    groups: Vec::new(),
                    os: None,
                    manager: view.manager,
                    native: None,
                };
                interners
                    .add(header, &view.packages, true)
                    .map_err(|(i, message)| {
                        let e = &view.packages[i];
                        Error::Parse {
                            path: path.clone(),
                            line: json_line_of(buf, &e.name, &e.version),
                            message,
                        }
                    })
            })
            .collect();
        let (packages, versions) = interners.into_inner();
        let mut fleet = Fleet {
            packages,
            versions,
            hosts: Vec::with_capacity(results.len()),
        };
        let mut errors = Vec::new();
        for r in results {
            match r {
                Ok(h) => fleet.hosts.push(h),
                Err(e) => errors.push(e),
            }
        }
        fleet.hosts.sort_by(|a, b| a.name.cmp(&b.name));
        Ok((fleet, errors))
    }

    /// The host of that name.
    pub fn host(&self, name: &str) -> Option<&FleetHost> {
        self.hosts
            .binary_search_by(|h| h.name.as_str().cmp(name))
            .ok()
            .map(|i| &self.hosts[i])
    }

    /// Compares two version ids with a manager's ordering.
    pub fn compare(&self, manager: PackageManager, a: u32, b: u32) -> std::cmp::Ordering {
        if a == b {
            return std::cmp::Ordering::Equal;
        }
        manager.compare(self.versions.resolve(a), self.versions.resolve(b))
    }
}

fn parse_view<'a>(bytes: &'a [u8], path: &Path) -> Result<(Header<'a>, Vec<PkgView<'a>>), Error> {
    check_format_version(bytes, path)?;
    let v: FactsView<'a> = serde_json::from_slice(bytes).map_err(|e| Error::Json {
        path: path.to_path_buf(),
        line: e.line(),
        message: e.to_string(),
    })?;
    let _ = v.fleetpin_facts;
    let header = Header {
        name: v.host,
        groups: v.groups,
        os: v.os.as_ref().map(OsRelease::key),
        manager: v.package_manager,
        native: v.native_arch,
    };
    Ok((header, v.packages))
}
