//! The plan: per host, what the package tasks of the next run would change, with jump
//! classes, distance to `fleetpin.lock`, dependency deltas, hazards and the rollout.

use std::collections::{BTreeMap, HashMap};

use fleetpin_debian::aptsim::{self, PlannedChange, Simulation};
use fleetpin_debian::version::Version;
use fleetpin_fleet::HostFacts;
use fleetpin_fleet::lock::{DEFAULT_GROUP, Lock};
use fleetpin_fleet::simulate;
use fleetpin_guard::{Database, HostState, Verdict};
use fleetpin_inventory::{Inventory, Pattern};
use rayon::prelude::*;
use serde::Serialize;

use crate::resolve::{HostSet, InstalledPackage, Op, Outcome, Request};
use crate::tasks::{PlaySpec, TaskKind};
use crate::universe::Universe;

/// One apt simulation of a host as another tool computed it (one `apt-get -s` command, or one
/// apt task of an Ansible `--check --diff` run).
#[derive(Debug, Clone, Default)]
pub struct SimulatedStep {
    /// What ran, for people (the command line, or the play and task).
    pub label: String,
    /// The `Inst`/`Remv` lines.
    pub changes: Vec<PlannedChange>,
    /// apt's "Recommended packages:" list; alternatives after the first as `| name`.
    pub recommended: Vec<String>,
    /// apt's error when it refused (held packages, unknown package, unmet dependencies).
    pub refused: Option<String>,
}

/// A host's plan as apt computed it: `apt-get -s` over SSH or the apt module's output in an
/// Ansible `--check --diff` run. Built from [`simulate::HostPlan`], the one shape both sources
/// parse into (`From<&HostPlan>`): no second parser here.
#[derive(Debug, Clone, Default)]
pub struct SimulatedHost {
    /// The simulations, in run order.
    pub steps: Vec<SimulatedStep>,
    /// Why the plan is missing or partial (ssh failure, unreachable, Ansible stopped).
    pub problem: Option<String>,
}

impl SimulatedStep {
    /// The one conversion of a parsed apt simulation.
    pub fn new(label: String, sim: &Simulation) -> SimulatedStep {
        let name = |r: &aptsim::PackageRef| match &r.architecture {
            Some(a) => format!("{}:{a}", r.name),
            None => r.name.clone(),
        };
        let mut recommended = Vec::new();
        for group in &sim.recommended {
            for (i, r) in group.iter().enumerate() {
                recommended.push(if i == 0 {
                    name(r)
                } else {
                    format!("| {}", name(r))
                });
            }
        }
        let refused = sim
            .messages
            .iter()
            .find(|m| m.level == aptsim::MessageLevel::Error)
            .map(|m| m.text.clone());
        SimulatedStep {
            label,
            changes: sim.changes.clone(),
            recommended,
            refused,
        }
    }
}

impl From<&simulate::HostPlan> for SimulatedHost {
    fn from(h: &simulate::HostPlan) -> SimulatedHost {
        SimulatedHost {
            steps: h
                .steps
                .iter()
                .map(|s| SimulatedStep::new(s.label.clone(), &s.simulation))
                .collect(),
            problem: h.problem.clone(),
        }
    }
}

impl SimulatedHost {
    /// Parses `LC_ALL=C apt-get -s ...` output (stdout, then stderr) as one step.
    pub fn from_apt_output(
        stdout: &str,
        stderr: &str,
    ) -> (SimulatedHost, Vec<aptsim::AptSimError>) {
        let text = if stderr.is_empty() {
            stdout.to_string()
        } else {
            format!("{stdout}\n{stderr}")
        };
        let (sim, errors) = aptsim::parse_simulation(&text);
        (
            SimulatedHost {
                steps: vec![SimulatedStep::new("apt-get -s".into(), &sim)],
                problem: None,
            },
            errors,
        )
    }
}

/// Where candidate versions come from.
#[derive(Debug, Clone, Copy)]
pub enum CandidateSource<'a> {
    /// Offline indexes and preferences, resolved by fleetpin ([`crate::resolve`]).
    Offline(&'a Universe),
    /// Plans computed by apt itself on (or for) each host, keyed by host name: one
    /// simulation of the whole run per host.
    Simulated(&'a HashMap<String, SimulatedHost>),
}

/// Everything a plan reads.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// Plays with package tasks.
    pub plays: &'a [PlaySpec],
    /// The inventory (`hosts:` patterns are evaluated against it); without one, facts'
    /// groups are used.
    pub inventory: Option<&'a Inventory>,
    /// `--limit`.
    pub limit: Option<&'a Pattern>,
    /// Facts of the hosts.
    pub facts: &'a [HostFacts],
    /// `fleetpin.lock`.
    pub lock: Option<&'a Lock>,
    /// Hazards.
    pub db: &'a Database,
    /// Candidates.
    pub source: CandidateSource<'a>,
    /// `--no-install-recommends` for every task.
    pub no_install_recommends: bool,
}

