//! Variables written in inventory files themselves (`[group:vars]` sections and host lines of
//! INI inventories, `vars:` and host entries of YAML inventories), with byte spans, for
//! variable resolution. The file is read by `fleetpin-inventory` (the one inventory parser);
//! this module only groups the variable sites it reports by group or host.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use fleetpin_inventory::{Format, Inventory, VarSite};

use crate::vars::VarsSource;

pub use fleetpin_inventory::Target;

/// The variables an inventory file sets, per group or host, in file order (a ranged host
/// line `web[01:02] k=v` sets them for each host). A file that does not load (syntax error,
/// invalid `ansible_port`, alias bomb...) sets none: the lint reports that file as `invalid-inventory` (E009), naming the line.
pub fn inventory_vars(path: &Arc<Path>, text: &str) -> Vec<(Target, VarsSource)> {
    match Inventory::parse_with_sites(text, &**path) {
        Ok((_, sites)) => group_sites(path, sites),
        Err(_) => Vec::new(),
    }
}

/// An inventory file Ansible would refuse to load.
#[derive(Debug, Clone)]
pub struct InventoryProblem {
    /// The inventory file.
    pub path: std::path::PathBuf,
    /// Its text (for a source frame).
    pub text: String,
    /// 1-based line of the error (0 when unknown).
    pub line: usize,
    /// What is wrong (without the file and line).
    pub message: String,
}

/// The inventory files among `paths` that fail to load (syntax error, alias bomb, invalid
/// `ansible_port`...). Files fleetpin does not read statically are skipped: executables
/// (inventory scripts), inventory plugin configurations (`plugin:`), files over `max_size`
/// bytes, unreadable or non-UTF-8 files.
pub fn inventory_problems(paths: &[std::path::PathBuf], max_size: u64) -> Vec<InventoryProblem> {
    let mut out = Vec::new();
    for path in paths {
        let Ok(meta) = std::fs::metadata(path) else {
            continue;
        };
        if !meta.is_file() || meta.len() > max_size || is_executable(&meta) {
            continue;
        }
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let format = Format::detect(path, &text);
        let plugin_config = format == Format::Yaml
            && text.lines().any(|l| {
                l.strip_prefix("plugin")
                    .is_some_and(|rest| rest.trim_start().starts_with(':'))
            });
        if plugin_config {
            continue;
        }
        if let Err(error) = Inventory::parse(&text, path, format) {
            let (line, message) = match error {
                fleetpin_inventory::Error::Syntax { line, message, .. } => (line, message),
                other => (0, other.to_string()),
            };
            out.push(InventoryProblem {
                path: path.clone(),
                text,
                line,
                message,
            });
        }
    }
    out
}

#[cfg(unix)]
fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
fn is_executable(_meta: &std::fs::Metadata) -> bool {
    false
}

/// Whether an inventory without extension reads as YAML (its first line is a `key:`).
pub(crate) fn looks_like_yaml_inventory(text: &str) -> bool {
    Format::detect(Path::new("inventory"), text) == Format::Yaml
}

fn group_sites(path: &Arc<Path>, sites: Vec<VarSite>) -> Vec<(Target, VarsSource)> {
    let mut out: Vec<(Target, VarsSource)> = Vec::new();
    let mut index: HashMap<Target, usize> = HashMap::new();
    for site in sites {
        let i = *index.entry(site.target.clone()).or_insert_with(|| {
            out.push((
                site.target,
                VarsSource {
                    path: path.clone(),
                    vars: HashMap::new(),
                },
            ));
            out.len() - 1
        });
        out[i].1.vars.insert(site.name, site.node);
    }
    out
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
    fn ranged_host_lines_set_vars_on_each_host() {
        let text = "[web]\nweb[01:02] docker_state=latest pkg=\"docker-ce\"\n";
        let got = vars(text, "hosts");
        let s = |a: &str, b: &str| (a.to_string(), b.to_string(), b.to_string());
        let want = vec![s("docker_state", "latest"), s("pkg", "docker-ce")];
        assert_eq!(
            got,
            [
                (Target::Host("web01".into()), want.clone()),
                (Target::Host("web02".into()), want),
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
