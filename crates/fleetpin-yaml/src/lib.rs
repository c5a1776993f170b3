//! YAML with byte spans for every node.
//!
//! fleetpin reports findings with source frames and edits values in place (`fleetpin pin`), so
//! every node of the tree knows the exact **byte** range it was written at. The tree is built
//! from [`saphyr_parser`] events (which count in characters; this crate converts to bytes).
//!
//! What the tree does for its users, matching how Ansible (PyYAML) loads files:
//! - aliases are expanded (with a budget, so a "billion laughs" file is an error, not an OOM);
//! - merge keys (`<<: *base`, `<<: [*a, *b]`) are applied;
//! - duplicate keys: the last value wins, at the position of the first occurrence;
//! - plain `~`, `null`, `Null`, `NULL` and empty values are [`NodeKind::Null`];
//! - nesting deeper than [`Limits::max_depth`] is an error (no stack overflow on hostile input).
//!
//! ```
//! let src = "- hosts: all\n  tasks:\n    - apt: name=docker-ce state=latest\n";
//! let docs = fleetpin_yaml::parse(src).unwrap();
//! let play = &docs[0].root.as_seq().unwrap()[0];
//! let apt = play.get("tasks").unwrap().as_seq().unwrap()[0].get("apt").unwrap();
//! assert_eq!(apt.as_str(), Some("name=docker-ce state=latest"));
//! assert_eq!(&src[apt.span.clone()], "name=docker-ce state=latest");
//! ```

#![warn(missing_docs)]

use std::collections::HashMap;
use std::ops::Range;

use saphyr_parser::{Event, Parser, ScalarStyle as SaphyrStyle, ScanError, Span as SaphyrSpan};

/// A YAML syntax or structure error, with a 1-based position.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line} column {column}: {message}")]
pub struct YamlError {
    /// 1-based line of the error.
    pub line: usize,
    /// 1-based column of the error, in characters.
    pub column: usize,
    /// Byte offset of the error in the source.
    pub offset: usize,
    /// What went wrong, e.g. "did not find expected key".
    pub message: String,
}

/// Resource limits for [`parse_with`]. The defaults are generous for real infrastructure code
/// and small enough that hostile input fails fast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of sequences and mappings. Deeper input is an error.
    pub max_depth: usize,
    /// Maximum number of nodes that alias expansion may create in one document
    /// (billion-laughs protection).
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 256,
            max_alias_nodes: 100_000,
        }
    }
}

/// One YAML document of a stream (`---` separates documents).
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The document's root node.
    pub root: Node,
}

/// How a scalar was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarStyle {
    /// `foo`
    Plain,
    /// `'foo'`
    SingleQuoted,
    /// `"foo"`
    DoubleQuoted,
    /// `|` block
    Literal,
    /// `>` block
    Folded,
}

impl ScalarStyle {
    fn from_saphyr(style: SaphyrStyle) -> Self {
        match style {
            SaphyrStyle::Plain => ScalarStyle::Plain,
            SaphyrStyle::SingleQuoted => ScalarStyle::SingleQuoted,
            SaphyrStyle::DoubleQuoted => ScalarStyle::DoubleQuoted,
            SaphyrStyle::Literal => ScalarStyle::Literal,
            SaphyrStyle::Folded => ScalarStyle::Folded,
        }
    }

    /// Whether the scalar was quoted (single or double).
    pub fn is_quoted(self) -> bool {
        matches!(self, ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted)
    }
}

/// A scalar value: its text after YAML unescaping/folding, how it was written, and where its
/// content sits in the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scalar {
    /// The value as the YAML loader sees it (escapes processed, lines folded).
    pub value: String,
    /// How the scalar was written.
    pub style: ScalarStyle,
    /// Byte range of the scalar's content in the source, without quotes, tag, anchor or block
    /// header. When the scalar has no escapes and no line folding,
    /// `&src[value_span] == value`; check that before editing the source in place.
    pub value_span: Range<usize>,
}

