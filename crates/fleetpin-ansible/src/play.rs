//! Playbooks and plays, and telling playbooks, task files and vars files apart by content.

use std::ops::Range;

use fleetpin_yaml::{Node, NodeKind};

use crate::module::{self, IncludeKind, ModuleKind};
use crate::task::{self, Problem, TaskList, is_task_keyword};

/// A role reference in a play's `roles:` list.
#[derive(Debug, Clone, PartialEq)]
pub struct RoleRef<'a> {
    /// The role name or path as written (`docker`, `geerlingguy.docker`, `../roles/x`).
    pub name: String,
    /// Byte range of the name.
    pub span: Range<usize>,
    /// The list entry (a string, or a mapping with `role:`/`name:` and parameters).
    pub node: &'a Node,
    /// Role parameters and `vars:` given with the reference, as `(name, value)`: they have
    /// the precedence of role params (above play vars).
    pub params: Vec<(&'a str, &'a Node)>,
    /// The entry's `when`, if any.
    pub when: Option<&'a Node>,
}

/// One play of a playbook.
#[derive(Debug, Clone, PartialEq)]
pub struct Play<'a> {
    /// The play's mapping.
    pub node: &'a Node,
    /// `name`.
    pub name: Option<&'a Node>,
    /// `hosts` (a pattern string or a list).
    pub hosts: Option<&'a Node>,
    /// `serial` (a number, a percentage, or a list of them), with its key for spans.
    pub serial: Option<&'a Node>,
    /// `vars`.
    pub vars: Option<&'a Node>,
    /// `vars_files` (a list of file names, possibly templated or nested lists).
    pub vars_files: Option<&'a Node>,
    /// `roles`.
    pub roles: Vec<RoleRef<'a>>,
    /// `pre_tasks`, flattened.
    pub pre_tasks: TaskList<'a>,
    /// `tasks`, flattened.
    pub tasks: TaskList<'a>,
    /// `post_tasks`, flattened.
    pub post_tasks: TaskList<'a>,
    /// `handlers`, flattened.
    pub handlers: TaskList<'a>,
    /// `become`.
    pub become_: Option<&'a Node>,
}

impl<'a> Play<'a> {
    /// The play's span.
    pub fn span(&self) -> Range<usize> {
        self.node.span.clone()
    }

    /// Every task of the play in execution order: pre_tasks, tasks, post_tasks, then handlers.
    /// (Role tasks run between pre_tasks and tasks; they live in other files, see
    /// [`Play::roles`].)
    pub fn all_tasks(&self) -> impl Iterator<Item = &task::Task<'a>> {
        self.pre_tasks
            .tasks
            .iter()
            .chain(&self.tasks.tasks)
            .chain(&self.post_tasks.tasks)
            .chain(&self.handlers.tasks)
    }

    /// Structural problems in the play's task lists and role list.
    pub fn problems(&self) -> impl Iterator<Item = &Problem> {
        self.pre_tasks
            .problems
            .iter()
            .chain(&self.tasks.problems)
            .chain(&self.post_tasks.problems)
            .chain(&self.handlers.problems)
    }
}

/// An entry of a playbook: a play or an `import_playbook`.
#[derive(Debug, Clone, PartialEq)]
pub enum PlaybookEntry<'a> {
    /// A play.
    Play(Box<Play<'a>>),
    /// `- import_playbook: other.yml` (or the old `- include: other.yml`).
    Import {
        /// The target as written (may be templated).
        target: String,
        /// Byte range of the target.
        span: Range<usize>,
        /// The entry's mapping.
        node: &'a Node,
    },
}

/// A parsed playbook.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Playbook<'a> {
    /// Plays and imports, in order.
    pub entries: Vec<PlaybookEntry<'a>>,
    /// Entries that are neither (not a mapping, ...).
    pub problems: Vec<Problem>,
}

impl<'a> Playbook<'a> {
    /// The plays (imports skipped).
    pub fn plays(&self) -> impl Iterator<Item = &Play<'a>> {
        self.entries.iter().filter_map(|e| match e {
            PlaybookEntry::Play(p) => Some(p.as_ref()),
            PlaybookEntry::Import { .. } => None,
        })
    }
}

fn import_target(entry: &Node) -> Option<(&Node, &Node)> {
    entry.entries().find_map(|(k, key, v)| {
        let fqcn = module::normalize(k);
        let is_import = matches!(
            module::info(&fqcn).map(|i| i.kind),
            Some(ModuleKind::Include(
                IncludeKind::ImportPlaybook | IncludeKind::Include
            ))
        );
        is_import.then_some((key, v))
    })
}

/// Parse a playbook document (a sequence of plays). `src` is the text it was parsed from.
pub fn playbook<'a>(root: &'a Node, src: &str) -> Playbook<'a> {
    let mut out = Playbook::default();
    let Some(items) = root.as_seq() else {
        out.problems.push(Problem {
            span: root.span.clone(),
            message: format!(
                "a playbook must be a sequence of plays, found {}",
                root.kind_name()
            ),
        });
        return out;
    };
    for item in items {
        if !item.is_map() {
            if !item.is_null() {
                out.problems.push(Problem {
                    span: item.span.clone(),
                    message: format!("a play must be a mapping, found {}", item.kind_name()),
                });
            }
            continue;
        }
        if !item.contains_key("hosts")
            && let Some((_, target)) = import_target(item)
        {
            // `import_playbook: x.yml` or `import_playbook: {file: x.yml}` (rare).
            let t = target.get("file").unwrap_or(target);
            if let Some(s) = t.as_str() {
                out.entries.push(PlaybookEntry::Import {
                    target: s.trim().to_string(),
                    span: t.value_span(),
                    node: item,
                });
            }
            continue;
        }
        out.entries
            .push(PlaybookEntry::Play(Box::new(play(item, src))));
    }
    out
}

