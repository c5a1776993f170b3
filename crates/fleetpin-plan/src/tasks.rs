//! The package tasks of an Ansible project, play by play, read with the project model lint
//! uses (`fleetpin-ansible`): `apt` under any spelling and `package`, their names (lists,
//! loops, templates resolved through role defaults, group_vars and play vars), `state`,
//! `upgrade`, `install_recommends`, and each play's `hosts:` and `serial:`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use fleetpin_ansible::{
    Binding, IncludeKind, ModuleKind, PackageManager, Project, Resolution, Scope, Task, Value,
};
use fleetpin_fleet::HostFacts;
use serde::Serialize;

use crate::Error;

/// What a package task asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskKind {
    /// `state: latest`: every name to its candidate.
    Latest,
    /// `state: present` (the default): names not installed yet (or `name=VER` not at VER).
    Present,
    /// `upgrade: yes|safe` (`apt-get upgrade --with-new-pkgs`), or `name: "*"` with
    /// `state: latest`.
    UpgradeSafe,
    /// `upgrade: dist|full` (`apt-get dist-upgrade`).
    UpgradeDist,
}

/// One package task.
#[derive(Debug, Clone, Serialize)]
pub struct PackageTask {
    /// The task's `name:` (or the module).
    pub name: String,
    /// The file and 1-based line of the task.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// What it does.
    pub kind: TaskKind,
    /// Package names (`name` or `name=VER`).
    pub packages: Vec<String>,
    /// `install_recommends` (None: the OS default, which installs them).
    pub install_recommends: Option<bool>,
    /// `update_cache`.
    pub update_cache: bool,
    /// Names that could not be resolved statically (facts, extra vars).
    pub unresolved: Vec<String>,
    /// `when:` conditions, outermost first (the include or role entry that brought the task
    /// in, its blocks', its own); all must hold for the task to run.
    #[serde(rename = "when", skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
}

/// One condition of a task, with the variables visible where it is written.
#[derive(Debug, Clone)]
pub struct Condition {
    /// The condition as written (a `when:` expression), or, for a file chosen by a templated
    /// include, `TEMPLATE renders FILE`.
    pub text: String,
    test: Test,
    scope: Scope,
}

#[derive(Debug, Clone)]
enum Test {
    /// A `when:` expression.
    When,
    /// A templated include target (`setup-{{ ansible_os_family }}.yml`) renders this target.
    Renders { template: String, target: String },
}

impl Serialize for Condition {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl Condition {
    fn of(node: &fleetpin_yaml::Node, scope: &Scope) -> Vec<Condition> {
        let texts: Vec<&str> = match node.as_seq() {
            Some(items) => items.iter().filter_map(|i| i.as_str()).collect(),
            None => node.as_str().into_iter().collect(),
        };
        texts
            .into_iter()
            .filter(|t| !t.trim().is_empty())
            .map(|t| Condition {
                text: t.trim().to_string(),
                test: Test::When,
                scope: scope.clone(),
            })
            .collect()
    }

