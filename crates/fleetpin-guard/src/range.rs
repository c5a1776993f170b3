//! Version ranges of hazard entries: `">= 5:23.0.0~, < 5:23.0.2~"`, compared with the
//! package ecosystem's own ordering (dpkg's for Debian, rpmvercmp for RPM), never semver.

use std::cmp::Ordering;
use std::fmt;

use fleetpin_debian::Version;
use fleetpin_debian::rpm::RpmVersion;
use serde::Deserialize;

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
    fn as_str(self) -> &'static str {
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

/// A version parsed in its ecosystem's ordering.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Parsed {
    Debian(Version),
    Rpm(RpmVersion),
}

impl Parsed {
    /// Parses `v`, or says why it is not a version of the ecosystem.
    fn new(ecosystem: Ecosystem, v: &str) -> Result<Parsed, String> {
        match ecosystem {
            Ecosystem::Debian => Version::parse(v)
                .map(Parsed::Debian)
                .map_err(|e| e.to_string()),
            Ecosystem::Rpm => RpmVersion::parse(v)
                .map(Parsed::Rpm)
                .map_err(|e| e.to_string()),
        }
    }

    /// `self` against `bound`, both of one ecosystem.
    fn cmp_to(&self, bound: &Parsed) -> Option<Ordering> {
        match (self, bound) {
            (Parsed::Debian(a), Parsed::Debian(b)) => Some(a.cmp(b)),
            (Parsed::Rpm(a), Parsed::Rpm(b)) => Some(a.cmp(b)),
            _ => None,
        }
    }
}

/// A conjunction of comparators: a version is in the range when every comparator admits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionRange {
    ecosystem: Ecosystem,
    comparators: Vec<Comparator>,
}

impl VersionRange {
    /// Parses `">= 5:23.0.0~, < 5:23.0.2~"` (comma-separated `OP VERSION`, operators `<`,
    /// `<=`, `=`, `>=`, `>`), checking every version against the ecosystem's grammar.
    ///
    /// # Errors
    /// A message naming the bad part.
    pub fn parse(ecosystem: Ecosystem, text: &str) -> Result<VersionRange, String> {
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
            let parsed = Parsed::new(ecosystem, version)
                .map_err(|e| format!("`{version}` is not a {ecosystem} version: {e}"))?;
            comparators.push(Comparator {
                op,
                version: version.to_string(),
                parsed,
            });
        }
        let range = VersionRange {
            ecosystem,
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
    /// never in it.
    #[must_use]
    pub fn contains(&self, version: &str) -> bool {
        // The candidate is parsed once; the bounds were parsed with the range.
        let Ok(v) = Parsed::new(self.ecosystem, version) else {
            return false;
        };
        self.comparators
            .iter()
            .all(|c| v.cmp_to(&c.parsed).is_some_and(|ord| c.op.admits(ord)))
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
    fn rpm_ordering_is_used_for_rpm_entries() {
        let r = VersionRange::parse(Ecosystem::Rpm, ">= 23.0.0, < 23.0.2").unwrap();
        assert!(r.contains("23.0.1-1.el9"));
        // rpmvercmp: 23.0.1~rc1 sorts before 23.0.1 and after 23.0.0.
        assert!(r.contains("23.0.1~rc1-1.el9"));
        assert!(!r.contains("23.0.2-1.el9"));
    }
}
