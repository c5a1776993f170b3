//! GHA001 action-not-pinned-to-sha.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds `uses:` in GitHub workflows (steps and reusable workflows) and composite
    /// `action.yml` files that do not name a full 40-character commit SHA. A tag (`@v4`,
    /// `@v4.1.1`) is a warning; a branch (`@main`, `@master`) or no ref is an error. Local
    /// actions (`./path`) are exempt; `docker://` images are checked like images.
    ///
    /// ## Why is this bad?
    /// Tags and branches are mutable: the action's owner (or whoever compromises the
    /// repository) can move them, and your pipeline runs the new code without review.
    ///
    /// ## Example
    /// ```yaml
    /// steps:
    ///   - uses: actions/checkout@v4
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// steps:
    ///   - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11  # v4.1.1
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: resolving a tag needs the network.
    ///
    /// ## References
    /// - [GitHub: security hardening, using third-party actions](https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions)
    pub struct ActionNotPinnedToSha {
        code: "GHA001",
        name: "action-not-pinned-to-sha",
        summary: "GitHub Action is not pinned to a full commit SHA",
        severity: Warning,
        opt_in: false,
    }
}
