//! One module per subcommand: its clap `Args` and a `run` returning an [`ExitStatus`].
//!
//! [`ExitStatus`]: crate::ExitStatus

pub mod audit;
pub mod debian;
pub mod diagnose;
pub mod drift;
pub mod gather;
pub mod hazard;
pub mod init;
pub mod lint;
pub mod lock;
pub mod logs;
pub mod man;
pub mod pin;
pub mod plan;
pub mod rule;
