//! Debian package versions, parsed and ordered exactly as dpkg does (deb-version(7)).
//!
//! A version is `[epoch:]upstream[-revision]`. The epoch is split at the first `:`, the
//! revision at the last `-`. Comparison follows dpkg's `verrevcmp` in
//! `lib/dpkg/version.c`: alternating non-digit runs (compared character by character, with
//! `~` before the end of the string, then letters, then everything else) and digit runs
//! (compared numerically, any number of leading zeros, any length).
//!
//! `Eq`, `Ord` and `Hash` agree: `1.0`, `1.00`, `0:1.0`, `1.0-0` and `1.0a0`/`1.0a` are equal
//! and hash equal.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

/// Why dpkg refuses a version string (the errors of dpkg's `parseversion`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The string is empty or only blanks.
    #[error("version string is empty")]
    Empty,
    /// There is whitespace inside the version.
    #[error("version string `{0}` has embedded spaces")]
    EmbeddedSpaces(String),
    /// A `:` with nothing in front of it.
    #[error("epoch in version `{0}` is empty")]
    EmptyEpoch(String),
    /// The part before the first `:` is not a number.
    #[error("epoch in version `{0}` is not number")]
    EpochNotNumber(String),
    /// The epoch is negative.
    #[error("epoch in version `{0}` is negative")]
    NegativeEpoch(String),
    /// The epoch does not fit dpkg's `int`.
    #[error("epoch in version `{0}` is too big")]
    EpochTooBig(String),
    /// `1:` — nothing follows the epoch.
    #[error("nothing after colon in version number `{0}`")]
    NothingAfterColon(String),
    /// `1.0-` — the revision after the last `-` is empty.
    #[error("revision number is empty in version `{0}`")]
    EmptyRevision(String),
    /// `1:-1` — the upstream part is empty.
    #[error("upstream version is empty in version `{0}`")]
    EmptyUpstream(String),
    /// The string contains a NUL byte.
    #[error("version `{0}` contains a NUL byte")]
    Nul(String),
    /// The string is longer than 4 GiB.
    #[error("version string of {0} bytes is too long")]
    TooLong(usize),
    /// Only from [`Version::parse_strict`]: dpkg warns about these but still compares them.
    #[error("{warning} in version `{version}`")]
    Lint {
        /// The version string.
        version: String,
        /// What dpkg warns about.
        warning: VersionWarning,
    },
}

/// Problems dpkg only warns about (it still parses and compares the version).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionWarning {
    /// The upstream version does not start with a digit.
    NotStartingWithDigit,
    /// The upstream version holds a character other than alphanumerics and `.-+~:`.
    InvalidUpstreamChar,
    /// The revision holds a character other than alphanumerics and `.+~`.
    InvalidRevisionChar,
}

impl fmt::Display for VersionWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            VersionWarning::NotStartingWithDigit => "version number does not start with digit",
            VersionWarning::InvalidUpstreamChar => "invalid character in version number",
            VersionWarning::InvalidRevisionChar => "invalid character in revision number",
        })
    }
}

/// A parsed Debian version.
///
/// Parsing accepts what `dpkg --compare-versions` accepts (see [`Version::parse`]); ordering,
/// equality and hashing follow dpkg. `Display` prints the string it was parsed from (without
/// surrounding blanks, which dpkg also ignores).
#[derive(Clone)]
pub struct Version {
    raw: Box<str>,
    epoch: u32,
    /// Byte offset where the upstream part starts in `raw`.
    up_start: u32,
    /// Byte offset one past the upstream part (the last `-`, or the end).
    up_end: u32,
}

