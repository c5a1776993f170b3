//! `fleetpin lock export` checked by the tools that act on its output: the real
//! `apt-cache policy` over a throwaway apt root (every locked package's candidate is the lock,
//! with newer versions in the index, epochs, `~`, multi-arch), the real `dpkg
//! --set-selections`/`--get-selections` over a throwaway admindir, and the real
//! `ansible-playbook` running the exported task file with the exported vars (check mode, and
//! for real into a temporary path, whose result apt reads the same way).

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{Run, fleetpin, snapshot_text, write};

/// The lock under test: the default group with the hard cases, and a `workers` group that
/// locks docker-ce elsewhere.
const LOCK: &str = r#"# fleetpin.lock
version = 1
group-by = ["workers"]
scope = "all"
prefer = ["majority"]

[packages]
"containerd.io" = "1.6.18-1"
docker-ce = { version = "5:23.0.1-1~debian.12~bookworm", hold = true }
epochless = "1.0-1"
libfoo = "2.0-1"
"libfoo:i386" = "2.0-1"
"libbar:i386" = "1.0-1"
libbar = "1.1-1"
tilde = "1.0~rc1-1"
plus = "1.0+dfsg-1"
glob = "1.0*x-1"

[groups.workers.packages]
"containerd.io" = "1.6.18-1"
docker-ce = "5:24.0.7-1~debian.12~bookworm"
"#;

/// The index: for every package, versions newer than the lock (and some older), so a
/// wrong pin shows as a wrong candidate. (name, arch, versions)
const INDEX: &[(&str, &str, &[&str])] = &[
    (
        "containerd.io",
        "amd64",
        &["1.6.18-1", "1.6.28-1", "1.7.0-1"],
    ),
    (
        "docker-ce",
        "amd64",
        &[
            "5:20.10.23~3-0~debian-bookworm",
            "5:23.0.1-1~debian.12~bookworm",
            "5:24.0.7-1~debian.12~bookworm",
            "5:25.0.0-1~debian.12~bookworm",
            // The same upstream without the epoch: must not match a pin with it.
            "23.0.1-1~debian.12~bookworm",
        ],
    ),
    // Locked without an epoch; a version with one (higher) must not match the pin.
    ("epochless", "amd64", &["1.0-1", "1:1.0-1", "1.1-1"]),
    ("libfoo", "amd64", &["2.0-1", "2.1-1"]),
    ("libfoo", "i386", &["2.0-1", "2.1-1"]),
    ("libbar", "amd64", &["1.0-1", "1.1-1", "1.2-1"]),
    ("libbar", "i386", &["1.0-1", "1.1-1", "1.2-1"]),
    // `~` sorts before everything: the locked release candidate is older than all others.
    ("tilde", "amd64", &["1.0~rc1-1", "1.0~rc2-1", "1.0-1"]),
    (
        "plus",
        "amd64",
        &["1.0+dfsg-1", "1.0+dfsg-1+b1", "1.0+dfsg-2"],
    ),
    // A `*` in a version (dpkg only warns): written as a plain pin, apt would read it as a
    // glob that also matches the newer `1.0.9x-1`.
    ("glob", "amd64", &["1.0*x-1", "1.0.9x-1"]),
];

/// Installed (status file): docker-ce ahead of the lock (the pin must bring it back),
/// containerd.io behind it.
const STATUS: &str = "Package: docker-ce\nStatus: install ok installed\nPriority: optional\nVersion: 5:24.0.7-1~debian.12~bookworm\nArchitecture: amd64\nMaintainer: x <x@example.org>\nDescription: d\n\nPackage: containerd.io\nStatus: install ok installed\nPriority: optional\nVersion: 1.6.18-1\nArchitecture: amd64\nMaintainer: x <x@example.org>\nDescription: c\n\n";

fn stanza(name: &str, arch: &str, version: &str) -> String {
    let multi = if name.starts_with("lib") {
        "Multi-Arch: same\n"
    } else {
        ""
    };
    format!(
        "Package: {name}\nVersion: {version}\nArchitecture: {arch}\n{multi}Maintainer: x <x@example.org>\nFilename: pool/{name}_{version}_{arch}.deb\nSize: 1\nDescription: test\n\n"
    )
}

