//! The plan Ansible itself computed: the JSON of
//! `ANSIBLE_STDOUT_CALLBACK=ansible.posix.json ansible-playbook --check --diff site.yml`.
//!
//! In check mode the apt module runs `apt-get --simulate` (`-y`, with the task's options) and
//! returns apt's whole output in `stdout`, and with `--diff` the package lists (from
//! "Reading state information..." to the counts line) in `diff.prepared`. This reads, per
//! host and per apt task (or loop item), that output with `fleetpin_debian::aptsim`: `stdout`
//! when it is there (action lines and lists), else `diff.prepared` (lists only), else nothing
//! to do (the module found every package as asked and ran no apt-get). Hosts that failed a
//! task, were unreachable, or skipped an apt task are named.
//!
//! Shape of the callback's document (ansible.posix `json`): `{"plays": [{"play": {"name"},
//! "tasks": [{"task": {"name", "path"}, "hosts": {HOST: RESULT}}]}], "stats": {HOST: {...}}}`;
//! a loop's RESULT holds one result per item in `results`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use fleetpin_debian::aptsim;
use serde::Deserialize;
use serde_json::Value;

use super::{OutputIssue, Simulation};

/// Where a task's plan was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanSource {
    /// The module's `stdout`: apt's whole output, action lines included.
    Stdout,
    /// Only `diff.prepared`: the lists, without `Inst`/`Remv` lines (versions unknown).
    DiffPrepared,
    /// The module ran no apt-get (nothing to change).
    Nothing,
}

/// A task (and loop item) on a host.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TaskRef {
    /// The play's name (its `hosts:` pattern when it has none).
    pub play: String,
    /// The task's name.
    pub task: String,
    /// `file:line` of the task, when the callback recorded it.
    pub path: Option<String>,
    /// The loop item's label, for a task with a loop.
    pub item: Option<String>,
}

impl std::fmt::Display for TaskRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "play `{}`, task `{}`", self.play, self.task)?;
        if let Some(i) = &self.item {
            write!(f, ", item `{i}`")?;
        }
        Ok(())
    }
}

/// apt's plan for one apt task on one host.
#[derive(Debug, Clone)]
pub struct TaskPlan {
    /// Which task.
    pub task: TaskRef,
    /// The action as written (`apt`, `ansible.builtin.apt`, `package`...).
    pub action: String,
    /// Whether Ansible reported the task as changing the host.
    pub changed: bool,
    /// Whether the task failed (apt refused: a held package, an unknown package...); the
    /// simulation then holds apt's `E:` lines (read from the result's `stderr`; their `line`
    /// counts in stderr).
    pub failed: bool,
    /// Where the plan was read from.
    pub source: PlanSource,
    /// apt's plan.
    pub simulation: Simulation,
    /// Lines that did not parse, with host, task and line.
    pub issues: Vec<OutputIssue>,
}

/// A task that failed, or the host being unreachable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskFailure {
    /// Which task.
    pub task: TaskRef,
    /// The action.
    pub action: String,
    /// Ansible's `msg`, control characters escaped.
    pub message: String,
}

/// The recap line of a host (`stats`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(default)]
pub struct HostStats {
    /// Tasks ok.
    pub ok: u64,
    /// Tasks changed.
    pub changed: u64,
    /// Tasks failed (not ignored).
    pub failures: u64,
    /// Tasks that found the host unreachable.
    pub unreachable: u64,
    /// Tasks skipped.
    pub skipped: u64,
    /// Failures rescued.
    pub rescued: u64,
    /// Failures ignored (`ignore_errors`).
    pub ignored: u64,
}

/// Everything read for one host.
#[derive(Debug, Clone, Default)]
pub struct AnsibleHost {
    /// Inventory host name.
    pub name: String,
    /// apt tasks (and loop items) with their plan, in run order.
    pub tasks: Vec<TaskPlan>,
    /// apt tasks (or items) skipped on this host (`when:` false...).
    pub skipped: Vec<TaskRef>,
    /// Tasks of any module that failed on this host (ignored ones included).
    pub failed: Vec<TaskFailure>,
    /// The task that found the host unreachable (no later task ran there).
    pub unreachable: Option<TaskFailure>,
    /// The recap, when the document has one.
    pub stats: Option<HostStats>,
}

