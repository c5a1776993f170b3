//! apt's version policy (apt_preferences(5)): preferences files, the priority of every index
//! and version, and the candidate version exactly as `apt-cache policy` / libapt-pkg's
//! `pkgPolicy::GetCandidateVer` choose it (checked against apt 2.6).
//!
//! The rules, as apt implements them:
//! - Each index file starts at 500; 100 if its Release says `ButAutomaticUpgrades: yes`,
//!   else 1 with `NotAutomatic: yes`; the dpkg status file is 100.
//! - Generic stanzas (`Package: *`) and the target release (`-t`, `APT::Default-Release`,
//!   990, considered first) set index priorities: the **first** matching stanza fixes an
//!   index; a `Pin-Priority: never` stanza overrides and cannot be overridden.
//! - Specific stanzas pin versions: the first stanza (in file order, `/etc/apt/preferences`
//!   then `preferences.d` sorted) that matches a version sets its priority. Package names may
//!   be globs (`*`, `?`, `[`), `/regex/` (case-insensitive), `src:NAME` and `NAME:ARCH`.
//! - A version's priority is its pin, else the highest priority of the indexes it is in
//!   (the status file counts -1 for a version that is not the installed one).
//! - Candidate: among versions with priority ≠ 0, the highest priority wins, ties going to
//!   the higher version; a version lower than the installed one only with priority ≥ 1000.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::control::BinaryPackage;
use crate::deb822::{self, Parser};
use crate::release::Release;
use crate::sources::{self, SourceKind};
use crate::status::Status;
use crate::version::Version;

/// apt's `NEVER_PIN`: `Pin-Priority: never`.
pub const NEVER_PIN: i32 = i16::MIN as i32;

/// What a preferences stanza pins by.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", content = "value", rename_all = "lowercase")]
pub enum PinKind {
    /// `Pin: version GLOB` (specific stanzas only).
    Version(String),
    /// `Pin: release a=...,n=...` (or a bare archive/codename/version).
    Release(String),
    /// `Pin: origin HOST`.
    Origin(String),
}

/// One stanza of a preferences file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PinStanza {
    /// Package names/patterns; empty for `Package: *` (a generic stanza).
    pub packages: Vec<String>,
    /// The pin.
    pub pin: PinKind,
    /// The priority ([`NEVER_PIN`] for `never`).
    pub priority: i32,
    /// The file.
    pub file: PathBuf,
    /// 1-based line of the stanza.
    pub line: usize,
}

impl PinStanza {
    /// Whether this is a `Package: *` stanza.
    pub fn is_generic(&self) -> bool {
        self.packages.is_empty()
    }
}

/// Parses a preferences file like apt's `ReadPinFile`. Returns the stanzas and warnings for
/// stanzas apt ignores (unknown pin type); hard errors are what apt refuses to start with.
pub fn parse_preferences(text: &str, file: &Path) -> Result<(Vec<PinStanza>, Vec<String>), Error> {
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    for p in Parser::new(text) {
        let p = p.map_err(|e| crate::control::in_file(file, e))?;
        let err = |m: String| Error::Config {
            path: file.to_path_buf(),
            line: p.line(),
            message: m,
        };
        let name = p.get("Package").unwrap_or("");
        if name.is_empty() {
            return Err(err(
                "invalid record in the preferences file, no Package header".into(),
            ));
        }
        let generic = name == "*";
        let Some(pin) = p.get("Pin") else { continue };
        let (word, data) = match pin.find(|c: char| c.is_ascii_whitespace()) {
            Some(i) => (&pin[..i], pin[i..].trim_start()),
            None => (pin, ""),
        };
        let kind = if word.eq_ignore_ascii_case("version") && !generic {
            PinKind::Version(data.to_string())
        } else if word.eq_ignore_ascii_case("release") {
            PinKind::Release(data.to_string())
        } else if word.eq_ignore_ascii_case("origin") {
            PinKind::Origin(data.to_string())
        } else {
            warnings.push(format!(
                "{}:{}: did not understand pin type {word}",
                file.display(),
                p.line()
            ));
            continue;
        };
        let sprio = p.get("Pin-Priority").unwrap_or("");
        let priority = if sprio == "never" {
            if !generic {
                return Err(err(
                    "the special 'Pin-Priority: never' can only be used for 'Package: *' records"
                        .into(),
                ));
            }
            i64::from(NEVER_PIN)
        } else if sprio.is_empty() {
            0
        } else {
            let v: i64 = parse_c_int(sprio).ok_or_else(|| {
                err(format!(
                    "value {sprio} is outside the range of valid pin priorities (-32768 to 32767)"
                ))
            })?;
            if v < i64::from(i16::MIN) || v > i64::from(i16::MAX) {
                return Err(err(format!(
                    "value {sprio} is outside the range of valid pin priorities (-32768 to 32767)"
                )));
            }
            // apt silently clamps a numeric -32768 to never + 1.
            if v == i64::from(NEVER_PIN) {
                i64::from(NEVER_PIN) + 1
            } else {
                v
            }
        };
        if priority == 0 {
            return Err(err("no priority (or zero) specified for pin".into()));
        }
        out.push(PinStanza {
            packages: if generic {
                Vec::new()
            } else {
                name.split_ascii_whitespace().map(str::to_string).collect()
            },
            pin: kind,
            priority: priority as i32,
            file: file.to_path_buf(),
            line: p.line(),
        });
    }
    Ok((out, warnings))
}

/// `strtol` over the whole (trimmed) value, as apt's `FindI` requires.
fn parse_c_int(s: &str) -> Option<i64> {
    let s = s.trim();
    let (neg, d) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) || d.len() > 18 {
        return None;
    }
    let v: i64 = d.parse().ok()?;
    Some(if neg { -v } else { v })
}

