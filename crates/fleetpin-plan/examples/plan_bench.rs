//! bench/plan: the offline plan of N hosts against a large index, and the real `apt-get -s`
//! once per host over throwaway roots, in the same run.
//!
//! `plan_bench INDEX STATUS HOSTS APT_HOSTS` — INDEX a flat `Packages` file (served to apt as
//! `deb [trusted=yes] file:DIR ./`), STATUS a dpkg status file every host starts from (each
//! host then gets a random older docker and random holds), HOSTS the hosts fleetpin plans,
//! APT_HOSTS how many of them apt-get simulates (0: none). Prints medians as `key=value`.

// A benchmark program: its output is the result.
#![allow(clippy::print_stdout)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use fleetpin_debian::policy::Options;
use fleetpin_debian::version::Version;
use fleetpin_plan::resolve::{HostSet, InstalledPackage, Op, Request};
use fleetpin_plan::universe::Universe;
use rayon::prelude::*;

/// CPU seconds (user + system) this process used so far, from /proc/self/stat (Linux;
/// clock ticks of 1/100 s).
fn cpu_self() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(") ").map_or("", |(_, a)| a);
    let f: Vec<&str> = after.split(' ').collect();
    let tick = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (tick(11) + tick(12)) / 100.0
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn status_packages(path: &Path) -> Vec<InstalledPackage> {
    let db = fleetpin_debian::status::StatusFile::read(path).expect("status file");
    db.packages
        .iter()
        .filter(|p| p.is_installed())
        .filter_map(|p| {
            Some(InstalledPackage {
                name: p.name.clone(),
                arch: p.arch.clone(),
                version: p.version.clone()?,
                held: p.is_held(),
            })
        })
        .collect()
}

fn host(base: &[InstalledPackage], i: usize) -> Vec<InstalledPackage> {
    let mut v = base.to_vec();
    let old = "5:20.10.23~3-0~debian-buster";
    if !i.is_multiple_of(3) {
        for n in ["docker-ce", "docker-ce-cli"] {
            v.push(InstalledPackage {
                name: n.into(),
                arch: "amd64".into(),
                version: Version::parse(old).unwrap(),
                held: i.is_multiple_of(7),
            });
        }
    }
    v
}

