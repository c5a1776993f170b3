//! `allow_downgrade: true`, only where a host needs it: the gathered facts show a host the
//! task runs on with the package installed above the version it is pinned to (dpkg ordering,
//! rpm ordering on rpm hosts, from fleetpin-debian through [`fleetpin_fleet::PackageManager`]).
//! apt refuses to install `name=VER` below the installed version without it (the task fails),
//! and dnf/yum leave the package where it is. Added only as an unsafe fix: a downgrade changes
//! what runs on the host.

use std::collections::BTreeMap;

use fleetpin_fleet::fleet::Fleet;
use fleetpin_fleet::lock::{Lock, lock_group_of};
use fleetpin_yaml::{Node, NodeKind, ScalarStyle};

/// Modules with an `allow_downgrade` argument.
pub(crate) fn supports(manager: &str) -> bool {
    matches!(manager, "apt" | "dnf" | "dnf5" | "yum")
}

/// A host that runs a package above the lock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Ahead {
    pub host: String,
    pub installed: String,
    pub locked: String,
}

/// The hosts of `targets` (inventory host → lock group; every host of the facts when `None`)
/// whose installed version of the package (first of `keys` the lock has) is above their
/// group's locked version.
pub(crate) fn hosts_ahead(
    facts: &Fleet,
    lock: &Lock,
    targets: Option<&BTreeMap<String, String>>,
    keys: &[String],
) -> Vec<Ahead> {
    ahead_where(facts, |host| {
        let group = match targets {
            Some(t) => t.get(&host.name)?.as_str(),
            None => lock_group_of(host, &lock.group_by),
        };
        let table = lock.groups.get(group)?;
        keys.iter()
            .find_map(|k| table.get(k).map(|l| (k.clone(), l.version.clone())))
    })
}

/// The hosts (of `targets`, or all) whose installed package `key` is above what `wanted`
/// gives them (`None`: not compared).
fn ahead_where(
    facts: &Fleet,
    wanted: impl Fn(&fleetpin_fleet::fleet::FleetHost) -> Option<(String, String)>,
) -> Vec<Ahead> {
    let mut out = Vec::new();
    for host in &facts.hosts {
        let Some((key, locked)) = wanted(host) else {
            continue;
        };
        let Some(installed) = facts
            .packages
            .get(&key)
            .and_then(|id| host.get(id))
            .map(|i| facts.versions.resolve(i.version))
        else {
            continue;
        };
        if host.manager.compare(installed, &locked).is_gt() {
            out.push(Ahead {
                host: host.name.clone(),
                installed: installed.to_owned(),
                locked,
            });
        }
    }
    out
}

/// The unsafe fix for a task at byte `at` of `file` whose hosts `ahead` run `package` above
/// the version it installs; `Ok(None)` when the task already allows downgrades.
pub(crate) fn candidate(
    file: &fleetpin_diag::SourceFile,
    at: usize,
    code: &'static str,
    package: &str,
    ahead: &[Ahead],
) -> Result<Option<crate::Candidate>, String> {
    let Some(first) = ahead.first() else {
        return Ok(None);
    };
    let Some((range, content)) = edit(file.text(), at)? else {
        return Ok(None);
    };
    let n = ahead.len();
    Ok(Some(crate::Candidate {
        file: file.clone(),
        range,
        content,
        applicability: fleetpin_diag::Applicability::Unsafe,
        code,
        title: format!(
            "{TITLE}`{package}` on {}{} ({} > {})",
            first.host,
            if n == 1 {
                String::new()
            } else {
                format!(" and {} more host{}", n - 1, if n == 2 { "" } else { "s" })
            },
            first.installed,
            first.locked
        ),
    }))
}

/// How every `allow_downgrade` fix's title starts.
const TITLE: &str = "add `allow_downgrade: true`, hosts run above the pinned version: ";

