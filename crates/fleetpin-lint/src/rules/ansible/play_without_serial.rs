//! ANS009 play-without-serial.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds plays that install or upgrade packages, or restart `docker`/`containerd`, on
    /// their hosts without `serial:` (or with `serial: 100%`, or `serial` equal to "all").
    /// Roles and included task files the play runs count as the play's own tasks. Plays on
    /// `localhost`, plays on one host (`hosts: managers[0]`,
    /// `hosts: "{{ groups['managers'][0] }}"`) and Molecule scenarios (`molecule/`) are exempt.
    ///
    /// ## Why is this bad?
    /// Without `serial`, Ansible runs each task on every host of the play at once. One bad
    /// package version or one restart that does not come back takes down every node together:
    /// the whole Swarm, not one canary.
    ///
    /// ## Example
    /// ```yaml
    /// - hosts: swarm_nodes
    ///   roles:
    ///     - docker
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - hosts: swarm_nodes
    ///   serial: [1, "25%"]
    ///   max_fail_percentage: 0
    ///   roles:
    ///     - docker
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: the right batch size depends on the fleet.
    ///
    /// ## References
    /// - [Ansible: setting the batch size with `serial`](https://docs.ansible.com/ansible/latest/playbook_guide/playbooks_strategies.html#setting-the-batch-size-with-serial)
    pub struct PlayWithoutSerial {
        code: "ANS009",
        name: "play-without-serial",
        summary: "Play changes packages or restarts the container runtime on all hosts at once",
        severity: Warning,
        opt_in: false,
    }
}

use std::path::Path;

use fleetpin_ansible::{ModuleKind, Play, Task};
use fleetpin_yaml::Node;

use crate::checker::Checker;

/// What a play does that needs batches.
struct Change {
    what: String,
    /// Range in the checked file, when the task is in it.
    range: Option<std::ops::Range<usize>>,
}

/// Units whose restart stops every container on the host.
const CONTAINER_RUNTIME: &[&str] = &["docker", "containerd", "dockerd"];

