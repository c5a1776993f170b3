//! One hazard entry: a Markdown file opening with a TOML front-matter block (like a RustSec
//! advisory), then `# Title` and prose.
//!
//! Entries are deserialised through raw structs and validated into [`Hazard`], so a loaded
//! database is always consistent; [`parse_entry`] reports *every* problem of an entry, each with
//! its line, rather than the first.

use std::collections::BTreeSet;
use std::fmt;

use serde::Deserialize;

pub use fleetpin_debian::range::kernel_version;
use fleetpin_debian::range::{Ecosystem, VersionRange};

/// What kind of breakage a hazard describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// The new version needs a package it does not depend on (at most a Recommends), so the
    /// package manager installs the upgrade without it.
    MissingDependency,
    /// The new version changes behaviour or configuration in a way that breaks existing setups.
    BreakingChange,
    /// The new version has a bug that breaks a working setup.
    Regression,
}

impl Kind {
    /// The name used in entries.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::MissingDependency => "missing-dependency",
            Kind::BreakingChange => "breaking-change",
            Kind::Regression => "regression",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A distribution a hazard applies to: `debian` (every release) or `debian:10`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Distro {
    /// `ID` of os-release (`debian`, `ubuntu`, `rhel`).
    pub id: String,
    /// `VERSION_ID` of os-release, when the hazard is limited to one release.
    pub version_id: Option<String>,
}

impl Distro {
    fn parse(s: &str) -> Result<Distro, String> {
        let (id, version) = match s.split_once(':') {
            Some((id, v)) => (id, Some(v)),
            None => (s, None),
        };
        let ok = |t: &str| {
            !t.is_empty()
                && t.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b))
        };
        if !ok(id) || version.is_some_and(|v| !ok(v)) {
            return Err(format!(
                "distro `{s}` is not `ID` or `ID:VERSION_ID` as in os-release (lowercase, e.g. `debian:10`)"
            ));
        }
        Ok(Distro {
            id: id.to_string(),
            version_id: version.map(str::to_string),
        })
    }

    /// Whether a host with this os-release `ID` and `VERSION_ID` is covered.
    #[must_use]
    pub fn covers(&self, id: &str, version_id: Option<&str>) -> bool {
        self.id == id
            && self
                .version_id
                .as_deref()
                .is_none_or(|want| version_id == Some(want))
    }
}

impl fmt::Display for Distro {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.version_id {
            Some(v) => write!(f, "{}:{v}", self.id),
            None => f.write_str(&self.id),
        }
    }
}

/// Host conditions under which the hazard bites (all must hold; an unknown fact counts as
/// holding, so a host without that fact is still warned).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct When {
    /// The kernel's AppArmor state (`/sys/module/apparmor/parameters/enabled`) must be this.
    pub kernel_apparmor: Option<bool>,
    /// The cgroup hierarchy the host runs: `1` (legacy or hybrid) or `2` (unified), as
    /// `stat -fc %T /sys/fs/cgroup` tells (`cgroup2fs` is 2).
    pub cgroup: Option<u8>,
    /// The kernel release (`uname -r`) must be in one of these ranges. Only the leading
    /// `X.Y.Z` of the release is compared (`4.19.0-23-amd64` is `4.19.0`), number by number
    /// (`VersionRange::parse_kernel`).
    pub kernel: Vec<VersionRange>,
    /// The backend of the `iptables` command (`iptables -V`: `nf_tables` is `nft`, else
    /// `legacy`) must be this.
    pub iptables_backend: Option<IptablesBackend>,
    /// Packages that must be installed: every clause must hold, a clause by any of its
    /// alternatives (`containerd.io < 1.6~ | containerd < 1.6~`), each a package name and an
    /// optional range in the entry's ecosystem ordering.
    pub installed: Vec<Clause>,
}

impl When {
    /// Whether the entry states no condition.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self == &When::default()
    }
}

