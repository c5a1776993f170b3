//! dpkg's status database: the `Status:` field (`want flag state`: the selection (install,
//! hold, deinstall, purge), the error flag and the package state, as
//! `dpkg-query -W -f '${db:Status-Abbrev}'` shows them: `ii `, `hi `, `rc `...), and the
//! whole `/var/lib/dpkg/status` file read with dpkg's own strictness ([`StatusFile`]).
//!
//! ```
//! use fleetpin_debian::status::StatusFile;
//! let text = "Package: curl\nStatus: hold ok installed\nArchitecture: amd64\nVersion: 7.88.1-10\n";
//! let db = StatusFile::parse("status".as_ref(), text);
//! assert!(db.errors.is_empty());
//! let curl = db.get("curl", None).unwrap();
//! assert!(curl.is_installed() && curl.is_held());
//! assert_eq!(curl.version.as_ref().unwrap().as_str(), "7.88.1-10");
//! ```

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::Error;
use crate::deb822::{Paragraph, Parser, SyntaxError, SyntaxErrorKind};
use crate::relation::MultiArch;
use crate::version::Version;

/// The selection (dpkg's "want"), set by `dpkg --set-selections` / `apt-mark hold`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Selection {
    /// `unknown`.
    Unknown,
    /// `install`.
    Install,
    /// `hold`: kept back by upgrades, refused by install without
    /// `--allow-change-held-packages`.
    Hold,
    /// `deinstall`.
    Deinstall,
    /// `purge`.
    Purge,
}

/// The error flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Flag {
    /// `ok`.
    Ok,
    /// `reinstreq`: reinstallation required.
    Reinstreq,
}

/// The package state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    /// `not-installed`.
    NotInstalled,
    /// `config-files`: removed, configuration left.
    ConfigFiles,
    /// `half-installed`.
    HalfInstalled,
    /// `unpacked`.
    Unpacked,
    /// `half-configured`.
    HalfConfigured,
    /// `triggers-awaited`.
    TriggersAwaited,
    /// `triggers-pending`.
    TriggersPending,
    /// `installed`.
    Installed,
}

/// A parsed `Status:` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Status {
    /// The selection.
    pub selection: Selection,
    /// The error flag.
    pub flag: Flag,
    /// The state.
    pub state: State,
}

/// Why a `Status:` value does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad Status value `{0}` (expected `want flag state`, e.g. `install ok installed`)")]
pub struct StatusError(pub String);

impl Status {
    /// Parses `want flag state`.
    pub fn parse(s: &str) -> Result<Status, StatusError> {
        let err = || StatusError(s.to_string());
        let mut it = s.split_ascii_whitespace();
        let selection = match it.next() {
            Some("unknown") => Selection::Unknown,
            Some("install") => Selection::Install,
            Some("hold") => Selection::Hold,
            Some("deinstall") => Selection::Deinstall,
            Some("purge") => Selection::Purge,
            _ => return Err(err()),
        };
        let flag = match it.next() {
            Some("ok") => Flag::Ok,
            Some("reinstreq") => Flag::Reinstreq,
            _ => return Err(err()),
        };
        let state = match it.next() {
            Some("not-installed") => State::NotInstalled,
            Some("config-files") => State::ConfigFiles,
            Some("half-installed") => State::HalfInstalled,
            Some("unpacked") => State::Unpacked,
            Some("half-configured") => State::HalfConfigured,
            Some("triggers-awaited") => State::TriggersAwaited,
            Some("triggers-pending") => State::TriggersPending,
            Some("installed") => State::Installed,
            _ => return Err(err()),
        };
        if it.next().is_some() {
            return Err(err());
        }
        Ok(Status {
            selection,
            flag,
            state,
        })
    }

    /// Whether apt treats the package as installed (has a current version): every state
    /// except `not-installed` and `config-files`.
    pub fn is_installed(&self) -> bool {
        !matches!(self.state, State::NotInstalled | State::ConfigFiles)
    }

    /// Whether the package is on hold.
    pub fn is_held(&self) -> bool {
        self.selection == Selection::Hold
    }

