//! `fleetpin plan --ssh` and `fleetpin plan --from-ansible-check` end to end: the candidate
//! versions come from apt itself. Each "host" is this machine with its own throwaway apt root
//! (the incident's docker-ce 20.10 / 23.0.1 index as a flat `file:` repository): over real
//! `sshd` servers on loopback (`APT_CONFIG` set by sshd's `SetEnv`), and in a real
//! `ansible-playbook --check --diff` run (`environment: APT_CONFIG`). Oracle: the real
//! `apt-get -s` run locally over the same root; the plan must carry apt's versions.

#[path = "../crates/fleetpin-fleet/tests/support/aptroot.rs"]
mod aptroot;
#[path = "../crates/fleetpin-fleet/tests/support/sshd.rs"]
mod sshd;

mod common;
use common::fleetpin;

use std::path::{Path, PathBuf};
use std::process::Command;

use aptroot::{AptRoot, DOCKER_20, DOCKER_23, Repo};

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
"#;

/// Facts as `fleetpin gather` writes them: Debian 10, AppArmor on in the kernel.
fn facts(dir: &Path, host: &str, packages: &[(&str, &str)]) {
    let pkgs: Vec<serde_json::Value> = packages
        .iter()
        .map(|(n, v)| serde_json::json!({"name": n, "version": v, "arch": "amd64", "selection": "install"}))
        .collect();
    let doc = serde_json::json!({
        "fleetpin_facts": 1,
        "host": host,
        "groups": ["fleet"],
        "source": "ssh",
        "gathered_at": 1675900800,
        "os": {"id": "debian", "version_id": "10", "version_codename": "buster"},
        "kernel": "4.19.0-23-amd64",
        "apparmor_enabled": true,
        "cgroup_version": 1,
        "package_manager": "dpkg",
        "native_arch": "amd64",
        "packages": pkgs,
    });
    std::fs::create_dir_all(dir.join("facts")).unwrap();
    std::fs::write(
        dir.join(format!("facts/{host}.json")),
        serde_json::to_vec(&doc).unwrap(),
    )
    .unwrap();
}

/// node1: docker-ce 20.10 without apparmor; node2: the same with apparmor.
fn roots(dir: &Path, arch: &str) -> (AptRoot, AptRoot) {
    let repo = Repo::new(&dir.join("repo"), &aptroot::incident_index(arch));
    let deps = [(
        "docker-ce",
        "Depends: containerd.io (>= 1.4.1)\nRecommends: apparmor",
    )];
    let base = [
        ("docker-ce", DOCKER_20, "install", ""),
        ("containerd.io", "1.4.1-1", "install", ""),
    ];
    let node1 = AptRoot::new(
        &dir.join("root1"),
        &aptroot::status(&base, arch, &deps),
        &repo,
        arch,
    );
    let mut with_apparmor = base.to_vec();
    with_apparmor.push(("apparmor", "2.13.2-10", "install", ""));
    let node2 = AptRoot::new(
        &dir.join("root2"),
        &aptroot::status(&with_apparmor, arch, &deps),
        &repo,
        arch,
    );
    facts(
        dir,
        "node1",
        &[("docker-ce", DOCKER_20), ("containerd.io", "1.4.1-1")],
    );
    facts(
        dir,
        "node2",
        &[
            ("docker-ce", DOCKER_20),
            ("containerd.io", "1.4.1-1"),
            ("apparmor", "2.13.2-10"),
        ],
    );
    std::fs::write(dir.join("site.yml"), PLAYBOOK).unwrap();
    (node1, node2)
}

/// What the real apt says the task does on this root: `(package, to)` per `Inst`/`Remv`.
fn oracle(root: &AptRoot) -> Vec<(String, Option<String>)> {
    let out = root.apt_get(&[
        "-s",
        "-y",
        "-o",
        "Debug::NoLocking=1",
        "-o",
        "APT::Install-Recommends=0",
        "install",
        "--",
        "docker-ce",
    ]);
    let (sim, errors) = fleetpin_debian::aptsim::parse_simulation_bytes(&out.stdout);
    assert!(errors.is_empty(), "{errors:?}");
    let mut v: Vec<(String, Option<String>)> = sim
        .changes
        .iter()
        .filter(|c| c.action != fleetpin_debian::aptsim::Action::Configure)
        .map(|c| {
            (
                c.package.clone(),
                c.new_version.as_ref().map(ToString::to_string),
            )
        })
        .collect();
    v.sort();
    v
}