/// The backend the `iptables` command drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IptablesBackend {
    /// `iptables-nft`: rules go to nf_tables (`iptables v1.8.2 (nf_tables)`).
    Nft,
    /// `iptables-legacy`: the x_tables kernel interface (`iptables v1.8.2 (legacy)`).
    Legacy,
}

impl IptablesBackend {
    /// `nft` or `legacy`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            IptablesBackend::Nft => "nft",
            IptablesBackend::Legacy => "legacy",
        }
    }

    /// Reads `nft` / `legacy` (as facts store it) or the output of `iptables -V`
    /// (`iptables v1.8.2 (nf_tables)`, `iptables v1.8.2 (legacy)`; before 1.8 there was only
    /// the legacy backend and no suffix).
    #[must_use]
    pub fn parse(s: &str) -> Option<IptablesBackend> {
        let s = s.trim();
        match s {
            "nft" | "nf_tables" => return Some(IptablesBackend::Nft),
            "legacy" => return Some(IptablesBackend::Legacy),
            _ => {}
        }
        if !s.starts_with("iptables v") {
            return None;
        }
        if s.ends_with("(nf_tables)") {
            Some(IptablesBackend::Nft)
        } else {
            Some(IptablesBackend::Legacy)
        }
    }
}

impl fmt::Display for IptablesBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One alternative of an `installed` clause: a package, optionally in a version range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// The package.
    pub package: String,
    /// The versions that count (any, when `None`).
    pub range: Option<VersionRange>,
}

impl Requirement {
    /// Whether `version` (the installed version of the package, if any) satisfies this.
    #[must_use]
    pub fn holds(&self, version: Option<&str>) -> bool {
        match (version, &self.range) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(v), Some(r)) => r.contains(v),
        }
    }
}

impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.range {
            Some(r) => write!(f, "{} {r}", self.package),
            None => f.write_str(&self.package),
        }
    }
}

/// Alternatives, any of which satisfies the clause.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause(pub Vec<Requirement>);

impl fmt::Display for Clause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" | ")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl Clause {
    /// Parses `name [RANGE] | name [RANGE] ...` (`containerd.io < 1.6~ | containerd < 1.6~`).
    ///
    /// # Errors
    /// A message naming the bad part.
    pub fn parse(ecosystem: Ecosystem, text: &str) -> Result<Clause, String> {
        let mut alts = Vec::new();
        for alt in text.split('|') {
            let alt = alt.trim();
            let (name, rest) = match alt.find(|c: char| c.is_whitespace() || "<>=".contains(c)) {
                Some(at) => (&alt[..at], alt[at..].trim()),
                None => (alt, ""),
            };
            if !valid_package_name(name) {
                return Err(format!(
                    "`{alt}` does not start with a package name (write `name` or `name < VERSION`)"
                ));
            }
            let range = if rest.is_empty() {
                None
            } else {
                Some(VersionRange::parse(ecosystem, rest)?)
            };
            alts.push(Requirement {
                package: name.to_string(),
                range,
            });
        }
        Ok(Clause(alts))
    }
}

/// A known-breaking upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hazard {
    /// `FPH-YYYY-NNNN`, or the draft id `FPH-0000-0000`.
    pub id: String,
    /// The package whose upgrade is hazardous.
    pub package: String,
    /// Whose version ordering the ranges use.
    pub ecosystem: Ecosystem,
    /// When the hazard became known (`YYYY-MM-DD`).
    pub date: String,
    /// What kind of breakage.
    pub kinds: Vec<Kind>,
    /// Distributions it applies to; empty means all.
    pub distros: Vec<Distro>,
    /// Upstream issues, changelogs and fixes.
    pub references: Vec<String>,
    /// Versions that break.
    pub affected: Vec<VersionRange>,
    /// Versions that fixed it (for the advice; a version in `affected` is affected regardless).
    pub fixed: Vec<VersionRange>,
    /// Host conditions under which it bites.
    pub when: When,
    /// Packages whose presence on the host avoids it (for `missing-dependency`).
    pub requires_packages: Vec<String>,
    /// The `# Title` line.
    pub title: String,
    /// The prose after the title (Markdown).
    pub description: String,
}

