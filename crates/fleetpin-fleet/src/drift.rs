//! Drift: how each host differs from `fleetpin.lock` and from the rest of its group.
//!
//! # JSON report (`fleetpin drift --format json`)
//!
//! ```json
//! {
//!   "schema": { "name": "fleetpin-drift", "version": 1 },
//!   "summary": { "hosts": 4, "hosts_with_drift": 1, "differences": 2,
//!                "by_direction": { "ahead": 1, "missing": 1 } },
//!   "differences": [
//!     { "host": "node4", "group": "all", "package": "docker-ce", "manager": "dpkg",
//!       "locked": "5:23.0.1-1~debian.10~buster", "actual": "5:23.0.2-1~debian.10~buster",
//!       "direction": "ahead", "group_majority": "5:23.0.1-1~debian.10~buster" }
//!   ],
//!   "host_gaps": [
//!     { "problem": "gather-failed", "host": "node5", "kind": "unreachable",
//!       "message": "ssh: connect to host node5 port 22: Connection refused", "failed_at": 1764430000 },
//!     { "problem": "stale-facts", "host": "node6", "kind": "timeout", "message": "...",
//!       "failed_at": 1764430000, "gathered_at": 1764000000 },
//!     { "problem": "no-facts", "host": "node7" }
//!   ],
//!   "locked_on_no_host": [
//!     { "group": "os:debian-11", "package": "docker-ce", "locked": "5:20.10.23~3-0~debian-bullseye",
//!       "group_hosts": 0 }
//!   ],
//!   "errors": [ { "message": ".fleetpin/facts/x.json:1: not a valid facts document: ..." } ]
//! }
//! ```
//!
//! The summary also counts `hosts_not_compared` (gather failed without facts, or no facts),
//! `hosts_stale` (compared on the facts of an earlier gather) and `locked_on_no_host`.
//! `host_gaps` also lists hosts of an Ansible tree that the inventory does not list
//! (`not-in-inventory`: compared without groups).
//!
//! `direction` is `behind`/`ahead` (actual older/newer than locked, by dpkg ordering on
//! dpkg hosts and rpm ordering on rpm hosts), `missing` (locked, not installed), `extra`
//! (installed, not locked for the host's group), `held` (held on the host but not in the
//! lock) or `not-held` (held in the lock, not on the host). `locked`/`actual` are `null` where
//! there is none. `group_majority` is the version most hosts of the same lock group run
//! (`null` when most do not have the package), so a lone host that differs stands out.
//! Differences are ordered by package, then by actual version in the package manager's
//! ordering (absent first), then by host.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde::Serialize;

use crate::PackageManager;
use crate::fleet::{Fleet, FleetHost};
use crate::load::HostGap;
use crate::lock::{Lock, Scope, lock_group_of};

/// The JSON schema version of [`DriftReport`].
pub const DRIFT_SCHEMA_VERSION: u32 = 1;

/// How a host differs from the lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// Older than locked.
    Behind,
    /// Newer than locked.
    Ahead,
    /// Locked but not installed.
    Missing,
    /// Installed but not locked for this host's group.
    Extra,
    /// Held on the host, not in the lock.
    Held,
    /// Held in the lock, not on the host.
    NotHeld,
}

impl Direction {
    /// The kebab-case name used in JSON and tables.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Behind => "behind",
            Direction::Ahead => "ahead",
            Direction::Missing => "missing",
            Direction::Extra => "extra",
            Direction::Held => "held",
            Direction::NotHeld => "not-held",
        }
    }
}

/// One difference between a host and the lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    /// The host.
    pub host: String,
    /// Its lock group.
    pub group: String,
    /// The package key.
    pub package: String,
    /// The host's package manager (decides the ordering).
    pub manager: PackageManager,
    /// The locked version, if any.
    pub locked: Option<String>,
    /// The installed version, if any.
    pub actual: Option<String>,
    /// How it differs.
    pub direction: Direction,
    /// The version most hosts of the group run (`None` when most lack the package).
    pub group_majority: Option<String>,
}

/// The schema marker of the JSON report.
#[derive(Debug, Clone, Serialize)]
pub struct Schema {
    /// `fleetpin-drift`: the document's name in the marker every fleetpin JSON document has.
    pub name: &'static str,
    /// [`DRIFT_SCHEMA_VERSION`].
    pub version: u32,
}

