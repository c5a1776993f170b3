//! `fleetpin pin` and `fleetpin lint --fix` end to end: exit statuses of `--check` and
//! `--diff`, the JSON document, named errors, and writes.

use std::path::Path;
use std::process::Command;

const LOCK: &str = r#"version = 1
group-by = []
scope = "all"
prefer = ["majority"]

[packages]
"containerd.io" = "1.6.18-1"
docker-ce = "5:20.10.23~3-0~debian-buster"
"#;

const SITE: &str = "- hosts: all\n  serial: 1\n  tasks:\n    - name: Docker\n      ansible.builtin.apt:\n        name: [docker-ce, containerd.io]\n        state: latest\n";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn fleetpin(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_fleetpin"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn repo(site: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.yml"), site).unwrap();
    std::fs::write(dir.path().join("fleetpin.lock"), LOCK).unwrap();
    dir
}

#[test]
fn check_and_diff_write_nothing_and_exit_1_then_pin_writes_and_check_is_clean() {
    let dir = repo(SITE);
    let site = || std::fs::read_to_string(dir.path().join("site.yml")).unwrap();
    let r = fleetpin(dir.path(), &["pin", "--offline", "--check"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("Would pin 3 values in 1 file."),
        "{}",
        r.stderr
    );
    assert_eq!(site(), SITE);

    let r = fleetpin(dir.path(), &["pin", "--offline", "--diff"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!(r.stdout);
    assert_eq!(site(), SITE);

    let r = fleetpin(dir.path(), &["pin", "--offline"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("Pinned 3 values in 1 file."),
        "{}",
        r.stderr
    );
    assert!(
        site().contains("name: [docker-ce=5:20.10.23~3-0~debian-buster, containerd.io=1.6.18-1]")
    );
    assert!(site().contains("state: present"));

    let r = fleetpin(dir.path(), &["pin", "--offline", "--check"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = fleetpin(dir.path(), &["lint", "--select", "ANS"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn a_package_missing_from_the_lock_is_named_and_exits_2() {
    let dir = repo(
        "- hosts: all\n  serial: 1\n  tasks:\n    - apt: {name: [docker-ce, gnupg], state: present}\n",
    );
    let r = fleetpin(dir.path(), &["pin", "--offline"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains(
            "site.yml:4: `gnupg` is not in `fleetpin.lock`: left unpinned (the finding stays)"
        ),
        "{}",
        r.stderr
    );
    // docker-ce is still pinned.
    let site = std::fs::read_to_string(dir.path().join("site.yml")).unwrap();
    assert!(
        site.contains("[docker-ce=5:20.10.23~3-0~debian-buster, gnupg]"),
        "{site}"
    );
    // A lock given but absent is a usage error.
    let r = fleetpin(dir.path(), &["pin", "--offline", "--lock", "nope.lock"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("lock file `nope.lock` does not exist"),
        "{}",
        r.stderr
    );
}

#[test]
fn json_document_lists_the_edits() {
    let dir = repo(SITE);
    let r = fleetpin(
        dir.path(),
        &["pin", "--offline", "--check", "--format", "json"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(
        v["schema"],
        serde_json::json!({"name": "fleetpin-pin", "version": 1})
    );
    let edits = &v["files"][0]["edits"];
    assert_eq!(edits.as_array().unwrap().len(), 3);
    assert_eq!(edits[0]["old"], "docker-ce");
    assert_eq!(edits[0]["new"], "docker-ce=5:20.10.23~3-0~debian-buster");
    assert_eq!(edits[0]["code"], "ANS001");
    assert_eq!(edits[2]["old"], "latest");
    assert_eq!(edits[2]["new"], "present");
    assert_eq!(v["files"][0]["written"], false);
    assert_eq!(v["errors"], serde_json::json!([]));
}

#[test]
fn lint_fix_applies_the_same_fixes_then_reports_what_is_left() {
    let dir = repo(&format!(
        "{SITE}    - ansible.builtin.get_url:\n        url: https://example.org/releases/latest/download/tool\n        dest: /usr/local/bin/tool\n"
    ));
    let r = fleetpin(
        dir.path(),
        &["lint", "--fix", "--offline", "--format", "concise"],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(!r.stdout.contains("ANS001"), "{}", r.stdout);
    assert!(r.stdout.contains("ANS007"), "{}", r.stdout);
    let site = std::fs::read_to_string(dir.path().join("site.yml")).unwrap();
    assert!(site.contains("state: present"));
}

#[test]
fn lint_fix_notes_why_a_finding_was_left() {
    let dir = repo(
        "- hosts: all\n  serial: 1\n  tasks:\n    - apt: {name: [docker-ce, gnupg], state: present}\n",
    );
    let r = fleetpin(dir.path(), &["lint", "--fix", "--offline"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stdout.contains("ANS002"), "{}", r.stdout);
    assert!(
        r.stdout
            .contains("= note: not fixed: `gnupg` is not in `fleetpin.lock`"),
        "{}",
        r.stdout
    );
}