impl Hazard {
    /// Whether this is a draft entry (`FPH-0000-0000`), not yet given its final id.
    #[must_use]
    pub fn is_draft(&self) -> bool {
        self.id == DRAFT_ID
    }

    /// Whether `version` of the package is affected.
    #[must_use]
    pub fn affects(&self, version: &str) -> bool {
        self.affected.iter().any(|r| r.contains(version))
    }

    /// Whether the hazard applies to a host with this os-release, if known. A host whose OS is
    /// unknown is covered (warn rather than miss).
    #[must_use]
    pub fn covers_os(&self, os: Option<(&str, Option<&str>)>) -> bool {
        match os {
            _ if self.distros.is_empty() => true,
            None => true,
            Some((id, version)) => self.distros.iter().any(|d| d.covers(id, version)),
        }
    }
}

/// os-release IDs of distributions built on dpkg.
const DEB_DISTROS: &[&str] = &["debian", "ubuntu", "raspbian", "linuxmint", "pop", "kali"];
/// os-release IDs of distributions built on rpm.
const RPM_DISTROS: &[&str] = &[
    "rhel",
    "centos",
    "fedora",
    "rocky",
    "almalinux",
    "ol",
    "amzn",
    "sles",
    "opensuse-leap",
    "opensuse-tumbleweed",
];

/// The id of an entry not yet numbered.
pub const DRAFT_ID: &str = "FPH-0000-0000";

/// Whether `s` has the shape of a hazard id, `FPH-YYYY-NNNN` (the draft id included).
#[must_use]
pub fn is_hazard_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 13
        && s.starts_with("FPH-")
        && b[8] == b'-'
        && b[4..8].iter().all(u8::is_ascii_digit)
        && b[9..].iter().all(u8::is_ascii_digit)
}

/// A problem in an entry, with the 1-based line of the file it is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line in the entry's file (the opening fence when no better line is known).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    hazard: RawHazard,
    versions: RawVersions,
    #[serde(default)]
    when: RawWhen,
    #[serde(default)]
    requires: RawRequires,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHazard {
    id: toml::Spanned<String>,
    package: toml::Spanned<String>,
    ecosystem: Ecosystem,
    date: toml::Spanned<String>,
    kind: toml::Spanned<Vec<Kind>>,
    #[serde(default)]
    distros: Vec<toml::Spanned<String>>,
    #[serde(default)]
    references: Vec<toml::Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVersions {
    affected: toml::Spanned<Vec<toml::Spanned<String>>>,
    #[serde(default)]
    fixed: Vec<toml::Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawWhen {
    kernel_apparmor: Option<bool>,
    cgroup: Option<toml::Spanned<i64>>,
    #[serde(default)]
    kernel: Vec<toml::Spanned<String>>,
    iptables_backend: Option<IptablesBackend>,
    #[serde(default)]
    installed: Vec<toml::Spanned<String>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawRequires {
    #[serde(default)]
    packages: Vec<toml::Spanned<String>>,
}

fn valid_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u32>().ok());
    let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10)) else {
        return false;
    };
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1990..=9999).contains(&y) && (1..=days).contains(&d)
}

fn valid_package_name(s: &str) -> bool {
    // Debian policy 5.6.1 (lowercase, digits, + - .; at least two characters, starting with an
    // alphanumeric); RPM names are wider, so only the characters are checked for them.
    s.len() >= 2
        && s.as_bytes()[0].is_ascii_alphanumeric()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-._".contains(&b))
}

