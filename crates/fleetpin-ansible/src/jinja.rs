//! The small part of Jinja2 that decides whether a value is pinned: variables, attribute and
//! item access, `default`/`d`, string filters that do not change pin-ness, concatenation and
//! literals. Anything else (`{% if %}`, tests, arithmetic, unknown filters, lookups) is
//! *unsupported*, and the caller must treat the value as unresolved — never as pinned.

use std::fmt;
use std::sync::Arc;

/// A value a template can produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// A string (numbers and booleans from YAML are strings too).
    Str(String),
    /// A list.
    List(Vec<Value>),
    /// A mapping, in source order.
    Map(Vec<(String, Value)>),
    /// YAML null / Jinja `none`.
    Null,
    /// Ansible's `omit`: the argument is left out, so the module default applies.
    Omit,
}

impl Value {
    /// The string, for [`Value::Str`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items, for [`Value::List`].
    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The value for `key`, for [`Value::Map`].
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(entries) => entries.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// Build a value from a YAML node (scalars become strings).
    pub fn from_node(node: &fleetpin_yaml::Node) -> Value {
        use fleetpin_yaml::NodeKind;
        match &node.kind {
            NodeKind::Null => Value::Null,
            NodeKind::Scalar(s) => Value::Str(s.value.clone()),
            NodeKind::Seq(items) => Value::List(items.iter().map(Value::from_node).collect()),
            NodeKind::Map(entries) => Value::Map(
                entries
                    .iter()
                    .filter_map(|(k, v)| {
                        let key = match &k.kind {
                            NodeKind::Scalar(s) => s.value.clone(),
                            NodeKind::Null => "None".to_string(),
                            _ => return None,
                        };
                        Some((key, Value::from_node(v)))
                    })
                    .collect(),
            ),
        }
    }

    /// Whether the value (or any string inside it) contains a template.
    pub fn has_template(&self) -> bool {
        match self {
            Value::Str(s) => has_template(s),
            Value::List(items) => items.iter().any(Value::has_template),
            Value::Map(entries) => entries.iter().any(|(_, v)| v.has_template()),
            Value::Null | Value::Omit => false,
        }
    }
}

impl fmt::Display for Value {
    /// Python's `str()` of the value, as Jinja renders it inside a string.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Str(s) => f.write_str(s),
            Value::Null => f.write_str("None"),
            Value::Omit => f.write_str("__omit_place_holder__"),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match item {
                        Value::Str(s) => write!(f, "'{s}'")?,
                        other => write!(f, "{other}")?,
                    }
                }
                f.write_str("]")
            }
            Value::Map(entries) => {
                f.write_str("{")?;
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    match v {
                        Value::Str(s) => write!(f, "'{k}': '{s}'")?,
                        other => write!(f, "'{k}': {other}")?,
                    }
                }
                f.write_str("}")
            }
        }
    }
}

/// Whether a string contains Jinja (`{{`, `{%` or `{#`).
pub fn has_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}

/// Whether a whole file's text is a template source rather than the YAML it renders to:
/// Jinja statements (`{% if %}`), whitespace control (`{{-`, `-}}`), or Go-template actions
/// (`{{ .Values.x }}`, as in Helm charts). Plain `{{ var }}` values are ordinary Ansible YAML.
pub fn is_template_source(text: &str) -> bool {
    text.contains("{%")
        || text.contains("{{-")
        || text.contains("-}}")
        || text.contains("{{ .")
        || text.contains("{{.")
}

/// A piece of a template string.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Literal text.
    Text(String),
    /// `{{ expr }}`: the parsed expression and its source text.
    Expr(Expr, String),
    /// `{% ... %}` or an expression this module cannot parse: the source text.
    Unsupported(String),
}

/// A parsed Jinja expression (the supported subset).
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A string or number literal.
    Literal(Value),
    /// A list literal.
    List(Vec<Expr>),
    /// A variable.
    Var(String),
    /// `x.name` or `x['name']`.
    Attr(Box<Expr>, String),
    /// `x[0]`.
    Index(Box<Expr>, i64),
    /// `x | filter(args)`.
    Filter(Box<Expr>, String, Vec<Expr>),
    /// `a ~ b`: string concatenation.
    Concat(Vec<Expr>),
    /// `a + b`: list concatenation for lists (`base_packages + extra_packages`), string
    /// concatenation for strings.
    Add(Vec<Expr>),
    /// `q('flattened', a, b)`, `query(...)` or `lookup('flattened', ...)`: the lookups fleetpin
    /// evaluates (the plugin name, then its arguments).
    Lookup(String, Vec<Expr>),
    /// `a if cond else b`. Without `else` the value is undefined when the condition is false,
    /// which Ansible (2.19) refuses to render: an evaluation failure here.
    IfElse(Box<Expr>, Box<Expr>, Option<Box<Expr>>),
    /// `not x`.
    Not(Box<Expr>),
    /// `a and b and ...` (`true`) or `a or b or ...` (`false`).
    Logic(bool, Vec<Expr>),
    /// A comparison: `==`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not in`.
    Compare(Box<Expr>, CompareOp, Box<Expr>),
    /// `x is [not] TEST`: the tests fleetpin evaluates (`defined`, `undefined`, `none`);
    /// others fail as unsupported. The flag is `true` for `is not`.
    Test(Box<Expr>, String, bool),
}

/// A comparison operator of [`Expr::Compare`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `in`
    In,
    /// `not in`
    NotIn,
}

impl Expr {
    /// Every variable the expression reads (the root names, not attributes).
    pub fn variables(&self, out: &mut Vec<String>) {
        match self {
            Expr::Literal(_) => {}
            Expr::List(items) | Expr::Concat(items) | Expr::Add(items) | Expr::Lookup(_, items) => {
                items.iter().for_each(|e| e.variables(out));
            }
            Expr::Var(name) => {
                if !out.contains(name) {
                    out.push(name.clone());
                }
            }
            Expr::Attr(e, _) | Expr::Index(e, _) | Expr::Not(e) | Expr::Test(e, _, _) => {
                e.variables(out)
            }
            Expr::IfElse(a, c, b) => {
                a.variables(out);
                c.variables(out);
                if let Some(b) = b {
                    b.variables(out);
                }
            }
            Expr::Logic(_, items) => items.iter().for_each(|e| e.variables(out)),
            Expr::Compare(a, _, b) => {
                a.variables(out);
                b.variables(out);
            }
            Expr::Filter(e, _, args) => {
                e.variables(out);
                args.iter().for_each(|a| a.variables(out));
            }
        }
    }
}

/// Split a string into literal text and `{{ }}` expressions. Unterminated or unparsable
/// expressions and `{% %}` statements become [`Part::Unsupported`]; `{# #}` comments vanish.
pub fn parse_template(s: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    let mut rest = s;
    let mut text = String::new();
    while !rest.is_empty() {
        let Some(open) = find_open(rest) else {
            text.push_str(rest);
            break;
        };
        text.push_str(&rest[..open]);
        let kind = rest.as_bytes()[open + 1];
        let close_pat = match kind {
            b'{' => "}}",
            b'%' => "%}",
            _ => "#}",
        };
        let body_start = open + 2;
        let close = find_close(&rest[body_start..], close_pat);
        let Some(close) = close else {
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(Part::Unsupported(rest[open..].to_string()));
            return parts;
        };
        let body = &rest[body_start..body_start + close];
        let whole = &rest[open..body_start + close + 2];
        match kind {
            b'{' => {
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                let body = body
                    .trim_start_matches(['-', '+'])
                    .trim_end_matches(['-', '+']);
                match parse_expr(body) {
                    Some(expr) => parts.push(Part::Expr(expr, whole.to_string())),
                    None => parts.push(Part::Unsupported(whole.to_string())),
                }
            }
            b'%' => {
                if !text.is_empty() {
                    parts.push(Part::Text(std::mem::take(&mut text)));
                }
                parts.push(Part::Unsupported(whole.to_string()));
            }
            _ => {}
        }
        rest = &rest[body_start + close + 2..];
    }
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    parts
}

