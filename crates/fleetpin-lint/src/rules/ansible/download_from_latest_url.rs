//! ANS007 download-from-latest-url.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds `get_url`, `unarchive` (remote `src`) and `uri` tasks that download from a URL
    /// that names no version: `.../releases/latest/download/...`, `.../latest/...`,
    /// `..._latest.tar.gz`, `stable.txt`.
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