impl Scalar {
    /// The source byte offset of byte `value_offset` of [`Scalar::value`], so a finding inside
    /// a value (a package in a `shell: |` block, a word of a free-form argument) points at the
    /// right line and column. Exact for verbatim scalars (`src[value_span] == value`); for
    /// block scalars, quoted scalars with escapes and folded lines it follows the source
    /// character by character (indentation, line folding and escape characters are skipped).
    /// `src` must be the text the scalar was parsed from; offsets past the value map to the end
    /// of the value span, offsets inside a character to that character.
    pub fn source_offset(&self, src: &str, value_offset: usize) -> usize {
        let span = self.value_span.clone();
        let Some(raw) = src.get(span.clone()) else {
            return span.start;
        };
        let mut value_offset = value_offset.min(self.value.len());
        while !self.value.is_char_boundary(value_offset) {
            value_offset -= 1;
        }
        if raw == self.value {
            return span.start + value_offset;
        }
        let raw_b = raw.as_bytes();
        let mut si = 0;
        for (vi, c) in self.value.char_indices() {
            if vi >= value_offset {
                break;
            }
            // Find `c` in the source, skipping indentation, line breaks and escape characters.
            loop {
                let Some(sc) = raw[si..].chars().next() else {
                    return span.end;
                };
                if sc == c {
                    si += sc.len_utf8();
                    break;
                }
                let skippable = sc.is_whitespace()
                    || sc == '\\'
                    || (sc == '\'' && self.style == ScalarStyle::SingleQuoted);
                if skippable && !(c.is_whitespace() && sc == ' ') {
                    si += sc.len_utf8();
                    continue;
                }
                // An escape produced `c` (`\x41`, `\t`): consume one source character.
                si += sc.len_utf8();
                break;
            }
        }
        // Land on the next content character (skip indentation after a line break).
        while si < raw_b.len() && value_offset < self.value.len() {
            let next_value = self.value[value_offset..].chars().next();
            let sc = raw[si..].chars().next();
            match (next_value, sc) {
                (Some(v), Some(s)) if v != s && s.is_whitespace() && !v.is_whitespace() => {
                    si += s.len_utf8();
                }
                _ => break,
            }
        }
        span.start + si
    }

    /// [`Scalar::source_offset`] for both ends of a range of the value.
    pub fn source_range(&self, src: &str, range: Range<usize>) -> Range<usize> {
        let start = self.source_offset(src, range.start);
        let mut end_v = range.end.min(self.value.len());
        while !self.value.is_char_boundary(end_v) {
            end_v -= 1;
        }
        let end = if end_v > range.start {
            // The end of the last character, not the start of whatever follows it.
            let last = self.value[..end_v]
                .chars()
                .next_back()
                .map_or(0, char::len_utf8);
            let mut end = (self.source_offset(src, end_v - last) + last)
                .min(self.value_span.end.max(start))
                .min(src.len());
            while !src.is_char_boundary(end) {
                end += 1;
            }
            end
        } else {
            start
        };
        start..end.max(start)
    }
}

/// What a node holds.
#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A plain empty value, `~`, `null`, `Null` or `NULL` (not quoted, not tagged `!!str`).
    Null,
    /// Any other scalar. Numbers and booleans are scalars too; see [`Node::as_bool`].
    Scalar(Scalar),
    /// A sequence.
    Seq(Vec<Node>),
    /// A mapping, in source order, keys unique (last duplicate wins), merge keys applied.
    Map(Vec<(Node, Node)>),
}

/// A YAML node with its byte range in the source.
///
/// For a node reached through an alias, the span is the span of the anchored node (where the
/// value was written), which is what a diagnostic wants to point at.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Byte range of the node in the source, including its tag and anchor if any, and quotes
    /// or block header for scalars. For an empty value it is an empty range where the value
    /// would be.
    pub span: Range<usize>,
    /// The node's content.
    pub kind: NodeKind,
    /// The node's tag as written, resolved to a full form: `!!str` is
    /// `tag:yaml.org,2002:str`; local tags keep their `!` (`!vault`, `!unsafe`).
    pub tag: Option<String>,
}

