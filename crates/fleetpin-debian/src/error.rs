//! The crate's error type: every variant names the file and, where it applies, the line.

use std::path::PathBuf;

use crate::deb822::SyntaxError;
use crate::relation::RelationError;
use crate::version::VersionError;

/// An error reading Debian metadata. Each variant carries the file (and line) it is about.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Compressed data is corrupt or truncated.
    #[error("{}: corrupt or truncated {format} data", path.display())]
    Decompress {
        /// The file.
        path: PathBuf,
        /// The compression detected from the magic bytes.
        format: &'static str,
        /// What the decoder said.
        #[source]
        source: std::io::Error,
    },
    /// The text is not deb822 (bad line, not UTF-8, missing field...).
    #[error("{}:{}: {}", path.display(), source.line, source.kind)]
    Syntax {
        /// The file.
        path: PathBuf,
        /// Line and kind of problem.
        #[source]
        source: SyntaxError,
    },
    /// A version field dpkg would reject.
    #[error("{}:{line}: invalid version in field `{field}`", path.display())]
    Version {
        /// The file.
        path: PathBuf,
        /// 1-based line of the field.
        line: usize,
        /// The field (`Version`, `Depends`, ...).
        field: String,
        /// Why.
        #[source]
        source: VersionError,
    },
    /// A dependency field that does not parse.
    #[error("{}:{line}: invalid relation in field `{field}`", path.display())]
    Relation {
        /// The file.
        path: PathBuf,
        /// 1-based line of the field.
        line: usize,
        /// The field (`Depends`, ...).
        field: String,
        /// Why.
        #[source]
        source: RelationError,
    },
    /// A preferences or sources entry apt would refuse.
    #[error("{}:{line}: {message}", path.display())]
    Config {
        /// The file.
        path: PathBuf,
        /// 1-based line of the stanza or entry.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl Error {
    /// The file the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            Error::Io { path, .. }
            | Error::Decompress { path, .. }
            | Error::Syntax { path, .. }
            | Error::Version { path, .. }
            | Error::Relation { path, .. }
            | Error::Config { path, .. } => path,
        }
    }

    /// The 1-based line the error is about, when it is about one.
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::Io { .. } | Error::Decompress { .. } => None,
            Error::Syntax { source, .. } => Some(source.line),
            Error::Version { line, .. }
            | Error::Relation { line, .. }
            | Error::Config { line, .. } => Some(*line),
        }
    }
}
