//! `fleetpin gather`, `fleetpin lock` and `fleetpin drift` end to end, on the incident's
//! Swarm: a manager and a worker on Docker 20.10 (the manager holding `docker-ce`), and a
//! newly added worker that got Docker 23.0.1 and has no `apparmor` (only its config files).
//! Facts are imported from dpkg status files; every run checks exit code, stdout and stderr.

use std::fs;
use std::path::Path;

mod common;
use common::{Run, fleetpin, snapshot_text, write};

const INVENTORY: &str = include_str!("fixtures/fleet/inventory.ini");
const MGR1: &str = include_str!("fixtures/fleet/status/swarm-mgr1");
const WRK1: &str = include_str!("fixtures/fleet/status/swarm-wrk1");
const WRK2: &str = include_str!("fixtures/fleet/status/swarm-wrk2");

const DOCKER_20: &str = "5:20.10.23~3-0~debian-buster";
const DOCKER_23: &str = "5:23.0.1-1~debian.10~buster";

/// The three hosts' dpkg status files and the inventory, in a fresh directory.
fn swarm() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "inventory.ini", INVENTORY);
    write(root, "status/swarm-mgr1", MGR1);
    write(root, "status/swarm-wrk1", WRK1);
    write(root, "status/swarm-wrk2", WRK2);
    dir
}

/// `fleetpin gather` importing the three status files into `.fleetpin/facts`.
fn gather_all(root: &Path) -> Run {
    fleetpin(
        root,
        &[
            "gather",
            "--inventory",
            "inventory.ini",
            "--from-dpkg-status",
            "swarm-mgr1=status/swarm-mgr1",
            "--from-dpkg-status",
            "swarm-wrk1=status/swarm-wrk1",
            "--from-dpkg-status",
            "swarm-wrk2=status/swarm-wrk2",
        ],
    )
}