/// Build a play from its mapping.
pub fn play<'a>(node: &'a Node, src: &str) -> Play<'a> {
    let list = |key: &str| {
        node.get(key)
            .map(|n| task::task_list(n, src))
            .unwrap_or_default()
    };
    Play {
        node,
        name: node.get("name"),
        hosts: node.get("hosts"),
        serial: node.get("serial"),
        vars: node.get("vars"),
        vars_files: node.get("vars_files"),
        roles: node.get("roles").map(role_refs).unwrap_or_default(),
        pre_tasks: list("pre_tasks"),
        tasks: list("tasks"),
        post_tasks: list("post_tasks"),
        handlers: list("handlers"),
        become_: node.get("become"),
    }
}

/// Keywords allowed on a `roles:` entry besides its parameters.
const ROLE_ENTRY_KEYWORDS: &[&str] = &[
    "role",
    "name",
    "when",
    "tags",
    "become",
    "become_user",
    "become_method",
    "vars",
    "delegate_to",
    "environment",
    "ignore_errors",
    "no_log",
    "collections",
    "connection",
    "any_errors_fatal",
    "check_mode",
    "diff",
    "debugger",
    "run_once",
    "throttle",
    "timeout",
    "remote_user",
    "module_defaults",
    "ignore_unreachable",
    "port",
    "public",
    "allow_duplicates",
];

/// The role references of a `roles:` list (strings or mappings with `role:`/`name:`).
pub fn role_refs(list: &Node) -> Vec<RoleRef<'_>> {
    let mut out = Vec::new();
    for entry in list.as_seq().unwrap_or(&[]) {
        match &entry.kind {
            NodeKind::Scalar(s) => out.push(RoleRef {
                name: s.value.trim().to_string(),
                span: entry.value_span(),
                node: entry,
                params: Vec::new(),
                when: None,
            }),
            NodeKind::Map(_) => {
                let Some(name) = entry.get("role").or_else(|| entry.get("name")) else {
                    continue;
                };
                let Some(text) = name.as_str() else {
                    continue;
                };
                let mut params: Vec<(&str, &Node)> = entry
                    .entries()
                    .filter(|(k, _, _)| !ROLE_ENTRY_KEYWORDS.contains(k))
                    .map(|(k, _, v)| (k, v))
                    .collect();
                if let Some(vars) = entry.get("vars") {
                    params.extend(vars.entries().map(|(k, _, v)| (k, v)));
                }
                out.push(RoleRef {
                    name: text.trim().to_string(),
                    span: name.value_span(),
                    node: entry,
                    params,
                    when: entry.get("when"),
                });
            }
            _ => {}
        }
    }
    out
}

/// Keys that only a play has (a task or vars file would not).
const PLAY_ONLY_KEYS: &[&str] = &[
    "hosts",
    "gather_facts",
    "pre_tasks",
    "post_tasks",
    "roles",
    "tasks",
    "handlers",
    "serial",
    "max_fail_percentage",
    "strategy",
    "vars_files",
    "vars_prompt",
    "force_handlers",
    "fact_path",
    "gather_subset",
    "gather_timeout",
    "order",
];

/// Whether a document looks like a playbook: a sequence of mappings, at least one with
/// `hosts` or an `import_playbook`, and every mapping a play or an import.
pub fn looks_like_playbook(root: &Node) -> bool {
    let Some(items) = root.as_seq() else {
        return false;
    };
    let maps: Vec<&Node> = items.iter().filter(|i| i.is_map()).collect();
    if maps.is_empty() || maps.len() != items.iter().filter(|i| !i.is_null()).count() {
        return false;
    }
    let anchors_playbook = |m: &&Node| {
        m.contains_key("hosts")
            || m.entries()
                .any(|(k, _, _)| module::normalize(k) == "ansible.builtin.import_playbook")
    };
    maps.iter().any(anchors_playbook)
        && maps.iter().all(|m| {
            anchors_playbook(m)
                || import_target(m).is_some()
                || m.entries().any(|(k, _, _)| PLAY_ONLY_KEYS.contains(&k))
        })
}

/// Keys of Galaxy requirement entries (`- src: ..., version: ...`): a list of these is not a
/// task list (there are no modules named so).
const GALAXY_REQUIREMENT_KEYS: &[&str] = &["src", "scm", "version", "type", "source", "signatures"];

/// Whether a document looks like a task list: a sequence of mappings, none of them a play,
/// where at least one entry calls a module or is a block.
pub fn looks_like_tasks(root: &Node) -> bool {
    let Some(items) = root.as_seq() else {
        return false;
    };
    let mut saw_task = false;
    for item in items {
        if item.is_null() {
            continue;
        }
        if !item.is_map() || item.contains_key("hosts") {
            return false;
        }
        let is_task = item.contains_key("block")
            || item.contains_key("action")
            || item.contains_key("local_action")
            || item.entries().any(|(k, _, _)| {
                !is_task_keyword(k)
                    && !GALAXY_REQUIREMENT_KEYS.contains(&k)
                    && module::looks_like_module_name(k)
            });
        saw_task |= is_task;
    }
    saw_task
}

/// Whether a document looks like a vars file (role defaults/vars, group_vars, vars_files):
/// a mapping (or an empty document).
pub fn looks_like_vars(root: &Node) -> bool {
    root.is_map() || root.is_null()
}
