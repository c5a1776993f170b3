//! [`PinStrength`]: how firmly a specification fixes what gets installed.

use std::fmt;

use serde::Serialize;

/// Character the analyser puts in place of a variable or command substitution it could not
/// resolve. The classifiers treat any spec containing it, `$`-expansions or Jinja `{{ }}` markers
/// in the version part as [`PinStrength::Unresolved`].
pub const UNRESOLVED_MARK: char = '\u{1A}';

/// How firmly a specification fixes what gets installed, ordered weakest to strongest.
///
/// `Floating < None < Unresolved < Range < Glob < Exact < Digest`.
///
/// * [`Floating`](Self::Floating) explicitly asks for the newest version (`state: latest`,
///   `pip install -U`, `npm i x@latest`, `go install x@latest`, `pkg/bookworm-backports`,
///   a VCS branch);
/// * [`None`](Self::None) names no version: a fresh host gets whatever is newest that day;
/// * [`Unresolved`](Self::Unresolved) depends on a variable fleetpin could not resolve — never
///   treated as pinned, rules report it separately with a lower severity;
/// * [`Range`](Self::Range) is a constraint that admits several releases (`>=1`, `~=1.2`, `^1`);
/// * [`Glob`](Self::Glob) is a version pattern (`foo=1.2*`, `==1.2.*`, apk `~1.2`, conda `=1.2`);
/// * [`Exact`](Self::Exact) is one version (`foo=1.2.3-1`, `==1.2`, a tag, a local file);
/// * [`Digest`](Self::Digest) is content-addressed (a full commit SHA, an image digest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PinStrength {
    /// Explicitly the newest version (latest tag, upgrade flag, branch, rolling release).
    Floating,
    /// No version given.
    None,
    /// The version comes from a variable or substitution that could not be resolved.
    Unresolved,
    /// A version constraint admitting several releases.
    Range,
    /// A version glob / fuzzy match admitting several releases of one line.
    Glob,
    /// A single version (or a local file / tag).
    Exact,
    /// A content digest or full commit hash.
    Digest,
}

impl PinStrength {
    /// Every strength, weakest first.
    pub const ALL: [PinStrength; 7] = [
        PinStrength::Floating,
        PinStrength::None,
        PinStrength::Unresolved,
        PinStrength::Range,
        PinStrength::Glob,
        PinStrength::Exact,
        PinStrength::Digest,
    ];

    /// Kebab-case name, as used in config (`required-pin = "exact"`) and JSON output.
    pub fn as_str(self) -> &'static str {
        match self {
            PinStrength::Floating => "floating",
            PinStrength::None => "none",
            PinStrength::Unresolved => "unresolved",
            PinStrength::Range => "range",
            PinStrength::Glob => "glob",
            PinStrength::Exact => "exact",
            PinStrength::Digest => "digest",
        }
    }

    /// `true` for [`Exact`](Self::Exact) and [`Digest`](Self::Digest).
    pub fn is_pinned(self) -> bool {
        self >= PinStrength::Exact
    }

    /// `true` when this strength satisfies `required`. [`Unresolved`](Self::Unresolved) never
    /// satisfies a requirement above [`None`](Self::None).
    pub fn meets(self, required: PinStrength) -> bool {
        self >= required
    }
}

impl fmt::Display for PinStrength {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for PinStrength {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PinStrength::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown pin strength `{s}` (expected one of floating, none, unresolved, \
                     range, glob, exact, digest)"
                )
            })
    }
}

/// `true` when `s` contains an unresolved marker, a shell expansion or a Jinja expression.
pub fn is_unresolved(s: &str) -> bool {
    s.contains(UNRESOLVED_MARK) || s.contains('$') || s.contains("{{") || s.contains("{%")
}
