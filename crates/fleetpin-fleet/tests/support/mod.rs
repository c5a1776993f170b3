pub mod aptroot;
pub mod sshd;