fn status_text(pkgs: &[InstalledPackage]) -> String {
    let mut s = String::new();
    for p in pkgs {
        s.push_str(&format!(
            "Package: {}\nStatus: {} ok installed\nVersion: {}\nArchitecture: {}\n\n",
            p.name,
            if p.held { "hold" } else { "install" },
            p.version,
            p.arch
        ));
    }
    s
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let index = PathBuf::from(&args[1]);
    let status = PathBuf::from(&args[2]);
    let hosts: usize = args[3].parse().unwrap();
    let apt_hosts: usize = args[4].parse().unwrap();
    let base = status_packages(&status);
    let ops = [
        Op::Install {
            requests: ["docker-ce", "docker-ce-cli", "containerd.io"]
                .iter()
                .map(|n| Request::parse(n))
                .collect(),
            recommends: true,
        },
        Op::Upgrade {
            dist: true,
            recommends: true,
        },
    ];

    let c0 = cpu_self();
    let t0 = Instant::now();
    let u = Universe::load(
        std::slice::from_ref(&index),
        &[],
        Options {
            native_arch: "amd64".into(),
            foreign_archs: vec![],
            target_release: None,
        },
    )
    .unwrap();
    let load = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let changes: usize = (0..hosts)
        .into_par_iter()
        .map(|i| {
            let pk = host(&base, i);
            let set = HostSet::new(&u, &pk);
            ops.iter()
                .map(|op| set.run(op).changes.len())
                .sum::<usize>()
        })
        .sum();
    let plan = t1.elapsed().as_secs_f64();
    let cpu = cpu_self() - c0;
    println!(
        "packages={} installed_per_host={} hosts={hosts} load_s={load:.3} plan_s={plan:.3} total_s={:.3} per_host_ms={:.3} cpu_s={cpu:.3} changes={changes}",
        u.len(),
        base.len(),
        load + plan,
        (load + plan) / hosts as f64 * 1000.0
    );
    if apt_hosts == 0 {
        return;
    }
    // apt: one shared lists folder (apt-get update once), a throwaway root per host.
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc");
    for d in ["apt.conf.d", "preferences.d", "sources.list.d"] {
        std::fs::create_dir_all(etc.join(d)).unwrap();
    }
    std::fs::write(
        etc.join("sources.list"),
        format!(
            "deb [trusted=yes] file:{} ./\n",
            index.parent().unwrap().display()
        ),
    )
    .unwrap();
    let lists = dir.path().join("lists");
    std::fs::create_dir_all(lists.join("partial")).unwrap();
    let opts = |root: &Path| -> Vec<String> {
        [
            format!("Dir::State::status={}/status", root.display()),
            format!("Dir::Etc={}", etc.display()),
            format!("Dir::State::Lists={}", lists.display()),
            format!("Dir::State={}", root.display()),
            format!("Dir::Cache={}/cache", root.display()),
            "Dir::Cache::pkgcache=".into(),
            "Dir::Cache::srcpkgcache=".into(),
            "Debug::NoLocking=1".into(),
            "APT::Architecture=amd64".into(),
            "APT::Architectures=amd64".into(),
            "Dir::Log=/dev/null".into(),
            // As root, apt fetches as `_apt`, which cannot enter the private temp folder.
            "APT::Sandbox::User=root".into(),
        ]
        .into_iter()
        .flat_map(|o| ["-o".to_string(), o])
        .collect()
    };
    let upd = dir.path().join("upd");
    std::fs::create_dir_all(upd.join("cache/archives/partial")).unwrap();
    std::fs::write(upd.join("status"), "").unwrap();
    let st = Command::new("apt-get")
        .args(opts(&upd))
        .arg("update")
        .env("LC_ALL", "C")
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let mut per_host = Vec::new();
    let mut per_host_cpu = Vec::new();
    for i in 0..apt_hosts {
        let root = dir.path().join(format!("h{i}"));
        std::fs::create_dir_all(root.join("cache/archives/partial")).unwrap();
        std::fs::write(root.join("status"), status_text(&host(&base, i))).unwrap();
        let t = Instant::now();
        let mut cpu_apt = 0.0;
        for args in [
            vec![
                "-s",
                "-y",
                "install",
                "docker-ce",
                "docker-ce-cli",
                "containerd.io",
            ],
            vec!["-s", "-y", "dist-upgrade"],
        ] {
            // GNU time reports apt's own CPU time: the machine may be shared.
            let o = Command::new("/usr/bin/time")
                .args(["-f", "FPTIME %U %S", "apt-get"])
                .args(opts(&root))
                .args(&args)
                .env("LC_ALL", "C")
                .output()
                .unwrap();
            assert!(!o.stdout.is_empty());
            let err = String::from_utf8_lossy(&o.stderr);
            if let Some(l) = err.lines().find(|l| l.starts_with("FPTIME ")) {
                cpu_apt += l[7..]
                    .split(' ')
                    .filter_map(|x| x.parse::<f64>().ok())
                    .sum::<f64>();
            }
        }
        per_host.push(t.elapsed().as_secs_f64());
        per_host_cpu.push(cpu_apt);
    }
    let apt_cpu = median(&mut per_host_cpu);
    let ours_cpu = cpu / hosts as f64;
    let apt_median = median(&mut per_host);
    let ours = (load + plan) / hosts as f64;
    println!(
        "apt_hosts={apt_hosts} apt_median_per_host_s={apt_median:.3} apt_200_hosts_s={:.1} fleetpin_per_host_s={ours:.5} ratio_wall={:.0} apt_cpu_median_per_host_s={apt_cpu:.3} fleetpin_cpu_per_host_s={ours_cpu:.5} ratio_cpu={:.0}",
        apt_median * 200.0,
        apt_median / ours,
        apt_cpu / ours_cpu
    );
}