/// A throwaway apt root (amd64 + i386) with the index above and `preferences` installed as
/// `etc/apt/preferences.d/fleetpin`. Returns its apt.conf.
fn apt_root(dir: &Path, preferences: &str) -> PathBuf {
    let lists = dir.join("var/lib/apt/lists");
    std::fs::create_dir_all(&lists).unwrap();
    std::fs::create_dir_all(dir.join("var/cache/apt/archives/partial")).unwrap();
    std::fs::create_dir_all(dir.join("var/lib/dpkg/updates")).unwrap();
    std::fs::create_dir_all(dir.join("var/log/apt")).unwrap();
    std::fs::create_dir_all(dir.join("etc/apt/apt.conf.d")).unwrap();
    write(dir, "var/lib/dpkg/status", STATUS);
    write(
        dir,
        "etc/apt/sources.list",
        "deb [arch=amd64,i386 trusted=yes] http://deb.fleetpin.test/debian fp main\n",
    );
    let base = "deb.fleetpin.test_debian_dists_fp";
    write(
        &lists,
        &format!("{base}_Release"),
        "Origin: Fleetpin\nLabel: Fleetpin\nSuite: fp\nCodename: fp\nArchitectures: amd64 i386\nComponents: main\n",
    );
    for arch in ["amd64", "i386"] {
        let mut text = String::new();
        for (name, a, versions) in INDEX {
            if *a == arch {
                for v in *versions {
                    text.push_str(&stanza(name, arch, v));
                }
            }
        }
        write(
            &lists,
            &format!("{base}_main_binary-{arch}_Packages"),
            &text,
        );
    }
    write(dir, "etc/apt/preferences.d/fleetpin", preferences);
    let conf = dir.join("etc/apt/apt.conf");
    std::fs::write(
        &conf,
        format!(
            "Dir \"{root}/\";\nDir::Log \"{root}/var/log/apt\";\nDebug::NoLocking \"true\";\nDir::State::status \"{root}/var/lib/dpkg/status\";\nDir::Cache::pkgcache \"\";\nDir::Cache::srcpkgcache \"\";\nAPT::Architecture \"amd64\";\nAPT::Architectures {{ \"amd64\"; \"i386\"; }};\n",
            root = dir.display()
        ),
    )
    .unwrap();
    conf
}

/// `apt-cache policy` over the root: package (as apt names it) → candidate.
fn candidates(conf: &Path, packages: &[&str]) -> BTreeMap<String, String> {
    let out = Command::new("apt-cache")
        .arg("-c")
        .arg(conf)
        .arg("policy")
        .args(packages)
        .env("LC_ALL", "C")
        .output()
        .expect("run apt-cache");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "apt-cache policy: {stderr}");
    assert!(
        !stderr.contains("E:") && !stderr.contains("W:"),
        "apt complained: {stderr}"
    );
    let mut map = BTreeMap::new();
    let mut current = None;
    for line in stdout.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            current = Some(line.trim_end_matches(':').to_string());
        } else if let (Some(p), Some(c)) = (&current, line.trim().strip_prefix("Candidate: ")) {
            map.insert(p.clone(), c.to_string());
        }
    }
    map
}

fn have(tool: &str, what: &str) -> bool {
    fleetpin_testkit::require(fleetpin_testkit::on_path(tool).is_some(), what)
}

fn export(dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["lock", "export"];
    all.extend_from_slice(args);
    fleetpin(dir, &all)
}

/// The locked versions of a group, as the lock says (the expected candidates).
fn locked(group: &str) -> BTreeMap<String, String> {
    let lock = fleetpin_fleet::lock::Lock::parse(LOCK, Path::new("fleetpin.lock")).unwrap();
    lock.groups[group]
        .iter()
        .map(|(k, l)| (k.clone(), l.version.clone()))
        .collect()
}

/// apt names a native package without its architecture, a foreign one `name:arch`.
fn apt_name(key: &str) -> &str {
    key.strip_suffix(":amd64").unwrap_or(key)
}

