//! `fleetpin gather`: collect host facts over SSH, or import them from Ansible or dpkg output.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use fleetpin_fleet::ansible::Admit;
use fleetpin_fleet::facts::{FactsSource, FactsStore, HostFacts, PackageManager};
use fleetpin_fleet::gather::{self, HostResult, Target};
use fleetpin_fleet::load;
use fleetpin_inventory::{Inventory, Pattern};

use crate::ExitStatus;
use crate::fleet_args::{FleetArgs, SshArgs};
use crate::printer::Printer;

/// Gather installed packages, OS release, kernel, AppArmor and Docker facts from hosts.
///
/// Over SSH, each host runs a fixed read-only script through the system `ssh` client (so
/// `~/.ssh/config`, agents, ProxyJump and ControlMaster apply), with `BatchMode=yes`, at most
/// `--forks` at once. Facts land in one JSON file per host in `--facts-dir`, written
/// atomically. Hosts that fail are listed at the end; the others are kept.
///
/// Instead of SSH, facts can be imported from `ansible all -m package_facts --tree DIR`
/// (`--from-ansible`), from dpkg status files or from `dpkg-query -W` output.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Hosts to gather. With `--inventory`, host patterns over it (like `ansible PATTERN`);
    /// without, host names or addresses reached as they are (`[user@]host[:port]` is not
    /// parsed: use ssh_config for that).
    #[arg(value_name = "HOST")]
    hosts: Vec<String>,

    #[command(flatten)]
    fleet: FleetArgs,

    /// After gathering, delete the facts files of hosts that are no longer in the inventory,
    /// so `lock` and `drift` stop counting machines that left the fleet.
    #[arg(long, requires = "inventory")]
    prune: bool,

    /// Import `ansible all -m ansible.builtin.package_facts --tree DIR` output instead of SSH.
    #[arg(long, value_name = "DIR")]
    from_ansible: Option<PathBuf>,

    /// Import a host's dpkg status file (`HOST=PATH`). Repeatable.
    #[arg(long, value_name = "HOST=PATH")]
    from_dpkg_status: Vec<String>,

    /// Import a host's `dpkg-query -W` output (`HOST=PATH`). Repeatable.
    #[arg(long, value_name = "HOST=PATH")]
    from_dpkg_query: Vec<String>,

    /// How to reach the hosts (last: its help heading applies to what follows).
    #[command(flatten)]
    ssh: SshArgs,
}

fn groups_of(inv: Option<&Inventory>, host: &str) -> Vec<String> {
    inv.map(|inv| load::groups_of(inv, host))
        .unwrap_or_default()
}

type Failures = Vec<(String, &'static str, String)>;

/// Records facts for a host; a host coming from two sources is an error and neither is kept.
fn add_found(
    host: String,
    facts: HostFacts,
    src: String,
    found: &mut BTreeMap<String, (HostFacts, String)>,
    failures: &mut Failures,
) {
    if let Some((_, first)) = found.remove(&host) {
        failures.push((
            host.clone(),
            "duplicate host",
            format!("facts for `{host}` come from both {first} and {src}; neither is written"),
        ));
    } else if !failures
        .iter()
        .any(|f| f.0 == host && f.1 == "duplicate host")
    {
        found.insert(host, (facts, src));
    }
}

fn host_path(spec: &str, flag: &str) -> anyhow::Result<(String, PathBuf)> {
    let Some((host, path)) = spec.split_once('=') else {
        bail!("{flag} expects HOST=PATH, got `{spec}`");
    };
    if host.is_empty() || host.starts_with('-') {
        bail!("{flag}: invalid host name `{host}`");
    }
    Ok((host.to_string(), PathBuf::from(path)))
}

pub fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let inventory = args.fleet.inventory(printer)?;
    let store = args.fleet.store();
    let imports = args.from_ansible.is_some()
        || !args.from_dpkg_status.is_empty()
        || !args.from_dpkg_query.is_empty();
    let status = if imports {
        import(&args, inventory.as_ref(), &store, printer)?
    } else {
        gather_ssh(&args, inventory.as_ref(), &store, printer)?
    };
    match (&inventory, args.prune) {
        (Some(inv), true) => Ok(status.max(prune(inv, &store, printer))),
        _ => Ok(status),
    }
}

