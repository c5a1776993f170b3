//! INI inventories, following Ansible's `plugins/inventory/ini.py`.

use std::ops::Range;
use std::path::Path;

use fleetpin_yaml::{Node, NodeKind, Scalar, ScalarStyle};
use serde_json::Value;

use crate::model::{Inventory, Origin};
use crate::range::{expand_host_range, split_host_port};
use crate::sites::{Sink, Target};
use crate::{Error, Result};

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Hosts,
    Vars,
    Children,
}

pub(crate) fn parse(inv: &mut Inventory, text: &str, path: &Path, sink: &mut Sink) -> Result<()> {
    let err = |line: usize, message: String| Error::Syntax {
        path: path.to_path_buf(),
        line,
        message,
    };
    let mut group = "ungrouped".to_string();
    let mut section = Section::Hosts;
    let mut offset = 0;
    for (i, raw) in text.split_inclusive('\n').enumerate() {
        let lineno = i + 1;
        let line_start = offset;
        offset += raw.len();
        let raw = raw.trim_end_matches(['\n', '\r']);
        let origin = Origin {
            path: path.to_path_buf(),
            line: lineno,
        };
        let line = raw.trim();
        if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') {
            let (name, kind) = parse_section(line).map_err(|m| err(lineno, m))?;
            section = match kind {
                None | Some("hosts") => Section::Hosts,
                Some("vars") => Section::Vars,
                Some("children") => Section::Children,
                Some(other) => {
                    return Err(err(
                        lineno,
                        format!("section [{name}:{other}] has unknown type: {other}"),
                    ));
                }
            };
            inv.add_group(name, origin);
            group = name.to_string();
            continue;
        }
        match section {
            Section::Hosts => {
                let tokens = tokenize(raw).map_err(|m| err(lineno, m))?;
                let Some(((pattern, _), assignments)) = tokens.split_first() else {
                    continue;
                };
                let mut vars = Vec::new();
                for (t, range) in assignments {
                    let Some((k, v)) = t.split_once('=') else {
                        return Err(err(
                            lineno,
                            format!("expected key=value host variable assignment, got: {t}"),
                        ));
                    };
                    let node = sink.recording_sites().then(|| {
                        let src = &raw[range.clone()];
                        let eq = src.find('=').map_or(src.len(), |e| e + 1);
                        let span = unquoted(src, eq..src.len());
                        let at = line_start + range.start;
                        site_node(at + span.start..at + span.end, v)
                    });
                    vars.push((k.to_string(), literal(v), node));
                }
                let (pattern, port) = split_host_port(pattern).map_err(|m| err(lineno, m))?;
                let names = expand_host_range(pattern).map_err(|m| err(lineno, m))?;
                if inv.hosts().len() + names.len() > crate::range::MAX_HOSTS {
                    return Err(err(
                        lineno,
                        format!(
                            "the inventory has more than {} hosts",
                            crate::range::MAX_HOSTS
                        ),
                    ));
                }
                for name in names {
                    check_host_name(&name).map_err(|m| err(lineno, m))?;
                    inv.add_host(&name, origin.clone());
                    inv.add_host_to_group(&name, &group);
                    if let Some(port) = port {
                        inv.set_host_var(&name, "ansible_port".into(), Value::from(port))
                            .map_err(|m| err(lineno, m))?;
                    }
                    for (k, v, node) in &vars {
                        inv.set_host_var(&name, k.clone(), v.clone())
                            .map_err(|m| err(lineno, m))?;
                        if let Some(node) = node {
                            sink.site(Target::Host(name.clone()), k.clone(), node.clone());
                        }
                    }
                }
            }
            Section::Vars => {
                let Some((k, v)) = raw.split_once('=') else {
                    return Err(err(lineno, format!("expected key=value, got: {line}")));
                };
                let k = k.trim();
                if k.is_empty() {
                    return Err(err(lineno, format!("expected key=value, got: {line}")));
                }
                inv.set_group_var(&group, k.to_string(), literal(v.trim()))
                    .map_err(|m| err(lineno, m))?;
                if sink.recording_sites() {
                    let vstart = raw.len() - v.len();
                    let lead = v.len() - v.trim_start().len();
                    let span = unquoted(raw, vstart + lead..vstart + v.trim_end().len());
                    let node = site_node(
                        line_start + span.start..line_start + span.end,
                        &raw[span.clone()],
                    );
                    sink.site(Target::Group(group.clone()), k.to_string(), node);
                }
            }
            Section::Children => {
                let child = strip_comment(line);
                if child.is_empty()
                    || child.contains(char::is_whitespace)
                    || child.contains([':', ']', '['])
                {
                    return Err(err(lineno, format!("invalid section entry: `{line}`")));
                }
                inv.add_group(child, origin);
                inv.add_child(&group, child).map_err(|m| err(lineno, m))?;
            }
        }
    }
    Ok(())
}

/// `range` of `src` without the quotes when the text there is quoted (`"v"`, `'v'`).
fn unquoted(src: &str, range: Range<usize>) -> Range<usize> {
    let v = &src[range.clone()];
    let quoted =
        v.len() >= 2 && (v.starts_with('"') || v.starts_with('\'')) && v.ends_with(&v[..1]);
    if quoted {
        range.start + 1..range.end - 1
    } else {
        range
    }
}

