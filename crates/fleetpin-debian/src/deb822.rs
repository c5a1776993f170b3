//! A zero-copy deb822 parser (deb822(5)): the format of dpkg's `status`, apt's `Packages`,
//! `Sources` and `Release` files, `debian/control` and apt preferences.
//!
//! Paragraphs are separated by blank lines (lines of only spaces and tabs count as blank, as in
//! dpkg). A field is `Name: value`; lines starting with a space or tab continue the previous
//! field. Lines starting with `#` are comments (allowed in control files and apt preferences;
//! [`Parser::comments`] turns this off). CRLF line ends are accepted. A field given twice in a
//! paragraph is an error, as in dpkg ("duplicate value for field").
//!
//! Field names and values borrow from the input; parsing allocates nothing per field once the
//! paragraph buffer has grown (see [`Parser::next_into`]).

use std::fmt;

/// A syntax error at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {kind}")]
pub struct SyntaxError {
    /// 1-based line number.
    pub line: usize,
    /// What is wrong.
    pub kind: SyntaxErrorKind,
}

/// The kinds of deb822 syntax errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyntaxErrorKind {
    /// The data is not UTF-8 (binary garbage, or a compressed file read as text).
    NotUtf8,
    /// A line starting with whitespace before any field.
    ContinuationWithoutField,
    /// A non-blank line without `:`.
    MissingColon,
    /// `: value` or a field name with whitespace in it.
    BadFieldName,
    /// The same field twice in one paragraph.
    DuplicateField(String),
    /// A required field is missing from the paragraph that starts at this line.
    MissingField(&'static str),
    /// A field value that does not fit the field.
    BadValue {
        /// The field.
        field: String,
        /// Why.
        reason: String,
    },
    /// An OpenPGP clearsigned wrapper that is malformed.
    BadSignedMessage(&'static str),
    /// The file ends in the middle of a line (no final newline): cut mid-stanza. dpkg
    /// refuses such a status file ("missing final newline").
    UnexpectedEof,
    /// A package listed twice where dpkg allows one instance (same name, not all instances
    /// `Multi-Arch: same` on distinct architectures): dpkg refuses the status file.
    DuplicatePackage {
        /// `name` or `name:arch`.
        package: String,
        /// 1-based line of the stanza that lists it first.
        first_line: usize,
    },
}

impl fmt::Display for SyntaxErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SyntaxErrorKind::NotUtf8 => f.write_str("not UTF-8 text (binary or compressed data?)"),
            SyntaxErrorKind::ContinuationWithoutField => {
                f.write_str("continuation line (starting with whitespace) before any field")
            }
            SyntaxErrorKind::MissingColon => f.write_str("line is not `Field: value` (no colon)"),
            SyntaxErrorKind::BadFieldName => f.write_str("empty or malformed field name"),
            SyntaxErrorKind::DuplicateField(name) => {
                write!(f, "duplicate value for `{name}` field")
            }
            SyntaxErrorKind::MissingField(name) => {
                write!(f, "paragraph has no `{name}` field")
            }
            SyntaxErrorKind::BadValue { field, reason } => {
                write!(f, "bad value for `{field}` field: {reason}")
            }
            SyntaxErrorKind::BadSignedMessage(why) => {
                write!(f, "malformed OpenPGP signed message: {why}")
            }
            SyntaxErrorKind::UnexpectedEof => {
                f.write_str("file ends in the middle of a line (cut mid-stanza? no final newline)")
            }
            SyntaxErrorKind::DuplicatePackage {
                package,
                first_line,
            } => write!(
                f,
                "package `{package}` is listed again (first at line {first_line}); dpkg allows \
                 several instances only of `Multi-Arch: same` packages, one per architecture"
            ),
        }
    }
}

/// One field of a paragraph.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    /// The field name as written (match it case-insensitively).
    pub name: &'a str,
    /// The value: from the first non-blank character after the colon to the end of the last
    /// continuation line, trailing whitespace removed. Continuation lines keep their line break
    /// and leading whitespace.
    pub value: &'a str,
    /// 1-based line of the field name.
    pub line: usize,
}

