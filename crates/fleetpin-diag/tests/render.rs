//! Snapshot tests of every output format over the sample diagnostics in `common`.

mod common;

use fleetpin_diag::render::{Format, RenderOptions, render};

fn rendered(format: Format, color: bool) -> String {
    let diagnostics = common::diagnostics();
    let options = RenderOptions {
        color,
        rules: common::RULES,
        tool_version: "0.0.0-test",
        root: Some(std::path::Path::new("/work/infra")),
        rule_docs_url: Some("https://example.invalid/fleetpin/docs/rules"),
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
    use fleetpin_diag::{Applicability, Diagnostic, Edit, Fix, Severity, SourceFile, Span};

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
                Format::Concise | Format::Github => assert_eq!(text.lines().count(), 1),
                Format::Full => assert!(text.starts_with("warning[ANS001]: m")),
            }
        }
    }
}
