//! `fleetpin debian ...` (skeleton: replaced by its owner).

use crate::printer::Printer;
use crate::ExitStatus;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Compare two Debian versions.
    Compare {
        /// `A B`, or `A OP B`.
        #[arg(num_args = 2..=3)]
        args: Vec<String>,
    },
}

pub fn run(_cmd: Command, _printer: &Printer) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`fleetpin debian` is not implemented yet")
}
