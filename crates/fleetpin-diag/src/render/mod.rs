//! Renderers: one file per output format.
//!
//! SKELETON: only `concise` exists yet; the output helper adds `full` (annotate-snippets),
//! `json`, `sarif` and `github` behind the same entry point.

use std::io::{self, Write};

use crate::{Diagnostic, RuleMeta};

/// Output format of `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Source-framed diagnostics (default).
    Full,
    /// One line per finding: `path:line:col: CODE message`.
    Concise,
    /// JSON document with a schema version.
    Json,
    /// SARIF 2.1.0.
    Sarif,
    /// GitHub workflow commands (`::error file=...`).
    Github,
}

/// What a renderer needs besides the diagnostics.
#[derive(Debug, Clone)]
pub struct RenderOptions<'a> {
    pub color: bool,
    /// Metadata of every rule that ran (SARIF `tool.driver.rules`, help texts).
    pub rules: &'a [RuleMeta],
    /// fleetpin's version, for SARIF `tool.driver.version` and JSON.
    pub tool_version: &'a str,
}

/// Write `diagnostics` (already sorted) in `format`.
pub fn render(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    format: Format,
    _options: &RenderOptions<'_>,
) -> io::Result<()> {
    match format {
        _ => concise(out, diagnostics),
    }
}

fn concise(out: &mut dyn Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
    for d in diagnostics {
        let path = d
            .file_path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "-".into());
        let (line, col) = d.location().unwrap_or((1, 1));
        writeln!(out, "{path}:{line}:{col}: {} {}", d.code, d.message)?;
    }
    Ok(())
}
