//! `fleetpin-dev lint-tests`: tests decide about missing oracles and root privileges in one
//! place, `fleetpin-testkit`, so none can pass in CI without checking anything.
//!
//! Flags, in every `.rs` file under `src/`, `tests/` and `crates/` (except `fleetpin-testkit` itself and this
//! file): a read of `FLEETPIN_REQUIRE_ORACLES` or `CI` (use `fleetpin_testkit::require` /
//! `oracle`), and a uid check (use `fleetpin_testkit::rerun_unprivileged`, which runs the test
//! as `nobody` instead of returning early as root).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// A line that decides on its own whether a test checks anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// File, relative to the root.
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// What to use instead.
    pub message: &'static str,
}

const PATTERNS: &[(&str, &str)] = &[
    (
        "\"FLEETPIN_REQUIRE_ORACLES\"",
        "reads FLEETPIN_REQUIRE_ORACLES itself: use fleetpin_testkit::require / oracle",
    ),
    (
        "var(\"CI\")",
        "reads CI itself: use fleetpin_testkit::require / oracle",
    ),
    (
        "var_os(\"CI\")",
        "reads CI itself: use fleetpin_testkit::require / oracle",
    ),
    (
        "getuid(",
        "checks the uid itself: use fleetpin_testkit::rerun_unprivileged",
    ),
    (
        "geteuid(",
        "checks the uid itself: use fleetpin_testkit::rerun_unprivileged",
    ),
];

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if path.is_dir() {
            if name != "target" && !name.starts_with('.') {
                walk(&path, out)?;
            }
        } else if name.ends_with(".rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Scans the source folders (`src/`, `tests/`, `crates/`).
pub fn lint(root: &Path) -> Result<Vec<Finding>> {
    let mut files = Vec::new();
    for dir in crate::check_snapshots::SOURCE_DIRS {
        let dir = root.join(dir);
        if dir.is_dir() {
            walk(&dir, &mut files)?;
        }
    }
    files.sort();
    let mut findings = Vec::new();
    for file in files {
        let rel = file.strip_prefix(root).unwrap_or(&file).to_path_buf();
        if rel.starts_with("crates/fleetpin-testkit") || rel.ends_with("src/lint_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(&file)
            .with_context(|| format!("reading {}", file.display()))?;
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or_default();
            for (pattern, message) in PATTERNS {
                if code.contains(pattern) {
                    findings.push(Finding {
                        path: rel.clone(),
                        line: i + 1,
                        message,
                    });
                }
            }
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_decides_in_one_place() {
        let findings = lint(&crate::workspace_root()).unwrap();
        assert_eq!(findings, [], "{findings:#?}");
    }

    #[test]
    fn own_decisions_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let write = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write(
            "crates/a/tests/t.rs",
            "fn t() {\n    if std::env::var_os(\"FLEETPIN_REQUIRE_ORACLES\").is_none() { return; }\n    // std::env::var(\"CI\") in a comment is fine\n    let ci = std::env::var(\"CI\");\n}\n",
        );
        write(
            "crates/b/src/lib.rs",
            "fn r() -> bool { unsafe { libc::geteuid() == 0 } }\n",
        );
        write(
            "crates/fleetpin-testkit/src/lib.rs",
            "const X: &str = \"FLEETPIN_REQUIRE_ORACLES\";\n",
        );
        write("crates/a/target/x.rs", "var(\"CI\")\n");
        let found: Vec<String> = lint(dir.path())
            .unwrap()
            .iter()
            .map(|f| format!("{}:{}", f.path.display(), f.line))
            .collect();
        assert_eq!(
            found,
            [
                "crates/a/tests/t.rs:2",
                "crates/a/tests/t.rs:4",
                "crates/b/src/lib.rs:1"
            ]
        );
    }
}