/// The value of an INI variable as a plain YAML scalar spanning where it is written.
fn site_node(span: Range<usize>, value: &str) -> Node {
    Node {
        span: span.clone(),
        kind: NodeKind::Scalar(Scalar {
            value: value.to_string(),
            style: ScalarStyle::Plain,
            value_span: span,
        }),
        tag: None,
    }
}

fn strip_comment(line: &str) -> &str {
    match line.find(" #").or_else(|| line.find("\t#")) {
        Some(i) => line[..i].trim(),
        None => line.trim(),
    }
}

/// `[name]`, `[name:vars]`, `[name:children]`, with an optional trailing comment.
fn parse_section(line: &str) -> Result<(&str, Option<&str>), String> {
    let line = strip_comment(line);
    let inner = line
        .strip_prefix('[')
        .and_then(|l| l.strip_suffix(']'))
        .ok_or_else(|| {
            format!("invalid section header `{line}`: expected [group] or [group:type]")
        })?;
    let (name, kind) = match inner.split_once(':') {
        Some((n, k)) => (n, Some(k)),
        None => (inner, None),
    };
    if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == ']' || c == '[') {
        return Err(format!("invalid group name in section header `{line}`"));
    }
    if let Some(k) = kind
        && (k.is_empty() || !k.chars().all(|c| c.is_alphanumeric() || c == '_'))
    {
        return Err(format!("invalid section type in `{line}`"));
    }
    Ok((name, kind))
}

pub(crate) fn check_host_name(name: &str) -> Result<(), String> {
    if name.starts_with('-') {
        return Err(format!(
            "host name `{name}` starts with `-` (it would be read as a command-line option)"
        ));
    }
    if name.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(format!(
            "host name `{name:?}` contains whitespace or control characters"
        ));
    }
    Ok(())
}

/// Splits a host line like Python's `shlex.split(line, comments=True)`; each word comes with
/// the byte range of `line` it was written at.
fn tokenize(line: &str) -> Result<Vec<(String, Range<usize>)>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut start: Option<usize> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '#' if start.is_none() => break,
            '\'' | '"' => {
                start.get_or_insert(i);
                let mut closed = false;
                while let Some((_, n)) = chars.next() {
                    if n == c {
                        closed = true;
                        break;
                    }
                    if c == '"' && n == '\\' && matches!(chars.peek(), Some((_, '"' | '\\'))) {
                        cur.push(chars.next().map_or('\\', |(_, e)| e));
                        continue;
                    }
                    cur.push(n);
                }
                if !closed {
                    return Err("no closing quotation".to_string());
                }
            }
            '\\' => {
                start.get_or_insert(i);
                match chars.next() {
                    Some((_, n)) => cur.push(n),
                    None => return Err("no escaped character".to_string()),
                }
            }
            c if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    out.push((std::mem::take(&mut cur), s..i));
                }
            }
            c => {
                start.get_or_insert(i);
                cur.push(c);
            }
        }
    }
    if let Some(s) = start {
        let end = chars.peek().map_or(line.len(), |(i, _)| *i);
        out.push((cur, s..end));
    }
    Ok(out)
}

/// Approximates Ansible's `_parse_value` (`ast.literal_eval`, falling back to the string).
pub(crate) fn literal(v: &str) -> Value {
    let t = v.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Value::from(i);
    }
    if t.contains('.')
        && let Ok(f) = t.parse::<f64>()
        && f.is_finite()
    {
        return Value::from(f);
    }
    match t {
        "True" => return Value::Bool(true),
        "False" => return Value::Bool(false),
        "None" => return Value::Null,
        _ => {}
    }
    for q in ['"', '\''] {
        if t.len() >= 2 && t.starts_with(q) && t.ends_with(q) {
            return Value::String(t[1..t.len() - 1].to_string());
        }
    }
    if (t.starts_with('[') || t.starts_with('{'))
        && let Ok(v) = serde_json::from_str::<Value>(t)
    {
        return v;
    }
    Value::String(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokenizer_like_shlex() {
        let line = r#"h1 a=1 b="x y" c='z' # note"#;
        let got = tokenize(line).unwrap();
        let words: Vec<&str> = got.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(words, ["h1", "a=1", "b=x y", "c=z"]);
        let spans: Vec<&str> = got.iter().map(|(_, r)| &line[r.clone()]).collect();
        assert_eq!(spans, ["h1", "a=1", r#"b="x y""#, "c='z'"]);
        assert!(tokenize("h1 a=\"open").is_err());
    }

    #[test]
    fn literal_values() {
        assert_eq!(literal("5555"), Value::from(5555));
        assert_eq!(literal("True"), Value::Bool(true));
        assert_eq!(literal("'quoted'"), Value::from("quoted"));
        assert_eq!(literal("plain text"), Value::from("plain text"));
        assert_eq!(literal("[1, 2]"), serde_json::json!([1, 2]));
    }
}
