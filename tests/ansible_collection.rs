//! The Ansible collection `fleetpin.guard` (ansible/), built with the real `ansible-galaxy
//! collection build`, installed from its tarball, and run by the real `ansible-playbook`
//! against localhost: `fleetpin.guard.facts` writes facts `fleetpin lock` reads, with dpkg
//! as the oracle of what is installed; the `preflight` role stops a risky play.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn venv_tool(name: &str) -> Option<PathBuf> {
    let tools = std::env::var_os("FLEETPIN_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/fleetpin-tools"))
        });
    tools
        .map(|t| t.join("venv/bin").join(name))
        .filter(|p| p.is_file())
        .or_else(|| fleetpin_testkit::on_path(name))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Builds the collection and installs its tarball under `dir/collections`.
fn install_collection(galaxy: &Path, dir: &Path) -> PathBuf {
    let out = Command::new(galaxy)
        .args(["collection", "build", "--force", "--output-path"])
        .arg(dir)
        .arg(workspace_root().join("ansible"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let tarball = dir.join("fleetpin-guard-0.1.0.tar.gz");
    assert!(tarball.is_file(), "{}", text(&out));
    let collections = dir.join("collections");
    let out = Command::new(galaxy)
        .args(["collection", "install", "-p"])
        .arg(&collections)
        .arg(&tarball)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    collections
}

fn playbook(ansible_playbook: &Path, dir: &Path, collections: &Path, play: &str) -> Output {
    std::fs::write(dir.join("play.yml"), play).unwrap();
    // localhost through the local connection, with the system Python (python3-apt for
    // package_facts), in two groups like a fleet host.
    std::fs::write(
        dir.join("inventory.ini"),
        "[web]\nnode1 ansible_connection=local ansible_python_interpreter=/usr/bin/python3\n\n\
         [prod:children]\nweb\n",
    )
    .unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_fleetpin")).parent().unwrap();
    Command::new(ansible_playbook)
        .current_dir(dir)
        .args(["-i", "inventory.ini", "play.yml"])
        .env("ANSIBLE_COLLECTIONS_PATH", collections)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("FLEETPIN_BIN", env!("CARGO_BIN_EXE_fleetpin"))
        .env("ANSIBLE_LOCAL_TEMP", dir.join("ansible-tmp"))
        .env("ANSIBLE_REMOTE_TEMP", dir.join("ansible-tmp"))
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .unwrap()
}

struct Tools {
    galaxy: PathBuf,
    playbook: PathBuf,
}

fn tools() -> Option<Tools> {
    let galaxy = fleetpin_testkit::oracle(
        venv_tool("ansible-galaxy"),
        "ansible-galaxy (ansible-core in the tools venv: bash .ci/setup)",
    )?;
    let playbook = fleetpin_testkit::oracle(
        venv_tool("ansible-playbook"),
        "ansible-playbook (ansible-core in the tools venv: bash .ci/setup)",
    )?;
    let apt = Path::new("/usr/bin/python3").is_file()
        && Command::new("/usr/bin/python3")
            .args(["-c", "import apt"])
            .status()
            .is_ok_and(|s| s.success());
    fleetpin_testkit::require(apt, "/usr/bin/python3 with python3-apt (package_facts)")
        .then_some(Tools { galaxy, playbook })
}

#[test]
fn facts_action_writes_facts_that_fleetpin_reads_and_dpkg_confirms() {
    let Some(tools) = tools() else { return };
    let Some(_) = fleetpin_testkit::oracle(fleetpin_testkit::on_path("dpkg-query"), "dpkg-query")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let collections = install_collection(&tools.galaxy, tmp.path());
    let out = playbook(
        &tools.playbook,
        tmp.path(),
        &collections,
        "- name: Facts\n  hosts: all\n  gather_facts: false\n  tasks:\n    \
         - name: Write fleetpin facts\n      fleetpin.guard.facts:\n        \
         dest: \"{{ playbook_dir }}/facts\"\n",
    );
    assert!(out.status.success(), "{}", text(&out));

    let facts: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(tmp.path().join("facts/node1.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(facts["fleetpin_facts"], 1);
    assert_eq!(facts["source"], "ansible");
    assert_eq!(facts["package_manager"], "dpkg");
    assert_eq!(facts["groups"], serde_json::json!(["prod", "web"]));

    // dpkg's own view: every installed package with its full version.
    let dpkg = Command::new("dpkg-query")
        .args([
            "-W",
            "-f",
            "${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\n",
        ])
        .output()
        .unwrap();
    let mut installed: Vec<(String, String, String)> = String::from_utf8(dpkg.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("ii"))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[1].to_string(), f[2].to_string(), f[3].to_string())
        })
        .collect();
    installed.sort();
    let mut recorded: Vec<(String, String, String)> = facts["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
                p["arch"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    recorded.sort();
    assert!(!installed.is_empty());
    assert_eq!(
        recorded, installed,
        "the facts list exactly what dpkg has installed"
    );

    // fleetpin's own reader accepts the file: `lock` locks every package of the host.
    let lock = Command::new(env!("CARGO_BIN_EXE_fleetpin"))
        .current_dir(tmp.path())
        .args(["lock", "--facts-dir", "facts", "--lock", "fleetpin.lock"])
        .output()
        .unwrap();
    assert!(lock.status.success(), "{}", text(&lock));
    assert!(
        text(&lock).contains(&format!("{} locked versions", installed.len())),
        "{}",
        text(&lock)
    );
}

#[test]
fn preflight_role_stops_the_play_before_any_host_is_touched() {
    let Some(tools) = tools() else { return };
    let has_plan = Command::new(env!("CARGO_BIN_EXE_fleetpin"))
        .args(["plan", "--help"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !fleetpin_testkit::require(has_plan, "`fleetpin plan` (branch h-plan, being merged)") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let collections = install_collection(&tools.galaxy, tmp.path());
    // Facts of node1 from the collection itself, then a plan that upgrades a package node1 has
    // from an index offering a newer version; the cap of 0 hosts changing at once is exceeded,
    // so the play stops before its tasks: the marker file is never written.
    let facts_out = playbook(
        &tools.playbook,
        tmp.path(),
        &collections,
        "- name: Facts\n  hosts: all\n  gather_facts: false\n  tasks:\n    \
         - name: Write fleetpin facts\n      fleetpin.guard.facts:\n        \
         dest: \"{{ playbook_dir }}/.fleetpin/facts\"\n",
    );
    assert!(facts_out.status.success(), "{}", text(&facts_out));
    let dpkg_version = String::from_utf8(
        Command::new("dpkg-query")
            .args(["-W", "-f", "${Version}", "dpkg"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::fs::create_dir(tmp.path().join("index")).unwrap();
    std::fs::write(
        tmp.path().join("index/Packages"),
        format!(
            "Package: dpkg\nVersion: {dpkg_version}+fleetpin1\nArchitecture: amd64\n\
             Filename: pool/dpkg.deb\nSize: 1\n\n"
        ),
    )
    .unwrap();
    std::fs::create_dir(tmp.path().join("plays")).unwrap();
    std::fs::write(
        tmp.path().join("plays/site.yml"),
        "- name: Upgrade dpkg\n  hosts: all\n  tasks:\n    - name: dpkg\n      \
         ansible.builtin.apt:\n        name: dpkg\n        state: latest\n",
    )
    .unwrap();
    let out = playbook(
        &tools.playbook,
        tmp.path(),
        &collections,
        "- name: Guarded\n  hosts: all\n  gather_facts: false\n  roles:\n    \
         - role: fleetpin.guard.preflight\n      vars:\n        \
         preflight_bin: \"{{ lookup('env', 'FLEETPIN_BIN') }}\"\n        \
         preflight_playbooks: [\"{{ playbook_dir }}/plays\"]\n        \
         preflight_index: [\"{{ playbook_dir }}/index\"]\n        \
         preflight_max_changing: 0\n  tasks:\n    \
         - name: Touch the host\n      ansible.builtin.file:\n        \
         path: \"{{ playbook_dir }}/touched\"\n        state: touch\n        mode: \"0644\"\n",
    );
    let log = text(&out);
    assert!(!out.status.success(), "{log}");
    assert!(log.contains("fleetpin plan refuses this run"), "{log}");
    assert!(log.contains("1 hosts would change at once"), "{log}");
    assert!(!tmp.path().join("touched").exists(), "no host was touched");
}

#[test]
fn collection_is_ansible_lint_clean_at_the_production_profile() {
    let Some(lint) = fleetpin_testkit::oracle(
        venv_tool("ansible-lint"),
        "ansible-lint (PyPI, in the tools venv: bash .ci/setup)",
    ) else {
        return;
    };
    let out = Command::new(lint)
        .current_dir(workspace_root().join("ansible"))
        .args(["--offline", "--nocolor", "--profile", "production"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("Passed: 0 failure(s), 0 warning(s)"), "{log}");
}
