//! shell rules.

pub mod pipe_to_shell;
pub mod shell_unpinned_install;

use std::ops::Range;

use fleetpin_diag::Severity;
use fleetpin_shell::{Analysis, PinStrength};

use crate::checker::Checker;
use crate::config::RequiredPin;
use crate::rules::ansible::download_from_latest_url::DownloadFromLatestUrl;
use crate::rules::image::{ImageSite, check_image};
use crate::rules::swarm::stack_deploy_without_registry_auth::StackDeployWithoutRegistryAuth;
use pipe_to_shell::PipeToShell;
use shell_unpinned_install::ShellUnpinnedInstall;

/// The hadolint subject of a package manager program (`DL3008` is apt, `DL3033` yum, ...).
fn subject(program: &str) -> &'static str {
    let p = program.rsplit('/').next().unwrap_or(program);
    match p {
        "apt-get" | "apt" | "aptitude" => "apt",
        "yum" => "yum",
        "dnf" | "microdnf" | "tdnf" | "dnf5" => "dnf",
        "apk" => "apk",
        "zypper" => "zypper",
        "gem" => "gem",
        "npm" | "yarn" | "pnpm" => "npm",
        p if p.starts_with("pip") || p.starts_with("python") || p == "uv" => "pip",
        _ => "other",
    }
}

/// Reports what a shell analysis found. `map` turns a range of the analysed command into a
/// range of the checked file.
pub(crate) fn report_analysis(
    checker: &mut Checker<'_>,
    analysis: &Analysis,
    map: &dyn Fn(Range<usize>) -> Range<usize>,
) {
    for install in &analysis.installs {
        // `apt-get install` in a shell task installs on the host (recorded for Ansible files
        // only; a Dockerfile's RUN installs into the image).
        if crate::managed::is_system_manager(install.manager) {
            for pkg in &install.packages {
                if matches!(
                    pkg.source,
                    fleetpin_shell::PackageSource::Local | fleetpin_shell::PackageSource::Invalid
                ) {
                    continue;
                }
                let spec = pkg.unresolved.is_empty().then_some(pkg.spec.as_str());
                checker.record_package(
                    install.manager,
                    spec,
                    Some(&pkg.spec),
                    map(pkg.range.clone()),
                );
            }
        }
    }
    let pin = checker.required_pin();
    if checker.enabled(&ShellUnpinnedInstall::RULE) {
        let rule = ShellUnpinnedInstall::RULE;
        for install in &analysis.installs {
            let program = install.program.text.as_str();
            let tool = if program.starts_with("python") && subject(program) == "pip" {
                format!("{program} -m pip")
            } else {
                program.to_owned()
            };
            let cmd = match &install.subcommand {
                Some(s) => format!("{tool} {s}"),
                None => tool,
            };
            let manager = match subject(program) {
                "other" => install.manager.as_str(),
                s => s,
            };
            for pkg in &install.packages {
                if matches!(
                    pkg.source,
                    fleetpin_shell::PackageSource::Local | fleetpin_shell::PackageSource::Invalid
                ) {
                    continue;
                }
                let (severity, message) = match pkg.strength {
                    PinStrength::Floating => (
                        Severity::Error,
                        match &install.upgrade_flag {
                            Some(flag) => format!(
                                "`{cmd} {}` upgrades `{}` to the newest version",
                                flag.text, pkg.name
                            ),
                            None => format!(
                                "`{cmd}` asks for the newest `{}` (`{}`)",
                                pkg.name, pkg.spec
                            ),
                        },
                    ),
                    PinStrength::None if pin > RequiredPin::Any => (
                        Severity::Error,
                        format!(
                            "`{cmd}` installs `{}` without a version: each run gets whatever {manager} offers that day",
                            pkg.name
                        ),
                    ),
                    PinStrength::Unresolved => (
                        Severity::Warning,
                        format!(
                            "the version of `{}` comes from {}, which fleetpin could not resolve",
                            pkg.name,
                            unresolved_names(pkg)
                        ),
                    ),
                    PinStrength::Range | PinStrength::Glob if pin > RequiredPin::Range => (
                        Severity::Warning,
                        format!(
                            "`{}` is a version {}: which version gets installed depends on the day",
                            pkg.spec,
                            if pkg.strength == PinStrength::Glob {
                                "glob"
                            } else {
                                "range"
                            }
                        ),
                    ),
                    _ => continue,
                };
                let mut d = Checker::with_severity(
                    checker.diagnostic(&rule, map(pkg.range.clone()), message),
                    severity,
                )
                .with_help(pin_help(manager, &pkg.name));
                if let Some(note) = &pkg.note {
                    d = d.with_note(note.clone());
                }
                checker.report_about(d, Some(subject(program)));
            }
        }
        for up in &analysis.upgrades {
            let program = up.program.text.as_str();
            // The manager as written (`yum update` names yum, though dnf runs it).
            let manager = match subject(program) {
                "other" => up.manager.as_str(),
                s => s,
            };
            let d = checker
                .diagnostic(
                    &rule,
                    map(up.range.clone()),
                    format!("`{program} {}` upgrades every installed package to whatever {manager} offers that day", up.subcommand.text),
                )
                .with_help("install named packages at pinned versions instead of upgrading everything");
            checker.report_about(d, Some(subject(program)));
        }
    }
    if checker.enabled(&PipeToShell::RULE) {
        for p in &analysis.pipe_to_shell {
            let from = p
                .url
                .as_ref()
                .map_or_else(String::new, |u| format!(" `{}`", u.text));
            let d = checker
                .diagnostic(
                    &PipeToShell::RULE,
                    map(p.range.clone()),
                    format!("`{}`{from} is run by `{}` unseen: the script is whatever the server returns today", p.fetcher.text, p.shell.text),
                )
                .with_help("install from a package repository at pinned versions, or download a versioned script, check its checksum, then run it");
            checker.report(d);
        }
    }
    // `docker run nginx`, `docker service create --image app:latest`: the same judgement as
    // a Compose `image:` (IMG001, IMG002).
    for img in &analysis.images {
        let site = ImageSite {
            text: &img.image.text,
            range: map(img.image.range.clone()),
            verbatim: true,
            origins: Vec::new(),
            unresolved: if img.unresolved {
                vec![img.image.text.clone()]
            } else {
                Vec::new()
            },
            context: format!("`{} {}`", img.tool, img.subcommand),
        };
        check_image(checker, &site);
    }
    if checker.enabled(&DownloadFromLatestUrl::RULE) {
        // `curl -fsSLo /usr/local/bin/x https://.../releases/latest/download/x`: the same
        // moving target as a `get_url` task. A latest URL piped into a shell is SH002's.
        for dl in analysis.downloads.iter().filter(|d| d.latest) {
            let piped = analysis
                .pipe_to_shell
                .iter()
                .any(|p| p.url.as_ref().is_some_and(|u| u.range == dl.url.range));
            if piped {
                continue;
            }
            let d = checker
                .diagnostic(
                    &DownloadFromLatestUrl::RULE,
                    map(dl.url.range.clone()),
                    format!(
                        "`{}` downloads `{}`, which changes with every upstream release",
                        dl.tool, dl.url.text
                    ),
                )
                .with_help(
                    "download a versioned URL (`.../releases/download/vX.Y.Z/...`) and check its checksum",
                );
            checker.report(d);
        }
    }
    if checker.enabled(&StackDeployWithoutRegistryAuth::RULE) {
        for s in analysis
            .stack_deploys
            .iter()
            .filter(|s| !s.with_registry_auth)
        {
            let stack = s
                .stack
                .as_ref()
                .map_or_else(String::new, |w| format!(" (stack `{}`)", w.text));
            let d = checker
                .diagnostic(
                    &StackDeployWithoutRegistryAuth::RULE,
                    map(s.range.clone()),
                    format!("`docker stack {}`{stack} without `--with-registry-auth`: workers pull private images without credentials", s.subcommand.text),
                )
                .with_help("add `--with-registry-auth`");
            checker.report(d);
        }
    }
}

