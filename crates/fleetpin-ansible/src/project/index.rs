//! The project index: one walk of the tree for playbooks, inventories and vars directories,
//! and which plays use each role and task file.

use super::hosts::{has_other_inventory_sources, runtime_of};
use super::*;

/// A `group_vars`/`host_vars` directory and the inventory or playbook directory it sits in.
#[derive(Debug, Clone)]
pub(super) struct VarsDir {
    /// The `group_vars` or `host_vars` directory.
    pub(super) dir: PathBuf,
    /// Its parent (inventory or playbook directory).
    pub(super) parent: PathBuf,
    /// `true` for host_vars.
    pub(super) hosts: bool,
    /// Group or host names with a vars file or directory here (extensions stripped), sorted.
    pub(super) names: Vec<String>,
}

/// A play that uses a role or task file.
#[derive(Debug, Clone)]
pub(super) struct PlayUse {
    /// The playbook.
    pub(super) playbook: Arc<LoadedFile>,
    /// Index of the play among the playbook's plays.
    pub(super) play: usize,
    /// Role parameters given with the reference, or the `vars:` of the including task.
    pub(super) params: Option<Arc<VarsSource>>,
}

#[derive(Debug, Default)]
pub(super) struct Index {
    pub(super) vars_dirs: Vec<VarsDir>,
    /// Inventory files (`hosts`, `inventory.yml`, ...; `ansible.cfg`'s `inventory`).
    pub(super) inventories: Vec<PathBuf>,
    /// Role directory → plays that use it.
    pub(super) role_uses: HashMap<PathBuf, Vec<PlayUse>>,
    /// Task file → plays that include it (directly or through other task files).
    pub(super) task_uses: HashMap<PathBuf, Vec<PlayUse>>,
    /// Groups and hosts that `add_host`/`group_by` tasks outside roles fill at run time.
    pub(super) runtime: targets::RuntimeMembership,
    /// YAML files inside roles (scanned for `add_host`/`group_by` on demand).
    pub(super) role_files: Vec<PathBuf>,
    /// Inventory directories (not playbook directories) holding other files Ansible would
    /// load as inventory sources when given the directory (`-i inventories/prod`): scripts,
    /// plugin configurations, more host files. Their hosts are not known statically.
    pub(super) loose_inventory_dirs: HashSet<PathBuf>,
}

/// One entry of the index walk.
pub(super) struct WalkedEntry {
    pub(super) path: PathBuf,
    pub(super) name: String,
    pub(super) is_dir: bool,
    pub(super) len: u64,
}

impl Project {
    pub(super) fn index(&self) -> &Index {
        self.index.get_or_init(|| self.build_index())
    }

    /// Builds the project index now (the walk for playbooks, inventories and vars
    /// directories) instead of on first use. Call it from a rayon job before linting files
    /// in parallel: built lazily inside the first file's check, every other worker waited on
    /// it and its parallel parse ran on one core.
    pub fn prepare(&self) {
        self.index();
    }

    pub(super) fn build_index(&self) -> Index {
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
