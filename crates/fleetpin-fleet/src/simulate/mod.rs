//! What apt would do on each host, asked of apt itself: the candidate sources of `fleetpin
//! plan` other than the offline index.
//!
//! - [`live`]: `LC_ALL=C apt-get -s ...` on every host over SSH (read-only: a simulation, as
//!   an unprivileged user, without apt's lock), through the [`gather`](crate::gather) SSH
//!   machinery.
//! - [`ansible`]: the JSON of `ANSIBLE_STDOUT_CALLBACK=ansible.posix.json ansible-playbook
//!   --check --diff`, where the apt module ran `apt-get --simulate` on every host.
//!
//! Both return, per host, [`Simulation`]s parsed by `fleetpin_debian::aptsim`: the `Inst` /
//! `Remv` lines and the lists apt prints (NEW, kept back, held, "Recommended packages", ...).
//! Output that does not parse becomes an [`OutputIssue`] naming the host and the line; the
//! rest of that host's output and the other hosts are still read.

pub mod ansible;
pub mod live;

pub use fleetpin_debian::aptsim::{AptSimError, Simulation};

use fleetpin_debian::aptsim::PackageRef;
use fleetpin_debian::version::Version;

/// apt options shared by every operation (the Ansible apt module's parameters of the same
/// names).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AptOptions {
    /// `install_recommends`: `Some(false)` is `-o APT::Install-Recommends=0`, `Some(true)`
    /// `=1`, `None` the host's own default.
    pub install_recommends: Option<bool>,
    /// `default_release` (`-t RELEASE`).
    pub default_release: Option<String>,
    /// `allow_downgrade` (`--allow-downgrades`).
    pub allow_downgrade: bool,
    /// `allow_change_held_packages`; without it apt refuses (with `-y`, as Ansible runs it) to
    /// change a held package.
    pub allow_change_held_packages: bool,
}

/// How `upgrade` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpgradeMode {
    /// `apt-get upgrade`: never installs or removes a package.
    Upgrade,
    /// `apt-get upgrade --with-new-pkgs` (Ansible `upgrade: yes|safe` without aptitude).
    WithNewPkgs,
    /// `apt-get dist-upgrade` (Ansible `upgrade: dist`, and `full` without aptitude).
    Dist,
}

/// One planned package operation on a host.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum Operation {
    /// `apt-get install SPEC...`; a spec is `name`, `name:arch`, `name=version` or
    /// `name/release`.
    Install {
        /// Package specs.
        packages: Vec<String>,
        /// `--no-upgrade`: installed packages stay as they are (Ansible `state: present`
        /// without a version).
        no_upgrade: bool,
        /// `--only-upgrade`: packages not installed are skipped (Ansible `only_upgrade`).
        only_upgrade: bool,
        /// Shared options.
        options: AptOptions,
    },
    /// `apt-get remove|purge SPEC...` (Ansible `state: absent`).
    Remove {
        /// Package names.
        packages: Vec<String>,
        /// `purge` instead of `remove`.
        purge: bool,
        /// Shared options.
        options: AptOptions,
    },
    /// `apt-get upgrade|dist-upgrade` (Ansible `upgrade:`).
    Upgrade {
        /// Which upgrade.
        mode: UpgradeMode,
        /// Shared options.
        options: AptOptions,
    },
}

/// An operation fleetpin refuses to turn into a command line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid package operation: {0}")]
pub struct InvalidOperation(pub String);

