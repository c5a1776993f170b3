//! Pin strength of a package specification, per package manager.
//!
//! [`classify`] is the one place that decides how firmly a package argument fixes the version a
//! manager installs. It is shared by the shell analyser (`apt-get install foo=1.2*`), the
//! Ansible package-module rules (`name: foo=1.2*`, `name: foo>=1`, `version: ...`) and
//! anything else that judges a package spec.

use std::fmt;

use serde::Serialize;

use crate::strength::{PinStrength, UNRESOLVED_MARK, is_unresolved};
use crate::vcs::classify_vcs_ref;

/// A package manager family. Several programs map to one family (`yum`, `dnf`, `microdnf` and
/// `tdnf` are [`Dnf`](Self::Dnf); `npm`, `yarn` and `pnpm` are [`Npm`](Self::Npm)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Manager {
    /// apt-get, apt, aptitude (Debian, Ubuntu).
    Apt,
    /// yum, dnf, microdnf, tdnf (RPM distributions).
    Dnf,
    /// apk (Alpine).
    Apk,
    /// zypper (SUSE).
    Zypper,
    /// pip, pip3, python -m pip, uv pip, pipx.
    Pip,
    /// npm, yarn, pnpm.
    Npm,
    /// gem (RubyGems).
    Gem,
    /// go install / go get.
    Go,
    /// pacman and AUR helpers (Arch).
    Pacman,
    /// snap.
    Snap,
    /// Homebrew.
    Brew,
    /// cargo install.
    Cargo,
    /// conda, mamba, micromamba.
    Conda,
    /// A generic `name=version` / `name>=version` syntax (Ansible's `package` module).
    Generic,
}

impl Manager {
    /// Kebab-case name of the family.
    pub fn as_str(self) -> &'static str {
        match self {
            Manager::Apt => "apt",
            Manager::Dnf => "dnf",
            Manager::Apk => "apk",
            Manager::Zypper => "zypper",
            Manager::Pip => "pip",
            Manager::Npm => "npm",
            Manager::Gem => "gem",
            Manager::Go => "go",
            Manager::Pacman => "pacman",
            Manager::Snap => "snap",
            Manager::Brew => "brew",
            Manager::Cargo => "cargo",
            Manager::Conda => "conda",
            Manager::Generic => "generic",
        }
    }

    /// The family of an Ansible package module, by its short name (the part after the last
    /// `.`: `ansible.builtin.apt` → `apt`). `None` for modules that do not install packages.
    pub fn from_ansible_module(module: &str) -> Option<Manager> {
        let short = module.rsplit('.').next().unwrap_or(module);
        Some(match short {
            "apt" => Manager::Apt,
            "yum" | "dnf" | "dnf5" => Manager::Dnf,
            "apk" => Manager::Apk,
            "zypper" => Manager::Zypper,
            "pip" | "pipx" => Manager::Pip,
            "npm" | "yarn" | "pnpm" => Manager::Npm,
            "gem" => Manager::Gem,
            "pacman" => Manager::Pacman,
            "snap" => Manager::Snap,
            "homebrew" | "homebrew_cask" => Manager::Brew,
            "cargo" => Manager::Cargo,
            "conda" => Manager::Conda,
            "package" | "pkgng" | "openbsd_pkg" | "portage" | "slackpkg" | "swupd" | "xbps"
            | "opkg" | "pkgin" | "pkg5" | "pkgutil" | "urpmi" | "flatpak" | "win_chocolatey"
            | "chocolatey" | "installp" | "svr4pkg" | "macports" | "apt_rpm" | "rhsm_release" => {
                Manager::Generic
            }
            _ => return None,
        })
    }
}

impl fmt::Display for Manager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a package comes from, as far as its specification says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PackageSource {
    /// The manager's repositories / registry.
    Registry,
    /// A version-control checkout (`git+https://...@ref`, `github:user/repo#ref`).
    Vcs,
    /// A remote archive URL.
    Url,
    /// A local file or directory (`./pkg.deb`, `.`, `dist/x.whl`).
    Local,
    /// A specification the manager rejects, so nothing is installed: pip's
    /// `tox>>>>>3.27.0` (what `packaging.requirements.Requirement` refuses). Its strength is
    /// [`PinStrength::None`], but it neither floats nor pins: rules skip it.
    Invalid,
}

