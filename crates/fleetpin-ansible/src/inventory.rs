//! Variables written in inventory files themselves (`[group:vars]` sections and host lines of
//! INI inventories, `vars:` of YAML inventories), with byte spans, for variable resolution.
//! (Hosts and groups as such are `fleetpin-inventory`'s business; this module only needs the
//! variables and where each value is written.)

use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use fleetpin_yaml::{Node, NodeKind, Scalar, ScalarStyle};

use crate::kv;
use crate::vars::VarsSource;

/// Whom a set of inventory variables applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A group (`all` applies to every host).
    Group(String),
    /// One host.
    Host(String),
}

/// The variables an inventory file sets, per group or host, in file order.
pub fn inventory_vars(path: &Arc<Path>, text: &str) -> Vec<(Target, VarsSource)> {
    let is_yaml = path.extension().is_some_and(|e| e == "yml" || e == "yaml")
        || looks_like_yaml_inventory(text);
    if is_yaml {
        yaml_vars(path, text)
    } else {
        ini_vars(path, text)
    }
}

/// Whether an inventory without extension reads as YAML (its first line is a `key:`).
pub(crate) fn looks_like_yaml_inventory(text: &str) -> bool {
    text.lines()
        .map(str::trim_end)
        .find(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .is_some_and(|l| l.ends_with(':') && !l.starts_with('['))
}

fn yaml_vars(path: &Arc<Path>, text: &str) -> Vec<(Target, VarsSource)> {
    let mut out = Vec::new();
    let Ok(docs) = fleetpin_yaml::parse(text) else {
        return out;
    };
    let Some(root) = docs.first().map(|d| &d.root) else {
        return out;
    };
    // Top-level keys are groups (usually `all`).
    let mut stack: Vec<(&str, &Node)> = root.entries().map(|(k, _, v)| (k, v)).collect();
    stack.reverse();
    while let Some((group, node)) = stack.pop() {
        if let Some(vars) = node.get("vars")
            && vars.is_map()
        {
            out.push((
                Target::Group(group.to_string()),
                VarsSource::from_map(path.clone(), vars),
            ));
        }
        for (host, _, hvars) in node.get("hosts").map(|h| h.entries()).into_iter().flatten() {
            if hvars.is_map() {
                out.push((
                    Target::Host(host.to_string()),
                    VarsSource::from_map(path.clone(), hvars),
                ));
            }
        }
        if let Some(children) = node.get("children") {
            let mut kids: Vec<(&str, &Node)> = children.entries().map(|(k, _, v)| (k, v)).collect();
            kids.reverse();
            stack.extend(kids);
        }
    }
    out
}

fn scalar_node(value_range: Range<usize>, value: String) -> Node {
    Node {
        span: value_range.clone(),
        kind: NodeKind::Scalar(Scalar {
            value,
            style: ScalarStyle::Plain,
            value_span: value_range,
        }),
        tag: None,
    }
}

/// INI inventories: `[group:vars]` sections of `key=value` lines, and `host key=value ...`
/// lines in host sections (`[group]`, or before any section for ungrouped hosts).
fn ini_vars(path: &Arc<Path>, text: &str) -> Vec<(Target, VarsSource)> {
    let mut out: Vec<(Target, VarsSource)> = Vec::new();
    let mut section: Option<(String, bool)> = None; // (name, is a :vars section)
    let mut offset = 0;
    for raw_line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            section = Some(match name.split_once(':') {
                Some((group, "vars")) => (group.trim().to_string(), true),
                Some((group, _)) => (group.trim().to_string(), false),
                None => (name.trim().to_string(), false),
            });
            continue;
        }
        let lead = line.len() - line.trim_start().len();
        match &section {
            Some((group, true)) => {
                let Some(eq) = line.find('=') else { continue };
                let key = line[..eq].trim();
                if key.is_empty() {
                    continue;
                }
                let vstart = eq + 1 + (line[eq + 1..].len() - line[eq + 1..].trim_start().len());
                let vend = line.trim_end().len().max(vstart);
                let mut range = line_start + vstart..line_start + vend;
                let v = &text[range.clone()];
                let quoted = v.len() >= 2
                    && (v.starts_with('"') || v.starts_with('\''))
                    && v.ends_with(&v[..1]);
                if quoted {
                    range = range.start + 1..range.end - 1;
                }
                let node = scalar_node(range.clone(), text[range].to_string());
                push_var(&mut out, Target::Group(group.clone()), path, key, node);
            }
            Some((_, false)) | None => {
                let host_end = line[lead..]
                    .find(char::is_whitespace)
                    .map_or(line.len(), |i| lead + i);
                let host = &line[lead..host_end];
                if host.is_empty() || host_end == line.len() {
                    continue;
                }
                let rest_start = line_start + host_end;
                let rest = &text[rest_start..line_start + line.len()];
                for pair in kv::parse_kv(rest, false) {
                    if pair.key == "_raw_params" {
                        continue;
                    }
                    let range =
                        rest_start + pair.value_range.start..rest_start + pair.value_range.end;
                    let node = scalar_node(range, pair.value);
                    push_var(
                        &mut out,
                        Target::Host(host.to_string()),
                        path,
                        &pair.key,
                        node,
                    );
                }
            }
        }
    }
    out
}