impl Version {
    /// Parses a version like `dpkg --compare-versions` does: errors for what dpkg rejects
    /// (empty, embedded spaces, bad epoch, `1:`, `1.0-`), but versions dpkg only warns about
    /// (e.g. `a1.0`, `1.0_1`) are accepted; see [`Version::warning`].
    pub fn parse(s: &str) -> Result<Version, VersionError> {
        // dpkg trims leading blanks (space, tab) and any trailing whitespace.
        let s = s.trim_start_matches([' ', '\t']);
        if s.is_empty() {
            return Err(VersionError::Empty);
        }
        let end = s
            .bytes()
            .position(|b| b.is_ascii_whitespace() || b == 0x0b)
            .unwrap_or(s.len());
        if !s[end..]
            .bytes()
            .all(|b| b.is_ascii_whitespace() || b == 0x0b)
        {
            return Err(VersionError::EmbeddedSpaces(s.to_string()));
        }
        let s = &s[..end];
        let bytes = s.as_bytes();
        // A C string ends at NUL: dpkg can never see one inside a version.
        if memchr::memchr(0, bytes).is_some() {
            return Err(VersionError::Nul(s.replace('\0', "\\0")));
        }
        let (epoch, up_start) = match memchr::memchr(b':', bytes) {
            None => (0, 0),
            Some(colon) => (parse_epoch(s, &s[..colon])?, colon + 1),
        };
        if up_start == bytes.len() {
            return Err(VersionError::NothingAfterColon(s.to_string()));
        }
        let up_end = match memchr::memrchr(b'-', &bytes[up_start..]) {
            Some(i) => {
                let hyphen = up_start + i;
                if hyphen + 1 == bytes.len() {
                    return Err(VersionError::EmptyRevision(s.to_string()));
                }
                hyphen
            }
            None => bytes.len(),
        };
        if up_end == up_start {
            return Err(VersionError::EmptyUpstream(s.to_string()));
        }
        if u32::try_from(bytes.len()).is_err() {
            return Err(VersionError::TooLong(bytes.len()));
        }
        Ok(Version {
            raw: s.into(),
            epoch,
            up_start: up_start as u32,
            up_end: up_end as u32,
        })
    }

    /// Like [`Version::parse`], but also rejects what dpkg only warns about (an upstream not
    /// starting with a digit, characters outside the allowed sets), as `dpkg-deb --build` and
    /// Debian policy do.
    pub fn parse_strict(s: &str) -> Result<Version, VersionError> {
        let v = Version::parse(s)?;
        match v.warning() {
            None => Ok(v),
            Some(warning) => Err(VersionError::Lint {
                version: v.raw.to_string(),
                warning,
            }),
        }
    }

    /// What dpkg would warn about for this version, if anything.
    pub fn warning(&self) -> Option<VersionWarning> {
        let up = self.upstream().as_bytes();
        if !up[0].is_ascii_digit() {
            return Some(VersionWarning::NotStartingWithDigit);
        }
        if up[1..]
            .iter()
            .any(|&c| !c.is_ascii_alphanumeric() && !b".-+~:".contains(&c))
        {
            return Some(VersionWarning::InvalidUpstreamChar);
        }
        if self
            .revision()
            .bytes()
            .any(|c| !c.is_ascii_alphanumeric() && !b".+~".contains(&c))
        {
            return Some(VersionWarning::InvalidRevisionChar);
        }
        None
    }

    /// The epoch (0 when absent).
    pub fn epoch(&self) -> u32 {
        self.epoch
    }

    /// Whether the string spelled an epoch (`0:1.0` does, `1.0` does not).
    pub fn has_explicit_epoch(&self) -> bool {
        self.up_start != 0
    }

    /// The upstream version: between the first `:` and the last `-`.
    pub fn upstream(&self) -> &str {
        &self.raw[self.up_start as usize..self.up_end as usize]
    }

    /// The Debian revision after the last `-` (empty when absent, which orders like `0`).
    pub fn revision(&self) -> &str {
        let end = self.up_end as usize;
        if end == self.raw.len() {
            ""
        } else {
            &self.raw[end + 1..]
        }
    }

    /// Whether the version carries a `-revision` (a non-native package version).
    pub fn has_revision(&self) -> bool {
        (self.up_end as usize) != self.raw.len()
    }

    /// The version string as parsed.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
}

fn parse_epoch(full: &str, epoch: &str) -> Result<u32, VersionError> {
    // dpkg uses strtol: optional leading whitespace (already excluded), an optional sign, digits.
    let (neg, digits) = match epoch.as_bytes().first() {
        Some(b'-') => (true, &epoch[1..]),
        Some(b'+') => (false, &epoch[1..]),
        _ => (false, epoch),
    };
    // strtol consumed nothing: dpkg says "epoch in version is empty".
    if !digits.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return Err(VersionError::EmptyEpoch(full.to_string()));
    }
    if !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(VersionError::EpochNotNumber(full.to_string()));
    }
    let trimmed = digits.trim_start_matches('0');
    if neg && !trimmed.is_empty() {
        return Err(VersionError::NegativeEpoch(full.to_string()));
    }
    if trimmed.len() > 10 {
        return Err(VersionError::EpochTooBig(full.to_string()));
    }
    let value: u64 = if trimmed.is_empty() {
        0
    } else {
        trimmed.parse().unwrap_or(u64::MAX)
    };
    if value > i32::MAX as u64 {
        return Err(VersionError::EpochTooBig(full.to_string()));
    }
    Ok(value as u32)
}

