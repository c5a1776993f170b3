//! Host conditions of a cause (`[when]` in a cause file) and their check against host facts.
//!
//! A log line alone says what failed; the host's facts say whether the known explanation fits:
//! `unable to apply apparmor profile … no such file or directory` on a host that runs Docker
//! 23.0.1, has AppArmor in its kernel and lacks the `apparmor` package *is*
//! FPH-2023-0001; the same line on a host with `apparmor` installed is something else.
//!
//! This crate does not depend on the facts crate: callers describe a host through
//! [`HostView`], or fill a [`HostState`] (`fleetpin diagnose --facts DIR` maps each
//! `fleetpin_fleet::HostFacts` in `src/commands/diagnose/facts.rs`). Ranges are
//! fleetpin-debian's [`VersionRange`], the type of the `hazards/` entries too.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use fleetpin_debian::range::{Ecosystem, VersionRange, kernel_version};
use serde::Serialize;

/// What a cause's conditions need to know about a host. `None` means unknown: an unknown fact
/// never contradicts a cause, it leaves the verdict [`Verdict::Unknown`].
pub trait HostView {
    /// The host's name (for the summary line).
    fn host(&self) -> &str;
    /// Whether the installed-package list is known (else every package check is unknown).
    fn packages_known(&self) -> bool;
    /// The installed version of `package`, if installed (meaningful when
    /// [`HostView::packages_known`]).
    fn installed(&self, package: &str) -> Option<&str>;
    /// The Docker engine version (`docker version`: `23.0.1`), when known.
    fn docker_version(&self) -> Option<&str>;
    /// The kernel release (`uname -r`: `4.19.0-23-amd64`), when known.
    fn kernel_release(&self) -> Option<&str>;
    /// Whether the kernel has AppArmor enabled (`/sys/module/apparmor/parameters/enabled`).
    fn kernel_apparmor(&self) -> Option<bool>;
    /// The cgroup version mounted at `/sys/fs/cgroup` (1 or 2).
    fn cgroup_version(&self) -> Option<u8>;
    /// Compares two package versions in the host's package manager's ordering (dpkg by
    /// default).
    fn compare_versions(&self, a: &str, b: &str) -> Ordering {
        fleetpin_debian::version::compare_str(a, b)
    }
}

/// An owned [`HostView`]: the plain input callers fill from whatever facts they hold.
#[derive(Debug, Clone)]
pub struct HostState {
    /// The host's name.
    pub host: String,
    /// Installed packages and their versions; `None` when the list is unknown.
    pub packages: Option<BTreeMap<String, String>>,
    /// `docker version`'s server version.
    pub docker_version: Option<String>,
    /// `uname -r`.
    pub kernel_release: Option<String>,
    /// `/sys/module/apparmor/parameters/enabled`.
    pub kernel_apparmor: Option<bool>,
    /// 1 or 2 (`stat -fc %T /sys/fs/cgroup`: `cgroup2fs` is 2).
    pub cgroup_version: Option<u8>,
    /// The package manager's version ordering (dpkg's by default).
    pub version_order: fn(&str, &str) -> Ordering,
}

impl HostState {
    /// A host with nothing known about it, dpkg ordering.
    pub fn new(host: impl Into<String>) -> HostState {
        HostState {
            host: host.into(),
            packages: None,
            docker_version: None,
            kernel_release: None,
            kernel_apparmor: None,
            cgroup_version: None,
            version_order: fleetpin_debian::version::compare_str,
        }
    }
}

impl HostView for HostState {
    fn host(&self) -> &str {
        &self.host
    }
    fn packages_known(&self) -> bool {
        self.packages.is_some()
    }
    fn installed(&self, package: &str) -> Option<&str> {
        self.packages.as_ref()?.get(package).map(String::as_str)
    }
    fn docker_version(&self) -> Option<&str> {
        self.docker_version.as_deref()
    }
    fn kernel_release(&self) -> Option<&str> {
        self.kernel_release.as_deref()
    }
    fn kernel_apparmor(&self) -> Option<bool> {
        self.kernel_apparmor
    }
    fn cgroup_version(&self) -> Option<u8> {
        self.cgroup_version
    }
    fn compare_versions(&self, a: &str, b: &str) -> Ordering {
        (self.version_order)(a, b)
    }
}

