//! What `apt-get install PKGS`, `apt-get upgrade --with-new-pkgs` and `apt-get dist-upgrade`
//! do to one host's installed set, resolved the way libapt-pkg resolves it:
//!
//! - `MarkInstall`: the candidate of each requested package, then, depth first, the first
//!   alternative of every unsatisfied `Pre-Depends`/`Depends` group whose candidate satisfies
//!   it (else a provider of the virtual name), and the same for `Recommends` unless they are
//!   off. On an upgrade, a `Recommends` the installed version already had and that is not
//!   satisfied now is not installed (apt: "the user removed it"); held packages are never
//!   changed by auto-install.
//! - The problem resolver: a kept package broken by a change is upgraded to its candidate
//!   when that fixes it, else removed (install and dist-upgrade), else the change that broke
//!   it is kept back (upgrade); `Breaks`/`Conflicts` against a kept package the same way.
//! - `apt-get -y` with a held package the request would change fails as a whole ("Held
//!   packages were changed and -y was used without --allow-change-held-packages"), as does
//!   an install whose problems cannot be corrected: the plan says *refused* and changes
//!   nothing.
//! - The "Recommended packages:" list `apt-get install` prints: recommends of every package
//!   it installs or upgrades that nothing installed or to be installed satisfies.
//!
//! The oracle test (`tests/apt_oracle.rs`) checks all of it against the real apt-get over
//! generated fleets.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use fleetpin_debian::relation::{MultiArch, Relation};
use fleetpin_debian::version::Version;
use serde::Serialize;

use crate::universe::{Candidate, Universe, arch_ok, pkg_key};

/// One installed package of a host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalledPackage {
    /// Name.
    pub name: String,
    /// Architecture (`amd64`, `all`).
    pub arch: String,
    /// Installed version.
    pub version: Version,
    /// dpkg selection `hold`.
    pub held: bool,
}

/// A package named in an `apt-get install` request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    /// `name` or `name:arch`.
    pub name: String,
    /// `name=VERSION`.
    pub version: Option<String>,
}

impl Request {
    /// Parses `name`, `name=VERSION`.
    pub fn parse(s: &str) -> Request {
        match s.split_once('=') {
            Some((n, v)) => Request {
                name: n.trim().to_string(),
                version: Some(v.trim().to_string()),
            },
            None => Request {
                name: s.trim().to_string(),
                version: None,
            },
        }
    }
}

/// One apt operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Op {
    /// `apt-get install NAMES` (`Recommends` installed unless `recommends` is false).
    Install {
        /// The packages.
        requests: Vec<Request>,
        /// Install `Recommends`.
        recommends: bool,
    },
    /// `apt-get upgrade --with-new-pkgs` (`dist: false`) or `apt-get dist-upgrade`.
    Upgrade {
        /// dist-upgrade: removals allowed.
        dist: bool,
        /// Install `Recommends`.
        recommends: bool,
    },
}

/// One package change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// `name`, or `name:arch` for a foreign architecture.
    pub package: String,
    /// Installed version (None: new).
    pub from: Option<String>,
    /// Would-be version (None: removed).
    pub to: Option<String>,
    /// Pulled in (or removed) by the resolver rather than named by the task.
    pub auto: bool,
}

/// A package an upgrade keeps at its installed version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HeldBack {
    /// The package.
    pub package: String,
    /// Installed version.
    pub installed: String,
    /// The candidate it does not get.
    pub candidate: String,
    /// Why: `hold` (dpkg selection) or `dependencies` (upgrading it would need removals).
    pub reason: &'static str,
}

