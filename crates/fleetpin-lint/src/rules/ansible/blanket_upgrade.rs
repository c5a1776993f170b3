//! ANS003 blanket-upgrade.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds tasks that upgrade every package on a host: `apt: upgrade: dist|full|safe|yes`,
    /// `yum`/`dnf`/`package` with `name: "*"` and `state: latest`, `zypper: name: "*"
    /// state: latest`, `apk: upgrade: true`, `pacman: upgrade: true`, `pip` with
    /// `extra_args: --upgrade`.
    ///
    /// ## Why is this bad?
    /// A blanket upgrade changes every package to a version nobody reviewed, on every targeted
    /// host at once. A kernel, libc, container runtime or database upgrade rides along with
    /// whatever you meant to change.
    ///
    /// ## Example
    /// ```yaml
    /// - ansible.builtin.apt:
    ///     upgrade: dist
    ///     update_cache: true
    /// ```
    ///
    /// ## Use instead
    /// Upgrade named packages to pinned versions, in batches (`serial:`), and keep blanket
    /// upgrades for a separate, deliberate maintenance play with a canary host first.
    ///
    /// ## Opt-in maintenance plays
    /// An upgrade inside a play with `serial:` and guarded by a variable that defaults to
    /// false (`when: upgrade_packages`) is still reported, on purpose. Batches limit how many
    /// hosts break at once, not what changes on them; and the guard is one `-e
    /// upgrade_packages=true` away, from a person or a pipeline, when the versions it brings
    /// are the ones nobody reviewed. If the play really is your deliberate maintenance
    /// window, say so where it is decided: suppress the task with
    /// `# fleetpin: ignore[ANS003]` and a reason, so the exception is visible in review
    /// instead of inferred from a default.
    ///
    /// ## Fix safety
    /// No automatic fix.
    pub struct BlanketUpgrade {
        code: "ANS003",
        name: "blanket-upgrade",
        summary: "Task upgrades every package on the host",
        severity: Error,
        opt_in: false,
    }
}
