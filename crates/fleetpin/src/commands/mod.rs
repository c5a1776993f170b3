//! One module per subcommand: its clap `Args` and a `run` returning an [`ExitStatus`].
//!
//! [`ExitStatus`]: crate::ExitStatus

pub mod debian;
pub mod drift;
pub mod gather;
pub mod hazard;
pub mod lint;
pub mod lock;
pub mod pin;
pub mod rule;
