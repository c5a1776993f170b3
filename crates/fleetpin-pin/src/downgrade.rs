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
    let mut out = Vec::new();
    for host in &facts.hosts {
        let group = match targets {
            Some(t) => match t.get(&host.name) {
                Some(g) => g.as_str(),
                None => continue,
            },
            None => lock_group_of(host, &lock.group_by),
        };
        let Some(table) = lock.groups.get(group) else {
            continue;
        };
        let Some((key, locked)) = keys
            .iter()
            .find_map(|k| table.get(k).map(|l| (k, l.version.as_str())))
        else {
            continue;
        };
        let Some(installed) = facts
            .packages
            .get(key)
            .and_then(|id| host.get(id))
            .map(|i| facts.versions.resolve(i.version))
        else {
            continue;
        };
        if host.manager.compare(installed, locked).is_gt() {
            out.push(Ahead {
                host: host.name.clone(),
                installed: installed.to_owned(),
                locked: locked.to_owned(),
            });
        }
    }
    out
}

/// The edit adding `allow_downgrade: true` to the arguments of the module `module` of the task
/// whose finding is at byte `at` of `text`; `Ok(None)` when the task already sets it.
pub(crate) fn edit(
    text: &str,
    module: &str,
    at: usize,
) -> Result<Option<(std::ops::Range<usize>, String)>, String> {
    let docs = fleetpin_yaml::parse(text).map_err(|e| format!("the file does not parse: {e}"))?;
    let mut stack: Vec<&Node> = docs.iter().map(|d| &d.root).collect();
    let mut args: Option<&Node> = None;
    while let Some(n) = stack.pop() {
        if !(n.span.start <= at && at <= n.span.end) {
            continue;
        }
        match &n.kind {
            NodeKind::Seq(items) => stack.extend(items),
            NodeKind::Map(entries) => {
                for (k, v) in entries {
                    let short = |m: &str| m.rsplit('.').next().unwrap_or(m).to_owned();
                    if k.as_str().is_some_and(|k| short(k) == short(module))
                        && v.span.start <= at
                        && at <= v.span.end
                    {
                        args = Some(v);
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
