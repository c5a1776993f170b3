//! `gather` against real OpenSSH servers on loopback (see `support/sshd.rs`).

mod support;

use std::time::Duration;

use fleetpin_fleet::facts::{FactsStore, PackageManager};
use fleetpin_fleet::gather::{self, HostError, OutputError, SshConfig, Target};
use fleetpin_inventory::Inventory;
use support::sshd::{Behaviour, Lab, free_port, status_file};

fn targets(inv: &Inventory) -> Vec<Target> {
    inv.hosts()
        .iter()
        .map(|h| {
            let mut groups: Vec<String> = inv
                .host_groups(h.name())
                .iter()
                .map(|g| g.name().to_string())
                .filter(|g| g != "all")
                .collect();
            groups.sort();
            Target {
                name: h.name().to_string(),
                groups,
                connection: inv.connection(h.name()).unwrap(),
            }
        })
        .collect()
}

fn config(lab: &Lab, forks: usize) -> SshConfig {
    SshConfig {
        config_file: Some(lab.client_config.clone()),
        forks,
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(60),
        ..SshConfig::default()
    }
}

const DOCKER_OLD: &str = "5:23.0.1-1~debian.10~buster";
const DOCKER_NEW: &str = "5:23.0.2-1~debian.10~buster";

#[test]
fn gathers_a_loopback_fleet_and_keeps_going_past_failures() {
    let lab = Lab::new();
    let base = [
        ("containerd.io", "1.6.18-1", "install"),
        ("bash", "5.0-4", "install"),
    ];
    let mut node1 = base.to_vec();
    node1.push(("docker-ce", DOCKER_OLD, "hold"));
    let mut node3 = base.to_vec();
    node3.push(("docker-ce", DOCKER_NEW, "install"));
    node3.push(("apparmor", "2.13.2-10", "install"));
    let s1 = lab.start("node1", Behaviour::Dpkg(status_file(&node1)));
    let s2 = lab.start("node2", Behaviour::Dpkg(status_file(&node1)));
    let s3 = lab.start("node3", Behaviour::Dpkg(status_file(&node3)));
    let refused = lab.start("refused", Behaviour::RefuseKey);
    let garbage = lab.start(
        "garbage",
        Behaviour::Force(
            status_file(&node1),
            "echo 'Welcome!'; echo '%% not facts %%'".into(),
        ),
    );
    let truncated = lab.start(
        "truncated",
        Behaviour::Force(status_file(&node1), "/bin/sh -s | head -n 14".into()),
    );
    let down = free_port();
    let inventory = format!(
        "[swarm_managers]\nnode1 ansible_host=127.0.0.1 ansible_port={}\n\n[swarm_workers]\nnode2 ansible_host=127.0.0.1 ansible_port={}\nnode3 ansible_host=127.0.0.1 ansible_port={}\n\n\
         [broken]\nrefused ansible_host=127.0.0.1 ansible_port={}\ngarbage ansible_host=127.0.0.1 ansible_port={}\ntruncated ansible_host=127.0.0.1 ansible_port={}\ndown ansible_host=127.0.0.1 ansible_port={down}\n\n\
         [swarm:children]\nswarm_managers\nswarm_workers\n",
        s1.port, s2.port, s3.port, refused.port, garbage.port, truncated.port
    );
    let inv = Inventory::parse_ini(&inventory, "hosts").unwrap();
    let done = std::sync::Mutex::new(Vec::new());
    let results = gather::gather(&targets(&inv), &config(&lab, 3), &|r| {
        done.lock().unwrap().push(r.host.clone())
    });
    assert_eq!(
        done.lock().unwrap().len(),
        7,
        "progress called once per host"
    );
    let by = |name: &str| results.iter().find(|r| r.host == name).unwrap();

    let n1 = by("node1").outcome.as_ref().expect("node1 gathered");
    assert_eq!(n1.package_manager, PackageManager::Dpkg);
    assert_eq!(n1.groups, ["swarm", "swarm_managers"]);
    let names: Vec<(&str, &str, Option<bool>)> = n1
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_str(), p.held()))
        .collect();
    assert_eq!(
        names,
        [
            ("bash", "5.0-4", Some(false)),
            ("containerd.io", "1.6.18-1", Some(false)),
            ("docker-ce", DOCKER_OLD, Some(true))
        ]
    );
    assert_eq!(
        n1.native_arch.as_deref(),
        Some(
            std::str::from_utf8(
                &std::process::Command::new("dpkg")
                    .arg("--print-architecture")
                    .output()
                    .unwrap()
                    .stdout
            )
            .unwrap()
            .trim()
        )
    );
    // Oracles: this machine's own files and commands (the "hosts" are this machine).
    let local_os =
        fleetpin_fleet::OsRelease::parse(&std::fs::read_to_string("/etc/os-release").unwrap());
    assert_eq!(n1.os, local_os);
    let uname = std::process::Command::new("uname")
        .arg("-r")
        .output()
        .unwrap();
    assert_eq!(
        n1.kernel.as_deref(),
        Some(std::str::from_utf8(&uname.stdout).unwrap().trim())
    );
    let apparmor = std::fs::read_to_string("/sys/module/apparmor/parameters/enabled")
        .ok()
        .map(|s| s.trim() == "Y");
    assert_eq!(n1.apparmor_enabled, apparmor);
    // The cgroup hierarchy and the iptables backend, as this machine's own tools tell.
    let fs = std::process::Command::new("stat")
        .args(["-fc", "%T", "/sys/fs/cgroup"])
        .output()
        .unwrap();
    let cgroup = match std::str::from_utf8(&fs.stdout).unwrap().trim() {
        "cgroup2fs" => Some(2),
        "tmpfs" => Some(1),
        _ => None,
    };
    assert_eq!(n1.cgroup_version, cgroup);
    let iptables = ["/usr/sbin/iptables", "/sbin/iptables"]
        .iter()
        .find_map(|p| std::process::Command::new(p).arg("-V").output().ok())
        .map(|o| String::from_utf8(o.stdout).unwrap());
    let backend = iptables.map(|v| {
        if v.trim_end().ends_with("(nf_tables)") {
            "nft"
        } else {
            "legacy"
        }
    });
    assert_eq!(n1.iptables_backend.as_deref(), backend);

    let n3 = by("node3").outcome.as_ref().expect("node3 gathered");
    assert!(
        n3.packages
            .iter()
            .any(|p| p.name == "docker-ce" && p.version == DOCKER_NEW)
    );

    assert!(
        matches!(by("down").outcome, Err(HostError::Unreachable(_))),
        "{:?}",
        by("down").outcome
    );
    assert!(
        matches!(by("refused").outcome, Err(HostError::AuthFailed(_))),
        "{:?}",
        by("refused").outcome
    );
    assert_eq!(
        by("garbage").outcome.as_ref().unwrap_err(),
        &HostError::Output(OutputError::NoHeader)
    );
    assert!(
        matches!(
            by("truncated").outcome,
            Err(HostError::Output(OutputError::Truncated { .. }))
        ),
        "{:?}",
        by("truncated").outcome
    );

    // The store round-trips what was gathered, one file per host, nothing else left behind.
    let store_dir = lab.dir.path().join("facts");
    let store = FactsStore::new(&store_dir);
    for r in &results {
        if let Ok(f) = &r.outcome {
            store.write(f).unwrap();
        }
    }
    let (read, errors) = store.read_all().unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        read.iter().map(|f| f.host.as_str()).collect::<Vec<_>>(),
        ["node1", "node2", "node3"]
    );
    assert_eq!(&read[0], n1);
    assert_eq!(std::fs::read_dir(&store_dir).unwrap().count(), 3);
}

