//! Which hosts a play targets, statically: the play's `hosts:` pattern evaluated against the
//! project's inventories with `fleetpin-inventory`, as `ansible-playbook` does when the play
//! starts. Variable resolution uses it to drop `group_vars/<group>` and `host_vars/<host>`
//! sources that apply to no host the play runs on.
//!
//! The answer is `None` (unknown: every source stays a candidate) whenever Ansible could see
//! other hosts than fleetpin: a templated pattern, an inventory fleetpin cannot read (a
//! script, an inventory plugin file), or a pattern term that selects nothing (a host added
//! by `add_host`, a group made by `group_by` or a dynamic inventory) — and when the pattern
//! selects no host at all.

use std::collections::{HashMap, HashSet};

use fleetpin_inventory::{Inventory, Pattern};
use fleetpin_yaml::{Node, NodeKind};

use crate::inventory::Target;
use crate::task::Task;

/// The groups and hosts a play targets in one or more inventories.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    /// Every group of a targeted host, directly or through `children`, with `all`; and the
    /// groups tasks may put hosts in at run time.
    pub groups: HashSet<String>,
    /// The targeted hosts (inventory names; the implicit `localhost` included), and hosts
    /// `add_host` may add.
    pub hosts: HashSet<String>,
    /// Prefixes of templated group names filled at run time (`os_` for
    /// `group_by: key=os_{{ ansible_distribution }}`): any group starting so may apply.
    pub group_prefixes: Vec<String>,
    /// Prefixes of templated host names `add_host` adds.
    pub host_prefixes: Vec<String>,
}

impl Targets {
    /// Whether variables set for `target` reach some targeted host.
    pub fn contains(&self, target: &Target) -> bool {
        match target {
            Target::Group(g) => {
                self.groups.contains(g) || self.group_prefixes.iter().any(|p| g.starts_with(p))
            }
            Target::Host(h) => {
                self.hosts.contains(h) || self.host_prefixes.iter().any(|p| h.starts_with(p))
            }
        }
    }

    /// Add what another inventory contributes.
    pub fn extend(&mut self, other: Targets) {
        self.groups.extend(other.groups);
        self.hosts.extend(other.hosts);
        for p in other.group_prefixes {
            if !self.group_prefixes.contains(&p) {
                self.group_prefixes.push(p);
            }
        }
        for p in other.host_prefixes {
            if !self.host_prefixes.contains(&p) {
                self.host_prefixes.push(p);
            }
        }
    }

    /// Only what matters for `groups` and `hosts` (the targets of a scope's layers): a scope
    /// keeps a few names instead of every targeted host.
    pub fn restricted_to<'a>(
        &self,
        groups: impl IntoIterator<Item = &'a str>,
        hosts: impl IntoIterator<Item = &'a str>,
    ) -> Targets {
        let mut out = Targets::default();
        for g in groups {
            if self.contains(&Target::Group(g.to_string())) {
                out.groups.insert(g.to_string());
            }
        }
        for h in hosts {
            if self.contains(&Target::Host(h.to_string())) {
                out.hosts.insert(h.to_string());
            }
        }
        out
    }

    /// Widen by what tasks add at run time (see [`RuntimeMembership`]).
    fn add_runtime(&mut self, runtime: &RuntimeMembership, inv: &Inventory, pattern: &Pattern) {
        let from_all = pattern.starts_from_all();
        for join in &runtime.joins {
            let applies = match &join.host {
                None | Some(Name::Prefix(_)) => true,
                Some(Name::Exact(h)) if inv.host(h).is_some() => self.hosts.contains(h),
                Some(Name::Exact(_)) => from_all,
            };
            if !applies {
                continue;
            }
            if let Some(host) = &join.host {
                self.add_name(host, false);
            }
            for g in &join.groups {
                self.add_name(g, true);
            }
        }
    }

    fn add_name(&mut self, name: &Name, group: bool) {
        let (set, prefixes) = if group {
            (&mut self.groups, &mut self.group_prefixes)
        } else {
            (&mut self.hosts, &mut self.host_prefixes)
        };
        match name {
            Name::Exact(n) => {
                set.insert(n.clone());
            }
            Name::Prefix(p) => {
                if !prefixes.contains(p) {
                    prefixes.push(p.clone());
                }
            }
        }
    }
}

