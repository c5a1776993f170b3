//! The settings apt reads from a root's configuration: architectures and
//! `APT::Default-Release`.

use std::path::{Path, PathBuf};

use crate::deb822::{self, Parser};
use crate::sources;

/// Settings apt reads from its configuration.
#[derive(Debug, Clone)]
pub struct Options {
    /// The native architecture (`dpkg --print-architecture`).
    pub native_arch: String,
    /// Foreign architectures (`dpkg --print-foreign-architectures`).
    pub foreign_archs: Vec<String>,
    /// `APT::Default-Release` / `-t`.
    pub target_release: Option<String>,
}

impl Options {
    /// Options for a root: the native architecture is that of the `dpkg` package in
    /// `var/lib/dpkg/status` (else the build target's), foreign ones come from
    /// `var/lib/dpkg/arch`; no target release.
    pub fn for_root(root: &Path) -> Options {
        let status = std::fs::read(root.join("var/lib/dpkg/status")).unwrap_or_default();
        let native = deb822::to_text(&status)
            .ok()
            .and_then(|t| {
                Parser::new(t)
                    .filter_map(Result::ok)
                    .find(|p| p.get("Package") == Some("dpkg"))
                    .and_then(|p| p.get("Architecture").map(str::to_string))
            })
            .unwrap_or_else(|| {
                match std::env::consts::ARCH {
                    "x86_64" => "amd64",
                    "aarch64" => "arm64",
                    "x86" => "i386",
                    "arm" => "armhf",
                    "powerpc64" => "ppc64el",
                    "s390x" => "s390x",
                    "riscv64" => "riscv64",
                    other => other,
                }
                .to_string()
            });
        let foreign = std::fs::read_to_string(root.join("var/lib/dpkg/arch"))
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|a| !a.is_empty() && *a != native)
            .map(str::to_string)
            .collect();
        Options {
            native_arch: native,
            foreign_archs: foreign,
            target_release: default_release_from_conf(root),
        }
    }
}

/// `APT::Default-Release "VALUE";` from the root's `etc/apt/apt.conf` and `apt.conf.d/*`
/// (apt reads the parts first, then apt.conf; the last setting wins). Only this flat form
/// (and `Default-Release` inside an `APT { ... }` block) is recognised.
pub fn default_release_from_conf(root: &Path) -> Option<String> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("etc/apt/apt.conf.d"))
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                        sources::apt_reads_part(n, "") && (!n.contains('.') || n.ends_with(".conf"))
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files.push(root.join("etc/apt/apt.conf"));
    let re = regex::Regex::new(r#"(?m)^\s*(?:APT::)?Default-Release\s+"([^"]*)"\s*;"#).ok()?;
    let mut found = None;
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        for line in text.lines() {
            let line = line.split("//").next().unwrap_or("");
            let in_apt = line.trim_start().starts_with("APT::") || !line.contains("::");
            if in_apt && let Some(c) = re.captures(line) {
                found = Some(c[1].to_string()).filter(|v| !v.is_empty());
            }
        }
    }
    found
}
