//! Which package tasks a play runs, in Ansible's order: role dependencies before the role,
//! each role once per play, static and templated task includes followed, include cycles cut;
//! and, per host, which of them a `when:` condition skips with that host's facts.

use std::path::Path;

use fleetpin_fleet::{FactsSource, HostFacts, OsRelease, PackageManager};
use fleetpin_plan::tasks::{PackageTask, discover};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A project shaped like the common Docker roles: OS-specific task files chosen by a
/// condition or by a templated include, a dependency, an optional component off by default.
fn project(root: &Path) {
    write(
        root,
        "site.yml",
        "- name: Docker hosts\n  hosts: all\n  roles:\n    - role: docker\n    - role: base\n  tasks:\n    - ansible.builtin.include_tasks: \"{{ lookup('env', 'X') }}/extra.yml\"\n    - name: Monitoring agent on managers\n      ansible.builtin.apt:\n        name: node-exporter\n        state: latest\n      when: \"'managers' in group_names\"\n",
    );
    write(
        root,
        "roles/base/tasks/main.yml",
        "- name: CA certificates\n  ansible.builtin.apt:\n    name: ca-certificates\n    state: latest\n",
    );
    write(
        root,
        "roles/docker/meta/main.yml",
        "dependencies:\n  - role: base\n",
    );
    write(
        root,
        "roles/docker/defaults/main.yml",
        "docker_compose: false\n",
    );
    write(
        root,
        "roles/docker/tasks/main.yml",
        "- ansible.builtin.include_tasks: setup-Debian.yml\n  when: ansible_os_family == 'Debian'\n- ansible.builtin.import_tasks: setup-RedHat.yml\n  when: ansible_os_family == 'RedHat'\n- ansible.builtin.include_tasks: \"kernel-{{ ansible_distribution_release }}.yml\"\n- name: Compose plugin\n  ansible.builtin.apt:\n    name: docker-compose-plugin\n    state: latest\n  when: docker_compose | bool\n- ansible.builtin.include_tasks: main.yml\n",
    );
    write(
        root,
        "roles/docker/tasks/setup-Debian.yml",
        "- name: Docker engine\n  ansible.builtin.apt:\n    name: [docker-ce, docker-ce-cli]\n    state: latest\n",
    );
    write(
        root,
        "roles/docker/tasks/setup-RedHat.yml",
        "- name: Docker engine (RPM)\n  ansible.builtin.package:\n    name: docker-ce\n    state: latest\n",
    );
    write(
        root,
        "roles/docker/tasks/kernel-buster.yml",
        "- name: Backported kernel\n  ansible.builtin.apt:\n    name: linux-image-amd64\n    state: latest\n    default_release: buster-backports\n",
    );
    write(
        root,
        "roles/docker/tasks/kernel-bookworm.yml",
        "- name: Kernel\n  ansible.builtin.apt:\n    name: linux-image-amd64\n    state: present\n",
    );
}

fn debian(codename: &str) -> HostFacts {
    let mut f = HostFacts::new("node", FactsSource::DpkgStatus, PackageManager::Dpkg);
    f.os = Some(OsRelease {
        id: "debian".into(),
        version_id: Some("10".into()),
        version_codename: Some(codename.into()),
        ..OsRelease::default()
    });
    f
}

fn names(tasks: &[PackageTask]) -> Vec<&str> {
    tasks.iter().map(|t| t.name.as_str()).collect()
}

#[test]
fn tasks_come_in_run_order_through_dependencies_and_includes() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let (plays, errors) = discover(&[dir.path().join("site.yml")]);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(plays.len(), 1);
    let play = &plays[0];
    assert_eq!(
        names(&play.tasks),
        [
            // The dependency first, once: `base` in `roles:` does not run again.
            "CA certificates",
            "Docker engine",
            "Docker engine (RPM)",
            // Both files the templated include may name, in name order.
            "Kernel",
            "Backported kernel",
            "Compose plugin",
            // The include of main.yml from main.yml is a cycle: cut.
            "Monitoring agent on managers",
        ]
    );
    assert_eq!(play.not_followed.len(), 1, "{:?}", play.not_followed);
    assert!(
        play.not_followed[0].starts_with(&format!("{}:7 ", dir.path().join("site.yml").display())),
        "{:?}",
        play.not_followed
    );
    let engine = &play.tasks[1];
    assert!(engine.file.ends_with("roles/docker/tasks/setup-Debian.yml"));
    assert_eq!(engine.line, 1);
}

#[test]
fn conditions_are_decided_per_host_with_its_facts() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let (plays, _) = discover(&[dir.path().join("site.yml")]);
    let tasks = &plays[0].tasks;
    let task = |n: &str| tasks.iter().find(|t| t.name == n).unwrap();
    let workers = vec!["workers".to_string()];
    let managers = vec!["managers".to_string()];

    let buster = debian("buster");
    let skip = |n: &str, groups: &[String], f: Option<&HostFacts>| {
        task(n).skipped_by("node", groups, f).map(str::to_string)
    };
    assert_eq!(skip("Docker engine", &workers, Some(&buster)), None);
    assert_eq!(
        skip("Docker engine (RPM)", &workers, Some(&buster)).as_deref(),
        Some("ansible_os_family == 'RedHat'")
    );
    assert_eq!(skip("Backported kernel", &workers, Some(&buster)), None);
    assert_eq!(
        skip("Kernel", &workers, Some(&buster)).as_deref(),
        Some("kernel-{{ ansible_distribution_release }}.yml renders kernel-bookworm.yml")
    );
    // The role default says no; no fact can change that.
    assert_eq!(
        skip("Compose plugin", &workers, Some(&buster)).as_deref(),
        Some("docker_compose | bool")
    );
    assert_eq!(
        skip("Monitoring agent on managers", &workers, Some(&buster)).as_deref(),
        Some("'managers' in group_names")
    );
    assert_eq!(
        skip("Monitoring agent on managers", &managers, Some(&buster)),
        None
    );

    // Without facts the OS conditions cannot be decided: the tasks may run, so they count.
    assert_eq!(skip("Docker engine", &workers, None), None);
    assert_eq!(skip("Docker engine (RPM)", &workers, None), None);
    assert_eq!(skip("Kernel", &workers, None), None);
    assert_eq!(
        skip("Compose plugin", &workers, None).as_deref(),
        Some("docker_compose | bool")
    );

    // The JSON of a task carries its conditions.
    let json = serde_json::to_value(task("Docker engine")).unwrap();
    assert_eq!(
        json["when"],
        serde_json::json!(["ansible_os_family == 'Debian'"])
    );
}
