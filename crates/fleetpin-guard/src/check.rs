//! Matching hazards against a host: what an upgrade would run into, and what a host already
//! runs into.

use std::collections::BTreeMap;

use crate::db::Database;
use crate::hazard::{Hazard, IptablesBackend, kernel_version};

/// What the checks need to know about a host. Unknown facts (`None`) never hide a hazard: a
/// host whose OS or AppArmor state is unknown is warned as if the condition held.
pub trait HostView {
    /// The installed version of `package`, if installed.
    fn installed(&self, package: &str) -> Option<&str>;
    /// os-release `ID` and `VERSION_ID`, if known.
    fn os(&self) -> Option<(&str, Option<&str>)>;
    /// Whether the kernel has AppArmor enabled, if known.
    fn kernel_apparmor(&self) -> Option<bool>;
    /// The cgroup hierarchy (`1`: legacy or hybrid, `2`: unified), if known.
    fn cgroup_version(&self) -> Option<u8> {
        None
    }
    /// The kernel release (`uname -r`), if known.
    fn kernel_release(&self) -> Option<&str> {
        None
    }
    /// The backend of the `iptables` command, if known.
    fn iptables_backend(&self) -> Option<IptablesBackend> {
        None
    }
}

/// A simple owned [`HostView`]: guard's own plain input. Callers holding richer host facts
/// (`fleetpin gather`'s, say) convert them into this; guard depends on no facts crate.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostState {
    /// Installed packages and their versions.
    pub packages: BTreeMap<String, String>,
    /// os-release `ID`.
    pub os_id: Option<String>,
    /// os-release `VERSION_ID`.
    pub os_version_id: Option<String>,
    /// `/sys/module/apparmor/parameters/enabled`.
    pub kernel_apparmor: Option<bool>,
    /// The cgroup hierarchy: `1` (legacy or hybrid) or `2` (unified).
    pub cgroup_version: Option<u8>,
    /// `uname -r`.
    pub kernel_release: Option<String>,
    /// The backend of the `iptables` command.
    pub iptables_backend: Option<IptablesBackend>,
}

impl HostView for HostState {
    fn installed(&self, package: &str) -> Option<&str> {
        self.packages.get(package).map(String::as_str)
    }
    fn os(&self) -> Option<(&str, Option<&str>)> {
        self.os_id
            .as_deref()
            .map(|id| (id, self.os_version_id.as_deref()))
    }
    fn kernel_apparmor(&self) -> Option<bool> {
        self.kernel_apparmor
    }
    fn cgroup_version(&self) -> Option<u8> {
        self.cgroup_version
    }
    fn kernel_release(&self) -> Option<&str> {
        self.kernel_release.as_deref()
    }
    fn iptables_backend(&self) -> Option<IptablesBackend> {
        self.iptables_backend
    }
}

/// A package change an upgrade would make on a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The package.
    pub package: String,
    /// The version installed now (`None`: a new install).
    pub from: Option<String>,
    /// The version after the change (`None`: a removal).
    pub to: Option<String>,
}

/// Whether a matched hazard bites.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The host would break: the conditions hold (or are unknown) and these packages that
    /// avoid it are absent (empty for hazards that nothing on the host avoids).
    Breaks {
        /// Packages of `[requires]` the host lacks after the change.
        missing: Vec<String>,
        /// Conditions that could not be checked for lack of facts (e.g. `kernel AppArmor state`).
        unknown: Vec<&'static str>,
    },
    /// The version is affected but the host avoids the hazard: the required packages are
    /// present (after the change) or a condition does not hold.
    Avoided {
        /// Why.
        reason: String,
    },
}

/// A hazard matched against one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding<'db> {
    /// The hazard.
    pub hazard: &'db Hazard,
    /// The affected version the host would run (or runs).
    pub version: String,
    /// The version it runs now, when the finding is about a change.
    pub from: Option<String>,
    /// Whether the change introduces the hazard (the current version is not affected).
    pub introduced: bool,
    /// Whether it bites.
    pub verdict: Verdict,
    /// The host conditions of the entry that were checked and hold (`kernel AppArmor
    /// enabled`, `cgroup v1`, `containerd.io 1.5.9-1 installed`): why it matched.
    pub conditions: Vec<String>,
}

impl Finding<'_> {
    /// Whether the host would break.
    #[must_use]
    pub fn breaks(&self) -> bool {
        matches!(self.verdict, Verdict::Breaks { .. })
    }
}

/// The host as it would be after `changes`.
struct After<'a, H: HostView> {
    host: &'a H,
    changes: &'a [Change],
}

impl<H: HostView> After<'_, H> {
    fn installed(&self, package: &str) -> Option<&str> {
        match self.changes.iter().rev().find(|c| c.package == package) {
            Some(c) => c.to.as_deref(),
            None => self.host.installed(package),
        }
    }
}