/// Byte offset of the first `{{` or `{%` in `s` (a Jinja expression or statement).
pub fn find_template_open(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(1)).find(|&i| b[i] == b'{' && matches!(b[i + 1], b'{' | b'%'))
}

/// The byte ranges of the `{{ ... }}` expressions of `s`, delimiters included, in order. The
/// closing `}}` is the first after the opening one (as a plain text scan finds it); an
/// unterminated expression ends the scan. The one place outside the parser where fleetpin
/// looks for `{{`: lint rules that rewrite or split templated text call this.
pub fn expression_ranges(s: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(open) = s[pos..].find("{{").map(|i| pos + i) {
        let Some(close) = s[open..].find("}}").map(|i| open + i + 2) else {
            break;
        };
        out.push(open..close);
        pos = close;
    }
    out
}

/// The expression inside `s` when `s` is exactly one `{{ ... }}` (surrounding blanks
/// allowed), trimmed: `{{ item }}` → `item`. `None` for text around or between expressions.
pub fn single_expression(s: &str) -> Option<&str> {
    let t = s.trim();
    match expression_ranges(t).as_slice() {
        [r] if r.start == 0 && r.end == t.len() => Some(t[2..t.len() - 2].trim()),
        _ => None,
    }
}

fn find_open(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len().saturating_sub(1)).find(|&i| b[i] == b'{' && matches!(b[i + 1], b'{' | b'%' | b'#'))
}

/// The closing delimiter, skipping string literals inside the block.
fn find_close(s: &str, pat: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut quote: Option<u8> = None;
    let mut i = 0;
    while i < b.len() {
        match quote {
            Some(q) => {
                if b[i] == b'\\' {
                    i += 1;
                } else if b[i] == q {
                    quote = None;
                }
            }
            None => {
                if b[i] == b'\'' || b[i] == b'"' {
                    quote = Some(b[i]);
                } else if b[i..].starts_with(pat.as_bytes()) {
                    return Some(i);
                }
            }
        }
        i += 1;
    }
    None
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Str(String),
    Num(String),
    Punct(char),
    /// A comparison operator (`==`, `!=`, `<`, `<=`, `>`, `>=`).
    Op(&'static str),
}

fn tokenize(s: &str) -> Option<Vec<Tok>> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c.is_alphabetic() || c == '_' {
            let st = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(Tok::Ident(chars[st..i].iter().collect()));
        } else if c.is_ascii_digit() {
            let st = i;
            while i < chars.len() && (chars[i].is_ascii_digit() || chars[i] == '.') {
                i += 1;
            }
            out.push(Tok::Num(chars[st..i].iter().collect()));
        } else if c == '\'' || c == '"' {
            let mut v = String::new();
            i += 1;
            loop {
                let ch = *chars.get(i)?;
                i += 1;
                if ch == c {
                    break;
                }
                if ch == '\\' {
                    let esc = *chars.get(i)?;
                    i += 1;
                    v.push(match esc {
                        'n' => '\n',
                        't' => '\t',
                        other => other,
                    });
                } else {
                    v.push(ch);
                }
            }
            out.push(Tok::Str(v));
        } else if let Some(op) = ["==", "!=", "<=", ">="]
            .into_iter()
            .find(|op| chars[i..].starts_with(&op.chars().collect::<Vec<_>>()))
        {
            out.push(Tok::Op(op));
            i += 2;
        } else if c == '<' || c == '>' {
            out.push(Tok::Op(if c == '<' { "<" } else { ">" }));
            i += 1;
        } else if "|()[],.~+=".contains(c) {
            out.push(Tok::Punct(c));
            i += 1;
        } else {
            // Operators we do not evaluate (`-`, `*`, `<`, `!`, ...).
            return None;
        }
    }
    Some(out)
}

struct ExprParser {
    toks: Vec<Tok>,
    pos: usize,
}

/// Parse the body of a `{{ }}` block. `None` when it uses anything outside the subset
/// (arithmetic other than `+`, function calls other than list lookups, tests other than
/// `defined`/`undefined`/`none`).
pub fn parse_expr(body: &str) -> Option<Expr> {
    let toks = tokenize(body)?;
    let mut p = ExprParser { toks, pos: 0 };
    let e = p.expr(0)?;
    (p.pos == p.toks.len()).then_some(e)
}

const MAX_EXPR_DEPTH: usize = 32;

/// Positional and keyword arguments of a call.
type CallArgs = (Vec<Expr>, Vec<(String, Expr)>);

