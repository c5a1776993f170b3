//! Bad input never panics: each problem is an error naming the file and line (or stanza), and
//! the rest of the work carries on.

use std::io::Write;
use std::path::Path;

use fleetpin_debian::policy::{Cache, Options};

fn write(path: &Path, data: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

fn opts() -> Options {
    Options {
        native_arch: "amd64".into(),
        foreign_archs: vec![],
        target_release: None,
    }
}

fn lz4(data: &[u8]) -> Vec<u8> {
    let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

#[test]
fn bad_lists_are_reported_per_file_and_line_and_the_rest_loads() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("etc/apt/sources.list"),
        b"deb http://good.example/debian stable main\ndeb http://trunc.example/debian stable main\ndeb http://garbage.example/debian stable main\n",
    );
    let lists = root.join("var/lib/apt/lists");
    // Good file with one stanza missing Package: and one invalid version.
    let good = b"Package: ok\nVersion: 1.0\nArchitecture: amd64\n\nVersion: 2.0\nArchitecture: amd64\n\nPackage: badver\nVersion: 1:\nArchitecture: amd64\n\nPackage: ok2\nVersion: 3\nArchitecture: all\n";
    write(
        &lists.join("good.example_debian_dists_stable_main_binary-amd64_Packages.lz4"),
        &lz4(good),
    );
    // Truncated lz4.
    let t = lz4(&good.repeat(200));
    write(
        &lists.join("trunc.example_debian_dists_stable_main_binary-amd64_Packages.lz4"),
        &t[..t.len() / 2],
    );
    // Binary garbage (not compressed, not text): bytes 0-9 end line 3, byte 128 is on line 4.
    let mut garbage = b"Package: x\nVersion: 1\n".to_vec();
    garbage.extend((0..=255u8).cycle().take(4096));
    write(
        &lists.join("garbage.example_debian_dists_stable_main_binary-amd64_Packages"),
        &garbage,
    );
    write(&root.join("var/lib/dpkg/status"), b"Package: ok\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\nPackage: weird\nStatus: install ok\nVersion: 1\n");

    let cache = Cache::load_root(root, opts()).unwrap();
    let msgs: Vec<String> = cache.problems.iter().map(|e| e.to_string()).collect();
    let has = |needle: &str| msgs.iter().any(|m| m.contains(needle));
    assert!(
        has(
            "good.example_debian_dists_stable_main_binary-amd64_Packages.lz4:5: paragraph has no `Package` field"
        ),
        "{msgs:#?}"
    );
    assert!(
        has(
            "good.example_debian_dists_stable_main_binary-amd64_Packages.lz4:8: invalid version in field `Version`"
        ),
        "{msgs:#?}"
    );
    assert!(
        has(
            "trunc.example_debian_dists_stable_main_binary-amd64_Packages.lz4: corrupt or truncated lz4 data"
        ),
        "{msgs:#?}"
    );
    assert!(
        has("garbage.example_debian_dists_stable_main_binary-amd64_Packages:4: not UTF-8"),
        "{msgs:#?}"
    );
    // dpkg names the `Status:` line itself ("near line 7 ... third (status) word").
    assert!(
        has("status:7: bad value for `Status` field: third (status) word is missing"),
        "{msgs:#?}"
    );
    // The good records still load.
    let ok = cache.package("ok").unwrap();
    assert_eq!(
        cache.candidate(ok).map(|i| ok.versions[i].version.as_str()),
        Some("1.0")
    );
    assert!(cache.package("ok2").is_some());
}

#[test]
fn bad_preferences_stop_like_apt_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("etc/apt/preferences.d/bad"),
        b"Package: a\nPin: release a=x\nPin-Priority: 1\n\nPin: release a=x\nPin-Priority: 5\n",
    );
    let err = Cache::load_root(root, opts()).unwrap_err().to_string();
    assert!(
        err.contains(
            "preferences.d/bad:5: invalid record in the preferences file, no Package header"
        ),
        "{err}"
    );
}

#[test]
fn bad_sources_name_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        &root.join("etc/apt/sources.list.d/x.list"),
        b"# fine\ndeb http://a/ stable main\ndeb-foo http://b/ stable main\n",
    );
    let err = Cache::load_root(root, opts()).unwrap_err().to_string();
    assert!(
        err.contains("sources.list.d/x.list:3: malformed entry"),
        "{err}"
    );
}

#[test]
fn invalid_versions_and_relations_are_typed_errors() {
    for v in ["", "1:", "1.0-", "a b", "x:1"] {
        let e = fleetpin_debian::Version::parse(v).unwrap_err();
        assert!(!e.to_string().is_empty());
    }
    let e = fleetpin_debian::relation::Relations::parse("libc6 (>= 2.36").unwrap_err();
    assert_eq!(e.to_string(), "unterminated `(`");
}
