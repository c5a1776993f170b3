//! `fleetpin.lock`: the package versions a fleet runs, like `Cargo.lock` for servers.
//!
//! # Format
//!
//! TOML, written with a stable order (groups, then packages, by name) so diffs are small:
//!
//! ```toml
//! # fleetpin.lock: the package versions this fleet runs. Written by `fleetpin lock`.
//! version = 1
//! group-by = ["os:debian-12"]
//! scope = "all"
//! prefer = ["majority"]
//!
//! [packages]
//! apparmor = "2.13.2-10"
//! docker-ce = { version = "5:23.0.1-1~debian.10~buster", hold = true }
//!
//! [groups."os:debian-12".packages]
//! docker-ce = "5:24.0.7-1~debian.12~bookworm"
//! ```
//!
//! - `version`: the format version. A lock with a higher one is refused, not misread.
//! - `group-by`: the groups whose hosts are locked separately, because they legitimately
//!   run other versions (an inventory group, or `os:ID-VERSION_ID` for every host of that
//!   OS release). A host belongs to the first listed group it is in; hosts in none of them
//!   are locked by the top-level `[packages]`.
//! - `scope`: `all` (every installed package is locked; a package installed but not
//!   locked is *extra* drift) or `listed` (only the packages of a `--packages` list).
//! - `prefer`: the conflict rules the lock was made with, in order (`majority`,
//!   `lowest`, `highest`, or a host name).
//! - `[packages]` and `[groups.NAME.packages]`: one entry per package key (`name`, or
//!   `name:arch` for a foreign architecture): the version string, or an inline table
//!   with `version` and `hold = true` when the group holds the package (`dpkg --set-selections`).
//!   Each group's table is complete: a package missing from it is not expected on those
//!   hosts.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use crate::Error;
use crate::fleet::{Fleet, FleetHost};

/// The lock format version this fleetpin writes and reads.
pub const LOCK_FORMAT_VERSION: u32 = 1;

/// The name of the default lock group (hosts in none of the `group-by` groups).
pub const DEFAULT_GROUP: &str = "all";

/// What the lock covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every installed package.
    All,
    /// Only packages named in a list.
    Listed,
}

/// One locked package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Locked {
    /// The version string.
    pub version: String,
    /// Whether the package is held on these hosts.
    pub hold: bool,
}

/// A conflict-resolution rule (`--prefer`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prefer {
    /// The version most hosts of the group run (absence counts as a choice); ties do not
    /// resolve.
    Majority,
    /// The lowest version installed in the group.
    Lowest,
    /// The highest version installed in the group.
    Highest,
    /// What this host runs, in the group that contains it.
    Host(String),
}

impl Prefer {
    /// Parses `majority`, `lowest`, `highest` or a host name.
    pub fn parse(s: &str) -> Prefer {
        match s {
            "majority" => Prefer::Majority,
            "lowest" => Prefer::Lowest,
            "highest" => Prefer::Highest,
            host => Prefer::Host(host.to_string()),
        }
    }

    /// The rule as written in the lock and on the command line.
    pub fn as_str(&self) -> &str {
        match self {
            Prefer::Majority => "majority",
            Prefer::Lowest => "lowest",
            Prefer::Highest => "highest",
            Prefer::Host(h) => h,
        }
    }
}

/// A parsed or generated `fleetpin.lock`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    /// Groups locked separately, in priority order.
    pub group_by: Vec<String>,
    /// What the lock covers.
    pub scope: Scope,
    /// Conflict rules used to make the lock.
    pub prefer: Vec<Prefer>,
    /// Per lock group (`all` for the default), per package key.
    pub groups: BTreeMap<String, BTreeMap<String, Locked>>,
}

/// Options of [`Lock::generate`].
#[derive(Debug, Clone, Default)]
pub struct LockOptions {
    /// Groups to lock separately, in priority order.
    pub group_by: Vec<String>,
    /// Lock only these package keys (`--packages FILE`).
    pub packages: Option<BTreeSet<String>>,
    /// Conflict rules, tried in order.
    pub prefer: Vec<Prefer>,
}

