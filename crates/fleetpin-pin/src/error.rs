//! The named errors of `fleetpin pin`. Each one leaves the file it is about untouched (or the
//! one value it is about unpinned); the other files are still fixed, and the run exits 2.

use std::path::PathBuf;

/// Why a value or a file was not pinned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    /// No `fleetpin.lock` was given, but a package needs its version.
    #[error(
        "{path}:{line}: `{package}` needs a version from `fleetpin.lock`, and no lock was found"
    )]
    NoLock {
        /// File of the finding.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Package name.
        package: String,
    },
    /// The lock does not list the package.
    #[error(
        "{path}:{line}: `{package}` is not in `fleetpin.lock`: left unpinned (the finding stays)"
    )]
    LockMissingPackage {
        /// File of the finding.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Package name.
        package: String,
    },
    /// The lock groups disagree and the place of the value does not say which group it is for.
    #[error(
        "{path}:{line}: `{package}` is locked at different versions ({versions}); the value at this \
         place is shared by those groups, so fleetpin does not pick one: set it per group in \
         group_vars/<group>.yml (a variable the task reads) and run `fleetpin pin` again"
    )]
    LockGroupsDiffer {
        /// Where the value is written.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Package name.
        package: String,
        /// `group = version` list.
        versions: String,
    },
    /// The lock groups disagree, and fleetpin cannot tell which groups the task's play
    /// targets (or cannot give them per-group values).
    #[error(
        "{path}:{line}: `{package}` is locked at different versions ({versions}); no per-group \
         value written: {why}"
    )]
    GroupsUnknown {
        /// Where the value is written.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Package name.
        package: String,
        /// `group = version` list.
        versions: String,
        /// Why.
        why: String,
    },
    /// A group's vars file cannot get the per-group value.
    #[error("{path}: cannot set `fleetpin_versions` for group `{group}`: {why}")]
    GroupVars {
        /// The vars file (or where it would be).
        path: PathBuf,
        /// The lock group.
        group: String,
        /// Why.
        why: String,
    },
    /// A per-group value whose group vars file could not be written or edited: the task is
    /// left as it is (it would read an undefined variable).
    #[error(
        "{path}:{line}: not pinned per group: `{vars}` could not get the group's versions \
         (see its error), so the task is left as it is"
    )]
    GroupVarsMissing {
        /// The task's file.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The group's vars file (or folder).
        vars: PathBuf,
    },
    /// The module has no version syntax fleetpin can write.
    #[error("{path}:{line}: cannot pin `{package}` for `{module}`: {why}")]
    Unsupported {
        /// File of the finding.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Package name.
        package: String,
        /// The module.
        module: String,
        /// Why.
        why: String,
    },
    /// The value is not written as a literal fleetpin can edit in place.
    #[error("{path}:{line}: cannot edit in place: {why}")]
    NotLiteral {
        /// File of the finding.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// Why.
        why: String,
    },
    /// Two fixes want different text at the same place (a variable shared by tasks of
    /// different package managers).
    #[error(
        "{path}:{line}: conflicting pins for the same value: `{first}` and `{second}`; left as is"
    )]
    Conflict {
        /// File.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// One replacement.
        first: String,
        /// The other.
        second: String,
    },
    /// The registry failed to resolve an image.
    #[error("{path}:{line}: cannot resolve `{image}`: {message}")]
    Registry {
        /// File.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// The image reference.
        image: String,
        /// The registry error.
        message: String,
    },
    /// `git ls-remote` failed or found no such ref.
    #[error("{path}:{line}: cannot resolve `{action}`: {message}")]
    Git {
        /// File.
        path: PathBuf,
        /// 1-based line.
        line: usize,
        /// `owner/repo@ref`.
        action: String,
        /// What went wrong.
        message: String,
    },
    /// The file could not be read.
    #[error("{path}: cannot read: {message}")]
    Unreadable {
        /// File.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
    /// The file is read-only: fleetpin does not replace files it may not write.
    #[error("{path}: read-only file: not rewritten")]
    ReadOnly {
        /// File.
        path: PathBuf,
    },
    /// The file could not be written.
    #[error("{path}: cannot write: {message}")]
    Unwritable {
        /// File.
        path: PathBuf,
        /// The I/O error.
        message: String,
    },
    /// The path is a symbolic link to a file outside the tree being pinned.
    #[error("{path}: symbolic link to `{target}`, outside the tree being pinned: not rewritten")]
    SymlinkOutside {
        /// The link.
        path: PathBuf,
        /// Its target.
        target: PathBuf,
    },
    /// The file is outside the paths given on the command line (a variable set there).
    #[error(
        "{path}: outside the paths given to `fleetpin pin`: not rewritten (pin its folder too)"
    )]
    OutsideTree {
        /// File.
        path: PathBuf,
    },
    /// The file changed on disk after fleetpin read it.
    #[error("{path}: changed on disk while fleetpin was working: not overwritten; run again")]
    ChangedOnDisk {
        /// File.
        path: PathBuf,
    },
    /// The edited file no longer parses, or something besides the pinned values changed.
    #[error("{path}: edit refused: {why}")]
    Verify {
        /// File.
        path: PathBuf,
        /// What changed.
        why: String,
    },
}