/// A group or host name written in a task: literal, or templated (known by the literal text
/// before the first template, possibly empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Name {
    /// A literal name.
    Exact(String),
    /// Any name starting with this.
    Prefix(String),
}

impl Name {
    fn from_written(s: &str) -> Name {
        let s = s.trim();
        match s.find("{{").into_iter().chain(s.find("{%")).min() {
            Some(i) => Name::Prefix(s[..i].to_string()),
            None => Name::Exact(s.to_string()),
        }
    }

    fn matches(&self, name: &str) -> bool {
        match self {
            Name::Exact(n) => n == name,
            Name::Prefix(p) => name.starts_with(p.as_str()),
        }
    }
}

/// One `add_host` or `group_by` task: which host joins which groups at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    /// The host `add_host` adds (or adds groups to); `None` for `group_by`, which puts the
    /// hosts of its own play in groups.
    pub host: Option<Name>,
    /// The groups it joins (`ungrouped` for a new host `add_host` gives none).
    pub groups: Vec<Name>,
}

/// Groups and hosts that tasks fill at run time, anywhere in the project: `add_host` (its
/// host name and `groups`) and `group_by` (`key` and `parents`). Any play may run after
/// them, so a play's static selection is
///
/// - unknown when a selecting term of its pattern names a group filled at run time, or is a
///   glob or a regex while any are (the selection may grow by hosts of unknown groups);
/// - otherwise widened: the groups of a `group_by`, or of an `add_host` whose host is
///   templated or targeted, may hold a targeted host; a new host `add_host` adds is targeted
///   with its groups when the pattern starts from `all`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RuntimeMembership {
    /// The `add_host` and `group_by` tasks.
    pub joins: Vec<Join>,
}

impl RuntimeMembership {
    /// Record what a task adds, if it is an `add_host` or `group_by`.
    pub fn add_task(&mut self, task: &Task<'_>, src: &str) {
        let Some(module) = &task.module else {
            return;
        };
        let list = |keys: &[&str]| -> Option<Vec<Name>> {
            let arg = task.arg_any(keys)?;
            let items = match arg.value.node() {
                Some(n) if n.is_map() => vec![Name::Prefix(String::new())],
                _ => arg
                    .value
                    .list_items(src)
                    .into_iter()
                    .map(|(s, _)| Name::from_written(&s))
                    .collect(),
            };
            Some(items)
        };
        let join = match module.fqcn.as_str() {
            "ansible.builtin.add_host" => {
                let groups = list(&["groups", "group", "groupname"])
                    .filter(|g| !g.is_empty())
                    .unwrap_or_else(|| vec![Name::Exact("ungrouped".into())]);
                let host = task
                    .arg_any(&["name", "host", "hostname"])
                    .and_then(|a| a.value.as_str())
                    .map_or(Name::Prefix(String::new()), |h| {
                        // `host:port`: the inventory name is the host part.
                        let h = h.trim();
                        match h.rsplit_once(':') {
                            Some((name, port))
                                if !port.is_empty() && port.chars().all(|c| c.is_ascii_digit()) =>
                            {
                                Name::from_written(name)
                            }
                            _ => Name::from_written(h),
                        }
                    });
                Join {
                    host: Some(host),
                    groups,
                }
            }
            "ansible.builtin.group_by" => {
                // A missing or non-string key: any group.
                let key = task
                    .arg("key")
                    .and_then(|a| a.value.as_str())
                    .map_or(Name::Prefix(String::new()), Name::from_written);
                let mut groups = vec![key];
                groups.extend(list(&["parents"]).unwrap_or_default());
                Join { host: None, groups }
            }
            _ => return,
        };
        if !self.joins.contains(&join) {
            self.joins.push(join);
        }
    }

