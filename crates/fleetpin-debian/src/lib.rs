//! dpkg-exact version ordering, deb822 metadata, dependency fields and apt's candidate policy.
//!
//! The engine under fleetpin's lock, drift and upgrade plans: versions ordered exactly as
//! `dpkg --compare-versions` orders them ([`Version`]), RPM versions as `rpm.labelCompare`
//! ([`rpm::RpmVersion`]).

pub mod rpm;
pub mod version;

pub use version::{Version, VersionError, VersionWarning};
