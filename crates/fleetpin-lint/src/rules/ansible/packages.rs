//! The package-module analysis behind ANS001-ANS005: states, names, versions, upgrades.

use fleetpin_ansible::module::UpgradeArg;
use fleetpin_ansible::{Module, PackageModule, Task};
use fleetpin_diag::{Diagnostic, Severity};
use fleetpin_shell::{Manager, PackageSource, PinStrength};

use super::blanket_upgrade::BlanketUpgrade;
use super::package_present_without_version::PackagePresentWithoutVersion;
use super::package_state_latest::PackageStateLatest;
use super::package_version_range::PackageVersionRange;
use super::unresolved_template;
use super::values::{Val, arg_range, resolve_arg, resolve_list};
use crate::checker::Checker;
use crate::config::RequiredPin;

/// How to write a pinned package for a module, for help texts.
pub(crate) fn pin_example(pm: &PackageModule, name: &str) -> String {
    use fleetpin_ansible::PackageManager as P;
    match pm.manager {
        P::Apt | P::Apk | P::Zypper | P::Generic | P::AptRpm | P::Opkg => {
            format!("name: {name}=<version>")
        }
        P::Dnf | P::Yum | P::Urpmi => format!("name: {name}-<version>"),
        P::Pip | P::Pipx => format!("name: {name}==<version>"),
        P::Npm | P::Yarn | P::Pnpm => format!("name: {name}, version: <version>"),
        P::Gem => format!("name: {name}, version: <version>"),
        _ => format!("{name} at an exact version"),
    }
}

