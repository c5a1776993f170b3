//! The hazards database: every entry of `hazards/<package>/<id>.md`, validated.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::hazard::{DRAFT_ID, Hazard, Problem, parse_entry};

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin.rs"));
}

/// `README.md` files document the database; they are not entries.
#[must_use]
pub(crate) fn is_readme(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.eq_ignore_ascii_case("README.md"))
}

/// An entry that could not be loaded, with every problem found in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryProblems {
    /// The entry's path (relative to the database root for the built-in database).
    pub path: PathBuf,
    /// Its problems, by line.
    pub problems: Vec<Problem>,
}

impl std::fmt::Display for EntryProblems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}:{}: {}", self.path.display(), p.line, p.message)?;
        }
        Ok(())
    }
}

/// Errors reading a database directory.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory of the database could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// A validated set of hazards, ordered by package then id.
#[derive(Debug, Clone, Default)]
pub struct Database {
    hazards: Vec<Hazard>,
}

impl Database {
    /// The database this build of fleetpin carries (the repository's `hazards/` directory at
    /// build time). Entries are checked by the test suite, so loading never fails; should one
    /// not load anyway, it is returned among the problems.
    #[must_use]
    pub fn builtin() -> (Database, Vec<EntryProblems>) {
        Database::from_entries(
            builtin::BUILTIN
                .iter()
                .map(|(rel, text)| (PathBuf::from(rel), (*text).to_string())),
        )
    }

    /// Loads every `*.md` entry under `dir` (`<package>/<id>.md`), collecting the problems of
    /// every entry that does not validate (it is left out) and of duplicate ids.
    ///
    /// # Errors
    /// When the directory tree cannot be read at all.
    pub fn load_dir(dir: &Path) -> Result<(Database, Vec<EntryProblems>), Error> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        let mut files = Vec::new();
        let mut stack = vec![dir.to_path_buf()];
        while let Some(d) = stack.pop() {
            for entry in std::fs::read_dir(&d).map_err(io(&d))? {
                let entry = entry.map_err(io(&d))?;
                let path = entry.path();
                let ty = entry.file_type().map_err(io(&path))?;
                if ty.is_dir() {
                    stack.push(path);
                } else if path.extension().is_some_and(|e| e == "md") && !is_readme(&path) {
                    files.push(path);
                }
            }
        }
        files.sort();
        let mut entries = Vec::new();
        let mut unreadable = Vec::new();
        for f in files {
            let rel = f.strip_prefix(dir).unwrap_or(&f).to_path_buf();
            match std::fs::read(&f) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => entries.push((rel, text)),
                    Err(e) => {
                        let line = 1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
                            .iter()
                            .filter(|&&b| b == b'\n')
                            .count();
                        unreadable.push(EntryProblems {
                            path: rel,
                            problems: vec![Problem {
                                line,
                                message: "not UTF-8".to_string(),
                            }],
                        });
                    }
                },
                Err(source) => return Err(Error::Io { path: f, source }),
            }
        }
        let (db, mut problems) = Database::from_entries(entries);
        problems.extend(unreadable);
        problems.sort_by(|a, b| a.path.cmp(&b.path));
        Ok((db, problems))
    }

    /// Builds a database from `(relative path, text)` pairs; the path gives the expected
    /// package (its directory) and id (its stem).
    pub fn from_entries(
        entries: impl IntoIterator<Item = (PathBuf, String)>,
    ) -> (Database, Vec<EntryProblems>) {
        let mut hazards = Vec::new();
        let mut problems = Vec::new();
        let mut ids: BTreeMap<String, PathBuf> = BTreeMap::new();
        for (path, text) in entries {
            let package = path
                .parent()
                .and_then(Path::file_name)
                .and_then(|s| s.to_str())
                .filter(|s| !s.is_empty());
            let stem = path.file_stem().and_then(|s| s.to_str());
            if package.is_none() {
                problems.push(EntryProblems {
                    path,
                    problems: vec![Problem {
                        line: 1,
                        message: "entries live in `<package>/<id>.md`, not at the top level"
                            .to_string(),
                    }],
                });
                continue;
            }
            match parse_entry(&text, package, stem) {
                Ok(h) => {
                    if !h.is_draft()
                        && let Some(first) = ids.insert(h.id.clone(), path.clone())
                    {
                        problems.push(EntryProblems {
                            path: path.clone(),
                            problems: vec![Problem {
                                line: 1,
                                message: format!(
                                    "id `{}` is also used by {}",
                                    h.id,
                                    first.display()
                                ),
                            }],
                        });
                        continue;
                    }
                    hazards.push(h);
                }
                Err(p) => problems.push(EntryProblems { path, problems: p }),
            }
        }
        hazards.sort_by(|a, b| (&a.package, &a.id).cmp(&(&b.package, &b.id)));
        (Database { hazards }, problems)
    }

    /// Every hazard.
    #[must_use]
    pub fn hazards(&self) -> &[Hazard] {
        &self.hazards
    }

    /// The hazards of one package.
    pub fn for_package<'a>(&'a self, package: &str) -> impl Iterator<Item = &'a Hazard> {
        self.hazards.iter().filter(move |h| h.package == package)
    }

    /// Looks a hazard up by id (drafts share [`DRAFT_ID`]; the first is returned).
    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Hazard> {
        if id == DRAFT_ID {
            return self.hazards.iter().find(|h| h.is_draft());
        }
        self.hazards.iter().find(|h| h.id == id)
    }
}
