//! The engine of `fleetpin diagnose`: read a journal, collapse its flood into a few event
//! templates in the order they happened, and match known root causes and known noise.
//!
//! - [`read`]: streaming readers for `journalctl -o json`, `-o export` and plain text, with
//!   bounded memory and bad records counted by line.
//! - [`mask`]: masking of variable parts (numbers, ids, digests, addresses, interface names).
//! - [`drain`]: the Drain prefix-tree clustering (compatible with the `drain3` reference).
//! - [`miner`]: per-program template mining with counts, times, hosts and examples.
//! - [`pipeline`]: mining a whole input with reading and masking in parallel.
//! - [`causes`]: the root-cause knowledge base (`causes/<id>.toml`), its loader and linter.
//! - [`Diagnoser`]: any number of inputs (files, SSH outputs, Ansible trees), filtered like
//!   journalctl ([`Filter`]), mined together into one [`Diagnosis`] with counts per host;
//!   [`diagnose_input`] does it all for one input.
//!
//! ```
//! use fleetpin_logs::{CauseDb, MinerOptions, Order, diagnose_input, read::ReadOptions};
//!
//! let journal = concat!(
//!     r#"{"__REALTIME_TIMESTAMP":"1676887262000000","_HOSTNAME":"node1","SYSLOG_IDENTIFIER":"dockerd","PRIORITY":"3","MESSAGE":"time=\"2023-02-20T10:01:02Z\" level=error msg=\"fatal task error\" error=\"... unable to apply apparmor profile: apparmor failed to apply profile: write /proc/self/attr/apparmor/exec: no such file or directory\" task.id=x1y2z3a4b5c6d7e8f9g0h1i2j"}"#, "\n",
//!     r#"{"__REALTIME_TIMESTAMP":"1676887263000000","_HOSTNAME":"node1","SYSLOG_IDENTIFIER":"systemd-udevd","PRIORITY":"3","MESSAGE":"veth1a2b3c4: Could not generate persistent MAC: No data available"}"#, "\n",
//! );
//! let (causes, problems) = CauseDb::builtin();
//! assert!(problems.is_empty());
//! let d = diagnose_input(journal.as_bytes(), ReadOptions::default(), MinerOptions::default(), Order::FirstSeen, &causes)?;
//! assert_eq!(d.causes[0].id, "docker23-apparmor-missing");
//! assert_eq!(d.noise[0].id, "veth-udev-bridge-noise");
//! assert_eq!(d.input.bad, 0);
//! let _report = d.to_string(); // or serde_json::to_string(&d)
//! # Ok::<(), std::io::Error>(())
//! ```

#![warn(missing_docs)]

pub mod causes;
pub mod diagnose;
pub mod drain;
mod entry;
mod error;
pub mod mask;
pub mod miner;
pub mod pipeline;
pub mod read;

pub use causes::{Cause, CauseDb, CauseProblem, HostState, HostView, Qualification, Verdict};
pub use diagnose::{
    Diagnoser, Diagnosis, Event, Filter, Finding, HostReport, HostStatus, SourceReport, diagnose,
    diagnose_input, parse_time,
};
pub use entry::{Entry, EntryRef, PRIORITY_NAMES, format_timestamp, priority_name};
pub use error::Error;
pub use miner::{Miner, MinerOptions, Order, Template, TemplateId, TemplateIndex};
