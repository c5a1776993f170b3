//! `LintReport::packages` (`fleetpin lint --list-packages`): the system packages the code
//! installs on hosts, resolved like the rules resolve them.

use fleetpin_lint::{LintOptions, lint};

mod common;
use common::write;

#[test]
fn host_packages_from_modules_loops_variables_and_shell_tasks() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "site.yml",
        "- hosts: swarm\n  serial: 1\n  roles: [docker]\n  tasks:\n    \
         - ansible.builtin.package:\n        name: \"{{ item }}\"\n      loop: [chrony, \"rsyslog=8.2302.0-1\"]\n    \
         - dnf:\n        name: [\"podman-4.4.1-3.el9\", \"buildah\"]\n    \
         - apt:\n        name: telnet\n        state: absent\n    \
         - pip:\n        name: docker==6.1.3\n    \
         - apt:\n        name: \"{{ undefined_packages }}\"\n    \
         - shell: apt-get update && apt-get install -y --no-install-recommends curl jq=1.6-2.1 ./local.deb\n    \
         - command: apt-get install -y \"libc6:i386\"\n",
    );
    write(
        root,
        "roles/docker/defaults/main.yml",
        "docker_packages:\n  - docker-ce=5:20.10.23~3-0~debian-buster\n  - containerd.io\n",
    );
    write(
        root,
        "roles/docker/tasks/main.yml",
        "- apt:\n    name: \"{{ docker_packages }}\"\n    state: present\n",
    );
    // Installed into an image, not on hosts; telnet (absent), pip's docker and ./local.deb
    // above are not host packages of the lock either.
    write(
        root,
        "Dockerfile",
        "FROM debian:12\nRUN apt-get install -y nginx\n",
    );

    let report = lint(&LintOptions {
        paths: vec![root.to_path_buf()],
        ..LintOptions::default()
    });
    let got: Vec<String> = report
        .packages
        .iter()
        .map(|p| {
            format!(
                "{} {} {}:{} {}",
                p.name.as_deref().unwrap_or("-"),
                p.manager,
                p.path.strip_prefix(root).unwrap_or(&p.path).display(),
                p.line,
                p.spec
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            // Unresolved: shown to the user, never guessed.
            "- apt site.yml:16 {{ undefined_packages }}",
            "buildah dnf site.yml:9 buildah",
            "chrony generic site.yml:7 chrony",
            // From role defaults, at the task that installs them.
            "containerd.io apt roles/docker/tasks/main.yml:2 containerd.io",
            "curl apt site.yml:17 curl",
            "docker-ce apt roles/docker/tasks/main.yml:2 docker-ce=5:20.10.23~3-0~debian-buster",
            "jq apt site.yml:17 jq=1.6-2.1",
            "libc6 apt site.yml:18 libc6:i386",
            "podman dnf site.yml:9 podman-4.4.1-3.el9",
            "rsyslog generic site.yml:7 rsyslog=8.2302.0-1",
        ],
        "{got:#?}"
    );
}