    /// `Some(b)` when the condition is decided in `scope`, `None` when it is not.
    fn decide(&self, scope: &Scope) -> Option<bool> {
        match &self.test {
            Test::When => fleetpin_ansible::jinja::decide(&self.text, scope),
            Test::Renders { template, target } => {
                let mut truth = None;
                for o in fleetpin_ansible::jinja::eval_template(template, scope, 0) {
                    let t = o.ok()?.0.as_str()? == target;
                    if truth.is_some_and(|seen| seen != t) {
                        return None;
                    }
                    truth = Some(t);
                }
                truth
            }
        }
    }
}

impl PackageTask {
    /// The first of the task's conditions that is false on this host (its facts bound as
    /// Ansible's `ansible_*` facts, `inventory_hostname` and `group_names`), or `None` when the
    /// task runs, or may run.
    pub fn skipped_by(
        &self,
        host: &str,
        groups: &[String],
        facts: Option<&HostFacts>,
    ) -> Option<&str> {
        if self.conditions.is_empty() {
            return None;
        }
        let bindings = fact_bindings(host, groups, facts);
        self.conditions
            .iter()
            .find(|c| {
                let scope = c.scope.with_bindings(bindings.iter().cloned());
                c.decide(&scope) == Some(false)
            })
            .map(|c| c.text.as_str())
    }
}

/// The facts of a host as Ansible names them, for `when:` conditions. Only what the facts
/// really say: a fact fleetpin does not know stays undefined (and a condition on it
/// undecided).
fn fact_bindings(host: &str, groups: &[String], facts: Option<&HostFacts>) -> Vec<Binding> {
    let mut facts_map: Vec<(&str, String)> = Vec::new();
    if let Some(f) = facts {
        if let Some(os) = &f.os {
            let (family, distribution) = os_names(&os.id);
            if let Some(family) = family {
                facts_map.push(("os_family", family.to_string()));
            }
            if let Some(d) = distribution {
                facts_map.push(("distribution", d.to_string()));
            }
            if let Some(c) = &os.version_codename {
                facts_map.push(("distribution_release", c.clone()));
            }
            if let Some(v) = &os.version_id {
                facts_map.push(("distribution_version", v.clone()));
                let major = v.split('.').next().unwrap_or(v);
                facts_map.push(("distribution_major_version", major.to_string()));
            }
        }
        if let Some(k) = &f.kernel {
            facts_map.push(("kernel", k.clone()));
        }
        if let Some(a) = f.native_arch.as_deref().and_then(machine_of) {
            facts_map.push(("architecture", a.to_string()));
        }
        if f.package_manager == fleetpin_fleet::facts::PackageManager::Dpkg {
            facts_map.push(("pkg_mgr", "apt".to_string()));
        }
    }
    let mut out: Vec<Binding> = facts_map
        .iter()
        .map(|(k, v)| binding(&format!("ansible_{k}"), Value::Str(v.clone())))
        .collect();
    out.push(binding(
        "ansible_facts",
        Value::Map(
            facts_map
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::Str(v)))
                .collect(),
        ),
    ));
    out.push(binding("inventory_hostname", Value::Str(host.to_string())));
    out.push(binding(
        "group_names",
        Value::List(groups.iter().map(|g| Value::Str(g.clone())).collect()),
    ));
    out
}

fn binding(name: &str, value: Value) -> Binding {
    Binding {
        name: name.to_string(),
        value,
        origins: Vec::new(),
    }
}

/// `ansible_os_family` and `ansible_distribution` for an os-release `ID`, as Ansible's
/// distribution facts name them (the common IDs; others stay undefined).
fn os_names(id: &str) -> (Option<&'static str>, Option<&'static str>) {
    match id {
        "debian" => (Some("Debian"), Some("Debian")),
        "ubuntu" => (Some("Debian"), Some("Ubuntu")),
        "raspbian" => (Some("Debian"), Some("Debian")),
        "linuxmint" => (Some("Debian"), Some("Linux Mint")),
        "devuan" => (Some("Debian"), Some("Devuan")),
        "kali" => (Some("Debian"), Some("Kali")),
        "pop" => (Some("Debian"), Some("Pop!_OS")),
        "rhel" => (Some("RedHat"), Some("RedHat")),
        "centos" => (Some("RedHat"), Some("CentOS")),
        "rocky" => (Some("RedHat"), Some("Rocky")),
        "almalinux" => (Some("RedHat"), Some("AlmaLinux")),
        "ol" => (Some("RedHat"), Some("OracleLinux")),
        "fedora" => (Some("RedHat"), Some("Fedora")),
        "amzn" => (Some("RedHat"), Some("Amazon")),
        "opensuse-leap" | "opensuse-tumbleweed" | "sles" => (Some("Suse"), None),
        "alpine" => (Some("Alpine"), Some("Alpine")),
        "arch" => (Some("Archlinux"), Some("Archlinux")),
        _ => (None, None),
    }
}

/// `ansible_architecture` (the kernel's machine name) for a dpkg architecture.
fn machine_of(dpkg_arch: &str) -> Option<&'static str> {
    Some(match dpkg_arch {
        "amd64" => "x86_64",
        "arm64" => "aarch64",
        "i386" => "i386",
        "armhf" => "armv7l",
        "ppc64el" => "ppc64le",
        "s390x" => "s390x",
        "riscv64" => "riscv64",
        _ => return None,
    })
}

/// A play with package tasks.
#[derive(Debug, Clone, Serialize)]
pub struct PlaySpec {
    /// The play's name (or its `hosts:`).
    pub name: String,
    /// The playbook.
    pub file: PathBuf,
    /// The `hosts:` pattern.
    pub hosts: String,
    /// `serial:` values (`2`, `30%`; a list is batch by batch); empty when not set.
    pub serial: Vec<String>,
    /// Its package tasks, in run order (pre_tasks, roles, tasks, post_tasks).
    pub tasks: Vec<PackageTask>,
    /// Includes and roles fleetpin could not follow (a templated or missing target), as
    /// `file:line target`: their package tasks are not in the plan.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub not_followed: Vec<String>,
}