impl AnsibleHost {
    /// Whether Ansible stopped on this host (unreachable, or a failure not ignored): its plan
    /// is incomplete.
    pub fn incomplete(&self) -> bool {
        self.unreachable.is_some()
            || self
                .stats
                .is_some_and(|s| s.failures > 0 || s.unreachable > 0)
    }
}

/// A check-mode run, host by host (sorted by name).
#[derive(Debug, Clone, Default)]
pub struct CheckRun {
    /// The hosts.
    pub hosts: Vec<AnsibleHost>,
}

/// Why a document cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum AnsibleJsonError {
    /// The file could not be read.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        error: std::io::Error,
    },
    /// Not JSON, or not the shape of the json callback's document.
    #[error("{}:{line}:{column}: not an ansible json callback document: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What is wrong.
        message: String,
    },
}

#[derive(Deserialize)]
struct Doc {
    plays: Vec<PlayEntry>,
    #[serde(default)]
    stats: BTreeMap<String, HostStats>,
}

#[derive(Deserialize)]
struct PlayEntry {
    play: Named,
    #[serde(default)]
    tasks: Vec<TaskEntry>,
}

#[derive(Deserialize)]
struct TaskEntry {
    task: Named,
    #[serde(default)]
    hosts: BTreeMap<String, HostResult>,
}

/// The fields of a module result this reads; the rest (`stdout_lines`, the module's
/// arguments...) is skipped while parsing, not kept as a tree, so a large run costs little
/// more memory than its apt output. Every field accepts any JSON type (a module may return
/// `msg` as a list, or `results` as strings): an unexpected type reads as absent.
#[derive(Deserialize, Default)]
#[serde(default)]
struct HostResult {
    #[serde(deserialize_with = "lenient_string")]
    action: Option<String>,
    #[serde(deserialize_with = "lenient_bool")]
    changed: bool,
    #[serde(deserialize_with = "lenient_bool")]
    failed: bool,
    #[serde(deserialize_with = "lenient_bool")]
    skipped: bool,
    #[serde(deserialize_with = "lenient_bool")]
    unreachable: bool,
    msg: Option<Value>,
    #[serde(deserialize_with = "lenient_string")]
    stdout: Option<String>,
    #[serde(deserialize_with = "lenient_string")]
    stderr: Option<String>,
    #[serde(deserialize_with = "prepared")]
    diff: Option<String>,
    #[serde(deserialize_with = "lenient_results")]
    results: Option<Vec<HostResult>>,
    #[serde(rename = "_ansible_item_label")]
    item_label: Option<Value>,
    item: Option<Value>,
    #[serde(deserialize_with = "apt_arguments")]
    invocation: bool,
}

fn lenient_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::String(s) => Some(s),
        _ => None,
    })
}

fn lenient_bool<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(matches!(Value::deserialize(d)?, Value::Bool(true)))
}

/// `diff.prepared`, from `diff` as an object or a list of them.
fn prepared<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let take = |v: Value| match v {
        Value::Object(mut o) => match o.remove("prepared") {
            Some(Value::String(s)) => Some(s),
            _ => None,
        },
        _ => None,
    };
    Ok(match Value::deserialize(d)? {
        Value::Array(a) => a.into_iter().find_map(take),
        v => take(v),
    })
}

fn lenient_results<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Vec<HostResult>>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Array(items) if items.iter().all(Value::is_object) => Some(
            items
                .into_iter()
                .map(|v| serde_json::from_value(v).unwrap_or_default())
                .collect(),
        ),
        _ => None,
    })
}

/// Whether `invocation.module_args` holds the apt module's `dpkg_options` (a `package` task
/// carried out by apt).
fn apt_arguments<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct Invocation {
        module_args: Option<ModuleArgs>,
    }
    #[derive(Deserialize, Default)]
    #[serde(default)]
    struct ModuleArgs {
        dpkg_options: Option<serde::de::IgnoredAny>,
    }
    let inv: Result<Invocation, _> = Invocation::deserialize(d);
    Ok(inv.is_ok_and(|i| i.module_args.is_some_and(|a| a.dpkg_options.is_some())))
}

