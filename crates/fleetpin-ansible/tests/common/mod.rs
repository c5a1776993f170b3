//! Helpers shared by the integration tests: the Ansible oracle and small file trees.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `ansible-playbook`: `$FLEETPIN_ANSIBLE_PLAYBOOK`, else the first on `PATH`.
pub fn find_ansible_playbook() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FLEETPIN_ANSIBLE_PLAYBOOK") {
        return Some(PathBuf::from(p));
    }
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join("ansible-playbook"))
        .find(|p| p.is_file())
}

/// The oracle, or `None` with a note on stderr: a missing oracle fails the test instead when
/// `FLEETPIN_REQUIRE_ORACLES` is set (CI sets it).
#[expect(
    clippy::print_stderr,
    reason = "a skipped oracle says why on the test's stderr"
)]
pub fn ansible_or_skip() -> Option<PathBuf> {
    let found = find_ansible_playbook();
    if found.is_none() {
        assert!(
            std::env::var_os("FLEETPIN_REQUIRE_ORACLES").is_none(),
            "ansible-playbook not found (pip install ansible-core)"
        );
        eprintln!("skipped: ansible-playbook not installed");
    }
    found
}

/// Writes `text` to `root/rel`, creating directories.
pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}
