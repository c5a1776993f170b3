//! The live plan source against its peer on the same hosts, in the same run: `simulate::live`
//! (`apt-get -s` over SSH) vs `ansible-playbook --check --diff` with the json callback, both
//! with 5 forks, over N loopback sshd hosts that each have their own throwaway apt root (the
//! incident's index; see `tests/support/`). Prints the median wall time of each, the ratio,
//! and whether both found the same plan on every host.
//!
//! ```text
//! simulate_vs_ansible [N_HOSTS] [RUNS]
//! ```
//!
//! Needs /usr/sbin/sshd, apt-get, `ansible-playbook` (FLEETPIN_ANSIBLE_PLAYBOOK or PATH), the
//! ansible.posix collection ($FLEETPIN_TOOLS/collections) and python3-apt.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/support/aptroot.rs"]
mod aptroot;
#[path = "../tests/support/sshd.rs"]
mod sshd;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use aptroot::{AptRoot, DOCKER_20, Repo};
use fleetpin_fleet::gather::{SshConfig, Target};
use fleetpin_fleet::simulate::live::{self, HostOperations, LiveOptions};
use fleetpin_fleet::simulate::{AptOptions, HostPlan, Operation, UpgradeMode, ansible};
use fleetpin_inventory::Connection;
use sshd::{Behaviour, Lab};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// (step, action package, old, new) of every planned change.
fn key(p: &HostPlan) -> Vec<(usize, String, Option<String>, Option<String>)> {
    p.steps
        .iter()
        .enumerate()
        .flat_map(|(i, s)| {
            s.simulation.changes.iter().map(move |c| {
                (
                    i,
                    format!("{:?} {}", c.action, c.package),
                    c.old_version.as_ref().map(ToString::to_string),
                    c.new_version.as_ref().map(ToString::to_string),
                )
            })
        })
        .collect()
}

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|s| s.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(8);
    let runs = args.get(1).copied().unwrap_or(3);
    let playbook = std::env::var_os("FLEETPIN_ANSIBLE_PLAYBOOK")
        .map(PathBuf::from)
        .or_else(|| fleetpin_testkit::on_path("ansible-playbook"))
        .expect("ansible-playbook (FLEETPIN_ANSIBLE_PLAYBOOK or PATH)");
    let tools = std::env::var_os("FLEETPIN_TOOLS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/fleetpin-tools")
        });
    let python = std::env::var_os("FLEETPIN_ANSIBLE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| playbook.with_file_name("python3"));

    let lab = Lab::new();
    let base = lab.dir.path();
    let arch = aptroot::native_arch();
    let repo = Repo::new(&base.join("repo"), &aptroot::incident_index(&arch));
    let mut roots = Vec::new();
    let mut servers = Vec::new();
    for i in 0..n {
        let want = if i % 3 == 0 { "hold" } else { "install" };
        let root = AptRoot::new(
            &base.join(format!("root{i}")),
            &aptroot::status(
                &[
                    ("docker-ce", DOCKER_20, "install", ""),
                    ("containerd.io", "1.4.1-1", "install", ""),
                    ("bash", "5.0-4", want, ""),
                ],
                &arch,
                &[(
                    "docker-ce",
                    "Depends: containerd.io (>= 1.4.1)\nRecommends: apparmor",
                )],
            ),
            &repo,
            &arch,
        );
        let cfg = root.config.display().to_string();
        servers.push(lab.start_with_env(
            &format!("h{i}"),
            Behaviour::Dpkg(String::new()),
            &[("APT_CONFIG", &cfg)],
        ));
        roots.push(root);
    }
    let ops = vec![
        Operation::Install {
            packages: vec!["docker-ce".into()],
            no_upgrade: false,
            only_upgrade: false,
            options: AptOptions {
                install_recommends: Some(false),
                ..AptOptions::default()
            },
        },
        Operation::Upgrade {
            mode: UpgradeMode::Dist,
            options: AptOptions::default(),
        },
    ];
    let hosts: Vec<HostOperations> = servers
        .iter()
        .enumerate()
        .map(|(i, s)| HostOperations {
            target: Target {
                name: format!("h{i}"),
                groups: Vec::new(),
                connection: Connection {
                    address: "127.0.0.1".into(),
                    port: Some(s.port),
                    user: None,
                    private_key_file: None,
                    ssh_args: Vec::new(),
                },
            },
            operations: ops.clone(),
        })
        .collect();
    let ssh = SshConfig {
        config_file: Some(lab.client_config.clone()),
        forks: 5,
        timeout: Duration::from_secs(300),
        ..SshConfig::default()
    };

    let mut inventory = String::from("[fleet]\n");
    for (i, s) in servers.iter().enumerate() {
        inventory.push_str(&format!(
            "h{i} ansible_host=127.0.0.1 ansible_port={} ansible_ssh_common_args='-F {}'\n",
            s.port,
            lab.client_config.display()
        ));
    }
    inventory.push_str(&format!(
        "\n[all:vars]\nansible_python_interpreter={}\n",
        python.display()
    ));
    std::fs::write(base.join("hosts.ini"), inventory).unwrap();
    std::fs::write(
        base.join("site.yml"),
        "- hosts: fleet\n  gather_facts: false\n  tasks:\n    - apt:\n        name: docker-ce\n        state: latest\n        install_recommends: false\n    - apt:\n        upgrade: dist\n",
    )
    .unwrap();

    let mut ours = Vec::new();
    let mut live_plans = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let r = live::simulate(&hosts, &ssh, &LiveOptions::default(), &|_| {});
        ours.push(t.elapsed());
        live_plans = r.into_iter().map(HostPlan::from).collect::<Vec<_>>();
    }
    let mut theirs = Vec::new();
    let json = base.join("check.json");
    for _ in 0..runs {
        let t = Instant::now();
        let out = Command::new(&playbook)
            .arg("-i")
            .arg(base.join("hosts.ini"))
            .args(["--check", "--diff", "-f", "5"])
            .arg(base.join("site.yml"))
            .env("ANSIBLE_STDOUT_CALLBACK", "ansible.posix.json")
            .env("ANSIBLE_COLLECTIONS_PATH", tools.join("collections"))
            .env("ANSIBLE_HOME", base.join("ansible-home"))
            .env("ANSIBLE_HOST_KEY_CHECKING", "False")
            .output()
            .expect("run ansible-playbook");
        theirs.push(t.elapsed());
        std::fs::write(&json, &out.stdout).unwrap();
    }
    let t = Instant::now();
    let run = ansible::read(&json).expect("read the json");
    let read_time = t.elapsed();
    let ansible_plans: Vec<HostPlan> = run.hosts.into_iter().map(HostPlan::from).collect();
    let mut same = 0;
    for p in &live_plans {
        let a = ansible_plans.iter().find(|a| a.host == p.host);
        // Both sources must agree on every host (the held bash is kept back by both).
        if a.is_some_and(|a| key(a) == key(p) && p.problem.is_none() && a.problem.is_none()) {
            same += 1;
        } else {
            eprintln!("host {} differs: {:?} vs {:?}", p.host, p, a);
        }
    }
    let (o, a) = (median(ours), median(theirs));
    println!("hosts: {n}, forks: 5, runs: {runs} (medians)");
    println!(
        "fleetpin simulate::live (apt-get -s over ssh): {:>8.2} s",
        o.as_secs_f64()
    );
    println!(
        "ansible-playbook --check --diff (json):       {:>8.2} s",
        a.as_secs_f64()
    );
    println!("ratio: {:.1}x", a.as_secs_f64() / o.as_secs_f64());
    println!(
        "reading the ansible json: {:.2} ms",
        read_time.as_secs_f64() * 1e3
    );
    println!("same plan on {same}/{n} hosts");
    drop(roots);
}