/// Deletes the facts files of hosts not in `inv`. Another file in the directory (not a
/// facts file name of any host) is left alone; a file that cannot be removed is an error.
fn prune(inv: &Inventory, store: &FactsStore, printer: &Printer) -> ExitStatus {
    let keep: std::collections::HashSet<PathBuf> = inv
        .hosts()
        .iter()
        .map(|h| store.path_for(h.name()))
        .collect();
    let files = match store.files() {
        Ok(f) => f,
        Err(fleetpin_fleet::Error::Io { error, .. })
            if error.kind() == std::io::ErrorKind::NotFound =>
        {
            return ExitStatus::Success;
        }
        Err(e) => {
            printer.error(&anyhow::Error::new(e).context("cannot prune"));
            return ExitStatus::Error;
        }
    };
    let mut status = ExitStatus::Success;
    let mut pruned = Vec::new();
    for f in files.into_iter().filter(|f| !keep.contains(f)) {
        match std::fs::remove_file(&f) {
            Ok(()) => pruned.push(
                f.file_stem()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            ),
            Err(e) => {
                printer.error(&anyhow::anyhow!("cannot prune {}: {e}", f.display()));
                status = ExitStatus::Error;
            }
        }
    }
    // Failed-gather records of hosts that left go too (they would be reported forever).
    let (failures, _) = store.failures();
    for f in failures.iter().filter(|f| inv.host(&f.host).is_none()) {
        if let Err(e) = store.clear_failure(&f.host) {
            printer.error(&anyhow::Error::new(e).context("cannot prune"));
            status = ExitStatus::Error;
        } else if !pruned.contains(&f.host) {
            pruned.push(f.host.clone());
        }
    }
    if !pruned.is_empty() {
        printer.status(format!(
            "pruned the facts of {} host{} no longer in the inventory: {}",
            pruned.len(),
            if pruned.len() == 1 { "" } else { "s" },
            pruned.join(", ")
        ));
    }
    status
}

