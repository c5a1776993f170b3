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
    /// `fleetpin pin` (and `fleetpin lint --fix`) replaces the ref with the commit it points
    /// to today, resolved with `git ls-remote` (annotated tags peeled), and keeps the ref as a
    /// comment: `@<40-hex sha> # v4`. Safe: the same code runs until the tag moves. Not with
    /// `--offline`.
    ///
    /// ## References
    /// - [GitHub: security hardening, using third-party actions](https://docs.github.com/en/actions/security-for-github-actions/security-guides/security-hardening-for-github-actions#using-third-party-actions)
    pub struct ActionNotPinnedToSha {
        code: "GHA001",
        name: "action-not-pinned-to-sha",
        summary: "GitHub Action is not pinned to a full commit SHA",
        severity: Warning,
        opt_in: false,
        fix: Sometimes,
    }
}

use fleetpin_yaml::{Document, Node};

use crate::checker::Checker;
use crate::config::RequiredPin;
use crate::kind::FileKind;
use crate::rules::common::{RefStrength, is_full_sha, ref_strength};

/// Checks `uses:` of a workflow (jobs and steps) or a composite action (runs.steps).
pub(crate) fn check(checker: &mut Checker<'_>, docs: &[Document]) {
    if !checker.enabled(&ActionNotPinnedToSha::RULE) {
        return;
    }
    for doc in docs {
        let root = &doc.root;
        match checker.kind {
            FileKind::Workflow => {
                for (_, _, job) in root.get("jobs").map(|j| j.entries()).into_iter().flatten() {
                    if let Some(uses) = job.get("uses") {
                        check_uses(checker, uses);
                    }
                    check_steps(checker, job.get("steps"));
                }
            }
            FileKind::Action => check_steps(checker, root.get("runs").and_then(|r| r.get("steps"))),
            _ => {}
        }
    }
}

fn check_steps(checker: &mut Checker<'_>, steps: Option<&Node>) {
    for step in steps.and_then(Node::as_seq).unwrap_or(&[]) {
        if let Some(uses) = step.get("uses") {
            check_uses(checker, uses);
        }
    }
}

fn check_uses(checker: &mut Checker<'_>, uses: &Node) {
    let Some(value) = uses.as_str() else {
        return;
    };
    let value = value.trim();
    // Local actions live in the same commit; `docker://` images are image references.
    if value.starts_with("./") || value.starts_with("docker://") || value.contains("${{") {
        return;
    }
    let rule = ActionNotPinnedToSha::RULE;
    let span = checker.node_range(uses);
    let (action, reference) = match value.rsplit_once('@') {
        Some((a, r)) => (a, r),
        None => (value, ""),
    };
    let pin = checker.required_pin();
    let sha_help = match ref_strength(reference) {
        RefStrength::Tag | RefStrength::Unknown => format!(
            "pin the commit `{reference}` points at, keeping the tag as a comment: `uses: {action}@<40-hex commit>  # {reference}`"
        ),
        _ => format!(
            "pin the commit of a release, keeping its tag as a comment: `uses: {action}@<40-hex commit>  # vX.Y.Z`"
        ),
    };
    let (severity, message) = match ref_strength(reference) {
        RefStrength::Sha => return,
        _ if is_full_sha(reference) => return,
        RefStrength::Missing => (
            fleetpin_diag::Severity::Error,
            format!("action `{action}` has no ref: it runs whatever the default branch holds"),
        ),
        RefStrength::Branch => (
            fleetpin_diag::Severity::Error,
            format!(
                "action `{action}` follows branch `{reference}`: every push to it changes your pipeline"
            ),
        ),
        RefStrength::Tag | RefStrength::Range if pin <= RequiredPin::Range => return,
        RefStrength::Tag | RefStrength::Range => (
            fleetpin_diag::Severity::Warning,
            format!(
                "action `{action}` is pinned to tag `{reference}`, which can be moved; not to a commit SHA"
            ),
        ),
        RefStrength::Unknown => (
            fleetpin_diag::Severity::Warning,
            format!(
                "action `{action}` is pinned to `{reference}`, a branch or tag that can be moved; not to a commit SHA"
            ),
        ),
    };
    let d = checker.diagnostic(&rule, span, message).with_help(sha_help);
    checker.report(Checker::with_severity(d, severity));
}
