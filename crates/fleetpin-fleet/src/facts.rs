//! Host facts and their on-disk store.
//!
//! # The facts file (`.fleetpin/facts/<host>.json`)
//!
//! One JSON document per host, written atomically (a temporary file in the same directory,
//! then a rename), so a reader never sees half a file:
//!
//! ```json
//! {
//!   "fleetpin_facts": 1,
//!   "host": "node1",
//!   "groups": ["swarm", "swarm_workers"],
//!   "source": "ssh",
//!   "gathered_at": 1764430000,
//!   "os": { "id": "debian", "version_id": "10", "version_codename": "buster",
//!           "pretty_name": "Debian GNU/Linux 10 (buster)" },
//!   "kernel": "4.19.0-23-amd64",
//!   "apparmor_enabled": true,
//!   "docker_version": "23.0.1",
//!   "package_manager": "dpkg",
//!   "native_arch": "amd64",
//!   "packages": [
//!     { "name": "docker-ce", "version": "5:23.0.1-1~debian.10~buster", "arch": "amd64",
//!       "selection": "hold" }
//!   ]
//! }
//! ```
//!
//! - `fleetpin_facts` is the format version; files from a newer fleetpin are refused.
//! - `groups` are the inventory groups of the host (direct and inherited, without `all`).
//! - `source` is `ssh`, `ansible` (package_facts), `dpkg-status` or `dpkg-query`.
//! - `package_manager` is `dpkg` or `rpm`; it decides which version ordering applies.
//! - `packages` is sorted by name then architecture. `version` is the full version
//!   (`epoch:upstream-revision` for dpkg, `epoch:version-release` for rpm). `selection` is
//!   dpkg's want state (`install`, `hold`, `deinstall`, `purge`); absent when unknown (rpm,
//!   Ansible package_facts).
//! - Optional facts (`os`, `kernel`, `apparmor_enabled`, `docker_version`, `native_arch`) are
//!   absent when unknown.

use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::Error;

/// The facts format version this fleetpin writes and reads.
pub const FACTS_FORMAT_VERSION: u32 = 1;

/// Which package manager a host uses; it decides the version ordering (dpkg or rpm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum PackageManager {
    /// Debian and derivatives: dpkg ordering.
    Dpkg,
    /// Red Hat, SUSE and derivatives: rpm ordering.
    Rpm,
}

impl PackageManager {
    /// `dpkg` or `rpm`.
    pub fn as_str(self) -> &'static str {
        match self {
            PackageManager::Dpkg => "dpkg",
            PackageManager::Rpm => "rpm",
        }
    }

    /// Compares two version strings with this manager's ordering.
    pub fn compare(self, a: &str, b: &str) -> std::cmp::Ordering {
        match self {
            PackageManager::Dpkg => fleetpin_debian::version::compare_str(a, b),
            PackageManager::Rpm => {
                match (
                    fleetpin_debian::rpm::RpmVersion::parse(a),
                    fleetpin_debian::rpm::RpmVersion::parse(b),
                ) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    _ => fleetpin_debian::rpm::rpmvercmp(a, b),
                }
            }
        }
    }
}

/// Where a host's facts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FactsSource {
    /// `fleetpin gather` over SSH.
    Ssh,
    /// `ansible -m package_facts --tree DIR` output.
    Ansible,
    /// A dpkg status file.
    DpkgStatus,
    /// `dpkg-query -W` output.
    DpkgQuery,
}

/// `/etc/os-release` fields that matter for locking.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OsRelease {
    /// `ID` (`debian`, `ubuntu`, `rhel`).
    pub id: String,
    /// `VERSION_ID` (`10`, `22.04`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    /// `VERSION_CODENAME` (`buster`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_codename: Option<String>,
    /// `PRETTY_NAME`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pretty_name: Option<String>,
}

impl OsRelease {
    /// Parses os-release(5) text (`KEY=value`, values optionally quoted).
    pub fn parse(text: &str) -> Option<OsRelease> {
        let mut os = OsRelease::default();
        for line in text.lines() {
            let Some((k, v)) = line.trim().split_once('=') else {
                continue;
            };
            let v = unquote(v.trim());
            match k {
                "ID" => os.id = v,
                "VERSION_ID" => os.version_id = Some(v),
                "VERSION_CODENAME" => os.version_codename = Some(v),
                "PRETTY_NAME" => os.pretty_name = Some(v),
                _ => {}
            }
        }
        (!os.id.is_empty()).then_some(os)
    }

    /// `id-version_id`, e.g. `debian-10`: the pseudo-group `os:debian-10` of lock grouping.
    pub fn key(&self) -> String {
        match &self.version_id {
            Some(v) => format!("{}-{v}", self.id),
            None => self.id.clone(),
        }
    }
}

