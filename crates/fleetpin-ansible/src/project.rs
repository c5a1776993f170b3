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

/// A `group_vars`/`host_vars` directory and the inventory or playbook directory it sits in.
#[derive(Debug, Clone)]
struct VarsDir {
    /// The `group_vars` or `host_vars` directory.
    dir: PathBuf,
    /// Its parent (inventory or playbook directory).
    parent: PathBuf,
    /// `true` for host_vars.
    hosts: bool,
    /// Group or host names with a vars file or directory here (extensions stripped), sorted.
    names: Vec<String>,
}

/// A play that uses a role or task file.
#[derive(Debug, Clone)]
struct PlayUse {
    /// The playbook.
    playbook: Arc<LoadedFile>,
    /// Index of the play among the playbook's plays.
    play: usize,
    /// Role parameters given with the reference, or the `vars:` of the including task.
    params: Option<Arc<VarsSource>>,
}

#[derive(Debug, Default)]
struct Index {
    vars_dirs: Vec<VarsDir>,
    /// Inventory files (`hosts`, `inventory.yml`, ...; `ansible.cfg`'s `inventory`).
    inventories: Vec<PathBuf>,
    /// Role directory → plays that use it.
    role_uses: HashMap<PathBuf, Vec<PlayUse>>,
    /// Task file → plays that include it (directly or through other task files).
    task_uses: HashMap<PathBuf, Vec<PlayUse>>,
    /// Groups and hosts that `add_host`/`group_by` tasks outside roles fill at run time.
    runtime: targets::RuntimeMembership,
    /// YAML files inside roles (scanned for `add_host`/`group_by` on demand).
    role_files: Vec<PathBuf>,
    /// Inventory directories (not playbook directories) holding other files Ansible would
    /// load as inventory sources when given the directory (`-i inventories/prod`): scripts,
    /// plugin configurations, more host files. Their hosts are not known statically.
    loose_inventory_dirs: HashSet<PathBuf>,
}

/// One entry of the index walk.
struct WalkedEntry {
    path: PathBuf,
    name: String,
    is_dir: bool,
    len: u64,
}

type Slot<T> = Arc<OnceLock<T>>;
type InventoryVars = Arc<Vec<(crate::inventory::Target, Arc<VarsSource>)>>;
/// (host pattern text, inventory file) → what it targets (`None`: unknown).
type Evaluations = HashMap<(String, PathBuf), Option<Arc<Targets>>>;
type FileSlots = HashMap<PathBuf, Slot<Result<Arc<LoadedFile>, LoadError>>>;

/// A project rooted at a directory. See the module docs.
#[derive(Debug)]
pub struct Project {
    root: PathBuf,
    files: Mutex<FileSlots>,
    sources: Mutex<HashMap<PathBuf, Slot<Vec<Arc<VarsSource>>>>>,
    scopes: Mutex<HashMap<PathBuf, Slot<Scope>>>,
    /// `role_of` per directory and `find_role` per (name, directory): both stat files.
    role_of_cache: Mutex<HashMap<PathBuf, Option<PathBuf>>>,
    find_role_cache: Mutex<HashMap<(String, PathBuf), Option<PathBuf>>>,
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
            role_of_cache: Mutex::new(HashMap::new()),
            find_role_cache: Mutex::new(HashMap::new()),
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

    /// Variables of a vars file or directory as Ansible finds them: `base`, `base.yml`,
    /// `base.yaml`, `base.json`, or every file under the directory `base/` (sorted, later
    /// files win). Unloadable files contribute nothing (the lint reports them itself).
    fn vars_sources(&self, base: &Path) -> Vec<Arc<VarsSource>> {
        let slot = {
            let mut sources = self.sources.lock().unwrap_or_else(|e| e.into_inner());
            sources.entry(base.to_path_buf()).or_default().clone()
        };
        slot.get_or_init(|| {
            let mut out = Vec::new();
            for file in vars_files_for(base) {
                if let Ok(loaded) = self.load(&file)
                    && let Some(root) = loaded.root()
                {
                    out.push(Arc::new(VarsSource::from_map(loaded.path.clone(), root)));
                }
            }
            out
        })
        .clone()
    }

