//! RPM ordering checked against rpm's own `rpm.labelCompare` (python3-rpm via
//! /usr/bin/python3) on a generated set of epoch:version-release strings.

mod common;

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use common::Rng;
use fleetpin_debian::rpm::RpmVersion;

const SCRIPT: &str = r#"
import sys
import rpm
out = []
def evr(s):
    e = None
    if ":" in s:
        e, s = s.split(":", 1)
    r = None
    if "-" in s:
        s, r = s.rsplit("-", 1)
    return (e, s, r)
with open(sys.argv[1]) as f:
    for line in f:
        a, b = line.rstrip("\n").split("\t")
        c = rpm.labelCompare(evr(a), evr(b))
        out.append("<" if c < 0 else (">" if c > 0 else "="))
sys.stdout.write("\n".join(out) + "\n")
"#;

/// A random version string from segments that exercise rpmvercmp: digits with leading
/// zeros, letters, `~`, `^` and assorted separators.
fn random_part(rng: &mut Rng) -> String {
    const SEPS: &[&str] = &[".", ".", ".", "_", "+", "~", "^", "", "-x", "."];
    let mut s = String::new();
    let segs = 1 + rng.below(4);
    for i in 0..segs {
        if i > 0 {
            let sep = SEPS[rng.below(SEPS.len())];
            // Keep '-' out of version/release parts (it splits the release).
            s.push_str(sep.trim_start_matches('-'));
        }
        match rng.below(6) {
            0 => s.push_str(&format!("0{}", rng.below(20))),
            1 => s.push_str(["a", "b", "rc", "alpha", "git", "el9", "fc38"][rng.below(7)]),
            2 => s.push_str(&format!(
                "{}{}",
                rng.below(10),
                ["a", "b", ""][rng.below(3)]
            )),
            _ => s.push_str(&rng.below(30).to_string()),
        }
    }
    if s.is_empty() || s.starts_with(['.', '_', '+']) {
        s.insert(0, '1');
    }
    s
}

fn random_evr(rng: &mut Rng) -> String {
    let mut s = String::new();
    if rng.below(4) == 0 {
        s.push_str(&format!("{}:", rng.below(3)));
    }
    s.push_str(&random_part(rng));
    if rng.below(3) != 0 {
        s.push('-');
        s.push_str(&random_part(rng));
    }
    s
}

#[test]
fn generated_set_agrees_with_rpm_label_compare() {
    if !common::require(
        common::python_has("rpm"),
        "/usr/bin/python3 with rpm (python3-rpm)",
    ) {
        return;
    }
    let mut rng = Rng(0x0dd_ba11);
    let mut set: Vec<String> = (0..4000).map(|_| random_evr(&mut rng)).collect();
    // DOMAIN.md vectors and classic cases.
    for v in [
        "1.0",
        "1.0.0",
        "1.01",
        "1.1",
        "6.0.rc1",
        "6.0",
        "10b2",
        "10a1",
        "1.0a",
        "1.0.1",
        "xyz.4",
        "8",
        "1a",
        "2.0",
        "2_0",
        "1.0~rc1",
        "1.0^",
        "1.0^git1",
        "1.0~~",
        "1.0~^",
        "1.0^~",
        "0:1.0-1",
        "1.0-1",
        "1:0.1-1",
        "1.0-1.el9",
        "1.0-1.el9_2",
        "00001",
        "1.000000000000000000001",
    ] {
        set.push(v.to_string());
    }
    let mut pairs = Vec::new();
    for _ in 0..200_000 {
        let a = &set[rng.below(set.len())];
        let b = &set[rng.below(set.len())];
        pairs.push((a.as_str(), b.as_str()));
    }
    // Neighbours in our own order must agree too.
    let mut parsed: Vec<RpmVersion> = set.iter().map(|s| RpmVersion::parse(s).unwrap()).collect();
    parsed.sort();
    let sorted: Vec<String> = parsed.iter().map(|v| v.to_string()).collect();
    for w in sorted.windows(2) {
        pairs.push((w[0].as_str(), w[1].as_str()));
    }
    let input: String = pairs.iter().map(|(a, b)| format!("{a}\t{b}\n")).collect();
    let oracle = common::run_python(SCRIPT, &input);
    assert_eq!(oracle.len(), pairs.len());
    let mut failures = Vec::new();
    for ((a, b), want) in pairs.iter().zip(&oracle) {
        let (va, vb) = (RpmVersion::parse(a).unwrap(), RpmVersion::parse(b).unwrap());
        let o = va.cmp(&vb);
        let got = match o {
            Ordering::Less => "<",
            Ordering::Equal => "=",
            Ordering::Greater => ">",
        };
        if got != want {
            failures.push(format!("{a} vs {b}: we say {got}, rpm says {want}"));
        }
        if o == Ordering::Equal {
            let h = |v: &RpmVersion| {
                let mut s = DefaultHasher::new();
                v.hash(&mut s);
                s.finish()
            };
            if h(&va) != h(&vb) {
                failures.push(format!("{a} = {b} but hashes differ"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} disagreements, first: {:#?}",
        failures.len(),
        &failures[..failures.len().min(20)]
    );
}
