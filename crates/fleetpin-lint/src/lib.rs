//! fleetpin lint: rules that find floating versions in infrastructure code.
//!
//! The engine walks a tree (honouring `.gitignore`), classifies each file (Ansible,
//! Dockerfile, Compose/stack, Galaxy, GitHub workflow), runs the rules in parallel and returns
//! sorted [`fleetpin_diag::Diagnostic`]s. Rules are listed in [`registry`].

pub mod config;
pub mod registry;
pub mod rules;
