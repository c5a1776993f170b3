//! `Release` and `InRelease` files: the archive metadata apt pins by (`a=`, `n=`, `v=`,
//! `o=`, `l=`) and the `NotAutomatic` / `ButAutomaticUpgrades` flags that set default
//! priorities.
//!
//! The OpenPGP wrapper of `InRelease` is stripped but the signature is **not verified**:
//! fleetpin reads files apt already verified when it downloaded them.

use std::path::Path;

use crate::Error;
use crate::deb822::{self, Parser, SyntaxError, SyntaxErrorKind};

/// The fields of a `Release` file that apt's policy uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Release {
    /// `Origin` (e.g. `Debian`), pinned by `o=`.
    pub origin: Option<String>,
    /// `Label`, pinned by `l=`.
    pub label: Option<String>,
    /// `Suite` (the archive, e.g. `stable`, `bookworm-backports`), pinned by `a=`.
    pub suite: Option<String>,
    /// `Codename` (e.g. `bookworm`), pinned by `n=`.
    pub codename: Option<String>,
    /// `Version` (e.g. `12.5`), pinned by `v=`.
    pub version: Option<String>,
    /// `Components`.
    pub components: Vec<String>,
    /// `Architectures`.
    pub architectures: Vec<String>,
    /// `NotAutomatic: yes` (default priority 1).
    pub not_automatic: bool,
    /// `ButAutomaticUpgrades: yes` (default priority 100; apt honours it even without
    /// NotAutomatic).
    pub but_automatic_upgrades: bool,
    /// `Date`.
    pub date: Option<String>,
    /// `Valid-Until`.
    pub valid_until: Option<String>,
}

/// apt's `StringToBool` for flag fields.
fn flag(v: Option<&str>) -> bool {
    matches!(
        v.map(|s| s.trim().to_ascii_lowercase()).as_deref(),
        Some("yes" | "true" | "with" | "on" | "enable" | "1")
    )
}

impl Release {
    /// Parses the text of a `Release` or `InRelease` file (the first paragraph).
    pub fn parse(text: &str) -> Result<Release, SyntaxError> {
        let body = deb822::strip_clearsign(text)?;
        let mut parser = Parser::new(&body);
        let p = match parser.next() {
            Some(p) => p?,
            None => {
                return Err(SyntaxError {
                    line: 1,
                    kind: SyntaxErrorKind::MissingField("Suite"),
                });
            }
        };
        let s = |n: &str| p.get(n).filter(|v| !v.is_empty()).map(str::to_string);
        let list = |n: &str| {
            p.get(n)
                .map(|v| v.split_ascii_whitespace().map(str::to_string).collect())
                .unwrap_or_default()
        };
        Ok(Release {
            origin: s("Origin"),
            label: s("Label"),
            suite: s("Suite"),
            codename: s("Codename"),
            version: s("Version"),
            components: list("Components"),
            architectures: list("Architectures"),
            not_automatic: flag(p.get("NotAutomatic")),
            but_automatic_upgrades: flag(p.get("ButAutomaticUpgrades")),
            date: s("Date"),
            valid_until: s("Valid-Until"),
        })
    }

    /// Reads and parses a `Release`/`InRelease` file (plain or compressed).
    pub fn read(path: &Path) -> Result<Release, Error> {
        let data = crate::compress::read_file(path)?;
        let text = deb822::to_text(&data).map_err(|e| crate::control::in_file(path, e))?;
        Release::parse(text).map_err(|e| crate::control::in_file(path, e))
    }

    /// apt's default priority for indexes of this release: 1 for NotAutomatic, 100 with
    /// ButAutomaticUpgrades, else 500.
    pub fn default_priority(&self) -> i32 {
        if self.but_automatic_upgrades {
            100
        } else if self.not_automatic {
            1
        } else {
            500
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backports_flags_and_signed_wrapper() {
        let text = "-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nOrigin: Debian Backports\nLabel: Debian Backports\nSuite: bookworm-backports\nCodename: bookworm-backports\nNotAutomatic: yes\nButAutomaticUpgrades: yes\nComponents: main contrib\nArchitectures: amd64 arm64\nSHA256:\n abc 123 main/binary-amd64/Packages\n-----BEGIN PGP SIGNATURE-----\n\nxyz\n-----END PGP SIGNATURE-----\n";
        let r = Release::parse(text).unwrap();
        assert_eq!(r.suite.as_deref(), Some("bookworm-backports"));
        assert!(r.not_automatic && r.but_automatic_upgrades);
        assert_eq!(r.default_priority(), 100);
        assert_eq!(r.components, ["main", "contrib"]);
        let exp = Release::parse("Suite: experimental\nNotAutomatic: yes\n").unwrap();
        assert_eq!(exp.default_priority(), 1);
        // apt stores both flags independently and checks ButAutomaticUpgrades first.
        let odd = Release::parse("Suite: stable\nButAutomaticUpgrades: yes\n").unwrap();
        assert_eq!(odd.default_priority(), 100);
    }
}
