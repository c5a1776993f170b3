//! Reading `ansible all -m ansible.builtin.package_facts --tree DIR` output.
//!
//! Ansible writes one JSON file per host, named after the inventory host, holding the module
//! result: `{"ansible_facts": {"packages": {NAME: [ENTRY, ...]}, "pkg_mgr": "apt"}, ...}`.
//! An apt entry is `{"name", "version" (with epoch), "arch", "category", "origin", "source":
//! "apt"}`; an rpm entry carries `"epoch"` (number or null), `"version"` and `"release"`
//! separately with `"source": "rpm"`. Hosts Ansible could not reach or where the module
//! failed have `"unreachable": true` or `"failed": true` and a `"msg"`.
//!
//! Files are parsed in parallel, borrowing strings from the file buffer and skipping every
//! field fleetpin does not need.
//!
//! Host facts beyond packages (kernel, AppArmor, distribution, cgroup hierarchy) come from
//! two more trees in the same directory, when they are there: `setup/` (the `setup` module)
//! and `mounts/` (the `mount_facts` module, ansible-core 2.18 or later):
//!
//! ```sh
//! ansible all -m ansible.builtin.package_facts --tree DIR
//! ansible all -m ansible.builtin.setup --tree DIR/setup \
//!   -a 'gather_subset=!all,!min,platform,apparmor,distribution'
//! ansible all -m ansible.builtin.mount_facts --tree DIR/mounts \
//!   -a 'fstypes=cgroup2,cgroup,tmpfs include_aggregate_mounts=false'
//! ```
//!
//! `ansible_kernel` gives the kernel release, `ansible_apparmor.status` the AppArmor state
//! (`enabled` when the kernel exposes `/sys/kernel/security/apparmor`), and
//! `ansible_distribution`, `ansible_distribution_version` / `_major_version` and
//! `ansible_distribution_release` the os-release `ID`, `VERSION_ID` and codename.
//!
//! The cgroup hierarchy is the file system type of the mount at `/sys/fs/cgroup`: `cgroup2`
//! is the unified hierarchy (2), `tmpfs` (holding the v1 controllers) or `cgroup` the legacy
//! or hybrid one (1). It is read from `mount_points` (`mount_facts`) or from `ansible_mounts`
//! (`setup` with the `mounts` subset), in either file. `setup`'s list leaves out every mount
//! whose source is not a path (ansible-core 2.19, `module_utils/facts/hardware/linux.py`),
//! and the kernel's cgroup mounts have `cgroup2`, `cgroup` or `tmpfs` as their source, so in
//! practice only `mount_facts` has it. Ansible gathers no iptables backend: that fact stays
//! unknown on this route (hazards that need it warn, naming the unknown fact); the
//! `fleetpin.guard.facts` action and `fleetpin gather` record it. A host without these files
//! simply has no such facts.

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::Error;
use crate::facts::{FactsSource, HostFacts, Package, PackageManager};

#[derive(Deserialize)]
struct TreeFile<'a> {
    #[serde(borrow, default)]
    ansible_facts: Option<AnsibleFacts<'a>>,
    #[serde(default)]
    unreachable: Option<bool>,
    #[serde(default)]
    failed: Option<bool>,
    #[serde(borrow, default)]
    msg: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct AnsibleFacts<'a> {
    #[serde(borrow, default)]
    packages: Option<Packages<'a>>,
    #[serde(borrow, default)]
    pkg_mgr: Option<Cow<'a, str>>,
}

/// One package entry; also built by the scanner in `ansible_scan`.
#[derive(Deserialize, Debug, PartialEq)]
pub(crate) struct Entry<'a> {
    #[serde(borrow)]
    pub(crate) name: Cow<'a, str>,
    #[serde(borrow)]
    pub(crate) version: Cow<'a, str>,
    #[serde(borrow, default)]
    pub(crate) release: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "epoch")]
    pub(crate) epoch: Option<u64>,
    #[serde(borrow, default)]
    pub(crate) arch: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) source: Option<Cow<'a, str>>,
}

thread_local! {
    /// Expected entries in the file being parsed on this thread, from its size: serde_json
    /// gives no length for maps, and growing the entry list from a guess copied ~400 KB per
    /// file (5% of the read in a profile, bench/fleet).
    static ENTRY_HINT: std::cell::Cell<usize> = const { std::cell::Cell::new(1024) };
}

/// Bytes per package entry in real package_facts output is ~145 (six keys and values);
/// dividing by a little less over-reserves slightly rather than growing.
const BYTES_PER_ENTRY: usize = 120;

/// `{name: [entry, ...]}` flattened into a list without building a map.
struct Packages<'a>(Vec<Entry<'a>>);

