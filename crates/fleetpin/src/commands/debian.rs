//! `fleetpin debian ...`: dpkg-exact version comparison and apt's candidate policy.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use fleetpin_debian::policy::{Cache, Options, PackagePolicy};
use fleetpin_debian::{CompareOp, Version};

use crate::ExitStatus;
use crate::printer::Printer;

/// Version of the `fleetpin debian policy --format json` document.
pub const POLICY_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Compare two Debian versions exactly as dpkg does.
    ///
    /// `compare A B` prints `<`, `=` or `>`. `compare A OP B` answers with the exit status
    /// like `dpkg --compare-versions`: 0 true, 1 false, 2 bad version or operator. OP is one
    /// of lt le eq ne ge gt, lt-nl le-nl ge-nl gt-nl (an empty version counts as later), or
    /// << <= = >= >> (and the obsolete < and >, meaning <= and >=).
    Compare {
        /// `A B`, or `A OP B`.
        #[arg(num_args = 2..=3, allow_hyphen_values = true, value_name = "A [OP] B")]
        args: Vec<String>,
    },
    /// Show installed and candidate versions and the priority of every available version,
    /// computed like `apt-cache policy` from a root's apt lists, dpkg status and preferences.
    Policy(PolicyArgs),
}

#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// Packages to show (`name` or `name:arch`). Without any, list the indexes and their
    /// priorities.
    pub packages: Vec<String>,
    /// The system root holding var/lib/apt/lists, var/lib/dpkg/status and etc/apt.
    #[arg(long, default_value = "/")]
    pub root: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Target release (`-t`, APT::Default-Release): its versions get priority 990.
    #[arg(short = 't', long, value_name = "RELEASE")]
    pub target_release: Option<String>,
    /// Native architecture (default: that of the `dpkg` package in the root's status file).
    #[arg(long)]
    pub arch: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Like `apt-cache policy`.
    Text,
    /// A stable JSON document (see crates/fleetpin-debian/POLICY_JSON.md).
    Json,
}

pub fn run(cmd: Command, printer: &Printer) -> anyhow::Result<ExitStatus> {
    match cmd {
        Command::Compare { args } => compare(&args, printer),
        Command::Policy(args) => policy(args, printer),
    }
}

fn compare(args: &[String], printer: &Printer) -> anyhow::Result<ExitStatus> {
    match args {
        [a, b] => {
            let parse =
                |s: &str| Version::parse(s).with_context(|| format!("invalid version `{s}`"));
            let (va, vb) = match (parse(a), parse(b)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => {
                    printer.error(&e);
                    return Ok(ExitStatus::Error);
                }
            };
            let sign = match va.cmp(&vb) {
                std::cmp::Ordering::Less => "<",
                std::cmp::Ordering::Equal => "=",
                std::cmp::Ordering::Greater => ">",
            };
            writeln!(printer.stdout(), "{sign}")?;
            Ok(ExitStatus::Success)
        }
        [a, op, b] => {
            let op = match CompareOp::parse(op) {
                Ok(op) => op,
                Err(e) => {
                    printer.error(&anyhow::Error::new(e));
                    return Ok(ExitStatus::Error);
                }
            };
            if op.is_obsolete() {
                printer.warn(format_args!(
                    "operator is obsolete: it means {}, use that instead",
                    if args[1] == "<" { "<=" } else { ">=" }
                ));
            }
            for v in [a, b] {
                if let Ok(parsed) = Version::parse(v)
                    && let Some(w) = parsed.warning()
                {
                    printer.warn(format_args!("version '{v}' has bad syntax: {w}"));
                }
            }
            match op.eval(a, b) {
                Ok(true) => Ok(ExitStatus::Success),
                Ok(false) => Ok(ExitStatus::Failure),
                Err(e) => {
                    printer.error(&anyhow::Error::new(e));
                    Ok(ExitStatus::Error)
                }
            }
        }
        _ => anyhow::bail!("`compare` takes `A B` or `A OP B`"),
    }
}

#[derive(serde::Serialize)]
struct Schema {
    version: u32,
}

#[derive(serde::Serialize)]
struct IndexJson<'a> {
    priority: i32,
    index: &'a str,
    release: String,
    origin: Option<&'a str>,
    path: String,
}

#[derive(serde::Serialize)]
struct PolicyJson<'a> {
    schema: Schema,
    root: String,
    native_architecture: &'a str,
    target_release: Option<&'a str>,
    indexes: Vec<IndexJson<'a>>,
    packages: Vec<PackagePolicy>,
    missing: Vec<String>,
}

fn policy(args: PolicyArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let mut opts = Options::for_root(&args.root);
    if let Some(a) = args.arch {
        opts.native_arch = a;
    }
    opts.target_release = args.target_release.clone();
    let cache = Cache::load_root(&args.root, opts)
        .with_context(|| format!("cannot compute apt policy for root {}", args.root.display()))?;
    for w in &cache.warnings {
        printer.warn(w);
    }
    for p in &cache.problems {
        printer.warn(p);
    }
    let mut reports = Vec::new();
    let mut missing = Vec::new();
    for name in &args.packages {
        match cache.package(name) {
            Some(p) => reports.push(cache.report(p)),
            None => {
                printer.warn(format_args!("unable to locate package {name}"));
                missing.push(name.clone());
            }
        }
    }
    let mut out = printer.stdout();
    match args.format {
        Format::Json => {
            let doc = PolicyJson {
                schema: Schema {
                    version: POLICY_SCHEMA_VERSION,
                },
                root: args.root.display().to_string(),
                native_architecture: &cache.options().native_arch,
                target_release: args.target_release.as_deref(),
                indexes: cache
                    .files
                    .iter()
                    .map(|f| IndexJson {
                        priority: f.priority,
                        index: &f.describe,
                        release: f.release_line(),
                        origin: f.site.as_deref(),
                        path: f.path.display().to_string(),
                    })
                    .collect(),
                packages: reports,
                missing: missing.clone(),
            };
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Text => {
            if args.packages.is_empty() {
                writeln!(out, "Package files:")?;
                for f in &cache.files {
                    writeln!(out, " {:>3} {}", f.priority, f.describe)?;
                    writeln!(out, "     release {}", f.release_line())?;
                    if let Some(site) = f.site.as_deref().filter(|s| !s.is_empty()) {
                        writeln!(out, "     origin {site}")?;
                    }
                }
            }
            for r in &reports {
                let none = "(none)".to_string();
                writeln!(out, "{}:", r.name)?;
                writeln!(
                    out,
                    "  Installed: {}",
                    r.installed
                        .as_ref()
                        .map_or(none.clone(), Version::to_string)
                )?;
                writeln!(
                    out,
                    "  Candidate: {}",
                    r.candidate.as_ref().map_or(none, Version::to_string)
                )?;
                if r.held {
                    writeln!(out, "  Selection: hold")?;
                }
                writeln!(out, "  Version table:")?;
                for v in &r.versions {
                    let mark = if v.installed { " ***" } else { "    " };
                    writeln!(out, "{mark} {} {}", v.version, v.priority)?;
                    for s in &v.sources {
                        writeln!(out, "        {:>3} {}", s.priority, s.index)?;
                    }
                }
            }
        }
    }
    Ok(if missing.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}
