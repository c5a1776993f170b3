//! image rules.

pub mod image_floating_tag;
pub mod image_without_digest;
