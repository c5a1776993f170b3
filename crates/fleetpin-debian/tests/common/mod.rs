//! Helpers shared by the oracle tests: a seeded RNG, the apt lists of this machine, and
//! running /usr/bin/python3 oracles over a temp file.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

/// SplitMix64: tiny, fixed-seed, reproducible.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Whether a missing oracle is a failure, not a skip (`FLEETPIN_REQUIRE_ORACLES=1` or CI).
pub fn in_ci() -> bool {
    fleetpin_testkit::oracles_required()
}

/// Returns false (and says why) when the oracle is missing; panics when oracles are required
/// (`fleetpin_testkit::require`, the one rule of every crate's tests).
#[track_caller]
pub fn require(ok: bool, what: &str) -> bool {
    fleetpin_testkit::require(ok, what)
}

/// Whether /usr/bin/python3 can import `module`.
pub fn python_has(module: &str) -> bool {
    Command::new("/usr/bin/python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The apt lists directory (FLEETPIN_APT_LISTS overrides /var/lib/apt/lists).
pub fn lists_dir() -> PathBuf {
    std::env::var_os("FLEETPIN_APT_LISTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/lib/apt/lists"))
}

/// Every `*Packages*` index in the lists directory.
pub fn packages_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.contains("_Packages"))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Runs `script` with /usr/bin/python3; its argv[1] is a temp file holding `input`.
/// Returns stdout lines.
pub fn run_python(script: &str, input: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("input.txt");
    std::fs::File::create(&data)
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let py = dir.path().join("oracle.py");
    std::fs::write(&py, script).unwrap();
    let out = Command::new("/usr/bin/python3")
        .arg(&py)
        .arg(&data)
        .output()
        .expect("run /usr/bin/python3");
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}
