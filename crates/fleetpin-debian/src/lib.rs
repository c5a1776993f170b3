//! dpkg-exact version ordering, deb822 metadata, dependency fields and apt's candidate policy.
//!
//! The engine under fleetpin's lock, drift and upgrade plans:
//!
//! - [`Version`]: versions ordered exactly as `dpkg --compare-versions` orders them, with
//!   `Eq`/`Hash` consistent with that order; [`rpm::RpmVersion`] the same for rpm.
//! - [`deb822`]: a zero-copy parser for dpkg `status`, apt `Packages`/`Sources`/`Release`
//!   files; [`compress`] reads them plain or gz/xz/lz4/zst-compressed.
//! - [`status::StatusFile`]: dpkg's status file read with dpkg's own strictness (the one
//!   reader of installed packages, their versions, states and holds).
//! - [`relation`]: dependency fields and their satisfaction by installed packages.
//! - [`policy`]: apt preferences and the candidate version exactly as `apt-cache policy`.
//! - [`aptsim`]: the plan printed by `apt-get -s`.
//! - [`range::VersionRange`]: `>= 5:23.0.0~, < 5:23.0.2~` in dpkg or rpm ordering, and
//!   kernel release ranges (the ranges of `hazards/` and `causes/`).

pub mod aptsim;
pub mod compress;
pub mod control;
pub mod deb822;
mod error;
pub mod policy;
pub mod range;
pub mod relation;
pub mod release;
pub mod rpm;
pub mod sources;
pub mod status;
pub mod version;

pub use error::Error;
pub use version::{CompareError, CompareOp, Version, VersionError, VersionWarning};