/// A package specification split into name and version parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ParsedSpec {
    /// Package name (or the path / URL for local and remote sources).
    pub name: String,
    /// The version text (`1.2.3-1`, `>=1,<2`, `latest`, a VCS ref), if any.
    pub version: Option<String>,
    /// How firmly the spec pins the version.
    pub strength: PinStrength,
    /// Where the package comes from.
    pub source: PackageSource,
}

impl ParsedSpec {
    fn new(name: &str, version: Option<&str>, strength: PinStrength) -> Self {
        ParsedSpec {
            name: name.to_owned(),
            version: version.map(str::to_owned),
            strength,
            source: PackageSource::Registry,
        }
    }

    fn with_source(mut self, source: PackageSource) -> Self {
        self.source = source;
        self
    }
}

/// How firmly `spec`, written as `manager` accepts it on its command line, pins the version.
///
/// Shorthand for `parse_spec(manager, spec).strength`.
///
/// ```
/// use fleetpin_spec::PinStrength;
/// use fleetpin_spec::package::{classify, Manager};
/// assert_eq!(classify(Manager::Apt, "docker-ce=5:23.0.1-1~debian.10~buster"), PinStrength::Exact);
/// assert_eq!(classify(Manager::Apt, "docker-ce=5:23.0*"), PinStrength::Glob);
/// assert_eq!(classify(Manager::Pip, "requests>=2"), PinStrength::Range);
/// assert_eq!(classify(Manager::Npm, "npm@latest"), PinStrength::Floating);
/// assert_eq!(classify(Manager::Apt, "curl"), PinStrength::None);
/// ```
pub fn classify(manager: Manager, spec: &str) -> PinStrength {
    parse_spec(manager, spec).strength
}

/// Split `spec` into name and version as `manager` reads it and classify its pin strength.
pub fn parse_spec(manager: Manager, spec: &str) -> ParsedSpec {
    let spec = spec.trim();
    match manager {
        Manager::Apt => apt(spec),
        Manager::Dnf => rpm(spec, false),
        Manager::Zypper => rpm(spec, true),
        Manager::Apk => apk(spec),
        Manager::Pip => pip(spec),
        Manager::Npm => npm(spec),
        Manager::Gem => gem(spec),
        Manager::Go => go(spec),
        Manager::Pacman => pacman(spec),
        Manager::Snap => ParsedSpec::new(spec, None, PinStrength::None),
        Manager::Brew => brew(spec),
        Manager::Cargo => cargo(spec),
        Manager::Conda => conda(spec),
        Manager::Generic => generic(spec),
    }
}

/// Classify a version string given on its own (Ansible `version:` argument, `gem -v`,
/// `cargo --version`) for `manager`. An empty string is [`PinStrength::None`].
pub fn classify_version(manager: Manager, version: &str) -> PinStrength {
    let v = version.trim();
    if v.is_empty() {
        return PinStrength::None;
    }
    if is_unresolved(v) {
        return PinStrength::Unresolved;
    }
    match manager {
        // Ansible's pip `version: 1.2.3` means `==1.2.3`.
        Manager::Pip if v.starts_with(|c: char| c.is_ascii_digit()) => {
            pep440_specifiers(&format!("=={v}"))
        }
        Manager::Pip => pep440_specifiers(v),
        Manager::Npm => npm_range(v),
        Manager::Gem => gem_requirement(v),
        Manager::Cargo => cargo_requirement(v),
        Manager::Go => go_version(v),
        Manager::Conda => conda_version(v),
        _ => {
            if v.eq_ignore_ascii_case("latest") {
                PinStrength::Floating
            } else if starts_with_operator(v) {
                operator_version(v)
            } else if has_glob(v) {
                PinStrength::Glob
            } else {
                PinStrength::Exact
            }
        }
    }
}

