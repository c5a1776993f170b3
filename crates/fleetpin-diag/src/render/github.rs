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
//! own (escaped newlines), since an annotation has a single location.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{Region, display_path};
use crate::{Diagnostic, Severity};

pub(super) fn render(out: &mut dyn Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
    for d in diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = String::new();
        if let Some(path) = d.file_path() {
            let _ = write!(props, "file={},", escape_property(&display_path(path)));
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
            escape_property(&format!("{} {}", d.code, d.name))
        );

        let mut message = d.message.clone();
        for label in &d.secondary {
            let r = Region::of(&label.span);
            let _ = write!(
                message,
                "\n{}:{}:{}: {}",
                display_path(label.span.file.path()),
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
        writeln!(out, "::{command} {props}::{}", escape_data(&message))?;
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
