//! ANS008 download-without-checksum.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds `get_url` tasks that download an executable (a `mode` with an execute bit, a
    /// destination in a `bin/` directory, or a URL naming a binary, script or package such as
    /// `.sh`, `.deb`, `.rpm`, `.tar.gz`) without a `checksum`.
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