impl Node {
    /// The value for `key` in a mapping (scalar keys compared by value). `None` for
    /// non-mappings and missing keys.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// The key node and the value for `key` in a mapping, so a diagnostic can point at either.
    pub fn get_entry(&self, key: &str) -> Option<(&Node, &Node)> {
        match &self.kind {
            NodeKind::Map(entries) => entries
                .iter()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(k, v)| (k, v)),
            _ => None,
        }
    }

    /// Whether the node is a mapping that has `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get_entry(key).is_some()
    }

    /// The text of a scalar (`None` for null, sequences and mappings).
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(&s.value),
            _ => None,
        }
    }

    /// The scalar, with its style and value span.
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.kind {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// Truthiness as Ansible reads a module's boolean argument (`convert_bool`): `yes`, `on`,
    /// `true`, `y`, `t`, `1` are true and `no`, `off`, `false`, `n`, `f`, `0` are false, in any
    /// case, quoted or not (YAML 1.1 booleans are a subset). Anything else is `None`, including
    /// templates such as `"{{ flag }}"`.
    pub fn as_bool(&self) -> Option<bool> {
        self.as_str().and_then(parse_bool)
    }

    /// The scalar as an integer (decimal, with an optional sign; `0x`/`0o` prefixes accepted).
    pub fn as_i64(&self) -> Option<i64> {
        let s = self.as_str()?.trim();
        let (neg, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(s)),
        };
        let digits = digits.replace('_', "");
        let value = if let Some(hex) = digits.strip_prefix("0x") {
            i64::from_str_radix(hex, 16).ok()?
        } else if let Some(oct) = digits.strip_prefix("0o") {
            i64::from_str_radix(oct, 8).ok()?
        } else {
            digits.parse::<i64>().ok()?
        };
        Some(if neg { -value } else { value })
    }

    /// The items of a sequence.
    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.kind {
            NodeKind::Seq(items) => Some(items),
            _ => None,
        }
    }

    /// The entries of a mapping.
    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.kind {
            NodeKind::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The entries of a mapping whose keys are scalars, as `(key text, key node, value)`;
    /// empty for anything else. Entries with non-scalar keys are skipped.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Node, &Node)> {
        self.as_map()
            .unwrap_or(&[])
            .iter()
            .filter_map(|(k, v)| k.as_str().map(|s| (s, k, v)))
    }

    /// Whether the node is null (see [`NodeKind::Null`]).
    pub fn is_null(&self) -> bool {
        matches!(self.kind, NodeKind::Null)
    }

    /// Whether the node is a mapping.
    pub fn is_map(&self) -> bool {
        matches!(self.kind, NodeKind::Map(_))
    }

    /// Whether the node is a sequence.
    pub fn is_seq(&self) -> bool {
        matches!(self.kind, NodeKind::Seq(_))
    }

    /// Byte range of a scalar's content without quotes (see [`Scalar::value_span`]); for other
    /// nodes, the node's span.
    pub fn value_span(&self) -> Range<usize> {
        match &self.kind {
            NodeKind::Scalar(s) => s.value_span.clone(),
            _ => self.span.clone(),
        }
    }

    /// The node's source text.
    pub fn source<'a>(&self, src: &'a str) -> &'a str {
        src.get(self.span.clone()).unwrap_or("")
    }

    /// A short description of the node's kind for messages: "null", "a string", "a sequence",
    /// "a mapping".
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            NodeKind::Null => "null",
            NodeKind::Scalar(_) => "a string",
            NodeKind::Seq(_) => "a sequence",
            NodeKind::Map(_) => "a mapping",
        }
    }

    /// Number of nodes in this subtree (this node included).
    pub fn node_count(&self) -> usize {
        let mut count = 0;
        let mut stack = vec![self];
        while let Some(node) = stack.pop() {
            count += 1;
            match &node.kind {
                NodeKind::Seq(items) => stack.extend(items.iter()),
                NodeKind::Map(entries) => {
                    for (k, v) in entries {
                        stack.push(k);
                        stack.push(v);
                    }
                }
                _ => {}
            }
        }
        count
    }
}

/// Ansible's `convert_bool` on a string: see [`Node::as_bool`].
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "yes" | "on" | "true" | "y" | "t" | "1" => Some(true),
        "no" | "off" | "false" | "n" | "f" | "0" => Some(false),
        _ => None,
    }
}

/// 1-based line and 1-based column (in characters) of a byte offset in `src`. Offsets past
/// the end map to the end; offsets inside a character map to that character.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = src[line_start..offset].chars().count() + 1;
    (line, column)
}

/// Parse a YAML stream with the default [`Limits`].
///
/// An empty stream (or one holding only comments) gives no documents.
///
/// # Errors
/// A [`YamlError`] for invalid YAML, an unknown alias, an invalid merge key, nesting deeper
/// than the limit or alias expansion over the budget.
pub fn parse(text: &str) -> Result<Vec<Document>, YamlError> {
    parse_with(text, Limits::default())
}

