//! Engine behaviour on real trees: walking, ignores, input errors, configuration.

use std::fs;
use std::path::Path;

use fleetpin_lint::config::RuleOverrides;
use fleetpin_lint::{FileKind, LintOptions, LintReport, lint};

mod common;
use common::{summary, write};

fn run(root: &Path) -> LintReport {
    lint(&LintOptions {
        paths: vec![root.to_path_buf()],
        ..LintOptions::default()
    })
}

const INCIDENT: &str = "- hosts: all\n  serial: 1\n  tasks:\n    - apt:\n        name: [docker-ce, docker-ce-cli, containerd.io]\n        state: latest\n";

#[test]
fn input_errors_do_not_stop_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("ansible.cfg"), "").unwrap();
    write(root, "site.yml", INCIDENT.as_bytes());
    write(root, "broken.yml", b"- hosts: all\n  tasks: [\n");
    write(root, "binary.yml", b"abc\n\0\x01\x02");
    write(root, "latin1.yml", b"a: 1\nb: caf\xe9\n");
    write(root, "empty.yml", b"");
    write(
        root,
        "Dockerfile",
        b"FROM debian:12.5\nRUN apt-get install -y \\\n",
    );
    write(root, "empty/Dockerfile", b"");
    let report = run(root);
    let s = summary(&report, root);
    insta::assert_snapshot!(s.join("\n"));
    assert!(report.findings() >= 1);
    assert!(report.input_errors() >= 4);
}

#[test]
fn too_large_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "fleetpin.toml", b"[lint]\nmax-file-size = 100\n");
    write(
        root,
        "compose.yaml",
        format!(
            "services:\n  web:\n    image: nginx\n#{}\n",
            "x".repeat(200)
        )
        .as_bytes(),
    );
    let report = run(root);
    let s = summary(&report, root);
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(s[0].starts_with("E004 compose.yaml:0 file is 2"), "{s:?}");
}

#[cfg(unix)]
#[test]
fn symlink_loop_is_not_followed_and_the_rest_is_linted() {
    // Linked folders are not walked (as ripgrep), so a loop cannot trap the walk and its
    // files are reported once, under their real path (issue 9).
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "a/compose.yaml",
        b"services:\n  web:\n    image: nginx\n",
    );
    std::os::unix::fs::symlink(root.join("a"), root.join("a/loop")).unwrap();
    let report = run(root);
    let s = summary(&report, root);
    assert_eq!(
        s,
        [
            "IMG001 a/compose.yaml:3 service `web` image `nginx` has no tag: it means `nginx:latest`, whatever was pushed last"
        ],
        "{s:#?}"
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_an_error() {
    use std::os::unix::fs::PermissionsExt;
    // Root reads mode-000 files: then this test runs again as `nobody`, checked.
    if fleetpin_testkit::rerun_unprivileged("unreadable_file_is_an_error") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "compose.yaml",
        b"services:\n  web:\n    image: nginx\n",
    );
    let p = root.join("compose.yaml");
    fs::set_permissions(&p, fs::Permissions::from_mode(0o000)).unwrap();
    assert!(fs::read(&p).is_err(), "mode 000 must keep this user out");
    let report = run(root);
    assert_eq!(report.diagnostics[0].code, "E001");
    assert!(report.diagnostics[0].is_input_error());
    fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
}

#[test]
fn gitignore_is_honoured_and_github_is_linted() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::create_dir(root.join(".git")).unwrap();
    write(root, ".gitignore", b"vendor/\n");
    write(
        root,
        "vendor/compose.yaml",
        b"services:\n  web:\n    image: nginx\n",
    );
    write(
        root,
        ".github/workflows/ci.yml",
        b"on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: actions/checkout@main\n",
    );
    let report = run(root);
    let s = summary(&report, root);
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(
        s[0].starts_with("GHA001 .github/workflows/ci.yml:6"),
        "{s:?}"
    );
    assert_eq!(report.files[0].kind, Some(FileKind::Workflow));

    let report = lint(&LintOptions {
        paths: vec![root.to_path_buf()],
        respect_gitignore: false,
        ..LintOptions::default()
    });
    assert_eq!(report.diagnostics.len(), 2);
}