impl<'de: 'a, 'a> Deserialize<'de> for Packages<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Packages<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of package names to lists of entries")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let hint = map
                    .size_hint()
                    .unwrap_or_else(|| ENTRY_HINT.with(std::cell::Cell::get));
                let mut out = Vec::with_capacity(hint);
                while let Some(_name) = map.next_key::<IgnoredAny>()? {
                    map.next_value_seed(Extend(&mut out))?;
                }
                Ok(Packages(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

struct Extend<'v, 'a>(&'v mut Vec<Entry<'a>>);

impl<'de: 'a, 'a> de::DeserializeSeed<'de> for Extend<'_, 'a> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de: 'a, 'a> Visitor<'de> for Extend<'_, 'a> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of package entries")
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        while let Some(e) = seq.next_element::<Entry<'a>>()? {
            self.0.push(e);
        }
        Ok(())
    }
}

fn epoch<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<u64>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an epoch (number, numeric string or null)")
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            u64::try_from(v)
                .map(Some)
                .map_err(|_| E::custom("negative epoch"))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            if v.is_empty() || v == "(none)" {
                return Ok(None);
            }
            v.parse()
                .map(Some)
                .map_err(|_| E::custom(format!("epoch `{v}` is not a number")))
        }
    }
    d.deserialize_any(V)
}

/// One host's package_facts, borrowing from the file buffer.
pub(crate) struct TreeView<'a> {
    /// dpkg or rpm.
    pub(crate) manager: PackageManager,
    /// Every installed package entry, in file order, with `version` the one fleetpin
    /// compares (rpm's assembled as `epoch:version-release`, so owned).
    pub(crate) packages: Vec<Entry<'a>>,
}

/// The line and column (1-based) of byte offset `at`.
fn line_col(bytes: &[u8], at: usize) -> (usize, usize) {
    let before = &bytes[..at.min(bytes.len())];
    let line = memchr::memchr_iter(b'\n', before).count() + 1;
    let col = at - memchr::memrchr(b'\n', before).map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// Decodes one `--tree` file: the package manager and the raw entries, borrowing from
/// `bytes`. Failed or unreachable hosts and documents without package facts are errors.
fn parse_entries<'a>(
    host: &str,
    bytes: &'a [u8],
    path: &Path,
) -> Result<(PackageManager, Vec<Entry<'a>>), Error> {
    parse_entries_with(host, bytes, path, true)
}

/// [`parse_entries`], with the scanner fast path (`fast`) or serde_json only (tests compare
/// the two).
fn parse_entries_with<'a>(
    host: &str,
    bytes: &'a [u8],
    path: &Path,
    fast: bool,
) -> Result<(PackageManager, Vec<Entry<'a>>), Error> {
    // The whole file is checked as UTF-8 once (SIMD-fast in std) and then parsed as `&str`:
    // `serde_json::from_slice` re-validates every string it visits, which cost ~6% of the
    // read in a profile (bench/fleet). Ansible always writes UTF-8 JSON; a file that is not
    // is invalid JSON either way.
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let (line, col) = line_col(bytes, e.valid_up_to());
        Error::Json {
            path: path.to_path_buf(),
            line,
            message: format!("invalid UTF-8 at line {line} column {col}"),
        }
    })?;
    // Measured alternatives (bench/fleet): sonic-rs and simd-json were no faster here: the
    // time goes to visiting ~12 short strings per package entry, not to scanning JSON.
    // The scanner for exactly Ansible's shape is; anything else goes to serde_json.
    let hint = (bytes.len() / BYTES_PER_ENTRY).clamp(16, 1 << 20);
    if fast && let Some(s) = crate::ansible_scan::scan(text, hint) {
        return Ok((manager_of(s.pkg_mgr, &s.entries), s.entries));
    }
    ENTRY_HINT.with(|h| h.set(hint));
    let file: TreeFile<'a> = serde_json::from_str(text).map_err(|e| Error::Json {
        path: path.to_path_buf(),
        line: e.line(),
        message: e.to_string(),
    })?;
    let failure = if file.unreachable == Some(true) {
        Some("unreachable")
    } else if file.failed == Some(true) {
        Some("failed")
    } else {
        None
    };
    if let Some(state) = failure {
        return Err(Error::AnsibleHost {
            path: path.to_path_buf(),
            host: host.to_string(),
            state,
            message: file.msg.map(Cow::into_owned).unwrap_or_default(),
        });
    }
    let facts = file.ansible_facts.ok_or_else(|| Error::Json {
        path: path.to_path_buf(),
        line: 0,
        message: "no `ansible_facts` (is this package_facts output?)".into(),
    })?;
    let packages = facts.packages.ok_or_else(|| Error::Json {
        path: path.to_path_buf(),
        line: 0,
        message: "no `ansible_facts.packages` (is this package_facts output?)".into(),
    })?;
    Ok((
        manager_of(facts.pkg_mgr.as_deref(), &packages.0),
        packages.0,
    ))
}

