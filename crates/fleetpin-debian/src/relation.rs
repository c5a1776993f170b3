//! Dependency fields (Depends, Pre-Depends, Recommends, Suggests, Breaks, Conflicts, Provides,
//! Replaces, Build-Depends...) and whether they are satisfied by a set of installed packages.
//!
//! Syntax (deb-control(5), deb-src-control(5)): comma-separated groups of `|` alternatives,
//! each `name[:archqual] [(op version)] [[arch ...]] [<profile ...>]...`. Operators are `<<`,
//! `<=`, `=`, `>=`, `>>` and the obsolete `<` and `>` (which mean `<=` and `>=`, as dpkg
//! reads them).

use std::collections::HashMap;
use std::fmt;

use crate::version::{Version, VersionError};

/// Why a relation field does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelationError {
    /// A package name is missing or has characters dpkg does not allow.
    #[error("bad package name `{0}`")]
    BadName(String),
    /// A `(` without a valid operator.
    #[error("bad version relation operator in `{0}`")]
    BadOperator(String),
    /// A version inside `( )` that dpkg rejects.
    #[error("bad version `{version}`")]
    BadVersion {
        /// The version text.
        version: String,
        /// Why.
        source: VersionError,
    },
    /// An unterminated `(`, `[` or `<`.
    #[error("unterminated `{0}`")]
    Unterminated(char),
    /// Unexpected text after a relation.
    #[error("unexpected `{0}` after relation")]
    Trailing(String),
    /// `[amd64 !i386]`: mixed positive and negated architectures.
    #[error("architecture list mixes negated and plain entries: `{0}`")]
    MixedArchList(String),
}

/// A version relation operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Op {
    /// `<<` strictly earlier.
    #[serde(rename = "<<")]
    Lt,
    /// `<=` earlier or equal (also the obsolete `<`).
    #[serde(rename = "<=")]
    Le,
    /// `=` exactly equal.
    #[serde(rename = "=")]
    Eq,
    /// `>=` later or equal (also the obsolete `>`).
    #[serde(rename = ">=")]
    Ge,
    /// `>>` strictly later.
    #[serde(rename = ">>")]
    Gt,
}

impl Op {
    /// Parses `<<`, `<=`, `=`, `>=`, `>>` and the obsolete `<`, `>`.
    pub fn parse(s: &str) -> Option<Op> {
        Some(match s {
            "<<" => Op::Lt,
            "<=" | "<" => Op::Le,
            "=" => Op::Eq,
            ">=" | ">" => Op::Ge,
            ">>" => Op::Gt,
            _ => return None,
        })
    }

    /// Whether `have OP want` holds.
    pub fn holds(self, have: &Version, want: &Version) -> bool {
        let o = have.cmp(want);
        match self {
            Op::Lt => o.is_lt(),
            Op::Le => o.is_le(),
            Op::Eq => o.is_eq(),
            Op::Ge => o.is_ge(),
            Op::Gt => o.is_gt(),
        }
    }

    /// The canonical spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Gt => ">>",
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One entry of an architecture restriction list `[amd64 !i386 linux-any]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ArchSpec {
    /// `!arch`.
    pub negated: bool,
    /// The architecture or wildcard (`linux-any`, `any-amd64`).
    pub arch: String,
}

/// One term of a build profile restriction `<!nocheck cross>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProfileTerm {
    /// `!profile`.
    pub negated: bool,
    /// The profile name.
    pub name: String,
}

/// One possible package in a dependency: `name[:arch] [(op version)] [archs] <profiles>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Relation {
    /// The package name.
    pub name: String,
    /// `:any`, `:native` or an explicit architecture.
    pub arch_qualifier: Option<String>,
    /// The version constraint.
    pub constraint: Option<(Op, Version)>,
    /// Architecture restriction list (build dependencies); empty when absent.
    pub architectures: Vec<ArchSpec>,
    /// Build profile restriction formula: the relation applies when any group has all its
    /// terms true. Empty when absent.
    pub profiles: Vec<Vec<ProfileTerm>>,
}

/// A comma-separated dependency field: every group must be satisfied, a group by any one of
/// its alternatives.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Relations(pub Vec<Vec<Relation>>);