/// Parses and validates one entry. `text` is the whole Markdown file; `expected_package` is the
/// directory it sits in (entries live at `hazards/<package>/<id>.md`) and `expected_id` its file
/// stem, when known. Every problem is returned, each with its line.
///
/// # Errors
/// The problems found; an entry with any problem is not loaded.
pub fn parse_entry(
    text: &str,
    expected_package: Option<&str>,
    expected_id: Option<&str>,
) -> Result<Hazard, Vec<Problem>> {
    let problem = |line: usize, message: String| Problem { line, message };
    let Some(rest) = text.strip_prefix("```toml\n") else {
        return Err(vec![problem(
            1,
            "an entry starts with a ```toml front-matter block".to_string(),
        )]);
    };
    let Some(end) = rest.find("\n```\n").or_else(|| {
        rest.strip_suffix("\n```")
            .map(|s| s.len())
            .filter(|_| rest.ends_with("\n```"))
    }) else {
        return Err(vec![problem(
            1,
            "the ```toml front-matter block is not closed by a ``` line".to_string(),
        )]);
    };
    let front = &rest[..=end];
    let body = rest.get(end + 5..).unwrap_or("");
    let body_first_line = front.lines().count() + 3;
    // Line of a byte offset into `front` (which starts on line 2 of the file).
    let line_of = |offset: usize| 2 + front[..offset.min(front.len())].matches('\n').count();

    let raw: RawEntry = match toml::from_str(front) {
        Ok(r) => r,
        Err(e) => {
            let line = e.span().map_or(1, |s| line_of(s.start));
            return Err(vec![problem(line, e.message().trim().to_string())]);
        }
    };
    let mut problems = Vec::new();
    let h = &raw.hazard;

    let id = h.id.get_ref();
    let id_line = line_of(h.id.span().start);
    let id_ok = is_hazard_id(id);
    if !id_ok {
        problems.push(problem(
            id_line,
            format!("id `{id}` is not `FPH-YYYY-NNNN` (new entries use the draft id `{DRAFT_ID}`)"),
        ));
    }
    if let Some(want) = expected_id
        && want != id
    {
        problems.push(problem(
            id_line,
            format!("id `{id}` does not match the file name `{want}.md`"),
        ));
    }

    let package = h.package.get_ref();
    let pkg_line = line_of(h.package.span().start);
    if !valid_package_name(package) {
        problems.push(problem(
            pkg_line,
            format!("`{package}` is not a package name"),
        ));
    }
    if let Some(want) = expected_package
        && want != package
    {
        problems.push(problem(
            pkg_line,
            format!("package `{package}` does not match the directory `{want}/` the entry is in"),
        ));
    }

    let date = h.date.get_ref();
    if !valid_date(date) {
        problems.push(problem(
            line_of(h.date.span().start),
            format!("date `{date}` is not a calendar date `YYYY-MM-DD`"),
        ));
    } else if id_ok && id != DRAFT_ID && id[4..8] != date[..4] {
        problems.push(problem(
            id_line,
            format!("id `{id}` does not carry the year of its date `{date}`"),
        ));
    }

    let kinds = h.kind.get_ref().clone();
    if kinds.is_empty() {
        problems.push(problem(
            line_of(h.kind.span().start),
            "kind lists no kind (missing-dependency, breaking-change, regression)".to_string(),
        ));
    }
    let mut distros = Vec::new();
    for d in &h.distros {
        match Distro::parse(d.get_ref()) {
            Ok(x) => {
                // A distribution whose packages the entry's ecosystem cannot order.
                let other = match h.ecosystem {
                    Ecosystem::Debian => RPM_DISTROS.contains(&x.id.as_str()).then_some("rpm"),
                    Ecosystem::Rpm => DEB_DISTROS.contains(&x.id.as_str()).then_some("debian"),
                };
                if let Some(other) = other {
                    problems.push(problem(
                        line_of(d.span().start),
                        format!(
                            "distro `{x}` uses {other} packages, but the entry's ecosystem is {}",
                            h.ecosystem
                        ),
                    ));
                }
                distros.push(x);
            }
            Err(e) => problems.push(problem(line_of(d.span().start), e)),
        }
    }
    let mut references = Vec::new();
    for r in &h.references {
        let url = r.get_ref();
        let host_ok = url
            .strip_prefix("https://")
            .and_then(|rest| rest.split('/').next())
            .is_some_and(|host| host.contains('.') && !host.contains(char::is_whitespace));
        if !host_ok || url.contains(char::is_whitespace) {
            problems.push(problem(
                line_of(r.span().start),
                format!("reference `{url}` is not an https:// URL"),
            ));
        } else {
            references.push(url.clone());
        }
    }
    if references.is_empty() && problems.iter().all(|p| !p.message.contains("reference")) {
        problems.push(problem(
            line_of(h.id.span().start),
            "an entry needs at least one reference (issue, changelog, fix)".to_string(),
        ));
    }

    let eco = h.ecosystem;
    let ranges = |list: &[toml::Spanned<String>], problems: &mut Vec<Problem>| {
        let mut out = Vec::new();
        for r in list {
            match VersionRange::parse(eco, r.get_ref()) {
                Ok(x) => out.push(x),
                Err(e) => problems.push(problem(line_of(r.span().start), e)),
            }
        }
        out
    };
    let affected = ranges(raw.versions.affected.get_ref(), &mut problems);
    if raw.versions.affected.get_ref().is_empty() {
        problems.push(problem(
            line_of(raw.versions.affected.span().start),
            "affected lists no version range".to_string(),
        ));
    }
    let fixed = ranges(&raw.versions.fixed, &mut problems);
    for (f, spanned) in fixed.iter().zip(&raw.versions.fixed) {
        if let Some(lo) = f.lower_bound()
            && affected.iter().any(|a| a.contains(lo))
        {
            problems.push(problem(
                line_of(spanned.span().start),
                format!("fixed range `{f}` starts inside an affected range"),
            ));
        }
    }

    let mut when = When {
        kernel_apparmor: raw.when.kernel_apparmor,
        iptables_backend: raw.when.iptables_backend,
        ..When::default()
    };
    if let Some(c) = &raw.when.cgroup {
        match *c.get_ref() {
            v @ (1 | 2) => when.cgroup = u8::try_from(v).ok(),
            v => problems.push(problem(
                line_of(c.span().start),
                format!("cgroup `{v}` is not 1 (legacy or hybrid) or 2 (unified)"),
            )),
        }
    }
    for k in &raw.when.kernel {
        match VersionRange::parse_kernel(k.get_ref()) {
            Ok(r) => when.kernel.push(r),
            Err(e) => problems.push(problem(line_of(k.span().start), e)),
        }
    }
    for c in &raw.when.installed {
        match Clause::parse(eco, c.get_ref()) {
            Ok(clause) if clause.0.iter().any(|r| &r.package == package) => {
                problems.push(problem(
                    line_of(c.span().start),
                    format!(
                        "`{clause}` names the entry's own package: its versions go in [versions]"
                    ),
                ));
            }
            Ok(clause) => when.installed.push(clause),
            Err(e) => problems.push(problem(line_of(c.span().start), e)),
        }
    }

    let mut requires_packages = Vec::new();
    let mut seen = BTreeSet::new();
    for p in &raw.requires.packages {
        let name = p.get_ref();
        if !valid_package_name(name) {
            problems.push(problem(
                line_of(p.span().start),
                format!("`{name}` is not a package name"),
            ));
        } else if name == package {
            problems.push(problem(
                line_of(p.span().start),
                format!("`{name}` is the entry's own package: it cannot avoid its own hazard"),
            ));
        } else if !seen.insert(name.clone()) {
            problems.push(problem(
                line_of(p.span().start),
                format!("`{name}` is listed twice"),
            ));
        } else {
            requires_packages.push(name.clone());
        }
    }
    if kinds.contains(&Kind::MissingDependency) && raw.requires.packages.is_empty() {
        problems.push(problem(
            line_of(h.kind.span().start),
            "a missing-dependency hazard names the packages that avoid it in [requires] packages"
                .to_string(),
        ));
    }

    // The Markdown body: a `# Title` line, then the explanation.
    let mut body_lines = body
        .lines()
        .enumerate()
        .skip_while(|(_, l)| l.trim().is_empty());
    let title = match body_lines.next() {
        Some((_, l)) if l.starts_with("# ") && !l[2..].trim().is_empty() => {
            l[2..].trim().to_string()
        }
        Some((i, _)) => {
            problems.push(problem(
                body_first_line + i,
                "after the front matter comes a `# Title` line".to_string(),
            ));
            String::new()
        }
        None => {
            problems.push(problem(
                body_first_line,
                "the entry has no `# Title` and explanation after its front matter".to_string(),
            ));
            String::new()
        }
    };
    let description: String = body_lines.map(|(_, l)| l).collect::<Vec<_>>().join("\n");
    let description = description.trim().to_string();
    if description.is_empty() && !title.is_empty() {
        problems.push(problem(
            body_first_line,
            "the entry explains nothing after its title".to_string(),
        ));
    }

    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(problems);
    }
    Ok(Hazard {
        id: id.clone(),
        package: package.clone(),
        ecosystem: eco,
        date: date.clone(),
        kinds,
        distros,
        references,
        affected,
        fixed,
        when,
        requires_packages,
        title,
        description,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"```toml
[hazard]
id = "FPH-2024-0007"
package = "example"
ecosystem = "debian"
date = "2024-02-29"
kind = ["regression"]
references = ["https://example.org/bug/1"]

[versions]
affected = [">= 2.0, < 2.1"]
fixed = [">= 2.1"]
```

# Example breaks

It breaks.
"#;

    #[test]
    fn a_good_entry_loads() {
        let h = parse_entry(GOOD, Some("example"), Some("FPH-2024-0007")).unwrap();
        assert_eq!(h.title, "Example breaks");
        assert_eq!(h.description, "It breaks.");
        assert!(h.affects("2.0.5-1"));
        assert!(!h.affects("2.1-1"));
        assert!(h.covers_os(Some(("fedora", Some("40")))), "no distros: all");
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let bad = GOOD
            .replace("FPH-2024-0007", "FPH-2023-0007")
            .replace("2024-02-29", "2023-02-29")
            .replace("https://example.org/bug/1", "http://example.org")
            .replace(">= 2.0, < 2.1", "2.0")
            .replace("fixed = [\">= 2.1\"]", "fixed = [\">= 2.0.5\"]")
            .replace("# Example breaks", "Example breaks");
        let problems = parse_entry(&bad, Some("other"), Some("FPH-2024-0007")).unwrap_err();
        let got: Vec<String> = problems
            .iter()
            .map(|p| format!("{}: {}", p.line, p.message))
            .collect();
        let expect = [
            "3: id `FPH-2023-0007` does not match the file name `FPH-2024-0007.md`",
            "4: package `example` does not match the directory `other/` the entry is in",
            "6: date `2023-02-29` is not a calendar date `YYYY-MM-DD`",
            "8: reference `http://example.org` is not an https:// URL",
            "11: `2.0` has no operator (one of <, <=, =, >=, >): write `= 2.0` for one version",
            "15: after the front matter comes a `# Title` line",
        ];
        assert_eq!(got, expect, "{got:#?}");
    }

    #[test]
    fn unknown_keys_and_kinds_name_their_line() {
        let bad = GOOD.replace("kind = [\"regression\"]", "kind = [\"regresion\"]");
        let p = parse_entry(&bad, None, None).unwrap_err();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, 7, "{p:?}");
        assert!(p[0].message.contains("regresion"), "{p:?}");

        let bad = GOOD.replace("[versions]", "[versions]\naffect = []");
        let p = parse_entry(&bad, None, None).unwrap_err();
        assert_eq!(p[0].line, 11, "{p:?}");
        assert!(p[0].message.contains("affect"), "{p:?}");
    }

    #[test]
    fn fixed_inside_affected_and_missing_requires_are_caught() {
        let bad = GOOD
            .replace("fixed = [\">= 2.1\"]", "fixed = [\">= 2.0.5\"]")
            .replace("[\"regression\"]", "[\"missing-dependency\"]");
        let p = parse_entry(&bad, None, None).unwrap_err();
        let msgs: Vec<&str> = p.iter().map(|p| p.message.as_str()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("starts inside an affected range")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter().any(|m| m.contains("[requires] packages")),
            "{msgs:?}"
        );
    }

    #[test]
    fn front_matter_must_open_and_close() {
        assert_eq!(parse_entry("# Title\n", None, None).unwrap_err()[0].line, 1);
        let p = parse_entry("```toml\n[hazard]\n", None, None).unwrap_err();
        assert!(p[0].message.contains("not closed"), "{p:?}");
    }

    #[test]
    fn host_conditions_parse_and_bad_ones_name_their_line() {
        let good = GOOD.replace(
            "[versions]",
            "[when]\ncgroup = 1\nkernel = [\">= 4.19, < 5.8\"]\niptables-backend = \"nft\"\n\
             installed = [\"containerd.io < 1.6~ | containerd\", \"kubelet\"]\n\n[versions]",
        );
        let h = parse_entry(&good, None, None).unwrap();
        assert_eq!(h.when.cgroup, Some(1));
        assert_eq!(h.when.iptables_backend, Some(IptablesBackend::Nft));
        assert!(h.when.kernel[0].contains("5.4"));
        assert!(!h.when.kernel[0].contains("5.8"));
        assert_eq!(h.when.installed.len(), 2);
        assert_eq!(
            h.when.installed[0].to_string(),
            "containerd.io < 1.6~ | containerd"
        );
        assert!(h.when.installed[0].0[0].holds(Some("1.5.11-1")));
        assert!(!h.when.installed[0].0[0].holds(Some("1.6.0-1")));
        assert!(!h.when.installed[0].0[0].holds(None));

        let bad = GOOD.replace(
            "[versions]",
            "[when]\ncgroup = 3\nkernel = [\"< 5.8-1\"]\ninstalled = [\"< 1.6\", \"xy z\"]\n\n[versions]",
        );
        let got: Vec<String> = parse_entry(&bad, None, None)
            .unwrap_err()
            .iter()
            .map(|p| format!("{}: {}", p.line, p.message))
            .collect();
        assert_eq!(
            got,
            [
                "11: cgroup `3` is not 1 (legacy or hybrid) or 2 (unified)",
                "12: kernel range `< 5.8-1` compares kernel versions: write them `X.Y` or `X.Y.Z`",
                "13: `< 1.6` does not start with a package name (write `name` or `name < VERSION`)",
                "13: `z` has no operator (one of <, <=, =, >=, >): write `= z` for one version",
            ],
            "{got:#?}"
        );
        let bad = GOOD.replace(
            "[versions]",
            "[when]\niptables-backend = \"nftables\"\n[versions]",
        );
        let p = parse_entry(&bad, None, None).unwrap_err();
        assert_eq!(p[0].line, 11, "{p:?}");
    }

    #[test]
    fn iptables_backends() {
        assert_eq!(
            IptablesBackend::parse("iptables v1.8.2 (nf_tables)"),
            Some(IptablesBackend::Nft)
        );
        assert_eq!(
            IptablesBackend::parse("iptables v1.8.9 (legacy)"),
            Some(IptablesBackend::Legacy)
        );
        assert_eq!(
            IptablesBackend::parse("iptables v1.6.0"),
            Some(IptablesBackend::Legacy)
        );
        assert_eq!(IptablesBackend::parse("command not found"), None);
    }

    #[test]
    fn dates() {
        assert!(valid_date("2024-02-29"));
        assert!(!valid_date("2023-02-29"));
        assert!(!valid_date("2023-13-01"));
        assert!(!valid_date("2023-1-01"));
        assert!(valid_date("2000-02-29"));
        assert!(!valid_date("1900-02-29"));
    }
}