/// One side of a conflict: a version (or absence) and the hosts that have it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The version, `None` for hosts without the package.
    pub version: Option<String>,
    /// How many hosts.
    pub count: usize,
    /// The first hosts (by name, at most [`CANDIDATE_HOSTS`]).
    pub hosts: Vec<String>,
}

/// How many host names a [`Candidate`] keeps (its `count` has them all).
pub const CANDIDATE_HOSTS: usize = 20;

/// Hosts of one lock group disagreeing about a package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The lock group.
    pub group: String,
    /// The package key.
    pub package: String,
    /// What the hosts run, most common first, then by version.
    pub candidates: Vec<Candidate>,
    /// The outcome and the rule that decided it (`None` when no rule resolved it).
    pub resolution: Option<(Option<String>, String)>,
}

/// Hosts of one lock group that disagree on holding a package (`apt-mark hold`). The lock
/// records the majority (`hold = true` when most hosts hold it); this says who differs, so
/// the choice is never silent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldSplit {
    /// The lock group.
    pub group: String,
    /// The package key.
    pub package: String,
    /// Hosts holding the package, by name.
    pub held: Vec<String>,
    /// Hosts where it is installed and not held, by name.
    pub not_held: Vec<String>,
    /// What the lock records.
    pub locked_hold: bool,
}

/// Which lock group a host belongs to under `group_by`.
pub fn lock_group_of<'g>(host: &FleetHost, group_by: &'g [String]) -> &'g str {
    group_by
        .iter()
        .find(|g| host.in_group(g))
        .map_or(DEFAULT_GROUP, String::as_str)
}