    /// dpkg-query's `${db:Status-Abbrev}`: three characters, e.g. `ii `, `hi `, `rc `, `iUR`.
    pub fn abbrev(&self) -> String {
        let w = match self.selection {
            Selection::Unknown => 'u',
            Selection::Install => 'i',
            Selection::Hold => 'h',
            Selection::Deinstall => 'r',
            Selection::Purge => 'p',
        };
        let s = match self.state {
            State::NotInstalled => 'n',
            State::ConfigFiles => 'c',
            State::HalfInstalled => 'H',
            State::Unpacked => 'U',
            State::HalfConfigured => 'F',
            State::TriggersAwaited => 'W',
            State::TriggersPending => 't',
            State::Installed => 'i',
        };
        let f = match self.flag {
            Flag::Ok => ' ',
            Flag::Reinstreq => 'R',
        };
        format!("{w}{s}{f}")
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let w = match self.selection {
            Selection::Unknown => "unknown",
            Selection::Install => "install",
            Selection::Hold => "hold",
            Selection::Deinstall => "deinstall",
            Selection::Purge => "purge",
        };
        let fl = match self.flag {
            Flag::Ok => "ok",
            Flag::Reinstreq => "reinstreq",
        };
        let s = match self.state {
            State::NotInstalled => "not-installed",
            State::ConfigFiles => "config-files",
            State::HalfInstalled => "half-installed",
            State::Unpacked => "unpacked",
            State::HalfConfigured => "half-configured",
            State::TriggersAwaited => "triggers-awaited",
            State::TriggersPending => "triggers-pending",
            State::Installed => "installed",
        };
        write!(f, "{w} {fl} {s}")
    }
}

/// One package stanza of dpkg's status file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StatusPackage {
    /// The package name, lower-cased as dpkg does.
    pub name: String,
    /// `Architecture` as written (`amd64`, `all`...); empty when the stanza has none (dpkg
    /// only warns about that).
    pub arch: String,
    /// `Version`; `None` only where dpkg allows no version (`not-installed` and
    /// `half-installed` states).
    pub version: Option<Version>,
    /// `Status` (a stanza without one is `unknown ok not-installed`, as in dpkg).
    pub status: Status,
    /// `Multi-Arch`.
    pub multi_arch: MultiArch,
    /// The source package name (`Source` without its version, else the package name).
    pub source: String,
    /// 1-based line of the stanza's first field.
    pub line: usize,
}

impl StatusPackage {
    /// Whether dpkg has (some of) it on disk: every state but `not-installed` and
    /// `config-files` (what apt counts as an installed version).
    pub fn is_installed(&self) -> bool {
        self.status.is_installed()
    }

    /// Whether it is on hold (`hold` selection; `apt-mark hold`, `dpkg --set-selections`).
    pub fn is_held(&self) -> bool {
        self.status.is_held()
    }
}

/// dpkg's status file, read as strictly as dpkg reads it (checked against `dpkg-query
/// --admindir`): a file cut mid-stanza (no final newline), a bad `Status:`, a missing or
/// invalid `Version` where dpkg needs one, an invalid package name, `#` lines, malformed
/// field lines, a field given twice and a package listed twice (beyond `Multi-Arch: same`
/// instances on distinct architectures) are errors naming the file and line.
///
/// Where dpkg stops at the first error, this keeps going: every problem is in
/// [`StatusFile::errors`] and the stanzas that are fine are in [`StatusFile::packages`].
/// Callers that must behave exactly like dpkg treat a non-empty `errors` as fatal.
#[derive(Debug)]
pub struct StatusFile {
    /// The file.
    pub path: PathBuf,
    /// The stanzas that parsed, in file order (including `not-installed` selections and
    /// `config-files` leftovers: filter with [`StatusPackage::is_installed`] or use
    /// [`StatusFile::installed`]).
    pub packages: Vec<StatusPackage>,
    /// Every problem, in file order, each naming `path` and a line.
    pub errors: Vec<Error>,
}

