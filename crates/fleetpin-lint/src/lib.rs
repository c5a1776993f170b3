//! fleetpin lint: rules that find floating versions in infrastructure code.
//!
//! The engine walks a tree (honouring `.gitignore`), classifies each file (Ansible,
//! Dockerfile, Compose/stack, Galaxy, GitHub workflow), runs the rules in parallel and returns
//! sorted [`fleetpin_diag::Diagnostic`]s. Rules are listed in [`registry`].

#![warn(missing_docs)]

pub mod checker;
pub mod config;
pub mod engine;
pub mod kind;
pub mod registry;
pub mod rules;
pub mod suppress;

#[cfg(test)]
mod test;

pub use engine::{LintOptions, LintReport, LintedFile, lint};
pub use kind::FileKind;
