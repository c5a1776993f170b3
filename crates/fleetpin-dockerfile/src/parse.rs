//! The Dockerfile parser: instructions with byte spans, parser directives, continuations,
//! exec/shell form, flags, heredocs and comments.

use std::ops::Range;

use serde::Serialize;

/// A parsed Dockerfile. Parsing never fails: problems are listed in [`errors`](Self::errors)
/// and everything that could be read is in [`instructions`](Self::instructions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Dockerfile {
    /// Instructions in file order.
    pub instructions: Vec<Instruction>,
    /// Parser directives at the top of the file (`# syntax=`, `# escape=`, `# check=`).
    pub directives: Vec<Directive>,
    /// The escape character (`\` unless `# escape=` says otherwise).
    pub escape: char,
    /// Problems found while parsing.
    pub errors: Vec<ParseError>,
    /// Comments that are not attached to any instruction (at the end of the file).
    pub trailing_comments: Vec<Comment>,
}

/// A parser directive (`# escape=\``).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// Lower-cased name (`syntax`, `escape`, `check`).
    pub name: String,
    /// The value.
    pub value: String,
    /// Range of the whole line.
    pub range: Range<usize>,
}

/// A comment line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// The text after `#`, trimmed.
    pub text: String,
    /// Range of the comment (from `#` to the end of the line).
    pub range: Range<usize>,
    /// 1-based line.
    pub line: usize,
}

/// A parse problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct ParseError {
    /// 1-based line where the problem starts.
    pub line: usize,
    /// Byte range of the offending text.
    pub range: Range<usize>,
    /// What is wrong.
    pub kind: ParseErrorKind,
}

/// Kinds of [`ParseError`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
pub enum ParseErrorKind {
    /// The last line ends with the escape character.
    #[error("unterminated line continuation at end of file")]
    UnterminatedContinuation,
    /// A heredoc's delimiter never appears.
    #[error("unterminated heredoc: `{0}` never appears")]
    UnterminatedHeredoc(String),
    /// The instruction keyword is not known.
    #[error("unknown instruction `{0}`")]
    UnknownInstruction(String),
    /// An instruction that needs arguments has none.
    #[error("`{0}` requires at least one argument")]
    MissingArguments(String),
    /// An invalid `# escape=` value.
    #[error("invalid escape character `{0}`: must be `\\` or `` ` ``")]
    InvalidEscape(String),
}

/// Instruction keywords.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub enum Keyword {
    /// `FROM`.
    From,
    /// `RUN`.
    Run,
    /// `CMD`.
    Cmd,
    /// `LABEL`.
    Label,
    /// `MAINTAINER`.
    Maintainer,
    /// `EXPOSE`.
    Expose,
    /// `ENV`.
    Env,
    /// `ADD`.
    Add,
    /// `COPY`.
    Copy,
    /// `ENTRYPOINT`.
    Entrypoint,
    /// `VOLUME`.
    Volume,
    /// `USER`.
    User,
    /// `WORKDIR`.
    Workdir,
    /// `ARG`.
    Arg,
    /// `ONBUILD`.
    Onbuild,
    /// `STOPSIGNAL`.
    Stopsignal,
    /// `HEALTHCHECK`.
    Healthcheck,
    /// `SHELL`.
    Shell,
    /// Anything else (an error is recorded).
    Unknown(String),
}

impl Keyword {
    fn parse(s: &str) -> Keyword {
        match s.to_ascii_uppercase().as_str() {
            "FROM" => Keyword::From,
            "RUN" => Keyword::Run,
            "CMD" => Keyword::Cmd,
            "LABEL" => Keyword::Label,
            "MAINTAINER" => Keyword::Maintainer,
            "EXPOSE" => Keyword::Expose,
            "ENV" => Keyword::Env,
            "ADD" => Keyword::Add,
            "COPY" => Keyword::Copy,
            "ENTRYPOINT" => Keyword::Entrypoint,
            "VOLUME" => Keyword::Volume,
            "USER" => Keyword::User,
            "WORKDIR" => Keyword::Workdir,
            "ARG" => Keyword::Arg,
            "ONBUILD" => Keyword::Onbuild,
            "STOPSIGNAL" => Keyword::Stopsignal,
            "HEALTHCHECK" => Keyword::Healthcheck,
            "SHELL" => Keyword::Shell,
            _ => Keyword::Unknown(s.to_owned()),
        }
    }

