//! The fleet arguments `gather`, `lock` and `drift` share (facts directory, inventory,
//! `--limit`), flattened into each command's clap `Args`, and the inventory/limit loading
//! over `fleetpin_fleet::load`. Commands never import each other.

use std::path::{Path, PathBuf};

use anyhow::Context;
use fleetpin_fleet::FactsStore;
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
}
