//! Diagnostics, spans, fixes and their renderers.
//!
//! One [`Diagnostic`] type is shared by every fleetpin check (lint, drift, plan, diagnose): a
//! rule code, a severity, a message, a primary [`Label`] pointing into a [`SourceFile`],
//! optional secondary labels (for example "`docker_state = latest` set here"), and an optional
//! [`Fix`] made of byte-range [`Edit`]s with an [`Applicability`].
//!
//! Library crates build diagnostics; only the binary renders them (see [`render`]).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub mod render;
mod sanitize;

pub use sanitize::escape_control;

/// What a diagnostic is: a finding about the checked code or hosts, or an input that could
/// not be checked at all. Renderers and exit codes go by this, never by the shape of the code.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// Something the check found (a floating version, drift, a hazard, a diagnosed cause).
    #[default]
    Finding,
    /// An input that could not be checked (unreadable or invalid file, invalid configuration).
    /// The rest of the work carries on; a run with input errors exits with status 2.
    InputError,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Finding => "finding",
            Kind::InputError => "input-error",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How serious a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Worth knowing; never fails a run on its own unless configured.
    Info,
    /// A floating version that is weaker than it should be.
    Warning,
    /// A floating version that can change what runs on a host without anyone choosing it.
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "warning" => Ok(Severity::Warning),
            "error" => Ok(Severity::Error),
            other => Err(format!(
                "unknown severity `{other}` (expected `info`, `warning` or `error`)"
            )),
        }
    }
}

/// A source file as the diagnostics see it: a display path (relative to where the user ran
/// fleetpin when possible) and its full text. Cheap to clone.
#[derive(Clone)]
pub struct SourceFile(Arc<SourceFileInner>);

struct SourceFileInner {
    path: PathBuf,
    text: String,
    /// Byte offset of the start of each line.
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(memchr_iter_newlines(&text));
        SourceFile(Arc::new(SourceFileInner {
            path: path.into(),
            text,
            line_starts,
        }))
    }

    pub fn path(&self) -> &Path {
        &self.0.path
    }

    pub fn text(&self) -> &str {
        &self.0.text
    }

    /// 1-based line and 1-based column (in characters) of a byte offset. An offset past the
    /// end counts as the end; one inside a multi-byte character as that character's start.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.0.text.len());
        while !self.0.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = match self.0.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let start = self.0.line_starts[line];
        let col = self.0.text[start..offset].chars().count() + 1;
        (line + 1, col)
    }

    /// Byte range of a 1-based line, without its line terminator.
    pub fn line_range(&self, line: usize) -> Range<usize> {
        let idx = line.saturating_sub(1).min(self.0.line_starts.len() - 1);
        let start = self.0.line_starts[idx];
        let end = self
            .0
            .line_starts
            .get(idx + 1)
            .map(|e| e - 1)
            .unwrap_or(self.0.text.len());
        let end = if end > start && self.0.text.as_bytes()[end - 1] == b'\r' {
            end - 1
        } else {
            end
        };
        start..end
    }

    pub fn line_count(&self) -> usize {
        self.0.line_starts.len()
    }
}

impl fmt::Debug for SourceFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SourceFile")
            .field("path", &self.0.path)
            .field("len", &self.0.text.len())
            .finish()
    }
}

impl PartialEq for SourceFile {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || (self.0.path == other.0.path)
    }
}

fn memchr_iter_newlines(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|(_, b)| *b == b'\n')
        .map(|(i, _)| i + 1)
}

/// A byte range in a source file.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub file: SourceFile,
    pub range: Range<usize>,
}

impl Span {
    pub fn new(file: SourceFile, range: Range<usize>) -> Self {
        Span { file, range }
    }
    /// 1-based start line and column.
    pub fn start(&self) -> (usize, usize) {
        self.file.line_col(self.range.start)
    }
    /// 1-based end line and column (exclusive column).
    pub fn end(&self) -> (usize, usize) {
        self.file.line_col(self.range.end)
    }
}