impl StatusFile {
    /// Reads and parses `path`. Only an unreadable file is an `Err` (a missing one
    /// included); problems in the content are in [`StatusFile::errors`]. Bytes that are not
    /// UTF-8 are read lossily (dpkg does not check the encoding).
    pub fn read(path: &Path) -> Result<StatusFile, Error> {
        let data = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(StatusFile::parse(path, &String::from_utf8_lossy(&data)))
    }

    /// Parses the text of a status file; `path` is what errors name.
    pub fn parse(path: &Path, text: &str) -> StatusFile {
        let mut outcomes: Vec<Result<StatusPackage, Error>> = Vec::new();
        let syntax = |source: SyntaxError| Error::Syntax {
            path: path.to_path_buf(),
            source,
        };
        let mut parser = Parser::new(text).comments(false);
        let mut para = Paragraph::default();
        loop {
            match parser.next_into(&mut para) {
                Ok(false) => break,
                Ok(true) => outcomes.push(stanza(path, &para)),
                Err(e) => outcomes.push(Err(syntax(e))),
            }
        }
        if !text.is_empty() && !text.ends_with('\n') {
            // The last stanza is cut: whatever it parsed to is not to be trusted.
            outcomes.pop();
            outcomes.push(Err(syntax(SyntaxError {
                line: 1 + memchr::memchr_iter(b'\n', text.as_bytes()).count(),
                kind: SyntaxErrorKind::UnexpectedEof,
            })));
        }
        let mut packages: Vec<StatusPackage> = Vec::with_capacity(outcomes.len());
        let mut errors = Vec::new();
        // Name -> indexes into `packages` (dpkg's package sets).
        let mut sets: HashMap<String, Vec<usize>> = HashMap::new();
        for o in outcomes {
            let pkg = match o {
                Ok(p) => p,
                Err(e) => {
                    errors.push(e);
                    continue;
                }
            };
            let set = sets.entry(pkg.name.clone()).or_default();
            // dpkg keeps one slot per (name, arch): a later stanza for a slot replaces it.
            let same_slot = set.iter().copied().find(|&i| packages[i].arch == pkg.arch);
            let counts = pkg.status.state != State::NotInstalled;
            if counts {
                // Other instances that count (anything but a bare selection) must all be
                // `Multi-Arch: same`, as must this one.
                let clash = set.iter().copied().find(|&i| {
                    let other = &packages[i];
                    other.status.state != State::NotInstalled
                        && !(other.multi_arch == MultiArch::Same
                            && pkg.multi_arch == MultiArch::Same)
                });
                if let Some(i) = clash {
                    let other = &packages[i];
                    let package = if other.arch == pkg.arch || pkg.arch.is_empty() {
                        pkg.name.clone()
                    } else {
                        format!("{}:{}", pkg.name, pkg.arch)
                    };
                    errors.push(syntax(SyntaxError {
                        line: pkg.line,
                        kind: SyntaxErrorKind::DuplicatePackage {
                            package,
                            first_line: other.line,
                        },
                    }));
                    continue;
                }
            }
            match same_slot {
                Some(i) => packages[i] = pkg,
                None => {
                    set.push(packages.len());
                    packages.push(pkg);
                }
            }
        }
        StatusFile {
            path: path.to_path_buf(),
            packages,
            errors,
        }
    }

    /// The packages apt counts as installed (see [`StatusPackage::is_installed`]).
    pub fn installed(&self) -> impl Iterator<Item = &StatusPackage> {
        self.packages.iter().filter(|p| p.is_installed())
    }

    /// The stanza for `name` (case-insensitive) and, if given, `arch`; without `arch` the
    /// first stanza of that name.
    pub fn get(&self, name: &str, arch: Option<&str>) -> Option<&StatusPackage> {
        self.packages
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name) && arch.is_none_or(|a| p.arch == a))
    }
}

