//! The hazards database of fleetpin: known-breaking package upgrades, as data, and the checks
//! that match them against hosts.
//!
//! Entries live in `hazards/<package>/FPH-YYYY-NNNN.md` at the repository root, shaped like
//! RustSec advisories: a ```` ```toml ```` front-matter block (`[hazard]`, `[versions]`,
//! optional `[when]` and `[requires]`), then `# Title` and the explanation. Version ranges use
//! the package ecosystem's own ordering (dpkg's for Debian), never semver. The first entry is
//! the Docker 23 AppArmor outage that fleetpin was born from (`FPH-2023-0001`).
//!
//! ```
//! use fleetpin_guard::{Change, Database, HostState};
//!
//! let (db, problems) = Database::builtin();
//! assert!(problems.is_empty());
//! let mut host = HostState::default();
//! host.os_id = Some("debian".into());
//! host.os_version_id = Some("10".into());
//! host.kernel_apparmor = Some(true);
//! host.packages.insert("docker-ce".into(), "5:20.10.23~3-0~debian-buster".into());
//! let upgrade = Change {
//!     package: "docker-ce".into(),
//!     from: Some("5:20.10.23~3-0~debian-buster".into()),
//!     to: Some("5:23.0.1-1~debian.10~buster".into()),
//! };
//! let findings = db.check_changes(&host, &[upgrade]);
//! assert_eq!(findings[0].hazard.id, "FPH-2023-0001");
//! assert!(findings[0].breaks(), "apparmor is not installed");
//! ```

mod check;
mod db;
mod hazard;

pub use check::{Change, Finding, HostState, HostView, Verdict};
pub use db::{Database, EntryProblems, Error};
/// The range type lives in fleetpin-debian, shared with the host conditions of `causes/`.
pub use fleetpin_debian::range::{Comparator, Ecosystem, Op, VersionRange};
pub use hazard::{
    Clause, DRAFT_ID, Distro, Hazard, IptablesBackend, Kind, Problem, Requirement, When,
    is_hazard_id, kernel_version, parse_entry,
};