#[test]
fn config_selects_ignores_and_overrides_severity() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("ansible.cfg"), "").unwrap();
    write(
        root,
        "fleetpin.toml",
        b"[lint]\nignore = [\"IMG\"]\n\n[lint.severity]\nANS002 = \"error\"\n\n[lint.per-path-ignores]\n\"legacy/**\" = [\"ANS001\"]\n",
    );
    write(root, "tasks/main.yml", b"- apt:\n    name: curl\n");
    write(
        root,
        "legacy/tasks/main.yml",
        b"- apt:\n    name: curl\n    state: latest\n",
    );
    write(
        root,
        "compose.yaml",
        b"services:\n  web:\n    image: nginx\n",
    );
    let report = run(root);
    let s = summary(&report, root);
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(s[0].starts_with("ANS002 tasks/main.yml:2"), "{s:?}");
    assert_eq!(
        report.diagnostics[0].severity,
        fleetpin_diag::Severity::Error
    );

    // Command-line selection replaces the file's `select`, `--ignore` adds to `ignore`.
    let report = lint(&LintOptions {
        paths: vec![root.to_path_buf()],
        overrides: RuleOverrides {
            select: Some(vec!["ANS001".into()]),
            ..RuleOverrides::default()
        },
        ..LintOptions::default()
    });
    assert!(
        report.diagnostics.is_empty(),
        "{:?}",
        summary(&report, root)
    );
}

#[test]
fn invalid_config_is_reported_at_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "fleetpin.toml",
        b"[lint]\nselect = [\"ANS\"]\nignor = [\"ANS001\"]\n",
    );
    write(
        root,
        "compose.yaml",
        b"services:\n  web:\n    image: nginx\n",
    );
    let report = run(root);
    assert_eq!(report.diagnostics.len(), 1);
    let d = &report.diagnostics[0];
    assert_eq!(d.code, "E008");
    assert_eq!(d.location().map(|l| l.0), Some(3));
    assert!(d.message.contains("ignor"), "{}", d.message);
}

#[test]
fn output_is_sorted_and_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for i in 0..30 {
        write(
            root,
            &format!("s{i:02}/compose.yaml"),
            b"services:\n  b:\n    image: redis\n  a:\n    image: nginx:latest\n",
        );
    }
    let a = summary(&run(root), root);
    let b = summary(&run(root), root);
    assert_eq!(a, b);
    let mut sorted = a.clone();
    sorted.sort();
    assert_eq!(a, sorted);
    assert_eq!(a.len(), 60);
}

#[test]
fn explicit_file_is_linted_whatever_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "deploy.yaml.txt",
        b"services:\n  web:\n    image: nginx\n",
    );
    let report = lint(&LintOptions {
        paths: vec![root.join("deploy.yaml.txt")],
        ..LintOptions::default()
    });
    assert_eq!(report.diagnostics.len(), 1);
    assert_eq!(report.diagnostics[0].code, "IMG001");
}

#[test]
fn missing_path_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let report = lint(&LintOptions {
        paths: vec![dir.path().join("nope")],
        ..LintOptions::default()
    });
    assert_eq!(report.diagnostics.len(), 1);
    assert_eq!(report.diagnostics[0].code, "E007");
}