fn push_var(
    out: &mut Vec<(Target, VarsSource)>,
    target: Target,
    path: &Arc<Path>,
    key: &str,
    node: Node,
) {
    if let Some((_, source)) = out.iter_mut().find(|(t, _)| *t == target) {
        source.vars.insert(key.to_string(), node);
    } else {
        let mut source = VarsSource {
            path: path.clone(),
            vars: Default::default(),
        };
        source.vars.insert(key.to_string(), node);
        out.push((target, source));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(name, value, source text at the value span)` of one variable.
    type Var = (String, String, String);

    fn vars(text: &str, name: &str) -> Vec<(Target, Vec<Var>)> {
        let path: Arc<Path> = Arc::from(Path::new(name));
        inventory_vars(&path, text)
            .into_iter()
            .map(|(t, s)| {
                let mut v: Vec<_> = s
                    .vars
                    .iter()
                    .map(|(k, n)| {
                        (
                            k.clone(),
                            n.as_str().unwrap_or("").to_string(),
                            text[n.value_span()].to_string(),
                        )
                    })
                    .collect();
                v.sort();
                (t, v)
            })
            .collect()
    }

    #[test]
    fn ini_group_and_host_vars() {
        let text = "\
ungrouped ansible_host=10.0.0.9
[swarm]
node1 docker_state=latest ansible_host=10.0.0.1
node2

[swarm:vars]
docker_version = \"5:24.0.7-1~debian.12~bookworm\"
; comment
containerd_state=present

[all:vars]
ansible_user=deploy
";
        let got = vars(text, "hosts");
        let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
        assert_eq!(
            got,
            [
                (
                    Target::Host("ungrouped".into()),
                    vec![s("ansible_host", "10.0.0.9", "10.0.0.9")]
                ),
                (
                    Target::Host("node1".into()),
                    vec![
                        s("ansible_host", "10.0.0.1", "10.0.0.1"),
                        s("docker_state", "latest", "latest")
                    ]
                ),
                (
                    Target::Group("swarm".into()),
                    vec![
                        s("containerd_state", "present", "present"),
                        s(
                            "docker_version",
                            "5:24.0.7-1~debian.12~bookworm",
                            "5:24.0.7-1~debian.12~bookworm"
                        ),
                    ]
                ),
                (
                    Target::Group("all".into()),
                    vec![s("ansible_user", "deploy", "deploy")]
                ),
            ]
        );
    }

    #[test]
    fn yaml_inventory_vars() {
        let text = "\
all:
  vars:
    docker_state: present
  children:
    swarm:
      vars:
        docker_state: latest
      hosts:
        node1:
          docker_version: '5:24.0.7-1'
        node2:
";
        let got = vars(text, "inventory.yml");
        let s = |a: &str, b: &str| (a.to_string(), b.to_string(), b.to_string());
        assert_eq!(
            got,
            [
                (
                    Target::Group("all".into()),
                    vec![s("docker_state", "present")]
                ),
                (
                    Target::Group("swarm".into()),
                    vec![s("docker_state", "latest")]
                ),
                (
                    Target::Host("node1".into()),
                    vec![s("docker_version", "5:24.0.7-1")]
                ),
            ]
        );
    }

    #[test]
    fn odd_inventories_do_not_panic() {
        for text in [
            "[",
            "[a:vars]\n=x\nk=\n",
            "h k=\"unterminated\n",
            "é ü=☃\n",
            "all:\n  - x\n",
            "[x]\n  indented k=v\n",
        ] {
            let _ = vars(text, "hosts");
            let _ = vars(text, "hosts.yml");
        }
    }
}
