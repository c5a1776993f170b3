//! YAML (and JSON) inventories, following Ansible's `plugins/inventory/yaml.py`, read with
//! [`fleetpin_yaml`]: its alias budget and depth limit make a "billion laughs" or deeply
//! nested file an error naming the line (not an out-of-memory abort), and duplicate keys
//! behave as in Ansible's loader (last one wins; see [`crate::Warning`]).

use std::ops::Range;
use std::path::Path;

use fleetpin_yaml::{Node, NodeKind};
use serde_json::Value;

use crate::ini::check_host_name;
use crate::model::{Inventory, Origin, Vars};
use crate::range::{expand_host_range, split_host_port};
use crate::sites::{Sink, Target};
use crate::{Error, Result};

/// 1-based line numbers of byte offsets, by binary search over the line starts.
pub(crate) struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub(crate) fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { starts }
    }

    pub(crate) fn line(&self, offset: usize) -> usize {
        self.starts.partition_point(|&s| s <= offset).max(1)
    }
}

/// Ansible's YAML loader resolves plain scalars as YAML 1.1 (PyYAML): booleans in their
/// spellings, integers and floats; quoted or `!!str`-tagged scalars stay strings, other
/// tags (`!vault`, `!unsafe`) keep their text.
pub(crate) fn to_value(node: &Node) -> Value {
    match &node.kind {
        NodeKind::Null => Value::Null,
        NodeKind::Scalar(s) => {
            if s.style.is_quoted() || node.tag.is_some() {
                return Value::String(s.value.clone());
            }
            let v = s.value.as_str();
            match v {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
                    Value::Bool(true)
                }
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
                    Value::Bool(false)
                }
                _ => {
                    if let Ok(i) = v.parse::<i64>() {
                        Value::from(i)
                    } else if let Ok(f) = v.parse::<f64>()
                        && f.is_finite()
                        && v.chars().any(|c| c.is_ascii_digit())
                    {
                        Value::from(f)
                    } else {
                        Value::String(v.to_string())
                    }
                }
            }
        }
        NodeKind::Seq(items) => Value::Array(items.iter().map(to_value).collect()),
        NodeKind::Map(pairs) => Value::Object(
            pairs
                .iter()
                .map(|(k, v)| (key_str(k), to_value(v)))
                .collect(),
        ),
    }
}

fn key_str(node: &Node) -> String {
    match &node.kind {
        NodeKind::Scalar(s) => s.value.clone(),
        NodeKind::Null => String::new(),
        _ => String::from("<complex key>"),
    }
}

fn describe(node: &Node) -> &'static str {
    match node.kind {
        NodeKind::Null => "null",
        NodeKind::Scalar(_) => "a string",
        NodeKind::Seq(_) => "a list",
        NodeKind::Map(_) => "a mapping",
    }
}

struct Ctx<'p> {
    path: &'p Path,
    lines: Lines,
}

