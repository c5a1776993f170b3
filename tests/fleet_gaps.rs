//! Issue 8: `lock` and `drift` never drop a host or a locked package silently; versions from
//! every input are validated; `--from-dpkg-query` reads real `dpkg-query` output honestly;
//! `drift --limit` works from the groups recorded in the facts.

use fleetpin_testkit::dpkg_query;
use std::fs;
use std::path::Path;

mod common;
use common::{Run, fleetpin, write};

const INVENTORY: &str = include_str!("fixtures/fleet/inventory.ini");
const MGR1: &str = include_str!("fixtures/fleet/status/swarm-mgr1");
const WRK1: &str = include_str!("fixtures/fleet/status/swarm-wrk1");
const WRK2: &str = include_str!("fixtures/fleet/status/swarm-wrk2");

fn swarm(hosts: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Two more workers: swarm-wrk3 never gathered, swarm-wrk4 whose first gather fails.
    write(
        root,
        "inventory.ini",
        &INVENTORY.replace(
            "swarm-wrk2 ansible_host=10.0.0.22",
            "swarm-wrk2 ansible_host=10.0.0.22\nswarm-wrk3 ansible_host=10.0.0.23\nswarm-wrk4 ansible_host=10.0.0.24",
        ),
    );
    let mut args = vec!["gather".to_string(), "-i".into(), "inventory.ini".into()];
    for (host, status) in hosts {
        write(root, &format!("status/{host}"), status);
        args.push("--from-dpkg-status".into());
        args.push(format!("{host}=status/{host}"));
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let r = fleetpin(root, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    dir
}

fn all_three() -> tempfile::TempDir {
    let dir = swarm(&[
        ("swarm-mgr1", MGR1),
        ("swarm-wrk1", WRK1),
        ("swarm-wrk2", WRK2),
    ]);
    let r = fleetpin(dir.path(), &["lock", "--prefer", "majority"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    dir
}

fn json(r: &Run) -> serde_json::Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// A gather that fails for every host: the ssh client is `false`.
fn failing_gather(root: &Path, hosts: &[&str]) -> Run {
    let mut args = vec!["gather", "-i", "inventory.ini", "--ssh-program", "false"];
    args.extend_from_slice(hosts);
    fleetpin(root, &args)
}

#[test]
fn failed_gathers_stale_facts_and_hosts_without_facts_are_reported() {
    let dir = all_three();
    let root = dir.path();
    let r = failing_gather(root, &["swarm-wrk2", "swarm-wrk4"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("2 hosts failed"), "{}", r.stderr);
    let facts = root.join(".fleetpin/facts");
    assert!(facts.join("swarm-wrk2.gather-failed").is_file());
    assert!(facts.join("swarm-wrk4.gather-failed").is_file());
    assert!(
        facts.join("swarm-wrk2.json").is_file(),
        "old facts are kept"
    );

    // JSON: every host accounted for.
    let r = fleetpin(root, &["drift", "-i", "inventory.ini", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = json(&r);
    let gaps = report["host_gaps"].as_array().unwrap();
    let problems: Vec<(&str, &str)> = gaps
        .iter()
        .map(|g| (g["host"].as_str().unwrap(), g["problem"].as_str().unwrap()))
        .collect();
    assert_eq!(
        problems,
        [
            ("swarm-wrk2", "stale-facts"),
            ("swarm-wrk3", "no-facts"),
            ("swarm-wrk4", "gather-failed"),
        ]
    );
    assert_eq!(gaps[0]["kind"], gaps[2]["kind"]);
    assert!(gaps[0]["failed_at"].is_u64());
    assert_eq!(report["summary"]["hosts"], 3);
    assert_eq!(report["summary"]["hosts_not_compared"], 2);
    assert_eq!(report["summary"]["hosts_stale"], 1);

    // Text, without an inventory: the failure records still name both hosts.
    let r = fleetpin(root, &["drift"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("swarm-wrk2: last gather failed (")
            && r.stderr.contains("compared on stale facts"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("swarm-wrk4: gather failed (")
            && r.stderr.contains("no facts, not compared"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.contains(
            "1 host not compared (gather failed or no facts), 1 host compared on stale facts"
        ),
        "{}",
        r.stdout
    );

    // --limit without an inventory uses the groups recorded with the failure too.
    let r = fleetpin(root, &["drift", "--limit", "workers", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let limited = json(&r);
    let hosts: Vec<&str> = limited["host_gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["host"].as_str().unwrap())
        .collect();
    assert_eq!(hosts, ["swarm-wrk2", "swarm-wrk4"]);

    // The lock is not rewritten from part of the fleet; --skip-unreadable leaves the host
    // out knowingly, and says so.
    let before = fs::read(root.join("fleetpin.lock")).unwrap();
    let r = fleetpin(root, &["lock", "--prefer", "majority"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("error: swarm-wrk4: gather failed"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("fleetpin.lock was not written"),
        "{}",
        r.stderr
    );
    assert_eq!(fs::read(root.join("fleetpin.lock")).unwrap(), before);
    // The same in JSON.
    let r = fleetpin(root, &["lock", "--prefer", "majority", "--format", "json"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let report = json(&r);
    assert_eq!(report["outcome"], "not-written");
    assert_eq!(report["hosts"], 3);
    let lock_gaps: Vec<(&str, &str)> = report["host_gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["host"].as_str().unwrap(), g["problem"].as_str().unwrap()))
        .collect();
    assert_eq!(
        lock_gaps,
        [
            ("swarm-wrk2", "stale-facts"),
            ("swarm-wrk4", "gather-failed")
        ]
    );
    assert!(
        report["errors"][0]
            .as_str()
            .unwrap()
            .starts_with("swarm-wrk4: gather failed"),
        "{}",
        r.stdout
    );
    let r = fleetpin(root, &["lock", "--prefer", "majority", "--skip-unreadable"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("leaving out swarm-wrk4: gather failed"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains("swarm-wrk2: last gather failed"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_successful_gather_clears_the_failure() {
    let dir = all_three();
    let root = dir.path();
    let r = failing_gather(root, &["swarm-wrk2"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let r = fleetpin(
        root,
        &[
            "gather",
            "-i",
            "inventory.ini",
            "--from-dpkg-status",
            "swarm-wrk2=status/swarm-wrk2",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        !root
            .join(".fleetpin/facts/swarm-wrk2.gather-failed")
            .exists()
    );
    let r = fleetpin(root, &["drift", "--format", "json"]);
    assert_eq!(json(&r)["host_gaps"], serde_json::json!([]));
}

#[test]
fn locked_packages_no_host_has_are_reported() {
    let dir = all_three();
    let root = dir.path();
    let lock = fs::read_to_string(root.join("fleetpin.lock")).unwrap();
    let lock = lock
        .replace("group-by = []", "group-by = [\"db\"]")
        .replace("[packages]\n", "[packages]\nnosuch = \"1.0-1\"\n")
        + "\n[groups.db.packages]\npostgresql = \"15.5-0+deb12u1\"\n";
    fs::write(root.join("fleetpin.lock"), lock).unwrap();
    let r = fleetpin(root, &["drift", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = json(&r);
    assert_eq!(
        report["locked_on_no_host"],
        serde_json::json!([
            { "group": "all", "package": "nosuch", "locked": "1.0-1", "group_hosts": 3 },
            { "group": "db", "package": "postgresql", "locked": "15.5-0+deb12u1", "group_hosts": 0 },
        ])
    );
    assert_eq!(report["summary"]["locked_on_no_host"], 2);
    assert!(
        r.stderr.contains(
            "`postgresql` 15.5-0+deb12u1 is locked for group `db`, which has no host in the facts"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("`nosuch` 1.0-1 is locked for group `all`, but none of its 3 hosts has it"),
        "{}",
        r.stderr
    );
}

#[test]
fn listed_packages_no_host_has_are_named_by_lock() {
    let dir = all_three();
    let root = dir.path();
    write(root, "packages.txt", "docker-ce\nnosuch\n");
    let r = fleetpin(
        root,
        &["lock", "--packages", "packages.txt", "--prefer", "majority"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("1 listed package is installed on no host, so not locked: nosuch"),
        "{}",
        r.stderr
    );

    // A package of the old lock that no host has any more is named when it drops out.
    let r = fleetpin(root, &["lock", "--prefer", "majority"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let lock = fs::read_to_string(root.join("fleetpin.lock")).unwrap();
    let lock = lock.replace("[packages]\n", "[packages]\ngone = \"1.0-1\"\n");
    fs::write(root.join("fleetpin.lock"), lock).unwrap();
    let r = fleetpin(root, &["lock", "--prefer", "majority"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "`gone` was locked at 1.0-1 in group `all`; no host has it any more, so it is no longer locked"
        ),
        "{}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("`base-files` was locked"),
        "{}",
        r.stderr
    );
    let lock = fs::read_to_string(root.join("fleetpin.lock")).unwrap();
    fs::write(
        root.join("fleetpin.lock"),
        lock.replace("[packages]\n", "[packages]\ngone = \"1.0-1\"\n"),
    )
    .unwrap();
    let r = fleetpin(root, &["lock", "--prefer", "majority", "--format", "json"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report = json(&r);
    assert_eq!(
        report["dropped"],
        serde_json::json!([{ "group": "all", "package": "gone", "locked": "1.0-1" }])
    );
    assert_eq!(report["outcome"], "written");
}

#[test]
fn a_majority_tie_names_the_hosts_and_the_rules_to_add() {
    let dir = swarm(&[("swarm-mgr1", MGR1), ("swarm-wrk2", WRK2)]);
    let root = dir.path();
    let r = fleetpin(root, &["lock", "--prefer", "majority"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "-> unresolved: `--prefer majority` is a tie, 1 host each for 5:23.0.1-1~debian.10~buster (swarm-wrk2) vs 5:20.10.23~3-0~debian-buster (swarm-mgr1)"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.contains(
            "hint: add a rule after `--prefer majority`: `--prefer lowest`, `--prefer highest`, or a host whose version wins (`--prefer swarm-wrk2` for 5:23.0.1-1~debian.10~buster, `--prefer swarm-mgr1` for 5:20.10.23~3-0~debian-buster)"
        ),
        "{}",
        r.stderr
    );
    let r = fleetpin(root, &["lock", "--prefer", "majority", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let report = json(&r);
    assert_eq!(report["outcome"], "not-written");
    let docker = report["conflicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["package"] == "docker-ce")
        .unwrap();
    assert_eq!(docker["majority_tie"], true);
    assert_eq!(docker["resolution"], serde_json::Value::Null);
    assert_eq!(
        docker["candidates"][0]["hosts"],
        serde_json::json!(["swarm-wrk2"])
    );
    let r = fleetpin(
        root,
        &["lock", "--prefer", "majority", "--prefer", "swarm-mgr1"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn bad_versions_in_facts_and_lock_are_input_errors_with_file_and_line() {
    let dir = all_three();
    let root = dir.path();
    let facts = root.join(".fleetpin/facts/swarm-wrk1.json");
    let text = fs::read_to_string(&facts).unwrap();
    let line = text
        .lines()
        .position(|l| l.contains("\"name\":\"base-files\""))
        .unwrap()
        + 1;
    let bash = text.lines().nth(line - 1).unwrap().to_string();
    let start = bash.find("\"version\":\"").unwrap() + 11;
    let end = start + bash[start..].find('"').unwrap();
    let broken = format!("{}5.2 15{}", &bash[..start], &bash[end..]);
    fs::write(&facts, text.replace(&bash, &broken)).unwrap();
    let r = fleetpin(root, &["drift"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "swarm-wrk1.json:{line}: package `base-files`: invalid dpkg version: version string `5.2 15` has embedded spaces"
        )),
        "{}",
        r.stderr
    );

    let lock = fs::read_to_string(root.join("fleetpin.lock")).unwrap();
    let lock_line = lock
        .lines()
        .position(|l| l.starts_with("base-files ="))
        .unwrap()
        + 1;
    let old = lock.lines().nth(lock_line - 1).unwrap();
    fs::write(
        root.join("fleetpin.lock"),
        lock.replace(old, "base-files = \"5.2 15\""),
    )
    .unwrap();
    let r = fleetpin(root, &["drift"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!(
            "fleetpin.lock:{lock_line}: package `base-files`: invalid dpkg version"
        )),
        "{}",
        r.stderr
    );
}

/// A temporary dpkg admin directory holding `status`.
fn admindir(root: &Path, status: &str) -> std::path::PathBuf {
    fleetpin_testkit::dpkg_admindir(&root.join("admin"), status)
}

#[test]
fn from_dpkg_query_with_real_dpkg_query_output() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // swarm-wrk2's status file: apparmor is `deinstall ok config-files` there.
    assert!(WRK2.contains("Status: deinstall ok config-files"));
    let admin = admindir(root, WRK2);
    let format = "${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Abbrev}\\n";
    let query = dpkg_query(&admin, Some(format));
    assert!(
        query
            .lines()
            .any(|l| l.starts_with("apparmor\t") && l.ends_with("\trc ")),
        "{query}"
    );
    // A BOM in front, as some editors and shells write it.
    write(root, "wrk2.txt", &format!("\u{feff}{query}"));
    let r = fleetpin(
        root,
        &["gather", "--from-dpkg-query", "swarm-wrk2=wrk2.txt"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let from_query: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root.join(".fleetpin/facts/swarm-wrk2.json")).unwrap(),
    )
    .unwrap();
    let r = fleetpin(
        root,
        &[
            "gather",
            "--facts-dir",
            "status-facts",
            "--from-dpkg-status",
            "swarm-wrk2=admin/status",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let from_status: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(root.join("status-facts/swarm-wrk2.json")).unwrap(),
    )
    .unwrap();
    // Same packages from both imports, exactly dpkg-query's installed ones (no `rc`
    // package; the BOM did not become part of the first name).
    assert_eq!(from_query["packages"], from_status["packages"]);
    let names: Vec<&str> = from_query["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(!names.contains(&"apparmor"), "{names:?}");
    let installed: Vec<&str> = query
        .lines()
        .filter(|l| {
            let abbrev = l.rsplit('\t').next().unwrap().as_bytes();
            !matches!(abbrev[1], b'n' | b'c')
        })
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert_eq!(names, installed, "what dpkg-query says is installed");

    // Plain `dpkg-query -W` output cannot tell `rc` from installed: an input error.
    write(root, "plain.txt", &dpkg_query(&admin, None));
    let r = fleetpin(
        root,
        &["gather", "--from-dpkg-query", "swarm-wrk2=plain.txt"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("plain.txt:1: no status column"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("dpkg-query -W -f"), "{}", r.stderr);
}

#[test]
fn prune_drops_the_failure_records_of_hosts_that_left_the_inventory() {
    let dir = all_three();
    let root = dir.path();
    let r = failing_gather(root, &["swarm-wrk4"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    let record = root.join(".fleetpin/facts/swarm-wrk4.gather-failed");
    assert!(record.is_file());
    let inv = fs::read_to_string(root.join("inventory.ini")).unwrap();
    write(
        root,
        "inventory.ini",
        &inv.replace("swarm-wrk4 ansible_host=10.0.0.24\n", ""),
    );
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
            .contains("pruned the facts of 1 host no longer in the inventory: swarm-wrk4"),
        "{}",
        r.stderr
    );
    assert!(!record.exists());
}

#[test]
fn lock_refuses_a_limit_rather_than_lock_part_of_the_fleet() {
    let dir = all_three();
    let root = dir.path();
    let before = fs::read(root.join("fleetpin.lock")).unwrap();
    let r = fleetpin(
        root,
        &["lock", "--prefer", "majority", "--limit", "workers"],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("takes no --limit"), "{}", r.stderr);
    assert_eq!(fs::read(root.join("fleetpin.lock")).unwrap(), before);
}
