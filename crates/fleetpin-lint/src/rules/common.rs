//! Helpers shared by several rules: how strong a ref or version string is.
//!
//! The verdict itself is `fleetpin_spec::revision` (one place for what pins); re-exported here.

pub use fleetpin_spec::revision::{RefStrength, is_full_sha, ref_strength};

/// Whether `s` contains a Jinja expression or statement (the scan lives in
/// `fleetpin_ansible::jinja`, with the rest of the Jinja handling).
pub use fleetpin_ansible::jinja::has_template as is_templated;
