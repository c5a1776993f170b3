//! The per-file context rules report into.

use std::ops::Range;

use fleetpin_diag::{Diagnostic, Severity, SourceFile, Span};

use crate::config::{Config, RequiredPin, RuleSet};
use crate::kind::FileKind;
use crate::registry::Rule;
use crate::suppress::Suppressions;

/// Everything a rule needs while checking one file, and where its findings go.
///
/// Rules call [`Checker::enabled`] before doing expensive work and [`Checker::report`] for
/// each finding; the checker applies `per-path-ignores`, inline suppressions and severity
/// overrides.
pub struct Checker<'a> {
    /// The file being checked.
    pub file: SourceFile,
    /// Its kind.
    pub kind: FileKind,
    /// The path it was read from (for finding neighbouring files such as roles).
    pub source_path: std::path::PathBuf,
    /// The Ansible project the file belongs to (variable resolution), if any.
    pub project: Option<&'a fleetpin_ansible::Project>,
    /// The variables visible to the task being checked (set by the Ansible driver).
    pub scope: Option<fleetpin_ansible::Scope>,
    /// 1-based first and last line of the Ansible task being checked: a suppression comment
    /// anywhere in the task covers the task's findings, as ansible-lint's `# noqa` does.
    pub task_lines: Option<(usize, usize)>,
    /// The configuration that applies to it.
    pub config: &'a Config,
    /// Images (`name:tag`) built by `docker_image` `source: build` tasks met so far in this
    /// file: running them later is not a floating pull.
    pub(crate) built_images: Vec<String>,
    /// Whether the other task files of this file's role were read for image builds.
    pub(crate) role_builds_scanned: bool,
    /// Variables registered by `uri` tasks met so far in this file that ask a release API:
    /// (variable, range of the URL, whether it asks for the `latest` release rather than a
    /// pinned tag).
    pub(crate) latest_lookups: Vec<(String, Range<usize>, bool)>,
    /// ANS005 findings already reported (range, what): a value unresolved for several
    /// reasons (one missing variable per including play) is one finding.
    pub(crate) unresolved_reported: Vec<(Range<usize>, String)>,
    /// Other files labels point into (where a variable is set), built once per file: a
    /// `SourceFile` copies the text and indexes its lines.
    foreign_files: std::cell::RefCell<std::collections::HashMap<std::path::PathBuf, SourceFile>>,
    rules: &'a RuleSet,
    suppressions: Suppressions,
    path_ignores: Vec<&'a str>,
    diagnostics: Vec<Diagnostic>,
    packages: Vec<crate::ManagedPackage>,
    pin_sites: Vec<crate::PinSite>,
}

impl<'a> Checker<'a> {
    /// A checker for `file`. `path_ignores` are the selectors `per-path-ignores` switches off
    /// for it.
    pub fn new(
        source_path: std::path::PathBuf,
        file: SourceFile,
        kind: FileKind,
        config: &'a Config,
        rules: &'a RuleSet,
        path_ignores: Vec<&'a str>,
    ) -> Self {
        let suppressions = Suppressions::parse(file.text(), kind == FileKind::Dockerfile);
        Checker {
            project: None,
            scope: None,
            task_lines: None,
            built_images: Vec::new(),
            role_builds_scanned: false,
            latest_lookups: Vec::new(),
            unresolved_reported: Vec::new(),
            foreign_files: Default::default(),
            source_path,
            file,
            kind,
            config,
            rules,
            suppressions,
            path_ignores,
            diagnostics: Vec::new(),
            packages: Vec::new(),
            pin_sites: Vec::new(),
        }
    }

    /// A span in another file (where a variable was set), for secondary labels.
    pub fn foreign_span(&self, path: &std::path::Path, range: Range<usize>) -> Option<Span> {
        if let Some(file) = self.foreign_files.borrow().get(path) {
            return Some(Span::new(file.clone(), range));
        }
        let text = self.project?.file_text(path)?;
        let display = crate::engine::display_path(path);
        if display == self.file.path() {
            return Some(self.span(range));
        }
        let file = SourceFile::new(display, text.to_string());
        self.foreign_files
            .borrow_mut()
            .insert(path.to_path_buf(), file.clone());
        Some(Span::new(file, range))
    }