/// What happens to a package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Newly installed.
    New,
    /// Upgraded.
    Upgrade,
    /// Downgraded (a pin of priority ≥ 1000).
    Downgrade,
    /// Removed.
    Removed,
    /// An upgrade keeps it back.
    HeldBack,
}

/// How big a version jump is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Jump {
    /// The epoch changes.
    Epoch,
    /// The first upstream component.
    Major,
    /// The second.
    Minor,
    /// Anything later in the upstream version.
    Patch,
    /// Only the Debian revision.
    Revision,
}

/// The class of a version change.
pub fn jump(from: &Version, to: &Version) -> Jump {
    if from.epoch() != to.epoch() {
        return Jump::Epoch;
    }
    let comps = |v: &Version| -> Vec<String> {
        v.upstream()
            .split(['.', '~', '+', '-', ':'])
            .map(str::to_string)
            .collect()
    };
    let (a, b) = (comps(from), comps(to));
    if from.upstream() == to.upstream() {
        return Jump::Revision;
    }
    if a.first() != b.first() {
        Jump::Major
    } else if a.get(1) != b.get(1) {
        Jump::Minor
    } else {
        Jump::Patch
    }
}

/// Where a would-be version lands against `fleetpin.lock`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockDistance {
    /// The locked version.
    pub locked: String,
    /// `at`, `ahead` or `behind`.
    pub position: &'static str,
    /// Versions the indexes list strictly between the two (offline source only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub versions_between: Option<usize>,
}

/// One package on one host.
#[derive(Debug, Clone, Serialize)]
pub struct PackagePlan {
    /// `name` (or `name:arch`).
    pub package: String,
    /// Installed now.
    pub from: Option<String>,
    /// After the run (for held-back: the candidate it does not get).
    pub to: Option<String>,
    /// What happens.
    pub status: Status,
    /// Jump class (upgrades and downgrades).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jump: Option<Jump>,
    /// Against the lock.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock: Option<LockDistance>,
    /// Pulled in or removed by dependencies rather than named by a task.
    pub dependency: bool,
    /// The task (file:line name) that changes it.
    pub task: String,
}

/// A hazard matched on a host.
#[derive(Debug, Clone, Serialize)]
pub struct HazardHit {
    /// `FPH-YYYY-NNNN`.
    pub id: String,
    /// Title.
    pub title: String,
    /// The package and the version it would run.
    pub package: String,
    /// Version after the run.
    pub version: String,
    /// Whether the host would break (else it avoids it; `reason` says why).
    pub breaks: bool,
    /// Missing packages that would avoid it.
    pub missing: Vec<String>,
    /// Facts that were unknown (counted as holding).
    pub unknown: Vec<String>,
    /// Why it is avoided.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What to do.
    pub remedy: String,
    /// References.
    pub references: Vec<String>,
}

/// A `Recommends` that will not be installed.
#[derive(Debug, Clone, Serialize)]
pub struct UnmetRecommend {
    /// The package that recommends it.
    pub package: String,
    /// The relation.
    pub recommends: String,
    /// `install_recommends: false` (or `--no-install-recommends`) is why.
    pub because_install_recommends_false: bool,
    /// The task.
    pub task: String,
}

/// A task apt refuses (Ansible fails the host there: later tasks do not run).
#[derive(Debug, Clone, Serialize)]
pub struct Refused {
    /// The task.
    pub task: String,
    /// apt's reason.
    pub reason: String,
}