/// Records where `fleetpin pin` may write the pinned value of `val` for the finding
/// `(code, primary)` (see [`crate::pin_site`]).
fn record_site(
    checker: &mut Checker<'_>,
    finding: (&'static str, fleetpin_diag::Span),
    module: &Module,
    pm: &PackageModule,
    val: &Val,
    what: impl FnOnce(String) -> crate::PinWhat,
) {
    let Some(text) = val.text.clone() else { return };
    let (places, unfixable) =
        match crate::pin_site::places(&checker.file, &text, &val.range, &val.origins, |f| {
            checker.parsed(f)
        }) {
            Ok(p) => (p, None),
            Err(why) => (Vec::new(), Some(why)),
        };
    let site = crate::PinSite {
        finding,
        module: module.fqcn.clone(),
        manager: pm.manager.as_str(),
        what: what(text),
        places,
        unfixable,
    };
    checker.record_pin_site(site);
}

const LOCK_HINT: &str = "`fleetpin lock` records the versions your fleet runs";

fn with_origins(mut d: Diagnostic, val: &Val) -> Diagnostic {
    for (span, msg) in &val.origins {
        d = d.with_secondary(span.clone(), msg.clone());
    }
    d
}

fn normalise_mode(s: &str) -> String {
    match fleetpin_yaml::parse_bool(s) {
        Some(true) => "yes".to_owned(),
        Some(false) => "no".to_owned(),
        None => s.trim().to_ascii_lowercase(),
    }
}

/// Runs ANS001-ANS005 on one package-module task.
pub(crate) fn check(
    checker: &mut Checker<'_>,
    task: &Task<'_>,
    module: &Module,
    pm: &PackageModule,
) {
    let manager = match pm.manager {
        fleetpin_ansible::PackageManager::Generic => "the host's package manager",
        m => m.as_str(),
    };
    let shell_manager = Manager::from_ansible_module(&module.fqcn).unwrap_or(Manager::Generic);

    // Blanket upgrades.
    for ua in pm.upgrade_args {
        let (arg, off): (&str, &[&str]) = match ua {
            UpgradeArg::Mode { arg, off_values } => (arg, off_values),
            UpgradeArg::Bool(arg) => (arg, &["no"]),
        };
        let Some(a) = task.arg(arg) else { continue };
        for v in resolve_arg(checker, task, &a.value) {
            match &v.text {
                Some(t) => {
                    let mode = normalise_mode(t);
                    if off.iter().any(|o| normalise_mode(o) == mode) || mode.is_empty() {
                        continue;
                    }
                    let d = checker
                        .diagnostic(
                            &BlanketUpgrade::RULE,
                            v.range.clone(),
                            format!(
                                "`{arg}: {t}` upgrades every package on the host with `{}`",
                                module.short
                            ),
                        )
                        .with_help(
                            "upgrade named packages to pinned versions, in batches (`serial:`)",
                        );
                    checker.report(with_origins(d, &v));
                }
                None => unresolved_template::report(
                    checker,
                    &v,
                    &format!("`{arg}`"),
                    "it may upgrade every package",
                ),
            }
        }
    }
    if let Some(a) = pm.extra_args.and_then(|k| task.arg(k))
        && let Some(t) = a.value.as_str()
        && t.split_whitespace().any(|w| w == "--upgrade" || w == "-U")
    {
        let d = checker
            .diagnostic(
                &BlanketUpgrade::RULE,
                arg_range(checker, &a.value),
                format!(
                    "`{}: {t}` upgrades the packages and their dependencies to the newest versions",
                    a.key
                ),
            )
            .with_help("remove `--upgrade` and pin the versions");
        checker.report(d);
    }

    let Some(names_arg) = task.arg_any(pm.name_args) else {
        return;
    };
    let mut names = resolve_list(checker, task, &names_arg.value);
    // pipx takes pip requirement specifiers too (`tox>=3.22.0,<3.27.0` is one name).
    if matches!(
        pm.manager,
        fleetpin_ansible::PackageManager::Pip | fleetpin_ansible::PackageManager::Pipx
    ) {
        names = rejoin_pip_specifiers(names);
    }
    let version = pm
        .version_arg
        .and_then(|k| task.arg(k))
        .map(|a| resolve_arg(checker, task, &a.value));
    let states: Vec<Val> = match pm.state_arg.and_then(|k| task.arg(k)) {
        Some(a) => resolve_arg(checker, task, &a.value),
        None => vec![Val {
            text: Some(pm.default_state.to_owned()),
            range: module.span.clone(),
            origins: Vec::new(),
            template: None,
            missing: Vec::new(),
            unsupported: None,
        }],
    };
    let explicit_state = pm.state_arg.and_then(|k| task.arg(k)).is_some();

    // The host packages the code installs, for `fleetpin lint --list-packages`: every name
    // of a system package module whose state installs (an unresolved state may).
    let short = module.fqcn.rsplit('.').next().unwrap_or(&module.fqcn);
    let installs = states.iter().any(|s| {
        s.text.as_deref().is_none_or(|st| {
            let st = st.trim();
            pm.latest_states.contains(&st)
                || pm.present_states.contains(&st)
                || (!explicit_state && st == pm.default_state)
        })
    });
    if installs && crate::managed::is_system_module(short) {
        for n in &names {
            checker.record_package(
                shell_manager,
                n.text.as_deref(),
                n.template.as_deref(),
                n.range.clone(),
            );
        }
    }

    for state in &states {
        let Some(st) = state.text.as_deref() else {
            unresolved_template::report(checker, state, "the package state", "it may be `latest`");
            continue;
        };
        let st = st.trim();
        let latest = pm.latest_states.contains(&st);
        let present =
            pm.present_states.contains(&st) || (!explicit_state && st == pm.default_state);
        if latest {
            if pm.star_upgrades_all && names.iter().any(|n| n.text.as_deref() == Some("*")) {
                let d = checker
                    .diagnostic(
                        &BlanketUpgrade::RULE,
                        names.iter().find(|n| n.text.as_deref() == Some("*")).map_or(state.range.clone(), |n| n.range.clone()),
                        format!("`name: \"*\"` with `state: {st}` upgrades every package on the host with `{}`", module.short),
                    )
                    .with_help("upgrade named packages to pinned versions, in batches (`serial:`)");
                checker.report(with_origins(d, state));
                continue;
            }
            check_latest(
                checker,
                task,
                module,
                pm,
                shell_manager,
                &names,
                version.as_deref(),
                state,
                st,
                manager,
            );
        } else if present {
            let mut unversioned = Vec::new();
            for name in &names {
                if let Some(bare) = check_present(
                    checker,
                    pm,
                    shell_manager,
                    name,
                    version.as_deref(),
                    manager,
                ) {
                    unversioned.push((bare, name));
                }
            }
            report_unversioned(checker, module, pm, &unversioned, manager);
        }
    }
    let _ = task;
}

/// Ansible splits list arguments on commas, and the `pip` module rejoins version specifiers
/// (`name: "pymysql>=0.10.0,<0.11.0"` is one requirement): do the same.
fn rejoin_pip_specifiers(names: Vec<Val>) -> Vec<Val> {
    let mut out: Vec<Val> = Vec::new();
    for v in names {
        let continues = v
            .text
            .as_deref()
            .is_some_and(|t| t.trim_start().starts_with(['<', '>', '=', '!', '~']));
        match out.last_mut() {
            Some(prev) if continues && prev.text.is_some() => {
                let joined = format!(
                    "{},{}",
                    prev.text.as_deref().unwrap_or(""),
                    v.text.as_deref().unwrap_or("")
                );
                prev.text = Some(joined);
                if v.range.end > prev.range.end && v.range.start >= prev.range.start {
                    prev.range = prev.range.start..v.range.end;
                }
            }
            _ => out.push(v),
        }
    }
    out
}

fn strength_of(
    manager: Manager,
    spec: &str,
    version: Option<&[Val]>,
) -> (PinStrength, PackageSource, Option<String>) {
    let parsed = fleetpin_shell::parse_spec(manager, spec);
    if let Some(v) = version.and_then(|vs| vs.first()) {
        return match &v.text {
            Some(t) => (
                fleetpin_shell::classify_version(manager, t),
                parsed.source,
                Some(t.clone()),
            ),
            None => (PinStrength::Unresolved, parsed.source, v.template.clone()),
        };
    }
    (parsed.strength, parsed.source, parsed.version)
}

#[allow(clippy::too_many_arguments)]
fn check_latest(
    checker: &mut Checker<'_>,
    task: &Task<'_>,
    module: &Module,
    pm: &PackageModule,
    manager: Manager,
    names: &[Val],
    version: Option<&[Val]>,
    state: &Val,
    st: &str,
    manager_name: &str,
) {
    let _ = task;
    let mut floating = Vec::new();
    let mut floating_vals = Vec::new();
    for n in names {
        match &n.text {
            Some(spec) => {
                let (strength, source, _) = strength_of(manager, spec, version);
                if source == PackageSource::Local {
                    continue;
                }
                // `state: latest` with an exact pin installs that version (pip, npm).
                if !strength.is_pinned() {
                    floating.push(format!("`{spec}`"));
                    floating_vals.push(n);
                }
            }
            None => floating.push(format!("`{}`", n.template.as_deref().unwrap_or("?"))),
        }
    }
    if floating.is_empty() {
        return;
    }
    let first = names
        .first()
        .and_then(|n| n.text.as_deref())
        .unwrap_or("<package>");
    let what = match (&state.template, state.origins.is_empty()) {
        (Some(t), false) => format!("`state: {t}` is `{st}`: it"),
        _ => format!("`state: {st}`"),
    };
    let d = checker
        .diagnostic(
            &PackageStateLatest::RULE,
            state.range.clone(),
            format!(
                "{what} upgrades {} to whatever {manager_name} offers when the play runs",
                floating.join(", ")
            ),
        )
        .with_help(format!(
            "pin exact versions (`{}`) with `state: present`; {LOCK_HINT}",
            pin_example(
                pm,
                first.split(['=', '<', '>', '@']).next().unwrap_or(first)
            )
        ));
    checker.report(with_origins(d, state));
    let finding = (
        PackageStateLatest::RULE.code,
        checker.span(state.range.clone()),
    );
    record_site(
        checker,
        finding.clone(),
        module,
        pm,
        state,
        crate::PinWhat::State,
    );
    for n in floating_vals {
        record_site(
            checker,
            finding.clone(),
            module,
            pm,
            n,
            crate::PinWhat::Name,
        );
    }
}

/// Names shown in a grouped message before "and N more" (every one keeps its label).
const LISTED_NAMES: usize = 6;

/// ANS002 for the names of one task that carry no version: one finding whose frame labels
/// every name (a task installing five packages is one problem, not five copies of the
/// frame). A suppression comment anywhere in the task covers it, as before.
fn report_unversioned(
    checker: &mut Checker<'_>,
    module: &Module,
    pm: &PackageModule,
    names: &[(String, &Val)],
    manager_name: &str,
) {
    let rule = &PackagePresentWithoutVersion::RULE;
    let Some(((first, first_val), rest)) = names.split_first().map(|(f, r)| ((&f.0, f.1), r))
    else {
        return;
    };
    let mut d = if rest.is_empty() {
        checker.diagnostic(
            rule,
            first_val.range.clone(),
            format!("`{first}` is installed without a version: a new host gets whatever {manager_name} offers that day"),
        )
    } else {
        let mut listed: Vec<String> = names
            .iter()
            .take(LISTED_NAMES)
            .map(|(b, _)| format!("`{b}`"))
            .collect();
        if names.len() > LISTED_NAMES {
            listed.push(format!("{} more", names.len() - LISTED_NAMES));
        }
        let listed = match listed.split_last() {
            Some((last, head)) => format!("{} and {last}", head.join(", ")),
            None => String::new(),
        };
        // One label per place in this file; names that all come from one variable share
        // the template's place, and their origins label them where they are set.
        let mut places: Vec<std::ops::Range<usize>> = Vec::new();
        for (_, v) in names {
            if !places.contains(&v.range) {
                places.push(v.range.clone());
            }
        }
        let label = if places.len() > 1 { "no version" } else { "" };
        let mut d = Diagnostic::new(
            rule.code,
            rule.name,
            rule.default_severity,
            format!("{listed} are installed without a version: a new host gets whatever {manager_name} offers that day"),
        )
        .with_primary(checker.span(first_val.range.clone()), label);
        for range in places.into_iter().skip(1) {
            d = d.with_secondary(checker.span(range), label);
        }
        d
    };
    d = d.with_help(format!(
        "pin {} (`{}`); {LOCK_HINT}",
        if rest.is_empty() { "it" } else { "them" },
        pin_example(pm, first)
    ));
    for (_, v) in names {
        d = with_origins(d, v);
    }
    checker.report(d);
    let finding = (rule.code, checker.span(first_val.range.clone()));
    for (_, v) in names {
        record_site(
            checker,
            finding.clone(),
            module,
            pm,
            v,
            crate::PinWhat::Name,
        );
    }
}

/// Checks one package name of a task that installs without `latest`. Returns the bare name
/// when it carries no version at all (ANS002, reported per task by [`report_unversioned`]);
/// everything else is reported here.
fn check_present(
    checker: &mut Checker<'_>,
    pm: &PackageModule,
    manager: Manager,
    name: &Val,
    version: Option<&[Val]>,
    manager_name: &str,
) -> Option<String> {
    let Some(spec) = name.text.as_deref() else {
        if !is_package_file_path(name) {
            unresolved_template::report(
                checker,
                name,
                "the package name",
                "it may carry no version",
            );
        }
        return None;
    };
    // `*` is handled as a blanket upgrade; `@group` / `@module:stream` are dnf/yum groups and
    // module streams, which have no package version to pin.
    // An empty or blank name installs nothing (the module rejects it).
    if spec == "*" || spec.starts_with('@') || spec.trim().is_empty() {
        return None;
    }
    let (strength, source, ver) = strength_of(manager, spec, version);
    // A local file pins itself; a spec the manager rejects (pip `tox>>>>>3`) installs nothing.
    if matches!(source, PackageSource::Local | PackageSource::Invalid) {
        return None;
    }
    let bare = fleetpin_shell::parse_spec(manager, spec).name;
    let pin = checker.required_pin();
    let d = match strength {
        PinStrength::Floating => checker
            .diagnostic(
                &PackageStateLatest::RULE,
                name.range.clone(),
                format!("`{spec}` asks {manager_name} for the newest version"),
            )
            .with_help(format!(
                "pin an exact version (`{}`); {LOCK_HINT}",
                pin_example(pm, &bare)
            )),
        PinStrength::None if pin > RequiredPin::Any => {
            if pm.always_floats {
                Checker::with_severity(
                    checker.diagnostic(
                        &PackageStateLatest::RULE,
                        name.range.clone(),
                        format!("`{spec}` is a {manager_name} package: it refreshes itself to the newest revision of its channel"),
                    ),
                    Severity::Warning,
                )
                .with_help("hold refreshes (`snap refresh --hold`) or pin a revision")
            } else {
                return Some(bare);
            }
        }
        PinStrength::Unresolved => {
            let v = Val {
                text: None,
                range: version
                    .and_then(|v| v.first())
                    .map_or_else(|| name.range.clone(), |v| v.range.clone()),
                origins: name.origins.clone(),
                missing: super::values::template_vars(ver.as_deref().unwrap_or(spec)),
                template: ver.or_else(|| Some(spec.to_owned())),
                unsupported: None,
            };
            unresolved_template::report(
                checker,
                &v,
                &format!("the version of `{bare}`"),
                "it may not be pinned",
            );
            return None;
        }
        PinStrength::Range | PinStrength::Glob if pin > RequiredPin::Range => {
            let kind = if strength == PinStrength::Glob {
                "version glob"
            } else {
                "version range"
            };
            let shown = ver
                .as_deref()
                .map_or_else(|| spec.to_owned(), |v| format!("{bare} {v}"));
            checker
                .diagnostic(
                    &PackageVersionRange::RULE,
                    name.range.clone(),
                    format!("`{shown}` is a {kind}: which version a host gets depends on when it was installed"),
                )
                .with_help(format!("pin one exact version (`{}`)", pin_example(pm, &bare)))
        }
        _ => return None,
    };
    checker.report(with_origins(d, name));
    None
}

/// An unresolved package name whose written text is a path to a package file
/// (`{{ remote_tmp_dir | expanduser }}/build/noarch/empty-1-0.noarch.rpm`): the text around
/// the expressions has a `/`, ends in a package file suffix and names no `latest`. Whatever the
/// expressions hold, that is one fixed file (a local path, or a URL of a versioned file name).
fn is_package_file_path(name: &Val) -> bool {
    let Some(template) = name.template.as_deref() else {
        return false;
    };
    let mut literal = String::new();
    let mut pos = 0;
    for r in fleetpin_ansible::jinja::expression_ranges(template) {
        literal.push_str(&template[pos..r.start]);
        pos = r.end;
    }
    literal.push_str(&template[pos..]);
    let lower = literal.trim().to_ascii_lowercase();
    lower.contains('/')
        && [
            ".rpm",
            ".deb",
            ".whl",
            ".apk",
            ".pkg.tar.zst",
            ".pkg.tar.xz",
        ]
        .iter()
        .any(|s| lower.ends_with(s))
        && !fleetpin_shell::is_latest_url(&lower)
}
