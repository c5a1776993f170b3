//! The fleet arguments `gather`, `lock` and `drift` share (facts directory, inventory,
//! `--limit`), flattened into each command's clap `Args`, and the inventory/limit loading
//! over `fleetpin_fleet::load`; and the SSH options of the commands that reach hosts
//! (`gather`, `diagnose --ssh`, `plan --ssh`). Commands never import each other.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use fleetpin_fleet::FactsStore;
use fleetpin_fleet::gather::SshConfig;
use fleetpin_fleet::load::{self, Loaded, Request, Source};
use fleetpin_inventory::{Inventory, Pattern};

use crate::printer::Printer;

/// Where the fleet's facts live and which hosts to work on.
#[derive(Debug, Clone, clap::Args)]
pub struct FleetArgs {
    /// Facts directory: one JSON file per host, written by `fleetpin gather` (with a
    /// `HOST.gather-failed` record for a host whose last gather failed).
    #[arg(long, default_value = ".fleetpin/facts", value_name = "DIR")]
    pub facts_dir: PathBuf,

    /// Ansible inventory (INI, YAML, or a directory of them). Repeatable. Gives the hosts to
    /// gather, the groups of hosts read from an Ansible tree, and the inventory hosts that
    /// have no facts (reported, never dropped silently).
    #[arg(short, long, value_name = "FILE")]
    pub inventory: Vec<PathBuf>,

    /// Only hosts matching this Ansible pattern (`web*:&prod:!web3`, `~regex`, `@file`),
    /// evaluated against `--inventory`, else against the hosts and groups recorded in the
    /// facts.
    #[arg(short, long, value_name = "PATTERN")]
    pub limit: Option<String>,
}

impl FleetArgs {
    /// The inventory of `--inventory`, or `None` when none is given. What Ansible only warns
    /// about (a duplicate key: the last wins) is a warning here too.
    pub fn inventory(&self, printer: &Printer) -> anyhow::Result<Option<Inventory>> {
        if self.inventory.is_empty() {
            return Ok(None);
        }
        let inv = Inventory::load_all(&self.inventory).context("cannot load the inventory")?;
        for w in inv.warnings() {
            printer.warn(w);
        }
        Ok(Some(inv))
    }

    /// The `--limit` pattern (`@FILE` relative to the current directory).
    pub fn limit(&self) -> anyhow::Result<Option<Pattern>> {
        self.limit
            .as_deref()
            .map(|l| {
                Pattern::parse_limit(l, Path::new("."))
                    .with_context(|| format!("invalid --limit `{l}`"))
            })
            .transpose()
    }

    /// The facts store of `--facts-dir`.
    pub fn store(&self) -> FactsStore {
        FactsStore::new(&self.facts_dir)
    }

    /// Loads the fleet from the facts directory, or from `ansible_tree` when given.
    pub fn load(&self, ansible_tree: Option<&Path>, printer: &Printer) -> anyhow::Result<Loaded> {
        let inventory = self.inventory(printer)?;
        let limit = self.limit()?;
        let store = self.store();
        let source = match ansible_tree {
            Some(dir) => Source::AnsibleTree(dir),
            None => Source::Facts(&store),
        };
        let loaded = load::load(&Request {
            source,
            inventory: inventory.as_ref(),
            limit: limit.as_ref(),
        });
        match (loaded, ansible_tree) {
            (Ok(l), _) => Ok(l),
            (Err(e @ fleetpin_fleet::Error::Limit { .. }), _) => Err(anyhow::anyhow!(
                "{e}: `{}`",
                self.limit.as_deref().unwrap_or_default()
            )),
            (Err(e), Some(tree)) => Err(anyhow::Error::new(e).context(format!(
                "cannot read the Ansible package_facts tree {}",
                tree.display()
            ))),
            (Err(e), None) => Err(anyhow::Error::new(e).context(format!(
                "cannot read facts directory {} (run `fleetpin gather` first)",
                self.facts_dir.display()
            ))),
        }
    }

    /// The error when the fleet read from the facts directory (or from `ansible_tree`) has no
    /// host: a setup error, not an empty result.
    pub fn no_facts(&self, ansible_tree: Option<&Path>) -> anyhow::Error {
        anyhow::anyhow!(
            "no host facts in {} (run `fleetpin gather` first)",
            ansible_tree.unwrap_or(&self.facts_dir).display()
        )
    }

