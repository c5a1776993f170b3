//! The crate's error type.

use std::path::PathBuf;

/// Errors that stop a whole operation. Problems with single records (a bad line, a truncated
/// export entry) are not errors: they are counted in [`crate::read::ReadStats`] and the reading
/// carries on.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Reading the input failed (not a malformed record: the stream itself).
    #[error("cannot read {source_name}: {source}")]
    Io {
        /// The name of the input (a path, or `<stdin>`).
        source_name: String,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A causes directory or file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    CauseIo {
        /// The file or directory.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
}
