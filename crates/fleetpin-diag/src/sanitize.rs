//! Escaping of terminal control characters in text that came from files or hosts.
//!
//! A YAML file, a package name reported by a host or a journal message can carry an escape
//! sequence (`ESC [ 2 J`, a hyperlink, a title change) or a bidirectional override that
//! reorders what a reader sees. Every text renderer and the binary's printer pass such text
//! through [`escape_control`] before it reaches a terminal or a text report; JSON and SARIF
//! escape control characters by themselves.
//!
//! Escaped are C0 controls except tab and line feed, DEL, C1 controls (U+0080..U+009F) and
//! the Unicode bidirectional embedding, override and isolate characters (U+202A..U+202E,
//! U+2066..U+2069). Each becomes Rust's escape, `\u{1b}`, so the text stays readable and
//! nothing is silently dropped.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` is escaped. A carriage return is kept only when `keep_cr` (source lines with
/// CRLF endings); tab and line feed are always kept.
pub(crate) fn is_escaped(c: char, keep_cr: bool) -> bool {
    match c {
        '\t' | '\n' => false,
        '\r' => !keep_cr,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' => true,
        _ => false,
    }
}

/// Append the escape of `c` (`\u{1b}`) to `out`.
pub(crate) fn push_escaped(out: &mut String, c: char) {
    let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
}

fn escape(s: &str, keep_cr: bool) -> Cow<'_, str> {
    let Some(first) = s.find(|c| is_escaped(c, keep_cr)) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if is_escaped(c, keep_cr) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` with terminal control characters escaped (see the module docs); borrowed, without
/// copying, when there is nothing to escape (the common case).
///
/// ```
/// use fleetpin_diag::escape_control;
/// assert_eq!(escape_control("nginx\u{1b}[2J"), "nginx\\u{1b}[2J");
/// assert_eq!(escape_control("two\nlines\tok"), "two\nlines\tok");
/// ```
pub fn escape_control(s: &str) -> Cow<'_, str> {
    escape(s, false)
}

/// Like [`escape_control`], but a carriage return is kept (source text with CRLF endings).
pub(crate) fn escape_control_source(s: &str) -> Cow<'_, str> {
    escape(s, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_c0_c1_del_and_bidi_but_keeps_layout() {
        assert_eq!(
            escape_control("a\u{1b}]8;;x\u{7}b\u{9b}c\u{7f}\r\u{202e}d\u{2066}"),
            "a\\u{1b}]8;;x\\u{7}b\\u{9b}c\\u{7f}\\u{d}\\u{202e}d\\u{2066}"
        );
        assert_eq!(escape_control("tab\tnl\n"), "tab\tnl\n");
        assert_eq!(escape_control_source("x\r\n\u{0}"), "x\r\n\\u{0}");
        assert!(matches!(escape_control("plain ünïcode"), Cow::Borrowed(_)));
    }
}
