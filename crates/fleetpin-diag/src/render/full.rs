//! `full`: source-framed diagnostics with annotate-snippets, in rustc's layout.
//!
//! ```text
//! error[ANS001]: `docker-ce` is installed with `state: latest`
//!  --> site.yml:7:16
//!   |
//! 7 |         state: "{{ docker_package_state }}"
//!   |                ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ upgrades on every run
//!   |
//!  ::: roles/docker/defaults/main.yml:2:23
//!   |
//! 2 | docker_package_state: latest
//!   |                       ------ `docker_package_state = latest` set here
//!   |
//!   = note: ...
//!   = help: pin the version
//! ```
//!
//! The severity stays visible in the header (`error`, `warning`, `info`), so the output reads
//! the same without colour. Labels in another file (where a variable was set) get a snippet
//! of their own; a fix is shown as a diff under `help:`.

use std::borrow::Cow;
use std::io::{self, Write};
use std::ops::Range;

use annotate_snippets::{
    AnnotationKind, Group, Level, Origin, Patch, Renderer, Snippet, renderer::DecorStyle,
};

use super::{RenderOptions, display_range, text_path};
use crate::sanitize::{escape_control_source, is_escaped, push_escaped};
use crate::{Applicability, Diagnostic, Label, Severity, SourceFile, escape_control};

pub(super) fn render(
    out: &mut dyn Write,
    diagnostics: &[Diagnostic],
    options: &RenderOptions<'_>,
) -> io::Result<()> {
    let renderer = if options.color {
        Renderer::styled()
    } else {
        Renderer::plain()
    }
    .decor_style(DecorStyle::Ascii);
    for d in diagnostics {
        let text = render_one(&renderer, d);
        out.write_all(text.as_bytes())?;
        out.write_all(b"\n\n")?;
    }
    Ok(())
}

fn level(severity: Severity) -> Level<'static> {
    match severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Info => Level::INFO,
    }
}

/// Lines `first..=last` of `file`: the text (with line terminators), terminal control
/// characters escaped, and its byte offset in the file.
struct Window<'a> {
    /// The lines as read.
    raw: &'a str,
    /// The lines as shown: `raw` with control characters escaped.
    text: Cow<'a, str>,
    /// `(position in raw, bytes added before the next character)` of each escaped character,
    /// in order; empty when nothing was escaped.
    shifts: Vec<(usize, usize)>,
    offset: usize,
    first_line: usize,
}

impl<'a> Window<'a> {
    /// The smallest run of whole lines of `file` that contains every range.
    fn covering(file: &'a SourceFile, ranges: impl Iterator<Item = Range<usize>>) -> Option<Self> {
        let text = file.text();
        let mut lo = usize::MAX;
        let mut hi = 0;
        for r in ranges {
            lo = lo.min(r.start.min(text.len()));
            hi = hi.max(r.end.min(text.len()));
        }
        if lo == usize::MAX {
            return None;
        }
        let (first_line, _) = file.line_col(lo);
        let (last_line, _) = file.line_col(hi);
        let start = file.line_range(first_line).start;
        let end = if last_line < file.line_count() {
            // Keep the line terminator of the last line.
            file.line_range(last_line + 1).start
        } else {
            text.len()
        };
        let raw = &text[start..end.max(start)];
        let shown = escape_control_source(raw);
        let mut shifts = Vec::new();
        if matches!(shown, Cow::Owned(_)) {
            let mut escaped = String::new();
            for (i, c) in raw.char_indices() {
                if is_escaped(c, true) {
                    escaped.clear();
                    push_escaped(&mut escaped, c);
                    shifts.push((i, escaped.len() - c.len_utf8()));
                }
            }
        }
        Some(Window {
            raw,
            text: shown,
            shifts,
            offset: start,
            first_line,
        })
    }

    /// A position in `raw` as a position in `text`.
    fn shown(&self, pos: usize) -> usize {
        pos + self
            .shifts
            .iter()
            .take_while(|(at, _)| *at < pos)
            .map(|(_, extra)| extra)
            .sum::<usize>()
    }

    /// `range` relative to the window (as shown), clamped to it and to character boundaries.
    fn local(&self, range: &Range<usize>) -> Range<usize> {
        let len = self.raw.len();
        let mut start = range.start.saturating_sub(self.offset).min(len);
        let mut end = range.end.saturating_sub(self.offset).clamp(start, len);
        while !self.raw.is_char_boundary(start) {
            start -= 1;
        }
        while !self.raw.is_char_boundary(end) {
            end += 1;
        }
        self.shown(start)..self.shown(end)
    }