/// glibc `fnmatch(pattern, s, FNM_CASEFOLD)`: `*`, `?`, `[...]` (with `!`/`^` and ranges) and
/// `\` escapes; `*` also matches `/`. Hand-written because globset adds `{a,b}` alternation
/// and other syntax apt's fnmatch does not have.
pub fn fnmatch(pattern: &str, s: &str) -> bool {
    let p = pattern.as_bytes();
    let s = s.as_bytes();
    let (mut pi, mut si) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    let lower = |c: u8| c.to_ascii_lowercase();
    loop {
        if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi, si));
                    pi += 1;
                    continue;
                }
                b'?' if si < s.len() => {
                    pi += 1;
                    si += 1;
                    continue;
                }
                b'[' if si < s.len() => {
                    if let Some((matched, next)) = class(p, pi, lower(s[si])) {
                        if matched {
                            pi = next;
                            si += 1;
                            continue;
                        }
                    } else if lower(s[si]) == b'[' {
                        // An unterminated `[` is a literal.
                        pi += 1;
                        si += 1;
                        continue;
                    }
                }
                c if si < s.len() && c != b'?' && c != b'[' => {
                    let (lit, adv) = if c == b'\\' && pi + 1 < p.len() {
                        (p[pi + 1], 2)
                    } else {
                        (c, 1)
                    };
                    if lower(lit) == lower(s[si]) {
                        pi += adv;
                        si += 1;
                        continue;
                    }
                }
                _ => {}
            }
        } else if si == s.len() {
            return true;
        }
        // Mismatch: backtrack to the last star.
        match star {
            Some((sp, ss)) if ss < s.len() => {
                star = Some((sp, ss + 1));
                pi = sp + 1;
                si = ss + 1;
            }
            _ => return false,
        }
    }
}

/// Matches a bracket expression at `p[start] == '['` against `c` (lower-case). Returns
/// (matched, index after `]`), or None when there is no closing `]`.
fn class(p: &[u8], start: usize, c: u8) -> Option<(bool, usize)> {
    let mut i = start + 1;
    let negate = i < p.len() && (p[i] == b'!' || p[i] == b'^');
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    while i < p.len() {
        let mut lo = p[i];
        if lo == b']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if lo == b'\\' && i + 1 < p.len() {
            i += 1;
            lo = p[i];
        }
        let lo = lo.to_ascii_lowercase();
        if i + 2 < p.len() && p[i + 1] == b'-' && p[i + 2] != b']' {
            let hi = p[i + 2].to_ascii_lowercase();
            if lo <= c && c <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if lo == c {
                matched = true;
            }
            i += 1;
        }
    }
    None
}

/// apt's `ExpressionMatches`: `/regex/` (extended, case-insensitive, unanchored) or an
/// fnmatch glob. `None` (a missing Release field) never matches.
#[derive(Debug, Clone)]
struct Expr {
    regex: Option<Option<regex::Regex>>,
    glob: String,
}

impl Expr {
    fn new(pattern: &str) -> Expr {
        let regex = if pattern.len() >= 2 && pattern.starts_with('/') && pattern.ends_with('/') {
            Some(
                regex::RegexBuilder::new(&pattern[1..pattern.len() - 1])
                    .case_insensitive(true)
                    .build()
                    .ok(),
            )
        } else {
            None
        };
        Expr {
            regex,
            glob: pattern.to_string(),
        }
    }

    fn matches(&self, s: Option<&str>) -> bool {
        let Some(s) = s else { return false };
        match &self.regex {
            Some(Some(re)) => re.is_match(s),
            Some(None) => false,
            None => fnmatch(&self.glob, s),
        }
    }
}

/// A parsed `Pin:` value (apt's `pkgVersionMatch`).
#[derive(Debug, Clone)]
enum Matcher {
    Version {
        prefix: bool,
        ver: String,
        expr: Expr,
    },
    Release(Box<ReleaseMatch>),
    Origin(Expr, String),
}

#[derive(Debug, Clone, Default)]
struct ReleaseMatch {
    all: bool,
    ver: Option<(String, bool, Expr)>,
    origin: Option<Expr>,
    archive: Option<Expr>,
    codename: Option<Expr>,
    release: Option<Expr>,
    label: Option<Expr>,
    component: Option<Expr>,
    arch: Option<Expr>,
}

/// apt's `MatchVer`: case-insensitive equality, or prefix when the pin ended in `*`.
fn match_ver(a: Option<&str>, b: &str, prefix: bool) -> bool {
    let Some(a) = a else { return false };
    if (a.len() != b.len() && !prefix) || a.len() < b.len() {
        return false;
    }
    a.as_bytes()[..b.len()].eq_ignore_ascii_case(b.as_bytes())
}

impl Matcher {
    fn new(kind: &PinKind) -> Matcher {
        match kind {
            PinKind::Version(d) => {
                let (ver, prefix) = match d.strip_suffix('*') {
                    Some(v) => (v.to_string(), true),
                    None => (d.clone(), false),
                };
                Matcher::Version {
                    expr: Expr::new(&ver),
                    prefix,
                    ver,
                }
            }
            PinKind::Release(d) => Matcher::Release(Box::new(ReleaseMatch::new(d))),
            PinKind::Origin(d) => {
                let site = if d.len() >= 2 && d.starts_with('"') && d.ends_with('"') {
                    d[1..d.len() - 1].to_string()
                } else {
                    d.clone()
                };
                Matcher::Origin(Expr::new(&site), site)
            }
        }
    }

    /// `FileMatch` for an index file.
    fn file_match(&self, f: &IndexFile) -> bool {
        match self {
            Matcher::Version { .. } => false,
            Matcher::Origin(expr, site) => {
                if f.is_status {
                    return false;
                }
                if !site.is_empty() && f.site.is_none() {
                    return false;
                }
                expr.matches(f.site.as_deref())
            }
            Matcher::Release(r) => r.file_match(f),
        }
    }
}

