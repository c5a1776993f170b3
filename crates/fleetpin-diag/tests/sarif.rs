//! The SARIF renderer's output is valid: against the SARIF 2.1.0 JSON schema (vendored, see
//! `resources/README.md`), and for Microsoft's SARIF validator with GitHub's ingestion rules
//! (`Sarif.Multitool validate --rule-kind "Gh;Sarif"`), which is what code scanning accepts.
//!
//! The multitool comes from the npm package `@microsoft/sarif-multitool-linux`, installed by
//! `.ci/setup` into `$FLEETPIN_TOOLS/sarif` (default `~/.cache/fleetpin-tools/sarif`);
//! `FLEETPIN_SARIF_MULTITOOL` may name the binary directly. Without it the test fails when
//! `CI` is set and is skipped (with a message) otherwise.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use fleetpin_diag::render::{Format, RenderOptions, render};
use fleetpin_diag::{Diagnostic, Severity, SourceFile, Span};
use serde_json::Value;

fn sarif(diagnostics: &[Diagnostic], options: &RenderOptions<'_>) -> Value {
    let mut out = Vec::new();
    render(&mut out, diagnostics, Format::Sarif, options).unwrap();
    serde_json::from_slice(&out).unwrap()
}

fn full_options() -> RenderOptions<'static> {
    RenderOptions {
        color: false,
        rules: common::RULES,
        tool_version: "0.1.0",
        root: Some(Path::new("/work/infra")),
        rule_docs_url: Some("https://example.invalid/fleetpin/docs/rules"),
        ..RenderOptions::default()
    }
}

/// Logs that cover every feature: the sample set with full options, the sample set with
/// default options (no rule metadata: every rule synthetic, no root), an empty run, and a
/// result whose path is absolute outside the root.
fn logs() -> Vec<(&'static str, Value)> {
    let samples = common::diagnostics();
    let outside = SourceFile::new("/etc/ansible/site.yml", "- hosts: all\n");
    let absolute = vec![
        Diagnostic::new(
            "ANS009",
            "play-without-serial",
            Severity::Warning,
            "no serial",
        )
        .with_primary(Span::new(outside, 2..12), "this play"),
    ];
    vec![
        ("samples", sarif(&samples, &full_options())),
        (
            "samples-default-options",
            sarif(&samples, &RenderOptions::default()),
        ),
        ("empty", sarif(&[], &full_options())),
        ("absolute-path", sarif(&absolute, &full_options())),
    ]
}

fn schema_validator() -> jsonschema::Validator {
    let schema: Value =
        serde_json::from_str(include_str!("../resources/sarif-schema-2.1.0.json")).unwrap();
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the vendored SARIF schema compiles")
}

#[test]
fn sarif_is_valid_against_the_schema() {
    let validator = schema_validator();
    for (name, log) in logs() {
        let errors: Vec<String> = validator
            .iter_errors(&log)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
    }
}

#[test]
fn schema_check_rejects_invalid_logs() {
    // Guards against a validator that accepts anything.
    let validator = schema_validator();
    let mut log = sarif(&common::diagnostics(), &full_options());
    log["runs"][0]["results"][1]["level"] = "fatal".into();
    assert!(!validator.is_valid(&log));
    let mut log = sarif(&common::diagnostics(), &full_options());
    log["runs"][0]["results"][1]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!validator.is_valid(&log));
}

#[test]
fn results_point_at_rules_and_related_locations() {
    let log = sarif(&common::diagnostics(), &full_options());
    let run = &log["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    // Every known rule, then a synthetic entry per unknown code (E003, E008), sorted.
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        ["ANS001", "ANS009", "IMG001", "IMG002", "E003", "E008"]
    );
    assert_eq!(
        rules[3]["defaultConfiguration"]["enabled"], false,
        "opt-in rule"
    );
    for result in run["results"].as_array().unwrap() {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        assert_eq!(result["locations"].as_array().unwrap().len(), 1);
    }
    let ans001 = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "ANS001")
        .unwrap();
    let related = &ans001["relatedLocations"][0];
    assert_eq!(
        related["physicalLocation"]["artifactLocation"]["uri"],
        "roles/docker/defaults/main.yml"
    );
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 3);
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        "file:///work/infra/"
    );
    let img002 = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["ruleId"] == "IMG002")
        .unwrap();
    assert_eq!(
        img002["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "stacks/m%C3%B6nitoring%20stack.yml"
    );
    assert_eq!(img002["level"], "note");
}