impl<'a> Field<'a> {
    /// The value's lines with leading whitespace removed (for multi-line fields like
    /// `Description` or `Conffiles`); a lone `.` stands for an empty line in descriptions.
    pub fn lines(&self) -> impl Iterator<Item = &'a str> + 'a {
        self.value
            .split('\n')
            .map(|l| l.trim_start_matches([' ', '\t']).trim_end())
    }
}

/// A paragraph (stanza): its fields in order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Paragraph<'a> {
    fields: Vec<Field<'a>>,
    line: usize,
}

impl<'a> Paragraph<'a> {
    /// The value of a field, matched case-insensitively.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.field(name).map(|f| f.value)
    }

    /// A field, matched case-insensitively.
    pub fn field(&self, name: &str) -> Option<&Field<'a>> {
        self.fields
            .iter()
            .find(|f| f.name.len() == name.len() && f.name.eq_ignore_ascii_case(name))
    }

    /// All fields in file order.
    pub fn fields(&self) -> &[Field<'a>] {
        &self.fields
    }

    /// 1-based line where the paragraph starts.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The value of a field that must be there.
    pub fn require(&self, name: &'static str) -> Result<&'a str, SyntaxError> {
        self.get(name).ok_or(SyntaxError {
            line: self.line,
            kind: SyntaxErrorKind::MissingField(name),
        })
    }

    /// Whether the paragraph has no fields.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }
}

/// Checks the whole buffer is UTF-8; otherwise names the first bad line.
pub fn to_text(data: &[u8]) -> Result<&str, SyntaxError> {
    std::str::from_utf8(data).map_err(|e| SyntaxError {
        line: 1 + memchr::memchr_iter(b'\n', &data[..e.valid_up_to()]).count(),
        kind: SyntaxErrorKind::NotUtf8,
    })
}

/// Iterates over the paragraphs of a deb822 text.
///
/// After an error the parser skips to the next blank line, so one bad paragraph does not hide
/// the rest of the file.
#[derive(Debug, Clone)]
pub struct Parser<'a> {
    text: &'a str,
    pos: usize,
    line: usize,
    comments: bool,
}

impl<'a> Parser<'a> {
    /// A parser over `text`, with `#` comment lines allowed.
    pub fn new(text: &'a str) -> Parser<'a> {
        Parser {
            text,
            pos: 0,
            line: 1,
            comments: true,
        }
    }

    /// Numbers lines from `line` (for text that is a slice of a larger file).
    pub fn first_line(mut self, line: usize) -> Parser<'a> {
        self.line = line;
        self
    }

    /// The line the parser has reached (1-based).
    pub fn line(&self) -> usize {
        self.line
    }

