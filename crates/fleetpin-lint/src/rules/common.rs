//! Helpers shared by several rules: how strong a ref or version string is.

/// How strongly a revision string pins what it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RefStrength {
    /// Nothing given (the default branch or the newest release).
    Missing,
    /// A well-known moving name: `main`, `master`, `HEAD`, `latest`, `stable`, ...
    Branch,
    /// Something that is neither a known branch nor version-like (could be either).
    Unknown,
    /// A version range (`>=1.0`, `*`, `1.x`).
    Range,
    /// A version-like tag (`v1.2.3`, `1.2`) or an abbreviated commit.
    Tag,
    /// A full 40-character (or 64-character SHA-256) commit id.
    Sha,
}

/// Branch-like names that always move.
pub const MOVING_REFS: &[&str] = &[
    "main",
    "master",
    "head",
    "develop",
    "development",
    "dev",
    "trunk",
    "default",
    "latest",
    "stable",
    "edge",
    "nightly",
    "tip",
    "next",
    "release",
    "production",
    "prod",
    "staging",
];

/// Whether `s` is a full commit id: 40 (SHA-1) or 64 (SHA-256) hex digits.
pub fn is_full_sha(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether `s` looks like an abbreviated commit (7 to 39 hex digits with at least one digit
/// and one letter, so plain numbers and words are not taken for commits).
pub fn is_short_sha(s: &str) -> bool {
    (7..40).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_hexdigit())
        && s.bytes().any(|b| b.is_ascii_digit())
        && s.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Whether `s` looks like a release version or tag: optional `v`/`V` or a `name-`/`name_`
/// prefix, then a digit (`v4`, `1.2.3`, `release-1.4`, `2.0.0-rc1`).
pub fn is_version_like(s: &str) -> bool {
    let s = s.trim();
    let rest = s
        .strip_prefix('v')
        .or_else(|| s.strip_prefix('V'))
        .unwrap_or(s);
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return !is_range(rest);
    }
    // `release-1.2`, `stable-2.14`, `docker_23.0.1`.
    s.rsplit_once(['-', '_', '/']).is_some_and(|(_, tail)| {
        let tail = tail.strip_prefix('v').unwrap_or(tail);
        tail.starts_with(|c: char| c.is_ascii_digit())
    })
}

/// Whether a version string is a range or wildcard (`>=1`, `~1.2`, `^4`, `1.*`, `1.x`, `*`,
/// `>=1,<2`).
pub fn is_range(s: &str) -> bool {
    let s = s.trim();
    if s.is_empty() {
        return false;
    }
    s.starts_with(['>', '<', '~', '^', '!', '=']) && !s.starts_with("==") && !s.starts_with("===")
        || s.contains('*')
        || s.contains(',')
        || s.contains(" - ")
        || s.contains("||")
        || s.split('.').any(|p| p.eq_ignore_ascii_case("x"))
}

/// Classifies a revision or version string.
pub fn ref_strength(s: &str) -> RefStrength {
    let t = s.trim();
    if t.is_empty() {
        return RefStrength::Missing;
    }
    if is_full_sha(t) {
        return RefStrength::Sha;
    }
    let lower = t.to_ascii_lowercase();
    let last = lower.rsplit('/').next().unwrap_or(&lower);
    if MOVING_REFS.contains(&lower.as_str())
        || lower.starts_with("refs/heads/")
        || MOVING_REFS.contains(&last)
    {
        return RefStrength::Branch;
    }
    if is_range(t) {
        return RefStrength::Range;
    }
    if is_version_like(t) || is_short_sha(t) {
        return RefStrength::Tag;
    }
    if t.strip_prefix("==").is_some_and(is_version_like) {
        return RefStrength::Tag;
    }
    RefStrength::Unknown
}

/// Whether `s` contains a Jinja expression or statement (the scan lives in
/// `fleetpin_ansible::jinja`, with the rest of the Jinja handling).
pub use fleetpin_ansible::jinja::has_template as is_templated;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strengths() {
        use RefStrength::*;
        assert_eq!(
            ref_strength("b4ffde65f46336ab88eb53be808477a3936bae11"),
            Sha
        );
        assert_eq!(ref_strength("main"), Branch);
        assert_eq!(ref_strength("HEAD"), Branch);
        assert_eq!(ref_strength("refs/heads/feature"), Branch);
        assert_eq!(ref_strength("origin/master"), Branch);
        assert_eq!(ref_strength("v4"), Tag);
        assert_eq!(ref_strength("v4.1.1"), Tag);
        assert_eq!(ref_strength("1.2.3"), Tag);
        assert_eq!(ref_strength("2.0.0-rc1"), Tag);
        assert_eq!(ref_strength("release-1.4"), Tag);
        assert_eq!(ref_strength("a81bbbf"), Tag);
        assert_eq!(ref_strength("==1.2.3"), Tag);
        assert_eq!(ref_strength(">=1.0.0"), Range);
        assert_eq!(ref_strength(">=1.0.0,<2.0.0"), Range);
        assert_eq!(ref_strength("*"), Range);
        assert_eq!(ref_strength("1.x"), Range);
        assert_eq!(ref_strength("1.2.*"), Range);
        assert_eq!(ref_strength("feature-login"), Unknown);
        assert_eq!(ref_strength(""), Missing);
    }
}