#[test]
fn never_more_than_forks_connections() {
    let lab = Lab::new();
    let servers: Vec<_> = (0..6)
        .map(|i| {
            lab.start(
                &format!("n{i}"),
                Behaviour::Dpkg(status_file(&[("bash", "5.0-4", "install")])),
            )
        })
        .collect();
    // A wrapper around ssh that logs when each connection starts and ends.
    let log = lab.dir.path().join("concurrency.log");
    let wrapper = lab.dir.path().join("ssh-wrapper");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\necho start >> {log}\nssh \"$@\"\nrc=$?\necho end >> {log}\nexit $rc\n",
            log = log.display()
        ),
    )
    .unwrap();
    std::process::Command::new("chmod")
        .arg("+x")
        .arg(&wrapper)
        .status()
        .unwrap();
    let targets: Vec<Target> = servers
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut t = Target::bare(format!("n{i}"));
            t.connection.address = "127.0.0.1".into();
            t.connection.port = Some(s.port);
            t
        })
        .collect();
    let cfg = SshConfig {
        program: wrapper,
        ..config(&lab, 2)
    };
    let results = gather::gather(&targets, &cfg, &|_| {});
    assert!(results.iter().all(|r| r.outcome.is_ok()), "{results:?}");
    let mut open = 0i32;
    let mut max = 0;
    for line in std::fs::read_to_string(&log).unwrap().lines() {
        open += if line == "start" { 1 } else { -1 };
        max = max.max(open);
    }
    assert_eq!(open, 0);
    assert!((1..=2).contains(&max), "max concurrent ssh = {max}");
}

