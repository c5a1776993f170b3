//! YAML (and JSON) inventories, following Ansible's `plugins/inventory/yaml.py`.

use std::collections::HashMap;
use std::path::Path;

use saphyr_parser::{Event, Parser, ScalarStyle};
use serde_json::Value;

use crate::ini::check_host_name;
use crate::model::{Inventory, Origin, Vars};
use crate::range::{expand_host_range, split_host_port};
use crate::{Error, Result};

/// A YAML node with the line it starts on.
#[derive(Debug, Clone)]
struct Node {
    line: usize,
    kind: Kind,
}

#[derive(Debug, Clone)]
enum Kind {
    Null,
    Scalar(String, bool),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    fn key_str(&self) -> String {
        match &self.kind {
            Kind::Scalar(s, _) => s.clone(),
            Kind::Null => String::new(),
            _ => String::from("<complex key>"),
        }
    }

    fn to_value(&self) -> Value {
        match &self.kind {
            Kind::Null => Value::Null,
            Kind::Scalar(s, quoted) => {
                if *quoted {
                    return Value::String(s.clone());
                }
                match s.as_str() {
                    "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
                        Value::Bool(true)
                    }
                    "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
                        Value::Bool(false)
                    }
                    _ => {
                        if let Ok(i) = s.parse::<i64>() {
                            Value::from(i)
                        } else if let Ok(f) = s.parse::<f64>()
                            && f.is_finite()
                            && s.chars().any(|c| c.is_ascii_digit())
                        {
                            Value::from(f)
                        } else {
                            Value::String(s.clone())
                        }
                    }
                }
            }
            Kind::Seq(items) => Value::Array(items.iter().map(Node::to_value).collect()),
            Kind::Map(pairs) => Value::Object(
                pairs
                    .iter()
                    .map(|(k, v)| (k.key_str(), v.to_value()))
                    .collect(),
            ),
        }
    }

    fn describe(&self) -> &'static str {
        match self.kind {
            Kind::Null => "null",
            Kind::Scalar(..) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

struct Builder<'p> {
    path: &'p Path,
    anchors: HashMap<usize, Node>,
}

impl Builder<'_> {
    fn err(&self, line: usize, message: impl Into<String>) -> Error {
        Error::Syntax {
            path: self.path.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    fn node<'a>(
        &mut self,
        parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>,
        first: Option<(Event<'a>, saphyr_parser::Span)>,
    ) -> Result<Option<Node>> {
        let (ev, span) = match first {
            Some(x) => x,
            None => match parser.next() {
                Some(Ok(x)) => x,
                Some(Err(e)) => return Err(self.err(e.marker().line(), e.info().to_string())),
                None => return Ok(None),
            },
        };
        let line = span.start.line().max(1);
        let (node, anchor) = match ev {
            Event::Scalar(value, style, anchor, _tag) => {
                let quoted = style != ScalarStyle::Plain;
                let kind =
                    if !quoted && matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL") {
                        Kind::Null
                    } else {
                        Kind::Scalar(value.into_owned(), quoted)
                    };
                (Node { line, kind }, anchor)
            }
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| self.err(line, "alias to an unknown anchor"))?;
                (Node { line, ..node }, 0)
            }
            Event::SequenceStart(anchor, _) => {
                let mut items = Vec::new();
                loop {
                    let next = self.next_event(parser)?;
                    if matches!(next.0, Event::SequenceEnd) {
                        break;
                    }
                    if let Some(n) = self.node(parser, Some(next))? {
                        items.push(n);
                    }
                }
                (
                    Node {
                        line,
                        kind: Kind::Seq(items),
                    },
                    anchor,
                )
            }
            Event::MappingStart(anchor, _) => {
                let mut pairs: Vec<(Node, Node)> = Vec::new();
                loop {
                    let next = self.next_event(parser)?;
                    if matches!(next.0, Event::MappingEnd) {
                        break;
                    }
                    let Some(key) = self.node(parser, Some(next))? else {
                        break;
                    };
                    let Some(value) = self.node(parser, None)? else {
                        break;
                    };
                    let k = key.key_str();
                    if k == "<<" {
                        // Merge key: copy the pairs of the merged mapping(s) not set here.
                        let sources = match &value.kind {
                            Kind::Seq(items) => items.clone(),
                            _ => vec![value.clone()],
                        };
                        for src in sources {
                            if let Kind::Map(ps) = src.kind {
                                for (mk, mv) in ps {
                                    if !pairs.iter().any(|(pk, _)| pk.key_str() == mk.key_str()) {
                                        pairs.push((mk, mv));
                                    }
                                }
                            }
                        }
                        continue;
                    }
                    if let Some((prev, _)) = pairs.iter().find(|(pk, _)| pk.key_str() == k) {
                        return Err(self.err(
                            key.line,
                            format!("duplicate key `{k}` (first on line {})", prev.line),
                        ));
                    }
                    pairs.push((key, value));
                }
                (
                    Node {
                        line,
                        kind: Kind::Map(pairs),
                    },
                    anchor,
                )
            }
            Event::StreamStart | Event::DocumentStart(_) | Event::Nothing => {
                return self.node(parser, None);
            }
            Event::StreamEnd | Event::DocumentEnd | Event::SequenceEnd | Event::MappingEnd => {
                return Ok(None);
            }
        };
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        Ok(Some(node))
    }

    fn next_event<'a>(
        &self,
        parser: &mut Parser<'a, saphyr_parser::StrInput<'a>>,
    ) -> Result<(Event<'a>, saphyr_parser::Span)> {
        match parser.next() {
            Some(Ok(x)) => Ok(x),
            Some(Err(e)) => Err(self.err(e.marker().line(), e.info().to_string())),
            None => Err(self.err(0, "unexpected end of YAML")),
        }
    }
}

