//! `fleetpin plan`: what the next run of the playbooks would change on every host, resolved
//! as apt resolves it, with the known-breaking upgrades named (the engine is fleetpin-plan).

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use fleetpin_debian::policy::Options;
use fleetpin_fleet::FactsStore;
use fleetpin_fleet::lock::Lock;
use fleetpin_inventory::{Inventory, Pattern};
use fleetpin_plan::plan::{self, CandidateSource, HostPlan, Inputs, Plan, SimulatedHost, Status};
use fleetpin_plan::universe::Universe;

use crate::ExitStatus;
use crate::printer::Printer;

/// The `schema` marker of the JSON document, and its version (see docs/plan.md).
pub const SCHEMA: &str = "fleetpin-plan";
/// Bumped on any incompatible change of the JSON document. Version 2: the marker is the
/// `{"name", "version"}` object every other document carries (version 1 had `"schema": NAME`
/// and a top-level `"version"`).
pub const SCHEMA_VERSION: u32 = 2;

/// Output format of `fleetpin plan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Per host, then the rollout and a summary line.
    Text,
    /// JSON with a schema marker and version (docs/plan.md).
    Json,
    /// GitHub Actions annotations.
    Github,
}

/// Show what the package tasks of the playbooks would change on every host: each package's
/// installed → would-be version, the jump class, the distance to `fleetpin.lock`, packages
/// pulled in or removed, Recommends left out, upgrades refused for held packages, hazards
/// that match, and how many hosts change at once.
///
/// Candidates come from `--index` (Packages files or apt lists folders), resolved as
/// `apt-get install` / `upgrade` / `dist-upgrade` resolve them from each host's installed set.
/// Exit status: 0 nothing risky, 1 a hazard matches or an upgrade is refused or removes
/// packages, 2 usage or input error (other hosts are still planned).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Playbooks, or folders whose top-level `*.yml` playbooks are read.
    #[arg(default_value = ".", value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// A `Packages` index (plain, .gz, .xz, .lz4, .zst) or an apt lists folder. Repeatable.
    #[arg(
        long,
        value_name = "FILE|DIR",
        required_unless_present_any = ["from_ansible_check", "ssh"],
        conflicts_with_all = ["from_ansible_check", "ssh"]
    )]
    index: Vec<PathBuf>,

    /// Read the plan apt computed on each host from the JSON of
    /// `ANSIBLE_STDOUT_CALLBACK=ansible.posix.json ansible-playbook --check --diff` instead of
    /// resolving `--index` (docs/plan-sources.md).
    #[arg(long, value_name = "FILE", conflicts_with = "ssh")]
    from_ansible_check: Option<PathBuf>,

    /// Ask apt on each host: run `LC_ALL=C apt-get -s` (read-only, no root, no lock) for the
    /// host's planned tasks over SSH, with `gather`'s machinery (needs `--inventory`).
    #[arg(long, requires = "inventory")]
    ssh: bool,

    /// apt preferences file or folder (apt_preferences(5)). Repeatable.
    #[arg(long, value_name = "FILE|DIR")]
    preferences: Vec<PathBuf>,

    /// Target release (`apt-get -t`).
    #[arg(short = 't', long = "target-release", value_name = "RELEASE")]
    target_release: Option<String>,

    /// Facts directory written by `fleetpin gather`.
    #[arg(long = "facts", default_value = ".fleetpin/facts", value_name = "DIR")]
    facts: PathBuf,

    /// Ansible inventory (evaluates the plays' `hosts:`); repeatable. Default: the facts'
    /// groups.
    #[arg(short, long, value_name = "FILE")]
    inventory: Vec<PathBuf>,

    /// Only hosts matching this Ansible pattern.
    #[arg(short, long, value_name = "PATTERN")]
    limit: Option<String>,

    /// The lock file (optional: without it no lock distance is shown).
    #[arg(long, default_value = "fleetpin.lock", value_name = "FILE")]
    lock: PathBuf,

    /// The hosts' architecture (default: the one most facts record, else amd64).
    #[arg(long, value_name = "ARCH")]
    arch: Option<String>,

    /// Plan every task as if `install_recommends: false`.
    #[arg(long)]
    no_install_recommends: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// How to reach the hosts of `--ssh` (last: its help heading applies to what follows).
    #[command(flatten)]
    ssh_args: crate::fleet_args::SshArgs,
}

