//! The package tasks of an Ansible project, play by play, read with the project model lint
//! uses (`fleetpin-ansible`): `apt` under any spelling and `package`, their names (lists,
//! loops, templates resolved through role defaults, group_vars and play vars), `state`,
//! `upgrade`, `install_recommends`, and each play's `hosts:` and `serial:`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fleetpin_ansible::{ModuleKind, PackageManager, Project, Resolution, Scope, Task, Value};
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

fn package_task(scope: &Scope, task: &Task<'_>, src: &str, file: &Path) -> Option<PackageTask> {
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
    })
}

fn tasks_of_file(
    project: &Project,
    path: &Path,
    out: &mut Vec<PackageTask>,
    errors: &mut Vec<Error>,
) {
    let loaded = match project.load(path) {
        Ok(l) => l,
        Err(e) => {
            errors.push(Error::Input {
                path: path.to_path_buf(),
                line: 0,
                message: e.to_string(),
            });
            return;
        }
    };
    let Some(root) = loaded.root() else { return };
    let scope = project.file_scope(path);
    let file: Arc<Path> = Arc::from(path);
    for task in fleetpin_ansible::task_list(root, &loaded.text).tasks {
        let s = scope.with_task(&task, &file);
        if let Some(t) = package_task(&s, &task, &loaded.text, path) {
            out.push(t);
        }
    }
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
        let file: Arc<Path> = Arc::from(f.as_path());
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
            let mut tasks = Vec::new();
            let direct = |list: &fleetpin_ansible::TaskList<'_>, tasks: &mut Vec<PackageTask>| {
                for task in &list.tasks {
                    let s = scope.with_task(task, &file);
                    if let Some(t) = package_task(&s, task, &loaded.text, &f) {
                        tasks.push(t);
                    }
                }
            };
            direct(&play.pre_tasks, &mut tasks);
            for role in &play.roles {
                let Some(dir) = project.find_role(&role.name, &f) else {
                    continue;
                };
                if let Some(main) = fleetpin_ansible::project::role_file(&dir, "tasks", "main") {
                    tasks_of_file(&project, &main, &mut tasks, &mut errors);
                }
            }
            direct(&play.tasks, &mut tasks);
            direct(&play.post_tasks, &mut tasks);
            if tasks.is_empty() {
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
                tasks,
            });
        }
    }
    (plays, errors)
}

/// The apt operations the package tasks of these plays run on a host, in order, for the live
/// source (`apt-get -s` over SSH, `fleetpin_fleet::simulate::live`): `state: latest` is
/// `install`, `present` is `install --no-upgrade` (a `name=VER` spec is installed at that
/// version, so without it), `upgrade:` is `upgrade --with-new-pkgs` or `dist-upgrade`.
/// Names fleetpin could not resolve statically are left out (they are in `unresolved`).
pub fn operations(
    plays: &[PlaySpec],
    which: &[usize],
    no_install_recommends: bool,
) -> Vec<fleetpin_fleet::simulate::Operation> {
    use fleetpin_fleet::simulate::{AptOptions, Operation, UpgradeMode};
    let mut ops = Vec::new();
    for t in which.iter().flat_map(|&i| plays[i].tasks.iter()) {
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
