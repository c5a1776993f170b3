//! The plan printed by `apt-get -s upgrade|dist-upgrade|install ...` (run it with
//! `LC_ALL=C`): `Inst`, `Conf`, `Remv` and `Purg` lines become [`PlannedChange`]s; every other
//! line (headers, package lists, notes) is ignored.
//!
//! Line shapes (apt's `pkgSimulate`):
//! `Inst NAME [OLD] (NEW LABEL:VERSION/SUITE[, ...] [ARCH]) [BROKEN...]`,
//! `Conf NAME (NEW LABEL:VERSION/SUITE [ARCH])`, `Remv NAME [OLD] [...]`.

use std::cmp::Ordering;

use crate::version::{Version, VersionError};

/// What apt will do to a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// `Inst`: unpack a new version.
    Install,
    /// `Conf`: configure it.
    Configure,
    /// `Remv`: remove it.
    Remove,
    /// `Purg`: remove with its configuration.
    Purge,
}

/// How an `Inst` line changes the installed version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Not installed before.
    New,
    /// A higher version.
    Upgrade,
    /// A lower version.
    Downgrade,
    /// The same version again.
    Reinstall,
    /// A removal (`Remv` / `Purg`).
    Removal,
    /// A `Conf` line.
    Configure,
}

/// One planned change.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlannedChange {
    /// The action.
    pub action: Action,
    /// Package name (without architecture).
    pub package: String,
    /// Architecture from `name:arch` or the `[arch]` of the version part.
    pub architecture: Option<String>,
    /// Installed version before (`[OLD]`).
    pub old_version: Option<Version>,
    /// Version to install or configure.
    pub new_version: Option<Version>,
    /// Where the new version comes from: `LABEL:VERSION/SUITE` entries.
    pub releases: Vec<String>,
    /// 1-based line in the output.
    pub line: usize,
}

impl PlannedChange {
    /// Classifies the change by comparing old and new versions.
    pub fn kind(&self) -> ChangeKind {
        match self.action {
            Action::Remove | Action::Purge => ChangeKind::Removal,
            Action::Configure => ChangeKind::Configure,
            Action::Install => match (&self.old_version, &self.new_version) {
                (None, _) => ChangeKind::New,
                (Some(o), Some(n)) => match n.cmp(o) {
                    Ordering::Greater => ChangeKind::Upgrade,
                    Ordering::Less => ChangeKind::Downgrade,
                    Ordering::Equal => ChangeKind::Reinstall,
                },
                (Some(_), None) => ChangeKind::Reinstall,
            },
        }
    }
}

/// A malformed `Inst`/`Conf`/`Remv`/`Purg` line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AptSimError {
    /// The line does not have the expected shape.
    #[error("line {line}: malformed `{action}` line: {text}")]
    Malformed {
        /// 1-based line.
        line: usize,
        /// The verb.
        action: String,
        /// The line.
        text: String,
    },
    /// A version in the line that dpkg would reject.
    #[error("line {line}: bad version `{version}`")]
    Version {
        /// 1-based line.
        line: usize,
        /// The version text.
        version: String,
        /// Why.
        #[source]
        source: VersionError,
    },
}

/// Parses `apt-get -s` output. Malformed action lines are returned as errors alongside the
/// changes that did parse.
pub fn parse(output: &str) -> (Vec<PlannedChange>, Vec<AptSimError>) {
    let mut changes = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in output.lines().enumerate() {
        let line = raw.trim_end();
        let (action, rest) = match line.split_once(' ') {
            Some(("Inst", r)) => (Action::Install, r),
            Some(("Conf", r)) => (Action::Configure, r),
            Some(("Remv", r)) => (Action::Remove, r),
            Some(("Purg", r)) => (Action::Purge, r),
            _ => continue,
        };
        match parse_line(action, rest, i + 1) {
            Ok(c) => changes.push(c),
            Err(e) => errors.push(e),
        }
    }
    (changes, errors)
}

