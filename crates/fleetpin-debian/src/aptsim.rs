//! The plan printed by `apt-get -s upgrade|dist-upgrade|install ...` (run it with
//! `LC_ALL=C`): [`parse_simulation`] reads the `Inst`, `Conf`, `Remv` and `Purg` lines as
//! [`PlannedChange`]s and the lists apt prints before them (NEW, upgraded, kept back, held,
//! REMOVED, "Recommended packages", "Suggested packages", ...) into a [`Simulation`];
//! [`parse`] keeps only the action lines.
//!
//! The output may come from a host fleetpin does not trust (over SSH, or from an Ansible
//! run's JSON): a line with control characters, a package name apt could not print, a
//! version dpkg would reject or an over-long line is an error naming its line, never shown
//! raw, and the rest of the output is still read.
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
    /// A package name (in a list) that apt could not have printed.
    #[error("line {line}: not a package name: `{name}`")]
    Name {
        /// 1-based line.
        line: usize,
        /// The token, escaped and shortened.
        name: String,
    },
    /// A line with control characters (terminal escapes, NUL, carriage return, ...).
    #[error("line {line}: control characters in apt output: `{text}`")]
    Control {
        /// 1-based line.
        line: usize,
        /// The line, escaped and shortened.
        text: String,
    },
    /// A line that is not UTF-8 (apt under `LC_ALL=C` prints ASCII).
    #[error("line {line}: apt output is not UTF-8")]
    Encoding {
        /// 1-based line.
        line: usize,
    },
    /// A line longer than [`MAX_LINE`] bytes.
    #[error("line {line}: {len}-byte line in apt output (longer than any apt prints)")]
    TooLong {
        /// 1-based line.
        line: usize,
        /// Its length in bytes.
        len: usize,
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

/// Parses the action lines of `apt-get -s` output (see [`parse_simulation`] for the lists).
/// Malformed lines are returned as errors alongside the changes that did parse.
pub fn parse(output: &str) -> (Vec<PlannedChange>, Vec<AptSimError>) {
    let (sim, errors) = parse_simulation(output);
    (sim.changes, errors)
}

fn parse_line(action: Action, rest: &str, line: usize) -> Result<PlannedChange, AptSimError> {
    let malformed = || AptSimError::Malformed {
        line,
        action: format!("{action:?}"),
        text: shown(rest),
    };
    let ver = |s: &str| {
        Version::parse(s).map_err(|source| AptSimError::Version {
            line,
            version: shown(s),
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
    let PackageRef {
        name: package,
        mut architecture,
    } = PackageRef::parse(name).ok_or_else(|| AptSimError::Name {
        line,
        name: shown(name),
    })?;
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
            let arch = &tail[open + 1..tail.len() - 1];
            if PackageRef::parse(&format!("x:{arch}")).is_none() {
                return Err(malformed());
            }
            architecture = Some(arch.to_string());
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

/// A package named in one of apt's lists (`name` or `name:arch`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct PackageRef {
    /// Package name.
    pub name: String,
    /// Architecture qualifier, when apt printed one.
    pub architecture: Option<String>,
}

impl std::fmt::Display for PackageRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.architecture {
            Some(a) => write!(f, "{}:{a}", self.name),
            None => f.write_str(&self.name),
        }
    }
}

impl PackageRef {
    /// Parses `name` or `name:arch`; `None` unless both parts are names apt could print
    /// (ASCII letters, digits, `+ - . _`, starting with a letter or digit; architectures in
    /// lower case), so hostile text never passes for a package.
    pub fn parse(token: &str) -> Option<PackageRef> {
        let (name, arch) = match token.split_once(':') {
            Some((n, a)) => (n, Some(a)),
            None => (token, None),
        };
        let name_ok = !name.is_empty()
            && name.len() <= 256
            && name.as_bytes()[0].is_ascii_alphanumeric()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.' | b'_'));
        let arch_ok = arch.is_none_or(|a| {
            !a.is_empty()
                && a.len() <= 64
                && a.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
        (name_ok && arch_ok).then(|| PackageRef {
            name: name.to_string(),
            architecture: arch.map(str::to_string),
        })
    }
}

/// The counts line: `N upgraded, N newly installed, [N downgraded, ]N to remove and N not
/// upgraded.` (apt ≤ 2.8), or `Upgrading: N, Installing: N, Removing: N, Not Upgrading: N`
/// under `Summary:` (apt ≥ 2.9).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Packages upgraded.
    pub upgraded: u64,
    /// Packages newly installed.
    pub newly_installed: u64,
    /// Packages downgraded.
    pub downgraded: u64,
    /// Packages removed.
    pub removed: u64,
    /// Installed packages with a newer candidate that stay as they are.
    pub not_upgraded: u64,
}

/// Severity of an apt message line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageLevel {
    /// `E:` — apt gave up (the simulation did not run to the end).
    Error,
    /// `W:`.
    Warning,
    /// `N:`.
    Notice,
}

/// An `E:` / `W:` / `N:` line apt printed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    /// Its severity.
    pub level: MessageLevel,
    /// The text after the prefix.
    pub text: String,
    /// 1-based line in the output.
    pub line: usize,
}

/// Everything `apt-get -s` says it would do: the action lines and the lists it prints
/// before them.
///
/// The lists are read in both layouts apt has used: the `The following ... :` sentences of
/// apt ≤ 2.8 (Debian 10–12) and the short headings of apt ≥ 2.9 (`Installing:`,
/// `Upgrading:`, `Not upgrading:`, ...). apt ≥ 2.9 lists requested new packages under
/// `Installing:` and the ones pulled in under `Installing dependencies:`; both land in
/// [`Simulation::new`], the latter also in [`Simulation::additional`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Simulation {
    /// `Inst` / `Conf` / `Remv` / `Purg` lines, in order.
    pub changes: Vec<PlannedChange>,
    /// Packages not installed before ("NEW packages").
    pub new: Vec<PackageRef>,
    /// Packages installed or upgraded that were not asked for ("additional packages").
    pub additional: Vec<PackageRef>,
    /// Packages upgraded.
    pub upgraded: Vec<PackageRef>,
    /// Packages downgraded.
    pub downgraded: Vec<PackageRef>,
    /// Packages removed.
    pub removed: Vec<PackageRef>,
    /// Upgradable packages that stay as they are ("kept back" / "Not upgrading").
    pub kept_back: Vec<PackageRef>,
    /// Held packages the operation would change (with `-y` and without
    /// `--allow-change-held-packages` apt refuses: see [`Simulation::refused_held`]).
    pub held_changed: Vec<PackageRef>,
    /// Upgrades deferred by phased updates.
    pub phased: Vec<PackageRef>,
    /// Automatically installed packages no longer required (an `autoremove` would remove them).
    pub auto_removable: Vec<PackageRef>,
    /// Essential packages the operation would remove.
    pub essential_removed: Vec<PackageRef>,
    /// "Recommended packages": Recommends of the new versions that will not be installed;
    /// each entry is a list of alternatives (`a | b`).
    pub recommended: Vec<Vec<PackageRef>>,
    /// "Suggested packages", as alternatives.
    pub suggested: Vec<Vec<PackageRef>>,
    /// The lines under "The following packages have unmet dependencies:", trimmed.
    pub unmet: Vec<String>,
    /// The counts line.
    pub summary: Option<Summary>,
    /// `E:`, `W:`, `N:` lines.
    pub messages: Vec<Message>,
}

