//! `fleetpin hazard`: list or show the entries of the hazards database this build carries,
//! and `fleetpin hazard check`: match them against what the hosts run today.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::PathBuf;

use anyhow::bail;
use fleetpin_fleet::HostFacts;
use fleetpin_fleet::facts::FactsStore;
use fleetpin_fleet::load::Loaded;
use fleetpin_guard::{Database, Finding, Hazard, HostState, Verdict};
use rayon::prelude::*;
use serde::Serialize;

use crate::ExitStatus;
use crate::fleet_args::FleetArgs;
use crate::printer::Printer;

/// The version of the `fleetpin-hazard-check` JSON document (see `docs/hazards.md`).
pub const CHECK_SCHEMA_VERSION: u32 = 1;

/// List the known-breaking upgrades fleetpin carries, show one, or check hosts against them.
///
/// Without an id, every entry is listed: id, package, affected versions, title. With an id,
/// the entry is printed in full (Markdown): versions, host conditions, remedy, references.
#[derive(Debug, clap::Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct Args {
    /// A hazard id (`FPH-2023-0001`). Without it, every entry is listed.
    id: Option<String>,

    #[command(subcommand)]
    command: Option<Sub>,
}

#[derive(Debug, clap::Subcommand)]
enum Sub {
    /// Match the hazards against what each host runs now (a host already broken).
    Check(CheckArgs),
}

/// Output format of `fleetpin hazard check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One block per host that hits a hazard, then a summary line.
    Text,
    /// JSON with a schema marker (`fleetpin-hazard-check`, see `docs/hazards.md`).
    Json,
    /// GitHub Actions `::error` annotations, one per host and hazard.
    Github,
}

/// Match every hazard against the installed packages and host facts of each host.
///
/// A host hits a hazard when it runs an affected version, on a covered distribution, where
/// the entry's host conditions hold (an unknown fact counts as holding, and is named) and the
/// packages that avoid it are absent. Exit status: 0 no host hits a hazard, 1 some host does,
/// 2 facts that cannot be read (the other hosts are still checked).
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    #[command(flatten)]
    fleet: FleetArgs,

    /// Read hosts straight from `ansible all -m ansible.builtin.package_facts --tree DIR`
    /// output (with kernel, AppArmor and distribution facts from `DIR/setup/`, written by
    /// `ansible all -m ansible.builtin.setup --tree DIR/setup`, and the cgroup hierarchy
    /// from `DIR/mounts/`, by `ansible.builtin.mount_facts`).
    #[arg(long, value_name = "DIR", conflicts_with = "facts_dir")]
    from_ansible: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Also list the hazards a host runs an affected version of but avoids (a condition does
    /// not hold, or the package that avoids it is installed).
    #[arg(long)]
    show_avoided: bool,
}

/// Runs `fleetpin hazard`.
pub fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let (db, problems) = Database::builtin();
    for p in &problems {
        printer.warn(format_args!("built-in hazard entry not loaded: {p}"));
    }
    if let Some(Sub::Check(check)) = args.command {
        return run_check(&check, &db, printer);
    }
    let mut out = printer.stdout();
    match args.id {
        None => {
            for h in db.hazards() {
                let ranges: Vec<String> = h.affected.iter().map(ToString::to_string).collect();
                writeln!(
                    out,
                    "{:<13}  {:<15} {:<28} {}",
                    h.id,
                    h.package,
                    ranges.join(" | "),
                    h.title
                )?;
            }
            Ok(ExitStatus::Success)
        }
        Some(id) => match db.get(&id) {
            Some(h) => {
                write!(out, "{}", markdown(h))?;
                Ok(ExitStatus::Success)
            }
            None => bail!("unknown hazard `{id}`\n\nhint: `fleetpin hazard` lists every entry"),
        },
    }
}

/// The full entry as Markdown: title, facts, conditions, explanation, references.
fn markdown(h: &Hazard) -> String {
    let mut s = format!("# {}: {}\n\n", h.id, h.title);
    let list = |v: Vec<String>| v.join(", ");
    s.push_str(&format!(
        "- Package: `{}` ({} versions)\n",
        h.package, h.ecosystem
    ));
    s.push_str(&format!(
        "- Affected: {}\n",
        list(h.affected.iter().map(|r| format!("`{r}`")).collect())
    ));
    if !h.fixed.is_empty() {
        s.push_str(&format!(
            "- Fixed: {}\n",
            list(h.fixed.iter().map(|r| format!("`{r}`")).collect())
        ));
    }
    s.push_str(&format!(
        "- Kind: {}\n",
        list(h.kinds.iter().map(ToString::to_string).collect())
    ));
    s.push_str(&format!(
        "- Distributions: {}\n",
        if h.distros.is_empty() {
            "all".to_string()
        } else {
            list(h.distros.iter().map(ToString::to_string).collect())
        }
    ));
    s.push_str(&format!("- Known since: {}\n", h.date));
    let w = &h.when;
    let mut conditions = Vec::new();
    if let Some(a) = w.kernel_apparmor {
        conditions.push(format!(
            "the kernel has AppArmor {}",
            if a { "enabled" } else { "disabled" }
        ));
    }
    if let Some(c) = w.cgroup {
        conditions.push(format!("the host runs cgroup v{c}"));
    }
    if !w.kernel.is_empty() {
        conditions.push(format!(
            "the kernel is {}",
            list(w.kernel.iter().map(|r| format!("`{r}`")).collect())
        ));
    }
    if let Some(b) = w.iptables_backend {
        conditions.push(format!("`iptables` uses the {b} backend"));
    }
    for c in &w.installed {
        conditions.push(format!("`{c}` is installed"));
    }
    for p in &h.requires_packages {
        conditions.push(format!("`{p}` is not installed"));
    }
    if !conditions.is_empty() {
        s.push_str("\nIt bites when:\n\n");
        for c in conditions {
            s.push_str(&format!("- {c}\n"));
        }
    }
    s.push_str(&format!("\n{}\n\nReferences:\n\n", h.description));
    for r in &h.references {
        s.push_str(&format!("- <{r}>\n"));
    }
    s
}