/// dpkg's `order()`: `~` first, then the end of a run (and digits), letters, then the rest.
/// Bytes >= 0x80 follow dpkg on x86 where `char` is signed.
const fn order_of(c: u8) -> i32 {
    if c.is_ascii_alphabetic() {
        c as i32
    } else if c == b'~' {
        -1
    } else if c == 0 || c.is_ascii_digit() {
        0
    } else {
        (c as i8 as i32) + 256
    }
}

/// [`order_of`] for every byte, so the comparison loop has no branches per character.
static ORDER: [i16; 256] = {
    let mut t = [0i16; 256];
    let mut i = 0;
    while i < 256 {
        t[i] = order_of(i as u8) as i16;
        i += 1;
    }
    t
};

#[inline(always)]
fn order(c: u8) -> i32 {
    ORDER[c as usize] as i32
}

/// dpkg's `verrevcmp` over two byte strings, without allocation.
#[inline]
pub(crate) fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (mut i, mut j) = (0usize, 0usize);
    let at = |s: &[u8], k: usize| -> u8 { if k < s.len() { s[k] } else { 0 } };
    while i < a.len() || j < b.len() {
        // Non-digit run, character by character.
        loop {
            let ca = at(a, i);
            let cb = at(b, j);
            // Inside the strings every non-digit counts (an embedded NUL too, so the loop always
            // advances); past their ends nothing does.
            let a_nd = i < a.len() && !ca.is_ascii_digit();
            let b_nd = j < b.len() && !cb.is_ascii_digit();
            if !a_nd && !b_nd {
                break;
            }
            let (oa, ob) = (order(ca), order(cb));
            if oa != ob {
                return oa.cmp(&ob);
            }
            i += 1;
            j += 1;
        }
        // Digit run, numerically: skip leading zeros, longer run wins, else first difference.
        while i < a.len() && a[i] == b'0' {
            i += 1;
        }
        while j < b.len() && b[j] == b'0' {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while i < a.len() && j < b.len() && a[i].is_ascii_digit() && b[j].is_ascii_digit() {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if i < a.len() && a[i].is_ascii_digit() {
            return Ordering::Greater;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

/// Feeds a canonical form of a version part to `state`: two parts hash the same exactly when
/// [`verrevcmp`] says they are equal (digit runs without leading zeros, a trailing zero run
/// dropped).
fn hash_part<H: Hasher>(s: &[u8], state: &mut H) {
    let mut i = 0;
    while i < s.len() {
        let start = i;
        while i < s.len() && !s[i].is_ascii_digit() {
            i += 1;
        }
        let nd = &s[start..i];
        while i < s.len() && s[i] == b'0' {
            i += 1;
        }
        let dstart = i;
        while i < s.len() && s[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &s[dstart..i];
        if nd.is_empty() && digits.is_empty() {
            // A leading run of zeros only: equal to nothing at all.
            continue;
        }
        state.write(nd);
        state.write_u8(0xff);
        state.write(digits);
        state.write_u8(0xfe);
    }
    state.write_u8(0xfd);
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.raw == other.raw {
            return Ordering::Equal;
        }
        self.epoch
            .cmp(&other.epoch)
            .then_with(|| verrevcmp(self.upstream().as_bytes(), other.upstream().as_bytes()))
            .then_with(|| verrevcmp(self.revision().as_bytes(), other.revision().as_bytes()))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl Hash for Version {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u32(self.epoch);
        hash_part(self.upstream().as_bytes(), state);
        hash_part(self.revision().as_bytes(), state);
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({:?})", &*self.raw)
    }
}

impl FromStr for Version {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Version::parse(s)
    }
}

impl AsRef<str> for Version {
    fn as_ref(&self) -> &str {
        &self.raw
    }
}

impl serde::Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.raw)
    }
}

impl<'de> serde::Deserialize<'de> for Version {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Version;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a Debian version string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Version, E> {
                Version::parse(v).map_err(E::custom)
            }
        }
        deserializer.deserialize_str(Visitor)
    }
}

/// Compares two version strings as dpkg does, without building [`Version`]s.
///
/// Both strings must already be valid (see [`Version::parse`]); invalid ones are compared
/// on a best-effort split, like apt's `version_compare`.
pub fn compare_str(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let (ea, ua, ra) = split(a.as_bytes());
    let (eb, ub, rb) = split(b.as_bytes());
    ea.cmp(&eb)
        .then_with(|| verrevcmp(ua, ub))
        .then_with(|| verrevcmp(ra, rb))
}

