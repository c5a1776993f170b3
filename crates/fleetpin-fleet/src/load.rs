//! Loading the fleet that `lock` and `drift` work on: a facts directory or an Ansible
//! `package_facts --tree`, inventory groups, `--limit`, and every host that could not be
//! loaded, so none is ever dropped silently.
//!
//! Hosts are reported as [`HostGap`]s: a host whose last gather failed (without facts, or
//! with stale facts from an earlier gather), an inventory host without facts, a host of an
//! Ansible tree the inventory does not list. Unreadable facts files stay errors.
//!
//! `--limit` is an Ansible pattern evaluated against the inventory when there is one, else
//! against the hosts and groups recorded in the facts (and in failed-gather records), so
//! `drift --limit swarm_workers` needs no inventory file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fleetpin_inventory::{Inventory, Pattern};
use serde::Serialize;

use crate::Error;
use crate::facts::{FactsStore, GatherFailure};
use crate::fleet::Fleet;

/// Where the hosts come from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A facts directory written by `fleetpin gather`.
    Facts(&'a FactsStore),
    /// An `ansible -m package_facts --tree DIR` directory, read directly.
    AnsibleTree(&'a Path),
}

/// What to load.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Facts directory or Ansible tree.
    pub source: Source<'a>,
    /// The inventory: groups of the hosts of an Ansible tree, inventory hosts that have no
    /// facts, and the hosts `limit` selects.
    pub inventory: Option<&'a Inventory>,
    /// Only these hosts (an Ansible pattern, see the module docs).
    pub limit: Option<&'a Pattern>,
}

/// A host the fleet does not hold (or holds on old facts), with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "kebab-case")]
pub enum HostGap {
    /// The last gather of the host failed and no earlier facts exist: it is not compared.
    GatherFailed {
        /// The host.
        host: String,
        /// What failed (`unreachable`, `timeout`...).
        kind: String,
        /// The error.
        message: String,
        /// Unix time of the failure, when recorded.
        failed_at: Option<u64>,
    },
    /// The last gather of the host failed; it is compared on the facts of an earlier one.
    StaleFacts {
        /// The host.
        host: String,
        /// What failed.
        kind: String,
        /// The error.
        message: String,
        /// Unix time of the failure, when recorded.
        failed_at: Option<u64>,
        /// Unix time the facts in use were gathered, when known.
        gathered_at: Option<u64>,
    },
    /// An inventory host with no facts (never gathered): it is not compared.
    NoFacts {
        /// The host.
        host: String,
    },
    /// A host of an Ansible tree that the inventory does not list: it has no groups.
    NotInInventory {
        /// The host.
        host: String,
    },
}

impl HostGap {
    /// The host.
    pub fn host(&self) -> &str {
        match self {
            HostGap::GatherFailed { host, .. }
            | HostGap::StaleFacts { host, .. }
            | HostGap::NoFacts { host }
            | HostGap::NotInInventory { host } => host,
        }
    }

    /// Whether the host is left out of the comparison altogether (no facts at all).
    pub fn is_missing(&self) -> bool {
        matches!(self, HostGap::GatherFailed { .. } | HostGap::NoFacts { .. })
    }

    /// One line for people: `HOST: what`.
    pub fn describe(&self) -> String {
        match self {
            HostGap::GatherFailed {
                host,
                kind,
                message,
                ..
            } => format!("{host}: gather failed ({kind}: {message}); no facts, not compared"),
            HostGap::StaleFacts {
                host,
                kind,
                message,
                gathered_at,
                ..
            } => format!(
                "{host}: last gather failed ({kind}: {message}); compared on stale facts{}",
                gathered_at.map_or(String::new(), |t| format!(" gathered at {t} (unix time)"))
            ),
            HostGap::NoFacts { host } => {
                format!("{host}: in the inventory but has no facts (never gathered); not compared")
            }
            HostGap::NotInInventory { host } => {
                format!("{host}: not in the inventory; it has no groups")
            }
        }
    }
}

/// A loaded fleet and everything that kept it from being whole.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The hosts with facts (all of them: `selected` says which the limit chose).
    pub fleet: Fleet,
    /// The host names `--limit` selected (with or without facts); `None` without a limit.
    pub selected: Option<BTreeSet<String>>,
    /// Facts files (or failed-gather records) that could not be read.
    pub errors: Vec<Error>,
    /// Hosts missing, stale or without groups, of the selected hosts, sorted by host.
    pub gaps: Vec<HostGap>,
}

impl Loaded {
    /// Whether the limit (if any) selected this host.
    pub fn is_selected(&self, host: &str) -> bool {
        self.selected.as_ref().is_none_or(|s| s.contains(host))
    }
}

