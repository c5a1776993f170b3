//! Host facts, gathering over SSH, `fleetpin.lock` and drift.
//!
//! - [`facts`]: the per-host facts model ([`HostFacts`]) and its atomic JSON store.
//! - [`gather`]: collecting facts over the system OpenSSH client with bounded parallelism.
//! - [`ansible`]: reading `ansible -m package_facts --tree DIR` output.
//! - [`import`]: package lists from dpkg status files (read by fleetpin-debian),
//!   `dpkg-query -W` and `rpm -qa` output.
//! - [`fleet`]: an interned, compact view of many hosts' facts for lock and drift.
//! - [`load`]: the fleet `lock` and `drift` work on (facts or Ansible tree, inventory,
//!   `--limit`) and every host missing from it.
//! - [`lock`]: the `fleetpin.lock` format and its generation with an explicit conflict policy.
//! - [`drift`]: comparing hosts with the lock.
//! - [`export`]: the lock as apt preferences, dpkg selections and Ansible vars/tasks.
//! - [`simulate`]: what apt would do on each host, from `apt-get -s` over SSH or from an
//!   Ansible `--check --diff` run's JSON.

pub mod ansible;
mod ansible_scan;
pub mod drift;
pub mod export;
pub mod facts;
pub mod fleet;
pub mod gather;
pub mod import;
pub mod load;
pub mod lock;
pub mod simulate;

pub use facts::{
    FactsSource, FactsStore, GatherFailure, HostFacts, OsRelease, Package, PackageManager,
};

use std::path::PathBuf;

/// Errors of this crate; each names the file (and line, where there is one).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {error}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error (part of the message, not a separate cause).
        error: std::io::Error,
    },
    /// A JSON document is malformed or has the wrong shape.
    #[error("{}:{line}: not a valid facts document: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A text input (status file, dpkg-query or rpm output, remote output) is malformed.
    #[error("{}:{line}: {message}", path.display())]
    Parse {
        /// The file (or `host:ssh-output`).
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A file was written by a newer fleetpin.
    #[error(
        "{}: {what} format version {found} was written by a newer fleetpin (this one reads version {supported}); upgrade fleetpin",
        path.display()
    )]
    NewerFormat {
        /// The file.
        path: PathBuf,
        /// `facts` or `lock`.
        what: &'static str,
        /// The version in the file.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
    /// Two sources describe the same host.
    #[error("host `{host}` appears twice: in {} and in {}", first.display(), second.display())]
    DuplicateHost {
        /// The host name.
        host: String,
        /// The first source.
        first: PathBuf,
        /// The second source.
        second: PathBuf,
    },
    /// Ansible reported the host as failed or unreachable in its `--tree` output.
    #[error("{}: ansible reported host `{host}` {state}: {message}", path.display())]
    AnsibleHost {
        /// The tree file.
        path: PathBuf,
        /// The host.
        host: String,
        /// `unreachable` or `failed`.
        state: &'static str,
        /// Ansible's message.
        message: String,
    },
    /// The inventory or a host pattern is invalid.
    #[error(transparent)]
    Inventory(#[from] fleetpin_inventory::Error),
    /// `--limit` selects no host.
    #[error("{message}")]
    Limit {
        /// What is wrong.
        message: String,
    },
    /// `fleetpin.lock` is malformed.
    #[error("{}:{line}: {message}", path.display())]
    Lock {
        /// The lock file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// `lock export --group G` names a group the lock does not have.
    #[error(
        "{}: no lock group `{group}` (the lock has: {})",
        path.display(),
        known.join(", ")
    )]
    UnknownGroup {
        /// The lock file.
        path: PathBuf,
        /// The group asked for.
        group: String,
        /// The lock's groups.
        known: Vec<String>,
    },
    /// An export covering several lock groups found a package they lock at different
    /// versions: one file cannot hold both, and picking one would be silent.
    #[error(
        "{}: lock groups disagree on {} package{}, so one export cannot hold them: {}\n\nhint: export one group at a time with `--group GROUP`",
        path.display(),
        conflicts.len(),
        if conflicts.len() == 1 { "" } else { "s" },
        conflicts.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
    )]
    ExportConflict {
        /// The lock file.
        path: PathBuf,
        /// Every disagreement, by package.
        conflicts: Vec<export::ExportConflict>,
    },
    /// A locked entry cannot be written in the asked format.
    #[error(
        "{}: cannot export `{package}` = `{version}` (group `{group}`): {reason}",
        path.display()
    )]
    NotExportable {
        /// The lock file.
        path: PathBuf,
        /// The lock group.
        group: String,
        /// The package key.
        package: String,
        /// The locked version.
        version: String,
        /// Why.
        reason: String,
    },
}
