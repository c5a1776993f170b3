//! SH002 pipe-to-shell.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds remote installers piped into a shell: `curl ... | sh`, `wget -O- ... | bash`,
    /// `curl ... | sudo bash -s`, `bash <(curl ...)`, in Ansible `shell`/`command` tasks and
    /// Dockerfile `RUN`.
    ///
    /// ## Why is this bad?
    /// The script is whatever the server returns at that moment (usually "install the latest
    /// version"), it is never reviewed, and a network error mid-download runs half a script.
    /// `get.docker.com` installs the newest Docker release.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -fsSL https://get.docker.com | sh
    /// ```
    ///
    /// ## Use instead
    /// Install from the vendor's package repository with pinned versions, or download a
    /// versioned script, verify its checksum, then run it.
    ///
    /// ## Fix safety
    /// No automatic fix.
    pub struct PipeToShell {
        code: "SH002",
        name: "pipe-to-shell",
        summary: "Remote script piped into a shell",
        severity: Error,
        opt_in: false,
    }
}
