//! ANS006 vcs-floating-ref.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds `git`, `hg` and `subversion` checkouts without a fixed revision: no `version`
    /// (the default branch), `version: HEAD`/`master`/`main` or another branch name.
    /// A tag is accepted (a warning with `required-pin = "digest"`); a full commit SHA is the
    /// strongest pin.
    ///
    /// ## Why is this bad?
    /// A branch moves: every run may deploy different code, and two hosts provisioned a day
    /// apart run different software.
    ///
    /// ## Example
    /// ```yaml
    /// - ansible.builtin.git:
    ///     repo: https://github.com/example/tool.git
    ///     dest: /opt/tool
    ///     version: main
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - ansible.builtin.git:
    ///     repo: https://github.com/example/tool.git
    ///     dest: /opt/tool
    ///     version: 4f2c1d0e9b8a7c6d5e4f3a2b1c0d9e8f7a6b5c4d  # v1.4.2
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: resolving a branch needs the network.
    ///
    /// ## Options
    /// - `lint.required-pin`: `"digest"` also reports tags.
    ///
    /// ## References
    /// - [ansible-lint `latest[git]`](https://ansible.readthedocs.io/projects/lint/rules/latest/)
    pub struct VcsFloatingRef {
        code: "ANS006",
        name: "vcs-floating-ref",
        summary: "Version-control checkout follows a branch instead of a fixed revision",
        severity: Error,
        opt_in: false,
    }
}