/// The package names any entry looks at: its own package, the packages of its `installed`
/// conditions and of `[requires]`. A host's view keeps only these.
fn relevant_packages(db: &Database) -> BTreeSet<&str> {
    let mut names = BTreeSet::new();
    for h in db.hazards() {
        names.insert(h.package.as_str());
        names.extend(h.requires_packages.iter().map(String::as_str));
        for clause in &h.when.installed {
            names.extend(clause.0.iter().map(|r| r.package.as_str()));
        }
    }
    names
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    id: &'a str,
    package: &'a str,
    version: &'a str,
    title: &'a str,
    /// `breaks` or `avoided`.
    verdict: &'static str,
    /// Conditions that hold (why it matched).
    conditions: &'a [String],
    /// Packages whose absence makes it bite.
    missing: Vec<&'a str>,
    /// Conditions that could not be checked for lack of facts.
    unknown: Vec<&'static str>,
    /// Why an avoided hazard does not bite.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    fixed: Vec<String>,
    references: &'a [String],
}

#[derive(Serialize)]
struct JsonHost<'a> {
    host: &'a str,
    findings: Vec<JsonFinding<'a>>,
}

fn json_finding<'a>(f: &'a Finding<'a>) -> JsonFinding<'a> {
    let (verdict, missing, unknown, reason) = match &f.verdict {
        Verdict::Breaks { missing, unknown } => (
            "breaks",
            missing.iter().map(String::as_str).collect(),
            unknown.clone(),
            None,
        ),
        Verdict::Avoided { reason } => ("avoided", Vec::new(), Vec::new(), Some(reason.as_str())),
    };
    JsonFinding {
        id: &f.hazard.id,
        package: &f.hazard.package,
        version: &f.version,
        title: &f.hazard.title,
        verdict,
        conditions: &f.conditions,
        missing,
        unknown,
        reason,
        fixed: f.hazard.fixed.iter().map(ToString::to_string).collect(),
        references: &f.hazard.references,
    }
}

/// The host views of the hosts `loaded` selected, sorted by host. Files are read in
/// parallel, one at a time per thread, and each is reduced to the packages the entries look
/// at before the next: memory stays at a few hosts' facts whatever the fleet size (keeping
/// every host's full `HostFacts` took 235 MB for 300 hosts × 2,000 packages). Unreadable
/// files were already reported by `FleetArgs::load`, which read the same files; they are
/// skipped here.
fn host_states(args: &CheckArgs, loaded: &Loaded, db: &Database) -> Vec<(String, HostState)> {
    let relevant = relevant_packages(db);
    let mut out: Vec<(String, HostState)> = match &args.from_ansible {
        Some(tree) => {
            let files = fleetpin_fleet::ansible::tree_files(tree).unwrap_or_default();
            files
                .par_iter()
                .filter_map(|path| {
                    let host = path.file_name()?.to_str()?;
                    if !loaded.is_selected(host) {
                        return None;
                    }
                    let bytes = std::fs::read(path).ok()?;
                    let mut facts =
                        fleetpin_fleet::ansible::parse_tree_file(host, &bytes, path).ok()?;
                    fleetpin_fleet::ansible::apply_setup(tree, host, &mut facts).ok()?;
                    Some((
                        facts.host.clone(),
                        fleetpin_plan::plan::host_state(&facts, Some(&relevant)),
                    ))
                })
                .collect()
        }
        None => {
            let store = FactsStore::new(&args.fleet.facts_dir);
            let files = store.files().unwrap_or_default();
            files
                .par_iter()
                .filter_map(|path| {
                    let bytes = std::fs::read(path).ok()?;
                    let facts = HostFacts::from_json(&bytes, path).ok()?;
                    loaded.is_selected(&facts.host).then(|| {
                        (
                            facts.host.clone(),
                            fleetpin_plan::plan::host_state(&facts, Some(&relevant)),
                        )
                    })
                })
                .collect()
        }
    };
    out.sort_by(|a, b| a.0.cmp(&b.0));
    // Two files naming one host: `load` reported it; check neither.
    let mut dup: BTreeSet<String> = BTreeSet::new();
    for w in out.windows(2) {
        if w[0].0 == w[1].0 {
            dup.insert(w[0].0.clone());
        }
    }
    out.retain(|(h, _)| !dup.contains(h));
    out
}

