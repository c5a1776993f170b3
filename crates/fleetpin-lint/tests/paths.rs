//! Same answer however called (issue 9): `fleetpin lint .`, `fleetpin lint "$PWD"` and
//! `fleetpin lint ../repo` report the same findings under the same paths, and a folder linked
//! into the tree (debops links `roles/` to its collection's roles) reports each file once.
//!
//! One test in its own binary: it changes the process's current directory.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use fleetpin_lint::{LintOptions, lint};

mod common;
use common::{summary, write};

fn findings(path: &str) -> Vec<String> {
    let report = lint(&LintOptions {
        paths: vec![PathBuf::from(path)],
        ..LintOptions::default()
    });
    summary(&report, Path::new(""))
}

const TASKS: &str = "---\n- name: Install the web server\n  ansible.builtin.apt:\n    name: nginx\n    state: latest\n";

#[test]
fn same_findings_for_relative_absolute_and_linked_paths() {
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "shared/tasks.yml", TASKS);
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    // The shape of debops: roles live in the collection; top-level folders are links to them.
    write(&repo, "ansible.cfg", "[defaults]\nroles_path = roles\n");
    write(&repo, "ansible/roles/web/tasks/main.yml", TASKS);
    write(
        &repo,
        "ansible/roles/web/defaults/main.yml",
        "web_port: 80\n",
    );
    write(
        &repo,
        "ansible/collections/ansible_collections/acme/infra/galaxy.yml",
        "namespace: acme\nname: infra\nversion: 1.0.0\n",
    );
    symlink("ansible/roles", repo.join("roles")).unwrap();
    symlink(
        "../../../roles",
        repo.join("ansible/collections/ansible_collections/acme/infra/roles"),
    )
    .unwrap();
    // A link to a file inside the tree, one to a file outside it, and a dangling one.
    symlink(
        "ansible/roles/web/tasks/main.yml",
        repo.join("web-tasks.yml"),
    )
    .unwrap();
    symlink(
        outside.path().join("shared/tasks.yml"),
        repo.join("shared-tasks.yml"),
    )
    .unwrap();
    symlink("does-not-exist/.env", repo.join(".env")).unwrap();
    write(
        &repo,
        "compose.yaml",
        "services:\n  web:\n    image: nginx\n",
    );

    std::env::set_current_dir(&repo).unwrap();
    let rel = findings(".");
    let abs = findings(repo.to_str().unwrap());
    std::env::set_current_dir(repo.join("ansible")).unwrap();
    let up: Vec<String> = findings("..")
        .into_iter()
        .map(|l| l.replacen(" ../", " ", 1))
        .collect();

    assert_eq!(rel, abs, "`lint .` and `lint $PWD` differ");
    assert_eq!(rel, up, "`lint .` and `lint ..` (from below) differ");
    // The real file once, under its real path; the outside file under the link; no error for
    // the dangling link.
    insta::assert_snapshot!(rel.join("\n"));
    let web = rel.iter().filter(|l| l.starts_with("ANS001")).count();
    assert_eq!(web, 2, "{rel:#?}");
    assert!(
        rel.iter()
            .any(|l| l.starts_with("ANS001 ansible/roles/web/tasks/main.yml:5 ")),
        "{rel:#?}"
    );
    assert!(
        rel.iter()
            .any(|l| l.starts_with("ANS001 shared-tasks.yml:5 ")),
        "{rel:#?}"
    );
    assert!(!rel.iter().any(|l| l.starts_with('E')), "{rel:#?}");
}