impl ReleaseMatch {
    fn new(data: &str) -> ReleaseMatch {
        let mut m = ReleaseMatch::default();
        if data.is_empty() {
            // Matches nothing but the status file, as in apt.
            return m;
        }
        if data == "*" {
            m.all = true;
            return m;
        }
        let ver = |s: &str| {
            let (v, prefix) = match s.strip_suffix('*') {
                Some(v) => (v.to_string(), true),
                None => (s.to_string(), false),
            };
            let e = Expr::new(&v);
            (v, prefix, e)
        };
        if !data.contains('=') {
            if data.as_bytes()[0].is_ascii_digit() {
                m.ver = Some(ver(data));
            } else {
                m.release = Some(Expr::new(data));
            }
            return m;
        }
        for frag in data.split(',') {
            let frag = frag.trim();
            if frag.len() < 3 || frag.as_bytes()[1] != b'=' {
                continue;
            }
            let v = &frag[2..];
            match frag.as_bytes()[0].to_ascii_lowercase() {
                b'v' => m.ver = Some(ver(v)),
                b'o' => m.origin = Some(Expr::new(v)),
                b'a' => m.archive = Some(Expr::new(v)),
                b'n' => m.codename = Some(Expr::new(v)),
                b'l' => m.label = Some(Expr::new(v)),
                b'c' => m.component = Some(Expr::new(v)),
                b'b' => m.arch = Some(Expr::new(v)),
                _ => {}
            }
        }
        m
    }

    fn empty(&self) -> bool {
        self.ver.is_none()
            && self.origin.is_none()
            && self.archive.is_none()
            && self.codename.is_none()
            && self.release.is_none()
            && self.label.is_none()
            && self.component.is_none()
            && self.arch.is_none()
    }

    fn file_match(&self, f: &IndexFile) -> bool {
        if f.is_status {
            // Files without a Release (the status file) keep "now" in their component.
            if let Some(a) = &self.archive
                && !a.matches(Some("now"))
            {
                return false;
            }
            if let Some(r) = &self.release
                && !r.matches(Some("now"))
            {
                return false;
            }
            if self.origin.is_some()
                || self.label.is_some()
                || self.ver.is_some()
                || self.codename.is_some()
            {
                return false;
            }
        } else {
            if self.all {
                return true;
            }
            if self.empty() {
                return false;
            }
            let rel = f.release.as_ref();
            let field = |get: fn(&Release) -> &Option<String>| rel.and_then(|r| get(r).as_deref());
            if let Some((v, prefix, e)) = &self.ver {
                let fv = field(|r| &r.version);
                if !match_ver(fv, v, *prefix) && !e.matches(fv) {
                    return false;
                }
            }
            if let Some(e) = &self.origin
                && !e.matches(field(|r| &r.origin))
            {
                return false;
            }
            if let Some(e) = &self.archive
                && !e.matches(field(|r| &r.suite))
            {
                return false;
            }
            if let Some(e) = &self.codename
                && !e.matches(field(|r| &r.codename))
            {
                return false;
            }
            if let Some(e) = &self.release
                && !e.matches(field(|r| &r.suite))
                && !e.matches(field(|r| &r.codename))
            {
                return false;
            }
            if let Some(e) = &self.label
                && !e.matches(field(|r| &r.label))
            {
                return false;
            }
        }
        if self.all {
            return true;
        }
        if let Some(e) = &self.component
            && !e.matches(Some(&f.component))
        {
            return false;
        }
        if let Some(e) = &self.arch
            && !e.matches(Some(&f.architecture))
        {
            return false;
        }
        true
    }
}

/// An index file (a `Packages` list, or the dpkg status file) with its priority.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IndexFile {
    /// Where it was read from.
    pub path: PathBuf,
    /// How `apt-cache policy` names it (`http://deb.debian.org/debian bookworm/main amd64
    /// Packages`, or `/var/lib/dpkg/status`).
    pub describe: String,
    /// Its Release file (None for the status file or when missing).
    pub release: Option<Release>,
    /// The URI's host (`Pin: origin`); None for the status file.
    pub site: Option<String>,
    /// The component (`main`; `now` for the status file).
    pub component: String,
    /// The index architecture (`amd64`, `all`).
    pub architecture: String,
    /// Whether this is the dpkg status file.
    pub is_status: bool,
    /// The priority after preferences.
    pub priority: i32,
}

impl IndexFile {
    fn default_priority(&self) -> i32 {
        if self.is_status {
            100
        } else {
            self.release.as_ref().map_or(500, Release::default_priority)
        }
    }

    /// apt-cache policy's `release ...` line (`v=12.11,o=Debian,a=stable,n=bookworm,l=Debian,c=main,b=amd64`).
    pub fn release_line(&self) -> String {
        if self.is_status {
            return "a=now".to_string();
        }
        let mut parts = Vec::new();
        if let Some(r) = &self.release {
            for (k, v) in [
                ("v", &r.version),
                ("o", &r.origin),
                ("a", &r.suite),
                ("n", &r.codename),
                ("l", &r.label),
            ] {
                if let Some(v) = v {
                    parts.push(format!("{k}={v}"));
                }
            }
        }
        // A flat repository (`deb URI ./`) has an empty component and no architecture:
        // apt prints `c=` and no `b=`.
        parts.push(format!("c={}", self.component));
        if !self.architecture.is_empty() {
            parts.push(format!("b={}", self.architecture));
        }
        parts.join(",")
    }
}

