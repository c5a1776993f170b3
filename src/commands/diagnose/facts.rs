//! `fleetpin diagnose --facts DIR`: each matched cause checked against the facts of the hosts
//! it was seen on (`CauseDb::qualify`), so the report says "Docker 23.0.1 + no apparmor package
//! on node-w2: FPH-2023-0001", or that the facts do not fit and which value contradicts.
//!
//! Facts are read with fleetpin-fleet's facts store (the files `fleetpin gather` writes, and
//! its failed-gather records); an unreadable file is named and its host counts as without
//! facts, the rest is still checked.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;
use fleetpin_fleet::facts::{FactsStore, HostFacts, PackageManager};
use fleetpin_logs::{CauseDb, Diagnosis, HostState, Qualification, format_timestamp};
use serde::Serialize;

use crate::printer::Printer;

/// The `facts` member of the JSON document (docs/diagnose.md).
#[derive(Debug, Serialize)]
pub struct FactsReport {
    /// The facts folder, as given.
    pub dir: PathBuf,
    /// Facts files that could not be read (`path:line: why`); their hosts count as without
    /// facts.
    pub errors: Vec<String>,
    /// Hosts of the journals with no (readable) facts in `dir`, by name.
    pub hosts_without_facts: Vec<String>,
    /// One entry per matched cause and host it was seen on that has facts, in the order of
    /// the causes, then of the hosts.
    pub fits: Vec<Fit>,
    /// The matched causes that have host conditions (`[when]`).
    #[serde(skip)]
    conditioned: BTreeSet<String>,
}

/// A cause checked against one host's facts.
#[derive(Debug, Serialize)]
pub struct Fit {
    /// The cause id, host, hazard, verdict and every condition checked.
    #[serde(flatten)]
    pub qualification: Qualification,
    /// The one-line summary the text report prints.
    pub summary: String,
    /// The facts host, when its name differs from the journal's (`swarm-w2` for
    /// `swarm-w2.example.internal`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub facts_host: Option<String>,
    /// When the facts were gathered (RFC 3339 UTC), if recorded.
    pub gathered_at: Option<String>,
    /// Whether the facts were gathered before the cause's first line: they may describe
    /// the host as it was before the change that broke it.
    pub gathered_before_lines: bool,
}

/// One host's facts, as the cause conditions see them.
struct Known {
    state: HostState,
    gathered_at: Option<u64>,
}

/// The logs crate's host view of one host's facts. An empty package list is unknown (no
/// dpkg or rpm host has none), not "nothing installed".
pub fn host_state(f: &HostFacts) -> HostState {
    // The highest version of each package (rpm kernels), as `hazard check` and `plan` see it.
    let packages = fleetpin_plan::plan::host_state(f, None).packages;
    HostState {
        host: f.host.clone(),
        packages: (!packages.is_empty()).then_some(packages),
        docker_version: f.docker_version.clone(),
        kernel_release: f.kernel.clone(),
        kernel_apparmor: f.apparmor_enabled,
        cgroup_version: f.cgroup_version,
        version_order: match f.package_manager {
            PackageManager::Dpkg => fleetpin_debian::version::compare_str,
            PackageManager::Rpm => |a, b| PackageManager::Rpm.compare(a, b),
        },
    }
}

/// The facts host a journal host is: the same name, else, when one of the two is a bare
/// name, the one host whose first DNS label is that name (`swarm-w2` and
/// `swarm-w2.example.internal`). Two different domains never match.
fn find<'a>(known: &'a BTreeMap<String, Known>, host: &str) -> Option<(&'a str, &'a Known)> {
    if let Some((name, k)) = known.get_key_value(host) {
        return Some((name, k));
    }
    let (label, bare) = match host.split_once('.') {
        Some((label, _)) => (label, false),
        None => (host, true),
    };
    let mut candidates = known.iter().filter(|(name, _)| match name.split_once('.') {
        Some((l, _)) => bare && l == label,
        None => !bare && name.as_str() == label,
    });
    match (candidates.next(), candidates.next()) {
        (Some((name, k)), None) => Some((name, k)),
        _ => None,
    }
}