impl Simulation {
    /// Whether apt printed an `E:` line (the plan was not carried out to the end).
    pub fn failed(&self) -> bool {
        self.messages.iter().any(|m| m.level == MessageLevel::Error)
    }

    /// Whether apt refused to change held packages (`-y` without
    /// `--allow-change-held-packages`, as Ansible's apt module runs it).
    pub fn refused_held(&self) -> bool {
        !self.held_changed.is_empty()
            && self
                .messages
                .iter()
                .any(|m| m.level == MessageLevel::Error && m.text.contains("Held packages"))
    }

    /// The `Inst` lines: packages unpacked at a new (or the same) version.
    pub fn installs(&self) -> impl Iterator<Item = &PlannedChange> {
        self.changes.iter().filter(|c| c.action == Action::Install)
    }
}

/// Which list a heading opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    New,
    NewDependencies,
    Additional,
    Upgraded,
    Downgraded,
    Removed,
    KeptBack,
    HeldChanged,
    Phased,
    AutoRemovable,
    Essential,
    Recommended,
    Suggested,
    Unmet,
    Summary,
    /// A list fleetpin does not keep ("The following information may help ...").
    Ignored,
}

/// Headings of apt ≤ 2.8 and apt ≥ 2.9 (LC_ALL=C), exact lines.
const HEADINGS: &[(&str, Section)] = &[
    (
        "The following NEW packages will be installed:",
        Section::New,
    ),
    (
        "The following additional packages will be installed:",
        Section::Additional,
    ),
    (
        "The following packages will be upgraded:",
        Section::Upgraded,
    ),
    (
        "The following packages will be DOWNGRADED:",
        Section::Downgraded,
    ),
    ("The following packages will be REMOVED:", Section::Removed),
    (
        "The following packages have been kept back:",
        Section::KeptBack,
    ),
    (
        "The following held packages will be changed:",
        Section::HeldChanged,
    ),
    (
        "The following upgrades have been deferred due to phasing:",
        Section::Phased,
    ),
    (
        "The following packages were automatically installed and are no longer required:",
        Section::AutoRemovable,
    ),
    (
        "The following package was automatically installed and is no longer required:",
        Section::AutoRemovable,
    ),
    (
        "WARNING: The following essential packages will be removed.",
        Section::Essential,
    ),
    (
        "The following packages have unmet dependencies:",
        Section::Unmet,
    ),
    ("Recommended packages:", Section::Recommended),
    ("Suggested packages:", Section::Suggested),
    // apt >= 2.9
    ("Installing:", Section::New),
    ("Installing dependencies:", Section::NewDependencies),
    ("Upgrading:", Section::Upgraded),
    ("Downgrading:", Section::Downgraded),
    ("REMOVING:", Section::Removed),
    ("Not upgrading:", Section::KeptBack),
    ("Changing held packages:", Section::HeldChanged),
    ("Not upgrading yet due to phasing:", Section::Phased),
    ("Summary:", Section::Summary),
    (
        "The following information may help to resolve the situation:",
        Section::Ignored,
    ),
];

