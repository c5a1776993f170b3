//! `fleetpin generate-man DIR` (hidden): one roff man page per command and subcommand
//! (`fleetpin.1`, `fleetpin-lint.1`, `fleetpin-debian-compare.1`, ...) with clap_mangen, from
//! the same clap definitions that parse the command line. Used to build the Debian package
//! (`packaging/build-deb`); not a user command.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::ExitStatus;
use crate::printer::Printer;

/// Arguments of `fleetpin generate-man`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to write the pages into (created if missing; existing pages are replaced).
    pub dir: PathBuf,
}

/// Writes the pages of `cmd` and its subcommands into `dir`, named after the command path.
/// `bin` is the command line that runs it (`fleetpin debian compare`).
fn write_pages(
    cmd: &clap::Command,
    name: &str,
    bin: &str,
    dir: &Path,
    written: &mut Vec<PathBuf>,
) -> Result<()> {
    // clap_mangen names the page after the command: give it the full path. `Command::name`
    // takes a `&'static str` (without clap's `string` feature); this one-shot command leaks a
    // few dozen short names.
    let static_name: &'static str = Box::leak(name.to_string().into_boxed_str());
    let page_cmd = cmd.clone().name(static_name).bin_name(bin);
    let mut roff = Vec::new();
    clap_mangen::Man::new(page_cmd)
        .title(name.to_uppercase())
        .render(&mut roff)
        .with_context(|| format!("rendering the man page of `{name}`"))?;
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, roff).with_context(|| format!("cannot write {}", path.display()))?;
    written.push(path);
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        let sub_name = sub.get_name();
        write_pages(
            sub,
            &format!("{name}-{sub_name}"),
            &format!("{bin} {sub_name}"),
            dir,
            written,
        )?;
    }
    Ok(())
}

/// Runs `fleetpin generate-man`.
pub fn run(args: Args, printer: &Printer) -> Result<ExitStatus> {
    std::fs::create_dir_all(&args.dir)
        .with_context(|| format!("cannot create {}", args.dir.display()))?;
    let mut cmd = <crate::Cli as clap::CommandFactory>::command();
    cmd.build();
    let mut written = Vec::new();
    write_pages(&cmd, "fleetpin", "fleetpin", &args.dir, &mut written)?;
    printer.status(format_args!(
        "wrote {} man pages into {}",
        written.len(),
        args.dir.display()
    ));
    Ok(ExitStatus::Success)
}