/// Parses a Docker or package range of a cause (dpkg syntax).
pub(crate) fn parse_dpkg_range(text: &str) -> Result<VersionRange, String> {
    VersionRange::parse(Ecosystem::Debian, text)
}

/// The upstream part of a Debian package version: `5:23.0.1-1~debian.10~buster` → `23.0.1`.
fn upstream(version: &str) -> &str {
    let v = version.split_once(':').map_or(version, |(_, r)| r);
    v.rsplit_once('-').map_or(v, |(u, _)| u)
}

/// Packages whose version is the Docker engine's, tried in order when the host's facts carry
/// no `docker version`.
const DOCKER_PACKAGES: &[&str] = &["docker-ce", "docker.io", "moby-engine", "docker-engine"];

/// The host conditions under which a cause's known explanation fits (`[when]`; all must hold).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct When {
    /// The Docker engine version is in one of these ranges (dpkg ordering).
    pub docker: Vec<VersionRange>,
    /// Each package is installed at a version in one of its ranges (the host's ordering).
    pub packages: Vec<(String, Vec<VersionRange>)>,
    /// These packages are not installed.
    pub absent: Vec<String>,
    /// These packages are installed.
    pub present: Vec<String>,
    /// The kernel's AppArmor state.
    pub kernel_apparmor: Option<bool>,
    /// The cgroup version.
    pub cgroup: Option<u8>,
    /// The kernel release is in one of these ranges (`VersionRange::parse_kernel`).
    pub kernel: Vec<VersionRange>,
}

/// One condition checked against a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// The condition (`Docker >= 23.0.0~, < 23.0.2~`, `no apparmor package`).
    pub condition: String,
    /// What the host has (`Docker 23.0.1`, `apparmor 2.13.2-10 installed`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fact: Option<String>,
    /// Whether the condition holds; `None` when the fact is unknown.
    pub holds: Option<bool>,
}

/// How well a cause's explanation fits a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The cause has no host conditions: the log lines alone decide.
    Unconditioned,
    /// Every condition holds on the host.
    Confirmed,
    /// No condition is contradicted, but some facts are unknown.
    Unknown,
    /// At least one condition does not hold: the lines matched, but the known explanation
    /// does not fit this host (look further).
    Contradicted,
}

/// A cause qualified by one host's facts ([`crate::CauseDb::qualify`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Qualification {
    /// The cause id.
    pub cause: String,
    /// The host.
    pub host: String,
    /// The hazard the cause is linked to, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hazard: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// Every condition, in the order of the cause file's keys.
    pub checks: Vec<Check>,
}

impl Qualification {
    /// One line for a report: `Docker 23.0.1 + no apparmor package + AppArmor in the kernel on
    /// node-w2: FPH-2023-0001` when confirmed; the contradicting or unknown facts otherwise.
    pub fn summary(&self) -> String {
        let facts = |want: Option<bool>| {
            self.checks
                .iter()
                .filter(|c| c.holds == want)
                .map(|c| c.fact.clone().unwrap_or_else(|| c.condition.clone()))
                .collect::<Vec<_>>()
        };
        let hazard = self
            .hazard
            .as_deref()
            .map(|h| format!(": {h}"))
            .unwrap_or_default();
        match self.verdict {
            Verdict::Unconditioned => format!("{} on {}", self.cause, self.host),
            Verdict::Confirmed => {
                format!("{} on {}{hazard}", facts(Some(true)).join(" + "), self.host)
            }
            Verdict::Unknown => {
                let held = facts(Some(true));
                let unknown: Vec<String> = self
                    .checks
                    .iter()
                    .filter(|c| c.holds.is_none())
                    .map(|c| c.condition.clone())
                    .collect();
                let mut s = if held.is_empty() {
                    format!("{} on {}{hazard}", self.cause, self.host)
                } else {
                    format!("{} on {}{hazard}", held.join(" + "), self.host)
                };
                s.push_str(&format!(" (not known: {})", unknown.join(", ")));
                s
            }
            Verdict::Contradicted => format!(
                "{} on {}: the facts do not fit {}{}",
                facts(Some(false)).join(" + "),
                self.host,
                self.cause,
                self.hazard
                    .as_deref()
                    .map(|h| format!(" ({h})"))
                    .unwrap_or_default()
            ),
        }
    }
}

impl When {
    /// Whether there are no conditions.
    pub fn is_empty(&self) -> bool {
        self == &When::default()
    }

