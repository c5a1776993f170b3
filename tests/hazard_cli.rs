//! `fleetpin hazard`: the list, one entry, and `hazard check` on the example fleet before
//! and after the incident (text, JSON, GitHub annotations, exit codes, bad facts).

use std::path::Path;

mod common;
use common::{fleetpin, snapshot_text, write};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The example's facts, with the deploy done: every node on Docker 23.0.1, as apt would
/// have left them (tests/incident.rs in fleetpin-guard replays that with apt).
fn after_the_deploy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let facts = repo().join("examples/swarm-cluster/fleet/facts");
    for e in std::fs::read_dir(&facts).unwrap().flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap();
        let text = upgrade_docker_to_23(&text);
        write(
            dir.path(),
            &format!(".fleetpin/facts/{}", e.file_name().to_string_lossy()),
            &text,
        );
    }
    dir
}

fn upgrade_docker_to_23(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = if line.contains("\"name\":\"docker-ce\"")
            || line.contains("\"name\":\"docker-ce-cli\"")
        {
            let at = line.find("\"version\":\"").unwrap() + 11;
            let end = at + line[at..].find('"').unwrap();
            format!("{}5:23.0.1-1~debian.10~buster{}", &line[..at], &line[end..])
        } else {
            line.to_string()
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn list_and_show() {
    let dir = tempfile::tempdir().unwrap();
    let r = fleetpin(dir.path(), &["hazard"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.lines().count() >= 12, "{}", r.stdout);
    assert!(
        r.stdout
            .lines()
            .any(|l| l.starts_with("FPH-2023-0001  docker-ce ")),
        "{}",
        r.stdout
    );
    let r = fleetpin(dir.path(), &["hazard", "FPH-2023-0001"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("hazard_show", snapshot_text(&r, dir.path()));
    let r = fleetpin(dir.path(), &["hazard", "FPH-2099-0001"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown hazard `FPH-2099-0001`"),
        "{}",
        r.stderr
    );
}

#[test]
fn check_the_example_fleet_before_the_deploy_finds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let facts = repo().join("examples/swarm-cluster/fleet/facts");
    let r = fleetpin(
        dir.path(),
        &["hazard", "check", "--facts-dir", facts.to_str().unwrap()],
    );
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout,
        "6 hosts checked against 13 hazards: none hits one\n"
    );
}

#[test]
fn check_after_the_deploy_names_the_broken_nodes() {
    let dir = after_the_deploy();
    let r = fleetpin(dir.path(), &["hazard", "check"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!("hazard_check_text", snapshot_text(&r, dir.path()));

    let r = fleetpin(dir.path(), &["hazard", "check", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["schema"]["name"], "fleetpin-hazard-check");
    assert_eq!(doc["schema"]["version"], 1);
    assert_eq!(doc["summary"]["hosts"], 6);
    assert_eq!(doc["summary"]["hosts_hit"], 2);
    assert_eq!(doc["summary"]["by_hazard"]["FPH-2023-0001"], 2);
    let w1 = doc["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == "swarm-w1.example.internal")
        .unwrap();
    assert_eq!(w1["findings"][0]["id"], "FPH-2023-0001");
    assert_eq!(w1["findings"][0]["verdict"], "breaks");
    assert_eq!(
        w1["findings"][0]["missing"],
        serde_json::json!(["apparmor"])
    );
    assert_eq!(
        w1["findings"][0]["conditions"],
        serde_json::json!(["kernel AppArmor enabled", "apparmor not installed"])
    );

    let r = fleetpin(dir.path(), &["hazard", "check", "--format", "github"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!("hazard_check_github", r.stdout);

    // --limit: only the manager, which has apparmor.
    let r = fleetpin(
        dir.path(),
        &["hazard", "check", "--limit", "managers", "--show-avoided"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("swarm-m1.example.internal  docker-ce 5:23.0.1-1~debian.10~buster  FPH-2023-0001 avoided: apparmor installed"),
        "{}",
        r.stdout
    );
}

#[test]
fn unreadable_facts_exit_2_and_the_other_hosts_are_checked() {
    let dir = after_the_deploy();
    write(
        dir.path(),
        ".fleetpin/facts/broken.json",
        "{\"fleetpin_facts\": 1, \"host\": \"broken\",\n  \"packages\": [",
    );
    let r = fleetpin(dir.path(), &["hazard", "check"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("broken.json:2"), "{}", r.stderr);
    assert!(
        r.stdout.contains("2 of 6 hosts hit a hazard"),
        "{}",
        r.stdout
    );

    let empty = tempfile::tempdir().unwrap();
    let r = fleetpin(empty.path(), &["hazard", "check"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("cannot read facts directory"),
        "{}",
        r.stderr
    );
}

/// `--from-ansible`: package facts from the tree, kernel AppArmor and distribution from its
/// `setup/` folder; a host without setup facts is still warned, naming what is unknown.
#[test]
fn check_an_ansible_tree_with_and_without_setup_facts() {
    let dir = tempfile::tempdir().unwrap();
    let packages = |docker: &str| {
        format!(
            r#"{{"ansible_facts": {{"packages": {{"docker-ce": [{{"arch": "amd64", "name": "docker-ce", "source": "apt", "version": "{docker}"}}]}}, "pkg_mgr": "apt"}}, "changed": false}}"#
        )
    };
    let setup = |apparmor: &str| {
        format!(
            r#"{{"ansible_facts": {{"ansible_apparmor": {{"status": "{apparmor}"}}, "ansible_distribution": "Debian", "ansible_distribution_major_version": "10", "ansible_distribution_release": "buster", "ansible_distribution_version": "10.13", "ansible_kernel": "4.19.0-23-amd64"}}, "changed": false}}"#
        )
    };
    let new = "5:23.0.1-1~debian.10~buster";
    write(dir.path(), "tree/node-a", &packages(new));
    write(dir.path(), "tree/setup/node-a", &setup("enabled"));
    write(dir.path(), "tree/node-b", &packages(new));
    write(dir.path(), "tree/setup/node-b", &setup("disabled"));
    write(dir.path(), "tree/node-c", &packages(new));
    write(
        dir.path(),
        "tree/node-d",
        &packages("5:20.10.23~3-0~debian-buster"),
    );
    let r = fleetpin(dir.path(), &["hazard", "check", "--from-ansible", "tree"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!("hazard_check_ansible", snapshot_text(&r, dir.path()));
}