impl ExprParser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(&Tok::Punct(c)) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn eat_word(&mut self, word: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(w)) if w == word) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// A whole expression: `a if cond else b`, the loosest construct.
    fn expr(&mut self, depth: usize) -> Option<Expr> {
        if depth > MAX_EXPR_DEPTH {
            return None;
        }
        let then = self.or(depth + 1)?;
        if !self.eat_word("if") {
            return Some(then);
        }
        let cond = self.or(depth + 1)?;
        let otherwise = if self.eat_word("else") {
            Some(Box::new(self.expr(depth + 1)?))
        } else {
            None
        };
        Some(Expr::IfElse(Box::new(then), Box::new(cond), otherwise))
    }

    fn or(&mut self, depth: usize) -> Option<Expr> {
        let mut items = vec![self.and(depth)?];
        while self.eat_word("or") {
            items.push(self.and(depth)?);
        }
        Some(if items.len() == 1 {
            items.pop()?
        } else {
            Expr::Logic(false, items)
        })
    }

    fn and(&mut self, depth: usize) -> Option<Expr> {
        let mut items = vec![self.not(depth)?];
        while self.eat_word("and") {
            items.push(self.not(depth)?);
        }
        Some(if items.len() == 1 {
            items.pop()?
        } else {
            Expr::Logic(true, items)
        })
    }

    fn not(&mut self, depth: usize) -> Option<Expr> {
        if depth > MAX_EXPR_DEPTH {
            return None;
        }
        if self.eat_word("not") {
            return Some(Expr::Not(Box::new(self.not(depth + 1)?)));
        }
        self.compare(depth)
    }

    /// One comparison or test after a `~` chain (Jinja does not chain comparisons the way
    /// Python does; a second operator is outside the subset).
    fn compare(&mut self, depth: usize) -> Option<Expr> {
        let left = self.concat(depth)?;
        let op = match self.peek() {
            Some(Tok::Op(o)) => match *o {
                "==" => CompareOp::Eq,
                "!=" => CompareOp::Ne,
                "<" => CompareOp::Lt,
                "<=" => CompareOp::Le,
                ">" => CompareOp::Gt,
                _ => CompareOp::Ge,
            },
            Some(Tok::Ident(w)) if w == "in" => CompareOp::In,
            Some(Tok::Ident(w)) if w == "not" => {
                if !matches!(self.toks.get(self.pos + 1), Some(Tok::Ident(n)) if n == "in") {
                    return Some(left);
                }
                self.pos += 1;
                CompareOp::NotIn
            }
            Some(Tok::Ident(w)) if w == "is" => {
                self.pos += 1;
                let negated = self.eat_word("not");
                let Some(Tok::Ident(test)) = self.peek().cloned() else {
                    return None;
                };
                self.pos += 1;
                return Some(Expr::Test(Box::new(left), test, negated));
            }
            _ => return Some(left),
        };
        self.pos += 1;
        let right = self.concat(depth)?;
        Some(Expr::Compare(Box::new(left), op, Box::new(right)))
    }

    fn concat(&mut self, depth: usize) -> Option<Expr> {
        if depth > MAX_EXPR_DEPTH {
            return None;
        }
        let mut items = vec![self.add(depth)?];
        while self.eat('~') {
            items.push(self.add(depth)?);
        }
        Some(if items.len() == 1 {
            items.pop()?
        } else {
            Expr::Concat(items)
        })
    }

    /// `a + b` binds tighter than `~` and looser than filters, as in Jinja.
    fn add(&mut self, depth: usize) -> Option<Expr> {
        let mut items = vec![self.filtered(depth)?];
        while self.eat('+') {
            items.push(self.filtered(depth)?);
        }
        Some(if items.len() == 1 {
            items.pop()?
        } else {
            Expr::Add(items)
        })
    }

    /// The arguments of a call after its `(`, up to and including the `)`; keyword arguments
    /// (`wantlist=True`) are returned apart, by name.
    fn call_args(&mut self, depth: usize) -> Option<CallArgs> {
        let mut args = Vec::new();
        let mut kwargs = Vec::new();
        if self.eat(')') {
            return Some((args, kwargs));
        }
        loop {
            if let (Some(Tok::Ident(name)), Some(Tok::Punct('='))) = (
                self.toks.get(self.pos).cloned(),
                self.toks.get(self.pos + 1),
            ) {
                self.pos += 2;
                kwargs.push((name, self.expr(depth + 1)?));
            } else {
                args.push(self.expr(depth + 1)?);
            }
            if self.eat(')') {
                return Some((args, kwargs));
            }
            if !self.eat(',') {
                return None;
            }
        }
    }

    fn filtered(&mut self, depth: usize) -> Option<Expr> {
        let mut e = self.postfix(depth)?;
        while self.eat('|') {
            let Some(Tok::Ident(name)) = self.peek().cloned() else {
                return None;
            };
            self.pos += 1;
            let mut args = Vec::new();
            if self.eat('(') && !self.eat(')') {
                loop {
                    // keyword argument: name=expr (value kept, name dropped)
                    if let (Some(Tok::Ident(_)), Some(Tok::Punct('='))) =
                        (self.toks.get(self.pos), self.toks.get(self.pos + 1))
                    {
                        self.pos += 2;
                    }
                    args.push(self.expr(depth + 1)?);
                    if self.eat(')') {
                        break;
                    }
                    if !self.eat(',') {
                        return None;
                    }
                }
            }
            e = Expr::Filter(Box::new(e), name, args);
        }
        Some(e)
    }

    fn postfix(&mut self, depth: usize) -> Option<Expr> {
        let mut e = self.primary(depth)?;
        loop {
            if self.eat('.') {
                match self.peek().cloned() {
                    Some(Tok::Ident(name)) => {
                        self.pos += 1;
                        e = Expr::Attr(Box::new(e), name);
                    }
                    Some(Tok::Num(n)) => {
                        self.pos += 1;
                        e = Expr::Index(Box::new(e), n.parse().ok()?);
                    }
                    _ => return None,
                }
            } else if self.eat('[') {
                let next = match self.peek().cloned() {
                    Some(Tok::Str(key)) => Expr::Attr(Box::new(e), key),
                    Some(Tok::Num(n)) => Expr::Index(Box::new(e), n.parse().ok()?),
                    _ => return None,
                };
                self.pos += 1;
                if !self.eat(']') {
                    return None;
                }
                e = next;
            } else {
                break;
            }
        }
        Some(e)
    }

    fn primary(&mut self, depth: usize) -> Option<Expr> {
        match self.peek().cloned()? {
            Tok::Str(s) => {
                self.pos += 1;
                Some(Expr::Literal(Value::Str(s)))
            }
            Tok::Num(n) => {
                self.pos += 1;
                Some(Expr::Literal(Value::Str(n)))
            }
            Tok::Ident(name) => {
                self.pos += 1;
                match name.as_str() {
                    "true" | "True" => Some(Expr::Literal(Value::Str("True".into()))),
                    "false" | "False" => Some(Expr::Literal(Value::Str("False".into()))),
                    "none" | "None" => Some(Expr::Literal(Value::Null)),
                    // Keywords of constructs outside the subset.
                    "if" | "else" | "and" | "or" | "not" | "in" | "is" => None,
                    _ => {
                        if self.peek() == Some(&Tok::Punct('(')) {
                            // Function calls: only the lookups that just combine lists
                            // (`q('flattened', a, b)`); `lookup(...)` returns a list only
                            // with `wantlist=True`. Others (`lookup('env', ...)`,
                            // `range(...)`) are outside the subset.
                            self.pos += 1;
                            let (mut args, kwargs) = self.call_args(depth)?;
                            let wantlist = name != "lookup"
                                || kwargs.iter().any(|(k, v)| {
                                    k == "wantlist"
                                        && matches!(v, Expr::Literal(Value::Str(s)) if s == "True")
                                });
                            let plugin = match args.first() {
                                Some(Expr::Literal(Value::Str(p))) => p.clone(),
                                _ => return None,
                            };
                            let known = matches!(name.as_str(), "q" | "query" | "lookup")
                                && LIST_LOOKUPS.contains(&plugin.as_str())
                                && wantlist;
                            if !known {
                                return None;
                            }
                            args.remove(0);
                            return Some(Expr::Lookup(plugin, args));
                        }
                        Some(Expr::Var(name))
                    }
                }
            }
            Tok::Punct('(') => {
                self.pos += 1;
                let e = self.expr(depth + 1)?;
                self.eat(')').then_some(e)
            }
            Tok::Punct('[') => {
                self.pos += 1;
                let mut items = Vec::new();
                if !self.eat(']') {
                    loop {
                        items.push(self.expr(depth + 1)?);
                        if self.eat(']') {
                            break;
                        }
                        if !self.eat(',') {
                            return None;
                        }
                    }
                }
                Some(Expr::List(items))
            }
            Tok::Punct(_) | Tok::Op(_) => None,
        }
    }
}

/// Where a resolved value came from: a variable definition in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The variable's name.
    pub var: String,
    /// The file it was set in.
    pub path: Arc<std::path::Path>,
    /// Byte range of the value in that file.
    pub span: std::ops::Range<usize>,
    /// Which precedence level set it.
    pub level: crate::vars::Level,
}

/// Why evaluation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// These variables are not defined anywhere fleetpin looked (facts, extra vars,
    /// `set_fact`, registered results, inventory vars, vault files...).
    Missing(Vec<String>),
    /// The template uses Jinja outside the supported subset; the source text.
    Unsupported(String),
}

/// One possible outcome of evaluating an expression.
pub type Outcome = Result<(Value, Vec<Origin>), Failure>;

/// What an expression evaluator needs from its environment.
pub trait Env {
    /// The possible values of variable `name`, each with its origins (several when group_vars
    /// or including plays disagree). An empty vector means undefined. `depth` is the current
    /// nesting depth, to pass back into [`eval`] for values that are templates themselves.
    fn lookup(&self, name: &str, depth: usize) -> Vec<Outcome>;
}

/// Maximum number of alternative outcomes kept per evaluation.
pub const MAX_OUTCOMES: usize = 16;

/// Maximum nesting of variables whose values are templates.
pub const MAX_DEPTH: usize = 16;

