//! Inline suppression comments.
//!
//! One syntax of fleetpin's own, for YAML and Dockerfiles:
//!
//! - `# fleetpin: ignore[ANS001,SH001]` (codes or names) or bare `# fleetpin: ignore` (every
//!   rule), at the end of the reported line or alone on the line before it. In an Ansible
//!   task, a comment on any line of the task covers the whole task (as ansible-lint's `noqa`).
//!
//! And the comments of the peers, for the matching rules, so a repository that already
//! silenced ansible-lint or hadolint is not flooded again:
//!
//! - ansible-lint: `# noqa: NAME` or `# noqa NAME` (ansible-lint reads both; several names
//!   are separated by blanks or commas). Only the ansible-lint rules that have a fleetpin
//!   counterpart suppress anything, and only that counterpart:
//!
//!   | ansible-lint rule                                   | fleetpin rule                 |
//!   |-----------------------------------------------------|-------------------------------|
//!   | `package-latest`                                    | ANS001 package-state-latest, ANS003 blanket-upgrade (`name: "*"` + `state: latest`) |
//!   | `latest`, `latest[git]`, `latest[hg]`, `git-latest`, `hg-latest` | ANS006 vcs-floating-ref |
//!
//!   Any other name (`no-handler`, `fqcn[action-core]`, `command-instead-of-module`, ...)
//!   suppresses nothing. A fleetpin code or name after `noqa` works too. A bare `# noqa`,
//!   with no name at all, keeps its old ansible-lint meaning: every rule on that task or line.
//! - hadolint: `# hadolint ignore=DL3006,DL3007` (IMG001), `DL3008` apt, `DL3013` pip,
//!   `DL3016` npm, `DL3018` apk, `DL3028` gem, `DL3033` yum, `DL3037` zypper, `DL3041` dnf
//!   (SH001 for that package manager only). A hadolint comment on its own line applies to the
//!   whole next instruction, continuation lines included, as in hadolint.

use std::cell::Cell;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::registry;

/// What one suppression covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every rule.
    All,
    /// One rule code, optionally only for one subject (a package manager for `SH001`).
    Rule {
        /// Rule code, e.g. `SH001`.
        code: &'static str,
        /// Only findings about this subject (e.g. `apt`), or all of the rule's findings.
        subject: Option<&'static str>,
    },
}

/// One suppression: the lines it covers, what it covers, where its comment is.
#[derive(Debug, Clone)]
struct Entry {
    first: usize,
    last: usize,
    scope: Scope,
    /// Byte range of the comment in the file.
    comment: Range<usize>,
    /// Written in fleetpin's own syntax (only those are reported when unused).
    own: bool,
    /// Whether it suppressed something.
    used: Cell<bool>,
}

/// Suppressions of one file, by 1-based line.
#[derive(Debug, Default, Clone)]
pub struct Suppressions {
    entries: Vec<Entry>,
}

/// A fleetpin suppression comment that suppressed nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unused {
    /// Byte range of the comment.
    pub comment: Range<usize>,
    /// What it names.
    pub scope: Scope,
}

static FLEETPIN: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"#\s*fleetpin\s*:\s*(?:ignore|noqa)(?:\[([^\]]*)\])?").expect("valid regex")
});
/// `# noqa`, then an optional colon, then the names (ansible-lint splits what follows `# noqa`
/// after stripping blanks and colons, so `# noqa no-handler` names `no-handler`).
static NOQA: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"#\s*noqa\b\s*:?([\w\[\]\-, ]*)").expect("valid regex"));
static HADOLINT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"#\s*hadolint\s+ignore\s*=\s*([A-Za-z0-9, ]+)").expect("valid regex")
});

/// hadolint codes fleetpin honours: (DL code, our code, package manager subject).
pub const HADOLINT_CODES: &[(&str, &str, Option<&str>)] = &[
    ("DL3006", "IMG001", None),
    ("DL3007", "IMG001", None),
    ("DL3008", "SH001", Some("apt")),
    ("DL3013", "SH001", Some("pip")),
    ("DL3016", "SH001", Some("npm")),
    ("DL3018", "SH001", Some("apk")),
    ("DL3028", "SH001", Some("gem")),
    ("DL3033", "SH001", Some("yum")),
    ("DL3037", "SH001", Some("zypper")),
    ("DL3041", "SH001", Some("dnf")),
];

