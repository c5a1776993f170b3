//! Test harness: lint a fixture and render the findings for a snapshot.

use std::path::{Path, PathBuf};

use fleetpin_diag::render::{Format, RenderOptions, render};

use crate::config::RuleOverrides;
use crate::engine::{LintOptions, lint};

/// The fixtures directory.
pub(crate) fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("resources/fixtures")
}

/// Lints `resources/fixtures/<rel>` with `select` (and opt-in `extend`), returning the full
/// text rendering with fixture-relative paths.
pub(crate) fn lint_fixture(rel: &str, select: &[&str], extend: &[&str]) -> String {
    let root = fixtures();
    let options = LintOptions {
        paths: vec![root.join(rel)],
        config_file: None,
        overrides: RuleOverrides {
            select: (!select.is_empty()).then(|| select.iter().map(|s| (*s).to_owned()).collect()),
            ignore: Vec::new(),
            extend_select: extend.iter().map(|s| (*s).to_owned()).collect(),
        },
        respect_gitignore: true,
    };
    let report = lint(&options);
    // Each finding agrees with the fix availability its rule declares.
    for d in &report.diagnostics {
        let rule = crate::registry::rule(&d.code)
            .unwrap_or_else(|| panic!("{} is not in the registry", d.code));
        assert!(
            rule.fix.allows(d.fix.is_some()),
            "{} declares fix availability {:?} but a finding {} a fix: {}",
            d.code,
            rule.fix,
            if d.fix.is_some() { "has" } else { "lacks" },
            d.message
        );
    }
    let mut out = Vec::new();
    let render_options = RenderOptions {
        rules: &report.rules,
        ..RenderOptions::default()
    };
    render(&mut out, &report.diagnostics, Format::Full, &render_options).expect("render");
    let text = String::from_utf8(out).expect("utf-8");
    // Paths below the current directory (the crate, under `cargo test`) are shown relative.
    let prefix = format!("{}/", root.display());
    let mut text = text.replace(&prefix, "").replace("resources/fixtures/", "");
    text.push_str(&format!(
        "\n-- {} findings, {} input errors in {} files\n",
        report.findings(),
        report.input_errors(),
        report.files.len()
    ));
    text
}

/// Snapshot test of one rule's fixture: `rule_fixture!(name, "family/CODE...", ["CODE"])`.
macro_rules! rule_fixture {
    ($name:ident, $path:literal, [$($code:literal),*]) => {
        rule_fixture!($name, $path, [$($code),*], []);
    };
    ($name:ident, $path:literal, [$($code:literal),*], [$($extend:literal),*]) => {
        #[test]
        fn $name() {
            let out = $crate::test::lint_fixture($path, &[$($code),*], &[$($extend),*]);
            insta::assert_snapshot!(stringify!($name), out);
        }
    };
}
pub(crate) use rule_fixture;
