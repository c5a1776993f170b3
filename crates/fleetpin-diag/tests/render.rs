//! Snapshot tests of every output format over the sample diagnostics in `common`.

mod common;

use fleetpin_diag::render::{Format, RenderOptions, render};
use fleetpin_diag::{Diagnostic, Severity, SourceFile, Span};

fn rendered(format: Format, color: bool) -> String {
    let diagnostics = common::diagnostics();
    let options = RenderOptions {
        color,
        rules: common::RULES,
        tool_version: "0.0.0-test",
        root: Some(std::path::Path::new("/work/infra")),
        rule_docs_url: Some("https://example.invalid/fleetpin/docs/rules"),
        ..RenderOptions::default()
    };
    let mut out = Vec::new();
    render(&mut out, &diagnostics, format, &options).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn full() {
    insta::assert_snapshot!(rendered(Format::Full, false));
}

#[test]
fn full_colour_only_adds_escape_codes() {
    let plain = rendered(Format::Full, false);
    let color = rendered(Format::Full, true);
    assert!(
        color.contains("\x1b["),
        "no ANSI escapes in coloured output"
    );
    assert!(!plain.contains('\x1b'), "ANSI escapes in plain output");
    // Stripping the escapes gives the plain text back.
    let stripped = regex_lite_strip(&color);
    assert_eq!(stripped, plain);
}

/// Remove `ESC [ ... m` sequences.
fn regex_lite_strip(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn concise() {
    insta::assert_snapshot!(rendered(Format::Concise, false));
}

#[test]
fn json() {
    let text = rendered(Format::Json, false);
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["schema"]["version"], 1);
    insta::assert_snapshot!(text);
}

#[test]
fn sarif() {
    insta::assert_snapshot!(rendered(Format::Sarif, false));
}

#[test]
fn github() {
    insta::assert_snapshot!(rendered(Format::Github, false));
}

#[test]
fn empty_input_gives_complete_documents() {
    let options = RenderOptions::default();
    for format in Format::ALL {
        let mut out = Vec::new();
        render(&mut out, &[], format, &options).unwrap();
        let text = String::from_utf8(out).unwrap();
        match format {
            Format::Json => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["diagnostics"], serde_json::json!([]));
                assert_eq!(v["summary"]["total"], 0);
            }
            Format::Sarif => {
                let v: serde_json::Value = serde_json::from_str(&text).unwrap();
                assert_eq!(v["runs"][0]["results"], serde_json::json!([]));
            }
            _ => assert_eq!(text, "", "{format} printed something for no diagnostics"),
        }
    }
}

/// Odd spans never panic and always give well-formed output: empty files, spans at the end of
/// the file, zero-length spans, spans past the end, inside multi-byte characters, reversed,
/// across CRLF line ends, and fixes whose edits do not fit the file.
#[test]
fn odd_spans_render_in_every_format() {
    use fleetpin_diag::{Applicability, Edit, Fix};

    let texts = [
        "",
        "no newline at end",
        "a: é\r\n\tb: 監視 # x\r\n",
        "\n\n\n",
        "x: \"ü\"\ny: [1, 2]\n",
    ];
    // A small deterministic generator (no dependency, reproducible failures).
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = |bound: usize| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % (bound as u64 + 1)) as usize
    };
    let mut diagnostics = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let file = SourceFile::new(format!("f{i}.yml"), *text);
        for _ in 0..40 {
            let len = text.len() + 3;
            let (a, b, c, d) = (next(len), next(len), next(len), next(len));
            let diag = Diagnostic::new("ANS001", "package-state-latest", Severity::Warning, "m")
                .with_primary(Span::new(file.clone(), a..b), "primary")
                .with_secondary(Span::new(file.clone(), c..d), "secondary")
                .with_fix(Fix {
                    title: "fix".into(),
                    applicability: Applicability::Safe,
                    edits: vec![Edit {
                        range: d..c,
                        content: "new\ntext".into(),
                    }],
                });
            diagnostics.push(diag);
        }
    }
    let options = RenderOptions {
        rules: common::RULES,
        ..RenderOptions::default()
    };
    for format in Format::ALL {
        for d in &diagnostics {
            let mut out = Vec::new();
            render(&mut out, std::slice::from_ref(d), format, &options)
                .unwrap_or_else(|e| panic!("{format}: {e} for {d:?}"));
            let text = String::from_utf8(out).unwrap();
            match format {
                Format::Json | Format::Sarif => {
                    serde_json::from_str::<serde_json::Value>(&text).unwrap();
                }
                Format::Concise => assert_eq!(text.lines().count(), 1),
                // The summary annotation, then the diagnostic.
                Format::Github => assert_eq!(text.lines().count(), 2),
                Format::Full => assert!(text.starts_with("warning[ANS001]: m")),
            }
        }
    }
}

