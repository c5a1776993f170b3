//! Ansible rules (ANS001-ANS009) and the driver that walks plays and tasks.

pub mod blanket_upgrade;
pub mod download_from_latest_url;
pub mod download_without_checksum;
pub(crate) mod latest_release_lookup;
pub mod package_present_without_version;
pub mod package_state_latest;
pub mod package_version_range;
pub(crate) mod packages;
pub mod play_without_serial;
pub mod unresolved_template;
pub(crate) mod values;
pub mod vcs_floating_ref;

use std::path::Path;
use std::sync::Arc;

use fleetpin_ansible::{ArgValue, ModuleKind, Task};
use fleetpin_yaml::Document;

use crate::checker::Checker;
use crate::kind::FileKind;
use crate::rules::swarm::stack_deploy_without_registry_auth;

/// Checks an Ansible playbook, task or handler file.
pub(crate) fn check(checker: &mut Checker<'_>, docs: &[Document]) {
    let src = checker.file.text().to_owned();
    let path = checker.source_path.clone();
    let file: Arc<Path> = Arc::from(path.as_path());
    for doc in docs {
        match checker.kind {
            FileKind::Playbook => {
                let book = fleetpin_ansible::playbook(&doc.root, &src);
                for play in book.plays() {
                    let mut scope = checker.project.map(|p| p.play_scope(&path, play));
                    for task in play.all_tasks() {
                        checker.scope = scope.as_ref().map(|s| s.with_task(task, &file));
                        check_task(checker, task);
                        include_vars(checker, scope.as_mut(), &path, task);
                    }
                    checker.scope = None;
                    play_without_serial::check(checker, play);
                }
            }
            FileKind::Tasks | FileKind::Handlers => {
                let mut scope = checker.project.map(|p| p.file_scope(&path));
                let list = fleetpin_ansible::task_list(&doc.root, &src);
                for task in &list.tasks {
                    checker.scope = scope.as_ref().map(|s| s.with_task(task, &file));
                    check_task(checker, task);
                    include_vars(checker, scope.as_mut(), &path, task);
                }
                checker.scope = None;
            }
            _ => {}
        }
    }
}

/// Adds the variables an `include_vars` task loads (every file it may load) to the scope of
/// the tasks that follow it.
fn include_vars(
    checker: &Checker<'_>,
    scope: Option<&mut fleetpin_ansible::Scope>,
    path: &Path,
    task: &Task<'_>,
) {
    if let (Some(project), Some(scope)) = (checker.project, scope) {
        project.apply_include_vars(scope, path, task);
    }
}

/// Runs every task-level rule on one task.
pub(crate) fn check_task(checker: &mut Checker<'_>, task: &Task<'_>) {
    let span = task.span();
    let first = checker.file.line_col(span.start).0;
    let last = checker.file.line_col(span.end.max(span.start + 1) - 1).0;
    checker.task_lines = Some((first, last));
    check_task_inner(checker, task);
    checker.task_lines = None;
}