fn has_glob(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

fn starts_with_operator(s: &str) -> bool {
    s.starts_with(['<', '>', '=', '!', '~', '^'])
}

/// `>=1`, `<2`, `==1.2`, `=1.2`, `!=1`: generic operator-prefixed versions.
fn operator_version(v: &str) -> PinStrength {
    let rest = v.trim_start_matches(['<', '>', '=', '!', '~', '^']).trim();
    let op = &v[..v.len() - v.trim_start_matches(['<', '>', '=', '!', '~', '^']).len()];
    match op {
        "=" | "==" | "===" => {
            if has_glob(rest) {
                PinStrength::Glob
            } else {
                PinStrength::Exact
            }
        }
        _ => PinStrength::Range,
    }
}

fn is_local_path(s: &str) -> bool {
    s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with('/')
        || s.starts_with("~/")
        || s == "."
        || s == ".."
        || s.starts_with("file:")
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://") || s.starts_with("ftp://")
}

fn local_or_url(spec: &str) -> ParsedSpec {
    if is_url(spec) {
        let strength = if crate::url::is_latest_url(spec) {
            PinStrength::Floating
        } else {
            PinStrength::Exact
        };
        ParsedSpec::new(spec, None, strength).with_source(PackageSource::Url)
    } else {
        ParsedSpec::new(spec, None, PinStrength::Exact).with_source(PackageSource::Local)
    }
}

fn unresolved_or(version: &str, f: impl FnOnce(&str) -> PinStrength) -> PinStrength {
    if is_unresolved(version) {
        PinStrength::Unresolved
    } else {
        f(version)
    }
}

/// A spec with no version whose name is itself unresolved might carry a version.
fn no_version(name: &str) -> PinStrength {
    if is_unresolved(name) {
        PinStrength::Unresolved
    } else {
        PinStrength::None
    }
}

// ---------------------------------------------------------------------------------------------
// apt: name[:arch][=version | /release]

fn apt(spec: &str) -> ParsedSpec {
    if is_url(spec) || is_local_path(spec) || (spec.ends_with(".deb") && !spec.contains('=')) {
        return local_or_url(spec);
    }
    if let Some((name, ver)) = spec.split_once('=') {
        let s = unresolved_or(ver, |v| {
            if v.is_empty() {
                PinStrength::None
            } else if has_glob(v) {
                PinStrength::Glob
            } else {
                PinStrength::Exact
            }
        });
        return ParsedSpec::new(name, Some(ver), s);
    }
    if let Some((name, release)) = spec.split_once('/') {
        let s = if is_unresolved(release) {
            PinStrength::Unresolved
        } else {
            PinStrength::Floating
        };
        return ParsedSpec::new(name, Some(release), s);
    }
    ParsedSpec::new(spec, None, no_version(spec))
}

// ---------------------------------------------------------------------------------------------
// yum / dnf / zypper: name, name-version, name-version-release, name-epoch:version-release.arch,
// `name >= 1.2` provide expressions, zypper `name=1.2` / `name>=1.2`.

fn rpm(spec: &str, zypper: bool) -> ParsedSpec {
    if is_url(spec) || is_local_path(spec) || spec.ends_with(".rpm") {
        return local_or_url(spec);
    }
    if spec.starts_with('@') || spec.contains(':') && !spec.contains('-') && zypper {
        // @group / @module:stream, zypper pattern:name
        return ParsedSpec::new(spec, None, PinStrength::None);
    }
    // Operator forms: `name >= 1`, `name>=1`, `name=1.2`.
    if let Some(pos) = spec.find(['<', '>', '=']) {
        let name = spec[..pos].trim();
        let ver = spec[pos..].trim();
        let s = unresolved_or(ver, |v| {
            let op_len = v.len() - v.trim_start_matches(['<', '>', '=']).len();
            let (op, rest) = v.split_at(op_len);
            match op {
                "=" | "==" if has_glob(rest) => PinStrength::Glob,
                "=" | "==" => PinStrength::Exact,
                _ => PinStrength::Range,
            }
        });
        return ParsedSpec::new(name, Some(ver), s);
    }
    if let Some((name, ver)) = rpm_split_nevra(spec) {
        let s = unresolved_or(ver, |v| {
            if has_glob(v) {
                PinStrength::Glob
            } else {
                PinStrength::Exact
            }
        });
        return ParsedSpec::new(name, Some(ver), s);
    }
    ParsedSpec::new(spec, None, no_version(spec))
}

/// Split `name-[epoch:]version[-release][.arch]` the way a human reads it: the version is the
/// first `-`-suffix made of at most two `-`-separated parts that each start with a digit (or an
/// unresolved expansion). `java-11-openjdk` and `python3-pip` have no version;
/// `java-1.8.0-openjdk-1.8.0.292` is `java-1.8.0-openjdk` version `1.8.0.292`.
fn rpm_split_nevra(spec: &str) -> Option<(&str, &str)> {
    let bytes = spec.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        if b != b'-' || i == 0 {
            continue;
        }
        let rest = &spec[i + 1..];
        let parts: Vec<&str> = rest.split('-').collect();
        if parts.len() > 2 {
            continue;
        }
        let ok = parts.iter().all(|p| {
            p.starts_with(|c: char| {
                c.is_ascii_digit() || c == '$' || c == UNRESOLVED_MARK || c == '{'
            })
        });
        // A version needs a dot or an epoch unless it is a release part: `foo-2` alone is
        // ambiguous (`java-11`), so require a `.`/`:`/glob or a second part.
        let versiony = parts.len() == 2 || rest.contains(['.', ':', '*']) || is_unresolved(rest);
        if ok && versiony {
            return Some((&spec[..i], rest));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// apk: name[@tag][=ver | ~ver | ~=ver | >ver | >=ver | <ver | <=ver | ><ver]

fn apk(spec: &str) -> ParsedSpec {
    if is_url(spec) || is_local_path(spec) || spec.ends_with(".apk") {
        return local_or_url(spec);
    }
    let (head, ver) = match spec.find(['=', '~', '<', '>']) {
        Some(p) => (&spec[..p], Some(&spec[p..])),
        None => (spec, None),
    };
    let (name, tag) = match head.split_once('@') {
        Some((n, t)) => (n, Some(t)),
        None => (head, None),
    };
    match ver {
        Some(v) => {
            let s = unresolved_or(v, |v| {
                let op_len = v.len() - v.trim_start_matches(['=', '~', '<', '>']).len();
                let (op, rest) = v.split_at(op_len);
                match op {
                    "=" if has_glob(rest) => PinStrength::Glob,
                    "=" => PinStrength::Exact,
                    "~" | "~=" => PinStrength::Glob,
                    _ => PinStrength::Range,
                }
            });
            ParsedSpec::new(name, Some(v), s)
        }
        None => match tag {
            Some(t) => ParsedSpec::new(name, Some(t), PinStrength::Floating),
            None => ParsedSpec::new(name, None, no_version(name)),
        },
    }
}

// ---------------------------------------------------------------------------------------------
// pip: PEP 508 requirements, VCS URLs, direct references, local paths and archives.

fn pip(spec: &str) -> ParsedSpec {
    for vcs in ["git+", "hg+", "svn+", "bzr+"] {
        if spec.starts_with(vcs) {
            return pip_vcs(spec, spec);
        }
    }
    // `name @ url` direct reference.
    if let Some((name, url)) = spec.split_once(" @ ").or_else(|| {
        spec.split_once('@')
            .filter(|(n, u)| !n.contains('/') && u.contains("://"))
    }) {
        let url = url.trim();
        let name = name.trim();
        if ["git+", "hg+", "svn+", "bzr+"]
            .iter()
            .any(|p| url.starts_with(p))
        {
            let mut p = pip_vcs(url, name);
            p.name = name.to_owned();
            return p;
        }
        let mut p = local_or_url(url);
        p.name = name.to_owned();
        p.version = Some(url.to_owned());
        return p;
    }
    let lower = spec.to_ascii_lowercase();
    if is_url(spec)
        || is_local_path(spec)
        || [".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz"]
            .iter()
            .any(|e| lower.ends_with(e))
        || (spec.contains('/') && !spec.contains(['=', '<', '>', '~']))
    {
        return local_or_url(spec);
    }
    // name [extras] specifiers ; markers
    let req = spec.split(';').next().unwrap_or(spec).trim();
    let name_end = req
        .find(|c: char| {
            !(c.is_ascii_alphanumeric()
                || "._-".contains(c)
                || c == UNRESOLVED_MARK
                || c == '$'
                || c == '{'
                || c == '}')
        })
        .unwrap_or(req.len());
    let name = &req[..name_end];
    let mut rest = req[name_end..].trim_start();
    if rest.starts_with('[') {
        rest = rest.find(']').map_or("", |e| &rest[e + 1..]).trim_start();
    }
    let rest = rest.trim_start_matches('(').trim_end_matches(')').trim();
    if rest.is_empty() {
        return ParsedSpec::new(name, None, no_version(name));
    }
    if !is_unresolved(rest) && !is_pep440_specifier_set(rest) {
        return ParsedSpec::new(name, Some(rest), PinStrength::None)
            .with_source(PackageSource::Invalid);
    }
    let s = unresolved_or(rest, pep440_specifiers);
    ParsedSpec::new(name, Some(rest), s)
}

/// Whether `v` is a PEP 440 specifier set as pip's `packaging` parses it: comma-separated
/// clauses, each one of `~=` `==` `!=` `<=` `>=` `<` `>` `===` and a version (`===` takes any
/// string; `==`/`!=` allow a trailing `.*`). `>>>>>3.27.0`, `=1.2` and `~1` are rejected.
fn is_pep440_specifier_set(v: &str) -> bool {
    v.split(',').all(|clause| {
        let c = clause.trim();
        if let Some(x) = c.strip_prefix("===") {
            return !x.trim().is_empty() && !x.trim().contains(char::is_whitespace);
        }
        let Some((op, ver)) = ["~=", "==", "!=", "<=", ">=", "<", ">"]
            .iter()
            .find_map(|op| c.strip_prefix(op).map(|rest| (*op, rest.trim())))
        else {
            return false;
        };
        let ver = match ver.strip_suffix(".*") {
            Some(prefix) if matches!(op, "==" | "!=") => prefix,
            Some(_) => return false,
            None => ver,
        };
        is_pep440_version(ver)
    })
}

/// A PEP 440 version, loosely: `[v][N!]N(.N)*` followed by pre/post/dev/local parts made of
/// letters, digits, `.`, `-`, `_` and `+`.
fn is_pep440_version(v: &str) -> bool {
    let v = v.strip_prefix(['v', 'V']).unwrap_or(v);
    let v = match v.split_once('!') {
        Some((epoch, rest)) if !epoch.is_empty() && epoch.bytes().all(|b| b.is_ascii_digit()) => {
            rest
        }
        Some(_) => return false,
        None => v,
    };
    v.starts_with(|c: char| c.is_ascii_digit())
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '+'))
}

fn pip_vcs(url: &str, name: &str) -> ParsedSpec {
    let no_frag = url.split('#').next().unwrap_or(url);
    // The ref follows the last `@` after the path starts (skip `user@host`).
    let after_scheme = no_frag.find("://").map_or(0, |p| p + 3);
    let path_start = no_frag[after_scheme..]
        .find('/')
        .map_or(no_frag.len(), |p| after_scheme + p);
    let r = no_frag[path_start..]
        .rfind('@')
        .map(|p| &no_frag[path_start + p + 1..]);
    let strength = r.map_or(PinStrength::Floating, classify_vcs_ref);
    ParsedSpec::new(name, r, strength).with_source(PackageSource::Vcs)
}

/// PEP 440 specifier list: `==1.2` / `===1.2` exact, `==1.2.*` glob, anything else a range.
fn pep440_specifiers(v: &str) -> PinStrength {
    let mut best = PinStrength::None;
    for clause in v.split(',') {
        let c = clause.trim();
        if c.is_empty() {
            continue;
        }
        let s = if let Some(x) = c.strip_prefix("===") {
            if x.trim().is_empty() {
                PinStrength::None
            } else {
                PinStrength::Exact
            }
        } else if let Some(x) = c.strip_prefix("==") {
            if x.trim().ends_with(".*") || has_glob(x) {
                PinStrength::Glob
            } else {
                PinStrength::Exact
            }
        } else if c.starts_with(['<', '>', '~', '!']) {
            PinStrength::Range
        } else {
            // Not a PEP 440 specifier: pip would reject it. Never call it pinned.
            PinStrength::None
        };
        best = best.max(s);
    }
    best
}

// ---------------------------------------------------------------------------------------------
// npm / yarn / pnpm: [@scope/]name[@spec]

fn npm(spec: &str) -> ParsedSpec {
    if is_url(spec) || is_local_path(spec) || spec.ends_with(".tgz") || spec.ends_with(".tar.gz") {
        return local_or_url(spec);
    }
    for p in [
        "git+",
        "git://",
        "github:",
        "gitlab:",
        "bitbucket:",
        "gist:",
    ] {
        if spec.starts_with(p) {
            return npm_vcs(spec, spec);
        }
    }
    let (name, ver) = match spec.strip_prefix('@') {
        Some(scoped) => match scoped.find('@') {
            Some(p) => (&spec[..p + 1], Some(&scoped[p + 1..])),
            None => (spec, None),
        },
        None => match spec.split_once('@') {
            Some((n, v)) => (n, Some(v)),
            None => (spec, None),
        },
    };
    // GitHub shorthand `user/repo[#ref]`.
    if !spec.starts_with('@') && name.contains('/') {
        return npm_vcs(spec, spec);
    }
    let Some(v) = ver else {
        return ParsedSpec::new(name, None, no_version(name));
    };
    if let Some(alias) = v.strip_prefix("npm:") {
        let mut p = npm(alias);
        p.name = name.to_owned();
        return p;
    }
    if v.starts_with("file:") || is_local_path(v) {
        return ParsedSpec::new(name, Some(v), PinStrength::Exact)
            .with_source(PackageSource::Local);
    }
    for p in ["git+", "git://", "github:", "gitlab:", "bitbucket:"] {
        if v.starts_with(p) {
            return npm_vcs(v, name);
        }
    }
    if is_url(v) {
        let mut p = local_or_url(v);
        p.name = name.to_owned();
        return p;
    }
    let s = unresolved_or(v, npm_range);
    ParsedSpec::new(name, Some(v), s)
}

fn npm_vcs(spec: &str, name: &str) -> ParsedSpec {
    let (_, r) = spec.split_once('#').unwrap_or((spec, ""));
    let r = r.strip_prefix("semver:").map_or(r, |x| x);
    let strength = if spec.contains("#semver:") {
        npm_range(r)
    } else {
        classify_vcs_ref(r)
    };
    ParsedSpec::new(name, (!r.is_empty()).then_some(r), strength).with_source(PackageSource::Vcs)
}

/// node-semver: an exact version is `[=v]MAJOR.MINOR.PATCH[-pre][+build]`; `*`, `x`, partial
/// versions, `^`, `~`, comparators, hyphen ranges and `||` are ranges; anything else is a
/// dist-tag (`latest`, `next`, `beta`) and floats.
fn npm_range(v: &str) -> PinStrength {
    let v = v.trim();
    if v.is_empty() || v == "*" || v == "x" || v == "X" {
        return PinStrength::None;
    }
    let core = v.trim_start_matches('=').trim_start_matches('v');
    let first = core.as_bytes().first().copied().unwrap_or(b' ');
    if v.starts_with(['^', '~', '<', '>']) || v.contains("||") || v.contains(" - ") {
        return PinStrength::Range;
    }
    if !first.is_ascii_digit() {
        return PinStrength::Floating;
    }
    let main = core.split(['-', '+']).next().unwrap_or(core);
    let parts: Vec<&str> = main.split('.').collect();
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        if core.contains(' ') {
            PinStrength::Range
        } else {
            PinStrength::Exact
        }
    } else {
        PinStrength::Range
    }
}