fn host<'a>(doc: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    doc["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == name)
        .unwrap_or_else(|| panic!("no host {name} in {doc:#}"))
}

/// The plan's packages of a host as `(package, to)`.
fn planned(doc: &serde_json::Value, name: &str) -> Vec<(String, Option<String>)> {
    let mut v: Vec<(String, Option<String>)> = host(doc, name)["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["package"].as_str().unwrap().to_string(),
                p["to"].as_str().map(str::to_string),
            )
        })
        .collect();
    v.sort();
    v
}

fn hazards(doc: &serde_json::Value, name: &str) -> Vec<String> {
    host(doc, name)["hazards"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|z| z["breaks"] == true)
        .map(|z| z["id"].as_str().unwrap().to_string())
        .collect()
}

/// Both hosts: apt's own versions (docker-ce 23.0.1, containerd.io 1.6.18), apparmor left
/// out as a Recommends because of `install_recommends: false`, the hazard on node1 only.
fn check_incident(doc: &serde_json::Value, node1: &AptRoot, node2: &AptRoot) {
    let want1 = oracle(node1);
    assert!(
        want1.contains(&("docker-ce".into(), Some(DOCKER_23.into()))),
        "{want1:?}"
    );
    assert_eq!(planned(doc, "node1"), want1);
    assert_eq!(planned(doc, "node2"), oracle(node2));
    assert_eq!(hazards(doc, "node1"), ["FPH-2023-0001"]);
    assert!(hazards(doc, "node2").is_empty(), "{doc:#}");
    let rec = &host(doc, "node1")["unmet_recommends"];
    assert!(
        rec.as_array().unwrap().iter().any(|r| r["recommends"] == "apparmor"
            && r["because_install_recommends_false"] == true),
        "{rec:#}"
    );
}