    /// Upper-case name.
    pub fn as_str(&self) -> &str {
        match self {
            Keyword::From => "FROM",
            Keyword::Run => "RUN",
            Keyword::Cmd => "CMD",
            Keyword::Label => "LABEL",
            Keyword::Maintainer => "MAINTAINER",
            Keyword::Expose => "EXPOSE",
            Keyword::Env => "ENV",
            Keyword::Add => "ADD",
            Keyword::Copy => "COPY",
            Keyword::Entrypoint => "ENTRYPOINT",
            Keyword::Volume => "VOLUME",
            Keyword::User => "USER",
            Keyword::Workdir => "WORKDIR",
            Keyword::Arg => "ARG",
            Keyword::Onbuild => "ONBUILD",
            Keyword::Stopsignal => "STOPSIGNAL",
            Keyword::Healthcheck => "HEALTHCHECK",
            Keyword::Shell => "SHELL",
            Keyword::Unknown(s) => s,
        }
    }

    fn takes_heredocs(&self) -> bool {
        matches!(self, Keyword::Run | Keyword::Copy | Keyword::Add)
    }
}

/// Text joined from several pieces of the file (continuation lines), with a map back to file
/// offsets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Joined {
    /// The joined text.
    pub text: String,
    /// `(offset in text, offset in file)` at the start of each contiguous piece.
    segments: Vec<(usize, usize)>,
}

impl Joined {
    /// Append `s`, which is at `file_offset` in the file.
    pub fn push(&mut self, s: &str, file_offset: usize) {
        if s.is_empty() {
            return;
        }
        let at = self.text.len();
        let contiguous = self
            .segments
            .last()
            .is_some_and(|&(t, f)| f + (at - t) == file_offset);
        if !contiguous {
            self.segments.push((at, file_offset));
        }
        self.text.push_str(s);
    }

    /// A `Joined` for a text that is verbatim at `file_offset`.
    pub fn verbatim(text: &str, file_offset: usize) -> Joined {
        let mut j = Joined::default();
        j.push(text, file_offset);
        j
    }

    /// File offset of byte `i` of the text (`i == text.len()` maps past the last byte).
    pub fn file_offset(&self, i: usize) -> usize {
        if self.segments.is_empty() {
            return 0;
        }
        if i >= self.text.len() && i > 0 {
            return self.file_offset(i - 1) + 1;
        }
        let k = match self.segments.binary_search_by(|&(t, _)| t.cmp(&i)) {
            Ok(k) => k,
            Err(k) => k.saturating_sub(1),
        };
        let (t, f) = self.segments[k];
        f + (i - t)
    }

    /// File range of a text range (the end maps after the last byte of the range, so a range
    /// spanning a continuation covers the lines in between).
    pub fn file_range(&self, r: Range<usize>) -> Range<usize> {
        let start = self.file_offset(r.start);
        let end = if r.end > r.start {
            self.file_offset(r.end - 1) + 1
        } else {
            start
        };
        start..end.max(start)
    }

    /// A sub-range of the text as a new `Joined`.
    pub fn slice(&self, r: Range<usize>) -> Joined {
        let mut j = Joined::default();
        let text = &self.text[r.clone()];
        let mut i = 0;
        while i < text.len() {
            // Find the end of the current segment.
            let abs = r.start + i;
            let k = match self.segments.binary_search_by(|&(t, _)| t.cmp(&abs)) {
                Ok(k) => k,
                Err(k) => k.saturating_sub(1),
            };
            let seg_end = self.segments.get(k + 1).map_or(self.text.len(), |s| s.0);
            let end = seg_end.min(r.end) - r.start;
            j.push(&text[i..end], self.file_offset(abs));
            i = end.max(i + 1);
        }
        j
    }
}

/// A `--name[=value]` instruction flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// Name without dashes (`platform`, `from`, `mount`).
    pub name: String,
    /// The value, if any.
    pub value: Option<String>,
    /// File range of the whole flag.
    pub range: Range<usize>,
    /// File range of the value.
    pub value_range: Option<Range<usize>>,
}

/// One element of an exec-form (JSON) argument list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExecArg {
    /// The decoded string.
    pub value: String,
    /// File range of the JSON string literal, quotes included.
    pub range: Range<usize>,
}

/// The arguments of an instruction after its flags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Args {
    /// Shell form: the joined text.
    Shell(Joined),
    /// Exec form: `["executable", "param"]`.
    Exec(Vec<ExecArg>),
}