/// Multi-Arch field values.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum MultiArch {
    /// No Multi-Arch field.
    #[default]
    No,
    /// `Multi-Arch: same`.
    Same,
    /// `Multi-Arch: foreign`.
    Foreign,
    /// `Multi-Arch: allowed`.
    Allowed,
}

impl MultiArch {
    /// Parses the field value (unknown values read as `No`, as apt does).
    pub fn parse(s: &str) -> MultiArch {
        match s.trim() {
            "same" => MultiArch::Same,
            "foreign" => MultiArch::Foreign,
            "allowed" => MultiArch::Allowed,
            _ => MultiArch::No,
        }
    }
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'+' | b'-' | b'.' | b'_')
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    fn ws(&mut self) {
        let b = self.s.as_bytes();
        while self.i < b.len() && b[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }
    fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let b = self.s.as_bytes();
        let st = self.i;
        while self.i < b.len() && f(b[self.i]) {
            self.i += 1;
        }
        &self.s[st..self.i]
    }
    fn until(&mut self, close: u8, open: char) -> Result<&'a str, RelationError> {
        let rest = &self.s.as_bytes()[self.i..];
        let Some(e) = memchr::memchr(close, rest) else {
            return Err(RelationError::Unterminated(open));
        };
        let inner = &self.s[self.i..self.i + e];
        self.i += e + 1;
        Ok(inner)
    }
}

impl Relation {
    /// Parses a single relation (no `,` or `|`).
    pub fn parse(s: &str) -> Result<Relation, RelationError> {
        let mut c = Cursor { s, i: 0 };
        let r = Relation::parse_at(&mut c)?;
        c.ws();
        if c.i != s.len() {
            return Err(RelationError::Trailing(s[c.i..].to_string()));
        }
        Ok(r)
    }

    fn parse_at(c: &mut Cursor<'_>) -> Result<Relation, RelationError> {
        c.ws();
        let name = c.take_while(is_name_char);
        if name.is_empty() || !name.as_bytes()[0].is_ascii_alphanumeric() {
            let rest: String = c.s[c.i..].chars().take(20).collect();
            return Err(RelationError::BadName(format!("{name}{rest}")));
        }
        let mut rel = Relation {
            name: name.to_string(),
            arch_qualifier: None,
            constraint: None,
            architectures: Vec::new(),
            profiles: Vec::new(),
        };
        if c.peek() == Some(b':') {
            c.i += 1;
            let q = c.take_while(|b| b.is_ascii_alphanumeric() || b == b'-');
            if q.is_empty() {
                return Err(RelationError::BadName(format!("{name}:")));
            }
            rel.arch_qualifier = Some(q.to_string());
        }
        c.ws();
        if c.peek() == Some(b'(') {
            c.i += 1;
            let inner = c.until(b')', '(')?;
            let inner = inner.trim();
            let op_len = inner
                .bytes()
                .take_while(|b| matches!(b, b'<' | b'>' | b'='))
                .count();
            let op = Op::parse(&inner[..op_len])
                .ok_or_else(|| RelationError::BadOperator(inner.to_string()))?;
            let vs = inner[op_len..].trim();
            let v = Version::parse(vs).map_err(|source| RelationError::BadVersion {
                version: vs.to_string(),
                source,
            })?;
            rel.constraint = Some((op, v));
            c.ws();
        }
        if c.peek() == Some(b'[') {
            c.i += 1;
            let inner = c.until(b']', '[')?;
            for a in inner.split_ascii_whitespace() {
                let (negated, arch) = match a.strip_prefix('!') {
                    Some(x) => (true, x),
                    None => (false, a),
                };
                rel.architectures.push(ArchSpec {
                    negated,
                    arch: arch.to_string(),
                });
            }
            if rel.architectures.iter().any(|a| a.negated)
                && rel.architectures.iter().any(|a| !a.negated)
            {
                return Err(RelationError::MixedArchList(inner.to_string()));
            }
            c.ws();
        }
        while c.peek() == Some(b'<') {
            c.i += 1;
            let inner = c.until(b'>', '<')?;
            rel.profiles.push(
                inner
                    .split_ascii_whitespace()
                    .map(|t| match t.strip_prefix('!') {
                        Some(x) => ProfileTerm {
                            negated: true,
                            name: x.to_string(),
                        },
                        None => ProfileTerm {
                            negated: false,
                            name: t.to_string(),
                        },
                    })
                    .collect(),
            );
            c.ws();
        }
        Ok(rel)
    }

