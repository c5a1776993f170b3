//! Package tasks: each floating name gets the version of `fleetpin.lock` in the syntax its
//! module accepts, and `state: latest` becomes `state: present`, where the text is written
//! (in the task, or where the variable it comes from is set).

use std::collections::BTreeMap;

use fleetpin_diag::{Applicability, Span};
use fleetpin_fleet::lock::{DEFAULT_GROUP, Lock};
use fleetpin_lint::{PinSite, PinWhat};

use crate::groups::{GroupValue, Targeting};
use crate::{Candidate, PinError};

/// What the package fixes share: what plays target, the per-group values they need, and
/// the facts that tell where a downgrade is needed.
#[derive(Default)]
pub(crate) struct Ctx<'a> {
    /// Plays' targets, computed once.
    pub targeting: Targeting,
    /// Values group vars files must hold.
    pub group_values: Vec<GroupValue>,
    /// Gathered facts (`--facts`).
    pub facts: Option<&'a fleetpin_fleet::fleet::Fleet>,
    /// An apt/dnf/yum name was pinned without facts to check downgrades against.
    pub downgrades_unchecked: bool,
    /// Edits (file, range) that rely on group vars (`group_vars/` folder, group).
    pub requires: Vec<Requirement>,
}

/// An edit (file, byte range) and the group vars (`group_vars/` folder, group) it relies on.
pub(crate) type Requirement = (
    std::path::PathBuf,
    std::ops::Range<usize>,
    Vec<(std::path::PathBuf, String)>,
);

/// The version text a place gets.
enum Resolved {
    /// One version for every host the value serves.
    Literal(String),
    /// `{{ fleetpin_versions['KEY'] }}`, and the values each group's file must hold.
    Template {
        expr: String,
        wrap: bool,
        values: Vec<GroupValue>,
        versions: String,
    },
}

/// How a module takes a pinned package: the text to write for `spec` at `version`, and
/// whether that is safe.
pub fn pinned_spec(
    manager: &str,
    module: &str,
    spec: &str,
    version: &str,
) -> Result<(String, Applicability), String> {
    use fleetpin_shell::Manager as M;
    let shell = M::from_ansible_module(module).unwrap_or(M::Generic);
    let parsed = fleetpin_shell::parse_spec(shell, spec);
    if parsed.version.is_some() {
        return Err(format!(
            "`{spec}` already carries a version constraint; fleetpin replaces only bare names"
        ));
    }
    let out = match manager {
        // apt(8) `pkg=version`, also `pkg:arch=version`; apk, zypper and opkg take `=` too.
        "apt" | "apk" | "zypper" | "opkg" | "apt_rpm" => {
            (format!("{spec}={version}"), Applicability::Safe)
        }
        // The generic `package` module hands the name to the host's own manager: `=` is
        // apt's syntax, right only where the lock's versions come from apt hosts.
        "package" => (format!("{spec}={version}"), Applicability::Unsafe),
        // dnf/yum take `name-[epoch:]version-release` (a NEVRA without the arch).
        "dnf" | "dnf5" | "yum" | "urpmi" => {
            if spec.contains(['.', '*', '/']) {
                return Err(format!(
                    "`{spec}` has an architecture, a glob or a path; write `name-version` by hand"
                ));
            }
            (format!("{spec}-{version}"), Applicability::Safe)
        }
        "pip" | "pipx" => (format!("{spec}=={version}"), Applicability::Safe),
        "npm" | "yarn" | "pnpm" => (format!("{spec}@{version}"), Applicability::Safe),
        "gem" => {
            return Err(
                "the `gem` module takes the version in its `version:` argument, which fleetpin \
                 does not add yet"
                    .to_owned(),
            );
        }
        other => {
            return Err(format!(
                "fleetpin writes no version syntax for `{other}` packages"
            ));
        }
    };
    Ok(out)
}

/// The lock group a place is written for: `group_vars/<G>.yml`, `group_vars/<G>/*` when the
/// lock locks `G` separately.
fn group_of_place(span: &Span, lock: &Lock) -> Option<String> {
    let comps: Vec<String> = span
        .file
        .path()
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let i = comps.iter().rposition(|c| c == "group_vars")?;
    let next = comps.get(i + 1)?;
    let group = if i + 2 < comps.len() {
        next.clone()
    } else {
        next.rsplit_once('.')
            .map_or(next.as_str(), |(g, _)| g)
            .to_owned()
    };
    // `group_vars/all` reaches every host, not only the lock group `all` (hosts in no
    // `group-by` group): it is that group's place only when the lock has no other.
    if group == DEFAULT_GROUP && lock.groups.len() > 1 {
        return None;
    }
    lock.groups.contains_key(&group).then_some(group)
}

