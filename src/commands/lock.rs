//! `fleetpin lock`: write `fleetpin.lock` from gathered facts, or check it is up to date.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use fleetpin_fleet::fleet::Fleet;
use fleetpin_fleet::lock::{Conflict, HoldSplit, Lock, LockOptions, Prefer};

use crate::ExitStatus;
use crate::fleet_args::FleetArgs;
use crate::printer::Printer;

/// Output format of `fleetpin lock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Messages on stderr; `--check` lists what changed on stdout.
    Text,
    /// One JSON document on stdout, with a schema version.
    Json,
}

/// The JSON report of `fleetpin lock --format json` (schema version 1). Every problem the
/// text output shows as a warning or error is here too.
#[derive(Debug, Default, serde::Serialize)]
struct LockReport {
    schema: Schema,
    /// The lock file.
    lock: String,
    /// `write` or `check`.
    mode: &'static str,
    /// `written`, `unchanged`, `not-written` (write mode); `up-to-date`, `out-of-date`,
    /// `missing`, `not-reproducible` (check mode).
    outcome: &'static str,
    /// Hosts the lock was made from.
    hosts: usize,
    /// Every conflict, resolved or not.
    conflicts: Vec<serde_json::Value>,
    /// Packages whose hold state differs between hosts of a group.
    hold_splits: Vec<serde_json::Value>,
    /// Hosts whose gather failed, without facts, with stale facts, or without groups.
    host_gaps: Vec<fleetpin_fleet::load::HostGap>,
    /// `--packages` entries no host has (not locked).
    listed_on_no_host: Vec<String>,
    /// Entries of the old lock dropped because no host has the package any more.
    dropped: Vec<serde_json::Value>,
    /// `--check`: what differs between the lock and the facts.
    changes: Vec<String>,
    /// Unreadable facts and hosts left out (each named with its file and line).
    errors: Vec<String>,
}

/// The schema marker every fleetpin JSON document carries (see `docs/cli.md`).
#[derive(Debug, serde::Serialize)]
struct Schema(fleetpin_diag::render::json::SchemaMarker);

impl Default for Schema {
    fn default() -> Schema {
        Schema(fleetpin_diag::render::json::SchemaMarker {
            name: "fleetpin-lock",
            version: 1,
        })
    }
}

/// Write `fleetpin.lock`: for each package, the version the fleet runs (per group where
/// groups legitimately differ), from the facts in `--facts-dir`.
///
/// When hosts of one group disagree, the conflict is listed and resolved only by an explicit
/// `--prefer` rule (tried in order); without one, nothing is written and the exit status is 1.
/// Nor is anything written when a host's facts cannot be read (exit status 2): a lock made
/// from part of the fleet would silently drop that host from every majority.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    #[command(subcommand)]
    command: Option<LockCommand>,

    #[command(flatten)]
    fleet: FleetArgs,

    /// Read hosts straight from `ansible all -m ansible.builtin.package_facts --tree DIR`
    /// output instead of a facts directory (no `fleetpin gather` step; hosts get their
    /// groups from `--inventory`, else none).
    #[arg(long, value_name = "DIR", conflicts_with = "facts_dir")]
    from_ansible: Option<PathBuf>,

    /// The lock file.
    #[arg(long, default_value = "fleetpin.lock", value_name = "FILE")]
    lock: PathBuf,

    /// Lock only the packages named in this file (one per line, `#` comments; `-` reads
    /// stdin), such as the list `fleetpin lint --list-packages` prints of the packages your
    /// infrastructure code manages.
    #[arg(long, value_name = "FILE")]
    packages: Option<PathBuf>,

    /// Lock this group's hosts separately (an inventory group, or `os:ID-VERSION` such as
    /// `os:debian-12`). Repeatable; a host goes to the first listed group it is in.
    #[arg(long, value_name = "GROUP")]
    group_by: Vec<String>,

    /// Lock each OS release separately (adds `os:ID-VERSION` for every release seen).
    #[arg(long)]
    group_by_os: bool,

    /// Conflict rule: majority, lowest, highest, or a host name whose versions win in its
    /// group. Repeatable; rules are tried in order.
    #[arg(long, value_name = "RULE")]
    prefer: Vec<String>,

    /// Do not write; exit 1 if the lock is missing or out of date with the facts.
    #[arg(long)]
    check: bool,

    /// Output format: `text` (messages on stderr, the out-of-date diff on stdout) or `json`
    /// (one document on stdout: the outcome, conflicts, hold splits, hosts missing or stale,
    /// packages no host has; see `LockReport`).
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Lock from the hosts whose facts can be read and leave out the others (such as hosts
    /// an Ansible tree records as unreachable), each still named in a warning. Without it,
    /// an unreadable facts file stops the lock from being written (exit status 2).
    #[arg(long)]
    skip_unreadable: bool,
}