/// Parse a YAML stream with explicit limits. See [`parse`].
///
/// # Errors
/// As [`parse`].
pub fn parse_with(text: &str, limits: Limits) -> Result<Vec<Document>, YamlError> {
    let first = match Builder::new(text, limits).run() {
        Ok(docs) => return Ok(docs),
        Err(e) => e,
    };
    if !(first.message.contains("invalid indentation") || is_tab_in_quoted(text, &first)) {
        return Err(first);
    }
    // PyYAML (and so Ansible) accepts continuation lines of quoted scalars and the closing
    // bracket of flow collections at the indentation of their key; saphyr follows YAML 1.2
    // strictly and rejects them. Such files run fine under Ansible, so indent the offending
    // lines (which changes no value: leading blanks of continuation lines are folded away)
    // and parse again, mapping spans back to the original text.
    let mut patched = text.to_string();
    let mut insertions: Vec<(usize, usize)> = Vec::new(); // (offset in patched, spaces)
    let mut err = first.clone();
    for _ in 0..MAX_INDENT_REPAIRS {
        let at = if err.message.contains("invalid indentation") {
            err.offset
        } else if let Some(open) = quoted_scalar_around(&patched, err.offset) {
            // A tab at the start of a continuation line of a quoted scalar: indent the
            // scalar's continuation lines with spaces before their tabs (a continuation line's
            // leading blanks are folded away, so no value changes).
            open
        } else {
            break;
        };
        let Some(new_insertions) = indent_repairs(&patched, at) else {
            break;
        };
        for &(at, n) in new_insertions.iter().rev() {
            patched.insert_str(at, &" ".repeat(n));
        }
        // Earlier insertions at or after a new one move right.
        for &(at, n) in &new_insertions {
            for ins in &mut insertions {
                if ins.0 >= at {
                    ins.0 += n;
                }
            }
        }
        let mut shift = 0;
        for &(at, n) in &new_insertions {
            insertions.push((at + shift, n));
            shift += n;
        }
        insertions.sort_unstable();
        match Builder::new(&patched, limits).run() {
            Ok(mut docs) => {
                let map = |p: usize| {
                    let before: usize = insertions
                        .iter()
                        .take_while(|(at, _)| *at < p)
                        .map(|(at, n)| (*n).min(p - at))
                        .sum();
                    (p - before).min(text.len())
                };
                for doc in &mut docs {
                    remap_spans(&mut doc.root, &map);
                }
                return Ok(docs);
            }
            Err(e) => err = e,
        }
    }
    Err(first)
}

/// Whether `err` is saphyr's "tab ... indentation" error on a continuation line of a quoted
/// scalar, which PyYAML accepts.
fn is_tab_in_quoted(text: &str, err: &YamlError) -> bool {
    err.message.contains("tab") && quoted_scalar_around(text, err.offset).is_some()
}

/// The opening quote of the quoted scalar that spans the line holding `offset` (and starts on
/// an earlier line), if any: the nearest quote before that line that opens a scalar (after
/// `: `, `- `, `[`, `{`, `,` or at the start of a line) and closes after `offset`.
fn quoted_scalar_around(text: &str, offset: usize) -> Option<usize> {
    let at = offset.min(text.len());
    let line_start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    let bytes = text.as_bytes();
    // Bounded: a quoted scalar longer than this is not repaired.
    let floor = line_start.saturating_sub(64 * 1024);
    let mut p = line_start;
    while p > floor {
        p -= 1;
        let q = bytes[p];
        if q != b'"' && q != b'\'' {
            continue;
        }
        let before = text[..p].trim_end_matches([' ', '\t']);
        let opens = before.is_empty()
            || before.ends_with(['\n', ':', '-', '[', '{', ','])
            || before.ends_with("? ");
        // A quoted string that closes before the line (`"ruby-dev"` inside a single-quoted
        // Jinja list) is not the scalar around it: keep looking further back.
        if opens
            && let Some(close) = closing_quote(text, p, q == b'"')
            && close >= at
        {
            return Some(p);
        }
    }
    None
}

/// How many times [`parse_with`] re-indents lines for PyYAML compatibility before giving up.
const MAX_INDENT_REPAIRS: usize = 32;

