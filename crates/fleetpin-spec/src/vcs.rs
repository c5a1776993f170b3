//! Version-control refs: `git` `version:`, `pip git+...@ref`, `npm user/repo#ref`, Galaxy
//! `scm` entries.

use crate::strength::{PinStrength, is_unresolved};

/// Classify a version-control ref (`git` `version:`, `pip git+...@ref`, `npm user/repo#ref`).
///
/// Empty (default branch) → Floating; a full 40/64-hex commit → Digest; a short hex commit,
/// `refs/tags/...` or a version-like tag (`v1.2.3`, `1.2`, `curl-8_4_0`) → Exact; maintenance
/// branches that look like versions (`stable-2.15`, `release-1.28`, `2.x`) and anything else
/// (`main`, `HEAD`, `develop`) → Floating.
pub fn classify_vcs_ref(r: &str) -> PinStrength {
    let r = r.trim();
    if r.is_empty() {
        return PinStrength::Floating;
    }
    if is_unresolved(r) {
        return PinStrength::Unresolved;
    }
    let hex = r.bytes().all(|b| b.is_ascii_hexdigit());
    if hex && (r.len() == 40 || r.len() == 64) {
        return PinStrength::Digest;
    }
    if hex && r.len() >= 7 && r.len() < 40 && r.bytes().any(|b| b.is_ascii_digit()) {
        return PinStrength::Exact;
    }
    let tag = r.strip_prefix("refs/tags/").unwrap_or(r);
    if tag != r {
        return PinStrength::Exact;
    }
    // Maintenance branches look like versions: `stable-2.15`, `release-1.28`, `2.x`, `v1.x`.
    let lower = tag.to_ascii_lowercase();
    let branch_prefix = [
        "stable", "release", "branch", "dev", "feature", "hotfix", "maint",
    ]
    .iter()
    .any(|p| lower.starts_with(p));
    let x_series = lower
        .split(['.', '-', '/'])
        .any(|part| part == "x" || part == "*");
    if branch_prefix || x_series {
        return PinStrength::Floating;
    }
    if looks_like_version_tag(tag) {
        PinStrength::Exact
    } else {
        PinStrength::Floating
    }
}

/// `v1.2.3`, `1.2`, `release-2.0.1`, `2023.01.15`, `curl-8_4_0`: contains a digit-dot-digit or
/// digit-underscore-digit, or starts with `v` followed by a digit.
fn looks_like_version_tag(t: &str) -> bool {
    let b = t.as_bytes();
    if b.len() >= 2 && (b[0] == b'v' || b[0] == b'V') && b[1].is_ascii_digit() {
        return true;
    }
    b.windows(3)
        .any(|w| w[0].is_ascii_digit() && (w[1] == b'.' || w[1] == b'_') && w[2].is_ascii_digit())
}