/// One available version of a package.
#[derive(Debug, Clone)]
pub struct AvailableVersion {
    /// The version.
    pub version: Version,
    /// Indexes into [`Cache::files`] of the files that list it.
    pub files: Vec<usize>,
    /// Its source package name.
    pub source: String,
    pin: Option<i32>,
}

/// A package (one name and architecture) with all its versions, highest first.
#[derive(Debug, Clone)]
pub struct Package {
    /// The name.
    pub name: String,
    /// The architecture (the native one for `Architecture: all`).
    pub arch: String,
    /// Versions, highest first.
    pub versions: Vec<AvailableVersion>,
    /// Index into `versions` of the installed version.
    pub current: Option<usize>,
    /// dpkg's status (selection/hold) if the status file lists the package.
    pub status: Option<Status>,
}

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

/// The package universe of one root and apt's policy over it.
#[derive(Debug)]
pub struct Cache {
    /// All index files, the status file first.
    pub files: Vec<IndexFile>,
    packages: Vec<Package>,
    index: HashMap<String, usize>,
    opts: Options,
    /// Problems that did not stop loading (bad stanzas, unreadable lists), each naming its file.
    pub problems: Vec<Error>,
    /// Warnings apt would print (ignored preference stanzas).
    pub warnings: Vec<String>,
}

impl Cache {
    /// An empty cache.
    pub fn new(opts: Options) -> Cache {
        Cache {
            files: Vec::new(),
            packages: Vec::new(),
            index: HashMap::new(),
            opts,
            problems: Vec::new(),
            warnings: Vec::new(),
        }
    }

    fn key(&self, name: &str, arch: &str) -> (String, String) {
        if arch == "all" || arch.is_empty() || arch == self.opts.native_arch {
            (name.to_string(), self.opts.native_arch.clone())
        } else {
            (format!("{name}:{arch}"), arch.to_string())
        }
    }

    fn add_version(
        &mut self,
        rec: &BinaryPackage<'_>,
        version: Version,
        file: usize,
    ) -> (usize, usize) {
        self.add_version_of(rec.name, rec.architecture, rec.source_name(), version, file)
    }

