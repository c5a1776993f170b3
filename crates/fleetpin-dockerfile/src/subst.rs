//! `$VAR` / `${VAR}` substitution as Dockerfile instructions (`FROM`, `ENV`, `ARG`, `COPY`
//! ...) and Compose files perform it.
//!
//! Supported forms: `$NAME`, `${NAME}`, `${NAME:-word}`, `${NAME-word}`, `${NAME:+word}`,
//! `${NAME+word}`, `${NAME:?msg}`, `${NAME?msg}`. Dockerfiles escape `$` with the escape
//! character (`\$`); Compose with `$$`. A variable that is not known is left as written and
//! listed in [`Substituted::unresolved`].

use serde::Serialize;

/// Which file's rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Dockerfile: `<escape>$` is a literal `$`.
    Dockerfile {
        /// The escape character (`\` or `` ` ``).
        escape: char,
    },
    /// Compose: `$$` is a literal `$`.
    Compose,
}

/// The result of a substitution.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Substituted {
    /// The value; unresolved expansions are kept as written.
    pub value: String,
    /// Names of variables that had no value.
    pub unresolved: Vec<String>,
    /// Variables that were substituted, with their values.
    pub used: Vec<(String, String)>,
}

impl Substituted {
    /// `true` when every expansion had a value.
    pub fn is_resolved(&self) -> bool {
        self.unresolved.is_empty()
    }
}

/// Substitute variables in `s`, looking them up with `lookup` (`None` = unknown; an empty
/// string is a known, empty value).
pub fn substitute(s: &str, lookup: &dyn Fn(&str) -> Option<String>, syntax: Syntax) -> Substituted {
    substitute_at(s, lookup, syntax, 0)
}

/// Nesting limit for `${A:-${B:-...}}`: deeper defaults stay unresolved.
const MAX_NESTING: usize = 16;

fn substitute_at(
    s: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    syntax: Syntax,
    depth: usize,
) -> Substituted {
    let mut out = Substituted::default();
    let b = s.as_bytes();
    let mut i = 0;
    let mut lit_start = 0;
    let flush = |out: &mut Substituted, from: usize, to: usize| out.value.push_str(&s[from..to]);
    while i < b.len() {
        let c = b[i];
        if let Syntax::Dockerfile { escape } = syntax
            && c as char == escape
            && i + 1 < b.len()
            && b[i + 1] == b'$'
        {
            flush(&mut out, lit_start, i);
            out.value.push('$');
            i += 2;
            lit_start = i;
            continue;
        }
        if c != b'$' {
            i += 1;
            continue;
        }
        if syntax == Syntax::Compose && b.get(i + 1) == Some(&b'$') {
            flush(&mut out, lit_start, i);
            out.value.push('$');
            i += 2;
            lit_start = i;
            continue;
        }
        match b.get(i + 1) {
            Some(b'{') => {
                let Some(close) = find_close(s, i + 2) else {
                    i += 1;
                    continue;
                };
                flush(&mut out, lit_start, i);
                let inner = &s[i + 2..close];
                let raw = &s[i..=close];
                expand_braced(inner, raw, lookup, syntax, depth, &mut out);
                i = close + 1;
                lit_start = i;
            }
            Some(&n) if n == b'_' || n.is_ascii_alphabetic() => {
                flush(&mut out, lit_start, i);
                let mut j = i + 1;
                while j < b.len() && (b[j] == b'_' || b[j].is_ascii_alphanumeric()) {
                    j += 1;
                }
                let name = &s[i + 1..j];
                match lookup(name) {
                    Some(v) => {
                        out.value.push_str(&v);
                        out.used.push((name.to_owned(), v));
                    }
                    None => {
                        out.value.push_str(&s[i..j]);
                        out.unresolved.push(name.to_owned());
                    }
                }
                i = j;
                lit_start = i;
            }
            _ => i += 1,
        }
    }
    flush(&mut out, lit_start, b.len());
    out
}

fn find_close(s: &str, from: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 1;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

fn expand_braced(
    inner: &str,
    raw: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
    syntax: Syntax,
    depth: usize,
    out: &mut Substituted,
) {
    let name_len = inner
        .bytes()
        .take_while(|c| *c == b'_' || c.is_ascii_alphanumeric())
        .count();
    let name = &inner[..name_len];
    let rest = &inner[name_len..];
    let value = lookup(name);
    let word = |w: &str, out: &mut Substituted| {
        if depth >= MAX_NESTING {
            out.value.push_str(w);
            out.unresolved.push(w.to_owned());
            return;
        }
        let sub = substitute_at(w, lookup, syntax, depth + 1);
        out.unresolved.extend(sub.unresolved);
        out.used.extend(sub.used);
        out.value.push_str(&sub.value);
    };
    let unresolved = |out: &mut Substituted| {
        out.value.push_str(raw);
        out.unresolved.push(name.to_owned());
    };
    if name.is_empty() {
        unresolved(out);
        return;
    }
    let set_nonempty = value.as_ref().is_some_and(|v| !v.is_empty());
    let op = [":-", ":+", ":?", ":=", "-", "+", "?", "="]
        .into_iter()
        .find(|op| rest.starts_with(op));
    match (op, rest.is_empty()) {
        (_, true) => match value {
            Some(v) => {
                out.value.push_str(&v);
                out.used.push((name.to_owned(), v));
            }
            None => unresolved(out),
        },
        (Some(":-") | Some(":="), _) => {
            if set_nonempty {
                let v = value.unwrap_or_default();
                out.value.push_str(&v);
                out.used.push((name.to_owned(), v));
            } else {
                word(&rest[2..], out);
            }
        }
        (Some("-") | Some("="), _) => match value {
            Some(v) => {
                out.value.push_str(&v);
                out.used.push((name.to_owned(), v));
            }
            None => word(&rest[1..], out),
        },
        (Some(":+"), _) => match value {
            Some(v) if !v.is_empty() => word(&rest[2..], out),
            Some(_) => {}
            None => unresolved(out),
        },
        (Some("+"), _) => match value {
            Some(_) => word(&rest[1..], out),
            None => unresolved(out),
        },
        (Some(":?") | Some("?"), _) => match value {
            Some(v) => {
                out.value.push_str(&v);
                out.used.push((name.to_owned(), v));
            }
            None => unresolved(out),
        },
        _ => unresolved(out),
    }
}
