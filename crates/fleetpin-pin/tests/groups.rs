//! Per-group values: a task whose play targets lock groups that run different versions reads
//! `{{ fleetpin_versions['NAME'] }}`, and each group's vars file holds its version (created as
//! `lock export --format ansible-vars` writes it, or edited in place). Checked with the real
//! `ansible-playbook`: the result passes `--syntax-check`, and for a host of each group the
//! task's value resolves to that group's version. And `allow_downgrade`, only as an unsafe
//! fix where the facts show a host above the lock.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use fleetpin_pin::{PinOptions, Plan};

const LOCK: &str = r#"version = 1
group-by = ["workers"]
scope = "listed"
prefer = ["majority"]

[packages]
"containerd.io" = "1.6.18-1"
docker-ce = "5:20.10.23~3-0~debian-buster"

[groups.workers.packages]
"containerd.io" = "1.6.18-1"
docker-ce = "5:23.0.1-1~debian.10~buster"
"#;

const HOSTS: &str =
    "[managers]\nm1 ansible_connection=local\n\n[workers]\nw1 ansible_connection=local\n";

const SITE: &str = "\
- hosts: all
  gather_facts: false
  tasks:
    - name: Install Docker
      ansible.builtin.apt:
        name:
          - docker-ce  # the engine
          - containerd.io
        state: latest
    - apt: {name: docker-ce, state: present}
    - apt: name=docker-ce state=present
- hosts: managers
  tasks:
    - apt: {name: docker-ce, state: present}
";

fn plan_with(
    root: &Path,
    lock: &fleetpin_fleet::lock::Lock,
    facts: Option<&fleetpin_fleet::fleet::Fleet>,
    unsafe_fixes: bool,
) -> Plan {
    let options = PinOptions {
        lint: lint_options(root),
        lock: Some(lock),
        unsafe_fixes,
        facts,
        ..PinOptions::default()
    };
    fleetpin_pin::plan(&options)
}

/// A second run with the same options has nothing to edit and nothing to complain about.
fn second_run_changes_nothing(
    root: &Path,
    lock: &fleetpin_fleet::lock::Lock,
    facts: Option<&fleetpin_fleet::fleet::Fleet>,
) {
    // With facts, the run being repeated applied the unsafe fixes.
    let again = plan_with(root, lock, facts, facts.is_some());
    assert_eq!(again.edit_count(), 0, "{}", render(&again, root));
    assert!(again.errors.is_empty(), "{:?}", again.errors);
}

/// `ansible-playbook`: `$FLEETPIN_ANSIBLE_PLAYBOOK`, else the first on `PATH`.
fn ansible_playbook() -> Option<PathBuf> {
    fleetpin_testkit::oracle(
        fleetpin_testkit::ansible_playbook(),
        "ansible-playbook (pip install ansible-core)",
    )
}

