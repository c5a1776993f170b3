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
        // Never the user's digest cache (nothing is written there offline).
        .env("FLEETPIN_CACHE_DIR", dir.join(".no-cache"))
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

#[path = "../crates/fleetpin-registry/tests/support/mod.rs"]
mod support;

/// `fleetpin pin` with the digest cache in `cache` (not the user's).
fn fleetpin_cached(dir: &Path, cache: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_fleetpin"))
        .current_dir(dir)
        .args(args)
        .env("NO_COLOR", "1")
        .env("FLEETPIN_CACHE_DIR", cache)
        .env("DOCKER_CONFIG", cache.join("no-docker-config"))
        .env_remove("HTTP_PROXY")
        .env_remove("HTTPS_PROXY")
        .env_remove("http_proxy")
        .env_remove("https_proxy")
        .output()
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A real `docker-registry` behind the counting proxy: the first `fleetpin pin` asks it
/// once per image and fills the digest cache; a second run on a fresh copy of the tree asks
/// nothing; `--offline` pins from the cache and names the image it has no digest for, while
/// the other files are still pinned.
#[test]
fn digest_cache_second_run_asks_no_registry_and_offline_pins_from_it() {
    if !support::have_tools(&["docker-registry", "skopeo"]) {
        return;
    }
    let reg = support::Registry::start(support::Auth::None);
    reg.push(&support::Layout::single("cli a"), "app:v1", false);
    reg.push(&support::Layout::index("cli b"), "base:3", false);
    let digest_a = reg.oracle("app:v1").digest;
    let digest_b = reg.oracle("base:3").digest;
    let proxy = support::LatencyProxy::start(reg.port, std::time::Duration::ZERO);
    let (app, base) = (proxy.image("app:v1"), proxy.image("base:3"));
    let cache = tempfile::tempdir().unwrap();
    let fresh = || {
        let dir = repo(SITE);
        std::fs::write(
            dir.path().join("compose.yaml"),
            format!("services:\n  app:\n    image: {app}\n"),
        )
        .unwrap();
        std::fs::write(
            dir.path().join("Dockerfile"),
            format!("FROM {base}\nRUN true\n"),
        )
        .unwrap();
        dir
    };

    let first = fresh();
    let r = fleetpin_cached(first.path(), cache.path(), &["pin"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let compose = std::fs::read_to_string(first.path().join("compose.yaml")).unwrap();
    assert!(compose.contains(&format!("{app}@{digest_a}")), "{compose}");
    let dockerfile = std::fs::read_to_string(first.path().join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains(&format!("{base}@{digest_b}")),
        "{dockerfile}"
    );
    assert_eq!(proxy.manifest_requests(), 2, "{:?}", proxy.requests());
    let on_disk: serde_json::Value = serde_json::from_slice(
        &std::fs::read(cache.path().join(fleetpin_registry::CACHE_FILE)).unwrap(),
    )
    .unwrap();
    assert_eq!(on_disk["entries"][&app]["digest"], digest_a.as_str());
    assert_eq!(on_disk["entries"][&base]["digest"], digest_b.as_str());

    // Online again, same images in a fresh tree: all from the cache.
    let before = proxy.requests().len();
    let second = fresh();
    let r = fleetpin_cached(second.path(), cache.path(), &["pin"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(
        std::fs::read_to_string(second.path().join("compose.yaml")).unwrap(),
        compose
    );
    assert_eq!(proxy.requests().len(), before, "{:?}", proxy.requests());

    // Offline: cached images are pinned; one never looked up is a named error (exit 2),
    // and the other files are still written.
    let offline = fresh();
    let unknown = proxy.image("other:9");
    std::fs::write(
        offline.path().join("docker-stack.yml"),
        format!("services:\n  other:\n    image: {unknown}\n"),
    )
    .unwrap();
    // A broken Docker config does not matter offline: no credentials are needed.
    let docker = tempfile::tempdir().unwrap();
    std::fs::write(docker.path().join("config.json"), "{ not json").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fleetpin"))
        .current_dir(offline.path())
        .args(["pin", "--offline"])
        .env("NO_COLOR", "1")
        .env("FLEETPIN_CACHE_DIR", cache.path())
        .env("DOCKER_CONFIG", docker.path())
        .output()
        .unwrap();
    let r = Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("docker-stack.yml:3") && r.stderr.contains("not in the digest cache"),
        "{}",
        r.stderr
    );
    assert_eq!(
        std::fs::read_to_string(offline.path().join("compose.yaml")).unwrap(),
        compose
    );
    assert!(
        std::fs::read_to_string(offline.path().join("site.yml"))
            .unwrap()
            .contains("docker-ce=5:20.10.23~3-0~debian-buster")
    );
    assert_eq!(
        std::fs::read_to_string(offline.path().join("docker-stack.yml")).unwrap(),
        format!("services:\n  other:\n    image: {unknown}\n")
    );
    assert_eq!(proxy.requests().len(), before, "{:?}", proxy.requests());
}

/// A corrupt cache file is a warning naming it, never a failure: the registry is asked
/// and the file rewritten.
#[test]
fn corrupt_digest_cache_is_a_named_warning() {
    if !support::have_tools(&["docker-registry", "skopeo"]) {
        return;
    }
    let reg = support::Registry::start(support::Auth::None);
    reg.push(&support::Layout::single("cli c"), "app:v2", false);
    let digest = reg.oracle("app:v2").digest;
    let cache = tempfile::tempdir().unwrap();
    let file = cache.path().join(fleetpin_registry::CACHE_FILE);
    std::fs::write(&file, "{\n  \"version\": 1,\n  \"entries\": {oops\n").unwrap();
    let dir = repo(SITE);
    let image = reg.image("app:v2");
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!("services:\n  app:\n    image: {image}\n"),
    )
    .unwrap();
    let r = fleetpin_cached(dir.path(), cache.path(), &["pin"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains(&format!("{}:3", file.display())) && r.stderr.contains("corrupt"),
        "{}",
        r.stderr
    );
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.contains(&digest), "{text}");
}

const GROUPS_LOCK: &str = r#"version = 1
group-by = ["workers"]
scope = "listed"
prefer = ["majority"]

[packages]
docker-ce = "5:20.10.23~3-0~debian-buster"

[groups.workers.packages]
docker-ce = "5:23.0.1-1~debian.10~buster"
"#;

#[test]
fn per_group_values_and_allow_downgrade_from_facts() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("fleetpin.lock"), GROUPS_LOCK).unwrap();
    std::fs::write(root.join("hosts"), "[managers]\nm1\n\n[workers]\nw1\n").unwrap();
    let site = "- hosts: all\n  serial: 1\n  tasks:\n    - name: Docker\n      ansible.builtin.apt:\n        name: docker-ce\n        state: present\n";
    std::fs::write(root.join("site.yml"), site).unwrap();
    // w1 (a worker) runs docker-ce above the workers' lock.
    let facts =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/fleetpin-pin/tests/fixtures/facts");
    let facts = facts.to_str().unwrap();

    // Without facts: the per-group value and its two group files; downgrades unchecked.
    let r = fleetpin(root, &["pin", "--offline", "--check"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("Would pin 3 values in 3 files.")
            && r.stderr.contains("note: downgrades are not checked"),
        "{}",
        r.stderr
    );
    let r = fleetpin(root, &["pin", "--offline", "--check", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    let created: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["created"] == true)
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        created,
        [
            "group_vars/all/fleetpin.yml",
            "group_vars/workers/fleetpin.yml"
        ]
    );

    // With facts: the downgrade w1 needs is named, and applied only with --unsafe-fixes.
    let with_facts = ["pin", "--offline", "--facts", facts];
    let r = fleetpin(root, &with_facts);
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!(r.stderr);
    assert!(
        !std::fs::read_to_string(root.join("site.yml"))
            .unwrap()
            .contains("allow_downgrade")
    );
    let r = fleetpin(root, &[&with_facts[..], &["--unsafe-fixes"]].concat());
    assert_eq!(r.code, 0, "{}", r.stderr);
    insta::assert_snapshot!(std::fs::read_to_string(root.join("site.yml")).unwrap());
    assert_eq!(
        std::fs::read_to_string(root.join("group_vars/workers/fleetpin.yml"))
            .unwrap()
            .lines()
            .last(),
        Some("  \"docker-ce\": \"5:23.0.1-1~debian.10~buster\"")
    );
    // Nothing left to do, and lint finds the task pinned.
    let r = fleetpin(
        root,
        &[&with_facts[..], &["--unsafe-fixes", "--check"]].concat(),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let r = fleetpin(root, &["lint", "--select", "ANS"]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    // A facts directory that does not exist is a usage error.
    let r = fleetpin(root, &["pin", "--offline", "--facts", "nope"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("facts directory `nope` does not exist"),
        "{}",
        r.stderr
    );
}
