//! SUP001 unused-suppression (opt-in).

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Reports a `# fleetpin: ignore[...]` comment that suppresses nothing: the finding it
    /// was written for is gone (the version was pinned, the task was removed) or the code is
    /// misspelt. Opt-in: enable it with `extend-select = ["SUP001"]`. Only fleetpin's own
    /// comments are checked (ansible-lint's `noqa` and hadolint's comments serve those tools
    /// too), and only for rules that run on the file.
    ///
    /// ## Why is this bad?
    /// A stale suppression silences the next real finding on that line: when someone writes
    /// `state: latest` there again, nothing is reported.
    ///
    /// ## Example
    /// ```yaml
    /// - apt:
    ///     name: docker-ce=5:23.0.2-1~debian.10~buster  # fleetpin: ignore[ANS002]
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - apt:
    ///     name: docker-ce=5:23.0.2-1~debian.10~buster
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix yet (removing the comment is safe, but it may carry a reason).
    pub struct UnusedSuppression {
        code: "SUP001",
        name: "unused-suppression",
        summary: "Suppression comment that suppresses nothing",
        severity: Warning,
        opt_in: true,
    }
}