/// rpm when `pkg_mgr` names an rpm manager or the first entry comes from rpm, else dpkg.
fn manager_of(pkg_mgr: Option<&str>, entries: &[Entry<'_>]) -> PackageManager {
    let rpm_mgr = matches!(pkg_mgr, Some("rpm" | "dnf" | "dnf5" | "yum" | "zypper"));
    let is_rpm = rpm_mgr
        || entries
            .first()
            .is_some_and(|e| e.source.as_deref() == Some("rpm"));
    if is_rpm {
        PackageManager::Rpm
    } else {
        PackageManager::Dpkg
    }
}

/// The version fleetpin compares: apt's as is, rpm's assembled as `epoch:version-release`.
/// An empty version is an error naming the package.
fn entry_version<'a>(
    e: &mut Entry<'a>,
    manager: PackageManager,
    path: &Path,
) -> Result<Cow<'a, str>, Error> {
    let rpm = match e.source.as_deref() {
        Some(s) => s == "rpm",
        None => manager == PackageManager::Rpm,
    };
    let version = if rpm {
        let mut v = String::with_capacity(e.version.len() + 16);
        if let Some(ep) = e.epoch {
            v.push_str(&ep.to_string());
            v.push(':');
        }
        v.push_str(&e.version);
        if let Some(r) = e.release.as_deref().filter(|r| !r.is_empty()) {
            v.push('-');
            v.push_str(r);
        }
        Cow::Owned(v)
    } else {
        std::mem::take(&mut e.version)
    };
    if version.is_empty() {
        return Err(Error::Json {
            path: path.to_path_buf(),
            line: 0,
            message: format!("package `{}` has an empty version", e.name),
        });
    }
    Ok(version)
}

/// A package whose version its package manager rejects, at its line of the tree file.
fn bad_version(bytes: &[u8], path: &Path, e: &Entry<'_>, message: String) -> Error {
    Error::Parse {
        path: path.to_path_buf(),
        line: crate::facts::json_line_of(bytes, &e.name, &e.version),
        message: format!("package `{}`: {message}", e.name),
    }
}

/// Parses one `--tree` file without copying strings out of `bytes` (rpm versions aside).
pub(crate) fn parse_tree_view<'a>(
    host: &str,
    bytes: &'a [u8],
    path: &Path,
) -> Result<TreeView<'a>, Error> {
    let (manager, mut packages) = parse_entries(host, bytes, path)?;
    for e in &mut packages {
        e.version = entry_version(e, manager, path)?;
    }
    Ok(TreeView { manager, packages })
}

/// Parses one `--tree` file for `host` into owned facts.
pub fn parse_tree_file(host: &str, bytes: &[u8], path: &Path) -> Result<HostFacts, Error> {
    parse_tree_file_with(
        host,
        bytes,
        path,
        &mut crate::facts::VersionCheck::default(),
    )
}

/// [`parse_tree_file`] with a version check shared across files (one per rayon job).
fn parse_tree_file_with(
    host: &str,
    bytes: &[u8],
    path: &Path,
    check: &mut crate::facts::VersionCheck,
) -> Result<HostFacts, Error> {
    let (manager, entries) = parse_entries(host, bytes, path)?;
    let mut out = HostFacts::new(host, FactsSource::Ansible, manager);
    // Straight from the entries to owned packages: no intermediate borrowed list.
    let mut packages = Vec::with_capacity(entries.len());
    for mut e in entries {
        let version = entry_version(&mut e, manager, path)?;
        if let Err(m) = check.check(manager, &version) {
            e.version = version;
            return Err(bad_version(bytes, path, &e, m));
        }
        packages.push(Package {
            name: e.name.into_owned(),
            version: version.into_owned(),
            arch: e.arch.map(Cow::into_owned),
            selection: None,
        });
    }
    // Same order as `normalize`'s stable sort: entries with an equal (name, arch, version)
    // key are equal in every field (selection is always `None` here), so the unstable sort,
    // faster and allocation-free, cannot differ; `normalize` then finds the list sorted.
    packages.sort_unstable_by(|a, b| {
        a.name
            .cmp(&b.name)
            .then_with(|| a.arch.cmp(&b.arch))
            .then_with(|| a.version.cmp(&b.version))
    });
    out.packages = packages;
    out.normalize();
    Ok(out)
}

#[derive(Deserialize)]
struct SetupFile {
    #[serde(default)]
    ansible_facts: Option<SetupFacts>,
}

#[derive(Deserialize)]
struct SetupFacts {
    #[serde(default)]
    ansible_mounts: Option<Vec<SetupMount>>,
    #[serde(default)]
    mount_points: Option<std::collections::BTreeMap<String, SetupMount>>,
    #[serde(default)]
    ansible_kernel: Option<String>,
    #[serde(default)]
    ansible_apparmor: Option<SetupAppArmor>,
    #[serde(default)]
    ansible_distribution: Option<String>,
    #[serde(default)]
    ansible_distribution_version: Option<String>,
    #[serde(default)]
    ansible_distribution_major_version: Option<String>,
    #[serde(default)]
    ansible_distribution_release: Option<String>,
}

