//! Developer tools for the fleetpin repository.
//!
//! ```text
//! cargo run -p fleetpin-dev -- generate-docs          # write docs/rules/
//! cargo run -p fleetpin-dev -- generate-docs --check  # CI: fail if docs/rules/ is stale
//! cargo run -p fleetpin-dev -- lint-hazards           # every problem of every hazards/ entry
//! ```
#![allow(clippy::print_stdout, clippy::print_stderr)] // a command-line tool

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

mod generate_docs;

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
    /// Check every entry of the hazards database (`hazards/<package>/<id>.md`) and list all
    /// problems as `file:line: message`; exit 1 if there is any.
    LintHazards {
        /// The database directory (default: `hazards/` of this workspace).
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
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
        Command::LintHazards { dir } => {
            let dir = dir.unwrap_or_else(|| workspace_root().join("hazards"));
            let (db, problems) = fleetpin_guard::Database::load_dir(&dir)?;
            for entry in &problems {
                for p in &entry.problems {
                    eprintln!(
                        "{}:{}: {}",
                        dir.join(&entry.path).display(),
                        p.line,
                        p.message
                    );
                }
            }
            println!(
                "{}: {} entries valid, {} with problems",
                dir.display(),
                db.hazards().len(),
                problems.len()
            );
            Ok(if problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
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