#[inline]
fn split(s: &[u8]) -> (u64, &[u8], &[u8]) {
    let (epoch, rest) = match memchr::memchr(b':', s) {
        Some(c) => {
            let mut e: u64 = 0;
            for &d in &s[..c] {
                if d.is_ascii_digit() {
                    e = e.saturating_mul(10).saturating_add(u64::from(d - b'0'));
                }
            }
            (e, &s[c + 1..])
        }
        None => (0, s),
    };
    match memchr::memrchr(b'-', rest) {
        Some(h) => (epoch, &rest[..h], &rest[h + 1..]),
        None => (epoch, rest, &[][..]),
    }
}

/// A relation operator of `dpkg --compare-versions` (`lt le eq ne ge gt`, the `-nl`
/// forms that treat an empty version as later than any, and `<< <= = >= >>` plus the obsolete
/// `<` and `>`, which mean `<=` and `>=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CompareOp {
    op: &'static str,
    /// Results for: lesser, equal, greater, a empty, both empty, b empty.
    table: [bool; 6],
}

const T: bool = true;
const F: bool = false;
const OPS: &[CompareOp] = &[
    CompareOp {
        op: "le",
        table: [T, T, F, T, T, F],
    },
    CompareOp {
        op: "lt",
        table: [T, F, F, T, F, F],
    },
    CompareOp {
        op: "eq",
        table: [F, T, F, F, T, F],
    },
    CompareOp {
        op: "ne",
        table: [T, F, T, T, F, T],
    },
    CompareOp {
        op: "ge",
        table: [F, T, T, F, T, T],
    },
    CompareOp {
        op: "gt",
        table: [F, F, T, F, F, T],
    },
    CompareOp {
        op: "le-nl",
        table: [T, T, F, F, T, T],
    },
    CompareOp {
        op: "lt-nl",
        table: [T, F, F, F, F, T],
    },
    CompareOp {
        op: "ge-nl",
        table: [F, T, T, T, T, F],
    },
    CompareOp {
        op: "gt-nl",
        table: [F, F, T, T, F, F],
    },
    CompareOp {
        op: "<",
        table: [T, T, F, T, T, F],
    },
    CompareOp {
        op: "<=",
        table: [T, T, F, T, T, F],
    },
    CompareOp {
        op: "<<",
        table: [T, F, F, T, F, F],
    },
    CompareOp {
        op: "=",
        table: [F, T, F, F, T, F],
    },
    CompareOp {
        op: ">",
        table: [F, T, T, F, T, T],
    },
    CompareOp {
        op: ">=",
        table: [F, T, T, F, T, T],
    },
    CompareOp {
        op: ">>",
        table: [F, F, T, F, F, T],
    },
];

/// Why `dpkg --compare-versions A OP B` cannot answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CompareError {
    /// Not one of dpkg's operators.
    #[error(
        "unknown relation operator `{0}` (expected lt le eq ne ge gt, lt-nl le-nl ge-nl gt-nl, << <= = >= >>)"
    )]
    BadOperator(String),
    /// A version dpkg rejects.
    #[error("version `{version}` has bad syntax")]
    BadVersion {
        /// The version.
        version: String,
        /// Why.
        #[source]
        source: VersionError,
    },
}

impl CompareOp {
    /// Looks up an operator by its dpkg spelling.
    pub fn parse(op: &str) -> Result<CompareOp, CompareError> {
        OPS.iter()
            .find(|o| o.op == op)
            .copied()
            .ok_or_else(|| CompareError::BadOperator(op.to_string()))
    }

    /// Whether dpkg flags the operator as obsolete (`<` and `>`).
    pub fn is_obsolete(&self) -> bool {
        self.op == "<" || self.op == ">"
    }

