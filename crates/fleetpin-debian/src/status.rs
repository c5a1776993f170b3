//! dpkg's `Status:` field (`want flag state`): the selection (install, hold, deinstall, purge),
//! the error flag and the package state, as `dpkg-query -W -f '${db:Status-Abbrev}'` shows
//! them (`ii `, `hi `, `rc `...).

use std::fmt;

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
