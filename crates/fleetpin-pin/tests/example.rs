//! The quality bar on `examples/swarm-cluster`: after `fleetpin pin`, `fleetpin lint` reports
//! none of the fixed findings, the rewritten role passes the real `ansible-playbook
//! --syntax-check`, only version values changed, and a second run changes nothing.

mod common;

use std::path::Path;
use std::process::Command;

use common::*;
use fleetpin_pin::PinOptions;

/// What `fleetpin lock --prefer majority` writes from the example's three dpkg status files
/// (`examples/swarm-cluster/fleet/status/`), as in the README.
const EXAMPLE_LOCK: &str = r#"version = 1
group-by = []
scope = "all"
prefer = ["majority"]

[packages]
apparmor = "2.13.2-10"
base-files = "10.3+deb10u13"
"containerd.io" = "1.6.18-1"
docker-ce = "5:20.10.23~3-0~debian-buster"
docker-ce-cli = "5:20.10.23~3-0~debian-buster"
libc6 = "2.28-10+deb10u2"
"#;

#[test]
fn example_is_pinned_with_only_version_edits() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/swarm-cluster");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("swarm-cluster");
    copy_dir(&example, &root);
    let lock = lock(EXAMPLE_LOCK);
    let options = PinOptions {
        lint: lint_options(&root),
        lock: Some(&lock),
        unsafe_fixes: false,
        images: None,
        actions: None,
        galaxy: None,
        lock_path: None,
        facts: None,
    };
    let before_report = fleetpin_lint::lint(&lint_options(&root));
    let plan = fleetpin_pin::plan(&options);
    // The two prerequisites are not in the lock: named, left as they are.
    let errors: Vec<String> = plan.errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 2, "{errors:#?}");
    assert!(
        errors
            .iter()
            .all(|e| e.contains("is not in `fleetpin.lock`"))
    );
    assert!(errors[0].contains("`ca-certificates`") && errors[1].contains("`gnupg`"));

    let originals: Vec<(std::path::PathBuf, String)> = plan
        .files
        .iter()
        .map(|f| (f.path.clone(), f.original.clone()))
        .collect();
    write_all(&plan, &root);

    // Only version edits: same lines, and each changed line is the old one plus locked
    // versions, or `latest` → `present`.
    let versions: Vec<String> = lock.groups["all"]
        .values()
        .map(|l| format!("={}", l.version))
        .collect();
    for (path, original) in &originals {
        let now = std::fs::read_to_string(path).unwrap();
        assert_eq!(now.lines().count(), original.lines().count());
        for (a, b) in original.lines().zip(now.lines()) {
            if a == b {
                continue;
            }
            let mut undone = b.to_owned();
            for v in &versions {
                undone = undone.replace(v.as_str(), "");
            }
            let undone = undone.replace("present", "latest");
            assert_eq!(undone, a, "{}: `{a}` became `{b}`", path.display());
        }
    }

    // `fleetpin lint` afterwards: no ANS001 left; ANS002 only for the unlocked packages.
    let after = fleetpin_lint::lint(&lint_options(&root));
    let count = |r: &fleetpin_lint::LintReport, code: &str| {
        r.diagnostics.iter().filter(|d| d.code == code).count()
    };
    assert_eq!(count(&before_report, "ANS001"), 2);
    assert_eq!(count(&after, "ANS001"), 0);
    let ans002: Vec<&str> = after
        .diagnostics
        .iter()
        .filter(|d| d.code == "ANS002")
        .map(|d| d.message.as_str())
        .collect();
    assert_eq!(ans002.len(), 1);
    assert!(
        ans002[0].starts_with("`ca-certificates` and `gnupg`"),
        "{ans002:?}"
    );
    // Nothing else changed in what lint finds.
    assert_eq!(
        after.findings(),
        before_report.findings() - 2,
        "only the two ANS001 findings are gone"
    );

    // Idempotent.
    assert_eq!(fleetpin_pin::plan(&options).edit_count(), 0);

    // The real ansible-playbook accepts the rewritten role (the example's `site.yml` also
    // uses community.docker, which is not installed offline, so a playbook of the role).
    let playbook = std::env::var_os("FLEETPIN_ANSIBLE_PLAYBOOK")
        .map(std::path::PathBuf::from)
        .or_else(|| fleetpin_testkit::on_path("ansible-playbook"));
    let Some(playbook) = fleetpin_testkit::oracle(
        playbook,
        "ansible-playbook (FLEETPIN_ANSIBLE_PLAYBOOK, tools venv)",
    ) else {
        return;
    };
    std::fs::write(
        root.join("docker.yml"),
        "- hosts: swarm\n  roles: [docker]\n",
    )
    .unwrap();
    let out = Command::new(playbook)
        .current_dir(&root)
        .args(["--syntax-check", "-i", "inventory/hosts.ini", "docker.yml"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ansible-playbook --syntax-check: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
