//! Precision classes found on real repositories (issue 9): each fixture is written from scratch
//! in the shape real roles, playbooks and Compose projects have.

use std::path::{Path, PathBuf};

use fleetpin_lint::{LintOptions, LintReport, lint};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/precision")
        .join(name)
}

fn run(paths: Vec<PathBuf>) -> LintReport {
    lint(&LintOptions {
        paths,
        ..LintOptions::default()
    })
}

/// `CODE file:line message` per diagnostic, paths relative to `root`.
fn summary(report: &LintReport, root: &Path) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let path = d
                .file_path()
                .map(|p| p.strip_prefix(root).unwrap_or(p).display().to_string())
                .unwrap_or_default();
            let line = d.location().map_or(0, |l| l.0);
            format!("{} {path}:{line} {}", d.code, d.message)
        })
        .collect()
}

#[test]
fn noqa_names_without_colon_suppress_only_mapped_rules() {
    let root = fixture("noqa");
    let report = run(vec![root.clone()]);
    let s = summary(&report, &root);
    insta::assert_snapshot!(s.join("\n"));
    // `# noqa no-handler` is not a blanket suppression: nginx's `state: latest` is reported.
    assert!(
        s.iter()
            .any(|l| l.starts_with("ANS001 roles/web/tasks/main.yml:6 ")),
        "{s:#?}"
    );
    // The unrelated colon-form name leaves ANS002 on curl and jq.
    assert!(
        s.iter()
            .any(|l| l.starts_with("ANS002 roles/web/tasks/main.yml:26 ")),
        "{s:#?}"
    );
    // Mapped names and the bare form do silence their tasks.
    assert!(
        !s.iter()
            .any(|l| l.contains("certbot") || l.contains("unattended") || l.contains("htop")),
        "{s:#?}"
    );
    assert!(!s.iter().any(|l| l.starts_with("ANS006")), "{s:#?}");
}