/// Evaluate a template string: `Literal` parts are copied; a string that is exactly one
/// `{{ expr }}` keeps the expression's type (a list stays a list), as Ansible does.
pub fn eval_template(s: &str, env: &dyn Env, depth: usize) -> Vec<Outcome> {
    if depth > MAX_DEPTH {
        return vec![Err(Failure::Unsupported(format!(
            "{s} (variables nested more than {MAX_DEPTH} deep)"
        )))];
    }
    let parts = parse_template(s);
    if let [Part::Expr(e, _)] = parts.as_slice()
        && s.trim() == s
    {
        return eval(e, env, depth);
    }
    eval_parts(&parts, env, depth)
}

/// What an Ansible condition (a `when:` entry: a bare expression, or one `{{ expr }}`) is in
/// `env`: `Some(b)` when every value it can have has truth `b`, `None` when it cannot be
/// decided (an undefined variable, a test or filter fleetpin does not evaluate, values that
/// disagree). Truth as [`eval`]'s inline `if` judges it (YAML false words are false).
pub fn decide(condition: &str, env: &dyn Env) -> Option<bool> {
    let text = single_expression(condition).unwrap_or(condition).trim();
    if text.is_empty() {
        return None;
    }
    let outcomes = eval(&parse_expr(text)?, env, 0);
    let mut truth = None;
    for o in outcomes {
        let t = truthy(&o.ok()?.0)?;
        if truth.is_some_and(|seen| seen != t) {
            return None;
        }
        truth = Some(t);
    }
    truth
}

/// Evaluate template parts in order, concatenated. `{% if %}...{% else %}...{% endif %}`
/// blocks (not `elif`) choose their branch when the condition's value is known, and are
/// either branch otherwise: `pkg{% if v %}=={{ v }}{% endif %}` is `pkg` or `pkg==<v>`.
fn eval_parts(parts: &[Part], env: &dyn Env, depth: usize) -> Vec<Outcome> {
    let mut acc: Vec<Outcome> = vec![Ok((Value::Str(String::new()), Vec::new()))];
    let mut i = 0;
    while i < parts.len() {
        let outs = match &parts[i] {
            Part::Text(t) => vec![Ok((Value::Str(t.clone()), Vec::new()))],
            Part::Expr(e, _) => eval(e, env, depth),
            Part::Unsupported(text) => match (statement(text, "if"), if_block(parts, i)) {
                (Some(cond), Some((then_end, else_start, end))) => {
                    let outs = eval_if(
                        cond,
                        &parts[i + 1..then_end],
                        &parts[else_start..end],
                        env,
                        depth,
                    );
                    i = end;
                    outs
                }
                _ => vec![Err(Failure::Unsupported(text.clone()))],
            },
        };
        acc = combine(&acc, &outs, |a, b| match b {
            Value::Omit => Value::Str(format!("{a}{}", Value::Omit)),
            _ => Value::Str(format!("{a}{b}")),
        });
        i += 1;
    }
    acc
}

/// The rest of a `{% keyword ... %}` statement (whitespace control marks dropped).
fn statement<'a>(text: &'a str, keyword: &str) -> Option<&'a str> {
    let body = text
        .strip_prefix("{%")?
        .strip_suffix("%}")?
        .trim_start_matches(['-', '+'])
        .trim_end_matches(['-', '+'])
        .trim();
    let rest = body.strip_prefix(keyword)?;
    (rest.is_empty() || rest.starts_with(char::is_whitespace)).then(|| rest.trim())
}

/// For the `{% if %}` at `parts[start]`: (end of the then-branch, start of the else-branch,
/// index of the matching `{% endif %}`); the else-branch is empty without `{% else %}`.
/// `None` for `elif`, or no `endif`.
fn if_block(parts: &[Part], start: usize) -> Option<(usize, usize, usize)> {
    let mut nesting = 0usize;
    let mut else_at = None;
    for (j, part) in parts.iter().enumerate().skip(start + 1) {
        let Part::Unsupported(t) = part else { continue };
        if statement(t, "if").is_some() {
            nesting += 1;
        } else if statement(t, "endif").is_some() {
            if nesting == 0 {
                return Some(match else_at {
                    Some(e) => (e, e + 1, j),
                    None => (j, j, j),
                });
            }
            nesting -= 1;
        } else if nesting == 0 && statement(t, "elif").is_some() {
            return None;
        } else if nesting == 0 && statement(t, "else").is_some() {
            else_at = Some(j);
        }
    }
    None
}

/// Python truthiness of a value as fleetpin models it; `None` when unknown. Scalars are
/// strings here, so YAML 1.1 false words (`false`, `no`, `off`) and `0` count as false, as
/// they would be loaded by Ansible.
fn truthy(v: &Value) -> Option<bool> {
    match v {
        Value::Str(s) => Some(!matches!(
            s.as_str(),
            "" | "0" | "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF"
        )),
        Value::Null => Some(false),
        Value::List(items) => Some(!items.is_empty()),
        Value::Map(entries) => Some(!entries.is_empty()),
        Value::Omit => None,
    }
}

fn eval_if(
    cond: &str,
    then: &[Part],
    otherwise: &[Part],
    env: &dyn Env,
    depth: usize,
) -> Vec<Outcome> {
    let conds = parse_expr(cond).map_or_else(
        || vec![Err(Failure::Unsupported(cond.to_string()))],
        |e| eval(&e, env, depth),
    );
    choose_by(conds, |t| {
        eval_parts(if t { then } else { otherwise }, env, depth)
    })
}

/// Cartesian combination of two outcome sets, failures merged, capped at [`MAX_OUTCOMES`].
fn combine(a: &[Outcome], b: &[Outcome], f: impl Fn(&Value, &Value) -> Value) -> Vec<Outcome> {
    combine_with(a, b, |x, y| Ok(f(x, y)))
}

/// [`combine`] with a combination that may fail.
fn combine_with(
    a: &[Outcome],
    b: &[Outcome],
    f: impl Fn(&Value, &Value) -> Result<Value, Failure>,
) -> Vec<Outcome> {
    let mut out = Vec::new();
    for x in a {
        for y in b {
            let r = match (x, y) {
                (Ok((va, oa)), Ok((vb, ob))) => {
                    let mut origins = oa.clone();
                    for o in ob {
                        if !origins.contains(o) {
                            origins.push(o.clone());
                        }
                    }
                    f(va, vb).map(|v| (v, origins))
                }
                (Err(e), Ok(_)) | (Ok(_), Err(e)) => Err(e.clone()),
                (Err(Failure::Missing(m1)), Err(Failure::Missing(m2))) => {
                    let mut m = m1.clone();
                    m.extend(m2.iter().filter(|n| !m1.contains(n)).cloned());
                    Err(Failure::Missing(m))
                }
                (Err(e @ Failure::Unsupported(_)), Err(_)) | (Err(_), Err(e)) => Err(e.clone()),
            };
            push_outcome(&mut out, r);
        }
    }
    out
}

fn push_outcome(out: &mut Vec<Outcome>, r: Outcome) {
    if let Some(existing) = out.iter_mut().find(|o| same_value(o, &r)) {
        // Same value from other origins: keep the first origins.
        let _ = existing;
        return;
    }
    if out.len() < MAX_OUTCOMES {
        out.push(r);
    }
}

fn same_value(a: &Outcome, b: &Outcome) -> bool {
    match (a, b) {
        (Ok((va, _)), Ok((vb, _))) => va == vb,
        (Err(ea), Err(eb)) => ea == eb,
        _ => false,
    }
}

