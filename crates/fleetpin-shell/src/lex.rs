//! A POSIX-shell tokenizer that keeps byte offsets.
//!
//! Hand-written on purpose: `shlex` and `shell-words` split words but return no source
//! positions, and they do not model operators (`|`, `&&`), redirections, command and process
//! substitutions or here-documents — all of which the analyser needs to point a diagnostic at
//! the exact package word of a long `RUN` and to see `curl ... | sh`. The tokenizer is a single
//! forward pass (substitution bodies are re-lexed once by the analyser, heredoc bodies are
//! skipped), so it is linear in the input.

use std::ops::Range;

/// A lexical token.
#[derive(Debug, Clone)]
pub(crate) enum Tok {
    Word(Word),
    Op(Op),
    /// A redirection operator with its target word (`> /dev/null`, `2>&1`, `<<EOF`).
    Redirect {
        range: Range<usize>,
        target: Option<Word>,
    },
}

/// Control operators that separate commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    AndIf,
    OrIf,
    Semi,
    Amp,
    Pipe,
    Newline,
    LParen,
    RParen,
}

/// A shell word: its source range and its parts after quote removal.
#[derive(Debug, Clone, Default)]
pub(crate) struct Word {
    pub(crate) range: Range<usize>,
    pub(crate) parts: Vec<Part>,
}

/// A piece of a word.
#[derive(Debug, Clone)]
pub(crate) enum Part {
    /// Literal text after quote removal; `src[i]` is the source offset of byte `i` of `text`.
    Lit { text: String, src: Vec<usize> },
    /// `$NAME`, `${NAME}`, `${NAME:-default}` ...
    Param {
        name: String,
        /// `(operator, word)` for `${NAME<op><word>}`; operator `""` for none, `"?"` for an
        /// unsupported form (`${#x}`, `${x%y}` ...).
        op: String,
        arg: String,
        range: Range<usize>,
        quoted: bool,
    },
    /// `$(...)`, `` `...` ``, `<(...)`, `>(...)`, `$((...))`.
    Subst {
        kind: SubstKind,
        inner: Range<usize>,
        range: Range<usize>,
    },
}

/// Kind of substitution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SubstKind {
    Command,
    Process,
    Arith,
}

impl Word {
    /// Literal text with expansions kept as written in the source.
    pub(crate) fn display(&self, src: &str) -> String {
        let mut out = String::new();
        for p in &self.parts {
            match p {
                Part::Lit { text, .. } => out.push_str(text),
                Part::Param { range, .. } | Part::Subst { range, .. } => {
                    out.push_str(src.get(range.clone()).unwrap_or(""))
                }
            }
        }
        out
    }

    fn push_lit(&mut self, s: &str, at: usize) {
        if let Some(Part::Lit { text, src }) = self.parts.last_mut() {
            text.push_str(s);
            src.extend((0..s.len()).map(|i| at + i));
        } else {
            self.parts.push(Part::Lit {
                text: s.to_owned(),
                src: (0..s.len()).map(|i| at + i).collect(),
            });
        }
    }
}

struct Lexer<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    toks: Vec<Tok>,
    /// Here-documents whose bodies start after the next newline: (delimiter, strip tabs).
    pending: Vec<(String, bool)>,
}

/// Tokenize `s`. Never fails: unterminated quotes and substitutions run to the end.
pub(crate) fn lex(s: &str) -> Vec<Tok> {
    let mut lx = Lexer {
        s,
        b: s.as_bytes(),
        i: 0,
        toks: Vec::new(),
        pending: Vec::new(),
    };
    lx.run();
    lx.toks
}

fn is_meta(c: u8) -> bool {
    matches!(
        c,
        b' ' | b'\t' | b'\n' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>' | b'\r'
    )
}

