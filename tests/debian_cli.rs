//! `fleetpin debian policy` and `fleetpin debian compare` as a user runs them, checked against
//! the real tools: `apt-cache policy` (with `APT_CONFIG` pointing at the same temporary root)
//! must print exactly what we print, and `dpkg --compare-versions` must agree with `compare`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{fleetpin, snapshot_text, write};

/// Whether `tool --version` runs. Missing outside CI: says so and the caller returns; with
/// `FLEETPIN_REQUIRE_ORACLES=1` (CI) or `CI=true` a missing oracle fails the test.
fn require(tool: &str) -> bool {
    let ok = Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    fleetpin_testkit::require(ok, tool)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let dest = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &dest);
        } else {
            std::fs::copy(e.path(), dest).unwrap();
        }
    }
}

const META: &str = "Maintainer: m <m@example.org>\nDescription: d\n";

/// The policy fixture root plus a flat repository (`deb URI ./`), packages that are only
/// provided or only depended on, and pins on several packages (so the `Pinned packages:`
/// order is tested), in a temp dir. Returns (holder, canonical root, apt.conf for apt-cache).
fn root() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/fleetpin-debian/tests/fixtures/policy-root"),
        &root,
    );
    let root = root.canonicalize().unwrap();
    std::fs::create_dir_all(root.join("etc/apt/apt.conf.d")).unwrap();
    std::fs::create_dir_all(dir.path().join("cache")).unwrap();
    let list = std::fs::read_to_string(root.join("etc/apt/sources.list")).unwrap();
    write(
        &root,
        "etc/apt/sources.list",
        &format!("{list}deb http://flat.example.org/repo ./\n"),
    );
    write(
        &root,
        "var/lib/apt/lists/flat.example.org_repo_._Release",
        "Origin: Flat\nLabel: FlatL\nSuite: flatsuite\nCodename: flatcode\nDate: Thu, 01 Jan 2026 00:00:00 UTC\n",
    );
    let mut packages = String::new();
    for (name, extra) in [
        (
            "flatpkg",
            "Provides: virt-thing\nDepends: only-referenced (>= 1)\n",
        ),
        ("flatpkg2", ""),
        ("aardvark", ""),
        ("zebra-tools", ""),
        ("libquux1", ""),
        ("python3-zz", ""),
    ] {
        packages.push_str(&format!(
            "Package: {name}\nVersion: 1.0\nArchitecture: amd64\n{META}{extra}\n"
        ));
    }
    write(
        &root,
        "var/lib/apt/lists/flat.example.org_repo_._Packages",
        &packages,
    );
    write(
        &root,
        "etc/apt/preferences.d/flat.pref",
        "Package: flatpkg\nPin: release b=amd64\nPin-Priority: 700\n\n\
         Package: flatpkg2\nPin: release l=FlatL,c=\nPin-Priority: 710\n\n\
         Package: aardvark zebra-tools libquux1 python3-zz\nPin: origin flat.example.org\nPin-Priority: 720\n",
    );
    let conf = dir.path().join("apt.conf");
    std::fs::write(
        &conf,
        format!(
            "Dir \"{r}/\";\nDir::State::status \"{r}/var/lib/dpkg/status\";\nDir::Cache \"{c}\";\nDir::Cache::pkgcache \"\";\nDir::Cache::srcpkgcache \"\";\nAPT::Architecture \"amd64\";\nAPT::Architectures {{ \"amd64\"; }};\n",
            r = root.display(),
            c = dir.path().join("cache").display()
        ),
    )
    .unwrap();
    (dir, root, conf)
}

/// `apt-cache policy ARGS` on the root: (exit code, stdout).
fn apt_cache_policy(conf: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::new("apt-cache")
        .env("APT_CONFIG", conf)
        .env("LC_ALL", "C")
        .arg("policy")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
    )
}

fn policy(root: &Path, args: &[&str]) -> common::Run {
    let mut all = vec!["debian", "policy", "--root", root.to_str().unwrap()];
    all.extend_from_slice(args);
    fleetpin(root, &all)
}

#[test]
fn policy_without_packages_lists_files_in_apt_order_and_the_pinned_packages() {
    if !require("apt-cache") {
        return;
    }
    let (_dir, root, conf) = root();
    let ours = policy(&root, &[]);
    let (code, apt) = apt_cache_policy(&conf, &[]);
    assert_eq!((ours.code, code), (0, 0), "{}", ours.stderr);
    assert!(
        ours.stdout.contains("Pinned packages:\n     "),
        "{}",
        ours.stdout
    );
    assert_eq!(ours.stdout, apt);
}

