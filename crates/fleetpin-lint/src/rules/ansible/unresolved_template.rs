//! ANS005 unresolved-template.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a Jinja template (`{{ docker_state }}`, `{{ item }}`) in a package state, a
    /// package name or version, an image reference, a checkout ref or a download URL that
    /// fleetpin could not resolve from role `defaults/` and `vars/`, play `vars:`,
    /// `vars_files`, `group_vars/` and `host_vars/`.
    ///
    /// ## Why is this bad?
    /// fleetpin never treats a value it cannot see as pinned. The variable may be set on the
    /// command line (`-e`), by a fact, or by an inventory fleetpin did not read; it may well be
    /// `latest`. This finding has a lower severity than the finding it might hide.
    ///
    /// ## Example
    /// ```yaml
    /// - ansible.builtin.apt:
    ///     name: docker-ce
    ///     state: "{{ docker_state_from_somewhere }}"
    /// ```
    ///
    /// ## Use instead
    /// Give the variable a pinned default where fleetpin (and your colleagues) can see it:
    /// ```yaml
    /// # roles/docker/defaults/main.yml
    /// docker_state: present
    /// ```
    /// or suppress the finding with `# fleetpin: ignore[ANS005]` where the value is known to be
    /// safe.
    ///
    /// ## Fix safety
    /// No automatic fix.
    pub struct UnresolvedTemplate {
        code: "ANS005",
        name: "unresolved-template",
        summary: "A version-relevant value is a template fleetpin could not resolve",
        severity: Warning,
        opt_in: false,
    }
}

use super::values::Val;
use crate::checker::Checker;

/// Reports a value fleetpin could not resolve. `what` names it ("the package state"), `risk`
/// says what it could hide ("it may be `latest`").
pub(crate) fn report(checker: &mut Checker<'_>, val: &Val, what: &str, risk: &str) {
    // One finding per value: its other unresolved candidates (other including plays, other
    // inventories) say the same thing.
    let key = (val.range.clone(), what.to_string());
    if checker.unresolved_reported.contains(&key) {
        return;
    }
    checker.unresolved_reported.push(key);
    let template = val.template.as_deref().unwrap_or("?");
    let why = match val.missing.as_slice() {
        [] if val.unsupported.is_some() => format!(
            " (it uses {}, which fleetpin does not evaluate)",
            val.unsupported.as_deref().unwrap_or_default()
        ),
        [] => String::new(),
        [one] => format!(
            " (`{one}` is not set for the hosts of this play in role defaults/vars, group_vars, host_vars or play vars)"
        ),
        many => format!(
            " ({} are not set for the hosts of this play in role defaults/vars, group_vars, host_vars or play vars)",
            many.iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let d = checker
        .diagnostic(
            &UnresolvedTemplate::RULE,
            val.range.clone(),
            format!("{what} is `{template}`, which fleetpin could not resolve{why}: {risk}"),
        )
        .with_help("give the variable a pinned default in the role's `defaults/main.yml`, or suppress with `# fleetpin: ignore[ANS005]`");
    checker.report(d);
}
