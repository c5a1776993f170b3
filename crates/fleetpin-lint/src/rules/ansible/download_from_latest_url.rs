//! ANS007 download-from-latest-url.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds `get_url`, `unarchive` (remote `src`) and `uri` tasks that download from a URL
    /// that names a moving `latest` release: `.../releases/latest/download/...`,
    /// `api.github.com/.../releases/latest`, `.../latest.tar.gz`, `app-latest-linux.zip`.
    /// The same downloads by `curl`/`wget` in `shell`/`command` tasks and Dockerfile `RUN`
    /// lines are reported too (a latest URL piped straight into a shell is
    /// `pipe-to-shell` instead).
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
use super::unresolved_template;
use super::values::resolve_arg;
use crate::checker::Checker;

/// Checks a `get_url`/`unarchive`/`uri` task: latest URLs (ANS007), then checksums (ANS008).
pub(crate) fn check(
    checker: &mut Checker<'_>,
    task: &Task<'_>,
    module: &fleetpin_ansible::Module,
    dl: &DownloadModule,
) {
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
            if checker.enabled(&DownloadFromLatestUrl::RULE) {
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
