//! `simulate::ansible` against the real `ansible-playbook --check --diff` (pip
//! `ansible-core`) with the `ansible.posix.json` stdout callback, on `localhost` hosts
//! (connection local) each pointed at its own throwaway apt root (`environment: APT_CONFIG`),
//! plus one unreachable host. Oracle: the real `apt-get -s` run with the same options against
//! the same root.
//!
//! Needs `ansible-playbook` (`FLEETPIN_ANSIBLE_PLAYBOOK` or `PATH`), the `ansible.posix`
//! collection (`.ci/setup` puts it in `$FLEETPIN_TOOLS/collections`; `ANSIBLE_COLLECTIONS_PATH`
//! also works), and python3-apt for `/usr/bin/python3` (the apt module respawns there).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use fleetpin_debian::aptsim::{self, AptSimError, ChangeKind};
use fleetpin_fleet::simulate::ansible::{self, AnsibleJsonError, CheckRun, PlanSource};
use support::aptroot::{self, AptRoot, DOCKER_20, DOCKER_23, Repo};
use support::sshd::free_port;

const PLAYBOOK: &str = r#"
- name: docker
  hosts: fleet
  gather_facts: false
  environment:
    APT_CONFIG: "{{ apt_config }}"
  tasks:
    - name: docker latest
      ansible.builtin.apt:
        name: docker-ce
        state: latest
        install_recommends: false
    - name: bash latest
      apt:
        name: bash
        state: latest
      ignore_errors: true
    - name: pinned docker on new nodes
      apt:
        name: "docker-ce={{ docker_20 }}"
      when: inventory_hostname == 'node3'
    - name: base packages
      apt:
        name: "{{ item }}"
      loop: [apparmor, containerd.io]
    - name: bash present
      apt:
        name: bash
- name: upgrade
  hosts: fleet
  gather_facts: false
  environment:
    APT_CONFIG: "{{ apt_config }}"
  tasks:
    - name: dist-upgrade
      apt:
        upgrade: dist
    - name: a package the index does not have
      apt:
        name: nosuch-package
      when: inventory_hostname == 'node3'
"#;

struct Run {
    json: PathBuf,
    node1: AptRoot,
    node3: AptRoot,
}