    fn contains(&self, range: &Range<usize>) -> bool {
        range.start >= self.offset
            && range.end <= self.offset + self.raw.len()
            && range.start <= range.end
            && self.raw.is_char_boundary(range.start - self.offset)
            && self.raw.is_char_boundary(range.end - self.offset)
    }
}

fn render_one(renderer: &Renderer, d: &Diagnostic) -> String {
    // rustc-style `severity[CODE]` keeps the severity readable without colour; the rule name
    // goes in the footer so a reader knows what to pass to `fleetpin rule`.
    let title = level(d.severity)
        .primary_title(escape_control(&d.message))
        .id(escape_control(&d.code));
    let mut elements: Vec<annotate_snippets::Element<'_>> = Vec::new();

    // Group labels by file: the primary file first, then others in order of appearance.
    let mut files: Vec<(&SourceFile, Vec<(&Label, bool)>)> = Vec::new();
    if let Some(primary) = &d.primary {
        files.push((&primary.span.file, vec![(primary, true)]));
    }
    for label in &d.secondary {
        match files.iter_mut().find(|(f, _)| *f == &label.span.file) {
            Some((_, labels)) => labels.push((label, false)),
            None => files.push((&label.span.file, vec![(label, false)])),
        }
    }
    if files.is_empty()
        && let Some(path) = d.file_path()
    {
        elements.push(Origin::path(text_path(path)).into());
    }
    for (file, labels) in &files {
        let Some(window) = Window::covering(file, labels.iter().map(|(l, _)| l.span.range.clone()))
        else {
            continue;
        };
        let mut snippet = Snippet::source(window.text.clone())
            .line_start(window.first_line)
            .path(text_path(file.path()));
        for (label, primary) in labels {
            let kind = if *primary {
                AnnotationKind::Primary
            } else {
                AnnotationKind::Context
            };
            let mut annotation = kind.span(window.local(&display_range(&label.span)));
            if !label.message.is_empty() {
                annotation = annotation.label(escape_control(&label.message));
            }
            snippet = snippet.annotation(annotation);
        }
        elements.push(snippet.into());
    }
    for note in &d.notes {
        elements.push(Level::NOTE.message(escape_control(note)).into());
    }
    let fix_title = d.fix.as_ref().map(|f| f.title.as_str());
    if let Some(help) = &d.help
        && Some(help.as_str()) != fix_title
    {
        elements.push(Level::HELP.message(escape_control(help)).into());
    }
    elements.push(
        Level::NOTE
            .no_name()
            .message(escape_control(&format!("rule: {} ({})", d.name, d.code)).into_owned())
            .into(),
    );
    let mut groups = vec![title.elements(elements)];
    if let Some(fix) = &d.fix {
        let suffix = match fix.applicability {
            Applicability::Safe => "",
            Applicability::Unsafe => " (unsafe fix: applied only with --unsafe-fixes)",
            Applicability::DisplayOnly => " (suggestion: never applied automatically)",
        };
        let fix_title: Cow<'_, str> = format!("{}{suffix}", escape_control(&fix.title)).into();
        let group = Level::HELP.secondary_title(fix_title);
        if let Some(primary) = &d.primary {
            let file = &primary.span.file;
            let window = Window::covering(file, fix.edits.iter().map(|e| e.range.clone()));
            if let Some(window) = window
                && fix.edits.iter().all(|e| window.contains(&e.range))
                && edits_disjoint(&fix.edits)
            {
                let mut snippet = Snippet::source(window.text.clone())
                    .line_start(window.first_line)
                    .path(text_path(file.path()));
                for edit in &fix.edits {
                    snippet = snippet.patch(Patch::new(
                        window.local(&edit.range),
                        escape_control(&edit.content),
                    ));
                }
                groups.push(group.element(snippet));
            } else {
                // Edits that do not fit the file: show the title, not a wrong diff.
                groups.push(Group::with_title(group));
            }
        } else {
            groups.push(Group::with_title(group));
        }
    }
    renderer.render(&groups)
}

fn edits_disjoint(edits: &[crate::Edit]) -> bool {
    let mut ranges: Vec<&Range<usize>> = edits.iter().map(|e| &e.range).collect();
    ranges.sort_by_key(|r| (r.start, r.end));
    ranges.windows(2).all(|w| w[0].end <= w[1].start)
}
