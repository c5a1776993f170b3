//! `fleetpin-dev lint-data`: both knowledge databases of the repository and the references
//! between them, checked as CI checks an advisory database (every problem listed, never the
//! first only).
//!
//! - `hazards/<package>/<id>.md`: every entry valid (`fleetpin_guard::Database::load_dir`),
//!   host conditions included (`[when]`: cgroup, kernel ranges, iptables backend, installed
//!   packages; a distribution the ecosystem cannot order; the entry's own package used as a
//!   condition).
//! - `causes/<id>.toml`: every cause valid (`fleetpin_logs::CauseDb::load_dir`).
//! - Every hazard id a cause links (`hazard = "FPH-…"`) or references (`references =
//!   ["FPH-…"]`) is an entry of `hazards/`, and not a draft. The link is kept on the cause's
//!   side only; the hazard → causes direction is computed (`CauseDb::for_hazard`).
//! - Every file of `causes/` is built into fleetpin-logs (`CauseDb::builtin`) and every entry of
//!   `hazards/` into fleetpin-guard (`Database::builtin`), so the binary carries what the
//!   directories hold.
//!
//! The two libraries do not depend on each other; this step is where their data meet.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// One problem, located.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// The file (under the linted root).
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, when known.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:", self.path.display(), self.line)?;
        if let Some(c) = self.column {
            write!(f, "{c}:")?;
        }
        write!(f, " {}", self.message)
    }
}

/// What `lint-data` found.
#[derive(Debug, Default)]
pub struct Report {
    /// Valid hazard entries.
    pub hazards: usize,
    /// Valid causes.
    pub causes: usize,
    /// Hazard references of causes that were checked against `hazards/`.
    pub references: usize,
    /// Every problem, sorted by file and line.
    pub problems: Vec<Problem>,
}

/// The 1-based line of the first `"needle"` (a TOML string) in `text`, else 1.
fn line_of(text: &str, needle: &str) -> usize {
    let quoted = [format!("\"{needle}\""), format!("'{needle}'")];
    quoted
        .iter()
        .filter_map(|q| text.find(q.as_str()))
        .min()
        .map_or(1, |at| text[..at].matches('\n').count() + 1)
}