/// The swarm with facts gathered and `fleetpin.lock` written by majority.
fn locked_swarm() -> tempfile::TempDir {
    let dir = swarm();
    let r = gather_all(dir.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = fleetpin(dir.path(), &["lock", "--prefer", "majority"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    dir
}

#[test]
fn gather_imports_dpkg_status_with_inventory_groups() {
    let dir = swarm();
    let r = gather_all(dir.path());
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("gather", snapshot_text(&r, dir.path()));

    let facts_dir = dir.path().join(".fleetpin/facts");
    let mut names: Vec<String> = fs::read_dir(&facts_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["swarm-mgr1.json", "swarm-wrk1.json", "swarm-wrk2.json"]
    );

    let facts = |host: &str| -> serde_json::Value {
        let text = fs::read_to_string(facts_dir.join(format!("{host}.json"))).unwrap();
        serde_json::from_str(&text).unwrap()
    };
    let package = |facts: &serde_json::Value, name: &str| -> Option<serde_json::Value> {
        facts["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .cloned()
    };
    let mgr1 = facts("swarm-mgr1");
    assert_eq!(mgr1["groups"], serde_json::json!(["managers", "swarm"]));
    assert_eq!(mgr1["source"], "dpkg-status");
    let docker = package(&mgr1, "docker-ce").expect("docker-ce on swarm-mgr1");
    assert_eq!(docker["version"], DOCKER_20);
    assert_eq!(docker["selection"], "hold");

    let wrk2 = facts("swarm-wrk2");
    assert_eq!(wrk2["groups"], serde_json::json!(["swarm", "workers"]));
    assert_eq!(package(&wrk2, "docker-ce").unwrap()["version"], DOCKER_23);
    assert_eq!(package(&wrk2, "docker-ce").unwrap()["selection"], "install");
    // `deinstall ok config-files` is not installed.
    assert_eq!(package(&wrk2, "apparmor"), None);
    assert!(package(&facts("swarm-wrk1"), "apparmor").is_some());
}

#[test]
fn lock_with_conflicts_and_no_rule_writes_nothing() {
    let dir = swarm();
    assert_eq!(gather_all(dir.path()).code, 0);
    let r = fleetpin(dir.path(), &["lock"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!dir.path().join("fleetpin.lock").exists());
    insta::assert_snapshot!("lock_unresolved", snapshot_text(&r, dir.path()));
}

#[test]
fn lock_prefer_majority_then_check() {
    let dir = swarm();
    assert_eq!(gather_all(dir.path()).code, 0);
    let r = fleetpin(dir.path(), &["lock", "--prefer", "majority"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("lock_majority", snapshot_text(&r, dir.path()));
    let lock = fs::read_to_string(dir.path().join("fleetpin.lock")).unwrap();
    insta::assert_snapshot!("lock_majority_file", lock);

    // Up to date: --check takes the rules recorded in the lock.
    let r = fleetpin(dir.path(), &["lock", "--check"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr, "fleetpin.lock is up to date (3 hosts)\n");

    // Locking again with the same facts leaves the file as it was.
    let r = fleetpin(dir.path(), &["lock", "--prefer", "majority"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("unchanged: fleetpin.lock"),
        "{}",
        r.stderr
    );
    assert_eq!(
        fs::read_to_string(dir.path().join("fleetpin.lock")).unwrap(),
        lock
    );
}

#[test]
fn lock_check_fails_after_a_host_is_upgraded() {
    let dir = locked_swarm();
    let before = fs::read_to_string(dir.path().join("fleetpin.lock")).unwrap();
    // The Ansible run reaches swarm-wrk1 too: now 23.0.1 is the majority.
    write(
        dir.path(),
        "status/swarm-wrk1.upgraded",
        &WRK1.replace(DOCKER_20, DOCKER_23),
    );
    let r = fleetpin(
        dir.path(),
        &[
            "gather",
            "-i",
            "inventory.ini",
            "--from-dpkg-status",
            "swarm-wrk1=status/swarm-wrk1.upgraded",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = fleetpin(dir.path(), &["lock", "--check"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!("lock_check_out_of_date", snapshot_text(&r, dir.path()));
    // --check never writes.
    assert_eq!(
        fs::read_to_string(dir.path().join("fleetpin.lock")).unwrap(),
        before
    );
}

#[test]
fn lock_check_without_a_lock_exits_1() {
    let dir = swarm();
    assert_eq!(gather_all(dir.path()).code, 0);
    let r = fleetpin(dir.path(), &["lock", "--check"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("fleetpin.lock does not exist; run `fleetpin lock`"),
        "{}",
        r.stderr
    );
    assert!(!dir.path().join("fleetpin.lock").exists());
}

#[test]
fn drift_text() {
    let dir = locked_swarm();
    let r = fleetpin(dir.path(), &["drift"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!("drift_text", snapshot_text(&r, dir.path()));

    // Above --max-columns drifted hosts: one difference per line.
    let r = fleetpin(dir.path(), &["drift", "--max-columns", "1"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!("drift_text_lines", snapshot_text(&r, dir.path()));
}

#[test]
fn drift_json() {
    let dir = locked_swarm();
    let r = fleetpin(dir.path(), &["drift", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("drift JSON");
    assert_eq!(report["schema"]["version"], 1);
    assert_eq!(report["summary"]["hosts"], 3);
    assert_eq!(report["errors"], serde_json::json!([]));
    let diffs = report["differences"].as_array().unwrap();
    let find = |host: &str, package: &str| {
        diffs
            .iter()
            .find(|d| d["host"] == host && d["package"] == package)
            .unwrap_or_else(|| panic!("no difference for {host} {package}: {}", r.stdout))
    };
    let docker = find("swarm-wrk2", "docker-ce");
    assert_eq!(docker["direction"], "ahead");
    assert_eq!(docker["locked"], DOCKER_20);
    assert_eq!(docker["actual"], DOCKER_23);
    assert_eq!(docker["group_majority"], DOCKER_20);
    assert_eq!(docker["manager"], "dpkg");
    let apparmor = find("swarm-wrk2", "apparmor");
    assert_eq!(apparmor["direction"], "missing");
    assert_eq!(apparmor["locked"], "2.13.2-10");
    assert_eq!(apparmor["actual"], serde_json::Value::Null);
    // swarm-wrk1 matches the lock.
    assert!(
        diffs.iter().all(|d| d["host"] != "swarm-wrk1"),
        "{}",
        r.stdout
    );
    insta::assert_snapshot!("drift_json", snapshot_text(&r, dir.path()));
}

#[test]
fn drift_without_drift_exits_0() {
    let dir = swarm();
    // Only the two hosts that agree.
    let r = fleetpin(
        dir.path(),
        &[
            "gather",
            "--from-dpkg-status",
            "swarm-wrk1=status/swarm-wrk1",
            "--from-dpkg-status",
            "swarm-mgr1=status/swarm-wrk1",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = fleetpin(dir.path(), &["lock"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = fleetpin(dir.path(), &["drift"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "no drift: 2 hosts match fleetpin.lock\n");
}

#[test]
fn unreadable_facts_exit_2_and_the_rest_is_reported() {
    let dir = locked_swarm();
    write(
        dir.path(),
        ".fleetpin/facts/swarm-wrk3.json",
        "Package: docker-ce\nStatus: install ok installed\n",
    );
    let r = fleetpin(dir.path(), &["drift"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("swarm-wrk3.json"), "{}", r.stderr);
    assert!(r.stdout.contains("swarm-wrk2"), "{}", r.stdout);
    insta::assert_snapshot!("drift_bad_facts_text", snapshot_text(&r, dir.path()));

    let r = fleetpin(dir.path(), &["drift", "--format", "json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("drift JSON");
    assert_eq!(report["summary"]["hosts"], 3);
    assert_eq!(report["summary"]["hosts_with_drift"], 2);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{}", r.stdout);
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains(".fleetpin/facts/swarm-wrk3.json"),
        "{}",
        r.stdout
    );

    // The lock check still compares the readable hosts, and says some were skipped.
    let r = fleetpin(dir.path(), &["lock", "--check"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("swarm-wrk3.json"), "{}", r.stderr);
    assert!(
        r.stderr.contains("the check covers the other 3 hosts only"),
        "{}",
        r.stderr
    );

    // A lock is never written from part of the fleet: the existing one stays as it was,
    // even with a rule that would resolve every conflict of the readable hosts.
    let lock = dir.path().join("fleetpin.lock");
    let before = fs::read(&lock).unwrap();
    let mtime = fs::metadata(&lock).unwrap().modified().unwrap();
    let r = fleetpin(dir.path(), &["lock", "--prefer", "highest"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("1 host without readable facts (listed above): fix or remove the file, gather that host again, or pass --skip-unreadable to lock without it; fleetpin.lock was not written"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read(&lock).unwrap(), before);
    assert_eq!(fs::metadata(&lock).unwrap().modified().unwrap(), mtime);
    let leftovers: Vec<_> = fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("fleetpin.lock") && n != "fleetpin.lock")
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A symlink loop among the facts is one more unreadable file, named, not a hang.
    std::os::unix::fs::symlink("loop.json", dir.path().join(".fleetpin/facts/loop.json")).unwrap();
    let r = fleetpin(dir.path(), &["drift"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("loop.json"), "{}", r.stderr);
    assert!(r.stdout.contains("swarm-wrk2"), "{}", r.stdout);
}

#[test]
fn bad_dpkg_status_exits_2_and_the_other_hosts_are_gathered() {
    let dir = swarm();
    write(
        dir.path(),
        "status/swarm-wrk2",
        &WRK2.replace(DOCKER_23, "5:"),
    );
    let r = gather_all(dir.path());
    assert_eq!(r.code, 2, "{}", r.stderr);
    insta::assert_snapshot!("gather_bad_status", snapshot_text(&r, dir.path()));
    let facts = dir.path().join(".fleetpin/facts");
    assert!(facts.join("swarm-mgr1.json").exists());
    assert!(facts.join("swarm-wrk1.json").exists());
    assert!(!facts.join("swarm-wrk2.json").exists());
}

#[test]
fn newer_lock_format_is_refused() {
    let dir = locked_swarm();
    let lock = dir.path().join("fleetpin.lock");
    let text = fs::read_to_string(&lock).unwrap();
    assert!(text.contains("\nversion = 1\n"), "{text}");
    let newer = text.replace("\nversion = 1\n", "\nversion = 99\n");
    fs::write(&lock, &newer).unwrap();

    let r = fleetpin(dir.path(), &["drift"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    insta::assert_snapshot!("drift_newer_lock", snapshot_text(&r, dir.path()));

    let r = fleetpin(dir.path(), &["lock", "--check"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    insta::assert_snapshot!("lock_check_newer_lock", snapshot_text(&r, dir.path()));

    // Nor is it overwritten by an older fleetpin.
    let r = fleetpin(dir.path(), &["lock", "--prefer", "majority"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert_eq!(fs::read_to_string(&lock).unwrap(), newer);
}

#[test]
fn inventory_syntax_error_exits_2() {
    let dir = swarm();
    write(
        dir.path(),
        "inventory.ini",
        &INVENTORY.replace("[workers]", "[workers"),
    );
    let r = gather_all(dir.path());
    assert_eq!(r.code, 2, "{}", r.stderr);
    insta::assert_snapshot!("gather_bad_inventory", snapshot_text(&r, dir.path()));
    assert!(!dir.path().join(".fleetpin").exists());
}

#[test]
fn drift_with_no_facts_exits_2() {
    let dir = locked_swarm();
    fs::create_dir(dir.path().join("empty")).unwrap();
    // An empty facts directory (a typo in CI, a gather that never ran) is not "no drift".
    let r = fleetpin(dir.path(), &["drift", "--facts-dir", "empty"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "error: no host facts in empty (run `fleetpin gather` first)\n"
    );
    let r = fleetpin(dir.path(), &["drift", "--facts-dir", "missing"]);
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stderr.contains("missing"), "{}", r.stderr);
}

#[test]
fn lock_group_by_managers_keeps_the_hold() {
    let dir = swarm();
    assert_eq!(gather_all(dir.path()).code, 0);
    // The workers alone tie one to one: majority cannot decide, lowest does.
    let r = fleetpin(
        dir.path(),
        &[
            "lock",
            "--group-by",
            "managers",
            "--prefer",
            "majority",
            "--prefer",
            "lowest",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!("lock_group_by_managers", snapshot_text(&r, dir.path()));
    let lock = fs::read_to_string(dir.path().join("fleetpin.lock")).unwrap();
    insta::assert_snapshot!("lock_group_by_managers_file", lock);

    // Someone runs `apt-mark unhold docker-ce` on the manager.
    write(
        dir.path(),
        "status/swarm-mgr1",
        &MGR1.replace("hold ok installed", "install ok installed"),
    );
    let r = fleetpin(
        dir.path(),
        &[
            "gather",
            "-i",
            "inventory.ini",
            "--from-dpkg-status",
            "swarm-mgr1=status/swarm-mgr1",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = fleetpin(dir.path(), &["drift"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!("drift_group_by_not_held", snapshot_text(&r, dir.path()));
}

/// One host's `ansible -m ansible.builtin.package_facts --tree` file, as Ansible writes it
/// (`json.dumps(result, sort_keys=True)`).
fn package_facts(packages: &[(&str, &str)]) -> String {
    let entries: Vec<String> = packages
        .iter()
        .map(|(name, version)| {
            format!(
                r#""{name}": [{{"arch": "amd64", "category": "admin", "name": "{name}", "origin": "Debian", "source": "apt", "version": "{version}"}}]"#
            )
        })
        .collect();
    format!(
        r#"{{"ansible_facts": {{"packages": {{{}}}}}, "changed": false}}"#,
        entries.join(", ")
    )
}

/// A `tree/` of package_facts files, one per (host, docker-ce version), with containerd.io
/// 1.6.18-1 everywhere, and `tree/swarm-wrk3` as Ansible leaves an unreachable host.
fn write_tree(root: &Path, hosts: &[(&str, &str)]) {
    for (host, docker) in hosts {
        write(
            root,
            &format!("tree/{host}"),
            &package_facts(&[("containerd.io", "1.6.18-1"), ("docker-ce", docker)]),
        );
    }
    write(
        root,
        "tree/swarm-wrk3",
        r#"{"changed": false, "msg": "Failed to connect to the host via ssh", "unreachable": true}"#,
    );
}

#[test]
fn lock_and_drift_straight_from_an_ansible_package_facts_tree() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // An unreachable host sits in the tree as Ansible leaves it: reported, the rest locked.
    write_tree(
        root,
        &[
            ("swarm-mgr1", DOCKER_20),
            ("swarm-wrk1", DOCKER_20),
            ("swarm-wrk2", DOCKER_23),
        ],
    );

    let r = fleetpin(
        root,
        &["lock", "--from-ansible", "tree", "--prefer", "majority"],
    );
    assert_eq!(r.code, 2, "an unreachable host is an error: {}", r.stderr);
    assert!(r.stderr.contains("swarm-wrk3"), "{}", r.stderr);
    assert!(!root.join("fleetpin.lock").exists(), "{}", r.stderr);
    // Leaving it out is the operator's explicit choice, and then a success.
    let r = fleetpin(
        root,
        &[
            "lock",
            "--from-ansible",
            "tree",
            "--prefer",
            "majority",
            "--skip-unreadable",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("warning: leaving out unreadable facts: tree/swarm-wrk3"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("wrote fleetpin.lock (3 hosts"),
        "{}",
        r.stderr
    );
    let lock = fs::read_to_string(root.join("fleetpin.lock")).unwrap();
    assert!(
        lock.contains(&format!("docker-ce = \"{DOCKER_20}\"")),
        "the majority is locked: {lock}"
    );

    fs::remove_file(root.join("tree/swarm-wrk3")).unwrap();
    let r = fleetpin(
        root,
        &["drift", "--from-ansible", "tree", "--format", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("drift JSON");
    assert_eq!(report["summary"]["hosts"], 3);
    let diffs = report["differences"].as_array().unwrap();
    assert_eq!(diffs.len(), 1, "{}", r.stdout);
    assert_eq!(diffs[0]["host"], "swarm-wrk2");
    assert_eq!(diffs[0]["package"], "docker-ce");
    assert_eq!(diffs[0]["direction"], "ahead");
    assert_eq!(diffs[0]["locked"], DOCKER_20);
    assert_eq!(diffs[0]["actual"], DOCKER_23);

    // Both sources at once is a usage error.
    let r = fleetpin(
        root,
        &["drift", "--from-ansible", "tree", "--facts-dir", "facts"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
}

#[test]
fn gather_from_an_ansible_tree_with_inventory_limit_and_a_duplicate() {
    let dir = swarm();
    let root = dir.path();
    write_tree(
        root,
        &[
            ("swarm-mgr1", DOCKER_20),
            ("swarm-wrk1", DOCKER_20),
            ("swarm-wrk2", DOCKER_20),
        ],
    );
    let r = fleetpin(
        root,
        &[
            "gather",
            "--inventory",
            "inventory.ini",
            "--limit",
            "swarm:!swarm-mgr1",
            "--from-ansible",
            "tree",
            // Also imported from a status file: neither copy may be written.
            "--from-dpkg-status",
            "swarm-wrk2=status/swarm-wrk2",
        ],
    );
    assert_eq!(r.code, 2, "a duplicate is an error: {}", r.stderr);
    assert!(
        r.stderr.contains("gathered 1 of 2 hosts"),
        "swarm-mgr1 is outside the limit and swarm-wrk3 outside the inventory: {}",
        r.stderr
    );
    assert!(
        r.stderr.contains("swarm-wrk2") && r.stderr.contains("duplicate host"),
        "{}",
        r.stderr
    );
    let facts_dir = root.join(".fleetpin/facts");
    let mut names: Vec<String> = fs::read_dir(&facts_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["swarm-wrk1.json", "swarm-wrk2.gather-failed"],
        "only the selected, unique host has facts; the duplicate is recorded as failed"
    );
    let wrk1: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(facts_dir.join("swarm-wrk1.json")).unwrap())
            .unwrap();
    assert_eq!(wrk1["groups"], serde_json::json!(["swarm", "workers"]));
    assert_eq!(wrk1["source"], "ansible");

    // Without the limit, the unreachable host is listed and the others are kept.
    let r = fleetpin(root, &["gather", "--from-ansible", "tree"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("gathered 3 of 4 hosts"), "{}", r.stderr);
    assert!(
        r.stderr
            .contains("ansible reported host `swarm-wrk3` unreachable"),
        "{}",
        r.stderr
    );
}

#[test]
fn drift_limit_reports_only_the_selected_hosts_against_the_whole_group() {
    let dir = locked_swarm();
    let root = dir.path();
    // The workers: only swarm-wrk2 drifts, and the majority still counts every host.
    let r = fleetpin(
        root,
        &[
            "drift",
            "--inventory",
            "inventory.ini",
            "--limit",
            "workers",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report: serde_json::Value = serde_json::from_str(&r.stdout).expect("drift JSON");
    assert_eq!(report["summary"]["hosts"], 2);
    assert_eq!(report["summary"]["hosts_with_drift"], 1);
    let diffs = report["differences"].as_array().unwrap();
    assert!(
        diffs.iter().all(|d| d["host"] == "swarm-wrk2"),
        "{}",
        r.stdout
    );
    let docker = diffs
        .iter()
        .find(|d| d["package"] == "docker-ce")
        .expect("docker-ce drifts on swarm-wrk2");
    assert_eq!(docker["group_majority"], DOCKER_20);

    // swarm-wrk1 alone matches the lock (swarm-mgr1's hold is outside the limit).
    let r = fleetpin(
        root,
        &[
            "drift",
            "-i",
            "inventory.ini",
            "--limit",
            "swarm:!swarm-wrk2:!managers",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "no drift: 1 hosts match fleetpin.lock\n");

    // A pattern that selects nothing is a usage error, not "no drift".
    let r = fleetpin(root, &["drift", "-i", "inventory.ini", "--limit", "db*"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("matches no host"), "{}", r.stderr);
    // Without an inventory, --limit works from the groups recorded in the facts (issue 8):
    // the same report as with the inventory.
    let with_inventory = fleetpin(
        root,
        &[
            "drift",
            "-i",
            "inventory.ini",
            "--limit",
            "workers",
            "--format",
            "json",
        ],
    );
    let r = fleetpin(root, &["drift", "--limit", "workers", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, with_inventory.stdout);
    let r = fleetpin(root, &["drift", "--limit", "db*"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("--limit matches no host of the facts: `db*`"),
        "{}",
        r.stderr
    );
}

#[test]
fn gather_prune_drops_the_facts_of_hosts_that_left_the_inventory() {
    let dir = swarm();
    let root = dir.path();
    let r = gather_all(root);
    assert_eq!(r.code, 0, "{}", r.stderr);
    write(root, ".fleetpin/facts/NOTES.txt", "kept: not a facts file");
    // swarm-wrk2 is decommissioned: gone from the inventory.
    write(
        root,
        "inventory.ini",
        "[managers]\nswarm-mgr1\n\n[workers]\nswarm-wrk1\n\n[swarm:children]\nmanagers\nworkers\n",
    );
    // Without --prune its stale facts stay and still count.
    let r = fleetpin(
        root,
        &[
            "gather",
            "-i",
            "inventory.ini",
            "--from-dpkg-status",
            "swarm-wrk1=status/swarm-wrk1",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(root.join(".fleetpin/facts/swarm-wrk2.json").exists());

    let r = fleetpin(
        root,
        &[
            "gather",
            "-i",
            "inventory.ini",
            "--prune",
            "--from-dpkg-status",
            "swarm-wrk1=status/swarm-wrk1",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("pruned the facts of 1 host no longer in the inventory: swarm-wrk2"),
        "{}",
        r.stderr
    );
    let mut names: Vec<String> = fs::read_dir(root.join(".fleetpin/facts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["NOTES.txt", "swarm-mgr1.json", "swarm-wrk1.json"]);
    let r = fleetpin(root, &["lock", "--prefer", "majority"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = fleetpin(root, &["drift"]);
    assert_eq!(r.code, 1, "swarm-mgr1 holds docker-ce: {}", r.stdout);
    assert!(r.stdout.contains("of 2 hosts"), "{}", r.stdout);

    // --prune without an inventory has nothing to compare with.
    let r = fleetpin(root, &["gather", "--prune", "swarm-mgr1"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// The repo's own code says which packages matter: `fleetpin lint --list-packages` feeds
/// `fleetpin lock --packages`, and the lock holds exactly those.
#[test]
fn lock_only_the_packages_the_code_installs() {
    let dir = swarm();
    let root = dir.path();
    write(
        root,
        "repo/site.yml",
        "- hosts: swarm\n  serial: 1\n  tasks:\n    - apt:\n        name: [docker-ce, \"containerd.io\"]\n        state: present\n    - shell: apt-get install -y apparmor\n",
    );
    let r = gather_all(root);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = fleetpin(
        root,
        &[
            "lint",
            "--list-packages",
            "repo",
            "--output-file",
            "packages.txt",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let list = fs::read_to_string(root.join("packages.txt")).unwrap();
    assert!(
        list.contains("docker-ce      # apt: repo/site.yml:5"),
        "{list}"
    );

    let r = fleetpin(
        root,
        &["lock", "--packages", "packages.txt", "--prefer", "majority"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lock = fs::read_to_string(root.join("fleetpin.lock")).unwrap();
    let locked: Vec<&str> = lock
        .lines()
        .skip_while(|l| *l != "[packages]")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .map(|l| l.split(" = ").next().unwrap().trim_matches('"'))
        .collect();
    assert_eq!(locked, ["apparmor", "containerd.io", "docker-ce"], "{lock}");
    assert!(lock.contains("scope = \"listed\""), "{lock}");

    // JSON for tools.
    let r = fleetpin(
        root,
        &["lint", "--list-packages", "--format", "json", "repo"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(doc["packages"][0]["name"], "apparmor");
    assert_eq!(doc["packages"][0]["locations"][0]["line"], 7);
}

/// Hosts read from a package_facts tree take their groups from `--inventory`, so a lock can
/// keep the managers apart; drift then compares each host with its own group.
#[test]
fn from_ansible_hosts_get_inventory_groups() {
    let dir = swarm();
    let root = dir.path();
    // The manager runs Docker 23, the workers 20.10.
    for (host, docker) in [
        ("swarm-mgr1", DOCKER_23),
        ("swarm-wrk1", DOCKER_20),
        ("swarm-wrk2", DOCKER_20),
    ] {
        write(
            root,
            &format!("tree/{host}"),
            &package_facts(&[("docker-ce", docker)]),
        );
    }
    let r = fleetpin(
        root,
        &[
            "lock",
            "--from-ansible",
            "tree",
            "-i",
            "inventory.ini",
            "--group-by",
            "managers",
        ],
    );
    assert_eq!(r.code, 0, "no conflict inside a group: {}", r.stderr);
    let lock = fs::read_to_string(root.join("fleetpin.lock")).unwrap();
    assert!(
        lock.contains(&format!(
            "[packages]\ndocker-ce = \"{DOCKER_20}\"\n\n[groups.managers.packages]\ndocker-ce = \"{DOCKER_23}\""
        )),
        "{lock}"
    );
    let r = fleetpin(
        root,
        &["drift", "--from-ansible", "tree", "-i", "inventory.ini"],
    );
    assert_eq!(r.code, 0, "{}", r.stdout);
    // Without the inventory the manager has no group: it drifts from `all`.
    let r = fleetpin(root, &["drift", "--from-ansible", "tree"]);
    assert_eq!(r.code, 1, "{}", r.stdout);
    assert!(r.stdout.contains("swarm-mgr1"), "{}", r.stdout);
}
