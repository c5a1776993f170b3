//! Actions resolved with the real `git ls-remote` against a bare repository served by
//! `git daemon` on loopback; `git rev-parse` is the oracle (annotated tags peeled).

mod common;

use std::path::Path;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::*;
use fleetpin_pin::PinOptions;
use fleetpin_pin::actions::{ActionRefs, GitLsRemote};

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .current_dir(dir)
        .args(["-c", "user.name=t", "-c", "user.email=t@example.org"])
        .args(args)
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `owner/repo` bare repository with an annotated tag `v4`, a lightweight tag `v4.1` and a
/// branch `main`, served by `git daemon` on 127.0.0.1.
fn serve(base: &Path) -> (Daemon, String, String, String) {
    let work = base.join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q", "-b", "main"]);
    std::fs::write(work.join("action.yml"), "name: test\n").unwrap();
    git(&work, &["add", "."]);
    git(&work, &["commit", "-qm", "one"]);
    git(&work, &["tag", "-a", "v4", "-m", "release v4"]);
    std::fs::write(work.join("action.yml"), "name: test 2\n").unwrap();
    git(&work, &["commit", "-qam", "two"]);
    git(&work, &["tag", "v4.1"]);
    let v4 = git(&work, &["rev-parse", "v4^{commit}"]);
    let tag_object = git(&work, &["rev-parse", "v4"]);
    assert_ne!(v4, tag_object, "v4 is an annotated tag");
    let main = git(&work, &["rev-parse", "main"]);
    let repos = base.join("repos");
    std::fs::create_dir_all(repos.join("owner")).unwrap();
    git(
        base,
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            repos.join("owner/repo").to_str().unwrap(),
        ],
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // `git-daemon` itself, not the `git daemon` wrapper: killing the wrapper would leave the
    // daemon listening after the test (CI checks that no listener is left).
    let exec_path = git(base, &["--exec-path"]);
    let child = Command::new(Path::new(&exec_path).join("git-daemon"))
        .args([
            "--listen=127.0.0.1",
            &format!("--port={port}"),
            "--export-all",
            "--reuseaddr",
            &format!("--base-path={}", repos.display()),
            repos.to_str().unwrap(),
        ])
        .spawn()
        .expect("git daemon");
    let daemon = Daemon(child);
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "git daemon did not listen"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (daemon, format!("git://127.0.0.1:{port}"), v4, main)
}

fn have_git_daemon() -> bool {
    let ok = Command::new("git")
        .args(["daemon", "--help"])
        .output()
        .is_ok_and(|o| o.status.success() || !o.stderr.is_empty() || !o.stdout.is_empty());
    fleetpin_testkit::require(ok, "git daemon (apt-get install git)")
}

#[test]
fn ls_remote_peels_annotated_tags_and_finds_branches() {
    if !have_git_daemon() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_daemon, base, v4, main) = serve(dir.path());
    let source = GitLsRemote::new(base);
    assert_eq!(source.resolve("owner/repo", "v4").unwrap(), v4);
    assert_eq!(source.resolve("owner/repo", "main").unwrap(), main);
    let err = source.resolve("owner/repo", "v9").unwrap_err();
    assert!(err.contains("no tag or branch `v9`"), "{err}");
    let err = source.resolve("owner/missing", "v4").unwrap_err();
    assert!(err.contains("git ls-remote"), "{err}");
}

#[test]
fn workflow_uses_are_pinned_to_the_commit_with_the_ref_as_comment() {
    if !have_git_daemon() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_daemon, base, v4, main) = serve(dir.path());
    let tree = tree(&[(
        ".github/workflows/ci.yml",
        "on: push\njobs:\n  t:\n    runs-on: ubuntu-24.04\n    container: debian:bookworm\n    steps:\n      - uses: owner/repo@v4\n      - uses: owner/repo/sub@main\n      - uses: owner/missing@v1\n",
    )]);
    let root = tree.path();
    let source = GitLsRemote::new(base);
    let options = PinOptions {
        lint: lint_options(root),
        lock: None,
        unsafe_fixes: false,
        images: None,
        actions: Some(&source),
        galaxy: None,
        lock_path: None,
        facts: None,
    };
    let plan = fleetpin_pin::plan(&options);
    assert_eq!(plan.errors.len(), 1, "{:?}", plan.errors);
    assert!(plan.errors[0].to_string().contains("owner/missing@v1"));
    write_all(&plan, root);
    assert_eq!(
        read(root, ".github/workflows/ci.yml"),
        format!(
            "on: push\njobs:\n  t:\n    runs-on: ubuntu-24.04\n    container: debian:bookworm\n    steps:\n      - uses: owner/repo@{v4} # v4\n      - uses: owner/repo/sub@{main} # main\n      - uses: owner/missing@v1\n"
        )
    );
    let again = fleetpin_pin::plan(&options);
    assert_eq!(again.edit_count(), 0);
}