/// Lints `hazards/` and `causes/` under `root`, and what binds them.
///
/// `check_builtin`: also check that the directories are what the libraries were built with
/// (only meaningful for this repository's own directories).
pub fn lint(root: &Path, check_builtin: bool) -> Result<Report> {
    let hazards_dir = root.join("hazards");
    let causes_dir = root.join("causes");
    let mut report = Report::default();

    let (hazards, entry_problems) = fleetpin_guard::Database::load_dir(&hazards_dir)
        .with_context(|| format!("loading {}", hazards_dir.display()))?;
    for entry in &entry_problems {
        for p in &entry.problems {
            report.problems.push(Problem {
                path: hazards_dir.join(&entry.path),
                line: p.line,
                column: None,
                message: p.message.clone(),
            });
        }
    }
    report.hazards = hazards.hazards().len();

    let (causes, cause_problems) = fleetpin_logs::CauseDb::load_dir(&causes_dir)
        .with_context(|| format!("loading {}", causes_dir.display()))?;
    for p in cause_problems {
        report.problems.push(Problem {
            path: p.path,
            line: p.line,
            column: Some(p.column),
            message: p.message,
        });
    }
    report.causes = causes.causes().len();

    // Cross-references: cause -> hazard.
    for cause in causes.causes() {
        let mut wanted: Vec<&String> = cause
            .hazard
            .iter()
            .chain(cause.references.iter().filter(|r| r.starts_with("FPH-")))
            .collect();
        wanted.sort();
        wanted.dedup();
        if wanted.is_empty() {
            continue;
        }
        let text = std::fs::read_to_string(&cause.path)
            .with_context(|| format!("reading {}", cause.path.display()))?;
        for r in wanted {
            report.references += 1;
            match hazards.get(r) {
                None => report.problems.push(Problem {
                    path: cause.path.clone(),
                    line: line_of(&text, r),
                    column: None,
                    message: format!(
                        "reference `{r}`: no such hazard in {}",
                        hazards_dir.display()
                    ),
                }),
                Some(h) if h.is_draft() => report.problems.push(Problem {
                    path: cause.path.clone(),
                    line: line_of(&text, r),
                    column: None,
                    message: format!(
                        "reference `{r}` is a draft id: give the hazard its id, then reference it"
                    ),
                }),
                Some(_) => {}
            }
        }
    }

    if check_builtin {
        let (builtin_causes, _) = fleetpin_logs::CauseDb::builtin();
        let built: BTreeSet<&str> = builtin_causes
            .causes()
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        for c in causes.causes() {
            if !built.contains(c.id.as_str()) {
                report.problems.push(Problem {
                    path: c.path.clone(),
                    line: 1,
                    column: None,
                    message: "not built in: add it to `BUILTIN` in \
                              crates/fleetpin-logs/src/causes.rs"
                        .to_string(),
                });
            }
        }
        let (builtin_hazards, _) = fleetpin_guard::Database::builtin();
        let on_disk: BTreeSet<&str> = hazards.hazards().iter().map(|h| h.id.as_str()).collect();
        let built: BTreeSet<&str> = builtin_hazards
            .hazards()
            .iter()
            .map(|h| h.id.as_str())
            .collect();
        for id in on_disk.difference(&built) {
            report.problems.push(Problem {
                path: hazards_dir.clone(),
                line: 1,
                column: None,
                message: format!(
                    "`{id}` is not built into fleetpin-guard (rebuild: its build script embeds \
                     the directory)"
                ),
            });
        }
    }

    report.problems.sort();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo() -> PathBuf {
        crate::workspace_root()
    }

    #[test]
    fn the_repository_data_is_clean() {
        let report = lint(&repo(), true).unwrap();
        let text: Vec<String> = report.problems.iter().map(ToString::to_string).collect();
        assert!(report.problems.is_empty(), "{}", text.join("\n"));
        assert!(report.hazards >= 1);
        assert!(report.causes >= 3);
        // docker23-apparmor-missing references FPH-2023-0001.
        assert!(report.references >= 1, "{report:?}");
    }

    fn write(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn broken_data_and_dangling_references_are_all_reported() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let hazard =
            std::fs::read_to_string(repo().join("hazards/docker-ce/FPH-2023-0001.md")).unwrap();
        write(root, "hazards/docker-ce/FPH-2023-0001.md", &hazard);
        write(
            root,
            "hazards/runc/FPH-0000-0000.md",
            &hazard
                .replace("FPH-2023-0001", "FPH-0000-0000")
                .replace("package = \"docker-ce\"", "package = \"runc\""),
        );
        write(
            root,
            "hazards/x/FPH-2024-0002.md",
            "```toml\n[hazard\n```\n",
        );
        let cause =
            std::fs::read_to_string(repo().join("causes/docker23-apparmor-missing.toml")).unwrap();
        write(root, "causes/docker23-apparmor-missing.toml", &cause);
        write(
            root,
            "causes/dangling.toml",
            &cause
                .replace("docker23-apparmor-missing", "dangling")
                .replace("hazard = \"FPH-2023-0001\"", "hazard = \"FPH-2032-0001\"")
                .replace("\"FPH-2023-0001\"", "\"FPH-2031-0007\", \"FPH-0000-0000\""),
        );
        write(root, "causes/bad.toml", "id = \"bad\"\n");

        let report = lint(root, false).unwrap();
        let text: Vec<String> = report
            .problems
            .iter()
            .map(|p| {
                let rel = p.path.strip_prefix(root).unwrap_or(&p.path);
                Problem {
                    path: rel.to_path_buf(),
                    ..p.clone()
                }
                .to_string()
                .replace(&root.display().to_string(), "<root>")
            })
            .collect();
        let hazard_line = line_of(&cause, "FPH-2023-0001");
        assert!(
            cause
                .lines()
                .nth(hazard_line - 1)
                .unwrap()
                .starts_with("hazard = ")
        );
        let line = hazard_line
            + cause
                .lines()
                .skip(hazard_line)
                .position(|l| l.contains("\"FPH-2023-0001\""))
                .unwrap()
            + 1;
        assert_eq!(
            text,
            [
                "causes/bad.toml:1:1: missing `[[match]]`: a cause needs at least one pattern"
                    .to_string(),
                "causes/bad.toml:1:1: missing key `explanation`".to_string(),
                "causes/bad.toml:1:1: missing key `fix` (required unless `noise = true`)"
                    .to_string(),
                "causes/bad.toml:1:1: missing key `title`".to_string(),
                format!(
                    "causes/dangling.toml:{hazard_line}: reference `FPH-2032-0001`: no such \
                     hazard in <root>/hazards"
                ),
                format!(
                    "causes/dangling.toml:{line}: reference `FPH-0000-0000` is a draft id: give \
                     the hazard its id, then reference it"
                ),
                format!(
                    "causes/dangling.toml:{line}: reference `FPH-2031-0007`: no such hazard in \
                     <root>/hazards"
                ),
                "hazards/x/FPH-2024-0002.md:2: unclosed table, expected `]`".to_string(),
            ],
            "{text:#?}"
        );
        assert_eq!(report.hazards, 2);
        assert_eq!(report.causes, 2);
        // docker23-apparmor-missing: its link (also among its references, counted once);
        // dangling: its link and two references.
        assert_eq!(report.references, 4);
    }

    /// The host conditions of hazard entries (`[when]`: cgroup, kernel, iptables backend,
    /// installed packages) are linted like every other field: each problem at its line.
    #[test]
    fn bad_host_conditions_are_reported_at_their_lines() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let good =
            std::fs::read_to_string(repo().join("hazards/kubelet/FPH-2022-0002.md")).unwrap();
        let bad = good
            .replace(
                "installed = [\"containerd.io < 1.6~ | containerd < 1.6~\"]",
                "installed = [\"kubelet < 1.26\"]\ncgroup = 3\nkernel = [\">= 5.4-1\"]",
            )
            .replace("references = [", "distros = [\"rhel:9\"]\nreferences = [");
        write(root, "hazards/kubelet/FPH-2022-0002.md", &bad);
        std::fs::create_dir_all(root.join("causes")).unwrap();
        let report = lint(root, false).unwrap();
        let at = |needle: &str| 1 + bad[..bad.find(needle).unwrap()].matches('\n').count();
        let text: Vec<String> = report
            .problems
            .iter()
            .map(|p| format!("{}: {}", p.line, p.message))
            .collect();
        assert_eq!(
            text,
            [
                format!(
                    "{}: distro `rhel:9` uses rpm packages, but the entry's ecosystem is debian",
                    at("distros")
                ),
                format!(
                    "{}: `kubelet < 1.26` names the entry's own package: its versions go in \
                     [versions]",
                    at("installed =")
                ),
                format!(
                    "{}: cgroup `3` is not 1 (legacy or hybrid) or 2 (unified)",
                    at("cgroup =")
                ),
                format!(
                    "{}: kernel range `>= 5.4-1` compares kernel versions: write them `X.Y` or \
                     `X.Y.Z`",
                    at("kernel =")
                ),
            ],
            "{text:#?}"
        );
        assert_eq!(report.hazards, 0);
    }

    #[test]
    fn line_of_finds_quoted_strings() {
        assert_eq!(line_of("a = 1\nr = [\"X\"]\n", "X"), 2);
        assert_eq!(line_of("r = ['X']\n", "X"), 1);
        assert_eq!(line_of("nothing\n", "X"), 1);
    }
}
