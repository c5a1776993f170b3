//! Variable scopes: the layers of role defaults and vars, group_vars/host_vars, inventory
//! variables and play vars that a file or play sees, and `include_vars`.

use super::index::PlayUse;
use super::*;

impl Project {
    /// Variables of a vars file or directory as Ansible finds them: `base`, `base.yml`,
    /// `base.yaml`, `base.json`, or every file under the directory `base/` (sorted, later
    /// files win). Unloadable files contribute nothing (the lint reports them itself).
    pub(super) fn vars_sources(&self, base: &Path) -> Vec<Arc<VarsSource>> {
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

    pub(super) fn build_file_scope(&self, path: &Path) -> Scope {
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

    pub(super) fn push_play(
        &self,
        scope: &mut Scope,
        path: &Arc<Path>,
        play: &Play<'_>,
        alt: Option<u32>,
    ) {
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
    pub(super) fn push_role(
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
    pub(super) fn push_vars_dirs(
        &self,
        scope: &mut Scope,
        playbook_dirs: &[PathBuf],
    ) -> Vec<PathBuf> {
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