/// Longest line read; apt never prints one near this (a hostile remote might).
pub const MAX_LINE: usize = 64 * 1024;

/// Text of a hostile line, safe to show on a terminal: escaped and shortened.
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(120).flat_map(char::escape_debug).collect();
    if s.chars().nth(120).is_some() {
        out.push('…');
    }
    out
}

/// Parses everything `apt-get -s` (`LC_ALL=C`) prints. Lines that do not parse are returned as
/// errors, each with its line; the rest of the output is still read.
pub fn parse_simulation(output: &str) -> (Simulation, Vec<AptSimError>) {
    let mut sim = Simulation::default();
    let mut errors = Vec::new();
    let mut section: Option<Section> = None;
    for (i, raw) in output.lines().enumerate() {
        let line_no = i + 1;
        if raw.len() > MAX_LINE {
            errors.push(AptSimError::TooLong {
                line: line_no,
                len: raw.len(),
            });
            section = None;
            continue;
        }
        if raw.chars().any(|c| c.is_control() && c != '\t') {
            errors.push(AptSimError::Control {
                line: line_no,
                text: shown(raw),
            });
            continue;
        }
        let line = raw.trim_end();
        if line.is_empty() {
            section = None;
            continue;
        }
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(s) = section {
                read_entries(&mut sim, s, line, line_no, &mut errors);
            }
            continue;
        }
        if let Some((_, s)) = HEADINGS.iter().find(|(h, _)| *h == line) {
            section = Some(*s);
            continue;
        }
        if section == Some(Section::Essential)
            && line.starts_with("This should NOT be done unless you know exactly")
        {
            continue;
        }
        section = None;
        let message = match line.split_once(": ") {
            Some(("E", t)) => Some((MessageLevel::Error, t)),
            Some(("W", t)) => Some((MessageLevel::Warning, t)),
            Some(("N", t)) => Some((MessageLevel::Notice, t)),
            _ => None,
        };
        if let Some((level, text)) = message {
            sim.messages.push(Message {
                level,
                text: text.to_string(),
                line: line_no,
            });
            continue;
        }
        let action = match line.split_once(' ') {
            Some(("Inst", r)) => Some((Action::Install, r)),
            Some(("Conf", r)) => Some((Action::Configure, r)),
            Some(("Remv", r)) => Some((Action::Remove, r)),
            Some(("Purg", r)) => Some((Action::Purge, r)),
            _ => None,
        };
        if let Some((action, rest)) = action {
            match parse_line(action, rest, line_no) {
                Ok(c) => sim.changes.push(c),
                Err(e) => errors.push(e),
            }
            continue;
        }
        if line.as_bytes()[0].is_ascii_digit() && line.contains(" upgraded, ") {
            match parse_counts(line, line_no) {
                Ok(s) => sim.summary = Some(s),
                Err(e) => errors.push(e),
            }
        }
    }
    (sim, errors)
}