// ---------------------------------------------------------------------------------------------
// gem: name[:version]

fn gem(spec: &str) -> ParsedSpec {
    if is_local_path(spec) || spec.ends_with(".gem") {
        return local_or_url(spec);
    }
    match spec.split_once(':') {
        Some((n, v)) => {
            let s = unresolved_or(v, gem_requirement);
            ParsedSpec::new(n, Some(v), s)
        }
        None => ParsedSpec::new(spec, None, no_version(spec)),
    }
}

/// RubyGems requirement: `1.2.3` / `= 1.2.3` exact, `~> 1.2`, `>= 1` ranges (comma lists too).
fn gem_requirement(v: &str) -> PinStrength {
    let mut best = PinStrength::None;
    for c in v.split(',') {
        let c = c.trim();
        if c.is_empty() {
            continue;
        }
        let s = if let Some(x) = c.strip_prefix('=') {
            if x.trim().is_empty() {
                PinStrength::None
            } else {
                PinStrength::Exact
            }
        } else if c.starts_with(['~', '<', '>', '!']) {
            PinStrength::Range
        } else if c.eq_ignore_ascii_case("latest") {
            PinStrength::Floating
        } else {
            PinStrength::Exact
        };
        best = best.max(s);
    }
    best
}

// ---------------------------------------------------------------------------------------------
// go install: path[@version]