impl Lexer<'_> {
    fn peek(&self, off: usize) -> u8 {
        self.b.get(self.i + off).copied().unwrap_or(0)
    }

    fn op(&mut self, op: Op, len: usize) {
        self.toks.push(Tok::Op(op));
        self.i += len;
    }

    fn run(&mut self) {
        while self.i < self.b.len() {
            let c = self.b[self.i];
            match c {
                b' ' | b'\t' | b'\r' => self.i += 1,
                b'\\' if self.peek(1) == b'\n' => self.i += 2,
                b'\\' if self.peek(1) == b'\r' && self.peek(2) == b'\n' => self.i += 3,
                // A trailing backslash (a continuation cut off at the end) is nothing.
                b'\\' if self.i + 1 == self.b.len() => self.i += 1,
                b'\n' => {
                    self.op(Op::Newline, 1);
                    self.heredoc_bodies();
                }
                b'#' => {
                    while self.i < self.b.len() && self.b[self.i] != b'\n' {
                        self.i += 1;
                    }
                }
                b';' => {
                    // `;;`, `;&`, `;;&` in case statements act as separators too.
                    let len = if self.peek(1) == b';' || self.peek(1) == b'&' {
                        2
                    } else {
                        1
                    };
                    self.op(Op::Semi, len);
                }
                b'&' if self.peek(1) == b'&' => self.op(Op::AndIf, 2),
                b'&' if self.peek(1) == b'>' => self.redirect(),
                b'&' => self.op(Op::Amp, 1),
                b'|' if self.peek(1) == b'|' => self.op(Op::OrIf, 2),
                b'|' if self.peek(1) == b'&' => self.op(Op::Pipe, 2),
                b'|' => self.op(Op::Pipe, 1),
                b'(' => self.op(Op::LParen, 1),
                b')' => self.op(Op::RParen, 1),
                b'<' | b'>' if self.peek(1) == b'(' => {
                    let w = self.word();
                    self.toks.push(Tok::Word(w));
                }
                b'<' | b'>' => self.redirect(),
                _ => {
                    let start = self.i;
                    let w = self.word();
                    // An all-digit word glued to `<`/`>` is an IO number (`2>&1`).
                    let next = self.peek(0);
                    if (next == b'<' || next == b'>')
                        && self.b[start..self.i].iter().all(u8::is_ascii_digit)
                    {
                        self.redirect_from(start);
                    } else if !w.range.is_empty() {
                        self.toks.push(Tok::Word(w));
                    } else {
                        // Defensive: never loop without progress.
                        self.i = self.i.max(start + 1);
                    }
                }
            }
        }
    }

    fn redirect(&mut self) {
        let start = self.i;
        self.redirect_from(start);
    }

    fn redirect_from(&mut self, start: usize) {
        let rest = &self.s[self.i..];
        let ops = [
            "&>>", "<<<", "<<-", ">>", ">|", ">&", "<&", "<>", "<<", "&>", ">", "<",
        ];
        let op = ops
            .iter()
            .find(|o| rest.starts_with(**o))
            .copied()
            .unwrap_or(">");
        self.i += op.len();
        while matches!(self.peek(0), b' ' | b'\t') {
            self.i += 1;
        }
        let target = if self.i < self.b.len() && !is_meta(self.b[self.i]) {
            Some(self.word())
        } else {
            None
        };
        if (op == "<<" || op == "<<-")
            && let Some(t) = &target
        {
            let delim = t.display(self.s);
            self.pending.push((delim, op == "<<-"));
        }
        let end = target.as_ref().map_or(self.i, |t| t.range.end);
        self.toks.push(Tok::Redirect {
            range: start..end,
            target,
        });
    }

    /// Skip the bodies of pending here-documents (called right after a newline).
    fn heredoc_bodies(&mut self) {
        let pending = std::mem::take(&mut self.pending);
        for (delim, strip) in pending {
            loop {
                if self.i >= self.b.len() {
                    return;
                }
                let end = memchr_nl(self.b, self.i);
                let mut line = &self.s[self.i..end];
                if strip {
                    line = line.trim_start_matches('\t');
                }
                let line = line.strip_suffix('\r').unwrap_or(line);
                self.i = (end + 1).min(self.b.len());
                if line == delim {
                    break;
                }
            }
        }
    }

    /// Read one word starting at `self.i` (which is not a blank or an operator, except for
    /// `<(`/`>(` process substitutions).
    fn word(&mut self) -> Word {
        let start = self.i;
        let mut w = Word::default();
        if (self.peek(0) == b'<' || self.peek(0) == b'>') && self.peek(1) == b'(' {
            let inner_start = self.i + 2;
            let close = find_close_paren(self.b, inner_start);
            self.i = (close + 1).min(self.b.len());
            w.parts.push(Part::Subst {
                kind: SubstKind::Process,
                inner: inner_start..close,
                range: start..self.i,
            });
        }
        while self.i < self.b.len() {
            let c = self.b[self.i];
            if is_meta(c) {
                break;
            }
            match c {
                b'\\' => {
                    if self.peek(1) == b'\n' {
                        self.i += 2;
                    } else if self.peek(1) == b'\r' && self.peek(2) == b'\n' {
                        self.i += 3;
                    } else if self.i + 1 < self.b.len() {
                        let ch = char_len(self.b, self.i + 1);
                        let s = &self.s[self.i + 1..self.i + 1 + ch];
                        w.push_lit(s, self.i + 1);
                        self.i += 1 + ch;
                    } else {
                        self.i += 1;
                    }
                }
                b'\'' => {
                    let body = self.i + 1;
                    let end = memchr_byte(self.b, body, b'\'');
                    w.push_lit(&self.s[body..end], body);
                    self.i = (end + 1).min(self.b.len());
                }
                b'"' => self.double_quoted(&mut w),
                b'$' => self.dollar(&mut w, false),
                b'`' => self.backtick(&mut w),
                b'{' if self.peek(1) == b'{' => self.jinja(&mut w, false),
                _ => {
                    // A run of plain characters at once (UTF-8 continuation bytes are never
                    // special, so the run ends on a character boundary).
                    // The first byte is plain here (a lone `{` included), so start after it.
                    let run = self.b[self.i + 1..]
                        .iter()
                        .position(|&c| {
                            is_meta(c) || matches!(c, b'\\' | b'\'' | b'"' | b'$' | b'`' | b'{')
                        })
                        .map_or(self.b.len(), |p| self.i + 1 + p);
                    w.push_lit(&self.s[self.i..run], self.i);
                    self.i = run;
                }
            }
        }
        w.range = start..self.i;
        w
    }

    fn double_quoted(&mut self, w: &mut Word) {
        self.i += 1;
        while self.i < self.b.len() {
            let c = self.b[self.i];
            match c {
                b'"' => {
                    self.i += 1;
                    return;
                }
                b'\\' => {
                    let n = self.peek(1);
                    if n == b'\n' {
                        self.i += 2;
                    } else if matches!(n, b'$' | b'`' | b'"' | b'\\') {
                        w.push_lit(&self.s[self.i + 1..self.i + 2], self.i + 1);
                        self.i += 2;
                    } else {
                        w.push_lit("\\", self.i);
                        self.i += 1;
                    }
                }
                b'$' => self.dollar(w, true),
                b'`' => self.backtick(w),
                b'{' if self.peek(1) == b'{' => self.jinja(w, true),
                _ => {
                    let run = self.b[self.i + 1..]
                        .iter()
                        .position(|&c| matches!(c, b'"' | b'\\' | b'$' | b'`' | b'{'))
                        .map_or(self.b.len(), |p| self.i + 1 + p);
                    w.push_lit(&self.s[self.i..run], self.i);
                    self.i = run;
                }
            }
        }
    }

    /// A Jinja expression `{{ ... }}` (Ansible templates the command before the shell sees
    /// it): one opaque expansion even when it contains spaces. A plain variable
    /// (`{{ docker_version }}`) is looked up by name; anything with filters or expressions is
    /// unresolved.
    fn jinja(&mut self, w: &mut Word, quoted: bool) {
        let start = self.i;
        // Unterminated: the expression runs to the end.
        let (inner_end, end) = match self.s[start + 2..].find("}}") {
            Some(p) => (start + 2 + p, start + 2 + p + 2),
            None => (self.b.len(), self.b.len()),
        };
        let inner = self.s[start + 2..inner_end].trim();
        let simple = !inner.is_empty()
            && inner
                .bytes()
                .all(|c| c == b'_' || c == b'.' || c.is_ascii_alphanumeric());
        w.parts.push(Part::Param {
            name: inner.to_owned(),
            op: if simple {
                String::new()
            } else {
                "?".to_owned()
            },
            arg: String::new(),
            range: start..end,
            quoted,
        });
        self.i = end;
    }

    fn backtick(&mut self, w: &mut Word) {
        let start = self.i;
        let mut j = self.i + 1;
        while j < self.b.len() && self.b[j] != b'`' {
            j += if self.b[j] == b'\\' { 2 } else { 1 };
        }
        let end = j.min(self.b.len());
        self.i = (end + 1).min(self.b.len());
        w.parts.push(Part::Subst {
            kind: SubstKind::Command,
            inner: start + 1..end,
            range: start..self.i,
        });
    }

    fn dollar(&mut self, w: &mut Word, quoted: bool) {
        let start = self.i;
        let n = self.peek(1);
        match n {
            b'(' if self.peek(2) == b'(' => {
                let inner = start + 3;
                let close = find_close_paren(self.b, inner);
                // `$((...))`: skip the second `)` too.
                let end = if self.b.get(close + 1) == Some(&b')') {
                    close + 2
                } else {
                    close + 1
                };
                self.i = end.min(self.b.len());
                w.parts.push(Part::Subst {
                    kind: SubstKind::Arith,
                    inner: inner..close.min(self.b.len()),
                    range: start..self.i,
                });
            }
            b'(' => {
                let inner = start + 2;
                let close = find_close_paren(self.b, inner);
                self.i = (close + 1).min(self.b.len());
                w.parts.push(Part::Subst {
                    kind: SubstKind::Command,
                    inner: inner..close.min(self.b.len()),
                    range: start..self.i,
                });
            }
            b'{' => {
                let body = start + 2;
                let close = find_close_brace(self.b, body);
                self.i = (close + 1).min(self.b.len());
                let content = &self.s[body..close.min(self.b.len())];
                let (name, op, arg) = split_param(content);
                w.parts.push(Part::Param {
                    name,
                    op,
                    arg,
                    range: start..self.i,
                    quoted,
                });
            }
            b'\'' if !quoted => {
                // ANSI-C quoting: keep the text, decode the common escapes.
                let body = start + 2;
                let mut j = body;
                while j < self.b.len() && self.b[j] != b'\'' {
                    j += if self.b[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(self.b.len());
                let raw = &self.s[body..end];
                let decoded = raw
                    .replace("\\n", "\n")
                    .replace("\\t", "\t")
                    .replace("\\'", "'")
                    .replace("\\\\", "\\");
                w.push_lit(&decoded, body);
                // Offsets inside decoded escapes are approximate; clamp to the body.
                if let Some(Part::Lit { src, .. }) = w.parts.last_mut() {
                    for o in src.iter_mut() {
                        *o = (*o).min(end.saturating_sub(1).max(body));
                    }
                }
                self.i = (end + 1).min(self.b.len());
            }
            b'"' if !quoted => {
                self.i += 1;
                self.double_quoted(w);
            }
            c if c == b'_' || c.is_ascii_alphabetic() => {
                let mut j = start + 1;
                while j < self.b.len() && (self.b[j] == b'_' || self.b[j].is_ascii_alphanumeric()) {
                    j += 1;
                }
                self.i = j;
                w.parts.push(Part::Param {
                    name: self.s[start + 1..j].to_owned(),
                    op: String::new(),
                    arg: String::new(),
                    range: start..j,
                    quoted,
                });
            }
            c if c.is_ascii_digit() || b"@*#?$!-".contains(&c) => {
                self.i = start + 2;
                w.parts.push(Part::Param {
                    name: self.s[start + 1..start + 2].to_owned(),
                    op: String::new(),
                    arg: String::new(),
                    range: start..self.i,
                    quoted,
                });
            }
            _ => {
                w.push_lit("$", start);
                self.i += 1;
            }
        }
    }
}

/// Split the inside of `${...}` into name, operator and argument.
fn split_param(content: &str) -> (String, String, String) {
    if content.starts_with('#') && content.len() > 1 || content.starts_with('!') {
        return (content.to_owned(), "?".to_owned(), String::new());
    }
    let name_len = content
        .bytes()
        .take_while(|b| *b == b'_' || b.is_ascii_alphanumeric())
        .count();
    // A special parameter (`${1}`, `${@}`) or garbage: one character, never half of one.
    let name_len = if name_len == 0 {
        content.chars().next().map_or(0, char::len_utf8)
    } else {
        name_len
    };
    let name = content[..name_len.min(content.len())].to_owned();
    let rest = &content[name_len.min(content.len())..];
    if rest.is_empty() {
        return (name, String::new(), String::new());
    }
    for op in [":-", ":=", ":+", ":?", "-", "=", "+", "?"] {
        if let Some(arg) = rest.strip_prefix(op) {
            return (name, op.to_owned(), arg.to_owned());
        }
    }
    (name, "?".to_owned(), rest.to_owned())
}

fn memchr_nl(b: &[u8], from: usize) -> usize {
    memchr_byte(b, from, b'\n')
}

fn memchr_byte(b: &[u8], from: usize, needle: u8) -> usize {
    b[from.min(b.len())..]
        .iter()
        .position(|&c| c == needle)
        .map_or(b.len(), |p| from + p)
}

fn char_len(b: &[u8], i: usize) -> usize {
    let c = b[i];
    let len = if c < 0x80 {
        1
    } else if c >= 0xF0 {
        4
    } else if c >= 0xE0 {
        3
    } else {
        2
    };
    len.min(b.len() - i).max(1)
}

/// Index of the `)` closing a `(` whose body starts at `from`, or `b.len()`.
pub(crate) fn find_close_paren(b: &[u8], from: usize) -> usize {
    let mut depth = 1usize;
    let mut j = from;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 1,
            b'\'' => j = memchr_byte(b, j + 1, b'\''),
            b'"' => {
                j += 1;
                while j < b.len() && b[j] != b'"' {
                    if b[j] == b'\\' {
                        j += 1;
                    }
                    j += 1;
                }
            }
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
        j += 1;
    }
    b.len()
}

fn find_close_brace(b: &[u8], from: usize) -> usize {
    let mut depth = 1usize;
    let mut j = from;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 1,
            b'\'' => j = memchr_byte(b, j + 1, b'\''),
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
        j += 1;
    }
    b.len()
}