/// ansible-lint rule names fleetpin honours in `# noqa:`.
pub const ANSIBLE_LINT_NAMES: &[(&str, &str)] = &[
    ("package-latest", "ANS001"),
    // ansible-lint's package-latest fires on `name: "*"` + `state: latest` too, which fleetpin
    // reports as a blanket upgrade.
    ("package-latest", "ANS003"),
    ("latest", "ANS006"),
    ("latest[git]", "ANS006"),
    ("latest[hg]", "ANS006"),
    ("git-latest", "ANS006"),
    ("hg-latest", "ANS006"),
];

fn our_scopes(token: &str) -> Vec<Scope> {
    let token = token.trim();
    if token.is_empty() {
        return Vec::new();
    }
    let mapped: Vec<Scope> = ANSIBLE_LINT_NAMES
        .iter()
        .filter(|(n, _)| *n == token)
        .map(|(_, code)| Scope::Rule {
            code,
            subject: None,
        })
        .collect();
    if !mapped.is_empty() {
        return mapped;
    }
    registry::find(token)
        .map(|m| Scope::Rule {
            code: m.code,
            subject: None,
        })
        .into_iter()
        .collect()
}

/// Whether a line holds only a comment (after indentation).
fn comment_only(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// The comment part of a line: from the first `#` that starts the line or follows a blank.
/// (A `#` inside a word, like `foo#bar` or a URL fragment, does not start a comment in YAML or
/// in a Dockerfile.)
fn comment_part(line: &str) -> Option<&str> {
    let bytes = line.as_bytes();
    (0..bytes.len())
        .find(|&i| bytes[i] == b'#' && (i == 0 || bytes[i - 1] == b' ' || bytes[i - 1] == b'\t'))
        .map(|i| &line[i..])
}

impl Suppressions {
    /// Scans `text` for suppression comments. `dockerfile` makes own-line comments cover the
    /// whole next instruction (through its `\` continuation lines).
    pub fn parse(text: &str, dockerfile: bool) -> Suppressions {
        let lines: Vec<&str> = text.lines().collect();
        let mut starts = Vec::with_capacity(lines.len());
        let mut off = 0;
        for piece in text.split_inclusive('\n') {
            starts.push(off);
            off += piece.len();
        }
        let mut entries = Vec::new();
        // Fast path: most files have no comment that could matter.
        if !text.contains("fleetpin") && !text.contains("noqa") && !text.contains("hadolint") {
            return Suppressions { entries };
        }
        for (idx, line) in lines.iter().enumerate() {
            let Some(comment) = comment_part(line) else {
                continue;
            };
            let line_no = idx + 1;
            let mut scopes = Vec::new();
            let comment_start =
                starts.get(idx).copied().unwrap_or(0) + (line.len() - comment.len());
            let comment_range = comment_start..comment_start + comment.trim_end().len();
            let own = FLEETPIN.is_match(comment);
            if let Some(c) = FLEETPIN.captures(comment) {
                match c.get(1) {
                    None => scopes.push(Scope::All),
                    Some(list) => scopes.extend(list.as_str().split(',').flat_map(our_scopes)),
                }
            } else if let Some(c) = HADOLINT.captures(comment) {
                for code in c[1].split(',').map(str::trim) {
                    for (dl, ours, subject) in HADOLINT_CODES {
                        if dl.eq_ignore_ascii_case(code) {
                            scopes.push(Scope::Rule {
                                code: ours,
                                subject: *subject,
                            });
                        }
                    }
                }
            } else if let Some(c) = NOQA.captures(comment) {
                let list = c.get(1).map_or("", |m| m.as_str());
                if list.trim().is_empty() {
                    scopes.push(Scope::All);
                } else {
                    scopes.extend(list.split([',', ' ', '\t']).flat_map(our_scopes));
                }
            }
            if scopes.is_empty() {
                continue;
            }
            let (first, last) = if comment_only(line) {
                // Covers the next non-comment line (and, in a Dockerfile, its continuations).
                let mut next = idx + 1;
                while next < lines.len() && comment_only(lines[next]) {
                    next += 1;
                }
                let mut end = next;
                if dockerfile {
                    while end < lines.len() && lines[end].trim_end().ends_with('\\') {
                        end += 1;
                    }
                }
                (next + 1, end + 1)
            } else {
                (line_no, line_no)
            };
            for scope in scopes {
                entries.push(Entry {
                    first,
                    last,
                    scope,
                    comment: comment_range.clone(),
                    own,
                    used: Cell::new(false),
                });
            }
        }
        Suppressions { entries }
    }

    /// Whether a finding of `code` (about `subject`, if any) on 1-based `line` is suppressed.
    /// Matching suppressions are remembered as used.
    pub fn is_suppressed(&self, code: &str, subject: Option<&str>, line: usize) -> bool {
        let mut hit = false;
        for e in &self.entries {
            let matches = (e.first..=e.last).contains(&line)
                && match &e.scope {
                    Scope::All => true,
                    Scope::Rule {
                        code: c,
                        subject: s,
                    } => *c == code && (s.is_none() || *s == subject),
                };
            if matches {
                e.used.set(true);
                hit = true;
            }
        }
        hit
    }

    /// fleetpin's own suppressions (`# fleetpin: ignore[...]`) that suppressed nothing so far.
    pub fn unused(&self) -> Vec<Unused> {
        self.entries
            .iter()
            .filter(|e| e.own && !e.used.get())
            .map(|e| Unused {
                comment: e.comment.clone(),
                scope: e.scope.clone(),
            })
            .collect()
    }

    /// Whether there is no suppression at all.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fleetpin_same_line_and_line_before() {
        let s = Suppressions::parse(
            "a: 1\nstate: latest  # fleetpin: ignore[ANS001]\n# fleetpin: ignore[package-present-without-version, SH001]\nname: x\nother: 1\n",
            false,
        );
        assert!(s.is_suppressed("ANS001", None, 2));
        assert!(!s.is_suppressed("ANS001", None, 1));
        assert!(!s.is_suppressed("ANS002", None, 2));
        assert!(s.is_suppressed("ANS002", None, 4));
        assert!(s.is_suppressed("SH001", Some("apt"), 4));
        assert!(!s.is_suppressed("ANS002", None, 5));
    }

    #[test]
    fn bare_fleetpin_ignore_is_all() {
        let s = Suppressions::parse("x: 1 # fleetpin: ignore\n", false);
        assert!(s.is_suppressed("IMG001", None, 1));
    }

    #[test]
    fn noqa_mapping() {
        let s = Suppressions::parse(
            "state: latest # noqa: package-latest\nversion: main # noqa: latest[git]\nstate: latest # noqa\nstate: latest # noqa: yaml[truthy]\n",
            false,
        );
        assert!(s.is_suppressed("ANS001", None, 1));
        assert!(!s.is_suppressed("ANS002", None, 1));
        assert!(s.is_suppressed("ANS006", None, 2));
        assert!(s.is_suppressed("ANS002", None, 3));
        assert!(!s.is_suppressed("ANS001", None, 4));
    }

    #[test]
    fn noqa_without_colon_names_rules() {
        // ansible-lint reads `# noqa NAME` like `# noqa: NAME`: an unrelated name suppresses
        // nothing (issue 9), a mapped one only its fleetpin rule, a bare `# noqa` everything.
        let s = Suppressions::parse(
            "state: latest # noqa no-handler\nstate: latest # noqa package-latest\nversion: main # noqa fqcn[action-core] latest[git]\nstate: latest  # noqa  \nstate: latest # noqa: no-changed-when, package-latest\n",
            false,
        );
        for code in ["ANS001", "ANS002", "ANS006", "SH001"] {
            assert!(!s.is_suppressed(code, None, 1), "{code}");
        }
        assert!(s.is_suppressed("ANS001", None, 2));
        assert!(!s.is_suppressed("ANS002", None, 2));
        assert!(s.is_suppressed("ANS006", None, 3));
        assert!(!s.is_suppressed("ANS001", None, 3));
        assert!(s.is_suppressed("ANS002", None, 4));
        assert!(s.is_suppressed("ANS001", None, 5));
        assert!(!s.is_suppressed("ANS002", None, 5));
        // kubespray: `name: '*'` + `state: latest` under `# noqa package-latest`.
        assert!(s.is_suppressed("ANS003", None, 2));
    }

    #[test]
    fn hadolint_covers_next_instruction_for_its_manager() {
        let s = Suppressions::parse(
            "FROM debian:12\n# hadolint ignore=DL3008\nRUN apt-get update && \\\n    apt-get install -y curl && \\\n    pip install x\nRUN apt-get install y\n",
            true,
        );
        assert!(s.is_suppressed("SH001", Some("apt"), 3));
        assert!(s.is_suppressed("SH001", Some("apt"), 4));
        assert!(!s.is_suppressed("SH001", Some("pip"), 5));
        assert!(!s.is_suppressed("SH001", Some("apt"), 6));
        let s = Suppressions::parse("# hadolint ignore=DL3007,DL3006\nFROM nginx\n", true);
        assert!(s.is_suppressed("IMG001", None, 2));
    }

    #[test]
    fn hash_inside_word_is_not_a_comment() {
        let s = Suppressions::parse("url: http://x/#noqa\n", false);
        assert!(s.is_empty());
    }
}
