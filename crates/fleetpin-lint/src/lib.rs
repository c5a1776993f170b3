//! fleetpin lint: rules that find floating versions in infrastructure code.
//!
//! The engine walks a tree (honouring `.gitignore`), classifies each file (Ansible,
//! Dockerfile, Compose/stack, Galaxy, GitHub workflow), runs the rules in parallel and returns
//! sorted [`fleetpin_diag::Diagnostic`]s. Rules are listed in [`registry`].
//!
//! ```no_run
//! let report = fleetpin_lint::lint(&fleetpin_lint::LintOptions::default());
//! for d in &report.diagnostics {
//!     // code, severity, message, primary span, secondary labels ("set here"), help
//!     let _ = (&d.code, d.kind, d.severity, &d.message);
//! }
//! // Exit status of `fleetpin lint`: 2 if an input error, else 1 if a finding, else 0.
//! let _status = if report.input_errors() > 0 { 2 } else if report.findings() > 0 { 1 } else { 0 };
//! ```
//!
//! # Adding a rule
//!
//! 1. Create `src/rules/<family>/<rule_name>.rs` with a `declare_rule!` whose doc comment has
//!    the sections What it does / Why is this bad? / Example / Use instead / Fix safety /
//!    Options / References, and a `check` function that reports through [`checker::Checker`].
//! 2. Add it to the table in `src/registry.rs` (in code order; a test checks it) and call it
//!    from the family's dispatcher (`rules/mod.rs` or the Ansible task driver).
//! 3. Add a fixture under `resources/fixtures/<family>/<CODE>/` with hits *and* near misses,
//!    and a `rule_fixture!` row in the family's `mod.rs`; create the snapshot with
//!    `INSTA_UPDATE=always cargo test -p fleetpin-lint` and read it before committing.
//! 4. Regenerate the docs: `cargo run -p fleetpin-dev -- generate-docs` (a test fails when
//!    `docs/rules/` is stale).

#![warn(missing_docs)]

pub mod checker;
pub mod config;
pub mod engine;
pub mod kind;
pub mod managed;
pub mod pin_site;
pub mod registry;
pub mod rules;
pub mod suppress;

#[cfg(test)]
mod test;

pub use engine::{LintOptions, LintReport, LintedFile, lint};
pub use kind::FileKind;
pub use managed::ManagedPackage;
pub use pin_site::{PinSite, PinWhat};