/// Lines to indent for an "invalid indentation" error at `offset`: for a quoted scalar (the
/// error points at its opening quote), every continuation line not indented more than the
/// line the scalar starts on; otherwise the error's own line, by one space. Returns
/// `(offset of the line start, spaces)` in increasing order, or `None` when nothing helps.
fn indent_repairs(text: &str, offset: usize) -> Option<Vec<(usize, usize)>> {
    let line_start = |p: usize| text[..p].rfind('\n').map_or(0, |i| i + 1);
    let indent_at = |start: usize| text[start..].bytes().take_while(|&b| b == b' ').count();
    let bytes = text.as_bytes();
    let at = offset.min(text.len());
    if let Some(&q) = bytes.get(at)
        && (q == b'"' || q == b'\'')
    {
        let close = closing_quote(text, at, q == b'"')?;
        // The indentation of the mapping the scalar is in: `- ` entries count (`- name: "a`
        // opens a mapping at column 2).
        let start = line_start(at);
        let line = &bytes[start..at];
        let mut base = 0;
        loop {
            while line.get(base) == Some(&b' ') {
                base += 1;
            }
            if line.get(base) == Some(&b'-') && line.get(base + 1) == Some(&b' ') {
                base += 2;
                continue;
            }
            break;
        }
        let mut out = Vec::new();
        let mut p = at;
        while let Some(nl) = text[p..close].find('\n') {
            let start = p + nl + 1;
            let indent = indent_at(start);
            if indent <= base {
                out.push((start, base + 1 - indent));
            }
            p = start;
        }
        return (!out.is_empty()).then_some(out);
    }
    let start = line_start(at);
    Some(vec![(start, 1)])
}

/// Apply `map` to every span of a tree (iteratively).
fn remap_spans(root: &mut Node, map: &impl Fn(usize) -> usize) {
    let mut stack = vec![root];
    while let Some(node) = stack.pop() {
        node.span = map(node.span.start)..map(node.span.end);
        match &mut node.kind {
            NodeKind::Scalar(s) => {
                s.value_span = map(s.value_span.start)..map(s.value_span.end);
            }
            NodeKind::Seq(items) => stack.extend(items.iter_mut()),
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    stack.push(k);
                    stack.push(v);
                }
            }
            NodeKind::Null => {}
        }
    }
}

/// Maps saphyr's character indices to byte offsets.
enum Offsets {
    Ascii(usize),
    Table(Vec<usize>),
}

impl Offsets {
    fn new(text: &str) -> Self {
        if text.is_ascii() {
            Offsets::Ascii(text.len())
        } else {
            let mut table: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
            table.push(text.len());
            Offsets::Table(table)
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        match self {
            Offsets::Ascii(len) => char_index.min(*len),
            Offsets::Table(table) => table
                .get(char_index)
                .copied()
                .unwrap_or_else(|| table.last().copied().unwrap_or(0)),
        }
    }
}

enum Frame {
    Seq {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        items: Vec<Node>,
    },
    Map {
        start: usize,
        anchor: usize,
        tag: Option<String>,
        entries: Vec<(Node, Node)>,
        key: Option<Node>,
    },
}

struct Builder<'a> {
    text: &'a str,
    offsets: Offsets,
    limits: Limits,
    stack: Vec<Frame>,
    /// Anchored nodes with their node count and height (for the alias limits).
    anchors: HashMap<usize, (Node, usize, usize)>,
    alias_nodes: usize,
    docs: Vec<Document>,
    /// Byte end of the previous event, to find block scalar headers.
    last_end: usize,
}

fn tag_string(tag: &saphyr_parser::Tag) -> String {
    if tag.handle == "!" {
        format!("!{}", tag.suffix)
    } else {
        format!("{}{}", tag.handle, tag.suffix)
    }
}

/// The full form of the `!!str` tag.
pub const TAG_STR: &str = "tag:yaml.org,2002:str";
/// The full form of the `!!null` tag.
pub const TAG_NULL: &str = "tag:yaml.org,2002:null";

impl<'a> Builder<'a> {
    fn new(text: &'a str, limits: Limits) -> Self {
        Builder {
            text,
            offsets: Offsets::new(text),
            limits,
            stack: Vec::new(),
            anchors: HashMap::new(),
            alias_nodes: 0,
            docs: Vec::new(),
            last_end: 0,
        }
    }

    fn error_at(&self, offset: usize, message: impl Into<String>) -> YamlError {
        let (line, column) = line_col(self.text, offset);
        YamlError {
            line,
            column,
            offset,
            message: message.into(),
        }
    }

    fn scan_error(&self, err: &ScanError) -> YamlError {
        let offset = self.offsets.byte(err.marker().index());
        self.error_at(offset, err.info().to_string())
    }

