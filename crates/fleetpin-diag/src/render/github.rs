//! `github`: GitHub Actions workflow commands, which become annotations on the run and the
//! pull request diff.
//!
//! ```text
//! ::error file=site.yml,line=7,col=16,endLine=7,endColumn=44,title=ANS001 package-state-latest::`docker-ce` is installed with `state: latest`
//! ```
//!
//! Severity maps to `error`, `warning` and `notice`. Escaping follows the Actions runner
//! (`toolkit/packages/core/src/command.ts`): in the message `%`, `\r` and `\n` become `%25`,
//! `%0D` and `%0A`; property values also escape `:` and `,` (`%3A`, `%2C`). GitHub drops
//! `col`/`endColumn` for annotations that span several lines, so they are only written for
//! single-line spans. Secondary labels, notes and help follow the message on lines of their
//! own (escaped newlines), since an annotation has a single location. Terminal control
//! characters in text from files are escaped (see [`crate::escape_control`]).
//!
//! GitHub shows at most 10 error and 10 warning annotations per step (and 10 notices), so
//! when there are diagnostics a summary annotation comes first, with the totals and a pointer
//! to the SARIF report, which has all of them:
//!
//! ```text
//! ::notice title=fleetpin summary::fleetpin: 14 findings (12 errors, 2 warnings, 0 info) in 5 files. GitHub shows at most 10 annotations of each severity per step; `fleetpin lint --format sarif` (uploaded to code scanning) or the log has all of them.
//! ```

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Region, RenderOptions, Summary, text_path};
use crate::{Diagnostic, Severity, escape_control};

/// Annotations GitHub shows per severity and step.
pub const ANNOTATION_LIMIT: usize = 10;

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The summary annotation's message.
fn summary_message(diagnostics: &[Diagnostic], options: &RenderOptions<'_>) -> String {
    let s = Summary::new(diagnostics);
    let mut msg = format!(
        "fleetpin: {} ({}, {}, {} info) in {}",
        plural(s.findings, "finding", "findings"),
        plural(s.errors.saturating_sub(s.input_errors), "error", "errors"),
        plural(s.warnings, "warning", "warnings"),
        s.infos,
        plural(s.files_with_findings, "file", "files"),
    );
    if s.input_errors > 0 {
        msg.push_str(&format!(
            "; {} could not be checked",
            plural(s.input_errors, "input", "inputs")
        ));
    }
    msg.push('.');
    let over =
        s.errors > ANNOTATION_LIMIT || s.warnings > ANNOTATION_LIMIT || s.infos > ANNOTATION_LIMIT;
    if over {
        msg.push_str(&format!(
            " GitHub shows at most {ANNOTATION_LIMIT} annotations of each severity per step; \
             {} or the log has all of them.",
            options.sarif_hint
        ));
    }
    msg
}

pub(super) fn render(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    options: &RenderOptions<'_>,
) -> io::Result<()> {
    if !diagnostics.is_empty() {
        writeln!(
            out,
            "::notice title={}::{}",
            escape_property("fleetpin summary"),
            escape_data(&summary_message(diagnostics, options))
        )?;
    }
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = String::new();
        if let Some(path) = d.file_path() {
            let _ = write!(props, "file={},", escape_property(&text_path(path)));
        }
        if let Some(label) = &d.primary {
            let r = Region::of(&label.span);
            let _ = write!(props, "line={},", r.start_line);
            if r.start_line == r.end_line {
                let _ = write!(props, "col={},", r.start_column);
                let _ = write!(props, "endLine={},", r.end_line);
                let _ = write!(props, "endColumn={},", r.end_column);
            } else {
                let _ = write!(props, "endLine={},", r.end_line);
            }
        }
        let _ = write!(
            props,
            "title={}",
            escape_property(&escape_control(&format!("{} {}", d.code, d.name)))
        );

        let mut message = d.message.clone();
        for label in &d.secondary {
            let r = Region::of(&label.span);
            let _ = write!(
                message,
                "\n{}:{}:{}: {}",
                text_path(label.span.file.path()),
                r.start_line,
                r.start_column,
                label.message
            );
        }
        for note in &d.notes {
            let _ = write!(message, "\nnote: {note}");
        }
        if let Some(help) = &d.help {
            let _ = write!(message, "\nhelp: {help}");
        }
        writeln!(
            out,
            "::{command} {props}::{}",
            escape_data(&escape_control(&message))
        )?;
    }
    Ok(())
}

/// Escape a command's data (after `::`).
pub(crate) fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => out.push(c),
        }
    }
    out
}

/// Escape a property value (`file=`, `title=`).
pub(crate) fn escape_property(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("100% a:b,c\r\nd"), "100%25 a:b,c%0D%0Ad");
        assert_eq!(
            escape_property("100% a:b,c\r\nd"),
            "100%25 a%3Ab%2Cc%0D%0Ad"
        );
    }
}
