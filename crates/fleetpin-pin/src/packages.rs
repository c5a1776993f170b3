//! Package tasks: each floating name gets the version of `fleetpin.lock` in the syntax its
//! module accepts, and `state: latest` becomes `state: present`, where the text is written
//! (in the task, or where the variable it comes from is set).

use std::collections::BTreeMap;

use fleetpin_diag::{Applicability, Span};
use fleetpin_fleet::lock::Lock;
use fleetpin_lint::{PinSite, PinWhat};

use crate::{Candidate, PinError};

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
                    if !name_edits(site, spec, lock, out, errors, task_line) {
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
    }
}

/// Edits for one name site; `false` when the name stays unpinned.
fn name_edits(
    site: &PinSite,
    spec: &str,
    lock: Option<&Lock>,
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
    for place in &site.places {
        let version = match locked_version(lock, &keys, place, &bare) {
            Ok(v) => v,
            Err(e) => {
                errors.push(e);
                ok = false;
                continue;
            }
        };
        match pinned_spec(site.manager, &site.module, spec, &version) {
            Ok((text, applicability)) => out.push(Candidate {
                file: place.file.clone(),
                range: place.range.clone(),
                content: text,
                applicability,
                code: site.finding.0,
                title: format!("pin `{bare}` to {version} (fleetpin.lock)"),
            }),
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
    ok
}
