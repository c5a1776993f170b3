//! Version ordering checked against dpkg's own ordering: python3-apt's
//! `apt_pkg.version_compare` (fast, for every version in this machine's apt lists and a
//! million random pairs) and `dpkg --compare-versions` (a smaller sample), plus hand-written
//! edge cases. `Eq` must agree with `Hash`.

mod common;

use std::cmp::Ordering;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::process::Command;

use common::Rng;
use fleetpin_debian::Version;

const APT_SCRIPT: &str = r#"
import sys
import apt_pkg
apt_pkg.init_system()
out = []
cmp = apt_pkg.version_compare
with open(sys.argv[1]) as f:
    for line in f:
        a, b = line.rstrip("\n").split("\t")
        c = cmp(a, b)
        out.append("<" if c < 0 else (">" if c > 0 else "="))
sys.stdout.write("\n".join(out) + "\n")
"#;

/// Edge cases: tildes, letters vs non-letters, leading zeros, huge digit runs, epochs,
/// revisions with hyphens in upstream, dpkg's warnings-only versions.
const EDGE: &[&str] = &[
    "1.0~~",
    "1.0~~a",
    "1.0~",
    "1.0",
    "1.0a",
    "1.0a0",
    "1.0+",
    "1.0.",
    "0:1.0",
    "1.00",
    "1.0-0",
    "1.0-00",
    "1.0-0.0",
    "1:0.1",
    "2.0",
    "1.01",
    "1.1",
    "1.0.0",
    "1.0-1~bpo12+1",
    "1.0-1",
    "1.6.20~ds1-1+deb12u3",
    "1.6.20~ds1-1+deb12u10",
    "5:20.10.23~3-0~debian-buster",
    "5:23.0.1-1~debian.10~buster",
    "5:23.0.2-1~debian.10~buster",
    "1.99999999999999999999999",
    "1.100000000000000000000000",
    "1.000000000000000000000000000001",
    "a",
    "a1",
    "1a",
    "1~",
    "~",
    "~~",
    "~a",
    "1-1-1",
    "1:2:3",
    "1:2:3-4",
    "1.0-1a",
    "10",
    "9",
    "0001",
    "1",
    "0",
    "00",
    "0.0",
    "1+dfsg",
    "1.0-1+b1",
    "2:0",
    "1:9999",
    "1.0~rc1-1",
    "1.0~rc1",
    "1.0-~",
    "1.0-~~",
    "1.0-a",
    "1.0-A",
    "1.0A",
    "1.0Z",
    "1.0z",
    "1.0_1",
    "1.0=1",
    "1.0#1",
    "1.2.3.4.5.6.7",
    "2147483647:1",
    "18446744073709551617",
    "1.18446744073709551617",
    "0:0",
    "0-0",
    "1.0+~",
    "1.0~+",
    "1.0.~",
    "1.0-1.~",
    "1.0-1.",
    "1.a.1",
    "1..1",
    "1.-1",
    "3.0~rc1+ds-2",
    "3.0+ds-2",
    "1:3.0-1",
    "7.88.1-10+deb12u5",
    "7.88.1-10+deb12u12",
    "252.38-1~deb12u1",
];

fn sign(o: Ordering) -> &'static str {
    match o {
        Ordering::Less => "<",
        Ordering::Equal => "=",
        Ordering::Greater => ">",
    }
}

fn hash(v: &Version) -> u64 {
    let mut h = DefaultHasher::new();
    v.hash(&mut h);
    h.finish()
}

