//! ANS002 package-present-without-version.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds package-module tasks that install a package (`state: present`, `installed`, or no
    /// `state` at all) without naming its version.
    ///
    /// ## Why is this bad?
    /// `present` never upgrades an installed package, so existing hosts look stable. But a host
    /// that is added or rebuilt tomorrow installs whatever version is current tomorrow: the
    /// fleet silently splits into old and new nodes. This is the fresh-node variant of the
    /// Docker 23.0.1 incident: the new Swarm node is the one whose containers do not start.
    ///
    /// ## Example
    /// ```yaml
    /// - ansible.builtin.apt:
    ///     name: docker-ce
    ///     state: present
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - ansible.builtin.apt:
    ///     name: docker-ce=5:23.0.2-1~debian.10~buster
    ///     state: present
    /// ```
    /// For `yum`/`dnf` use `name-1.2.3`, for `pip` `name==1.2.3` (or `version:`), for `npm`
    /// `name@1.2.3`, for `gem` the `version:` argument.
    ///
    /// ## Fix safety
    /// `fleetpin pin` (and `fleetpin lint --fix`) writes the version of `fleetpin.lock` into
    /// each name in the module's syntax (`name=VER` for apt, `name-VER` for dnf/yum,
    /// `name==VER` for pip, `name@VER` for npm), where the variable is set when the name
    /// comes from one. Safe: it installs what the fleet runs; for the generic `package`
    /// module it is unsafe (`--unsafe-fixes`). A package the lock does not list is left with
    /// a note.
    ///
    /// ## Options
    /// - `lint.severity` can raise this to `error` for fleets that must be reproducible.
    pub struct PackagePresentWithoutVersion {
        code: "ANS002",
        name: "package-present-without-version",
        summary: "Package module installs a package without a version",
        severity: Warning,
        opt_in: false,
        fix: Sometimes,
    }
}