fn check_spec(spec: &str) -> Result<(), InvalidOperation> {
    let bad = || {
        InvalidOperation(format!(
            "`{}` is not a package spec (name, name:arch, name=version or name/release)",
            spec.escape_debug()
        ))
    };
    let (name, version, release) = if let Some((n, v)) = spec.split_once('=') {
        (n, Some(v), None)
    } else if let Some((n, r)) = spec.split_once('/') {
        (n, None, Some(r))
    } else {
        (spec, None, None)
    };
    PackageRef::parse(name).ok_or_else(bad)?;
    if let Some(v) = version {
        Version::parse(v).map_err(|_| bad())?;
    }
    if let Some(r) = release
        && (r.is_empty()
            || !r
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_')))
    {
        return Err(bad());
    }
    Ok(())
}

impl Operation {
    /// The `apt-get` arguments after `apt-get -s -y` (every value validated: a package spec
    /// apt could not accept, or a release with other than `A-Za-z0-9.+-_`, is refused).
    pub fn apt_args(&self) -> Result<Vec<String>, InvalidOperation> {
        let (options, mut tail): (&AptOptions, Vec<String>) = match self {
            Operation::Install {
                packages,
                no_upgrade,
                only_upgrade,
                options,
            } => {
                let mut t = vec!["install".to_string()];
                if *no_upgrade {
                    t.push("--no-upgrade".into());
                }
                if *only_upgrade {
                    t.push("--only-upgrade".into());
                }
                (options, self.specs(t, packages)?)
            }
            Operation::Remove {
                packages,
                purge,
                options,
            } => {
                let verb = if *purge { "purge" } else { "remove" };
                (options, self.specs(vec![verb.to_string()], packages)?)
            }
            Operation::Upgrade { mode, options } => {
                let t = match mode {
                    UpgradeMode::Upgrade => vec!["upgrade".to_string()],
                    UpgradeMode::WithNewPkgs => vec!["upgrade".into(), "--with-new-pkgs".into()],
                    UpgradeMode::Dist => vec!["dist-upgrade".to_string()],
                };
                (options, t)
            }
        };
        let mut args = Vec::new();
        if let Some(r) = &options.default_release {
            if r.is_empty()
                || !r
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_'))
            {
                return Err(InvalidOperation(format!(
                    "`{}` is not a release name",
                    r.escape_debug()
                )));
            }
            args.push("-t".to_string());
            args.push(r.clone());
        }
        if let Some(r) = options.install_recommends {
            args.push("-o".into());
            args.push(format!("APT::Install-Recommends={}", u8::from(r)));
        }
        if options.allow_downgrade {
            args.push("--allow-downgrades".into());
        }
        if options.allow_change_held_packages {
            args.push("--allow-change-held-packages".into());
        }
        args.append(&mut tail);
        Ok(args)
    }

    fn specs(
        &self,
        mut head: Vec<String>,
        packages: &[String],
    ) -> Result<Vec<String>, InvalidOperation> {
        if packages.is_empty() {
            return Err(InvalidOperation("no package named".into()));
        }
        for p in packages {
            check_spec(p)?;
        }
        head.push("--".into());
        head.extend(packages.iter().cloned());
        Ok(head)
    }
}

/// A line of apt output that does not parse, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {error}")]
pub struct OutputIssue {
    /// The host.
    pub host: String,
    /// Where the output came from, for people: ``host `web1`, `apt-get -s install x` `` or
    /// ``run.json: host `web1`, play `site`, task `docker` ``.
    pub origin: String,
    /// The line and what is wrong with it (`line` counts from the start of that command's
    /// output).
    pub error: AptSimError,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_lines_follow_the_ansible_apt_module() {
        let op = Operation::Install {
            packages: vec!["docker-ce=5:23.0.1-1~debian.10~buster".into(), "jq".into()],
            no_upgrade: false,
            only_upgrade: false,
            options: AptOptions {
                install_recommends: Some(false),
                default_release: Some("buster-backports".into()),
                allow_downgrade: true,
                allow_change_held_packages: false,
            },
        };
        assert_eq!(
            op.apt_args().unwrap(),
            [
                "-t",
                "buster-backports",
                "-o",
                "APT::Install-Recommends=0",
                "--allow-downgrades",
                "install",
                "--",
                "docker-ce=5:23.0.1-1~debian.10~buster",
                "jq"
            ]
        );
        let up = Operation::Upgrade {
            mode: UpgradeMode::WithNewPkgs,
            options: AptOptions::default(),
        };
        assert_eq!(up.apt_args().unwrap(), ["upgrade", "--with-new-pkgs"]);
    }

    #[test]
    fn hostile_specs_are_refused() {
        for spec in [
            "-oDebug=1",
            "a;rm",
            "a b",
            "x=1.0 ; id",
            "x/",
            "$(id)",
            "x=",
            "",
        ] {
            let op = Operation::Remove {
                packages: vec![spec.into()],
                purge: false,
                options: AptOptions::default(),
            };
            assert!(op.apt_args().is_err(), "{spec}");
        }
        let op = Operation::Upgrade {
            mode: UpgradeMode::Dist,
            options: AptOptions {
                default_release: Some("x' ; id '".into()),
                ..AptOptions::default()
            },
        };
        assert!(op.apt_args().is_err());
    }
}
