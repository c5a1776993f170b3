//! `VersionRange` membership checked against `dpkg --compare-versions`.

use std::process::Command;

use fleetpin_debian::range::{Ecosystem, VersionRange};

/// Range membership follows dpkg: each comparator of a range against `dpkg --compare-versions`
/// (the Docker and package ranges of `causes/` and `hazards/`).
#[test]
fn ranges_follow_dpkg() {
    let Some(dpkg) = fleetpin_testkit::oracle(fleetpin_testkit::on_path("dpkg"), "dpkg") else {
        return;
    };
    let dpkg_says = |a: &str, op: &str, b: &str| {
        Command::new(&dpkg)
            .args(["--compare-versions", a, op, b])
            .status()
            .unwrap()
            .success()
    };
    let ranges = [
        ">= 23.0.0~, < 23.0.2~",
        "< 20.10~",
        "< 20.10.10~",
        ">= 5:23.0.0~, < 5:23.0.2~",
        "= 1.6.16-1",
        "> 1.4~, <= 1.6.18",
    ];
    let versions = [
        "23.0.0~rc.1",
        "23.0.0",
        "23.0.1",
        "23.0.2~beta.1",
        "23.0.2",
        "20.10.23~3-0~debian",
        "20.10.9",
        "20.10.10",
        "20.10.24+dfsg1",
        "19.03.15",
        "5:23.0.1-1~debian.10~buster",
        "5:20.10.23~3-0~debian-buster",
        "1.6.16-1",
        "1.6.18",
        "1.4.0",
    ];
    let cmp = |a: &str, b: &str| fleetpin_debian::version::compare_str(a, b);
    let mut checked = 0;
    for text in ranges {
        let r = VersionRange::parse(Ecosystem::Debian, text).unwrap();
        for v in versions {
            let want = text.split(',').all(|part| {
                let part = part.trim();
                let (op, b) = part.split_once(' ').unwrap();
                let op = match op {
                    "<" => "lt",
                    "<=" => "le",
                    "=" => "eq",
                    ">=" => "ge",
                    ">" => "gt",
                    other => panic!("{other}"),
                };
                dpkg_says(v, op, b)
            });
            assert_eq!(r.contains(v), want, "{v} in {text}");
            // The same answer through a caller's ordering (a cause's package condition).
            assert_eq!(r.contains_by(v, &cmp), want, "{v} in {text} by compare_str");
            checked += 1;
        }
    }
    assert_eq!(checked, ranges.len() * versions.len());
}