    fn add_version_of(
        &mut self,
        name: &str,
        arch: &str,
        source: &str,
        version: Version,
        file: usize,
    ) -> (usize, usize) {
        // apt and dpkg lower-case package names (Debian bug #807012).
        let lower;
        let name = if name.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = name.to_ascii_lowercase();
            lower.as_str()
        } else {
            name
        };
        let (key, arch) = self.key(name, arch);
        let pi = match self.index.get(&key) {
            Some(&i) => i,
            None => {
                self.packages.push(Package {
                    name: name.to_string(),
                    arch,
                    versions: Vec::new(),
                    current: None,
                    status: None,
                });
                self.index.insert(key, self.packages.len() - 1);
                self.packages.len() - 1
            }
        };
        let p = &mut self.packages[pi];
        let vi = match p
            .versions
            .iter()
            .position(|v| v.version.as_str() == version.as_str())
        {
            Some(i) => i,
            None => {
                p.versions.push(AvailableVersion {
                    version,
                    files: Vec::new(),
                    source: source.to_string(),
                    pin: None,
                });
                p.versions.len() - 1
            }
        };
        if !p.versions[vi].files.contains(&file) {
            p.versions[vi].files.push(file);
        }
        (pi, vi)
    }

    /// Adds the dpkg status file, read with dpkg's strictness
    /// ([`crate::status::StatusFile`]); its problems are recorded in [`Cache::problems`] and
    /// the stanzas that are fine still load.
    pub fn add_status(&mut self, path: &Path, describe: &str, text: &str) {
        self.add_status_file(describe, crate::status::StatusFile::parse(path, text));
    }

    /// Adds a dpkg status file already read (see [`Cache::add_status`]).
    pub fn add_status_file(&mut self, describe: &str, db: crate::status::StatusFile) {
        let file = self.files.len();
        self.files.push(IndexFile {
            path: db.path.clone(),
            describe: describe.to_string(),
            release: None,
            site: None,
            component: "now".into(),
            // apt's status index has no architecture.
            architecture: String::new(),
            is_status: true,
            priority: 100,
        });
        self.problems.extend(db.errors);
        for rec in db.packages {
            let Some(version) = rec.version else { continue };
            let (pi, vi) = self.add_version_of(&rec.name, &rec.arch, &rec.source, version, file);
            let p = &mut self.packages[pi];
            p.status = Some(rec.status);
            if rec.status.is_installed() {
                p.current = Some(vi);
            }
        }
    }

    /// Adds a `Packages` index with its metadata (`priority` and `is_status` are set here).
    pub fn add_index(&mut self, f: IndexFile, text: &str) {
        let file = self.push_index(f);
        let (recs, errs) = crate::control::parse_packages(text);
        for e in errs {
            self.problems
                .push(crate::control::in_file(&self.files[file].path, e));
        }
        for rec in recs {
            self.add_record(file, &rec);
        }
    }

    /// Adds a `Packages` index by streaming it from `reader` through a reused buffer (how
    /// [`Cache::load_root`] reads apt lists: no decompressed copy of the whole file). Bad
    /// stanzas go to [`Cache::problems`]; a read error (corrupt or truncated compressed data)
    /// or non-UTF-8 data stops the index and is returned; records read before it are kept.
    pub fn add_index_reader(
        &mut self,
        f: IndexFile,
        reader: impl std::io::Read,
    ) -> Result<(), crate::control::StreamError> {
        let file = self.push_index(f);
        let mut errs = Vec::new();
        let res = crate::control::stream_packages(
            reader,
            1 << 20,
            |rec| self.add_record(file, rec),
            |e| errs.push(e),
        );
        for e in errs {
            self.problems
                .push(crate::control::in_file(&self.files[file].path, e));
        }
        res
    }

    fn push_index(&mut self, mut f: IndexFile) -> usize {
        f.is_status = false;
        f.priority = f.default_priority();
        self.files.push(f);
        self.files.len() - 1
    }

    fn add_record(&mut self, file: usize, rec: &BinaryPackage<'_>) {
        let arch = rec.architecture;
        if arch != "all"
            && arch != self.opts.native_arch
            && !self.opts.foreign_archs.iter().any(|a| a == arch)
        {
            return;
        }
        match rec.parse_version() {
            Ok(v) => {
                self.add_version(rec, v, file);
            }
            Err(source) => self.problems.push(Error::Version {
                path: self.files[file].path.clone(),
                line: rec.line,
                field: "Version".into(),
                source,
            }),
        }
    }

    /// Loads a root like apt with `-o Dir=ROOT`: `var/lib/dpkg/status`, the indexes of
    /// `etc/apt/sources.list{,.d}` found in `var/lib/apt/lists`, and the preferences.
    pub fn load_root(root: &Path, opts: Options) -> Result<Cache, Error> {
        let mut cache = Cache::new(opts);
        let status = root.join("var/lib/dpkg/status");
        match std::fs::read(&status) {
            // dpkg does not check the encoding: neither do we (lossy), the stanza checks
            // catch what matters.
            Ok(data) => cache.add_status(
                &status,
                &status.display().to_string(),
                &String::from_utf8_lossy(&data),
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                cache.add_status(&status, &status.display().to_string(), "")
            }
            Err(source) => {
                return Err(Error::Io {
                    path: status,
                    source,
                });
            }
        }
        let lists = root.join("var/lib/apt/lists");
        let entries = sources::read_root(root)?;
        let mut seen = std::collections::HashSet::new();
        for e in entries.iter().filter(|e| e.kind == SourceKind::Deb) {
            let release = e
                .release_file_names()
                .iter()
                .map(|n| lists.join(n))
                .find(|p| p.is_file());
            let release = match release.map(|p| Release::read(&p)) {
                Some(Ok(r)) => Some(r),
                Some(Err(err)) => {
                    cache.problems.push(err);
                    None
                }
                None => None,
            };
            let mut archs: Vec<String> = match &e.architectures {
                Some(a) => a.clone(),
                None => std::iter::once(cache.opts.native_arch.clone())
                    .chain(cache.opts.foreign_archs.iter().cloned())
                    .collect(),
            };
            archs.push("all".into());
            let flat = e.suite.ends_with('/');
            let comps: Vec<String> = if flat {
                vec![String::new()]
            } else {
                e.components.clone()
            };
            for comp in &comps {
                for arch in &archs {
                    let base = e.packages_file_name(comp, arch);
                    let Some(path) = ["", ".lz4", ".gz", ".xz", ".zst"]
                        .iter()
                        .map(|ext| lists.join(format!("{base}{ext}")))
                        .find(|p| p.is_file())
                    else {
                        continue;
                    };
                    if !seen.insert(path.clone()) {
                        continue;
                    }
                    let (kind, reader) = match crate::compress::open(&path) {
                        Ok(r) => r,
                        Err(err) => {
                            cache.problems.push(err);
                            continue;
                        }
                    };
                    let meta = IndexFile {
                        path: path.clone(),
                        describe: e.describe(comp, arch),
                        release: release.clone(),
                        site: Some(sources::uri_host(&e.uri)),
                        component: comp.clone(),
                        // A flat repository's index has no architecture (apt gives it no
                        // `b=`, so `Pin: release b=...` never matches it).
                        architecture: if flat { String::new() } else { arch.clone() },
                        is_status: false,
                        priority: 0,
                    };
                    match cache.add_index_reader(meta, reader) {
                        Ok(()) => {}
                        Err(crate::control::StreamError::Io(source)) => {
                            cache.problems.push(Error::Decompress {
                                path: path.clone(),
                                format: kind.name(),
                                source,
                            })
                        }
                        Err(crate::control::StreamError::Syntax(e)) => {
                            cache.problems.push(crate::control::in_file(&path, e))
                        }
                    }
                }
            }
        }
        let mut stanzas = Vec::new();
        let main = root.join("etc/apt/preferences");
        if main.is_file() {
            stanzas.extend(cache.read_prefs(&main)?);
        }
        let dir = root.join("etc/apt/preferences.d");
        if let Ok(rd) = std::fs::read_dir(&dir) {
            let mut names: Vec<_> = rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| {
                    sources::apt_reads_part(n, "") && (!n.contains('.') || n.ends_with(".pref"))
                })
                .collect();
            names.sort();
            for n in names {
                let p = dir.join(n);
                if p.is_file() {
                    stanzas.extend(cache.read_prefs(&p)?);
                }
            }
        }
        cache.apply_preferences(&stanzas)?;
        Ok(cache)
    }

    fn read_prefs(&mut self, path: &Path) -> Result<Vec<PinStanza>, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let (s, w) = parse_preferences(&text, path)?;
        self.warnings.extend(w);
        Ok(s)
    }

    /// Sorts versions and applies the target release and preference stanzas (in order).
    pub fn apply_preferences(&mut self, stanzas: &[PinStanza]) -> Result<(), Error> {
        for p in &mut self.packages {
            // Highest first; stable so equal versions keep their first-seen order.
            let cur = p
                .current
                .map(|i| p.versions[i].version.as_str().to_string());
            p.versions.sort_by(|a, b| b.version.cmp(&a.version));
            p.current = cur.and_then(|c| p.versions.iter().position(|v| v.version.as_str() == c));
            for v in &mut p.versions {
                v.pin = None;
            }
        }
        for f in &mut self.files {
            f.priority = f.default_priority();
        }
        // Generic pins: the target release first, then `Package: *` stanzas in order.
        let mut defaults: Vec<(Matcher, i32)> = Vec::new();
        if let Some(rel) = &self.opts.target_release {
            let m = ReleaseMatch::new(rel);
            let e = Expr::new(rel);
            let found = rel.len() > 2 && rel.as_bytes()[1] == b'='
                || e.matches(Some("now"))
                || self
                    .files
                    .iter()
                    .filter_map(|f| f.release.as_ref())
                    .any(|r| {
                        e.matches(r.suite.as_deref())
                            || e.matches(r.codename.as_deref())
                            || e.matches(r.version.as_deref())
                    });
            if !found {
                return Err(Error::Config {
                    path: PathBuf::from("APT::Default-Release"),
                    line: 0,
                    message: format!(
                        "the value '{rel}' is invalid for APT::Default-Release as such a release is not available in the sources"
                    ),
                });
            }
            defaults.push((Matcher::Release(Box::new(m)), 990));
        }
        for s in stanzas.iter().filter(|s| s.is_generic()) {
            defaults.push((Matcher::new(&s.pin), s.priority));
        }
        let mut fixed = vec![false; self.files.len()];
        for (m, prio) in &defaults {
            for (i, f) in self.files.iter_mut().enumerate() {
                if (!fixed[i] || *prio == NEVER_PIN) && f.priority != NEVER_PIN && m.file_match(f) {
                    f.priority = *prio;
                    fixed[i] = true;
                }
            }
        }
        // Specific pins, first match per version wins.
        let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, p) in self.packages.iter().enumerate() {
            by_name.entry(p.name.as_str()).or_default().push(i);
        }
        let mut by_source: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        for (i, p) in self.packages.iter().enumerate() {
            for (j, v) in p.versions.iter().enumerate() {
                by_source.entry(v.source.as_str()).or_default().push((i, j));
            }
        }
        let mut names_sorted: Vec<&str> = by_name.keys().copied().collect();
        names_sorted.sort_unstable();
        let mut pins: Vec<(usize, usize, i32)> = Vec::new();
        let mut claimed = std::collections::HashSet::new();
        for s in stanzas.iter().filter(|s| !s.is_generic()) {
            let m = Matcher::new(&s.pin);
            for name in &s.packages {
                let (is_src, rest) = match name.strip_prefix("src:") {
                    Some(r) => (true, r),
                    None => (false, name.as_str()),
                };
                let (base, arch) = match rest.rfind(':') {
                    Some(i) => (&rest[..i], Some(&rest[i + 1..])),
                    None => (rest, None),
                };
                let targets: Vec<&str> = if base.is_empty() {
                    Vec::new()
                } else if (base.starts_with('/') && base.ends_with('/') && base.len() > 1)
                    || base.contains(['*', '[', '?'])
                {
                    let e = Expr::new(base);
                    names_sorted
                        .iter()
                        .copied()
                        .filter(|n| *n != base && e.matches(Some(n)))
                        .collect()
                } else {
                    vec![base]
                };
                let want_arch = arch.unwrap_or(&self.opts.native_arch);
                for t in targets {
                    let candidates: Vec<(usize, usize)> = if is_src {
                        by_source.get(t).cloned().unwrap_or_default()
                    } else {
                        by_name
                            .get(t)
                            .map(|ps| {
                                ps.iter()
                                    .flat_map(|&pi| {
                                        (0..self.packages[pi].versions.len())
                                            .map(move |vi| (pi, vi))
                                    })
                                    .collect()
                            })
                            .unwrap_or_default()
                    };
                    for (pi, vi) in candidates {
                        let p = &self.packages[pi];
                        if !arch_spec_matches(want_arch, &p.arch) {
                            continue;
                        }
                        let v = &p.versions[vi];
                        let ok = match &m {
                            Matcher::Version { prefix, ver, expr } => {
                                match_ver(Some(v.version.as_str()), ver, *prefix)
                                    || expr.matches(Some(v.version.as_str()))
                            }
                            other => v.files.iter().any(|&f| other.file_match(&self.files[f])),
                        };
                        if ok && claimed.insert((pi, vi)) {
                            pins.push((pi, vi, s.priority));
                        }
                    }
                }
            }
        }
        for (pi, vi, prio) in pins {
            self.packages[pi].versions[vi].pin = Some(prio);
        }
        Ok(())
    }

    /// The priority of a version (apt's `GetPriority(Ver, true)`).
    pub fn priority(&self, pkg: &Package, vi: usize) -> i32 {
        let v = &pkg.versions[vi];
        if let Some(pin) = v.pin {
            if pin == NEVER_PIN {
                return NEVER_PIN;
            }
            if v.files.iter().any(|&f| self.files[f].priority != NEVER_PIN) {
                return pin;
            }
        }
        let mut prio: Option<i32> = None;
        for &f in &v.files {
            let file = &self.files[f];
            let p = if file.is_status && pkg.current != Some(vi) {
                -1
            } else {
                file.priority
            };
            prio = Some(prio.map_or(p, |x: i32| x.max(p)));
        }
        prio.unwrap_or(0)
    }

    /// The candidate version index (apt's `GetCandidateVer`), None when no version qualifies.
    pub fn candidate(&self, pkg: &Package) -> Option<usize> {
        let cur = pkg.current.map(|i| &pkg.versions[i].version);
        let mut cand = None;
        let mut cand_prio = -1;
        for (i, v) in pkg.versions.iter().enumerate() {
            let prio = self.priority(pkg, i);
            if prio == 0 || prio <= cand_prio {
                continue;
            }
            if let Some(c) = cur
                && prio < 1000
                && v.version < *c
            {
                continue;
            }
            cand_prio = prio;
            cand = Some(i);
        }
        cand
    }

    /// A package by name, as apt-cache looks it up: `name` and `name:native` for the native
    /// architecture (and `all`), `name:arch` otherwise, `name:any` for the native package if
    /// there is one, else the first architecture that has it. Names are case-sensitive, as
    /// in apt-cache.
    pub fn package(&self, name: &str) -> Option<&Package> {
        let key = match name.split_once(':') {
            Some((n, a)) if a == self.opts.native_arch || a == "all" || a == "native" => n,
            Some((n, "any")) => {
                return self.index.get(n).map(|&i| &self.packages[i]).or_else(|| {
                    self.opts
                        .foreign_archs
                        .iter()
                        .find_map(|a| self.index.get(&format!("{n}:{a}")))
                        .map(|&i| &self.packages[i])
                });
            }
            _ => name,
        };
        self.index.get(key).map(|&i| &self.packages[i])
    }

    /// The index files in the order `apt-cache policy` lists them: the status file, then the
    /// indexes in the reverse of the order the sources name them (apt prepends each file it
    /// adds to its cache).
    pub fn files_in_apt_order(&self) -> impl Iterator<Item = &IndexFile> {
        self.files
            .iter()
            .filter(|f| f.is_status)
            .chain(self.files.iter().rev().filter(|f| !f.is_status))
    }

    /// The versions that a specific preferences stanza pins, with their pin (apt-cache
    /// policy's `Pinned packages:` section): `(name, or name:arch for a foreign package;
    /// version; priority)`, versions highest first, packages in the order apt walks its
    /// package hash table (see [`apt_hash_order`]).
    pub fn pinned(&self) -> Vec<(String, &Version, i32)> {
        let mut out = Vec::new();
        let mut order: Vec<&Package> = self.packages.iter().collect();
        order.sort_by_cached_key(|p| apt_hash_order(&p.name, &p.arch));
        for p in order {
            for v in &p.versions {
                if let Some(pin) = v.pin.filter(|&pin| pin != 0) {
                    let name = if p.arch == self.opts.native_arch || p.arch == "all" {
                        p.name.clone()
                    } else {
                        format!("{}:{}", p.name, p.arch)
                    };
                    out.push((name, &v.version, pin));
                }
            }
        }
        out
    }

    /// Whether `name` (without `:arch`) is a package apt knows without any version: one that
    /// some stanza of the indexes or the status file provides or names in a dependency
    /// field (apt-cache policy prints an empty stanza for it). This re-reads the files, so
    /// call it only for names [`Cache::package`] does not find.
    pub fn is_virtual(&self, name: &str) -> bool {
        let name = name
            .split_once(':')
            .map_or(name, |(n, _)| n)
            .to_ascii_lowercase();
        let finder = memchr::memmem::Finder::new(name.as_bytes());
        let mut found = false;
        for f in &self.files {
            let Ok((_, reader)) = crate::compress::open(&f.path) else {
                continue;
            };
            let _ = crate::control::stream_packages(
                reader,
                1 << 20,
                |rec| {
                    if found {
                        return;
                    }
                    found = crate::control::DepField::ALL.iter().any(|&d| {
                        rec.dep(d).is_some_and(|raw| {
                            finder.find(raw.to_ascii_lowercase().as_bytes()).is_some()
                                && rec.relations(d).is_ok_and(|rels| {
                                    rels.iter()
                                        .flatten()
                                        .any(|r| r.name.eq_ignore_ascii_case(&name))
                                })
                        })
                    });
                },
                |_| {},
            );
            if found {
                return true;
            }
        }
        false
    }

    /// All packages, in load order.
    pub fn packages(&self) -> &[Package] {
        &self.packages
    }

    /// The options the cache was built with.
    pub fn options(&self) -> &Options {
        &self.opts
    }

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