/// Counts for the report header.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Hosts compared.
    pub hosts: usize,
    /// Hosts with at least one difference.
    pub hosts_with_drift: usize,
    /// Number of differences.
    pub differences: usize,
    /// Differences per direction.
    pub by_direction: BTreeMap<&'static str, usize>,
    /// Hosts not compared: their gather failed or they have no facts (see `host_gaps`).
    pub hosts_not_compared: usize,
    /// Hosts compared on stale facts (their last gather failed).
    pub hosts_stale: usize,
    /// Locked packages that no host of their group has (see `locked_on_no_host`).
    pub locked_on_no_host: usize,
}

/// A locked package that no host of its lock group has (or a lock group with no host at
/// all): nothing in the fleet confirms or contradicts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockedOnNoHost {
    /// The lock group.
    pub group: String,
    /// The package key.
    pub package: String,
    /// The locked version.
    pub locked: String,
    /// How many hosts of the fleet are in the group (0: the group has no host).
    pub group_hosts: usize,
}

/// An input problem carried in the report (a facts file that could not be read).
#[derive(Debug, Clone, Serialize)]
pub struct ReportError {
    /// The message, naming the file and line.
    pub message: String,
}

/// The drift of a fleet against a lock.
#[derive(Debug, Clone, Serialize)]
pub struct DriftReport {
    /// Schema marker.
    pub schema: Schema,
    /// Counts.
    pub summary: Summary,
    /// Every difference, ordered (see the module docs).
    pub differences: Vec<Difference>,
    /// Hosts missing from the comparison or compared on stale facts, and hosts without
    /// groups (see [`DriftReport::set_host_gaps`]).
    pub host_gaps: Vec<HostGap>,
    /// Locked packages no host of their lock group has, by group and package.
    pub locked_on_no_host: Vec<LockedOnNoHost>,
    /// Input problems (filled by the caller).
    pub errors: Vec<ReportError>,
}

impl DriftReport {
    /// Whether any host differs.
    pub fn has_drift(&self) -> bool {
        !self.differences.is_empty()
    }

    /// Whether the report covers every host on current facts and every locked package
    /// is on some host: no failed gather, no host without facts, no stale facts, nothing
    /// locked that no host has.
    pub fn is_complete(&self) -> bool {
        self.summary.hosts_not_compared == 0
            && self.summary.hosts_stale == 0
            && self.locked_on_no_host.is_empty()
    }

    /// Records the hosts [`crate::load::load`] could not compare (or compared on stale
    /// facts), and counts them in the summary.
    pub fn set_host_gaps(&mut self, gaps: Vec<HostGap>) {
        self.summary.hosts_not_compared = gaps.iter().filter(|g| g.is_missing()).count();
        self.summary.hosts_stale = gaps
            .iter()
            .filter(|g| matches!(g, HostGap::StaleFacts { .. }))
            .count();
        self.host_gaps = gaps;
    }
}

struct LockedEntry<'l> {
    pkg: Option<u32>,
    name: &'l str,
    version: &'l str,
    version_id: Option<u32>,
    hold: bool,
}

/// (host index, package id or locked-entry marker, direction, actual version id)
struct RawDiff<'l> {
    host: usize,
    name: &'l str,
    pkg: Option<u32>,
    locked: Option<&'l str>,
    actual: Option<u32>,
    direction: Direction,
}

/// Compares every host of the fleet with the lock.
pub fn compute(fleet: &Fleet, lock: &Lock) -> DriftReport {
    compute_selected(fleet, lock, &|_| true)
}

