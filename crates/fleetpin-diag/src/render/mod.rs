//! Renderers: one file per output format, behind one entry point, [`render`].
//!
//! | [`Format`]            | For                         | File            |
//! |-----------------------|-----------------------------|-----------------|
//! | [`Format::Full`]      | people at a terminal        | `full.rs`       |
//! | [`Format::Concise`]   | grep, editors, quick scans  | `concise.rs`    |
//! | [`Format::Json`]      | scripts (schema version 1)  | `json.rs`       |
//! | [`Format::Sarif`]     | GitHub code scanning, IDEs  | `sarif.rs`      |
//! | [`Format::Github`]    | GitHub Actions annotations  | `github.rs`     |
//!
//! Renderers never sort or filter: the caller passes diagnostics already sorted (see
//! [`Diagnostic::sort_key`]) and already filtered by configuration.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::ops::Range;
use std::path::Path;

use crate::{Applicability, Diagnostic, RuleMeta, Severity, Span};

mod concise;
mod full;
mod github;
pub mod json;
pub mod sarif;

/// Output format of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Source-framed diagnostics (default): header, `--> path:line:col`, the source lines with
    /// carets, secondary labels (also in other files), notes, help and the diff of the fix.
    Full,
    /// One line per finding: `path:line:col: CODE [severity] message`.
    Concise,
    /// JSON document with a schema version; see [`json`] for the format.
    Json,
    /// SARIF 2.1.0, as GitHub code scanning ingests it; see [`sarif`].
    Sarif,
    /// GitHub workflow commands (`::error file=...,line=...::message`), which GitHub Actions
    /// turns into annotations on the pull request.
    Github,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub const ALL: [Format; 5] = [
        Format::Full,
        Format::Concise,
        Format::Json,
        Format::Sarif,
        Format::Github,
    ];

    /// The name used on the command line and in configuration (`full`, `concise`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Full => "full",
            Format::Concise => "concise",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!(
                    "unknown output format `{s}` (expected one of: full, concise, json, sarif, github)"
                )
            })
    }
}

/// What a renderer needs besides the diagnostics.
///
/// Build it with struct-update syntax so new fields keep their defaults:
///
/// ```
/// use fleetpin_diag::render::RenderOptions;
/// let options = RenderOptions { color: true, ..RenderOptions::default() };
/// assert!(options.rules.is_empty());
/// ```
#[derive(Debug, Clone)]
pub struct RenderOptions<'a> {
    /// Emit ANSI colours (`full` only; every other format is plain text by definition).
    pub color: bool,
    /// Metadata of every rule that ran (SARIF `tool.driver.rules`, help texts). Diagnostics
    /// whose code is missing here still render; SARIF gets a synthetic rule entry for them.
    pub rules: &'a [RuleMeta],
    /// fleetpin's version, for SARIF `tool.driver.version` and JSON `tool.version`.
    pub tool_version: &'a str,
    /// Absolute directory that relative diagnostic paths are relative to (normally the
    /// current directory). SARIF names it as `originalUriBaseIds["%SRCROOT%"]`, and absolute
    /// paths under it are made relative. `None` leaves `originalUriBaseIds` out.
    pub root: Option<&'a Path>,
    /// Base URL of the rule pages (`docs/rules/` rendered on the web), without the trailing
    /// slash; SARIF `helpUri` is `{base}/{name}.md`. `None` leaves `helpUri` out.
    pub rule_docs_url: Option<&'a str>,
    /// How to get every diagnostic, named by the `github` format's summary annotation when
    /// GitHub's annotation limit is exceeded (for example "`fleetpin lint --format sarif`").
    pub sarif_hint: &'a str,
}

impl Default for RenderOptions<'_> {
    fn default() -> Self {
        RenderOptions {
            color: false,
            rules: &[],
            tool_version: env!("CARGO_PKG_VERSION"),
            root: None,
            rule_docs_url: None,
            sarif_hint: "the SARIF report (`--format sarif`, uploaded to code scanning)",
        }
    }
}

impl RenderOptions<'_> {
    /// Metadata of `code`, if the rule is known.
    pub fn rule(&self, code: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|r| r.code == code)
    }
}

/// Write `diagnostics` (already sorted) in `format`.
///
/// Every format writes a complete document even for zero diagnostics (an empty SARIF run, a
/// JSON document with an empty list); `full`, `concise` and `github` then write nothing.
pub fn render(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    format: Format,
    options: &RenderOptions<'_>,
) -> io::Result<()> {
    match format {
        Format::Full => full::render(out, diagnostics, options),
        Format::Concise => concise::render(out, diagnostics),
        Format::Json => json::render(out, diagnostics, options),
        Format::Sarif => sarif::render(out, diagnostics, options),
        Format::Github => github::render(out, diagnostics, options),
    }
}

/// Counts over a set of diagnostics: the `summary` of the JSON format, and what a caller
/// prints after the `full` output ("Found 3 findings ...").
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Number of diagnostics.
    pub total: usize,
    /// Diagnostics of severity `error`.
    pub errors: usize,
    /// Diagnostics of severity `warning`.
    pub warnings: usize,
    /// Diagnostics of severity `info`.
    pub infos: usize,
    /// Diagnostics with a fix that is applied by default ([`Applicability::Safe`]).
    pub fixable: usize,
    /// Input errors ([`crate::Kind::InputError`]: unreadable, broken or too large files).
    pub input_errors: usize,
    /// Findings ([`crate::Kind::Finding`]): `total - input_errors`.
    pub findings: usize,
    /// Number of distinct files with at least one finding.
    pub files_with_findings: usize,
    /// Number of diagnostics per code, sorted by code.
    pub by_code: BTreeMap<String, usize>,
}