/// One mount of `ansible_mounts` (setup) or `mount_points` (mount_facts).
#[derive(Deserialize)]
struct SetupMount {
    #[serde(default)]
    mount: Option<String>,
    #[serde(default)]
    fstype: Option<String>,
}

impl SetupFacts {
    /// The cgroup hierarchy from the type of the file system mounted at `/sys/fs/cgroup`
    /// (the last such mount: the one on top), when the file lists it.
    fn cgroup_version(&self) -> Option<u8> {
        const CGROUP: &str = "/sys/fs/cgroup";
        let listed = self
            .ansible_mounts
            .iter()
            .flatten()
            .rfind(|m| m.mount.as_deref() == Some(CGROUP));
        let keyed = self.mount_points.as_ref().and_then(|m| m.get(CGROUP));
        match listed.or(keyed)?.fstype.as_deref()? {
            "cgroup2" => Some(2),
            "tmpfs" | "cgroup" => Some(1),
            _ => None,
        }
    }
}

#[derive(Deserialize)]
struct SetupAppArmor {
    #[serde(default)]
    status: Option<String>,
}

/// The os-release `ID` of an `ansible_distribution` name.
fn os_release_id(distribution: &str) -> String {
    match distribution {
        "RedHat" => "rhel".into(),
        "OracleLinux" => "ol".into(),
        "Amazon" => "amzn".into(),
        "openSUSE Leap" => "opensuse-leap".into(),
        other => other.to_ascii_lowercase().replace(' ', "-"),
    }
}

/// Adds the facts of `DIR/setup/<host>` and `DIR/mounts/<host>` (`ansible -m setup` and
/// `ansible -m mount_facts` with `--tree`), if there are such files, to `facts`: kernel,
/// AppArmor state, distribution and cgroup hierarchy. A missing file, or the file of a host
/// Ansible could not reach, adds nothing; a file that is not JSON is an error naming it and
/// its line.
pub fn apply_setup(tree: &Path, host: &str, facts: &mut HostFacts) -> Result<(), Error> {
    for folder in ["setup", "mounts"] {
        if let Some(f) = read_setup_file(&tree.join(folder).join(host))? {
            apply_setup_facts(f, facts);
        }
    }
    Ok(())
}

/// The `ansible_facts` of one setup-like tree file; `None` when there is no file or no facts.
fn read_setup_file(path: &Path) -> Result<Option<SetupFacts>, Error> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(Error::Io {
                path: path.to_path_buf(),
                error,
            });
        }
    };
    let file: SetupFile = serde_json::from_slice(&bytes).map_err(|e| Error::Json {
        path: path.to_path_buf(),
        line: e.line(),
        message: e.to_string(),
    })?;
    Ok(file.ansible_facts)
}

fn apply_setup_facts(f: SetupFacts, facts: &mut HostFacts) {
    if let Some(v) = f.cgroup_version() {
        facts.cgroup_version = Some(v);
    }
    if let Some(k) = f.ansible_kernel.filter(|k| !k.is_empty()) {
        facts.kernel = Some(k);
    }
    if let Some(status) = f.ansible_apparmor.and_then(|a| a.status) {
        facts.apparmor_enabled = match status.as_str() {
            "enabled" => Some(true),
            "disabled" => Some(false),
            _ => None,
        };
    }
    if let Some(d) = f.ansible_distribution.filter(|d| !d.is_empty()) {
        let id = os_release_id(&d);
        // Debian's VERSION_ID is the major release (`12`); ansible_distribution_version is
        // the point release (`12.11`). Elsewhere the two agree with os-release.
        let version_id = if id == "debian" {
            f.ansible_distribution_major_version
        } else {
            f.ansible_distribution_version
        };
        facts.os = Some(crate::facts::OsRelease {
            id,
            version_id: version_id.filter(|v| !v.is_empty() && v != "NA"),
            version_codename: f
                .ansible_distribution_release
                .filter(|v| !v.is_empty() && v != "NA"),
            pretty_name: None,
        });
    }
}

