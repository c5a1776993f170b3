//! `fleetpin lock`: write `fleetpin.lock` from gathered facts, or check it is up to date.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use fleetpin_fleet::facts::FactsStore;
use fleetpin_fleet::fleet::Fleet;
use fleetpin_fleet::lock::{Conflict, HoldSplit, Lock, LockOptions, Prefer};

use crate::ExitStatus;
use crate::printer::Printer;

/// Write `fleetpin.lock`: for each package, the version the fleet runs (per group where
/// groups legitimately differ), from the facts in `--facts-dir`.
///
/// When hosts of one group disagree, the conflict is listed and resolved only by an explicit
/// `--prefer` rule (tried in order); without one, nothing is written and the exit status is 1.
/// Nor is anything written when a host's facts cannot be read (exit status 2): a lock made
/// from part of the fleet would silently drop that host from every majority.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Facts directory written by `fleetpin gather`.
    #[arg(long, default_value = ".fleetpin/facts", value_name = "DIR")]
    facts_dir: PathBuf,

    /// Read hosts straight from `ansible all -m ansible.builtin.package_facts --tree DIR`
    /// output instead of a facts directory (no `fleetpin gather` step; hosts get their
    /// groups from `--inventory`, else none).
    #[arg(long, value_name = "DIR", conflicts_with = "facts_dir")]
    from_ansible: Option<PathBuf>,

    /// Ansible inventory (INI, YAML, or a directory of them) giving the groups of the hosts
    /// of `--from-ansible` (for `--group-by`). Repeatable.
    #[arg(short, long, value_name = "FILE", requires = "from_ansible")]
    inventory: Vec<PathBuf>,

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

    /// Lock from the hosts whose facts can be read and leave out the others (such as hosts
    /// an Ansible tree records as unreachable), each still named in a warning. Without it,
    /// an unreadable facts file stops the lock from being written (exit status 2).
    #[arg(long)]
    skip_unreadable: bool,
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

/// Loads the fleet from a facts directory, or from an Ansible `package_facts --tree`
/// directory when `from_ansible` is given; files that cannot be read are reported and skipped.
/// Hosts of a tree take their groups from `inventory` (package_facts carries none). No host
/// at all is an error. Unreadable files are printed as errors, or as warnings when
/// `skip_unreadable` (the caller then leaves them out knowingly).
pub(crate) fn load_fleet(
    dir: &Path,
    from_ansible: Option<&Path>,
    inventory: Option<&fleetpin_inventory::Inventory>,
    skip_unreadable: bool,
    printer: &Printer,
) -> anyhow::Result<(Fleet, Vec<String>)> {
    let (mut fleet, errors) = match from_ansible {
        Some(tree) => Fleet::load_ansible_tree(tree).with_context(|| {
            format!(
                "cannot read the Ansible package_facts tree {}",
                tree.display()
            )
        })?,
        None => Fleet::load(&FactsStore::new(dir)).with_context(|| {
            format!(
                "cannot read facts directory {} (run `fleetpin gather` first)",
                dir.display()
            )
        })?,
    };
    if fleet.hosts.is_empty() {
        // An empty facts directory is a setup error, not an empty lock or "no drift".
        bail!(
            "no host facts in {} (run `fleetpin gather` first)",
            from_ansible.unwrap_or(dir).display()
        );
    }
    if let (Some(inv), Some(_)) = (inventory, from_ansible) {
        for host in &mut fleet.hosts {
            if inv.host(&host.name).is_none() {
                printer.warn(format!(
                    "host `{}` is not in the inventory; it has no groups",
                    host.name
                ));
                continue;
            }
            let mut groups: Vec<String> = inv
                .host_groups(&host.name)
                .iter()
                .map(|g| g.name().to_string())
                .filter(|g| g != "all")
                .collect();
            groups.sort();
            host.groups = groups;
        }
    }
    let errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
    for e in &errors {
        if skip_unreadable {
            printer.warn(format!("leaving out unreadable facts: {e}"));
        } else {
            printer.error(&anyhow::anyhow!("cannot read facts: {e}"));
        }
    }
    Ok((fleet, errors))
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

fn describe(c: &Conflict) -> String {
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
        None => s.push_str("\n    -> unresolved"),
    }
    s
}

pub fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitStatus> {
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
    let inventory = super::gather::load_inventory(&args.inventory)?;
    let (fleet, mut errors) = load_fleet(
        &args.facts_dir,
        args.from_ansible.as_deref(),
        inventory.as_ref(),
        args.skip_unreadable,
        printer,
    )?;
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
    let unresolved = conflicts.iter().filter(|c| c.resolution.is_none()).count();
    for c in &conflicts {
        if c.resolution.is_none() || printer.verbose || !args.check {
            printer.warn(describe(c));
        }
    }
    if !args.check || printer.verbose {
        for split in lock.hold_splits(&fleet) {
            printer.warn(describe_hold(&split));
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
            "{} facts file{s} could not be read (listed above): fix or remove {it}, gather {hosts} again, or pass --skip-unreadable to lock without {it}",
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
            return Ok(failure_or_error());
        };
        if unresolved > 0 {
            printer.status(format!(
                "{unresolved} conflict{} not resolved by the lock's rules; {} cannot be reproduced",
                if unresolved == 1 { "" } else { "s" },
                args.lock.display()
            ));
            return Ok(failure_or_error());
        }
        let diff = old.diff(&lock);
        if diff.is_empty() {
            printer.status(format!(
                "{} is up to date ({} hosts)",
                args.lock.display(),
                fleet.hosts.len()
            ));
            return Ok(if errors.is_empty() {
                ExitStatus::Success
            } else {
                ExitStatus::Error
            });
        }
        let mut out = printer.stdout();
        use std::io::Write;
        writeln!(out, "{} is out of date:", args.lock.display())?;
        for line in diff {
            // Package names and versions came from hosts.
            writeln!(out, "  {}", Printer::text(&line.to_string()))?;
        }
        return Ok(failure_or_error());
    }

    if !errors.is_empty() {
        printer.error(&anyhow::anyhow!(
            "{}; {} was not written",
            incomplete(),
            args.lock.display()
        ));
        return Ok(ExitStatus::Error);
    }

    if unresolved > 0 {
        printer.error(&anyhow::anyhow!(
            "{unresolved} conflict{} left unresolved; {} was not written\n\nhint: choose a rule with `--prefer majority`, `--prefer lowest`, `--prefer highest` or `--prefer HOST` (repeatable, tried in order), or lock groups separately with `--group-by GROUP` / `--group-by-os`",
            if unresolved == 1 { "" } else { "s" },
            args.lock.display()
        ));
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
    Ok(ExitStatus::Success)
}