    /// Whether the relation applies on `host_arch` with the active build `profiles` (its
    /// `[arch]` list and `<profile>` formula both allow it).
    pub fn applies(&self, host_arch: &str, profiles: &[&str]) -> bool {
        let arch_ok = if self.architectures.is_empty() {
            true
        } else if self.architectures[0].negated {
            !self
                .architectures
                .iter()
                .any(|a| arch_matches(&a.arch, host_arch))
        } else {
            self.architectures
                .iter()
                .any(|a| arch_matches(&a.arch, host_arch))
        };
        let profile_ok = self.profiles.is_empty()
            || self.profiles.iter().any(|group| {
                group
                    .iter()
                    .all(|t| profiles.contains(&t.name.as_str()) != t.negated)
            });
        arch_ok && profile_ok
    }

    /// Whether `version` satisfies the version constraint (always true without one).
    pub fn version_ok(&self, version: &Version) -> bool {
        match &self.constraint {
            None => true,
            Some((op, want)) => op.holds(version, want),
        }
    }

    /// Whether an installed set satisfies this relation, directly or through `Provides`.
    ///
    /// Architecture rules follow dpkg's `deparchsatisfied()` for a dependency of a native (or
    /// `Architecture: all`) package: an unqualified name is satisfied by a native/`all`
    /// package or any `Multi-Arch: foreign` one, `:any` only by `Multi-Arch: allowed`,
    /// `:native` and `:ARCH` by that architecture.
    pub fn satisfied_by(&self, installed: &Installed) -> bool {
        !self.satisfiers(installed).is_empty()
    }

    /// The installed packages that satisfy this relation (by name, or by a Provides).
    pub fn satisfiers<'i>(&self, installed: &'i Installed) -> Vec<&'i InstalledPackage> {
        let mut out = Vec::new();
        if let Some(list) = installed.by_name.get(&self.name) {
            for &i in list {
                let p = &installed.packages[i];
                if self.arch_ok(p, installed) && self.version_ok(&p.version) {
                    out.push(p);
                }
            }
        }
        if let Some(list) = installed.providers.get(&self.name) {
            for (i, pv) in list {
                let p = &installed.packages[*i];
                if !self.arch_ok(p, installed) {
                    continue;
                }
                let ok = match (&self.constraint, pv) {
                    (None, _) => true,
                    // An unversioned Provides never satisfies a versioned dependency.
                    (Some(_), None) => false,
                    (Some((op, want)), Some(have)) => op.holds(have, want),
                };
                if ok && !out.iter().any(|o| std::ptr::eq(*o, p)) {
                    out.push(p);
                }
            }
        }
        out
    }

    fn arch_ok(&self, p: &InstalledPackage, set: &Installed) -> bool {
        let native = set.native_arch.as_str();
        let same_arch = p.architecture == native || p.architecture == "all";
        match self.arch_qualifier.as_deref() {
            None => same_arch || p.multi_arch == MultiArch::Foreign,
            // dpkg's deparchsatisfied(): `:any` needs `Multi-Arch: allowed` (for dependencies;
            // a foreign package satisfies only the unqualified name).
            Some("any") => p.multi_arch == MultiArch::Allowed,
            Some("native") => same_arch,
            Some(a) => p.architecture == a || (p.architecture == "all" && a == native),
        }
    }
}

/// Whether an architecture wildcard (`any`, `linux-any`, `any-amd64`, `amd64`) matches
/// `arch` (a Debian architecture name; `amd64` is `linux-amd64`).
pub fn arch_matches(pattern: &str, arch: &str) -> bool {
    if pattern == arch || pattern == "any" {
        return true;
    }
    let split = |a: &str| -> (String, String) {
        match a.split_once('-') {
            Some((os, cpu)) => (os.to_string(), cpu.to_string()),
            None => ("linux".to_string(), a.to_string()),
        }
    };
    let (aos, acpu) = split(arch);
    match pattern.split_once('-') {
        Some(("any", cpu)) => cpu == acpu,
        Some((os, "any")) => os == aos,
        Some((os, cpu)) => os == aos && cpu == acpu,
        None => pattern == acpu && aos == "linux",
    }
}

