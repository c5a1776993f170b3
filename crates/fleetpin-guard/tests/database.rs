//! The shipped hazards database, checked as CI checks an advisory database: every entry valid,
//! every range ordered as dpkg orders it, and the incident's hosts judged as they broke.

use std::path::{Path, PathBuf};
use std::process::Command;

use fleetpin_debian::deb822::{Paragraph, Parser};
use fleetpin_debian::status::Status;
use fleetpin_guard::{Change, Database, Ecosystem, HostState, Op, Verdict};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn shipped_database_is_valid_and_built_in() {
    let (db, problems) = Database::load_dir(&repo().join("hazards")).unwrap();
    let report: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert!(problems.is_empty(), "{}", report.join("\n"));
    assert!(db.get("FPH-2023-0001").is_some());
    for h in db.hazards() {
        assert!(
            !h.is_draft(),
            "{}: give the draft its id before release",
            h.package
        );
    }
    let (builtin, problems) = Database::builtin();
    assert!(problems.is_empty());
    let ids = |d: &Database| d.hazards().iter().map(|h| h.id.clone()).collect::<Vec<_>>();
    assert_eq!(
        ids(&db),
        ids(&builtin),
        "the binary carries the directory's entries"
    );
}

/// Versions to probe a range with: each bound, and versions just around it.
fn probes(bound: &str) -> Vec<String> {
    let mut v = vec![bound.to_string()];
    let base = bound.trim_end_matches('~');
    for suffix in [
        "",
        "~",
        "~rc.1-1",
        "-1",
        "-0",
        "-1~debian.10~buster",
        "+b1",
        ".1",
        "a",
        "~~",
    ] {
        v.push(format!("{base}{suffix}"));
    }
    if let Some((epoch, rest)) = base.split_once(':') {
        v.push(rest.to_string());
        v.push(format!("{}:{rest}", epoch.parse::<u32>().unwrap_or(0) + 1));
    }
    v
}

fn dpkg_admits(version: &str, op: Op, bound: &str) -> bool {
    let op = match op {
        Op::Lt => "lt",
        Op::Le => "le",
        Op::Eq => "eq",
        Op::Ge => "ge",
        Op::Gt => "gt",
    };
    let status = Command::new("dpkg")
        .args(["--compare-versions", version, op, bound])
        .status()
        .expect("dpkg runs");
    status.success()
}

#[test]
fn every_debian_range_orders_as_dpkg_does() {
    if !fleetpin_testkit::require(
        Command::new("dpkg").arg("--version").output().is_ok(),
        "dpkg (Debian package dpkg)",
    ) {
        return;
    }
    let (db, _) = Database::load_dir(&repo().join("hazards")).unwrap();
    // Real docker-ce versions of Docker's Debian repository, old and new naming.
    let mut versions: Vec<String> = [
        "5:19.03.15~3-0~debian-buster",
        "5:20.10.23~3-0~debian-buster",
        "5:20.10.24~3-0~debian-bullseye",
        "5:23.0.0~rc.1-1~debian.10~buster",
        "5:23.0.0-1~debian.10~buster",
        "5:23.0.1-1~debian.10~buster",
        "5:23.0.2-1~debian.10~buster",
        "5:23.0.6-1~debian.12~bookworm",
        "5:24.0.0-1~debian.12~bookworm",
        "23.0.1-1",
    ]
    .map(str::to_string)
    .to_vec();
    let mut checked = 0;
    for h in db
        .hazards()
        .iter()
        .filter(|h| h.ecosystem == Ecosystem::Debian)
    {
        for r in h.affected.iter().chain(&h.fixed) {
            for c in r.comparators() {
                versions.extend(probes(&c.version));
            }
        }
        for r in h.affected.iter().chain(&h.fixed) {
            for v in &versions {
                if fleetpin_debian::Version::parse(v).is_err() {
                    continue;
                }
                let dpkg = r
                    .comparators()
                    .iter()
                    .all(|c| dpkg_admits(v, c.op, &c.version));
                assert_eq!(r.contains(v), dpkg, "{}: `{v}` in `{r}`", h.id);
                checked += 1;
            }
        }
    }
    assert!(checked > 20, "{checked}");
}

/// The installed packages of a dpkg status file, as a caller of guard (the binary, from
/// `fleetpin gather`'s facts) hands them over: guard takes its own plain [`HostState`].
fn host_from_status(name: &str) -> HostState {
    let path = repo()
        .join("examples/swarm-cluster/fleet/status")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut host = HostState::default();
    let mut parser = Parser::new(&text);
    let mut para = Paragraph::default();
    while parser.next_into(&mut para).unwrap() {
        let status = Status::parse(para.require("Status").unwrap()).unwrap();
        if status.is_installed() {
            host.packages
                .entry(para.require("Package").unwrap().to_string())
                .or_insert_with(|| para.require("Version").unwrap().to_string());
        }
    }
    assert!(
        host.packages.contains_key("docker-ce"),
        "{}",
        path.display()
    );
    host
}

