//! Every entry of the shipped database against a host it hits and a host it spares, both
//! with the versions the real packages carry. A new entry without a case here fails
//! `every_entry_has_a_case`.

use std::collections::BTreeSet;

use fleetpin_guard::{Change, Database, HostState, IptablesBackend, Verdict};

/// A host: os-release ID and VERSION_ID, then installed packages.
fn host(os: &str, version: &str, packages: &[(&str, &str)]) -> HostState {
    HostState {
        os_id: Some(os.into()),
        os_version_id: Some(version.into()),
        packages: packages
            .iter()
            .map(|(p, v)| ((*p).to_string(), (*v).to_string()))
            .collect(),
        ..HostState::default()
    }
}

struct Case {
    id: &'static str,
    /// The package upgrade.
    package: &'static str,
    from: &'static str,
    to: &'static str,
    /// The host the upgrade breaks, and the conditions the finding names.
    hit: HostState,
    because: &'static [&'static str],
    /// A host the same upgrade spares, and why (empty: no finding at all, because the
    /// upgrade it gets instead, `spared_to`, is not affected).
    spared: HostState,
    reason: &'static str,
    spared_to: Option<&'static str>,
}

fn cases() -> Vec<Case> {
    let with = |mut h: HostState, f: &dyn Fn(&mut HostState)| {
        f(&mut h);
        h
    };
    vec![
        Case {
            id: "FPH-2023-0001",
            package: "docker-ce",
            from: "5:20.10.23~3-0~debian-buster",
            to: "5:23.0.1-1~debian.10~buster",
            hit: with(
                host(
                    "debian",
                    "10",
                    &[("docker-ce", "5:20.10.23~3-0~debian-buster")],
                ),
                &|h| h.kernel_apparmor = Some(true),
            ),
            because: &["kernel AppArmor enabled", "apparmor not installed"],
            spared: with(
                host(
                    "debian",
                    "10",
                    &[("docker-ce", "5:20.10.23~3-0~debian-buster")],
                ),
                &|h| h.kernel_apparmor = Some(false),
            ),
            reason: "the kernel has AppArmor disabled",
            spared_to: None,
        },
        Case {
            id: "FPH-2021-0001",
            package: "containerd.io",
            from: "1.4.4-1",
            to: "1.4.6-1",
            hit: host(
                "debian",
                "10",
                &[
                    ("containerd.io", "1.4.4-1"),
                    ("docker-ce", "5:20.10.6~3-0~debian-buster"),
                ],
            ),
            because: &["docker-ce 5:20.10.6~3-0~debian-buster installed"],
            // containerd.io as the CRI runtime of a Kubernetes node, without Docker.
            spared: host(
                "ubuntu",
                "20.04",
                &[("containerd.io", "1.4.4-1"), ("kubelet", "1.21.1-00")],
            ),
            reason: "no docker-ce | docker-ce-rootless-extras installed",
            spared_to: None,
        },
        Case {
            id: "FPH-2021-0002",
            package: "containerd.io",
            from: "1.4.6-3.1.fc34",
            to: "1.4.8-3.1.fc34",
            hit: with(
                host("fedora", "34", &[("containerd.io", "1.4.6-3.1.fc34")]),
                &|h| h.cgroup_version = Some(2),
            ),
            because: &["cgroup v2"],
            spared: with(
                host("fedora", "34", &[("containerd.io", "1.4.6-3.1.fc34")]),
                &|h| h.cgroup_version = Some(1),
            ),
            reason: "the host runs cgroup v1",
            spared_to: None,
        },
        Case {
            id: "FPH-2025-0001",
            package: "containerd.io",
            from: "1.7.29-1~ubuntu.24.04~noble",
            to: "2.1.5-1~ubuntu.24.04~noble",
            hit: host(
                "ubuntu",
                "24.04",
                &[
                    ("containerd.io", "1.7.29-1~ubuntu.24.04~noble"),
                    ("docker-ce", "5:29.0.0-1~ubuntu.24.04~noble"),
                ],
            ),
            because: &["docker-ce 5:29.0.0-1~ubuntu.24.04~noble installed"],
            spared: host(
                "ubuntu",
                "24.04",
                &[("containerd.io", "1.7.29-1~ubuntu.24.04~noble")],
            ),
            reason: "no docker-ce installed",
            spared_to: None,
        },
        Case {
            id: "FPH-2021-0003",
            package: "runc",
            from: "1.0.0~rc10-0ubuntu1~20.04.1",
            to: "1.0.0~rc95-0ubuntu1~20.04.1",
            hit: host(
                "ubuntu",
                "20.04",
                &[
                    ("runc", "1.0.0~rc10-0ubuntu1~20.04.1"),
                    ("docker.io", "20.10.2-0ubuntu1~20.04.2"),
                ],
            ),
            because: &["docker.io 20.10.2-0ubuntu1~20.04.2 installed"],
            // runc alone, for podman: no Docker or containerd to pass it a relative VOLUME.
            spared: host(
                "ubuntu",
                "20.04",
                &[
                    ("runc", "1.0.0~rc10-0ubuntu1~20.04.1"),
                    ("podman", "3.4.2-1"),
                ],
            ),
            reason: "no docker.io | containerd installed",
            spared_to: None,
        },
        Case {
            id: "FPH-2022-0001",
            package: "kubelet",
            from: "1.23.6-00",
            to: "1.24.0-00",
            hit: host(
                "ubuntu",
                "20.04",
                &[
                    ("kubelet", "1.23.6-00"),
                    ("docker-ce", "5:20.10.14~3-0~ubuntu-focal"),
                ],
            ),
            because: &[
                "docker-ce 5:20.10.14~3-0~ubuntu-focal installed",
                "cri-dockerd not installed",
            ],
            spared: host(
                "ubuntu",
                "20.04",
                &[
                    ("kubelet", "1.23.6-00"),
                    ("docker-ce", "5:20.10.14~3-0~ubuntu-focal"),
                    ("cri-dockerd", "0.2.6.3-0.ubuntu-focal"),
                ],
            ),
            reason: "cri-dockerd installed",
            spared_to: None,
        },
        Case {
            id: "FPH-2022-0002",
            package: "kubelet",
            from: "1.25.5-00",
            to: "1.26.0-00",
            hit: host(
                "debian",
                "11",
                &[
                    ("kubelet", "1.25.5-00"),
                    ("containerd", "1.4.13~ds1-1~deb11u4"),
                ],
            ),
            because: &["containerd 1.4.13~ds1-1~deb11u4 installed"],
            spared: host(
                "debian",
                "11",
                &[("kubelet", "1.25.5-00"), ("containerd.io", "1.6.14-1")],
            ),
            reason: "no containerd.io < 1.6~ | containerd < 1.6~ installed",
            spared_to: None,
        },
        Case {
            id: "FPH-2021-0005",
            package: "systemd",
            from: "241-7~deb10u8",
            to: "247.3-6",
            hit: host(
                "debian",
                "10",
                &[
                    ("systemd", "241-7~deb10u8"),
                    ("docker-ce", "5:19.03.15~3-0~debian-buster"),
                ],
            ),
            because: &["docker-ce 5:19.03.15~3-0~debian-buster installed"],
            spared: host(
                "debian",
                "10",
                &[
                    ("systemd", "241-7~deb10u8"),
                    ("docker-ce", "5:20.10.5~3-0~debian-buster"),
                ],
            ),
            reason: "no docker-ce < 5:20.10~ | docker.io < 20.10~ installed",
            spared_to: None,
        },
        Case {
            id: "FPH-2024-0001",
            package: "systemd",
            from: "252.30-1~deb12u2",
            to: "257.7-1",
            hit: with(
                host("debian", "12", &[("systemd", "252.30-1~deb12u2")]),
                &|h| {
                    h.cgroup_version = Some(1);
                },
            ),
            because: &["cgroup v1"],
            spared: with(
                host("debian", "12", &[("systemd", "252.30-1~deb12u2")]),
                &|h| {
                    h.cgroup_version = Some(2);
                },
            ),
            reason: "the host runs cgroup v2",
            spared_to: None,
        },
        Case {
            id: "FPH-2025-0002",
            package: "systemd",
            from: "257.7-1",
            to: "258.1-1",
            hit: with(host("debian", "13", &[("systemd", "257.7-1")]), &|h| {
                h.kernel_release = Some("4.19.0-27-amd64".into());
            }),
            because: &["kernel 4.19.0-27-amd64"],
            spared: with(host("debian", "13", &[("systemd", "257.7-1")]), &|h| {
                h.kernel_release = Some("6.12.38+deb13-amd64".into());
            }),
            reason: "kernel 6.12.38+deb13-amd64 is outside the affected kernels",
            spared_to: None,
        },
        Case {
            id: "FPH-2023-0002",
            package: "python3-pip",
            from: "20.3.4-4+deb11u1",
            to: "23.0.1+dfsg-1",
            hit: host(
                "debian",
                "12",
                &[
                    ("python3-pip", "20.3.4-4+deb11u1"),
                    ("libpython3.11-stdlib", "3.11.2-6"),
                ],
            ),
            because: &["libpython3.11-stdlib 3.11.2-6 installed"],
            // A pip upgrade on a host still on Python 3.9, whose stdlib carries no marker.
            spared: host(
                "debian",
                "11",
                &[
                    ("python3-pip", "20.3.4-4+deb11u1"),
                    ("libpython3.9-stdlib", "3.9.2-1"),
                ],
            ),
            reason: "no libpython3.11-stdlib | libpython3.12-stdlib | libpython3.13-stdlib installed",
            spared_to: None,
        },
        Case {
            id: "FPH-2019-0001",
            package: "iptables",
            from: "1.6.0+snapshot20161117-6",
            to: "1.8.2-4",
            hit: with(
                host(
                    "debian",
                    "10",
                    &[
                        ("iptables", "1.6.0+snapshot20161117-6"),
                        ("kubelet", "1.15.3-00"),
                    ],
                ),
                &|h| h.iptables_backend = Some(IptablesBackend::Nft),
            ),
            because: &["iptables nft backend", "kubelet 1.15.3-00 installed"],
            spared: with(
                host(
                    "debian",
                    "10",
                    &[
                        ("iptables", "1.6.0+snapshot20161117-6"),
                        ("kubelet", "1.15.3-00"),
                    ],
                ),
                &|h| h.iptables_backend = Some(IptablesBackend::Legacy),
            ),
            reason: "iptables uses the legacy backend",
            spared_to: None,
        },
        Case {
            id: "FPH-2021-0004",
            package: "openssh-server",
            from: "1:8.4p1-5+deb11u3",
            to: "1:9.2p1-2+deb12u3",
            hit: host("debian", "12", &[("openssh-server", "1:8.4p1-5+deb11u3")]),
            because: &[],
            // The bullseye security update stays on 8.4.
            spared: host("debian", "11", &[("openssh-server", "1:8.4p1-5+deb11u3")]),
            reason: "",
            spared_to: Some("1:8.4p1-5+deb11u4"),
        },
    ]
}

