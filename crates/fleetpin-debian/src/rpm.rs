//! RPM versions (`[epoch:]version[-release]`), ordered like rpm's `rpmvercmp` and
//! `rpm.labelCompare`, for dnf/yum fleets.
//!
//! Within a string, separators (anything but ASCII alphanumerics, `~` and `^`) are skipped and
//! all equal; `~` sorts before anything (even the end), `^` after the end but before any other
//! segment; digit segments beat letter segments, digits compare numerically (any length),
//! letters by `strcmp`; whoever has segments left is newer.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// Why an RPM EVR string is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RpmVersionError {
    /// Empty string or empty version part.
    #[error("RPM version `{0}` has an empty version part")]
    EmptyVersion(String),
    /// The part before `:` is not a number.
    #[error("RPM version `{0}` has an epoch that is not a number")]
    BadEpoch(String),
    /// `1.0-` — empty release.
    #[error("RPM version `{0}` has an empty release")]
    EmptyRelease(String),
    /// Whitespace (or a NUL byte) inside.
    #[error("RPM version `{0}` contains whitespace or NUL")]
    Whitespace(String),
}

/// An RPM epoch:version-release, ordered like `rpm.labelCompare`.
///
/// A missing epoch is 0; a missing release sorts before any release (as in `labelCompare`
/// with `None`).
#[derive(Clone)]
pub struct RpmVersion {
    raw: Box<str>,
    epoch: u64,
    version: (u32, u32),
    release: Option<(u32, u32)>,
}

impl RpmVersion {
    /// Parses `[epoch:]version[-release]`; the release starts after the last `-`.
    pub fn parse(s: &str) -> Result<RpmVersion, RpmVersionError> {
        let s = s.trim();
        if s.bytes().any(|b| b.is_ascii_whitespace() || b == 0) {
            return Err(RpmVersionError::Whitespace(s.to_string()));
        }
        let (epoch, vstart) = match memchr::memchr(b':', s.as_bytes()) {
            Some(c) => {
                let e = &s[..c];
                if e.is_empty() || !e.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(RpmVersionError::BadEpoch(s.to_string()));
                }
                let e: u64 = e
                    .parse()
                    .map_err(|_| RpmVersionError::BadEpoch(s.to_string()))?;
                (e, c + 1)
            }
            None => (0, 0),
        };
        let rest = &s[vstart..];
        if rest.contains(':') {
            return Err(RpmVersionError::BadEpoch(s.to_string()));
        }
        let (version, release) = match memchr::memrchr(b'-', rest.as_bytes()) {
            Some(h) => {
                if h + 1 == rest.len() {
                    return Err(RpmVersionError::EmptyRelease(s.to_string()));
                }
                ((vstart, vstart + h), Some((vstart + h + 1, s.len())))
            }
            None => ((vstart, s.len()), None),
        };
        if version.0 == version.1 || s.len() > u32::MAX as usize {
            return Err(RpmVersionError::EmptyVersion(s.to_string()));
        }
        Ok(RpmVersion {
            raw: s.into(),
            epoch,
            version: (version.0 as u32, version.1 as u32),
            release: release.map(|(a, b)| (a as u32, b as u32)),
        })
    }

    /// Builds a version from separate parts, as `package_facts` and `rpm -q` report them.
    pub fn from_parts(
        epoch: Option<u64>,
        version: &str,
        release: Option<&str>,
    ) -> Result<RpmVersion, RpmVersionError> {
        let mut s = String::new();
        if let Some(e) = epoch {
            s.push_str(&e.to_string());
            s.push(':');
        }
        s.push_str(version);
        if let Some(r) = release {
            s.push('-');
            s.push_str(r);
        }
        let v = RpmVersion::parse(&s)?;
        if v.version() != version || v.release() != release {
            return Err(RpmVersionError::EmptyVersion(s));
        }
        Ok(v)
    }

    /// The epoch (0 when absent).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }

    /// The version part.
    pub fn version(&self) -> &str {
        &self.raw[self.version.0 as usize..self.version.1 as usize]
    }

    /// The release part, if any.
    pub fn release(&self) -> Option<&str> {
        self.release.map(|(a, b)| &self.raw[a as usize..b as usize])
    }

    /// The string as parsed.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

fn is_sep(c: u8) -> bool {
    !c.is_ascii_alphanumeric() && c != b'~' && c != b'^'
}

