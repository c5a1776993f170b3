//! Values of module arguments as the Ansible rules see them: literal, resolved from a
//! variable (with where it was set), or unresolved.

use std::ops::Range;

use fleetpin_ansible::{ArgValue, Loop, Task};
use fleetpin_diag::Span;
use fleetpin_yaml::Node;

use crate::checker::Checker;
use crate::rules::common::is_templated;

/// One possible value of an argument or list item.
#[derive(Debug, Clone)]
pub(crate) struct Val {
    /// The value (when known).
    pub text: Option<String>,
    /// Where the finding should point: the value in the task, or the loop item it came from.
    pub range: Range<usize>,
    /// Where a variable that produced it was set: (span, "`var` = value").
    pub origins: Vec<(Span, String)>,
    /// The template text when it could not be resolved.
    pub template: Option<String>,
    /// Variables that were not found.
    pub missing: Vec<String>,
    /// The Jinja construct fleetpin does not evaluate, when that is why it is unresolved.
    pub unsupported: Option<String>,
}

impl Val {
    fn literal(text: &str, range: Range<usize>) -> Val {
        Val {
            text: Some(text.to_owned()),
            range,
            origins: Vec::new(),
            template: None,
            missing: Vec::new(),
            unsupported: None,
        }
    }

    fn unresolved(template: &str, range: Range<usize>, missing: Vec<String>) -> Val {
        Val {
            text: None,
            range,
            origins: Vec::new(),
            template: Some(template.to_owned()),
            missing,
            unsupported: None,
        }
    }
}

/// Byte range of an argument value (quotes excluded, never past the scalar).
pub(crate) fn arg_range(checker: &Checker<'_>, value: &ArgValue<'_>) -> Range<usize> {
    match value {
        ArgValue::Node(n) => checker.node_range(n),
        ArgValue::FreeForm { span, .. } => span.clone(),
    }
}

/// Shrinks `range` to `text` when the source there starts with it (quoted scalars).
pub(crate) fn tight(checker: &Checker<'_>, range: Range<usize>, text: &str) -> Range<usize> {
    let src = checker.file.text();
    match src.get(range.start..) {
        Some(rest) if rest.starts_with(text) && range.start + text.len() <= range.end => {
            range.start..range.start + text.len()
        }
        _ => range,
    }
}

/// The variable names a simple template reads: `{{ a }}`, `{{ a | default(...) }}`,
/// `{{ a.b }}`. Best effort, for messages.
pub(crate) fn template_vars(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    for r in fleetpin_ansible::jinja::expression_ranges(s) {
        let expr = s[r.start + 2..r.end - 2].trim();
        let name: String = expr
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if !name.is_empty() && !out.contains(&name) {
            out.push(name);
        }
    }
    out
}

/// If `s` is exactly `{{ VAR }}` or `{{ VAR.attr }}` / `{{ VAR['attr'] }}` for the loop
/// variable, the attribute path (empty for the item itself).
fn loop_ref<'s>(s: &'s str, loop_var: &str) -> Option<Vec<&'s str>> {
    let inner = fleetpin_ansible::jinja::single_expression(s)?;
    let rest = inner.strip_prefix(loop_var)?;
    let mut path = Vec::new();
    let mut rest = rest.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('.') {
            let name_len = r
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(r.len());
            path.push(&r[..name_len]);
            rest = &r[name_len..];
        } else if let Some(r) = rest.strip_prefix("['").or_else(|| rest.strip_prefix("[\"")) {
            let end = r.find(['\'', '"'])?;
            path.push(&r[..end]);
            rest = r[end + 1..].strip_prefix(']')?;
        } else {
            return None;
        }
    }
    Some(path)
}

fn walk_path<'n>(node: &'n Node, path: &[&str]) -> Option<&'n Node> {
    let mut n = node;
    for p in path {
        n = n.get(p)?;
    }
    Some(n)
}

/// Resolves one string written at `range` in the task: literal, through the project's
/// variables (with where they were set), loop items, or unresolved.
pub(crate) fn resolve(
    checker: &Checker<'_>,
    task: &Task<'_>,
    text: &str,
    range: Range<usize>,
) -> Vec<Val> {
    if !is_templated(text) {
        return vec![Val::literal(text, tight(checker, range, text))];
    }
    if let Some(scope) = &checker.scope {
        let mut out = Vec::new();
        for (res, item_span) in scope.resolve_in_task(task, text) {
            let at = match (item_span, &task.loop_) {
                (Some(r), _) => tight_item(checker, r),
                // An unresolved loop: point at what the loop iterates.
                (None, Some(lp)) if matches!(&res, fleetpin_ansible::Resolution::Unresolved { expr, .. } if expr.as_str() != text) => {
                    checker.node_range(lp.value)
                }
                (None, _) => tight(checker, range.clone(), text),
            };
            push_resolution(checker, &res, text, at, &mut out);
        }
        return out;
    }
    if let Some(lp) = &task.loop_
        && let Some(vals) = resolve_loop(checker, lp, text)
    {
        return vals;
    }
    vec![Val::unresolved(
        text,
        tight(checker, range, text),
        template_vars(text),
    )]
}

/// A loop item's span, without a trailing comment.
fn tight_item(checker: &Checker<'_>, r: Range<usize>) -> Range<usize> {
    let src = checker.file.text();
    let text = src.get(r.clone()).unwrap_or("");
    let t = text.trim_end();
    let t = match t.find(" #") {
        Some(i) => t[..i].trim_end(),
        None => t,
    };
    let t = t.strip_suffix(['"', '\'']).unwrap_or(t);
    r.start..r.start + t.len()
}

pub(crate) fn origin_labels(
    checker: &Checker<'_>,
    origins: &[fleetpin_ansible::Origin],
) -> Vec<(Span, String)> {
    origin_labels_for(checker, origins, None)
}

