//! `fleetpin rule`: print a lint rule's documentation, or list every rule.

use std::io::Write;

use anyhow::bail;
use fleetpin_lint::registry;

use crate::ExitStatus;
use crate::printer::Printer;

/// Print the documentation of a lint rule (Markdown), or without a rule list every rule.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Rule code (`ANS001`) or name (`package-state-latest`). Without it, every rule is
    /// listed: code, name, default severity and summary.
    #[arg(conflicts_with = "all")]
    rule: Option<String>,

    /// List every rule (the same as no argument).
    #[arg(long)]
    all: bool,
}

/// Runs `fleetpin rule`.
pub fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let mut out = printer.stdout();
    if args.all || args.rule.is_none() {
        for m in registry::all() {
            let opt = if m.opt_in { " (opt-in)" } else { "" };
            writeln!(
                out,
                "{:<7} {:<36} {:<8} {}{opt}",
                m.code,
                m.name,
                m.default_severity.as_str(),
                m.summary
            )?;
        }
        return Ok(ExitStatus::Success);
    }
    let wanted = args.rule.unwrap_or_default();
    match registry::find(&wanted) {
        Some(meta) => {
            write!(out, "{}", registry::markdown(meta))?;
            Ok(ExitStatus::Success)
        }
        None => bail!("unknown rule `{wanted}`\n\nhint: `fleetpin rule` lists every rule"),
    }
}
