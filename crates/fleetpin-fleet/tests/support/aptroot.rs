//! Throwaway apt roots for the simulation tests: a flat `file:` repository and, per host, an
//! apt configuration (`APT_CONFIG`) whose every directory (status, lists, cache, etc) is in a
//! temp dir, so the real `apt-get` runs unprivileged against it, reads nothing of this
//! machine's apt state and writes nothing outside the temp dir.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `dpkg --print-architecture` of this machine (what apt calls native).
pub fn native_arch() -> String {
    let out = Command::new("dpkg")
        .arg("--print-architecture")
        .output()
        .expect("run dpkg --print-architecture (Debian package dpkg)");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// Whether apt-get and dpkg are here (the oracle of these tests).
pub fn have_apt() -> bool {
    fleetpin_testkit::on_path("apt-get").is_some() && fleetpin_testkit::on_path("dpkg").is_some()
}

/// A flat repository: `dir/Packages`, served as `deb [trusted=yes] file:DIR ./`.
pub struct Repo {
    pub dir: PathBuf,
}

impl Repo {
    /// Writes the index (stanzas without `Filename`/`Size` get them).
    pub fn new(dir: &Path, stanzas: &[String]) -> Repo {
        std::fs::create_dir_all(dir).unwrap();
        let mut text = String::new();
        for (i, s) in stanzas.iter().enumerate() {
            text.push_str(s.trim_end());
            if !s.contains("\nFilename:") {
                text.push_str(&format!("\nFilename: pool/p{i}.deb\nSize: 1000"));
            }
            text.push_str("\n\n");
        }
        std::fs::write(dir.join("Packages"), text).unwrap();
        Repo {
            dir: dir.to_path_buf(),
        }
    }
}

/// One host's apt root.
pub struct AptRoot {
    pub dir: PathBuf,
    /// The file to point `APT_CONFIG` at.
    pub config: PathBuf,
}

/// A binary package stanza (`extra` holds more fields, one per line).
pub fn stanza(name: &str, version: &str, arch: &str, extra: &str) -> String {
    format!(
        "Package: {name}\nVersion: {version}\nArchitecture: {arch}\nMaintainer: Test <test@example.org>\n{extra}Description: test package {name}\n"
    )
}

/// A dpkg status file: `(name, version, want, arch)` (`want` is `install` or `hold`, an empty
/// `arch` is `native`), with more fields per package name in `extra` (`Depends: ...`).
pub fn status(pkgs: &[(&str, &str, &str, &str)], native: &str, extra: &[(&str, &str)]) -> String {
    let mut s = String::new();
    for (name, version, want, arch) in pkgs {
        let arch = if arch.is_empty() { native } else { arch };
        let more: String = extra
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, e)| format!("{e}\n"))
            .collect();
        s.push_str(&format!(
            "Package: {name}\nStatus: {want} ok installed\nPriority: optional\nSection: admin\nMaintainer: Test <test@example.org>\nArchitecture: {arch}\nVersion: {version}\n{more}Description: test package {name}\n\n"
        ));
    }
    s
}

impl AptRoot {
    /// A root under `dir` with this dpkg `status`, the repository as its only source, and
    /// `apt-get update` run in it.
    pub fn new(dir: &Path, status: &str, repo: &Repo, arch: &str) -> AptRoot {
        for d in [
            "etc/apt.conf.d",
            "etc/preferences.d",
            "etc/sources.list.d",
            "state/lists/partial",
            "cache/archives/partial",
            "log",
        ] {
            std::fs::create_dir_all(dir.join(d)).unwrap();
        }
        std::fs::write(dir.join("status"), status).unwrap();
        std::fs::write(
            dir.join("etc/sources.list"),
            format!("deb [trusted=yes] file:{} ./\n", repo.dir.display()),
        )
        .unwrap();
        let d = dir.display();
        let config = dir.join("apt.conf");
        std::fs::write(
            &config,
            format!(
                "Dir::State \"{d}/state/\";\nDir::State::Lists \"{d}/state/lists/\";\n\
                 Dir::State::status \"{d}/status\";\nDir::Etc \"{d}/etc/\";\nDir::Cache \"{d}/cache/\";\n\
                 Dir::Log \"{d}/log/\";\nDebug::NoLocking \"1\";\nAPT::Architecture \"{arch}\";\n\
                 APT::Architectures {{ \"{arch}\"; }};\nAcquire::Languages \"none\";\n"
            ),
        )
        .unwrap();
        let root = AptRoot {
            dir: dir.to_path_buf(),
            config,
        };
        let out = root.apt_get(&["update"]);
        assert!(
            out.status.success(),
            "apt-get update in {}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stdout)
        );
        root
    }

    /// Runs the real apt-get here (`LC_ALL=C`, stderr folded into stdout as the remote
    /// script does): the oracle.
    pub fn apt_get(&self, args: &[&str]) -> Output {
        let mut out = Command::new("/bin/sh")
            .arg("-c")
            .arg("exec apt-get \"$@\" 2>&1 </dev/null")
            .arg("apt-get")
            .args(args)
            .env("APT_CONFIG", &self.config)
            .env("LC_ALL", "C")
            .env_remove("LANGUAGE")
            .output()
            .expect("run apt-get (Debian package apt)");
        out.stderr = Vec::new();
        out
    }
}

pub const DOCKER_20: &str = "5:20.10.23~3-0~debian-buster";
pub const DOCKER_23: &str = "5:23.0.1-1~debian.10~buster";

/// The incident as an index: docker-ce 20.10 and 23.0.1 (whose `apparmor` is only a
/// Recommends), its containerd.io floor rising from 1.4.1 to 1.6.4, a new docker-ce-cli, a
/// legacy package 23.0 conflicts with, and bash with an update (held on some hosts).
pub fn incident_index(arch: &str) -> Vec<String> {
    vec![
        stanza(
            "docker-ce",
            DOCKER_20,
            arch,
            "Depends: containerd.io (>= 1.4.1)\nRecommends: apparmor\n",
        ),
        stanza(
            "docker-ce",
            DOCKER_23,
            arch,
            "Depends: containerd.io (>= 1.6.4), docker-ce-cli\nRecommends: apparmor, ca-certificates\nSuggests: aufs-tools, cgroupfs-mount | cgroup-lite\nConflicts: docker-legacy\n",
        ),
        stanza("docker-ce-cli", DOCKER_23, arch, ""),
        stanza("docker-legacy", "1.0-1", arch, ""),
        stanza("containerd.io", "1.4.1-1", arch, ""),
        stanza("containerd.io", "1.6.18-1", arch, ""),
        stanza("apparmor", "2.13.2-10", arch, ""),
        stanza("ca-certificates", "20200601", "all", ""),
        stanza("bash", "5.0-4", arch, ""),
        stanza("bash", "5.0-5", arch, ""),
    ]
}
