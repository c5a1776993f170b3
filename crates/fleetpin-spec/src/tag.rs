//! What an image tag pins: [`classify_tag`].
//!
//! | Tag | Class | Why |
//! |---|---|---|
//! | *(none)*, `latest`, `stable`, `edge`, `lts`, `mainline`, ... | floating | a moving word ([`DEFAULT_FLOATING_TAGS`]) |
//! | `alpine`, `apache`, `buster`, `bookworm`, `lts-slim`, `stable-alpine` | floating | no version component: follows every upstream release |
//! | `alpine3.19`, `ltsc2022`, `jdk17` | floating | the number belongs to the distro or variant, not to the upstream version |
//! | `ubuntu-6.4-latest`, `7.2-rc` | floating | ends in a moving word |
//! | `20`, `1.25-alpine`, `20.04`, `v2`, `3.12-slim`, `2.x` | range | only major or major.minor: follows every patch release of that line |
//! | `1.25.3`, `v2.4.1`, `3.12.1-slim-bookworm`, `2024.01.15` | exact | major.minor.patch (or more) |
//! | `8u392`, `8u392-b08-jdk`, `1.2-r1`, `17.0-b35`, `9.6.24p1` | exact | an update, build or revision number on top of the version |
//! | `20240211`, `bookworm-20240211`, `stable-20240211-slim`, `nightly-2024-01-15` | exact | a date or build number (6+ digits, or `YYYY-MM-DD`) |
//! | `sha-abc1234`, `abc1234def` | exact | a commit (7+ hex digits with a digit and a letter) |
//! | `@sha256:...` | digest | content-addressed (decided by the reference, not the tag) |
//!
//! The upstream version is the first `-`/`_`-separated part of the tag that starts with a digit
//! (after an optional `v`). Its precision counts the `.`-separated numbers; a number after letters
//! inside the version (`8u392`, `9.6.24p1`) is an update level of a full version, so exact. A following part such as `b08`, `r1`, `p2`, `build5`
//! or `rc1` adds one (a build or revision of that exact version). A part made of letters and then
//! digits (`alpine3.19`) is a variant qualifier and never the upstream version.

/// Tags and tag parts that move to a new image at every release: the one default list, used by
/// `fleetpin lint` (`lint.floating-tags` replaces it, `lint.extend-floating-tags` adds to it),
/// the Dockerfile model and the registry client.
pub const DEFAULT_FLOATING_TAGS: &[&str] = &[
    "latest", "stable", "edge", "lts", "mainline", "current", "nightly", "master", "main",
    "develop", "dev", "rolling", "testing", "unstable", "beta", "alpha", "rc", "next", "canary",
];

/// What a tag (without digest) pins. Ordered weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case", tag = "class")]
pub enum TagClass {
    /// A moving word or no version component at all: a new upstream release re-points it.
    Floating,
    /// Only a major (`20`) or major.minor (`1.25`) version: it follows the line's releases.
    Range {
        /// How many version numbers the tag gives (1 or 2).
        precision: u8,
    },
    /// A full version, a date or build number, or a commit.
    Exact,
}

/// Classify `tag` against a list of moving words (compared case-insensitively; see the module
/// docs for the decision table). `tag` is the tag alone, without `:` or digest.
pub fn classify_tag(tag: &str, floating_words: &[&str]) -> TagClass {
    classify_tag_with(tag, |w| {
        floating_words.iter().any(|f| f.eq_ignore_ascii_case(w))
    })
}

/// [`classify_tag`] with a predicate for moving words (for lists held as `String`s).
pub fn classify_tag_with(tag: &str, is_floating_word: impl Fn(&str) -> bool) -> TagClass {
    if tag.is_empty() || is_floating_word(tag) {
        return TagClass::Floating;
    }
    // No allocation: this runs for every image reference fleetpin lints.
    let split = || tag.split(['-', '_']).filter(|p| !p.is_empty());
    if split().next_back().is_some_and(&is_floating_word) {
        return TagClass::Floating;
    }
    let mut parts = split();
    let mut commit = false;
    let mut version = None;
    for part in parts.by_ref() {
        let p = strip_v(part);
        if p.starts_with(|c: char| c.is_ascii_digit()) {
            version = Some(p);
            break;
        }
        commit |= is_commit(part);
    }
    if commit {
        return TagClass::Exact;
    }
    let Some(head) = version else {
        return TagClass::Floating;
    };
    let mut n = precision(head);
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    // A date or build number: `20240211`, `202401151230`.
    if all_digits(head) && head.len() >= 6 {
        return TagClass::Exact;
    }
    let mut rest = parts;
    let next = rest.next();
    // A date split by dashes: `2024-01-15`.
    if all_digits(head)
        && head.len() == 4
        && next.is_some_and(|p| p.len() == 2 && all_digits(p))
        && rest.next().is_some_and(|p| p.len() == 2 && all_digits(p))
    {
        return TagClass::Exact;
    }
    // A build or revision of that version: `8u392-b08`, `1.2-r1`, `17.0-b35`.
    if next.is_some_and(is_build_marker) {
        n += 1;
    }
    if n >= 3 {
        TagClass::Exact
    } else {
        TagClass::Range {
            precision: n.max(1) as u8,
        }
    }
}

