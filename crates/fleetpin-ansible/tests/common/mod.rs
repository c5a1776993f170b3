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
/// oracles are required (`FLEETPIN_REQUIRE_ORACLES=1`, CI; the rule of `fleetpin_testkit`).
pub fn ansible_or_skip() -> Option<PathBuf> {
    fleetpin_testkit::oracle(
        find_ansible_playbook(),
        "ansible-playbook (pip install ansible-core)",
    )
}

/// Writes `text` to `root/rel`, creating directories.
pub fn write(root: &Path, rel: &str, text: &str) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Copies the directory tree `from` to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// `ansible-playbook` run in `repo` on the local connection, writing the oracle's JSON into
/// `out_dir` (`$ORACLE_OUT`), with its temporary files in `tmp`: no facts gathering, no
/// colours, and the Python next to ansible-playbook (a venv) running the modules when there
/// is one (else Ansible discovers one). The caller adds `-i`, the playbook and options.
pub fn oracle_command(
    ansible_playbook: &Path,
    repo: &Path,
    out_dir: &Path,
    tmp: &Path,
) -> std::process::Command {
    let python = ansible_playbook.with_file_name("python");
    let mut cmd = std::process::Command::new(ansible_playbook);
    cmd.current_dir(repo)
        .args(["-c", "local"])
        .env("ORACLE_OUT", out_dir)
        .env("ANSIBLE_GATHERING", "explicit")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_LOCAL_TEMP", tmp)
        .env(
            "ANSIBLE_PYTHON_INTERPRETER",
            if python.is_file() {
                python.as_os_str().to_owned()
            } else {
                "auto_silent".into()
            },
        );
    cmd
}
