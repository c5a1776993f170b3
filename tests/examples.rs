//! The README's main command: `fleetpin lint examples/swarm-cluster`, run from the repository
//! root exactly as a user runs it. The example is the incident written as a repository; every
//! finding in it is deliberate, and `roles/docker/tasks/pinned.yml` holds the pinned
//! equivalents, on which fleetpin must report nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repo_root() -> PathBuf {
    // The binary's package is the repository root.
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn lint(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_fleetpin"))
        .arg("lint")
        .args(args)
        .current_dir(repo_root())
        .env("NO_COLOR", "1")
        .output()
        .expect("run fleetpin");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn readme_main_command_reports_the_incident() {
    let (code, stdout, stderr) = lint(&["examples/swarm-cluster", "--format", "concise"]);
    assert_eq!(code, 1, "findings must exit 1; stderr:\n{stderr}");
    insta::assert_snapshot!(stdout);
}

#[test]
fn pinned_equivalents_are_clean() {
    let (code, stdout, stderr) = lint(&[
        "examples/swarm-cluster/roles/docker/tasks/pinned.yml",
        "--format",
        "concise",
    ]);
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.trim().is_empty(), "unexpected findings:\n{stdout}");
}

#[test]
fn example_json_names_the_incident_task_and_its_variable() {
    let (code, stdout, _) = lint(&["examples/swarm-cluster", "--format", "json"]);
    assert_eq!(code, 1);
    let doc: serde_json::Value = serde_json::from_str(&stdout).expect("JSON output");
    let diags = doc["diagnostics"].as_array().expect("diagnostics array");
    let latest: Vec<_> = diags
        .iter()
        .filter(|d| d["code"] == "ANS001")
        .filter(|d| {
            d["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("roles/docker/tasks/main.yml"))
        })
        .collect();
    // The literal incident task and its templated twin (state from the role default).
    assert_eq!(latest.len(), 2, "{latest:#?}");
    let templated = latest
        .iter()
        .find(|d| {
            d["message"]
                .as_str()
                .unwrap_or("")
                .contains("docker_package_state")
        })
        .expect("the templated state is judged by its value");
    let labels = templated["labels"].to_string();
    assert!(
        labels.contains("roles/docker/defaults/main.yml"),
        "secondary label at the role default: {labels}"
    );
}