fn strip_v(p: &str) -> &str {
    match p.strip_prefix(['v', 'V']) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
        _ => p,
    }
}

/// Numbers in a version part: `1.25` → 2, `2.x` → 1, `1.25.3` → 3. A number after letters
/// inside a component is an update or patch level of a full version (`8u392`, `9.6.24p1`), so
/// such a part counts as at least 3.
fn precision(p: &str) -> usize {
    let mut n = 0;
    let mut inner = false;
    for comp in p.split('.') {
        if !comp.starts_with(|c: char| c.is_ascii_digit()) {
            break;
        }
        let b = comp.as_bytes();
        let runs = b
            .iter()
            .enumerate()
            .filter(|(i, c)| c.is_ascii_digit() && (*i == 0 || !b[i - 1].is_ascii_digit()))
            .count();
        inner |= runs > 1;
        n += runs;
    }
    if inner { n.max(3) } else { n }
}

/// `b08`, `r1`, `p2`, `build5`, `rev3`, `rc1`, `beta2`, `u392`.
fn is_build_marker(p: &str) -> bool {
    let at = p
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(p.len());
    let (word, digits) = p.split_at(at);
    !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && [
            "b", "r", "p", "u", "build", "rev", "rc", "beta", "alpha", "patch",
        ]
        .iter()
        .any(|w| w.eq_ignore_ascii_case(word))
}

/// A commit id: 7 to 64 hex digits with at least one digit and one letter (`abc1234`).
fn is_commit(p: &str) -> bool {
    (7..=64).contains(&p.len())
        && p.bytes().all(|b| b.is_ascii_hexdigit())
        && p.bytes().any(|b| b.is_ascii_digit())
        && p.bytes().any(|b| b.is_ascii_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(t: &str) -> TagClass {
        classify_tag(t, DEFAULT_FLOATING_TAGS)
    }

    #[test]
    fn floating_without_a_number() {
        for t in [
            "latest",
            "LATEST",
            "stable",
            "edge",
            "lts",
            "alpine",
            "apache",
            "buster",
            "bookworm",
            "lts-slim",
            "stable-alpine",
            "mainline-alpine",
            "latest-alpine",
            "alpine3.19",
            "ltsc2022",
            "ubuntu-6.4-latest",
            "7.2-rc",
            "rolling",
        ] {
            assert_eq!(class(t), TagClass::Floating, "{t}");
        }
    }

    #[test]
    fn ranges() {
        for (t, p) in [
            ("20", 1),
            ("1.25-alpine", 2),
            ("20.04", 2),
            ("v2", 1),
            ("3.12-slim", 2),
            ("2.x", 1),
            ("10", 1),
            ("1.18", 2),
            ("20-alpine3.19", 1),
            ("17-jdk-jammy", 1),
        ] {
            assert_eq!(class(t), TagClass::Range { precision: p }, "{t}");
        }
    }

    #[test]
    fn exact() {
        for t in [
            "1.25.3",
            "v2.4.1",
            "3.12.1-slim-bookworm",
            "2024.01.15",
            "8u392-b08-jdk",
            "8u392",
            "1.2-r1",
            "20240211",
            "bookworm-20240211",
            "stable-20240211-slim",
            "nightly-2024-01-15",
            "sha-abc1234",
            "abc1234def",
            "9.6.24p1",
            "1.2.3-rc1",
        ] {
            assert_eq!(class(t), TagClass::Exact, "{t}");
        }
    }

    #[test]
    fn the_word_list_is_configurable() {
        assert_eq!(classify_tag("6.4-prod", &["prod"]), TagClass::Floating);
        assert_eq!(
            classify_tag("6.4-latest", &["prod"]),
            TagClass::Range { precision: 2 }
        );
        // No number floats whatever the list says.
        assert_eq!(classify_tag("stable", &[]), TagClass::Floating);
    }
}