/// The key by which libapt-pkg 2.x iterates packages (`pkgCache::PkgIterator`): the bucket
/// of its package hash table (`pkgCache::sHash`: djb2 over the lower-cased name, modulo
/// the default table size of 196613), then, within a bucket, the name by length and bytes
/// (`StringViewCompareFast`), then the architecture.
pub fn apt_hash_order(name: &str, arch: &str) -> (u32, usize, String, String) {
    const TABLE: u32 = 196_613;
    let hash = name.bytes().fold(5381u32, |h, c| {
        h.wrapping_mul(33)
            .wrapping_add(u32::from(c.to_ascii_lowercase()))
    });
    (hash % TABLE, name.len(), name.to_string(), arch.to_string())
}

/// apt's `PackageArchitectureMatchesSpecification` for the simple cases (exact, `any`).
fn arch_spec_matches(spec: &str, arch: &str) -> bool {
    spec == arch || spec == "any" || crate::relation::arch_matches(spec, arch)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_release_from_apt_conf() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("etc/apt/apt.conf.d");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join("00x"),
            "// APT::Default-Release \"nope\";\nAPT::Default-Release \"stable\";\n",
        )
        .unwrap();
        std::fs::write(d.join("99.disabled"), "APT::Default-Release \"ignored\";\n").unwrap();
        assert_eq!(
            default_release_from_conf(dir.path()).as_deref(),
            Some("stable")
        );
        std::fs::write(
            dir.path().join("etc/apt/apt.conf"),
            "APT {\n  Default-Release \"bookworm-backports\";\n};\n",
        )
        .unwrap();
        assert_eq!(
            default_release_from_conf(dir.path()).as_deref(),
            Some("bookworm-backports")
        );
    }

    #[test]
    fn fnmatch_like_glibc() {
        assert!(fnmatch("1.2*", "1.2.3-1"));
        assert!(fnmatch("*", ""));
        assert!(fnmatch("docker-*", "DOCKER-ce"));
        assert!(fnmatch("lib?oo", "libfoo"));
        assert!(!fnmatch("lib?oo", "liboo"));
        assert!(fnmatch("[a-c]x", "bx"));
        assert!(!fnmatch("[!a-c]x", "bx"));
        assert!(fnmatch("a*b*c", "aXXbYYc"));
        assert!(!fnmatch("a*b*c", "aXXbYY"));
        assert!(fnmatch("a\\*", "a*"));
        assert!(fnmatch("[x", "[x"));
        assert!(fnmatch("*/*", "a/b"));
    }

    #[test]
    fn preferences_parse_like_apt() {
        let text = "# comment only\n\nExplanation: pin docker\nPackage: docker-ce docker-ce-cli\nPin: version 5:23.0.*\nPin-Priority: 1001\n\nPackage: *\nPin: release a=bookworm-backports\nPin-Priority: 100\n\nPackage: x\nPin: bogus thing\nPin-Priority: 5\n\nPackage: *\nPin: origin \"\"\nPin-Priority: never\n";
        let (s, w) = parse_preferences(text, Path::new("p")).unwrap();
        assert_eq!(s.len(), 3);
        assert_eq!(s[0].packages, ["docker-ce", "docker-ce-cli"]);
        assert_eq!(s[0].pin, PinKind::Version("5:23.0.*".into()));
        assert_eq!(s[0].line, 3);
        assert!(s[1].is_generic());
        assert_eq!(s[2].priority, NEVER_PIN);
        assert_eq!(w.len(), 1);
        for bad in [
            "Pin: release a=x\nPin-Priority: 1\n",
            "Package: x\nPin: release a=x\nPin-Priority: 0\n",
            "Package: x\nPin: release a=x\nPin-Priority: 99999\n",
            "Package: x\nPin: release a=x\nPin-Priority: 12abc\n",
            "Package: x\nPin: release a=x\nPin-Priority: never\n",
        ] {
            let e = parse_preferences(bad, Path::new("/etc/apt/preferences")).unwrap_err();
            assert!(e.to_string().starts_with("/etc/apt/preferences:1:"), "{e}");
        }
    }

    fn tiny_cache(prefs: &str, target: Option<&str>) -> Cache {
        let mut c = Cache::new(Options {
            native_arch: "amd64".into(),
            foreign_archs: vec![],
            target_release: target.map(str::to_string),
        });
        c.add_status(
            Path::new("status"),
            "/var/lib/dpkg/status",
            "Package: a\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n\nPackage: h\nStatus: hold ok installed\nVersion: 2\nArchitecture: all\n\nPackage: gone\nStatus: deinstall ok config-files\nVersion: 9\nArchitecture: amd64\n",
        );
        let rel = |suite: &str, na: bool, bau: bool| Release {
            suite: Some(suite.into()),
            codename: Some(suite.into()),
            origin: Some("Debian".into()),
            not_automatic: na,
            but_automatic_upgrades: bau,
            ..Release::default()
        };
        let idx = |name: &str, release: Release| IndexFile {
            path: name.into(),
            describe: name.into(),
            release: Some(release),
            site: Some("deb.debian.org".into()),
            component: "main".into(),
            architecture: "amd64".into(),
            is_status: false,
            priority: 0,
        };
        c.add_index(
            idx("main", rel("stable", false, false)),
            "Package: a\nVersion: 1.0\nArchitecture: amd64\n\nPackage: a\nVersion: 0.9\nArchitecture: amd64\n\nPackage: h\nVersion: 3\nArchitecture: all\n\nPackage: gone\nVersion: 8\nArchitecture: amd64\n",
        );
        c.add_index(
            idx("bpo", rel("stable-backports", true, true)),
            "Package: a\nVersion: 2.0\nArchitecture: amd64\n",
        );
        let (s, _) = parse_preferences(prefs, Path::new("prefs")).unwrap();
        c.apply_preferences(&s).unwrap();
        c
    }

    fn cand(c: &Cache, n: &str) -> Option<String> {
        let p = c.package(n).unwrap();
        c.candidate(p).map(|i| p.versions[i].version.to_string())
    }

    #[test]
    fn defaults_and_pins() {
        let c = tiny_cache("", None);
        assert_eq!(cand(&c, "a").as_deref(), Some("1.0"));
        assert_eq!(cand(&c, "h").as_deref(), Some("3"));
        assert_eq!(cand(&c, "gone").as_deref(), Some("8"));
        let a = c.package("a").unwrap();
        assert_eq!(c.priority(a, 0), 100, "backports");
        let c = tiny_cache("", Some("stable-backports"));
        assert_eq!(cand(&c, "a").as_deref(), Some("2.0"));
        let c = tiny_cache("Package: a\nPin: version 0.9\nPin-Priority: 1001\n", None);
        assert_eq!(cand(&c, "a").as_deref(), Some("0.9"), ">= 1000 downgrades");
        let c = tiny_cache("Package: a\nPin: version 0.9\nPin-Priority: 999\n", None);
        assert_eq!(
            cand(&c, "a").as_deref(),
            Some("1.0"),
            "< 1000 never downgrades"
        );
        let c = tiny_cache(
            "Package: /^[ab]$/\nPin: release a=stable\nPin-Priority: -1\n",
            None,
        );
        assert_eq!(
            cand(&c, "a").as_deref(),
            Some("2.0"),
            "a -1 pin covers the installed version too, so backports (100) wins"
        );
        let c = tiny_cache("Package: *\nPin: release *\nPin-Priority: -10\n", None);
        assert_eq!(cand(&c, "gone"), None);
        assert!(tiny_cache("", None).apply_preferences(&[]).is_ok());
        let mut c = tiny_cache("", None);
        c.opts.target_release = Some("nosuch".into());
        assert!(c.apply_preferences(&[]).is_err());
    }
}