impl Lock {
    /// Builds the lock from a fleet. Returns the lock and every conflict (resolved or not);
    /// packages with an unresolved conflict are left out of the lock, so callers must refuse
    /// to write it while any conflict has no resolution.
    pub fn generate(fleet: &Fleet, opts: &LockOptions) -> (Lock, Vec<Conflict>) {
        let mut members: BTreeMap<&str, Vec<&FleetHost>> = BTreeMap::new();
        for h in &fleet.hosts {
            members
                .entry(lock_group_of(h, &opts.group_by))
                .or_default()
                .push(h);
        }
        let wanted: Option<Vec<bool>> = opts.packages.as_ref().map(|set| {
            let mut w = vec![false; fleet.packages.len()];
            for p in set.iter().filter_map(|p| fleet.packages.get(p)) {
                w[p as usize] = true;
            }
            w
        });
        let mut groups = BTreeMap::new();
        let mut conflicts = Vec::new();
        for (group, hosts) in members {
            let manager = hosts[0].manager;
            // Per package id: (version id, hosts, hosts with a known hold state, held).
            // Dense and counted, no per-host lists: 10 million installations at 5,000 hosts.
            let mut seen: Vec<Vec<(u32, usize, usize, usize)>> =
                vec![Vec::new(); fleet.packages.len()];
            let mut touched: Vec<u32> = Vec::new();
            for h in &hosts {
                for i in &h.installed {
                    if wanted.as_ref().is_some_and(|w| !w[i.pkg as usize]) {
                        continue;
                    }
                    let slot = &mut seen[i.pkg as usize];
                    if slot.is_empty() {
                        touched.push(i.pkg);
                    }
                    let known = usize::from(i.held.is_some());
                    let held = usize::from(i.held == Some(true));
                    match slot.iter_mut().find(|e| e.0 == i.version) {
                        Some(e) => {
                            e.1 += 1;
                            e.2 += known;
                            e.3 += held;
                        }
                        None => slot.push((i.version, 1, known, held)),
                    }
                }
            }
            touched.sort_unstable();
            let mut locked = BTreeMap::new();
            // Conflicts still needing example host names: (index, package, candidate
            // versions, version -> representative), in package order.
            let mut pending: Vec<Pending> = Vec::new();
            for pkg in touched {
                // Versions equal under the ordering (`1.01` and `1.1`; rpm `2.0` and `2_0`)
                // are one choice: the most common spelling stands for them (ties: the
                // smallest string). Never the interned id, which depends on load order.
                let mut raw = std::mem::take(&mut seen[pkg as usize]);
                raw.sort_by(|a, b| {
                    b.1.cmp(&a.1)
                        .then_with(|| fleet.versions.resolve(a.0).cmp(fleet.versions.resolve(b.0)))
                });
                let mut merged: Vec<(u32, usize, usize, usize)> = Vec::with_capacity(raw.len());
                let mut rep_of: Vec<(u32, u32)> = Vec::with_capacity(raw.len());
                for e in raw {
                    match merged
                        .iter_mut()
                        .find(|m| fleet.compare(manager, m.0, e.0).is_eq())
                    {
                        Some(m) => {
                            m.1 += e.1;
                            m.2 += e.2;
                            m.3 += e.3;
                            rep_of.push((e.0, m.0));
                        }
                        None => {
                            rep_of.push((e.0, e.0));
                            merged.push(e);
                        }
                    }
                }
                let present: usize = merged.iter().map(|e| e.1).sum();
                let absent = hosts.len() - present;
                let name = fleet.packages.resolve(pkg).to_string();
                let chosen: Option<u32> = if merged.len() == 1 && absent == 0 {
                    Some(merged[0].0)
                } else {
                    let mut cands: Vec<(Option<u32>, usize)> =
                        merged.iter().map(|e| (Some(e.0), e.1)).collect();
                    if absent > 0 {
                        cands.push((None, absent));
                    }
                    cands.sort_by(|a, b| {
                        b.1.cmp(&a.1).then_with(|| match (a.0, b.0) {
                            (Some(x), Some(y)) => fleet.compare(manager, y, x),
                            (Some(_), None) => std::cmp::Ordering::Less,
                            (None, Some(_)) => std::cmp::Ordering::Greater,
                            (None, None) => std::cmp::Ordering::Equal,
                        })
                    });
                    let rep = |h: &FleetHost| -> Option<u32> {
                        h.get(pkg).map(|i| {
                            rep_of
                                .iter()
                                .find(|r| r.0 == i.version)
                                .map_or(i.version, |r| r.1)
                        })
                    };
                    let resolution = resolve(fleet, manager, &cands, &opts.prefer, &hosts, &rep);
                    let candidates = cands
                        .iter()
                        .map(|(v, count)| Candidate {
                            version: v.map(|v| fleet.versions.resolve(v).to_string()),
                            count: *count,
                            hosts: Vec::new(),
                        })
                        .collect();
                    conflicts.push(Conflict {
                        group: group.to_string(),
                        package: name.clone(),
                        candidates,
                        resolution: resolution.as_ref().map(|(v, rule)| {
                            (
                                v.map(|v| fleet.versions.resolve(v).to_string()),
                                rule.clone(),
                            )
                        }),
                    });
                    pending.push((
                        conflicts.len() - 1,
                        pkg,
                        cands.iter().map(|c| c.0).collect(),
                        rep_of.clone(),
                    ));
                    resolution.and_then(|(v, _)| v)
                };
                let Some(version) = chosen else { continue };
                let (known, held) = merged
                    .iter()
                    .find(|e| e.0 == version)
                    .map_or((0, 0), |e| (e.2, e.3));
                locked.insert(
                    name,
                    Locked {
                        version: fleet.versions.resolve(version).to_string(),
                        hold: held * 2 > known,
                    },
                );
            }
            // A few host names per candidate, in one merge pass over each host's sorted list.
            for h in &hosts {
                let mut b = 0;
                for (ci, pkg, versions, rep_of) in &pending {
                    while b < h.installed.len() && h.installed[b].pkg < *pkg {
                        b += 1;
                    }
                    let v = h.installed.get(b).filter(|i| i.pkg == *pkg).map(|i| {
                        rep_of
                            .iter()
                            .find(|r| r.0 == i.version)
                            .map_or(i.version, |r| r.1)
                    });
                    if let Some(k) = versions.iter().position(|c| *c == v) {
                        let list = &mut conflicts[*ci].candidates[k].hosts;
                        if list.len() < CANDIDATE_HOSTS {
                            list.push(h.name.clone());
                        }
                    }
                }
            }
            groups.insert(group.to_string(), locked);
        }
        conflicts.sort_by(|a, b| {
            a.group
                .cmp(&b.group)
                .then_with(|| a.package.cmp(&b.package))
        });
        let lock = Lock {
            group_by: opts.group_by.clone(),
            scope: if opts.packages.is_some() {
                Scope::Listed
            } else {
                Scope::All
            },
            prefer: opts.prefer.clone(),
            groups,
        };
        (lock, conflicts)
    }

