//! galaxy rules.

pub mod galaxy_requirement_unpinned;