/// Why apt refuses the whole command (it changes nothing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Refusal {
    /// Held packages would change and Ansible runs `apt-get -y` without
    /// `--allow-change-held-packages`.
    Held {
        /// The held packages.
        packages: Vec<String>,
    },
    /// `E: Unable to locate package`.
    Unknown {
        /// The name.
        package: String,
    },
    /// `E: Version 'V' for 'P' was not found`.
    NoSuchVersion {
        /// The package.
        package: String,
        /// The version.
        version: String,
    },
    /// `E: Package 'P' has no installation candidate`.
    NoCandidate {
        /// The package.
        package: String,
    },
    /// `E: Unable to correct problems`: a dependency nothing can satisfy.
    Unresolvable {
        /// The package.
        package: String,
        /// The relation that fails.
        detail: String,
    },
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::Held { packages } => write!(
                f,
                "held packages would change ({}); apt-get -y refuses without --allow-change-held-packages",
                packages.join(", ")
            ),
            Refusal::Unknown { package } => write!(f, "unable to locate package {package}"),
            Refusal::NoSuchVersion { package, version } => {
                write!(f, "version '{version}' for '{package}' was not found")
            }
            Refusal::NoCandidate { package } => {
                write!(f, "package '{package}' has no installation candidate")
            }
            Refusal::Unresolvable { package, detail } => {
                write!(f, "{package}: unmet dependency {detail}")
            }
        }
    }
}

/// A `Recommends` of an installed or upgraded package that will not be installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnmetRecommends {
    /// The package that recommends it.
    pub package: String,
    /// The alternatives (`apparmor`, or `a | b`).
    pub recommends: String,
}

/// What one operation does to one host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// Changes, by package.
    pub changes: Vec<Change>,
    /// Packages an upgrade keeps back.
    pub held_back: Vec<HeldBack>,
    /// Set when apt refuses the whole command.
    pub refused: Option<Refusal>,
    /// apt-get install's "Recommended packages:" list, in apt's tokens (`a`, `b`, `| c`).
    pub recommended: Vec<String>,
    /// The same, per recommending package.
    pub unmet_recommends: Vec<UnmetRecommends>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    Install(usize, usize),
    Remove,
}

#[derive(Debug, Clone)]
struct Inst {
    pi: Option<usize>,
    vi: Option<usize>,
    arch: String,
    version: Version,
    held: bool,
}

/// A host's installed set, indexed against a universe once and reused for every operation.
#[derive(Debug, Clone)]
pub struct HostSet<'u> {
    u: &'u Universe,
    inst: HashMap<String, Inst>,
}