fn unquote(v: &str) -> String {
    for q in ['"', '\''] {
        if v.len() >= 2 && v.starts_with(q) && v.ends_with(q) {
            let inner = &v[1..v.len() - 1];
            return if q == '"' {
                let mut out = String::with_capacity(inner.len());
                let mut chars = inner.chars();
                while let Some(c) = chars.next() {
                    if c == '\\' {
                        if let Some(n) = chars.next() {
                            out.push(n);
                        }
                    } else {
                        out.push(c);
                    }
                }
                out
            } else {
                inner.to_string()
            };
        }
    }
    v.to_string()
}

/// One installed package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    /// Package name (without architecture qualifier).
    pub name: String,
    /// Full version string.
    pub version: String,
    /// Architecture (`amd64`, `all`, `x86_64`, `noarch`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// dpkg selection (`install`, `hold`, `deinstall`, `purge`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<String>,
}

impl Package {
    /// Whether the package is on hold: `Some(true)`/`Some(false)`, `None` when unknown.
    pub fn held(&self) -> Option<bool> {
        self.selection.as_deref().map(|s| s == "hold")
    }
}

/// Everything fleetpin knows about one host. See the module docs for the JSON format.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostFacts {
    /// Format version ([`FACTS_FORMAT_VERSION`]).
    pub fleetpin_facts: u32,
    /// Inventory host name.
    pub host: String,
    /// Inventory groups (direct and inherited, without `all`), sorted.
    #[serde(default)]
    pub groups: Vec<String>,
    /// Where these facts came from.
    pub source: FactsSource,
    /// Unix time of gathering, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gathered_at: Option<u64>,
    /// OS release.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub os: Option<OsRelease>,
    /// Kernel release (`uname -r`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kernel: Option<String>,
    /// Whether the kernel has AppArmor enabled (`/sys/module/apparmor/parameters/enabled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub apparmor_enabled: Option<bool>,
    /// Docker engine version, if Docker is installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub docker_version: Option<String>,
    /// dpkg or rpm.
    pub package_manager: PackageManager,
    /// The host's native architecture (`dpkg --print-architecture`, `uname -m`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub native_arch: Option<String>,
    /// Installed packages, sorted by name then architecture.
    pub packages: Vec<Package>,
}

impl HostFacts {
    /// Empty facts for a host.
    pub fn new(host: impl Into<String>, source: FactsSource, manager: PackageManager) -> HostFacts {
        HostFacts {
            fleetpin_facts: FACTS_FORMAT_VERSION,
            host: host.into(),
            groups: Vec::new(),
            source,
            gathered_at: None,
            os: None,
            kernel: None,
            apparmor_enabled: None,
            docker_version: None,
            package_manager: manager,
            native_arch: None,
            packages: Vec::new(),
        }
    }

    /// Sorts packages and groups into their canonical order.
    pub fn normalize(&mut self) {
        self.packages.sort_by(|a, b| {
            a.name
                .cmp(&b.name)
                .then_with(|| a.arch.cmp(&b.arch))
                .then_with(|| a.version.cmp(&b.version))
        });
        self.groups.sort();
        self.groups.dedup();
    }

    /// The facts as JSON: the header fields one per line, then one package per line, so
    /// files stay readable, diff well and stay small at thousands of packages.
    pub fn to_json(&self) -> String {
        fn j<T: Serialize + ?Sized>(v: &T) -> String {
            serde_json::to_string(v).unwrap_or_else(|_| "null".into())
        }
        let mut out = String::with_capacity(256 + self.packages.len() * 96);
        out.push_str("{\n");
        let mut field = |k: &str, v: String| {
            out.push_str("  \"");
            out.push_str(k);
            out.push_str("\": ");
            out.push_str(&v);
            out.push_str(",\n");
        };
        field("fleetpin_facts", j(&self.fleetpin_facts));
        field("host", j(&self.host));
        field("groups", j(&self.groups));
        field("source", j(&self.source));
        if let Some(v) = &self.gathered_at {
            field("gathered_at", j(v));
        }
        if let Some(v) = &self.os {
            field("os", j(v));
        }
        if let Some(v) = &self.kernel {
            field("kernel", j(v));
        }
        if let Some(v) = &self.apparmor_enabled {
            field("apparmor_enabled", j(v));
        }
        if let Some(v) = &self.docker_version {
            field("docker_version", j(v));
        }
        field("package_manager", j(&self.package_manager));
        if let Some(v) = &self.native_arch {
            field("native_arch", j(v));
        }
        out.push_str("  \"packages\": [");
        for (i, p) in self.packages.iter().enumerate() {
            out.push_str(if i == 0 { "\n    " } else { ",\n    " });
            out.push_str(&j(p));
        }
        out.push_str(if self.packages.is_empty() {
            "]\n}\n"
        } else {
            "\n  ]\n}\n"
        });
        out
    }

