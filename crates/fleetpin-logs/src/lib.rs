//! The engine of `fleetpin diagnose`: read a journal, collapse its flood into a few event
//! templates in the order they happened, and match known root causes and known noise.
//!
//! - [`read`]: streaming readers for `journalctl -o json`, `-o export` and plain text, with
//!   bounded memory and bad records counted by line.
//! - [`mask`]: masking of variable parts (numbers, ids, digests, addresses, interface names).
//! - [`drain`]: the Drain prefix-tree clustering (compatible with the `drain3` reference).
//! - [`miner`]: per-program template mining with counts, times, hosts and examples.
//! - [`causes`]: the root-cause knowledge base (`causes/<id>.toml`), its loader and linter.
//! - [`diagnose()`]: templates + causes → a [`Diagnosis`].

#![warn(missing_docs)]

pub mod causes;
pub mod diagnose;
pub mod drain;
mod entry;
mod error;
pub mod mask;
pub mod miner;
pub mod read;

pub use causes::{Cause, CauseDb, CauseProblem};
pub use diagnose::{Diagnosis, diagnose, diagnose_input};
pub use entry::{Entry, PRIORITY_NAMES, format_timestamp, priority_name};
pub use error::Error;
pub use miner::{Miner, MinerOptions, Order, Template};
