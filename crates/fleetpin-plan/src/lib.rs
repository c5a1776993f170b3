//! The plan engine of `fleetpin plan`: what the next Ansible run would change on every host,
//! resolved as apt resolves it, with hazards and the rollout.
//!
//! - [`universe`]: the offline candidate source (`Packages` indexes, preferences, `-t`).
//! - [`resolve`]: `apt-get install` / `upgrade --with-new-pkgs` / `dist-upgrade` over one
//!   host's installed set.

pub mod plan;
pub mod resolve;
pub mod tasks;
pub mod universe;

use std::path::PathBuf;

/// Errors of the plan engine; each names its file (and line where there is one).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        message: String,
    },
    /// An input file is unusable or partly unusable.
    #[error("{}:{line}: {message}", path.display())]
    Input {
        /// The file.
        path: PathBuf,
        /// 1-based line (0: the whole file).
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Debian metadata (index, preferences).
    #[error(transparent)]
    Debian(#[from] fleetpin_debian::Error),
}