fn assert_candidates_are_the_lock(preferences: &str, group: &str) {
    let root = tempfile::tempdir().unwrap();
    let conf = apt_root(root.path(), preferences);
    let want = locked(group);
    let names: Vec<&str> = want.keys().map(|k| apt_name(k)).collect();
    let got = candidates(&conf, &names);
    for (k, v) in &want {
        assert_eq!(
            got.get(apt_name(k)),
            Some(v),
            "candidate of `{k}` (group {group}); apt-cache policy said {got:?}\n{preferences}"
        );
    }
    // Without the preferences, apt would pick the newest: the check above means something.
    let bare = tempfile::tempdir().unwrap();
    let conf = apt_root(bare.path(), "");
    let unpinned = candidates(&conf, &names);
    let moved = want
        .iter()
        .filter(|(k, v)| unpinned.get(apt_name(k)) != Some(v))
        .count();
    assert_eq!(moved, want.len(), "unpinned candidates: {unpinned:?}");
}

/// `apt-get -s ARGS` over the root: the `Inst` lines, as (package, old, new).
fn simulate(conf: &Path, args: &[&str]) -> Vec<(String, Option<String>, String)> {
    let out = Command::new("apt-get")
        .arg("-c")
        .arg(conf)
        .arg("-s")
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .expect("run apt-get");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "apt-get -s {args:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // `Inst NAME [OLD] (NEW LABEL [ARCH])`
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Inst "))
        .map(|rest| {
            let name = rest.split(' ').next().unwrap().to_string();
            let old = rest
                .split_once(" [")
                .filter(|(_, r)| !r.starts_with('('))
                .and_then(|(_, r)| r.split_once(']'))
                .map(|(o, _)| o.to_string());
            let new = rest.split_once(" (").unwrap().1.split(' ').next().unwrap();
            (name, old, new.to_string())
        })
        .collect()
}

