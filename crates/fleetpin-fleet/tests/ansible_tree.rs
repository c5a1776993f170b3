//! `--from-ansible`: real `ansible -m package_facts --tree` output, checked against dpkg-query.

use std::path::Path;
use std::process::Command;

use fleetpin_fleet::ansible::read_tree;
use fleetpin_fleet::dpkg::parse_query;
use fleetpin_fleet::facts::PackageManager;

/// Runs the real Ansible (PyPI ansible-core; the apt backend needs Debian's python3-apt) on
/// this machine and compares what fleetpin reads from its tree with dpkg-query's own answer.
#[test]
fn real_package_facts_tree_matches_dpkg_query() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let out = Command::new("ansible")
        .args([
            "localhost",
            "-c",
            "local",
            "-m",
            "ansible.builtin.package_facts",
            "--tree",
        ])
        .arg(&tree)
        .args(["-e", "ansible_python_interpreter=/usr/bin/python3"])
        .env("ANSIBLE_LOCALHOST_WARNING", "False")
        .env("ANSIBLE_INVENTORY_UNPARSED_WARNING", "False")
        .output()
        .expect("run ansible: install it with `pip install ansible-core` and Debian's python3-apt");
    assert!(
        out.status.success(),
        "ansible failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A host Ansible could not reach sits next to the good one and must not stop it.
    std::fs::write(
        tree.join("gone.example.com"),
        r#"{"changed": false, "msg": "Failed to connect to the host via ssh: ssh: connect to host gone.example.com port 22: Connection refused", "unreachable": true}"#,
    )
    .unwrap();
    std::fs::write(
        tree.join("cut.example.com"),
        r#"{"ansible_facts": {"packages": {"bash": [{"name": "ba"#,
    )
    .unwrap();

    let (facts, errors) = read_tree(&tree).unwrap();
    assert_eq!(facts.len(), 1);
    let msgs: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(msgs.iter().any(|m| {
        m.contains("ansible reported host `gone.example.com` unreachable: Failed to connect")
    }));
    assert!(
        msgs.iter()
            .any(|m| m.contains("cut.example.com:1: not a valid facts document: EOF")),
        "{msgs:?}"
    );

    let local = &facts[0];
    assert_eq!(local.host, "localhost");
    assert_eq!(local.package_manager, PackageManager::Dpkg);
    let q = Command::new("dpkg-query")
        .args([
            "-W",
            "-f",
            "${Package}\t${Version}\t${Architecture}\t${db:Status-Abbrev}\n",
        ])
        .output()
        .unwrap();
    let oracle = parse_query(
        &String::from_utf8(q.stdout).unwrap(),
        Path::new("dpkg-query"),
    )
    .unwrap();
    let mut want: Vec<(String, String, Option<String>)> = oracle
        .into_iter()
        .map(|p| (p.name, p.version, p.arch))
        .collect();
    want.sort();
    let got: Vec<(String, String, Option<String>)> = local
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone(), p.arch.clone()))
        .collect();
    assert!(
        got.len() > 50,
        "expected a real package list, got {}",
        got.len()
    );
    assert_eq!(got, want);
}