fn run_check(args: &CheckArgs, db: &Database, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let loaded = args.fleet.load(args.from_ansible.as_deref(), printer)?;
    let errors: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    for e in &errors {
        printer.error(&anyhow::anyhow!("cannot read facts: {e}"));
    }
    for gap in &loaded.gaps {
        printer.warn(gap.describe());
    }
    let hosts = host_states(args, &loaded, db);
    if hosts.is_empty() && errors.is_empty() {
        return Err(args.fleet.no_hosts(&loaded, args.from_ansible.as_deref()));
    }
    let results: Vec<(&str, Vec<Finding<'_>>)> = hosts
        .iter()
        .map(|(host, state)| {
            let mut found = db.check_installed(state);
            if !args.show_avoided {
                found.retain(Finding::breaks);
            }
            (host.as_str(), found)
        })
        .collect();
    let broken: Vec<&str> = results
        .iter()
        .filter(|(_, f)| f.iter().any(Finding::breaks))
        .map(|(h, _)| *h)
        .collect();
    let mut by_hazard: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, found) in &results {
        for f in found.iter().filter(|f| f.breaks()) {
            *by_hazard.entry(f.hazard.id.as_str()).or_default() += 1;
        }
    }

    let mut out = std::io::BufWriter::new(printer.stdout());
    match args.format {
        Format::Json => {
            let hosts: Vec<JsonHost<'_>> = results
                .iter()
                .map(|(h, found)| JsonHost {
                    host: h,
                    findings: found.iter().map(json_finding).collect(),
                })
                .collect();
            let doc = serde_json::json!({
                "schema": {"name": "fleetpin-hazard-check", "version": CHECK_SCHEMA_VERSION},
                "hosts": hosts,
                "gaps": loaded.gaps,
                "errors": errors,
                "summary": {
                    "hosts": results.len(),
                    "hosts_hit": broken.len(),
                    "by_hazard": by_hazard,
                },
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Github => {
            for (host, found) in &results {
                for f in found.iter().filter(|f| f.breaks()) {
                    writeln!(
                        out,
                        "::error title={}::{}",
                        gh_property(&format!("{} on {host}", f.hazard.id)),
                        gh_data(&format!(
                            "{host} runs {} {}: {} ({}). See `fleetpin hazard {}`.",
                            f.hazard.package,
                            f.version,
                            f.hazard.title,
                            f.conditions.join(", "),
                            f.hazard.id
                        ))
                    )?;
                }
            }
        }
        Format::Text => {
            for (host, found) in &results {
                for f in found {
                    write_text(&mut out, printer, host, f)?;
                }
            }
            let summary = if broken.is_empty() {
                format!(
                    "{} host{} checked against {} hazards: none hits one",
                    results.len(),
                    if results.len() == 1 { "" } else { "s" },
                    db.hazards().len()
                )
            } else {
                let list: Vec<String> = by_hazard
                    .iter()
                    .map(|(id, n)| format!("{id} on {n}"))
                    .collect();
                format!(
                    "{} of {} hosts hit a hazard: {}",
                    broken.len(),
                    results.len(),
                    list.join(", ")
                )
            };
            writeln!(out, "{summary}")?;
        }
    }
    out.flush()?;
    Ok(if !errors.is_empty() {
        ExitStatus::Error
    } else if broken.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

fn write_text(
    out: &mut impl Write,
    printer: &Printer,
    host: &str,
    f: &Finding<'_>,
) -> std::io::Result<()> {
    let paint = |s: &str, code: &str| {
        if printer.color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let h = f.hazard;
    match &f.verdict {
        Verdict::Breaks { unknown, .. } => {
            writeln!(
                out,
                "{}  {} {}  {}",
                paint(host, "1"),
                h.package,
                f.version,
                paint(&h.id, "31")
            )?;
            writeln!(out, "  {}", h.title)?;
            if !f.conditions.is_empty() {
                writeln!(out, "  because: {}", f.conditions.join(", "))?;
            }
            if !unknown.is_empty() {
                writeln!(
                    out,
                    "  unknown (counted as holding): {}",
                    unknown.join(", ")
                )?;
            }
            let fixed: Vec<String> = h.fixed.iter().map(ToString::to_string).collect();
            if !fixed.is_empty() {
                writeln!(out, "  fixed in: {}", fixed.join(" | "))?;
            }
            writeln!(out, "  remedy: `fleetpin hazard {}`", h.id)?;
        }
        Verdict::Avoided { reason } => {
            writeln!(
                out,
                "{}  {} {}  {} avoided: {reason}",
                host, h.package, f.version, h.id
            )?;
        }
    }
    writeln!(out)
}

/// Escapes a GitHub Actions command message (the Actions toolkit's `escapeData`).
fn gh_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a GitHub Actions command property (the Actions toolkit's `escapeProperty`).
fn gh_property(s: &str) -> String {
    gh_data(s).replace(':', "%3A").replace(',', "%2C")
}