fn check_task_inner(checker: &mut Checker<'_>, task: &Task<'_>) {
    latest_release_lookup::record_set_fact(checker, task);
    let Some(module) = &task.module else { return };
    match module.kind() {
        ModuleKind::Package(pm) => packages::check(checker, task, module, pm),
        ModuleKind::Vcs(vcs) => vcs_floating_ref::check(checker, task, module.span.clone(), vcs),
        ModuleKind::Download(dl) => download_from_latest_url::check(checker, task, module, dl),
        ModuleKind::Docker(dm) => {
            stack_deploy_without_registry_auth::check_module(checker, task, module, dm);
            crate::rules::image::check_docker_module(checker, task, module, dm);
        }
        ModuleKind::Shell(sm) => {
            let Some(arg) = task.command_line() else {
                return;
            };
            // `command: argv: [apt-get, install, docker-ce]`: one word per item, no shell.
            if let ArgValue::Node(n) = &arg.value
                && let Some(items) = n.as_seq()
            {
                let words: Vec<(&str, std::ops::Range<usize>)> = items
                    .iter()
                    .filter_map(|i| Some((i.as_str()?, i.span.clone())))
                    .collect();
                if words.len() == items.len() {
                    let analysis = fleetpin_shell::analyze_argv(&words, &fleetpin_shell::NoVars);
                    crate::rules::shell::report_analysis(checker, &analysis, &|r| r);
                }
                return;
            }
            let Some(cmd) = arg.value.as_str() else {
                return;
            };
            // A loop over the command (`shell: apt-get install -y {{ item }}` with
            // `loop: [...]`): the command once per item, as Ansible runs it. Identical findings
            // (those not about the item) are reported once.
            let per_item: Vec<Option<fleetpin_ansible::Scope>> = match (&checker.scope, &task.loop_)
            {
                (Some(scope), Some(lp)) if reads_variable(cmd, &lp.loop_var) => scope
                    .loop_items(lp)
                    .into_iter()
                    .map(|(item, _)| {
                        let (value, origins) = match item {
                            fleetpin_ansible::Resolution::Literal(s) => {
                                (fleetpin_ansible::Value::Str(s), Vec::new())
                            }
                            fleetpin_ansible::Resolution::Resolved { value, origins } => {
                                (value, origins)
                            }
                            _ => return None,
                        };
                        Some(scope.with_bindings([fleetpin_ansible::Binding {
                            name: lp.loop_var.clone(),
                            value,
                            origins,
                        }]))
                    })
                    .collect(),
                _ => vec![None],
            };
            let task_scope = checker.scope.clone();
            for item_scope in per_item {
                let scope = item_scope.as_ref().or(task_scope.as_ref());
                check_command(checker, sm.uses_shell, &arg.value, cmd, scope);
            }
        }
        _ => {}
    }
}

/// Stands for a space inside an unresolved `{{ ... }}` while a `command:` line is split (a
/// control character no command line contains; one byte, so ranges do not move).
const HIDDEN_SPACE: char = '\u{1}';