    /// The error when no host is left to compare: `--limit` matched none with facts, or there
    /// are no facts at all ([`FleetArgs::no_facts`]).
    pub fn no_hosts(&self, loaded: &Loaded, ansible_tree: Option<&Path>) -> anyhow::Error {
        match &loaded.selected {
            Some(_) => anyhow::anyhow!(
                "--limit `{}` matches no host with facts",
                self.limit.as_deref().unwrap_or_default()
            ),
            None => self.no_facts(ansible_tree),
        }
    }
}

/// How hosts are reached over SSH, with `gather`'s machinery (the system `ssh` client, so
/// ssh_config, agents and ProxyJump apply).
///
/// `--timeout` defaults to 120 s; a command that needs longer sets its own default on its
/// `Args` with `#[command(mut_arg("timeout", |a| a.default_value("300")))]` (`diagnose`:
/// a whole journal takes longer than facts), so `--help` shows the real default. (A const
/// generic `SshArgs<300>` with `default_value_t = TIMEOUT` compiles but is wrong: clap's
/// derive caches the rendered default in a `static` shared by every instantiation, and the
/// first command built wins; the test below caught it.)
#[derive(Debug, Clone, clap::Args)]
#[command(next_help_heading = "SSH options")]
pub struct SshArgs {
    /// Hosts reached in parallel.
    #[arg(short, long, default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub forks: u16,

    /// Seconds allowed per host, connection included; ssh is stopped past it.
    #[arg(long, default_value_t = 120, value_name = "SECS")]
    pub timeout: u64,

    /// ssh ConnectTimeout, in seconds.
    #[arg(long, default_value_t = 10, value_name = "SECS")]
    pub connect_timeout: u64,

    /// ssh_config file to use instead of ~/.ssh/config (`ssh -F`).
    #[arg(long, value_name = "FILE")]
    pub ssh_config: Option<PathBuf>,

    /// Extra ssh option (`ssh -o KEY=VALUE`). Repeatable.
    #[arg(short = 'o', long = "ssh-option", value_name = "KEY=VALUE")]
    pub ssh_options: Vec<String>,

    /// The ssh client binary.
    #[arg(long, default_value = "ssh", value_name = "PATH")]
    pub ssh_program: PathBuf,
}

impl SshArgs {
    /// The SSH machinery's configuration.
    pub fn config(&self) -> SshConfig {
        SshConfig {
            program: self.ssh_program.clone(),
            config_file: self.ssh_config.clone(),
            options: self.ssh_options.clone(),
            connect_timeout: Duration::from_secs(self.connect_timeout),
            timeout: Duration::from_secs(self.timeout),
            forks: usize::from(self.forks),
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Gather {
        #[command(flatten)]
        ssh: SshArgs,
    }

    /// A command with its own timeout default, set as `diagnose` sets it.
    #[derive(Parser)]
    #[command(mut_arg("timeout", |a| a.default_value("300")))]
    struct Diagnose {
        #[command(flatten)]
        ssh: SshArgs,
    }

    #[test]
    fn each_command_keeps_its_timeout_default() {
        let g = Gather::parse_from(["gather"]).ssh.config();
        assert_eq!(g.timeout, Duration::from_secs(120));
        assert_eq!(g.connect_timeout, Duration::from_secs(10));
        assert_eq!(g.forks, 5);
        assert_eq!(g.program, PathBuf::from("ssh"));
        let d = Diagnose::parse_from(["diagnose"]).ssh.config();
        assert_eq!(d.timeout, Duration::from_secs(300));
        let d = Diagnose::parse_from([
            "diagnose",
            "-f",
            "7",
            "--timeout",
            "9",
            "-o",
            "Port=2222",
            "-o",
            "User=ops",
            "--ssh-config",
            "cfg",
            "--ssh-program",
            "/bin/ssh",
        ])
        .ssh
        .config();
        assert_eq!(
            (d.forks, d.timeout, d.options, d.config_file, d.program),
            (
                7,
                Duration::from_secs(9),
                vec!["Port=2222".to_owned(), "User=ops".to_owned()],
                Some(PathBuf::from("cfg")),
                PathBuf::from("/bin/ssh")
            )
        );
        assert!(Diagnose::try_parse_from(["diagnose", "--forks", "0"]).is_err());
    }
}