#[derive(Deserialize)]
struct Named {
    #[serde(default)]
    name: String,
    #[serde(default)]
    path: Option<String>,
}

/// Reads a json callback document from a file.
pub fn read(path: &Path) -> Result<CheckRun, AnsibleJsonError> {
    let text = std::fs::read(path).map_err(|error| AnsibleJsonError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    parse(&text, path)
}

/// Control characters escaped, at most 500 characters: safe to show.
fn clean(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == 500 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Parses a json callback document; `path` names it in errors. Text before the document
/// (warnings when stderr was captured too) is skipped up to the first line starting with `{`.
pub fn parse(text: &[u8], path: &Path) -> Result<CheckRun, AnsibleJsonError> {
    let mut skipped_lines = 0;
    let mut start = 0;
    while start < text.len() && text[start] != b'{' {
        match memchr::memchr(b'\n', &text[start..]) {
            Some(nl) => {
                start += nl + 1;
                skipped_lines += 1;
            }
            None => start = text.len(),
        }
    }
    let doc: Doc = serde_json::from_slice(&text[start..]).map_err(|e| AnsibleJsonError::Json {
        path: path.to_path_buf(),
        line: e.line() + skipped_lines,
        column: e.column(),
        message: e.to_string(),
    })?;
    let file = path.display().to_string();
    let mut hosts: BTreeMap<String, AnsibleHost> = BTreeMap::new();
    for play in &doc.plays {
        for task in &play.tasks {
            for (host, result) in &task.hosts {
                let entry = hosts.entry(host.clone()).or_insert_with(|| AnsibleHost {
                    name: host.clone(),
                    ..AnsibleHost::default()
                });
                let tref = TaskRef {
                    play: clean(&play.play.name),
                    task: clean(&task.task.name),
                    path: task.task.path.as_deref().map(clean),
                    item: None,
                };
                read_result(entry, &tref, result, "", &file);
            }
        }
    }
    for (host, stats) in doc.stats {
        hosts
            .entry(host.clone())
            .or_insert_with(|| AnsibleHost {
                name: host,
                ..AnsibleHost::default()
            })
            .stats = Some(stats);
    }
    Ok(CheckRun {
        hosts: hosts.into_values().collect(),
    })
}

/// `apt` for `apt`, `ansible.builtin.apt` and `ansible.legacy.apt`.
fn short_name(action: &str) -> &str {
    action
        .strip_prefix("ansible.builtin.")
        .or_else(|| action.strip_prefix("ansible.legacy."))
        .unwrap_or(action)
}

/// An apt task: `apt` under any builtin spelling, or `package` carried out by the apt module
/// (its result echoes the apt module's arguments; on dnf hosts it does not).
fn is_apt(action: &str, result: &HostResult) -> bool {
    match short_name(action) {
        "apt" => true,
        "package" => result.invocation,
        _ => false,
    }
}

fn label(v: &Value) -> String {
    match v {
        Value::String(s) => clean(s),
        other => clean(&other.to_string()),
    }
}

/// Reads one result; `parent_action` is the task's action, for loop items that lack one.
fn read_result(
    host: &mut AnsibleHost,
    task: &TaskRef,
    result: &HostResult,
    parent_action: &str,
    file: &str,
) {
    let action = result.action.as_deref().unwrap_or(parent_action);
    let message = || result.msg.as_ref().map(label).unwrap_or_default();
    if result.unreachable {
        host.unreachable = Some(TaskFailure {
            task: task.clone(),
            action: clean(action),
            message: message(),
        });
        return;
    }
    if let Some(items) = &result.results {
        for item in items {
            let t = TaskRef {
                item: item.item_label.as_ref().or(item.item.as_ref()).map(label),
                ..task.clone()
            };
            read_result(host, &t, item, action, file);
        }
        return;
    }
    if result.failed {
        host.failed.push(TaskFailure {
            task: task.clone(),
            action: clean(action),
            message: message(),
        });
    }
    if result.skipped {
        // A skipped result carries no module arguments: a skipped `package` task counts.
        if matches!(short_name(action), "apt" | "package") {
            host.skipped.push(task.clone());
        }
        return;
    }
    if !is_apt(action, result) {
        return;
    }
    let stdout = result.stdout.as_deref().filter(|s| !s.is_empty());
    let (source, text) = match (stdout, result.diff.as_deref()) {
        (Some(s), _) => (PlanSource::Stdout, s),
        (None, Some(p)) => (PlanSource::DiffPrepared, p),
        (None, None) if result.failed => return,
        (None, None) => (PlanSource::Nothing, ""),
    };
    let (mut simulation, errors) = aptsim::parse_simulation(text);
    let what = match source {
        PlanSource::DiffPrepared => "diff.prepared",
        _ => "stdout",
    };
    let origin = format!("{file}: host `{}`, {task}, {what}", clean(&host.name));
    let mut issues: Vec<OutputIssue> = errors
        .into_iter()
        .map(|error| OutputIssue {
            host: host.name.clone(),
            origin: origin.clone(),
            error,
        })
        .collect();
    // apt's `E:` / `W:` lines went to stderr, which the module returns apart.
    if let Some(stderr) = &result.stderr {
        let (err_sim, errors) = aptsim::parse_simulation(stderr);
        simulation.messages.extend(err_sim.messages);
        let origin = format!("{file}: host `{}`, {task}, stderr", clean(&host.name));
        issues.extend(errors.into_iter().map(|error| OutputIssue {
            host: host.name.clone(),
            origin: origin.clone(),
            error,
        }));
    }
    host.tasks.push(TaskPlan {
        task: task.clone(),
        action: clean(action),
        changed: result.changed,
        failed: result.failed,
        source,
        simulation,
        issues,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_counts_when_apt_carried_it_out() {
        // Shapes as the json callback writes them (trimmed): `package` delegated to apt
        // echoes the apt module's arguments; on a dnf host it does not.
        let doc = r#"{"plays": [{"play": {"name": "p"}, "tasks": [
          {"task": {"name": "pkgs", "path": "/s.yml:3"}, "hosts": {
            "deb1": {"action": "ansible.builtin.package", "changed": true,
                     "invocation": {"module_args": {"dpkg_options": "force-confdef"}},
                     "stdout": "Inst jq (1.6-2.1 Debian:12/stable [amd64])\n"},
            "rh1": {"action": "ansible.builtin.package", "changed": true,
                    "invocation": {"module_args": {"conf_file": null}},
                    "results": ["Installed: jq-1.6-1.el9.x86_64"]},
            "deb2": {"action": "package", "skipped": true},
            "odd": {"action": "apt", "failed": "yes", "stdout": {"not": "text"},
                    "msg": ["a", 1], "diff": [{"before": ""}, {"prepared": "Recommended packages:\n  apparmor\n"}]},
            "h\u001b[2Jx": {"action": "apt", "failed": true, "msg": "boom\u001b[31m"}
          }}]}], "stats": {}}"#;
        let run = parse(doc.as_bytes(), Path::new("run.json")).unwrap();
        let by = |n: &str| run.hosts.iter().find(|h| h.name == n).unwrap();
        assert_eq!(by("deb1").tasks.len(), 1);
        assert_eq!(by("deb1").tasks[0].simulation.changes[0].package, "jq");
        assert_eq!(by("deb1").tasks[0].task.path.as_deref(), Some("/s.yml:3"));
        assert!(by("rh1").tasks.is_empty());
        assert_eq!(by("deb2").skipped.len(), 1);
        // Unexpected types read as absent; `diff` as a list is searched for `prepared`.
        let odd = by("odd");
        assert!(odd.failed.is_empty());
        assert_eq!(odd.tasks[0].source, PlanSource::DiffPrepared);
        assert_eq!(odd.tasks[0].simulation.recommended.len(), 1);
        let hostile = by("h\u{1b}[2Jx");
        assert_eq!(hostile.failed[0].message, "boom\\u{1b}[31m");
        assert!(
            hostile.tasks.is_empty(),
            "a failure without output is no plan"
        );
    }
}