fn node_text(n: &fleetpin_yaml::Node) -> Option<String> {
    if let Some(s) = n.as_str() {
        return Some(s.to_string());
    }
    n.as_seq().map(|items| {
        items
            .iter()
            .filter_map(|i| i.as_str())
            .collect::<Vec<_>>()
            .join(",")
    })
}

fn values(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Str(s) => out.extend(
            s.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        ),
        Value::List(items) => items.iter().for_each(|i| values(i, out)),
        _ => {}
    }
}

/// Resolves a task argument to strings; unresolvable parts go to `unresolved`.
fn resolve(
    scope: &Scope,
    task: &Task<'_>,
    text: &str,
    out: &mut Vec<String>,
    unresolved: &mut Vec<String>,
) {
    for (r, _) in scope.resolve_in_task(task, text) {
        collect(r, text, out, unresolved);
    }
}

fn collect(r: Resolution, text: &str, out: &mut Vec<String>, unresolved: &mut Vec<String>) {
    match r {
        Resolution::Literal(s) => values(&Value::Str(s), out),
        Resolution::Resolved { value, .. } => values(&value, out),
        Resolution::Multiple(all) => {
            // Different hosts get different values: plan the first, say so.
            if let Some(first) = all.into_iter().next() {
                collect(first, text, out, unresolved);
            }
        }
        Resolution::Unresolved { .. } => unresolved.push(text.to_string()),
    }
}

fn arg_strings(
    scope: &Scope,
    task: &Task<'_>,
    src: &str,
    key: &[&str],
) -> (Vec<String>, Vec<String>) {
    let mut out = Vec::new();
    let mut unresolved = Vec::new();
    if let Some(a) = task.arg_any(key) {
        for (item, _) in a.value.list_items(src) {
            resolve(scope, task, &item, &mut out, &mut unresolved);
        }
        if out.is_empty()
            && unresolved.is_empty()
            && let Some(s) = a.value.as_str()
        {
            resolve(scope, task, s, &mut out, &mut unresolved);
        }
    }
    (out, unresolved)
}

fn package_task(
    scope: &Scope,
    task: &Task<'_>,
    src: &str,
    file: &Path,
    inherited: &[Condition],
) -> Option<PackageTask> {
    let ModuleKind::Package(pm) = task.kind() else {
        return None;
    };
    if !matches!(pm.manager, PackageManager::Apt | PackageManager::Generic) {
        return None;
    }
    let line = fleetpin_yaml::line_col(src, task.span().start).0;
    let (names, mut unresolved) = arg_strings(scope, task, src, pm.name_args);
    let (state, u2) = arg_strings(scope, task, src, &["state"]);
    unresolved.extend(u2);
    let state = state.first().map_or("present", String::as_str).to_string();
    let (upgrade, u3) = arg_strings(scope, task, src, &["upgrade"]);
    unresolved.extend(u3);
    let bool_arg = |k: &str| {
        let (v, _) = arg_strings(scope, task, src, &[k, &k.replace('_', "-")]);
        v.first()
            .map(|s| matches!(s.to_ascii_lowercase().as_str(), "yes" | "true" | "1" | "on"))
    };
    let install_recommends = bool_arg("install_recommends");
    let update_cache = bool_arg("update_cache").unwrap_or(false);
    let upgrade = upgrade.first().map(|s| s.to_ascii_lowercase());
    let kind = match upgrade.as_deref() {
        Some("dist" | "full") => TaskKind::UpgradeDist,
        Some("yes" | "true" | "safe") => TaskKind::UpgradeSafe,
        _ if names.iter().any(|n| n == "*") && state == "latest" => TaskKind::UpgradeSafe,
        _ if names.is_empty() => return None,
        _ => match state.as_str() {
            "latest" => TaskKind::Latest,
            "present" | "installed" | "fixed" => TaskKind::Present,
            _ => return None,
        },
    };
    Some(PackageTask {
        name: task.name_str().map(str::to_string).unwrap_or_else(|| {
            task.module
                .as_ref()
                .map_or(String::new(), |m| m.written.clone())
        }),
        file: file.to_path_buf(),
        line,
        kind,
        packages: names.into_iter().filter(|n| n != "*").collect(),
        install_recommends,
        update_cache,
        unresolved,
        conditions: inherited
            .iter()
            .cloned()
            .chain(task.when.iter().flat_map(|w| Condition::of(w, scope)))
            .collect(),
    })
}