    /// The role directory a file belongs to: `.../roles/NAME` when the path goes through a
    /// `roles` directory, or a directory with `tasks/main.yml` and `meta/main.yml` or
    /// `defaults/main.yml` (a standalone role repository; a playbook directory with `tasks/`
    /// and `vars/` is not a role).
    pub fn role_of(&self, path: &Path) -> Option<PathBuf> {
        let path = normalize_path(path);
        // Only the directory matters (and the file itself for `.../roles/NAME`).
        let key = path.clone();
        if let Some(hit) = self
            .role_of_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return hit.clone();
        }
        let found = self.role_of_uncached(&path);
        self.role_of_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, found.clone());
        found
    }

    fn role_of_uncached(&self, path: &Path) -> Option<PathBuf> {
        let comps: Vec<Component<'_>> = path.components().collect();
        for i in (0..comps.len().saturating_sub(2)).rev() {
            if comps[i].as_os_str() == "roles" {
                let dir: PathBuf = comps[..i + 2].iter().collect();
                if dir != path {
                    return Some(dir);
                }
            }
        }
        let mut dir = path.parent();
        while let Some(d) = dir {
            let name = d.file_name().and_then(|n| n.to_str());
            if matches!(
                name,
                Some("tasks" | "handlers" | "defaults" | "vars" | "meta")
            ) && let Some(role) = d.parent()
                && role_file(role, "tasks", "main").is_some()
                && (role_file(role, "meta", "main").is_some()
                    || role_file(role, "defaults", "main").is_some())
            {
                return Some(role.to_path_buf());
            }
            if d == self.root || !d.starts_with(&self.root) {
                break;
            }
            dir = d.parent();
        }
        None
    }

    /// Find a role by name as Ansible would from a playbook or task file at `from`:
    /// `roles/NAME` next to it and in each parent directory up to the project root, then in
    /// each directory of [`Project::roles_path`], then `NAME` as a path relative to it.
    pub fn find_role(&self, name: &str, from: &Path) -> Option<PathBuf> {
        let from = normalize_path(from);
        let key = (
            name.to_string(),
            from.parent().map(Path::to_path_buf).unwrap_or_default(),
        );
        if let Some(hit) = self
            .find_role_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return hit.clone();
        }
        let found = self
            .find_role_inner(name, &from)
            .map(|p| normalize_path(&p));
        self.find_role_cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, found.clone());
        found
    }

    fn find_role_inner(&self, name: &str, from: &Path) -> Option<PathBuf> {
        if name.contains("{{") {
            return None;
        }
        let start = from.parent().unwrap_or(&self.root);
        let mut dir = Some(start);
        while let Some(d) = dir {
            let candidate = d.join("roles").join(name);
            if candidate.is_dir() {
                return Some(candidate);
            }
            if d == self.root || !d.starts_with(&self.root) {
                break;
            }
            dir = d.parent();
        }
        for dir in self.roles_path() {
            let candidate = dir.join(name);
            if candidate.is_dir() {
                return Some(candidate);
            }
        }
        let relative = start.join(name);
        if relative.is_dir() && relative.join("tasks").is_dir() {
            return Some(relative);
        }
        // The role may live next to the role that depends on it.
        if let Some(role) = self.role_of(from)
            && let Some(parent) = role.parent()
        {
            let sibling = parent.join(name);
            if sibling.is_dir() {
                return Some(sibling);
            }
        }
        None
    }

    /// The variables of an inventory file, read and parsed once.
    fn inventory_file_vars(&self, path: &Path) -> InventoryVars {
        if let Some(hit) = self
            .inventory_vars
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
        {
            return hit.clone();
        }
        let text = std::fs::metadata(path)
            .ok()
            .filter(|m| m.len() <= MAX_FILE_SIZE)
            .and_then(|_| std::fs::read_to_string(path).ok());
        let arc: Arc<Path> = Arc::from(path);
        let vars: InventoryVars = Arc::new(
            text.map(|t| {
                crate::inventory::inventory_vars(&arc, &t)
                    .into_iter()
                    .map(|(target, source)| (target, Arc::new(source)))
                    .collect()
            })
            .unwrap_or_default(),
        );
        self.inventory_vars
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_path_buf(), vars.clone());
        vars
    }

    /// The inventory files of the project (`hosts`, `inventory.yml`, ...; `ansible.cfg`'s
    /// `inventory`), found when indexing.
    pub fn inventory_files(&self) -> &[PathBuf] {
        &self.index().inventories
    }

    /// `inventory` of `[defaults]` in `ansible.cfg` (first entry when comma-separated).
    fn cfg_inventory(&self) -> Option<PathBuf> {
        let cfg = crate::config::AnsibleConfig::load(&self.root.join("ansible.cfg")).ok()?;
        cfg.inventory().first().map(|p| normalize_path(p))
    }

    /// A value of the project's `ansible.cfg`, read as Ansible reads it (see
    /// [`crate::config`]); `None` when unset or when Ansible would refuse the file.
    fn cfg_value(&self, wanted_section: &str, wanted_key: &str) -> Option<String> {
        let cfg = crate::config::AnsibleConfig::load(&self.root.join("ansible.cfg")).ok()?;
        cfg.get(wanted_section, wanted_key).map(str::to_string)
    }

    /// The directories of `roles_path` in the `[defaults]` section of `ansible.cfg` at the
    /// project root (colon-separated, relative to the root; `~` paths are skipped: they are
    /// outside the repository).
    pub fn roles_path(&self) -> &[PathBuf] {
        self.roles_path.get_or_init(|| {
            let Some(value) = self.cfg_value("defaults", "roles_path") else {
                return Vec::new();
            };
            value
                .split(':')
                .map(str::trim)
                .filter(|p| !p.is_empty() && !p.starts_with('~') && !p.starts_with('$'))
                .map(|p| normalize_path(&self.root.join(p)))
                .collect()
        })
    }

    /// Resolve an include/import to a file: `include_tasks`/`import_tasks` targets are
    /// searched in the role's `tasks/` (when the including file is in a role), next to the
    /// including file, in its `tasks/` subdirectory and in the project root; roles through
    /// [`Project::find_role`] (their `tasks/main.yml` or `tasks_from`). `None` for templated
    /// or missing targets.
    pub fn resolve_include(&self, including: &Path, include: &Include<'_>) -> Option<PathBuf> {
        self.resolve_include_inner(including, include)
            .map(|p| normalize_path(&p))
    }

    fn resolve_include_inner(&self, including: &Path, include: &Include<'_>) -> Option<PathBuf> {
        if include.is_templated() {
            return None;
        }
        use crate::module::IncludeKind as K;
        match include.kind {
            K::IncludeRole | K::ImportRole => {
                let role = self.find_role(&include.target, including)?;
                role_file(
                    &role,
                    "tasks",
                    include.tasks_from.as_deref().unwrap_or("main"),
                )
            }
            K::IncludeVars => self.find_relative(including, &include.target, "vars"),
            K::IncludeTasks | K::ImportTasks | K::Include | K::ImportPlaybook => {
                self.find_relative(including, &include.target, "tasks")
            }
        }
    }

    fn find_relative(&self, including: &Path, target: &str, subdir: &str) -> Option<PathBuf> {
        let target = Path::new(target);
        if target.is_absolute() {
            return target.is_file().then(|| target.to_path_buf());
        }
        let mut candidates = Vec::new();
        if let Some(role) = self.role_of(including) {
            candidates.push(role.join(subdir).join(target));
            candidates.push(role.join(target));
        }
        if let Some(dir) = including.parent() {
            candidates.push(dir.join(subdir).join(target));
            candidates.push(dir.join(target));
        }
        // The playbook directory (the project root stands in for it).
        candidates.push(self.root.join(subdir).join(target));
        candidates.push(self.root.join(target));
        candidates.into_iter().find(|c| c.is_file())
    }

    /// Every task file reachable from `start` through static `include_tasks`/`import_tasks`
    /// and `include_role`/`import_role` (the start file first). Cycle-safe: each file once.
    pub fn follow_includes(&self, start: &Path) -> Vec<PathBuf> {
        let mut seen = HashSet::new();
        let mut order = Vec::new();
        let mut queue = vec![normalize_path(start)];
        while let Some(path) = queue.pop() {
            if !seen.insert(path.clone()) {
                continue;
            }
            order.push(path.clone());
            let Ok(file) = self.load(&path) else {
                continue;
            };
            let Some(root) = file.root() else {
                continue;
            };
            let mut found = Vec::new();
            let visit = |t: &task::Task<'_>, found: &mut Vec<PathBuf>| {
                if let Some(inc) = t.include()
                    && !matches!(
                        inc.kind,
                        crate::module::IncludeKind::IncludeVars
                            | crate::module::IncludeKind::ImportPlaybook
                    )
                    && let Some(target) = self.resolve_include(&path, &inc)
                {
                    found.push(target);
                }
            };
            if play::looks_like_playbook(root) {
                for p in play::playbook(root, &file.text).plays() {
                    p.all_tasks().for_each(|t| visit(t, &mut found));
                    for r in &p.roles {
                        if let Some(role) = self.find_role(&r.name, &path)
                            && let Some(main) = role_file(&role, "tasks", "main")
                        {
                            found.push(main);
                        }
                    }
                }
            } else {
                task::task_list(root, &file.text)
                    .tasks
                    .iter()
                    .for_each(|t| visit(t, &mut found));
            }
            for f in found.into_iter().rev() {
                if !seen.contains(&f) {
                    queue.push(f);
                }
            }
        }
        order
    }

    /// Apply a task's static `include_vars` to `scope`: call it for each task in order, after
    /// checking the task, so the variables are visible to the tasks that follow (Ansible's
    /// `include_vars` precedence). Returns whether variables were added. Templated paths,
    /// `name:` (variables nested under a key) and missing files add nothing.
    pub fn apply_include_vars(
        &self,
        scope: &mut Scope,
        including: &Path,
        task: &task::Task<'_>,
    ) -> bool {
        let Some(inc) = task.include() else {
            return false;
        };
        if inc.kind != crate::module::IncludeKind::IncludeVars
            || inc.is_templated()
            || task.arg("name").is_some()
        {
            return false;
        }
        let base = if task.arg("dir").is_some() {
            self.find_relative_dir(including, &inc.target)
        } else {
            self.find_relative(including, &inc.target, "vars")
        };
        let Some(base) = base.map(|b| normalize_path(&b)) else {
            return false;
        };
        let sources = if base.is_dir() {
            self.vars_sources(&base)
        } else {
            match self.load(&base) {
                Ok(loaded) => loaded
                    .root()
                    .map(|r| vec![Arc::new(VarsSource::from_map(loaded.path.clone(), r))])
                    .unwrap_or_default(),
                Err(_) => Vec::new(),
            }
        };
        let added = !sources.is_empty();
        for source in sources {
            scope.push(Layer {
                level: Level::IncludeVars,
                conditional: false,
                target: None,
                env: None,
                alt: None,
                source,
            });
        }
        added
    }

    fn find_relative_dir(&self, including: &Path, target: &str) -> Option<PathBuf> {
        let mut candidates = Vec::new();
        if let Some(role) = self.role_of(including) {
            candidates.push(role.join("vars").join(target));
            candidates.push(role.join(target));
        }
        if let Some(dir) = including.parent() {
            candidates.push(dir.join(target));
        }
        candidates.push(self.root.join(target));
        candidates.into_iter().find(|c| c.is_dir())
    }

    /// The variable scope of a task file or vars file at `path` that is not a playbook: its
    /// role's defaults and vars (and those of the role's dependencies), the `group_vars` and
    /// `host_vars` of the project, and — as alternatives — the vars of every play that uses the
    /// role or includes the file.
    ///
    /// Scopes are computed once per file and cached.
    pub fn file_scope(&self, path: &Path) -> Scope {
        let path = &normalize_path(path);
        let slot = {
            let mut scopes = self.scopes.lock().unwrap_or_else(|e| e.into_inner());
            scopes.entry(path.to_path_buf()).or_default().clone()
        };
        slot.get_or_init(|| self.build_file_scope(path)).clone()
    }

    fn build_file_scope(&self, path: &Path) -> Scope {
        let mut scope = Scope::new();
        let index = self.index();
        let role = self.role_of(path);
        let mut uses: Vec<(PlayUse, Level)> = Vec::new();
        if let Some(role) = &role {
            self.push_role(&mut scope, role, None, &mut HashSet::new());
            uses.extend(
                index
                    .role_uses
                    .get(role)
                    .into_iter()
                    .flatten()
                    .map(|u| (u.clone(), Level::RoleParams)),
            );
        }
        uses.extend(
            index
                .task_uses
                .get(path)
                .into_iter()
                .flatten()
                .map(|u| (u.clone(), Level::IncludeParams)),
        );
        let playbook_dirs: Vec<PathBuf> = uses
            .iter()
            .filter_map(|(u, _)| u.playbook.path.parent().map(Path::to_path_buf))
            .collect();
        let envs = self.push_vars_dirs(&mut scope, &playbook_dirs);
        let mut patterns: Vec<(Option<u32>, Option<PlayHosts>)> = Vec::new();
        for (alt, (u, params_level)) in uses.iter().enumerate() {
            let alt_id = u32::try_from(alt).unwrap_or(u32::MAX);
            let alt = Some(alt_id);
            // Each including play is a world of its own, even one that adds no variables.
            scope.declare_alt(alt_id);
            let Some(root) = u.playbook.root() else {
                continue;
            };
            let book = play::playbook(root, &u.playbook.text);
            let Some(p) = book.plays().nth(u.play) else {
                continue;
            };
            patterns.push((alt, targets::play_hosts(p.hosts)));
            self.push_play(&mut scope, &u.playbook.path, p, alt);
            if let Some(params) = &u.params {
                scope.push(Layer {
                    level: *params_level,
                    conditional: false,
                    target: None,
                    env: None,
                    alt,
                    source: params.clone(),
                });
            }
        }
        self.push_targets(&mut scope, &envs, &patterns);
        scope
    }

    /// The variable scope of the tasks of a play in the playbook at `path` (the play as the
    /// caller parsed it): group_vars/host_vars (the playbook's own directory at playbook level,
    /// other inventories as alternatives), the play's `vars` and `vars_files`, and the
    /// defaults and vars of the roles it lists.
    pub fn play_scope(&self, path: &Path, play: &Play<'_>) -> Scope {
        let mut scope = Scope::new();
        let dirs: Vec<PathBuf> = path.parent().map(Path::to_path_buf).into_iter().collect();
        let envs = self.push_vars_dirs(&mut scope, &dirs);
        self.push_targets(
            &mut scope,
            &envs,
            &[(None, targets::play_hosts(play.hosts))],
        );
        let path: Arc<Path> = Arc::from(path);
        self.push_play(&mut scope, &path, play, None);
        scope
    }

    fn push_play(&self, scope: &mut Scope, path: &Arc<Path>, play: &Play<'_>, alt: Option<u32>) {
        let mut push = |level: Level, source: Arc<VarsSource>| {
            scope.push(Layer {
                level,
                conditional: false,
                target: None,
                env: None,
                alt,
                source,
            });
        };
        if let Some(vars) = play.vars
            && vars.is_map()
        {
            push(
                Level::PlayVars,
                Arc::new(VarsSource::from_map(path.clone(), vars)),
            );
        }
        let base = path.parent().unwrap_or(&self.root).to_path_buf();
        for entry in play.vars_files.and_then(Node::as_seq).unwrap_or(&[]) {
            // A nested list means "the first file that exists".
            let names: Vec<&str> = match entry.as_seq() {
                Some(list) => list.iter().filter_map(Node::as_str).collect(),
                None => entry.as_str().into_iter().collect(),
            };
            if let Some(file) = names
                .iter()
                .filter(|n| !n.contains("{{"))
                .map(|n| base.join(n))
                .find(|p| p.is_file())
                && let Ok(loaded) = self.load(&file)
                && let Some(root) = loaded.root()
            {
                push(
                    Level::PlayVarsFiles,
                    Arc::new(VarsSource::from_map(loaded.path.clone(), root)),
                );
            }
        }
        let mut seen = HashSet::new();
        for r in &play.roles {
            if let Some(role) = self.find_role(&r.name, path) {
                self.push_role(scope, &role, alt, &mut seen);
            }
        }
    }

    /// Role defaults and vars, dependencies first (their values are overridden by the role's).
    fn push_role(
        &self,
        scope: &mut Scope,
        role: &Path,
        alt: Option<u32>,
        seen: &mut HashSet<PathBuf>,
    ) {
        if !seen.insert(role.to_path_buf()) || seen.len() > 64 {
            return;
        }
        if let Some(meta) = role_file(role, "meta", "main")
            && let Ok(loaded) = self.load(&meta)
            && let Some(deps) = loaded.root().and_then(|r| r.get("dependencies"))
        {
            for dep in play::role_refs(deps) {
                if let Some(dir) = self.find_role(&dep.name, &meta) {
                    self.push_role(scope, &dir, alt, seen);
                }
            }
        }
        for (sub, level) in [("defaults", Level::RoleDefaults), ("vars", Level::RoleVars)] {
            for source in self.vars_sources(&role.join(sub).join("main")) {
                scope.push(Layer {
                    level,
                    conditional: false,
                    target: None,
                    env: None,
                    alt,
                    source,
                });
            }
        }
    }

    /// group_vars/host_vars layers: those in `playbook_dirs` at playbook level for every
    /// inventory; every other directory as its own inventory alternative.
    ///
    /// Returns the inventory directory of each inventory alternative (by `env` number).
    fn push_vars_dirs(&self, scope: &mut Scope, playbook_dirs: &[PathBuf]) -> Vec<PathBuf> {
        let index = self.index();
        // Normalised once here, not per comparison: this runs for every file scope, and
        // `same_dir` in the loops below was a third of a lint of 4,700 collection files.
        let playbook_dirs: Vec<PathBuf> = playbook_dirs.iter().map(|d| normalize_path(d)).collect();
        let at_playbook_dir = |dir: &Path| {
            let dir = normalize_path(dir);
            playbook_dirs.contains(&dir)
        };
        let mut envs: Vec<&Path> = Vec::new();
        for inv in &index.inventories {
            let Some(parent) = inv.parent() else {
                continue;
            };
            let at_playbook = at_playbook_dir(parent);
            let env = if at_playbook {
                None
            } else {
                let pos = envs.iter().position(|e| *e == parent).unwrap_or_else(|| {
                    envs.push(parent);
                    envs.len() - 1
                });
                Some(u32::try_from(pos).unwrap_or(u32::MAX))
            };
            for (target, source) in self.inventory_file_vars(inv).iter() {
                let (level, conditional) = match &target {
                    crate::inventory::Target::Group(g) => (Level::InventoryFileGroup, g != "all"),
                    crate::inventory::Target::Host(_) => (Level::InventoryFileHost, true),
                };
                scope.push(Layer {
                    level,
                    conditional,
                    target: conditional.then(|| target.clone()),
                    env,
                    alt: None,
                    source: source.clone(),
                });
            }
        }
        for vd in &index.vars_dirs {
            let at_playbook = at_playbook_dir(&vd.parent);
            let env = if at_playbook {
                None
            } else {
                let pos = envs
                    .iter()
                    .position(|e| *e == vd.parent.as_path())
                    .unwrap_or_else(|| {
                        envs.push(&vd.parent);
                        envs.len() - 1
                    });
                Some(u32::try_from(pos).unwrap_or(u32::MAX))
            };
            for name in &vd.names {
                let all = !vd.hosts && name == "all";
                let level = match (vd.hosts, all, at_playbook) {
                    (true, _, false) => Level::InventoryHost,
                    (true, _, true) => Level::PlaybookHost,
                    (false, true, false) => Level::InventoryGroupAll,
                    (false, true, true) => Level::PlaybookGroupAll,
                    (false, false, false) => Level::InventoryGroup,
                    (false, false, true) => Level::PlaybookGroup,
                };
                let target = if vd.hosts {
                    crate::inventory::Target::Host(name.clone())
                } else {
                    crate::inventory::Target::Group(name.clone())
                };
                for source in self.vars_sources(&vd.dir.join(name)) {
                    scope.push(Layer {
                        level,
                        conditional: !all,
                        target: (!all).then(|| target.clone()),
                        env,
                        alt: None,
                        source,
                    });
                }
            }
        }
        envs.into_iter().map(Path::to_path_buf).collect()
    }

    /// The hosts and groups of the inventory file at `path`, parsed once; `None` when
    /// fleetpin cannot know them statically: an executable (an inventory script), an
    /// inventory plugin configuration (`plugin:`), or a file that does not parse.
    fn parsed_inventory(&self, path: &Path) -> Option<Arc<Inventory>> {
        if let Some(hit) = self
            .parsed_inventories
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
        {
            return hit.clone();
        }
        let parsed = parse_inventory_file(path).map(Arc::new);
        self.parsed_inventories
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_path_buf(), parsed.clone());
        parsed
    }

    /// What `hosts` targets in the inventory file at `path`, evaluated once per pattern and
    /// file; `None` when unknown.
    fn evaluate(&self, hosts: &PlayHosts, path: &Path) -> Option<Arc<Targets>> {
        let key = (hosts.text.clone(), path.to_path_buf());
        if let Some(hit) = self
            .evaluated
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&key)
        {
            return hit.clone();
        }
        let index = self.index();
        let loose = path
            .parent()
            .is_some_and(|dir| index.loose_inventory_dirs.contains(dir));
        let result = if loose {
            None
        } else {
            self.parsed_inventory(path).and_then(|inv| {
                targets::targets_in(&inv, &hosts.pattern, self.runtime()).map(Arc::new)
            })
        };
        self.evaluated
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(key, result.clone());
        result
    }

    /// Groups and hosts filled at run time by the `add_host` and `group_by` tasks of the
    /// whole project: those outside roles found while indexing, those in roles read now (once,
    /// and only when some play's hosts are evaluated against an inventory).
    fn runtime(&self) -> &targets::RuntimeMembership {
        self.runtime.get_or_init(|| {
            let index = self.index();
            let found: Vec<targets::RuntimeMembership> = index
                .role_files
                .par_iter()
                .filter_map(|path| {
                    let text = std::fs::read_to_string(path).ok()?;
                    if !(text.contains("add_host") || text.contains("group_by")) {
                        return None;
                    }
                    let file = self.load(path).ok()?;
                    Some(runtime_of(&file))
                })
                .collect();
            let mut runtime = index.runtime.clone();
            for r in found {
                runtime.extend(r);
            }
            runtime
        })
    }

    /// What a play targets across `inventories`, each evaluated on its own (a group counts
    /// when it holds a targeted host in any of them), restricted to the layer targets
    /// `groups` and `hosts`; `None` when any of them leaves the answer unknown, or there is
    /// none.
    fn targets_across(
        &self,
        hosts: &PlayHosts,
        inventories: &[PathBuf],
        groups: &[&str],
        host_names: &[&str],
    ) -> Option<Targets> {
        if inventories.is_empty() {
            return None;
        }
        let mut all = Targets::default();
        for path in inventories {
            let full = self.evaluate(hosts, path)?;
            all.extend(full.restricted_to(groups.iter().copied(), host_names.iter().copied()));
        }
        Some(all)
    }

    /// Record in `scope` what each play (`alt`, host pattern) targets: for the layers of each
    /// inventory alternative in `envs` (numbered as [`Project::push_vars_dirs`] returned
    /// them), judged on that alternative's inventory files, and for the layers that apply
    /// with any inventory, judged on every inventory of the project.
    fn push_targets(
        &self,
        scope: &mut Scope,
        envs: &[PathBuf],
        plays: &[(Option<u32>, Option<PlayHosts>)],
    ) {
        let index = self.index();
        // The names the scope's layers are set for: all a `Targets` needs to answer.
        let mut groups: Vec<&str> = Vec::new();
        let mut host_names: Vec<&str> = Vec::new();
        for layer in scope.layers() {
            match &layer.target {
                Some(Target::Group(g)) if !groups.contains(&g.as_str()) => groups.push(g),
                Some(Target::Host(h)) if !host_names.contains(&h.as_str()) => host_names.push(h),
                _ => {}
            }
        }
        let mut sets: Vec<(Option<u32>, Vec<PathBuf>)> = vec![(None, index.inventories.clone())];
        // Each directory normalised once (not once per pair: see `push_vars_dirs`).
        let inventory_dirs: Vec<Option<PathBuf>> = index
            .inventories
            .iter()
            .map(|i| i.parent().map(normalize_path))
            .collect();
        for (e, dir) in envs.iter().enumerate() {
            let dir = normalize_path(dir);
            let inventories = index
                .inventories
                .iter()
                .zip(&inventory_dirs)
                .filter(|(_, p)| p.as_ref() == Some(&dir))
                .map(|(i, _)| i.clone())
                .collect();
            sets.push((Some(u32::try_from(e).unwrap_or(u32::MAX)), inventories));
        }
        let mut found: Vec<(Option<u32>, Option<u32>, Targets)> = Vec::new();
        for (alt, hosts) in plays {
            let Some(hosts) = hosts else {
                continue;
            };
            for (env, inventories) in &sets {
                if let Some(t) = self.targets_across(hosts, inventories, &groups, &host_names) {
                    found.push((*env, *alt, t));
                }
            }
        }
        for (env, alt, t) in found {
            scope.set_targets(env, alt, t);
        }
    }

    fn index(&self) -> &Index {
        self.index.get_or_init(|| self.build_index())
    }

    /// Builds the project index now (the walk for playbooks, inventories and vars
    /// directories) instead of on first use. Call it from a rayon job before linting files
    /// in parallel: built lazily inside the first file's check, every other worker waited on
    /// it and its parallel parse ran on one core.
    pub fn prepare(&self) {
        self.index();
    }

    fn build_index(&self) -> Index {
        let mut index = Index::default();
        let mut candidates: Vec<PathBuf> = Vec::new();
        // The walk runs on every core (ignore's parallel walker; its syscalls were most of a
        // serial index build); entries are then handled in path order, as before.
        let walked: Mutex<Vec<WalkedEntry>> = Mutex::new(Vec::new());
        ignore::WalkBuilder::new(&self.root)
            .hidden(false)
            .filter_entry(|e| e.file_name() != ".git" && e.file_name() != "node_modules")
            .build_parallel()
            .run(|| {
                let walked = &walked;
                Box::new(move |entry| {
                    if let Ok(entry) = entry {
                        let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
                        let name = entry.file_name().to_str().unwrap_or("");
                        let yaml = name.ends_with(".yml") || name.ends_with(".yaml");
                        // Only what the loop below looks at (most files of a tree are not).
                        let wanted = if is_dir {
                            name == "group_vars" || name == "host_vars"
                        } else {
                            yaml || INVENTORY_NAMES.contains(&name)
                        };
                        if !wanted {
                            return ignore::WalkState::Continue;
                        }
                        let len = if yaml {
                            entry.metadata().map_or(0, |m| m.len())
                        } else {
                            0
                        };
                        let e = WalkedEntry {
                            path: normalize_path(entry.path()),
                            name: entry.file_name().to_str().unwrap_or("").to_string(),
                            is_dir,
                            len,
                        };
                        walked.lock().unwrap_or_else(|e| e.into_inner()).push(e);
                    }
                    ignore::WalkState::Continue
                })
            });
        let mut walked = walked.into_inner().unwrap_or_else(|e| e.into_inner());
        walked.sort_by(|a, b| a.path.cmp(&b.path));
        for entry in walked {
            let normalized = entry.path;
            let path = normalized.as_path();
            let name = entry.name.as_str();
            let is_dir = entry.is_dir;
            if is_dir && (name == "group_vars" || name == "host_vars") {
                if self.role_of(path).is_none()
                    && let Some(parent) = path.parent()
                {
                    let mut names: Vec<String> = std::fs::read_dir(path)
                        .into_iter()
                        .flatten()
                        .filter_map(Result::ok)
                        .filter_map(|e| e.file_name().to_str().map(str::to_string))
                        .filter(|n| !n.starts_with('.'))
                        .map(|n| strip_vars_ext(&n).to_string())
                        .collect();
                    names.sort();
                    names.dedup();
                    index.vars_dirs.push(VarsDir {
                        dir: path.to_path_buf(),
                        parent: parent.to_path_buf(),
                        hosts: name == "host_vars",
                        names,
                    });
                }
                continue;
            }
            if !is_dir && INVENTORY_NAMES.contains(&name) && self.role_of(path).is_none() {
                index.inventories.push(normalized.clone());
                if name.ends_with(".yml") || name.ends_with(".yaml") {
                    continue;
                }
            }
            if is_dir || !(name.ends_with(".yml") || name.ends_with(".yaml")) {
                continue;
            }
            let in_vars_dir = path
                .components()
                .any(|c| matches!(c.as_os_str().to_str(), Some("group_vars" | "host_vars")));
            if in_vars_dir || entry.len > MAX_FILE_SIZE {
                continue;
            }
            // Role files are never playbooks, but their tasks may `add_host`/`group_by`: they
            // are read only when a play's hosts are evaluated (`Project::runtime`).
            if self.role_of(path).is_some() {
                index.role_files.push(normalized);
            } else {
                candidates.push(normalized);
            }
        }
        // Read and parse the candidates on all cores. Cheap prefilters before parsing: a
        // playbook mentions `hosts:` or imports one; a task file that fills groups at run time
        // mentions `add_host` or `group_by`.
        let scanned: Vec<(Option<Arc<LoadedFile>>, targets::RuntimeMembership)> = candidates
            .par_iter()
            .filter_map(|path| {
                let text = std::fs::read_to_string(path).ok()?;
                let maybe_book = text.contains("hosts:") || text.contains("import_playbook");
                let maybe_runtime = text.contains("add_host") || text.contains("group_by");
                if !(maybe_book || maybe_runtime) {
                    return None;
                }
                let file = self.load(path).ok()?;
                let is_book = file.root().is_some_and(play::looks_like_playbook);
                let runtime = if maybe_runtime {
                    runtime_of(&file)
                } else {
                    targets::RuntimeMembership::default()
                };
                Some(((maybe_book && is_book).then_some(file), runtime))
            })
            .collect();
        let mut playbooks: Vec<Arc<LoadedFile>> = Vec::new();
        for (book, runtime) in scanned {
            playbooks.extend(book);
            index.runtime.extend(runtime);
        }
        playbooks.sort_by(|a, b| a.path.cmp(&b.path));
        index.vars_dirs.sort_by(|a, b| a.dir.cmp(&b.dir));
        if let Some(cfg_inventory) = self.cfg_inventory()
            && cfg_inventory.is_file()
            && !index.inventories.contains(&cfg_inventory)
        {
            index.inventories.push(cfg_inventory);
        }
        index.inventories.sort();
        let playbook_dirs: HashSet<&Path> =
            playbooks.iter().filter_map(|b| b.path.parent()).collect();
        for inv in &index.inventories {
            if let Some(dir) = inv.parent()
                && !playbook_dirs.iter().any(|d| same_dir(d, dir))
                && has_other_inventory_sources(dir, &index.inventories)
            {
                index.loose_inventory_dirs.insert(dir.to_path_buf());
            }
        }
        for book_file in playbooks {
            let Some(root) = book_file.root() else {
                continue;
            };
            let book = play::playbook(root, &book_file.text);
            for (i, p) in book.plays().enumerate() {
                let mut uses_role = |role: PathBuf, r: Option<&RoleRef<'_>>| {
                    let params = r.filter(|r| !r.params.is_empty()).map(|r| {
                        Arc::new(VarsSource::from_pairs(
                            book_file.path.clone(),
                            r.params.iter().copied(),
                        ))
                    });
                    index.role_uses.entry(role).or_default().push(PlayUse {
                        playbook: book_file.clone(),
                        play: i,
                        params,
                    });
                };
                for r in &p.roles {
                    if let Some(role) = self.find_role(&r.name, &book_file.path) {
                        uses_role(role, Some(r));
                    }
                }
                for t in p.all_tasks() {
                    let Some(inc) = t.include() else {
                        continue;
                    };
                    if inc.kind.is_role() {
                        if let Some(role) = self.find_role(&inc.target, &book_file.path) {
                            uses_role(role, None);
                        }
                    } else if let Some(file) = self.resolve_include(&book_file.path, &inc) {
                        let include_params = t
                            .node
                            .get("vars")
                            .filter(|v| v.is_map())
                            .map(|v| Arc::new(VarsSource::from_map(book_file.path.clone(), v)));
                        for reached in self.follow_includes(&file) {
                            let target = match self.role_of(&reached) {
                                Some(role) => {
                                    uses_role(role, None);
                                    continue;
                                }
                                None => reached,
                            };
                            index.task_uses.entry(target).or_default().push(PlayUse {
                                playbook: book_file.clone(),
                                play: i,
                                params: include_params.clone(),
                            });
                        }
                    }
                }
            }
        }
        for uses in index
            .role_uses
            .values_mut()
            .chain(index.task_uses.values_mut())
        {
            uses.dedup_by(|a, b| {
                Arc::ptr_eq(&a.playbook, &b.playbook) && a.play == b.play && a.params == b.params
            });
        }
        index
    }
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

