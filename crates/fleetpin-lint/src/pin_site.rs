//! Where `fleetpin pin` may write a version: the places the package rules found a floating
//! package name or a `latest` state, resolved through variables to where the text is written.
//!
//! The rules record a [`PinSite`] next to each ANS001/ANS002 finding; `fleetpin pin` (crate
//! `fleetpin-pin`) keeps the sites whose finding was reported (not suppressed, rule enabled)
//! and turns them into byte-range edits with the versions of `fleetpin.lock`. A value that
//! comes from a variable is edited where the variable is set (role defaults, group_vars),
//! which is the place the rules already point at with their "set here" labels.

use std::ops::Range;
use std::sync::Arc;

use fleetpin_diag::Span;

/// What a site holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinWhat {
    /// A package name (or specification) as resolved, e.g. `docker-ce`.
    Name(String),
    /// A package state as resolved, e.g. `latest`.
    State(String),
}

/// One value the package rules found floating, and where its text is written.
#[derive(Debug, Clone, PartialEq)]
pub struct PinSite {
    /// The finding this site belongs to: rule code and primary span (in the task file).
    pub finding: (&'static str, Span),
    /// The module as written (`ansible.builtin.apt`).
    pub module: String,
    /// The manager behind it (`apt`, `dnf`, `yum`, `pip`, `npm`, `package`, ...).
    pub manager: &'static str,
    /// The value.
    pub what: PinWhat,
    /// Where the text of the value is written, exactly (`&file[range] == value`), in the task
    /// or where a variable is set. Empty when [`PinSite::unfixable`] says why.
    pub places: Vec<Span>,
    /// Why the value cannot be edited in place (built by a template expression, written with
    /// escapes, ...).
    pub unfixable: Option<String>,
}

/// The exact places the text `text` of a value is written: in the task (`range`) when it is
/// literal there, else where the variables that produced it are set (`origins`). `parsed`
/// gives a file's YAML tree when it is known already (else the file is parsed here).
pub(crate) fn places(
    task_file: &fleetpin_diag::SourceFile,
    text: &str,
    range: &Range<usize>,
    origins: &[(Span, String)],
    parsed: impl Fn(&fleetpin_diag::SourceFile) -> Option<Arc<fleetpin_ansible::LoadedFile>>,
) -> Result<Vec<Span>, String> {
    if origins.is_empty() {
        return match task_file.text().get(range.clone()) {
            Some(t) if t == text => Ok(vec![Span::new(task_file.clone(), range.clone())]),
            _ => Err(format!(
                "`{text}` is not written literally in the task (escapes, folding or a template)"
            )),
        };
    }
    let mut out: Vec<Span> = Vec::new();
    for (span, _) in origins {
        let src = span.file.text().get(span.range.clone()).unwrap_or("");
        let lead = src.len() - src.trim_start().len();
        let trimmed = src.trim();
        let (off, inner) = match trimmed.as_bytes().first() {
            Some(q @ (b'"' | b'\''))
                if trimmed.len() >= 2 && trimmed.as_bytes()[trimmed.len() - 1] == *q =>
            {
                (1, &trimmed[1..trimmed.len() - 1])
            }
            _ => (0, trimmed),
        };
        if inner != text {
            // A list (or mapping) set at the origin: the scalars inside it with this value.
            let items = scalars_in(&span.file, &span.range, text, &parsed);
            if !items.is_empty() {
                for r in items {
                    let place = Span::new(span.file.clone(), r);
                    if !out.contains(&place) {
                        out.push(place);
                    }
                }
                continue;
            }
            // Another variable of the expression (`a + b`) holds this value.
            if origins.len() > 1 {
                continue;
            }
            let (line, _) = span.start();
            return Err(format!(
                "`{text}` comes from a variable set at {}:{line} as `{}`, not as the literal value",
                span.file.path().display(),
                crate::pin_site::shorten(trimmed)
            ));
        }
        let start = span.range.start + lead + off;
        let place = Span::new(span.file.clone(), start..start + inner.len());
        if !out.contains(&place) {
            out.push(place);
        }
    }
    if out.is_empty() {
        return Err(format!(
            "`{text}` is built by an expression over variables; none of them holds it literally"
        ));
    }
    Ok(out)
}

/// Byte ranges of the scalars inside `within` of `file` whose value is `text`, written
/// verbatim.
fn scalars_in(
    file: &fleetpin_diag::SourceFile,
    within: &Range<usize>,
    text: &str,
    parsed: &impl Fn(&fleetpin_diag::SourceFile) -> Option<Arc<fleetpin_ansible::LoadedFile>>,
) -> Vec<Range<usize>> {
    let src = file.text();
    let known = parsed(file);
    let fresh;
    let docs: &[fleetpin_yaml::Document] = match &known {
        Some(f) => &f.docs,
        None => match fleetpin_yaml::parse(src) {
            Ok(d) => {
                fresh = d;
                &fresh
            }
            Err(_) => return Vec::new(),
        },
    };
    let mut out = Vec::new();
    let mut stack: Vec<&fleetpin_yaml::Node> = docs.iter().map(|d| &d.root).collect();
    while let Some(node) = stack.pop() {
        if node.span.end <= within.start || node.span.start >= within.end {
            continue;
        }
        match &node.kind {
            fleetpin_yaml::NodeKind::Scalar(s) => {
                if s.value == text
                    && src.get(s.value_span.clone()) == Some(text)
                    && within.start <= s.value_span.start
                    && s.value_span.end <= within.end
                    && !out.contains(&s.value_span)
                {
                    out.push(s.value_span.clone());
                }
            }
            fleetpin_yaml::NodeKind::Seq(items) => stack.extend(items.iter()),
            fleetpin_yaml::NodeKind::Map(entries) => stack.extend(entries.iter().map(|(_, v)| v)),
            fleetpin_yaml::NodeKind::Null => {}
        }
    }
    out.sort_by_key(|r| r.start);
    out
}

fn shorten(s: &str) -> String {
    let first = s.lines().next().unwrap_or("");
    if first.len() > 40 || s.contains('\n') {
        let mut end = first.len().min(40);
        while !first.is_char_boundary(end) {
            end -= 1;
        }
        format!("{}…", &first[..end])
    } else {
        first.to_owned()
    }
}
