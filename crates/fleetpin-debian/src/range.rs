//! Version ranges: `">= 5:23.0.0~, < 5:23.0.2~"`, compared with the package ecosystem's own
//! ordering (dpkg's for Debian, rpmvercmp for RPM), never semver; and kernel release ranges
//! (`">= 4.19, < 5.8"` over the leading `X.Y.Z` of `uname -r`).
//!
//! The one range type of fleetpin: the `hazards/` entries (fleetpin-guard) and the host
//! conditions of `causes/` (fleetpin-logs) both parse and check their ranges here.

use std::cmp::Ordering;
use std::fmt;

use serde::Deserialize;

use crate::Version;
use crate::rpm::RpmVersion;

/// The package world a hazard belongs to; it decides how versions are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// dpkg/apt packages: versions ordered as `dpkg --compare-versions` orders them.
    Debian,
    /// RPM packages: versions ordered by rpmvercmp (`rpm.labelCompare`).
    Rpm,
}

impl Ecosystem {
    /// The name used in entries and output.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Debian => "debian",
            Ecosystem::Rpm => "rpm",
        }
    }
}

impl fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A comparison operator of a range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `=`
    Eq,
    /// `>=`
    Ge,
    /// `>`
    Gt,
}

impl Op {
    /// `<`, `<=`, `=`, `>=` or `>`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Eq => "=",
            Op::Ge => ">=",
            Op::Gt => ">",
        }
    }

    fn admits(self, ord: Ordering) -> bool {
        match self {
            Op::Lt => ord == Ordering::Less,
            Op::Le => ord != Ordering::Greater,
            Op::Eq => ord == Ordering::Equal,
            Op::Ge => ord != Ordering::Less,
            Op::Gt => ord == Ordering::Greater,
        }
    }
}

/// One `OP VERSION` of a range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparator {
    /// The operator.
    pub op: Op,
    /// The version, valid in the range's ecosystem.
    pub version: String,
    /// `version`, parsed once when the range is.
    parsed: Parsed,
}

/// Whose ordering a range uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    /// Package versions of an ecosystem.
    Package(Ecosystem),
    /// Kernel releases, by their leading dotted numbers.
    Kernel,
}

/// A version parsed in its scheme's ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Parsed {
    Debian(Version),
    Rpm(RpmVersion),
    /// `4.19.0` → `[4, 19, 0]`; missing parts compare as 0 (`5.10` = `5.10.0`).
    Kernel(Vec<u64>),
}

impl Parsed {
    /// Parses `v`, or says why it is not a version of the scheme. A kernel *release*
    /// (`4.19.0-23-amd64`) parses by its leading `X.Y.Z`.
    fn new(scheme: Scheme, v: &str) -> Result<Parsed, String> {
        match scheme {
            Scheme::Package(Ecosystem::Debian) => Version::parse(v)
                .map(Parsed::Debian)
                .map_err(|e| e.to_string()),
            Scheme::Package(Ecosystem::Rpm) => RpmVersion::parse(v)
                .map(Parsed::Rpm)
                .map_err(|e| e.to_string()),
            Scheme::Kernel => kernel_numbers(v)
                .map(Parsed::Kernel)
                .ok_or_else(|| format!("`{v}` does not start with a kernel version (`X.Y.Z`)")),
        }
    }

    /// `self` against `bound`, both of one scheme.
    fn cmp_to(&self, bound: &Parsed) -> Option<Ordering> {
        match (self, bound) {
            (Parsed::Debian(a), Parsed::Debian(b)) => Some(a.cmp(b)),
            (Parsed::Rpm(a), Parsed::Rpm(b)) => Some(a.cmp(b)),
            (Parsed::Kernel(a), Parsed::Kernel(b)) => Some(compare_numbers(a, b)),
            _ => None,
        }
    }
}

/// The `X.Y.Z` a kernel release starts with (`4.19.0-23-amd64` → `4.19.0`), if any.
#[must_use]
pub fn kernel_version(release: &str) -> Option<&str> {
    let end = release
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(release.len());
    let v = release[..end].trim_end_matches('.');
    (!v.is_empty() && v.starts_with(|c: char| c.is_ascii_digit())).then_some(v)
}

