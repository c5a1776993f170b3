//! Precision classes found on real repositories (issue 9): each fixture is written from scratch
//! in the shape real roles, playbooks and Compose projects have.

use std::path::{Path, PathBuf};

use fleetpin_lint::{LintOptions, LintReport, lint};

mod common;
use common::summary;

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
            .find(|f| root.join(rel).ends_with(&f.path))
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

#[test]
fn messages_name_packages_and_managers_as_written_once_per_problem() {
    let root = fixture("messages");
    let report = run(vec![root.clone()]);
    let s = summary(&report, &root);
    insta::assert_snapshot!(s.join("\n"));
    let f = "roles/buildhost/tasks/main.yml";
    // `g++` and `gcc-c++` whole; `yum` named as written (dnf runs it on new distributions).
    assert!(
        s.iter().any(|l| l.starts_with(&format!("ANS001 {f}:7 "))
            && l.contains("`gcc-c++`")
            && l.contains("yum offers")),
        "{s:#?}"
    );
    assert!(
        s.iter()
            .any(|l| l.starts_with(&format!("ANS001 {f}:12 ")) && l.contains("`g++`")),
        "{s:#?}"
    );
    assert!(
        s.iter()
            .any(|l| l.starts_with(&format!("SH001 {f}:44 ")) && l.contains("whatever yum offers")),
        "{s:#?}"
    );
    // Five names, one finding labelling each of them.
    let five: Vec<_> = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "ANS002" && d.location().map(|l| l.0) == Some(17))
        .collect();
    assert_eq!(five.len(), 1, "{s:#?}");
    assert_eq!(five[0].secondary.len(), 4, "{:#?}", five[0]);
    assert!(
        five[0]
            .message
            .starts_with("`git`, `curl`, `jq`, `g++` and `libstdc++6` are installed"),
        "{}",
        five[0].message
    );
    // A suppression anywhere in the task covers the task's one finding.
    assert!(!s.iter().any(|l| l.contains("`make`")), "{s:#?}");
    // A `releases/latest` URL: ANS007 (which asks for the checksum too), not ANS007 + ANS008.
    assert!(
        s.iter().any(|l| l.starts_with(&format!("ANS007 {f}:33 "))),
        "{s:#?}"
    );
    assert!(
        !s.iter().any(|l| l.starts_with(&format!("ANS008 {f}:33 "))),
        "{s:#?}"
    );
    assert!(
        s.iter().any(|l| l.starts_with(&format!("ANS008 {f}:39 "))),
        "{s:#?}"
    );
}

#[test]
fn corpus_false_alarm_classes() {
    let root = fixture("corpus");
    let report = run(vec![root.clone()]);
    let s = summary(&report, &root);
    insta::assert_snapshot!(s.join("\n"));
    // A Jinja Dockerfile template and a licence sidecar are not Dockerfiles.
    assert!(
        !s.iter()
            .any(|l| l.contains("templates/Dockerfile") || l.contains(".license")),
        "{s:#?}"
    );
    // Removing a stack pulls nothing; deploying one does.
    let swm: Vec<_> = s.iter().filter(|l| l.starts_with("SWM001")).collect();
    assert_eq!(swm.len(), 1, "{s:#?}");
    assert!(swm[0].contains("main.yml:3 "), "{s:#?}");
    // One pipx requirement, one finding, named whole.
    let range: Vec<_> = s.iter().filter(|l| l.starts_with("ANS004")).collect();
    assert_eq!(range.len(), 1, "{s:#?}");
    // `# noqa package-latest` covers the blanket upgrade ansible-lint reports as package-latest.
    assert!(!s.iter().any(|l| l.starts_with("ANS003")), "{s:#?}");
}