fn run_playbook(program: &Path, dir: &Path, args: &[&str]) -> String {
    let out = Command::new(program)
        .current_dir(dir)
        .args(["-i", "hosts"])
        .args(args)
        .arg("-e")
        .arg("ansible_python_interpreter={{ ansible_playbook_python }}")
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_HOST_KEY_CHECKING", "0")
        .env("ANSIBLE_RETRY_FILES_ENABLED", "0")
        .output()
        .expect("run ansible-playbook");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "ansible-playbook {args:?} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// The package names of the tasks of the first play, as tasks that show them for each host:
/// a name as the YAML loader reads it goes into a `debug` message; free-form arguments
/// (`name=… state=…`) go through Ansible's own `key=value` parser, as `set_fact` arguments.
fn show_tasks(text: &str) -> String {
    let docs = fleetpin_yaml::parse(text).unwrap();
    let play = &docs[0].root.as_seq().unwrap()[0];
    let show = |value: &str| {
        format!(
            "    - ansible.builtin.debug:\n        msg: {}\n",
            serde_json::to_string(&format!("NAME[{{{{ inventory_hostname }}}}] {value}")).unwrap()
        )
    };
    let mut out = String::from("- hosts: all\n  gather_facts: false\n  tasks:\n");
    for task in play.get("tasks").unwrap().as_seq().unwrap() {
        let args = task
            .get("ansible.builtin.apt")
            .or_else(|| task.get("apt"))
            .unwrap();
        match args.get("name") {
            Some(n) => match n.as_seq() {
                Some(items) => {
                    for i in items {
                        out.push_str(&show(i.as_str().unwrap()));
                    }
                }
                None => out.push_str(&show(n.as_str().unwrap())),
            },
            None => {
                out.push_str(&format!(
                    "    - ansible.builtin.set_fact: {}\n",
                    serde_json::to_string(args.as_str().unwrap()).unwrap()
                ));
                out.push_str(&show("{{ name }}"));
            }
        }
    }
    out
}

#[test]
fn per_group_values_go_to_group_vars_and_resolve_per_host() {
    let lock = lock(LOCK);
    let dir = tree(&[("hosts", HOSTS), ("site.yml", SITE)]);
    let root = dir.path();
    let plan = plan_with(root, &lock, None, false);
    insta::assert_snapshot!(render(&plan, root));
    write_all(&plan, root);
    // The created files are what `lock export --format ansible-vars --group G` writes.
    for group in ["all", "workers"] {
        let expected = fleetpin_fleet::export::export(
            &lock,
            Path::new("fleetpin.lock"),
            &fleetpin_fleet::export::ExportOptions {
                format: fleetpin_fleet::export::ExportFormat::AnsibleVars,
                group: Some(group.to_owned()),
                native_arch: None,
            },
        )
        .unwrap();
        assert_eq!(
            read(root, &format!("group_vars/{group}/fleetpin.yml")),
            expected
        );
    }
    second_run_changes_nothing(root, &lock, None);

    let Some(playbook) = ansible_playbook() else {
        return;
    };
    run_playbook(&playbook, root, &["--syntax-check", "site.yml"]);
    // Each rewritten name, as the task hands it to apt, for a host of each group.
    std::fs::write(root.join("show.yml"), show_tasks(&read(root, "site.yml"))).unwrap();
    let out = run_playbook(&playbook, root, &["show.yml"]);
    for (host, docker) in [
        ("m1", "5:20.10.23~3-0~debian-buster"),
        ("w1", "5:23.0.1-1~debian.10~buster"),
    ] {
        let seen: Vec<&str> = out
            .lines()
            .filter_map(|l| l.trim().strip_prefix(&format!("\"msg\": \"NAME[{host}] ")))
            .map(|l| l.trim_end_matches('"'))
            .collect();
        let want_docker = format!("docker-ce={docker}");
        assert_eq!(
            seen,
            [
                want_docker.as_str(),
                "containerd.io=1.6.18-1",
                want_docker.as_str(),
                want_docker.as_str()
            ],
            "{out}"
        );
    }
}

#[test]
fn existing_group_vars_files_get_the_line_in_place() {
    let lock = lock(LOCK);
    let dir = tree(&[
        ("hosts", HOSTS),
        ("site.yml", SITE),
        // A file, not a folder: a new `group_vars/workers/` would hide it from Ansible.
        (
            "group_vars/workers.yml",
            "---\ndocker_user: deploy # who runs it\n",
        ),
        // The map exists, without `docker-ce`.
        (
            "group_vars/all/fleetpin.yml",
            "fleetpin_versions:\n  \"containerd.io\": \"1.6.18-1\"\n",
        ),
    ]);
    let root = dir.path();
    let plan = plan_with(root, &lock, None, false);
    insta::assert_snapshot!(render(&plan, root));
    write_all(&plan, root);
    assert!(!root.join("group_vars/workers").exists());
    second_run_changes_nothing(root, &lock, None);
    let Some(playbook) = ansible_playbook() else {
        return;
    };
    run_playbook(&playbook, root, &["--syntax-check", "site.yml"]);
    std::fs::write(
        root.join("show.yml"),
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug:\n        msg: \"V[{{ inventory_hostname }}] {{ fleetpin_versions['docker-ce'] }} {{ docker_user | default('-') }}\"\n",
    )
    .unwrap();
    let out = run_playbook(&playbook, root, &["show.yml"]);
    assert!(
        out.contains("V[m1] 5:20.10.23~3-0~debian-buster -")
            && out.contains("V[w1] 5:23.0.1-1~debian.10~buster deploy"),
        "{out}"
    );
}

#[test]
fn what_fleetpin_cannot_tell_is_a_named_error() {
    let lock = lock(LOCK);
    let dir = tree(&[
        ("hosts", HOSTS),
        (
            "site.yml",
            // A templated pattern, a group the inventory does not have, a role that only
            // `include_role` reaches.
            "- hosts: \"{{ target }}\"\n  tasks:\n    - apt: {name: docker-ce, state: present}\n\
             - hosts: dbservers\n  tasks:\n    - apt: {name: docker-ce, state: present}\n\
             - hosts: all\n  tasks:\n    - ansible.builtin.include_role: {name: docker}\n",
        ),
        (
            "roles/docker/tasks/main.yml",
            "- apt: {name: docker-ce, state: present}\n",
        ),
    ]);
    let root = dir.path();
    let plan = plan_with(root, &lock, None, false);
    insta::assert_snapshot!(render(&plan, root));
    assert_eq!(plan.edit_count(), 0);
}

/// The facts fixture (`tests/fixtures/facts/`): w1 runs docker-ce above the workers' lock,
/// m1 containerd.io above the lock of `all`.
fn facts() -> fleetpin_fleet::fleet::Fleet {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/facts");
    let (fleet, errors) =
        fleetpin_fleet::fleet::Fleet::load(&fleetpin_fleet::FactsStore::new(dir)).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    fleet
}

#[test]
fn allow_downgrade_only_as_an_unsafe_fix_where_a_host_is_above_the_lock() {
    let lock = lock(LOCK);
    let dir = tree(&[
        ("hosts", HOSTS),
        (
            "site.yml",
            "- hosts: workers\n  tasks:\n    - apt: {name: docker-ce, state: present}\n    - apt:\n        name: containerd.io\n        state: present\n\
             \x20   - name: Pinned by hand, below what w1 runs\n      ansible.builtin.apt:\n        name: containerd.io=1.6.10-1\n        state: present\n\
             - hosts: managers\n  tasks:\n    - apt: name=docker-ce state=present\n    - apt: name=containerd.io state=present\n",
        ),
    ]);
    let root = dir.path();
    let fleet = facts();
    // Without facts: a note says downgrades were not checked.
    let unchecked = plan_with(root, &lock, None, true);
    assert_eq!(unchecked.notes.len(), 1, "{:?}", unchecked.notes);
    // With facts, safe fixes only: the downgrades are named, not applied.
    let safe = plan_with(root, &lock, Some(&fleet), false);
    assert!(safe.notes.is_empty());
    write_all(&safe, root);
    // A later run with unsafe fixes adds them to the tasks pinned before: only where a host
    // of the task's play runs the package above the version it installs.
    let unsafe_plan = plan_with(root, &lock, Some(&fleet), true);
    insta::assert_snapshot!(format!(
        "{}---- then with unsafe fixes ----\n{}",
        render(&safe, root),
        render(&unsafe_plan, root)
    ));
    write_all(&unsafe_plan, root);
    second_run_changes_nothing(root, &lock, Some(&fleet));
    if let Some(playbook) = ansible_playbook() {
        run_playbook(&playbook, root, &["--syntax-check", "site.yml"]);
    }
}

/// The example Swarm locked per group: the workers run Docker 23.0.1 (the incident's
/// version, tested there), the managers 20.10.
const EXAMPLE_LOCK: &str = r#"version = 1
group-by = ["workers"]
scope = "listed"
prefer = ["majority"]

[packages]
ca-certificates = "20200601~deb10u2"
"containerd.io" = "1.6.18-1"
docker-ce = "5:20.10.23~3-0~debian-buster"
docker-ce-cli = "5:20.10.23~3-0~debian-buster"
gnupg = "2.2.12-1+deb10u2"

[groups.workers.packages]
ca-certificates = "20200601~deb10u2"
"containerd.io" = "1.6.18-1"
docker-ce = "5:23.0.1-1~debian.10~buster"
docker-ce-cli = "5:23.0.1-1~debian.10~buster"
gnupg = "2.2.12-1+deb10u2"
"#;

#[test]
fn a_role_gets_per_group_values_for_the_plays_that_list_it() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/swarm-cluster");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("swarm-cluster");
    copy_dir(&example, &root);
    let lock = lock(EXAMPLE_LOCK);
    let plan = plan_with(&root, &lock, None, false);
    insta::assert_snapshot!(render(&plan, &root));
    write_all(&plan, &root);
    second_run_changes_nothing(&root, &lock, None);

    let Some(playbook) = ansible_playbook() else {
        return;
    };
    // The role as site.yml runs it (site.yml's other play needs community.docker, not
    // installed offline), then what a manager and a worker get for the role's names.
    std::fs::write(
        root.join("docker.yml"),
        "- hosts: swarm\n  roles: [docker]\n",
    )
    .unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(&playbook)
            .current_dir(&root)
            .args(["-i", "inventory/hosts.ini", "-c", "local"])
            .args(args)
            .arg("-e")
            .arg("ansible_python_interpreter={{ ansible_playbook_python }}")
            .env("ANSIBLE_NOCOLOR", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    run(&["--syntax-check", "docker.yml"]);
    std::fs::write(
        root.join("show.yml"),
        "- hosts: swarm-m1.example.internal,swarm-w1.example.internal\n  gather_facts: false\n  vars_files: [roles/docker/defaults/main.yml]\n  tasks:\n    - ansible.builtin.debug:\n        msg: \"P[{{ inventory_hostname }}] {{ docker_packages | join(' ') }}\"\n",
    )
    .unwrap();
    let out = run(&["show.yml"]);
    let m = "5:20.10.23~3-0~debian-buster";
    let w = "5:23.0.1-1~debian.10~buster";
    for (host, v) in [
        ("swarm-m1.example.internal", m),
        ("swarm-w1.example.internal", w),
    ] {
        let want = format!("P[{host}] docker-ce={v} docker-ce-cli={v} containerd.io=1.6.18-1");
        assert!(out.contains(&want), "{want}\n{out}");
    }
}

#[test]
fn a_group_vars_file_that_cannot_be_changed_leaves_the_task_as_it_is() {
    let lock = lock(LOCK);
    // The workers' variables are in a JSON file, which fleetpin does not edit: the task is
    // left whole (no template, no `state: present`), and the file for `all` is not created.
    let dir = tree(&[
        ("hosts", HOSTS),
        (
            "site.yml",
            "- hosts: all\n  tasks:\n    - apt: {name: docker-ce, state: latest}\n",
        ),
        ("group_vars/workers.json", "{\"docker_user\": \"deploy\"}\n"),
    ]);
    let root = dir.path();
    let plan = plan_with(root, &lock, None, false);
    insta::assert_snapshot!(render(&plan, root));
    assert_eq!(plan.edit_count(), 0);

    // At write time: a group file that appeared since the plan is not overwritten, and the
    // task that relies on it is not written either.
    let dir = tree(&[("hosts", HOSTS), ("site.yml", SITE)]);
    let root = dir.path();
    let plan = plan_with(root, &lock, None, false);
    let workers = root.join("group_vars/workers/fleetpin.yml");
    std::fs::create_dir_all(workers.parent().unwrap()).unwrap();
    std::fs::write(&workers, "fleetpin_versions: {}\n").unwrap();
    let tree = fleetpin_pin::write::Tree::new(&[root.to_path_buf()]);
    let (written, errors) = fleetpin_pin::write::write_plans(&plan.files, &tree);
    let errors: Vec<String> = errors
        .iter()
        .map(|e| e.to_string().replace(&format!("{}/", root.display()), ""))
        .collect();
    assert_eq!(
        errors,
        [
            "group_vars/workers/fleetpin.yml: changed on disk while fleetpin was working: not overwritten; run again",
            "site.yml:7: not pinned per group: `group_vars/workers/fleetpin.yml` could not get the group's versions (see its error), so the task is left as it is",
        ]
    );
    assert_eq!(read(root, "site.yml"), SITE);
    assert_eq!(written.len(), 1, "{written:?}");
    assert_eq!(
        read(root, "group_vars/workers/fleetpin.yml"),
        "fleetpin_versions: {}\n"
    );
}

#[test]
fn a_value_in_group_vars_all_serves_every_group() {
    // `group_vars/all.yml` reaches the workers too: the lock group `all` (hosts in no
    // `group-by` group) is not its only reader, so no version is picked for it.
    let lock = lock(LOCK);
    let dir = tree(&[
        ("hosts", HOSTS),
        (
            "group_vars/all.yml",
            "docker_pkg: docker-ce\ncontainerd_pkg: containerd.io\n",
        ),
        (
            "site.yml",
            "- hosts: all\n  tasks:\n    - apt: {name: \"{{ docker_pkg }}\", state: present}\n    - apt: {name: \"{{ containerd_pkg }}\", state: present}\n",
        ),
    ]);
    let root = dir.path();
    let plan = plan_with(root, &lock, None, false);
    insta::assert_snapshot!(render(&plan, root));
}

#[test]
fn a_host_in_another_group_with_its_own_map_is_named() {
    // m1 is in lock group `all`, but also in `managers`, whose vars set `fleetpin_versions`
    // (an older export): Ansible gives m1 that map, so a per-group value would not be the
    // lock's. A parent group's map (`swarm` of the workers) is overridden and does not count.
    let lock = lock(LOCK);
    let dir = tree(&[
        (
            "hosts",
            "[managers]\nm1\n\n[workers]\nw1\n\n[swarm:children]\nmanagers\nworkers\n",
        ),
        (
            "group_vars/managers/fleetpin.yml",
            "fleetpin_versions:\n  \"docker-ce\": \"5:19.03.15~3-0~debian-buster\"\n",
        ),
        (
            "group_vars/swarm.yml",
            "fleetpin_versions:\n  \"docker-ce\": \"5:19.03.15~3-0~debian-buster\"\n",
        ),
        (
            "site.yml",
            "- hosts: workers\n  tasks:\n    - apt: {name: docker-ce, state: present}\n\
             - hosts: all\n  tasks:\n    - apt: {name: docker-ce, state: present}\n",
        ),
    ]);
    let root = dir.path();
    let plan = plan_with(root, &lock, None, false);
    insta::assert_snapshot!(render(&plan, root));
}
