//! `fleetpin drift`: compare each host's facts with `fleetpin.lock` and with its group.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use fleetpin_fleet::drift::{self, Difference, Direction, ReportError};
use fleetpin_fleet::lock::Lock;

use crate::ExitStatus;
use crate::fleet_args::FleetArgs;
use crate::printer::Printer;

/// Output format of `fleetpin drift`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A package × host table (or one line per difference for many hosts).
    Text,
    /// JSON with a schema version (see the fleetpin-fleet `drift` module docs).
    Json,
}

/// Show which host differs from `fleetpin.lock`, by how much and in which direction.
///
/// Directions: behind / ahead (by dpkg ordering, rpm ordering on rpm hosts), missing, extra,
/// held / not-held. Hosts that cannot be compared (gather failed, no facts), hosts compared on
/// stale facts and locked packages no host has are reported too, in text and JSON.
/// Exit status: 0 no drift and every host compared on current facts, 1 drift or such a gap,
/// 2 errors (unreadable facts or lock).
#[derive(Debug, clap::Args)]
pub struct Args {
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

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Above this many drifted hosts, the text output lists one difference per line
    /// instead of a package × host table.
    #[arg(long, default_value_t = 8, value_name = "N")]
    max_columns: usize,
}

fn paint(printer: &Printer, text: &str, d: Direction) -> String {
    if !printer.color {
        return text.to_string();
    }
    let code = match d {
        Direction::Behind | Direction::Missing => "31",
        Direction::Ahead => "33",
        Direction::Extra => "36",
        Direction::Held | Direction::NotHeld => "35",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

fn cell(ds: &[&Difference]) -> String {
    let first = ds[0];
    if first.direction == Direction::Missing {
        return "(missing)".to_string();
    }
    let dirs: Vec<&str> = ds.iter().map(|d| d.direction.as_str()).collect();
    format!(
        "{} ({})",
        first.actual.as_deref().unwrap_or("-"),
        dirs.join(", ")
    )
}

pub fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let lock = Lock::read(&args.lock).map_err(|e| match e {
        fleetpin_fleet::Error::Io {
            error: source,
            path,
        } if source.kind() == std::io::ErrorKind::NotFound => {
            anyhow::anyhow!(
                "{} does not exist\n\nhint: run `fleetpin lock` first",
                path.display()
            )
        }
        other => anyhow::Error::new(other),
    })?;
    let loaded = args.fleet.load(args.from_ansible.as_deref(), printer)?;
    let errors: Vec<String> = loaded.errors.iter().map(ToString::to_string).collect();
    for e in &errors {
        printer.error(&anyhow::anyhow!("cannot read facts: {e}"));
    }
    for gap in &loaded.gaps {
        printer.warn(gap.describe());
    }
    let fleet = &loaded.fleet;
    printer.debug(format_args!(
        "facts of {} hosts, lock {}",
        fleet.hosts.len(),
        args.lock.display()
    ));
    let compared = fleet
        .hosts
        .iter()
        .filter(|h| loaded.is_selected(&h.name))
        .count();
    if compared == 0 {
        // No facts at all is a setup error, not "no drift".
        return Err(args.fleet.no_hosts(&loaded, args.from_ansible.as_deref()));
    }
    let mut report = match &loaded.selected {
        None => drift::compute(fleet, &lock),
        Some(chosen) => drift::compute_selected(fleet, &lock, &|h| chosen.contains(&h.name)),
    };
    report.set_host_gaps(loaded.gaps.clone());
    for l in &report.locked_on_no_host {
        printer.warn(if l.group_hosts == 0 {
            format!(
                "`{}` {} is locked for group `{}`, which has no host in the facts",
                l.package, l.locked, l.group
            )
        } else {
            format!(
                "`{}` {} is locked for group `{}`, but none of its {} host{} has it",
                l.package,
                l.locked,
                l.group,
                l.group_hosts,
                if l.group_hosts == 1 { "" } else { "s" }
            )
        });
    }
    report.errors = errors
        .iter()
        .map(|m| ReportError { message: m.clone() })
        .collect();
    let mut out = printer.stdout();
    match args.format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &report).context("cannot write JSON")?;
            writeln!(out)?;
        }
        Format::Text => {
            let s = &report.summary;
            if !report.has_drift() {
                writeln!(
                    out,
                    "no drift: {} hosts match {}{}",
                    s.hosts,
                    args.lock.display(),
                    incomplete_note(&report)
                )?;
            } else {
                writeln!(
                    out,
                    "{} of {} hosts differ from {} ({} differences: {})\n",
                    s.hosts_with_drift,
                    s.hosts,
                    args.lock.display(),
                    s.differences,
                    s.by_direction
                        .iter()
                        .map(|(k, v)| format!("{v} {k}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )?;
                let note = incomplete_note(&report);
                if !note.is_empty() {
                    writeln!(out, "{}\n", note.trim_start_matches([';', ' ']))?;
                }
                // Host names, packages and versions came from hosts: escaped for the terminal.
                let differences = text_safe(&report.differences);
                if s.hosts_with_drift <= args.max_columns {
                    write_table(&mut out, printer, &differences)?;
                } else {
                    write_lines(&mut out, printer, &differences)?;
                }
            }
        }
    }
    if !report.errors.is_empty() {
        return Ok(ExitStatus::Error);
    }
    Ok(if report.has_drift() || !report.is_complete() {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// What the report does not cover, for the text summary line (empty when complete).
fn incomplete_note(report: &drift::DriftReport) -> String {
    let s = &report.summary;
    let mut parts = Vec::new();
    let plural = |n: usize| if n == 1 { "" } else { "s" };
    if s.hosts_not_compared > 0 {
        parts.push(format!(
            "{} host{} not compared (gather failed or no facts)",
            s.hosts_not_compared,
            plural(s.hosts_not_compared)
        ));
    }
    if s.hosts_stale > 0 {
        parts.push(format!(
            "{} host{} compared on stale facts",
            s.hosts_stale,
            plural(s.hosts_stale)
        ));
    }
    if s.locked_on_no_host > 0 {
        parts.push(format!(
            "{} locked package{} on no host",
            s.locked_on_no_host,
            plural(s.locked_on_no_host)
        ));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!("; but {} (see the warnings above)", parts.join(", "))
    }
}

/// `diffs` with terminal control characters escaped in every text field.
fn text_safe(diffs: &[Difference]) -> Vec<Difference> {
    let t = |s: &String| Printer::text(s).into_owned();
    diffs
        .iter()
        .map(|d| Difference {
            host: t(&d.host),
            group: t(&d.group),
            package: t(&d.package),
            locked: d.locked.as_ref().map(t),
            actual: d.actual.as_ref().map(t),
            group_majority: d.group_majority.as_ref().map(t),
            ..d.clone()
        })
        .collect()
}

/// A table row: the locked version and, per drifted host, its differences.
type Row<'a> = (Option<&'a str>, BTreeMap<&'a str, Vec<&'a Difference>>);

/// Rows: (package, group); columns: drifted hosts; cells: the actual version and direction.
fn write_table(
    out: &mut impl Write,
    printer: &Printer,
    diffs: &[Difference],
) -> std::io::Result<()> {
    let mut hosts: Vec<&str> = diffs.iter().map(|d| d.host.as_str()).collect();
    hosts.sort();
    hosts.dedup();
    let mut rows: BTreeMap<(&str, &str), Row<'_>> = BTreeMap::new();
    for d in diffs {
        let row = rows
            .entry((d.package.as_str(), d.group.as_str()))
            .or_insert((d.locked.as_deref(), BTreeMap::new()));
        row.1.entry(d.host.as_str()).or_default().push(d);
    }
    let show_group = rows.keys().any(|(_, g)| *g != "all");
    let mut header = vec!["PACKAGE".to_string()];
    if show_group {
        header.push("GROUP".into());
    }
    header.push("LOCKED".into());
    header.extend(hosts.iter().map(|h| h.to_string()));
    let mut table: Vec<Vec<(String, Option<Direction>)>> =
        vec![header.into_iter().map(|h| (h, None)).collect()];
    for ((pkg, group), (locked, cells)) in &rows {
        let mut r = vec![(pkg.to_string(), None)];
        if show_group {
            r.push((group.to_string(), None));
        }
        r.push((locked.unwrap_or("(not locked)").to_string(), None));
        for h in &hosts {
            match cells.get(h) {
                Some(ds) => r.push((cell(ds), Some(ds[0].direction))),
                None => r.push(("=".into(), None)),
            }
        }
        table.push(r);
    }
    let ncols = table[0].len();
    let widths: Vec<usize> = (0..ncols)
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].0.chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in &table {
        let mut line = String::new();
        for (c, (text, dir)) in r.iter().enumerate() {
            let pad = widths[c] - text.chars().count();
            let shown = match dir {
                Some(d) => paint(printer, text, *d),
                None => text.clone(),
            };
            line.push_str(&shown);
            if c + 1 < ncols {
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// One line per difference, for fleets where a table would be too wide.
fn write_lines(
    out: &mut impl Write,
    printer: &Printer,
    diffs: &[Difference],
) -> std::io::Result<()> {
    let header = [
        "HOST",
        "PACKAGE",
        "GROUP",
        "LOCKED",
        "ACTUAL",
        "DIRECTION",
        "GROUP MAJORITY",
    ];
    let rows: Vec<[String; 7]> = diffs
        .iter()
        .map(|d| {
            [
                d.host.clone(),
                d.package.clone(),
                d.group.clone(),
                d.locked.clone().unwrap_or_else(|| "-".into()),
                d.actual.clone().unwrap_or_else(|| "-".into()),
                d.direction.as_str().to_string(),
                d.group_majority.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let fmt = |cells: [&str; 7], dir: Option<Direction>| {
        let mut line = String::new();
        for (i, c) in cells.iter().enumerate() {
            let pad = widths[i] - c.chars().count();
            let shown = match (i, dir) {
                (5, Some(d)) => paint(printer, c, d),
                _ => c.to_string(),
            };
            line.push_str(&shown);
            if i < 6 {
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        line.trim_end().to_string()
    };
    writeln!(out, "{}", fmt(header, None))?;
    for (r, d) in rows.iter().zip(diffs) {
        let cells = [r[0].as_str(), &r[1], &r[2], &r[3], &r[4], &r[5], &r[6]];
        writeln!(out, "{}", fmt(cells, Some(d.direction)))?;
    }
    Ok(())
}