fn go(spec: &str) -> ParsedSpec {
    if is_local_path(spec) || spec.starts_with("./") || spec == "./..." {
        return local_or_url(spec);
    }
    match spec.rsplit_once('@') {
        Some((path, v)) => {
            let s = unresolved_or(v, go_version);
            ParsedSpec::new(path, Some(v), s)
        }
        None => ParsedSpec::new(spec, None, no_version(spec)),
    }
}

fn go_version(v: &str) -> PinStrength {
    match v {
        "latest" | "upgrade" | "patch" | "master" | "main" | "HEAD" => PinStrength::Floating,
        "none" => PinStrength::None,
        _ if v.starts_with(['<', '>']) => PinStrength::Range,
        _ if v.starts_with('v') && v[1..].starts_with(|c: char| c.is_ascii_digit()) => {
            // A full semver (or pseudo-version) is exact; `v1` / `v1.2` are module queries for
            // the newest matching release.
            let main = v[1..].split(['-', '+']).next().unwrap_or("");
            if main.split('.').count() >= 3 {
                PinStrength::Exact
            } else {
                PinStrength::Range
            }
        }
        _ => classify_vcs_ref(v),
    }
}

// ---------------------------------------------------------------------------------------------
// pacman, brew, cargo, conda, generic

fn pacman(spec: &str) -> ParsedSpec {
    if is_url(spec) || is_local_path(spec) || spec.contains(".pkg.tar") {
        return local_or_url(spec);
    }
    // pacman cannot select a version from a repository: `repo/name` is still the newest.
    ParsedSpec::new(spec, None, no_version(spec))
}

