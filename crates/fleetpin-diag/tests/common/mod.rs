//! A fixed set of hand-built diagnostics that exercises every renderer feature: a resolved
//! variable with its secondary label in another file, a multi-line span, a CRLF file,
//! non-ASCII text and paths, a diagnostic without a span, one without any file, fixes of
//! every applicability, and text that needs escaping.

#![allow(dead_code)]

use fleetpin_diag::{
    Applicability, Diagnostic, Edit, Fix, Kind, RuleMeta, Severity, SourceFile, Span,
};

/// Byte range of the `n`th (0-based) occurrence of `needle` in `file`.
pub fn find(file: &SourceFile, needle: &str, n: usize) -> std::ops::Range<usize> {
    let start = file
        .text()
        .match_indices(needle)
        .nth(n)
        .unwrap_or_else(|| panic!("`{needle}` #{n} not in {}", file.path().display()))
        .0;
    start..start + needle.len()
}

fn span(file: &SourceFile, needle: &str) -> Span {
    Span::new(file.clone(), find(file, needle, 0))
}

pub const RULES: &[RuleMeta] = &[
    RuleMeta {
        code: "ANS001",
        name: "package-state-latest",
        summary: "Package installed with `state: latest`",
        default_severity: Severity::Error,
        docs: "## What it does\nChecks for Ansible package tasks with `state: latest`.\n\n\
               ## Why is this bad?\nEvery run upgrades the package on every host at once.\n\n\
               ## Example\n```yaml\n- apt:\n    name: docker-ce\n    state: latest\n```\n\n\
               ## Use instead\n```yaml\n- apt:\n    name: docker-ce=5:20.10.23~3-0~debian-buster\n    state: present\n```\n",
        opt_in: false,
        kind: Kind::Finding,
    },
    RuleMeta {
        code: "ANS009",
        name: "play-without-serial",
        summary: "Play changes packages on all hosts at once",
        default_severity: Severity::Warning,
        docs: "## What it does\nChecks for plays that install or upgrade packages without `serial:`.\n",
        opt_in: false,
        kind: Kind::Finding,
    },
    RuleMeta {
        code: "IMG001",
        name: "image-floating-tag",
        summary: "Container image without a tag or with a floating tag",
        default_severity: Severity::Error,
        docs: "## What it does\nChecks for container images without a tag or with `latest`.\n",
        opt_in: false,
        kind: Kind::Finding,
    },
    RuleMeta {
        code: "IMG002",
        name: "image-without-digest",
        summary: "Container image pinned by tag but not by digest",
        default_severity: Severity::Info,
        docs: "## What it does\nChecks for images that have a tag but no `@sha256:` digest.\n",
        opt_in: true,
        kind: Kind::Finding,
    },
];

/// The sample diagnostics, sorted as the engine sorts them.
pub fn diagnostics() -> Vec<Diagnostic> {
    let playbook = SourceFile::new(
        "site.yml",
        "- hosts: swarm\n  become: true\n  tasks:\n    - name: Install Docker\n      ansible.builtin.apt:\n        name: [docker-ce, docker-ce-cli, containerd.io]\n        state: \"{{ docker_package_state }}\"\n",
    );
    let defaults = SourceFile::new(
        "roles/docker/defaults/main.yml",
        "---\n# Which state the docker packages get.\ndocker_package_state: latest\n",
    );
    // Windows line endings.
    let dockerfile = SourceFile::new(
        "images/web/Dockerfile",
        "ARG BASE=nginx\r\nFROM ${BASE}:latest AS web\r\nRUN echo ok\r\n",
    );
    // Non-ASCII path and text; a tab before the comment.
    let compose = SourceFile::new(
        "stacks/mönitoring stack.yml",
        "services:\n  grafana:\t# Überwachung — 監視\n    image: \"grafana/grafana:11.2.0\"\n",
    );

    let mut out = vec![
        Diagnostic::new(
            "IMG001",
            "image-floating-tag",
            Severity::Error,
            "image `nginx:latest` uses the floating tag `latest`",
        )
        .with_primary(
            span(&dockerfile, "${BASE}:latest"),
            "resolves to `nginx:latest`",
        )
        .with_secondary(
            span(&dockerfile, "BASE=nginx"),
            "`BASE` defaults to `nginx` here",
        )
        .with_note("`latest` is whatever was pushed last when the image is built")
        .with_fix(Fix {
            title: "pin to `nginx:1.27.3`".into(),
            applicability: Applicability::Unsafe,
            edits: vec![Edit {
                range: find(&dockerfile, "latest", 0),
                content: "1.27.3".into(),
            }],
        }),
        Diagnostic::input_error(
            "E003",
            "not-utf8",
            "file is not valid UTF-8 (byte 0xff at offset 12)",
        )
        .with_path("roles/docker/files/daemon.bin"),
        Diagnostic::new(
            "ANS001",
            "package-state-latest",
            Severity::Error,
            "`docker-ce`, `docker-ce-cli`, `containerd.io` are installed with `state: latest`",
        )
        .with_primary(
            span(&playbook, "\"{{ docker_package_state }}\""),
            "`docker_package_state` is `latest`",
        )
        .with_secondary(
            Span::new(defaults.clone(), find(&defaults, "latest", 0)),
            "`docker_package_state = latest` set here",
        )
        .with_note("every run upgrades these packages on every host in `swarm` at once")
        .with_help("pin each package to a version and use `state: present`")
        .with_fix(Fix {
            title: "use `state: present` (pin the versions in `name`)".into(),
            applicability: Applicability::DisplayOnly,
            edits: vec![Edit {
                range: find(&playbook, "\"{{ docker_package_state }}\"", 0),
                content: "present".into(),
            }],
        }),
        // Multi-line span over the play header; text that needs escaping everywhere.
        Diagnostic::new(
            "ANS009",
            "play-without-serial",
            Severity::Warning,
            "play on `swarm` upgrades packages on 100% of its hosts at once",
        )
        .with_primary(
            Span::new(playbook.clone(), 0..find(&playbook, "  tasks:", 0).start),
            "no `serial:` here",
        )
        .with_note("a,b: first line\nsecond line, with a % sign")
        .with_fix(Fix {
            title: "add `serial: 1`".into(),
            applicability: Applicability::Safe,
            edits: vec![Edit {
                range: find(&playbook, "  tasks:", 0).start..find(&playbook, "  tasks:", 0).start,
                content: "  serial: 1\n".into(),
            }],
        }),
        Diagnostic::new(
            "IMG002",
            "image-without-digest",
            Severity::Info,
            "image `grafana/grafana:11.2.0` has no digest — Überwachung",
        )
        .with_primary(
            span(&compose, "grafana/grafana:11.2.0"),
            "tag without `@sha256:`",
        ),
        // A diagnostic about no file at all.
        Diagnostic::input_error(
            "E008",
            "bad-config",
            "no fleetpin.toml found and `--config` names no file",
        ),
    ];
    out.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    out
}
