//! The `fleetpin` binary: argument parsing, output and exit codes over the library crates.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod commands;
mod fleet_args;
mod printer;
mod version;

use printer::{ColorChoice, Printer};

/// fleetpin keeps server fleets from breaking on versions nobody chose.
///
/// It finds floating versions in infrastructure code, records what every host really runs,
/// reports drift, and guards upgrades.
#[derive(Debug, Parser)]
#[command(name = "fleetpin", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,

    /// When to use colours: auto, always, never. `NO_COLOR` is honoured.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,

    /// Print less: only data, no progress or summaries.
    #[arg(short, long, global = true)]
    quiet: bool,

    /// Print more about what fleetpin is doing (to stderr).
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    verbose: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Find floating versions in Ansible, Dockerfile, Compose/stack, Galaxy and workflow files.
    Lint(commands::lint::Args),
    /// Print the documentation of a lint rule (by code or name), or list all rules.
    Rule(commands::rule::Args),
    /// Debian package tools: dpkg version comparison and apt candidate policy.
    #[command(subcommand)]
    Debian(commands::debian::Command),
    /// Gather installed packages and host facts from a fleet over SSH or from Ansible output.
    Gather(commands::gather::Args),
    /// Write fleetpin.lock from gathered facts, or check that it is up to date.
    Lock(commands::lock::Args),
    /// Compare each host's facts with fleetpin.lock and with its group.
    Drift(commands::drift::Args),
    /// List or show the known-breaking upgrades, or check hosts against them (`hazard check`).
    Hazard(commands::hazard::Args),
    /// Log tools: `fleetpin logs templates` prints the event templates of any log.
    #[command(subcommand)]
    Logs(commands::logs::Command),
    /// Find the real error in journals of one host or the fleet: known causes first.
    Diagnose(commands::diagnose::Args),
    /// What the next run of the playbooks would change on every host, and whether it is known to break.
    Plan(commands::plan::Args),
    /// Lint, drift and plan of a project in one report, with one exit code.
    Audit(commands::audit::Args),
    /// Pin floating versions: locked package versions, image digests, action commit SHAs.
    Pin(commands::pin::Args),
    /// Set up a repository: a commented fleetpin.toml, the pre-commit hooks and a GitHub workflow.
    Init(commands::init::Args),
    /// Print a shell completion script: `fleetpin completions bash > /etc/bash_completion.d/fleetpin`
    /// (zsh: into a directory of `$fpath` as `_fleetpin`; fish: `~/.config/fish/completions/fleetpin.fish`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write one man page per command into a directory (for packaging).
    #[command(hide = true)]
    GenerateMan(commands::man::Args),
}

/// Exit status of every command: 0 clean, 1 findings, 2 usage or internal error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ExitStatus {
    /// Nothing found.
    Success,
    /// Findings (lint findings, drift, a failed comparison).
    Failure,
    /// Usage error, unreadable input, internal error.
    Error,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        match status {
            ExitStatus::Success => ExitCode::from(0),
            ExitStatus::Failure => ExitCode::from(1),
            ExitStatus::Error => ExitCode::from(2),
        }
    }
}

fn main() -> ExitCode {
    // `--version` also names the knowledge databases built in (`-V` stays one line).
    let long_version: &'static str = Box::leak(version::long_version().into_boxed_str());
    let parsed = <Cli as clap::CommandFactory>::command()
        .long_version(long_version)
        .try_get_matches()
        .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) => {
            // clap prints help/version to stdout (exit 0) and usage errors to stderr (exit 2).
            let code = if err.use_stderr() { 2 } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let printer = Printer::new(cli.color, cli.quiet, cli.verbose);
    let result = match cli.command {
        Command::Lint(args) => commands::lint::run(args, &printer),
        Command::Rule(args) => commands::rule::run(args, &printer),
        Command::Debian(cmd) => commands::debian::run(cmd, &printer),
        Command::Gather(args) => commands::gather::run(args, &printer),
        Command::Lock(args) => commands::lock::run(args, &printer),
        Command::Drift(args) => commands::drift::run(args, &printer),
        Command::Hazard(args) => commands::hazard::run(args, &printer),
        Command::Logs(cmd) => commands::logs::run(cmd, &printer),
        Command::Diagnose(args) => commands::diagnose::run(args, &printer),
        Command::Plan(args) => commands::plan::run(args, &printer),
        Command::Audit(args) => commands::audit::run(args, &printer),
        Command::Pin(args) => commands::pin::run(args, &printer),
        Command::Init(args) => commands::init::run(args, &printer),
        Command::GenerateMan(args) => commands::man::run(args, &printer),
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            // Rendered into memory first: clap_complete panics on a write error (a closed pipe).
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut cmd, "fleetpin", &mut script);
            std::io::Write::write_all(&mut printer.stdout(), &script)
                .map(|()| ExitStatus::Success)
                .map_err(anyhow::Error::from)
        }
    };
    match result {
        Ok(status) => status.into(),
        Err(err) => {
            printer.error(&err);
            ExitStatus::Error.into()
        }
    }
}
