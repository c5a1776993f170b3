//! One module per subcommand: its clap `Args` and a `run` returning an [`ExitStatus`].
//!
//! [`ExitStatus`]: crate::ExitStatus

pub mod debian;
pub mod drift;
pub mod gather;
pub mod init;
pub mod lint;
pub mod lock;
pub mod man;
pub mod rule;