#[derive(serde::Deserialize)]
struct GatheredAt {
    gathered_at: Option<u64>,
}

/// Loads a fleet as [`Request`] says. Only an unreadable directory or a limit that matches
/// nothing is an error; bad files are in [`Loaded::errors`], absent hosts in
/// [`Loaded::gaps`].
pub fn load(req: &Request<'_>) -> Result<Loaded, Error> {
    let (mut fleet, errors) = match req.source {
        Source::Facts(store) => Fleet::load(store)?,
        Source::AnsibleTree(dir) => Fleet::load_ansible_tree(dir)?,
    };
    let mut gaps = Vec::new();
    let mut errors = errors;

    // Groups of tree hosts come from the inventory (package_facts carries none).
    if let (Some(inv), Source::AnsibleTree(_)) = (req.inventory, req.source) {
        for host in &mut fleet.hosts {
            if inv.host(&host.name).is_none() {
                gaps.push(HostGap::NotInInventory {
                    host: host.name.clone(),
                });
                continue;
            }
            host.groups = groups_of(inv, &host.name);
        }
    }

    let (failures, failure_errors) = match req.source {
        Source::Facts(store) => store.failures(),
        Source::AnsibleTree(_) => (Vec::new(), Vec::new()),
    };
    errors.extend(failure_errors);

    let selected = match req.limit {
        None => None,
        Some(pattern) => {
            let chosen: BTreeSet<String> = match req.inventory {
                Some(inv) => names(pattern.select(inv)),
                None => {
                    let recorded = recorded_inventory(&fleet, &failures)?;
                    names(pattern.select(&recorded))
                }
            };
            if chosen.is_empty() {
                return Err(Error::Limit {
                    message: format!(
                        "--limit matches no host of the {}",
                        if req.inventory.is_some() {
                            "inventory"
                        } else {
                            "facts"
                        }
                    ),
                });
            }
            Some(chosen)
        }
    };
    let is_selected = |h: &str| selected.as_ref().is_none_or(|s| s.contains(h));

    // Failed gathers: stale facts, or a host with none.
    for f in failures.into_iter().filter(|f| is_selected(&f.host)) {
        let GatherFailure {
            host,
            at,
            kind,
            message,
            ..
        } = f;
        if fleet.host(&host).is_some() {
            let gathered_at = match req.source {
                Source::Facts(store) => std::fs::read(store.path_for(&host))
                    .ok()
                    .and_then(|b| serde_json::from_slice::<GatheredAt>(&b).ok())
                    .and_then(|g| g.gathered_at),
                Source::AnsibleTree(_) => None,
            };
            gaps.push(HostGap::StaleFacts {
                host,
                kind,
                message,
                failed_at: at,
                gathered_at,
            });
        } else {
            gaps.push(HostGap::GatherFailed {
                host,
                kind,
                message,
                failed_at: at,
            });
        }
    }

    // Inventory hosts without facts (unreadable facts files are errors already).
    if let Some(inv) = req.inventory {
        let error_paths: BTreeSet<&Path> = errors.iter().filter_map(error_path).collect();
        let reported: BTreeSet<String> = gaps.iter().map(|g| g.host().to_string()).collect();
        for h in inv.hosts() {
            let name = h.name();
            if !is_selected(name) || fleet.host(name).is_some() || reported.contains(name) {
                continue;
            }
            let unreadable = match req.source {
                Source::Facts(store) => error_paths.contains(store.path_for(name).as_path()),
                Source::AnsibleTree(dir) => error_paths.contains(dir.join(name).as_path()),
            };
            if !unreadable {
                gaps.push(HostGap::NoFacts {
                    host: name.to_string(),
                });
            }
        }
    }
    gaps.sort_by(|a, b| a.host().cmp(b.host()));
    Ok(Loaded {
        fleet,
        selected,
        errors,
        gaps,
    })
}

fn names(hosts: Vec<&fleetpin_inventory::Host>) -> BTreeSet<String> {
    hosts.iter().map(|h| h.name().to_string()).collect()
}

/// The inventory groups of a host (direct and inherited, without `all`), sorted.
pub fn groups_of(inv: &Inventory, host: &str) -> Vec<String> {
    let mut g: Vec<String> = inv
        .host_groups(host)
        .iter()
        .map(|g| g.name().to_string())
        .filter(|g| g != "all")
        .collect();
    g.sort();
    g
}

fn error_path(e: &Error) -> Option<&Path> {
    match e {
        Error::Io { path, .. }
        | Error::Json { path, .. }
        | Error::Parse { path, .. }
        | Error::NewerFormat { path, .. }
        | Error::AnsibleHost { path, .. } => Some(path),
        Error::DuplicateHost { first, .. } => Some(first),
        _ => None,
    }
}

