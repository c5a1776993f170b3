//! Inventories and what plays target in them: inventory variables, parsed inventories, host
//! pattern evaluation and the groups `add_host`/`group_by` fill at run time.

use super::*;

impl Project {
    /// The variables of an inventory file, read and parsed once.
    pub(super) fn inventory_file_vars(&self, path: &Path) -> InventoryVars {
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

    /// The hosts and groups of the inventory file at `path`, parsed once; `None` when
    /// fleetpin cannot know them statically: an executable (an inventory script), an
    /// inventory plugin configuration (`plugin:`), or a file that does not parse.
    pub(super) fn parsed_inventory(&self, path: &Path) -> Option<Arc<Inventory>> {
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
    pub(super) fn evaluate(&self, hosts: &PlayHosts, path: &Path) -> Option<Arc<Targets>> {
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
    pub(super) fn runtime(&self) -> &targets::RuntimeMembership {
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
    pub(super) fn targets_across(
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
    pub(super) fn push_targets(
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
}

/// The `add_host` and `group_by` tasks of a playbook or task file.
pub(super) fn runtime_of(file: &LoadedFile) -> targets::RuntimeMembership {
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
pub(super) fn has_other_inventory_sources(dir: &Path, known: &[PathBuf]) -> bool {
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
