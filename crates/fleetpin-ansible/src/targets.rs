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

/// The groups and hosts a play targets in one or more inventories.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    /// Every group of a targeted host, directly or through `children`, with `all`.
    pub groups: HashSet<String>,
    /// The targeted hosts (inventory names; the implicit `localhost` included).
    pub hosts: HashSet<String>,
}

impl Targets {
    /// Whether variables set for `target` reach some targeted host.
    pub fn contains(&self, target: &Target) -> bool {
        match target {
            Target::Group(g) => self.groups.contains(g),
            Target::Host(h) => self.hosts.contains(h),
        }
    }

    /// Add what another inventory contributes.
    pub fn extend(&mut self, other: Targets) {
        self.groups.extend(other.groups);
        self.hosts.extend(other.hosts);
    }
}

/// The host pattern of a play's `hosts:` (a string or a list of strings), or `None` when it
/// is missing, templated, not a string or list of strings, or not a valid pattern.
pub fn play_pattern(hosts: Option<&Node>) -> Option<Pattern> {
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
    Pattern::parse_list(items.iter().copied()).ok()
}

/// What `pattern` targets in `inv`, or `None` when some term selects nothing (Ansible would
/// ignore it with a warning; at run time it may name hosts added by `add_host` or
/// `group_by`) or when no host is selected at all.
pub fn targets_in(inv: &Inventory, pattern: &Pattern) -> Option<Targets> {
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
    if let Some(local) = selection.implicit_localhost {
        // The implicit localhost is in no group; `all`'s variables still apply to it.
        targets.hosts.insert(local);
        targets.groups.insert("all".to_string());
    }
    (!targets.hosts.is_empty()).then_some(targets)
}
