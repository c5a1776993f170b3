//! The packages the infrastructure code installs on hosts: `fleetpin lint --list-packages`,
//! the list `fleetpin lock --packages` limits a lock to.
//!
//! Collected while linting, from the same resolution the rules use: Ansible package modules
//! of the host's system package manager (`apt`, `yum`, `dnf`, `dnf5`, `zypper`, `apt_rpm`,
//! `urpmi` and the generic `package`) with a state that installs (present, latest, the
//! default), names resolved through variables and loops; and `apt-get`/`yum`/`dnf`/`zypper`
//! installs in `shell:`/`command:` tasks. Packages installed into images (Dockerfiles),
//! language packages (pip, npm, gem...) and removals are not host packages of the lock and
//! are left out.

use std::path::PathBuf;

use serde::Serialize;

/// One place where the code installs a system package on hosts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ManagedPackage {
    /// The package name without version or architecture qualifier; `None` when the name
    /// comes from a template fleetpin could not resolve.
    pub name: Option<String>,
    /// The package manager family: `apt`, `dnf`, `zypper` or `generic` (Ansible's `package`).
    pub manager: &'static str,
    /// The specification as resolved (`docker-ce=5:23.0.1-1~debian.10~buster`), or the
    /// template as written when unresolved (`{{ docker_packages }}`).
    pub spec: String,
    /// The file (as shown in findings).
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
}

/// Whether packages of this Ansible module (short name) are host system packages.
pub(crate) fn is_system_module(short: &str) -> bool {
    matches!(
        short,
        "apt" | "yum" | "dnf" | "dnf5" | "zypper" | "apt_rpm" | "urpmi" | "package"
    )
}

/// Whether an install by this manager family puts system packages on the host.
pub(crate) fn is_system_manager(m: fleetpin_shell::Manager) -> bool {
    use fleetpin_shell::Manager as M;
    matches!(m, M::Apt | M::Dnf | M::Zypper)
}