/// The marker every JSON document of fleetpin starts with (docs/cli.md).
#[derive(serde::Serialize)]
struct Schema {
    name: &'static str,
    version: u32,
}

#[derive(serde::Serialize)]
struct Document<'a> {
    schema: Schema,
    summary: Summary,
    hosts: &'a [HostPlan],
    rollout: &'a [plan::Rollout],
    errors: &'a [String],
}

#[derive(serde::Serialize)]
struct Summary {
    hosts: usize,
    changing: usize,
    risky: usize,
    hazards: std::collections::BTreeMap<String, Vec<String>>,
    refused: usize,
    removals: usize,
    errors: usize,
}

fn summary(p: &Plan, errors: usize) -> Summary {
    Summary {
        hosts: p.hosts.len(),
        changing: p.changing(),
        risky: p.hosts.iter().filter(|h| h.risky()).count(),
        hazards: p.hazard_hosts(),
        refused: p.hosts.iter().filter(|h| !h.refused.is_empty()).count(),
        removals: p
            .hosts
            .iter()
            .filter(|h| h.packages.iter().any(|x| x.status == Status::Removed))
            .count(),
        errors,
    }
}

/// The candidate source, owned.
enum Source {
    Offline(Box<Universe>),
    Simulated(HashMap<String, SimulatedHost>),
}

