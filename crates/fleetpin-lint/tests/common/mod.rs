//! Helpers shared by the lint integration tests: writing a tree, and one line per diagnostic.
#![allow(dead_code)]

use std::fs;
use std::path::Path;

use fleetpin_lint::LintReport;

/// Writes `content` at `root/rel`, creating the folders.
pub fn write(root: &Path, rel: &str, content: impl AsRef<[u8]>) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

/// `CODE file:line message` per diagnostic, paths relative to `root` (an empty `root` keeps
/// them as the report shows them).
pub fn summary(report: &LintReport, root: &Path) -> Vec<String> {
    // Paths below the current directory (the crate, under `cargo test`) are shown relative
    // to it.
    let rel_root = root
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(root);
    report
        .diagnostics
        .iter()
        .map(|d| {
            let path = d
                .file_path()
                .map(|p| {
                    p.strip_prefix(root)
                        .or_else(|_| p.strip_prefix(rel_root))
                        .unwrap_or(p)
                        .display()
                        .to_string()
                })
                .unwrap_or_default();
            let line = d.location().map_or(0, |l| l.0);
            format!("{} {path}:{line} {}", d.code, d.message)
        })
        .collect()
}