/// [`parse_simulation`] over raw bytes (what a remote command printed): a line that is not
/// UTF-8 is an [`AptSimError::Encoding`] error and reads as an empty line.
pub fn parse_simulation_bytes(output: &[u8]) -> (Simulation, Vec<AptSimError>) {
    match std::str::from_utf8(output) {
        Ok(s) => parse_simulation(s),
        Err(_) => {
            let mut text = String::with_capacity(output.len());
            let mut bad = Vec::new();
            for (i, line) in output.split(|&b| b == b'\n').enumerate() {
                match std::str::from_utf8(line) {
                    Ok(l) => text.push_str(l),
                    Err(_) => bad.push(AptSimError::Encoding { line: i + 1 }),
                }
                text.push('\n');
            }
            let (sim, mut errors) = parse_simulation(&text);
            errors.extend(bad);
            errors.sort_by_key(AptSimError::line);
            (sim, errors)
        }
    }
}

impl AptSimError {
    /// The 1-based line the error is about.
    pub fn line(&self) -> usize {
        match self {
            AptSimError::Malformed { line, .. }
            | AptSimError::Name { line, .. }
            | AptSimError::Control { line, .. }
            | AptSimError::Encoding { line }
            | AptSimError::TooLong { line, .. }
            | AptSimError::Version { line, .. } => *line,
        }
    }
}

fn read_entries(
    sim: &mut Simulation,
    section: Section,
    line: &str,
    line_no: usize,
    errors: &mut Vec<AptSimError>,
) {
    match section {
        Section::Ignored => return,
        Section::Unmet => {
            sim.unmet.push(line.trim().to_string());
            return;
        }
        Section::Summary => {
            let t = line.trim();
            if t.starts_with("Upgrading: ") || t.starts_with("Installing: ") {
                match parse_counts(t, line_no) {
                    Ok(s) => sim.summary = Some(s),
                    Err(e) => errors.push(e),
                }
            }
            return;
        }
        _ => {}
    }
    // Entries are separated by blanks; `a | b` is one entry with alternatives; a
    // parenthesised note (`(1.0 => 2.0)` with Show-Versions, `(due to x)`) belongs to the
    // entry before it.
    let mut groups: Vec<Vec<PackageRef>> = Vec::new();
    let mut join_next = false;
    let mut in_note = false;
    for tok in line.split_whitespace() {
        if in_note {
            in_note = !tok.ends_with(')');
            continue;
        }
        if tok.starts_with('(') {
            in_note = !tok.ends_with(')');
            continue;
        }
        if tok == "|" {
            join_next = true;
            continue;
        }
        let Some(p) = PackageRef::parse(tok) else {
            errors.push(AptSimError::Name {
                line: line_no,
                name: shown(tok),
            });
            join_next = false;
            continue;
        };
        match groups.last_mut() {
            Some(g) if join_next => g.push(p),
            _ => groups.push(vec![p]),
        }
        join_next = false;
    }
    let flat = |groups: Vec<Vec<PackageRef>>| groups.into_iter().flatten();
    match section {
        Section::New => sim.new.extend(flat(groups)),
        Section::NewDependencies => {
            let v: Vec<PackageRef> = flat(groups).collect();
            sim.additional.extend(v.iter().cloned());
            sim.new.extend(v);
        }
        Section::Additional => sim.additional.extend(flat(groups)),
        Section::Upgraded => sim.upgraded.extend(flat(groups)),
        Section::Downgraded => sim.downgraded.extend(flat(groups)),
        Section::Removed => sim.removed.extend(flat(groups)),
        Section::KeptBack => sim.kept_back.extend(flat(groups)),
        Section::HeldChanged => sim.held_changed.extend(flat(groups)),
        Section::Phased => sim.phased.extend(flat(groups)),
        Section::AutoRemovable => sim.auto_removable.extend(flat(groups)),
        Section::Essential => sim.essential_removed.extend(flat(groups)),
        Section::Recommended => sim.recommended.extend(groups),
        Section::Suggested => sim.suggested.extend(groups),
        Section::Unmet | Section::Summary | Section::Ignored => {}
    }
}