/// Subcommands of `fleetpin lock`.
#[derive(Debug, clap::Subcommand)]
pub enum LockCommand {
    /// Write the lock in a form apt, dpkg or Ansible acts on, to hold hosts at its versions.
    Export(ExportArgs),
}

/// What `fleetpin lock export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    /// An `/etc/apt/preferences.d/` file pinning every package to its locked version
    /// (`Pin-Priority: 1001`: apt neither upgrades it nor lets `state: latest` move it).
    AptPreferences,
    /// `dpkg --set-selections` input holding every locked package.
    DpkgSelections,
    /// An Ansible group_vars file: `fleetpin_versions`, package -> locked version, that
    /// tasks read (`name: "docker-ce={{ fleetpin_versions['docker-ce'] }}"`).
    AnsibleVars,
    /// An Ansible task file that installs the apt preferences from `fleetpin_versions`.
    AnsibleTasks,
}

impl From<ExportFormat> for fleetpin_fleet::export::ExportFormat {
    fn from(f: ExportFormat) -> Self {
        use fleetpin_fleet::export::ExportFormat as E;
        match f {
            ExportFormat::AptPreferences => E::AptPreferences,
            ExportFormat::DpkgSelections => E::DpkgSelections,
            ExportFormat::AnsibleVars => E::AnsibleVars,
            ExportFormat::AnsibleTasks => E::AnsibleTasks,
        }
    }
}

/// Export `fleetpin.lock` for apt, dpkg or Ansible (see docs/lock-export.md).
///
/// Without `--group`, every lock group is exported into one file, which is refused (exit
/// status 2, each disagreement named) when groups lock a package at different versions.
#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// What to write.
    #[arg(long, value_enum)]
    format: ExportFormat,

    /// Export this lock group only (`all` for hosts in none of the lock's `group-by` groups).
    #[arg(long, value_name = "GROUP")]
    group: Option<String>,

    /// The hosts' native architecture (`dpkg --print-architecture`), for `dpkg-selections` of
    /// a lock that has a package for the native and a foreign architecture (`libc6` and
    /// `libc6:i386`): dpkg needs `libc6:amd64` then.
    #[arg(long, value_name = "ARCH")]
    native_arch: Option<String>,

    /// Write here (atomically) instead of to stdout. (No `-o`: that is `--ssh-option`.)
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// The lock file.
    #[arg(long, default_value = "fleetpin.lock", value_name = "FILE")]
    lock: PathBuf,
}