/// rpm's `rpmvercmp` (rpm 4.18 `rpmio/rpmvercmp.c`), without allocation.
pub fn rpmvercmp(a: &str, b: &str) -> Ordering {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a == b {
        return Ordering::Equal;
    }
    let at = |s: &[u8], k: usize| -> u8 { if k < s.len() { s[k] } else { 0 } };
    let (mut i, mut j) = (0usize, 0usize);
    while i < a.len() || j < b.len() {
        while i < a.len() && is_sep(a[i]) {
            i += 1;
        }
        while j < b.len() && is_sep(b[j]) {
            j += 1;
        }
        let (ca, cb) = (at(a, i), at(b, j));
        if ca == b'~' || cb == b'~' {
            if ca != b'~' {
                return Ordering::Greater;
            }
            if cb != b'~' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == b'^' || cb == b'^' {
            if ca == 0 {
                return Ordering::Less;
            }
            if cb == 0 {
                return Ordering::Greater;
            }
            if ca != b'^' {
                return Ordering::Greater;
            }
            if cb != b'^' {
                return Ordering::Less;
            }
            i += 1;
            j += 1;
            continue;
        }
        if ca == 0 || cb == 0 {
            break;
        }
        let isnum = ca.is_ascii_digit();
        let class = |c: u8| {
            if isnum {
                c.is_ascii_digit()
            } else {
                c.is_ascii_alphabetic()
            }
        };
        let (si, sj) = (i, j);
        while i < a.len() && class(a[i]) {
            i += 1;
        }
        while j < b.len() && class(b[j]) {
            j += 1;
        }
        let (mut sa, mut sb) = (&a[si..i], &b[sj..j]);
        if sb.is_empty() {
            return if isnum {
                Ordering::Greater
            } else {
                Ordering::Less
            };
        }
        if isnum {
            while let [b'0', rest @ ..] = sa {
                sa = rest;
            }
            while let [b'0', rest @ ..] = sb {
                sb = rest;
            }
            match sa.len().cmp(&sb.len()) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        match sa.cmp(sb) {
            Ordering::Equal => {}
            o => return o,
        }
    }
    let (ea, eb) = (i >= a.len(), j >= b.len());
    match (ea, eb) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        _ => Ordering::Greater,
    }
}

/// Feeds the canonical token sequence of `s` (what [`rpmvercmp`] sees) to `state`.
fn hash_rpm<H: Hasher>(s: &str, state: &mut H) {
    let s = s.as_bytes();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        if is_sep(c) {
            i += 1;
        } else if c == b'~' || c == b'^' {
            state.write_u8(c);
            i += 1;
        } else {
            let num = c.is_ascii_digit();
            let start = i;
            while i < s.len()
                && if num {
                    s[i].is_ascii_digit()
                } else {
                    s[i].is_ascii_alphabetic()
                }
            {
                i += 1;
            }
            let mut seg = &s[start..i];
            if num {
                while let [b'0', rest @ ..] = seg {
                    seg = rest;
                }
                state.write_u8(b'0');
            } else {
                state.write_u8(b'a');
            }
            state.write(seg);
            state.write_u8(0xff);
        }
    }
    state.write_u8(0xfe);
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| rpmvercmp(self.version(), other.version()))
            .then_with(|| match (self.release(), other.release()) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (Some(a), Some(b)) => rpmvercmp(a, b),
            })
    }
}

impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for RpmVersion {}

impl Hash for RpmVersion {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.epoch);
        hash_rpm(self.version(), state);
        match self.release() {
            None => state.write_u8(0),
            Some(r) => {
                state.write_u8(1);
                hash_rpm(r, state);
            }
        }
    }
}

impl fmt::Display for RpmVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Debug for RpmVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RpmVersion({:?})", &*self.raw)
    }
}

impl FromStr for RpmVersion {
    type Err = RpmVersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RpmVersion::parse(s)
    }
}

impl serde::Serialize for RpmVersion {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> serde::Deserialize<'de> for RpmVersion {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = RpmVersion;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RPM epoch:version-release string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<RpmVersion, E> {
                RpmVersion::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;

    fn c(a: &str, b: &str) -> Ordering {
        rpmvercmp(a, b)
    }

    #[test]
    fn domain_vectors() {
        assert_eq!(c("1.0", "1.0.0"), Ordering::Less);
        assert_eq!(c("1.01", "1.1"), Ordering::Equal);
        assert_eq!(c("6.0.rc1", "6.0"), Ordering::Greater);
        assert_eq!(c("10b2", "10a1"), Ordering::Greater);
        assert_eq!(c("1.0a", "1.0.1"), Ordering::Less);
        assert_eq!(c("xyz.4", "8"), Ordering::Less);
        assert_eq!(c("1a", "1.0"), Ordering::Less);
        assert_eq!(c("2.0", "2_0"), Ordering::Equal);
        assert_eq!(c("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(c("1.0", "1.0^"), Ordering::Less);
        assert_eq!(c("1.0^git1", "1.01"), Ordering::Less);
        assert_eq!(c("1.0^git1", "1.0"), Ordering::Greater);
    }

    #[test]
    fn evr_parts_and_hash() {
        let v = RpmVersion::parse("2:1.2.3-4.el9").unwrap();
        assert_eq!(
            (v.epoch(), v.version(), v.release()),
            (2, "1.2.3", Some("4.el9"))
        );
        let a = RpmVersion::parse("1.01-1").unwrap();
        let b = RpmVersion::parse("0:1.1-001").unwrap();
        assert_eq!(a, b);
        let h = |v: &RpmVersion| {
            let mut s = DefaultHasher::new();
            v.hash(&mut s);
            s.finish()
        };
        assert_eq!(h(&a), h(&b));
        assert_eq!(
            h(&RpmVersion::parse("2.0").unwrap()),
            h(&RpmVersion::parse("2_0.").unwrap())
        );
        assert!(RpmVersion::parse("1:2:3").is_err());
        assert!(RpmVersion::parse("1.0-").is_err());
        assert_eq!(
            RpmVersion::from_parts(Some(1), "2.0", Some("3"))
                .unwrap()
                .as_str(),
            "1:2.0-3"
        );
    }
}