/// The files of a `--tree` directory (hidden files skipped), sorted.
pub fn tree_files(dir: &Path) -> Result<Vec<PathBuf>, Error> {
    let rd = std::fs::read_dir(dir).map_err(|source| Error::Io {
        path: dir.to_path_buf(),
        error: source,
    })?;
    let mut files: Vec<PathBuf> = rd
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| e.path())
        .filter(|p| {
            !p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Reads `path` into `buf`, replacing its contents and keeping its allocation.
pub(crate) fn read_into(path: &Path, buf: &mut Vec<u8>) -> Result<(), Error> {
    use std::io::Read;
    buf.clear();
    std::fs::File::open(path)
        .and_then(|mut f| f.read_to_end(buf))
        .map(drop)
        .map_err(|source| Error::Io {
            path: path.to_path_buf(),
            error: source,
        })
}

/// What [`import_tree`] does with one host of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admit {
    /// Leave it out: not selected, or its facts come from another source.
    Skip,
    /// Write its facts, with these inventory groups.
    Write(Vec<String>),
}

/// The outcome of [`import_tree`].
#[derive(Debug, Default)]
pub struct Imported {
    /// Every host named by a file of the tree (written, skipped or failed), sorted.
    pub hosts: Vec<String>,
    /// Hosts whose facts files were written, sorted.
    pub written: Vec<String>,
    /// Per-file errors: unreadable or invalid files, hosts Ansible reported failed or
    /// unreachable, files that could not be written.
    pub errors: Vec<Error>,
}

/// Imports an `ansible -m package_facts --tree DIR` directory into `store`: one facts file
/// per admitted host, the same bytes [`FactsStore::write`] would write for the host's
/// [`read_tree`] facts.
///
/// Streaming: each file is read into a reused buffer, parsed borrowing its strings, rendered
/// and staged by one rayon job, so memory stays at a few buffers per thread whatever the
/// fleet size (collecting owned facts first held 385 MB for 1,000 hosts); the staged files
/// are then committed together by one [`BatchWriter`]. One bad file never stops the others.
///
/// [`FactsStore::write`]: crate::facts::FactsStore::write
/// [`BatchWriter`]: crate::facts::BatchWriter
pub fn import_tree(
    dir: &Path,
    store: &crate::facts::FactsStore,
    admit: &(dyn Fn(&str) -> Admit + Sync),
) -> Result<Imported, Error> {
    use crate::facts::{BatchWriter, PackageRef, VersionCheck};
    let files = tree_files(dir)?;
    let writer = BatchWriter::new();
    let results: Vec<Result<Option<String>, Error>> = files
        .par_iter()
        .map_init(
            || (Vec::new(), Vec::new(), VersionCheck::default()),
            |(buf, out, check): &mut (Vec<u8>, Vec<u8>, VersionCheck), path| {
                let Some(host) = path.file_name().and_then(|n| n.to_str()) else {
                    return Err(Error::Parse {
                        path: path.clone(),
                        line: 0,
                        message: "the file name is not UTF-8, so it names no inventory host".into(),
                    });
                };
                let Admit::Write(mut groups) = admit(host) else {
                    return Ok(None);
                };
                read_into(path, buf)?;
                let view = parse_tree_view(host, buf, path)?;
                for e in &view.packages {
                    check
                        .check(view.manager, &e.version)
                        .map_err(|m| bad_version(buf, path, e, m))?;
                }
                let mut rows: Vec<PackageRef<'_>> = view
                    .packages
                    .iter()
                    .map(|e| PackageRef {
                        name: &e.name,
                        version: &e.version,
                        arch: e.arch.as_deref(),
                        selection: None,
                    })
                    .collect();
                // `HostFacts::normalize`'s order; rows with equal keys are equal, so the
                // unstable sort cannot differ from its stable one.
                rows.sort_unstable_by(|a, b| {
                    a.name
                        .cmp(b.name)
                        .then_with(|| a.arch.cmp(&b.arch))
                        .then_with(|| a.version.cmp(b.version))
                });
                groups.sort();
                groups.dedup();
                let mut facts = HostFacts::new(host, FactsSource::Ansible, view.manager);
                facts.groups = groups;
                apply_setup(dir, host, &mut facts)?;
                out.clear();
                facts.write_json_with(out, rows.into_iter());
                writer.stage(&store.path_for(host), out)?;
                Ok(Some(host.to_string()))
            },
        )
        .collect();
    let mut imported = Imported {
        hosts: files
            .iter()
            .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
            .collect(),
        ..Imported::default()
    };
    for r in results {
        match r {
            Ok(Some(host)) => imported.written.push(host),
            Ok(None) => {}
            Err(e) => imported.errors.push(e),
        }
    }
    let (paths, write_errors) = writer.commit();
    if !write_errors.is_empty() {
        // Keep only the hosts whose file landed.
        let landed: std::collections::HashSet<PathBuf> = paths.into_iter().collect();
        imported
            .written
            .retain(|h| landed.contains(&store.path_for(h)));
        imported.errors.extend(write_errors);
    }
    imported.hosts.sort();
    imported.written.sort();
    for host in &imported.written {
        if let Err(e) = store.clear_failure(host) {
            imported.errors.push(e);
        }
    }
    Ok(imported)
}

/// Reads every host file of a `--tree` directory in parallel. Hidden files are skipped.
/// Returns the facts (sorted by host) and the per-file errors (failed or unreachable hosts,
/// invalid JSON); one bad file never stops the others.
pub fn read_tree(dir: &Path) -> Result<(Vec<HostFacts>, Vec<Error>), Error> {
    let files = tree_files(dir)?;
    // One read buffer per rayon job, reused across files: `std::fs::read` allocated a fresh
    // ~300 KB buffer per file, which glibc serves with mmap, so every file paid page faults
    // and an munmap (14% of the read in a profile, bench/fleet).
    let results: Vec<Result<HostFacts, Error>> = files
        .par_iter()
        .map_init(
            || (Vec::new(), crate::facts::VersionCheck::default()),
            |(buf, check), p| {
                let host = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                read_into(p, buf)?;
                let mut facts = parse_tree_file_with(host, buf, p, check)?;
                apply_setup(dir, host, &mut facts)?;
                Ok(facts)
            },
        )
        .collect();
    let mut facts = Vec::new();
    let mut errors = Vec::new();
    for r in results {
        match r {
            Ok(f) => facts.push(f),
            Err(e) => errors.push(e),
        }
    }
    Ok((facts, errors))
}

/// For the differential fuzz target (`crates/fleetpin-fleet/fuzz`, feature `fuzzing`): parses
/// `doc` with the scanner fast path and with serde_json alone and panics if they disagree, or
/// if the scanner accepted what serde_json rejects.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub fn fuzz_scan_against_serde(doc: &[u8]) {
    let p = Path::new("h");
    let fast = parse_entries_with("h", doc, p, true).map_err(|e| e.to_string());
    let slow = parse_entries_with("h", doc, p, false).map_err(|e| e.to_string());
    assert_eq!(fast, slow, "{}", String::from_utf8_lossy(doc));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apt_and_rpm_entries() {
        let apt = br#"{"ansible_facts": {"packages": {"docker-ce": [{"name": "docker-ce", "version": "5:23.0.1-1~debian.10~buster", "arch": "amd64", "category": "admin", "origin": "Docker", "source": "apt"}], "libc6": [{"name":"libc6","version":"2.28-10","arch":"amd64","source":"apt"},{"name":"libc6","version":"2.28-10","arch":"i386","source":"apt"}]}, "pkg_mgr": "apt"}, "changed": false}"#;
        let f = parse_tree_file("n1", apt, Path::new("n1")).unwrap();
        assert_eq!(f.package_manager, PackageManager::Dpkg);
        assert_eq!(f.packages.len(), 3);
        assert_eq!(f.packages[0].version, "5:23.0.1-1~debian.10~buster");
        let rpm = br#"{"ansible_facts": {"packages": {"bash": [{"name": "bash", "version": "5.1.8", "release": "6.el9", "epoch": null, "arch": "x86_64", "source": "rpm"}], "perl-IO": [{"name": "perl-IO", "version": "1.46", "release": "480.el9", "epoch": 0, "arch": "x86_64", "source": "rpm"}]}, "pkg_mgr": "dnf"}}"#;
        let f = parse_tree_file("r1", rpm, Path::new("r1")).unwrap();
        assert_eq!(f.package_manager, PackageManager::Rpm);
        assert_eq!(f.packages[0].version, "5.1.8-6.el9");
        assert_eq!(f.packages[1].version, "0:1.46-480.el9");
    }

    #[test]
    fn not_json_and_not_utf8_name_file_and_line() {
        let e = parse_tree_file("x", b"PLAY RECAP ****\nok=1\n", Path::new("x")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("x:1: not a valid facts document: expected value"),
            "{e}"
        );
        let e = parse_tree_file(
            "x",
            b"{\"ansible_facts\": {\"packages\": {\n\"caf\xe9\": []}}}",
            Path::new("x"),
        )
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "x:2: not a valid facts document: invalid UTF-8 at line 2 column 5"
        );
    }

    #[test]
    fn packages_come_out_sorted_by_name_arch_version() {
        let doc = br#"{"ansible_facts": {"packages": {"zlib1g": [{"name": "zlib1g", "version": "1:1.2.13", "arch": "i386", "source": "apt"}, {"name": "zlib1g", "version": "1:1.2.13", "arch": "amd64", "source": "apt"}], "bash": [{"name": "bash", "version": "5.2", "arch": "amd64", "source": "apt"}]}}}"#;
        let f = parse_tree_file("h", doc, Path::new("h")).unwrap();
        let got: Vec<(&str, Option<&str>)> = f
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.arch.as_deref()))
            .collect();
        assert_eq!(
            got,
            [
                ("bash", Some("amd64")),
                ("zlib1g", Some("amd64")),
                ("zlib1g", Some("i386"))
            ]
        );
    }

    #[test]
    fn failures_are_errors() {
        let e = parse_tree_file("x", br#"{"unreachable": true, "msg": "Failed to connect to the host via ssh", "changed": false}"#, Path::new("x")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "x: ansible reported host `x` unreachable: Failed to connect to the host via ssh"
        );
        let e = parse_tree_file(
            "x",
            b"{\n\"ansible_facts\": {\"packages\": {\"a\": [{\"name\": 1}]}}}",
            Path::new("x"),
        )
        .unwrap_err();
        assert!(
            e.to_string().starts_with("x:2: not a valid facts document"),
            "{e}"
        );
        let e = parse_tree_file(
            "x",
            br#"{"ansible_facts": {"distribution": "Debian"}}"#,
            Path::new("x"),
        )
        .unwrap_err();
        assert!(e.to_string().contains("no `ansible_facts.packages`"), "{e}");
    }
}

