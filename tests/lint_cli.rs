//! `fleetpin lint` and `fleetpin rule` end to end: exit code, stdout and stderr together.

use std::fs;

mod common;
use common::{fleetpin, snapshot_text, write};

/// A small repository with the incident and its pinned twin.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "ansible.cfg", "[defaults]\n");
    write(
        root,
        "site.yml",
        "- hosts: swarm\n  serial: 1\n  roles:\n    - docker\n",
    );
    write(
        root,
        "roles/docker/tasks/main.yml",
        "- name: Install Docker\n  apt:\n    name: [docker-ce, docker-ce-cli, containerd.io]\n    state: latest\n\n- name: Pinned twin\n  apt:\n    name: docker-ce=5:23.0.1-1~debian.10~buster\n",
    );
    write(
        root,
        "stack.yml",
        "services:\n  web:\n    image: nginx@sha256:6db391d1c0cfb30588ba0bf72ea999404f2764febf0f1f196acd5867ac7efa7e\n",
    );
    dir
}

#[test]
fn findings_exit_1_full() {
    let dir = repo();
    let r = fleetpin(dir.path(), &["lint"]);
    assert_eq!(r.code, 1);
    insta::assert_snapshot!(snapshot_text(&r, dir.path()));
}

#[test]
fn concise_and_statistics() {
    let dir = repo();
    let r = fleetpin(dir.path(), &["lint", "--format", "concise"]);
    insta::assert_snapshot!("concise", snapshot_text(&r, dir.path()));
    let r = fleetpin(dir.path(), &["lint", "--statistics"]);
    insta::assert_snapshot!("statistics", snapshot_text(&r, dir.path()));
}

#[test]
fn clean_tree_exits_0() {
    let dir = repo();
    fs::remove_file(dir.path().join("roles/docker/tasks/main.yml")).unwrap();
    let r = fleetpin(dir.path(), &["lint"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!(snapshot_text(&r, dir.path()));
}

#[test]
fn exit_zero_and_select() {
    let dir = repo();
    let r = fleetpin(dir.path(), &["lint", "--exit-zero", "-q"]);
    assert_eq!(r.code, 0);
    let r = fleetpin(dir.path(), &["lint", "--select", "IMG,GHA001"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = fleetpin(dir.path(), &["lint", "--ignore", "package-state-latest"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    let r = fleetpin(dir.path(), &["lint", "--select", "NOPE"]);
    assert_eq!(r.code, 2);
    insta::assert_snapshot!("unknown_selector", snapshot_text(&r, dir.path()));
}

#[test]
fn input_error_exits_2_and_the_rest_is_reported() {
    let dir = repo();
    write(dir.path(), "broken.yml", "- hosts: all\n  tasks: [\n");
    let r = fleetpin(dir.path(), &["lint", "--format", "concise"]);
    assert_eq!(r.code, 2);
    insta::assert_snapshot!(snapshot_text(&r, dir.path()));
}

#[test]
fn invalid_config_exits_2() {
    let dir = repo();
    write(
        dir.path(),
        "fleetpin.toml",
        "[lint]\nextend-select = [\"IMG002\"]\nrequired-pin = \"strict\"\n",
    );
    let r = fleetpin(dir.path(), &["lint"]);
    assert_eq!(r.code, 2);
    insta::assert_snapshot!(snapshot_text(&r, dir.path()));
}

#[test]
fn json_and_sarif_are_valid_json() {
    let dir = repo();
    for format in ["json", "sarif"] {
        let r = fleetpin(dir.path(), &["lint", "--format", format]);
        assert_eq!(r.code, 1);
        let v: serde_json::Value = serde_json::from_str(&r.stdout).expect(format);
        assert!(v.is_object());
    }
    let r = fleetpin(dir.path(), &["lint", "--format", "sarif"]);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["version"], "2.1.0");
    let result = &v["runs"][0]["results"][0];
    assert_eq!(result["ruleId"], "ANS001");
}

#[test]
fn github_format_and_output_file() {
    let dir = repo();
    let r = fleetpin(
        dir.path(),
        &["lint", "--format", "github", "--output-file", "out.txt"],
    );
    assert_eq!(r.code, 1);
    assert_eq!(r.stdout, "");
    let written = fs::read_to_string(dir.path().join("out.txt")).unwrap();
    insta::assert_snapshot!(written);
}

#[test]
fn list_files() {
    let dir = repo();
    let r = fleetpin(dir.path(), &["lint", "--list-files"]);
    assert_eq!(r.code, 0);
    insta::assert_snapshot!(snapshot_text(&r, dir.path()));
}

#[test]
fn rule_docs() {
    let dir = tempfile::tempdir().unwrap();
    let r = fleetpin(dir.path(), &["rule", "ANS001"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.starts_with("# package-state-latest (ANS001)\n"));
    assert!(r.stdout.contains("## Why is this bad?"));
    let by_name = fleetpin(dir.path(), &["rule", "package-state-latest"]);
    assert_eq!(by_name.stdout, r.stdout);
    let r = fleetpin(dir.path(), &["rule", "--all"]);
    assert_eq!(r.code, 0);
    insta::assert_snapshot!("rule_all", snapshot_text(&r, dir.path()));
    let r = fleetpin(dir.path(), &["rule", "XYZ999"]);
    assert_eq!(r.code, 2);
    insta::assert_snapshot!("rule_unknown", snapshot_text(&r, dir.path()));
}

#[test]
fn config_flag_and_missing_paths() {
    let dir = repo();
    write(
        dir.path(),
        "strict.toml",
        "[lint]\nextend-select = [\"IMG002\"]\nignore = [\"ANS\"]\n",
    );
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  db:\n    image: postgres:16.2\n",
    );
    let r = fleetpin(
        dir.path(),
        &["lint", "--config", "strict.toml", "--format", "concise"],
    );
    assert_eq!(r.code, 1);
    insta::assert_snapshot!("config_flag", snapshot_text(&r, dir.path()));
    let r = fleetpin(dir.path(), &["lint", "--config", "nope.toml"]);
    assert_eq!(r.code, 2);
    let r = fleetpin(dir.path(), &["lint", "no/such/dir", "--format", "concise"]);
    assert_eq!(r.code, 2);
    insta::assert_snapshot!("missing_path", snapshot_text(&r, dir.path()));
}