    /// `dpkg --compare-versions a OP b`: an empty string (or `<unknown>`) is "no version".
    pub fn eval(&self, a: &str, b: &str) -> Result<bool, CompareError> {
        let parse = |s: &str| -> Result<Option<Version>, CompareError> {
            if s.is_empty() || s == "<unknown>" {
                return Ok(None);
            }
            Version::parse(s)
                .map(Some)
                .map_err(|source| CompareError::BadVersion {
                    version: s.to_string(),
                    source,
                })
        };
        let (a, b) = (parse(a)?, parse(b)?);
        let i = match (a, b) {
            (None, None) => 4,
            (None, Some(_)) => 3,
            (Some(_), None) => 5,
            (Some(a), Some(b)) => match a.cmp(&b) {
                Ordering::Less => 0,
                Ordering::Equal => 1,
                Ordering::Greater => 2,
            },
        };
        Ok(self.table[i])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::hash_map::DefaultHasher;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn h(v: &Version) -> u64 {
        let mut s = DefaultHasher::new();
        v.hash(&mut s);
        s.finish()
    }

    #[test]
    fn domain_vectors() {
        let chain = ["1.0~~", "1.0~~a", "1.0~", "1.0", "1.0a", "1.0+", "1.0."];
        for w in chain.windows(2) {
            assert!(v(w[0]) < v(w[1]), "{} < {}", w[0], w[1]);
        }
        assert!(v("1.0~rc1") < v("1.0"));
        assert!(v("1:0.1") > v("2.0"));
        assert_eq!(v("0:1.0"), v("1.0"));
        assert_eq!(v("1.01"), v("1.1"));
        assert!(v("1.0.0") > v("1.0"));
        assert!(v("1.0-1~bpo12+1") < v("1.0-1"));
        assert!(v("1.6.20~ds1-1+deb12u3") < v("1.6.20~ds1-1+deb12u10"));
        assert!(v("5:20.10.23~3-0~debian-buster") < v("5:23.0.1-1~debian.10~buster"));
    }

    #[test]
    fn equal_versions_hash_equal() {
        let same = ["1.0", "1.00", "0:1.0", "1.0-0", "00:1.0-00", "1.000-0"];
        for a in same {
            for b in same {
                assert_eq!(v(a), v(b), "{a} = {b}");
                assert_eq!(h(&v(a)), h(&v(b)), "hash {a} = {b}");
            }
        }
        assert_eq!(v("1.0a"), v("1.0a0"));
        assert_eq!(h(&v("1.0a")), h(&v("1.0a0")));
        assert_ne!(v("1.0a"), v("1.0a1"));
        assert_ne!(v("0.5"), v(".5"));
    }

    #[test]
    fn huge_digit_runs_do_not_overflow() {
        let a = v("1.99999999999999999999999999999999999999");
        let b = v("1.100000000000000000000000000000000000000");
        assert!(a < b);
        assert!(v("1.0000000000000000000000000000000000000001") == v("1.1"));
    }

    #[test]
    fn nul_bytes_are_rejected_and_never_hang_compare_str() {
        assert!(matches!(Version::parse("1.0\0"), Err(VersionError::Nul(_))));
        // Found by the fuzzer: compare_str looped forever on an embedded NUL.
        let _ = compare_str("1\0", "1");
        let _ = compare_str("1:0\0a", "1:0\0");
        assert_eq!(verrevcmp(b"1\0", b"1\0"), Ordering::Equal);
    }

    #[test]
    fn accessors() {
        let x = v("2:1.2-3-4");
        assert_eq!(x.epoch(), 2);
        assert_eq!(x.upstream(), "1.2-3");
        assert_eq!(x.revision(), "4");
        assert!(x.has_revision());
        let y = v("1.0");
        assert_eq!(y.revision(), "");
        assert!(!y.has_explicit_epoch());
        assert_eq!(v("1:2:3").upstream(), "2:3");
        assert_eq!(v("  1.0 ").to_string(), "1.0");
    }

    #[test]
    fn rejects_what_dpkg_rejects() {
        for bad in [
            "",
            "  ",
            "1:",
            "1.0-",
            "1 0",
            ":1.0",
            "a:1.0",
            "1a:1.0",
            "-1:1.0",
            "99999999999:1",
            "2147483648:1",
            "1:-1",
        ] {
            assert!(Version::parse(bad).is_err(), "{bad:?} must be rejected");
        }
        assert_eq!(v("2147483647:1").epoch(), 2147483647);
        assert_eq!(v("+1:1").epoch(), 1);
        assert!(Version::parse("a1.0").is_ok());
        assert!(Version::parse_strict("a1.0").is_err());
        assert!(Version::parse_strict("1.0_1").is_err());
        assert!(Version::parse_strict("1.0-1_1").is_err());
        assert!(Version::parse_strict("1:1.0+dfsg-1~bpo12+1").is_ok());
    }

    #[test]
    fn serde_round_trip() {
        let x = v("1:2.3-4");
        let s = serde_json::to_string(&x).unwrap();
        assert_eq!(s, "\"1:2.3-4\"");
        let y: Version = serde_json::from_str(&s).unwrap();
        assert_eq!(y.as_str(), "1:2.3-4");
        assert!(serde_json::from_str::<Version>("\"1:\"").is_err());
    }

    #[test]
    fn compare_str_matches_version() {
        let list = ["1.0", "1:0.1", "1.0-1", "1.0~rc1-2", "2.0+b1", "0:1.0-0"];
        for a in list {
            for b in list {
                assert_eq!(compare_str(a, b), v(a).cmp(&v(b)), "{a} {b}");
            }
        }
    }
}