/// A heredoc attached to an instruction (`RUN <<EOF`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The delimiter word.
    pub delimiter: String,
    /// `<<-`: leading tabs are stripped from body lines.
    pub strip_tabs: bool,
    /// The delimiter was quoted (no expansion in the body).
    pub quoted: bool,
    /// The body (without the delimiter line), mapped to the file.
    pub body: Joined,
    /// File range of the `<<EOF` marker.
    pub marker_range: Range<usize>,
    /// `false` when the file ended before the delimiter.
    pub terminated: bool,
}

/// One instruction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instruction {
    /// The keyword.
    pub keyword: Keyword,
    /// File range of the keyword.
    pub keyword_range: Range<usize>,
    /// File range of the whole instruction, continuation lines and heredoc bodies included.
    pub range: Range<usize>,
    /// 1-based line of the keyword.
    pub line: usize,
    /// 1-based last line (continuations and heredocs included).
    pub end_line: usize,
    /// Flags (`--platform=...`, `--from=...`, `--mount=...`).
    pub flags: Vec<Flag>,
    /// Arguments after the flags.
    pub args: Args,
    /// Everything after the keyword, joined, flags included.
    pub text: Joined,
    /// Heredocs, in order.
    pub heredocs: Vec<Heredoc>,
    /// Comment lines directly above the instruction (no blank line in between), and comment
    /// lines inside its continuation, in file order.
    pub comments: Vec<Comment>,
}

impl Instruction {
    /// The value of flag `name` (without dashes).
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags
            .iter()
            .find(|f| f.name.eq_ignore_ascii_case(name))
    }

    /// The shell-form argument text, if shell form.
    pub fn shell_text(&self) -> Option<&Joined> {
        match &self.args {
            Args::Shell(j) => Some(j),
            Args::Exec(_) => None,
        }
    }
}

struct Line<'a> {
    text: &'a str,
    start: usize,
    no: usize,
}

fn lines(s: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    // A UTF-8 byte-order mark is not part of the first line (Docker strips it too).
    let mut start = if s.starts_with('\u{feff}') { 3 } else { 0 };
    let mut no = 1;
    for (i, b) in s.bytes().enumerate() {
        if b == b'\n' {
            let mut t = &s[start..i];
            if t.ends_with('\r') {
                t = &t[..t.len() - 1];
            }
            out.push(Line { text: t, start, no });
            start = i + 1;
            no += 1;
        }
    }
    if start < s.len() {
        let mut t = &s[start..];
        if t.ends_with('\r') {
            t = &t[..t.len() - 1];
        }
        out.push(Line { text: t, start, no });
    }
    out
}

fn parse_directive(line: &str) -> Option<(String, String)> {
    let rest = line.trim_start().strip_prefix('#')?;
    let (k, v) = rest.split_once('=')?;
    let k = k.trim();
    if k.is_empty() || !k.bytes().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((k.to_ascii_lowercase(), v.trim().to_owned()))
}