#[test]
fn ssh_plans_with_apt_on_each_host() {
    if !fleetpin_testkit::require(
        aptroot::have_apt(),
        "apt-get and dpkg (Debian packages apt, dpkg)",
    ) || !fleetpin_testkit::require(
        Path::new(sshd::SSHD).exists(),
        "sshd (Debian package openssh-server)",
    ) {
        return;
    }
    let lab = sshd::Lab::new();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (node1, node2) = roots(d, &aptroot::native_arch());
    let c1 = node1.config.display().to_string();
    let c2 = node2.config.display().to_string();
    let s1 = lab.start_with_env(
        "node1",
        sshd::Behaviour::Dpkg(String::new()),
        &[("APT_CONFIG", &c1)],
    );
    let s2 = lab.start_with_env(
        "node2",
        sshd::Behaviour::Dpkg(String::new()),
        &[("APT_CONFIG", &c2)],
    );
    let down = sshd::free_port();
    let inv = d.join("hosts.ini");
    std::fs::write(
        &inv,
        format!(
            "[fleet]\nnode1 ansible_host=127.0.0.1 ansible_port={}\nnode2 ansible_host=127.0.0.1 ansible_port={}\n\
             [gone]\nnode3 ansible_host=127.0.0.1 ansible_port={down}\n",
            s1.port, s2.port
        ),
    )
    .unwrap();
    let cfg = lab.client_config.to_str().unwrap();
    let args = [
        "plan",
        "site.yml",
        "--ssh",
        "-i",
        "hosts.ini",
        "--facts",
        "facts",
        "--ssh-config",
        cfg,
        "--connect-timeout",
        "5",
        "--format",
        "json",
    ];
    let out = fleetpin(d, &args);
    let stderr = out.stderr.as_str();
    assert_eq!(out.code, 1, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["schema"]["name"], "fleetpin-plan");
    assert_eq!(doc["schema"]["version"], 2);
    check_incident(&doc, &node1, &node2);

    // A host that does not answer is an input error naming it; the others are still planned.
    std::fs::write(
        &inv,
        format!(
            "[fleet]\nnode1 ansible_host=127.0.0.1 ansible_port={}\nnode2 ansible_host=127.0.0.1 ansible_port={}\n\
             node3 ansible_host=127.0.0.1 ansible_port={down}\n",
            s1.port, s2.port
        ),
    )
    .unwrap();
    facts(d, "node3", &[("docker-ce", DOCKER_20)]);
    let out = fleetpin(d, &args);
    let stderr = out.stderr.as_str();
    assert_eq!(out.code, 2, "{stderr}");
    assert!(stderr.contains("node3"), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    check_incident(&doc, &node1, &node2);
    assert!(host(&doc, "node3")["error"].is_string(), "{doc:#}");
}

#[test]
fn from_ansible_check_reads_a_real_check_run() {
    let Some(playbook) = fleetpin_testkit::oracle(
        fleetpin_testkit::ansible_playbook(),
        "ansible-playbook (pip install ansible-core)",
    ) else {
        return;
    };
    let Some(collections) = fleetpin_testkit::oracle(
        fleetpin_testkit::ansible_posix_collections(),
        "the ansible.posix collection ($FLEETPIN_TOOLS/collections, installed by .ci/setup)",
    ) else {
        return;
    };
    if !fleetpin_testkit::require(
        fleetpin_testkit::system_python_has_apt(),
        "python3-apt for /usr/bin/python3 (Debian package python3-apt)",
    ) || !fleetpin_testkit::require(
        aptroot::have_apt(),
        "apt-get and dpkg (Debian packages apt, dpkg)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (node1, node2) = roots(d, &aptroot::native_arch());
    let python = std::env::var_os("FLEETPIN_ANSIBLE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| playbook.with_file_name("python3"));
    std::fs::write(
        d.join("hosts.ini"),
        format!(
            "[fleet]\nnode1 ansible_connection=local apt_config={}\nnode2 ansible_connection=local apt_config={}\n\n\
             [all:vars]\nansible_python_interpreter={}\n",
            node1.config.display(),
            node2.config.display(),
            python.display(),
        ),
    )
    .unwrap();
    let out = Command::new(&playbook)
        .args(["-i", "hosts.ini", "--check", "--diff", "site.yml"])
        .current_dir(d)
        .env("ANSIBLE_STDOUT_CALLBACK", "ansible.posix.json")
        .env("ANSIBLE_COLLECTIONS_PATH", &collections)
        .env("ANSIBLE_HOME", d.join("ansible-home"))
        .env("ANSIBLE_LOCAL_TEMP", d.join("ansible-tmp"))
        .env("ANSIBLE_NOCOLOR", "1")
        .output()
        .expect("run ansible-playbook");
    assert!(
        out.status.success(),
        "ansible-playbook: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(d.join("check.json"), &out.stdout).unwrap();
    let out = fleetpin(
        d,
        &[
            "plan",
            "site.yml",
            "--from-ansible-check",
            "check.json",
            "-i",
            "hosts.ini",
            "--facts",
            "facts",
            "--format",
            "json",
        ],
    );
    let stderr = out.stderr.as_str();
    assert_eq!(out.code, 1, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    check_incident(&doc, &node1, &node2);

    // A cut-off document is an input error with the file and where it ends.
    let text = std::fs::read(d.join("check.json")).unwrap();
    std::fs::write(d.join("cut.json"), &text[..text.len() / 2]).unwrap();
    let out = fleetpin(
        d,
        &[
            "plan",
            "site.yml",
            "--from-ansible-check",
            "cut.json",
            "-i",
            "hosts.ini",
            "--facts",
            "facts",
        ],
    );
    let stderr = out.stderr.as_str();
    assert_eq!(out.code, 2, "{stderr}");
    assert!(stderr.contains("cut.json"), "{stderr}");
}