#[test]
fn the_incident_hosts() {
    let (db, _) = Database::builtin();
    // swarm-w2 was added last and got Docker 23.0.1 without the apparmor package (only its
    // config files are left): broken, whatever its kernel says is unknown here.
    let w2 = host_from_status("swarm-w2.example.internal");
    let found = db.check_installed(&w2);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].hazard.id, "FPH-2023-0001");
    assert_eq!(
        found[0].verdict,
        Verdict::Breaks {
            missing: vec!["apparmor".to_string()],
            unknown: vec!["kernel AppArmor state"],
        }
    );
    // With the kernel's AppArmor known to be off, the same host is fine.
    let mut off = w2.clone();
    off.kernel_apparmor = Some(false);
    assert!(!db.check_installed(&off)[0].breaks());

    // swarm-m1 runs 20.10 with apparmor installed: nothing now, and the upgrade to 23.0.1 is
    // avoided by the package it has.
    let mut m1 = host_from_status("swarm-m1.example.internal");
    m1.kernel_apparmor = Some(true);
    m1.os_id = Some("debian".into());
    m1.os_version_id = Some("10".into());
    assert!(db.check_installed(&m1).is_empty());
    let to_23 = |from: &HostState| Change {
        package: "docker-ce".into(),
        from: from.packages.get("docker-ce").cloned(),
        to: Some("5:23.0.1-1~debian.10~buster".into()),
    };
    let f = db.check_changes(&m1, &[to_23(&m1)]);
    assert_eq!(f.len(), 1);
    assert!(f[0].introduced);
    assert!(matches!(&f[0].verdict, Verdict::Avoided { reason } if reason == "apparmor installed"));

    // The same upgrade on a host without apparmor breaks it, unless the upgrade installs
    // apparmor too; removing apparmor in it breaks it again; 23.0.2 is fine.
    let mut bare = m1.clone();
    bare.packages.remove("apparmor");
    assert!(db.check_changes(&bare, &[to_23(&bare)])[0].breaks());
    let with_apparmor = Change {
        package: "apparmor".into(),
        from: None,
        to: Some("2.13.2-10".into()),
    };
    assert!(!db.check_changes(&bare, &[to_23(&bare), with_apparmor])[0].breaks());
    let removal = Change {
        package: "apparmor".into(),
        from: Some("2.13.2-10".into()),
        to: None,
    };
    assert!(db.check_changes(&m1, &[to_23(&m1), removal])[0].breaks());
    let mut to_2302 = to_23(&bare);
    to_2302.to = Some("5:23.0.2-1~debian.10~buster".into());
    assert!(db.check_changes(&bare, &[to_2302]).is_empty());

    // Other distributions are not covered by an entry limited to Debian.
    let mut centos = bare.clone();
    centos.os_id = Some("centos".into());
    assert!(db.check_changes(&centos, &[to_23(&bare)]).is_empty());
}

#[test]
fn a_broken_database_names_every_problem_and_keeps_the_good_entries() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(repo().join("hazards/docker-ce/FPH-2023-0001.md")).unwrap();
    let write = |rel: &str, bytes: &[u8]| {
        let p = dir.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    };
    write("docker-ce/FPH-2023-0001.md", good.as_bytes());
    // The same id again, in a file named for it elsewhere.
    write(
        "docker-ce-cli/FPH-2023-0001.md",
        good.replace("package = \"docker-ce\"", "package = \"docker-ce-cli\"")
            .as_bytes(),
    );
    // Broken TOML, an invalid range, non-UTF-8.
    write(
        "containerd.io/FPH-2024-0001.md",
        b"```toml\n[hazard\n```\n# T\n\nx\n",
    );
    write(
        "runc/FPH-0000-0000.md",
        good.replace("FPH-2023-0001", "FPH-0000-0000")
            .replace("package = \"docker-ce\"", "package = \"runc\"")
            .replace(">= 5:23.0.0~, < 5:23.0.2~", ">= 5:23.0.2~, < 5:23.0.0~")
            .as_bytes(),
    );
    write("x/FPH-2024-0002.md", b"```toml\n\xff\n```\n");
    write("README.txt", b"not an entry");
    write("README.md", b"# The database\n");
    write("docker-ce/README.md", b"# Docker entries\n");
    write("FPH-2024-0003.md", good.as_bytes());

    let (db, problems) = Database::load_dir(dir.path()).unwrap();
    assert_eq!(db.hazards().len(), 1);
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        [
            "FPH-2024-0003.md:1: entries live in `<package>/<id>.md`, not at the top level",
            "containerd.io/FPH-2024-0001.md:2: unclosed table, expected `]`",
            "docker-ce-cli/FPH-2023-0001.md:1: id `FPH-2023-0001` is also used by docker-ce/FPH-2023-0001.md",
            "runc/FPH-0000-0000.md:21: `>= 5:23.0.2~, < 5:23.0.0~` admits no version",
            "x/FPH-2024-0002.md:2: not UTF-8",
        ],
        "{text:#?}"
    );
}