    /// The project's parse of `file` (the checked file, or one a label points into) when the
    /// project loaded the same text, so a value's places are found without parsing the file
    /// where a variable is set again for every site (debops: a quarter of the lint).
    pub(crate) fn parsed(
        &self,
        file: &SourceFile,
    ) -> Option<std::sync::Arc<fleetpin_ansible::LoadedFile>> {
        let project = self.project?;
        let path = if file.path() == self.file.path() {
            self.source_path.clone()
        } else {
            self.foreign_files
                .borrow()
                .iter()
                .find(|(_, f)| f.path() == file.path())
                .map(|(p, _)| p.clone())?
        };
        project.load(&path).ok().filter(|f| *f.text == *file.text())
    }

    /// Whether `rule` runs on this file.
    pub fn enabled(&self, rule: &Rule) -> bool {
        self.rules.is_enabled(rule.code)
            && !self.path_ignores.iter().any(|sel| {
                crate::registry::find(rule.code)
                    .is_some_and(|m| crate::registry::matches_selector(sel, m))
            })
    }

    /// The weakest pin that passes.
    pub fn required_pin(&self) -> RequiredPin {
        self.config.required_pin
    }

    /// A span in the checked file.
    pub fn span(&self, range: Range<usize>) -> Span {
        Span::new(self.file.clone(), range)
    }

    /// Byte range of a YAML node's value for a diagnostic: a scalar's content without quotes
    /// (and never running past the scalar into a trailing comment), else the node's span.
    pub fn node_range(&self, node: &fleetpin_yaml::Node) -> Range<usize> {
        match node.as_scalar() {
            Some(s) => {
                let start = s.value_span.start;
                let end = start + s.value.len();
                if end <= s.value_span.end
                    && self.file.text().get(start..end) == Some(s.value.as_str())
                {
                    start..end
                } else {
                    let text = self.file.text().get(s.value_span.clone()).unwrap_or("");
                    let trimmed = text.trim_end_matches(|c: char| c.is_whitespace());
                    start..start + trimmed.len()
                }
            }
            None => node.span.clone(),
        }
    }

    /// A diagnostic of `rule` at its default severity, pointing at `range`.
    pub fn diagnostic(
        &self,
        rule: &Rule,
        range: Range<usize>,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic::new(rule.code, rule.name, rule.default_severity, message)
            .with_kind(rule.kind)
            .with_primary(self.span(range), "")
    }

    /// Reports a finding (dropped if the rule is off or the line is suppressed).
    pub fn report(&mut self, diagnostic: Diagnostic) {
        self.report_about(diagnostic, None);
    }

    /// Reports a finding about `subject` (a package manager for `SH001`, matched by hadolint
    /// suppressions such as `DL3008` = apt).
    pub fn report_about(&mut self, mut diagnostic: Diagnostic, subject: Option<&str>) {
        if !self.rules.is_enabled(&diagnostic.code) {
            return;
        }
        if self.config.ignores_at(&self.source_path, &diagnostic.code) {
            return;
        }
        if !diagnostic.is_input_error()
            && let Some(label) = &diagnostic.primary
            && label.span.file == self.file
        {
            let first = label.span.start().0;
            let end = label.span.range.end.max(label.span.range.start + 1) - 1;
            let last = self.file.line_col(end).0;
            let code: &str = &diagnostic.code;
            let in_task = self.task_lines.filter(|(a, b)| (*a..=*b).contains(&first));
            let task_suppressed = in_task.is_some_and(|(a, b)| {
                (a..=b).any(|l| self.suppressions.is_suppressed(code, subject, l))
            });
            if task_suppressed
                || self.suppressions.is_suppressed(code, subject, first)
                || self.suppressions.is_suppressed(code, subject, last)
            {
                return;
            }
        }
        diagnostic.severity = self.rules.severity(&diagnostic.code, diagnostic.severity);
        // The same finding twice (a command checked once per loop item, where the finding
        // is not about the item) is reported once.
        if self.diagnostics.iter().rev().any(|d| *d == diagnostic) {
            return;
        }
        self.diagnostics.push(diagnostic);
    }

    /// Lowers or raises the severity a rule picked for one finding (e.g. a range instead of
    /// no version); configuration overrides still win.
    pub fn with_severity(diagnostic: Diagnostic, severity: Severity) -> Diagnostic {
        Diagnostic {
            severity,
            ..diagnostic
        }
    }