#[test]
fn every_entry_hits_its_host_and_spares_the_other() {
    let (db, problems) = Database::builtin();
    assert!(problems.is_empty(), "{problems:?}");
    for case in cases() {
        let change = Change {
            package: case.package.into(),
            from: Some(case.from.to_string()),
            to: Some(case.to.into()),
        };
        let found = db.check_changes(&case.hit, std::slice::from_ref(&change));
        let f = found
            .iter()
            .find(|f| f.hazard.id == case.id)
            .unwrap_or_else(|| panic!("{}: no finding on the host it hits: {found:#?}", case.id));
        assert!(f.breaks(), "{}: {:?}", case.id, f.verdict);
        assert!(f.introduced, "{}", case.id);
        assert_eq!(f.conditions, case.because, "{}", case.id);
        if let Verdict::Breaks { unknown, .. } = &f.verdict {
            assert!(
                unknown.is_empty(),
                "{}: every fact was known: {unknown:?}",
                case.id
            );
        }

        let mut other = change.clone();
        if let Some(to) = case.spared_to {
            other.to = Some(to.into());
        }
        let found = db.check_changes(&case.spared, &[other]);
        let spared = found.iter().find(|f| f.hazard.id == case.id);
        match spared {
            None => assert!(
                case.reason.is_empty(),
                "{}: expected an avoided finding ({}), got none",
                case.id,
                case.reason
            ),
            Some(f) => assert_eq!(
                f.verdict,
                Verdict::Avoided {
                    reason: case.reason.to_string()
                },
                "{}",
                case.id
            ),
        }

        // The same host, already upgraded, is found broken by `check_installed`.
        let mut now = case.hit.clone();
        now.packages.insert(case.package.into(), case.to.into());
        assert!(
            db.check_installed(&now)
                .iter()
                .any(|f| f.hazard.id == case.id && f.breaks()),
            "{}: check_installed",
            case.id
        );
    }
}

