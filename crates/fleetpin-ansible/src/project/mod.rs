//! The project: files loaded once and cached, roles, group_vars/host_vars, the playbooks that
//! use each role or task file, and the variable [`Scope`] of any file or play.
//!
//! A [`Project`] is built once per lint run and shared by every thread (`Send + Sync`);
//! everything is loaded lazily and cached, so a role's defaults are read once however many
//! files use them.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use fleetpin_inventory::Inventory;
use fleetpin_yaml::{Document, Node, YamlError};

use crate::inventory::Target;
use crate::play::{self, Play, RoleRef};
use crate::targets::{self, PlayHosts, Targets};
use crate::task::{self, Include};
use crate::vars::{Layer, Level, Scope, VarsSource};

mod cfg;
mod hosts;
mod includes;
mod index;
mod roles;
mod scope;

use index::Index;

/// Why a file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// Reading failed.
    #[error("{path}: cannot read: {message}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
    /// Not UTF-8.
    #[error("{path}: not UTF-8 text")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
    },
    /// Invalid YAML.
    #[error("{path}:{}:{}: {}", .error.line, .error.column, .error.message)]
    Yaml {
        /// The file.
        path: PathBuf,
        /// The parse error.
        error: YamlError,
    },
    /// An Ansible Vault encrypted file: its values are unknown.
    #[error("{path}: encrypted with Ansible Vault")]
    Vault {
        /// The file.
        path: PathBuf,
    },
}

/// A YAML file loaded by the project.
#[derive(Debug)]
pub struct LoadedFile {
    /// The path (the project root joined with the relative path, as found).
    pub path: Arc<Path>,
    /// The text.
    pub text: Arc<str>,
    /// The documents.
    pub docs: Vec<Document>,
}

impl LoadedFile {
    /// The first document's root, if any.
    pub fn root(&self) -> Option<&Node> {
        self.docs.first().map(|d| &d.root)
    }
}

/// File names of inventories fleetpin reads variables from (besides `ansible.cfg`'s
/// `inventory`).
const INVENTORY_NAMES: &[&str] = &[
    "hosts",
    "hosts.ini",
    "hosts.yml",
    "hosts.yaml",
    "inventory",
    "inventory.ini",
    "inventory.yml",
    "inventory.yaml",
];

/// Files larger than this are not loaded for variable resolution.
const MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;

type Slot<T> = Arc<OnceLock<T>>;
type InventoryVars = Arc<Vec<(crate::inventory::Target, Arc<VarsSource>)>>;
/// (host pattern text, inventory file) → what it targets (`None`: unknown).
type Evaluations = HashMap<(String, PathBuf), Option<Arc<Targets>>>;
type FileSlots = HashMap<PathBuf, Slot<Result<Arc<LoadedFile>, LoadError>>>;
type RoleFileCache = HashMap<(PathBuf, &'static str, String), Option<PathBuf>>;

/// A project rooted at a directory. See the module docs.
#[derive(Debug)]
pub struct Project {
    root: PathBuf,
    files: Mutex<FileSlots>,
    sources: Mutex<HashMap<PathBuf, Slot<Vec<Arc<VarsSource>>>>>,
    scopes: Mutex<HashMap<PathBuf, Slot<Scope>>>,
    /// Per role: the `set_fact` and `include_vars` layers of its task files.
    role_runtime_vars: Mutex<HashMap<PathBuf, Slot<Vec<Layer>>>>,
    /// `role_of` per directory and `find_role` per (name, directory): both stat files.
    role_of_cache: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    find_role_cache: Mutex<HashMap<(String, PathBuf), Option<PathBuf>>>,
    /// [`role_file`] per (role, subdirectory, name): up to four `stat`s each, and a role's
    /// `meta/main` is looked up for every play and file that uses the role (kubespray: 45,000
    /// failed `stat`s per lint, a tenth of the run, before this cache).
    role_file_cache: Mutex<RoleFileCache>,
    /// Per role: its dependencies and its own defaults/vars, read once (see
    /// [`Project::push_role`]).
    role_statics: Mutex<HashMap<PathBuf, Slot<Arc<scope::RoleStatics>>>>,
    /// `[defaults] roles_path` of the project's `ansible.cfg`.
    roles_path: OnceLock<Vec<PathBuf>>,
    /// Variables of each inventory file, read once.
    inventory_vars: Mutex<HashMap<PathBuf, InventoryVars>>,
    /// Hosts and groups of each inventory file, parsed once (`None`: not knowable).
    parsed_inventories: Mutex<HashMap<PathBuf, Option<Arc<Inventory>>>>,
    /// What each host pattern targets in each inventory file, evaluated once.
    evaluated: Mutex<Evaluations>,
    /// Every `add_host`/`group_by` of the project, roles included (see [`Project::runtime`]).
    runtime: OnceLock<targets::RuntimeMembership>,
    index: OnceLock<Index>,
}

impl Project {
    /// A project rooted at `root` (usually the repository root, or the directory given to
    /// `fleetpin lint`). Nothing is read until needed.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Project {
            root: normalize_path(&root.into()),
            files: Mutex::new(HashMap::new()),
            sources: Mutex::new(HashMap::new()),
            scopes: Mutex::new(HashMap::new()),
            role_runtime_vars: Mutex::new(HashMap::new()),
            role_of_cache: Mutex::new(HashMap::new()),
            find_role_cache: Mutex::new(HashMap::new()),
            role_file_cache: Mutex::new(HashMap::new()),
            role_statics: Mutex::new(HashMap::new()),
            roles_path: OnceLock::new(),
            inventory_vars: Mutex::new(HashMap::new()),
            parsed_inventories: Mutex::new(HashMap::new()),
            evaluated: Mutex::new(HashMap::new()),
            runtime: OnceLock::new(),
            index: OnceLock::new(),
        }
    }

    /// The project around `path` (a file or directory being linted): the nearest ancestor
    /// directory with an `ansible.cfg`, else the nearest with a `.git`, else `path` itself
    /// (its directory for a file). Linting `roles/docker` thus still sees the repository's
    /// playbooks and group_vars.
    pub fn discover(path: &Path) -> Self {
        let start = if path.is_dir() {
            path.to_path_buf()
        } else {
            path.parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
        };
        let start = if start.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            start
        };
        let ancestors = || start.ancestors().filter(|d| !d.as_os_str().is_empty());
        let root = ancestors()
            .find(|d| d.join("ansible.cfg").is_file())
            .or_else(|| ancestors().find(|d| d.join(".git").exists()))
            .map_or_else(|| start.clone(), Path::to_path_buf);
        Project::new(root)
    }

    /// The root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Load and parse a YAML file once; later calls return the cached result. Paths are
    /// normalised ([`normalize_path`]), so `./a.yml` and `a.yml` are one file.
    ///
    /// # Errors
    /// A [`LoadError`] for unreadable, non-UTF-8, invalid or vault-encrypted files.
    pub fn load(&self, path: &Path) -> Result<Arc<LoadedFile>, LoadError> {
        let path = normalize_path(path);
        let slot = {
            let mut files = self.files.lock().unwrap_or_else(|e| e.into_inner());
            files.entry(path.clone()).or_default().clone()
        };
        slot.get_or_init(|| load_file(&path)).clone()
    }

    /// [`role_file`], memoised for the run (the tree does not change while it is linted).
    pub fn role_file(&self, role: &Path, sub: &'static str, name: &str) -> Option<PathBuf> {
        let key = (role.to_path_buf(), sub, name.to_string());
        memoised(&self.role_file_cache, key, || role_file(role, sub, name))
    }

    /// The text of a file the project loaded (for secondary labels in other files). INI
    /// inventories, where `[group:vars]` and host-line values are set, are not YAML: their
    /// text is read as is.
    pub fn file_text(&self, path: &Path) -> Option<Arc<str>> {
        match self.load(path) {
            Ok(f) => Some(f.text.clone()),
            Err(LoadError::Yaml { .. }) => std::fs::metadata(path)
                .ok()
                .filter(|m| m.len() <= MAX_FILE_SIZE)
                .and_then(|_| std::fs::read_to_string(path).ok())
                .map(Arc::from),
            Err(_) => None,
        }
    }
}