    /// Packages whose hold state differs between hosts of one lock group, for the packages
    /// this lock covers, ordered by group and package.
    pub fn hold_splits(&self, fleet: &Fleet) -> Vec<HoldSplit> {
        let mut splits: BTreeMap<(&str, &str), HoldSplit> = BTreeMap::new();
        for h in &fleet.hosts {
            let group = lock_group_of(h, &self.group_by);
            let Some(locked) = self.groups.get(group) else {
                continue;
            };
            for i in &h.installed {
                let Some(held) = i.held else { continue };
                let package = fleet.packages.resolve(i.pkg);
                let Some(l) = locked.get(package) else {
                    continue;
                };
                let split = splits.entry((group, package)).or_insert_with(|| HoldSplit {
                    group: group.to_string(),
                    package: package.to_string(),
                    held: Vec::new(),
                    not_held: Vec::new(),
                    locked_hold: l.hold,
                });
                if held {
                    split.held.push(h.name.clone());
                } else {
                    split.not_held.push(h.name.clone());
                }
            }
        }
        splits
            .into_values()
            .filter(|s| !s.held.is_empty() && !s.not_held.is_empty())
            .collect()
    }

    /// The lock as TOML text (see the module docs).
    pub fn to_toml(&self) -> String {
        let mut s = String::new();
        s.push_str(
            "# fleetpin.lock: the package versions this fleet runs. Written by `fleetpin lock`;\n",
        );
        s.push_str("# `fleetpin lock --check` fails when it is out of date, `fleetpin drift` compares hosts with it.\n");
        let _ = writeln!(s, "version = {LOCK_FORMAT_VERSION}");
        let list =
            |items: &mut dyn Iterator<Item = &str>| items.map(quote).collect::<Vec<_>>().join(", ");
        let _ = writeln!(
            s,
            "group-by = [{}]",
            list(&mut self.group_by.iter().map(String::as_str))
        );
        let _ = writeln!(
            s,
            "scope = \"{}\"",
            if self.scope == Scope::All {
                "all"
            } else {
                "listed"
            }
        );
        let _ = writeln!(
            s,
            "prefer = [{}]",
            list(&mut self.prefer.iter().map(Prefer::as_str))
        );
        let mut write_table = |header: String, pkgs: &BTreeMap<String, Locked>| {
            let _ = writeln!(s, "\n{header}");
            for (name, l) in pkgs {
                if l.hold {
                    let _ = writeln!(
                        s,
                        "{} = {{ version = {}, hold = true }}",
                        key(name),
                        quote(&l.version)
                    );
                } else {
                    let _ = writeln!(s, "{} = {}", key(name), quote(&l.version));
                }
            }
        };
        if let Some(default) = self.groups.get(DEFAULT_GROUP) {
            write_table("[packages]".into(), default);
        }
        for (g, pkgs) in &self.groups {
            if g != DEFAULT_GROUP {
                write_table(format!("[groups.{}.packages]", key(g)), pkgs);
            }
        }
        s
    }