fn run_check(dir: &Path) -> Option<Run> {
    let playbook = fleetpin_testkit::oracle(
        fleetpin_testkit::ansible_playbook(),
        "ansible-playbook (pip install ansible-core)",
    )?;
    let collections = fleetpin_testkit::oracle(
        fleetpin_testkit::ansible_posix_collections(),
        "the ansible.posix collection ($FLEETPIN_TOOLS/collections, installed by .ci/setup)",
    )?;
    if !fleetpin_testkit::require(
        fleetpin_testkit::system_python_has_apt(),
        "python3-apt for /usr/bin/python3 (Debian package python3-apt)",
    ) || !fleetpin_testkit::require(
        aptroot::have_apt(),
        "apt-get and dpkg (Debian packages apt, dpkg)",
    ) {
        return None;
    }
    let arch = aptroot::native_arch();
    let repo = Repo::new(&dir.join("repo"), &aptroot::incident_index(&arch));
    let node1 = AptRoot::new(
        &dir.join("root1"),
        &aptroot::status(
            &[
                ("docker-ce", DOCKER_20, "install", ""),
                ("containerd.io", "1.4.1-1", "install", ""),
                ("bash", "5.0-4", "hold", ""),
            ],
            &arch,
            &[(
                "docker-ce",
                "Depends: containerd.io (>= 1.4.1)\nRecommends: apparmor",
            )],
        ),
        &repo,
        &arch,
    );
    let node3 = AptRoot::new(
        &dir.join("root3"),
        &aptroot::status(&[("bash", "5.0-4", "install", "")], &arch, &[]),
        &repo,
        &arch,
    );
    // The module's Python: the venv's (it respawns under /usr/bin/python3 for python3-apt).
    let python = std::env::var_os("FLEETPIN_ANSIBLE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| playbook.with_file_name("python3"));
    let inventory = dir.join("hosts.ini");
    std::fs::write(
        &inventory,
        format!(
            "[fleet]\nnode1 ansible_connection=local apt_config={}\nnode3 ansible_connection=local apt_config={}\n\
             gone ansible_connection=ssh ansible_host=127.0.0.1 ansible_port={} apt_config=/nonexistent \
             ansible_ssh_common_args='-F /dev/null -o BatchMode=yes -o ConnectTimeout=5'\n\n\
             [all:vars]\nansible_python_interpreter={}\ndocker_20={DOCKER_20}\n",
            node1.config.display(),
            node3.config.display(),
            free_port(),
            python.display(),
        ),
    )
    .unwrap();
    std::fs::write(dir.join("site.yml"), PLAYBOOK).unwrap();
    let out = Command::new(&playbook)
        .arg("-i")
        .arg(&inventory)
        .args(["--check", "--diff"])
        .arg(dir.join("site.yml"))
        .env("ANSIBLE_STDOUT_CALLBACK", "ansible.posix.json")
        .env("ANSIBLE_COLLECTIONS_PATH", &collections)
        .env("ANSIBLE_HOME", dir.join("ansible-home"))
        .env("ANSIBLE_LOCAL_TEMP", dir.join("ansible-tmp"))
        .env("ANSIBLE_HOST_KEY_CHECKING", "False")
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .expect("run ansible-playbook");
    // 2: some host failed, 4: some host unreachable: both are planned here.
    assert!(
        matches!(out.status.code(), Some(0 | 2 | 4)),
        "ansible-playbook: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let json = dir.join("check-diff.json");
    std::fs::write(&json, &out.stdout).unwrap();
    Some(Run { json, node1, node3 })
}

/// The oracle: apt-get -s with the options the apt module passes, against the same root.
fn oracle(root: &AptRoot, args: &[&str]) -> aptsim::Simulation {
    let mut all = vec![
        "-s",
        "-y",
        "-o",
        "Dpkg::Options::=--force-confdef",
        "-o",
        "Dpkg::Options::=--force-confold",
    ];
    all.extend_from_slice(args);
    let out = root.apt_get(&all);
    let (sim, errors) = aptsim::parse_simulation_bytes(&out.stdout);
    assert!(errors.is_empty(), "{errors:?}");
    sim
}

fn names(v: &[aptsim::PackageRef]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

fn key(sim: &aptsim::Simulation) -> Vec<(String, Option<String>, Option<String>)> {
    sim.changes
        .iter()
        .map(|c| {
            (
                format!("{:?} {}", c.action, c.package),
                c.old_version.as_ref().map(ToString::to_string),
                c.new_version.as_ref().map(ToString::to_string),
            )
        })
        .collect()
}

fn host<'a>(run: &'a CheckRun, name: &str) -> &'a ansible::AnsibleHost {
    run.hosts.iter().find(|h| h.name == name).unwrap()
}

/// One real run (ansible-playbook takes tens of seconds on a busy machine), three readings.
#[test]
fn reads_a_real_check_diff_run() {
    let dir = tempfile::tempdir().unwrap();
    let Some(run) = run_check(dir.path()) else {
        return;
    };
    plans_per_host_and_task(&run);
    without_diff_and_with_only_diff_prepared(&run, dir.path());
    hostile_and_broken_documents(&run, dir.path());
}

fn plans_per_host_and_task(run: &Run) {
    let check = ansible::read(&run.json).unwrap();
    assert_eq!(
        check
            .hosts
            .iter()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>(),
        ["gone", "node1", "node3"]
    );

    // The unreachable host is named, with Ansible's message, and has no plan.
    let gone = host(&check, "gone");
    let u = gone.unreachable.as_ref().expect("gone is unreachable");
    assert_eq!(u.task.task, "docker latest");
    assert!(
        u.message.contains("Connection refused") || u.message.contains("connect"),
        "{}",
        u.message
    );
    assert!(gone.tasks.is_empty());
    assert!(gone.incomplete());

    let n1 = host(&check, "node1");
    let tasks: Vec<(&str, Option<&str>, PlanSource)> = n1
        .tasks
        .iter()
        .map(|t| (t.task.task.as_str(), t.task.item.as_deref(), t.source))
        .collect();
    assert_eq!(
        tasks,
        [
            ("docker latest", None, PlanSource::Stdout),
            ("bash latest", None, PlanSource::Stdout),
            ("base packages", Some("apparmor"), PlanSource::Stdout),
            // Installed already: `state: present` runs no apt-get, returns no stdout nor diff.
            ("base packages", Some("containerd.io"), PlanSource::Nothing),
            ("bash present", None, PlanSource::Nothing),
            ("dist-upgrade", None, PlanSource::Stdout),
        ]
    );
    assert!(n1.tasks.iter().all(|t| t.issues.is_empty()));
    // Each plan equals apt's own answer for the same command.
    let docker = &n1.tasks[0];
    assert_eq!(docker.task.play, "docker");
    assert!(
        docker
            .task
            .path
            .as_deref()
            .is_some_and(|p| p.ends_with("site.yml:8")),
        "{:?}",
        docker.task.path
    );
    assert_eq!(docker.action, "ansible.builtin.apt");
    assert!(docker.changed);
    let expect = oracle(
        &run.node1,
        &["install", "docker-ce", "-o", "APT::Install-Recommends=no"],
    );
    assert_eq!(key(&docker.simulation), key(&expect));
    assert_eq!(docker.simulation.recommended, expect.recommended);
    let up = docker
        .simulation
        .installs()
        .find(|c| c.package == "docker-ce")
        .unwrap();
    assert_eq!(up.kind(), ChangeKind::Upgrade);
    assert_eq!(up.new_version.as_ref().unwrap().as_str(), DOCKER_23);
    assert_eq!(
        docker
            .simulation
            .recommended
            .iter()
            .map(|g| names(g))
            .collect::<Vec<_>>(),
        [vec!["apparmor"], vec!["ca-certificates"]]
    );
    // The held bash: the task failed (ignored), apt refused, and both are reported.
    let bash = &n1.tasks[1];
    assert!(bash.failed);
    assert!(bash.simulation.refused_held(), "{:#?}", bash.simulation);
    assert_eq!(names(&bash.simulation.held_changed), ["bash"]);
    assert!(
        n1.failed
            .iter()
            .any(|f| f.task.task == "bash latest" && f.message.contains("Held packages"))
    );
    assert!(
        !n1.incomplete(),
        "an ignored failure does not stop the host"
    );
    // Skipped on node1 only.
    assert_eq!(
        n1.skipped
            .iter()
            .map(|t| t.task.as_str())
            .collect::<Vec<_>>(),
        [
            "pinned docker on new nodes",
            "a package the index does not have"
        ]
    );
    let dist = &n1.tasks[5];
    let expect = oracle(&run.node1, &["dist-upgrade"]);
    assert_eq!(key(&dist.simulation), key(&expect));
    assert_eq!(names(&dist.simulation.kept_back), ["bash"]);

    // node3: the pinned version, a failure that stops the host (named, plan incomplete).
    let n3 = host(&check, "node3");
    let pinned = n3
        .tasks
        .iter()
        .find(|t| t.task.task == "pinned docker on new nodes")
        .unwrap();
    let expect = oracle(&run.node3, &["install", &format!("docker-ce={DOCKER_20}")]);
    assert_eq!(key(&pinned.simulation), key(&expect));
    let d = pinned
        .simulation
        .installs()
        .find(|c| c.package == "docker-ce")
        .unwrap();
    assert_eq!(
        (d.kind(), d.new_version.as_ref().unwrap().as_str()),
        (ChangeKind::New, DOCKER_20)
    );
    let f = n3
        .failed
        .iter()
        .find(|f| f.task.task == "a package the index does not have")
        .unwrap();
    assert!(f.message.contains("nosuch-package"), "{}", f.message);
    assert!(n3.incomplete());
    assert_eq!(n3.stats.unwrap().failures, 1);
}

/// Removes `keys` from every object of the document.
fn strip(v: &mut serde_json::Value, keys: &[&str]) {
    match v {
        serde_json::Value::Object(o) => {
            for k in keys {
                o.remove(*k);
            }
            o.values_mut().for_each(|v| strip(v, keys));
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|v| strip(v, keys)),
        _ => {}
    }
}

fn without_diff_and_with_only_diff_prepared(run: &Run, dir: &Path) {
    let text = std::fs::read(&run.json).unwrap();
    let full = ansible::read(&run.json).unwrap();
    // Without --diff the module returns the same result less `diff` (it adds one only in
    // diff mode): the plans, read from stdout, are the same.
    let mut doc: serde_json::Value = serde_json::from_slice(&text).unwrap();
    strip(&mut doc, &["diff"]);
    let plain_path = dir.join("check.json");
    std::fs::write(&plain_path, serde_json::to_vec(&doc).unwrap()).unwrap();
    let plain = ansible::read(&plain_path).unwrap();
    let (p1, f1) = (host(&plain, "node1"), host(&full, "node1"));
    assert_eq!(p1.tasks.len(), f1.tasks.len());
    for (a, b) in p1.tasks.iter().zip(&f1.tasks) {
        assert_eq!(
            (a.source, &a.simulation),
            (b.source, &b.simulation),
            "{}",
            a.task
        );
    }
    let expect = oracle(
        &run.node1,
        &["install", "docker-ce", "-o", "APT::Install-Recommends=no"],
    );
    assert_eq!(key(&p1.tasks[0].simulation), key(&expect));

    // A document whose results carry only `diff.prepared` (stdout stripped, as some
    // callbacks and `no_log` setups leave it): the lists are read, without versions.
    let mut doc: serde_json::Value = serde_json::from_slice(&text).unwrap();
    strip(&mut doc, &["stdout", "stdout_lines", "msg"]);
    let stripped = dir.join("stripped.json");
    std::fs::write(&stripped, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let only = ansible::read(&stripped).unwrap();
    let (a, b) = (
        &host(&only, "node1").tasks[0],
        &host(&full, "node1").tasks[0],
    );
    assert_eq!(a.source, PlanSource::DiffPrepared);
    assert!(a.simulation.changes.is_empty());
    assert_eq!(a.simulation.recommended, b.simulation.recommended);
    assert_eq!(a.simulation.upgraded, b.simulation.upgraded);
    assert_eq!(a.simulation.new, b.simulation.new);
    assert_eq!(a.simulation.summary, b.simulation.summary);
}

fn hostile_and_broken_documents(run: &Run, dir: &Path) {
    let text = std::fs::read_to_string(&run.json).unwrap();
    // Terminal escapes and a hostile name in one result's stdout: issues naming the file, the
    // host, the task and the line; the rest of that output and every other task still read.
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let res = &mut doc["plays"][0]["tasks"][0]["hosts"]["node1"];
    let stdout = res["stdout"].as_str().unwrap().to_string();
    let lines = stdout.lines().count();
    res["stdout"] = format!(
        "{stdout}Inst x\u{1b}]0;pwned\u{7} (1.0 x [amd64])\nRecommended packages:\n  a;b\n"
    )
    .into();
    let hostile = dir.join("hostile.json");
    std::fs::write(&hostile, serde_json::to_vec(&doc).unwrap()).unwrap();
    let check = ansible::read(&hostile).unwrap();
    let t = &host(&check, "node1").tasks[0];
    assert_eq!(t.issues.len(), 2, "{:?}", t.issues);
    assert!(matches!(t.issues[0].error, AptSimError::Control { line, .. } if line == lines + 1));
    assert!(
        matches!(&t.issues[1].error, AptSimError::Name { line, name } if *line == lines + 3 && name == "a;b")
    );
    let msg = t.issues[0].to_string();
    assert!(
        msg.starts_with(&format!(
            "{}: host `node1`, play `docker`, task `docker latest`, stdout: line {}",
            hostile.display(),
            lines + 1
        )),
        "{msg}"
    );
    assert!(!msg.contains('\u{1b}'));
    assert!(t.simulation.installs().any(|c| c.package == "docker-ce"));

    // Warnings before the document (stderr captured with it) are skipped.
    let noisy = dir.join("noisy.json");
    std::fs::write(&noisy, format!("[WARNING]: something\n\n{text}")).unwrap();
    assert_eq!(ansible::read(&noisy).unwrap().hosts.len(), 3);

    // Cut-off and wrong documents: an error with file and line.
    let cut = dir.join("cut.json");
    let half = &text[..text.len() / 2];
    std::fs::write(&cut, half).unwrap();
    let e = ansible::read(&cut).unwrap_err();
    assert!(
        matches!(&e, AnsibleJsonError::Json { line, .. } if *line == half.lines().count()),
        "{e}"
    );
    assert!(e.to_string().starts_with(&format!("{}:", cut.display())));
    let wrong = dir.join("wrong.json");
    std::fs::write(&wrong, "\n{\"plays\": {\"no\": 1}}\n").unwrap();
    let e = ansible::read(&wrong).unwrap_err();
    assert!(matches!(e, AnsibleJsonError::Json { line: 2, .. }), "{e}");
    let e = ansible::read(&dir.join("missing.json")).unwrap_err();
    assert!(matches!(e, AnsibleJsonError::Io { .. }));
}