#[test]
fn every_entry_has_a_case() {
    let (db, _) = Database::builtin();
    let have: BTreeSet<&str> = cases().iter().map(|c| c.id).collect();
    let want: BTreeSet<&str> = db.hazards().iter().map(|h| h.id.as_str()).collect();
    assert_eq!(have, want, "add a case for each new entry");
    assert!(want.len() >= 13, "{}", want.len());
}

#[test]
fn unknown_facts_warn_and_name_what_is_unknown() {
    let (db, _) = Database::builtin();
    // Nothing known but the packages: the cgroup-v1 systemd hazard still warns.
    let bare = HostState {
        packages: [("systemd".to_string(), "252.30-1~deb12u2".to_string())].into(),
        ..HostState::default()
    };
    let change = Change {
        package: "systemd".into(),
        from: Some("252.30-1~deb12u2".into()),
        to: Some("257.7-1".into()),
    };
    let f: Vec<_> = db
        .check_changes(&bare, &[change])
        .into_iter()
        .filter(|f| f.hazard.id == "FPH-2024-0001")
        .collect();
    assert_eq!(
        f[0].verdict,
        Verdict::Breaks {
            missing: vec![],
            unknown: vec!["cgroup version"]
        }
    );
}

#[test]
fn a_kernel_release_without_a_version_is_unknown_not_spared() {
    let (db, _) = Database::builtin();
    let mut h = host("debian", "13", &[("systemd", "258.1-1")]);
    h.kernel_release = Some("custom-build".into());
    let f: Vec<_> = db
        .check_installed(&h)
        .into_iter()
        .filter(|f| f.hazard.id == "FPH-2025-0002")
        .collect();
    assert_eq!(
        f[0].verdict,
        Verdict::Breaks {
            missing: vec![],
            unknown: vec!["kernel release"]
        }
    );
}

#[test]
fn a_change_in_the_same_run_counts_for_installed_conditions() {
    let (db, _) = Database::builtin();
    // kubelet 1.26 together with containerd.io 1.6: the node is fine after the run.
    let node = host(
        "debian",
        "11",
        &[("kubelet", "1.25.5-00"), ("containerd.io", "1.5.11-1")],
    );
    let changes = [
        Change {
            package: "kubelet".into(),
            from: Some("1.25.5-00".into()),
            to: Some("1.26.0-00".into()),
        },
        Change {
            package: "containerd.io".into(),
            from: Some("1.5.11-1".into()),
            to: Some("1.6.14-1".into()),
        },
    ];
    let f = db.check_changes(&node, &changes);
    let k = f.iter().find(|f| f.hazard.id == "FPH-2022-0002").unwrap();
    assert!(!k.breaks(), "{:?}", k.verdict);
    assert!(
        db.check_changes(&node, &changes[..1])
            .iter()
            .any(|f| f.hazard.id == "FPH-2022-0002" && f.breaks())
    );
}
