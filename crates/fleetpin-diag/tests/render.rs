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