fn brew(spec: &str) -> ParsedSpec {
    if is_url(spec) || is_local_path(spec) {
        return local_or_url(spec);
    }
    // `python@3.12` is a versioned formula: it follows every release of that line.
    match spec.split_once('@') {
        Some((n, v)) => ParsedSpec::new(n, Some(v), unresolved_or(v, |_| PinStrength::Range)),
        None => ParsedSpec::new(spec, None, no_version(spec)),
    }
}

fn cargo(spec: &str) -> ParsedSpec {
    match spec.split_once('@') {
        Some((n, v)) => ParsedSpec::new(n, Some(v), unresolved_or(v, cargo_requirement)),
        None => ParsedSpec::new(spec, None, no_version(spec)),
    }
}

/// `cargo install --version`: a bare `MAJOR.MINOR.PATCH` is exact; anything else (`^1.2`,
/// `~1`, `1.2`, `>=1`) is a requirement cargo resolves to the newest match.
fn cargo_requirement(v: &str) -> PinStrength {
    let v = v.trim();
    if let Some(x) = v.strip_prefix('=') {
        return if x.trim().is_empty() {
            PinStrength::None
        } else {
            PinStrength::Exact
        };
    }
    let main = v.split(['-', '+']).next().unwrap_or(v);
    let parts: Vec<&str> = main.split('.').collect();
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        PinStrength::Exact
    } else {
        PinStrength::Range
    }
}