/// Parse a Dockerfile. Never panics; see [`Dockerfile::errors`].
pub fn parse(src: &str) -> Dockerfile {
    let src_lines = lines(src);
    let mut df = Dockerfile {
        escape: '\\',
        ..Dockerfile::default()
    };
    let mut idx = 0;
    // Parser directives: only at the very top.
    while let Some(l) = src_lines.get(idx) {
        let Some((name, value)) = parse_directive(l.text) else {
            break;
        };
        if !matches!(name.as_str(), "syntax" | "escape" | "check") {
            break;
        }
        if df.directives.iter().any(|d| d.name == name) {
            break;
        }
        if name == "escape" {
            match value.as_str() {
                "\\" => df.escape = '\\',
                "`" => df.escape = '`',
                _ => df.errors.push(ParseError {
                    line: l.no,
                    range: l.start..l.start + l.text.len(),
                    kind: ParseErrorKind::InvalidEscape(value.clone()),
                }),
            }
        }
        df.directives.push(Directive {
            name,
            value,
            range: l.start..l.start + l.text.len(),
        });
        idx += 1;
    }
    let esc = df.escape;
    let mut pending_comments: Vec<Comment> = Vec::new();
    while idx < src_lines.len() {
        let l = &src_lines[idx];
        let trimmed = l.text.trim_start();
        if trimmed.is_empty() {
            pending_comments.clear();
            idx += 1;
            continue;
        }
        if trimmed.starts_with('#') {
            pending_comments.push(comment(l));
            idx += 1;
            continue;
        }
        if is_template_line(trimmed) {
            idx += 1;
            continue;
        }
        let indent = l.text.len() - trimmed.len();
        let kw_start = l.start + indent;
        let kw_len = trimmed
            .bytes()
            .take_while(|c| !c.is_ascii_whitespace())
            .count();
        let kw_text = &trimmed[..kw_len];
        let keyword = Keyword::parse(kw_text);
        let mut comments = std::mem::take(&mut pending_comments);
        // Join continuation lines.
        let mut text = Joined::default();
        let first_rest_off = indent + kw_len;
        let mut piece = &l.text[first_rest_off..];
        let mut piece_start = l.start + first_rest_off;
        // Skip whitespace between keyword and arguments.
        let lead = piece.len() - piece.trim_start().len();
        piece = &piece[lead..];
        piece_start += lead;
        let mut end_line = l.no;
        let mut end_off = l.start + l.text.len();
        idx += 1;
        loop {
            let (content, continued) = strip_continuation(piece, esc);
            text.push(content, piece_start);
            if !continued {
                break;
            }
            // Next non-comment, non-empty line.
            let mut found = false;
            while let Some(n) = src_lines.get(idx) {
                idx += 1;
                let t = n.text.trim_start();
                if t.starts_with('#') {
                    comments.push(comment(n));
                    continue;
                }
                if t.is_empty() || is_template_line(t) {
                    continue;
                }
                piece = n.text;
                piece_start = n.start;
                end_line = n.no;
                end_off = n.start + n.text.len();
                found = true;
                break;
            }
            if !found {
                df.errors.push(ParseError {
                    line: end_line,
                    range: kw_start..end_off,
                    kind: ParseErrorKind::UnterminatedContinuation,
                });
                break;
            }
        }
        // Heredocs.
        let mut heredocs = Vec::new();
        if keyword.takes_heredocs() {
            for (delim, strip, quoted, marker) in heredoc_markers(&text.text) {
                let mut body = Joined::default();
                let mut terminated = false;
                while let Some(n) = src_lines.get(idx) {
                    idx += 1;
                    let cmp = if strip {
                        n.text.trim_start_matches('\t')
                    } else {
                        n.text
                    };
                    end_line = n.no;
                    end_off = n.start + n.text.len();
                    if cmp == delim {
                        terminated = true;
                        break;
                    }
                    let off = n.text.len() - cmp.len();
                    body.push(cmp, n.start + off);
                    // Keep the newline (it is in the file right after the line).
                    let nl_at = n.start + n.text.len();
                    let nl_len = if src.as_bytes().get(nl_at) == Some(&b'\r') {
                        2
                    } else {
                        1
                    };
                    // At the end of the file there is no newline to map: the body just ends.
                    if nl_at + nl_len <= src.len() {
                        body.push("\n", nl_at + nl_len - 1);
                    }
                }
                if !terminated {
                    df.errors.push(ParseError {
                        line: l.no,
                        range: text.file_range(marker.clone()),
                        kind: ParseErrorKind::UnterminatedHeredoc(delim.clone()),
                    });
                }
                heredocs.push(Heredoc {
                    delimiter: delim,
                    strip_tabs: strip,
                    quoted,
                    body,
                    marker_range: text.file_range(marker),
                    terminated,
                });
            }
        }
        let (flags, args_start) = parse_flags(&text);
        let args_joined = text.slice(args_start..text.text.len());
        let args = exec_form(&args_joined).map_or(Args::Shell(args_joined), Args::Exec);
        if let Keyword::Unknown(k) = &keyword {
            df.errors.push(ParseError {
                line: l.no,
                range: kw_start..kw_start + kw_len,
                kind: ParseErrorKind::UnknownInstruction(k.clone()),
            });
        } else if text.text.trim().is_empty() && heredocs.is_empty() {
            df.errors.push(ParseError {
                line: l.no,
                range: kw_start..kw_start + kw_len,
                kind: ParseErrorKind::MissingArguments(keyword.as_str().to_owned()),
            });
        }
        df.instructions.push(Instruction {
            keyword,
            keyword_range: kw_start..kw_start + kw_len,
            range: kw_start..end_off,
            line: l.no,
            end_line,
            flags,
            args,
            text,
            heredocs,
            comments,
        });
    }
    df.trailing_comments = pending_comments;
    df
}

