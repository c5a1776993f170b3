//! `fleetpin plan` end to end on examples/swarm-cluster: facts gathered from the example's
//! dpkg status files (w1 with its apparmor purged, as on the incident's nodes), the docker
//! buster fixture index; text, JSON (schema marker) and GitHub formats, and exit codes.

mod common;
use common::fleetpin;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// A working directory with `.fleetpin/facts` for m1, w1 (without apparmor) and w2.
fn setup() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let ex = root().join("examples/swarm-cluster");
    let w1 = std::fs::read_to_string(ex.join("fleet/status/swarm-w1.example.internal")).unwrap();
    let w1: String = w1
        .split("\n\n")
        .filter(|s| !s.starts_with("Package: apparmor\n"))
        .collect::<Vec<_>>()
        .join("\n\n");
    let w1_path = dir.path().join("w1.status");
    std::fs::write(&w1_path, w1).unwrap();
    let inv = ex.join("inventory/hosts.ini");
    let m1 = format!(
        "swarm-m1.example.internal={}",
        ex.join("fleet/status/swarm-m1.example.internal").display()
    );
    let w1 = format!("swarm-w1.example.internal={}", w1_path.display());
    let w2 = format!(
        "swarm-w2.example.internal={}",
        ex.join("fleet/status/swarm-w2.example.internal").display()
    );
    let out = fleetpin(
        dir.path(),
        &[
            "gather",
            "-i",
            inv.to_str().unwrap(),
            "--from-dpkg-status",
            &m1,
            "--from-dpkg-status",
            &w1,
            "--from-dpkg-status",
            &w2,
        ],
    );
    assert!((out.code == 0), "{}", out.stderr.as_str());
    // The lock takes the majority version (docker 20.10): w1's 23.0.1 lands ahead of it.
    let out = fleetpin(dir.path(), &["lock", "--prefer", "majority"]);
    assert!((out.code == 0), "{}", out.stderr.as_str());
    let index = root().join("crates/fleetpin-plan/tests/fixtures/docker-buster/Packages");
    (dir, ex, index)
}

#[test]
fn plan_text_json_github_and_exit_codes() {
    let (dir, ex, index) = setup();
    let inv = ex.join("inventory/hosts.ini");
    let base = [
        "plan",
        ex.to_str().unwrap(),
        "--index",
        index.to_str().unwrap(),
        "-i",
        inv.to_str().unwrap(),
    ];
    // Only the hosts with facts: the input is complete, the plan risky → exit 1.
    let mut args: Vec<&str> = base.to_vec();
    args.extend([
        "--limit",
        "swarm-m1.example.internal,swarm-w1.example.internal,swarm-w2.example.internal",
    ]);
    let out = fleetpin(dir.path(), &args);
    let stdout = out.stdout.as_str();
    let stderr = out.stderr.as_str();
    assert_eq!(out.code, 1, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("HAZARD FPH-2023-0001 docker-ce 5:23.0.1"),
        "{stdout}"
    );
    assert!(stdout.contains("refused at"), "{stdout}");
    assert!(
        stdout
            .contains("rollout of `Docker engine on every node`: all 3 hosts at once (no serial)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Plan: 3 hosts change, 1 hit FPH-2023-0001, 1 refused."),
        "{stdout}"
    );

    let mut json_args = args.clone();
    json_args.extend(["--format", "json"]);
    let out = fleetpin(dir.path(), &json_args);
    assert_eq!(out.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["schema"]["name"], "fleetpin-plan");
    assert_eq!(doc["schema"]["version"], 2);
    assert!(doc.get("version").is_none(), "the version is in the marker");
    assert_eq!(
        doc["summary"]["hazards"]["FPH-2023-0001"][0],
        "swarm-w1.example.internal"
    );
    let w1 = doc["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["host"] == "swarm-w1.example.internal")
        .unwrap();
    let docker = w1["packages"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["package"] == "docker-ce")
        .unwrap();
    assert_eq!(docker["status"], "upgrade");
    assert_eq!(docker["jump"], "major");
    assert_eq!(docker["lock"]["position"], "ahead", "{docker}");

    let mut gh_args = args.clone();
    gh_args.extend(["--format", "github"]);
    let out = fleetpin(dir.path(), &gh_args);
    let stdout = out.stdout.as_str();
    assert!(
        stdout.contains("::error title=FPH-2023-0001::swarm-w1.example.internal: docker-ce"),
        "{stdout}"
    );
    assert!(
        stdout.contains("::notice title=fleetpin plan::"),
        "{stdout}"
    );

    // Without --limit the inventory's hosts without facts are input errors: exit 2, named,
    // and the other hosts are still planned.
    let out = fleetpin(dir.path(), &base);
    let stdout = out.stdout.as_str();
    let stderr = out.stderr.as_str();
    assert_eq!(out.code, 2);
    assert!(
        stderr.contains("no facts for host `swarm-m2.example.internal`"),
        "{stderr}"
    );
    assert!(stdout.contains("HAZARD FPH-2023-0001"), "{stdout}");

    // A plan with nothing risky exits 0: w2 alone (already on 23.0.1, apparmor not
    // required by anything it changes).
    let mut ok_args: Vec<&str> = base.to_vec();
    ok_args.extend(["--limit", "swarm-w2.example.internal"]);
    let out = fleetpin(dir.path(), &ok_args);
    assert_eq!(out.code, 0, "{}", out.stdout.as_str());
}

#[test]
fn unreadable_index_is_a_usage_error() {
    let (dir, ex, _) = setup();
    let out = fleetpin(
        dir.path(),
        &[
            "plan",
            ex.to_str().unwrap(),
            "--index",
            "/nonexistent/Packages",
        ],
    );
    assert_eq!(out.code, 2);
    assert!(out.stderr.as_str().contains("/nonexistent/Packages"));
}

/// The incident, reproduced from the example's shipped facts (six Debian 10 nodes, `apparmor`
/// absent on swarm-w1 and swarm-w2, docker-ce held on swarm-m1) and its docker buster index:
/// the role's `state: latest` task takes docker-ce 20.10 to 23.0.1 on every node it may
/// change, all six at once (no `serial:`), FPH-2023-0001 on the two nodes without apparmor.
#[test]
fn the_example_reproduces_the_incident() {
    let ex = "examples/swarm-cluster";
    let out = fleetpin(
        &root(),
        &[
            "plan",
            ex,
            "--facts",
            &format!("{ex}/fleet/facts"),
            "--index",
            &format!("{ex}/index/docker-buster-stable"),
            "-i",
            &format!("{ex}/inventory/hosts.ini"),
        ],
    );
    let stdout = out.stdout;
    assert_eq!(out.code, 1, "{stdout}{}", out.stderr.as_str());
    assert!(out.stderr.is_empty(), "{}", out.stderr.as_str());
    for node in ["m2", "m3", "w1", "w2", "w3"] {
        let host = format!("swarm-{node}.example.internal\n");
        let section = &stdout[stdout.find(&host).unwrap()..];
        let section = &section[..section.find("\n\n").unwrap()];
        assert!(
            section.contains("-> 5:23.0.1-1~debian.10~buster [major]")
                && section.contains("~ docker-ce 5:20.10.2"),
            "{section}"
        );
        assert_eq!(
            section.contains("HAZARD FPH-2023-0001"),
            node == "w1" || node == "w2",
            "{section}"
        );
    }
    assert!(
        stdout.contains("all 6 hosts at once (no serial)"),
        "{stdout}"
    );
    insta::assert_snapshot!(stdout);
}