/// Filters that keep a string's pin-ness (and its value, for our purposes, up to case and
/// whitespace).
const PASS_FILTERS: &[&str] = &[
    "lower",
    "upper",
    "trim",
    "string",
    "quote",
    "list",
    "capitalize",
];

/// Lookups that only combine the lists they are given (`community.general.flattened` by its
/// short and full names).
const LIST_LOOKUPS: &[&str] = &["flattened", "community.general.flattened"];

/// `items` with nested lists spliced in, at any depth (`flatten`, `q('flattened', ...)`).
fn flatten_into(items: &[Value], out: &mut Vec<Value>) {
    for item in items {
        match item {
            Value::List(inner) => flatten_into(inner, out),
            // `flatten` drops nulls, as Ansible's filter does.
            Value::Null => {}
            other => out.push(other.clone()),
        }
    }
}

/// `a + b` as Python computes it for the values fleetpin models.
fn add_values(a: &Value, b: &Value) -> Result<Value, Failure> {
    match (a, b) {
        (Value::List(x), Value::List(y)) => Ok(Value::List(x.iter().chain(y).cloned().collect())),
        (Value::Str(x), Value::Str(y)) => Ok(Value::Str(format!("{x}{y}"))),
        _ => Err(Failure::Unsupported(format!("`+` of {a} and {b}"))),
    }
}

/// Evaluate an expression.
pub fn eval(e: &Expr, env: &dyn Env, depth: usize) -> Vec<Outcome> {
    match e {
        Expr::Literal(v) => vec![Ok((v.clone(), Vec::new()))],
        Expr::Var(name) => {
            if name == "omit" {
                return vec![Ok((Value::Omit, Vec::new()))];
            }
            let outs = env.lookup(name, depth);
            if outs.is_empty() {
                vec![Err(Failure::Missing(vec![name.clone()]))]
            } else {
                outs
            }
        }
        Expr::List(items) => {
            let mut acc: Vec<Outcome> = vec![Ok((Value::List(Vec::new()), Vec::new()))];
            for item in items {
                let outs = eval(item, env, depth);
                acc = combine(&acc, &outs, |a, b| {
                    let mut l = a.as_list().map(<[Value]>::to_vec).unwrap_or_default();
                    l.push(b.clone());
                    Value::List(l)
                });
            }
            acc
        }
        Expr::Attr(inner, key) => map_outcomes(eval(inner, env, depth), |v| match v.get(key) {
            Some(x) => Ok(x.clone()),
            None => Err(Failure::Unsupported(format!(
                "attribute `{key}` of a value"
            ))),
        }),
        Expr::Index(inner, idx) => map_outcomes(eval(inner, env, depth), |v| {
            let list = v
                .as_list()
                .ok_or_else(|| Failure::Unsupported(format!("index [{idx}] of a non-list")))?;
            let i = if *idx < 0 {
                list.len() as i64 + idx
            } else {
                *idx
            };
            usize::try_from(i)
                .ok()
                .and_then(|i| list.get(i))
                .cloned()
                .ok_or_else(|| Failure::Unsupported(format!("index [{idx}] out of range")))
        }),
        Expr::Concat(items) => {
            let mut acc: Vec<Outcome> = vec![Ok((Value::Str(String::new()), Vec::new()))];
            for item in items {
                let outs = eval(item, env, depth);
                acc = combine(&acc, &outs, |a, b| Value::Str(format!("{a}{b}")));
            }
            acc
        }
        Expr::Add(items) => {
            let mut items = items.iter();
            let Some(first) = items.next() else {
                return Vec::new();
            };
            let mut acc = eval(first, env, depth);
            for item in items {
                let outs = eval(item, env, depth);
                acc = combine_with(&acc, &outs, add_values);
            }
            acc
        }
        Expr::Lookup(plugin, _) if plugin == "<undefined>" => vec![Err(Failure::Unsupported(
            "an inline `if` without `else` whose condition is false (undefined)".into(),
        ))],
        Expr::Lookup(_, args) => {
            // `flattened`: every argument's members, nested lists spliced in.
            let mut acc: Vec<Outcome> = vec![Ok((Value::List(Vec::new()), Vec::new()))];
            for arg in args {
                let outs = eval(arg, env, depth);
                acc = combine(&acc, &outs, |a, b| {
                    let mut l = a.as_list().map(<[Value]>::to_vec).unwrap_or_default();
                    flatten_into(std::slice::from_ref(b), &mut l);
                    Value::List(l)
                });
            }
            acc
        }
        Expr::Filter(inner, name, args) => eval_filter(inner, name, args, env, depth),
        Expr::IfElse(then, cond, otherwise) => {
            let undefined = Expr::Lookup("<undefined>".into(), Vec::new());
            let otherwise = otherwise.as_deref().unwrap_or(&undefined);
            choose(eval(cond, env, depth), then, otherwise, env, depth)
        }
        Expr::Not(inner) => map_outcomes(eval(inner, env, depth), |v| {
            truthy(v)
                .map(|t| bool_value(!t))
                .ok_or_else(|| Failure::Unsupported(format!("`not` of {v}")))
        }),
        Expr::Logic(all, items) => {
            // Python's `and`/`or` short-circuit to one operand; as conditions only their
            // truth matters, so the result is a boolean.
            let mut acc: Vec<Outcome> = vec![Ok((bool_value(*all), Vec::new()))];
            for item in items {
                let outs = eval(item, env, depth);
                acc = combine_with(&acc, &outs, |a, b| {
                    match (a.as_str() == Some("True"), truthy(b)) {
                        (x, Some(y)) => Ok(bool_value(if *all { x && y } else { x || y })),
                        (_, None) => Err(Failure::Unsupported(format!("truth of {b}"))),
                    }
                });
            }
            acc
        }
        Expr::Compare(a, op, b) => {
            combine_with(&eval(a, env, depth), &eval(b, env, depth), |x, y| {
                compare(x, *op, y)
            })
        }
        Expr::Test(inner, test, negated) => {
            let outs = eval(inner, env, depth);
            let mut out = Vec::new();
            for o in outs {
                let r = match (test.as_str(), o) {
                    // Not found is not "undefined": extra vars or a fact fleetpin does not
                    // model may define it, so the test stays undecided (both branches).
                    ("defined" | "undefined", Ok((_, origins))) => {
                        Ok((bool_value((test == "defined") != *negated), origins))
                    }
                    ("none", Ok((v, origins))) => {
                        Ok((bool_value(matches!(v, Value::Null) != *negated), origins))
                    }
                    (_, Err(e)) => Err(e),
                    (t, Ok(_)) => Err(Failure::Unsupported(format!("test `{t}`"))),
                };
                push_outcome(&mut out, r);
            }
            out
        }
    }
}

fn bool_value(b: bool) -> Value {
    Value::Str(if b { "True" } else { "False" }.to_string())
}

/// The branch of an expression a condition selects (see [`choose_by`]).
fn choose(
    conds: Vec<Outcome>,
    then: &Expr,
    otherwise: &Expr,
    env: &dyn Env,
    depth: usize,
) -> Vec<Outcome> {
    choose_by(conds, |t| {
        eval(if t { then } else { otherwise }, env, depth)
    })
}