    /// Records a system package the code installs on hosts (see [`crate::managed`]): `spec`
    /// as resolved (`None` with the template when unresolved), at `range` of this file.
    /// Only Ansible playbooks, task and handler files install on hosts; elsewhere (a
    /// Dockerfile's `RUN`) nothing is recorded.
    pub fn record_package(
        &mut self,
        manager: fleetpin_shell::Manager,
        spec: Option<&str>,
        template: Option<&str>,
        range: Range<usize>,
    ) {
        if !matches!(
            self.kind,
            FileKind::Playbook | FileKind::Tasks | FileKind::Handlers
        ) {
            return;
        }
        let (name, spec) = match spec {
            Some(s) => {
                let name = fleetpin_shell::parse_spec(manager, s).name;
                // `pkg:arch` names one package of a foreign architecture: lock by name.
                let name = match name.split_once(':') {
                    Some((n, _)) if manager == fleetpin_shell::Manager::Apt => n.to_owned(),
                    _ => name,
                };
                (Some(name).filter(|n| !n.is_empty()), s.to_owned())
            }
            None => (None, template.unwrap_or("?").to_owned()),
        };
        let line = self.file.line_col(range.start).0;
        self.packages.push(crate::ManagedPackage {
            name,
            manager: manager.as_str(),
            spec,
            path: self.file.path().to_path_buf(),
            line,
        });
    }

    /// Records where `fleetpin pin` may write a version (see [`crate::pin_site`]).
    pub fn record_pin_site(&mut self, site: crate::PinSite) {
        self.pin_sites.push(site);
    }

    /// The findings (see [`Checker::into_diagnostics`]) and the recorded packages and pin
    /// sites.
    pub fn into_parts(mut self) -> (Vec<Diagnostic>, crate::engine::Recorded) {
        let packages = std::mem::take(&mut self.packages);
        let sites = std::mem::take(&mut self.pin_sites);
        (self.into_diagnostics(), (packages, sites))
    }

    /// The findings, with unused suppressions (`SUP001`) when that rule runs.
    pub fn into_diagnostics(mut self) -> Vec<Diagnostic> {
        use crate::rules::suppression::unused_suppression::UnusedSuppression;
        drop_subsumed(&mut self.diagnostics);
        use crate::suppress::Scope;
        let rule = UnusedSuppression::RULE;
        if self.enabled(&rule) {
            for unused in self.suppressions.unused() {
                let message = match &unused.scope {
                    Scope::All => "`# fleetpin: ignore` suppresses nothing here".to_owned(),
                    Scope::Rule { code, .. } => {
                        let runs = crate::registry::find(code).is_some_and(|m| {
                            self.rules.is_enabled(m.code)
                                && !self.config.ignores_at(&self.source_path, m.code)
                        });
                        if !runs {
                            continue;
                        }
                        format!("unused suppression: there is no `{code}` finding here")
                    }
                };
                let d = self
                    .diagnostic(&rule, unused.comment.clone(), message)
                    .with_help("remove the comment");
                let d = Diagnostic {
                    severity: self.rules.severity(rule.code, rule.default_severity),
                    ..d
                };
                self.diagnostics.push(d);
            }
        }
        self.diagnostics
    }
}

/// Pairs `(a, b)`: a finding of `a` at exactly the place of a finding of `b` says nothing `b`
/// does not, so only `b` is reported (one finding per problem, issue 9). A download from a
/// `releases/latest` URL (ANS007) already asks for a versioned URL *and* its checksum, so
/// "no checksum" (ANS008) on the same URL is dropped.
const SUBSUMED: &[(&str, &str)] = &[("ANS008", "ANS007")];

fn drop_subsumed(diagnostics: &mut Vec<Diagnostic>) {
    let place = |d: &Diagnostic| d.primary.as_ref().map(|l| l.span.clone());
    for (a, b) in SUBSUMED {
        let covered: Vec<_> = diagnostics
            .iter()
            .filter(|d| d.code == *b)
            .filter_map(place)
            .collect();
        if covered.is_empty() {
            continue;
        }
        diagnostics.retain(|d| d.code != *a || place(d).is_none_or(|p| !covered.contains(&p)));
    }
}
