//! apt's version policy (apt_preferences(5)): preferences files, the priority of every index
//! and version, and the candidate version exactly as `apt-cache policy` / libapt-pkg's
//! `pkgPolicy::GetCandidateVer` choose it (checked against apt 2.6).
//!
//! The rules, as apt implements them:
//! - Each index file starts at 500; 100 if its Release says `ButAutomaticUpgrades: yes`,
//!   else 1 with `NotAutomatic: yes`; the dpkg status file is 100.
//! - Generic stanzas (`Package: *`) and the target release (`-t`, `APT::Default-Release`,
//!   990, considered first) set index priorities: the **first** matching stanza fixes an
//!   index; a `Pin-Priority: never` stanza overrides and cannot be overridden.
//! - Specific stanzas pin versions: the first stanza (in file order, `/etc/apt/preferences`
//!   then `preferences.d` sorted) that matches a version sets its priority. Package names may
//!   be globs (`*`, `?`, `[`), `/regex/` (case-insensitive), `src:NAME` and `NAME:ARCH`.
//! - A version's priority is its pin, else the highest priority of the indexes it is in
//!   (the status file counts -1 for a version that is not the installed one).
//! - Candidate: among versions with priority ≠ 0, the highest priority wins, ties going to
//!   the higher version; a version lower than the installed one only with priority ≥ 1000.

mod cache;
mod options;
mod preferences;
mod report;

pub use cache::{AvailableVersion, Cache, IndexFile, Package, apt_hash_order};
pub use options::{Options, default_release_from_conf};
pub use preferences::{NEVER_PIN, PinKind, PinStanza, fnmatch, parse_preferences};
pub use report::{PackagePolicy, SourcePolicy, VersionPolicy};