/// The files behind a vars "base" path: the file with a vars extension, or every file in the
/// directory of that name (recursively, sorted).
fn vars_files_for(base: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if base.is_dir() {
        let mut stack = vec![base.to_path_buf()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            let mut entries: Vec<PathBuf> =
                entries.filter_map(Result::ok).map(|e| e.path()).collect();
            entries.sort();
            for p in entries {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
                if name.starts_with('.') {
                    continue;
                }
                if p.is_dir() {
                    stack.push(p);
                } else if name.ends_with(".yml")
                    || name.ends_with(".yaml")
                    || name.ends_with(".json")
                    || !name.contains('.')
                {
                    out.push(p);
                }
            }
        }
        out.sort();
        return out;
    }
    for ext in ["yml", "yaml", "json"] {
        let mut name = base.as_os_str().to_owned();
        name.push(".");
        name.push(ext);
        let p = PathBuf::from(name);
        if p.is_file() {
            out.push(p);
            return out;
        }
    }
    if base.is_file() {
        out.push(base.to_path_buf());
    }
    out
}

/// The `add_host` and `group_by` tasks of a playbook or task file.
fn runtime_of(file: &LoadedFile) -> targets::RuntimeMembership {
    let mut runtime = targets::RuntimeMembership::default();
    let Some(root) = file.root() else {
        return runtime;
    };
    if play::looks_like_playbook(root) {
        for p in play::playbook(root, &file.text).plays() {
            p.all_tasks().for_each(|t| runtime.add_task(t, &file.text));
        }
    } else if play::looks_like_tasks(root) {
        for t in &task::task_list(root, &file.text).tasks {
            runtime.add_task(t, &file.text);
        }
    }
    runtime
}