/// `2 upgraded, 1 newly installed, 0 to remove and 3 not upgraded.` or
/// `Upgrading: 2, Installing: 1, Removing: 0, Not Upgrading: 3`.
fn parse_counts(line: &str, line_no: usize) -> Result<Summary, AptSimError> {
    let malformed = || AptSimError::Malformed {
        line: line_no,
        action: "summary".into(),
        text: shown(line),
    };
    let mut s = Summary::default();
    let body = line.trim().trim_end_matches('.');
    for part in body.split(", ").flat_map(|p| p.split(" and ")) {
        let part = part.trim();
        let (num, what) = if let Some((k, v)) = part.split_once(": ") {
            (v, k)
        } else {
            part.split_once(' ').ok_or_else(malformed)?
        };
        let n: u64 = num.trim().parse().map_err(|_| malformed())?;
        match what.trim() {
            "upgraded" | "Upgrading" => s.upgraded = n,
            "newly installed" | "Installing" => s.newly_installed = n,
            "downgraded" | "Downgrading" => s.downgraded = n,
            "to remove" | "Removing" => s.removed = n,
            "not upgraded" | "Not Upgrading" => s.not_upgraded = n,
            _ => {}
        }
    }
    Ok(s)
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
    fn names(v: &[PackageRef]) -> Vec<String> {
        v.iter().map(ToString::to_string).collect()
    }

    /// apt 2.6 (Debian 12), `apt-get -s -y install docker-ce bash` over a root where bash is
    /// held and docker-ce 20.10 is installed without its Recommends.
    const APT2: &str = "\
NOTE: This is only a simulation!
      apt-get needs root privileges for real execution.
      Keep also in mind that locking is deactivated,
      so don't depend on the relevance to the real current situation!
Reading package lists...
Building dependency tree...
The following additional packages will be installed:
  ca-certificates containerd.io docker-ce-cli
Suggested packages:
  aufs-tools cgroupfs-mount | cgroup-lite
Recommended packages:
  apparmor
The following NEW packages will be installed:
  ca-certificates docker-ce-cli
The following held packages will be changed:
  bash
The following packages will be upgraded:
  bash containerd.io docker-ce
The following packages have been kept back:
  libc6:i386
The following packages were automatically installed and are no longer required:
  libold1
Use 'apt autoremove' to remove it.
3 upgraded, 2 newly installed, 0 to remove and 1 not upgraded.
E: Held packages were changed and -y was used without --allow-change-held-packages.
";

    #[test]
    fn reads_the_lists_of_apt_2() {
        let (sim, errors) = parse_simulation(APT2);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            names(&sim.additional),
            ["ca-certificates", "containerd.io", "docker-ce-cli"]
        );
        assert_eq!(names(&sim.new), ["ca-certificates", "docker-ce-cli"]);
        assert_eq!(names(&sim.upgraded), ["bash", "containerd.io", "docker-ce"]);
        assert_eq!(names(&sim.held_changed), ["bash"]);
        assert_eq!(names(&sim.kept_back), ["libc6:i386"]);
        assert_eq!(sim.kept_back[0].architecture.as_deref(), Some("i386"));
        assert_eq!(names(&sim.auto_removable), ["libold1"]);
        assert_eq!(
            sim.recommended,
            [vec![PackageRef::parse("apparmor").unwrap()]]
        );
        let suggested: Vec<Vec<String>> = sim.suggested.iter().map(|g| names(g)).collect();
        assert_eq!(
            suggested,
            [vec!["aufs-tools"], vec!["cgroupfs-mount", "cgroup-lite"]]
        );
        assert_eq!(
            sim.summary,
            Some(Summary {
                upgraded: 3,
                newly_installed: 2,
                downgraded: 0,
                removed: 0,
                not_upgraded: 1
            })
        );
        assert!(sim.failed());
        assert!(sim.refused_held());
        assert_eq!(sim.messages[0].line, 25);
        assert!(sim.changes.is_empty());
    }

    /// The layout of apt >= 2.9 (Debian 13): short headings, blank lines, two-space columns.
    const APT3: &str = "\
Installing:
  docker-ce

Installing dependencies:
  containerd.io  docker-ce-cli

Suggested packages:
  aufs-tools  cgroupfs-mount | cgroup-lite

Recommended packages:
  apparmor

REMOVING:
  runc

Not upgrading:
  bash

