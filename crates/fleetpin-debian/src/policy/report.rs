//! The policy of one package in the stable shape of `fleetpin debian policy --format json`.

use crate::version::Version;

use super::{Cache, Package};

impl Cache {
    /// The policy of one package in the stable, documented shape of
    /// `fleetpin debian policy --format json`.
    pub fn report(&self, pkg: &Package) -> PackagePolicy {
        let cand = self.candidate(pkg);
        PackagePolicy {
            name: pkg.name.clone(),
            architecture: pkg.arch.clone(),
            installed: pkg.current.map(|i| pkg.versions[i].version.clone()),
            candidate: cand.map(|i| pkg.versions[i].version.clone()),
            selection: pkg.status.map(|s| s.selection),
            held: pkg.status.is_some_and(|s| s.is_held()),
            versions: pkg
                .versions
                .iter()
                .enumerate()
                .map(|(i, v)| VersionPolicy {
                    version: v.version.clone(),
                    priority: self.priority(pkg, i),
                    installed: pkg.current == Some(i),
                    candidate: cand == Some(i),
                    pinned: v.pin.is_some(),
                    // Indexes in load order, the status file last (as apt-cache policy).
                    sources: v
                        .files
                        .iter()
                        .filter(|&&f| !self.files[f].is_status)
                        .chain(v.files.iter().filter(|&&f| self.files[f].is_status))
                        .map(|&f| {
                            let file = &self.files[f];
                            SourcePolicy {
                                priority: file.priority,
                                index: file.describe.clone(),
                                release: file.release_line(),
                                origin: file.site.clone(),
                            }
                        })
                        .collect(),
                })
                .collect(),
        }
    }
}

/// The policy of one package (JSON output of `fleetpin debian policy`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct PackagePolicy {
    /// Package name.
    pub name: String,
    /// Architecture.
    pub architecture: String,
    /// Installed version, or null.
    pub installed: Option<Version>,
    /// Candidate version, or null when nothing can be installed.
    pub candidate: Option<Version>,
    /// dpkg selection (`install`, `hold`, ...) when the status file lists the package.
    pub selection: Option<crate::status::Selection>,
    /// Whether the package is on hold.
    pub held: bool,
    /// Every known version, highest first.
    pub versions: Vec<VersionPolicy>,
}

/// One version in [`PackagePolicy`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct VersionPolicy {
    /// The version.
    pub version: Version,
    /// Its priority (what apt-cache policy prints next to it).
    pub priority: i32,
    /// Whether it is installed.
    pub installed: bool,
    /// Whether it is the candidate.
    pub candidate: bool,
    /// Whether a specific preferences stanza pins it.
    pub pinned: bool,
    /// The indexes that list it.
    pub sources: Vec<SourcePolicy>,
}

/// One index listing a version.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SourcePolicy {
    /// The index priority.
    pub priority: i32,
    /// The index, as apt-cache policy names it.
    pub index: String,
    /// The `release` line (`v=..,o=..,a=..,n=..,l=..,c=..,b=..`).
    pub release: String,
    /// The URI host (`origin` line), null for the status file.
    pub origin: Option<String>,
}
