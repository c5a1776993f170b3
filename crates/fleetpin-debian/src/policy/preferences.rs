//! Preferences files (apt_preferences(5)): stanzas, apt's glob and regex matching, and the
//! `Pin:` matchers (`version`, `release`, `origin`).

use std::path::{Path, PathBuf};

use crate::Error;
use crate::deb822::Parser;
use crate::release::Release;

use super::IndexFile;

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
pub(super) struct Expr {
    regex: Option<Option<regex::Regex>>,
    glob: String,
}

impl Expr {
    pub(super) fn new(pattern: &str) -> Expr {
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

    pub(super) fn matches(&self, s: Option<&str>) -> bool {
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
pub(super) enum Matcher {
    Version {
        prefix: bool,
        ver: String,
        expr: Expr,
    },
    Release(Box<ReleaseMatch>),
    Origin(Expr, String),
}

#[derive(Debug, Clone, Default)]
pub(super) struct ReleaseMatch {
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
pub(super) fn match_ver(a: Option<&str>, b: &str, prefix: bool) -> bool {
    let Some(a) = a else { return false };
    if (a.len() != b.len() && !prefix) || a.len() < b.len() {
        return false;
    }
    a.as_bytes()[..b.len()].eq_ignore_ascii_case(b.as_bytes())
}

impl Matcher {
    pub(super) fn new(kind: &PinKind) -> Matcher {
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
    pub(super) fn file_match(&self, f: &IndexFile) -> bool {
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
    pub(super) fn new(data: &str) -> ReleaseMatch {
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

    pub(super) fn empty(&self) -> bool {
        self.ver.is_none()
            && self.origin.is_none()
            && self.archive.is_none()
            && self.codename.is_none()
            && self.release.is_none()
            && self.label.is_none()
            && self.component.is_none()
            && self.arch.is_none()
    }

    pub(super) fn file_match(&self, f: &IndexFile) -> bool {
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