/// The outcomes of `branch(truth)` for every possible truth of the condition (`{% if %}`,
/// inline `if`, `ternary`); both branches when it cannot be decided (undefined, a test
/// fleetpin does not evaluate, a value of unknown truth). The condition's origins join the
/// branch's.
fn choose_by(conds: Vec<Outcome>, branch: impl Fn(bool) -> Vec<Outcome>) -> Vec<Outcome> {
    let mut out = Vec::new();
    let mut both = false;
    for c in conds {
        match c {
            Ok((v, origins)) => match truthy(&v) {
                Some(t) => {
                    for o in branch(t) {
                        push_outcome(&mut out, with_origins(o, &origins));
                    }
                }
                None => both = true,
            },
            Err(_) => both = true,
        }
    }
    if both {
        for o in branch(true).into_iter().chain(branch(false)) {
            push_outcome(&mut out, o);
        }
    }
    out
}

fn with_origins(o: Outcome, extra: &[Origin]) -> Outcome {
    o.map(|(v, mut os)| {
        for origin in extra {
            if !os.contains(origin) {
                os.push(origin.clone());
            }
        }
        (v, os)
    })
}

/// A comparison as Jinja computes it for the values fleetpin models: numbers compare as
/// numbers (YAML scalars are strings here, so `'2' == 2` is decided on the number), other
/// scalars as strings; `in` tests list membership or a substring.
fn compare(a: &Value, op: CompareOp, b: &Value) -> Result<Value, Failure> {
    let num = |v: &Value| v.as_str().and_then(|s| s.trim().parse::<f64>().ok());
    let ord = match (num(a), num(b)) {
        (Some(x), Some(y)) => x.partial_cmp(&y),
        _ => match (a, b) {
            (Value::Str(x), Value::Str(y)) => Some(x.cmp(y)),
            _ => None,
        },
    };
    let member = |needle: &Value, hay: &Value| match hay {
        Value::List(items) => Ok(items.iter().any(|i| match (num(i), num(needle)) {
            (Some(x), Some(y)) => x == y,
            _ => i == needle,
        })),
        Value::Str(h) => match needle {
            Value::Str(n) => Ok(h.contains(n.as_str())),
            _ => Err(Failure::Unsupported(format!("{needle} in {hay}"))),
        },
        Value::Map(entries) => Ok(entries
            .iter()
            .any(|(k, _)| Some(k.as_str()) == needle.as_str())),
        _ => Err(Failure::Unsupported(format!("{needle} in {hay}"))),
    };
    use std::cmp::Ordering::{Equal, Greater, Less};
    let r = match op {
        CompareOp::Eq => ord.map_or(a == b, |o| o == Equal),
        CompareOp::Ne => ord.map_or(a != b, |o| o != Equal),
        CompareOp::In => member(a, b)?,
        CompareOp::NotIn => !member(a, b)?,
        _ => {
            let o = ord.ok_or_else(|| Failure::Unsupported(format!("{a} compared with {b}")))?;
            match op {
                CompareOp::Lt => o == Less,
                CompareOp::Le => o != Greater,
                CompareOp::Gt => o == Greater,
                _ => o != Less,
            }
        }
    };
    Ok(bool_value(r))
}

fn map_outcomes(outs: Vec<Outcome>, f: impl Fn(&Value) -> Result<Value, Failure>) -> Vec<Outcome> {
    let mut out = Vec::new();
    for o in outs {
        let r = match o {
            Ok((v, origins)) => f(&v).map(|nv| (nv, origins)),
            Err(e) => Err(e),
        };
        push_outcome(&mut out, r);
    }
    out
}

fn eval_filter(
    inner: &Expr,
    name: &str,
    args: &[Expr],
    env: &dyn Env,
    depth: usize,
) -> Vec<Outcome> {
    match name {
        "default" | "d" => {
            // default(x, true) also replaces empty/false values.
            let boolean = args
                .get(1)
                .is_some_and(|a| matches!(a, Expr::Literal(Value::Str(s)) if s == "True"));
            let fallback = match args.first() {
                Some(a) => eval(a, env, depth),
                None => vec![Ok((Value::Str(String::new()), Vec::new()))],
            };
            let mut out = Vec::new();
            for o in eval(inner, env, depth) {
                match o {
                    Err(Failure::Missing(_)) => {
                        for f in &fallback {
                            push_outcome(&mut out, f.clone());
                        }
                    }
                    Ok((v, _))
                        if boolean
                            && matches!(&v, Value::Str(s) if s.is_empty() || s == "False") =>
                    {
                        for f in &fallback {
                            push_outcome(&mut out, f.clone());
                        }
                    }
                    other => push_outcome(&mut out, other),
                }
            }
            out
        }
        "lower" => map_outcomes(eval(inner, env, depth), |v| {
            str_map(v, |s| s.to_lowercase())
        }),
        "upper" => map_outcomes(eval(inner, env, depth), |v| {
            str_map(v, |s| s.to_uppercase())
        }),
        "trim" => map_outcomes(eval(inner, env, depth), |v| {
            str_map(v, |s| s.trim().to_string())
        }),
        "join" => {
            let sep = match args.first() {
                Some(Expr::Literal(Value::Str(s))) => s.clone(),
                None => String::new(),
                Some(_) => {
                    return vec![Err(Failure::Unsupported(
                        "join with a computed separator".to_string(),
                    ))];
                }
            };
            map_outcomes(eval(inner, env, depth), |v| match v {
                Value::List(items) => Ok(Value::Str(
                    items
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join(&sep),
                )),
                Value::Str(s) => Ok(Value::Str(s.clone())),
                _ => Err(Failure::Unsupported("join of a non-list".into())),
            })
        }
        "first" | "last" => map_outcomes(eval(inner, env, depth), |v| match v {
            Value::List(items) => (if name == "first" {
                items.first()
            } else {
                items.last()
            })
            .cloned()
            .ok_or_else(|| Failure::Unsupported(format!("{name} of an empty list"))),
            other => Ok(other.clone()),
        }),
        "flatten" => map_outcomes(eval(inner, env, depth), |v| match v {
            Value::List(items) => {
                let mut out = Vec::new();
                flatten_into(items, &mut out);
                Ok(Value::List(out))
            }
            other => Ok(other.clone()),
        }),
        "unique" => map_outcomes(eval(inner, env, depth), |v| match v {
            Value::List(items) => Ok(Value::List(dedup(items.iter()))),
            other => Ok(other.clone()),
        }),
        "union" => {
            let Some(other) = args.first() else {
                return vec![Err(Failure::Unsupported("union without a list".into()))];
            };
            let outs = eval(other, env, depth);
            combine_with(&eval(inner, env, depth), &outs, |a, b| match (a, b) {
                (Value::List(x), Value::List(y)) => Ok(Value::List(dedup(x.iter().chain(y)))),
                _ => Err(Failure::Unsupported(format!("union of {a} and {b}"))),
            })
        }
        // `cond | ternary(a, b[, none_value])`.
        "ternary" => match args {
            [a, b] => choose(eval(inner, env, depth), a, b, env, depth),
            [a, b, none] => {
                let mut out = Vec::new();
                let mut rest = Vec::new();
                for o in eval(inner, env, depth) {
                    match o {
                        Ok((Value::Null, origins)) => {
                            for v in eval(none, env, depth) {
                                push_outcome(&mut out, with_origins(v, &origins));
                            }
                        }
                        other => rest.push(other),
                    }
                }
                for o in choose(rest, a, b, env, depth) {
                    push_outcome(&mut out, o);
                }
                out
            }
            _ => vec![Err(Failure::Unsupported(
                "ternary without two values".into(),
            ))],
        },
        "bool" => map_outcomes(eval(inner, env, depth), |v| {
            let s = v.as_str().map(|s| s.trim().to_ascii_lowercase());
            match s.as_deref() {
                Some("true" | "yes" | "on" | "1" | "y") => Ok(bool_value(true)),
                Some("false" | "no" | "off" | "0" | "n" | "") => Ok(bool_value(false)),
                _ => Err(Failure::Unsupported(format!("`bool` of {v}"))),
            }
        }),
        "int" => map_outcomes(eval(inner, env, depth), |v| {
            // Jinja's `int`: int(), then int(float()), else the default 0.
            let s = v
                .as_str()
                .ok_or_else(|| Failure::Unsupported(format!("`int` of {v}")))?;
            let n = s.trim().parse::<f64>().map_or(0, |n| n.trunc() as i64);
            Ok(Value::Str(n.to_string()))
        }),
        _ if PASS_FILTERS.contains(&name) => eval(inner, env, depth),
        _ => vec![Err(Failure::Unsupported(format!("filter `{name}`")))],
    }
}