/// Whether `task` changes packages or restarts the container runtime.
pub(crate) fn task_change(task: &Task<'_>) -> Option<String> {
    let module = task.module.as_ref()?;
    match task.kind() {
        ModuleKind::Package(pm) => {
            let state = pm
                .state_arg
                .and_then(|k| task.arg(k))
                .and_then(|a| a.value.as_str().map(str::to_owned))
                .unwrap_or_else(|| pm.default_state.to_owned());
            let installs = pm.latest_states.contains(&state.as_str())
                || pm.present_states.contains(&state.as_str())
                || fleetpin_ansible::jinja::has_template(&state);
            let upgrades = pm.upgrade_args.iter().any(|u| {
                let arg = match u {
                    fleetpin_ansible::module::UpgradeArg::Mode { arg, .. } => arg,
                    fleetpin_ansible::module::UpgradeArg::Bool(arg) => arg,
                };
                task.arg(arg)
                    .is_some_and(|a| a.value.as_bool() != Some(false))
            });
            (installs && task.arg_any(pm.name_args).is_some() || upgrades)
                .then(|| format!("`{}` changes packages", module.short))
        }
        ModuleKind::Service => {
            let name = task
                .arg("name")
                .and_then(|a| a.value.as_str().map(str::to_owned))?;
            let state = task
                .arg("state")
                .and_then(|a| a.value.as_str().map(str::to_owned))
                .unwrap_or_default();
            let runtime = CONTAINER_RUNTIME.iter().any(|r| {
                name == *r || name == format!("{r}.service") || name == format!("{r}.socket")
            });
            (runtime && matches!(state.as_str(), "restarted" | "reloaded" | "stopped"))
                .then(|| format!("`{}` {state} `{name}`", module.short))
        }
        ModuleKind::Shell(_) => {
            let line = task.command_line()?.value.as_str()?.to_owned();
            let a = fleetpin_shell::analyze(&line, &fleetpin_shell::NoVars);
            if !a.installs.is_empty() || !a.upgrades.is_empty() {
                Some(format!("`{}` changes packages", module.short))
            } else if a
                .services
                .iter()
                .any(|s| s.interrupts() && s.unit_names().any(|u| CONTAINER_RUNTIME.contains(&u)))
            {
                Some(format!("`{}` restarts the container runtime", module.short))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Whether a role changes packages: its `tasks/main.yml` and every task file it includes
/// statically (found and cached by the Ansible project).
fn role_change(
    project: Option<&fleetpin_ansible::Project>,
    playbook: &Path,
    role: &str,
) -> Option<String> {
    let project = project?;
    let dir = project.find_role(role, playbook)?;
    let main = project.role_file(&dir, "tasks", "main")?;
    for file in project.follow_includes(&main) {
        let Ok(loaded) = project.load(&file) else {
            continue;
        };
        for doc in &loaded.docs {
            let list = fleetpin_ansible::task_list(&doc.root, &loaded.text);
            if let Some(what) = list.tasks.iter().find_map(task_change) {
                return Some(format!("{what} in role `{role}`"));
            }
        }
    }
    None
}

fn is_local_only(hosts: Option<&Node>) -> bool {
    hosts
        .and_then(Node::as_str)
        .is_some_and(|h| matches!(h.trim(), "localhost" | "127.0.0.1" | "::1"))
}

/// Whether a play's `hosts:` names one host: a single pattern subscripted with one index
/// (`managers[0]`, `swarm[-1]`, `db[2:2]`), or a template picking one member of a group
/// (`{{ groups['managers'][0] }}`, `{{ groups.managers | first }}`). Batches of one host
/// change nothing.
fn is_one_host(hosts: Option<&Node>) -> bool {
    let Some(h) = hosts.and_then(Node::as_str).map(str::trim) else {
        return false;
    };
    let index = |inner: &str| -> bool {
        let inner = inner.trim();
        match inner.split_once(':') {
            Some((a, b)) => a.trim() == b.trim() && a.trim().parse::<i64>().is_ok(),
            None => inner.parse::<i64>().is_ok(),
        }
    };
    if let Some(expr) = fleetpin_ansible::jinja::single_expression(h) {
        if !expr.starts_with("groups") {
            return false;
        }
        if let Some(rest) = expr
            .strip_suffix("| first")
            .or_else(|| expr.strip_suffix("|first"))
        {
            return !rest.contains('|');
        }
        return expr
            .strip_suffix(']')
            .and_then(|r| r.rsplit_once('['))
            .is_some_and(|(_, i)| index(i));
    }
    if h.contains([',', '&', '!']) || fleetpin_ansible::jinja::has_template(h) {
        return false;
    }
    h.strip_suffix(']')
        .and_then(|r| r.split_once('['))
        .is_some_and(|(group, i)| !group.is_empty() && index(i))
}

/// Whether `serial` lets every host run at once.
fn serial_is_all(serial: &Node) -> Option<bool> {
    let first = match serial.as_seq() {
        Some(items) => items.first()?,
        None => serial,
    };
    let s = first.as_str()?.trim();
    if fleetpin_ansible::jinja::has_template(s) {
        return None;
    }
    Some(s == "100%" || s == "0" || s.eq_ignore_ascii_case("all"))
}

/// Checks one play.
pub(crate) fn check(checker: &mut Checker<'_>, play: &Play<'_>) {
    let rule = PlayWithoutSerial::RULE;
    if !checker.enabled(&rule) || is_local_only(play.hosts) || is_one_host(play.hosts) {
        return;
    }
    // Molecule scenarios run against throwaway test instances, not a fleet.
    if checker
        .source_path
        .components()
        .any(|c| c.as_os_str() == "molecule")
    {
        return;
    }
    if play.node.get("connection").and_then(Node::as_str) == Some("local") {
        return;
    }
    let serial_all = match play.serial {
        None => true,
        Some(s) => match serial_is_all(s) {
            Some(all) => all,
            None => return,
        },
    };
    if !serial_all {
        return;
    }
    let mut change: Option<Change> = play.all_tasks().find_map(|t| {
        task_change(t).map(|what| Change {
            what,
            range: t.module.as_ref().map(|m| m.span.clone()),
        })
    });
    if change.is_none() {
        for r in &play.roles {
            if let Some(what) = role_change(checker.project, &checker.source_path, &r.name) {
                change = Some(Change {
                    what,
                    range: Some(r.span.clone()),
                });
                break;
            }
        }
    }
    if change.is_none() {
        for t in play.all_tasks() {
            if let Some(inc) = t.include()
                && inc.kind.is_role()
                && !inc.is_templated()
                && let Some(what) = role_change(checker.project, &checker.source_path, &inc.target)
            {
                change = Some(Change {
                    what,
                    range: Some(inc.span.clone()),
                });
                break;
            }
        }
    }
    let Some(change) = change else { return };
    let hosts = play.hosts.and_then(Node::as_str).unwrap_or("its hosts");
    let (range, how) = match play.serial {
        Some(s) => (
            checker.node_range(s),
            "`serial` lets every host run at once",
        ),
        None => (
            play.hosts
                .map_or(play.node.span.clone(), |h| checker.node_range(h)),
            "it has no `serial:`",
        ),
    };
    let mut d = checker
        .diagnostic(
            &rule,
            range,
            format!(
                "play on `{hosts}` changes every host at once ({how}): {}",
                change.what
            ),
        )
        .with_help("roll out in batches: `serial: [1, \"25%\"]` with `max_fail_percentage: 0`");
    if let Some(r) = change.range {
        d = d.with_secondary(
            checker.span(r),
            "changes packages or the container runtime here",
        );
    }
    checker.report(d);
}
