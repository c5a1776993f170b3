//! Helpers shared by several rules: how strong a ref or version string is.
//!
//! The verdict itself is `fleetpin_spec::revision` (one place for what pins); re-exported here.

pub use fleetpin_spec::revision::{RefStrength, is_full_sha, ref_strength};

/// Whether `s` contains a Jinja or shell template expression.
pub fn is_templated(s: &str) -> bool {
    s.contains("{{") || s.contains("{%")
}
