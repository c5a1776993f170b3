//! Matching hazards against a host: what an upgrade would run into, and what a host already
//! runs into.

use std::collections::BTreeMap;

use crate::db::Database;
use crate::hazard::Hazard;

/// What the checks need to know about a host. Unknown facts (`None`) never hide a hazard: a
/// host whose OS or AppArmor state is unknown is warned as if the condition held.
pub trait HostView {
    /// The installed version of `package`, if installed.
    fn installed(&self, package: &str) -> Option<&str>;
    /// os-release `ID` and `VERSION_ID`, if known.
    fn os(&self) -> Option<(&str, Option<&str>)>;
    /// Whether the kernel has AppArmor enabled, if known.
    fn kernel_apparmor(&self) -> Option<bool>;
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
                out.push(Finding {
                    hazard,
                    version: to.to_string(),
                    from: change.from.clone(),
                    introduced,
                    verdict: verdict(hazard, host, |p| after.installed(p).is_some()),
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
            out.push(Finding {
                hazard,
                version: v.to_string(),
                from: None,
                introduced: false,
                verdict: verdict(hazard, host, |p| host.installed(p).is_some()),
            });
        }
        out
    }
}

fn verdict<H: HostView>(
    hazard: &Hazard,
    host: &H,
    installed_after: impl Fn(&str) -> bool,
) -> Verdict {
    let mut unknown = Vec::new();
    if let Some(want) = hazard.when.kernel_apparmor {
        match host.kernel_apparmor() {
            Some(have) if have != want => {
                return Verdict::Avoided {
                    reason: format!(
                        "the kernel has AppArmor {}",
                        if have { "enabled" } else { "disabled" }
                    ),
                };
            }
            Some(_) => {}
            None => unknown.push("kernel AppArmor state"),
        }
    }
    if hazard.requires_packages.is_empty() {
        return Verdict::Breaks {
            missing: Vec::new(),
            unknown,
        };
    }
    let missing: Vec<String> = hazard
        .requires_packages
        .iter()
        .filter(|p| !installed_after(p))
        .cloned()
        .collect();
    if missing.is_empty() {
        Verdict::Avoided {
            reason: format!("{} installed", hazard.requires_packages.join(", ")),
        }
    } else {
        Verdict::Breaks { missing, unknown }
    }
}