fn run_export(args: &ExportArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    use fleetpin_fleet::export::{ExportOptions, export};
    let lock = Lock::read(&args.lock)?;
    let opts = ExportOptions {
        format: args.format.into(),
        group: args.group.clone(),
        native_arch: args.native_arch.clone(),
    };
    let text = export(&lock, &args.lock, &opts)?;
    let count = if opts.format == fleetpin_fleet::export::ExportFormat::AnsibleTasks {
        None
    } else {
        Some(fleetpin_fleet::export::packages_for(&lock, opts.group.as_deref(), &args.lock)?.len())
    };
    match args.output.as_deref().filter(|o| *o != Path::new("-")) {
        Some(out) => {
            fleetpin_fleet::export::write(out, &text)?;
            let what = count.map_or(String::new(), |n| {
                format!(" ({n} package{})", if n == 1 { "" } else { "s" })
            });
            printer.status(format!("wrote {}{what}", out.display()));
        }
        None => {
            use std::io::Write;
            let mut stdout = printer.stdout();
            stdout.write_all(text.as_bytes())?;
            stdout.flush()?;
        }
    }
    if args.format == ExportFormat::AnsibleVars
        && let Some(g) = &args.group
        && fleetpin_fleet::export::ansible_vars_path(g).is_none()
    {
        printer.warn(format!(
            "`{g}` is not an Ansible group name: put the file in group_vars/ of a group the hosts form (for `os:` groups, one a `group_by` task creates; see docs/lock-export.md)"
        ));
    }
    Ok(ExitStatus::Success)
}

fn read_package_list(path: &Path) -> anyhow::Result<BTreeSet<String>> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin())
            .context("cannot read the package list from stdin")?
    } else {
        std::fs::read_to_string(path)
            .with_context(|| format!("cannot read package list {}", path.display()))?
    };
    let mut set = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if line.contains(char::is_whitespace) {
            bail!(
                "{}:{}: expected one package name per line, got `{line}`",
                path.display(),
                i + 1
            );
        }
        set.insert(line.to_string());
    }
    Ok(set)
}

/// Loads the fleet (facts directory or Ansible tree, `--limit`), prints every host it does
/// not hold, and returns it with the problems that make it partial: unreadable files and
/// hosts without facts. Stale facts and hosts without groups are warnings. No host at all is
/// an error. Problems are printed as errors, or as warnings when `skip_unreadable` (the
/// caller then leaves them out knowingly).
fn load_fleet(
    args: &Args,
    printer: &Printer,
) -> anyhow::Result<(Fleet, Vec<String>, Vec<fleetpin_fleet::load::HostGap>)> {
    let loaded = args.fleet.load(args.from_ansible.as_deref(), printer)?;
    let fleet = loaded.fleet;
    let mut problems: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    for e in &problems {
        if args.skip_unreadable {
            printer.warn(format!("leaving out unreadable facts: {e}"));
        } else {
            printer.error(&anyhow::anyhow!("cannot read facts: {e}"));
        }
    }
    for gap in &loaded.gaps {
        if gap.is_missing() {
            if args.skip_unreadable {
                printer.warn(format!("leaving out {}", gap.describe()));
            } else {
                printer.error(&anyhow::anyhow!("{}", gap.describe()));
            }
            problems.push(gap.describe());
        } else {
            printer.warn(gap.describe());
        }
    }
    if fleet.hosts.is_empty() {
        // An empty facts directory is a setup error, not an empty lock or "no drift".
        return Err(args.fleet.no_facts(args.from_ansible.as_deref()));
    }
    Ok((fleet, problems, loaded.gaps))
}

fn describe_hold(s: &HoldSplit) -> String {
    let names = |hosts: &[String]| {
        let shown: Vec<&str> = hosts.iter().take(5).map(String::as_str).collect();
        let more = hosts.len() - shown.len();
        if more > 0 {
            format!("{}, +{more} more", shown.join(", "))
        } else {
            shown.join(", ")
        }
    };
    format!(
        "`{}` is held on {} of {} hosts in group `{}`:\n    held on {}\n    not held on {}\n    -> locked {} (majority); `fleetpin drift` reports the others",
        s.package,
        s.held.len(),
        s.held.len() + s.not_held.len(),
        s.group,
        names(&s.held),
        names(&s.not_held),
        if s.locked_hold { "held" } else { "not held" },
    )
}