impl Database {
    /// The hazards the `changes` would run into on `host` (one finding per hazard and change
    /// whose new version is affected, on a covered OS), judged on the host as it would be after
    /// all the changes: installing `apparmor` in the same upgrade avoids the Docker 23 hazard.
    #[must_use]
    pub fn check_changes<'db, H: HostView>(
        &'db self,
        host: &H,
        changes: &[Change],
    ) -> Vec<Finding<'db>> {
        let after = After { host, changes };
        let mut out = Vec::new();
        for change in changes {
            let Some(to) = change.to.as_deref() else {
                continue;
            };
            for hazard in self.for_package(&change.package) {
                if !hazard.covers_os(host.os()) || !hazard.affects(to) {
                    continue;
                }
                let introduced = change.from.as_deref().is_none_or(|f| !hazard.affects(f));
                let (verdict, conditions) = verdict(hazard, host, |p| after.installed(p));
                out.push(Finding {
                    hazard,
                    version: to.to_string(),
                    from: change.from.clone(),
                    introduced,
                    verdict,
                    conditions,
                });
            }
        }
        out
    }

    /// The hazards `host` runs into with what it has installed now.
    #[must_use]
    pub fn check_installed<'db, H: HostView>(&'db self, host: &H) -> Vec<Finding<'db>> {
        let mut out = Vec::new();
        for hazard in self.hazards() {
            let Some(v) = host.installed(&hazard.package) else {
                continue;
            };
            if !hazard.covers_os(host.os()) || !hazard.affects(v) {
                continue;
            }
            let (verdict, conditions) = verdict(hazard, host, |p| host.installed(p));
            out.push(Finding {
                hazard,
                version: v.to_string(),
                from: None,
                introduced: false,
                verdict,
                conditions,
            });
        }
        out
    }
}

/// Judges `hazard` on `host`, whose packages (after the changes, if any) `installed_after`
/// gives: the verdict and the conditions that were checked and hold.
fn verdict<'h, H: HostView>(
    hazard: &Hazard,
    host: &'h H,
    installed_after: impl Fn(&str) -> Option<&'h str>,
) -> (Verdict, Vec<String>) {
    let mut unknown = Vec::new();
    let mut held = Vec::new();
    let when = &hazard.when;
    let avoided = |reason: String| (Verdict::Avoided { reason }, Vec::new());
    if let Some(want) = when.kernel_apparmor {
        let state = |on: bool| if on { "enabled" } else { "disabled" };
        match host.kernel_apparmor() {
            Some(have) if have != want => {
                return avoided(format!("the kernel has AppArmor {}", state(have)));
            }
            Some(_) => held.push(format!("kernel AppArmor {}", state(want))),
            None => unknown.push("kernel AppArmor state"),
        }
    }
    if let Some(want) = when.cgroup {
        match host.cgroup_version() {
            Some(have) if have != want => {
                return avoided(format!("the host runs cgroup v{have}"));
            }
            Some(_) => held.push(format!("cgroup v{want}")),
            None => unknown.push("cgroup version"),
        }
    }
    if !when.kernel.is_empty() {
        // A release without a leading `X.Y` version cannot be placed: unknown, not spared.
        match host
            .kernel_release()
            .and_then(|r| Some((r, kernel_version(r)?)))
        {
            Some((release, v)) => {
                if !when.kernel.iter().any(|r| r.contains(v)) {
                    return avoided(format!("kernel {release} is outside the affected kernels"));
                }
                held.push(format!("kernel {release}"));
            }
            None => unknown.push("kernel release"),
        }
    }
    if let Some(want) = when.iptables_backend {
        match host.iptables_backend() {
            Some(have) if have != want => {
                return avoided(format!("iptables uses the {have} backend"));
            }
            Some(_) => held.push(format!("iptables {want} backend")),
            None => unknown.push("iptables backend"),
        }
    }
    for clause in &when.installed {
        let hit = clause.0.iter().find_map(|req| {
            let v = installed_after(&req.package);
            req.holds(v)
                .then(|| format!("{} {} installed", req.package, v.unwrap_or_default()))
        });
        match hit {
            Some(h) => held.push(h),
            None => return avoided(format!("no {clause} installed")),
        }
    }
    if hazard.requires_packages.is_empty() {
        return (
            Verdict::Breaks {
                missing: Vec::new(),
                unknown,
            },
            held,
        );
    }
    let missing: Vec<String> = hazard
        .requires_packages
        .iter()
        .filter(|p| installed_after(p).is_none())
        .cloned()
        .collect();
    if missing.is_empty() {
        avoided(format!("{} installed", hazard.requires_packages.join(", ")))
    } else {
        held.extend(missing.iter().map(|m| format!("{m} not installed")));
        (Verdict::Breaks { missing, unknown }, held)
    }
}
