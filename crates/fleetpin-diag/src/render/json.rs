//! `json`: one JSON document, for scripts. Field order is stable; fields are only ever added.
//!
//! ```json
//! {
//!   "schema": { "name": "fleetpin-diagnostics", "version": 1 },
//!   "tool": { "name": "fleetpin", "version": "0.1.0" },
//!   "diagnostics": [
//!     {
//!       "code": "ANS001",
//!       "name": "package-state-latest",
//!       "kind": "finding",
//!       "severity": "error",
//!       "message": "`docker-ce` is installed with `state: latest`",
//!       "path": "site.yml",
//!       "line": 7, "column": 16, "end_line": 7, "end_column": 44,
//!       "labels": [
//!         { "path": "roles/docker/defaults/main.yml", "line": 2, "column": 23,
//!           "end_line": 2, "end_column": 29, "message": "`docker_package_state = latest` set here" }
//!       ],
//!       "notes": ["..."],
//!       "help": "pin the version",
//!       "fix": {
//!         "title": "pin to 5:20.10.23~3-0",
//!         "applicability": "unsafe",
//!         "edits": [ { "path": "site.yml", "line": 7, "column": 16, "end_line": 7,
//!                      "end_column": 44, "start_offset": 120, "end_offset": 148,
//!                      "content": "present" } ]
//!       }
//!     }
//!   ],
//!   "summary": { "total": 1, "errors": 1, "warnings": 0, "infos": 0, "fixable": 0,
//!                "input_errors": 0, "findings": 1, "files_with_findings": 1,
//!                "by_code": { "ANS001": 1 } }
//! }
//! ```
//!
//! - `schema` is the marker every fleetpin JSON document starts with (see [`SchemaMarker`]):
//!   `name` says which document it is, `version` changes only on an incompatible change (a
//!   field removed or its meaning changed); new fields do not change it.
//! - Paths use forward slashes and are as given to fleetpin (relative to the current
//!   directory when fleetpin was given relative paths).
//! - Lines and columns are 1-based; columns count Unicode scalar values; `end_column` is
//!   exclusive (the column just after the span). `line`, `column`, `end_line` and
//!   `end_column` are `null` for a diagnostic without a position (for example a file that is
//!   not UTF-8); `path` is `null` only for a diagnostic about no file at all.
//! - `severity` is `error`, `warning` or `info`; `applicability` is `safe` (applied by
//!   default), `unsafe` (needs `--unsafe-fixes`) or `display-only` (never applied).
//! - `kind` is `finding` or `input-error` (a file or setting that could not be checked);
//!   input errors are counted in `summary.input_errors`, findings in `summary.findings`, and
//!   `summary.files_with_findings` counts the files with at least one finding.
//! - `help` and `fix` are `null` when absent; `labels` and `notes` are empty lists.
//! - Edit offsets are byte offsets into the file as read.

use std::io::{self, Write};

use serde::Serialize;

use super::{Region, RenderOptions, Summary, display_path};
use crate::{Applicability, Diagnostic, Kind, Label, Severity, Span};

/// Version of the JSON format, `schema.version`.
pub const SCHEMA_VERSION: u32 = 1;

/// `schema.name` of the diagnostics document.
pub const SCHEMA_NAME: &str = "fleetpin-diagnostics";

/// The `"schema": {"name": ..., "version": N}` marker of every JSON document fleetpin prints
/// (`lint`, `drift`, `debian policy`, listings). `name` is the kind of document
/// (`fleetpin-diagnostics`, `fleetpin-drift`, ...), `version` its format version, raised
/// only on incompatible changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SchemaMarker {
    pub name: &'static str,
    pub version: u32,
}

#[derive(Serialize)]
struct Document<'a> {
    schema: SchemaMarker,
    tool: Tool<'a>,
    diagnostics: Vec<JsonDiagnostic<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tool<'a> {
    name: &'static str,
    version: &'a str,
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: &'a str,
    name: &'a str,
    kind: Kind,
    severity: Severity,
    message: &'a str,
    path: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    labels: Vec<JsonLabel<'a>>,
    notes: &'a [String],
    help: Option<&'a str>,
    fix: Option<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    path: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: &'a str,
    applicability: Applicability,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    path: Option<String>,
    line: Option<usize>,
    column: Option<usize>,
    end_line: Option<usize>,
    end_column: Option<usize>,
    start_offset: usize,
    end_offset: usize,
    content: &'a str,
}

fn label(label: &Label) -> JsonLabel<'_> {
    let r = Region::of(&label.span);
    JsonLabel {
        path: display_path(label.span.file.path()),
        line: r.start_line,
        column: r.start_column,
        end_line: r.end_line,
        end_column: r.end_column,
        message: &label.message,
    }
}

fn diagnostic(d: &Diagnostic) -> JsonDiagnostic<'_> {
    let region = d.primary.as_ref().map(|l| Region::of(&l.span));
    let fix = d.fix.as_ref().map(|fix| JsonFix {
        title: &fix.title,
        applicability: fix.applicability,
        edits: fix
            .edits
            .iter()
            .map(|e| {
                // Edits apply to the file of the primary span.
                let r = d
                    .primary
                    .as_ref()
                    .map(|l| Region::of(&Span::new(l.span.file.clone(), e.range.clone())));
                JsonEdit {
                    path: d.file_path().map(display_path),
                    line: r.map(|r| r.start_line),
                    column: r.map(|r| r.start_column),
                    end_line: r.map(|r| r.end_line),
                    end_column: r.map(|r| r.end_column),
                    start_offset: e.range.start,
                    end_offset: e.range.end,
                    content: &e.content,
                }
            })
            .collect(),
    });
    JsonDiagnostic {
        code: &d.code,
        name: &d.name,
        kind: d.kind,
        severity: d.severity,
        message: &d.message,
        path: d.file_path().map(display_path),
        line: region.map(|r| r.start_line),
        column: region.map(|r| r.start_column),
        end_line: region.map(|r| r.end_line),
        end_column: region.map(|r| r.end_column),
        labels: d.secondary.iter().map(label).collect(),
        notes: &d.notes,
        help: d.help.as_deref(),
        fix,
    }
}

pub(super) fn render(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    options: &RenderOptions<'_>,
) -> io::Result<()> {
    let doc = Document {
        schema: SchemaMarker {
            name: SCHEMA_NAME,
            version: SCHEMA_VERSION,
        },
        tool: Tool {
            name: "fleetpin",
            version: options.tool_version,
        },
        diagnostics: diagnostics.iter().map(diagnostic).collect(),
        summary: Summary::new(diagnostics),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    out.write_all(b"\n")
}
