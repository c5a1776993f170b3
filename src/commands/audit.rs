//! `fleetpin audit`: lint + drift + plan of one project in one report, with one exit code.
//!
//! Each part is the real subcommand, run as a child process of this same binary with the
//! options audit derived (so each part behaves exactly as when run alone, and one part's
//! input error cannot stop the others); audit only finds the inputs, composes the report and
//! folds the exit codes: 2 if any part had an input error, else 1 if any found something,
//! else 0.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use serde_json::Value;

use crate::ExitStatus;
use crate::printer::Printer;

/// The `schema` marker of the JSON document, and its version (see docs/audit.md).
pub const SCHEMA: &str = "fleetpin-audit";
/// Bumped on any incompatible change of the JSON document.
pub const SCHEMA_VERSION: u32 = 1;

/// Output format of `fleetpin audit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Three sections (lint, drift, plan) and one summary.
    Text,
    /// JSON with a schema marker and version, embedding the three documents (docs/audit.md).
    Json,
    /// GitHub Actions annotations of the three parts, and a summary notice.
    Github,
}

/// Lint, drift and plan in one report: the floating package tasks and other findings of the
/// infrastructure code, the hosts that differ from the lock (or, without a lock, from the
/// rest of the fleet), and what the next run would change on every host with the known-breaking
/// upgrades named.
///
/// With only PATH, the inputs are found in the project: facts in `PATH/fleet/facts` or
/// `PATH/.fleetpin/facts`, the inventory from `PATH/ansible.cfg`, the lock
/// `PATH/fleetpin.lock` (without one, drift compares each host with the fleet's majority),
/// candidate indexes in `PATH/index/` (without them, the plan part is skipped).
/// Exit status: 0 clean, 1 a part found something, 2 a part had an input error.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Ansible project.
    #[arg(default_value = ".", value_name = "PATH")]
    path: PathBuf,

    /// Facts directory (default: `PATH/fleet/facts`, else `PATH/.fleetpin/facts`).
    #[arg(long, value_name = "DIR")]
    facts: Option<PathBuf>,

    /// Ansible inventory; repeatable (default: `[defaults] inventory` of `PATH/ansible.cfg`).
    #[arg(short, long, value_name = "FILE")]
    inventory: Vec<PathBuf>,

    /// The lock file (default: `PATH/fleetpin.lock` when present).
    #[arg(long, value_name = "FILE")]
    lock: Option<PathBuf>,

    /// Candidate indexes for the plan; repeatable (default: the folders of `PATH/index/`).
    #[arg(long, value_name = "FILE|DIR")]
    index: Vec<PathBuf>,

    /// Only hosts matching this Ansible pattern (drift and plan).
    #[arg(short, long, value_name = "PATTERN")]
    limit: Option<String>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// One part's run.
struct Part {
    name: &'static str,
    /// The command line, for people.
    command: String,
    /// Exit code (2 when it did not run or was killed).
    code: i32,
    stdout: String,
    stderr: String,
    /// Why the part did not run (no facts, no index).
    skipped: Option<String>,
}

impl Part {
    fn skipped(name: &'static str, why: String) -> Part {
        Part {
            name,
            command: String::new(),
            code: 0,
            stdout: String::new(),
            stderr: String::new(),
            skipped: Some(why),
        }
    }
}