    fn range(&self, span: &SaphyrSpan) -> Range<usize> {
        let start = self.offsets.byte(span.start.index());
        let end = self.offsets.byte(span.end.index()).max(start);
        start..end
    }

    fn run(mut self) -> Result<Vec<Document>, YamlError> {
        let mut parser = Parser::new_from_str(self.text);
        while let Some(next) = parser.next_event() {
            let (event, span) = next.map_err(|e| self.scan_error(&e))?;
            let range = self.range(&span);
            // An implicit document start points at the first token, which may be a block
            // scalar's content: it must not hide the `|`/`>` header before it.
            let moves_end = !matches!(event, Event::DocumentStart(false) | Event::StreamStart);
            self.event(event, range.clone())?;
            if moves_end {
                self.last_end = self.last_end.max(range.end);
            }
        }
        Ok(self.docs)
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) -> Result<(), YamlError> {
        match event {
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
            Event::DocumentStart(_) => {
                self.anchors.clear();
                self.alias_nodes = 0;
            }
            Event::Alias(id) => {
                let Some((node, size, height)) = self.anchors.get(&id) else {
                    return Err(self.error_at(range.start, "unknown anchor"));
                };
                // An alias nests its node where it is used: keep the total depth bounded.
                if self.stack.len() + height > self.limits.max_depth {
                    return Err(self.error_at(
                        range.start,
                        format!("nesting deeper than {} levels", self.limits.max_depth),
                    ));
                }
                self.alias_nodes = self.alias_nodes.saturating_add(*size);
                if self.alias_nodes > self.limits.max_alias_nodes {
                    return Err(self.error_at(
                        range.start,
                        format!(
                            "alias expansion exceeds {} nodes (recursive aliases?)",
                            self.limits.max_alias_nodes
                        ),
                    ));
                }
                let node = node.clone();
                self.complete(node, 0)?;
            }
            Event::Scalar(value, style, anchor, tag) => {
                let tag = tag.map(|t| tag_string(&t));
                let node = self.scalar(value.into_owned(), style, tag, range);
                self.complete(node, anchor)?;
            }
            Event::SequenceStart(anchor, tag) => {
                self.push_frame(
                    Frame::Seq {
                        start: range.start,
                        anchor,
                        tag: tag.map(|t| tag_string(&t)),
                        items: Vec::new(),
                    },
                    range.start,
                )?;
            }
            Event::MappingStart(anchor, tag) => {
                self.push_frame(
                    Frame::Map {
                        start: range.start,
                        anchor,
                        tag: tag.map(|t| tag_string(&t)),
                        entries: Vec::new(),
                        key: None,
                    },
                    range.start,
                )?;
            }
            Event::SequenceEnd => {
                let Some(Frame::Seq {
                    start,
                    anchor,
                    tag,
                    items,
                }) = self.stack.pop()
                else {
                    return Err(self.error_at(range.start, "unbalanced sequence end"));
                };
                let end = if range.is_empty() {
                    items.last().map_or(start, |n| n.span.end)
                } else {
                    range.end
                };
                let node = Node {
                    span: start..end.max(start),
                    kind: NodeKind::Seq(items),
                    tag,
                };
                self.complete(node, anchor)?;
            }
            Event::MappingEnd => {
                let Some(Frame::Map {
                    start,
                    anchor,
                    tag,
                    entries,
                    key,
                }) = self.stack.pop()
                else {
                    return Err(self.error_at(range.start, "unbalanced mapping end"));
                };
                let mut entries = entries;
                if let Some(key) = key {
                    // A key without a value (should not happen with a valid event stream).
                    let at = key.span.end;
                    entries.push((
                        key,
                        Node {
                            span: at..at,
                            kind: NodeKind::Null,
                            tag: None,
                        },
                    ));
                }
                let end = if range.is_empty() {
                    entries
                        .last()
                        .map_or(start, |(k, v)| v.span.end.max(k.span.end))
                } else {
                    range.end
                };
                let entries = self.merge_and_dedupe(entries)?;
                let node = Node {
                    span: start..end.max(start),
                    kind: NodeKind::Map(entries),
                    tag,
                };
                self.complete(node, anchor)?;
            }
        }
        Ok(())
    }