#[test]
fn a_hanging_host_is_stopped_at_the_deadline() {
    let lab = Lab::new();
    let s = lab.start("slow", Behaviour::Force(String::new(), "sleep 60".into()));
    let mut t = Target::bare("slow");
    t.connection.address = "127.0.0.1".into();
    t.connection.port = Some(s.port);
    let cfg = SshConfig {
        timeout: Duration::from_secs(3),
        ..config(&lab, 1)
    };
    let r = gather::gather_one(&t, &cfg);
    assert_eq!(
        r.outcome.unwrap_err(),
        HostError::Timeout(Duration::from_secs(3))
    );
}

#[test]
fn inventory_values_never_become_options_or_shell() {
    let mut t = Target::bare("-oProxyCommand=touch /tmp/pwned");
    let err = gather::ssh_command(&t, &SshConfig::default()).unwrap_err();
    assert!(matches!(err, HostError::InvalidTarget(_)), "{err:?}");
    t = Target::bare("web1");
    t.connection.user = Some("-oProxyCommand=x".into());
    assert!(gather::ssh_command(&t, &SshConfig::default()).is_err());
    // A hostile-looking address is one argv item after `--`, and the remote command is fixed.
    t = Target::bare("web1");
    t.connection.address = "web1;reboot".into();
    let cmd = gather::ssh_command(&t, &SshConfig::default()).unwrap();
    let args: Vec<String> = cmd
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    assert_eq!(&args[args.len() - 3..], ["--", "web1;reboot", "/bin/sh -s"]);
    assert_eq!(&args[..2], ["-o", "BatchMode=yes"]);
}

/// An RPM host (no dpkg-query on its PATH): packages come from the real `rpm -qa`, with
/// epochs and two installed kernels, and are checked against rpm's own answer.
#[test]
fn gathers_an_rpm_host_with_the_real_rpm() {
    let lab = Lab::new();
    let root = lab.dir.path().join("rpmhost");
    let bin = support::sshd::rpm_host(
        &root,
        &[
            ("bash", None, "5.1.8", "6.el9", "x86_64"),
            ("vim-minimal", Some(2), "8.2.2637", "20.el9", "x86_64"),
            ("kernel", None, "5.14.0", "70.13.1.el9_0", "x86_64"),
            ("kernel", None, "5.14.0", "162.6.1.el9_1", "x86_64"),
            ("tzdata", None, "2022g", "1.el9_1", "noarch"),
        ],
    );
    let server = lab.start("rpm1", Behaviour::Rpm(bin.clone()));
    let inv = Inventory::parse_ini(
        &format!("rpm1 ansible_host=127.0.0.1 ansible_port={}\n", server.port),
        "hosts",
    )
    .unwrap();
    let results = gather::gather(&targets(&inv), &config(&lab, 1), &|_| {});
    let facts = results[0]
        .outcome
        .as_ref()
        .expect("the rpm host is gathered");
    assert_eq!(facts.package_manager, PackageManager::Rpm);

    // rpm's own view of the same database, as `epoch:version-release` (no epoch: none).
    let oracle = std::process::Command::new(bin.join("rpm"))
        .args([
            "-qa",
            "--qf",
            "%{NAME}\t%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\t%{ARCH}\n",
        ])
        .output()
        .unwrap();
    assert!(oracle.status.success());
    let mut want: Vec<(String, String, Option<String>)> = String::from_utf8(oracle.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c[0].to_string(), c[1].to_string(), Some(c[2].to_string()))
        })
        .collect();
    want.sort();
    let mut got: Vec<(String, String, Option<String>)> = facts
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone(), p.arch.clone()))
        .collect();
    got.sort();
    assert_eq!(got, want);
    assert!(got.contains(&(
        "vim-minimal".into(),
        "2:8.2.2637-20.el9".into(),
        Some("x86_64".into())
    )));
    assert_eq!(got.iter().filter(|p| p.0 == "kernel").count(), 2);
    assert!(
        facts.packages.iter().all(|p| p.held().is_none()),
        "rpm has no hold state"
    );
}