#[test]
fn flat_repositories_get_apts_release_attributes_and_pins() {
    if !require("apt-cache") {
        return;
    }
    let (_dir, root, conf) = root();
    // `b=amd64` cannot match a flat repository (no architecture); `c=` (empty) does.
    let pkgs = ["flatpkg", "flatpkg2"];
    let ours = policy(&root, &pkgs);
    assert_eq!(ours.code, 0, "{}", ours.stderr);
    assert!(ours.stdout.contains("     1.0 710\n"), "{}", ours.stdout);
    assert!(ours.stdout.contains("     1.0 500\n"), "{}", ours.stdout);
    assert_eq!(ours.stdout, apt_cache_policy(&conf, &pkgs).1);
    let json = policy(&root, &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let flat = v["indexes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["index"] == "http://flat.example.org/repo ./ Packages")
        .unwrap();
    assert_eq!(flat["release"], "o=Flat,a=flatsuite,n=flatcode,l=FlatL,c=");
}

#[test]
fn virtual_packages_print_apts_empty_stanza_and_exit_0() {
    if !require("apt-cache") {
        return;
    }
    let (_dir, root, conf) = root();
    // Provided by flatpkg; only depended on by flatpkg.
    let pkgs = ["virt-thing", "only-referenced"];
    let ours = policy(&root, &pkgs);
    assert_eq!(ours.code, 0, "{}", ours.stderr);
    assert_eq!(ours.stderr, "");
    assert!(
        ours.stdout.starts_with(
            "virt-thing:\n  Installed: (none)\n  Candidate: (none)\n  Version table:\n"
        ),
        "{}",
        ours.stdout
    );
    assert_eq!(ours.stdout, apt_cache_policy(&conf, &pkgs).1);
    // A name apt does not know at all prints nothing there; here it is a finding (exit 1).
    let missing = policy(&root, &["no-such-package"]);
    assert_eq!(missing.code, 1);
    assert_eq!(
        missing.stdout,
        apt_cache_policy(&conf, &["no-such-package"]).1
    );
    assert!(
        missing
            .stderr
            .contains("unable to locate package no-such-package")
    );
}

#[test]
fn any_and_native_qualifiers_are_accepted_like_apt() {
    if !require("apt-cache") {
        return;
    }
    let (_dir, root, conf) = root();
    let pkgs = ["curl:any", "curl:native", "docker-ce:amd64", "flatpkg:any"];
    let ours = policy(&root, &pkgs);
    assert_eq!(ours.code, 0, "{}", ours.stderr);
    assert_eq!(ours.stdout.matches("curl:\n").count(), 2, "{}", ours.stdout);
    assert_eq!(ours.stdout, apt_cache_policy(&conf, &pkgs).1);
}

#[test]
fn a_root_without_apt_or_dpkg_state_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("not-a-root");
    std::fs::create_dir_all(empty.join("etc")).unwrap();
    let r = policy(&empty, &["curl"]);
    insta::assert_snapshot!(snapshot_text(&r, dir.path()));
    // A root with only a dpkg status file is fine.
    write(
        &empty,
        "var/lib/dpkg/status",
        &format!(
            "Package: curl\nStatus: install ok installed\n{META}Architecture: amd64\nVersion: 7.88.1-10\n"
        ),
    );
    let r = policy(&empty, &["curl"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("  Installed: 7.88.1-10\n"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_bad_status_file_is_reported_with_its_line_and_the_rest_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "var/lib/dpkg/status",
        &format!(
            "Package: curl\nStatus: hold ok installed\n{META}Architecture: amd64\nVersion: 7.88.1-10\n\n\
             Package: wget\nStatus: install ok\n{META}Architecture: amd64\nVersion: 1.21\n"
        ),
    );
    let r = policy(root, &["curl"]);
    insta::assert_snapshot!(snapshot_text(&r, root));
}

#[test]
fn compare_takes_empty_versions_like_dpkg() {
    if !require("dpkg") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let pairs = [
        ("", "1"),
        ("", "0"),
        ("", "0~"),
        ("", ""),
        ("1.0", ""),
        ("<unknown>", ""),
        ("<unknown>", "1"),
    ];
    for (a, b) in pairs {
        let r = fleetpin(dir.path(), &["debian", "compare", a, b]);
        assert_eq!(r.code, 0, "{a:?} {b:?}: {}", r.stderr);
        let dpkg = |op: &str| {
            Command::new("dpkg")
                .args(["--compare-versions", a, op, b])
                .status()
                .unwrap()
                .code()
                == Some(0)
        };
        let want = if dpkg("lt") {
            "<"
        } else if dpkg("eq") {
            "="
        } else {
            assert!(dpkg("gt"));
            ">"
        };
        assert_eq!(r.stdout, format!("{want}\n"), "{a:?} {b:?}");
        // The three-argument form answers like dpkg too.
        for op in ["lt", "eq", "gt", "lt-nl", "gt-nl"] {
            let r = fleetpin(dir.path(), &["debian", "compare", a, op, b]);
            assert_eq!(r.code == 0, dpkg(op), "{a:?} {op} {b:?}");
        }
    }
    // A blank that is not empty is a bad version, as in dpkg (exit 2).
    assert_eq!(
        fleetpin(dir.path(), &["debian", "compare", " ", "1"]).code,
        2
    );
}