/// Checks our ordering (and Hash for equal pairs) against the apt_pkg oracle.
fn check_with_apt(pairs: &[(&str, &str)]) {
    let input: String = pairs.iter().map(|(a, b)| format!("{a}\t{b}\n")).collect();
    let oracle = common::run_python(APT_SCRIPT, &input);
    assert_eq!(oracle.len(), pairs.len());
    let mut failures = Vec::new();
    for ((a, b), want) in pairs.iter().zip(&oracle) {
        let (va, vb) = (Version::parse(a).unwrap(), Version::parse(b).unwrap());
        let got = sign(va.cmp(&vb));
        if got != want {
            failures.push(format!("{a} vs {b}: we say {got}, apt_pkg says {want}"));
        }
        if got == "=" && hash(&va) != hash(&vb) {
            failures.push(format!("{a} = {b} but hashes differ"));
        }
        // compare_str is the allocation-free path used on raw index text.
        if sign(fleetpin_debian::version::compare_str(a, b)) != got {
            failures.push(format!("{a} vs {b}: compare_str disagrees with Ord"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} pairs disagree, first: {:#?}",
        failures.len(),
        pairs.len(),
        &failures[..failures.len().min(20)]
    );
}

fn list_versions() -> Vec<String> {
    let dir = common::lists_dir();
    let mut out = Vec::new();
    for path in common::packages_files(&dir) {
        let data = fleetpin_debian::compress::read_file(&path).unwrap();
        let text = fleetpin_debian::deb822::to_text(&data).unwrap();
        let (recs, errs) = fleetpin_debian::control::parse_packages(text);
        assert!(errs.is_empty(), "{}: {errs:?}", path.display());
        out.extend(recs.iter().map(|r| r.version.to_string()));
    }
    out.sort();
    out.dedup();
    out
}

#[test]
fn edge_cases_agree_with_apt_pkg() {
    if !common::require(
        common::python_has("apt_pkg"),
        "/usr/bin/python3 with apt_pkg (python3-apt)",
    ) {
        return;
    }
    let mut pairs = Vec::new();
    for a in EDGE {
        for b in EDGE {
            pairs.push((*a, *b));
        }
    }
    check_with_apt(&pairs);
}

#[test]
fn every_list_version_sorted_and_a_million_pairs_agree_with_apt_pkg() {
    if !common::require(
        common::python_has("apt_pkg"),
        "/usr/bin/python3 with apt_pkg (python3-apt)",
    ) {
        return;
    }
    let versions = list_versions();
    if !common::require(
        versions.len() > 10_000,
        "apt lists with Packages indexes (/var/lib/apt/lists)",
    ) {
        return;
    }
    let mut parsed: Vec<Version> = versions
        .iter()
        .map(|s| Version::parse(s).unwrap())
        .collect();
    parsed.sort();
    // All adjacent pairs after sorting.
    let sorted: Vec<String> = parsed.iter().map(|v| v.to_string()).collect();
    let adjacent: Vec<(&str, &str)> = sorted
        .windows(2)
        .map(|w| (w[0].as_str(), w[1].as_str()))
        .collect();
    check_with_apt(&adjacent);
    // A million random pairs, fixed seed.
    let mut rng = Rng(0x5eed_f1ee_7019_0001);
    let n = versions.len();
    let pairs: Vec<(&str, &str)> = (0..1_000_000)
        .map(|_| {
            (
                versions[rng.below(n)].as_str(),
                versions[rng.below(n)].as_str(),
            )
        })
        .collect();
    check_with_apt(&pairs);
}

fn dpkg_sign(a: &str, b: &str) -> &'static str {
    let run = |op: &str| {
        Command::new("dpkg")
            .args(["--compare-versions", a, op, b])
            .stderr(std::process::Stdio::null())
            .status()
            .expect("run dpkg")
            .code()
    };
    match run("lt") {
        Some(0) => "<",
        Some(1) => match run("eq") {
            Some(0) => "=",
            Some(1) => ">",
            c => panic!("dpkg --compare-versions {a} eq {b}: exit {c:?}"),
        },
        c => panic!("dpkg --compare-versions {a} lt {b}: exit {c:?}"),
    }
}

#[test]
fn sample_agrees_with_dpkg_compare_versions() {
    let have = Command::new("dpkg")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !common::require(have, "dpkg") {
        return;
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (i, a) in EDGE.iter().enumerate() {
        for b in &EDGE[i + 1..] {
            if i % 3 == 0 {
                pairs.push((a.to_string(), b.to_string()));
            }
        }
    }
    let versions = list_versions();
    if !versions.is_empty() {
        let mut rng = Rng(42);
        for _ in 0..400 {
            let a = versions[rng.below(versions.len())].clone();
            let b = versions[rng.below(versions.len())].clone();
            pairs.push((a, b));
        }
    }
    let mut failures = Vec::new();
    for (a, b) in &pairs {
        let ours = sign(Version::parse(a).unwrap().cmp(&Version::parse(b).unwrap()));
        let theirs = dpkg_sign(a, b);
        if ours != theirs {
            failures.push(format!("{a} vs {b}: we say {ours}, dpkg says {theirs}"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn rejects_exactly_what_dpkg_rejects() {
    let have = Command::new("dpkg")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !common::require(have, "dpkg") {
        return;
    }
    let candidates = [
        "1:",
        "1.0-",
        "1 0",
        ":1.0",
        "a:1.0",
        "1a:1.0",
        "-1:1.0",
        "2147483648:1",
        "1:-1",
        "1.0",
        "a1.0",
        "1.0_1",
        "+1:1.0",
        "0:1",
        "1:2:3",
        " 1.0",
        "1.0 ",
        "1.0-1-",
        "1:1.0-",
        "99999999999999999999:1",
    ];
    for v in candidates {
        // dpkg exits 2 on an invalid version (errors; warnings still compare).
        let code = Command::new("dpkg")
            .args(["--compare-versions", v, "eq", "1"])
            .stderr(std::process::Stdio::null())
            .output()
            .unwrap()
            .status
            .code();
        let dpkg_ok = matches!(code, Some(0 | 1));
        assert_eq!(
            Version::parse(v).is_ok(),
            dpkg_ok,
            "{v:?}: dpkg exit {code:?}"
        );
    }
}

#[test]
fn every_compare_operator_agrees_with_dpkg() {
    let have = Command::new("dpkg")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !common::require(have, "dpkg") {
        return;
    }
    let ops = [
        "lt", "le", "eq", "ne", "ge", "gt", "lt-nl", "le-nl", "ge-nl", "gt-nl", "<", "<=", "<<",
        "=", ">", ">=", ">>",
    ];
    let vals = ["", "1.0", "1.0-0", "1.1~rc1", "1:0.1"];
    for op in ops {
        let cop = fleetpin_debian::CompareOp::parse(op).unwrap();
        for a in vals {
            for b in vals {
                let code = Command::new("dpkg")
                    .args(["--compare-versions", a, op, b])
                    .stderr(std::process::Stdio::null())
                    .status()
                    .unwrap()
                    .code();
                let ours = cop.eval(a, b).unwrap();
                assert_eq!(Some(if ours { 0 } else { 1 }), code, "{a:?} {op} {b:?}");
            }
        }
    }
    assert!(fleetpin_debian::CompareOp::parse("lte").is_err());
}