fn parse_line(action: Action, rest: &str, line: usize) -> Result<PlannedChange, AptSimError> {
    let malformed = || AptSimError::Malformed {
        line,
        action: format!("{action:?}"),
        text: rest.to_string(),
    };
    let ver = |s: &str| {
        Version::parse(s).map_err(|source| AptSimError::Version {
            line,
            version: s.to_string(),
            source,
        })
    };
    let rest = rest.trim();
    let (name, mut rest) = match rest.find(' ') {
        Some(i) => (&rest[..i], rest[i + 1..].trim_start()),
        None => (rest, ""),
    };
    if name.is_empty() {
        return Err(malformed());
    }
    let (package, mut architecture) = match name.split_once(':') {
        Some((n, a)) => (n.to_string(), Some(a.to_string())),
        None => (name.to_string(), None),
    };
    let mut old_version = None;
    if let Some(r) = rest.strip_prefix('[') {
        let (old, after) = r.split_once(']').ok_or_else(malformed)?;
        old_version = Some(ver(old.trim())?);
        rest = after.trim_start();
    }
    let mut new_version = None;
    let mut releases = Vec::new();
    if let Some(r) = rest.strip_prefix('(') {
        let close = r.rfind(')').ok_or_else(malformed)?;
        let inner = &r[..close];
        let (v, mut tail) = match inner.find(' ') {
            Some(i) => (&inner[..i], inner[i + 1..].trim()),
            None => (inner, ""),
        };
        new_version = Some(ver(v)?);
        if tail.ends_with(']')
            && let Some(open) = tail.rfind('[')
        {
            architecture = Some(tail[open + 1..tail.len() - 1].to_string());
            tail = tail[..open].trim_end();
        }
        releases = tail
            .split(", ")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
    } else if matches!(action, Action::Install | Action::Configure) {
        return Err(malformed());
    }
    Ok(PlannedChange {
        action,
        package,
        architecture,
        old_version,
        new_version,
        releases,
        line,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const OUTPUT: &str = "\
NOTE: This is only a simulation!
      apt-get needs root privileges for real execution.
Reading package lists...
Building dependency tree...
The following packages will be upgraded:
  containerd.io docker-ce
Inst containerd.io [1.6.16-1] (1.6.18-1 Docker CE:10/buster [amd64])
Inst docker-ce [5:20.10.23~3-0~debian-buster] (5:23.0.1-1~debian.10~buster Docker CE:10/buster [amd64]) []
Inst libc6:i386 (2.36-9+deb12u7 Debian:12.7/stable, Debian-Security:12/stable-security [i386])
Inst tzdata [2024a-0+deb12u1] (2023c-5+deb12u1 Debian:12.7/stable [all])
Remv apparmor [3.0.8-3]
Purg oldpkg [1.0] [foo ]
Conf containerd.io (1.6.18-1 Docker CE:10/buster [amd64])
Inst broken [1.0
Inst badver (1.0- Debian:12/stable [amd64])
";

    #[test]
    fn parses_plan() {
        let (c, e) = parse(OUTPUT);
        assert_eq!(c.len(), 7);
        assert_eq!(e.len(), 2);
        assert_eq!(c[0].kind(), ChangeKind::Upgrade);
        assert_eq!(c[0].releases, ["Docker CE:10/buster"]);
        assert_eq!(c[1].package, "docker-ce");
        assert_eq!(
            c[1].old_version.as_ref().unwrap().to_string(),
            "5:20.10.23~3-0~debian-buster"
        );
        assert_eq!(c[1].kind(), ChangeKind::Upgrade);
        assert_eq!(c[2].kind(), ChangeKind::New);
        assert_eq!(c[2].architecture.as_deref(), Some("i386"));
        assert_eq!(c[2].releases.len(), 2);
        assert_eq!(c[3].kind(), ChangeKind::Downgrade);
        assert_eq!(c[3].architecture.as_deref(), Some("all"));
        assert_eq!(c[4].kind(), ChangeKind::Removal);
        assert_eq!(c[5].action, Action::Purge);
        assert_eq!(c[6].kind(), ChangeKind::Configure);
        assert_eq!(c[6].line, 13);
        assert!(matches!(e[0], AptSimError::Malformed { line: 14, .. }));
        assert!(matches!(e[1], AptSimError::Version { line: 15, .. }));
    }
}
