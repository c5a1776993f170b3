//! ANS008 download-without-checksum.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds `get_url` tasks that download an executable (a `mode` with an execute bit, a
    /// destination in a `bin/` directory, or a URL naming a binary, script or package such as
    /// `.sh`, `.deb`, `.rpm`, `.tar.gz`) without a `checksum`. `get_url`'s old `sha256sum`
    /// option (removed in Ansible 2.14) counts as a checksum, and so does a loop that also
    /// downloads the file's signature or checksum file (`x.tar.gz` and `x.tar.gz.sig`). A
    /// download from the host itself (`localhost`, `127.0.0.1`, `::1`: a service the play
    /// configures) is not reported.
    ///
    /// ## Why is this bad?
    /// Without a checksum the content can change under the same URL (re-tagged release,
    /// compromised mirror) and every host runs something different. A checksum pins the
    /// content, not just the name.
    ///
    /// ## Example
    /// ```yaml
    /// - ansible.builtin.get_url:
    ///     url: https://example.com/tool/v1.2.3/tool-linux-amd64
    ///     dest: /usr/local/bin/tool
    ///     mode: "0755"
    /// ```
    ///
    /// ## Use instead
    /// ```yaml
    /// - ansible.builtin.get_url:
    ///     url: https://example.com/tool/v1.2.3/tool-linux-amd64
    ///     dest: /usr/local/bin/tool
    ///     mode: "0755"
    ///     checksum: sha256:0f3a...
    /// ```
    ///
    /// ## Fix safety
    /// No automatic fix: computing the checksum needs the network.
    pub struct DownloadWithoutChecksum {
        code: "ANS008",
        name: "download-without-checksum",
        summary: "Executable downloaded without a `checksum`",
        severity: Warning,
        opt_in: false,
    }
}

use fleetpin_ansible::{Task, module::DownloadModule};

use super::values::{Val, arg_range};
use crate::checker::Checker;

const EXECUTABLE_SUFFIXES: &[&str] = &[
    ".sh",
    ".bash",
    ".run",
    ".bin",
    ".deb",
    ".rpm",
    ".apk",
    ".tar.gz",
    ".tgz",
    ".tar.xz",
    ".txz",
    ".tar.bz2",
    ".tar.zst",
    ".zip",
    ".appimage",
    ".exe",
    ".msi",
    ".jar",
    ".py",
    ".pl",
    ".whl",
];

fn mode_is_executable(mode: &str) -> bool {
    let m = mode.trim().trim_matches(['"', '\'']);
    if m.chars().all(|c| c.is_ascii_digit()) && !m.is_empty() {
        // Octal (0755, 755, 1777): any execute bit in the last three digits.
        return m
            .chars()
            .rev()
            .take(3)
            .any(|c| c.to_digit(8).is_some_and(|d| d & 1 == 1));
    }
    // Symbolic: u+x, a+rx, u=rwx,g=rx.
    m.split(',').any(|part| {
        part.split_once(['+', '='])
            .is_some_and(|(_, perms)| perms.contains('x'))
    })
}

/// Whether the task gives a checksum: the module's `checksum`, or `get_url`'s old
/// `sha256sum` option (Ansible before 2.14; newer Ansible rejects the task instead of
/// downloading, so the content cannot float either way).
pub(crate) fn has_checksum(
    task: &Task<'_>,
    module: &fleetpin_ansible::Module,
    dl: &DownloadModule,
) -> bool {
    dl.checksum_arg.is_some_and(|c| task.arg(c).is_some())
        || (module.short == "get_url" && task.arg("sha256sum").is_some())
}

/// Signature and checksum files that a loop downloads next to the file they verify.
const VERIFICATION_SUFFIXES: &[&str] = &[
    ".sig",
    ".asc",
    ".sign",
    ".sha256",
    ".sha512",
    ".sha256sum",
    ".sha512sum",
];

/// Whether the same task (a `loop:` over files) also downloads `url`'s signature or checksum
/// file (`x.tar.gz` with `x.tar.gz.sig`), which a later task verifies (`gpg --verify`).
fn fetches_its_verification(v: &Val, urls: &[Val]) -> bool {
    let Some(url) = v.text.as_deref() else {
        return false;
    };
    urls.iter().filter_map(|o| o.text.as_deref()).any(|other| {
        other
            .strip_prefix(url)
            .is_some_and(|suffix| VERIFICATION_SUFFIXES.contains(&suffix))
    })
}

/// Checks that an executable download has a checksum.
pub(crate) fn check(
    checker: &mut Checker<'_>,
    task: &Task<'_>,
    module: &fleetpin_ansible::Module,
    dl: &DownloadModule,
    urls: &[Val],
) {
    let rule = DownloadWithoutChecksum::RULE;
    let Some(checksum_arg) = dl.checksum_arg else {
        return;
    };
    if !checker.enabled(&rule) || has_checksum(task, module, dl) {
        return;
    }
    let dest = task
        .arg("dest")
        .and_then(|a| a.value.as_str().map(str::to_owned))
        .unwrap_or_default();
    let mode_exec = task
        .arg("mode")
        .and_then(|a| a.value.as_str().map(mode_is_executable))
        .unwrap_or(false);
    let dest_bin = dest.contains("/bin/") || dest.ends_with("/bin") || dest.contains("/sbin/");
    for v in urls {
        if fetches_its_verification(v, urls) {
            continue;
        }
        let Some(url) = v.text.as_deref() else {
            continue;
        };
        // From the host itself (a service the play configures, like Jenkins serving its CLI
        // jar on localhost): nothing upstream can change it.
        if !fleetpin_shell::is_remote_url(url) || fleetpin_spec::url::is_loopback_url(url) {
            continue;
        }
        let path = url
            .split(['?', '#'])
            .next()
            .unwrap_or(url)
            .to_ascii_lowercase();
        let named = EXECUTABLE_SUFFIXES.iter().any(|s| path.ends_with(s));
        if !(mode_exec || dest_bin || named) {
            continue;
        }
        let why = if mode_exec {
            "an executable (`mode` has an execute bit)"
        } else if dest_bin {
            "an executable (destination in a `bin` directory)"
        } else {
            "a script, package or archive"
        };
        let range = task
            .arg(dl.url_arg)
            .map_or(v.range.clone(), |a| arg_range(checker, &a.value));
        let d = checker
            .diagnostic(
                &rule,
                range,
                format!("`{}` downloads {why} without a `{checksum_arg}`", module.short),
            )
            .with_help(format!(
                "add `{checksum_arg}: sha256:<digest>` (from the release's checksum file) so the content cannot change under the same URL"
            ));
        checker.report(d);
        break;
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn modes() {
        use super::mode_is_executable as x;
        assert!(x("0755") && x("755") && x("u+x") && x("a=rwx") && x("0711"));
        assert!(!x("0644") && !x("644") && !x("u+rw") && !x("0600"));
    }
}