impl Ctx<'_> {
    fn err(&self, line: usize, message: impl Into<String>) -> Error {
        Error::Syntax {
            path: self.path.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    fn line(&self, span: &Range<usize>) -> usize {
        self.lines.line(span.start)
    }

    fn origin(&self, line: usize) -> Origin {
        Origin {
            path: self.path.to_path_buf(),
            line,
        }
    }
}

/// The first document of a YAML stream, or `None` for an empty stream. Syntax errors
/// anywhere in the stream count, as for Ansible.
fn first_document(text: &str, ctx: &Ctx<'_>, sink: &mut Sink) -> Result<Option<Node>> {
    let docs = fleetpin_yaml::parse(text).map_err(|e| ctx.err(e.line.max(1), e.message))?;
    crate::sites::warn_duplicate_keys(text, ctx.path, sink);
    Ok(docs.into_iter().next().map(|d| d.root))
}

/// Parses a variables file (`group_vars/web.yml`, `host_vars/db1`): a YAML (or JSON) mapping.
/// An empty file gives no variables. Tags such as `!vault` are kept as their text.
pub fn parse_vars(text: &str, path: &Path) -> Result<Vars> {
    Ok(parse_vars_lines(text, path, &mut Sink::default())?
        .into_iter()
        .map(|(k, v, _)| (k, v))
        .collect())
}

/// [`parse_vars`] with the line of each variable, and warnings into `sink`.
pub(crate) fn parse_vars_lines(
    text: &str,
    path: &Path,
    sink: &mut Sink,
) -> Result<Vec<(String, Value, usize)>> {
    let ctx = Ctx {
        path,
        lines: Lines::new(text),
    };
    let Some(root) = first_document(text, &ctx, sink)? else {
        return Ok(Vec::new());
    };
    match &root.kind {
        NodeKind::Null => Ok(Vec::new()),
        NodeKind::Map(pairs) => Ok(pairs
            .iter()
            .map(|(k, v)| (key_str(k), to_value(v), ctx.line(&k.span)))
            .collect()),
        _ => Err(ctx.err(
            ctx.line(&root.span),
            format!(
                "a variables file must be a mapping, found {}",
                describe(&root)
            ),
        )),
    }
}

pub(crate) fn parse(inv: &mut Inventory, text: &str, path: &Path, sink: &mut Sink) -> Result<()> {
    let ctx = Ctx {
        path,
        lines: Lines::new(text),
    };
    let Some(root) = first_document(text, &ctx, sink)? else {
        return Ok(()); // empty file: empty inventory, as Ansible
    };
    let groups = match &root.kind {
        NodeKind::Map(groups) => groups,
        NodeKind::Null => return Ok(()),
        _ => {
            return Err(ctx.err(
                ctx.line(&root.span),
                format!(
                    "YAML inventory must be a mapping of groups, found {}",
                    describe(&root)
                ),
            ));
        }
    };
    for (name, data) in groups {
        parse_group(inv, &ctx, sink, &key_str(name), ctx.line(&name.span), data)?;
    }
    Ok(())
}

fn parse_group(
    inv: &mut Inventory,
    ctx: &Ctx<'_>,
    sink: &mut Sink,
    name: &str,
    line: usize,
    data: &Node,
) -> Result<()> {
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(ctx.err(line, format!("invalid group name `{name}`")));
    }
    inv.add_group(name, ctx.origin(line));
    let pairs = match &data.kind {
        NodeKind::Null => return Ok(()),
        NodeKind::Map(pairs) => pairs,
        _ => {
            return Err(ctx.err(
                ctx.line(&data.span),
                format!(
                    "invalid entry for group `{name}`: expected a mapping of hosts, vars and children, found {}",
                    describe(data)
                ),
            ));
        }
    };
    for (key, value) in pairs {
        let entry_of = |what: &str| {
            ctx.err(
                ctx.line(&value.span),
                format!(
                    "invalid `{what}` entry for group `{name}`: requires a mapping, found {}",
                    describe(value)
                ),
            )
        };
        match key_str(key).as_str() {
            "vars" => match &value.kind {
                NodeKind::Null => {}
                NodeKind::Map(vars) => {
                    for (k, v) in vars {
                        let line = ctx.line(&k.span);
                        let var = key_str(k);
                        inv.set_group_var(name, var.clone(), to_value(v))
                            .map_err(|m| ctx.err(line, m))?;
                        sink.site(Target::Group(name.to_string()), var, v.clone());
                    }
                }
                _ => return Err(entry_of("vars")),
            },
            "children" => match &value.kind {
                NodeKind::Null => {}
                NodeKind::Map(children) => {
                    for (ck, cv) in children {
                        let child = key_str(ck);
                        let line = ctx.line(&ck.span);
                        parse_group(inv, ctx, sink, &child, line, cv)?;
                        inv.add_child(name, &child).map_err(|m| ctx.err(line, m))?;
                    }
                }
                _ => return Err(entry_of("children")),
            },
            "hosts" => match &value.kind {
                NodeKind::Null => {}
                NodeKind::Map(hosts) => {
                    for (hk, hv) in hosts {
                        parse_host(inv, ctx, sink, name, hk, hv)?;
                    }
                }
                _ => return Err(entry_of("hosts")),
            },
            other => {
                return Err(ctx.err(
                    ctx.line(&key.span),
                    format!(
                        "key `{other}` in group `{name}` is not one of vars, children or hosts"
                    ),
                ));
            }
        }
    }
    Ok(())
}

fn parse_host(
    inv: &mut Inventory,
    ctx: &Ctx<'_>,
    sink: &mut Sink,
    group: &str,
    hk: &Node,
    hv: &Node,
) -> Result<()> {
    let line = ctx.line(&hk.span);
    let pattern = key_str(hk);
    let (pat, port) = split_host_port(&pattern).map_err(|m| ctx.err(line, m))?;
    let names = expand_host_range(pat).map_err(|m| ctx.err(line, m))?;
    if inv.hosts().len() + names.len() > crate::range::MAX_HOSTS {
        return Err(ctx.err(
            line,
            format!(
                "the inventory has more than {} hosts",
                crate::range::MAX_HOSTS
            ),
        ));
    }
    let vars: Vec<(String, Value, usize, &Node)> = match &hv.kind {
        NodeKind::Null => Vec::new(),
        NodeKind::Map(vs) => vs
            .iter()
            .map(|(k, v)| (key_str(k), to_value(v), ctx.line(&k.span), v))
            .collect(),
        _ => {
            return Err(ctx.err(
                ctx.line(&hv.span),
                format!(
                    "invalid entry for host `{pattern}`: expected a mapping of variables, found {}",
                    describe(hv)
                ),
            ));
        }
    };
    for h in names {
        check_host_name(&h).map_err(|m| ctx.err(line, m))?;
        inv.add_host(&h, ctx.origin(line));
        inv.add_host_to_group(&h, group);
        if let Some(port) = port {
            inv.set_host_var(&h, "ansible_port".into(), Value::from(port))
                .map_err(|m| ctx.err(line, m))?;
        }
        for (k, v, vline, node) in &vars {
            inv.set_host_var(&h, k.clone(), v.clone())
                .map_err(|m| ctx.err(*vline, m))?;
            sink.site(Target::Host(h.clone()), k.clone(), (*node).clone());
        }
    }
    Ok(())
}