/// The locked version for `name` (or `name:arch`) at `place`.
pub(crate) fn locked_version(
    lock: &Lock,
    keys: &[String],
    place: &Span,
    package: &str,
) -> Result<String, PinError> {
    let (line, _) = place.start();
    let path = place.file.path().to_path_buf();
    let lookup = |group: &BTreeMap<String, fleetpin_fleet::lock::Locked>| {
        keys.iter()
            .find_map(|k| group.get(k))
            .map(|l| l.version.clone())
    };
    if let Some(g) = group_of_place(place, lock) {
        return lookup(&lock.groups[&g]).ok_or(PinError::LockMissingPackage {
            path,
            line,
            package: package.to_owned(),
        });
    }
    let mut found: BTreeMap<String, String> = BTreeMap::new();
    for (g, packages) in &lock.groups {
        if let Some(v) = lookup(packages) {
            found.insert(g.clone(), v);
        }
    }
    let mut versions: Vec<&String> = found.values().collect();
    versions.sort();
    versions.dedup();
    match versions.as_slice() {
        [] => Err(PinError::LockMissingPackage {
            path,
            line,
            package: package.to_owned(),
        }),
        [one] => Ok((*one).clone()),
        _ => Err(PinError::LockGroupsDiffer {
            path,
            line,
            package: package.to_owned(),
            versions: found
                .iter()
                .map(|(g, v)| format!("{g} = {v}"))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// Turns the recorded sites of reported findings into candidate edits.
pub(crate) fn candidates(
    sites: &[&PinSite],
    lock: Option<&Lock>,
    ctx: &mut Ctx<'_>,
    out: &mut Vec<Candidate>,
    errors: &mut Vec<PinError>,
) {
    // Sites per finding: a state becomes `present` only when every floating name of its
    // finding got a version (else the task would stop upgrading an unpinned package).
    let mut by_finding: BTreeMap<(&std::path::Path, &str, usize), Vec<&PinSite>> = BTreeMap::new();
    for s in sites {
        by_finding
            .entry((
                s.finding.1.file.path(),
                s.finding.0,
                s.finding.1.range.start,
            ))
            .or_default()
            .push(s);
    }
    for ((task_file, _, _), sites) in by_finding {
        let (out_start, values_start) = (out.len(), ctx.group_values.len());
        let mut all_named = true;
        let mut states = Vec::new();
        let task_line = sites[0].finding.1.start().0;
        let line_of = |s: &PinSite| {
            s.places.first().map_or_else(
                || (task_file.to_path_buf(), task_line),
                |p| (p.file.path().to_path_buf(), p.start().0),
            )
        };
        for site in sites {
            match &site.what {
                PinWhat::State(v) => states.push((site, v)),
                PinWhat::Name(spec) => {
                    if !name_edits(site, spec, lock, ctx, out, errors, task_line) {
                        all_named = false;
                    }
                }
            }
        }
        for (site, value) in states {
            if !all_named {
                continue;
            }
            if value.trim() != "latest" {
                let (path, line) = line_of(site);
                errors.push(PinError::Unsupported {
                    path,
                    line,
                    package: String::new(),
                    module: site.module.clone(),
                    why: format!("state `{value}` has no `present` equivalent fleetpin knows"),
                });
                continue;
            }
            if let Some(why) = &site.unfixable {
                errors.push(PinError::NotLiteral {
                    path: task_file.to_path_buf(),
                    line: task_line,
                    why: why.clone(),
                });
                continue;
            }
            for place in &site.places {
                out.push(Candidate {
                    file: place.file.clone(),
                    range: place.range.clone(),
                    content: "present".to_owned(),
                    applicability: Applicability::Safe,
                    code: site.finding.0,
                    title: "`state: latest` → `state: present`".to_owned(),
                });
            }
        }
        // The finding's edits rely on the group vars its per-group values go to: written
        // without them, the task would read an undefined variable.
        let needs: Vec<(std::path::PathBuf, String)> = ctx.group_values[values_start..]
            .iter()
            .map(|v| (v.vars_dir.clone(), v.group.clone()))
            .collect();
        if !needs.is_empty() {
            for c in &out[out_start..] {
                ctx.requires
                    .push((c.file.path().to_path_buf(), c.range.clone(), needs.clone()));
            }
        }
    }
}

/// Edits for one name site; `false` when the name stays unpinned.
fn name_edits(
    site: &PinSite,
    spec: &str,
    lock: Option<&Lock>,
    ctx: &mut Ctx<'_>,
    out: &mut Vec<Candidate>,
    errors: &mut Vec<PinError>,
    task_line: usize,
) -> bool {
    let path = site.places.first().map_or_else(
        || site.finding.1.file.path().to_path_buf(),
        |p| p.file.path().to_path_buf(),
    );
    let line = site.places.first().map_or(task_line, |p| p.start().0);
    if let Some(why) = &site.unfixable {
        errors.push(PinError::NotLiteral {
            path,
            line,
            why: why.clone(),
        });
        return false;
    }
    if spec.contains("{{") || spec.contains("{%") {
        errors.push(PinError::NotLiteral {
            path,
            line,
            why: format!(
                "the package name `{spec}` is a template; pin where its variables are set"
            ),
        });
        return false;
    }
    let shell = fleetpin_shell::Manager::from_ansible_module(&site.module)
        .unwrap_or(fleetpin_shell::Manager::Generic);
    let bare = fleetpin_shell::parse_spec(shell, spec).name;
    let mut keys = vec![bare.clone()];
    if let Some((n, _arch)) = bare.split_once(':') {
        keys.push(n.to_owned());
    }
    // pip extras (`requests[socks]`) are locked by the project name.
    if let Some((n, _)) = bare.split_once('[') {
        keys.push(n.to_owned());
    }
    let Some(lock) = lock else {
        errors.push(PinError::NoLock {
            path,
            line,
            package: bare,
        });
        return false;
    };
    let mut ok = true;
    let task_file = site.finding.1.file.path();
    let mut targets: Option<BTreeMap<String, String>> = None;
    for place in &site.places {
        let resolved = match locked_version(lock, &keys, place, &bare) {
            Ok(v) => Resolved::Literal(v),
            // The value is written in the task or its role: the plays that run it say which
            // groups it serves.
            Err(PinError::LockGroupsDiffer {
                path,
                line,
                package,
                versions,
            }) if place.file.path() == task_file || in_same_role(place.file.path(), task_file) => {
                match per_group(ctx, lock, &keys, place, &bare, &mut targets) {
                    Ok(r) => r,
                    Err(why) => {
                        errors.push(PinError::GroupsUnknown {
                            path,
                            line,
                            package,
                            versions,
                            why,
                        });
                        ok = false;
                        continue;
                    }
                }
            }
            Err(e) => {
                errors.push(e);
                ok = false;
                continue;
            }
        };
        let (version, wrap, title) = match &resolved {
            Resolved::Literal(v) => (
                v.clone(),
                false,
                format!("pin `{bare}` to {v} (fleetpin.lock)"),
            ),
            Resolved::Template {
                expr,
                wrap,
                versions,
                ..
            } => (
                expr.clone(),
                *wrap,
                format!("pin `{bare}` per lock group ({versions}) through group_vars"),
            ),
        };
        match pinned_spec(site.manager, &site.module, spec, &version) {
            Ok((text, applicability)) => {
                if let Resolved::Template { values, .. } = resolved {
                    ctx.group_values.extend(values);
                }
                out.push(Candidate {
                    file: place.file.clone(),
                    range: place.range.clone(),
                    content: if wrap { format!("\"{text}\"") } else { text },
                    applicability,
                    code: site.finding.0,
                    title,
                });
            }
            Err(why) => {
                errors.push(PinError::Unsupported {
                    path: place.file.path().to_path_buf(),
                    line: place.start().0,
                    package: bare.clone(),
                    module: site.module.clone(),
                    why,
                });
                ok = false;
            }
        }
    }
    if ok && crate::downgrade::supports(site.manager) {
        downgrade_edit(site, lock, &keys, targets.as_ref(), ctx, out, errors);
    }
    ok
}

/// The version a place in a task gets from the lock groups its play targets: one version
/// when they agree, else a per-group template and the values each group's file must hold.
fn per_group(
    ctx: &mut Ctx<'_>,
    lock: &Lock,
    keys: &[String],
    place: &Span,
    package: &str,
    targets: &mut Option<BTreeMap<String, String>>,
) -> Result<Resolved, String> {
    let plays = ctx.targeting.place_groups(
        place.file.path(),
        place.file.text(),
        place.range.start,
        lock,
    )?;
    let merged: BTreeMap<String, String> = plays
        .iter()
        .flat_map(|pg| pg.hosts.iter().map(|(h, g)| (h.clone(), g.clone())))
        .collect();
    *targets = Some(merged.clone());
    let mut per: BTreeMap<&str, (&String, &str)> = BTreeMap::new();
    for (host, group) in &merged {
        let table = &lock.groups[group];
        let Some((key, version)) = keys
            .iter()
            .find_map(|k| table.get(k).map(|l| (k, l.version.as_str())))
        else {
            return Err(format!(
                "`{package}` is not locked for group `{group}`, whose host `{host}` the play \
                 targets"
            ));
        };
        let group = lock
            .groups
            .get_key_value(group)
            .map_or("", |(g, _)| g.as_str());
        per.insert(group, (key, version));
    }
    let mut versions: Vec<&str> = per.values().map(|(_, v)| *v).collect();
    versions.sort_unstable();
    versions.dedup();
    if let [one] = versions.as_slice() {
        return Ok(Resolved::Literal((*one).to_owned()));
    }
    let mut names: Vec<&String> = per.values().map(|(k, _)| *k).collect();
    names.dedup();
    let [key] = names.as_slice() else {
        return Err(format!(
            "the groups lock it under different names ({})",
            per.iter()
                .map(|(g, (k, _))| format!("`{k}` in {g}"))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    };
    let (expr, wrap) = crate::groups::version_expression(place.file.text(), &place.range, key)?;
    // Each play's groups, in the group_vars beside its playbook.
    let mut values = Vec::new();
    for pg in &plays {
        let vars_dir = pg.dir.join("group_vars");
        for group in pg.hosts.values() {
            let (k, v) = per[group.as_str()];
            values.push(GroupValue {
                vars_dir: vars_dir.clone(),
                group: group.clone(),
                key: k.clone(),
                version: v.to_owned(),
            });
        }
    }
    Ok(Resolved::Template {
        expr,
        wrap,
        values,
        versions: per
            .iter()
            .map(|(g, (_, v))| format!("{g} = {v}"))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// `allow_downgrade: true` on the task (unsafe) when the facts show a host it runs on above
/// the lock; without facts, remembers that downgrades were not checked.
fn downgrade_edit(
    site: &PinSite,
    lock: &Lock,
    keys: &[String],
    targets: Option<&BTreeMap<String, String>>,
    ctx: &mut Ctx<'_>,
    out: &mut Vec<Candidate>,
    errors: &mut Vec<PinError>,
) {
    let Some(facts) = ctx.facts else {
        ctx.downgrades_unchecked = true;
        return;
    };
    let task = &site.finding.1;
    // The task's play, where it can be told; else every host of the facts.
    let known;
    let targets = match targets {
        Some(t) => Some(t),
        None => {
            known = ctx
                .targeting
                .place_groups(task.file.path(), task.file.text(), task.range.start, lock)
                .ok()
                .map(|plays| plays.into_iter().flat_map(|pg| pg.hosts).collect());
            known.as_ref()
        }
    };
    let ahead = crate::downgrade::hosts_ahead(facts, lock, targets, keys);
    match crate::downgrade::candidate(
        &task.file,
        task.range.start,
        site.finding.0,
        &keys[0],
        &ahead,
    ) {
        Ok(Some(c)) => out.push(c),
        Ok(None) => {}
        Err(why) => errors.push(PinError::Unsupported {
            path: task.file.path().to_path_buf(),
            line: task.start().0,
            package: keys[0].clone(),
            module: site.module.clone(),
            why: format!(
                "hosts run it above the lock, but `allow_downgrade` cannot be added: {why}"
            ),
        }),
    }
}

/// Whether `place` is in the role `task` belongs to (a role default or var the task reads).
fn in_same_role(place: &std::path::Path, task: &std::path::Path) -> bool {
    crate::groups::role_of(place).is_some_and(|r| Some(r) == crate::groups::role_of(task))
}
