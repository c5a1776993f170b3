//! `uri` lookups of a `latest` release whose registered result feeds a download (part of
//! ANS007 download-from-latest-url).
//!
//! ```yaml
//! - uri: { url: "https://api.github.com/repos/o/r/releases/latest", return_content: true }
//!   register: rel
//! - get_url: { url: "{{ rel.json.assets[0].browser_download_url }}", dest: /usr/local/bin/r }
//! ```
//!
//! The download URL has no static value, but its version is whatever the release API said was
//! latest when the play ran. The model is per file and in task order: a `uri` task met earlier
//! in the same playbook or task file whose URL names a `latest` release and that has
//! `register:` makes every later download reading that variable (or a `set_fact` fact set
//! from it) an ANS007. A lookup of a
//! pinned tag (`.../releases/tags/v1.2.3`) cannot move: a download built only from it is not
//! reported as an unresolved template (ANS005).

use fleetpin_ansible::{Module, Task, module::DownloadModule};

use super::download_from_latest_url::DownloadFromLatestUrl;
use super::values::{Val, resolve_arg, template_vars};
use crate::checker::Checker;

/// Remembers the variable a `uri` task registers when its URL names a `latest` release.
/// Called for every download-module task, before the task's own checks.
pub(crate) fn record(
    checker: &mut Checker<'_>,
    task: &Task<'_>,
    module: &Module,
    dl: &DownloadModule,
) {
    if module.short != "uri" || !checker.enabled(&DownloadFromLatestUrl::RULE) {
        return;
    }
    let Some(register) = task
        .node
        .get("register")
        .and_then(fleetpin_yaml::Node::as_str)
    else {
        return;
    };
    let Some(arg) = task.arg(dl.url_arg) else {
        return;
    };
    let mut lookup = None;
    for v in resolve_arg(checker, task, &arg.value) {
        let Some(url) = v.text.as_deref() else {
            continue;
        };
        if !fleetpin_shell::is_remote_url(url) {
            continue;
        }
        if fleetpin_shell::is_latest_url(url) {
            lookup = Some((v.range, true));
            break;
        }
        if is_pinned_release(url) && lookup.is_none() {
            lookup = Some((v.range, false));
        }
    }
    let register = register.trim().to_owned();
    // A later `register:` of the same name replaces the earlier result.
    checker
        .latest_lookups
        .retain(|(name, _, _)| *name != register);
    if let Some((range, latest)) = lookup {
        checker.latest_lookups.push((register, range, latest));
    }
}

/// Follows a lookup through `set_fact`: a fact set from it
/// (`tool_version: "{{ rel.json.tag_name | regex_replace('^v', '') }}"`) carries it on.
pub(crate) fn record_set_fact(checker: &mut Checker<'_>, task: &Task<'_>) {
    if checker.latest_lookups.is_empty()
        || task
            .module
            .as_ref()
            .is_none_or(|m| m.fqcn != "ansible.builtin.set_fact")
    {
        return;
    }
    for arg in &task.args {
        let Some(value) = arg.value.as_str() else {
            continue;
        };
        let vars = template_vars(value);
        let from = checker
            .latest_lookups
            .iter()
            .find(|(n, _, l)| *l && vars.contains(n))
            .or_else(|| {
                checker
                    .latest_lookups
                    .iter()
                    .find(|(n, _, _)| vars.contains(n))
            })
            .map(|(_, r, l)| (r.clone(), *l));
        checker.latest_lookups.retain(|(n, _, _)| *n != arg.key);
        if let Some((range, latest)) = from {
            checker
                .latest_lookups
                .push((arg.key.clone(), range, latest));
        }
    }
}

/// Whether a release API URL asks for one pinned tag (`.../releases/tags/v1.2.3`): its answer
/// does not move.
fn is_pinned_release(url: &str) -> bool {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    path.split_once("/releases/tags/")
        .is_some_and(|(_, tag)| !tag.is_empty() && !tag.contains('/') && !tag.contains("{{"))
}

/// Reports an unresolved download URL built from a registered `latest` release lookup as
/// ANS007, pointing at the lookup too; one built only from lookups of a pinned release tag is
/// not reported. Returns whether the value was handled (the caller then reports nothing else
/// about it).
pub(crate) fn report(checker: &mut Checker<'_>, module: &Module, v: &Val) -> bool {
    if v.text.is_some() || checker.latest_lookups.is_empty() {
        return false;
    }
    let Some(template) = v.template.as_deref() else {
        return false;
    };
    let vars = template_vars(template);
    let Some((name, range, latest)) = checker
        .latest_lookups
        .iter()
        .find(|(name, _, _)| vars.contains(name))
        .cloned()
    else {
        return false;
    };
    // Built only from a pinned release's answer: nothing can float, nothing to report (an
    // unknown variable next to it still is).
    if !latest {
        return vars.iter().all(|var| {
            checker
                .latest_lookups
                .iter()
                .any(|(n, _, l)| n == var && !l)
        });
    }
    let lookup = checker.span(range);
    let d = checker
        .diagnostic(
            &DownloadFromLatestUrl::RULE,
            v.range.clone(),
            format!(
                "`{}` downloads `{template}`, built from `{name}`, the answer of a `latest` release lookup: it changes with every upstream release",
                module.short
            ),
        )
        .with_secondary(lookup, "the version comes from the latest release, asked here")
        .with_help("download a versioned URL (`.../releases/download/vX.Y.Z/...`) and add its `checksum`");
    checker.report(d);
    true
}

#[cfg(test)]
mod tests {
    use crate::test::rule_fixture;

    // Issue 9: `uri` to a `releases/latest` API whose registered result feeds a download.
    rule_fixture!(
        ans007_latest_release_lookup,
        "ansible/ANS007-lookup",
        ["ANS"]
    );
}