    /// Parses a facts document; `path` names it in errors.
    pub fn from_json(bytes: &[u8], path: &Path) -> Result<HostFacts, Error> {
        check_format_version(bytes, path)?;
        serde_json::from_slice(bytes).map_err(|e| Error::Json {
            path: path.to_path_buf(),
            line: e.line(),
            message: e.to_string(),
        })
    }
}

/// Refuses facts written by a newer fleetpin before trying to read the rest.
pub(crate) fn check_format_version(bytes: &[u8], path: &Path) -> Result<(), Error> {
    #[derive(Deserialize)]
    struct Probe {
        fleetpin_facts: Option<u32>,
    }
    if let Ok(Probe {
        fleetpin_facts: Some(v),
    }) = serde_json::from_slice::<Probe>(bytes)
        && v > FACTS_FORMAT_VERSION
    {
        return Err(Error::NewerFormat {
            path: path.to_path_buf(),
            what: "facts",
            found: v,
            supported: FACTS_FORMAT_VERSION,
        });
    }
    Ok(())
}

/// Writes `bytes` to `path` atomically: a temporary file in the same directory, synced, then
/// renamed over the target. Readers see the old or the new file, never a partial one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        error: source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".fleetpin-tmp-")
        .tempfile_in(dir)
        .map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    tmp.persist(path).map_err(|e| io(e.error))?;
    Ok(())
}

/// A directory of facts files, one per host (default `.fleetpin/facts/`).
#[derive(Debug, Clone)]
pub struct FactsStore {
    dir: PathBuf,
}

impl FactsStore {
    /// The store in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> FactsStore {
        FactsStore { dir: dir.into() }
    }

    /// The store's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file holding a host's facts. Characters outside `[A-Za-z0-9._:@-]` are
    /// percent-encoded so any host name maps to one safe file name.
    pub fn path_for(&self, host: &str) -> PathBuf {
        let mut name = String::with_capacity(host.len() + 5);
        for (i, b) in host.bytes().enumerate() {
            let safe = b.is_ascii_alphanumeric()
                || matches!(b, b'_' | b'-' | b':' | b'@')
                || (b == b'.' && i > 0);
            if safe {
                name.push(b as char);
            } else {
                name.push_str(&format!("%{b:02X}"));
            }
        }
        name.push_str(".json");
        self.dir.join(name)
    }

    /// Writes one host's facts atomically (see [`HostFacts::to_json`]).
    pub fn write(&self, facts: &HostFacts) -> Result<PathBuf, Error> {
        let mut facts = facts.clone();
        facts.normalize();
        let path = self.path_for(&facts.host);
        write_atomic(&path, facts.to_json().as_bytes())?;
        Ok(path)
    }

    /// The `*.json` files of the store, sorted.
    pub fn files(&self) -> Result<Vec<PathBuf>, Error> {
        let rd = std::fs::read_dir(&self.dir).map_err(|source| Error::Io {
            path: self.dir.clone(),
            error: source,
        })?;
        let mut files: Vec<PathBuf> = rd
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.extension().is_some_and(|e| e == "json")
                    && !p
                        .file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with('.'))
            })
            .collect();
        files.sort();
        Ok(files)
    }

    /// Reads every facts file in parallel. Unreadable or invalid files become errors in the
    /// second list; the others are returned sorted by host. Two files naming the same host
    /// are an error for that host (both are dropped).
    pub fn read_all(&self) -> Result<(Vec<HostFacts>, Vec<Error>), Error> {
        let files = self.files()?;
        let results: Vec<Result<HostFacts, Error>> = files
            .par_iter()
            .map(|p| {
                let bytes = std::fs::read(p).map_err(|source| Error::Io {
                    path: p.clone(),
                    error: source,
                })?;
                HostFacts::from_json(&bytes, p)
            })
            .collect();
        let mut facts = Vec::new();
        let mut errors = Vec::new();
        for (r, p) in results.into_iter().zip(&files) {
            match r {
                Ok(f) => facts.push((f, p.clone())),
                Err(e) => errors.push(e),
            }
        }
        facts.sort_by(|a, b| a.0.host.cmp(&b.0.host));
        let mut out: Vec<HostFacts> = Vec::with_capacity(facts.len());
        let mut paths: Vec<PathBuf> = Vec::new();
        let mut dup_of: Option<String> = None;
        for (f, p) in facts {
            if out.last().is_some_and(|l| l.host == f.host) {
                errors.push(Error::DuplicateHost {
                    host: f.host.clone(),
                    first: paths.last().cloned().unwrap_or_default(),
                    second: p,
                });
                dup_of = Some(f.host.clone());
                continue;
            }
            if let Some(d) = dup_of.take()
                && out.last().is_some_and(|l| l.host == d)
            {
                out.pop();
                paths.pop();
            }
            out.push(f);
            paths.push(p);
        }
        if let Some(d) = dup_of
            && out.last().is_some_and(|l| l.host == d)
        {
            out.pop();
        }
        Ok((out, errors))
    }
}
