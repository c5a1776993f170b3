//! `concise`: one line per diagnostic, `path:line:col: CODE [severity] message`.
//!
//! The `path:line:col:` prefix is what editors, `grep` and terminal emulators recognise as a
//! location. A diagnostic without a position prints `path: CODE ...`, one without a file
//! `-: CODE ...`. Line breaks inside a message are replaced by spaces so that each
//! diagnostic stays on one line; terminal control characters are escaped.

use std::io::{self, Write};

use super::{Region, text_path};
use crate::Diagnostic;

pub(super) fn render(out: &mut dyn Write, diagnostics: &[Diagnostic]) -> io::Result<()> {
    for d in diagnostics {
        let path = d.file_path().map(text_path).unwrap_or_else(|| "-".into());
        let message = one_line(&d.message);
        let message = crate::escape_control(&message);
        let code = crate::escape_control(&d.code);
        match &d.primary {
            Some(label) => {
                let r = Region::of(&label.span);
                writeln!(
                    out,
                    "{path}:{}:{}: {} [{}] {message}",
                    r.start_line, r.start_column, code, d.severity
                )?;
            }
            None => writeln!(out, "{path}: {code} [{}] {message}", d.severity)?,
        }
    }
    Ok(())
}

fn one_line(s: &str) -> String {
    if s.contains(['\n', '\r']) {
        s.split(['\n', '\r'])
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    } else {
        s.to_owned()
    }
}
