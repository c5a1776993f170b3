//! Every rule, one file per rule, grouped by family.

pub mod actions;
pub mod ansible;
pub mod galaxy;
pub mod image;
pub mod input;
pub mod shell;
pub mod swarm;