    fn push_frame(&mut self, frame: Frame, at: usize) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.error_at(
                at,
                format!("nesting deeper than {} levels", self.limits.max_depth),
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn scalar(
        &self,
        value: String,
        style: SaphyrStyle,
        tag: Option<String>,
        range: Range<usize>,
    ) -> Node {
        let style = ScalarStyle::from_saphyr(style);
        let text = self.text;
        let (span, value_span) = match style {
            ScalarStyle::Literal | ScalarStyle::Folded => {
                // saphyr's span starts at the content; include the `|`/`>` header in the span.
                // Trailing blank lines belong to the value only with "keep" chomping (`|+`).
                let trim_content = |keep: bool| {
                    let content = &text[range.clone()];
                    let trimmed = if keep {
                        content.trim_end_matches([' ', '\t'])
                    } else {
                        content.trim_end_matches([' ', '\t', '\r', '\n'])
                    };
                    range.start + trimmed.len()
                };
                match find_block_header(text, self.last_end.min(range.start), range.start) {
                    Some((header_start, header_end)) => {
                        let keep = text[header_start..header_end].contains('+');
                        let content_end = trim_content(keep);
                        if content_end > range.start {
                            (header_start..content_end, range.start..content_end)
                        } else {
                            (header_start..header_end, header_end..header_end)
                        }
                    }
                    None => {
                        let content_end = trim_content(false);
                        (range.start..content_end, range.start..content_end)
                    }
                }
            }
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => {
                // saphyr's span of a quoted scalar can run past the closing quote (over
                // trailing blanks and a comment): find the closing quote ourselves.
                let body = skip_properties(text, range.clone());
                match closing_quote(text, body.start, style == ScalarStyle::DoubleQuoted) {
                    Some(close) => (range.start..close + 1, body.start + 1..close),
                    None if body.end - body.start >= 2 => {
                        (range.clone(), body.start + 1..body.end - 1)
                    }
                    None => (range.clone(), body),
                }
            }
            ScalarStyle::Plain => (range.clone(), skip_properties(text, range.clone())),
        };
        let is_null = style == ScalarStyle::Plain
            && tag.as_deref().is_none_or(|t| t == TAG_NULL)
            && matches!(value.as_str(), "" | "~" | "null" | "Null" | "NULL");
        let kind = if is_null {
            NodeKind::Null
        } else {
            NodeKind::Scalar(Scalar {
                value,
                style,
                value_span,
            })
        };
        Node { span, kind, tag }
    }

    fn complete(&mut self, node: Node, anchor: usize) -> Result<(), YamlError> {
        if anchor != 0 {
            let size = node.node_count();
            let height = node_height(&node);
            self.anchors.insert(anchor, (node.clone(), size, height));
        }
        match self.stack.last_mut() {
            None => self.docs.push(Document { root: node }),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => *key = Some(node),
                Some(k) => entries.push((k, node)),
            },
        }
        Ok(())
    }

    /// Apply `<<` merge keys (PyYAML semantics) and drop duplicate keys (last wins, first
    /// position kept).
    fn merge_and_dedupe(&self, entries: Vec<(Node, Node)>) -> Result<Vec<(Node, Node)>, YamlError> {
        let is_merge_key = |k: &Node| matches!(&k.kind, NodeKind::Scalar(s) if s.value == "<<" && s.style == ScalarStyle::Plain && k.tag.is_none());
        let has_merge = entries.iter().any(|(k, _)| is_merge_key(k));
        let mut all = Vec::with_capacity(entries.len());
        if has_merge {
            // The merged entries come first, in order, the first occurrence of a key winning
            // (YAML merge spec; PyYAML 6); the mapping's own keys then override them.
            let mut merged: Vec<(Node, Node)> = Vec::new();
            let mut own = Vec::with_capacity(entries.len());
            let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
            let mut add = |merged: &mut Vec<(Node, Node)>, m: Vec<(Node, Node)>| {
                for (k, v) in m {
                    let fresh = match key_identity(&k) {
                        Some(id) => seen.insert(id.to_string()),
                        None => true,
                    };
                    if fresh {
                        merged.push((k, v));
                    }
                }
            };
            for (k, v) in entries {
                if !is_merge_key(&k) {
                    own.push((k, v));
                    continue;
                }
                match v.kind {
                    NodeKind::Map(m) => add(&mut merged, m),
                    NodeKind::Seq(items) => {
                        for item in items {
                            match item.kind {
                                NodeKind::Map(m) => add(&mut merged, m),
                                _ => {
                                    return Err(self.error_at(
                                        item.span.start,
                                        "expected a mapping for merging",
                                    ));
                                }
                            }
                        }
                    }
                    _ => {
                        return Err(self.error_at(
                            v.span.start,
                            "expected a mapping or list of mappings for merging",
                        ));
                    }
                }
            }
            all.extend(merged);
            all.extend(own);
        } else {
            all = entries;
        }
        Ok(dedupe(all))
    }
}