fn describe(c: &Conflict, rules: &[Prefer]) -> String {
    let mut s = format!("`{}` differs within group `{}`:", c.package, c.group);
    for cand in &c.candidates {
        let shown: Vec<&str> = cand.hosts.iter().take(5).map(String::as_str).collect();
        let more = cand.count.saturating_sub(shown.len());
        let more = if more > 0 {
            format!(", +{more} more")
        } else {
            String::new()
        };
        s.push_str(&format!(
            "\n    {} on {} host{} ({}{more})",
            cand.version.as_deref().unwrap_or("(not installed)"),
            cand.count,
            if cand.count == 1 { "" } else { "s" },
            shown.join(", ")
        ));
    }
    match &c.resolution {
        Some((v, rule)) => s.push_str(&format!(
            "\n    -> {} (--prefer {rule})",
            v.as_deref()
                .map_or("not locked".to_string(), |v| format!("locked {v}"))
        )),
        None => {
            s.push_str("\n    -> unresolved");
            if let Some(tie) = majority_tie(c, rules) {
                s.push_str(&tie);
            }
        }
    }
    s
}

/// For a conflict `--prefer majority` could not settle because the most common choices are
/// equally common: which hosts disagree and which rules would settle it.
fn majority_tie(c: &Conflict, rules: &[Prefer]) -> Option<String> {
    if !rules.contains(&Prefer::Majority) {
        return None;
    }
    let top = c.candidates.first()?.count;
    let tied: Vec<_> = c.candidates.iter().filter(|x| x.count == top).collect();
    if tied.len() < 2 {
        return None;
    }
    let shown = |v: &Option<String>| v.as_deref().unwrap_or("(not installed)").to_string();
    let sides: Vec<String> = tied
        .iter()
        .map(|x| {
            let hosts: Vec<&str> = x.hosts.iter().take(5).map(String::as_str).collect();
            let more = x.count.saturating_sub(hosts.len());
            let more = if more > 0 {
                format!(", +{more} more")
            } else {
                String::new()
            };
            format!("{} ({}{more})", shown(&x.version), hosts.join(", "))
        })
        .collect();
    let examples: Vec<String> = tied
        .iter()
        .filter_map(|x| {
            x.hosts
                .first()
                .map(|h| format!("`--prefer {h}` for {}", shown(&x.version)))
        })
        .collect();
    Some(format!(
        ": `--prefer majority` is a tie, {top} host{} each for {}\n    hint: add a rule after `--prefer majority`: `--prefer lowest`, `--prefer highest`, or a host whose version wins ({})",
        if top == 1 { "" } else { "s" },
        sides.join(" vs "),
        examples.join(", ")
    ))
}

pub fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitStatus> {
    if let Some(LockCommand::Export(export)) = &args.command {
        return run_export(export, printer);
    }
    let mut report = LockReport {
        lock: args.lock.display().to_string(),
        mode: if args.check { "check" } else { "write" },
        ..LockReport::default()
    };
    let status = run_report(&args, printer, &mut report)?;
    if args.format == Format::Json {
        use std::io::Write;
        let mut out = printer.stdout();
        serde_json::to_writer_pretty(&mut out, &report).context("cannot write JSON")?;
        writeln!(out)?;
    }
    Ok(status)
}

fn conflict_json(c: &Conflict, rules: &[Prefer]) -> serde_json::Value {
    serde_json::json!({
        "group": c.group,
        "package": c.package,
        "candidates": c.candidates.iter().map(|x| serde_json::json!({
            "version": x.version,
            "count": x.count,
            "hosts": x.hosts,
        })).collect::<Vec<_>>(),
        "resolution": c.resolution.as_ref().map(|(v, rule)| serde_json::json!({
            "version": v,
            "rule": rule,
        })),
        "majority_tie": c.resolution.is_none() && majority_tie(c, rules).is_some(),
    })
}