/// One host's plan.
#[derive(Debug, Clone, Serialize)]
pub struct HostPlan {
    /// Inventory name.
    pub host: String,
    /// Plays that run package tasks on it.
    pub plays: Vec<String>,
    /// Package changes (and held-back upgrades), by package.
    pub packages: Vec<PackagePlan>,
    /// Unmet recommendations.
    pub unmet_recommends: Vec<UnmetRecommend>,
    /// Refusals.
    pub refused: Vec<Refused>,
    /// Hazards.
    pub hazards: Vec<HazardHit>,
    /// Package tasks that do not run on this host: a `when:` condition is false with its facts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped: Vec<Skipped>,
    /// Why the host could not be planned (no facts, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl HostPlan {
    /// Whether anything changes.
    pub fn changes(&self) -> bool {
        self.packages.iter().any(|p| p.status != Status::HeldBack)
    }

    /// Whether the plan is risky: a hazard that bites, a refusal, a removal.
    pub fn risky(&self) -> bool {
        self.hazards.iter().any(|h| h.breaks)
            || !self.refused.is_empty()
            || self.packages.iter().any(|p| p.status == Status::Removed)
    }
}

/// A package task a host skips.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    /// `file:line name` of the task.
    pub task: String,
    /// The `when:` condition that is false on the host.
    pub when: String,
}

/// One batch of a play's rollout.
#[derive(Debug, Clone, Serialize)]
pub struct Batch {
    /// Hosts in the batch.
    pub hosts: Vec<String>,
    /// Those that change.
    pub changing: usize,
    /// Those with a hazard that bites.
    pub hazardous: Vec<String>,
}

/// A play's rollout.
#[derive(Debug, Clone, Serialize)]
pub struct Rollout {
    /// The play.
    pub play: String,
    /// `hosts:`.
    pub hosts_pattern: String,
    /// `serial:` (empty: all hosts at once).
    pub serial: Vec<String>,
    /// Batches in order.
    pub batches: Vec<Batch>,
}

/// The plan of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Per host, in inventory order.
    pub hosts: Vec<HostPlan>,
    /// Per play.
    pub rollout: Vec<Rollout>,
}

impl Plan {
    /// Hosts that change.
    pub fn changing(&self) -> usize {
        self.hosts.iter().filter(|h| h.changes()).count()
    }

    /// Hazard id → hosts it bites.
    pub fn hazard_hosts(&self) -> BTreeMap<String, Vec<String>> {
        let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for h in &self.hosts {
            for z in h.hazards.iter().filter(|z| z.breaks) {
                let v = m.entry(z.id.clone()).or_default();
                if v.last() != Some(&h.host) {
                    v.push(h.host.clone());
                }
            }
        }
        m
    }

    /// Whether anything is risky.
    pub fn risky(&self) -> bool {
        self.hosts.iter().any(HostPlan::risky)
    }
}

fn selects(pattern: &str, host: &str, groups: &[String], inv: Option<&Inventory>) -> bool {
    if let Some(inv) = inv
        && let Ok(p) = Pattern::parse(pattern)
    {
        return p.select(inv).iter().any(|h| h.name() == host);
    }
    pattern
        .split([',', ':'])
        .map(str::trim)
        .filter(|t| !t.is_empty() && !t.starts_with(['!', '&']))
        .any(|t| t == "all" || t == "*" || t == host || groups.iter().any(|g| g == t))
}

fn batches(hosts: &[String], serial: &[String]) -> Vec<Vec<String>> {
    if serial.is_empty() || hosts.is_empty() {
        return vec![hosts.to_vec()];
    }
    let size = |s: &str| -> usize {
        let s = s.trim();
        // Ansible's pct_to_int: a percentage rounds down but is at least one host; a
        // count of 0 (or one fleetpin cannot read) means every host at once.
        match s.strip_suffix('%') {
            Some(p) => {
                let pct: f64 = p.trim().parse().unwrap_or(100.0);
                (((hosts.len() as f64) * pct / 100.0) as usize).max(1)
            }
            None => match s.parse::<usize>() {
                Ok(0) | Err(_) => hosts.len(),
                Ok(n) => n,
            },
        }
    };
    let mut out = Vec::new();
    let mut i = 0;
    let mut k = 0;
    while i < hosts.len() {
        let n = size(&serial[k.min(serial.len() - 1)]);
        out.push(hosts[i..(i + n).min(hosts.len())].to_vec());
        i += n;
        k += 1;
    }
    out
}