/// Collects the package tasks of one play in run order, following includes and roles.
struct Walk<'p> {
    project: &'p Project,
    tasks: Vec<PackageTask>,
    errors: Vec<Error>,
    not_followed: Vec<String>,
    /// Task files being read, for include cycles.
    stack: Vec<PathBuf>,
    /// Roles already run in this play (`roles:` and dependencies run once per play).
    roles_run: HashSet<PathBuf>,
}

/// How deep includes may nest (Ansible has no limit; a cycle is caught by `stack` first).
const MAX_INCLUDE_DEPTH: usize = 32;

impl Walk<'_> {
    /// The tasks of `list` (in `file`, whose text is `src`), under `scope`.
    fn list(
        &mut self,
        list: &fleetpin_ansible::TaskList<'_>,
        scope: &Scope,
        file: &Path,
        src: &str,
        inherited: &[Condition],
    ) {
        let arc: Arc<Path> = Arc::from(file);
        for task in &list.tasks {
            let s = scope.with_task(task, &arc);
            if let Some(inc) = task.include() {
                if matches!(
                    inc.kind,
                    IncludeKind::IncludeVars | IncludeKind::ImportPlaybook
                ) {
                    continue;
                }
                let mut conds = inherited.to_vec();
                conds.extend(task.when.iter().flat_map(|w| Condition::of(w, &s)));
                match self.project.resolve_include(file, &inc) {
                    Some(target) => {
                        if matches!(inc.kind, IncludeKind::IncludeRole | IncludeKind::ImportRole)
                            && let Some(role) = self.project.role_of(&target)
                        {
                            self.dependencies(&role, &conds);
                        }
                        self.file(&target, &conds, Some(&s));
                    }
                    None => {
                        let chosen = if matches!(
                            inc.kind,
                            IncludeKind::IncludeTasks
                                | IncludeKind::ImportTasks
                                | IncludeKind::Include
                        ) {
                            templated_targets(self.project, file, &inc.target)
                        } else {
                            Vec::new()
                        };
                        if chosen.is_empty() {
                            self.not_followed.push(format!(
                                "{}:{} {}",
                                file.display(),
                                fleetpin_yaml::line_col(src, task.span().start).0,
                                inc.target
                            ));
                        }
                        // Every file the template may name, each under the condition that
                        // the template renders its name on the host.
                        for (path, target) in chosen {
                            let mut c = conds.clone();
                            c.push(Condition {
                                text: format!("{} renders {target}", inc.target),
                                test: Test::Renders {
                                    template: inc.target.clone(),
                                    target,
                                },
                                scope: s.clone(),
                            });
                            self.file(&path, &c, Some(&s));
                        }
                    }
                }
                continue;
            }
            if let Some(t) = package_task(&s, task, src, file, inherited) {
                self.tasks.push(t);
            }
        }
    }

    /// The tasks of a task file. A file of a role is read with the role's variables; another
    /// file with the scope of the play or file that includes it.
    fn file(&mut self, path: &Path, inherited: &[Condition], including: Option<&Scope>) {
        if self.stack.iter().any(|p| p == path) || self.stack.len() >= MAX_INCLUDE_DEPTH {
            return;
        }
        let loaded = match self.project.load(path) {
            Ok(l) => l,
            Err(e) => {
                self.errors.push(Error::Input {
                    path: path.to_path_buf(),
                    line: 0,
                    message: e.to_string(),
                });
                return;
            }
        };
        let Some(root) = loaded.root() else { return };
        let scope = match including {
            Some(s) if self.project.role_of(path).is_none() => s.clone(),
            _ => self.project.file_scope(path),
        };
        self.stack.push(path.to_path_buf());
        let list = fleetpin_ansible::task_list(root, &loaded.text);
        self.list(&list, &scope, path, &loaded.text, inherited);
        self.stack.pop();
    }

    /// A role of the play's `roles:`: its dependencies, then its `tasks/main.yml`, once.
    fn role(&mut self, dir: &Path, inherited: &[Condition]) {
        if !self.roles_run.insert(dir.to_path_buf()) {
            return;
        }
        self.dependencies(dir, inherited);
        if let Some(main) = fleetpin_ansible::project::role_file(dir, "tasks", "main") {
            self.file(&main, inherited, None);
        }
    }

    /// The roles of `meta/main.yml` `dependencies`, each once per play, before the role.
    fn dependencies(&mut self, dir: &Path, inherited: &[Condition]) {
        let Some(meta) = fleetpin_ansible::project::role_file(dir, "meta", "main") else {
            return;
        };
        let Ok(loaded) = self.project.load(&meta) else {
            return;
        };
        let Some(deps) = loaded.root().and_then(|r| r.get("dependencies")) else {
            return;
        };
        for dep in fleetpin_ansible::play::role_refs(deps) {
            match self.project.find_role(&dep.name, &meta) {
                Some(d) => {
                    let mut conds = inherited.to_vec();
                    let scope = self.project.file_scope(&meta);
                    conds.extend(dep.when.iter().flat_map(|w| Condition::of(w, &scope)));
                    self.role(&d, &conds);
                }
                None => self.not_followed.push(format!(
                    "{}:{} role {}",
                    meta.display(),
                    fleetpin_yaml::line_col(&loaded.text, dep.span.start).0,
                    dep.name
                )),
            }
        }
    }
}

