//! Versions read from facts files, Ansible trees and lock files are validated like the SSH
//! and dpkg imports validate them: `5.2 15` is an input error naming the file and line, not
//! a version that sorts "behind".

use std::path::Path;

use fleetpin_fleet::FactsStore;
use fleetpin_fleet::ansible::{Admit, import_tree, read_tree};
use fleetpin_fleet::facts::HostFacts;
use fleetpin_fleet::fleet::Fleet;
use fleetpin_fleet::lock::Lock;

const GOOD: &str = r#"{
  "fleetpin_facts": 1,
  "host": "good",
  "groups": [],
  "source": "ssh",
  "package_manager": "dpkg",
  "packages": [
    {"name":"bash","version":"5.2.15-2+b2","arch":"amd64"}
  ]
}
"#;

const BAD: &str = r#"{
  "fleetpin_facts": 1,
  "host": "bad",
  "groups": [],
  "source": "ssh",
  "package_manager": "dpkg",
  "packages": [
    {"name":"bash","version":"5.2.15-2+b2","arch":"amd64"},
    {"name":"zlib1g","version":"5.2 15","arch":"amd64"}
  ]
}
"#;

#[test]
fn facts_file_with_a_bad_version_is_an_error_with_its_line() {
    let err = HostFacts::from_json(BAD.as_bytes(), Path::new("bad.json"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "bad.json:9: package `zlib1g`: invalid dpkg version: version string `5.2 15` has embedded spaces"
    );

    // The interned loader (lock, drift) says the same and keeps the good host.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.json"), GOOD).unwrap();
    std::fs::write(dir.path().join("bad.json"), BAD).unwrap();
    let (fleet, errors) = Fleet::load(&FactsStore::new(dir.path())).unwrap();
    assert_eq!(
        fleet
            .hosts
            .iter()
            .map(|h| h.name.as_str())
            .collect::<Vec<_>>(),
        ["good"]
    );
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].to_string(),
        format!("{}:{}", dir.path().join("bad.json").display(), &err[9..])
    );
}

#[test]
fn a_version_valid_for_rpm_is_checked_again_for_dpkg() {
    // One version string interned by an rpm host is checked again for a dpkg host (the
    // validity cache is per package manager); a bad one fails whichever host saw it first.
    let dir = tempfile::tempdir().unwrap();
    let doc = |host: &str, mgr: &str, v: &str| {
        format!(
            r#"{{"fleetpin_facts":1,"host":"{host}","source":"ssh","package_manager":"{mgr}","packages":[{{"name":"p","version":"{v}"}}]}}"#
        )
    };
    std::fs::write(dir.path().join("a.json"), doc("a", "rpm", "2:1.0")).unwrap();
    std::fs::write(dir.path().join("b.json"), doc("b", "dpkg", "2:1.0")).unwrap();
    std::fs::write(dir.path().join("c.json"), doc("c", "dpkg", "1.0-")).unwrap();
    let (fleet, errors) = Fleet::load(&FactsStore::new(dir.path())).unwrap();
    assert_eq!(fleet.hosts.len(), 2);
    assert_eq!(errors.len(), 1);
    let msg = errors[0].to_string();
    assert!(
        msg.contains("c.json:1: package `p`: invalid dpkg version:"),
        "{msg}"
    );
}

#[test]
fn ansible_tree_with_a_bad_version_is_an_error_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    std::fs::create_dir(&tree).unwrap();
    let entry = |v: &str| {
        format!(
            r#"[{{"name": "bash", "version": "{v}", "source": "apt", "arch": "amd64", "category": "shells", "origin": "Debian"}}]"#
        )
    };
    let doc = |v: &str| {
        format!(
            "{{\"ansible_facts\": {{\"packages\": {{\"bash\": {}}}, \"pkg_mgr\": \"apt\"}},\n \"changed\": false}}",
            entry(v)
        )
    };
    std::fs::write(tree.join("good"), doc("5.2.15-2")).unwrap();
    std::fs::write(tree.join("bad"), doc("5.2 15")).unwrap();
    let want =
        "bad:1: package `bash`: invalid dpkg version: version string `5.2 15` has embedded spaces";

    let (facts, errors) = read_tree(&tree).unwrap();
    assert_eq!(facts.len(), 1);
    assert!(errors[0].to_string().ends_with(want), "{}", errors[0]);

    let (fleet, errors) = Fleet::load_ansible_tree(&tree).unwrap();
    assert_eq!(fleet.hosts.len(), 1);
    assert!(errors[0].to_string().ends_with(want), "{}", errors[0]);

    let store = FactsStore::new(dir.path().join("facts"));
    let imported = import_tree(&tree, &store, &|_| Admit::Write(Vec::new())).unwrap();
    assert_eq!(imported.written, ["good"]);
    assert!(
        imported.errors[0].to_string().ends_with(want),
        "{}",
        imported.errors[0]
    );
}

#[test]
fn lock_with_a_bad_version_is_an_error_with_its_line() {
    let text = "version = 1\ngroup-by = []\nscope = \"all\"\nprefer = []\n\n[packages]\nbash = \"5.2.15-2\"\nzlib1g = { version = \"5.2 15\", hold = true }\n";
    let err = Lock::parse(text, Path::new("fleetpin.lock"))
        .unwrap_err()
        .to_string();
    assert_eq!(
        err,
        "fleetpin.lock:8: package `zlib1g`: invalid dpkg version: version string `5.2 15` has embedded spaces"
    );
    // rpm-only spellings stay valid (a lock may hold rpm hosts).
    let rpm = "version = 1\n\n[packages]\nbash = \"5.1.8-6.el9\"\n";
    assert!(Lock::parse(rpm, Path::new("l")).is_ok());
}