/// The host view fleetpin-guard matches hazards against, from gathered facts: the one
/// conversion `fleetpin plan`, `fleetpin hazard check` and `fleetpin audit` share (kernel,
/// AppArmor, cgroup and iptables facts included). With `relevant`, only those packages are
/// kept (`hazard check` keeps the ones some entry names, to stay small on large fleets). When
/// a package is installed in several versions (rpm kernels), the highest counts.
pub fn host_state(f: &HostFacts, relevant: Option<&std::collections::BTreeSet<&str>>) -> HostState {
    let mut packages: BTreeMap<String, String> = BTreeMap::new();
    for p in f
        .packages
        .iter()
        .filter(|p| relevant.is_none_or(|r| r.contains(p.name.as_str())))
    {
        match packages.get_mut(&p.name) {
            Some(v) if f.package_manager.compare(&p.version, v).is_gt() => {
                v.clone_from(&p.version);
            }
            Some(_) => {}
            None => {
                packages.insert(p.name.clone(), p.version.clone());
            }
        }
    }
    HostState {
        packages,
        os_id: f.os.as_ref().map(|o| o.id.clone()),
        os_version_id: f.os.as_ref().and_then(|o| o.version_id.clone()),
        kernel_apparmor: f.apparmor_enabled,
        cgroup_version: f.cgroup_version,
        kernel_release: f.kernel.clone(),
        iptables_backend: f
            .iptables_backend
            .as_deref()
            .and_then(fleetpin_guard::IptablesBackend::parse),
    }
}

fn lock_group<'l>(lock: &'l Lock, groups: &[String]) -> &'l str {
    lock.group_by
        .iter()
        .find(|g| groups.contains(g))
        .map_or(DEFAULT_GROUP, String::as_str)
}

/// A host the plays reach: its name, its groups, and the indexes of the plays that run on it.
pub type Target = (String, Vec<String>, Vec<usize>);

/// The hosts the plays run on, in inventory order (else facts order), after `--limit`: what
/// [`plan`] plans, and what the live source (`fleetpin plan --ssh`) asks apt about.
pub fn targets(
    plays: &[PlaySpec],
    inventory: Option<&Inventory>,
    limit: Option<&Pattern>,
    facts: &[HostFacts],
) -> Vec<Target> {
    let mut names: Vec<(String, Vec<String>)> = match inventory {
        Some(inv) => inv
            .hosts()
            .iter()
            .map(|h| {
                (
                    h.name().to_string(),
                    fleetpin_fleet::load::groups_of(inv, h.name()),
                )
            })
            .collect(),
        None => facts
            .iter()
            .map(|f| (f.host.clone(), f.groups.clone()))
            .collect(),
    };
    if let (Some(limit), Some(inv)) = (limit, inventory) {
        let sel: std::collections::HashSet<&str> =
            limit.select(inv).iter().map(|h| h.name()).collect();
        names.retain(|(n, _)| sel.contains(n.as_str()));
    } else if let Some(limit) = limit {
        let inv = Inventory::from_host_names(names.iter().map(|(n, _)| n.as_str()));
        let sel: std::collections::HashSet<String> = limit
            .select(&inv)
            .iter()
            .map(|h| h.name().to_string())
            .collect();
        names.retain(|(n, _)| sel.contains(n));
    }
    names
        .into_iter()
        .map(|(n, g)| {
            let which = plays
                .iter()
                .enumerate()
                .filter(|(_, p)| selects(&p.hosts, &n, &g, inventory))
                .map(|(i, _)| i)
                .collect();
            (n, g, which)
        })
        .filter(|(_, _, p): &Target| !p.is_empty())
        .collect()
}

/// Computes the plan.
pub fn plan(inp: &Inputs<'_>) -> Plan {
    let facts: HashMap<&str, &HostFacts> = inp.facts.iter().map(|f| (f.host.as_str(), f)).collect();
    let targeted = targets(inp.plays, inp.inventory, inp.limit, inp.facts);
    let hosts: Vec<HostPlan> = targeted
        .par_iter()
        .map(|(name, groups, plays)| {
            plan_host(inp, name, groups, plays, facts.get(name.as_str()).copied())
        })
        .collect();
    let by_name: HashMap<&str, &HostPlan> = hosts.iter().map(|h| (h.host.as_str(), h)).collect();
    let rollout = inp
        .plays
        .iter()
        .enumerate()
        .map(|(pi, p)| {
            let hs: Vec<String> = targeted
                .iter()
                .filter(|(_, _, ps)| ps.contains(&pi))
                .map(|(n, _, _)| n.clone())
                .collect();
            Rollout {
                play: p.name.clone(),
                hosts_pattern: p.hosts.clone(),
                serial: p.serial.clone(),
                batches: batches(&hs, &p.serial)
                    .into_iter()
                    .map(|b| Batch {
                        changing: b
                            .iter()
                            .filter(|h| by_name.get(h.as_str()).is_some_and(|x| x.changes()))
                            .count(),
                        hazardous: b
                            .iter()
                            .filter(|h| {
                                by_name
                                    .get(h.as_str())
                                    .is_some_and(|x| x.hazards.iter().any(|z| z.breaks))
                            })
                            .cloned()
                            .collect(),
                        hosts: b,
                    })
                    .collect(),
            }
        })
        .collect();
    Plan { hosts, rollout }
}