/// The files a templated task-include target may name (`setup-{{ ansible_os_family }}.yml`):
/// the templates may only be in the file name, which is matched against the files of the
/// folders Ansible searches (the role's `tasks/`, the including file's folder, the project
/// root), the first folder with a match winning. Each with the target it stands for.
fn templated_targets(project: &Project, including: &Path, target: &str) -> Vec<(PathBuf, String)> {
    let (dir, name) = match target.rsplit_once('/') {
        Some((d, n)) => (Some(d), n),
        None => (None, target),
    };
    if dir.is_some_and(fleetpin_ansible::jinja::has_template) || target.starts_with('/') {
        return Vec::new();
    }
    let mut pattern = String::from("^");
    for part in fleetpin_ansible::jinja::parse_template(name) {
        match part {
            fleetpin_ansible::jinja::Part::Text(t) => pattern.push_str(&regex::escape(&t)),
            _ => pattern.push_str("[^/]+"),
        }
    }
    pattern.push('$');
    let Ok(re) = regex::Regex::new(&pattern) else {
        return Vec::new();
    };
    let mut folders = Vec::new();
    if let Some(role) = project.role_of(including) {
        folders.push(role.join("tasks"));
        folders.push(role);
    }
    if let Some(parent) = including.parent() {
        folders.push(parent.join("tasks"));
        folders.push(parent.to_path_buf());
    }
    folders.push(project.root().join("tasks"));
    folders.push(project.root().to_path_buf());
    for folder in folders {
        let folder = dir.map_or_else(|| folder.clone(), |d| folder.join(d));
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        let mut found: Vec<(PathBuf, String)> = entries
            .filter_map(Result::ok)
            .filter(|e| e.path().is_file())
            .filter_map(|e| {
                let file = e.file_name().to_str()?.to_string();
                re.is_match(&file).then(|| {
                    let t = dir.map_or_else(|| file.clone(), |d| format!("{d}/{file}"));
                    (e.path(), t)
                })
            })
            .collect();
        if !found.is_empty() {
            found.sort();
            return found;
        }
    }
    Vec::new()
}

