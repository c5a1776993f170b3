//! shell rules.

pub mod pipe_to_shell;
pub mod shell_unpinned_install;
