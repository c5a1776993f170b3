//! Variable scopes: the layers of role defaults and vars, group_vars/host_vars, inventory
//! variables and play vars that a file or play sees, and `include_vars`.

use super::index::PlayUse;
use super::*;
use crate::jinja::{self, Value};
use crate::vars::Resolution;

/// What [`Project::push_role`] reads of a role: the directories of its dependencies
/// (`meta/main`, in order) and the sources of its `defaults/main` and `vars/main`.
#[derive(Debug, Default)]
pub(super) struct RoleStatics {
    deps: Vec<PathBuf>,
    vars: Vec<(Level, Arc<VarsSource>)>,
}

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

    /// Apply a task's `include_vars` to `scope`: call it for each task in order, after
    /// checking the task, so the variables are visible to the tasks that follow (Ansible's
    /// `include_vars` precedence). Returns whether variables were added.
    ///
    /// Every file the task may load counts: a literal path is loaded on every host; a path
    /// templated on facts (`"{{ ansible_os_family }}.yml"`), the candidates of
    /// `with_first_found` and of `lookup('first_found', ...)` are matched against the files
    /// that exist (a fact stands for any file name), and each file found is a candidate layer,
    /// so a value set in `vars/Suse.yml` is one of the values the following tasks may see. The
    /// first literal candidate that exists ends a `first_found` list (it is loaded only where
    /// no earlier candidate matched). `name:` (variables nested under a key) adds nothing.
    pub fn apply_include_vars(
        &self,
        scope: &mut Scope,
        including: &Path,
        task: &task::Task<'_>,
    ) -> bool {
        let Some(inc) = task.include() else {
            return false;
        };
        if inc.kind != crate::module::IncludeKind::IncludeVars || task.arg("name").is_some() {
            return false;
        }
        let mut files: Vec<(PathBuf, bool)> = Vec::new();
        if task.arg("dir").is_some() {
            if inc.is_templated() {
                return false;
            }
            if let Some(dir) = self.find_relative_dir(including, &inc.target) {
                files.push((normalize_path(&dir), false));
            }
        } else {
            let mut conditional = false;
            for candidate in include_vars_candidates(task, &inc) {
                let names: Vec<(String, bool)> = match scope.resolve(&candidate) {
                    Resolution::Literal(s)
                    | Resolution::Resolved {
                        value: Value::Str(s),
                        ..
                    } => vec![(s, false)],
                    Resolution::Multiple(items) => items
                        .iter()
                        .filter_map(|r| match r {
                            Resolution::Resolved {
                                value: Value::Str(s),
                                ..
                            } => Some((s.clone(), true)),
                            _ => None,
                        })
                        .collect(),
                    _ => vec![(candidate.clone(), true)],
                };
                let mut exact_found = false;
                for (name, varies) in names {
                    if varies && jinja::has_template(&name) {
                        let found = self.glob_vars_files(including, &name);
                        conditional |= !found.is_empty();
                        files.extend(found.into_iter().map(|f| (f, true)));
                    } else if let Some(file) = self.find_relative(including, &name, "vars") {
                        files.push((normalize_path(&file), conditional || varies));
                        exact_found |= !varies;
                    }
                }
                if exact_found {
                    break;
                }
            }
        }
        // A file a template matched and a literal name repeats is loaded once.
        let mut seen = HashSet::new();
        files.retain(|(f, _)| seen.insert(f.clone()));
        let mut added = false;
        for (base, conditional) in files {
            let sources = if base.is_dir() {
                self.vars_sources(&base)
            } else {
                match self.load(&base) {
                    Ok(loaded) => loaded
                        .root()
                        .filter(|r| r.is_map())
                        .map(|r| vec![Arc::new(VarsSource::from_map(loaded.path.clone(), r))])
                        .unwrap_or_default(),
                    Err(_) => Vec::new(),
                }
            };
            for source in sources {
                added = true;
                scope.push(Layer {
                    level: Level::IncludeVars,
                    conditional,
                    target: None,
                    env: None,
                    alt: None,
                    source,
                });
            }
        }
        added
    }

    /// The vars files a path templated on unknown values may name: each `{{ ... }}` stands
    /// for any text within a file name, matched in the first directory of the `include_vars`
    /// search path (the role's `vars/`, next to the including file, the project's `vars/`)
    /// that holds a match. The role's `vars/main` is left out: it is loaded as role vars.
    fn glob_vars_files(&self, including: &Path, template: &str) -> Vec<PathBuf> {
        let pattern = template_glob(template);
        let (dir_part, file_pattern) = match pattern.rsplit_once('/') {
            Some((d, f)) => (d, f),
            None => ("", pattern.as_str()),
        };
        let role = self.role_of(including);
        let mut dirs = Vec::new();
        if let Some(role) = &role {
            dirs.push(role.join("vars").join(dir_part));
            dirs.push(role.join(dir_part));
        }
        if let Some(dir) = including.parent() {
            dirs.push(dir.join("vars").join(dir_part));
            dirs.push(dir.join(dir_part));
        }
        dirs.push(self.root.join("vars").join(dir_part));
        dirs.push(self.root.join(dir_part));
        let role_vars = role.as_ref().map(|r| r.join("vars"));
        dirs.iter()
            .map(|dir| glob_dir(dir, dir_part, file_pattern, role_vars.as_deref()))
            .find(|found| !found.is_empty())
            .unwrap_or_default()
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
            self.push_role_runtime_vars(&mut scope, role);
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
        let mut push = |level: Level, conditional: bool, source: Arc<VarsSource>| {
            scope.push(Layer {
                level,
                conditional,
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
                false,
                Arc::new(VarsSource::from_map(path.clone(), vars)),
            );
        }
        let base = path.parent().unwrap_or(&self.root).to_path_buf();
        for entry in play.vars_files.and_then(Node::as_seq).unwrap_or(&[]) {
            // A nested list means "the first file that exists". A name templated on facts or
            // extra vars (`vars/{{ ansible_os_family }}.yml`) may be any file it matches: each
            // is a candidate, and a later literal name is loaded only where none matched.
            let names: Vec<&str> = match entry.as_seq() {
                Some(list) => list.iter().filter_map(Node::as_str).collect(),
                None => entry.as_str().into_iter().collect(),
            };
            let mut conditional = false;
            for name in names {
                let files = if jinja::has_template(name) {
                    let pattern = template_glob(name);
                    let (dir, file) = pattern.rsplit_once('/').unwrap_or(("", &pattern));
                    glob_dir(&base.join(dir), dir, file, None)
                } else {
                    let file = base.join(name);
                    if file.is_file() {
                        vec![file]
                    } else {
                        Vec::new()
                    }
                };
                let templated = jinja::has_template(name);
                for file in &files {
                    if let Ok(loaded) = self.load(file)
                        && let Some(root) = loaded.root()
                    {
                        push(
                            Level::PlayVarsFiles,
                            conditional || templated,
                            Arc::new(VarsSource::from_map(loaded.path.clone(), root)),
                        );
                    }
                }
                conditional |= templated && !files.is_empty();
                if !templated && !files.is_empty() {
                    break;
                }
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
        let statics = self.role_statics(role);
        for dir in &statics.deps {
            self.push_role(scope, dir, alt, seen);
        }
        for (level, source) in &statics.vars {
            scope.push(Layer {
                level: *level,
                conditional: false,
                target: None,
                env: None,
                alt,
                source: source.clone(),
            });
        }
    }

    /// A role's dependencies and its own defaults and vars, read once per role: a role is
    /// pushed for every play that lists it, every file of every role those plays use and
    /// every dependant (kubespray: ~600 times for `kubespray_defaults`).
    fn role_statics(&self, role: &Path) -> Arc<RoleStatics> {
        let slot = {
            let mut cache = self.role_statics.lock().unwrap_or_else(|e| e.into_inner());
            cache.entry(role.to_path_buf()).or_default().clone()
        };
        slot.get_or_init(|| {
            let mut deps = Vec::new();
            if let Some(meta) = self.role_file(role, "meta", "main")
                && let Ok(loaded) = self.load(&meta)
                && let Some(list) = loaded.root().and_then(|r| r.get("dependencies"))
            {
                for dep in play::role_refs(list) {
                    if let Some(dir) = self.find_role(&dep.name, &meta) {
                        deps.push(dir);
                    }
                }
            }
            let mut vars = Vec::new();
            for (sub, level) in [("defaults", Level::RoleDefaults), ("vars", Level::RoleVars)] {
                for source in self.vars_sources(&role.join(sub).join("main")) {
                    vars.push((level, source));
                }
            }
            Arc::new(RoleStatics { deps, vars })
        })
        .clone()
    }

    /// What a role's task files set at run time, as fallback layers ([`Scope::push_fallback`]:
    /// consulted for variables no static source defines; each a candidate, since the task may
    /// not run):
    /// its `set_fact` tasks, and the files its `include_vars` tasks load (visible to the rest
    /// of the play, so to included task files too). A role that computes a value once
    /// (`include_vars: "{{ ansible_os_family }}.yml"`, then `set_fact: repo_key_url: "{{
    /// __repo_key_url }}"` in `tasks/main.yml`, used in an included `setup-Debian.yml`) is
    /// resolved through them. Left out of `set_fact`: `cacheable`, free-form `key=value`
    /// arguments, and values that read the variable they set (accumulators like `pkgs: "{{
    /// pkgs + [x] }}"`, whose value depends on the order of the tasks). Computed once per role.
    fn push_role_runtime_vars(&self, scope: &mut Scope, role: &Path) {
        let slot = {
            let mut cache = self
                .role_runtime_vars
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            cache.entry(role.to_path_buf()).or_default().clone()
        };
        let layers = slot.get_or_init(|| self.role_runtime_layers(role));
        for layer in layers {
            scope.push_fallback(Layer {
                conditional: true,
                ..layer.clone()
            });
        }
    }

    fn role_runtime_layers(&self, role: &Path) -> Vec<Layer> {
        let walker = ignore::WalkBuilder::new(role.join("tasks"))
            .standard_filters(false)
            .follow_links(false)
            .max_depth(Some(8))
            .build();
        let mut files: Vec<PathBuf> = walker
            .filter_map(Result::ok)
            .map(ignore::DirEntry::into_path)
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
            .collect();
        files.sort();
        // include_vars names are resolved with the role's own defaults and vars.
        let mut base = Scope::new();
        self.push_role(&mut base, role, None, &mut HashSet::new());
        let start = base.layers().len();
        let mut out = Vec::new();
        for file in files {
            // Most task files set nothing: a text check spares parsing them a second time
            // (the lint parses them itself).
            let sets_vars = std::fs::read(&file).is_ok_and(|text| {
                memchr::memmem::find(&text, b"set_fact").is_some()
                    || memchr::memmem::find(&text, b"include_vars").is_some()
            });
            if !sets_vars {
                continue;
            }
            let Ok(loaded) = self.load(&file) else {
                continue;
            };
            let Some(root) = loaded.root() else { continue };
            let mut scope = base.clone();
            let list = task::task_list(root, &loaded.text);
            for t in &list.tasks {
                self.apply_include_vars(&mut scope, &file, t);
                if t.module
                    .as_ref()
                    .is_none_or(|m| m.fqcn != "ansible.builtin.set_fact")
                {
                    continue;
                }
                let pairs: Vec<(&str, &Node)> = t
                    .args
                    .iter()
                    .filter(|a| a.origin != task::ArgOrigin::FreeForm && a.key != "cacheable")
                    .filter_map(|a| Some((a.key.as_str(), a.value.node()?)))
                    .filter(|(k, v)| !reads_itself(k, v))
                    .collect();
                if !pairs.is_empty() {
                    scope.push(Layer {
                        level: Level::SetFact,
                        conditional: true,
                        target: None,
                        env: None,
                        alt: None,
                        source: Arc::new(VarsSource::from_pairs(loaded.path.clone(), pairs)),
                    });
                }
            }
            out.extend(scope.layers()[start..].iter().cloned());
        }
        out
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

/// Most vars files one templated `include_vars` path stands for.
const MAX_VARS_CANDIDATES: usize = 32;

/// The file names an `include_vars` task may load, in the order Ansible tries them: the
/// items of `with_first_found` (or the `files` of its mapping form, joined with each of its
/// `paths`) when the target is the loop variable, the files of `lookup('first_found', ...)`
/// (literal names, or a variable of the task's `vars:` holding a list or `files`/`paths`), else
/// the target itself. Names may still hold templates.
fn include_vars_candidates(task: &task::Task<'_>, inc: &Include<'_>) -> Vec<String> {
    if let Some(lp) = &task.loop_
        && lp.keyword == "with_first_found"
        && is_just_var(&inc.target, &lp.loop_var)
    {
        return first_found_terms(lp.value);
    }
    if let Some(args) = first_found_call(&inc.target) {
        let mut out = Vec::new();
        for arg in args {
            if let Some(lit) = quoted(&arg) {
                out.push(lit.to_string());
            } else if let Some(node) = task.node.get("vars").and_then(|v| v.get(arg.trim())) {
                out.extend(first_found_terms(node));
            }
        }
        return out;
    }
    vec![inc.target.clone()]
}

/// Terms of a `first_found` lookup as YAML: a name, a list of names and mappings, or a
/// mapping of `files` (and `paths`, each file joined to each path, paths first).
fn first_found_terms(node: &Node) -> Vec<String> {
    if let Some(s) = node.as_str() {
        return vec![s.to_string()];
    }
    if let Some(items) = node.as_seq() {
        return items.iter().flat_map(first_found_terms).collect();
    }
    let strings = |key: &str| -> Vec<String> {
        match node.get(key) {
            Some(n) => match n.as_seq() {
                Some(items) => items
                    .iter()
                    .filter_map(Node::as_str)
                    .map(str::to_string)
                    .collect(),
                // `files: a.yml,b.yml` is split on commas (and `paths` on `:` and `,`).
                None => n
                    .as_str()
                    .map(|s| {
                        s.split([',', ';'])
                            .map(|p| p.trim().to_string())
                            .filter(|p| !p.is_empty())
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            None => Vec::new(),
        }
    };
    let files = strings("files");
    let paths = strings("paths");
    if paths.is_empty() {
        return files;
    }
    let mut out = Vec::new();
    for path in &paths {
        for file in &files {
            out.push(format!("{}/{file}", path.trim_end_matches('/')));
        }
    }
    out
}

/// Whether `text` is exactly `{{ var }}`.
fn is_just_var(text: &str, var: &str) -> bool {
    jinja::single_expression(text) == Some(var)
}

/// The arguments after the plugin name of `{{ lookup('first_found', ...) }}` (or `query`,
/// `q`), as source text split at top-level commas; keyword arguments left out.
fn first_found_call(text: &str) -> Option<Vec<String>> {
    let inner = jinja::single_expression(text)?;
    let rest = ["lookup(", "query(", "q("]
        .iter()
        .find_map(|p| inner.strip_prefix(p))?
        .strip_suffix(')')?;
    let mut args = Vec::new();
    let mut depth = 0usize;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    for c in rest.chars() {
        match (quote, c) {
            (Some(q), _) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[' | '{') => depth += 1,
            (None, ')' | ']' | '}') => depth = depth.saturating_sub(1),
            (None, ',') if depth == 0 => {
                args.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    args.push(current);
    let mut args = args.into_iter().map(|a| a.trim().to_string());
    let plugin = args.next()?;
    if !matches!(
        quoted(&plugin),
        Some("first_found" | "ansible.builtin.first_found")
    ) {
        return None;
    }
    Some(
        args.filter(|a| {
            // `errors='ignore'`, `skip=True`: keyword arguments.
            !a.split_once('=')
                .is_some_and(|(k, _)| k.trim().chars().all(|c| c.is_alphanumeric() || c == '_'))
        })
        .collect(),
    )
}

/// The text of a quoted string literal.
fn quoted(text: &str) -> Option<&str> {
    let text = text.trim();
    ["'", "\""]
        .iter()
        .find_map(|q| text.strip_prefix(q)?.strip_suffix(q))
}

/// The files of `dir` whose names match `file_pattern` (sorted, at most
/// [`MAX_VARS_CANDIDATES`]), leaving out `main` in `role_vars` (loaded as role vars anyway).
/// `dir_part` is only checked for wildcards: a wildcard directory could be anything.
fn glob_dir(
    dir: &Path,
    dir_part: &str,
    file_pattern: &str,
    role_vars: Option<&Path>,
) -> Vec<PathBuf> {
    if dir_part.contains('*') || file_pattern.chars().all(|c| c == '*' || c == '.') {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let in_role_vars = role_vars.is_some_and(|m| same_dir(m, dir));
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| {
            let name = e.file_name().to_str()?.to_string();
            let is_role_main = in_role_vars && strip_vars_ext(&name) == "main";
            (!name.starts_with('.') && !is_role_main && glob_match(file_pattern, &name))
                .then(|| normalize_path(&e.path()))
        })
        .collect();
    found.sort();
    found.truncate(MAX_VARS_CANDIDATES);
    found
}

/// `template` with each `{{ ... }}` and `{% ... %}` replaced by `*`.
fn template_glob(template: &str) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = jinja::find_template_open(rest) {
        out.push_str(&rest[..open]);
        let close_pat = if rest[open..].starts_with("{%") {
            "%}"
        } else {
            "}}"
        };
        let Some(close) = rest[open..].find(close_pat) else {
            rest = "";
            out.push('*');
            break;
        };
        if !out.ends_with('*') {
            out.push('*');
        }
        rest = &rest[open + close + 2..];
    }
    out.push_str(rest);
    out
}

/// Whether `name` matches `pattern`, where `*` matches any run of characters.
fn glob_match(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || !name[first.len()..].ends_with(last) {
        return false;
    }
    let mut pos = first.len();
    let end = name.len() - last.len();
    for part in &parts[1..parts.len() - 1] {
        match name[pos..end].find(part) {
            Some(i) => pos += i + part.len(),
            None => return false,
        }
    }
    true
}

/// Whether a `set_fact` value reads the variable it sets (anywhere inside it).
fn reads_itself(name: &str, value: &Node) -> bool {
    match &value.kind {
        fleetpin_yaml::NodeKind::Scalar(sc) => {
            jinja::has_template(&sc.value)
                && jinja::parse_template(&sc.value)
                    .iter()
                    .any(|part| match part {
                        jinja::Part::Expr(e, _) => {
                            let mut vars = Vec::new();
                            e.variables(&mut vars);
                            vars.iter().any(|v| v == name)
                        }
                        // A construct fleetpin does not parse: assume it may.
                        jinja::Part::Unsupported(text) => text.contains(name),
                        jinja::Part::Text(_) => false,
                    })
        }
        fleetpin_yaml::NodeKind::Seq(items) => items.iter().any(|i| reads_itself(name, i)),
        fleetpin_yaml::NodeKind::Map(entries) => entries.iter().any(|(_, v)| reads_itself(name, v)),
        fleetpin_yaml::NodeKind::Null => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templated_names_become_globs() {
        assert_eq!(template_glob("{{ ansible_os_family }}.yml"), "*.yml");
        assert_eq!(
            template_glob(
                "{{ ansible_distribution }}-{{ ansible_distribution_major_version }}.yml"
            ),
            "*-*.yml"
        );
        assert!(glob_match("*.yml", "Suse.yml"));
        assert!(glob_match("*-*.yml", "Debian-12.yml"));
        assert!(!glob_match("*-*.yml", "Debian.yml"));
        assert!(glob_match("os_*.yml", "os_RedHat.yml"));
        assert!(!glob_match("os_*.yml", "RedHat.yml"));
    }

    #[test]
    fn first_found_arguments() {
        assert_eq!(
            first_found_call("{{ lookup('first_found', params) }}"),
            Some(vec!["params".to_string()])
        );
        assert_eq!(
            first_found_call("{{ query('first_found', 'a.yml', \"b.yml\", errors='ignore') }}"),
            Some(vec!["'a.yml'".to_string(), "\"b.yml\"".to_string()])
        );
        assert_eq!(first_found_call("{{ lookup('env', 'X') }}"), None);
    }
}
