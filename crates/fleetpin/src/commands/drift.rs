//! `fleetpin drift` (skeleton: replaced by its owner).

use crate::printer::Printer;
use crate::ExitStatus;

#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args, _printer: &Printer) -> anyhow::Result<ExitStatus> {
    anyhow::bail!("`fleetpin drift` is not implemented yet")
}