fn run_report(
    args: &Args,
    printer: &Printer,
    report: &mut LockReport,
) -> anyhow::Result<ExitStatus> {
    let existing = if args.check || args.lock.exists() {
        match Lock::read(&args.lock) {
            Ok(l) => Some(l),
            Err(fleetpin_fleet::Error::Io { error: source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                None
            }
            Err(e) => return Err(e).context("cannot read the existing lock"),
        }
    } else {
        None
    };
    if args.fleet.limit.is_some() {
        bail!(
            "`fleetpin lock` takes no --limit: a lock made from part of the fleet would drop the other hosts from every majority\n\nhint: lock groups separately with `--group-by GROUP`, or compare a subset with `fleetpin drift --limit`"
        );
    }
    let (fleet, mut errors, gaps) = load_fleet(args, printer)?;
    report.hosts = fleet.hosts.len();
    report.errors = errors.clone();
    report.host_gaps = gaps;
    if args.skip_unreadable {
        errors.clear();
    }

    // Settings: flags, else (for --check) what the existing lock was made with.
    let from_lock =
        args.check && args.group_by.is_empty() && !args.group_by_os && args.prefer.is_empty();
    let mut group_by = args.group_by.clone();
    let mut prefer: Vec<Prefer> = args.prefer.iter().map(|p| Prefer::parse(p)).collect();
    let mut packages = match &args.packages {
        Some(p) => Some(read_package_list(p)?),
        None => None,
    };
    if let Some(lock) = existing.as_ref().filter(|_| from_lock) {
        group_by = lock.group_by.clone();
        prefer = lock.prefer.clone();
        if packages.is_none() && lock.scope == fleetpin_fleet::lock::Scope::Listed {
            packages = Some(lock.package_names());
        }
    }
    if args.group_by_os {
        let mut oses: Vec<String> = fleet
            .hosts
            .iter()
            .filter_map(|h| h.os.as_ref())
            .map(|o| format!("os:{o}"))
            .collect();
        oses.sort();
        oses.dedup();
        for o in oses {
            if !group_by.contains(&o) {
                group_by.push(o);
            }
        }
    }
    if group_by.iter().any(|g| g == "all") {
        bail!("--group-by all is the default group; name another group");
    }
    for p in &prefer {
        if let Prefer::Host(h) = p
            && fleet.host(h).is_none()
        {
            bail!(
                "--prefer {h}: no such host in the facts (rules are majority, lowest, highest or a host name)"
            );
        }
    }
    let opts = LockOptions {
        group_by,
        packages,
        prefer,
    };
    let (lock, conflicts) = Lock::generate(&fleet, &opts);
    // Package keys some host has: a package no host has cannot be locked, and the user is
    // told so, never left to find it missing.
    let mut present = vec![false; fleet.packages.len()];
    for h in &fleet.hosts {
        for i in &h.installed {
            present[i.pkg as usize] = true;
        }
    }
    let on_some_host = |p: &str| fleet.packages.get(p).is_some_and(|id| present[id as usize]);
    if let Some(list) = &opts.packages {
        let nowhere: Vec<&str> = list
            .iter()
            .map(String::as_str)
            .filter(|p| !on_some_host(p))
            .collect();
        report.listed_on_no_host = nowhere.iter().map(|p| p.to_string()).collect();
        if !nowhere.is_empty() {
            printer.warn(format!(
                "{} listed package{} installed on no host, so not locked: {}",
                nowhere.len(),
                if nowhere.len() == 1 { " is" } else { "s are" },
                nowhere.join(", ")
            ));
        }
    }
    if !args.check
        && let Some(old) = &existing
    {
        // Entries of the old lock that the new one drops because no host has the package.
        for (group, pkgs) in &old.groups {
            for (name, l) in pkgs {
                let kept = lock.groups.get(group).is_some_and(|g| g.contains_key(name));
                if !kept && !on_some_host(name) {
                    report.dropped.push(serde_json::json!({
                        "group": group,
                        "package": name,
                        "locked": l.version,
                    }));
                    printer.warn(format!(
                        "`{name}` was locked at {} in group `{group}`; no host has it any more, so it is no longer locked",
                        l.version
                    ));
                }
            }
        }
    }
    let unresolved = conflicts.iter().filter(|c| c.resolution.is_none()).count();
    report.conflicts = conflicts
        .iter()
        .map(|c| conflict_json(c, &opts.prefer))
        .collect();
    for c in &conflicts {
        if c.resolution.is_none() || printer.verbose || !args.check {
            printer.warn(describe(c, &opts.prefer));
        }
    }
    let splits = lock.hold_splits(&fleet);
    report.hold_splits = splits
        .iter()
        .map(|s| {
            serde_json::json!({
                "group": s.group,
                "package": s.package,
                "held": s.held,
                "not_held": s.not_held,
                "locked_hold": s.locked_hold,
            })
        })
        .collect();
    if !args.check || printer.verbose {
        for split in &splits {
            printer.warn(describe_hold(split));
        }
    }

    // A host whose facts cannot be read is a host the lock would silently leave out (and
    // majorities would shift without it): judge nothing as clean and write nothing.
    let incomplete = || {
        let one = errors.len() == 1;
        let (s, it, hosts) = if one {
            ("", "it", "that host")
        } else {
            ("s", "them", "those hosts")
        };
        format!(
            "{} host{s} without readable facts (listed above): fix or remove the file{s}, gather {hosts} again, or pass --skip-unreadable to lock without {it}",
            errors.len(),
        )
    };
    let failure_or_error = || {
        if errors.is_empty() {
            ExitStatus::Failure
        } else {
            ExitStatus::Error
        }
    };

    if args.check {
        if !errors.is_empty() {
            printer.error(&anyhow::anyhow!(
                "{}; the check covers the other {} hosts only",
                incomplete(),
                fleet.hosts.len()
            ));
        }
        let Some(old) = existing else {
            printer.status(format!(
                "{} does not exist; run `fleetpin lock`",
                args.lock.display()
            ));
            report.outcome = "missing";
            return Ok(failure_or_error());
        };
        if unresolved > 0 {
            printer.status(format!(
                "{unresolved} conflict{} not resolved by the lock's rules; {} cannot be reproduced",
                if unresolved == 1 { "" } else { "s" },
                args.lock.display()
            ));
            report.outcome = "not-reproducible";
            return Ok(failure_or_error());
        }
        let diff = old.diff(&lock);
        if diff.is_empty() {
            printer.status(format!(
                "{} is up to date ({} hosts)",
                args.lock.display(),
                fleet.hosts.len()
            ));
            report.outcome = "up-to-date";
            return Ok(if errors.is_empty() {
                ExitStatus::Success
            } else {
                ExitStatus::Error
            });
        }
        report.outcome = "out-of-date";
        if args.format == Format::Text {
            let mut out = printer.stdout();
            use std::io::Write;
            writeln!(out, "{} is out of date:", args.lock.display())?;
            for line in &diff {
                // Package names and versions came from hosts.
                writeln!(out, "  {}", Printer::text(&line.to_string()))?;
            }
        }
        report.changes = diff;
        return Ok(failure_or_error());
    }

    if !errors.is_empty() {
        printer.error(&anyhow::anyhow!(
            "{}; {} was not written",
            incomplete(),
            args.lock.display()
        ));
        report.outcome = "not-written";
        return Ok(ExitStatus::Error);
    }

    if unresolved > 0 {
        printer.error(&anyhow::anyhow!(
            "{unresolved} conflict{} left unresolved; {} was not written\n\nhint: choose a rule with `--prefer majority`, `--prefer lowest`, `--prefer highest` or `--prefer HOST` (repeatable, tried in order), or lock groups separately with `--group-by GROUP` / `--group-by-os`",
            if unresolved == 1 { "" } else { "s" },
            args.lock.display()
        ));
        report.outcome = "not-written";
        return Ok(ExitStatus::Failure);
    }
    let changed = existing.as_ref().is_none_or(|old| old != &lock);
    lock.write(&args.lock)
        .with_context(|| format!("cannot write {}", args.lock.display()))?;
    let n: usize = lock.groups.values().map(|g| g.len()).sum();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    printer.status(format!(
        "{} {} ({}, {}, {})",
        if changed { "wrote" } else { "unchanged:" },
        args.lock.display(),
        plural(fleet.hosts.len(), "host"),
        plural(lock.groups.len(), "group"),
        plural(n, "locked version")
    ));
    report.outcome = if changed { "written" } else { "unchanged" };
    Ok(ExitStatus::Success)
}
