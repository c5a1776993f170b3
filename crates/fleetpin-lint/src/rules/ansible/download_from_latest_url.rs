//! ANS007 download-from-latest-url.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds `get_url`, `unarchive` (remote `src`) and `uri` tasks that download from a URL
    /// that names a moving `latest` release: `.../releases/latest/download/...`,
    /// `api.github.com/.../releases/latest`, `.../latest.tar.gz`, `app-latest-linux.zip`.
    /// A file name that also carries a build number (`tools-linux-11076708_latest.zip`, six
    /// or more digits) is one fixed file and is not reported.
    /// The same downloads by `curl`/`wget` in `shell`/`command` tasks and Dockerfile `RUN`
    /// lines are reported too (a latest URL piped straight into a shell is
    /// `pipe-to-shell` instead). A URL fleetpin cannot resolve is `unresolved-template`
    /// unless nothing can float: a `checksum` is given and only host facts are unknown, or an
    /// `unarchive` source is a path (`{{ tmp_dir }}/app.tar.gz`), not a URL.
    /// A download whose URL is built from the registered result of a `uri` lookup of a
    /// `latest` release (directly or through `set_fact`) is reported too, with a label at the
    /// lookup; a lookup of a pinned tag (`releases/tags/v1.2.3`) is not.
    ///
    /// ## Why is this bad?
    /// The file behind the URL changes with every upstream release. A play that ran fine
    /// yesterday installs a different binary today, and a checksum cannot be written for it.
    ///
    /// ## Example
    /// ```yaml
    /// - ansible.builtin.get_url:
    ///     url: https://github.com/docker/compose/releases/latest/download/docker-compose-linux-x86_64
    ///     dest: /usr/local/bin/docker-compose
    ///     mode: "0755"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - ansible.builtin.get_url:
    ///     url: https://github.com/docker/compose/releases/download/v2.24.6/docker-compose-linux-x86_64
    ///     checksum: sha256:ad4b9d5d8f8a1b1c5f9b0c5e...
    ///     dest: /usr/local/bin/docker-compose
    ///     mode: "0755"
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix.
    pub struct DownloadFromLatestUrl {
        code: "ANS007",
        name: "download-from-latest-url",
        summary: "Download from a `latest` URL",
        severity: Error,
        opt_in: false,
    }
}

use fleetpin_ansible::{Task, module::DownloadModule};

use super::download_without_checksum;
use super::latest_release_lookup;
use super::unresolved_template;
use super::values::resolve_arg;
use crate::checker::Checker;

/// Whether an unresolved download source cannot name a moving release: a `checksum` pins the
/// content and only host facts are unknown (`.../dists/{{ ansible_distribution_release }}/...`),
/// or an `unarchive` source is a path (no `://`), on the controller or, with `remote_src`, on
/// the host (`{{ tmp_dir }}/app.tar.gz`).
fn cannot_float(
    task: &Task<'_>,
    module: &fleetpin_ansible::Module,
    dl: &DownloadModule,
    v: &super::values::Val,
) -> bool {
    let facts_only = !v.missing.is_empty()
        && v.unsupported.is_none()
        && v.missing.iter().all(|m| m.starts_with("ansible_"));
    if facts_only && download_without_checksum::has_checksum(task, module, dl) {
        return true;
    }
    if module.short != "unarchive" {
        return false;
    }
    let Some(template) = v.template.as_deref() else {
        return false;
    };
    if template.contains("://") {
        return false;
    }
    let remote = task
        .arg("remote_src")
        .is_some_and(|a| a.value.as_bool() == Some(true));
    if !remote {
        // Without `remote_src` the source is a file on the controller, never a URL.
        return true;
    }
    // The text around the expressions: a path when it has a `/` (the expressions themselves
    // could hold a whole URL only when nothing but them is written).
    let mut literal = String::new();
    let mut pos = 0;
    for r in fleetpin_ansible::jinja::expression_ranges(template) {
        literal.push_str(&template[pos..r.start]);
        pos = r.end;
    }
    literal.push_str(&template[pos..]);
    literal.contains('/')
}

/// Checks a `get_url`/`unarchive`/`uri` task: latest URLs (ANS007), then checksums (ANS008).
pub(crate) fn check(
    checker: &mut Checker<'_>,
    task: &Task<'_>,
    module: &fleetpin_ansible::Module,
    dl: &DownloadModule,
) {
    latest_release_lookup::record(checker, task, module, dl);
    if let Some(needs) = dl.needs_arg
        && task.arg(needs).is_none()
    {
        return;
    }
    let Some(arg) = task.arg(dl.url_arg) else {
        return;
    };
    let vals = resolve_arg(checker, task, &arg.value);
    for v in &vals {
        let Some(url) = v.text.as_deref() else {
            if latest_release_lookup::report(checker, module, v) {
                continue;
            }
            if checker.enabled(&DownloadFromLatestUrl::RULE) && !cannot_float(task, module, dl, v) {
                unresolved_template::report(
                    checker,
                    v,
                    "the download URL",
                    "it may name a `latest` release",
                );
            }
            continue;
        };
        if !fleetpin_shell::is_remote_url(url) {
            continue;
        }
        if fleetpin_shell::is_latest_url(url) {
            let mut d = checker
                .diagnostic(
                    &DownloadFromLatestUrl::RULE,
                    v.range.clone(),
                    format!("`{}` downloads `{url}`, which changes with every upstream release", module.short),
                )
                .with_help("download a versioned URL (`.../releases/download/vX.Y.Z/...`) and add its `checksum`");
            for (span, msg) in &v.origins {
                d = d.with_secondary(span.clone(), msg.clone());
            }
            checker.report(d);
        }
    }
    download_without_checksum::check(checker, task, module, dl, &vals);
}
