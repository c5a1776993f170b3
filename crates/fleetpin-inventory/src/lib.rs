//! Ansible inventory parsing (INI and YAML) and host patterns.
//!
//! The model follows Ansible's own (`ansible.inventory.data`): every host belongs to the
//! implicit group `all`; hosts that belong to no other group are also in `ungrouped`; groups
//! have hosts, child groups and variables. Host names may carry ranges
//! (`web[01:20].example.com`, `db-[a:c]`, `n[0:10:2]`) and a port (`host:2222`), expanded
//! exactly as Ansible does.
//!
//! ```
//! use fleetpin_inventory::{Inventory, Pattern};
//!
//! let inv = Inventory::parse_ini(
//!     "[web]\nweb[1:2].example.com\n\n[db]\ndb1 ansible_port=2222\n\n[prod:children]\nweb\ndb\n",
//!     "hosts",
//! )
//! .unwrap();
//! let pattern = Pattern::parse("prod:!db").unwrap();
//! let names: Vec<&str> = inv.select(&pattern).iter().map(|h| h.name()).collect();
//! assert_eq!(names, ["web1.example.com", "web2.example.com"]);
//! assert_eq!(inv.connection("db1").unwrap().port, Some(2222));
//! ```
//!
//! Errors name the file and line (`hosts:7: ...`), see [`Error`]. YAML is read with
//! `fleetpin-yaml` (alias budget and depth limit: a "billion laughs" file is an error, not an
//! abort); duplicate keys are [`Warning`]s and the last value wins, as in Ansible. An
//! `ansible_port` (or `ansible_ssh_port`) that is not a port number (`99999`, `-1`, `2222x`,
//! `22 -oX=y`) is an error naming its line: Ansible loads it but cannot connect with it.
//! [`Inventory::parse_with_sites`] also gives where each variable is written ([`VarSite`]).

mod ini;
mod model;
mod pattern;
mod range;
mod sites;
mod yaml;

pub use model::{Connection, Format, Group, Host, Inventory, Origin, Vars};
pub use pattern::{Pattern, Selection};
pub use range::{expand_host_range, split_host_port};
pub use sites::{Target, VarSite, Warning};
pub use yaml::parse_vars;

use std::path::PathBuf;

/// Everything that can go wrong while loading an inventory or parsing a host pattern.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A syntax or semantic error at a known place in an inventory file.
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        /// The inventory file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// An inventory file or directory could not be read.
    #[error("cannot read {}: {error}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error (part of the message, not a separate cause).
        error: std::io::Error,
    },
    /// A host pattern (`--limit`) is malformed.
    #[error("invalid host pattern `{pattern}`: {message}")]
    Pattern {
        /// The offending pattern term.
        pattern: String,
        /// What is wrong.
        message: String,
    },
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