/// A labelled span: where, and a short note about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// Whether a fix may be applied automatically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Shown, never applied (for example: needs a value fleetpin does not know).
    DisplayOnly,
    /// May change behaviour or drop a comment: applied only with `--unsafe-fixes`.
    Unsafe,
    /// Keeps behaviour and layout: applied by default.
    Safe,
}

/// Replace `range` of a file with `content`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub range: Range<usize>,
    pub content: String,
}

/// A set of non-overlapping edits to one file, with a title such as "pin to 5:20.10.23~3-0".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub title: String,
    pub applicability: Applicability,
    pub edits: Vec<Edit>,
}

/// One finding or error.
///
/// `code` and `name` are usually static (lint rules), but may be loaded at run time (hazard
/// and cause databases), so that every producer renders through the same renderers.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Rule code, for example `ANS001`.
    pub code: Cow<'static, str>,
    /// Kebab-case rule name, for example `package-state-latest`.
    pub name: Cow<'static, str>,
    /// Finding or input error; see [`Kind`].
    pub kind: Kind,
    pub severity: Severity,
    pub message: String,
    /// Where the finding is. `None` for errors that have no position (an unreadable file
    /// still names the file through `path`).
    pub primary: Option<Label>,
    /// File the diagnostic is about, when there is no primary span.
    pub path: Option<PathBuf>,
    pub secondary: Vec<Label>,
    /// Extra notes printed after the snippet (`= note: ...`).
    pub notes: Vec<String>,
    /// Short help line (`help: ...`); often the fix title.
    pub help: Option<String>,
    pub fix: Option<Fix>,
}

impl Diagnostic {
    /// A finding ([`Kind::Finding`]).
    pub fn new(
        code: impl Into<Cow<'static, str>>,
        name: impl Into<Cow<'static, str>>,
        severity: Severity,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            code: code.into(),
            name: name.into(),
            kind: Kind::Finding,
            severity,
            message: message.into(),
            primary: None,
            path: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            help: None,
            fix: None,
        }
    }

    /// An input error ([`Kind::InputError`], severity error): something that could not be
    /// checked.
    pub fn input_error(
        code: impl Into<Cow<'static, str>>,
        name: impl Into<Cow<'static, str>>,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic {
            kind: Kind::InputError,
            ..Diagnostic::new(code, name, Severity::Error, message)
        }
    }

    /// Whether this is an input error rather than a finding.
    pub fn is_input_error(&self) -> bool {
        self.kind == Kind::InputError
    }

    pub fn with_kind(mut self, kind: Kind) -> Self {
        self.kind = kind;
        self
    }

    pub fn with_primary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.path = Some(span.file.path().to_path_buf());
        self.primary = Some(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_secondary(mut self, span: Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }

    /// Display path of the file this diagnostic is about, if any.
    pub fn file_path(&self) -> Option<&Path> {
        self.primary
            .as_ref()
            .map(|l| l.span.file.path())
            .or(self.path.as_deref())
    }

    /// 1-based (line, column) of the primary span, if any.
    pub fn location(&self) -> Option<(usize, usize)> {
        self.primary.as_ref().map(|l| l.span.start())
    }

    /// Stable ordering key: path, position, code.
    pub fn sort_key(&self) -> (Option<PathBuf>, usize, &str) {
        (
            self.file_path().map(Path::to_path_buf),
            self.primary.as_ref().map_or(0, |l| l.span.range.start),
            &self.code,
        )
    }
}

/// Metadata of a rule, for docs, `fleetpin rule CODE` and SARIF `tool.driver.rules`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleMeta {
    pub code: &'static str,
    pub name: &'static str,
    /// One line, used as SARIF `shortDescription`.
    pub summary: &'static str,
    pub default_severity: Severity,
    /// Full Markdown docs (What it does / Why is this bad? / Example / Use instead / ...).
    pub docs: &'static str,
    /// Off unless selected in config (for example the digest rule).
    pub opt_in: bool,
    /// Whether the rule reports findings or input errors.
    pub kind: Kind,
}