#[test]
fn required_pin_moves_the_bar() {
    let mut out = Vec::new();
    for pin in ["any", "range", "exact", "digest"] {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("ansible.cfg"), "").unwrap();
        write(
            root,
            "fleetpin.toml",
            format!("[lint]\nrequired-pin = \"{pin}\"\n").as_bytes(),
        );
        write(
            root,
            "tasks/main.yml",
            b"- apt:\n    name: curl\n- pip:\n    name: docker>=6\n- apt:\n    name: jq\n    state: latest\n- git:\n    repo: https://x/y.git\n    dest: /y\n    version: v1.2.3\n",
        );
        write(
            root,
            "compose.yaml",
            b"services:\n  web:\n    image: nginx:1.25.4\n",
        );
        write(
            root,
            "requirements.yml",
            b"collections:\n  - name: a.b\n    version: \">=1.0\"\n",
        );
        let report = run(root);
        let codes: Vec<String> = report
            .diagnostics
            .iter()
            .map(|d| format!("{}:{}", d.code, d.location().map_or(0, |l| l.0)))
            .collect();
        out.push(format!("{pin:<6} {}", codes.join(" ")));
    }
    insta::assert_snapshot!(out.join("\n"), @r"
    any    ANS001:7
    range  ANS002:2 ANS001:7
    exact  GLX001:3 ANS002:2 ANS004:4 ANS001:7
    digest IMG002:3 GLX001:3 ANS002:2 ANS004:4 ANS001:7 ANS006:11
    ");
}

/// Every fixture cut at many byte offsets (and with bytes flipped) is linted without a panic:
/// truncated YAML, unterminated continuations and heredocs, half-written templates.
#[test]
fn truncated_and_mangled_inputs_never_panic() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/fixtures");
    let mut files = Vec::new();
    let mut stack = vec![fixtures.clone()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.sort();
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("ansible.cfg"), "").unwrap();
    let mut n = 0;
    for f in &files {
        let bytes = fs::read(f).unwrap();
        let name = f.file_name().unwrap().to_str().unwrap().to_owned();
        let step = (bytes.len() / 12).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            let sub = root.join(format!("t{n}"));
            fs::create_dir_all(sub.join("tasks")).unwrap();
            fs::write(sub.join(&name), &bytes[..cut]).unwrap();
            let mut mangled = bytes.clone();
            mangled[cut] = match mangled[cut] {
                b' ' => b'\t',
                b'"' => b'\'',
                b':' => b'{',
                _ => b'"',
            };
            fs::write(sub.join("tasks").join(format!("m-{name}")), &mangled).unwrap();
            n += 1;
        }
    }
    let report = run(root);
    assert!(report.files.len() > 100, "{}", report.files.len());
    // Every span renders (no span past the end of its file, no reversed range).
    for d in &report.diagnostics {
        for label in d.primary.iter().chain(&d.secondary) {
            let r = &label.span.range;
            assert!(
                r.start <= r.end && r.end <= label.span.file.text().len(),
                "{d:?}"
            );
        }
    }
    let mut out = Vec::new();
    let options = fleetpin_diag::render::RenderOptions {
        rules: &report.rules,
        ..Default::default()
    };
    for format in [
        fleetpin_diag::render::Format::Full,
        fleetpin_diag::render::Format::Sarif,
    ] {
        fleetpin_diag::render::render(&mut out, &report.diagnostics, format, &options).unwrap();
    }
}

#[test]
fn virtualenvs_and_vcs_dirs_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let compose = b"services:\n  web:\n    image: nginx\n";
    write(root, ".venv/lib/compose.yaml", compose);
    write(root, "node_modules/x/compose.yaml", compose);
    write(root, ".hg/compose.yaml", compose);
    write(root, "app/compose.yaml", compose);
    let report = run(root);
    let s = summary(&report, root);
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(s[0].contains("app/compose.yaml"), "{s:?}");
    // Named explicitly, it is linted.
    let report = lint(&LintOptions {
        paths: vec![root.join(".venv")],
        ..LintOptions::default()
    });
    assert_eq!(report.diagnostics.len(), 1);
}