/// The values in order, each once (`unique`, `union`).
fn dedup<'a>(items: impl Iterator<Item = &'a Value>) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    out
}

fn str_map(v: &Value, f: impl Fn(&str) -> String) -> Result<Value, Failure> {
    match v {
        Value::Str(s) => Ok(Value::Str(f(s))),
        other => Ok(other.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Vars(Vec<(&'static str, &'static str)>);

    impl Env for Vars {
        fn lookup(&self, name: &str, depth: usize) -> Vec<Outcome> {
            self.0
                .iter()
                .filter(|(k, _)| *k == name)
                .flat_map(|(_, v)| {
                    let origin = Origin {
                        var: name.to_string(),
                        path: Arc::from(std::path::Path::new("vars.yml")),
                        span: 0..v.len(),
                        level: crate::vars::Level::PlayVars,
                    };
                    if has_template(v) {
                        eval_template(v, self, depth + 1)
                            .into_iter()
                            .map(|o| {
                                o.map(|(val, mut os)| {
                                    os.insert(0, origin.clone());
                                    (val, os)
                                })
                            })
                            .collect::<Vec<_>>()
                    } else {
                        vec![Ok((Value::Str((*v).to_string()), vec![origin]))]
                    }
                })
                .collect()
        }
    }

    fn one(s: &str, env: &Vars) -> Result<String, Failure> {
        let outs = eval_template(s, env, 0);
        assert_eq!(outs.len(), 1, "{s}: {outs:?}");
        outs.into_iter().next().unwrap().map(|(v, _)| v.to_string())
    }

    #[test]
    fn variables_defaults_and_concat() {
        let env = Vars(vec![
            ("docker_state", "latest"),
            ("docker_version", "5:23.0.1-1~debian.10~buster"),
            ("nested", "{{ docker_state }}"),
            ("loop_a", "{{ loop_b }}"),
            ("loop_b", "{{ loop_a }}"),
        ]);
        assert_eq!(one("{{ docker_state }}", &env), Ok("latest".into()));
        assert_eq!(one("{{docker_state|upper}}", &env), Ok("LATEST".into()));
        assert_eq!(
            one("docker-ce={{ docker_version }}", &env),
            Ok("docker-ce=5:23.0.1-1~debian.10~buster".into())
        );
        assert_eq!(
            one("{{ missing | default('present') }}", &env),
            Ok("present".into())
        );
        assert_eq!(
            one("{{ missing | d(docker_state) }}", &env),
            Ok("latest".into())
        );
        assert_eq!(
            one("{{ docker_state | default('present') }}", &env),
            Ok("latest".into())
        );
        assert_eq!(
            one("{{ 'docker-ce=' ~ docker_version }}", &env),
            Ok("docker-ce=5:23.0.1-1~debian.10~buster".into())
        );
        assert_eq!(one("{{ nested }}", &env), Ok("latest".into()));
        assert_eq!(
            one("{{ missing }}", &env),
            Err(Failure::Missing(vec!["missing".into()]))
        );
        assert_eq!(
            one("{{ a }}-{{ b }}", &env),
            Err(Failure::Missing(vec!["a".into(), "b".into()]))
        );
        assert!(matches!(
            one("{{ loop_a }}", &env),
            Err(Failure::Unsupported(_))
        ));
        assert_eq!(
            eval_template("{{ missing | default(omit) }}", &env, 0)[0]
                .as_ref()
                .unwrap()
                .0,
            Value::Omit
        );
    }

    #[test]
    fn origins_follow_nesting() {
        let env = Vars(vec![("outer", "{{ inner }}"), ("inner", "latest")]);
        let outs = eval_template("{{ outer }}", &env, 0);
        let (_, origins) = outs[0].as_ref().unwrap();
        let vars: Vec<_> = origins.iter().map(|o| o.var.as_str()).collect();
        assert_eq!(vars, ["outer", "inner"]);
    }

    #[test]
    fn unsupported_constructs() {
        let env = Vars(vec![("x", "1")]);
        for s in [
            "{% for p in x %}{{ p }}{% endfor %}",
            "{% if x %}a{% elif y %}b{% endif %}",
            "{{ lookup('env', 'X') }}",
            "{{ x | regex_replace('a', 'b') }}",
            "{{ x * 2 }}",
            "{{ unterminated",
        ] {
            assert!(matches!(one(s, &env), Err(Failure::Unsupported(_))), "{s}");
        }
    }

    #[test]
    fn lists_attrs_and_indexes() {
        let env = Vars(vec![("x", "a")]);
        let outs = eval_template("{{ ['docker-ce', x] }}", &env, 0);
        assert_eq!(
            outs[0].as_ref().unwrap().0,
            Value::List(vec![Value::Str("docker-ce".into()), Value::Str("a".into())])
        );
        assert_eq!(one("{{ ['a', 'b'] | join(',') }}", &env), Ok("a,b".into()));
        assert_eq!(one("{{ ['a', 'b'][1] }}", &env), Ok("b".into()));
        assert_eq!(one("{{ ['a', 'b'] | first }}", &env), Ok("a".into()));
    }

    #[test]
    fn conditions_choose_their_branch() {
        // Issue 9: `ternary` and inline `if` over known values were not evaluated (nginx's
        // PCRE download URL was reported as unresolved).
        let env = Vars(vec![
            ("pcre_release", "2"),
            ("pcre_version", "10.42"),
            ("flag", "false"),
            ("pkgs", "{{ ['a', 'b'] }}"),
        ]);
        assert_eq!(
            one(
                "{{ (pcre_release == 2) | ternary('pcre2-' ~ pcre_version, 'pcre-' ~ pcre_version) }}",
                &env
            ),
            Ok("pcre2-10.42".into())
        );
        assert_eq!(
            one("{{ 'latest' if flag | bool else 'present' }}", &env),
            Ok("present".into())
        );
        assert_eq!(
            one("{{ 'x' if 'b' in pkgs and not flag else 'y' }}", &env),
            Ok("x".into())
        );
        assert_eq!(
            one("{{ 'x' if pcre_version is defined else 'y' }}", &env),
            Ok("x".into())
        );
        assert_eq!(
            one("{{ 'x' if pcre_version | int >= 10 else 'y' }}", &env),
            Ok("x".into())
        );
        assert_eq!(
            one("{{ 'x' if 'c' not in pkgs else 'y' }}", &env),
            Ok("x".into())
        );
        assert_eq!(
            one(
                "{{ none_var | ternary('a', 'b', 'n') }}",
                &Vars(vec![("none_var", "{{ None }}")])
            ),
            Ok("n".into())
        );
        // An undecidable condition yields both branches, each a candidate value.
        let outs = eval_template("{{ 'latest' if unknown else 'present' }}", &env, 0);
        let values: Vec<_> = outs
            .into_iter()
            .filter_map(Result::ok)
            .map(|(v, _)| v)
            .collect();
        assert_eq!(
            values,
            [Value::Str("latest".into()), Value::Str("present".into())]
        );
    }

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::Str((*s).to_string())).collect())
    }

    fn value(s: &str, env: &Vars) -> Value {
        let outs = eval_template(s, env, 0);
        assert_eq!(outs.len(), 1, "{s}: {outs:?}");
        outs.into_iter().next().unwrap().unwrap().0
    }

    #[test]
    fn list_concatenation_resolves_to_members() {
        // Regression (issue 9 item 4): `a + b` was one package named `['x', 'y']['z']`.
        let env = Vars(vec![
            ("base", "{{ ['curl', 'git'] }}"),
            ("extra", "{{ ['docker-ce'] }}"),
            ("nested", "{{ [['jq'], ['git', ['htop']]] }}"),
            ("name", "docker"),
        ]);
        assert_eq!(
            value("{{ base + extra }}", &env),
            list(&["curl", "git", "docker-ce"])
        );
        assert_eq!(
            value("{{ base + ['jq'] + extra }}", &env),
            list(&["curl", "git", "jq", "docker-ce"])
        );
        assert_eq!(
            value("{{ nested | flatten }}", &env),
            list(&["jq", "git", "htop"])
        );
        assert_eq!(
            value("{{ (base + nested) | flatten | unique }}", &env),
            list(&["curl", "git", "jq", "htop"])
        );
        assert_eq!(
            value("{{ base | union(['git', 'jq']) }}", &env),
            list(&["curl", "git", "jq"])
        );
        assert_eq!(
            value("{{ q('flattened', base, nested) }}", &env),
            list(&["curl", "git", "jq", "git", "htop"])
        );
        assert_eq!(
            value(
                "{{ lookup('flattened', extra, 'jq', wantlist=True) }}",
                &env
            ),
            list(&["docker-ce", "jq"])
        );
        // Strings still concatenate, and `~` binds looser than `+`.
        assert_eq!(one("{{ name + '-ce' }}", &env), Ok("docker-ce".into()));
        assert_eq!(one("{{ 'x' ~ name + 'd' }}", &env), Ok("xdockerd".into()));
        // A list plus a string is a TypeError in Python: never a package name.
        assert!(matches!(
            one("{{ base + name }}", &env),
            Err(Failure::Unsupported(_))
        ));
        // Without `wantlist`, `lookup` joins with commas: not modelled.
        assert!(matches!(
            one("{{ lookup('flattened', base) }}", &env),
            Err(Failure::Unsupported(_))
        ));
        // Missing members stay missing, named.
        assert_eq!(
            one("{{ base + missing }}", &env),
            Err(Failure::Missing(vec!["missing".into()]))
        );
    }

    #[test]
    fn if_blocks_choose_or_fork() {
        let env = Vars(vec![("v", "1.2.3"), ("empty", ""), ("off", "false")]);
        // Known conditions pick their branch.
        assert_eq!(
            one("pkg{% if v %}=={{ v }}{% endif %}", &env),
            Ok("pkg==1.2.3".into())
        );
        assert_eq!(
            one("pkg{% if empty %}=={{ empty }}{% endif %}", &env),
            Ok("pkg".into())
        );
        assert_eq!(
            one("{% if off %}latest{% else %}present{% endif %}", &env),
            Ok("present".into())
        );
        // Unknown conditions give both branches.
        let outs = eval_template("pkg{%- if missing %}=={{ missing }}{% endif -%}", &env, 0);
        assert!(
            outs.iter()
                .any(|o| matches!(o, Ok((Value::Str(s), _)) if s == "pkg")),
            "{outs:?}"
        );
        assert!(
            outs.iter()
                .any(|o| matches!(o, Err(Failure::Missing(m)) if m == &["missing"])),
            "{outs:?}"
        );
        let outs = eval_template("{% if x is defined %}a{% else %}b{% endif %}", &env, 0);
        let values: Vec<String> = outs
            .iter()
            .filter_map(|o| o.as_ref().ok())
            .map(|(v, _)| v.to_string())
            .collect();
        assert_eq!(values, ["a", "b"]);
        // Nested blocks.
        assert_eq!(
            one(
                "{% if v %}{% if empty %}x{% else %}y{% endif %}{% endif %}",
                &env
            ),
            Ok("y".into())
        );
    }

    #[test]
    fn expression_ranges_in_order() {
        let s = "apt-get install {{ pkg }}={{ ver }} {{ open";
        let ranges = expression_ranges(s);
        let texts: Vec<&str> = ranges.iter().map(|r| &s[r.clone()]).collect();
        assert_eq!(texts, ["{{ pkg }}", "{{ ver }}"]);
        assert_eq!(find_template_open("a{% if x %}"), Some(1));
        assert_eq!(find_template_open("a{# c #}"), None);
        assert_eq!(single_expression(" {{ item }} "), Some("item"));
        assert_eq!(single_expression("{{ a }}{{ b }}"), None);
        assert_eq!(single_expression("x{{ a }}"), None);
    }

    #[test]
    fn template_parts() {
        let parts = parse_template("a {{ b }} {# c #}{% d %}");
        assert!(matches!(&parts[0], Part::Text(t) if t == "a "));
        assert!(matches!(&parts[1], Part::Expr(Expr::Var(v), _) if v == "b"));
        assert!(matches!(&parts[3], Part::Unsupported(_)));
        assert!(!has_template("plain"));
        assert!(has_template("{{ x }}"));
        let mut vars = Vec::new();
        parse_expr("a.b | default(c ~ d['e'])")
            .unwrap()
            .variables(&mut vars);
        assert_eq!(vars, ["a", "c", "d"]);
    }

    #[test]
    fn conditions_are_decided_only_when_every_value_agrees() {
        let env = Vars(vec![
            ("os", "Debian"),
            ("install", "false"),
            ("flag", "yes"),
            ("either", "a"),
            ("either", "b"),
        ]);
        assert_eq!(decide("os == 'Debian'", &env), Some(true));
        assert_eq!(decide("{{ os == 'RedHat' }}", &env), Some(false));
        assert_eq!(decide("install", &env), Some(false));
        assert_eq!(decide("install | bool", &env), Some(false));
        assert_eq!(decide("flag and os != 'RedHat'", &env), Some(true));
        assert_eq!(decide("not flag", &env), Some(false));
        // Undefined (a fact, extra vars), values that disagree, unsupported tests: undecided.
        assert_eq!(decide("ansible_os_family == 'Debian'", &env), None);
        assert_eq!(decide("missing is defined", &env), None);
        assert_eq!(decide("either == 'a'", &env), None);
        assert_eq!(decide("os is match('Deb.*')", &env), None);
        assert_eq!(decide("", &env), None);
        assert_eq!(decide("((", &env), None);
    }

    #[test]
    fn odd_templates_do_not_panic() {
        let env = Vars(vec![]);
        // Regression (fuzz crash-9043c968): a multi-byte character inside an unclosed block.
        for s in [
            "{{ 'ڑ",
            "{{ xڑ }",
            "{% ڑ %",
            "{{ \"ڑ\" ڑ",
            "{{",
            "}}",
            "{{}}",
            "{{ ( }}",
            "{{ [ }}",
            "{{ a. }}",
            "{{ 'é' }}",
            "{{ \"\\",
            "{{ a[ }}",
            "{{ a | }}",
            "{{ a | f( }}",
            "{{ x.0.1 }}",
            "{{ a[-1] }}",
        ] {
            let _ = eval_template(s, &env, 0);
        }
    }
}