    /// Parses lock text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Lock, Error> {
        let err = |line: usize, message: String| Error::Lock {
            path: path.to_path_buf(),
            line,
            message,
        };
        let line_of = |e: &toml::de::Error| {
            e.span().map_or(0, |sp| {
                text[..sp.start.min(text.len())].lines().count().max(1)
            })
        };
        #[derive(Deserialize)]
        struct Probe {
            version: Option<toml::Value>,
        }
        let probe: Probe =
            toml::from_str(text).map_err(|e| err(line_of(&e), e.message().to_string()))?;
        match probe.version {
            Some(toml::Value::Integer(v)) if v == i64::from(LOCK_FORMAT_VERSION) => {}
            Some(toml::Value::Integer(v)) if v > i64::from(LOCK_FORMAT_VERSION) => {
                return Err(Error::NewerFormat {
                    path: path.to_path_buf(),
                    what: "lock",
                    found: u32::try_from(v).unwrap_or(u32::MAX),
                    supported: LOCK_FORMAT_VERSION,
                });
            }
            Some(v) => return Err(err(1, format!("unsupported lock format version `{v}`"))),
            None => {
                return Err(err(
                    1,
                    "missing `version` (is this a fleetpin.lock?)".into(),
                ));
            }
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Entry {
            Plain(String),
            Table {
                version: String,
                #[serde(default)]
                hold: bool,
            },
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct GroupRaw {
            #[serde(default)]
            packages: BTreeMap<String, Entry>,
        }
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields, rename_all = "kebab-case")]
        struct Raw {
            #[allow(dead_code)]
            version: u32,
            #[serde(default)]
            group_by: Vec<String>,
            #[serde(default)]
            scope: Option<String>,
            #[serde(default)]
            prefer: Vec<String>,
            #[serde(default)]
            packages: BTreeMap<String, Entry>,
            #[serde(default)]
            groups: BTreeMap<String, GroupRaw>,
        }
        let raw: Raw =
            toml::from_str(text).map_err(|e| err(line_of(&e), e.message().to_string()))?;
        let scope = match raw.scope.as_deref() {
            None | Some("all") => Scope::All,
            Some("listed") => Scope::Listed,
            Some(other) => {
                return Err(err(
                    0,
                    format!("unknown scope `{other}` (expected `all` or `listed`)"),
                ));
            }
        };
        // The line of a package's entry: the first line that starts with its key.
        let line_of_entry = |k: &str| {
            let bare = key(k);
            text.lines()
                .position(|l| {
                    l.trim_start()
                        .strip_prefix(bare.as_str())
                        .is_some_and(|rest| rest.trim_start().starts_with('='))
                })
                .map_or(0, |i| i + 1)
        };
        let convert = |m: BTreeMap<String, Entry>| -> Result<BTreeMap<String, Locked>, Error> {
            m.into_iter()
                .map(|(k, e)| {
                    let l = match e {
                        Entry::Plain(v) => Locked {
                            version: v,
                            hold: false,
                        },
                        Entry::Table { version, hold } => Locked { version, hold },
                    };
                    if l.version.trim().is_empty() {
                        return Err(err(
                            line_of_entry(&k),
                            format!("package `{k}` has an empty version"),
                        ));
                    }
                    // The lock does not say which package manager a group's hosts use:
                    // a version either accepts is kept, one neither accepts (`5.2 15`) is
                    // an input error, not "behind".
                    let dpkg = crate::PackageManager::Dpkg.check_version(&l.version);
                    if let Err(why) = dpkg
                        && crate::PackageManager::Rpm
                            .check_version(&l.version)
                            .is_err()
                    {
                        return Err(err(line_of_entry(&k), format!("package `{k}`: {why}")));
                    }
                    Ok((k, l))
                })
                .collect()
        };
        let mut groups = BTreeMap::new();
        groups.insert(DEFAULT_GROUP.to_string(), convert(raw.packages)?);
        for (g, graw) in raw.groups {
            if !raw.group_by.contains(&g) {
                return Err(err(0, format!("[groups.{g}] is not listed in `group-by`")));
            }
            groups.insert(g, convert(graw.packages)?);
        }
        Ok(Lock {
            group_by: raw.group_by,
            scope,
            prefer: raw.prefer.iter().map(|p| Prefer::parse(p)).collect(),
            groups,
        })
    }

    /// Reads and parses a lock file.
    pub fn read(path: &Path) -> Result<Lock, Error> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            error: source,
        })?;
        Lock::parse(&text, path)
    }

    /// Writes the lock atomically.
    pub fn write(&self, path: &Path) -> Result<(), Error> {
        crate::facts::write_atomic(path, self.to_toml().as_bytes())
    }

    /// Every package key named anywhere in the lock.
    pub fn package_names(&self) -> BTreeSet<String> {
        self.groups
            .values()
            .flat_map(|g| g.keys().cloned())
            .collect()
    }

    /// Human-readable differences from `self` (old) to `new`, one line each.
    pub fn diff(&self, new: &Lock) -> Vec<String> {
        let mut out = Vec::new();
        if self.group_by != new.group_by {
            out.push(format!(
                "group-by: {:?} -> {:?}",
                self.group_by, new.group_by
            ));
        }
        if self.scope != new.scope {
            out.push(format!("scope: {:?} -> {:?}", self.scope, new.scope));
        }
        let empty = BTreeMap::new();
        let names: BTreeSet<&String> = self.groups.keys().chain(new.groups.keys()).collect();
        for g in names {
            let a = self.groups.get(g).unwrap_or(&empty);
            let b = new.groups.get(g).unwrap_or(&empty);
            let pkgs: BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for p in pkgs {
                match (a.get(p), b.get(p)) {
                    (Some(x), Some(y)) if x != y => {
                        out.push(format!(
                            "[{g}] {p}: {}{} -> {}{}",
                            x.version,
                            hold_mark(x),
                            y.version,
                            hold_mark(y)
                        ));
                    }
                    (Some(x), None) => {
                        out.push(format!("[{g}] {p}: {} -> (not locked)", x.version))
                    }
                    (None, Some(y)) => out.push(format!(
                        "[{g}] {p}: (not locked) -> {}{}",
                        y.version,
                        hold_mark(y)
                    )),
                    _ => {}
                }
            }
        }
        out
    }
}