/// One `allow_downgrade` fix per task: the candidates of its packages become one, whose
/// title names each package.
pub(crate) fn merge(candidates: Vec<crate::Candidate>) -> Vec<crate::Candidate> {
    let mut out: Vec<crate::Candidate> = Vec::with_capacity(candidates.len());
    let mut seen: std::collections::HashMap<(std::path::PathBuf, usize, usize, String), usize> =
        std::collections::HashMap::new();
    for c in candidates {
        if !c.title.starts_with(TITLE) {
            out.push(c);
            continue;
        }
        let key = (
            c.file.path().to_path_buf(),
            c.range.start,
            c.range.end,
            c.content.clone(),
        );
        match seen.get(&key) {
            Some(&i) => {
                let detail = &c.title[TITLE.len()..];
                if !out[i].title.contains(detail) {
                    out[i].title.push_str(", ");
                    out[i].title.push_str(detail);
                }
            }
            None => {
                seen.insert(key, out.len());
                out.push(c);
            }
        }
    }
    out
}

/// The edit adding `allow_downgrade: true` to the arguments of the apt/dnf/yum module of the
/// task around byte `at` of `text`; `Ok(None)` when the task already sets it.
pub(crate) fn edit(
    text: &str,
    at: usize,
) -> Result<Option<(std::ops::Range<usize>, String)>, String> {
    let docs = fleetpin_yaml::parse(text).map_err(|e| format!("the file does not parse: {e}"))?;
    let mut stack: Vec<&Node> = docs.iter().map(|d| &d.root).collect();
    let mut args: Option<&Node> = None;
    let mut module = String::new();
    while let Some(n) = stack.pop() {
        if !(n.span.start <= at && at <= n.span.end) {
            continue;
        }
        match &n.kind {
            NodeKind::Seq(items) => stack.extend(items),
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    let short = k.as_str().map(|k| k.rsplit('.').next().unwrap_or(k));
                    if short.is_some_and(supports) && v.span.start <= at && at <= v.span.end {
                        args = Some(v);
                        module = k.as_str().unwrap_or_default().to_owned();
                    }
                    stack.push(v);
                }
            }
            _ => {}
        }
    }
    let Some(args) = args else {
        return Err(format!(
            "the `{module}` arguments of the task are not found"
        ));
    };
    match &args.kind {
        NodeKind::Map(_) => {
            if args.contains_key("allow_downgrade") {
                return Ok(None);
            }
            let add = [("allow_downgrade".to_owned(), "true".to_owned())];
            crate::groups::insert_entries(text, args, &add).map(Some)
        }
        // Free form: `apt: name=docker-ce=VER state=present`.
        NodeKind::Scalar(s)
            if matches!(
                s.style,
                ScalarStyle::Plain | ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted
            ) && text.get(s.value_span.clone()) == Some(s.value.as_str()) =>
        {
            if s.value
                .split_whitespace()
                .any(|w| w.starts_with("allow_downgrade="))
            {
                return Ok(None);
            }
            let end = s.value_span.end;
            Ok(Some((end..end, " allow_downgrade=true".to_owned())))
        }
        _ => Err(format!(
            "the `{module}` arguments are neither a mapping nor a one-line `key=value` string"
        )),
    }
}