/// The value cached under `key`, else `compute()` (run without holding the lock, so it may
/// consult other caches) stored under it.
fn memoised<K: std::hash::Hash + Eq, V: Clone>(
    cache: &Mutex<HashMap<K, V>>,
    key: K,
    compute: impl FnOnce() -> V,
) -> V {
    if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return hit.clone();
    }
    let value = compute();
    cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, value.clone());
    value
}

/// `path` with `.` components removed and `..` applied lexically (without touching the file
/// system), so `./roles/x` and `roles/x` are the same key. An empty result is `.`.
pub fn normalize_path(path: &Path) -> PathBuf {
    let mut out: Vec<Component<'_>> = Vec::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(c),
            },
            other => out.push(other),
        }
    }
    if out.is_empty() {
        PathBuf::from(".")
    } else {
        out.iter().collect()
    }
}

/// Lexical comparison (no `canonicalize`: it costs a `readlink` per component, per play).
fn same_dir(a: &Path, b: &Path) -> bool {
    // `Path::new("site.yml").parent()` is the empty path: the same directory as `.`.
    a == b || normalize_path(a) == normalize_path(b)
}

fn strip_vars_ext(name: &str) -> &str {
    for ext in [".yml", ".yaml", ".json"] {
        if let Some(stem) = name.strip_suffix(ext) {
            return stem;
        }
    }
    name
}

/// `role/sub/name.yml`, `.yaml`, `.json` or without extension, whichever exists.
pub fn role_file(role: &Path, sub: &str, name: &str) -> Option<PathBuf> {
    let dir = role.join(sub);
    let name = strip_vars_ext(name);
    ["yml", "yaml", "json"]
        .iter()
        .map(|ext| dir.join(format!("{name}.{ext}")))
        .chain(std::iter::once(dir.join(name)))
        .find(|p| p.is_file())
}

fn load_file(path: &Path) -> Result<Arc<LoadedFile>, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    if meta.len() > MAX_FILE_SIZE {
        return Err(LoadError::Io {
            path: path.to_path_buf(),
            message: format!("larger than {MAX_FILE_SIZE} bytes"),
        });
    }
    let bytes = std::fs::read(path).map_err(|e| LoadError::Io {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let text = String::from_utf8(bytes).map_err(|_| LoadError::NotUtf8 {
        path: path.to_path_buf(),
    })?;
    if text.trim_start().starts_with("$ANSIBLE_VAULT") {
        return Err(LoadError::Vault {
            path: path.to_path_buf(),
        });
    }
    let docs = fleetpin_yaml::parse(&text).map_err(|error| LoadError::Yaml {
        path: path.to_path_buf(),
        error,
    })?;
    Ok(Arc::new(LoadedFile {
        path: Arc::from(path),
        text: Arc::from(text),
        docs,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_dir_is_lexical() {
        assert!(same_dir(Path::new(""), Path::new(".")));
        assert!(same_dir(Path::new("./a/"), Path::new("a")));
        assert!(!same_dir(Path::new("a"), Path::new("b")));
    }

    #[test]
    fn project_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Project>();
        assert_send_sync::<Scope>();
    }
}