fn run_part(name: &'static str, args: &[String], color: bool) -> anyhow::Result<Part> {
    let exe = std::env::current_exe().context("cannot find the fleetpin binary")?;
    let out = Command::new(&exe)
        .args(args)
        .args(["--color", if color { "always" } else { "never" }])
        .output()
        .with_context(|| format!("cannot run {}", exe.display()))?;
    Ok(Part {
        name,
        command: format!("fleetpin {}", args.join(" ")),
        code: out.status.code().unwrap_or(2),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        skipped: None,
    })
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// The inputs audit found or was given.
struct Inputs {
    facts: Option<PathBuf>,
    inventory: Vec<PathBuf>,
    lock: Option<PathBuf>,
    index: Vec<PathBuf>,
}

fn find_inputs(args: &Args) -> anyhow::Result<Inputs> {
    let root = &args.path;
    let facts = args.facts.clone().or_else(|| {
        [root.join("fleet/facts"), root.join(".fleetpin/facts")]
            .into_iter()
            .find(|d| d.is_dir())
    });
    let inventory = if args.inventory.is_empty() {
        let cfg = root.join("ansible.cfg");
        if cfg.is_file() {
            fleetpin_ansible::config::AnsibleConfig::load(&cfg)
                .with_context(|| format!("cannot read {}", cfg.display()))?
                .inventory()
        } else {
            Vec::new()
        }
    } else {
        args.inventory.clone()
    };
    let lock = args
        .lock
        .clone()
        .or_else(|| Some(root.join("fleetpin.lock")).filter(|l| l.is_file()));
    let index = if args.index.is_empty() {
        let dir = root.join("index");
        let mut v: Vec<PathBuf> = match std::fs::read_dir(&dir) {
            Ok(rd) => rd
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect(),
            Err(_) => Vec::new(),
        };
        v.sort();
        v
    } else {
        args.index.clone()
    };
    Ok(Inputs {
        facts,
        inventory,
        lock,
        index,
    })
}

pub fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitStatus> {
    if !args.path.is_dir() {
        anyhow::bail!("{} is not a folder", args.path.display());
    }
    let inp = find_inputs(&args)?;
    let fmt = match args.format {
        Format::Text => "text",
        Format::Json => "json",
        Format::Github => "github",
    };
    let color = printer.color && args.format == Format::Text;
    let mut fleet: Vec<String> = Vec::new();
    for i in &inp.inventory {
        fleet.extend(["-i".into(), s(i)]);
    }
    if let Some(l) = &args.limit {
        fleet.extend(["--limit".into(), l.clone()]);
    }

    // Lint: the whole project.
    let lint = run_part(
        "lint",
        &["lint".into(), s(&args.path), "--format".into(), fmt.into()],
        color,
    )?;

    // Drift: against the lock, else against a majority lock of the fleet itself.
    let scratch = tempfile::tempdir().context("cannot create a temporary folder")?;
    let drift = match &inp.facts {
        None => Part::skipped(
            "drift",
            format!(
                "no facts in {0}/fleet/facts or {0}/.fleetpin/facts (run `fleetpin gather`, or pass --facts)",
                args.path.display()
            ),
        ),
        Some(facts) => {
            let lock = match &inp.lock {
                Some(l) => Ok(l.clone()),
                None => {
                    let l = scratch.path().join("majority.lock");
                    let mut a: Vec<String> = vec!["lock".into(), "--facts-dir".into(), s(facts)];
                    a.extend(fleet.iter().cloned());
                    a.extend(["--prefer".into(), "majority".into(), "--lock".into(), s(&l)]);
                    let made = run_part("drift", &a, false)?;
                    if made.code == 0 {
                        Ok(l)
                    } else {
                        // The facts could not be read: that is drift's input error.
                        Err(Part {
                            code: 2,
                            stdout: String::new(),
                            ..made
                        })
                    }
                }
            };
            match lock {
                Err(failed) => failed,
                Ok(lock) => {
                    let mut a: Vec<String> = vec!["drift".into(), "--facts-dir".into(), s(facts)];
                    a.extend(fleet.iter().cloned());
                    // drift has no GitHub format: its JSON becomes annotations below.
                    let drift_fmt = if args.format == Format::Github {
                        "json"
                    } else {
                        fmt
                    };
                    a.extend([
                        "--lock".into(),
                        s(&lock),
                        "--format".into(),
                        drift_fmt.into(),
                    ]);
                    let mut p = run_part("drift", &a, color)?;
                    if inp.lock.is_none() {
                        p.command = "fleetpin drift (no fleetpin.lock: each host against the fleet's majority)".into();
                        // The scratch lock's path means nothing to the reader.
                        let shown = "the fleet's majority";
                        p.stdout = p.stdout.replace(&s(&lock), shown);
                        p.stderr = p.stderr.replace(&s(&lock), shown);
                    }
                    p
                }
            }
        }
    };

    // Plan: the project's plays over the facts and the indexes.
    let plan = match (&inp.facts, inp.index.is_empty()) {
        (None, _) => Part::skipped("plan", "no facts (see drift)".into()),
        (Some(_), true) => Part::skipped(
            "plan",
            format!(
                "no candidate index: pass --index, or put apt indexes in {}/index/",
                args.path.display()
            ),
        ),
        (Some(facts), false) => {
            let mut a: Vec<String> = vec!["plan".into(), s(&args.path), "--facts".into(), s(facts)];
            for i in &inp.index {
                a.extend(["--index".into(), s(i)]);
            }
            a.extend(fleet.iter().cloned());
            let lock = inp
                .lock
                .clone()
                .unwrap_or_else(|| scratch.path().join("no.lock"));
            a.extend(["--lock".into(), s(&lock), "--format".into(), fmt.into()]);
            let mut p = run_part("plan", &a, color)?;
            if inp.lock.is_none() {
                // A lock that does not exist: no lock distance (and not the current folder's).
                p.command = p.command.replace(&format!(" --lock {}", s(&lock)), "");
            }
            p
        }
    };

    let parts = [lint, drift, plan];
    // Each part's own diagnostics (unreadable files, hosts without facts) go to stderr,
    // named by part.
    for p in &parts {
        for line in p
            .stderr
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with("Found "))
        {
            eprintln!("{}: {line}", p.name);
        }
    }
    let status = if parts.iter().any(|p| p.code >= 2 || p.code < 0) {
        ExitStatus::Error
    } else if parts.iter().any(|p| p.code == 1) {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    };
    let verdict = |p: &Part| -> &'static str {
        match (&p.skipped, p.code) {
            (Some(_), _) => "skipped",
            (None, 0) => "clean",
            (None, 1) => "findings",
            _ => "error",
        }
    };
    let mut out = printer.stdout();
    match args.format {
        Format::Json => {
            let mut doc = serde_json::json!({
                "schema": {"name": SCHEMA, "version": SCHEMA_VERSION},
                "exit_code": match status {
                    ExitStatus::Success => 0,
                    ExitStatus::Failure => 1,
                    ExitStatus::Error => 2,
                },
            });
            for p in &parts {
                let document: Value = if p.skipped.is_some() {
                    Value::Null
                } else {
                    serde_json::from_str(&p.stdout).unwrap_or(Value::Null)
                };
                doc[p.name] = serde_json::json!({
                    "status": verdict(p),
                    "exit_code": p.code,
                    "skipped": p.skipped,
                    "errors": p.stderr.lines().filter(|l| l.starts_with("error")).collect::<Vec<_>>(),
                    "document": document,
                });
            }
            serde_json::to_writer_pretty(&mut out, &doc).context("cannot write JSON")?;
            writeln!(out)?;
        }
        Format::Github => {
            for p in &parts {
                if p.name == "drift" {
                    write_drift_github(&mut out, &p.stdout)?;
                } else {
                    out.write_all(p.stdout.as_bytes())?;
                }
            }
            let line: Vec<String> = parts
                .iter()
                .map(|p| format!("{} {}", p.name, verdict(p)))
                .collect();
            writeln!(out, "::notice title=fleetpin audit::{}", line.join(", "))?;
        }
        Format::Text => {
            for p in &parts {
                let head = format!("== {} ==", p.name);
                if color {
                    writeln!(out, "\x1b[1m{head}\x1b[0m")?;
                } else {
                    writeln!(out, "{head}")?;
                }
                match &p.skipped {
                    Some(why) => writeln!(out, "skipped: {}", Printer::text(why))?,
                    None => {
                        writeln!(out, "$ {}", Printer::text(&p.command))?;
                        out.write_all(p.stdout.as_bytes())?;
                        if !p.stdout.ends_with('\n') && !p.stdout.is_empty() {
                            writeln!(out)?;
                        }
                        // Lint prints its count line on stderr: it is part of the section.
                        for l in p.stderr.lines().filter(|l| l.starts_with("Found ")) {
                            writeln!(out, "{l}")?;
                        }
                    }
                }
                writeln!(out)?;
            }
            for p in &parts {
                writeln!(
                    out,
                    "{:<6} {:<9} {}",
                    p.name,
                    verdict(p),
                    Printer::text(&headline(p))
                )?;
            }
            let line: Vec<String> = parts
                .iter()
                .map(|p| format!("{} {}", p.name, verdict(p)))
                .collect();
            writeln!(
                out,
                "Audit: {} (exit {}).",
                line.join(", "),
                match status {
                    ExitStatus::Success => 0,
                    ExitStatus::Failure => 1,
                    ExitStatus::Error => 2,
                }
            )?;
        }
    }
    Ok(status)
}