impl Relations {
    /// Parses a whole field. Empty groups (`a, , b`, a trailing comma) are skipped.
    pub fn parse(s: &str) -> Result<Relations, RelationError> {
        let mut groups = Vec::new();
        for group in s.split(',') {
            if group.trim().is_empty() {
                continue;
            }
            let mut alts = Vec::new();
            for alt in group.split('|') {
                alts.push(Relation::parse(alt)?);
            }
            groups.push(alts);
        }
        Ok(Relations(groups))
    }

    /// Whether every group has an alternative satisfied by `installed`, considering only
    /// relations that apply on the installed set's native architecture (no build profiles).
    pub fn satisfied_by(&self, installed: &Installed) -> bool {
        self.unsatisfied(installed).is_empty()
    }

    /// The groups that no installed package satisfies.
    pub fn unsatisfied<'r>(&'r self, installed: &Installed) -> Vec<&'r [Relation]> {
        self.0
            .iter()
            .filter(|g| {
                let applicable: Vec<_> = g
                    .iter()
                    .filter(|r| r.applies(&installed.native_arch, &[]))
                    .collect();
                !applicable.is_empty() && !applicable.iter().any(|r| r.satisfied_by(installed))
            })
            .map(|g| g.as_slice())
            .collect()
    }

    /// Iterates over the groups.
    pub fn iter(&self) -> std::slice::Iter<'_, Vec<Relation>> {
        self.0.iter()
    }
}

impl fmt::Display for Relation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if let Some(q) = &self.arch_qualifier {
            write!(f, ":{q}")?;
        }
        if let Some((op, v)) = &self.constraint {
            write!(f, " ({op} {v})")?;
        }
        if !self.architectures.is_empty() {
            f.write_str(" [")?;
            for (i, a) in self.architectures.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{}{}", if a.negated { "!" } else { "" }, a.arch)?;
            }
            f.write_str("]")?;
        }
        for g in &self.profiles {
            f.write_str(" <")?;
            for (i, t) in g.iter().enumerate() {
                if i > 0 {
                    f.write_str(" ")?;
                }
                write!(f, "{}{}", if t.negated { "!" } else { "" }, t.name)?;
            }
            f.write_str(">")?;
        }
        Ok(())
    }
}

impl fmt::Display for Relations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, g) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            for (j, r) in g.iter().enumerate() {
                if j > 0 {
                    f.write_str(" | ")?;
                }
                write!(f, "{r}")?;
            }
        }
        Ok(())
    }
}

/// An installed package, as far as dependency satisfaction needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledPackage {
    /// Package name.
    pub name: String,
    /// Installed version.
    pub version: Version,
    /// Architecture (`amd64`, `all`, ...).
    pub architecture: String,
    /// Its Multi-Arch field.
    pub multi_arch: MultiArch,
    /// Its Provides field.
    pub provides: Relations,
}

/// A set of installed packages indexed by name and by what they provide.
#[derive(Debug, Clone, Default)]
pub struct Installed {
    native_arch: String,
    packages: Vec<InstalledPackage>,
    by_name: HashMap<String, Vec<usize>>,
    providers: HashMap<String, Vec<(usize, Option<Version>)>>,
}

impl Installed {
    /// An empty set for a host of architecture `native_arch` (e.g. `amd64`).
    pub fn new(native_arch: &str) -> Installed {
        Installed {
            native_arch: native_arch.to_string(),
            ..Installed::default()
        }
    }

    /// Adds a package (and indexes its Provides; `name (= version)` provides that version).
    pub fn insert(&mut self, p: InstalledPackage) {
        let idx = self.packages.len();
        self.by_name.entry(p.name.clone()).or_default().push(idx);
        for g in p.provides.iter() {
            for r in g {
                let v = match &r.constraint {
                    Some((Op::Eq, v)) => Some(v.clone()),
                    _ => None,
                };
                self.providers
                    .entry(r.name.clone())
                    .or_default()
                    .push((idx, v));
            }
        }
        self.packages.push(p);
    }

    /// The packages in insertion order.
    pub fn packages(&self) -> &[InstalledPackage] {
        &self.packages
    }