/// `text` with the spaces inside each `{{ ... }}` replaced by [`HIDDEN_SPACE`].
fn hide_template_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for r in fleetpin_ansible::jinja::expression_ranges(text) {
        out.push_str(&text[pos..r.start]);
        out.extend(
            text[r.clone()]
                .chars()
                .map(|c| if c == ' ' { HIDDEN_SPACE } else { c }),
        );
        pos = r.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// Whether the template text `cmd` reads the variable `var` (as Jinja parses it, the same
/// test `Scope::resolve_in_task` makes).
fn reads_variable(cmd: &str, var: &str) -> bool {
    let mut reads = Vec::new();
    for part in fleetpin_ansible::jinja::parse_template(cmd) {
        if let fleetpin_ansible::jinja::Part::Expr(e, _) = part {
            e.variables(&mut reads);
        }
    }
    reads.iter().any(|r| r == var)
}

/// Analyses one command line of a `shell`/`command` task with the variables of `scope` and
/// reports what it installs, downloads or pipes into a shell.
fn check_command(
    checker: &mut Checker<'_>,
    uses_shell: bool,
    value: &ArgValue<'_>,
    cmd: &str,
    scope: Option<&fleetpin_ansible::Scope>,
) {
    let (resolved, pieces) = substitute_jinja(scope, cmd);
    let analysis = if uses_shell {
        fleetpin_shell::analyze(&resolved, &fleetpin_shell::NoVars)
    } else {
        // `command:` splits the line with Python's shlex and runs it without a shell: `|`,
        // `&&` and `>` are plain arguments, not operators. Ansible templates before
        // splitting, so an expression fleetpin left unresolved is one word, spaces and all:
        // hide its spaces from the split.
        let Some(words) = fleetpin_shell::split_shlex(&hide_template_spaces(&resolved)) else {
            return; // an unclosed quote: Ansible fails the task before running it
        };
        let words: Vec<(String, std::ops::Range<usize>)> = words
            .into_iter()
            .map(|(w, r)| (w.replace(HIDDEN_SPACE, " "), r))
            .collect();
        let words: Vec<(&str, std::ops::Range<usize>)> =
            words.iter().map(|(w, r)| (w.as_str(), r.clone())).collect();
        fleetpin_shell::analyze_argv(&words, &fleetpin_shell::NoVars)
    };
    if analysis.is_empty() {
        return;
    }
    let src = checker.file.text().to_owned();
    let to_file = |r: std::ops::Range<usize>| -> std::ops::Range<usize> {
        match value {
            ArgValue::Node(n) => match n.as_scalar() {
                Some(s) => s.source_range(&src, r),
                None => n.span.clone(),
            },
            ArgValue::FreeForm { scalar, offset, .. } => match scalar.as_scalar() {
                Some(s) => s.source_range(&src, r.start + offset..r.end + offset),
                None => scalar.span.clone(),
            },
        }
    };
    let map = |r: std::ops::Range<usize>| to_file(map_back(&pieces, r));
    crate::rules::shell::report_analysis(checker, &analysis, &map);
}

/// A piece of a command after Jinja substitution: its range in the substituted text and in
/// the original; `expr` pieces map as a whole.
struct Piece {
    new: std::ops::Range<usize>,
    old: std::ops::Range<usize>,
    expr: bool,
}

/// Substitutes the `{{ ... }}` expressions of a command that resolve to a single string (from
/// role defaults, group_vars, play vars); unresolved ones stay as written, so the shell
/// analysis sees them as unresolved.
fn substitute_jinja(scope: Option<&fleetpin_ansible::Scope>, cmd: &str) -> (String, Vec<Piece>) {
    let mut out = String::with_capacity(cmd.len());
    let mut pieces = Vec::new();
    let mut pos = 0;
    for std::ops::Range {
        start: open,
        end: close,
    } in fleetpin_ansible::jinja::expression_ranges(cmd)
    {
        if open > pos {
            let start = out.len();
            out.push_str(&cmd[pos..open]);
            pieces.push(Piece {
                new: start..out.len(),
                old: pos..open,
                expr: false,
            });
        }
        let expr = &cmd[open..close];
        let value = scope.and_then(|s| match s.resolve(expr) {
            fleetpin_ansible::Resolution::Resolved {
                value: fleetpin_ansible::Value::Str(v),
                ..
            } => Some(v),
            _ => None,
        });
        let start = out.len();
        out.push_str(value.as_deref().unwrap_or(expr));
        pieces.push(Piece {
            new: start..out.len(),
            old: open..close,
            expr: true,
        });
        pos = close;
    }
    if pos < cmd.len() {
        let start = out.len();
        out.push_str(&cmd[pos..]);
        pieces.push(Piece {
            new: start..out.len(),
            old: pos..cmd.len(),
            expr: false,
        });
    }
    (out, pieces)
}

/// Maps a range of the substituted command back to the original command.
fn map_back(pieces: &[Piece], r: std::ops::Range<usize>) -> std::ops::Range<usize> {
    if pieces.iter().all(|p| !p.expr) {
        return r;
    }
    let point = |pos: usize, end: bool| -> usize {
        for p in pieces {
            let inside = if end {
                p.new.start < pos && pos <= p.new.end
            } else {
                p.new.start <= pos && pos < p.new.end
            };
            if inside {
                return if p.expr {
                    if end { p.old.end } else { p.old.start }
                } else {
                    p.old.start + (pos - p.new.start)
                };
            }
        }
        pieces.last().map_or(pos, |p| p.old.end)
    };
    let start = point(r.start, false);
    let end = point(r.end, true).max(start);
    start..end
}

#[cfg(test)]
mod tests {
    use crate::test::rule_fixture;

    rule_fixture!(ans001, "ansible/ANS001", ["ANS001"]);
    rule_fixture!(ans001_hosts, "ansible/ANS001-hosts", ["ANS001"]);
    rule_fixture!(ans001_vars, "ansible/ANS001-vars", ["ANS001"]);
    rule_fixture!(ans002, "ansible/ANS002", ["ANS002"]);
    rule_fixture!(ans003, "ansible/ANS003", ["ANS003"]);
    rule_fixture!(ans004, "ansible/ANS004", ["ANS004"]);
    rule_fixture!(ans005, "ansible/ANS005", ["ANS005"]);
    rule_fixture!(
        ans005_set_fact,
        "ansible/ANS005-set-fact",
        ["ANS001", "ANS005", "ANS007"]
    );
    rule_fixture!(
        ans005_conditions,
        "ansible/ANS005-conditions",
        ["ANS001", "ANS005", "ANS007"]
    );
    rule_fixture!(
        ans005_downloads,
        "ansible/ANS005-downloads",
        ["ANS005", "ANS007"]
    );
    rule_fixture!(ans006, "ansible/ANS006", ["ANS006"]);
    rule_fixture!(ans007, "ansible/ANS007", ["ANS007"]);
    rule_fixture!(ans008, "ansible/ANS008", ["ANS008"]);
    rule_fixture!(ans009, "ansible/ANS009", ["ANS009"]);
}