/// The part's own one-line summary, for the audit summary: lint's count line (stderr), drift's
/// first line, plan's `Plan:` line.
fn headline(p: &Part) -> String {
    if let Some(why) = &p.skipped {
        return why.clone();
    }
    let strip = |l: &str| -> String {
        // Colour codes of the part's own output are not repeated here.
        let mut out = String::new();
        let mut esc = false;
        for c in l.chars() {
            match (esc, c) {
                (false, '\x1b') => esc = true,
                (true, 'm') => esc = false,
                (true, _) => {}
                (false, c) => out.push(c),
            }
        }
        out.trim().to_string()
    };
    let line = match p.name {
        "lint" => p.stderr.lines().find(|l| l.starts_with("Found ")),
        "plan" => p.stdout.lines().rev().find(|l| !l.trim().is_empty()),
        _ => p.stdout.lines().find(|l| !l.trim().is_empty()),
    };
    match line {
        Some(l) => strip(l),
        None if p.code >= 2 => p
            .stderr
            .lines()
            .find(|l| l.starts_with("error"))
            .map_or_else(|| "failed".to_string(), strip),
        None => "nothing to report".to_string(),
    }
}

/// `%`, CR and LF escaped as GitHub's workflow commands want.
fn gh(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// One `::warning` per difference of drift's JSON document.
fn write_drift_github(out: &mut impl Write, json: &str) -> anyhow::Result<()> {
    let Ok(doc) = serde_json::from_str::<Value>(json) else {
        return Ok(());
    };
    for d in doc["differences"].as_array().into_iter().flatten() {
        let text = |k: &str| d[k].as_str().unwrap_or("(not installed)").to_string();
        writeln!(
            out,
            "::warning title=drift::{}: {} {} ({}; locked {})",
            gh(&text("host")),
            gh(&text("package")),
            gh(&text("actual")),
            gh(&text("direction")),
            gh(&text("locked")),
        )?;
    }
    Ok(())
}