    /// The native architecture.
    pub fn native_arch(&self) -> &str {
        &self.native_arch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkg(name: &str, v: &str, arch: &str, ma: MultiArch, provides: &str) -> InstalledPackage {
        InstalledPackage {
            name: name.into(),
            version: Version::parse(v).unwrap(),
            architecture: arch.into(),
            multi_arch: ma,
            provides: Relations::parse(provides).unwrap(),
        }
    }

    #[test]
    fn parses_every_part() {
        let r = Relations::parse(
            "libc6 (>= 2.36), foo:any | bar (<< 1:2~) [amd64 arm64] <!nocheck> <stage1 cross>,\n python3:native, baz (> 1), qux (< 2),",
        )
        .unwrap();
        assert_eq!(r.0.len(), 5);
        assert_eq!(r.0[0][0].constraint.as_ref().unwrap().0, Op::Ge);
        assert_eq!(r.0[1][0].arch_qualifier.as_deref(), Some("any"));
        let bar = &r.0[1][1];
        assert_eq!(bar.architectures.len(), 2);
        assert_eq!(bar.profiles.len(), 2);
        assert!(bar.profiles[0][0].negated);
        assert_eq!(r.0[3][0].constraint.as_ref().unwrap().0, Op::Ge);
        assert_eq!(r.0[4][0].constraint.as_ref().unwrap().0, Op::Le);
        assert_eq!(
            r.to_string(),
            "libc6 (>= 2.36), foo:any | bar (<< 1:2~) [amd64 arm64] <!nocheck> <stage1 cross>, python3:native, baz (>= 1), qux (<= 2)"
        );
    }

    #[test]
    fn rejects_bad_fields() {
        for bad in [
            "foo (>= )",
            "foo (~ 1)",
            "foo (>= 1",
            "foo [amd64",
            "(>= 1)",
            "foo bar",
            "foo [amd64 !i386]",
            "foo (>= 1:)",
        ] {
            assert!(Relations::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn arch_and_profile_restrictions() {
        let r = Relation::parse("foo [linux-any !hurd-i386]");
        assert!(r.is_err());
        let r = Relation::parse("foo [!i386 !armel] <!nocheck>").unwrap();
        assert!(r.applies("amd64", &[]));
        assert!(!r.applies("i386", &[]));
        assert!(!r.applies("amd64", &["nocheck"]));
        assert!(arch_matches("linux-any", "amd64"));
        assert!(arch_matches("any-amd64", "amd64"));
        assert!(!arch_matches("kfreebsd-any", "amd64"));
        assert!(arch_matches("hurd-any", "hurd-i386"));
    }

    #[test]
    fn satisfaction_with_versions_provides_and_arch() {
        let mut set = Installed::new("amd64");
        set.insert(pkg(
            "docker-ce",
            "5:23.0.1-1~debian.10~buster",
            "amd64",
            MultiArch::No,
            "",
        ));
        set.insert(pkg(
            "containerd.io",
            "1.6.18-1",
            "amd64",
            MultiArch::No,
            "containerd, runc (= 1.1.4)",
        ));
        set.insert(pkg("python3", "3.11.2-1", "amd64", MultiArch::Allowed, ""));
        set.insert(pkg("libfoo", "1.0", "i386", MultiArch::Same, ""));
        set.insert(pkg("make", "4.3-4", "amd64", MultiArch::Foreign, ""));
        let ok = |s: &str| Relations::parse(s).unwrap().satisfied_by(&set);
        assert!(ok("docker-ce (>= 5:20.10)"));
        assert!(!ok("docker-ce (<< 5:23)"));
        assert!(ok("containerd.io (>= 1.6.4)"));
        assert!(!ok("containerd.io (>= 1.6.20)"));
        assert!(ok("containerd"));
        assert!(
            !ok("containerd (>= 1.0)"),
            "unversioned provides cannot satisfy a versioned dep"
        );
        assert!(ok("runc (>= 1.1)"));
        assert!(!ok("runc (>> 1.1.4)"));
        assert!(ok("apparmor | containerd"));
        assert!(!ok("apparmor"));
        assert!(ok("python3:any"));
        assert!(!ok("docker-ce:any"));
        assert!(ok("libfoo:i386"));
        assert!(!ok("libfoo"));
        assert!(!ok("make:any"), "M-A: foreign does not satisfy :any (dpkg)");
        assert!(ok("make"));
        assert!(
            ok("apparmor [armel]"),
            "a relation for another arch does not apply"
        );
        let unsat = Relations::parse("apparmor, docker-ce").unwrap();
        assert_eq!(unsat.unsatisfied(&set).len(), 1);
    }
}