    /// Whether `#` at the start of a line is a comment (default) or a syntax error.
    pub fn comments(mut self, allowed: bool) -> Parser<'a> {
        self.comments = allowed;
        self
    }

    /// Byte offset the parser has reached.
    pub fn offset(&self) -> usize {
        self.pos
    }

    /// Parses the next paragraph into `para` (reusing its buffer). Returns `Ok(false)` at the
    /// end of the input.
    pub fn next_into(&mut self, para: &mut Paragraph<'a>) -> Result<bool, SyntaxError> {
        para.fields.clear();
        let text = self.text;
        let bytes = text.as_bytes();
        let len = bytes.len();
        let mut pos = self.pos;
        let mut line = self.line;
        // Open field: index into para.fields.
        let mut open = false;
        // A 64-bit filter over field names so the duplicate check only scans the paragraph
        // when a name with the same length and first/last letters was seen.
        let mut seen: u64 = 0;
        loop {
            if pos >= len {
                break;
            }
            let first = bytes[pos];
            if first == b'\n' {
                // Blank line.
                pos += 1;
                line += 1;
                if !para.fields.is_empty() {
                    break;
                }
                continue;
            }
            if first == b' ' || first == b'\t' {
                let nl = memchr::memchr(b'\n', &bytes[pos..]).map_or(len, |i| pos + i);
                let content = &bytes[pos..nl];
                let blank = content
                    .iter()
                    .all(|&c| c == b' ' || c == b'\t' || c == b'\r');
                let next = (nl + 1).min(len);
                if blank {
                    pos = next;
                    line += 1;
                    if !para.fields.is_empty() {
                        break;
                    }
                    continue;
                }
                if !open {
                    self.pos = pos;
                    self.line = line;
                    return self.fail(line, SyntaxErrorKind::ContinuationWithoutField);
                }
                let end = trim_end(bytes, pos, nl);
                let field = para.fields.last_mut().expect("open field");
                let start = field.value.as_ptr() as usize - text.as_ptr() as usize;
                let start = if field.value.is_empty() {
                    // Value starts on this continuation line.
                    skip_blank(bytes, pos, nl)
                } else {
                    start
                };
                field.value = &text[start..end.max(start)];
                pos = next;
                line += 1;
                continue;
            }
            if first == b'#' && self.comments {
                let nl = memchr::memchr(b'\n', &bytes[pos..]).map_or(len, |i| pos + i);
                pos = (nl + 1).min(len);
                line += 1;
                continue;
            }
            if first == b'\r' {
                // "\r\n" blank line (CRLF files).
                if pos + 1 >= len || bytes[pos + 1] == b'\n' {
                    pos = (pos + 2).min(len);
                    line += 1;
                    if !para.fields.is_empty() {
                        break;
                    }
                    continue;
                }
            }
            // A field line: find the colon or the end of line, whichever comes first.
            // Field names are short: a plain loop beats a SIMD search call here.
            let colon = find_colon_or_nl(bytes, pos);
            if colon == len || bytes[colon] == b'\n' {
                self.pos = pos;
                self.line = line;
                return self.fail(line, SyntaxErrorKind::MissingColon);
            }
            let name = &bytes[pos..colon];
            if name.is_empty() || name.iter().any(|&c| c == b' ' || c == b'\t' || c == b'\r') {
                self.pos = pos;
                self.line = line;
                return self.fail(line, SyntaxErrorKind::BadFieldName);
            }
            let nl = find_nl(bytes, colon);
            let vstart = skip_blank(bytes, colon + 1, nl);
            let vend = trim_end(bytes, vstart, nl);
            let name = &text[pos..colon];
            let nb = name.as_bytes();
            let bit = 1u64
                << ((nb.len() * 7
                    + (nb[0] | 0x20) as usize
                    + (nb[nb.len() - 1] | 0x20) as usize * 3)
                    & 63);
            if seen & bit != 0
                && let Some(dup) = para
                    .fields
                    .iter()
                    .find(|f| f.name.len() == name.len() && f.name.eq_ignore_ascii_case(name))
            {
                let kind = SyntaxErrorKind::DuplicateField(dup.name.to_string());
                self.pos = pos;
                self.line = line;
                return self.fail(line, kind);
            }
            seen |= bit;
            if para.fields.is_empty() {
                para.line = line;
            }
            let field_line = line;
            // Continuation lines of this field, consumed in a tight loop (descriptions are
            // most of a Packages file).
            let (mut vstart, mut vend) = (vstart, vend);
            let mut p = (nl + 1).min(len);
            line += 1;
            while p < len && (bytes[p] == b' ' || bytes[p] == b'\t') {
                let lnl = memchr::memchr(b'\n', &bytes[p..]).map_or(len, |i| p + i);
                let quick_non_blank = p + 1 < lnl && !matches!(bytes[p + 1], b' ' | b'\t' | b'\r');
                if !quick_non_blank
                    && bytes[p..lnl]
                        .iter()
                        .all(|&c| c == b' ' || c == b'\t' || c == b'\r')
                {
                    // A whitespace-only line ends the paragraph; the main loop handles it.
                    break;
                }
                if vstart == vend {
                    vstart = skip_blank(bytes, p, lnl);
                }
                vend = trim_end(bytes, p, lnl).max(vstart);
                p = (lnl + 1).min(len);
                line += 1;
            }
            para.fields.push(Field {
                name: &text[pos..colon],
                value: &text[vstart..vend],
                line: field_line,
            });
            open = true;
            pos = p;
        }
        self.pos = pos;
        self.line = line;
        Ok(!para.fields.is_empty())
    }

    /// Records an error and skips to the end of the current paragraph.
    fn fail<T>(&mut self, line: usize, kind: SyntaxErrorKind) -> Result<T, SyntaxError> {
        let bytes = self.text.as_bytes();
        let mut pos = self.pos;
        let mut l = self.line;
        while pos < bytes.len() {
            let nl = memchr::memchr(b'\n', &bytes[pos..]).map_or(bytes.len(), |i| pos + i);
            let blank = bytes[pos..nl]
                .iter()
                .all(|&c| c == b' ' || c == b'\t' || c == b'\r');
            pos = (nl + 1).min(bytes.len());
            l += 1;
            if blank {
                break;
            }
        }
        self.pos = pos;
        self.line = l;
        Err(SyntaxError { line, kind })
    }
}

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Bit mask with the high bit set in each byte of `w` equal to `b` (exact for the lowest
/// match, which is all callers use).
#[inline(always)]
fn eq_mask(w: u64, b: u8) -> u64 {
    let x = w ^ (LO * u64::from(b));
    x.wrapping_sub(LO) & !x & HI
}

/// Index of the first `:` or `\n` at or after `from` (or `bytes.len()`), eight bytes at a
/// time: field names are short, so this beats a SIMD search call (measured).
#[inline]
fn find_colon_or_nl(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while i + 8 <= bytes.len() {
        let w = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        let m = eq_mask(w, b':') | eq_mask(w, b'\n');
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && bytes[i] != b':' && bytes[i] != b'\n' {
        i += 1;
    }
    i
}

/// Index of the next `\n` at or after `from` (or `bytes.len()`): SWAR over the first 128
/// bytes (field values are short: median line 29 bytes, checksums 32-64), then memchr. A SIMD
/// memchr call per value measured slower on bookworm's Packages.
#[inline]
fn find_nl(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    let stop = (from + 128).min(bytes.len());
    while i + 8 <= stop {
        let w = u64::from_le_bytes(bytes[i..i + 8].try_into().expect("8 bytes"));
        let m = eq_mask(w, b'\n');
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    memchr::memchr(b'\n', &bytes[i..]).map_or(bytes.len(), |k| i + k)
}

#[inline]
fn skip_blank(bytes: &[u8], mut i: usize, end: usize) -> usize {
    while i < end && (bytes[i] == b' ' || bytes[i] == b'\t') {
        i += 1;
    }
    i
}

#[inline]
fn trim_end(bytes: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && matches!(bytes[end - 1], b' ' | b'\t' | b'\r') {
        end -= 1;
    }
    end
}

impl<'a> Iterator for Parser<'a> {
    type Item = Result<Paragraph<'a>, SyntaxError>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut p = Paragraph::default();
        match self.next_into(&mut p) {
            Ok(true) => Some(Ok(p)),
            Ok(false) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// Strips an OpenPGP clearsigned wrapper (`InRelease`): returns the signed text with
/// dash-escaping undone, or the input unchanged if it is not signed.
///
/// The signature is NOT verified; fleetpin reads the metadata apt already verified when it
/// stored the file.
pub fn strip_clearsign(text: &str) -> Result<std::borrow::Cow<'_, str>, SyntaxError> {
    const BEGIN: &str = "-----BEGIN PGP SIGNED MESSAGE-----";
    const SIG: &str = "-----BEGIN PGP SIGNATURE-----";
    let trimmed = text.trim_start();
    if !trimmed.starts_with(BEGIN) {
        return Ok(std::borrow::Cow::Borrowed(text));
    }
    let bad = |line, why| SyntaxError {
        line,
        kind: SyntaxErrorKind::BadSignedMessage(why),
    };
    let mut lines = text.split('\n').enumerate();
    // Skip to the BEGIN line, then the armor headers up to a blank line.
    for (_, l) in lines.by_ref() {
        if l.trim_end() == BEGIN {
            break;
        }
    }
    let mut saw_blank = false;
    for (_, l) in lines.by_ref() {
        if l.trim_end().is_empty() {
            saw_blank = true;
            break;
        }
    }
    if !saw_blank {
        return Err(bad(1, "no blank line after the armor headers"));
    }
    let mut out = String::with_capacity(text.len());
    let mut ended = false;
    for (i, l) in lines.by_ref() {
        let l = l.strip_suffix('\r').unwrap_or(l);
        if l == SIG {
            ended = true;
            break;
        }
        if let Some(rest) = l.strip_prefix("- ") {
            out.push_str(rest);
        } else if l.starts_with('-') {
            return Err(bad(i + 1, "line starting with `-` is not dash-escaped"));
        } else {
            out.push_str(l);
        }
        out.push('\n');
    }
    if !ended {
        return Err(bad(text.lines().count(), "no signature block"));
    }
    Ok(std::borrow::Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<Result<Paragraph<'_>, SyntaxError>> {
        Parser::new(text).collect()
    }

    #[test]
    fn paragraphs_fields_and_continuations() {
        let text = "# comment\nPackage: a\nVersion: 1.0\nDescription: short\n long line\n .\n more\n\n\n \t\nPackage: b\r\nDepends: x,\r\n y\r\n\r\nPackage: c\nConffiles:\n /etc/c 0123\n";
        let paras: Vec<_> = all(text).into_iter().map(Result::unwrap).collect();
        assert_eq!(paras.len(), 3);
        assert_eq!(paras[0].get("package"), Some("a"));
        assert_eq!(paras[0].line(), 2);
        let d = paras[0].field("Description").unwrap();
        assert_eq!(
            d.lines().collect::<Vec<_>>(),
            ["short", "long line", ".", "more"]
        );
        assert_eq!(paras[1].get("Package"), Some("b"));
        assert_eq!(paras[1].get("Depends"), Some("x,\r\n y"));
        assert_eq!(paras[1].line(), 11);
        assert_eq!(paras[2].get("Conffiles"), Some("/etc/c 0123"));
    }

    #[test]
    fn errors_name_the_line_and_parsing_carries_on() {
        let text =
            "Package: a\nPackage: b\n\n continuation\n\nno colon here\n\n: x\n\nPackage: ok\n";
        let r = all(text);
        assert_eq!(r.len(), 5);
        assert_eq!(
            r[0].as_ref().unwrap_err(),
            &SyntaxError {
                line: 2,
                kind: SyntaxErrorKind::DuplicateField("Package".into())
            }
        );
        assert_eq!(r[1].as_ref().unwrap_err().line, 4);
        assert_eq!(
            r[2].as_ref().unwrap_err().kind,
            SyntaxErrorKind::MissingColon
        );
        assert_eq!(
            r[3].as_ref().unwrap_err().kind,
            SyntaxErrorKind::BadFieldName
        );
        assert_eq!(r[4].as_ref().unwrap().get("Package"), Some("ok"));
    }

    #[test]
    fn swar_searches_match_naive() {
        let text =
            b"Package: a\nVery-Long-Field-Name-Here: x\n\nno colon at all but long enough\nA:\n:\n";
        for from in 0..text.len() {
            let naive = (from..text.len())
                .find(|&i| text[i] == b':' || text[i] == b'\n')
                .unwrap_or(text.len());
            assert_eq!(find_colon_or_nl(text, from), naive, "from {from}");
            let naive = (from..text.len())
                .find(|&i| text[i] == b'\n')
                .unwrap_or(text.len());
            assert_eq!(find_nl(text, from), naive, "from {from}");
        }
    }

    #[test]
    fn comments_can_be_disallowed() {
        let r = Parser::new("#x\nA: b\n")
            .comments(false)
            .collect::<Vec<_>>();
        assert!(r[0].is_err());
    }

    #[test]
    fn not_utf8_names_the_line() {
        let e = to_text(b"A: b\nC: \xff\xfe\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(e.kind, SyntaxErrorKind::NotUtf8);
    }

    #[test]
    fn clearsign_is_stripped() {
        let signed = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nOrigin: Debian\n- -dashed: x\nSuite: stable\n-----BEGIN PGP SIGNATURE-----\n\nabc\n-----END PGP SIGNATURE-----\n";
        let body = strip_clearsign(signed).unwrap();
        assert_eq!(body, "Origin: Debian\n-dashed: x\nSuite: stable\n");
        assert!(strip_clearsign("-----BEGIN PGP SIGNED MESSAGE-----\nHash: x\n\nA: b\n").is_err());
        assert_eq!(strip_clearsign("A: b\n").unwrap(), "A: b\n");
    }
}