/// Secondary labels for where variables were set. With `item`, a list value's label is
/// narrowed to the list item that produced the finding.
fn origin_labels_for(
    checker: &Checker<'_>,
    origins: &[fleetpin_ansible::Origin],
    item: Option<&str>,
) -> Vec<(Span, String)> {
    let mut out = Vec::new();
    for o in origins {
        let Some(span) = checker.foreign_span(&o.path, o.span.clone()) else {
            continue;
        };
        let text = span.file.text().get(o.span.clone()).unwrap_or("").trim();
        let level = o.level.describe();
        // A list item written verbatim inside the value: point at it.
        if let Some(item) = item.filter(|i| !i.is_empty() && text != *i)
            && let Some(pos) = find_token(span.file.text().get(o.span.clone()).unwrap_or(""), item)
        {
            let start = o.span.start + pos;
            let narrowed = Span::new(span.file.clone(), start..start + item.len());
            out.push((
                narrowed,
                format!("`{item}` is in `{}`, set here ({level})", o.var),
            ));
            continue;
        }
        let message = if text.contains('\n') || text.len() > 60 {
            format!("`{}` set here ({level})", o.var)
        } else {
            format!("`{}` = `{text}` set here ({level})", o.var)
        };
        out.push((span, message));
    }
    out
}

/// Byte offset of `needle` in `hay` as a whole token (not inside a longer name).
fn find_token(hay: &str, needle: &str) -> Option<usize> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || "-_.+".contains(c);
    let mut from = 0;
    while let Some(pos) = hay[from..].find(needle).map(|p| p + from) {
        let before = hay[..pos].chars().next_back();
        let after = hay[pos + needle.len()..].chars().next();
        if !before.is_some_and(is_name) && !after.is_some_and(is_name) {
            return Some(pos);
        }
        from = pos + needle.len();
    }
    None
}

fn push_resolution(
    checker: &Checker<'_>,
    res: &fleetpin_ansible::Resolution,
    text: &str,
    at: Range<usize>,
    out: &mut Vec<Val>,
) {
    use fleetpin_ansible::{Resolution, Value};
    match res {
        Resolution::Literal(s) => out.push(Val::literal(s, at)),
        Resolution::Resolved { value, origins } => {
            let is_list = matches!(value, Value::List(_));
            let strings: Vec<String> = match value {
                Value::Str(s) => vec![s.clone()],
                Value::List(items) => items
                    .iter()
                    .filter_map(|i| i.as_str().map(str::to_owned))
                    .collect(),
                // `omit`, null and mappings: nothing to judge here.
                _ => Vec::new(),
            };
            for s in strings {
                let origins = origin_labels_for(checker, origins, is_list.then_some(s.as_str()));
                // The same member in two candidate lists (`a + b` where only `b` differs per
                // OS) is one value, with the definitions of both.
                if let Some(v) = out
                    .iter_mut()
                    .find(|v| v.text.as_deref() == Some(s.as_str()) && v.range == at)
                {
                    for o in origins {
                        if !v.origins.contains(&o) {
                            v.origins.push(o);
                        }
                    }
                    continue;
                }
                out.push(Val {
                    text: Some(s),
                    range: at.clone(),
                    origins,
                    template: Some(text.to_owned()),
                    missing: Vec::new(),
                    unsupported: None,
                });
            }
        }
        Resolution::Multiple(items) => {
            for item in items {
                push_resolution(checker, item, text, at.clone(), out);
            }
        }
        Resolution::Unresolved {
            missing,
            expr,
            unsupported,
        } => {
            // A loop kind fleetpin does not expand reports the loop keyword as `expr`.
            let shown = if expr.is_empty() || !expr.contains("{{") && expr.starts_with("with_") {
                text
            } else {
                expr.as_str()
            };
            let mut v = Val::unresolved(shown, at, missing.clone());
            v.unsupported = unsupported.clone();
            out.push(v);
        }
    }
}

fn resolve_loop(checker: &Checker<'_>, lp: &Loop<'_>, text: &str) -> Option<Vec<Val>> {
    let path = loop_ref(text, &lp.loop_var)?;
    let Some(items) = lp.literal_items() else {
        // A loop over a variable: the finding is about what the loop iterates.
        let over = lp.value.as_str()?;
        return Some(vec![Val::unresolved(
            over,
            checker.node_range(lp.value),
            template_vars(over),
        )]);
    };
    let mut out = Vec::new();
    for item in items {
        let Some(node) = walk_path(item, &path) else {
            out.push(Val::unresolved(text, checker.node_range(item), vec![]));
            continue;
        };
        match node.as_str() {
            Some(s) if !is_templated(s) => out.push(Val::literal(s, checker.node_range(node))),
            Some(s) => out.push(Val::unresolved(
                s,
                checker.node_range(node),
                template_vars(s),
            )),
            None => {}
        }
    }
    Some(out)
}

/// The list items of an argument, each resolved (`name: [a, b]`, `name: a,b`,
/// `name: "{{ item }}"` with a loop).
pub(crate) fn resolve_list(
    checker: &Checker<'_>,
    task: &Task<'_>,
    value: &ArgValue<'_>,
) -> Vec<Val> {
    let src = checker.file.text();
    let mut out = Vec::new();
    for (text, range) in value.list_items(src) {
        out.extend(resolve(checker, task, &text, range));
    }
    out
}

/// The single string value of an argument, resolved.
pub(crate) fn resolve_arg(
    checker: &Checker<'_>,
    task: &Task<'_>,
    value: &ArgValue<'_>,
) -> Vec<Val> {
    match value.as_str() {
        Some(s) => resolve(checker, task, s, arg_range(checker, value)),
        None => Vec::new(),
    }
}