/// A Jinja statement or comment line (`{% if ... %}`, `{# ... #}`) of a templated Dockerfile
/// (`Dockerfile.j2` in Ansible roles): skipped like a comment, never an unknown instruction.
fn is_template_line(t: &str) -> bool {
    t.starts_with("{%") || t.starts_with("{#")
}

fn comment(l: &Line<'_>) -> Comment {
    let indent = l.text.len() - l.text.trim_start().len();
    let body = &l.text[indent..];
    Comment {
        text: body.trim_start_matches('#').trim().to_owned(),
        range: l.start + indent..l.start + l.text.len(),
        line: l.no,
    }
}

/// Strip a trailing `<escape>[ \t]*`; returns (content, continued).
fn strip_continuation(piece: &str, esc: char) -> (&str, bool) {
    let t = piece.trim_end_matches([' ', '\t']);
    match t.strip_suffix(esc) {
        Some(c) => (c, true),
        None => (piece, false),
    }
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'` markers outside quotes: (delimiter, strip tabs,
/// quoted, range in text).
pub(crate) fn heredoc_markers(text: &str) -> Vec<(String, bool, bool, Range<usize>)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        let c = b[i];
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == b'\\' && q == b'"' {
                i += 1;
            }
            i += 1;
            continue;
        }
        match c {
            b'\'' | b'"' => quote = Some(c),
            b'<' if b.get(i + 1) == Some(&b'<')
                && b.get(i + 2) != Some(&b'<')
                && (i == 0 || b[i - 1] != b'<') =>
            {
                let start = i;
                let mut j = i + 2;
                let strip = b.get(j) == Some(&b'-');
                if strip {
                    j += 1;
                }
                let q = b.get(j).copied().filter(|x| *x == b'"' || *x == b'\'');
                if q.is_some() {
                    j += 1;
                }
                let ws = j;
                while j < b.len() && (b[j] == b'_' || b[j].is_ascii_alphanumeric()) {
                    j += 1;
                }
                if j > ws && (b[ws] == b'_' || b[ws].is_ascii_alphabetic()) {
                    let delim = text[ws..j].to_owned();
                    if let Some(q) = q
                        && b.get(j) == Some(&q)
                    {
                        j += 1;
                    }
                    out.push((delim, strip, q.is_some(), start..j));
                    i = j;
                    continue;
                }
                i = j.max(i + 2);
                continue;
            }
            b'\\' => i += 1,
            _ => {}
        }
        i += 1;
    }
    out
}

/// Leading `--name[=value]` flags; returns them and the text offset where arguments start.
fn parse_flags(text: &Joined) -> (Vec<Flag>, usize) {
    let t = &text.text;
    let mut flags = Vec::new();
    let mut i = 0;
    loop {
        let rest = &t[i..];
        let ws = rest.len() - rest.trim_start().len();
        let at = i + ws;
        if !t[at..].starts_with("--") || t[at..].starts_with("-- ") || &t[at..] == "--" {
            return (flags, at);
        }
        let end = t[at..]
            .find(|c: char| c.is_whitespace())
            .map_or(t.len(), |p| at + p);
        let body = &t[at + 2..end];
        let (name, value, value_range) = match body.split_once('=') {
            Some((n, v)) => {
                let vs = at + 2 + n.len() + 1;
                (
                    n.to_owned(),
                    Some(v.to_owned()),
                    Some(text.file_range(vs..end)),
                )
            }
            None => (body.to_owned(), None, None),
        };
        flags.push(Flag {
            name,
            value,
            range: text.file_range(at..end),
            value_range,
        });
        i = end;
    }
}

/// Exec form when the text is a JSON array of strings.
fn exec_form(args: &Joined) -> Option<Vec<ExecArg>> {
    let t = args.text.trim();
    if !t.starts_with('[') || !t.ends_with(']') {
        return None;
    }
    let values: Vec<String> = serde_json::from_str(t).ok()?;
    // Locate each string literal.
    let base = args.text.len() - args.text.trim_start().len();
    let b = t.as_bytes();
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            let s = i;
            i += 1;
            while i < b.len() && b[i] != b'"' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            ranges.push(base + s..base + (i + 1).min(b.len()));
        }
        i += 1;
    }
    if ranges.len() != values.len() {
        return None;
    }
    Some(
        values
            .into_iter()
            .zip(ranges)
            .map(|(value, r)| ExecArg {
                value,
                range: args.file_range(r),
            })
            .collect(),
    )
}