/// Playbooks under `paths` (files, or the `*.yml`/`*.yaml` at the top of folders) and their
/// plays with package tasks. Files that do not load are errors (file and line); the others
/// are still read.
pub fn discover(paths: &[PathBuf]) -> (Vec<PlaySpec>, Vec<Error>) {
    let mut plays = Vec::new();
    let mut errors = Vec::new();
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut v: Vec<PathBuf> = std::fs::read_dir(p)
                .map(|rd| {
                    rd.filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|f| {
                            f.is_file() && f.extension().is_some_and(|x| x == "yml" || x == "yaml")
                        })
                        .collect()
                })
                .unwrap_or_default();
            v.sort();
            files.extend(v);
        } else if p.exists() {
            files.push(p.clone());
        } else {
            errors.push(Error::Io {
                path: p.clone(),
                message: "no such file or folder".into(),
            });
        }
    }
    for f in files {
        let project = Project::discover(&f);
        let loaded = match project.load(&f) {
            Ok(l) => l,
            Err(e) => {
                errors.push(Error::Input {
                    path: f.clone(),
                    line: 0,
                    message: e.to_string(),
                });
                continue;
            }
        };
        let Some(root) = loaded.root() else { continue };
        if !fleetpin_ansible::looks_like_playbook(root) {
            continue;
        }
        let book = fleetpin_ansible::playbook(root, &loaded.text);
        for play in book.plays() {
            let hosts = play.hosts.and_then(node_text).unwrap_or_default();
            let serial = play
                .serial
                .map(|n| match n.as_seq() {
                    Some(items) => items
                        .iter()
                        .filter_map(|i| i.as_str().map(str::to_string))
                        .collect(),
                    None => n.as_str().map(|s| vec![s.to_string()]).unwrap_or_default(),
                })
                .unwrap_or_default();
            let scope = project.play_scope(&f, play);
            let mut walk = Walk {
                project: &project,
                tasks: Vec::new(),
                errors: Vec::new(),
                not_followed: Vec::new(),
                stack: vec![f.clone()],
                roles_run: HashSet::new(),
            };
            walk.list(&play.pre_tasks, &scope, &f, &loaded.text, &[]);
            for role in &play.roles {
                let conds: Vec<Condition> = role
                    .when
                    .iter()
                    .flat_map(|w| Condition::of(w, &scope))
                    .collect();
                match project.find_role(&role.name, &f) {
                    Some(dir) => walk.role(&dir, &conds),
                    None => walk.not_followed.push(format!(
                        "{}:{} role {}",
                        f.display(),
                        fleetpin_yaml::line_col(&loaded.text, role.span.start).0,
                        role.name
                    )),
                }
            }
            walk.list(&play.tasks, &scope, &f, &loaded.text, &[]);
            walk.list(&play.post_tasks, &scope, &f, &loaded.text, &[]);
            errors.append(&mut walk.errors);
            if walk.tasks.is_empty() {
                continue;
            }
            plays.push(PlaySpec {
                name: play
                    .name
                    .and_then(|n| n.as_str())
                    .map_or_else(|| hosts.clone(), str::to_string),
                file: f.clone(),
                hosts,
                serial,
                tasks: walk.tasks,
                not_followed: walk.not_followed,
            });
        }
    }
    (plays, errors)
}

/// The apt operations the package tasks of these plays run on a host, in order, for the live
/// source (`apt-get -s` over SSH, `fleetpin_fleet::simulate::live`): `state: latest` is
/// `install`, `present` is `install --no-upgrade` (a `name=VER` spec is installed at that
/// version, so without it), `upgrade:` is `upgrade --with-new-pkgs` or `dist-upgrade`.
/// Names fleetpin could not resolve statically are left out (they are in `unresolved`), and
/// so are tasks whose `when:` is false on the host (`host`: name, groups and facts).
pub fn operations(
    plays: &[PlaySpec],
    which: &[usize],
    no_install_recommends: bool,
    host: (&str, &[String], Option<&HostFacts>),
) -> Vec<fleetpin_fleet::simulate::Operation> {
    use fleetpin_fleet::simulate::{AptOptions, Operation, UpgradeMode};
    let mut ops = Vec::new();
    let (name, groups, facts) = host;
    for t in which
        .iter()
        .flat_map(|&i| plays[i].tasks.iter())
        .filter(|t| t.skipped_by(name, groups, facts).is_none())
    {
        let options = AptOptions {
            install_recommends: if no_install_recommends {
                Some(false)
            } else {
                t.install_recommends
            },
            ..AptOptions::default()
        };
        match t.kind {
            TaskKind::UpgradeSafe | TaskKind::UpgradeDist => ops.push(Operation::Upgrade {
                mode: if t.kind == TaskKind::UpgradeDist {
                    UpgradeMode::Dist
                } else {
                    UpgradeMode::WithNewPkgs
                },
                options,
            }),
            TaskKind::Latest | TaskKind::Present => {
                let (pinned, plain): (Vec<String>, Vec<String>) =
                    t.packages.iter().cloned().partition(|p| p.contains('='));
                let latest = t.kind == TaskKind::Latest;
                let plain_first = [(plain, !latest), (pinned, false)];
                for (packages, no_upgrade) in plain_first {
                    if !packages.is_empty() {
                        ops.push(Operation::Install {
                            packages,
                            no_upgrade,
                            only_upgrade: false,
                            options: options.clone(),
                        });
                    }
                }
            }
        }
    }
    ops
}