impl Summary {
    /// Count `diagnostics`.
    pub fn new(diagnostics: &[Diagnostic]) -> Self {
        let mut s = Summary::default();
        let mut files = std::collections::HashSet::new();
        for d in diagnostics {
            s.total += 1;
            match d.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
            if d.fix
                .as_ref()
                .is_some_and(|f| f.applicability == Applicability::Safe)
            {
                s.fixable += 1;
            }
            if d.is_input_error() {
                s.input_errors += 1;
            } else {
                s.findings += 1;
                if let Some(path) = d.file_path() {
                    files.insert(path);
                }
            }
            match s.by_code.get_mut(d.code.as_ref()) {
                Some(n) => *n += 1,
                None => {
                    s.by_code.insert(d.code.to_string(), 1);
                }
            }
        }
        s.files_with_findings = files.len();
        s
    }
}

/// A path for a text format: [`display_path`] with terminal control characters escaped.
pub(crate) fn text_path(path: &Path) -> String {
    let s = display_path(path);
    match crate::escape_control(&s) {
        Cow::Borrowed(_) => s,
        Cow::Owned(escaped) => escaped,
    }
}

/// A path as every renderer prints it: forward slashes, no leading `./`.
pub(crate) fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    let s = if std::path::MAIN_SEPARATOR == '\\' {
        s.replace('\\', "/")
    } else {
        s.into_owned()
    };
    match s.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => s,
    }
}

/// The range of `span` as every renderer shows it: clamped to the file, and without trailing
/// line terminators (a span over whole lines ends at the end of its last line, not at the
/// start of the next one).
pub(crate) fn display_range(span: &Span) -> Range<usize> {
    let text = span.file.text();
    let start = span.range.start.min(text.len());
    let mut end = span.range.end.clamp(start, text.len());
    while end > start && matches!(text.as_bytes()[end - 1], b'\n' | b'\r') {
        end -= 1;
    }
    start..end
}

/// 1-based, inclusive start and exclusive end of a span, as SARIF and editors count:
/// columns in Unicode scalar values. A span that ends right after a line break is shown as
/// ending at the end of that line instead of at column 1 of the next line, and the `\r` of
/// a CRLF line ending is never part of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Region {
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

impl Region {
    pub(crate) fn of(span: &Span) -> Region {
        let Range { start, end } = display_range(span);
        let (start_line, start_column) = span.file.line_col(start);
        let (end_line, end_column) = span.file.line_col(end);
        Region {
            start_line,
            start_column,
            end_line,
            end_column,
        }
    }

    /// Region for a diagnostic without a span: the whole first line.
    pub(crate) fn file_start() -> Region {
        Region {
            start_line: 1,
            start_column: 1,
            end_line: 1,
            end_column: 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kind, SourceFile};

    #[test]
    fn format_round_trips_through_its_name() {
        for f in Format::ALL {
            assert_eq!(f.as_str().parse::<Format>(), Ok(f));
        }
        assert_eq!("SARIF".parse::<Format>(), Ok(Format::Sarif));
        assert!("xml".parse::<Format>().unwrap_err().contains("xml"));
    }

    #[test]
    fn region_trims_line_terminators_and_counts_characters() {
        let file = SourceFile::new("a.yml", "é: x\r\nb: latest\r\n");
        // "x\r\n" -> ends after x.
        let r = Region::of(&Span::new(file.clone(), 4..7));
        assert_eq!(
            (r.start_line, r.start_column, r.end_line, r.end_column),
            (1, 4, 1, 5)
        );
        let r = Region::of(&Span::new(file.clone(), 10..16));
        assert_eq!(
            (r.start_line, r.start_column, r.end_line, r.end_column),
            (2, 4, 2, 10)
        );
        // Out-of-range spans are clamped, never panic.
        let r = Region::of(&Span::new(file, 100..200));
        assert_eq!(r.start_line, 3);
    }

    #[test]
    fn summary_counts_by_kind_and_files_with_findings() {
        let a = SourceFile::new("a.yml", "x: 1\ny: 2\n");
        let ds = vec![
            Diagnostic::new("ANS001", "n", Severity::Error, "m")
                .with_primary(Span::new(a.clone(), 0..1), ""),
            Diagnostic::new("ANS002", "n", Severity::Warning, "m")
                .with_primary(Span::new(a, 5..6), ""),
            Diagnostic::input_error("E001", "unreadable-file", "m").with_path("b.yml"),
            // A finding code that merely starts with `E` is still a finding.
            Diagnostic::new("EXT1", "hazard", Severity::Info, "m").with_path("c.yml"),
        ];
        let s = Summary::new(&ds);
        assert_eq!((s.total, s.findings, s.input_errors), (4, 3, 1));
        assert_eq!(s.files_with_findings, 2);
        assert_eq!(s.by_code.get("ANS001"), Some(&1));
        assert_eq!(Kind::default(), Kind::Finding);
    }

    #[test]
    fn display_path_strips_dot_slash() {
        assert_eq!(display_path(Path::new("./a/b.yml")), "a/b.yml");
        assert_eq!(display_path(Path::new("a/b.yml")), "a/b.yml");
        assert_eq!(display_path(Path::new("./")), "./");
    }
}