/// Levels of collections in a subtree (0 for a scalar), computed without recursion.
fn node_height(node: &Node) -> usize {
    let mut max = 0;
    let mut stack = vec![(node, 0usize)];
    while let Some((n, depth)) = stack.pop() {
        match &n.kind {
            NodeKind::Seq(items) => {
                max = max.max(depth + 1);
                stack.extend(items.iter().map(|i| (i, depth + 1)));
            }
            NodeKind::Map(entries) => {
                max = max.max(depth + 1);
                for (k, v) in entries {
                    stack.push((k, depth + 1));
                    stack.push((v, depth + 1));
                }
            }
            _ => {}
        }
    }
    max
}

/// Identity of a mapping key for duplicate detection; `None` for keys never deduplicated.
fn key_identity(key: &Node) -> Option<&str> {
    match &key.kind {
        NodeKind::Scalar(s) => Some(&s.value),
        NodeKind::Null => Some("\0null"),
        _ => None,
    }
}

fn dedupe(entries: Vec<(Node, Node)>) -> Vec<(Node, Node)> {
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(entries.len());
    let mut target: Vec<Option<usize>> = Vec::with_capacity(entries.len());
    let mut dup = false;
    for (i, (k, _)) in entries.iter().enumerate() {
        match key_identity(k) {
            Some(id) => match seen.get(id) {
                Some(&first) => {
                    target.push(Some(first));
                    dup = true;
                }
                None => {
                    seen.insert(id, i);
                    target.push(None);
                }
            },
            None => target.push(None),
        }
    }
    if !dup {
        return entries;
    }
    let mut out: Vec<Option<(Node, Node)>> = Vec::with_capacity(entries.len());
    let mut slot_of: Vec<usize> = Vec::with_capacity(entries.len());
    for (entry, t) in entries.into_iter().zip(target) {
        match t {
            None => {
                slot_of.push(out.len());
                out.push(Some(entry));
            }
            Some(first) => {
                let slot = slot_of[first];
                slot_of.push(slot);
                // Keep the first key's position and the latest value (and its key node, so
                // spans point at the winning entry).
                out[slot] = Some(entry);
            }
        }
    }
    out.into_iter().flatten().collect()
}

/// The byte offset of the quote closing a quoted scalar whose opening quote is at `open`:
/// in double quotes a backslash escapes the next character; in single quotes `''` is a quote.
fn closing_quote(text: &str, open: usize, double: bool) -> Option<usize> {
    let bytes = text.as_bytes();
    let quote = if double { b'"' } else { b'\'' };
    if bytes.get(open) != Some(&quote) {
        return None;
    }
    let mut i = open + 1;
    while i < bytes.len() {
        let b = bytes[i];
        if double && b == b'\\' {
            i += 2;
            continue;
        }
        if b == quote {
            if !double && bytes.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Skip a node's properties (`&anchor`, `!tag`, `!<verbatim>`) at the start of a range.
fn skip_properties(text: &str, range: Range<usize>) -> Range<usize> {
    let Some(slice) = text.get(range.clone()) else {
        return range;
    };
    let bytes = slice.as_bytes();
    let mut i = 0;
    while let Some(b'&' | b'!') = bytes.get(i) {
        while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t' | b'\n' | b'\r') {
            i += 1;
        }
    }
    range.start + i..range.end
}

/// Find a block scalar header (`|`, `>-`, `|2+`, ...) in `text[from..to]`: the first indicator
/// followed by chomping/indentation digits and then whitespace, a comment or the end.
fn find_block_header(text: &str, from: usize, to: usize) -> Option<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < to.min(bytes.len()) {
        if matches!(bytes[i], b'|' | b'>') {
            let mut j = i + 1;
            while j < bytes.len() && matches!(bytes[j], b'-' | b'+' | b'0'..=b'9') {
                j += 1;
            }
            if j >= bytes.len() || matches!(bytes[j], b' ' | b'\t' | b'\r' | b'\n' | b'#') {
                return Some((i, j));
            }
        }
        i += 1;
    }
    None
}

#[cfg(test)]
mod tests;
