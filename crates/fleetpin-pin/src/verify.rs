//! The edited text is parsed again and compared with the original: only the values fleetpin
//! meant to change may differ, so an edit that would reshape the file is refused.

use std::ops::Range;

use fleetpin_yaml::{Node, NodeKind};

/// How a file is re-parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// YAML (Ansible, Compose, workflows, Galaxy requirements).
    Yaml,
    /// A Dockerfile.
    Dockerfile,
}

/// The keys an edit may add to a mapping: a Galaxy requirement's `version`, and
/// `allow_downgrade` of a package task (an unsafe fix).
const INSERTED_KEYS: &[&str] = &["version", "allow_downgrade"];

fn touches(span: &Range<usize>, edits: &[Range<usize>]) -> bool {
    edits.iter().any(|e| {
        // An insertion right after a scalar extends it (` allow_downgrade=true` on free-form
        // module arguments).
        (e.start < span.end.max(span.start + 1) && span.start <= e.end)
            || (e.is_empty() && e.start == span.end)
    })
}

/// Checks that `after` is `before` with only the scalars at `edits` (ranges in `before`)
/// changed.
pub fn verify(
    syntax: Syntax,
    before: &str,
    after: &str,
    edits: &[Range<usize>],
) -> Result<(), String> {
    match syntax {
        Syntax::Yaml => verify_yaml(before, after, edits),
        Syntax::Dockerfile => verify_dockerfile(before, after, edits),
    }
}

fn verify_yaml(before: &str, after: &str, edits: &[Range<usize>]) -> Result<(), String> {
    let a =
        fleetpin_yaml::parse(before).map_err(|e| format!("the original does not parse: {e}"))?;
    let b = fleetpin_yaml::parse(after).map_err(|e| format!("the result would not parse: {e}"))?;
    if a.len() != b.len() {
        return Err(format!(
            "the number of YAML documents would change ({} → {})",
            a.len(),
            b.len()
        ));
    }
    for (da, db) in a.iter().zip(&b) {
        same_node(before, &da.root, &db.root, edits)?;
    }
    Ok(())
}

fn same_node(src: &str, a: &Node, b: &Node, edits: &[Range<usize>]) -> Result<(), String> {
    let at = || {
        let (line, _) = fleetpin_yaml::line_col(src, a.span.start);
        format!("line {line}")
    };
    match (&a.kind, &b.kind) {
        (NodeKind::Null, NodeKind::Null) => Ok(()),
        (NodeKind::Scalar(x), NodeKind::Scalar(y)) => {
            if x.value == y.value && x.style == y.style {
                return Ok(());
            }
            // A whole plain scalar may become double-quoted: a per-group value
            // (`"docker-ce={{ fleetpin_versions['docker-ce'] }}"`) needs the quotes.
            let restyled = x.style == y.style
                || (x.style == fleetpin_yaml::ScalarStyle::Plain
                    && y.style == fleetpin_yaml::ScalarStyle::DoubleQuoted);
            if touches(&a.span, edits) && restyled {
                return Ok(());
            }
            Err(format!(
                "{}: `{}` would become `{}`, which is not a pinned value",
                at(),
                x.value,
                y.value
            ))
        }
        (NodeKind::Seq(x), NodeKind::Seq(y)) => {
            if x.len() != y.len() {
                return Err(format!("{}: a list would change its length", at()));
            }
            for (p, q) in x.iter().zip(y) {
                same_node(src, p, q, edits)?;
            }
            Ok(())
        }
        (NodeKind::Map(x), NodeKind::Map(y)) => {
            // The keys fleetpin adds, at an edit: `version:` of a Galaxy requirement,
            // `allow_downgrade:` of a package task.
            let added = |k: &Node| k.as_str().is_some_and(|k| INSERTED_KEYS.contains(&k));
            // Up to the end of the mapping's last line (after a trailing comment).
            let end = src
                .get(a.span.end..)
                .and_then(|rest| rest.find('\n'))
                .map_or(src.len(), |i| a.span.end + i);
            let at_edit = edits
                .iter()
                .any(|e| e.start <= end && a.span.start <= e.end);
            let y: Vec<&(Node, Node)> =
                if y.len() == x.len() + 1 && at_edit && !x.iter().any(|(k, _)| added(k)) {
                    y.iter().filter(|(k, _)| !added(k)).collect()
                } else {
                    y.iter().collect()
                };
            if x.len() != y.len() {
                return Err(format!("{}: a mapping would change its keys", at()));
            }
            for ((ka, va), (kb, vb)) in x.iter().zip(y.iter().map(|e| (&e.0, &e.1))) {
                if ka.as_str() != kb.as_str() {
                    return Err(format!(
                        "{}: key `{}` would become `{}`",
                        at(),
                        ka.as_str().unwrap_or("?"),
                        kb.as_str().unwrap_or("?")
                    ));
                }
                same_node(src, va, vb, edits)?;
            }
            Ok(())
        }
        _ => Err(format!(
            "{}: {} would become {}",
            at(),
            a.kind_name(),
            b.kind_name()
        )),
    }
}

fn verify_dockerfile(before: &str, after: &str, edits: &[Range<usize>]) -> Result<(), String> {
    let a = fleetpin_dockerfile::parse(before);
    let b = fleetpin_dockerfile::parse(after);
    if b.errors.len() > a.errors.len() {
        return Err(format!(
            "the result would not parse: {}",
            b.errors
                .last()
                .map_or_else(String::new, |e| format!("{e:?}"))
        ));
    }
    if a.instructions.len() != b.instructions.len() {
        return Err("the number of instructions would change".to_owned());
    }
    for (x, y) in a.instructions.iter().zip(&b.instructions) {
        if x.keyword != y.keyword {
            return Err(format!(
                "instruction `{:?}` would become `{:?}`",
                x.keyword, y.keyword
            ));
        }
    }
    let (ma, mb) = (a.model(), b.model());
    if ma.images.len() != mb.images.len() {
        return Err("the number of image references would change".to_owned());
    }
    for (x, y) in ma.images.iter().zip(&mb.images) {
        let touched = touches(&x.range, edits)
            || x.substitutions
                .iter()
                .any(|s| s.defined_at.as_ref().is_some_and(|r| touches(r, edits)));
        if x.resolved != y.resolved && !touched {
            return Err(format!(
                "image `{}` would become `{}`, which is not a pinned value",
                x.resolved, y.resolved
            ));
        }
    }
    if ma.runs.len() != mb.runs.len() {
        return Err("the number of RUN instructions would change".to_owned());
    }
    Ok(())
}