// What the tests below use from the module's former single file.
#[cfg(test)]
use crate::release::Release;
#[cfg(test)]
use std::path::Path;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_release_from_apt_conf() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("etc/apt/apt.conf.d");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("00x"),
            "// APT::Default-Release \"nope\";\nAPT::Default-Release \"stable\";\n",
        )
        .unwrap();
        std::fs::write(d.join("99.disabled"), "APT::Default-Release \"ignored\";\n").unwrap();
        assert_eq!(
            default_release_from_conf(dir.path()).as_deref(),
            Some("stable")
        );
        std::fs::write(
            dir.path().join("etc/apt/apt.conf"),
            "APT {\n  Default-Release \"bookworm-backports\";\n};\n",
        )
        .unwrap();
        assert_eq!(
            default_release_from_conf(dir.path()).as_deref(),
            Some("bookworm-backports")
        );
    }

    #[test]
    fn fnmatch_like_glibc() {
        assert!(fnmatch("1.2*", "1.2.3-1"));
        assert!(fnmatch("*", ""));
        assert!(fnmatch("docker-*", "DOCKER-ce"));
        assert!(fnmatch("lib?oo", "libfoo"));
        assert!(!fnmatch("lib?oo", "liboo"));
        assert!(fnmatch("[a-c]x", "bx"));
        assert!(!fnmatch("[!a-c]x", "bx"));
        assert!(fnmatch("a*b*c", "aXXbYYc"));
        assert!(!fnmatch("a*b*c", "aXXbYY"));
        assert!(fnmatch("a\\*", "a*"));
        assert!(fnmatch("[x", "[x"));
        assert!(fnmatch("*/*", "a/b"));
    }

    #[test]
    fn preferences_parse_like_apt() {
        let text = "# comment only\n\nExplanation: pin docker\nPackage: docker-ce docker-ce-cli\nPin: version 5:23.0.*\nPin-Priority: 1001\n\nPackage: *\nPin: release a=bookworm-backports\nPin-Priority: 100\n\nPackage: x\nPin: bogus thing\nPin-Priority: 5\n\nPackage: *\nPin: origin \"\"\nPin-Priority: never\n";
        let (s, w) = parse_preferences(text, Path::new("p")).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].packages, ["docker-ce", "docker-ce-cli"]);
        assert_eq!(s[0].pin, PinKind::Version("5:23.0.*".into()));
        assert_eq!(s[0].line, 3);
        assert!(s[1].is_generic());
        assert_eq!(s[2].priority, NEVER_PIN);
        assert_eq!(w.len(), 1);
        for bad in [
            "Pin: release a=x\nPin-Priority: 1\n",
            "Package: x\nPin: release a=x\nPin-Priority: 0\n",
            "Package: x\nPin: release a=x\nPin-Priority: 99999\n",
            "Package: x\nPin: release a=x\nPin-Priority: 12abc\n",
            "Package: x\nPin: release a=x\nPin-Priority: never\n",
        ] {
            let e = parse_preferences(bad, Path::new("/etc/apt/preferences")).unwrap_err();
            assert!(e.to_string().starts_with("/etc/apt/preferences:1:"), "{e}");
        }
    }

    fn tiny_cache(prefs: &str, target: Option<&str>) -> Cache {
        let mut c = Cache::new(Options {
            native_arch: "amd64".into(),
            foreign_archs: vec![],
            target_release: target.map(str::to_string),
        });
        c.add_status(
            Path::new("status"),
            "/var/lib/dpkg/status",
            "Package: a\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\nPackage: h\nStatus: hold ok installed\nVersion: 2\nArchitecture: all\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 9\nArchitecture: amd64\n",
        );
        let rel = |suite: &str, na: bool, bau: bool| Release {
            suite: Some(suite.into()),
            codename: Some(suite.into()),
            origin: Some("Debian".into()),
            not_automatic: na,
            but_automatic_upgrades: bau,
            ..Release::default()
        };
        let idx = |name: &str, release: Release| IndexFile {
            path: name.into(),
            describe: name.into(),
            release: Some(release),
            site: Some("deb.example.org".into()),
            component: "main".into(),
            architecture: "amd64".into(),
            is_status: false,
            priority: 0,
        };
        c.add_index(
            idx("main", rel("stable", false, false)),
            "Package: a\nVersion: 1.0\nArchitecture: amd64\n\nPackage: a\nVersion: 0.9\nArchitecture: amd64\n\nPackage: h\nVersion: 3\nArchitecture: all\n\nPackage: gone\nVersion: 8\nArchitecture: amd64\n",
        );
        c.add_index(
            idx("bpo", rel("stable-backports", true, true)),
            "Package: a\nVersion: 2.0\nArchitecture: amd64\n",
        );
        let (s, _) = parse_preferences(prefs, Path::new("prefs")).unwrap();
        c.apply_preferences(&s).unwrap();
        c
    }

    fn cand(c: &Cache, n: &str) -> Option<String> {
        let p = c.package(n).unwrap();
        c.candidate(p).map(|i| p.versions[i].version.to_string())
    }

    #[test]
    fn defaults_and_pins() {
        let c = tiny_cache("", None);
        assert_eq!(cand(&c, "a").as_deref(), Some("1.0"));
        assert_eq!(cand(&c, "h").as_deref(), Some("3"));
        assert_eq!(cand(&c, "gone").as_deref(), Some("8"));
        let a = c.package("a").unwrap();
        assert_eq!(c.priority(a, 0), 100, "backports");
        let c = tiny_cache("", Some("stable-backports"));
        assert_eq!(cand(&c, "a").as_deref(), Some("2.0"));
        let c = tiny_cache("Package: a\nPin: version 0.9\nPin-Priority: 1001\n", None);
        assert_eq!(cand(&c, "a").as_deref(), Some("0.9"), ">= 1000 downgrades");
        let c = tiny_cache("Package: a\nPin: version 0.9\nPin-Priority: 999\n", None);
        assert_eq!(
            cand(&c, "a").as_deref(),
            Some("1.0"),
            "< 1000 never downgrades"
        );
        let c = tiny_cache(
            "Package: /^[ab]$/\nPin: release a=stable\nPin-Priority: -1\n",
            None,
        );
        assert_eq!(
            cand(&c, "a").as_deref(),
            Some("2.0"),
            "a -1 pin covers the installed version too, so backports (100) wins"
        );
        let c = tiny_cache("Package: *\nPin: release *\nPin-Priority: -10\n", None);
        assert_eq!(cand(&c, "gone"), None);
        assert!(tiny_cache("", None).apply_preferences(&[]).is_ok());
        let mut c = tiny_cache("", None);
        c.opts.target_release = Some("nosuch".into());
        assert!(c.apply_preferences(&[]).is_err());
    }
}
