//! ANS006 vcs-floating-ref.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds `git`, `hg` and `subversion` checkouts without a fixed revision: no `version`
    /// (the default branch), `version: HEAD`/`master`/`main` or another branch name.
    /// A tag is accepted (a warning with `required-pin = "digest"`); a full commit SHA is the
    /// strongest pin. A task with `clone: false` (subversion: `checkout: false`) and
    /// `update: false` fetches nothing and is not reported.
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

use fleetpin_ansible::{Task, module::VcsModule};
use fleetpin_diag::Severity;
use fleetpin_spec::PinStrength;

use super::unresolved_template;
use super::values::resolve_arg;
use crate::checker::Checker;
use crate::config::RequiredPin;

/// `clone: false` (subversion: `checkout: false`) with `update: false`: the task neither
/// clones nor pulls, so no code arrives whatever the ref (a test that the repository exists).
fn fetches_nothing(task: &Task<'_>) -> bool {
    let is_false = |name: &str| {
        task.arg(name)
            .is_some_and(|a| a.value.as_bool() == Some(false))
    };
    (is_false("clone") || is_false("checkout")) && is_false("update")
}

/// Checks a `git`/`hg`/`subversion` task's ref.
pub(crate) fn check(
    checker: &mut Checker<'_>,
    task: &Task<'_>,
    module_span: std::ops::Range<usize>,
    vcs: &VcsModule,
) {
    let rule = VcsFloatingRef::RULE;
    if !checker.enabled(&rule) || fetches_nothing(task) {
        return;
    }
    let repo = task
        .arg(vcs.repo_arg)
        .and_then(|a| a.value.as_str().map(str::to_owned))
        .unwrap_or_else(|| "the repository".to_owned());
    let help = format!(
        "pin a full commit SHA (`{}: <40-hex commit>`), keeping the tag in a comment",
        vcs.ref_arg
    );
    let Some(arg) = task.arg(vcs.ref_arg) else {
        let d = checker
            .diagnostic(
                &rule,
                module_span,
                format!(
                    "checkout of `{repo}` has no `{}`: it follows `{}`, whatever is pushed there",
                    vcs.ref_arg, vcs.default_ref
                ),
            )
            .with_help(help);
        checker.report(d);
        return;
    };
    for v in resolve_arg(checker, task, &arg.value) {
        let Some(r) = v.text.as_deref() else {
            unresolved_template::report(
                checker,
                &v,
                &format!("the `{}` of `{repo}`", vcs.ref_arg),
                "it may be a branch",
            );
            continue;
        };
        let (severity, message) = match fleetpin_spec::classify_vcs_ref(r) {
            PinStrength::Digest => continue,
            PinStrength::Exact if checker.required_pin() < RequiredPin::Digest => continue,
            PinStrength::Exact => (
                Severity::Warning,
                format!(
                    "checkout of `{repo}` is pinned to tag `{r}`, which can be moved; not to a commit"
                ),
            ),
            _ => (
                Severity::Error,
                format!(
                    "checkout of `{repo}` follows branch `{r}`: every run may deploy different code"
                ),
            ),
        };
        let mut d = Checker::with_severity(
            checker.diagnostic(&rule, v.range.clone(), message),
            severity,
        )
        .with_help(help.clone());
        for (span, msg) in &v.origins {
            d = d.with_secondary(span.clone(), msg.clone());
        }
        checker.report(d);
    }
}