    /// Checks every condition against the host.
    pub fn check(&self, host: &dyn HostView) -> Vec<Check> {
        let mut out = Vec::new();
        let ranges = |rs: &[VersionRange]| {
            rs.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" or ")
        };
        let pkg_cmp = |a: &str, b: &str| host.compare_versions(a, b);
        if !self.docker.is_empty() {
            let known = host.docker_version().map(str::to_owned).or_else(|| {
                if !host.packages_known() {
                    return None;
                }
                DOCKER_PACKAGES
                    .iter()
                    .find_map(|p| host.installed(p))
                    .map(|v| upstream(v).to_owned())
            });
            out.push(Check {
                condition: format!("Docker {}", ranges(&self.docker)),
                holds: known
                    .as_deref()
                    .map(|v| self.docker.iter().any(|r| r.contains(v))),
                fact: known.map(|v| format!("Docker {v}")),
            });
        }
        for (name, rs) in &self.packages {
            let (holds, fact) = if host.packages_known() {
                match host.installed(name) {
                    Some(v) => (
                        Some(rs.iter().any(|r| r.contains_by(v, &pkg_cmp))),
                        Some(format!("{name} {v}")),
                    ),
                    None => (Some(false), Some(format!("{name} not installed"))),
                }
            } else {
                (None, None)
            };
            out.push(Check {
                condition: format!("{name} {}", ranges(rs)),
                fact,
                holds,
            });
        }
        for name in &self.absent {
            let (holds, fact) = if host.packages_known() {
                match host.installed(name) {
                    Some(v) => (Some(false), format!("{name} {v} installed")),
                    None => (Some(true), format!("no {name} package")),
                }
            } else {
                (None, String::new())
            };
            out.push(Check {
                condition: format!("no {name} package"),
                fact: holds.map(|_| fact),
                holds,
            });
        }
        for name in &self.present {
            let (holds, fact) = if host.packages_known() {
                match host.installed(name) {
                    Some(v) => (Some(true), format!("{name} {v}")),
                    None => (Some(false), format!("no {name} package")),
                }
            } else {
                (None, String::new())
            };
            out.push(Check {
                condition: format!("{name} installed"),
                fact: holds.map(|_| fact),
                holds,
            });
        }
        if let Some(want) = self.kernel_apparmor {
            let say = |b: bool| {
                if b {
                    "AppArmor in the kernel"
                } else {
                    "no AppArmor in the kernel"
                }
            };
            let have = host.kernel_apparmor();
            out.push(Check {
                condition: say(want).to_owned(),
                fact: have.map(|b| say(b).to_owned()),
                holds: have.map(|b| b == want),
            });
        }
        if let Some(want) = self.cgroup {
            let have = host.cgroup_version();
            out.push(Check {
                condition: format!("cgroup v{want}"),
                fact: have.map(|v| format!("cgroup v{v}")),
                holds: have.map(|v| v == want),
            });
        }
        if !self.kernel.is_empty() {
            let have = host.kernel_release();
            out.push(Check {
                condition: format!("kernel {}", ranges(&self.kernel)),
                fact: have.map(|k| format!("kernel {k}")),
                // A release without a leading `X.Y` cannot be placed: unknown.
                holds: have
                    .filter(|k| kernel_version(k).is_some())
                    .map(|k| self.kernel.iter().any(|r| r.contains(k))),
            });
        }
        out
    }
}

/// The verdict of a list of checks.
pub(crate) fn verdict(checks: &[Check]) -> Verdict {
    if checks.is_empty() {
        Verdict::Unconditioned
    } else if checks.iter().any(|c| c.holds == Some(false)) {
        Verdict::Contradicted
    } else if checks.iter().any(|c| c.holds.is_none()) {
        Verdict::Unknown
    } else {
        Verdict::Confirmed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_of_docker_package_versions() {
        assert_eq!(upstream("5:23.0.1-1~debian.10~buster"), "23.0.1");
        // dpkg splits the revision at the last `-`.
        assert_eq!(
            upstream("5:20.10.23~3-0~debian-buster"),
            "20.10.23~3-0~debian"
        );
        assert_eq!(upstream("20.10.24+dfsg1-1+b3"), "20.10.24+dfsg1");
        assert_eq!(upstream("23.0.1"), "23.0.1");
    }
}