Summary:
  Upgrading: 0, Installing: 3, Removing: 1, Not Upgrading: 1
  Download size: 0 B / 70.2 MB
Inst containerd.io (1.7.24-1 Docker CE:13/trixie [amd64])
";

    #[test]
    fn reads_the_lists_of_apt_3() {
        let (sim, errors) = parse_simulation(APT3);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            names(&sim.new),
            ["docker-ce", "containerd.io", "docker-ce-cli"]
        );
        assert_eq!(names(&sim.additional), ["containerd.io", "docker-ce-cli"]);
        assert_eq!(names(&sim.removed), ["runc"]);
        assert_eq!(names(&sim.kept_back), ["bash"]);
        assert_eq!(sim.recommended.len(), 1);
        assert_eq!(sim.suggested[1].len(), 2);
        let s = sim.summary.unwrap();
        assert_eq!(
            (s.upgraded, s.newly_installed, s.removed, s.not_upgraded),
            (0, 3, 1, 1)
        );
        assert_eq!(sim.changes.len(), 1);
        assert!(!sim.failed());
    }

    #[test]
    fn unmet_dependencies_and_downgrades() {
        let out = "\
Some packages could not be installed. This may mean that you have
requested an impossible situation.

The following information may help to resolve the situation:

The following packages have unmet dependencies:
 docker-ce : Depends: containerd.io (>= 1.6.4) but it is not installable
             Recommends: apparmor but it is not installable
The following packages will be DOWNGRADED:
  tzdata
1 upgraded, 0 newly installed, 1 downgraded, 2 to remove and 0 not upgraded.
E: Unable to correct problems, you have held broken packages.
";
        let (sim, errors) = parse_simulation(out);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(sim.unmet.len(), 2);
        assert!(sim.unmet[0].starts_with("docker-ce : Depends: containerd.io"));
        assert_eq!(names(&sim.downgraded), ["tzdata"]);
        let s = sim.summary.unwrap();
        assert_eq!((s.upgraded, s.downgraded, s.removed), (1, 1, 2));
        assert!(sim.failed());
        assert!(!sim.refused_held());
    }

    #[test]
    fn hostile_lines_are_named_errors_and_the_rest_is_read() {
        let long = format!("  {}", "a".repeat(MAX_LINE + 1));
        let out = format!(
            "The following NEW packages will be installed:\n  good \u{1b}[31mred\n  ok $(rm) b;c\n{long}\n\
             Recommended packages:\n  fine\nInst bad\u{7}name (1.0 x [amd64])\nInst ev;il (1.0 x [amd64])\n\
             Inst arch (1.0 x [AMD 64])\n99999999999999999999999 upgraded, 0 newly installed, 0 to remove and 0 not upgraded.\n\
             Inst kept (2.0 x [amd64])\n"
        );
        let (sim, errors) = parse_simulation(&out);
        let lines: Vec<usize> = errors.iter().map(AptSimError::line).collect();
        assert_eq!(lines, [2, 3, 3, 4, 7, 8, 9, 10], "{errors:?}");
        assert!(matches!(errors[0], AptSimError::Control { .. }));
        // The escape is shown escaped, never raw.
        assert!(!errors[0].to_string().contains('\u{1b}'), "{}", errors[0]);
        assert!(errors[0].to_string().contains("\\u{1b}"));
        assert!(matches!(&errors[1], AptSimError::Name { name, .. } if name == "$(rm)"));
        assert!(matches!(errors[3], AptSimError::TooLong { line: 4, .. }));
        assert!(matches!(errors[5], AptSimError::Name { line: 8, .. }));
        assert_eq!(names(&sim.new), ["ok"]);
        assert_eq!(sim.recommended.len(), 1);
        assert_eq!(sim.changes.len(), 1);
        assert_eq!(sim.changes[0].package, "kept");
        assert_eq!(sim.summary, None);
    }

    #[test]
    fn non_utf8_lines_are_errors() {
        let out = b"The following NEW packages will be installed:\n  a \xff\xfe b\n  c\nInst c (1.0 x [amd64])\n";
        let (sim, errors) = parse_simulation_bytes(out);
        assert_eq!(errors, [AptSimError::Encoding { line: 2 }]);
        // The bad line reads as empty: it ends the list.
        assert!(sim.new.is_empty());
        assert_eq!(sim.changes.len(), 1);
        assert_eq!(sim.changes[0].line, 4);
    }
}