/// Reads `dir` and checks every matched cause against the facts of its hosts. Only a folder
/// that cannot be listed is an error; bad files are named on stderr and in the report.
pub fn check(
    dir: &Path,
    d: &Diagnosis,
    db: &CauseDb,
    printer: &Printer,
) -> anyhow::Result<FactsReport> {
    let store = FactsStore::new(dir);
    let (all, errors) = store.read_all().with_context(|| {
        format!(
            "cannot read facts directory {} (write it with `fleetpin gather`)",
            dir.display()
        )
    })?;
    let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
    for e in &errors {
        printer.error(&anyhow::anyhow!("cannot read facts: {e}"));
    }
    let (failures, failure_errors) = store.failures();
    for e in &failure_errors {
        printer.warn(format!("cannot read a failed-gather record: {e}"));
    }
    let known: BTreeMap<String, Known> = all
        .iter()
        .map(|f| {
            (
                f.host.clone(),
                Known {
                    state: host_state(f),
                    gathered_at: f.gathered_at,
                },
            )
        })
        .collect();

    let hosts_without_facts: Vec<String> = d
        .hosts
        .iter()
        .map(|h| h.host.clone())
        .filter(|h| find(&known, h).is_none())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if !hosts_without_facts.is_empty() {
        let failed: BTreeMap<&str, String> = failures
            .iter()
            .map(|f| (f.host.as_str(), format!("{}: {}", f.kind, f.message)))
            .collect();
        for h in &hosts_without_facts {
            let why = failed
                .get(h.as_str())
                .map_or(String::new(), |m| format!(" (its last gather failed: {m})"));
            printer.warn(format!(
                "{h}: no facts in {}{why}; causes seen on it are not checked against host facts",
                dir.display()
            ));
        }
    }

    let mut fits = Vec::new();
    let mut conditioned = BTreeSet::new();
    for c in &d.causes {
        let Some(cause) = db.get(&c.id) else { continue };
        if !cause.when.is_empty() {
            conditioned.insert(c.id.clone());
        }
        for host in &c.hosts {
            let Some((name, k)) = find(&known, host) else {
                continue;
            };
            let mut state = k.state.clone();
            // The report speaks of the journal's host name.
            state.host.clone_from(host);
            let qualification = CauseDb::qualify(cause, &state);
            let gathered_before_lines = match (k.gathered_at, c.first) {
                (Some(g), Some(first)) => g.saturating_mul(1_000_000) < first,
                _ => false,
            };
            fits.push(Fit {
                summary: qualification.summary(),
                qualification,
                facts_host: (name != host).then(|| name.to_owned()),
                gathered_at: k.gathered_at.map(|g| format_timestamp(g * 1_000_000)),
                gathered_before_lines,
            });
        }
    }
    Ok(FactsReport {
        dir: dir.to_path_buf(),
        errors,
        hosts_without_facts,
        fits,
        conditioned,
    })
}

impl FactsReport {
    /// The text lines of one cause with host conditions: one per host it was seen on (the
    /// lines alone decide causes without conditions, so they get none).
    fn lines(&self, d: &Diagnosis, cause: &str) -> Vec<String> {
        let Some(c) = d.causes.iter().find(|c| c.id == cause) else {
            return Vec::new();
        };
        if !self.conditioned.contains(cause) {
            return Vec::new();
        }
        let mut out = Vec::new();
        for host in &c.hosts {
            let fit = self
                .fits
                .iter()
                .find(|f| f.qualification.cause == cause && &f.qualification.host == host);
            let Some(f) = fit else {
                out.push(format!("  facts: none for {host}"));
                continue;
            };
            let mut line = format!("  facts: {}", f.summary);
            if f.gathered_before_lines
                && let Some(at) = &f.gathered_at
            {
                // `2023-02-09T00:00:00.000000Z` → `2023-02-09`.
                let day = at.split('T').next().unwrap_or(at);
                line.push_str(&format!(
                    " (facts gathered {day}, before these lines: run `fleetpin gather` again)"
                ));
            }
            out.push(line);
        }
        out
    }

    /// The text report with each cause's facts lines after its header and host counts.
    pub fn insert_into(&self, text: &str, d: &Diagnosis) -> String {
        let mut out = String::with_capacity(text.len() + 256);
        let mut pending: Vec<String> = Vec::new();
        let mut placed: BTreeSet<&str> = BTreeSet::new();
        // Which line of a cause block we are in: the header, then `N lines on …`, then
        // `hosts: …`.
        let mut after_header = 0;
        for line in text.split_inclusive('\n') {
            if after_header > 0 {
                let is_head =
                    line.starts_with("  ") && (after_header == 1 || line.starts_with("  hosts: "));
                if !is_head {
                    for l in pending.drain(..) {
                        out.push_str(&l);
                        out.push('\n');
                    }
                    after_header = 0;
                } else {
                    after_header += 1;
                }
            }
            out.push_str(line);
            if let Some(rest) = line.strip_prefix("cause ")
                && let Some((id, _)) = rest.split_once(": ")
                && let Some(c) = d.causes.iter().find(|c| c.id == id)
                && placed.insert(c.id.as_str())
            {
                pending = self.lines(d, &c.id);
                after_header = 1;
            }
        }
        out.extend(pending.drain(..).map(|l| l + "\n"));
        // Causes whose block was not found (never expected): listed at the end.
        let rest: Vec<String> = d
            .causes
            .iter()
            .filter(|c| !placed.contains(c.id.as_str()))
            .flat_map(|c| self.lines(d, &c.id))
            .collect();
        if !rest.is_empty() {
            out.push_str("\nfacts:\n");
            for l in rest {
                out.push_str(&l);
                out.push('\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(names: &[&str]) -> BTreeMap<String, Known> {
        names
            .iter()
            .map(|n| {
                (
                    (*n).to_owned(),
                    Known {
                        state: HostState::new(*n),
                        gathered_at: None,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn journal_hosts_find_their_facts_by_name_or_unique_short_name() {
        let k = known(&[
            "swarm-w2.example.internal",
            "db1.a.example",
            "db1.b.example",
            "web1",
        ]);
        let name = |h: &str| find(&k, h).map(|(n, _)| n.to_owned());
        assert_eq!(
            name("swarm-w2.example.internal").as_deref(),
            Some("swarm-w2.example.internal")
        );
        assert_eq!(
            name("swarm-w2").as_deref(),
            Some("swarm-w2.example.internal")
        );
        assert_eq!(name("swarm-w2.other.example"), None, "another domain");
        assert_eq!(name("web1.example.org").as_deref(), Some("web1"));
        assert_eq!(
            name("db1"),
            None,
            "two facts hosts named db1: neither is guessed"
        );
        assert_eq!(name("db1.a.example").as_deref(), Some("db1.a.example"));
        assert_eq!(name("swarm-w3"), None);
    }
}
