//! Bad input and careful writes: read-only files, files changed between read and write,
//! symbolic links out of the tree, edits that would reshape a file, permissions, and lock
//! groups that disagree (their values go per group). Each problem is a named error; the other
//! files are still written.

mod common;

use std::os::unix::fs::PermissionsExt as _;

use common::*;
use fleetpin_pin::PinError;
use fleetpin_pin::verify::{Syntax, verify};

const TASK: &str = "- hosts: all\n  tasks:\n    - apt: {name: docker-ce, state: latest}\n";
const PINNED: &str = "- hosts: all\n  tasks:\n    - apt: {name: docker-ce=5:20.10.23~3-0~debian-buster, state: present}\n";

fn write_each(plan: &fleetpin_pin::Plan, root: &std::path::Path) -> Vec<Result<(), PinError>> {
    let tree = fleetpin_pin::write::Tree::new(&[root.to_path_buf()]);
    plan.files
        .iter()
        .map(|f| fleetpin_pin::write::write_plan(f, &tree))
        .collect()
}

#[test]
fn read_only_file_is_refused_and_the_others_are_written() {
    let dir = tree(&[("a/site.yml", TASK), ("b/site.yml", TASK)]);
    let root = dir.path();
    let ro = root.join("a/site.yml");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o444)).unwrap();
    let plan = plan(root, false);
    assert_eq!(plan.files.len(), 2);
    let results = write_each(&plan, root);
    assert!(
        matches!(&results[0], Err(PinError::ReadOnly { path }) if path.ends_with("a/site.yml")),
        "{results:?}"
    );
    assert!(results[1].is_ok());
    assert_eq!(read(root, "a/site.yml"), TASK);
    assert_eq!(read(root, "b/site.yml"), PINNED);
}

#[test]
fn permissions_are_kept_and_no_temporary_file_is_left() {
    let dir = tree(&[("site.yml", TASK)]);
    let root = dir.path();
    let path = root.join("site.yml");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    let plan = plan(root, false);
    write_all(&plan, root);
    assert_eq!(read(root, "site.yml"), PINNED);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    let names: Vec<String> = std::fs::read_dir(root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["site.yml"]);
}

#[test]
fn file_changed_on_disk_after_reading_is_not_overwritten() {
    let dir = tree(&[("site.yml", TASK)]);
    let root = dir.path();
    let plan = plan(root, false);
    let changed = format!("{TASK}    - apt: {{name: gnupg, state: present}}\n");
    std::fs::write(root.join("site.yml"), &changed).unwrap();
    let results = write_each(&plan, root);
    assert!(
        matches!(&results[0], Err(PinError::ChangedOnDisk { .. })),
        "{results:?}"
    );
    assert_eq!(read(root, "site.yml"), changed);
}

#[test]
fn symlink_to_a_file_outside_the_tree_is_not_rewritten() {
    let outside = tree(&[("real.yml", TASK)]);
    let dir = tree(&[("b/site.yml", TASK)]);
    let root = dir.path();
    std::os::unix::fs::symlink(outside.path().join("real.yml"), root.join("linked.yml")).unwrap();
    let plan = plan(root, false);
    let results = write_each(&plan, root);
    let errors: Vec<String> = results
        .iter()
        .filter_map(|r| r.as_ref().err())
        .map(ToString::to_string)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("linked.yml: symbolic link to")
            && errors[0].contains("outside the tree being pinned"),
        "{errors:?}"
    );
    assert_eq!(
        std::fs::read_to_string(outside.path().join("real.yml")).unwrap(),
        TASK
    );
    assert_eq!(read(root, "b/site.yml"), PINNED);
}

#[test]
#[allow(clippy::single_range_in_vec_init)] // one edit range is what is meant
fn verify_refuses_anything_but_the_edited_values() {
    let before = "a: 1 # one\nb: [x, y]\nc: latest\n";
    let c = before.find("latest").unwrap();
    let edit = [c..c + "latest".len()];
    // The pinned value: accepted, comments untouched.
    verify(
        Syntax::Yaml,
        before,
        "a: 1 # one\nb: [x, y]\nc: present\n",
        &edit,
    )
    .unwrap();
    // Another value changed.
    let e = verify(
        Syntax::Yaml,
        before,
        "a: 2 # one\nb: [x, y]\nc: present\n",
        &edit,
    )
    .unwrap_err();
    assert!(e.contains("line 1: `1` would become `2`"), "{e}");
    // A list grew.
    let e = verify(
        Syntax::Yaml,
        before,
        "a: 1 # one\nb: [x, y, z]\nc: present\n",
        &edit,
    )
    .unwrap_err();
    assert!(e.contains("a list would change its length"), "{e}");
    // The value turned into a mapping (a stray `: `).
    let e = verify(
        Syntax::Yaml,
        before,
        "a: 1 # one\nb: [x, y]\nc: {k: v}\n",
        &edit,
    )
    .unwrap_err();
    assert!(e.contains("a string would become a mapping"), "{e}");
    // Broken YAML.
    let e = verify(
        Syntax::Yaml,
        before,
        "a: 1 # one\nb: [x, y\nc: present\n",
        &edit,
    )
    .unwrap_err();
    assert!(e.contains("the result would not parse"), "{e}");
    // A Dockerfile whose edit would swallow the next instruction.
    let df = "FROM debian:bookworm\nRUN true\n";
    let at = df.find("bookworm").unwrap();
    let e = verify(
        Syntax::Dockerfile,
        df,
        "FROM debian:bookworm \\\nRUN true\n",
        &[at..at + 8],
    )
    .unwrap_err();
    assert!(e.contains("instruction"), "{e}");
}

#[test]
fn lock_groups_that_disagree_get_per_group_values_and_group_vars_their_group() {
    let lock = lock(
        r#"version = 1
group-by = ["workers"]
scope = "all"
prefer = ["majority"]

[packages]
docker-ce = "5:20.10.23~3-0~debian-buster"

[groups.workers.packages]
docker-ce = "5:23.0.1-1~debian.10~buster"
"#,
    );
    let dir = tree(&[
        ("inventory/hosts.ini", "[managers]\nm1\n\n[workers]\nw1\n"),
        (
            "inventory/group_vars/workers.yml",
            "docker_pkg: docker-ce\n",
        ),
        (
            "site.yml",
            "- hosts: workers\n  tasks:\n    - apt: {name: \"{{ docker_pkg }}\", state: present}\n- hosts: all\n  tasks:\n    - apt: {name: docker-ce, state: present}\n",
        ),
    ]);
    let root = dir.path();
    let options = fleetpin_pin::PinOptions {
        lint: lint_options(root),
        lock: Some(&lock),
        unsafe_fixes: false,
        images: None,
        actions: None,
        galaxy: None,
        lock_path: None,
        facts: None,
    };
    let plan = fleetpin_pin::plan(&options);
    insta::assert_snapshot!(render(&plan, root));
}