/// dpkg's `pkg_name_is_illegal`: not empty, starts with a letter or digit, then letters,
/// digits and `-+._`.
fn name_problem(name: &str) -> Option<String> {
    let b = name.as_bytes();
    match b.first() {
        None => return Some("may not be empty string".into()),
        Some(c) if !c.is_ascii_alphanumeric() => {
            return Some("must start with an alphanumeric character".into());
        }
        _ => {}
    }
    b.iter()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, b'-' | b'+' | b'.' | b'_')))
        .map(|&c| {
            format!(
                "character `{}` not allowed (only letters, digits and characters `-+._`)",
                c as char
            )
        })
}

/// One stanza of a status file, checked like dpkg's parser checks it.
fn stanza(path: &Path, p: &Paragraph<'_>) -> Result<StatusPackage, Error> {
    let syntax = |line, kind| Error::Syntax {
        path: path.to_path_buf(),
        source: SyntaxError { line, kind },
    };
    let bad = |line, field: &str, reason: String| {
        syntax(
            line,
            SyntaxErrorKind::BadValue {
                field: field.to_string(),
                reason,
            },
        )
    };
    let name = p
        .field("Package")
        .ok_or_else(|| syntax(p.line(), SyntaxErrorKind::MissingField("Package")))?;
    if let Some(why) = name_problem(name.value) {
        return Err(bad(name.line, "Package", why));
    }
    let status = match p.field("Status") {
        Some(f) => {
            Status::parse(f.value).map_err(|e| bad(f.line, "Status", status_reason(&e.0)))?
        }
        None => Status {
            selection: Selection::Unknown,
            flag: Flag::Ok,
            state: State::NotInstalled,
        },
    };
    let version = match p.field("Version") {
        Some(f) if !f.value.is_empty() => {
            Some(Version::parse(f.value).map_err(|source| Error::Version {
                path: path.to_path_buf(),
                line: f.line,
                field: "Version".into(),
                source,
            })?)
        }
        _ if matches!(status.state, State::NotInstalled | State::HalfInstalled) => None,
        _ => return Err(syntax(p.line(), SyntaxErrorKind::MissingField("Version"))),
    };
    let source = match p.get("Source") {
        Some(s) => s.split_once(' ').map_or(s, |(n, _)| n).trim().to_string(),
        None => name.value.to_ascii_lowercase(),
    };
    Ok(StatusPackage {
        name: name.value.to_ascii_lowercase(),
        arch: p.get("Architecture").unwrap_or("").to_string(),
        version,
        status,
        multi_arch: p.get("Multi-Arch").map_or(MultiArch::No, MultiArch::parse),
        source,
        line: p.line(),
    })
}

/// Which word of a `Status:` value is wrong, in dpkg's terms.
fn status_reason(value: &str) -> String {
    let words: Vec<&str> = value.split_ascii_whitespace().collect();
    let ok = [
        &["unknown", "install", "hold", "deinstall", "purge"][..],
        &["ok", "reinstreq"][..],
        &[
            "not-installed",
            "config-files",
            "half-installed",
            "unpacked",
            "half-configured",
            "triggers-awaited",
            "triggers-pending",
            "installed",
        ][..],
    ];
    let names = ["first (want)", "second (error)", "third (status)"];
    for (i, allowed) in ok.iter().enumerate() {
        match words.get(i) {
            None => return format!("{} word is missing", names[i]),
            Some(w) if !allowed.contains(w) => {
                return format!(
                    "{} word `{w}` is not one of {}",
                    names[i],
                    allowed.join(", ")
                );
            }
            _ => {}
        }
    }
    format!("trailing junk after the third (status) word in `{value}`")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_abbrev() {
        let h = Status::parse("hold ok installed").unwrap();
        assert!(h.is_held() && h.is_installed());
        assert_eq!(h.abbrev(), "hi ");
        let rc = Status::parse("deinstall ok config-files").unwrap();
        assert!(!rc.is_installed());
        assert_eq!(rc.abbrev(), "rc ");
        assert_eq!(
            Status::parse("install reinstreq unpacked")
                .unwrap()
                .abbrev(),
            "iUR"
        );
        assert_eq!(rc.to_string(), "deinstall ok config-files");
        assert!(Status::parse("install ok").is_err());
        assert!(Status::parse("keep ok installed").is_err());
        assert!(Status::parse("install ok installed extra").is_err());
    }
}
