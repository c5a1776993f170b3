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

#[test]
fn compose_names_holding_ansible_are_ansible() {
    let root = fixture("kind");
    let report = run(vec![root.clone()]);
    let s = summary(&report, &root);
    insta::assert_snapshot!(s.join("\n"));
    let kind = |rel: &str| {
        report
            .files
            .iter()
            .find(|f| f.path == root.join(rel))
            .and_then(|f| f.kind)
    };
    use fleetpin_lint::FileKind;
    assert_eq!(
        kind("roles/app/tasks/docker-compose.yml"),
        Some(FileKind::Tasks)
    );
    assert_eq!(kind("compose-setup.yml"), Some(FileKind::Playbook));
    assert_eq!(
        kind("roles/app/files/docker-compose.yml"),
        Some(FileKind::Compose)
    );
    assert!(
        s.iter()
            .any(|l| l.starts_with("ANS001 roles/app/tasks/docker-compose.yml:6 ")),
        "{s:#?}"
    );
    assert!(
        s.iter()
            .any(|l| l.starts_with("ANS002 compose-setup.yml:8 ")),
        "{s:#?}"
    );
    assert!(
        s.iter()
            .any(|l| l.starts_with("IMG001 roles/app/files/docker-compose.yml:5 ")),
        "{s:#?}"
    );
}
