//! SH001 shell-unpinned-install.

use crate::registry::declare_rule;

declare_rule! {
    /// ## What it does
    /// Finds package installs without an exact version in shell commands: Ansible `shell`,
    /// `command` and `raw` tasks and Dockerfile `RUN`. Understands `apt-get`, `apt`, `yum`,
    /// `dnf`, `microdnf`, `apk`, `zypper`, `pip`/`pip3`/`python -m pip`, `npm`, `gem` and
    /// `go install`, also behind `sudo`, `env`, `&&`, `;`, `||` and line continuations, and
    /// reports each package at its own line. Blanket upgrades (`apt-get upgrade`,
    /// `yum update`) are reported too. Ranges (`pip install 'x>=1'`) are warnings.
    ///
    /// ## Why is this bad?
    /// `apt-get install -y docker-ce` installs the candidate version of the day, and on a host
    /// that has the package it *upgrades* it: in an Ansible `shell` task it behaves like
    /// `state: latest`. In a Dockerfile, each rebuild may produce a different image.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y curl docker-ce-cli
    /// ```
    ///
    /// ## Use instead
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y \
    ///     curl=7.88.1-10+deb12u5 \
    ///     docker-ce-cli=5:24.0.7-1~debian.12~bookworm
    /// ```
    ///
    /// ## Fix safety
    /// `fleetpin pin --unsafe-fixes` writes `pkg=VER` from `fleetpin.lock` into the install
    /// command. Unsafe only: the lock records what the hosts run, which may not be what an
    /// image built from a `RUN` line should get.
    ///
    /// ## Options
    /// - `lint.required-pin`: with `"range"`, ranges pass.
    ///
    /// ## References
    /// - hadolint DL3008 (apt), DL3013 (pip), DL3016 (npm), DL3018 (apk), DL3028 (gem),
    ///   DL3033 (yum), DL3037 (zypper), DL3041 (dnf): `# hadolint ignore=...` suppresses the
    ///   matching package manager.
    pub struct ShellUnpinnedInstall {
        code: "SH001",
        name: "shell-unpinned-install",
        summary: "Shell command installs a package without an exact version",
        severity: Error,
        opt_in: false,
        fix: Sometimes,
    }
}
