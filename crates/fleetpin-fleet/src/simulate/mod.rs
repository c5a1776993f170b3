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
//! rest of that host's output and the other hosts are still read. Either source converts into
//! [`HostPlan`], the per-host shape the plan engine consumes.

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

/// One simulation of apt on a host, whichever source it came from.
#[derive(Debug, Clone)]
pub struct Step {
    /// What ran, for people: the `apt-get` command line (live), or ``play `p`, task `t` ``
    /// (Ansible).
    pub label: String,
    /// apt's plan.
    pub simulation: Simulation,
    /// Only the lists are known, not the `Inst`/`Remv` lines (an Ansible result with
    /// `diff.prepared` and no `stdout`): the versions are unknown.
    pub lists_only: bool,
}

/// A host's plan as apt computed it, in the shape the plan engine consumes from either
/// source: the simulations in run order, and why the plan is missing or partial.
#[derive(Debug, Clone)]
pub struct HostPlan {
    /// Inventory host name.
    pub host: String,
    /// The simulations, in run order.
    pub steps: Vec<Step>,
    /// Why there is no plan, or only part of one (ssh failure, no apt-get, unreachable, a
    /// failed task that stopped the host), for people.
    pub problem: Option<String>,
    /// Output lines that did not parse.
    pub issues: Vec<OutputIssue>,
}

impl HostPlan {
    /// Every planned change of every step, in order (a package may appear in several steps:
    /// each was simulated against the host as it is now).
    pub fn changes(&self) -> impl Iterator<Item = &fleetpin_debian::aptsim::PlannedChange> {
        self.steps.iter().flat_map(|s| s.simulation.changes.iter())
    }

    /// Recommends apt will not install, over all steps, each once (alternatives kept
    /// together), in first-seen order.
    pub fn recommended(&self) -> Vec<&[PackageRef]> {
        let mut seen = std::collections::HashSet::new();
        self.steps
            .iter()
            .flat_map(|s| s.simulation.recommended.iter())
            .filter(|g| seen.insert(g.as_slice()))
            .map(Vec::as_slice)
            .collect()
    }
}

impl From<live::HostSimulation> for HostPlan {
    fn from(h: live::HostSimulation) -> HostPlan {
        match h.outcome {
            Ok(results) => {
                let mut issues = Vec::new();
                let steps = results
                    .into_iter()
                    .map(|mut r| {
                        issues.append(&mut r.issues);
                        Step {
                            label: r.command,
                            simulation: r.simulation,
                            lists_only: false,
                        }
                    })
                    .collect();
                HostPlan {
                    host: h.host,
                    steps,
                    problem: None,
                    issues,
                }
            }
            Err(e) => HostPlan {
                problem: Some(format!("{}: {e}", e.kind())),
                host: h.host,
                steps: Vec::new(),
                issues: Vec::new(),
            },
        }
    }
}

impl From<ansible::AnsibleHost> for HostPlan {
    fn from(h: ansible::AnsibleHost) -> HostPlan {
        let problem = if let Some(u) = &h.unreachable {
            Some(format!("unreachable at {}: {}", u.task, u.message))
        } else if h.incomplete() {
            let why = h
                .failed
                .last()
                .map(|f| format!(" at {}: {}", f.task, f.message))
                .unwrap_or_default();
            Some(format!("ansible stopped on the host{why}"))
        } else {
            None
        };
        let mut issues = Vec::new();
        let steps = h
            .tasks
            .into_iter()
            .map(|mut t| {
                issues.append(&mut t.issues);
                Step {
                    label: t.task.to_string(),
                    simulation: t.simulation,
                    lists_only: t.source == ansible::PlanSource::DiffPrepared,
                }
            })
            .collect();
        HostPlan {
            host: h.name,
            steps,
            problem,
            issues,
        }
    }
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

    #[test]
    fn both_sources_become_host_plans() {
        let ops = vec![
            Operation::Install {
                packages: vec!["docker-ce".into()],
                no_upgrade: false,
                only_upgrade: false,
                options: AptOptions::default(),
            },
            Operation::Upgrade {
                mode: UpgradeMode::Dist,
                options: AptOptions::default(),
            },
        ];
        let cmds = vec![
            "apt-get -s -y install -- docker-ce".to_string(),
            "apt-get -s -y dist-upgrade".into(),
        ];
        let m = "@@fleetpin-sim-0000000000000007";
        let out = format!(
            "{m} begin 0\nRecommended packages:\n  apparmor\nInst docker-ce [1] (2 x [amd64])\n{m} end 0 0\n\
             {m} begin 1\nRecommended packages:\n  apparmor\nInst docker-ce [1] (2 x [amd64])\nInst runc [1] (2 x [amd64])\n{m} end 1 0\n{m} done\n"
        );
        let results = live::read_output("n1", "apt-get", &ops, &cmds, out.as_bytes(), 7).unwrap();
        let plan = HostPlan::from(live::HostSimulation {
            host: "n1".into(),
            outcome: Ok(results),
            elapsed: std::time::Duration::ZERO,
        });
        assert_eq!(plan.steps.len(), 2);
        assert_eq!(plan.steps[1].label, "apt-get -s -y dist-upgrade");
        assert_eq!(plan.changes().count(), 3);
        assert_eq!(plan.recommended().len(), 1, "the same Recommends once");
        assert!(plan.problem.is_none());
        let down = HostPlan::from(live::HostSimulation {
            host: "n2".into(),
            outcome: Err(live::LiveError::NoAptGet("apt-get".into())),
            elapsed: std::time::Duration::ZERO,
        });
        assert_eq!(
            down.problem.as_deref(),
            Some("no apt-get: `apt-get` is not on the remote PATH (not an apt-based host?)")
        );

        let doc = r#"{"plays": [{"play": {"name": "site"}, "tasks": [
          {"task": {"name": "docker"}, "hosts": {
            "a": {"action": "apt", "changed": true, "diff": {"prepared": "Recommended packages:\n  apparmor\n"}},
            "b": {"action": "apt", "unreachable": true, "msg": "refused"}}}]}],
          "stats": {"a": {"ok": 1}, "b": {"unreachable": 1}}}"#;
        let run = ansible::parse(doc.as_bytes(), std::path::Path::new("run.json")).unwrap();
        let plans: Vec<HostPlan> = run.hosts.into_iter().map(HostPlan::from).collect();
        assert!(plans[0].steps[0].lists_only);
        assert_eq!(plans[0].steps[0].label, "play `site`, task `docker`");
        assert!(plans[0].problem.is_none());
        assert_eq!(
            plans[1].problem.as_deref(),
            Some("unreachable at play `site`, task `docker`: refused")
        );
    }
}