pub fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let mut errors: Vec<String> = Vec::new();
    let inventory = if args.inventory.is_empty() {
        None
    } else {
        Some(Inventory::load_all(&args.inventory).context("cannot load the inventory")?)
    };
    let limit = args
        .limit
        .as_deref()
        .map(|l| {
            Pattern::parse_limit(l, std::path::Path::new("."))
                .with_context(|| format!("invalid --limit `{l}`"))
        })
        .transpose()?;
    let store = FactsStore::new(&args.facts);
    let (facts, fact_errors) = store.read_all().with_context(|| {
        format!(
            "cannot read facts directory {} (run `fleetpin gather` first)",
            args.facts.display()
        )
    })?;
    errors.extend(fact_errors.iter().map(ToString::to_string));
    let lock = match Lock::read(&args.lock) {
        Ok(l) => Some(l),
        Err(fleetpin_fleet::Error::Io { error, .. })
            if error.kind() == std::io::ErrorKind::NotFound =>
        {
            None
        }
        Err(e) => {
            errors.push(e.to_string());
            None
        }
    };
    let arch = args.arch.clone().unwrap_or_else(|| {
        let mut counts = std::collections::BTreeMap::new();
        for f in &facts {
            if let Some(a) = &f.native_arch {
                *counts.entry(a.clone()).or_insert(0usize) += 1;
            }
        }
        counts
            .into_iter()
            .max_by_key(|(_, n)| *n)
            .map_or_else(|| "amd64".to_string(), |(a, _)| a)
    });
    let (plays, play_errors) = fleetpin_plan::tasks::discover(&args.paths);
    errors.extend(play_errors.iter().map(ToString::to_string));
    if plays.is_empty() {
        printer.warn("no play with apt/package tasks found");
    }
    for play in &plays {
        for n in &play.not_followed {
            printer.warn(format_args!(
                "{}: not followed (a templated or missing target): its package tasks are not in the plan",
                n
            ));
        }
    }
    let source = if args.ssh {
        let inv = inventory.as_ref().context("--ssh needs an --inventory")?;
        Source::Simulated(live_plans(
            &args,
            printer,
            inv,
            &plays,
            limit.as_ref(),
            &facts,
            &mut errors,
        ))
    } else if let Some(path) = &args.from_ansible_check {
        let run = fleetpin_fleet::simulate::ansible::read(path)
            .with_context(|| format!("cannot read the Ansible check run {}", path.display()))?;
        let mut sims = HashMap::new();
        for h in run.hosts {
            let hp = fleetpin_fleet::simulate::HostPlan::from(h);
            errors.extend(hp.issues.iter().map(ToString::to_string));
            sims.insert(hp.host.clone(), SimulatedHost::from(&hp));
        }
        Source::Simulated(sims)
    } else {
        let universe = Universe::load(
            &args.index,
            &args.preferences,
            Options {
                native_arch: arch,
                foreign_archs: Vec::new(),
                target_release: args.target_release.clone(),
            },
        )
        .context("cannot load the candidate indexes")?;
        errors.extend(universe.problems.iter().map(ToString::to_string));
        Source::Offline(Box::new(universe))
    };
    let (db, db_problems) = fleetpin_guard::Database::builtin();
    for p in &db_problems {
        printer.debug(format_args!("hazards database: {p:?}"));
    }
    let p = plan::plan(&Inputs {
        plays: &plays,
        inventory: inventory.as_ref(),
        limit: limit.as_ref(),
        facts: &facts,
        lock: lock.as_ref(),
        db: &db,
        source: match &source {
            Source::Offline(u) => CandidateSource::Offline(u),
            Source::Simulated(m) => CandidateSource::Simulated(m),
        },
        no_install_recommends: args.no_install_recommends,
    });
    for h in &p.hosts {
        if let Some(e) = &h.error {
            errors.push(e.clone());
        }
    }
    for e in &errors {
        printer.error(&anyhow::anyhow!("{e}"));
    }
    let mut out = printer.stdout();
    match args.format {
        Format::Json => {
            let doc = Document {
                schema: Schema {
                    name: SCHEMA,
                    version: SCHEMA_VERSION,
                },
                summary: summary(&p, errors.len()),
                hosts: &p.hosts,
                rollout: &p.rollout,
                errors: &errors,
            };
            serde_json::to_writer_pretty(&mut out, &doc).context("cannot write JSON")?;
            writeln!(out)?;
        }
        Format::Github => write_github(&mut out, &p)?,
        Format::Text => write_text(&mut out, printer, &p)?,
    }
    Ok(if !errors.is_empty() {
        ExitStatus::Error
    } else if p.risky() {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// `apt-get -s` over SSH on every host the plays reach, each host's tasks in run order.
fn live_plans(
    args: &Args,
    printer: &Printer,
    inv: &Inventory,
    plays: &[fleetpin_plan::tasks::PlaySpec],
    limit: Option<&Pattern>,
    facts: &[fleetpin_fleet::HostFacts],
    errors: &mut Vec<String>,
) -> HashMap<String, SimulatedHost> {
    use fleetpin_fleet::simulate::{self, live};
    let hosts: Vec<live::HostOperations> = plan::targets(plays, Some(inv), limit, facts)
        .into_iter()
        .filter_map(|(name, groups, which)| {
            let connection = inv.connection(&name)?;
            let host_facts = facts.iter().find(|f| f.host == name);
            let operations = fleetpin_plan::tasks::operations(
                plays,
                &which,
                args.no_install_recommends,
                (&name, &groups, host_facts),
            );
            Some(live::HostOperations {
                target: fleetpin_fleet::gather::Target {
                    name,
                    groups,
                    connection,
                },
                operations,
            })
        })
        .collect();
    let cfg = args.ssh_args.config();
    let bar = printer.progress(
        hosts.len() as u64,
        "{spinner} apt-get -s [{bar:30}] {pos}/{len} hosts",
    );
    let results = live::simulate(&hosts, &cfg, &live::LiveOptions::default(), &|_| bar.inc(1));
    bar.finish_and_clear();
    let mut out = HashMap::new();
    for r in results {
        let hp = simulate::HostPlan::from(r);
        errors.extend(hp.issues.iter().map(ToString::to_string));
        let mut sim = SimulatedHost::from(&hp);
        // Each operation was simulated against the host as it is; in the real run Ansible
        // stops the host at the first task apt refuses, so nothing after it happens.
        if let Some(i) = sim.steps.iter().position(|s| s.refused.is_some()) {
            sim.steps.truncate(i + 1);
        }
        out.insert(hp.host.clone(), sim);
    }
    out
}

fn paint(printer: &Printer, code: &str, text: &str) -> String {
    if printer.color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn t(s: &str) -> std::borrow::Cow<'_, str> {
    Printer::text(s)
}

fn write_text(out: &mut impl Write, printer: &Printer, p: &Plan) -> anyhow::Result<()> {
    for h in &p.hosts {
        for k in &h.skipped {
            printer.debug(format_args!(
                "{}: skips {} (when: {})",
                h.host, k.task, k.when
            ));
        }
        if h.packages.is_empty() && h.refused.is_empty() && h.error.is_none() {
            continue;
        }
        writeln!(out, "{}", paint(printer, "1", &t(&h.host)))?;
        if let Some(e) = &h.error {
            writeln!(out, "  {} {}", paint(printer, "31", "error:"), t(e))?;
        }
        for x in &h.packages {
            let (sign, code) = match x.status {
                Status::New => ("+", "32"),
                Status::Upgrade => ("~", "33"),
                Status::Downgrade => ("<", "35"),
                Status::Removed => ("-", "31"),
                Status::HeldBack => ("=", "36"),
            };
            let mut line = format!("  {} {}", paint(printer, code, sign), t(&x.package));
            match x.status {
                Status::New => line.push_str(&format!(" {}", x.to.as_deref().unwrap_or(""))),
                Status::Removed => {
                    line.push_str(&format!(" {} (removed)", x.from.as_deref().unwrap_or("")))
                }
                Status::HeldBack => line.push_str(&format!(
                    " {} (held back; candidate {})",
                    x.from.as_deref().unwrap_or(""),
                    x.to.as_deref().unwrap_or("")
                )),
                _ => line.push_str(&format!(
                    " {} -> {}",
                    x.from.as_deref().unwrap_or(""),
                    x.to.as_deref().unwrap_or("")
                )),
            }
            if let Some(j) = x.jump {
                line.push_str(&format!(" [{}]", format!("{j:?}").to_lowercase()));
            }
            if let Some(l) = &x.lock
                && l.position != "at"
            {
                line.push_str(&format!(" ({} of fleetpin.lock {}", l.position, l.locked));
                if let Some(n) = l.versions_between.filter(|n| *n > 0) {
                    line.push_str(&format!(", {n} versions between"));
                }
                line.push(')');
            }
            if x.dependency && x.status != Status::HeldBack {
                line.push_str(" (dependency)");
            }
            writeln!(out, "{}", t(&line))?;
        }
        for r in &h.unmet_recommends {
            let who = if r.package.is_empty() {
                "apt: a new version".to_string()
            } else {
                t(&r.package).into_owned()
            };
            writeln!(
                out,
                "  {} {who} recommends {}, which will not be installed{}",
                paint(printer, "36", "?"),
                t(&r.recommends),
                if r.because_install_recommends_false {
                    " (install_recommends: false)"
                } else {
                    ""
                }
            )?;
        }
        for r in &h.refused {
            writeln!(
                out,
                "  {} refused at {}: {}",
                paint(printer, "31", "!"),
                t(&r.task),
                t(&r.reason)
            )?;
        }
        for z in &h.hazards {
            if z.breaks {
                writeln!(
                    out,
                    "  {} {} {} {}: {}{}",
                    paint(printer, "1;31", "HAZARD"),
                    z.id,
                    t(&z.package),
                    t(&z.version),
                    t(&z.title),
                    if z.missing.is_empty() {
                        String::new()
                    } else {
                        format!(" (missing: {})", z.missing.join(", "))
                    }
                )?;
                if !z.remedy.is_empty() {
                    writeln!(out, "      remedy: {}", t(&z.remedy))?;
                }
            } else {
                writeln!(
                    out,
                    "  {} {} avoided: {}",
                    paint(printer, "32", "ok"),
                    z.id,
                    t(z.reason.as_deref().unwrap_or(""))
                )?;
            }
        }
        writeln!(out)?;
    }
    for r in &p.rollout {
        let total: usize = r.batches.iter().map(|b| b.hosts.len()).sum();
        if r.serial.is_empty() {
            let b = &r.batches[0];
            writeln!(
                out,
                "rollout of `{}`: all {total} hosts at once (no serial), {} change{}",
                t(&r.play),
                b.changing,
                if b.hazardous.is_empty() {
                    String::new()
                } else {
                    format!(", hazards on {}", b.hazardous.join(", "))
                }
            )?;
        } else {
            writeln!(
                out,
                "rollout of `{}`: {} batches (serial: {})",
                t(&r.play),
                r.batches.len(),
                r.serial.join(", ")
            )?;
            for (i, b) in r.batches.iter().enumerate() {
                writeln!(
                    out,
                    "  batch {}: {} ({} change){}",
                    i + 1,
                    b.hosts.join(", "),
                    b.changing,
                    if b.hazardous.is_empty() {
                        String::new()
                    } else {
                        format!(", hazards on {}", b.hazardous.join(", "))
                    }
                )?;
            }
        }
    }
    let hz = p.hazard_hosts();
    let mut line = format!(
        "Plan: {} host{} change",
        p.changing(),
        if p.changing() == 1 { "" } else { "s" }
    );
    for (id, hosts) in &hz {
        line.push_str(&format!(", {} hit {id}", hosts.len()));
    }
    let refused = p.hosts.iter().filter(|h| !h.refused.is_empty()).count();
    if refused > 0 {
        line.push_str(&format!(", {refused} refused"));
    }
    let removing = p
        .hosts
        .iter()
        .filter(|h| h.packages.iter().any(|x| x.status == Status::Removed))
        .count();
    if removing > 0 {
        line.push_str(&format!(", {removing} remove packages"));
    }
    writeln!(
        out,
        "\n{}.",
        paint(printer, if p.risky() { "1;31" } else { "1;32" }, &line)
    )?;
    Ok(())
}

/// `%`, CR and LF escaped as GitHub's workflow commands want.
fn gh(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn write_github(out: &mut impl Write, p: &Plan) -> anyhow::Result<()> {
    for h in &p.hosts {
        if let Some(e) = &h.error {
            writeln!(out, "::error title=fleetpin plan::{}", gh(e))?;
        }
        for z in h.hazards.iter().filter(|z| z.breaks) {
            writeln!(
                out,
                "::error title={}::{}: {} {}: {}. {}",
                z.id,
                gh(&h.host),
                gh(&z.package),
                gh(&z.version),
                gh(&z.title),
                gh(&z.remedy)
            )?;
        }
        for r in &h.refused {
            writeln!(
                out,
                "::error title=upgrade refused::{}: {}: {}",
                gh(&h.host),
                gh(&r.task),
                gh(&r.reason)
            )?;
        }
        for x in h.packages.iter().filter(|x| x.status == Status::Removed) {
            writeln!(
                out,
                "::warning title=package removed::{}: {} {} would be removed",
                gh(&h.host),
                gh(&x.package),
                gh(x.from.as_deref().unwrap_or(""))
            )?;
        }
    }
    let hz = p.hazard_hosts();
    let mut line = format!("{} hosts change", p.changing());
    for (id, hosts) in &hz {
        line.push_str(&format!(", {} hit {id}", hosts.len()));
    }
    writeln!(out, "::notice title=fleetpin plan::{}", gh(&line))?;
    Ok(())
}
