//! `--from-dpkg-status` and `--from-dpkg-query` against the real `dpkg-query`, run on a
//! temporary admin directory: what fleetpin reads from the status file and from dpkg-query's
//! output is what dpkg-query itself says is installed.

use fleetpin_testkit::dpkg_query;
use std::path::Path;

use fleetpin_fleet::Package;
use fleetpin_fleet::import::{DPKG_QUERY_FORMAT, parse_query, parse_status};

/// Installed, held, half-installed, multi-arch, removed with configuration left (`rc`) and
/// purged packages.
const STATUS: &str = "\
Package: bash
Status: install ok installed
Maintainer: m <m@example.org>
Architecture: amd64
Version: 5.2.15-2+b2
Description: shell

Package: apparmor
Status: deinstall ok config-files
Maintainer: m <m@example.org>
Architecture: amd64
Version: 3.0.8-3
Conffiles:
 /etc/apparmor/parser.conf 0123456789abcdef0123456789abcdef
Description: removed, configuration left

Package: libc6
Status: install ok installed
Maintainer: m <m@example.org>
Architecture: i386
Multi-Arch: same
Version: 2.36-9+deb12u4
Description: libc

Package: libc6
Status: install ok installed
Maintainer: m <m@example.org>
Architecture: amd64
Multi-Arch: same
Version: 2.36-9+deb12u4
Description: libc

Package: gone
Status: purge ok not-installed
Maintainer: m <m@example.org>
Architecture: amd64

Package: docker-ce
Status: hold ok installed
Maintainer: m <m@example.org>
Architecture: amd64
Version: 5:23.0.1-1~debian.12~bookworm
Description: docker

Package: half
Status: install reinstreq half-installed
Maintainer: m <m@example.org>
Architecture: all
Version: 2.0-1
Description: half
";

fn admindir(status: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fleetpin_testkit::dpkg_admindir(dir.path(), status);
    dir
}

type Row = (String, String, Option<String>, Option<String>);

fn rows(mut pkgs: Vec<Package>) -> Vec<Row> {
    pkgs.sort_by(|a, b| (&a.name, &a.arch).cmp(&(&b.name, &b.arch)));
    pkgs.into_iter()
        .map(|p| (p.name, p.version, p.arch, p.selection))
        .collect()
}

/// dpkg's own list of installed packages: `${db:Status-Abbrev}` state letter not `n`/`c`.
fn installed_per_dpkg(admin: &Path) -> Vec<(String, String, String)> {
    let text = dpkg_query(
        admin,
        Some(
            "${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Want} ${db:Status-Status}\\n",
        ),
    );
    let mut out: Vec<(String, String, String)> = text
        .lines()
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let (want, state) = c[3].split_once(' ').unwrap();
            (!matches!(state, "not-installed" | "config-files"))
                .then(|| (c[0].to_string(), c[1].to_string(), want.to_string()))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn status_file_and_dpkg_query_output_agree_with_dpkg() {
    let admin = admindir(STATUS);
    let from_status = rows(parse_status(STATUS, &admin.path().join("status")).unwrap());
    let query = dpkg_query(admin.path(), Some(DPKG_QUERY_FORMAT));
    assert!(query.contains("apparmor\t3.0.8-3\tamd64\trc "), "{query}");
    let from_query = rows(parse_query(&query, Path::new("dpkg-query.txt")).unwrap());
    assert_eq!(from_status, from_query);

    let mut ours: Vec<(String, String, String)> = from_query
        .iter()
        .map(|(n, v, _, s)| (n.clone(), v.clone(), s.clone().unwrap()))
        .collect();
    ours.sort();
    assert_eq!(ours, installed_per_dpkg(admin.path()));
    assert!(!ours.iter().any(|r| r.0 == "apparmor" || r.0 == "gone"));
    // Both architectures of a multi-arch package are kept.
    assert_eq!(ours.iter().filter(|r| r.0 == "libc6").count(), 2);
}

#[test]
fn plain_dpkg_query_output_is_refused_because_it_shows_rc_as_installed() {
    let admin = admindir(STATUS);
    let plain = dpkg_query(admin.path(), None);
    // The real tool's plain output: the removed package is listed with its old version.
    assert!(plain.lines().any(|l| l == "apparmor\t3.0.8-3"), "{plain}");
    let err = parse_query(&plain, Path::new("plain.txt"))
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("plain.txt:1: no status column"), "{err}");
    assert!(err.contains("dpkg-query -W -f"), "{err}");
}

#[test]
fn a_bom_in_front_of_dpkg_query_output_is_not_part_of_the_first_name() {
    let admin = admindir(STATUS);
    let query = dpkg_query(admin.path(), Some(DPKG_QUERY_FORMAT));
    let with_bom = format!("\u{feff}{query}");
    let a = parse_query(&query, Path::new("q")).unwrap();
    let b = parse_query(&with_bom, Path::new("q")).unwrap();
    assert_eq!(a, b);
    assert_eq!(b[0].name, "bash");
}
