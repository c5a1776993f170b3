//! `fleetpin audit` end to end: the README's command on examples/swarm-cluster with no other
//! flag (facts, index and inventory found in the project, no lock: drift against the fleet's
//! majority) shows the floating task, the odd node and the Docker 23 hazard; the exit code
//! folds the parts' (0 clean, 1 findings, 2 an input error in any part).

mod common;
use common::fleetpin;

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

#[test]
fn audit_of_the_example_shows_the_incident() {
    let out = fleetpin(&root(), &["audit", "examples/swarm-cluster"]);
    let stdout = out.stdout;
    let stderr = out.stderr.as_str();
    assert_eq!(out.code, 1, "{stdout}{stderr}");
    // The floating task (lint), the odd node (drift), the hazard (plan).
    assert!(
        stdout.contains("error[ANS001]: `state: latest` upgrades `docker-ce`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("swarm-w2.example.internal")
            && stdout.contains("5:20.10.24~3-0~debian-buster (ahead)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("Plan: 5 hosts change, 2 hit FPH-2023-0001, 1 refused."),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("Audit: lint findings, drift findings, plan findings (exit 1).\n"),
        "{stdout}"
    );
    insta::assert_snapshot!(stdout);

    let out = fleetpin(
        &root(),
        &["audit", "examples/swarm-cluster", "--format", "json"],
    );
    assert_eq!(out.code, 1);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["schema"]["name"], "fleetpin-audit");
    assert_eq!(doc["schema"]["version"], 1);
    assert_eq!(doc["exit_code"], 1);
    let lint = &doc["lint"]["document"];
    assert_eq!(lint["schema"]["name"], "fleetpin-diagnostics");
    assert!(lint["summary"]["by_code"]["ANS001"].as_u64().unwrap() >= 1);
    let drift = &doc["drift"]["document"];
    assert_eq!(drift["schema"]["name"], "fleetpin-drift");
    let w2: Vec<&str> = drift["differences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["host"] == "swarm-w2.example.internal" && d["direction"] == "ahead")
        .map(|d| d["package"].as_str().unwrap())
        .collect();
    assert_eq!(w2, ["containerd.io", "docker-ce", "docker-ce-cli"]);
    let plan = &doc["plan"]["document"];
    assert_eq!(plan["schema"]["name"], "fleetpin-plan");
    assert_eq!(
        plan["summary"]["hazards"]["FPH-2023-0001"],
        serde_json::json!(["swarm-w1.example.internal", "swarm-w2.example.internal"])
    );

    let out = fleetpin(
        &root(),
        &["audit", "examples/swarm-cluster", "--format", "github"],
    );
    assert_eq!(out.code, 1);
    let gh = out.stdout;
    assert!(gh.contains("title=ANS001"), "{gh}");
    assert!(
        gh.contains("::warning title=drift::swarm-w2.example.internal: docker-ce 5:20.10.24~3-0~debian-buster (ahead"),
        "{gh}"
    );
    assert!(
        gh.contains("::error title=FPH-2023-0001::swarm-w1.example.internal"),
        "{gh}"
    );
    assert!(
        gh.ends_with(
            "::notice title=fleetpin audit::lint findings, drift findings, plan findings\n"
        ),
        "{gh}"
    );
}

const PINNED: &str = "- hosts: all\n  serial: 1\n  tasks:\n    - name: curl\n      ansible.builtin.apt:\n        name: curl=7.88.1-10+deb12u5\n        state: present\n";

#[test]
fn a_clean_project_exits_0_and_an_input_error_in_any_part_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("site.yml"), PINNED).unwrap();
    // No facts: drift and plan say why they were skipped; lint is clean.
    let out = fleetpin(d, &["audit"]);
    let stdout = out.stdout;
    assert_eq!(out.code, 0, "{stdout}{}", out.stderr.as_str());
    assert!(
        stdout.contains("drift  skipped   no facts in ./fleet/facts or ./.fleetpin/facts"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("Audit: lint clean, drift skipped, plan skipped (exit 0).\n"),
        "{stdout}"
    );

    // A facts file cut in half: drift reports it (exit 2), lint still runs, audit exits 2.
    std::fs::create_dir_all(d.join(".fleetpin/facts")).unwrap();
    std::fs::write(
        d.join(".fleetpin/facts/web1.json"),
        "{\"fleetpin_facts\": 1, \"host\": \"web1\",\n  \"packages\": [",
    )
    .unwrap();
    let out = fleetpin(d, &["audit", "--format", "json"]);
    let stderr = out.stderr.as_str();
    assert_eq!(out.code, 2, "{stderr}");
    assert!(stderr.contains("web1.json:2"), "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["exit_code"], 2);
    assert_eq!(doc["lint"]["status"], "clean");
}