#[test]
fn fingerprints_are_unique_and_ignore_line_moves() {
    let fingerprint = |text: &str| {
        let file = SourceFile::new("site.yml", text);
        let start = text.find("latest").unwrap();
        let d = Diagnostic::new("ANS001", "package-state-latest", Severity::Error, "latest")
            .with_primary(Span::new(file, start..start + 6), "");
        let log = sarif(&[d.clone(), d], &full_options());
        let results = log["runs"][0]["results"].as_array().unwrap().clone();
        results
            .iter()
            .map(|r| {
                r["partialFingerprints"]["primaryLocationLineHash"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            })
            .collect::<Vec<_>>()
    };
    let before = fingerprint("- apt:\n    state: latest\n");
    let after = fingerprint("# a comment\n\n- apt:\n      state: latest\n");
    assert_eq!(
        before, after,
        "moving or re-indenting the line keeps the fingerprint"
    );
    assert_ne!(before[0], before[1], "repeats are numbered");
    assert!(before[1].ends_with(":2"));
}

fn multitool() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FLEETPIN_SARIF_MULTITOOL") {
        return Some(PathBuf::from(p));
    }
    let tools = std::env::var_os("FLEETPIN_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/fleetpin-tools"))
        })?;
    let path = tools.join("sarif/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool");
    path.is_file().then_some(path)
}

/// Run the multitool over `log`; return its results as (level, rule id, message) triples.
fn multitool_results(tool: &Path, log: &Value) -> Vec<(String, String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("fleetpin.sarif");
    let output = dir.path().join("validation.sarif");
    std::fs::write(&input, serde_json::to_vec_pretty(log).unwrap()).unwrap();
    let run = Command::new(tool)
        .arg("validate")
        .args(["--rule-kind", "Gh;Sarif"])
        .arg("--output")
        .arg(&output)
        .arg(&input)
        // The .NET runtime wants libicu otherwise.
        .env("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT", "1")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", tool.display()));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success() && output.is_file(),
        "multitool failed ({}):\n{stdout}\n{}",
        run.status,
        String::from_utf8_lossy(&run.stderr)
    );
    let report: Value = serde_json::from_slice(&std::fs::read(&output).unwrap()).unwrap();
    report["runs"][0]["results"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|r| {
            // SARIF's default level is `warning`.
            let level = r["level"].as_str().unwrap_or("warning").to_owned();
            let id = r["ruleId"].as_str().unwrap_or("?").to_owned();
            let args = r["message"]["arguments"].to_string();
            (level, id, args)
        })
        .collect()
}

#[test]
fn microsoft_validator_with_github_rules_reports_no_error() {
    let Some(tool) = fleetpin_testkit::oracle(
        multitool(),
        "Sarif.Multitool (.ci/setup: npm @microsoft/sarif-multitool-linux, or set \
         FLEETPIN_SARIF_MULTITOOL)",
    ) else {
        return;
    };
    // The validator's own check: a log without locations must produce GitHub errors, or
    // the rules did not run and "no error" below would mean nothing.
    let mut broken = sarif(&common::diagnostics(), &full_options());
    broken["runs"][0]["results"][1]
        .as_object_mut()
        .unwrap()
        .remove("locations");
    let results = multitool_results(&tool, &broken);
    assert!(
        results
            .iter()
            .any(|(l, id, _)| l == "error" && id.starts_with("GH")),
        "validator found no GitHub error in a broken log: {results:?}"
    );

    for (name, log) in logs() {
        let results = multitool_results(&tool, &log);
        let errors: Vec<_> = results.iter().filter(|(l, _, _)| l == "error").collect();
        assert!(errors.is_empty(), "{name}: {errors:#?}");
        // Warnings are allowed but listed, so a change that adds some is visible.
        let warnings: Vec<&str> = results.iter().map(|(_, id, _)| id.as_str()).collect();
        assert!(
            warnings.iter().all(|id| ALLOWED_WARNINGS.contains(id)),
            "{name}: unexpected validator warnings: {results:#?}"
        );
    }
}

/// Validator warnings we accept, with the reason.
const ALLOWED_WARNINGS: &[&str] = &[];