/// An inventory of the hosts and groups recorded in the facts and failed-gather records
/// (groups there are already flattened: direct and inherited).
fn recorded_inventory(fleet: &Fleet, failures: &[GatherFailure]) -> Result<Inventory, Error> {
    let mut groups: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut ungrouped: BTreeSet<&str> = BTreeSet::new();
    let hosts = fleet
        .hosts
        .iter()
        .map(|h| (h.name.as_str(), &h.groups))
        .chain(failures.iter().map(|f| (f.host.as_str(), &f.groups)));
    for (host, host_groups) in hosts {
        if host_groups.is_empty() {
            ungrouped.insert(host);
        }
        for g in host_groups {
            groups.entry(g).or_default().insert(host);
        }
    }
    // Built as a YAML (JSON) inventory document and read by fleetpin-inventory, so patterns
    // mean exactly what they mean against an inventory file.
    let hosts_map = |hs: &BTreeSet<&str>| -> serde_json::Value {
        serde_json::Value::Object(
            hs.iter()
                .map(|h| (h.to_string(), serde_json::Value::Null))
                .collect(),
        )
    };
    let mut children = serde_json::Map::new();
    for (g, hs) in &groups {
        if matches!(*g, "all" | "ungrouped") {
            continue;
        }
        children.insert(g.to_string(), serde_json::json!({ "hosts": hosts_map(hs) }));
    }
    let doc = serde_json::json!({
        "all": { "hosts": hosts_map(&ungrouped), "children": children }
    });
    Inventory::parse_yaml(
        &doc.to_string(),
        PathBuf::from("(groups recorded in the facts)"),
    )
    .map_err(Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::{FactsSource, HostFacts, PackageManager};

    fn write(store: &FactsStore, host: &str, groups: &[&str]) {
        let mut f = HostFacts::new(host, FactsSource::Ssh, PackageManager::Dpkg);
        f.groups = groups.iter().map(|g| g.to_string()).collect();
        f.gathered_at = Some(100);
        store.write(&f).unwrap();
    }

    #[test]
    fn limit_uses_recorded_groups_and_failures_are_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let store = FactsStore::new(dir.path());
        write(&store, "w1", &["swarm", "workers"]);
        write(&store, "w2", &["swarm", "workers"]);
        write(&store, "m1", &["swarm", "managers"]);
        write(&store, "db1", &[]);
        let fail = |host: &str, groups: &[&str]| GatherFailure {
            host: host.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            at: Some(200),
            kind: "unreachable".into(),
            message: "Connection refused".into(),
        };
        store
            .record_failure(&fail("w2", &["swarm", "workers"]))
            .unwrap();
        store
            .record_failure(&fail("w3", &["swarm", "workers"]))
            .unwrap();
        let pattern = Pattern::parse("workers:!w1").unwrap();
        let loaded = load(&Request {
            source: Source::Facts(&store),
            inventory: None,
            limit: Some(&pattern),
        })
        .unwrap();
        assert_eq!(
            loaded.selected.iter().flatten().collect::<Vec<_>>(),
            ["w2", "w3"]
        );
        assert_eq!(loaded.fleet.hosts.len(), 4, "all hosts stay for majorities");
        assert_eq!(
            loaded.gaps,
            [
                HostGap::StaleFacts {
                    host: "w2".into(),
                    kind: "unreachable".into(),
                    message: "Connection refused".into(),
                    failed_at: Some(200),
                    gathered_at: Some(100),
                },
                HostGap::GatherFailed {
                    host: "w3".into(),
                    kind: "unreachable".into(),
                    message: "Connection refused".into(),
                    failed_at: Some(200),
                },
            ]
        );
        // A later successful gather forgets the failure.
        write(&store, "w2", &["swarm", "workers"]);
        let (failures, _) = store.failures();
        assert_eq!(failures.len(), 1);

        let nothing = Pattern::parse("nosuchgroup").unwrap();
        let err = load(&Request {
            source: Source::Facts(&store),
            inventory: None,
            limit: Some(&nothing),
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "--limit matches no host of the facts");
    }

    #[test]
    fn inventory_hosts_without_facts_are_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let store = FactsStore::new(dir.path());
        write(&store, "a", &[]);
        std::fs::write(store.path_for("bad"), "{").unwrap();
        let inv = Inventory::parse_ini("a\nbad\nnew\n", "hosts.ini").unwrap();
        let loaded = load(&Request {
            source: Source::Facts(&store),
            inventory: Some(&inv),
            limit: None,
        })
        .unwrap();
        assert_eq!(loaded.gaps, [HostGap::NoFacts { host: "new".into() }]);
        assert_eq!(loaded.errors.len(), 1, "bad.json is an error, not a gap");
    }
}