/// Parses a variables file (`group_vars/web.yml`, `host_vars/db1`): a YAML (or JSON) mapping.
/// An empty file gives no variables. Tags such as `!vault` are kept as their text.
pub fn parse_vars(text: &str, path: &Path) -> Result<Vars> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        path,
        anchors: HashMap::new(),
    };
    let Some(root) = b.node(&mut parser, None)? else {
        return Ok(Vars::new());
    };
    for ev in parser.by_ref() {
        if let Err(e) = ev {
            return Err(b.err(e.marker().line(), e.info().to_string()));
        }
    }
    match root.kind {
        Kind::Null => Ok(Vars::new()),
        Kind::Map(pairs) => Ok(pairs
            .iter()
            .map(|(k, v)| (k.key_str(), v.to_value()))
            .collect()),
        _ => Err(b.err(
            root.line,
            format!(
                "a variables file must be a mapping, found {}",
                root.describe()
            ),
        )),
    }
}

pub(crate) fn parse(inv: &mut Inventory, text: &str, path: &Path) -> Result<()> {
    let mut parser = Parser::new_from_str(text);
    let mut b = Builder {
        path,
        anchors: HashMap::new(),
    };
    let Some(root) = b.node(&mut parser, None)? else {
        return Ok(()); // empty file: empty inventory, as Ansible
    };
    // Only the first document counts; but surface syntax errors later in the stream.
    for ev in parser.by_ref() {
        if let Err(e) = ev {
            return Err(b.err(e.marker().line(), e.info().to_string()));
        }
    }
    let Kind::Map(groups) = root.kind else {
        if matches!(root.kind, Kind::Null) {
            return Ok(());
        }
        return Err(b.err(
            root.line,
            format!(
                "YAML inventory must be a mapping of groups, found {}",
                root.describe()
            ),
        ));
    };
    for (name, data) in &groups {
        parse_group(inv, &b, &name.key_str(), name.line, data)?;
    }
    Ok(())
}

fn parse_group(
    inv: &mut Inventory,
    b: &Builder<'_>,
    name: &str,
    line: usize,
    data: &Node,
) -> Result<()> {
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(b.err(line, format!("invalid group name `{name}`")));
    }
    inv.add_group(
        name,
        Origin {
            path: b.path.to_path_buf(),
            line,
        },
    );
    let pairs = match &data.kind {
        Kind::Null => return Ok(()),
        Kind::Map(pairs) => pairs,
        _ => {
            return Err(b.err(
                data.line,
                format!("invalid entry for group `{name}`: expected a mapping of hosts, vars and children, found {}", data.describe()),
            ));
        }
    };
    for (key, value) in pairs {
        match key.key_str().as_str() {
            "vars" => {
                match &value.kind {
                    Kind::Null => {}
                    Kind::Map(vars) => {
                        for (k, v) in vars {
                            inv.set_group_var(name, k.key_str(), v.to_value());
                        }
                    }
                    _ => {
                        return Err(b.err(
                        value.line,
                        format!("invalid `vars` entry for group `{name}`: requires a mapping, found {}", value.describe()),
                    ));
                    }
                }
            }
            "children" => match &value.kind {
                Kind::Null => {}
                Kind::Map(children) => {
                    for (ck, cv) in children {
                        let child = ck.key_str();
                        parse_group(inv, b, &child, ck.line, cv)?;
                        inv.add_child(name, &child).map_err(|m| b.err(ck.line, m))?;
                    }
                }
                _ => {
                    return Err(b.err(
                        value.line,
                        format!("invalid `children` entry for group `{name}`: requires a mapping, found {}", value.describe()),
                    ));
                }
            },
            "hosts" => match &value.kind {
                Kind::Null => {}
                Kind::Map(hosts) => {
                    for (hk, hv) in hosts {
                        let pattern = hk.key_str();
                        let (pat, port) =
                            split_host_port(&pattern).map_err(|m| b.err(hk.line, m))?;
                        let names = expand_host_range(pat).map_err(|m| b.err(hk.line, m))?;
                        if inv.hosts().len() + names.len() > crate::range::MAX_HOSTS {
                            return Err(b.err(
                                hk.line,
                                format!(
                                    "the inventory has more than {} hosts",
                                    crate::range::MAX_HOSTS
                                ),
                            ));
                        }
                        let vars = match &hv.kind {
                            Kind::Null => Vec::new(),
                            Kind::Map(vs) => vs
                                .iter()
                                .map(|(k, v)| (k.key_str(), v.to_value()))
                                .collect(),
                            _ => {
                                return Err(b.err(
                                    hv.line,
                                    format!("invalid entry for host `{pattern}`: expected a mapping of variables, found {}", hv.describe()),
                                ));
                            }
                        };
                        for h in names {
                            check_host_name(&h).map_err(|m| b.err(hk.line, m))?;
                            inv.add_host(
                                &h,
                                Origin {
                                    path: b.path.to_path_buf(),
                                    line: hk.line,
                                },
                            );
                            inv.add_host_to_group(&h, name);
                            if let Some(port) = port {
                                inv.set_host_var(&h, "ansible_port".into(), Value::from(port));
                            }
                            for (k, v) in &vars {
                                inv.set_host_var(&h, k.clone(), v.clone());
                            }
                        }
                    }
                }
                _ => {
                    return Err(b.err(
                        value.line,
                        format!("invalid `hosts` entry for group `{name}`: requires a mapping, found {}", value.describe()),
                    ));
                }
            },
            other => {
                return Err(b.err(
                    key.line,
                    format!(
                        "key `{other}` in group `{name}` is not one of vars, children or hosts"
                    ),
                ));
            }
        }
    }
    Ok(())
}
