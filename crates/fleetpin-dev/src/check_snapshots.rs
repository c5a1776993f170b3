//! `fleetpin-dev check-snapshots`: after the test suite, every insta snapshot file of the
//! repository was used by a test, and no pending snapshot (`.snap.new`, `.pending-snap`) is
//! left behind.
//!
//! insta records the snapshot file of every assertion it runs in the file named by
//! `INSTA_SNAPSHOT_REFERENCES_FILE` (the mechanism behind `cargo insta test --unreferenced
//! reject`). `.ci/test` sets it for its one run of the suite; this command compares that list
//! with the `.snap` files on disk, so the suite never runs twice and no extra tool is needed.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

/// What the check found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// `.snap` files on disk.
    pub snapshots: usize,
    /// `.snap` files no test asserted against, relative to the root.
    pub unreferenced: Vec<PathBuf>,
    /// `.snap.new` / `.pending-snap` files, relative to the root.
    pub pending: Vec<PathBuf>,
}

impl Report {
    /// Whether anything is wrong.
    pub fn is_clean(&self) -> bool {
        self.unreferenced.is_empty() && self.pending.is_empty()
    }
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", dir.display()))?;
        let path = entry.path();
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if entry
            .file_type()
            .with_context(|| format!("reading {}", path.display()))?
            .is_dir()
        {
            // Build output and hidden directories hold no snapshots of ours.
            if name != "target" && !name.starts_with('.') {
                walk(&path, out)?;
            }
        } else if name.ends_with(".snap")
            || name.ends_with(".snap.new")
            || name.ends_with(".pending-snap")
        {
            out.push(path);
        }
    }
    Ok(())
}

/// The folders that hold Rust sources: the binary's package at the root (`src/`, `tests/`) and
/// the library crates (`crates/`). Missing ones are skipped.
pub(crate) const SOURCE_DIRS: [&str; 3] = ["src", "tests", "crates"];

/// Compares the snapshot files under the source folders ([`SOURCE_DIRS`]) with the files insta recorded in
/// `references` (one path per line, as insta writes them).
pub fn check(root: &Path, references: &Path) -> Result<Report> {
    let text = std::fs::read_to_string(references)
        .with_context(|| format!("reading {}", references.display()))?;
    let normalise = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let used: BTreeSet<PathBuf> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| normalise(Path::new(l.trim())))
        .collect();
    if used.is_empty() {
        bail!(
            "{} lists no snapshot: run the test suite with INSTA_SNAPSHOT_REFERENCES_FILE set \
             to it first",
            references.display()
        );
    }
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        let dir = root.join(dir);
        if dir.is_dir() {
            walk(&dir, &mut files)?;
        }
    }
    files.sort();
    let mut report = Report::default();
    for f in files {
        let rel = f.strip_prefix(root).unwrap_or(&f).to_path_buf();
        let name = f.file_name().unwrap_or_default().to_string_lossy();
        if name.ends_with(".snap") {
            report.snapshots += 1;
            if !used.contains(&normalise(&f)) {
                report.unreferenced.push(rel);
            }
        } else {
            report.pending.push(rel);
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(root: &Path, rel: &str) -> PathBuf {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, "---\nsource: x\n---\nx\n").unwrap();
        p
    }

    #[test]
    fn unreferenced_and_pending_snapshots_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let used = touch(root, "crates/a/tests/snapshots/t__used.snap");
        touch(root, "crates/a/tests/snapshots/t__orphan.snap");
        touch(root, "crates/b/src/rules/x/snapshots/m__y.snap.new");
        touch(root, "crates/b/src/.pending-snap");
        touch(root, "crates/b/target/debug/ignored.snap");
        touch(root, "crates/b/.hidden/ignored.snap");
        let refs = root.join("refs");
        // insta writes absolute paths; one snapshot asserted twice is listed twice.
        std::fs::write(&refs, format!("{}\n{}\n", used.display(), used.display())).unwrap();
        let report = check(root, &refs).unwrap();
        assert_eq!(
            report,
            Report {
                snapshots: 2,
                unreferenced: vec![PathBuf::from("crates/a/tests/snapshots/t__orphan.snap")],
                pending: vec![
                    PathBuf::from("crates/b/src/.pending-snap"),
                    PathBuf::from("crates/b/src/rules/x/snapshots/m__y.snap.new"),
                ],
            }
        );
        assert!(!report.is_clean());
    }

    #[test]
    fn an_empty_reference_list_is_an_error_not_a_pass() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "crates/a/tests/snapshots/t__x.snap");
        let refs = dir.path().join("refs");
        std::fs::write(&refs, "").unwrap();
        let err = check(dir.path(), &refs).unwrap_err().to_string();
        assert!(err.contains("lists no snapshot"), "{err}");
        assert!(check(dir.path(), &dir.path().join("missing")).is_err());
    }

    /// The real thing, end to end: this crate's test binary, run on its docs tests with the
    /// variable set, records their snapshots (insta is the oracle of what counts as a
    /// reference), and `check` then finds none of this crate's snapshots unreferenced.
    #[test]
    fn insta_records_the_snapshots_it_asserts() {
        let dir = tempfile::tempdir().unwrap();
        let refs = dir.path().join("refs");
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["generate_docs::tests", "--quiet", "--test-threads=1"])
            .env("INSTA_SNAPSHOT_REFERENCES_FILE", &refs)
            .stdout(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success());
        let text = std::fs::read_to_string(&refs).unwrap();
        let mut names: Vec<&str> = text
            .lines()
            .map(|l| l.rsplit('/').next().unwrap())
            .collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names,
            [
                "fleetpin_dev__generate_docs__tests__index.snap",
                "fleetpin_dev__generate_docs__tests__rule_page.snap"
            ]
        );
        let krate = Path::new(env!("CARGO_MANIFEST_DIR"));
        let report = check(krate.parent().unwrap().parent().unwrap(), &refs).unwrap();
        let ours: Vec<_> = report
            .unreferenced
            .iter()
            .filter(|p| p.starts_with("crates/fleetpin-dev"))
            .collect();
        assert!(ours.is_empty(), "{ours:?}");
        assert!(report.snapshots >= 2);
    }
}
