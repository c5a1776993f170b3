//! The strict dpkg status reader ([`StatusFile`]) against dpkg itself: every case is written
//! as the status file of a temporary admindir and read by `dpkg-query --admindir=DIR -W`.
//! dpkg refusing the file (exit 2) must coincide with an error from us, naming the line we
//! expect; dpkg accepting it must give the same packages, versions and states.

mod common;

use std::path::Path;
use std::process::Command;

use fleetpin_debian::status::StatusFile;

fn have_dpkg_query() -> bool {
    common::require(
        Command::new("dpkg-query")
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success()),
        "dpkg-query",
    )
}

/// What dpkg-query says about `status`: `Ok(lines)` (`name:arch version abbrev`, sorted,
/// `not-installed` entries left out) or `Err(stderr)` when it refuses the file.
fn dpkg(status: &str) -> Result<Vec<String>, String> {
    let dir = tempfile::tempdir().unwrap();
    let admin = dir.path();
    std::fs::create_dir_all(admin.join("info")).unwrap();
    std::fs::create_dir_all(admin.join("updates")).unwrap();
    std::fs::write(admin.join("available"), "").unwrap();
    std::fs::write(admin.join("status"), status).unwrap();
    let out = Command::new("dpkg-query")
        .arg(format!("--admindir={}", admin.display()))
        .args([
            "-W",
            "-f",
            "${Package}:${Architecture} ${Version} ${db:Status-Abbrev}\n",
        ])
        .env("LC_ALL", "C")
        .output()
        .expect("run dpkg-query");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match out.status.code() {
        Some(0) => {
            let mut lines: Vec<String> = String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(|l| l.trim_end().to_string())
                .filter(|l| l.rsplit(' ').next().and_then(|a| a.as_bytes().get(1)) != Some(&b'n'))
                .collect();
            lines.sort();
            Ok(lines)
        }
        Some(2) => Err(stderr),
        other => panic!("dpkg-query exited {other:?}: {stderr}"),
    }
}

/// Ours, in the same shape as [`dpkg`].
fn ours(status: &str) -> Result<Vec<String>, Vec<String>> {
    let db = StatusFile::parse(Path::new("status"), status);
    if !db.errors.is_empty() {
        return Err(db.errors.iter().map(|e| e.to_string()).collect());
    }
    let mut lines: Vec<String> = db
        .packages
        .iter()
        .filter(|p| p.status.state != fleetpin_debian::status::State::NotInstalled)
        .map(|p| {
            format!(
                "{}:{} {} {}",
                p.name,
                p.arch,
                p.version.as_ref().map_or("", |v| v.as_str()),
                p.status.abbrev()
            )
            .trim_end()
            .to_string()
        })
        .collect();
    lines.sort();
    Ok(lines)
}

const META: &str = "Maintainer: m <m@example.org>\nDescription: d\n";

fn stanza(name: &str, status: &str, arch: &str, version: &str, extra: &str) -> String {
    let mut s = format!("Package: {name}\nStatus: {status}\n{META}Architecture: {arch}\n");
    if !version.is_empty() {
        s.push_str(&format!("Version: {version}\n"));
    }
    s.push_str(extra);
    s
}