#[test]
fn templates_that_are_not_yaml_yet_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "chart/templates/deployment.yaml",
        b"apiVersion: apps/v1\nspec:\n  {{- with .Values.x }}\n  a: {{ . }}\n  {{- end }}\n",
    );
    write(
        root,
        "roles/web/templates/compose.yml",
        b"services:\n{% for s in services %}\n  {{ s }}:\n    image: nginx\n{% endfor %}\n",
    );
    write(root, "broken.yml", b"- hosts: all\n  tasks: [\n");
    let report = run(root);
    let s = summary(&report, root);
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(s[0].starts_with("E005 broken.yml"), "{s:?}");
}

#[test]
fn input_errors_can_be_ignored_only_by_exact_code() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "vendor/broken.yml", b"a: [\n");
    write(root, "other/broken.yml", b"a: [\n");
    write(
        root,
        "fleetpin.toml",
        b"[lint]\nignore = [\"E\"]\n[lint.per-path-ignores]\n\"vendor/**\" = [\"E005\"]\n",
    );
    let s = summary(&run(root), root);
    assert_eq!(s.len(), 1, "{s:?}");
    assert!(s[0].starts_with("E005 other/broken.yml"), "{s:?}");
    write(
        root,
        "fleetpin.toml",
        b"[lint]\nignore = [\"invalid-yaml\"]\n",
    );
    assert!(run(root).diagnostics.is_empty());
}

#[test]
fn yaml_that_pyyaml_loads_is_never_e005() {
    // Issue 9: role defaults in the shape real roles write (a single-quoted Jinja list with
    // quoted items, continued on lines indented by a tab), which PyYAML — so Ansible — loads
    // (checked in fleetpin-yaml's PyYAML oracle test).
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "roles/ruby/defaults/main.yml",
        b"---\nruby__dev_packages: '{{ [\"ruby-dev\", \"build-essential\"]\n\t                if (ruby__dev_support | bool or\n\t                    ruby__gems)\n\t                else [] }}'\nruby__gems: []\n",
    );
    write(
        root,
        "roles/ruby/tasks/main.yml",
        b"- name: \"Install\n\truby\"\n  ansible.builtin.apt:\n    name: ruby=1:3.1\n",
    );
    let s = summary(&run(root), root);
    assert!(s.iter().all(|l| !l.starts_with("E005")), "{s:?}");
    // A tab that indents a block mapping is an error for PyYAML too, and stays one.
    write(root, "roles/ruby/vars/main.yml", b"key:\n\tvalue: 1\n");
    let s = summary(&run(root), root);
    assert!(
        s.iter()
            .any(|l| l.starts_with("E005 roles/ruby/vars/main.yml")),
        "{s:?}"
    );
}

/// The lint takes the Ansible project's YAML tree of a file only when the project read the
/// same text. A playbook (which the project loads too) that starts with a byte-order mark is
/// read by the lint without the mark: the project's tree, parsed with it, would put every span
/// three bytes off. Its findings must sit where those of the same playbook without the mark do.
#[test]
fn byte_order_mark_playbook_keeps_its_own_spans() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(root.join("ansible.cfg"), "").unwrap();
    write(root, "plain.yml", INCIDENT.as_bytes());
    write(root, "marked.yml", format!("\u{feff}{INCIDENT}").as_bytes());
    let report = run(root);
    let spans = |name: &str| -> Vec<(String, (usize, usize), String)> {
        report
            .diagnostics
            .iter()
            .filter(|d| d.file_path().is_some_and(|p| p.ends_with(name)))
            .filter_map(|d| {
                let label = d.primary.as_ref()?;
                let text = label.span.file.text()[label.span.range.clone()].to_string();
                Some((d.code.to_string(), label.span.start(), text))
            })
            .collect()
    };
    let plain = spans("plain.yml");
    assert!(
        plain
            .iter()
            .any(|(code, _, text)| code == "ANS001" && text == "latest"),
        "{plain:?}"
    );
    assert_eq!(spans("marked.yml"), plain);
}
