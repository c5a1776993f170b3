//! `simulate::live` against real OpenSSH servers on loopback (see `support/sshd.rs`), each
//! "host" being this machine with its own throwaway apt root (`APT_CONFIG` set by sshd's
//! `SetEnv`). Oracle: the real `apt-get` run locally with the same configuration and
//! arguments; what fleetpin reads over SSH must equal what it reads from that run.

mod support;

use std::sync::Mutex;
use std::time::Duration;

use fleetpin_debian::aptsim::{self, AptSimError, ChangeKind};
use fleetpin_fleet::gather::{HostError, SshConfig, Target};
use fleetpin_fleet::simulate::live::{self, HostOperations, LiveError, LiveOptions};
use fleetpin_fleet::simulate::{AptOptions, Operation, UpgradeMode};
use fleetpin_inventory::Connection;
use support::aptroot::{self, AptRoot, DOCKER_20, DOCKER_23, Repo};
use support::sshd::{Behaviour, Lab, free_port};

fn target(name: &str, port: u16) -> Target {
    Target {
        name: name.into(),
        groups: Vec::new(),
        connection: Connection {
            address: "127.0.0.1".into(),
            port: Some(port),
            user: None,
            private_key_file: None,
            ssh_args: Vec::new(),
        },
    }
}

fn config(lab: &Lab, timeout: Duration) -> SshConfig {
    SshConfig {
        config_file: Some(lab.client_config.clone()),
        forks: 3,
        connect_timeout: Duration::from_secs(5),
        timeout,
        ..SshConfig::default()
    }
}

fn install(packages: &[&str], no_upgrade: bool, install_recommends: Option<bool>) -> Operation {
    Operation::Install {
        packages: packages.iter().map(|s| s.to_string()).collect(),
        no_upgrade,
        only_upgrade: false,
        options: AptOptions {
            install_recommends,
            ..AptOptions::default()
        },
    }
}

fn names(v: &[aptsim::PackageRef]) -> Vec<String> {
    v.iter().map(ToString::to_string).collect()
}

/// The oracle: the same simulation run locally against the same root.
fn local(root: &AptRoot, op: &Operation) -> (aptsim::Simulation, Option<i32>) {
    let mut args = vec!["-s", "-y", "-o", "Debug::NoLocking=1"];
    let tail = op.apt_args().unwrap();
    args.extend(tail.iter().map(String::as_str));
    let out = root.apt_get(&args);
    let (sim, errors) = aptsim::parse_simulation_bytes(&out.stdout);
    assert!(errors.is_empty(), "{errors:?}");
    (sim, out.status.code())
}