/// A task already pinned (by an earlier run, or by hand): the version each host gets, from
/// the written `name=VER` (apt) or `{{ fleetpin_versions['KEY'] }}` (each host's lock group),
/// checked against the facts like the tasks pinned now. Returns (file, byte offset of the
/// name, package, hosts ahead).
pub(crate) fn already_pinned(
    packages: &[fleetpin_lint::ManagedPackage],
    facts: &Fleet,
    lock: &Lock,
    targeting: &mut crate::groups::Targeting,
) -> Vec<(fleetpin_diag::SourceFile, usize, String, Vec<Ahead>)> {
    let mut texts: BTreeMap<&std::path::Path, Option<String>> = BTreeMap::new();
    let mut by_place: BTreeMap<(&std::path::Path, usize, &str), Vec<&str>> = BTreeMap::new();
    for p in packages {
        let Some(name) = p.name.as_deref() else {
            continue;
        };
        if !matches!(p.manager, "apt" | "dnf") {
            continue;
        }
        by_place
            .entry((p.path.as_path(), p.line, name))
            .or_default()
            .push(p.spec.as_str());
    }
    let mut out = Vec::new();
    for ((path, line, name), specs) in by_place {
        let text = texts
            .entry(path)
            .or_insert_with(|| std::fs::read_to_string(path).ok());
        let Some(text) = text.as_deref() else {
            continue;
        };
        let Some(line_start) = line_offset(text, line) else {
            continue;
        };
        let line_text = text[line_start..].lines().next().unwrap_or("");
        let Some(col) = line_text.find(name) else {
            continue;
        };
        let at = line_start + col;
        let per_group = line_text.contains(crate::groups::VERSION_VAR_SUBSCRIPT);
        let literal: Option<String> = if per_group {
            None
        } else {
            let mut versions: Vec<&str> = specs
                .iter()
                .filter_map(|s| s.strip_prefix(name)?.strip_prefix('='))
                .collect();
            versions.dedup();
            match versions.as_slice() {
                [one] if !one.contains(['*', '?', '[']) => Some((*one).to_owned()),
                _ => continue,
            }
        };
        let targets: Option<BTreeMap<String, String>> = targeting
            .place_groups(path, text, at, lock)
            .ok()
            .map(|plays| plays.into_iter().flat_map(|pg| pg.hosts).collect());
        let keys = [name.to_owned()];
        let ahead: Vec<Ahead> = match &literal {
            None => hosts_ahead(facts, lock, targets.as_ref(), &keys),
            Some(v) => hosts_ahead_of(facts, targets.as_ref(), name, v),
        };
        if !ahead.is_empty() {
            out.push((
                fleetpin_diag::SourceFile::new(path, text),
                at,
                name.to_owned(),
                ahead,
            ));
        }
    }
    out
}

fn line_offset(text: &str, line: usize) -> Option<usize> {
    if line == 1 {
        return Some(0);
    }
    text.match_indices('\n').nth(line - 2).map(|(i, _)| i + 1)
}

/// [`hosts_ahead`] for one version written in the task, whatever the host's group.
fn hosts_ahead_of(
    facts: &Fleet,
    targets: Option<&BTreeMap<String, String>>,
    name: &str,
    version: &str,
) -> Vec<Ahead> {
    ahead_where(facts, |host| {
        if targets.is_some_and(|t| !t.contains_key(&host.name)) {
            return None;
        }
        Some((name.to_owned(), version.to_owned()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_fix_per_task_naming_each_package() {
        let text = "- apt:\n    name: [a=1, b=2]\n    state: present\n";
        let file = fleetpin_diag::SourceFile::new("site.yml", text);
        let ahead = |host: &str, installed: &str, locked: &str| {
            vec![Ahead {
                host: host.to_owned(),
                installed: installed.to_owned(),
                locked: locked.to_owned(),
            }]
        };
        let at = text.find("a=1").unwrap();
        let a = candidate(&file, at, "ANS002", "a", &ahead("h1", "3", "1"))
            .unwrap()
            .unwrap();
        let b = candidate(&file, at + 5, "ANS002", "b", &ahead("h2", "4", "2"))
            .unwrap()
            .unwrap();
        assert_eq!(a.content, "\n    allow_downgrade: true");
        let merged = merge(vec![a.clone(), b, a]);
        assert_eq!(merged.len(), 1);
        assert_eq!(
            merged[0].title,
            "add `allow_downgrade: true`, hosts run above the pinned version: `a` on h1 (3 > 1), \
             `b` on h2 (4 > 2)"
        );
        // A task that already allows downgrades gets nothing.
        let allowed = "- apt: {name: a=1, allow_downgrade: true}\n";
        let file = fleetpin_diag::SourceFile::new("site.yml", allowed);
        let at = allowed.find("a=1").unwrap();
        assert!(
            candidate(&file, at, "ANS002", "a", &ahead("h1", "3", "1"))
                .unwrap()
                .is_none()
        );
    }
}