fn conda(spec: &str) -> ParsedSpec {
    let spec = spec.rsplit_once("::").map_or(spec, |(_, s)| s);
    if is_url(spec) || is_local_path(spec) || spec.ends_with(".conda") || spec.ends_with(".tar.bz2")
    {
        return local_or_url(spec);
    }
    match spec.find(['=', '<', '>', '!', '~', ' ']) {
        Some(p) => {
            let v = spec[p..].trim();
            ParsedSpec::new(spec[..p].trim(), Some(v), unresolved_or(v, conda_version))
        }
        None => ParsedSpec::new(spec, None, no_version(spec)),
    }
}

/// conda match specs: `==1.2.3` and `=1.2.3=build` exact; `=1.2` and `1.2.*` fuzzy (glob);
/// `=1.2.3` (three or more components) treated as exact; comparators are ranges.
fn conda_version(v: &str) -> PinStrength {
    let v = v.trim();
    if let Some(x) = v.strip_prefix("==") {
        return if has_glob(x) {
            PinStrength::Glob
        } else {
            PinStrength::Exact
        };
    }
    if let Some(x) = v.strip_prefix('=') {
        if x.contains('=') {
            return PinStrength::Exact;
        }
        if has_glob(x) || x.split('.').count() < 3 {
            return PinStrength::Glob;
        }
        return PinStrength::Exact;
    }
    if v.starts_with(['<', '>', '!', '~']) || v.contains(',') || v.contains('|') {
        return PinStrength::Range;
    }
    if has_glob(v) {
        PinStrength::Glob
    } else {
        PinStrength::Exact
    }
}

fn generic(spec: &str) -> ParsedSpec {
    if is_url(spec) || is_local_path(spec) {
        return local_or_url(spec);
    }
    match spec.find(['=', '<', '>', '~']) {
        Some(p) => {
            let v = &spec[p..];
            ParsedSpec::new(
                spec[..p].trim(),
                Some(v),
                unresolved_or(v, operator_version),
            )
        }
        None => ParsedSpec::new(spec, None, no_version(spec)),
    }
}