/// The numbers of a kernel release's leading version, `None` when it has none (or a part
/// is empty or too large: `4..19`).
fn kernel_numbers(release: &str) -> Option<Vec<u64>> {
    kernel_version(release)?
        .split('.')
        .map(|n| n.parse().ok())
        .collect()
}

/// Dotted numbers compared part by part, a missing part as 0.
fn compare_numbers(a: &[u64], b: &[u64]) -> Ordering {
    (0..a.len().max(b.len()))
        .map(|i| {
            a.get(i)
                .copied()
                .unwrap_or(0)
                .cmp(&b.get(i).copied().unwrap_or(0))
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Compares two kernel releases by their leading version (`4.19.0-23-amd64` > `4.15`, `5.10`
/// = `5.10.0`); `None` when either has no version (`custom-build`).
#[must_use]
pub fn compare_kernel(a: &str, b: &str) -> Option<Ordering> {
    Some(compare_numbers(&kernel_numbers(a)?, &kernel_numbers(b)?))
}

/// A conjunction of comparators: a version is in the range when every comparator admits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange {
    scheme: Scheme,
    comparators: Vec<Comparator>,
}

impl VersionRange {
    /// Parses `">= 5:23.0.0~, < 5:23.0.2~"` (comma-separated `OP VERSION`, operators `<`,
    /// `<=`, `=`, `>=`, `>`), checking every version against the ecosystem's grammar.
    ///
    /// # Errors
    /// A message naming the bad part.
    pub fn parse(ecosystem: Ecosystem, text: &str) -> Result<VersionRange, String> {
        Self::parse_in(Scheme::Package(ecosystem), text)
    }

    /// Parses a kernel release range, `">= 4.19, < 5.8"`: its versions are `X.Y` or `X.Y.Z`
    /// (what `uname -r` starts with), compared number by number.
    ///
    /// # Errors
    /// A message naming the bad part.
    pub fn parse_kernel(text: &str) -> Result<VersionRange, String> {
        let range = Self::parse_in(Scheme::Package(Ecosystem::Debian), text)?;
        if !range
            .comparators
            .iter()
            .all(|c| kernel_version(&c.version) == Some(c.version.as_str()))
        {
            return Err(format!(
                "kernel range `{text}` compares kernel versions: write them `X.Y` or `X.Y.Z`"
            ));
        }
        Self::parse_in(Scheme::Kernel, text)
    }

    fn parse_in(scheme: Scheme, text: &str) -> Result<VersionRange, String> {
        let mut comparators = Vec::new();
        for part in text.split(',') {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!("empty comparator in `{text}`"));
            }
            let (op, rest) = if let Some(r) = part.strip_prefix(">=") {
                (Op::Ge, r)
            } else if let Some(r) = part.strip_prefix("<=") {
                (Op::Le, r)
            } else if let Some(r) = part.strip_prefix('>') {
                (Op::Gt, r)
            } else if let Some(r) = part.strip_prefix('<') {
                (Op::Lt, r)
            } else if let Some(r) = part.strip_prefix('=') {
                (Op::Eq, r)
            } else {
                return Err(format!(
                    "`{part}` has no operator (one of <, <=, =, >=, >): write `= {part}` for one version"
                ));
            };
            let version = rest.trim();
            if version.is_empty() {
                return Err(format!("`{part}` has no version"));
            }
            let parsed = Parsed::new(scheme, version).map_err(|e| match scheme {
                Scheme::Package(ecosystem) => {
                    format!("`{version}` is not a {ecosystem} version: {e}")
                }
                Scheme::Kernel => e,
            })?;
            comparators.push(Comparator {
                op,
                version: version.to_string(),
                parsed,
            });
        }
        let range = VersionRange {
            scheme,
            comparators,
        };
        if range.is_empty_set() {
            return Err(format!("`{text}` admits no version"));
        }
        Ok(range)
    }

    /// The comparators, in the order written.
    #[must_use]
    pub fn comparators(&self) -> &[Comparator] {
        &self.comparators
    }

    /// Whether `version` is in the range. A version that does not parse in the ecosystem is
    /// never in it; a kernel range takes a release (`4.19.0-23-amd64`) and compares its
    /// leading version.
    #[must_use]
    pub fn contains(&self, version: &str) -> bool {
        // The candidate is parsed once; the bounds were parsed with the range.
        let Ok(v) = Parsed::new(self.scheme, version) else {
            return false;
        };
        self.comparators
            .iter()
            .all(|c| v.cmp_to(&c.parsed).is_some_and(|ord| c.op.admits(ord)))
    }

    /// Whether `version` is in the range under another ordering than the range's own: a
    /// cause's package condition checked with the host's package manager (dpkg or rpm).
    #[must_use]
    pub fn contains_by(&self, version: &str, cmp: &dyn Fn(&str, &str) -> Ordering) -> bool {
        self.comparators
            .iter()
            .all(|c| c.op.admits(cmp(version, &c.version)))
    }

    /// The lowest bound's version, if the range has one (`>=`, `>` or `=`).
    #[must_use]
    pub fn lower_bound(&self) -> Option<&str> {
        self.lower().map(|c| c.version.as_str())
    }

    /// The tightest lower bound (at equal versions `>` is tighter than `>=`).
    fn lower(&self) -> Option<&Comparator> {
        self.comparators
            .iter()
            .filter(|c| matches!(c.op, Op::Ge | Op::Gt | Op::Eq))
            .max_by(|a, b| order(a, b).then_with(|| (a.op == Op::Gt).cmp(&(b.op == Op::Gt))))
    }

    /// The tightest upper bound (at equal versions `<` is tighter than `<=`).
    fn upper(&self) -> Option<&Comparator> {
        self.comparators
            .iter()
            .filter(|c| matches!(c.op, Op::Le | Op::Lt | Op::Eq))
            .min_by(|a, b| order(a, b).then_with(|| (b.op == Op::Lt).cmp(&(a.op == Op::Lt))))
    }

    /// A range whose bounds contradict each other (`>= 2, < 1`) admits nothing: an entry error.
    fn is_empty_set(&self) -> bool {
        let (Some(lo), Some(hi)) = (self.lower(), self.upper()) else {
            return false;
        };
        match order(lo, hi) {
            Ordering::Greater => true,
            Ordering::Equal => {
                !(matches!(lo.op, Op::Ge | Op::Eq) && matches!(hi.op, Op::Le | Op::Eq))
            }
            Ordering::Less => false,
        }
    }
}

/// The order of two comparators' versions (one range, so one ecosystem).
fn order(a: &Comparator, b: &Comparator) -> Ordering {
    a.parsed.cmp_to(&b.parsed).unwrap_or(Ordering::Equal)
}

impl fmt::Display for VersionRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, c) in self.comparators.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{} {}", c.op.as_str(), c.version)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deb(s: &str) -> VersionRange {
        VersionRange::parse(Ecosystem::Debian, s).unwrap()
    }

    #[test]
    fn docker_23_range_in_dpkg_order() {
        let r = deb(">= 5:23.0.0~, < 5:23.0.2~");
        assert!(r.contains("5:23.0.0-1~debian.10~buster"));
        assert!(r.contains("5:23.0.1-1~debian.10~buster"));
        assert!(r.contains("5:23.0.0~rc.1-1~debian.10~buster"));
        assert!(!r.contains("5:23.0.2-1~debian.10~buster"));
        assert!(!r.contains("5:20.10.23~3-0~debian-buster"));
        // Without the epoch, 23.0.1 is older than anything with epoch 5.
        assert!(!r.contains("23.0.1-1"));
        assert!(!r.contains("not a version"));
        assert_eq!(r.to_string(), ">= 5:23.0.0~, < 5:23.0.2~");
        assert_eq!(r.lower_bound(), Some("5:23.0.0~"));
    }

    #[test]
    fn operators() {
        assert!(deb("= 1.0").contains("1.0-0"));
        assert!(deb("> 1.0").contains("1.0a"));
        assert!(!deb("> 1.0").contains("1.0"));
        assert!(deb("<= 1.0").contains("1.0~rc1"));
        assert!(!deb("< 1.0").contains("1.0"));
    }

    #[test]
    fn bad_ranges_are_refused_with_the_reason() {
        for (text, want) in [
            ("5:23.0.0", "has no operator"),
            (">= ", "has no version"),
            (">= 1.0,", "empty comparator"),
            (">= 1:", "is not a debian version"),
            (">= 2.0, < 1.0", "admits no version"),
            ("> 1.0, <= 1.0", "admits no version"),
            (">= 1.0, < 1.0", "admits no version"),
        ] {
            let err = VersionRange::parse(Ecosystem::Debian, text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
        assert!(VersionRange::parse(Ecosystem::Debian, ">= 1.0, <= 1.0").is_ok());
    }

    #[test]
    fn kernel_ranges_compare_the_release_numbers() {
        let r = VersionRange::parse_kernel(">= 4.15, < 5.8").unwrap();
        assert!(r.contains("4.19.0-23-amd64"));
        assert!(r.contains("4.15"));
        assert!(!r.contains("4.9.337-17"), "4.9 < 4.15: numbers, not text");
        assert!(!r.contains("5.8.0"), "5.8.0 = 5.8");
        assert!(!r.contains("6.1.0-13-arm64"));
        assert!(!r.contains("custom-build"));
        assert!(
            VersionRange::parse_kernel("<= 5.10")
                .unwrap()
                .contains("5.10.0-28-amd64")
        );
        assert_eq!(r.to_string(), ">= 4.15, < 5.8");
        for (text, want) in [
            ("< 5.8-1", "compares kernel versions"),
            ("< four", "compares kernel versions"),
            ("4.15", "has no operator"),
            (">= 5.8, < 4.15", "admits no version"),
            (">= 5.8, < 5.8.0", "admits no version"),
        ] {
            let err = VersionRange::parse_kernel(text).unwrap_err();
            assert!(err.contains(want), "{text}: {err}");
        }
    }

    #[test]
    fn kernel_versions_and_order() {
        assert_eq!(kernel_version("4.19.0-23-amd64"), Some("4.19.0"));
        assert_eq!(
            kernel_version("5.14.0-362.8.1.el9_3.x86_64"),
            Some("5.14.0")
        );
        assert_eq!(kernel_version("6.8.0+"), Some("6.8.0"));
        assert_eq!(kernel_version("rolling"), None);
        assert_eq!(
            compare_kernel("4.19.0-23-amd64", "4.15"),
            Some(Ordering::Greater)
        );
        assert_eq!(
            compare_kernel("4.9.0-8-amd64", "4.15"),
            Some(Ordering::Less)
        );
        assert_eq!(compare_kernel("5.10.0", "5.10"), Some(Ordering::Equal));
        assert_eq!(compare_kernel("x", "5.10"), None);
    }

    #[test]
    fn another_ordering_can_decide() {
        // A cause's package range (dpkg syntax) checked on an rpm host.
        let r = deb(">= 1.6.4");
        let rpm = |a: &str, b: &str| {
            crate::rpm::RpmVersion::parse(a)
                .unwrap()
                .cmp(&crate::rpm::RpmVersion::parse(b).unwrap())
        };
        assert!(r.contains_by("1.6.16-3.1.el9", &rpm));
        assert!(!r.contains_by("1.6.4~rc1-1.el9", &rpm));
        assert!(!r.contains_by("1.4.13-1.el9", &rpm));
    }

    #[test]
    fn rpm_ordering_is_used_for_rpm_entries() {
        let r = VersionRange::parse(Ecosystem::Rpm, ">= 23.0.0, < 23.0.2").unwrap();
        assert!(r.contains("23.0.1-1.el9"));
        // rpmvercmp: 23.0.1~rc1 sorts before 23.0.1 and after 23.0.0.
        assert!(r.contains("23.0.1~rc1-1.el9"));
        assert!(!r.contains("23.0.2-1.el9"));
    }
}