fn empty_host(name: &str, plays: Vec<String>, error: Option<String>) -> HostPlan {
    HostPlan {
        host: name.to_string(),
        plays,
        packages: Vec::new(),
        unmet_recommends: Vec::new(),
        refused: Vec::new(),
        hazards: Vec::new(),
        skipped: Vec::new(),
        error,
    }
}

fn plan_host(
    inp: &Inputs<'_>,
    name: &str,
    groups: &[String],
    plays: &[usize],
    facts: Option<&HostFacts>,
) -> HostPlan {
    let play_names: Vec<String> = plays.iter().map(|&i| inp.plays[i].name.clone()).collect();
    let Some(facts) = facts else {
        return empty_host(
            name,
            play_names,
            Some(format!(
                "no facts for host `{name}` (run `fleetpin gather`, or pass --facts DIR)"
            )),
        );
    };
    let mut hp = empty_host(name, play_names, None);
    let mut outcomes: Vec<(String, Outcome, bool)> = Vec::new();
    let before: HashMap<String, String> = facts
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone()))
        .collect();
    match inp.source {
        CandidateSource::Offline(u) => {
            if let Some(a) = &facts.native_arch
                && a != &u.options().native_arch
            {
                hp.error = Some(format!(
                    "host `{name}` runs {a}, the indexes are read for {}",
                    u.options().native_arch
                ));
                return hp;
            }
            let installed: Vec<InstalledPackage> = facts
                .packages
                .iter()
                .filter_map(|p| {
                    Some(InstalledPackage {
                        name: p.name.clone(),
                        arch: p
                            .arch
                            .clone()
                            .unwrap_or_else(|| u.options().native_arch.clone()),
                        version: Version::parse(&p.version).ok()?,
                        held: p.held() == Some(true),
                    })
                })
                .collect();
            let mut set = HostSet::new(u, &installed);
            'plays: for &pi in plays {
                for t in &inp.plays[pi].tasks {
                    let label = format!("{}:{} {}", t.file.display(), t.line, t.name);
                    if let Some(when) = t.skipped_by(name, groups, Some(facts)) {
                        hp.skipped.push(Skipped {
                            task: label,
                            when: when.to_string(),
                        });
                        continue;
                    }
                    let recommends =
                        !inp.no_install_recommends && t.install_recommends != Some(false);
                    let op = match t.kind {
                        TaskKind::UpgradeSafe => Op::Upgrade {
                            dist: false,
                            recommends,
                        },
                        TaskKind::UpgradeDist => Op::Upgrade {
                            dist: true,
                            recommends,
                        },
                        TaskKind::Latest | TaskKind::Present => {
                            let requests: Vec<Request> = t
                                .packages
                                .iter()
                                .map(|n| Request::parse(n))
                                .filter(|r| {
                                    t.kind == TaskKind::Latest
                                        || match (
                                            &r.version,
                                            set.installed(&r.name.to_ascii_lowercase()),
                                        ) {
                                            (_, None) => true,
                                            (None, Some(_)) => false,
                                            (Some(v), Some(i)) => i.as_str() != v,
                                        }
                                })
                                .collect();
                            if requests.is_empty() {
                                continue;
                            }
                            Op::Install {
                                requests,
                                recommends,
                            }
                        }
                    };
                    let out = set.run(&op);
                    if let Some(r) = &out.refused {
                        hp.refused.push(Refused {
                            task: label,
                            reason: r.to_string(),
                        });
                        // Ansible fails the host at this task: nothing after it runs.
                        break 'plays;
                    }
                    set.apply(&out);
                    outcomes.push((
                        label,
                        out,
                        !recommends && t.install_recommends == Some(false)
                            || inp.no_install_recommends,
                    ));
                }
            }
        }
        CandidateSource::Simulated(map) => match map.get(name) {
            None => {
                hp.error = Some(format!("no simulation for host `{name}`"));
                return hp;
            }
            Some(sim) => {
                if let Some(p) = &sim.problem {
                    hp.error = Some(format!("host `{name}`: {p}"));
                }
                for step in &sim.steps {
                    if let Some(r) = &step.refused {
                        hp.refused.push(Refused {
                            task: step.label.clone(),
                            reason: r.clone(),
                        });
                    }
                    let mut o = Outcome::default();
                    for c in &step.changes {
                        let to = match c.action {
                            aptsim::Action::Install => {
                                c.new_version.as_ref().map(ToString::to_string)
                            }
                            aptsim::Action::Remove | aptsim::Action::Purge => None,
                            aptsim::Action::Configure => continue,
                        };
                        o.changes.push(crate::resolve::Change {
                            package: c.package.clone(),
                            from: c.old_version.as_ref().map(ToString::to_string),
                            to,
                            auto: true,
                        });
                    }
                    // apt does not say which package recommends what: one entry per group
                    // of alternatives, without the recommending package.
                    for tok in &step.recommended {
                        match (tok.strip_prefix("| "), o.unmet_recommends.last_mut()) {
                            (Some(alt), Some(last)) => {
                                last.recommends.push_str(" | ");
                                last.recommends.push_str(alt);
                            }
                            _ => o.unmet_recommends.push(crate::resolve::UnmetRecommends {
                                package: String::new(),
                                recommends: tok.clone(),
                            }),
                        }
                    }
                    o.recommended = step.recommended.clone();
                    let rec_off = inp.no_install_recommends
                        || plays
                            .iter()
                            .flat_map(|&pi| inp.plays[pi].tasks.iter())
                            .filter(|t| t.skipped_by(name, groups, Some(facts)).is_none())
                            .any(|t| t.install_recommends == Some(false));
                    outcomes.push((step.label.clone(), o, rec_off));
                }
            }
        },
    }
    // Fold the task outcomes into one change per package.
    let mut pk: BTreeMap<String, PackagePlan> = BTreeMap::new();
    // Packages a task that runs on this host names (a task its `when:` skips names none).
    let named: std::collections::HashSet<String> = plays
        .iter()
        .flat_map(|&pi| inp.plays[pi].tasks.iter())
        .filter(|t| t.skipped_by(name, groups, Some(facts)).is_none())
        .flat_map(|t| {
            t.packages
                .iter()
                .map(|n| Request::parse(n).name.to_ascii_lowercase())
        })
        .collect();
    for (label, out, rec_off) in &outcomes {
        for c in &out.changes {
            // The version before the run (not before this task: a package the first task
            // installs is new even when the second upgrades it); a simulation of the whole
            // run may know a package the facts lack.
            let from = match inp.source {
                CandidateSource::Simulated(_) => {
                    before.get(&c.package).cloned().or_else(|| c.from.clone())
                }
                CandidateSource::Offline(_) => before.get(&c.package).cloned(),
            };
            let e = pk.entry(c.package.clone()).or_insert_with(|| PackagePlan {
                package: c.package.clone(),
                from: from.clone(),
                to: None,
                status: Status::New,
                jump: None,
                lock: None,
                dependency: !named.contains(&c.package),
                task: label.clone(),
            });
            e.to = c.to.clone();
        }
        for h in &out.held_back {
            pk.entry(h.package.clone()).or_insert_with(|| PackagePlan {
                package: h.package.clone(),
                from: Some(h.installed.clone()),
                to: Some(h.candidate.clone()),
                status: Status::HeldBack,
                jump: None,
                lock: None,
                dependency: false,
                task: format!("{label} ({})", h.reason),
            });
        }
        for u in &out.unmet_recommends {
            hp.unmet_recommends.push(UnmetRecommend {
                package: u.package.clone(),
                recommends: u.recommends.clone(),
                because_install_recommends_false: *rec_off,
                task: label.clone(),
            });
        }
    }
    let universe = match inp.source {
        CandidateSource::Offline(u) => Some(u),
        CandidateSource::Simulated(_) => None,
    };
    let lock_group = inp.lock.map(|l| (l, lock_group(l, groups)));
    for p in pk.values_mut() {
        if p.status != Status::HeldBack {
            p.status = match (&p.from, &p.to) {
                (None, _) => Status::New,
                (Some(_), None) => Status::Removed,
                (Some(f), Some(t)) => match (Version::parse(f), Version::parse(t)) {
                    (Ok(a), Ok(b)) if b < a => Status::Downgrade,
                    _ => Status::Upgrade,
                },
            };
        }
        if let (Some(f), Some(t)) = (&p.from, &p.to)
            && let (Ok(a), Ok(b)) = (Version::parse(f), Version::parse(t))
            && a != b
        {
            p.jump = Some(jump(&a, &b));
        }
        if let (Some((lock, g)), Some(t)) = (lock_group, &p.to)
            && let Some(locked) = lock.groups.get(g).and_then(|m| m.get(&p.package))
            && let (Ok(lv), Ok(tv)) = (Version::parse(&locked.version), Version::parse(t))
        {
            let position = match tv.cmp(&lv) {
                std::cmp::Ordering::Equal => "at",
                std::cmp::Ordering::Greater => "ahead",
                std::cmp::Ordering::Less => "behind",
            };
            let between = universe.and_then(|u| {
                let pi = u.lookup(&p.package)?;
                let (lo, hi) = if tv < lv { (&tv, &lv) } else { (&lv, &tv) };
                Some(
                    u.package(pi)
                        .versions
                        .iter()
                        .filter(|v| v.version > *lo && v.version < *hi)
                        .count(),
                )
            });
            p.lock = Some(LockDistance {
                locked: locked.version.clone(),
                position,
                versions_between: between,
            });
        }
    }
    hp.packages = pk.into_values().collect();
    // Hazards, judged on the host as it would be after every change.
    let state = host_state(facts, None);
    let changes: Vec<fleetpin_guard::Change> = hp
        .packages
        .iter()
        .filter(|p| p.status != Status::HeldBack)
        .map(|p| fleetpin_guard::Change {
            package: p.package.clone(),
            from: p.from.clone(),
            to: p.to.clone(),
        })
        .collect();
    for f in inp.db.check_changes(&state, &changes) {
        let (breaks, missing, unknown, reason) = match &f.verdict {
            Verdict::Breaks { missing, unknown } => (
                true,
                missing.clone(),
                unknown.iter().map(|s| s.to_string()).collect(),
                None,
            ),
            Verdict::Avoided { reason } => (false, Vec::new(), Vec::new(), Some(reason.clone())),
        };
        let mut remedy = Vec::new();
        if !missing.is_empty() {
            remedy.push(format!("install {} in the same run", missing.join(", ")));
        }
        if let Some(from) = &f.from {
            remedy.push(format!("or pin {} to {from} until then", f.hazard.package));
        }
        hp.hazards.push(HazardHit {
            id: f.hazard.id.clone(),
            title: f.hazard.title.clone(),
            package: f.hazard.package.clone(),
            version: f.version.clone(),
            breaks,
            missing,
            unknown,
            reason,
            remedy: remedy.join(" "),
            references: f.hazard.references.clone(),
        });
    }
    hp
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn jump_classes() {
        let j = |a: &str, b: &str| jump(&v(a), &v(b));
        assert_eq!(
            j(
                "5:20.10.23~3-0~debian-buster",
                "5:23.0.1-1~debian.10~buster"
            ),
            Jump::Major
        );
        assert_eq!(j("1.6.16-1", "1.6.18-1"), Jump::Patch);
        assert_eq!(j("1.6.16-1", "1.7.0-1"), Jump::Minor);
        assert_eq!(j("2.28-10+deb10u1", "2.28-10+deb10u2"), Jump::Revision);
        assert_eq!(j("2.5-1", "1:0.9-1"), Jump::Epoch);
    }

    #[test]
    fn serial_batches_like_ansible() {
        let hosts: Vec<String> = (1..=7).map(|i| format!("h{i}")).collect();
        let sizes = |serial: &[&str]| -> Vec<usize> {
            let s: Vec<String> = serial.iter().map(|x| x.to_string()).collect();
            batches(&hosts, &s).iter().map(Vec::len).collect()
        };
        assert_eq!(sizes(&[]), [7], "no serial: all at once");
        assert_eq!(sizes(&["2"]), [2, 2, 2, 1]);
        assert_eq!(
            sizes(&["1", "2", "50%"]),
            [1, 2, 3, 1],
            "the last size repeats"
        );
        assert_eq!(sizes(&["30%"]), [2, 2, 2, 1], "percentages round down");
        assert_eq!(sizes(&["10%"]), [1, 1, 1, 1, 1, 1, 1], "at least one host");
    }
}
