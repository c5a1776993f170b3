//! Atomic, careful writes: the file is read again and must still hold the text the edits
//! were made for; the new text goes to a temporary file in the same folder with the same
//! permissions, is synced, and is renamed over the original. A byte-order mark is kept.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::{FilePlan, PinError};

/// Where fleetpin may write: the canonical forms of the paths given (a file's folder).
#[derive(Debug, Clone, Default)]
pub struct Tree {
    roots: Vec<PathBuf>,
}

impl Tree {
    /// The tree of the paths given on the command line.
    pub fn new(paths: &[PathBuf]) -> Tree {
        let roots = paths
            .iter()
            .filter_map(|p| {
                let c = std::fs::canonicalize(p).ok()?;
                Some(if c.is_dir() {
                    c
                } else {
                    c.parent().map_or(c.clone(), Path::to_path_buf)
                })
            })
            .collect();
        Tree { roots }
    }

    fn contains(&self, path: &Path) -> bool {
        self.roots.iter().any(|r| path.starts_with(r))
    }
}

/// Writes every file of a plan: first the group vars files others rely on, then the rest;
/// a file whose group vars could not be written is left as it is (named). Returns the files
/// written and the errors.
pub fn write_plans(files: &[FilePlan], tree: &Tree) -> (Vec<PathBuf>, Vec<PinError>) {
    let required: std::collections::HashSet<&PathBuf> =
        files.iter().flat_map(|f| &f.requires).collect();
    let (first, rest): (Vec<&FilePlan>, Vec<&FilePlan>) =
        files.iter().partition(|f| required.contains(&f.path));
    let mut written = Vec::new();
    let mut errors = Vec::new();
    let mut failed = Vec::new();
    for f in first.into_iter().chain(rest) {
        if let Some(vars) = f.requires.iter().find(|r| failed.contains(*r)) {
            let line = f.edits.first().map_or(1, |e| {
                fleetpin_diag::SourceFile::new(&f.path, f.original.as_str())
                    .line_col(e.range.start)
                    .0
            });
            errors.push(PinError::GroupVarsMissing {
                path: f.path.clone(),
                line,
                vars: vars.clone(),
            });
            continue;
        }
        match write_plan(f, tree) {
            Ok(()) => written.push(f.path.clone()),
            Err(e) => {
                failed.push(f.path.clone());
                errors.push(e);
            }
        }
    }
    (written, errors)
}

/// Writes the edited text of `plan`, atomically. `plan.path` is resolved against the
/// current directory.
pub fn write_plan(plan: &FilePlan, tree: &Tree) -> Result<(), PinError> {
    if plan.create {
        return create(plan, tree);
    }
    let path = plan.path.clone();
    let meta = std::fs::symlink_metadata(&path).map_err(|e| PinError::Unreadable {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let real = std::fs::canonicalize(&path).map_err(|e| PinError::Unreadable {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if meta.file_type().is_symlink() && !tree.contains(&real) {
        return Err(PinError::SymlinkOutside { path, target: real });
    }
    if !tree.contains(&real) {
        return Err(PinError::OutsideTree { path });
    }
    let meta = std::fs::metadata(&real).map_err(|e| PinError::Unreadable {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if meta.permissions().readonly() {
        return Err(PinError::ReadOnly { path });
    }
    let read = |p: &Path| {
        std::fs::read(p).map_err(|e| PinError::Unreadable {
            path: path.clone(),
            message: e.to_string(),
        })
    };
    let before = read(&real)?;
    let bom: &[u8] = if before.starts_with(b"\xEF\xBB\xBF") {
        b"\xEF\xBB\xBF"
    } else {
        b""
    };
    let (with_bom, body) = if before == plan.original.as_bytes() {
        (false, &before[..])
    } else if !bom.is_empty() && &before[3..] == plan.original.as_bytes() {
        (true, &before[3..])
    } else {
        return Err(PinError::ChangedOnDisk { path });
    };
    let _ = body;
    let new = plan.edited();
    let dir = real.parent().unwrap_or(Path::new("."));
    let unwritable = |e: std::io::Error| PinError::Unwritable {
        path: path.clone(),
        message: e.to_string(),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".fleetpin-pin.")
        .tempfile_in(dir)
        .map_err(unwritable)?;
    if with_bom {
        tmp.write_all(bom).map_err(unwritable)?;
    }
    tmp.write_all(new.as_bytes()).map_err(unwritable)?;
    tmp.as_file()
        .set_permissions(meta.permissions())
        .map_err(unwritable)?;
    tmp.as_file().sync_all().map_err(unwritable)?;
    // The last look before the rename: another writer since our read wins.
    if read(&real)? != before {
        return Err(PinError::ChangedOnDisk { path });
    }
    tmp.persist(&real).map_err(|e| unwritable(e.error))?;
    Ok(())
}

/// Creates the file of `plan` (a group's vars file): its folders as needed, inside the tree,
/// then the text through a temporary file that is linked into place only if nothing exists
/// there (an existing file is never replaced; one with the same text is left as it is).
fn create(plan: &FilePlan, tree: &Tree) -> Result<(), PinError> {
    use std::os::unix::fs::PermissionsExt as _;
    let path = plan.path.clone();
    let text = plan.edited();
    let unwritable = |e: std::io::Error| PinError::Unwritable {
        path: path.clone(),
        message: e.to_string(),
    };
    if std::fs::symlink_metadata(&path).is_ok() {
        return match std::fs::read(&path) {
            Ok(bytes) if bytes == text.as_bytes() => Ok(()),
            _ => Err(PinError::ChangedOnDisk { path }),
        };
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    // The nearest folder that exists must be inside the tree (no symbolic link out of it).
    let existing = dir
        .ancestors()
        .find(|d| d.as_os_str().is_empty() || d.exists())
        .unwrap_or(Path::new("."));
    let existing = if existing.as_os_str().is_empty() {
        Path::new(".")
    } else {
        existing
    };
    let real = std::fs::canonicalize(existing).map_err(|e| PinError::Unreadable {
        path: path.clone(),
        message: e.to_string(),
    })?;
    if !tree.contains(&real) {
        return Err(PinError::OutsideTree { path });
    }
    std::fs::create_dir_all(dir).map_err(unwritable)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".fleetpin-pin.")
        .tempfile_in(dir)
        .map_err(unwritable)?;
    tmp.write_all(text.as_bytes()).map_err(unwritable)?;
    // Ansible reads vars files as whoever runs it: readable by all, like `lock export -o`.
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(0o644))
        .map_err(unwritable)?;
    tmp.as_file().sync_all().map_err(unwritable)?;
    match tmp.persist_noclobber(&path) {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(PinError::ChangedOnDisk { path })
        }
        Err(e) => Err(unwritable(e.error)),
    }
}
