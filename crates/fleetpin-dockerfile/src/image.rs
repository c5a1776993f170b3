//! Container image references: `[registry[:port]/]path[:tag][@digest]`.
//!
//! The parser and the pin verdict live in `fleetpin-spec` (shared with the lint rules and the
//! registry client, so every part of fleetpin agrees on what floats); this module re-exports
//! them under their old paths.

pub use fleetpin_spec::image::*;
pub use fleetpin_spec::{TagClass, classify_tag};
