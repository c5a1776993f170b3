//! Developer tools for the fleetpin repository.
//!
//! ```text
//! cargo run -p fleetpin-dev -- generate-docs          # write docs/rules/
//! cargo run -p fleetpin-dev -- generate-docs --check  # CI: fail if docs/rules/ is stale
//! cargo run -p fleetpin-dev -- lint-data              # hazards/, causes/ and their cross-references
//! cargo run -p fleetpin-dev -- lint-tests             # oracles and root decided by fleetpin-testkit only
//! cargo run -p fleetpin-dev -- check-snapshots --references FILE  # CI, after the tests
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

mod check_snapshots;
mod generate_docs;
mod lint_data;
mod lint_tests;

/// Developer tools for the fleetpin repository.
#[derive(Debug, Parser)]
#[command(name = "fleetpin-dev")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write `docs/rules/<name>.md` for every lint rule and the `docs/rules/README.md` index,
    /// from the rules' doc comments.
    GenerateDocs(GenerateDocsArgs),
    /// Check both knowledge databases, the hazards (`hazards/<package>/<id>.md`) and the
    /// root causes (`causes/<id>.toml`), and the hazard ids the causes reference; list every
    /// problem as `file:line: message` and exit 1 if there is any.
    LintData {
        /// Repository root holding `hazards/` and `causes/` (default: the workspace this tool
        /// was built from, whose directories must also be the built-in ones).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
    /// Fail if a source file under `src/`, `tests/` or `crates/` decides on its own whether an oracle is required
    /// (reads `FLEETPIN_REQUIRE_ORACLES` or `CI`) or checks the uid: that is
    /// `fleetpin-testkit`'s job, so no test can pass in CI without checking anything.
    LintTests,
    /// After a test run with `INSTA_SNAPSHOT_REFERENCES_FILE=FILE`: fail if a `.snap` file
    /// under `src/`, `tests/` or `crates/` was not asserted by any test, or a `.snap.new` / `.pending-snap` is
    /// left.
    CheckSnapshots {
        /// The file insta wrote the referenced snapshots to.
        #[arg(long, value_name = "FILE")]
        references: PathBuf,
        /// Repository root (default: the workspace this tool was built from).
        #[arg(long, value_name = "DIR")]
        root: Option<PathBuf>,
    },
}

#[derive(Debug, clap::Args)]
struct GenerateDocsArgs {
    /// Do not write: exit 1 and list the files that are missing, stale or orphaned.
    #[arg(long)]
    check: bool,
    /// Repository root (default: the workspace this tool was built from).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
}

fn workspace_root() -> PathBuf {
    // crates/fleetpin-dev -> the workspace root.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::LintData { root } => {
            let check_builtin = root.is_none();
            let root = root.unwrap_or_else(workspace_root);
            let report = lint_data::lint(&root, check_builtin)?;
            for p in &report.problems {
                eprintln!("{p}");
            }
            println!(
                "{}: {} hazards, {} causes, {} hazard references; {} problems",
                root.display(),
                report.hazards,
                report.causes,
                report.references,
                report.problems.len()
            );
            Ok(if report.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::LintTests => {
            let root = workspace_root();
            let findings = lint_tests::lint(&root)?;
            for f in &findings {
                eprintln!("{}:{}: {}", f.path.display(), f.line, f.message);
            }
            println!("{} own decisions about oracles or root", findings.len());
            Ok(if findings.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::CheckSnapshots { references, root } => {
            let root = root.unwrap_or_else(workspace_root);
            let report = check_snapshots::check(&root, &references)?;
            for p in &report.unreferenced {
                eprintln!(
                    "{}: unreferenced snapshot (no test asserts it)",
                    p.display()
                );
            }
            for p in &report.pending {
                eprintln!("{}: pending snapshot left behind", p.display());
            }
            if report.is_clean() {
                println!("{} snapshots, all referenced", report.snapshots);
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!(
                    "\nhint: delete snapshots of removed or renamed tests; review pending ones \
                     (`cargo insta review`) or delete them"
                );
                Ok(ExitCode::from(1))
            }
        }
        Command::GenerateDocs(args) => {
            let root = args.root.unwrap_or_else(workspace_root);
            let dir = root.join("docs").join("rules");
            let files = generate_docs::generate(fleetpin_lint::registry::all());
            if args.check {
                let problems = generate_docs::check(&dir, &files)?;
                if problems.is_empty() {
                    println!("{}: up to date ({} files)", dir.display(), files.len());
                    Ok(ExitCode::SUCCESS)
                } else {
                    eprintln!("{} is out of date:", dir.display());
                    for p in &problems {
                        eprintln!("  {p}");
                    }
                    eprintln!(
                        "\nhint: run `cargo run -p fleetpin-dev -- generate-docs` and commit the result"
                    );
                    Ok(ExitCode::from(1))
                }
            } else {
                let changed = generate_docs::write(&dir, &files)?;
                println!(
                    "{}: {} files, {} changed",
                    dir.display(),
                    files.len(),
                    changed
                );
                Ok(ExitCode::SUCCESS)
            }
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}