/// Compares the hosts `selected` accepts with the lock (`fleetpin drift --limit`). Group
/// majorities still count every host of the fleet: a limited report says how the selected
/// hosts stand against their whole group, as the full report would for them.
pub fn compute_selected(
    fleet: &Fleet,
    lock: &Lock,
    selected: &(dyn Fn(&FleetHost) -> bool + Sync),
) -> DriftReport {
    let empty = BTreeMap::new();
    let mut tables: HashMap<&str, (Vec<LockedEntry<'_>>, Vec<bool>)> = HashMap::new();
    let groups: Vec<&str> = std::iter::once(crate::lock::DEFAULT_GROUP)
        .chain(lock.group_by.iter().map(String::as_str))
        .collect();
    for g in &groups {
        let pkgs = lock.groups.get(*g).unwrap_or(&empty);
        let mut entries: Vec<LockedEntry<'_>> = pkgs
            .iter()
            .map(|(name, l)| LockedEntry {
                pkg: fleet.packages.get(name),
                name,
                version: &l.version,
                version_id: fleet.versions.get(&l.version),
                hold: l.hold,
            })
            .collect();
        // By package id, so each host is compared in one merge pass over its sorted list.
        entries.sort_by_key(|e| e.pkg.unwrap_or(u32::MAX));
        let mut ids = vec![false; fleet.packages.len()];
        for p in entries.iter().filter_map(|e| e.pkg) {
            ids[p as usize] = true;
        }
        tables.insert(g, (entries, ids));
    }
    let universe: Option<HashSet<u32>> = (lock.scope == Scope::Listed).then(|| {
        lock.package_names()
            .iter()
            .filter_map(|n| fleet.packages.get(n))
            .collect()
    });

    let raw: Vec<RawDiff<'_>> = fleet
        .hosts
        .par_iter()
        .enumerate()
        .filter(|(_, host)| selected(host))
        .flat_map_iter(|(hi, host)| {
            let group = lock_group_of(host, &lock.group_by);
            let (entries, locked_ids) = &tables[group];
            let mut out = Vec::new();
            let mut cursor = 0;
            for e in entries {
                let inst = e.pkg.and_then(|p| {
                    while cursor < host.installed.len() && host.installed[cursor].pkg < p {
                        cursor += 1;
                    }
                    host.installed.get(cursor).filter(|i| i.pkg == p)
                });
                match inst {
                    None => out.push(RawDiff {
                        host: hi,
                        name: e.name,
                        pkg: e.pkg,
                        locked: Some(e.version),
                        actual: None,
                        direction: Direction::Missing,
                    }),
                    Some(i) => {
                        let ord = if Some(i.version) == e.version_id {
                            std::cmp::Ordering::Equal
                        } else {
                            host.manager
                                .compare(fleet.versions.resolve(i.version), e.version)
                        };
                        let version_dir = match ord {
                            std::cmp::Ordering::Less => Some(Direction::Behind),
                            std::cmp::Ordering::Greater => Some(Direction::Ahead),
                            std::cmp::Ordering::Equal => None,
                        };
                        // A host that is not held where the lock holds is how a node gets
                        // upgraded behind everyone's back: report it next to the version.
                        let hold_dir = match (e.hold, i.held) {
                            (true, Some(false)) => Some(Direction::NotHeld),
                            (false, Some(true)) => Some(Direction::Held),
                            _ => None,
                        };
                        for direction in [version_dir, hold_dir].into_iter().flatten() {
                            out.push(RawDiff {
                                host: hi,
                                name: e.name,
                                pkg: e.pkg,
                                locked: Some(e.version),
                                actual: Some(i.version),
                                direction,
                            });
                        }
                    }
                }
            }
            for i in &host.installed {
                let in_scope = universe.as_ref().is_none_or(|u| u.contains(&i.pkg));
                if in_scope && !locked_ids[i.pkg as usize] {
                    out.push(RawDiff {
                        host: hi,
                        name: fleet.packages.resolve(i.pkg),
                        pkg: Some(i.pkg),
                        locked: None,
                        actual: Some(i.version),
                        direction: Direction::Extra,
                    });
                }
            }
            out
        })
        .collect();

    // Group majorities, only for the (group, package) pairs that drifted. One sequential
    // pass over every host (merge of two sorted id lists), not one lookup per host and pair:
    // the latter was quadratic in practice (5,000 hosts x 2,000 drifted pairs).
    let mut needed: HashMap<&str, Vec<u32>> = HashMap::new();
    for d in &raw {
        if let Some(p) = d.pkg {
            needed
                .entry(lock_group_of(&fleet.hosts[d.host], &lock.group_by))
                .or_default()
                .push(p);
        }
    }
    for pkgs in needed.values_mut() {
        pkgs.sort_unstable();
        pkgs.dedup();
    }
    // Per group: per needed package (same index as in `needed`), (version, count) pairs.
    let mut counts: HashMap<&str, Vec<Vec<(u32, usize)>>> = needed
        .iter()
        .map(|(g, p)| (*g, vec![Vec::new(); p.len()]))
        .collect();
    let mut members: HashMap<&str, (usize, PackageManager)> = HashMap::new();
    for h in &fleet.hosts {
        let g = lock_group_of(h, &lock.group_by);
        members.entry(g).or_insert((0, h.manager)).0 += 1;
        let (Some(pkgs), Some(slots)) = (needed.get(g), counts.get_mut(g)) else {
            continue;
        };
        let (mut a, mut b) = (0, 0);
        while a < pkgs.len() && b < h.installed.len() {
            match pkgs[a].cmp(&h.installed[b].pkg) {
                std::cmp::Ordering::Less => a += 1,
                std::cmp::Ordering::Greater => b += 1,
                std::cmp::Ordering::Equal => {
                    let v = h.installed[b].version;
                    match slots[a].iter_mut().find(|(x, _)| *x == v) {
                        Some((_, n)) => *n += 1,
                        None => slots[a].push((v, 1)),
                    }
                    a += 1;
                    b += 1;
                }
            }
        }
    }
    let mut majority: HashMap<(&str, u32), Option<u32>> = HashMap::new();
    let mut nowhere: HashSet<(&str, u32)> = HashSet::new();
    for (g, pkgs) in &needed {
        let (size, manager) = members[g];
        for (p, versions) in pkgs.iter().zip(&counts[g]) {
            let present: usize = versions.iter().map(|(_, n)| n).sum();
            if present == 0 {
                nowhere.insert((*g, *p));
            }
            let best = versions
                .iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| fleet.compare(manager, a.0, b.0)))
                .filter(|_| present * 2 > size)
                .map(|(v, _)| *v);
            majority.insert((*g, *p), best);
        }
    }

    let mut raw = raw;
    raw.sort_by(|a, b| {
        a.name
            .cmp(b.name)
            .then_with(|| match (a.actual, b.actual) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Less,
                (Some(_), None) => std::cmp::Ordering::Greater,
                (Some(x), Some(y)) => fleet.compare(fleet.hosts[a.host].manager, x, y),
            })
            .then_with(|| fleet.hosts[a.host].name.cmp(&fleet.hosts[b.host].name))
    });
    let mut summary = Summary {
        hosts: fleet.hosts.iter().filter(|h| selected(h)).count(),
        ..Summary::default()
    };
    let mut drifted: HashSet<usize> = HashSet::new();
    let differences: Vec<Difference> = raw
        .into_iter()
        .map(|d| {
            let host = &fleet.hosts[d.host];
            let group = lock_group_of(host, &lock.group_by);
            drifted.insert(d.host);
            *summary
                .by_direction
                .entry(d.direction.as_str())
                .or_default() += 1;
            Difference {
                host: host.name.clone(),
                group: group.to_string(),
                package: d.name.to_string(),
                manager: host.manager,
                locked: d.locked.map(str::to_string),
                actual: d.actual.map(|v| fleet.versions.resolve(v).to_string()),
                direction: d.direction,
                group_majority: d
                    .pkg
                    .and_then(|p| majority.get(&(group, p)).copied().flatten())
                    .map(|v| fleet.versions.resolve(v).to_string()),
            }
        })
        .collect();
    summary.differences = differences.len();
    summary.hosts_with_drift = drifted.len();

    // Locked packages no host of the group has: in a group without hosts every entry; else
    // those no host of the whole group has (counted over every host above, so a limited
    // report says the same as the full one).
    let mut locked_on_no_host = Vec::new();
    for g in &groups {
        let Some(pkgs) = lock.groups.get(*g) else {
            continue;
        };
        let size = members.get(g).map_or(0, |m| m.0);
        for (name, l) in pkgs {
            let pkg = fleet.packages.get(name);
            let none = size == 0
                || match pkg {
                    None => true,
                    Some(p) => nowhere.contains(&(*g, p)),
                };
            if none {
                locked_on_no_host.push(LockedOnNoHost {
                    group: g.to_string(),
                    package: name.clone(),
                    locked: l.version.clone(),
                    group_hosts: size,
                });
            }
        }
    }
    locked_on_no_host.sort_by(|a, b| (&a.group, &a.package).cmp(&(&b.group, &b.package)));
    summary.locked_on_no_host = locked_on_no_host.len();
    DriftReport {
        schema: Schema {
            name: "fleetpin-drift",
            version: DRIFT_SCHEMA_VERSION,
        },
        summary,
        differences,
        host_gaps: Vec::new(),
        locked_on_no_host,
        errors: Vec::new(),
    }
}
