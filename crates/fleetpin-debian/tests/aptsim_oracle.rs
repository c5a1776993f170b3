//! `apt-get -s dist-upgrade` on this machine: every action line parses, and every version apt
//! plans to install is the candidate our policy computes from the same root.

mod common;

use std::process::Command;

use fleetpin_debian::aptsim::{self, Action};
use fleetpin_debian::policy::{Cache, Options};

#[test]
fn real_simulation_parses_and_matches_our_candidates() {
    let out = Command::new("apt-get")
        .args(["-s", "-o", "Debug::NoLocking=1", "dist-upgrade"])
        .env("LC_ALL", "C")
        .output();
    let Ok(out) = out else {
        common::require(false, "apt-get");
        return;
    };
    let text = String::from_utf8(out.stdout).unwrap();
    let (changes, errors) = aptsim::parse(&text);
    assert!(errors.is_empty(), "{errors:?}");
    let insts = text.lines().filter(|l| l.starts_with("Inst ")).count();
    assert_eq!(
        changes
            .iter()
            .filter(|c| c.action == Action::Install)
            .count(),
        insts
    );
    let arch = String::from_utf8(
        Command::new("dpkg")
            .arg("--print-architecture")
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    let cache = Cache::load_root(
        std::path::Path::new("/"),
        Options {
            native_arch: arch,
            foreign_archs: vec![],
            target_release: None,
        },
    )
    .unwrap();
    for c in changes.iter().filter(|c| c.action == Action::Install) {
        let p = cache.package(&c.package).expect("package known");
        let cand = cache
            .candidate(p)
            .map(|i| p.versions[i].version.to_string());
        assert_eq!(
            cand.as_deref(),
            c.new_version.as_ref().map(|v| v.as_str()),
            "{}",
            c.package
        );
        let cur = p.current.map(|i| p.versions[i].version.to_string());
        assert_eq!(
            cur.as_deref(),
            c.old_version.as_ref().map(|v| v.as_str()),
            "{}",
            c.package
        );
    }
}
