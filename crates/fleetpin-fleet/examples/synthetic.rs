//! Synthetic fleets for the benchmarks in `bench/fleet/`.
//!
//! ```text
//! synthetic facts   DIR HOSTS PKGS   # DIR/facts/<host>.json + DIR/fleetpin.lock
//! synthetic ansible DIR HOSTS PKGS   # DIR/tree/<host> (package_facts --tree format)
//! synthetic read-ansible DIR         # time fleetpin's reader over DIR/tree
//! ```
//!
//! Every host runs PKGS packages; one host in fifty drifts on a few packages (newer, older,
//! missing), so drift has real work to report. Deterministic (no RNG crate needed).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use fleetpin_fleet::facts::{
    FactsSource, FactsStore, HostFacts, OsRelease, Package, PackageManager,
};
use fleetpin_fleet::fleet::Fleet;
use fleetpin_fleet::lock::{Lock, LockOptions, Prefer};
use rayon::prelude::*;

const WORDS: &[&str] = &[
    "ssl", "xml", "curl", "gnutls", "systemd", "python3", "perl", "ncurses", "z", "lzma", "zstd",
    "krb5", "ldap", "sasl2", "pam", "udev", "dbus", "glib2.0", "gcc", "stdc++",
];

fn pkg_name(i: usize) -> String {
    format!(
        "lib{}-{}{}",
        WORDS[i % WORDS.len()],
        i / WORDS.len(),
        if i.is_multiple_of(7) { "-dev" } else { "" }
    )
}

fn pkg_version(i: usize, bump: i64) -> String {
    let patch = (i % 13) as i64 + bump;
    let epoch = if i.is_multiple_of(11) { "1:" } else { "" };
    format!(
        "{epoch}{}.{}.{}-{}+deb12u{}",
        1 + i % 5,
        i % 17,
        patch.max(0),
        1 + i % 3,
        1 + i % 4
    )
}

/// The packages of host `h`: (name, version) with its drift applied.
fn host_packages(h: usize, pkgs: usize) -> Vec<(String, String)> {
    let drifts = h % 50 == 7;
    (0..pkgs)
        .filter_map(|i| {
            let bump = if drifts && i % 97 == h % 97 {
                1
            } else if drifts && i % 89 == 3 {
                -1
            } else {
                0
            };
            if drifts && i == (h * 31) % pkgs {
                return None; // missing
            }
            Some((pkg_name(i), pkg_version(i, bump)))
        })
        .collect()
}

fn host_name(h: usize) -> String {
    format!("node{h:05}.dc{}.example.com", h % 3)
}

fn facts(dir: &Path, hosts: usize, pkgs: usize) {
    let store = FactsStore::new(dir.join("facts"));
    let t = Instant::now();
    (0..hosts).into_par_iter().for_each(|h| {
        let mut f = HostFacts::new(host_name(h), FactsSource::Ssh, PackageManager::Dpkg);
        f.groups = vec![
            "swarm".into(),
            if h.is_multiple_of(10) {
                "managers".into()
            } else {
                "workers".into()
            },
        ];
        f.os = Some(OsRelease {
            id: "debian".into(),
            version_id: Some("12".into()),
            version_codename: Some("bookworm".into()),
            pretty_name: None,
        });
        f.native_arch = Some("amd64".into());
        f.packages = host_packages(h, pkgs)
            .into_iter()
            .map(|(name, version)| Package {
                name,
                version,
                arch: Some("amd64".into()),
                selection: Some("install".into()),
            })
            .collect();
        store.write(&f).expect("write facts");
    });
    eprintln!(
        "wrote {hosts} facts files in {:.1}s",
        t.elapsed().as_secs_f64()
    );
    let (fleet, errors) = Fleet::load(&store).expect("load");
    assert!(errors.is_empty());
    let (lock, _) = Lock::generate(
        &fleet,
        &LockOptions {
            prefer: vec![Prefer::Majority],
            ..LockOptions::default()
        },
    );
    lock.write(&dir.join("fleetpin.lock")).expect("write lock");
}

fn ansible(dir: &Path, hosts: usize, pkgs: usize) {
    let tree = dir.join("tree");
    std::fs::create_dir_all(&tree).expect("mkdir");
    (0..hosts).into_par_iter().for_each(|h| {
        // The shape Ansible writes: one line, every package_facts field.
        let mut s = String::with_capacity(pkgs * 150);
        s.push_str("{\"ansible_facts\": {\"packages\": {");
        for (i, (name, version)) in host_packages(h, pkgs).iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(&format!(
                "\"{name}\": [{{\"name\": \"{name}\", \"version\": \"{version}\", \"arch\": \"amd64\", \"category\": \"libs\", \"origin\": \"Debian\", \"source\": \"apt\"}}]"
            ));
        }
        s.push_str("}, \"pkg_mgr\": \"apt\", \"discovered_interpreter_python\": \"/usr/bin/python3\"}, \"changed\": false}");
        std::fs::write(tree.join(host_name(h)), s).expect("write tree file");
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let num = |i: usize| -> usize {
        args.get(i)
            .and_then(|s| s.parse().ok())
            .expect("HOSTS and PKGS must be numbers")
    };
    match args.get(1).map(String::as_str) {
        Some("facts") => facts(&PathBuf::from(&args[2]), num(3), num(4)),
        Some("ansible") => ansible(&PathBuf::from(&args[2]), num(3), num(4)),
        Some("read-ansible-owned") => {
            let t = Instant::now();
            let (facts, errors) =
                fleetpin_fleet::ansible::read_tree(&PathBuf::from(&args[2]).join("tree"))
                    .expect("read");
            let n: usize = facts.iter().map(|f| f.packages.len()).sum();
            println!(
                "{} hosts, {n} packages, {} errors in {:.3}s",
                facts.len(),
                errors.len(),
                t.elapsed().as_secs_f64()
            );
        }
        Some("read-ansible") => {
            let t = Instant::now();
            let (fleet, errors) =
                Fleet::load_ansible_tree(&PathBuf::from(&args[2]).join("tree")).expect("read");
            let n: usize = fleet.hosts.iter().map(|h| h.installed.len()).sum();
            println!(
                "{} hosts, {n} packages, {} errors in {:.3}s",
                fleet.hosts.len(),
                errors.len(),
                t.elapsed().as_secs_f64()
            );
        }
        Some("parse-ignore") => {
            // Lower bound: serde_json validating every file without building anything.
            let t = Instant::now();
            let dir = PathBuf::from(&args[2]).join("tree");
            let files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .expect("dir")
                .map(|e| e.expect("entry").path())
                .collect();
            let n: usize = files
                .par_iter()
                .map(|p| {
                    let b = std::fs::read(p).expect("read");
                    serde_json::from_slice::<serde::de::IgnoredAny>(&b).expect("json");
                    b.len()
                })
                .sum();
            println!(
                "{} files, {n} bytes in {:.3}s",
                files.len(),
                t.elapsed().as_secs_f64()
            );
        }
        _ => {
            eprintln!("usage: synthetic facts|ansible DIR HOSTS PKGS | synthetic read-ansible DIR");
            std::process::exit(2);
        }
    }
}