/// Text from files reaches no terminal raw: every text format escapes control characters
/// (in messages, labels, paths and the source lines), JSON and SARIF keep the text exact.
#[test]
fn control_characters_are_escaped_in_text_formats() {
    let evil = "\u{1b}]0;owned\u{7}\u{1b}[2J";
    let file = SourceFile::new(
        format!("roles/x{evil}/tasks.yml"),
        format!("- apt:\n    name: nginx{evil}\n    state: latest\n"),
    );
    let text = file.text().to_owned();
    let at = text.find("latest").unwrap();
    let name = text.find("nginx").unwrap();
    let d = Diagnostic::new(
        "ANS001",
        "package-state-latest",
        Severity::Error,
        format!("`nginx{evil}` is installed with `state: latest`"),
    )
    .with_primary(Span::new(file.clone(), at..at + 6), format!("here{evil}"))
    .with_secondary(
        Span::new(file.clone(), name..name + 5 + evil.len()),
        "named",
    )
    .with_note(format!("note{evil}"))
    .with_help(format!("help{evil}"));
    let options = RenderOptions {
        rules: common::RULES,
        ..RenderOptions::default()
    };
    for format in Format::ALL {
        let mut out = Vec::new();
        render(&mut out, std::slice::from_ref(&d), format, &options).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(
            !out.contains('\u{1b}') && !out.contains('\u{7}'),
            "{format}: {out}"
        );
        match format {
            Format::Json | Format::Sarif => {
                let v: serde_json::Value = serde_json::from_str(&out).unwrap();
                assert!(v.to_string().contains("\\u001b]0;owned"), "{format}: {out}");
            }
            _ => assert!(
                out.contains("\\u{1b}]0;owned\\u{7}\\u{1b}[2J"),
                "{format}: {out}"
            ),
        }
        if format == Format::Full {
            // The carets still point at `latest`, after the escaped line above it.
            let caret_line = out.lines().find(|l| l.contains("^^^^^^")).unwrap();
            let source_line = out.lines().find(|l| l.starts_with("3 |")).unwrap();
            assert_eq!(caret_line.find('^'), source_line.find("latest"), "{out}");
            assert!(out.contains("\\u{1b}[2J"), "{out}");
        }
    }
}

/// GitHub shows 10 annotations per severity and step: the summary annotation comes first,
/// with the totals and, past the limit, a pointer to the SARIF report.
#[test]
fn github_summary_annotation_counts_and_points_to_sarif() {
    let file = SourceFile::new("site.yml", "a: 1\n".repeat(30));
    let mut diagnostics: Vec<Diagnostic> = (0..12)
        .map(|i| {
            Diagnostic::new("ANS001", "package-state-latest", Severity::Error, "latest")
                .with_primary(Span::new(file.clone(), i * 5..i * 5 + 1), "")
        })
        .collect();
    diagnostics.push(
        Diagnostic::new("IMG001", "image-floating-tag", Severity::Warning, "tag")
            .with_path("compose.yml"),
    );
    diagnostics
        .push(Diagnostic::input_error("E001", "unreadable-file", "denied").with_path("x.yml"));
    let options = RenderOptions {
        sarif_hint: "`fleetpin lint --format sarif`",
        ..RenderOptions::default()
    };
    let mut out = Vec::new();
    render(&mut out, &diagnostics, Format::Github, &options).unwrap();
    let out = String::from_utf8(out).unwrap();
    let first = out.lines().next().unwrap();
    assert_eq!(
        first,
        "::notice title=fleetpin summary::fleetpin: 13 findings (12 errors, 1 warning, 0 info) \
         in 2 files; 1 input could not be checked. GitHub shows at most 10 annotations of each \
         severity per step; `fleetpin lint --format sarif` or the log has all of them."
    );
    assert_eq!(out.lines().count(), 1 + diagnostics.len());

    // Under the limit: the totals, without the pointer.
    let mut out = Vec::new();
    render(&mut out, &diagnostics[..2], Format::Github, &options).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(
        out.lines().next().unwrap(),
        "::notice title=fleetpin summary::fleetpin: 2 findings (2 errors, 0 warnings, 0 info) in 1 file."
    );
}