fn gather_ssh(
    args: &Args,
    inventory: Option<&Inventory>,
    store: &FactsStore,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    // Which hosts?
    let targets: Vec<Target> = match inventory {
        Some(inv) => {
            let pattern_text = if args.hosts.is_empty() {
                "all".to_string()
            } else {
                args.hosts.join(",")
            };
            let pattern = Pattern::parse(&pattern_text)?;
            for t in pattern.unmatched_terms(inv) {
                printer.warn(format!("pattern `{t}` matches no host or group"));
            }
            let mut selected = inv.select(&pattern);
            if let Some(limit) = &args.fleet.limit {
                // `PATTERN --limit L`: the hosts of PATTERN that L also selects.
                let limited = Pattern::parse_limit(limit, Path::new("."))?;
                let allowed: std::collections::HashSet<&str> =
                    inv.select(&limited).iter().map(|h| h.name()).collect();
                selected.retain(|h| allowed.contains(h.name()));
                if selected.is_empty() {
                    bail!("no host matches `{pattern_text}` limited to `{limit}`");
                }
            }
            selected
                .iter()
                .map(|h| {
                    let connection = inv.connection(h.name()).expect("selected host exists");
                    Target {
                        name: h.name().to_string(),
                        groups: groups_of(Some(inv), h.name()),
                        connection,
                    }
                })
                .collect()
        }
        None => {
            if args.fleet.limit.is_some() {
                bail!("--limit needs an --inventory");
            }
            let mut seen = std::collections::HashSet::new();
            let mut t = Vec::new();
            for h in &args.hosts {
                if !seen.insert(h.as_str()) {
                    bail!("host `{h}` is given twice");
                }
                t.push(Target::bare(h.clone()));
            }
            t
        }
    };
    if targets.is_empty() {
        bail!("no hosts to gather: pass HOST arguments or an --inventory");
    }

    let cfg = args.ssh.config();
    let bar = printer.progress(
        targets.len() as u64,
        "{spinner} gathering [{bar:30}] {pos}/{len} hosts, {msg}",
    );
    let failed_count = std::sync::atomic::AtomicUsize::new(0);
    let results = gather::gather(&targets, &cfg, &|r: &HostResult| {
        if r.outcome.is_err() {
            failed_count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        bar.set_message(format!(
            "{} failed",
            failed_count.load(std::sync::atomic::Ordering::Relaxed)
        ));
        bar.inc(1);
    });
    bar.finish_and_clear();

    let mut written = 0;
    let mut failures: Failures = Vec::new();
    for r in &results {
        match &r.outcome {
            Ok(facts) => match store.write(facts) {
                Ok(path) => {
                    written += 1;
                    printer.debug(format!(
                        "{}: {} packages -> {} ({:.1}s)",
                        r.host,
                        facts.packages.len(),
                        path.display(),
                        r.elapsed.as_secs_f64()
                    ));
                }
                Err(e) => failures.push((r.host.clone(), "write failed", e.to_string())),
            },
            Err(e) => failures.push((r.host.clone(), e.kind(), e.to_string())),
        }
    }
    report(printer, written, results.len(), store, inventory, &failures)
}

fn report(
    printer: &Printer,
    written: usize,
    total: usize,
    store: &FactsStore,
    inv: Option<&Inventory>,
    failures: &[(String, &'static str, String)],
) -> anyhow::Result<ExitStatus> {
    printer.status(format!(
        "gathered {written} of {total} hosts into {}",
        store.dir().display()
    ));
    if failures.is_empty() {
        return Ok(ExitStatus::Success);
    }
    // Recorded beside the facts, so `lock` and `drift` report the host (and any facts an
    // earlier gather left as stale) instead of using old facts or leaving it out silently.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs());
    for (host, kind, detail) in failures {
        if host.is_empty() {
            continue;
        }
        let record = fleetpin_fleet::GatherFailure {
            host: host.clone(),
            groups: groups_of(inv, host),
            at: now,
            kind: (*kind).to_string(),
            message: detail.clone(),
        };
        if let Err(e) = store.record_failure(&record) {
            printer.warn(format!("cannot record the failed gather of `{host}`: {e}"));
        }
    }
    let w_host = failures.iter().map(|f| f.0.len()).max().unwrap_or(0);
    let w_kind = failures.iter().map(|f| f.1.len()).max().unwrap_or(0);
    let mut msg = format!(
        "{} host{} failed:",
        failures.len(),
        if failures.len() == 1 { "" } else { "s" }
    );
    for (host, kind, detail) in failures {
        msg.push_str(&format!("\n  {host:<w_host$}  {kind:<w_kind$}  {detail}"));
    }
    printer.error(&anyhow::anyhow!(msg));
    Ok(ExitStatus::Error)
}

fn import(
    args: &Args,
    inv: Option<&Inventory>,
    store: &FactsStore,
    printer: &Printer,
) -> anyhow::Result<ExitStatus> {
    if !args.hosts.is_empty() {
        bail!(
            "HOST arguments cannot be combined with --from-ansible/--from-dpkg-status/--from-dpkg-query"
        );
    }
    let limit: Option<std::collections::HashSet<String>> = match (&args.fleet.limit, inv) {
        (Some(l), Some(inv)) => {
            let p = Pattern::parse_limit(l, Path::new("."))?;
            Some(
                inv.select(&p)
                    .iter()
                    .map(|h| h.name().to_string())
                    .collect(),
            )
        }
        (Some(_), None) => bail!("--limit needs an --inventory"),
        _ => None,
    };
    // host -> (facts, source description); duplicates across sources are an error for that host.
    let mut found: BTreeMap<String, (HostFacts, String)> = BTreeMap::new();
    let mut failures: Failures = Vec::new();
    for (spec, is_status) in args
        .from_dpkg_status
        .iter()
        .map(|s| (s, true))
        .chain(args.from_dpkg_query.iter().map(|s| (s, false)))
    {
        let flag = if is_status {
            "--from-dpkg-status"
        } else {
            "--from-dpkg-query"
        };
        let (host, path) = host_path(spec, flag)?;
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| fleetpin_fleet::Error::Io {
                path: path.clone(),
                error: e,
            })
            .and_then(|text| {
                if is_status {
                    fleetpin_fleet::import::parse_status(&text, &path)
                } else {
                    fleetpin_fleet::import::parse_query(&text, &path)
                }
            });
        match parsed {
            Ok(pkgs) => {
                let src = if is_status {
                    FactsSource::DpkgStatus
                } else {
                    FactsSource::DpkgQuery
                };
                let mut f = HostFacts::new(host.clone(), src, PackageManager::Dpkg);
                f.packages = pkgs;
                add_found(
                    host,
                    f,
                    path.display().to_string(),
                    &mut found,
                    &mut failures,
                );
            }
            Err(e) => failures.push((host, "bad facts", e.to_string())),
        }
    }
    let selected = |host: &str| limit.as_ref().is_none_or(|allowed| allowed.contains(host));
    // The selected hosts, whatever became of them.
    let mut total = failures.iter().filter(|f| selected(&f.0)).count();
    let mut written = Vec::new();
    if let Some(dir) = &args.from_ansible {
        // Streamed straight from the tree into the store; hosts that also come from a dpkg
        // file are left out here and reported as duplicates below.
        let admit = |host: &str| {
            if !selected(host) || found.contains_key(host) {
                Admit::Skip
            } else {
                Admit::Write(groups_of(inv, host))
            }
        };
        let imported = fleetpin_fleet::ansible::import_tree(dir, store, &admit)
            .with_context(|| format!("cannot read Ansible tree {}", dir.display()))?;
        for e in imported.errors {
            let host = match &e {
                fleetpin_fleet::Error::AnsibleHost { host, .. } => host.clone(),
                fleetpin_fleet::Error::Json { path, .. }
                | fleetpin_fleet::Error::Parse { path, .. }
                | fleetpin_fleet::Error::Io { path, .. } => path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            failures.push((host, "bad facts", e.to_string()));
        }
        for host in imported.hosts {
            if !selected(&host) {
                continue;
            }
            total += 1;
            if let Some((_, first)) = found.remove(&host) {
                failures.push((
                    host.clone(),
                    "duplicate host",
                    format!(
                        "facts for `{host}` come from both {first} and {}; neither is written",
                        dir.join(&host).display()
                    ),
                ));
            }
        }
        written = imported.written;
    }
    for (host, (mut facts, _)) in found {
        if !selected(&host) {
            continue;
        }
        total += 1;
        facts.groups = groups_of(inv, &host);
        match store.write(&facts) {
            Ok(_) => written.push(host),
            Err(e) => failures.push((host, "write failed", e.to_string())),
        }
    }
    if let Some(inv) = inv {
        for host in &written {
            if inv.host(host).is_none() {
                printer.warn(format!(
                    "host `{host}` is not in the inventory; recorded without groups"
                ));
            }
        }
    }
    report(printer, written.len(), total, store, inv, &failures)
}