impl<'u> HostSet<'u> {
    /// Indexes `installed` against `u`.
    pub fn new(u: &'u Universe, installed: &[InstalledPackage]) -> HostSet<'u> {
        let native = u.options().native_arch.clone();
        let inst = installed
            .iter()
            .map(|p| {
                let key = pkg_key(&p.name, &p.arch, &native);
                let pi = u.lookup(&key);
                let vi = pi.and_then(|pi| u.find_version(pi, p.version.as_str()));
                (
                    key,
                    Inst {
                        pi,
                        vi,
                        arch: p.arch.clone(),
                        version: p.version.clone(),
                        held: p.held,
                    },
                )
            })
            .collect();
        HostSet { u, inst }
    }

    /// The installed set after `outcome` (for the next task of the same run).
    pub fn apply(&mut self, outcome: &Outcome) {
        let native = self.u.options().native_arch.clone();
        for c in &outcome.changes {
            match &c.to {
                None => {
                    self.inst.remove(&c.package);
                }
                Some(v) => {
                    let Ok(version) = Version::parse(v) else {
                        continue;
                    };
                    let pi = self.u.lookup(&c.package);
                    let vi = pi.and_then(|pi| self.u.find_version(pi, v));
                    let held = self.inst.get(&c.package).is_some_and(|i| i.held);
                    let arch =
                        pi.map_or_else(|| native.clone(), |pi| self.u.package(pi).arch.clone());
                    self.inst.insert(
                        c.package.clone(),
                        Inst {
                            pi,
                            vi,
                            arch,
                            version,
                            held,
                        },
                    );
                }
            }
        }
    }

    /// The installed version of a package key.
    pub fn installed(&self, key: &str) -> Option<&Version> {
        self.inst.get(key).map(|i| &i.version)
    }

    /// Installed packages: key → version.
    pub fn packages(&self) -> impl Iterator<Item = (&str, &Version)> {
        self.inst.iter().map(|(k, i)| (k.as_str(), &i.version))
    }

    /// Runs one operation.
    pub fn run(&self, op: &Op) -> Outcome {
        match op {
            Op::Install {
                requests,
                recommends,
            } => self.install(requests, *recommends),
            Op::Upgrade { dist, recommends } => self.upgrade(*dist, *recommends),
        }
    }

    fn solver(&self, recommends: bool, allow_remove: bool) -> Solver<'_, 'u> {
        Solver {
            host: self,
            native: &self.u.options().native_arch,
            marks: BTreeMap::new(),
            parent: HashMap::new(),
            protected: HashSet::new(),
            tried_upgrade: HashSet::new(),
            recommends,
            allow_remove,
            baseline: HashSet::new(),
        }
    }

    fn install(&self, requests: &[Request], recommends: bool) -> Outcome {
        let u = self.u;
        let mut s = self.solver(recommends, true);
        s.baseline = s.problems_with(true).into_iter().collect();
        let mut held = Vec::new();
        let mut wanted = Vec::new();
        for r in requests {
            let key = match r.name.split_once(':') {
                Some((n, a)) => pkg_key(n, a, s.native),
                None => r.name.to_ascii_lowercase(),
            };
            let Some(pi) = u.lookup(&key) else {
                return refused(Refusal::Unknown {
                    package: r.name.clone(),
                });
            };
            let installed = self.installed(&key);
            let vi = match &r.version {
                Some(v) => match u.find_version(pi, v) {
                    Some(vi) => vi,
                    None => {
                        return refused(Refusal::NoSuchVersion {
                            package: r.name.clone(),
                            version: v.clone(),
                        });
                    }
                },
                None => match u.candidate(pi, installed) {
                    Candidate::Index(vi) => vi,
                    Candidate::Installed => continue,
                    Candidate::None => {
                        return refused(Refusal::NoCandidate {
                            package: r.name.clone(),
                        });
                    }
                },
            };
            if installed == Some(u.version(pi, vi)) {
                continue;
            }
            if self.inst.get(&key).is_some_and(|i| i.held) {
                held.push(key.clone());
            }
            wanted.push((key, pi, vi));
        }
        for (key, _, _) in &wanted {
            s.protected.insert(key.clone());
        }
        for (key, pi, vi) in &wanted {
            s.mark_install(key, *pi, *vi, true, 0);
        }
        if let Err(r) = s.resolve() {
            return refused(r);
        }
        let mut out = s.outcome();
        // Removing a held package is a change of it too.
        for c in &out.changes {
            if c.to.is_none() && self.inst.get(&c.package).is_some_and(|i| i.held) {
                held.push(c.package.clone());
            }
        }
        if !held.is_empty() {
            held.sort();
            held.dedup();
            return refused(Refusal::Held { packages: held });
        }
        s.recommended(&mut out);
        out
    }

    /// Installed packages whose candidate is another version: higher only (`upgrade`), or
    /// any, downgrades by a pin ≥ 1000 included (`dist-upgrade` marks every installed
    /// package, `pkgDistUpgrade`).
    fn upgradable(&self, downgrades: bool) -> Vec<(String, usize, usize)> {
        let mut v: Vec<(String, usize, usize)> = self
            .inst
            .iter()
            .filter_map(|(k, i)| {
                let pi = i.pi.or_else(|| self.u.lookup(k))?;
                match self.u.candidate(pi, Some(&i.version)) {
                    Candidate::Index(c)
                        if *self.u.version(pi, c) > i.version
                            || (downgrades && *self.u.version(pi, c) != i.version) =>
                    {
                        Some((k.clone(), pi, c))
                    }
                    _ => None,
                }
            })
            .collect();
        v.sort();
        v
    }

    fn upgrade(&self, dist: bool, recommends: bool) -> Outcome {
        let mut s = self.solver(recommends, dist);
        s.baseline = s.problems_with(true).into_iter().collect();
        let mut kept = Vec::new();
        let cands = self.upgradable(dist);
        for (key, pi, vi) in &cands {
            if self.inst[key].held {
                kept.push((key.clone(), *pi, *vi, "hold"));
            }
        }
        if dist {
            for (key, pi, vi) in &cands {
                if !self.inst[key].held {
                    s.mark_install(key, *pi, *vi, false, 0);
                }
            }
            // The resolver keeps back what it cannot fix; nothing is refused.
            let _ = s.resolve();
        } else {
            for (key, pi, vi) in &cands {
                if self.inst[key].held || s.marks.contains_key(key) {
                    continue;
                }
                let marks = s.marks.clone();
                let parent = s.parent.clone();
                s.mark_install(key, *pi, *vi, false, 0);
                // `upgrade` keeps back "policy-broken" packages too: a new version whose new
                // Recommends nothing can satisfy (apt's ResolveByKeep counts them).
                if s.resolve().is_err()
                    || !matches!(s.marks.get(key), Some(Mark::Install(..)))
                    || s.policy_broken(&marks)
                {
                    s.marks = marks;
                    s.parent = parent;
                }
            }
        }
        for (key, pi, vi) in &cands {
            if !self.inst[key].held && !matches!(s.marks.get(key), Some(Mark::Install(..))) {
                kept.push((key.clone(), *pi, *vi, "dependencies"));
            }
        }
        let mut out = s.outcome();
        out.held_back = kept
            .into_iter()
            .map(|(k, pi, vi, reason)| HeldBack {
                installed: self.inst[&k].version.to_string(),
                candidate: self.u.version(pi, vi).to_string(),
                package: k,
                reason,
            })
            .collect();
        out.held_back.sort_by(|a, b| a.package.cmp(&b.package));
        out
    }
}

fn refused(r: Refusal) -> Outcome {
    Outcome {
        refused: Some(r),
        ..Outcome::default()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Problem {
    Dep { key: String, group: usize },
    Conflict { key: String, target: String },
}

struct Solver<'h, 'u> {
    host: &'h HostSet<'u>,
    native: &'h str,
    marks: BTreeMap<String, Mark>,
    parent: HashMap<String, String>,
    protected: HashSet<String>,
    tried_upgrade: HashSet<String>,
    recommends: bool,
    allow_remove: bool,
    baseline: HashSet<Problem>,
}

/// A package's version after the marks.
#[derive(Clone, Copy)]
enum Future<'a> {
    Index(usize, usize),
    Local(&'a Version, &'a str),
}

impl<'u> Solver<'_, 'u> {
    fn u(&self) -> &'u Universe {
        self.host.u
    }