fn hold_mark(l: &Locked) -> &'static str {
    if l.hold { " (hold)" } else { "" }
}

/// A conflict waiting for example host names: (index in the conflict list, package id,
/// candidate versions, version id -> representative of its equality class).
type Pending = (usize, u32, Vec<Option<u32>>, Vec<(u32, u32)>);

/// Resolves one conflict with the first rule that decides it.
fn resolve(
    fleet: &Fleet,
    manager: crate::PackageManager,
    cands: &[(Option<u32>, usize)],
    rules: &[Prefer],
    hosts: &[&FleetHost],
    version_of: &dyn Fn(&FleetHost) -> Option<u32>,
) -> Option<(Option<u32>, String)> {
    for rule in rules {
        let pick = match rule {
            Prefer::Majority => {
                let top = cands[0].1;
                (cands.iter().filter(|c| c.1 == top).count() == 1).then_some(cands[0].0)
            }
            Prefer::Lowest => cands
                .iter()
                .filter_map(|c| c.0)
                .min_by(|&a, &b| fleet.compare(manager, a, b))
                .map(Some),
            Prefer::Highest => cands
                .iter()
                .filter_map(|c| c.0)
                .max_by(|&a, &b| fleet.compare(manager, a, b))
                .map(Some),
            Prefer::Host(h) => hosts.iter().find(|x| &x.name == h).map(|x| version_of(x)),
        };
        if let Some(p) = pick {
            return Some((p, rule.as_str().to_string()));
        }
    }
    None
}

/// TOML basic string (also a valid YAML double-quoted scalar).
pub(crate) fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A TOML key: bare when possible, quoted otherwise.
fn key(s: &str) -> String {
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        s.to_string()
    } else {
        quote(s)
    }
}
