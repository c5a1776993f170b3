//! actions rules.

pub mod action_not_pinned_to_sha;