#[test]
fn status_files_are_read_as_strictly_as_dpkg_reads_them() {
    if !have_dpkg_query() {
        return;
    }
    let ok = |n: &str, v: &str| stanza(n, "install ok installed", "amd64", v, "");
    let same = "Multi-Arch: same\n";
    // (case, status text, the line our first error must name; None = accepted).
    let cases: Vec<(&str, String, Option<usize>)> = vec![
        (
            "fine",
            format!(
                "{}\n{}\n{}\n{}",
                ok("foo", "1.0-1"),
                stanza("bar", "hold ok installed", "all", "2:3.4", ""),
                stanza("gone", "deinstall ok config-files", "amd64", "1", ""),
                stanza("sel", "install ok not-installed", "amd64", "", ""),
            ),
            None,
        ),
        (
            "half-installed needs no version",
            stanza("foo", "install reinstreq half-installed", "amd64", "", ""),
            None,
        ),
        (
            "blank lines around stanzas and a CRLF Status",
            format!(
                "\n\n{}\n\n\nPackage: b\nStatus: install ok installed\r\n{META}Architecture: amd64\nVersion: 1\n\n",
                ok("a", "1")
            ),
            None,
        ),
        ("upper-case name", ok("Foo", "1"), None),
        (
            "cut mid-value (no final newline)",
            {
                let s = format!("{}\n{}", ok("a", "1"), ok("foo", "1.0-1"));
                s[..s.len() - 1].to_string()
            },
            Some(13),
        ),
        (
            "cut mid-field-name",
            format!(
                "{}\n{}Vers",
                ok("a", "1"),
                stanza("foo", "install ok installed", "amd64", "", "")
            ),
            Some(13),
        ),
        (
            "cut before the value",
            format!(
                "{}Version:",
                stanza("foo", "install ok installed", "amd64", "", "")
            ),
            Some(6),
        ),
        (
            "status missing a word",
            stanza("foo", "install ok", "amd64", "1", ""),
            Some(2),
        ),
        (
            "status with a bad want",
            stanza("foo", "keep ok installed", "amd64", "1", ""),
            Some(2),
        ),
        (
            "status with trailing junk",
            stanza("foo", "install ok installed extra", "amd64", "1", ""),
            Some(2),
        ),
        ("empty status", stanza("foo", "", "amd64", "1", ""), Some(2)),
        (
            "installed without version",
            stanza("foo", "install ok installed", "amd64", "", ""),
            Some(1),
        ),
        (
            "config-files without version",
            stanza("foo", "deinstall ok config-files", "amd64", "", ""),
            Some(1),
        ),
        ("bad version", ok("foo", "1:"), Some(6)),
        (
            "duplicate package, same architecture",
            format!("{}\n{}", ok("foo", "1"), ok("foo", "2")),
            Some(8),
        ),
        (
            "duplicate package, other architecture",
            format!(
                "{}\n{}",
                ok("foo", "1"),
                stanza("foo", "install ok installed", "i386", "1", "")
            ),
            Some(8),
        ),
        (
            "config-files leftover next to an installed instance",
            format!(
                "{}\n{}",
                stanza("foo", "deinstall ok config-files", "i386", "1", ""),
                ok("foo", "2")
            ),
            Some(8),
        ),
        (
            "Multi-Arch: same mixed with a plain instance",
            format!(
                "{}\n{}",
                stanza("foo", "install ok installed", "amd64", "1", same),
                stanza("foo", "install ok installed", "i386", "1", "")
            ),
            Some(9),
        ),
        (
            "Multi-Arch: same on two architectures",
            format!(
                "{}\n{}",
                stanza("foo", "install ok installed", "amd64", "1", same),
                stanza("foo", "install ok installed", "i386", "1", same)
            ),
            None,
        ),
        (
            "a selection next to an installed instance",
            format!(
                "{}\n{}",
                stanza("foo", "purge ok not-installed", "amd64", "", ""),
                ok("foo", "1")
            ),
            None,
        ),
        (
            "duplicate field",
            format!("{}Version: 2\n", ok("foo", "1")),
            Some(7),
        ),
        ("comment line", format!("# c\n{}", ok("foo", "1")), Some(1)),
        (
            "line without colon",
            format!("{}garbage\n", ok("foo", "1")),
            Some(7),
        ),
        (
            "no Package field",
            format!("Status: install ok installed\n{META}Version: 1\n"),
            Some(1),
        ),
        ("invalid package name", ok("foo bar", "1"), Some(1)),
        ("empty file", String::new(), None),
    ];
    for (what, text, want_line) in &cases {
        let d = dpkg(text);
        let o = ours(text);
        match (want_line, &d, &o) {
            (None, Ok(dl), Ok(ol)) => assert_eq!(ol, dl, "{what}: packages differ from dpkg"),
            (Some(line), Err(_), Err(errs)) => assert!(
                errs[0].starts_with(&format!("status:{line}: ")),
                "{what}: expected an error at line {line}, got {errs:#?}"
            ),
            _ => {
                panic!("{what}: dpkg says {d:?}, we say {o:?} (expected error line {want_line:?})")
            }
        }
    }
}

#[test]
fn the_good_stanzas_of_a_bad_file_still_load_and_every_error_is_reported() {
    let text = format!(
        "{}\n{}\n{}\n{}",
        stanza("a", "install ok installed", "amd64", "1", ""),
        stanza("b", "install ok", "amd64", "1", ""),
        stanza("a", "install ok installed", "amd64", "2", ""),
        stanza("c", "hold ok installed", "all", "3", ""),
    );
    let db = StatusFile::parse(Path::new("/x/status"), &text);
    let errs: Vec<String> = db.errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert!(
        errs[0].starts_with("/x/status:9: bad value for `Status` field"),
        "{errs:#?}"
    );
    assert!(
        errs[1].starts_with("/x/status:15: package `a` is listed again (first at line 1)"),
        "{errs:#?}"
    );
    let names: Vec<(&str, &str)> = db
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.as_ref().unwrap().as_str()))
        .collect();
    assert_eq!(names, [("a", "1"), ("c", "3")]);
    assert!(db.get("c", Some("all")).unwrap().is_held());
    assert_eq!(db.installed().count(), 2);
}

#[test]
fn this_machines_status_file_reads_like_dpkg_query_reads_it() {
    if !have_dpkg_query() {
        return;
    }
    let path = Path::new("/var/lib/dpkg/status");
    if !common::require(path.is_file(), "/var/lib/dpkg/status") {
        return;
    }
    let text = std::fs::read_to_string(path).unwrap();
    let o = ours(&text).unwrap_or_else(|e| panic!("{e:#?}"));
    let d = dpkg(&text).unwrap();
    assert!(o.len() > 50, "a Debian system has more than 50 packages");
    assert_eq!(o, d);
}