#[test]
fn simulates_a_loopback_fleet_and_matches_local_apt() {
    if !fleetpin_testkit::require(
        aptroot::have_apt(),
        "apt-get and dpkg (Debian packages apt, dpkg)",
    ) {
        return;
    }
    let lab = Lab::new();
    let arch = aptroot::native_arch();
    let base = lab.dir.path();
    let repo = Repo::new(&base.join("repo"), &aptroot::incident_index(&arch));
    let deps = [(
        "docker-ce",
        "Depends: containerd.io (>= 1.4.1)\nRecommends: apparmor",
    )];
    // node1: Docker 20.10 installed without its Recommends, bash held, a legacy package.
    let node1 = AptRoot::new(
        &base.join("root1"),
        &aptroot::status(
            &[
                ("docker-ce", DOCKER_20, "install", ""),
                ("containerd.io", "1.4.1-1", "install", ""),
                ("bash", "5.0-4", "hold", ""),
                ("docker-legacy", "1.0-1", "install", ""),
            ],
            &arch,
            &deps,
        ),
        &repo,
        &arch,
    );
    // node2: already on 23.0.1 with everything.
    let node2 = AptRoot::new(
        &base.join("root2"),
        &aptroot::status(
            &[
                ("docker-ce", DOCKER_23, "install", ""),
                ("docker-ce-cli", DOCKER_23, "install", ""),
                ("containerd.io", "1.6.18-1", "install", ""),
                ("apparmor", "2.13.2-10", "install", ""),
                ("ca-certificates", "20200601", "install", "all"),
                ("bash", "5.0-5", "install", ""),
            ],
            &arch,
            // As the index has it: a status stanza whose fields differ from the index's is
            // another version with the same number to apt, which it would reinstall.
            &[(
                "docker-ce",
                "Depends: containerd.io (>= 1.6.4), docker-ce-cli\nRecommends: apparmor, ca-certificates\nSuggests: aufs-tools, cgroupfs-mount | cgroup-lite\nConflicts: docker-legacy",
            )],
        ),
        &repo,
        &arch,
    );
    // node3: a fresh node.
    let node3 = AptRoot::new(
        &base.join("root3"),
        &aptroot::status(&[("bash", "5.0-4", "install", "")], &arch, &[]),
        &repo,
        &arch,
    );
    let env = |r: &AptRoot| r.config.display().to_string();
    let (c1, c2, c3) = (env(&node1), env(&node2), env(&node3));
    let s1 = lab.start_with_env(
        "node1",
        Behaviour::Dpkg(String::new()),
        &[("APT_CONFIG", &c1)],
    );
    let s2 = lab.start_with_env(
        "node2",
        Behaviour::Dpkg(String::new()),
        &[("APT_CONFIG", &c2)],
    );
    let s3 = lab.start_with_env(
        "node3",
        Behaviour::Dpkg(String::new()),
        &[("APT_CONFIG", &c3)],
    );
    // A host whose apt output is tampered with on the way: three hostile lines after
    // "Building dependency tree...".
    let filter = base.join("hostile.sh");
    std::fs::write(
        &filter,
        "exec awk '{print} /^Building dependency tree/ {print \"Recommended packages:\"; print \"  apparmor evil;name\"; printf \"Inst docker-ce (1.0 \\033[31mred [amd64])\\n\"; print \"Inst x$(id) (1.0 x [amd64])\"}'\n",
    )
    .unwrap();
    let hostile = lab.start_with_env(
        "hostile",
        Behaviour::Force(
            String::new(),
            format!("/bin/sh -s | /bin/sh {}", filter.display()),
        ),
        &[("APT_CONFIG", &c1)],
    );
    // A host without apt-get on its PATH.
    let empty = base.join("empty-bin");
    std::fs::create_dir_all(&empty).unwrap();
    let noapt = lab.start_with_env(
        "noapt",
        Behaviour::Dpkg(String::new()),
        &[("PATH", &empty.display().to_string())],
    );
    let refused = lab.start("refused", Behaviour::RefuseKey);
    let down = free_port();

    let node1_ops = vec![
        install(&["docker-ce"], false, Some(false)),
        Operation::Upgrade {
            mode: UpgradeMode::Dist,
            options: AptOptions::default(),
        },
        install(&["bash"], false, None),
        install(&["nosuch-package"], false, None),
    ];
    let node2_ops = vec![
        install(&["docker-ce"], true, None),
        Operation::Upgrade {
            mode: UpgradeMode::Upgrade,
            options: AptOptions::default(),
        },
    ];
    let node3_ops = vec![install(&[&format!("docker-ce={DOCKER_20}")], false, None)];
    let hosts = vec![
        HostOperations {
            target: target("node1", s1.port),
            operations: node1_ops.clone(),
        },
        HostOperations {
            target: target("node2", s2.port),
            operations: node2_ops.clone(),
        },
        HostOperations {
            target: target("node3", s3.port),
            operations: node3_ops.clone(),
        },
        HostOperations {
            target: target("hostile", hostile.port),
            operations: node1_ops[..1].to_vec(),
        },
        HostOperations {
            target: target("noapt", noapt.port),
            operations: node2_ops.clone(),
        },
        HostOperations {
            target: target("refused", refused.port),
            operations: node2_ops.clone(),
        },
        HostOperations {
            target: target("down", down),
            operations: node2_ops.clone(),
        },
        HostOperations {
            target: target("node1", s1.port),
            operations: node2_ops.clone(),
        },
    ];
    let done = Mutex::new(Vec::new());
    let results = live::simulate(
        &hosts,
        &config(&lab, Duration::from_secs(60)),
        &LiveOptions::default(),
        &|r| done.lock().unwrap().push(r.host.clone()),
    );
    assert_eq!(
        done.lock().unwrap().len(),
        hosts.len(),
        "progress once per host"
    );
    assert_eq!(results.len(), hosts.len());

    // Every operation on the real hosts equals the local oracle run, exit status included.
    for (i, (root, ops)) in [
        (&node1, &node1_ops),
        (&node2, &node2_ops),
        (&node3, &node3_ops),
    ]
    .into_iter()
    .enumerate()
    {
        let r = results[i]
            .outcome
            .as_ref()
            .unwrap_or_else(|e| panic!("{}: {e}", results[i].host));
        assert_eq!(r.len(), ops.len());
        for (res, op) in r.iter().zip(ops) {
            assert!(res.issues.is_empty(), "{:?}", res.issues);
            let (sim, status) = local(root, op);
            assert_eq!(res.simulation, sim, "{}: {}", results[i].host, res.command);
            assert_eq!(res.status, status, "{}", res.command);
        }
    }

    // What apt says, read back: the incident on node1.
    let n1 = results[0].outcome.as_ref().unwrap();
    let docker = &n1[0].simulation;
    let up = docker
        .installs()
        .find(|c| c.package == "docker-ce")
        .unwrap();
    assert_eq!(up.kind(), ChangeKind::Upgrade);
    assert_eq!(up.new_version.as_ref().unwrap().as_str(), DOCKER_23);
    assert_eq!(up.old_version.as_ref().unwrap().as_str(), DOCKER_20);
    assert_eq!(
        docker
            .recommended
            .iter()
            .map(|g| names(g))
            .collect::<Vec<_>>(),
        [vec!["apparmor"], vec!["ca-certificates"]],
        "install_recommends: false leaves both Recommends out"
    );
    assert_eq!(names(&docker.removed), ["docker-legacy"]);
    assert!(
        docker
            .changes
            .iter()
            .any(|c| c.package == "docker-legacy" && c.kind() == ChangeKind::Removal)
    );
    assert_eq!(names(&docker.new), ["docker-ce-cli"]);
    assert_eq!(n1[0].status, Some(0));
    assert!(
        n1[0]
            .command
            .ends_with("-o APT::Install-Recommends=0 install -- docker-ce"),
        "{}",
        n1[0].command
    );
    // dist-upgrade keeps the held bash back.
    assert_eq!(names(&n1[1].simulation.kept_back), ["bash"]);
    // Installing the held bash is refused, as the real run (with -y) would be.
    assert_eq!(n1[2].status, Some(100));
    assert!(n1[2].simulation.refused_held());
    assert!(n1[2].simulation.changes.is_empty());
    // An unknown package: apt's error, not a plan.
    assert_eq!(n1[3].status, Some(100));
    assert!(
        n1[3]
            .simulation
            .messages
            .iter()
            .any(|m| m.text == "Unable to locate package nosuch-package")
    );

    // node2 is up to date: nothing to do.
    let n2 = results[1].outcome.as_ref().unwrap();
    for r in n2 {
        assert!(
            r.simulation.changes.is_empty() && r.status == Some(0),
            "{}: {:#?}",
            r.command,
            r.simulation
        );
    }
    assert_eq!(n2[0].simulation.summary.map(|s| s.upgraded), Some(0));

    // node3 gets the pinned 20.10, and its Recommends (a new install brings them).
    let n3 = &results[2].outcome.as_ref().unwrap()[0].simulation;
    let d = n3.installs().find(|c| c.package == "docker-ce").unwrap();
    assert_eq!(
        (d.kind(), d.new_version.as_ref().unwrap().as_str()),
        (ChangeKind::New, DOCKER_20)
    );
    let mut new = names(&n3.new);
    new.sort();
    assert_eq!(new, ["apparmor", "containerd.io", "docker-ce"]);
    assert!(n3.recommended.is_empty());

    // The tampered host: the hostile lines are issues naming the host and their lines; the
    // real plan around them is still read.
    let h = &results[3].outcome.as_ref().unwrap()[0];
    let (clean, _) = local(&node1, &node1_ops[0]);
    let shifted: Vec<_> = clean
        .changes
        .iter()
        .map(|c| aptsim::PlannedChange {
            line: c.line + 4,
            ..c.clone()
        })
        .collect();
    assert_eq!(h.simulation.changes, shifted);
    let oracle_out = node1.apt_get(&[
        "-s",
        "-y",
        "-o",
        "Debug::NoLocking=1",
        "-o",
        "APT::Install-Recommends=0",
        "install",
        "--",
        "docker-ce",
    ]);
    let b = String::from_utf8(oracle_out.stdout)
        .unwrap()
        .lines()
        .position(|l| l.starts_with("Building dependency tree"))
        .unwrap()
        + 1;
    let lines: Vec<usize> = h.issues.iter().map(|i| i.error.line()).collect();
    assert_eq!(lines, [b + 2, b + 3, b + 4], "{:?}", h.issues);
    assert!(matches!(&h.issues[0].error, AptSimError::Name { name, .. } if name == "evil;name"));
    assert!(matches!(h.issues[1].error, AptSimError::Control { .. }));
    for i in &h.issues {
        let msg = i.to_string();
        assert!(msg.starts_with("host `hostile`, `apt-get -s -y"), "{msg}");
        assert!(!msg.contains('\u{1b}'), "{msg}");
    }

    // Hosts without a plan, each with its reason; the others were still simulated.
    let err = |i: usize| results[i].outcome.as_ref().unwrap_err();
    assert!(
        matches!(err(4), LiveError::NoAptGet(a) if a == "apt-get"),
        "{:?}",
        err(4)
    );
    assert!(
        matches!(err(5), LiveError::Ssh(HostError::AuthFailed(_))),
        "{:?}",
        err(5)
    );
    assert!(
        matches!(err(6), LiveError::Ssh(HostError::Unreachable(_))),
        "{:?}",
        err(6)
    );
    assert!(matches!(err(7), LiveError::Duplicate), "{:?}", err(7));
    assert_eq!(results[7].host, "node1");
}