    fn future(&self, key: &str) -> Option<Future<'_>> {
        match self.marks.get(key) {
            Some(Mark::Install(pi, vi)) => Some(Future::Index(*pi, *vi)),
            Some(Mark::Remove) => None,
            None => self.host.inst.get(key).map(|i| match (i.pi, i.vi) {
                (Some(pi), Some(vi)) => Future::Index(pi, vi),
                _ => Future::Local(&i.version, &i.arch),
            }),
        }
    }

    fn future_version(&self, key: &str) -> Option<&Version> {
        match self.future(key)? {
            Future::Index(pi, vi) => Some(self.u().version(pi, vi)),
            Future::Local(v, _) => Some(v),
        }
    }

    /// Keys a relation's name can mean: the native package, then foreign ones.
    fn keys_for(&self, name: &str) -> Vec<String> {
        let mut v = vec![name.to_string()];
        for a in &self.u().options().foreign_archs {
            v.push(format!("{name}:{a}"));
        }
        v
    }

    fn key_arch_ok(&self, rel: &Relation, key: &str) -> bool {
        match self.future(key) {
            Some(Future::Index(pi, vi)) => arch_ok(
                rel,
                &self.u().package(pi).arch,
                self.u().meta(pi, vi).multi_arch,
                self.native,
            ),
            Some(Future::Local(_, arch)) => arch_ok(rel, arch, MultiArch::No, self.native),
            None => false,
        }
    }

    /// Future packages (other than `except`) that match `rel` by name or provides.
    fn matching(&self, rel: &Relation, except: Option<&str>) -> Vec<String> {
        let mut out = Vec::new();
        for k in self.keys_for(&rel.name) {
            if Some(k.as_str()) == except {
                continue;
            }
            if let Some(v) = self.future_version(&k)
                && rel.version_ok(v)
                && self.key_arch_ok(rel, &k)
            {
                out.push(k);
            }
        }
        for (pi, vi, pv) in self.u().providers(&rel.name) {
            let p = self.u().package(*pi);
            let k = pkg_key(&p.name, &p.arch, self.native);
            if Some(k.as_str()) == except || out.contains(&k) {
                continue;
            }
            let is_future =
                matches!(self.future(&k), Some(Future::Index(a, b)) if a == *pi && b == *vi);
            let version_ok = match (&rel.constraint, pv) {
                (None, _) => true,
                (Some(_), Some(pv)) => rel.version_ok(pv),
                (Some(_), None) => false,
            };
            if is_future && version_ok {
                out.push(k);
            }
        }
        out
    }

    fn sat(&self, group: &[Relation]) -> bool {
        group.iter().any(|r| !self.matching(r, None).is_empty())
    }

    /// Satisfied by the installed set as it is now (before any mark).
    fn sat_now(&self, group: &[Relation]) -> bool {
        group.iter().any(|r| {
            self.keys_for(&r.name).iter().any(|k| {
                self.host.inst.get(k).is_some_and(|i| {
                    r.version_ok(&i.version) && arch_ok(r, &i.arch, MultiArch::No, self.native)
                })
            })
        })
    }

    fn held(&self, key: &str) -> bool {
        self.host.inst.get(key).is_some_and(|i| i.held)
    }

    /// Installs something that satisfies `group`: the first alternative whose candidate
    /// satisfies it, else a provider whose candidate provides it.
    fn satisfy(&mut self, group: &[Relation], from: &str, depth: usize) -> bool {
        for rel in group {
            for k in self.keys_for(&rel.name) {
                let Some(pi) = self.u().lookup(&k) else {
                    continue;
                };
                let inst = self.host.installed(&k).cloned();
                let Candidate::Index(ci) = self.u().candidate(pi, inst.as_ref()) else {
                    continue;
                };
                let meta = self.u().meta(pi, ci);
                if !rel.version_ok(self.u().version(pi, ci))
                    || !arch_ok(
                        rel,
                        &self.u().package(pi).arch,
                        meta.multi_arch,
                        self.native,
                    )
                {
                    continue;
                }
                if self.mark_install(&k, pi, ci, false, depth + 1) {
                    self.parent.entry(k).or_insert_with(|| from.to_string());
                    return true;
                }
            }
        }
        for rel in group {
            let provs: Vec<_> = self.u().providers(&rel.name).to_vec();
            for (pi, vi, pv) in provs {
                let p = self.u().package(pi);
                let k = pkg_key(&p.name, &p.arch, self.native);
                let inst = self.host.installed(&k).cloned();
                if self.u().candidate(pi, inst.as_ref()) != Candidate::Index(vi) {
                    continue;
                }
                let ok = match (&rel.constraint, &pv) {
                    (None, _) => true,
                    (Some(_), Some(pv)) => rel.version_ok(pv),
                    _ => false,
                };
                if ok && self.mark_install(&k, pi, vi, false, depth + 1) {
                    self.parent.entry(k).or_insert_with(|| from.to_string());
                    return true;
                }
            }
        }
        false
    }

    fn mark_install(&mut self, key: &str, pi: usize, vi: usize, user: bool, depth: usize) -> bool {
        if depth > 64 {
            return false;
        }
        if self.marks.get(key) == Some(&Mark::Install(pi, vi)) {
            return true;
        }
        if self.marks.get(key) == Some(&Mark::Remove) && !user {
            return false;
        }
        let installed = self.host.inst.get(key);
        if !user && installed.is_some_and(|i| i.version == *self.u().version(pi, vi)) {
            return true;
        }
        if !user && self.held(key) {
            return false;
        }
        self.marks.insert(key.to_string(), Mark::Install(pi, vi));
        let deps = self.u().meta(pi, vi).deps();
        for group in &deps.depends.0 {
            if !self.sat(group) {
                self.satisfy(group, key, depth);
            }
        }
        if self.recommends {
            let old = installed.and_then(|i| i.pi.zip(i.vi));
            for group in &deps.recommends.0 {
                if self.sat(group) {
                    continue;
                }
                if let Some((opi, ovi)) = old
                    && self.old_unsatisfied_recommends(opi, ovi, group)
                {
                    continue;
                }
                self.satisfy(group, key, depth);
            }
        }
        true
    }

    /// apt's rule for upgrades: a `Recommends` on the same package that the installed
    /// version also had, and that is not satisfied now, stays uninstalled.
    fn old_unsatisfied_recommends(&self, opi: usize, ovi: usize, group: &[Relation]) -> bool {
        let target = &group[0].name;
        let old = self.u().meta(opi, ovi).deps();
        let mut had = false;
        for g in &old.recommends.0 {
            if g.iter().any(|r| &r.name == target) {
                had = true;
                if self.sat_now(g) {
                    return false;
                }
            }
        }
        had
    }

    /// Whether a package marked since `before` has a `Recommends` that is unmet and would
    /// have been installed (apt's "policy broken").
    fn policy_broken(&self, before: &BTreeMap<String, Mark>) -> bool {
        if !self.recommends {
            return false;
        }
        self.marks.iter().any(|(k, m)| {
            let Mark::Install(pi, vi) = *m else {
                return false;
            };
            if before.get(k) == Some(m) {
                return false;
            }
            let old = self.host.inst.get(k).and_then(|i| i.pi.zip(i.vi));
            self.u().meta(pi, vi).deps().recommends.0.iter().any(|g| {
                !self.sat(g)
                    && !old.is_some_and(|(opi, ovi)| self.old_unsatisfied_recommends(opi, ovi, g))
            })
        })
    }

    fn future_keys(&self) -> Vec<String> {
        let mut keys: BTreeSet<&str> = self.host.inst.keys().map(String::as_str).collect();
        for (k, m) in &self.marks {
            match m {
                Mark::Install(..) => keys.insert(k.as_str()),
                Mark::Remove => keys.remove(k.as_str()),
            };
        }
        keys.into_iter().map(str::to_string).collect()
    }

    /// Names the marks change: the packages' own names and what their old and new versions
    /// provide. A kept package can only break through a relation on one of them.
    fn touched(&self) -> HashSet<&str> {
        let mut t = HashSet::new();
        for (k, m) in &self.marks {
            t.insert(k.split(':').next().unwrap_or(k));
            if let Mark::Install(pi, vi) = m {
                t.extend(self.u().meta(*pi, *vi).provides.iter().map(|p| &**p));
            }
            if let Some(i) = self.host.inst.get(k)
                && let (Some(pi), Some(vi)) = (i.pi, i.vi)
            {
                t.extend(self.u().meta(pi, vi).provides.iter().map(|p| &**p));
            }
        }
        t
    }

    /// Unsatisfied dependencies and conflicts of the future set. With `full` false, kept
    /// packages are checked only on relations the marks touch (the rest cannot have
    /// changed); the baseline is computed in full.
    fn problems(&self) -> Vec<Problem> {
        self.problems_with(false)
    }

    fn problems_with(&self, full: bool) -> Vec<Problem> {
        let mut out = Vec::new();
        let touched = self.touched();
        if !full && touched.is_empty() {
            return out;
        }
        for key in self.future_keys() {
            let Some(Future::Index(pi, vi)) = self.future(&key) else {
                continue;
            };
            let check_all = full || self.marks.contains_key(&key);
            let deps = self.u().meta(pi, vi).deps();
            for (gi, group) in deps.depends.0.iter().enumerate() {
                if !check_all && !group.iter().any(|r| touched.contains(r.name.as_str())) {
                    continue;
                }
                if !self.sat(group) {
                    out.push(Problem::Dep {
                        key: key.clone(),
                        group: gi,
                    });
                }
            }
            for rel in deps.breaks.0.iter().chain(&deps.conflicts.0).flatten() {
                if !check_all && !touched.contains(rel.name.as_str()) {
                    continue;
                }
                for target in self.matching(rel, Some(&key)) {
                    out.push(Problem::Conflict {
                        key: key.clone(),
                        target,
                    });
                }
            }
        }
        out
    }

    fn revert(&mut self, key: &str) {
        self.marks.remove(key);
        let children: Vec<String> = self
            .parent
            .iter()
            .filter(|(_, p)| p.as_str() == key)
            .map(|(c, _)| c.clone())
            .collect();
        for c in children {
            self.parent.remove(&c);
            if !self.protected.contains(&c) && self.marks.contains_key(&c) {
                self.revert(&c);
            }
        }
    }

    /// Upgrades a kept package to its candidate, when that is a change.
    fn try_upgrade(&mut self, key: &str) -> bool {
        if self.marks.contains_key(key) || self.held(key) || !self.tried_upgrade.insert(key.into())
        {
            return false;
        }
        let Some(i) = self.host.inst.get(key) else {
            return false;
        };
        let Some(pi) = i.pi else { return false };
        match self.u().candidate(pi, Some(&i.version)) {
            Candidate::Index(ci) if *self.u().version(pi, ci) != i.version => {
                self.mark_install(key, pi, ci, false, 0)
            }
            _ => false,
        }
    }

    fn can_remove(&self, key: &str) -> bool {
        self.allow_remove && !self.held(key) && !self.protected.contains(key)
    }

    fn resolve(&mut self) -> Result<(), Refusal> {
        for _ in 0..10_000 {
            let Some(p) = self
                .problems()
                .into_iter()
                .find(|p| !self.baseline.contains(p))
            else {
                return Ok(());
            };
            match p {
                Problem::Dep { key, group } => {
                    if self.marks.contains_key(&key) {
                        if self.protected.contains(&key) {
                            let detail = self.group_text(&key, group);
                            return Err(Refusal::Unresolvable {
                                package: key,
                                detail,
                            });
                        }
                        self.revert(&key);
                    } else if self.try_upgrade(&key) {
                    } else if self.can_remove(&key) {
                        self.marks.insert(key, Mark::Remove);
                    } else {
                        // Keep back the change that broke it.
                        let names: Vec<String> = self
                            .depends_group(&key, group)
                            .iter()
                            .map(|r| r.name.clone())
                            .collect();
                        let culprits: Vec<String> = self
                            .marks
                            .keys()
                            .filter(|k| names.iter().any(|n| self.keys_for(n).contains(k)))
                            .cloned()
                            .collect();
                        let culprits = if culprits.is_empty() {
                            // Broken through a provider: keep back every unprotected change.
                            self.marks.keys().cloned().collect()
                        } else {
                            culprits
                        };
                        let mut done = false;
                        for c in culprits {
                            if !self.protected.contains(&c) {
                                self.revert(&c);
                                done = true;
                            }
                        }
                        if !done {
                            let detail = self.group_text(&key, group);
                            return Err(Refusal::Unresolvable {
                                package: key,
                                detail,
                            });
                        }
                    }
                }
                Problem::Conflict { key, target } => {
                    let (km, tm) = (
                        self.marks.contains_key(&key),
                        self.marks.contains_key(&target),
                    );
                    let (victim, cause) = match (km, tm) {
                        (true, false) => (target, key),
                        (false, true) => (key, target),
                        _ => {
                            // Both change: keep back the one nobody asked for.
                            let v = if !self.protected.contains(&target) {
                                target
                            } else if !self.protected.contains(&key) {
                                key
                            } else {
                                return Err(Refusal::Unresolvable {
                                    package: key,
                                    detail: format!("conflicts with {target}"),
                                });
                            };
                            self.revert(&v);
                            continue;
                        }
                    };
                    if self.try_upgrade(&victim) {
                    } else if self.can_remove(&victim) {
                        self.marks.insert(victim, Mark::Remove);
                    } else if !self.protected.contains(&cause) {
                        self.revert(&cause);
                    } else {
                        return Err(Refusal::Unresolvable {
                            package: cause,
                            detail: format!("breaks {victim}, which cannot change"),
                        });
                    }
                }
            }
        }
        Err(Refusal::Unresolvable {
            package: String::new(),
            detail: "the resolver did not converge".into(),
        })
    }

    fn depends_group(&self, key: &str, group: usize) -> Vec<Relation> {
        match self.future(key) {
            Some(Future::Index(pi, vi)) => self.u().meta(pi, vi).deps().depends.0[group].clone(),
            _ => Vec::new(),
        }
    }

    fn group_text(&self, key: &str, group: usize) -> String {
        self.depends_group(key, group)
            .iter()
            .map(relation_text)
            .collect::<Vec<_>>()
            .join(" | ")
    }

    fn outcome(&self) -> Outcome {
        let mut changes = Vec::new();
        for (k, m) in &self.marks {
            let from = self.host.inst.get(k).map(|i| i.version.to_string());
            let to = match m {
                Mark::Install(pi, vi) => Some(self.u().version(*pi, *vi).to_string()),
                Mark::Remove => None,
            };
            if from.is_none() && to.is_none() {
                continue;
            }
            changes.push(Change {
                package: k.clone(),
                from,
                to,
                auto: !self.protected.contains(k),
            });
        }
        Outcome {
            changes,
            ..Outcome::default()
        }
    }

    /// apt-get install's "Recommended packages:" list.
    fn recommended(&self, out: &mut Outcome) {
        let mut seen = HashSet::new();
        for (k, m) in &self.marks {
            let Mark::Install(pi, vi) = *m else { continue };
            if let Some(i) = self.host.inst.get(k)
                && *self.u().version(pi, vi) <= i.version
            {
                continue;
            }
            for group in &self.u().meta(pi, vi).deps().recommends.0 {
                let text = group
                    .iter()
                    .map(|r| r.name.clone())
                    .collect::<Vec<_>>()
                    .join(" | ");
                if !seen.insert(text.clone()) || self.sat(group) {
                    continue;
                }
                for (i, r) in group.iter().enumerate() {
                    out.recommended.push(if i == 0 {
                        r.name.clone()
                    } else {
                        format!("| {}", r.name)
                    });
                }
                out.unmet_recommends.push(UnmetRecommends {
                    package: k.clone(),
                    recommends: group
                        .iter()
                        .map(relation_text)
                        .collect::<Vec<_>>()
                        .join(" | "),
                });
            }
        }
    }
}

/// `name (op version)`.
pub fn relation_text(r: &Relation) -> String {
    match &r.constraint {
        Some((op, v)) => format!("{} ({} {})", r.name, op.as_str(), v),
        None => r.name.clone(),
    }
}