    /// Add another file's findings.
    pub fn extend(&mut self, other: RuntimeMembership) {
        for j in other.joins {
            if !self.joins.contains(&j) {
                self.joins.push(j);
            }
        }
    }

    fn fills_group(&self, name: &str) -> bool {
        self.joins
            .iter()
            .any(|j| j.groups.iter().any(|g| g.matches(name)))
    }
}

/// The host pattern of a play's `hosts:` (a string or a list of strings), or `None` when it
/// is missing, templated, not a string or list of strings, or not a valid pattern.
pub fn play_pattern(hosts: Option<&Node>) -> Option<Pattern> {
    play_hosts(hosts).map(|h| h.pattern)
}

/// A play's host pattern and the text it was parsed from (entries of a list joined by a
/// newline), which identifies it.
#[derive(Debug, Clone)]
pub struct PlayHosts {
    /// The pattern as written.
    pub text: String,
    /// The parsed pattern.
    pub pattern: Pattern,
}

/// [`play_pattern`] with its text.
pub fn play_hosts(hosts: Option<&Node>) -> Option<PlayHosts> {
    let hosts = hosts?;
    let items: Vec<&str> = match &hosts.kind {
        NodeKind::Scalar(_) => vec![hosts.as_str()?],
        NodeKind::Seq(items) => items.iter().map(Node::as_str).collect::<Option<_>>()?,
        _ => return None,
    };
    if items
        .iter()
        .any(|s| s.contains("{{") || s.contains("{%") || s.trim().is_empty())
    {
        return None;
    }
    let pattern = Pattern::parse_list(items.iter().copied()).ok()?;
    Some(PlayHosts {
        text: items.join("\n"),
        pattern,
    })
}

/// What `pattern` targets in `inv`, widened by what tasks add at run time (`runtime`); or
/// `None` when some term selects nothing (Ansible would ignore it with a warning; at run time
/// it may name hosts added by `add_host` or `group_by`), when the selection may grow at run
/// time (see [`RuntimeMembership`]), or when no host is selected at all.
pub fn targets_in(
    inv: &Inventory,
    pattern: &Pattern,
    runtime: &RuntimeMembership,
) -> Option<Targets> {
    if !runtime.joins.is_empty() {
        for term in pattern.selecting_terms() {
            match term {
                None => return None,
                Some(name) if runtime.fills_group(name) => return None,
                Some(_) => {}
            }
        }
    }
    let selection = pattern.evaluate(inv);
    if !selection.unmatched.is_empty() {
        return None;
    }
    let mut targets = Targets::default();
    // Parents of each group, to walk up from the hosts' own groups (one walk per group, not
    // per host: a group already reached has had its ancestors added).
    let mut parents: HashMap<&str, Vec<&str>> = HashMap::new();
    for g in inv.groups() {
        for child in g.children() {
            parents.entry(child.as_str()).or_default().push(g.name());
        }
    }
    let mut stack: Vec<&str> = Vec::new();
    for host in &selection.hosts {
        targets.hosts.insert(host.name().to_string());
        stack.extend(host.direct_groups().iter().map(String::as_str));
    }
    if !selection.hosts.is_empty() {
        stack.push("all");
    }
    while let Some(g) = stack.pop() {
        if targets.groups.insert(g.to_string()) {
            stack.extend(parents.get(g).into_iter().flatten().copied());
        }
    }
    if selection.implicit_localhost.is_some() {
        // The implicit localhost is in no group; `all`'s variables still apply to it. Its
        // name is `localhost` in practice, but Ansible names it after the first lookup:
        // host_vars of any of its names may apply.
        targets
            .hosts
            .extend(["localhost", "127.0.0.1", "::1"].map(String::from));
        targets.groups.insert("all".to_string());
    }
    if targets.hosts.is_empty() {
        return None;
    }
    targets.add_runtime(runtime, inv, pattern);
    Some(targets)
}