#[test]
fn a_host_past_its_deadline_is_stopped_and_named() {
    if !fleetpin_testkit::require(
        aptroot::have_apt(),
        "apt-get and dpkg (Debian packages apt, dpkg)",
    ) {
        return;
    }
    let lab = Lab::new();
    let arch = aptroot::native_arch();
    let repo = Repo::new(
        &lab.dir.path().join("repo"),
        &aptroot::incident_index(&arch),
    );
    let root = AptRoot::new(&lab.dir.path().join("root"), "", &repo, &arch);
    let apt_config = root.config.display().to_string();
    let slow = lab.start("slow", Behaviour::Force(String::new(), "sleep 30".into()));
    let truncated = lab.start_with_env(
        "truncated",
        Behaviour::Force(String::new(), "/bin/sh -s | head -n 3".into()),
        &[("APT_CONFIG", &apt_config)],
    );
    let ops = vec![install(&["docker-ce"], false, None)];
    let one = |name: &str, port: u16| {
        vec![HostOperations {
            target: target(name, port),
            operations: ops.clone(),
        }]
    };
    // A 2 s deadline for the host that never answers (the sleep would take 30 s)...
    let start = std::time::Instant::now();
    let r = live::simulate(
        &one("slow", slow.port),
        &config(&lab, Duration::from_secs(2)),
        &LiveOptions::default(),
        &|_| {},
    );
    assert!(start.elapsed() < Duration::from_secs(25));
    assert!(
        matches!(r[0].outcome, Err(LiveError::Ssh(HostError::Timeout(_)))),
        "{:?}",
        r[0].outcome
    );
    // ...and a generous one for the host whose output is cut after three lines: the
    // operation's end marker never came.
    let r = live::simulate(
        &one("truncated", truncated.port),
        &config(&lab, Duration::from_secs(120)),
        &LiveOptions::default(),
        &|_| {},
    );
    let e = r[0].outcome.as_ref().unwrap_err();
    assert!(matches!(e, LiveError::Output { .. }), "{e:?}");
    assert!(e.to_string().contains("cut off"), "{e}");
}
