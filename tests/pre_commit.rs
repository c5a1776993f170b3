//! The pre-commit hooks of `.pre-commit-hooks.yaml`, run by the real `pre-commit try-repo` on a
//! throwaway git repository: a floating task is refused with the finding, a pinned one passes.
//!
//! The hooks are `language: rust`: pre-commit itself runs `cargo install --bins --path .` in its
//! clone of this repository, as it does for a user. To keep the test's cost bounded, cargo's own
//! environment variables make that release build a quick one (no LTO, no optimisation, many
//! codegen units: [`quick_release`]), offline from the local crate cache (`CARGO_NET_OFFLINE`),
//! into a target directory kept under `target/tmp` so a second run only rebuilds fleetpin's own
//! crates. It is not the workspace's `target/`: the install would replace binaries other tests
//! are running.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const FLOATING: &str = "\
- name: Docker engine
  hosts: all
  serial: 1
  tasks:
    - name: Install Docker
      ansible.builtin.apt:
        name: docker-ce
        state: latest
";

const PINNED: &str = "\
- name: Docker engine
  hosts: all
  serial: 1
  tasks:
    - name: Install Docker
      ansible.builtin.apt:
        name: docker-ce=5:24.0.7-1~debian.12~bookworm
        state: present
";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

/// `pre-commit` from the tools venv (`.ci/setup`), else from `PATH`.
fn pre_commit() -> Option<PathBuf> {
    let tools = std::env::var_os("FLEETPIN_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/fleetpin-tools"))
        });
    tools
        .map(|t| t.join("venv/bin/pre-commit"))
        .filter(|p| p.is_file())
        .or_else(|| fleetpin_testkit::on_path("pre-commit"))
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("git runs");
    assert!(out.status.success(), "git {args:?}: {out:?}");
}

fn try_repo(pre_commit: &Path, repo: &Path, home: &Path, hook: &str) -> Output {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-hook");
    Command::new(pre_commit)
        .current_dir(repo)
        .args(["try-repo", "--color", "never"])
        .arg(workspace_root())
        .arg(hook)
        .env("PRE_COMMIT_HOME", home)
        .envs(quick_release(&target))
        .env_remove("FLEETPIN_OUTPUT_FORMAT")
        .output()
        .expect("pre-commit runs")
}

/// The cargo settings (environment, as cargo reads its config) under which pre-commit's
/// `cargo install` runs in these tests: the release profile without LTO or optimisation, offline,
/// into a target directory shared by the test's installs.
fn quick_release(target: &Path) -> Vec<(&'static str, std::ffi::OsString)> {
    vec![
        ("CARGO_TARGET_DIR", target.as_os_str().to_owned()),
        ("CARGO_NET_OFFLINE", "true".into()),
        ("CARGO_INCREMENTAL", "0".into()),
        ("CARGO_PROFILE_RELEASE_LTO", "false".into()),
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0".into()),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256".into()),
        ("CARGO_PROFILE_RELEASE_DEBUG", "false".into()),
        ("CARGO_PROFILE_RELEASE_SPLIT_DEBUGINFO", "off".into()),
    ]
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn commit(pre_commit: &Path, repo: &Path, home: &Path, file: &str) -> Output {
    git(repo, &["add", file]);
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-hook");
    Command::new("git")
        .current_dir(repo)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(["commit", "-q", "-m", file])
        .env("PRE_COMMIT_HOME", home)
        .env("PATH", path_with(pre_commit))
        .envs(quick_release(&target))
        .env_remove("FLEETPIN_OUTPUT_FORMAT")
        .output()
        .expect("git commit runs")
}

/// `PATH` with pre-commit's directory first (git's hook script runs `pre-commit`).
fn path_with(pre_commit: &Path) -> String {
    format!(
        "{}:{}",
        pre_commit.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Each `try-repo` clones the hook repository anew, so each builds fleetpin: the test makes one
/// `try-repo` call, then installs the hooks as a user does (`.pre-commit-config.yaml` at a
/// commit of this repository, `pre-commit install`), where the build is made once.
#[test]
fn hooks_refuse_a_floating_task_and_pass_a_pinned_one() {
    let Some(pre_commit) = fleetpin_testkit::oracle(
        pre_commit(),
        "pre-commit (PyPI; `bash .ci/setup` installs it into the tools venv)",
    ) else {
        return;
    };
    if !fleetpin_testkit::require(
        fleetpin_testkit::on_path("git").is_some() && fleetpin_testkit::on_path("cargo").is_some(),
        "git and cargo",
    ) {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let repo = tmp.path().join("repo");
    let home = tmp.path().join("pre-commit-home");
    std::fs::create_dir(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    std::fs::write(repo.join("site.yml"), FLOATING).unwrap();
    git(&repo, &["add", "site.yml"]);

    // try-repo, on the working tree as it is (uncommitted changes included).
    let out = try_repo(&pre_commit, &repo, &home, "fleetpin-lint");
    let log = text(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    assert!(
        log.contains("fleetpin lint") && log.contains("Failed"),
        "{log}"
    );
    assert!(log.contains("ANS001"), "the finding is shown:\n{log}");
    assert!(log.contains("site.yml:8"), "{log}");

    // Installed as a user installs it, at this repository's HEAD.
    let head = Command::new("git")
        .current_dir(workspace_root())
        .args(["rev-parse", "HEAD"])
        .output()
        .unwrap();
    let head = String::from_utf8(head.stdout).unwrap();
    std::fs::write(
        repo.join(".pre-commit-config.yaml"),
        format!(
            "repos:\n  - repo: {}\n    rev: {}\n    hooks:\n      - id: fleetpin-lint\n      - id: fleetpin-lock-check\n",
            workspace_root().canonicalize().unwrap().display(),
            head.trim()
        ),
    )
    .unwrap();
    git(&repo, &["add", ".pre-commit-config.yaml"]);
    let install = Command::new(&pre_commit)
        .current_dir(&repo)
        .arg("install")
        .env("PRE_COMMIT_HOME", &home)
        .output()
        .unwrap();
    assert!(install.status.success(), "{}", text(&install));

    let out = commit(&pre_commit, &repo, &home, "site.yml");
    let log = text(&out);
    assert!(!out.status.success(), "the commit is refused:\n{log}");
    assert!(log.contains("ANS001") && log.contains("Failed"), "{log}");

    std::fs::write(repo.join("site.yml"), PINNED).unwrap();
    let out = commit(&pre_commit, &repo, &home, "site.yml");
    let log = text(&out);
    assert!(out.status.success(), "a pinned task is committed:\n{log}");
    assert!(
        log.contains("fleetpin lint") && log.contains("Passed"),
        "{log}"
    );
    assert!(
        log.contains("fleetpin lock --check") && log.contains("(no files to check)Skipped"),
        "{log}"
    );

    // A lock without facts is out of date: `lock --check` refuses the commit.
    std::fs::write(repo.join("fleetpin.lock"), "").unwrap();
    let out = commit(&pre_commit, &repo, &home, "fleetpin.lock");
    let log = text(&out);
    assert!(!out.status.success(), "{log}");
    assert!(
        log.contains("fleetpin lock --check") && log.contains("fleetpin.lock"),
        "{log}"
    );
}