/// The scanner fast path (`ansible_scan`) against serde_json alone: wherever the scanner
/// answers, it must give exactly serde's entries and manager; wherever serde fails, the
/// scanner must have declined, so the error is serde's.
#[cfg(test)]
mod scan_vs_serde {
    use super::*;
    use serde_json::{Value, json};

    type Parsed<'a> = Result<(PackageManager, Vec<Entry<'a>>), String>;

    /// Python's `json.dumps(v, sort_keys=True)`, the layout Ansible's tree callback writes:
    /// `", "` and `": "` separators (serde_json's `Map` is sorted already). The scanner has a
    /// template fast path for exactly this layout.
    pub(super) fn python_dumps(v: &Value) -> String {
        struct Python;
        impl serde_json::ser::Formatter for Python {
            fn begin_array_value<W: ?Sized + std::io::Write>(
                &mut self,
                w: &mut W,
                first: bool,
            ) -> std::io::Result<()> {
                if first { Ok(()) } else { w.write_all(b", ") }
            }
            fn begin_object_key<W: ?Sized + std::io::Write>(
                &mut self,
                w: &mut W,
                first: bool,
            ) -> std::io::Result<()> {
                if first { Ok(()) } else { w.write_all(b", ") }
            }
            fn begin_object_value<W: ?Sized + std::io::Write>(
                &mut self,
                w: &mut W,
            ) -> std::io::Result<()> {
                w.write_all(b": ")
            }
        }
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::with_formatter(&mut out, Python);
        serde::Serialize::serialize(v, &mut ser).unwrap();
        String::from_utf8(out).unwrap()
    }

    /// Both paths over `doc`; panics when they differ. Returns whether the scanner answered.
    fn check(doc: &[u8]) -> bool {
        let p = Path::new("h");
        let fast: Parsed<'_> = parse_entries_with("h", doc, p, true).map_err(|e| e.to_string());
        let slow: Parsed<'_> = parse_entries_with("h", doc, p, false).map_err(|e| e.to_string());
        assert_eq!(fast, slow, "{}", String::from_utf8_lossy(doc));
        let scanned = std::str::from_utf8(doc)
            .ok()
            .and_then(|t| crate::ansible_scan::scan(t, 16))
            .is_some();
        if scanned {
            assert!(
                slow.is_ok(),
                "scanner accepted what serde rejects: {slow:?}"
            );
        }
        scanned
    }

    /// A small deterministic generator (xorshift).
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    fn apt_entry(r: &mut Rng, name: &str) -> Value {
        let arch = ["amd64", "i386", "all", "arm64"][r.below(4) as usize];
        let mut e = json!({"arch": arch, "category": "libs", "name": name, "origin": "Debian",
            "source": "apt", "version": format!("{}:{}.{}-{}+deb12u1", r.below(3), r.below(9), r.below(40), r.below(5))});
        match r.below(8) {
            0 => e["arch"] = Value::Null,
            1 => {
                e.as_object_mut().unwrap().remove("source");
            }
            2 => e["origin"] = json!({"nested": [1, 2.5e-3, -0.0, true, null, "x"]}),
            _ => {}
        }
        e
    }

    fn rpm_entry(r: &mut Rng, name: &str) -> Value {
        let epoch = match r.below(4) {
            0 => Value::Null,
            1 => json!(0),
            _ => json!(r.below(30)),
        };
        let arch = ["x86_64", "noarch", "i686"][r.below(3) as usize];
        let mut e = json!({"arch": arch,
            "epoch": epoch, "name": name, "release": format!("{}.el9", r.below(500)),
            "source": "rpm", "version": format!("{}.{}", r.below(9), r.below(99))});
        if r.below(6) == 0 {
            e["release"] = Value::Null;
        }
        e
    }

    /// A package_facts result: apt or rpm, sometimes with escapes, extra keys, empty maps.
    fn document(r: &mut Rng) -> Value {
        let rpm = r.below(3) == 0;
        let n = r.below(12);
        let mut packages = serde_json::Map::new();
        for i in 0..n {
            let mut name = format!("pkg{i}-{}", r.below(1000));
            if r.below(20) == 0 {
                name.push_str(
                    ["caf\u{e9}", "tab\there", "q\"uote", "back\\slash"][r.below(4) as usize],
                );
            }
            let count = r.below(3) + usize::from(i == 0) as u64;
            let entries: Vec<Value> = (0..count)
                .map(|_| {
                    if rpm {
                        rpm_entry(r, &name)
                    } else {
                        apt_entry(r, &name)
                    }
                })
                .collect();
            packages.insert(name, Value::Array(entries));
        }
        let mut facts = json!({"packages": packages});
        if r.below(2) == 0 {
            facts["pkg_mgr"] = json!(if rpm { "dnf" } else { "apt" });
        }
        let mut doc = json!({"ansible_facts": facts, "changed": false});
        match r.below(6) {
            0 => doc["warnings"] = json!(["Found \"multiple\" package managers"]),
            1 => doc["failed"] = json!(false),
            2 => {
                doc["invocation"] =
                    json!({"module_args": {"manager": ["auto"], "strategy": "first"}})
            }
            _ => {}
        }
        doc
    }

    #[test]
    fn generated_documents_give_identical_entries() {
        let mut r = Rng(0x9e37_79b9_7f4a_7c15);
        let mut scanned = 0;
        for _ in 0..400 {
            let doc = document(&mut r);
            for text in [
                serde_json::to_string(&doc).unwrap(),
                serde_json::to_string_pretty(&doc).unwrap(),
                python_dumps(&doc),
            ] {
                scanned += usize::from(check(text.as_bytes()));
            }
        }
        // Most generated documents have no escapes: the fast path must be the common one.
        assert!(scanned > 750, "scanner answered only {scanned} of 1,200");
    }

    #[test]
    fn escapes_failures_and_odd_types_fall_back_to_serde() {
        let declined: &[&[u8]] = &[
            br#"{"ansible_facts": {"packages": {"a": [{"name": "caf\u00e9", "version": "1"}]}}}"#,
            br#"{"ansible_facts": {"packages": {"a": [{"name": "a", "version": "1", "origin": "x\ny"}]}}}"#,
            br#"{"unreachable": true, "msg": "Failed to connect to the host via ssh", "changed": false}"#,
            br#"{"failed": true, "msg": "no packages", "ansible_facts": {"packages": {}}}"#,
            br#"{"ansible_facts": {"packages": {"a": [{"name": "a", "version": "1", "epoch": "2", "source": "rpm"}]}}}"#,
            br#"{"ansible_facts": {"packages": {"a": [{"name": "a", "version": "1", "epoch": -1, "source": "rpm"}]}}}"#,
            br#"{"ansible_facts": {"packages": {"a": [{"name": "a", "version": "1", "epoch": 1.0, "source": "rpm"}]}}}"#,
            br#"{"ansible_facts": {"packages": {"a": [{"name": "a", "name": "b", "version": "1"}]}}}"#,
            br#"{"ansible_facts": {"packages": {"a": [["a", "1"]]}}}"#,
            br#"{"ansible_facts": {"packages": null}}"#,
            br#"{"ansible_facts": {"distribution": "Debian"}}"#,
            br#"{"ansible_facts": {"packages": {}}} x"#,
            br#"{"ansible_facts": {"packages": {"a": [{"name": 1, "version": "1"}]}}}"#,
            b"PLAY RECAP ****\nok=1\n",
        ];
        for doc in declined {
            assert!(
                !check(doc),
                "scanner answered {}",
                String::from_utf8_lossy(doc)
            );
        }
        let accepted: &[&[u8]] = &[
            br#"{"ansible_facts": {"packages": {}}, "changed": false}"#,
            br#" {"ansible_facts": {"packages": {"a": []}, "pkg_mgr": null}, "failed": false, "msg": null} "#,
            br#"{"ansible_facts": {"packages": {"bash": [{"name": "bash", "version": "5.1.8", "release": "6.el9", "epoch": 18446744073709551615, "arch": "x86_64", "source": "rpm"}]}, "pkg_mgr": "dnf"}}"#,
        ];
        for doc in accepted {
            assert!(
                check(doc),
                "scanner declined {}",
                String::from_utf8_lossy(doc)
            );
        }
        // Past u64: serde_json reads a float and rejects it; the scanner must decline.
        assert!(!check(
            br#"{"ansible_facts": {"packages": {"a": [{"name": "a", "version": "1", "epoch": 18446744073709551616}]}}}"#
        ));
    }

    #[test]
    fn truncated_and_mutated_documents_give_serde_results() {
        let mut r = Rng(42);
        for round in 0..6 {
            // Compact and Ansible's own layout (the scanner's template path).
            let doc = document(&mut r);
            let doc = if round % 2 == 0 {
                serde_json::to_string(&doc).unwrap()
            } else {
                python_dumps(&doc)
            };
            let b = doc.as_bytes();
            for cut in 0..b.len() {
                check(&b[..cut]);
                let mut del = b.to_vec();
                del.remove(cut);
                check(&del);
                for &c in b"{}[]:,\"\\ 0-.enx\x01" {
                    let mut m = b.to_vec();
                    m[cut] = c;
                    check(&m);
                }
            }
        }
    }
}
