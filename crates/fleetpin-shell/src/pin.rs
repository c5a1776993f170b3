//! Pin strength of a package specification, per package manager.
//!
//! The classifiers live in `fleetpin-spec` (the one pin verdict, shared with the image, git
//! and Galaxy checks); they are re-exported here under their old paths.

pub use fleetpin_spec::package::*;
pub use fleetpin_spec::{PinStrength, UNRESOLVED_MARK, classify_vcs_ref, is_unresolved};