/// The variables a package spec depends on, for messages: shell variables the analyser named,
/// else Jinja variables of the spec.
fn unresolved_names(pkg: &fleetpin_shell::Package) -> String {
    let names: Vec<String> = if pkg.unresolved.is_empty() {
        crate::rules::ansible::values::template_vars(&pkg.spec)
    } else {
        pkg.unresolved.clone()
    };
    if names.is_empty() {
        "a substitution".to_owned()
    } else {
        names
            .iter()
            .map(|u| format!("`{u}`"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn pin_help(manager: &str, name: &str) -> String {
    match manager {
        "apt" | "apk" | "zypper" => format!("pin it: `{name}=<version>`"),
        "dnf" => format!("pin it: `{name}-<version>`"),
        "pip" => format!("pin it: `{name}==<version>`"),
        "npm" => format!("pin it: `{name}@<version>`"),
        "gem" => format!("pin it: `{name} -v <version>`"),
        "go" => format!("pin it: `{name}@v<version>`"),
        _ => format!("pin an exact version of `{name}`"),
    }
}

#[cfg(test)]
mod tests {
    use crate::test::rule_fixture;

    rule_fixture!(sh001, "shell/SH001", ["SH001"]);
    rule_fixture!(sh001_jinja, "shell/SH001-jinja", ["SH001"]);
    rule_fixture!(sh002, "shell/SH002", ["SH002"]);
}