/// Whether a directory holds files or subdirectories `ansible-playbook -i DIR` would load as
/// inventory sources besides the inventory files fleetpin reads (`known`; `hosts`,
/// `inventory.yml`, ...): everything but hidden files, `group_vars`/`host_vars` and the extensions Ansible
/// ignores (`INVENTORY_IGNORE_EXTS`).
fn has_other_inventory_sources(dir: &Path, known: &[PathBuf]) -> bool {
    const IGNORED: &[&str] = &[
        ".pyc", ".pyo", ".swp", ".bak", "~", ".rpm", ".md", ".txt", ".rst", ".orig", ".cfg",
        ".retry",
    ];
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.filter_map(Result::ok).any(|e| {
        if known.iter().any(|k| {
            k.file_name() == Some(&e.file_name()) && k.parent().is_some_and(|p| same_dir(p, dir))
        }) {
            return false;
        }
        let name = e.file_name();
        let Some(name) = name.to_str() else {
            return true;
        };
        !(name.starts_with('.')
            || name == "group_vars"
            || name == "host_vars"
            || INVENTORY_NAMES.contains(&name)
            || IGNORED.iter().any(|ext| name.ends_with(ext)))
    })
}

/// Parse an inventory file for its hosts and groups as Ansible's plugins would (YAML for
/// `.yml`/`.yaml`/`.json` and YAML-looking files without extension, else INI); `None` for
/// what fleetpin cannot read statically: executables (inventory scripts), inventory plugin
/// configurations (`plugin: ...`), files too large, unreadable or invalid.
fn parse_inventory_file(path: &Path) -> Option<Inventory> {
    let meta = std::fs::metadata(path).ok()?;
    if meta.len() > MAX_FILE_SIZE || is_executable(&meta) {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let yaml = matches!(ext, "yml" | "yaml" | "json")
        || (ext.is_empty() && crate::inventory::looks_like_yaml_inventory(&text));
    if yaml {
        let plugin_config = text.lines().any(|l| {
            l.strip_prefix("plugin")
                .is_some_and(|rest| rest.trim_start().starts_with(':'))
        });
        if plugin_config {
            return None;
        }
        Inventory::parse_yaml(&text, path).ok()
    } else {
        Inventory::parse_ini(&text, path).ok()
    }
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.is_file() && meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
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