/// What apt does with the pins in place: `apt-get upgrade` brings the package installed ahead
/// of the lock back down and moves nothing else; `apt-get install NAME` (what Ansible's
/// `state: latest` runs) installs the locked version of each package.
#[test]
fn apt_with_the_pins_neither_upgrades_nor_installs_past_the_lock() {
    if !have("apt-get", "apt-get (apt-get install apt)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "fleetpin.lock", LOCK);
    let r = export(
        dir.path(),
        &["--format", "apt-preferences", "--group", "all"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let root = tempfile::tempdir().unwrap();
    let conf = apt_root(root.path(), &r.stdout);
    for cmd in ["upgrade", "dist-upgrade"] {
        assert_eq!(
            simulate(&conf, &[cmd]),
            [(
                "docker-ce".to_string(),
                Some("5:24.0.7-1~debian.12~bookworm".to_string()),
                "5:23.0.1-1~debian.12~bookworm".to_string()
            )],
            "apt-get {cmd}"
        );
    }
    for (key, version) in locked("all") {
        let name = apt_name(&key);
        let inst = simulate(&conf, &["install", name]);
        let plain = name.split(':').next().unwrap();
        let got: Vec<&str> = inst
            .iter()
            .filter(|(n, _, _)| n == name || n == plain)
            .map(|(_, _, new)| new.as_str())
            .collect();
        if key == "containerd.io" {
            // Installed at the lock already: nothing to do.
            assert!(got.is_empty(), "{inst:?}");
        } else {
            assert_eq!(got, [version.as_str()], "apt-get install {name}: {inst:?}");
        }
    }
    // Without the pins, the same upgrade moves docker-ce up and containerd.io too.
    let bare = tempfile::tempdir().unwrap();
    let conf = apt_root(bare.path(), "");
    let up = simulate(&conf, &["upgrade"]);
    assert!(
        up.iter()
            .any(|(n, _, v)| n == "containerd.io" && v == "1.7.0-1"),
        "{up:?}"
    );
}

#[test]
fn apt_preferences_make_every_locked_version_the_candidate() {
    if !have("apt-cache", "apt-cache (apt-get install apt)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "fleetpin.lock", LOCK);
    for group in ["all", "workers"] {
        let r = export(
            dir.path(),
            &["--format", "apt-preferences", "--group", group],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert!(r.stderr.is_empty(), "{}", r.stderr);
        assert_candidates_are_the_lock(&r.stdout, group);
    }
}

#[test]
fn apt_preferences_output_is_stable() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "fleetpin.lock", LOCK);
    let r = export(
        dir.path(),
        &["--format", "apt-preferences", "--group", "all"],
    );
    insta::assert_snapshot!(snapshot_text(&r, dir.path()));
}

#[test]
fn dpkg_selections_hold_every_locked_package() {
    if !have("dpkg", "dpkg (Debian's dpkg package)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "fleetpin.lock", LOCK);
    let r = export(
        dir.path(),
        &[
            "--format",
            "dpkg-selections",
            "--group",
            "all",
            "--native-arch",
            "amd64",
            "--output",
            "selections",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert_eq!(r.stderr.trim(), "wrote selections (10 packages)");
    let selections = std::fs::read_to_string(dir.path().join("selections")).unwrap();

    // A throwaway admindir where every locked package is installed (foreign ones as
    // Multi-Arch: same, as dpkg needs to co-install them), none held yet.
    let mut status = String::new();
    for key in locked("all").keys() {
        let (name, arch) = key.split_once(':').unwrap_or((key.as_str(), "amd64"));
        let multi = if name.starts_with("lib") {
            "Multi-Arch: same\n"
        } else {
            ""
        };
        status.push_str(&format!(
            "Package: {name}\nStatus: install ok installed\nPriority: optional\nVersion: 1.0-1\nArchitecture: {arch}\n{multi}Maintainer: x <x@example.org>\nDescription: d\n\n"
        ));
    }
    let admin = fleetpin_testkit::dpkg_admindir(&dir.path().join("admin"), &status);
    let dpkg = |args: &[&str], stdin: Option<&str>| {
        use std::io::Write as _;
        let mut child = Command::new("dpkg")
            .arg(format!("--admindir={}", admin.display()))
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run dpkg");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.unwrap_or("").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, _, err) = dpkg(&["--set-selections"], Some(&selections));
    assert!(ok, "dpkg --set-selections: {err}");
    assert!(err.is_empty(), "dpkg warned: {err}");
    let (ok, out, err) = dpkg(&["--get-selections"], None);
    assert!(ok, "{err}");
    let got: BTreeMap<&str, &str> = out
        .lines()
        .filter_map(|l| l.split_once(char::is_whitespace))
        .map(|(p, s)| (p, s.trim()))
        .collect();
    let got_names: BTreeMap<String, &str> = got
        .iter()
        .map(|(k, v)| (k.strip_suffix(":amd64").unwrap_or(k).to_string(), *v))
        .collect();
    let want_names: BTreeMap<String, &str> = locked("all")
        .keys()
        .map(|k| (apt_name(k).to_string(), "hold"))
        .collect();
    assert_eq!(got_names, want_names, "dpkg --get-selections:\n{out}");
    // The status file says so too (`hold ok installed`).
    let held = fleetpin_testkit::dpkg_query(&admin, Some("${db:Status-Abbrev}\n"));
    assert!(held.lines().all(|l| l.trim() == "hi"), "dpkg-query: {held}");

    // And apt honours it: over an index with newer versions, `apt-get upgrade` moves the
    // packages before the hold and keeps every one back after it.
    if !have("apt-get", "apt-get (apt-get install apt)") {
        return;
    }
    let root = tempfile::tempdir().unwrap();
    let conf = apt_root(root.path(), "");
    write(root.path(), "var/lib/dpkg/status", &status);
    assert!(!simulate(&conf, &["upgrade"]).is_empty());
    std::fs::copy(
        admin.join("status"),
        root.path().join("var/lib/dpkg/status"),
    )
    .unwrap();
    assert_eq!(simulate(&conf, &["upgrade"]), []);
}

#[test]
fn groups_that_disagree_are_a_named_error_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "fleetpin.lock", LOCK);
    let r = export(
        dir.path(),
        &["--format", "apt-preferences", "--output", "prefs"],
    );
    assert!(!dir.path().join("prefs").exists());
    let r2 = export(
        dir.path(),
        &["--format", "dpkg-selections", "--group", "db"],
    );
    let missing = tempfile::tempdir().unwrap();
    let r3 = export(missing.path(), &["--format", "ansible-vars"]);
    // `libbar` and `libbar:i386`: dpkg cannot tell them apart without the native arch.
    let r4 = export(
        dir.path(),
        &["--format", "dpkg-selections", "--group", "all"],
    );
    insta::assert_snapshot!(format!(
        "{}\n\n{}\n\n{}\n\n{}",
        snapshot_text(&r, dir.path()),
        snapshot_text(&r2, dir.path()),
        snapshot_text(&r3, missing.path()),
        snapshot_text(&r4, dir.path())
    ));
}

/// `ansible-playbook`: `$FLEETPIN_ANSIBLE_PLAYBOOK`, else the first on `PATH`.
fn ansible_playbook() -> Option<PathBuf> {
    fleetpin_testkit::oracle(
        fleetpin_testkit::ansible_playbook(),
        "ansible-playbook (pip install ansible-core)",
    )
}

#[test]
fn ansible_vars_and_tasks_install_the_same_pins() {
    let Some(playbook) = ansible_playbook() else {
        return;
    };
    if !have("apt-cache", "apt-cache (apt-get install apt)") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "fleetpin.lock", LOCK);
    let repo = dir.path().join("repo");
    for group in ["all", "workers"] {
        let r = export(
            dir.path(),
            &[
                "--format",
                "ansible-vars",
                "--group",
                group,
                "--output",
                &format!("repo/group_vars/{group}/fleetpin.yml"),
            ],
        );
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    let r = export(
        dir.path(),
        &[
            "--format",
            "ansible-tasks",
            "--output",
            "repo/fleetpin-apt-pins.yml",
        ],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    write(
        &repo,
        "hosts.ini",
        "[workers]\nw1 ansible_connection=local\n\n[others]\nm1 ansible_connection=local\n",
    );
    write(
        &repo,
        "site.yml",
        "- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.import_tasks: fleetpin-apt-pins.yml\n    - name: A fixed task reads its version from the vars\n      ansible.builtin.debug:\n        msg: \"docker-ce={{ fleetpin_versions['docker-ce'] }}\"\n",
    );
    let out_dir = dir.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let run = |check: bool| {
        let mut cmd = Command::new(&playbook);
        cmd.current_dir(&repo)
            .args(["-i", "hosts.ini", "site.yml", "--diff"])
            .arg("-e")
            .arg("ansible_python_interpreter={{ ansible_playbook_python }}")
            .arg("-e")
            .arg(format!(
                "fleetpin_apt_preferences_file={}/{{{{ inventory_hostname }}}}",
                out_dir.display()
            ))
            .env("ANSIBLE_NOCOLOR", "1")
            .env("ANSIBLE_HOST_KEY_CHECKING", "0");
        if check {
            cmd.arg("--check");
        }
        let out = cmd.output().expect("run ansible-playbook");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "ansible-playbook failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        stdout
    };
    // Check mode: would change, writes nothing, and the vars reach the fixed task.
    let checked = run(true);
    assert!(checked.contains("changed: [w1]") && checked.contains("changed: [m1]"));
    assert!(
        checked.contains("docker-ce=5:24.0.7-1~debian.12~bookworm")
            && checked.contains("docker-ce=5:23.0.1-1~debian.12~bookworm"),
        "{checked}"
    );
    assert!(std::fs::read_dir(&out_dir).unwrap().next().is_none());
    // For real (into a temporary path): each host gets its group's pins, which make apt's
    // candidates the lock, exactly like `--format apt-preferences`.
    run(false);
    assert_candidates_are_the_lock(&std::fs::read_to_string(out_dir.join("m1")).unwrap(), "all");
    assert_candidates_are_the_lock(
        &std::fs::read_to_string(out_dir.join("w1")).unwrap(),
        "workers",
    );
    // Idempotent: a second run changes nothing.
    let again = run(false);
    assert!(again.contains("changed=0"), "{again}");
}

#[test]
fn a_version_bump_is_one_line_in_one_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "fleetpin.lock", LOCK);
    let r = export(
        dir.path(),
        &["--format", "ansible-vars", "--group", "workers"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let bumped = LOCK.replace(
        "docker-ce = \"5:24.0.7-1~debian.12~bookworm\"",
        "docker-ce = \"5:24.0.9-1~debian.12~bookworm\"",
    );
    write(dir.path(), "fleetpin.lock", &bumped);
    let r2 = export(
        dir.path(),
        &["--format", "ansible-vars", "--group", "workers"],
    );
    let changed: Vec<(&str, &str)> = r
        .stdout
        .lines()
        .zip(r2.stdout.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(
        changed,
        [(
            "  \"docker-ce\": \"5:24.0.7-1~debian.12~bookworm\"",
            "  \"docker-ce\": \"5:24.0.9-1~debian.12~bookworm\""
        )]
    );
    insta::assert_snapshot!(r.stdout);
}
