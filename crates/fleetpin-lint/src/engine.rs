//! The engine: find files, read them safely, classify them, run the rules in parallel.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use fleetpin_diag::{Diagnostic, RuleMeta, Severity, SourceFile, Span};
use rayon::prelude::*;
use std::sync::Mutex;

use crate::checker::Checker;
use crate::config::{self, Config, RuleOverrides, RuleSet};
use crate::kind::{self, FileKind, NameClass};
use crate::registry::Rule;
use crate::rules;
use crate::rules::input::{
    BinaryFile, FileTooLarge, InvalidInventory, InvalidYaml, NonUtf8File, UnreadableFile, WalkError,
};

/// What to lint and how.
#[derive(Debug, Clone)]
pub struct LintOptions {
    /// Files and directories to lint (default: `.`). Walked without following symbolic links
    /// (as ripgrep): each file is reported once, under its real path; a link to a file whose
    /// target is outside the tree is linted under the link. Paths below the current directory
    /// are shown relative to it, however they were given.
    pub paths: Vec<PathBuf>,
    /// `--config FILE`: use this file instead of discovering `fleetpin.toml`.
    pub config_file: Option<PathBuf>,
    /// `--select`, `--ignore`, `--extend-select`.
    pub overrides: RuleOverrides,
    /// Honour `.gitignore`, `.ignore` and git's excludes (on by default; `--no-ignore`).
    pub respect_gitignore: bool,
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            paths: vec![PathBuf::from(".")],
            config_file: None,
            overrides: RuleOverrides::default(),
            respect_gitignore: true,
        }
    }
}

/// A file fleetpin looked at, and what it took it for.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LintedFile {
    /// Display path (as found from the given PATH, without a leading `./`).
    pub path: PathBuf,
    /// Its kind; `None` when it could not be read or parsed far enough to tell.
    pub kind: Option<FileKind>,
}

/// The result of a lint run.
#[derive(Debug, Clone, Default)]
pub struct LintReport {
    /// Findings and input errors, sorted by path, position and code.
    pub diagnostics: Vec<Diagnostic>,
    /// Every file looked at, sorted by path.
    pub files: Vec<LintedFile>,
    /// Metadata of every rule that ran (for SARIF `tool.driver.rules`), sorted by code.
    pub rules: Vec<RuleMeta>,
    /// The system packages the code installs on hosts, sorted by name, path and line.
    pub packages: Vec<crate::ManagedPackage>,
    /// Where the package rules found floating values, for `fleetpin pin` (see
    /// [`crate::pin_site`]).
    pub pin_sites: Vec<crate::PinSite>,
}

/// What a file's check records besides findings: installed packages and pin sites.
pub type Recorded = (Vec<crate::ManagedPackage>, Vec<crate::PinSite>);

impl LintReport {
    /// Number of input errors ([`fleetpin_diag::Kind::InputError`]).
    pub fn input_errors(&self) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| d.is_input_error())
            .count()
    }

    /// Number of findings (everything that is not an input error).
    pub fn findings(&self) -> usize {
        self.diagnostics.len() - self.input_errors()
    }

    /// Number of findings of `severity`.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics
            .iter()
            .filter(|d| !d.is_input_error() && d.severity == severity)
            .count()
    }
}

/// The current directory, read when a lint run starts (paths below it are shown relative to
/// it).
static CWD: std::sync::RwLock<Option<PathBuf>> = std::sync::RwLock::new(None);

/// `path` as shown in messages: relative to the current directory when it lies below it (so
/// `fleetpin lint .` and `fleetpin lint "$PWD"` report the same paths), without leading `./`.
pub(crate) fn display_path(path: &Path) -> PathBuf {
    let mut p = path;
    let cwd = CWD.read().unwrap_or_else(|e| e.into_inner());
    if p.is_absolute()
        && let Some(rest) = cwd.as_deref().and_then(|cwd| p.strip_prefix(cwd).ok())
        && !rest.as_os_str().is_empty()
    {
        p = rest;
    }
    while let Ok(rest) = p.strip_prefix(".") {
        if rest.as_os_str().is_empty() {
            break;
        }
        p = rest;
    }
    p.to_path_buf()
}

fn input_error(rule: &Rule, path: &Path, message: impl Into<String>) -> Diagnostic {
    Diagnostic::input_error(rule.code, rule.name, message).with_path(path)
}

/// The innermost path and message of a walk error.
fn walk_error(err: &ignore::Error, fallback: &Path) -> Diagnostic {
    fn path_of(err: &ignore::Error) -> Option<&Path> {
        match err {
            ignore::Error::WithPath { path, .. } => Some(path),
            ignore::Error::Loop { child, .. } => Some(child),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                path_of(err)
            }
            ignore::Error::Partial(errs) => errs.first().and_then(path_of),
            _ => None,
        }
    }
    fn message(err: &ignore::Error) -> String {
        match err {
            ignore::Error::WithPath { err, .. }
            | ignore::Error::WithDepth { err, .. }
            | ignore::Error::WithLineNumber { err, .. } => message(err),
            ignore::Error::Loop { ancestor, .. } => format!(
                "symbolic link loop: points back to `{}`",
                display_path(ancestor).display()
            ),
            ignore::Error::Io(e) if e.kind() == std::io::ErrorKind::NotFound => {
                "no such file or directory".to_owned()
            }
            other => other.to_string(),
        }
    }
    let path = path_of(err).unwrap_or(fallback);
    input_error(&WalkError::RULE, &display_path(path), message(err))
}

/// Directories never walked into (version-control data, virtualenvs, package caches), as
/// ruff's default `exclude`. Hidden directories are walked otherwise: `.github` holds
/// workflows. A directory given explicitly on the command line is still linted.
pub const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".jj",
    ".venv",
    "venv",
    ".tox",
    ".nox",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".direnv",
    ".terraform",
];

/// One linted root: a PATH and the configuration that governs it.
struct Root {
    path: PathBuf,
    config: usize,
    project: usize,
}

/// A file to check.
struct Candidate {
    path: PathBuf,
    class: NameClass,
    config: usize,
    project: usize,
    /// Reached through a symbolic link to a file (kept only if its target is not linted too).
    link: bool,
}

/// Configurations in use and their rule sets.
struct Configs {
    configs: Vec<(Config, RuleSet)>,
    by_path: HashMap<PathBuf, usize>,
}

fn load_configs(options: &LintOptions, errors: &mut Vec<Diagnostic>) -> (Configs, Vec<Root>) {
    let mut configs = Configs {
        configs: Vec::new(),
        by_path: HashMap::new(),
    };
    let mut roots = Vec::new();
    let mut failed: HashMap<PathBuf, ()> = HashMap::new();
    let paths = if options.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        options.paths.clone()
    };
    for path in paths {
        let found = match &options.config_file {
            Some(f) => Some(f.clone()),
            None => config::discover(&path),
        };
        let key = found.clone().unwrap_or_default();
        if failed.contains_key(&key) {
            continue;
        }
        let idx = match configs.by_path.get(&key) {
            Some(&i) => i,
            None => {
                let loaded = match &found {
                    None => Ok(Config::default()),
                    Some(file) => Config::load(file, &display_config_path(file)),
                };
                match loaded {
                    Ok(cfg) => {
                        let rs = cfg.rule_set(&options.overrides);
                        configs.configs.push((cfg, rs));
                        configs.by_path.insert(key, configs.configs.len() - 1);
                        configs.configs.len() - 1
                    }
                    Err(e) => {
                        errors.push(e.to_diagnostic());
                        failed.insert(key, ());
                        continue;
                    }
                }
            }
        };
        // Walk from the absolute path (`..` kept, no symlink resolved), so that project and
        // configuration discovery see the same ancestors however the path was written.
        let path = std::path::absolute(&path).unwrap_or(path);
        roots.push(Root {
            path,
            config: idx,
            project: 0,
        });
    }
    (configs, roots)
}

/// A configuration file's path for messages: relative to the current directory if below it.
fn display_config_path(file: &Path) -> PathBuf {
    if file.is_relative() {
        return display_path(file);
    }
    std::env::current_dir()
        .ok()
        .and_then(|cwd| file.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| file.to_path_buf())
}

fn walk(
    root: &Root,
    options: &LintOptions,
    out: &mut Vec<Candidate>,
    errors: &mut Vec<Diagnostic>,
) {
    if root.path.is_file() {
        // An explicitly named file is linted whatever its name; unknown names are read as YAML.
        let class = match kind::classify_path(&display_path(&root.path)) {
            NameClass::Skip => NameClass::Yaml(None),
            c => c,
        };
        out.push(Candidate {
            path: root.path.clone(),
            class,
            config: root.config,
            project: root.project,
            link: false,
        });
        return;
    }
    let mut builder = ignore::WalkBuilder::new(&root.path);
    builder
        .hidden(false)
        // Symbolic links are not followed, as ripgrep: a folder linked into the tree (debops
        // links `roles/` to the collection's roles) would report every file twice. A link to a
        // file is linted under the link's path only when its target is not linted anyway.
        .follow_links(false)
        .git_ignore(options.respect_gitignore)
        .git_global(options.respect_gitignore)
        .git_exclude(options.respect_gitignore)
        .ignore(options.respect_gitignore)
        .parents(options.respect_gitignore)
        .require_git(false)
        .filter_entry(|e| {
            !(e.file_type().is_some_and(|t| t.is_dir())
                && e.depth() > 0
                && e.file_name()
                    .to_str()
                    .is_some_and(|n| SKIPPED_DIRS.contains(&n)))
        });
    // The parallel walker (ripgrep's): directory reading is a large share of a lint run over
    // a big tree, and it is all syscalls. Order does not matter: candidates are sorted after.
    let found: Mutex<(Vec<Candidate>, Vec<Diagnostic>)> = Mutex::default();
    builder.build_parallel().run(|| {
        let found = &found;
        Box::new(move |entry| {
            match entry {
                Ok(entry) => {
                    let Some(t) = entry.file_type() else {
                        return ignore::WalkState::Continue;
                    };
                    // A link counts when it leads to a file; dangling links and links to
                    // folders are skipped, as ripgrep does.
                    let link = t.is_symlink();
                    if t.is_file() || (link && entry.path().is_file()) {
                        let class = kind::classify_path(&display_path(entry.path()));
                        if class != NameClass::Skip {
                            let candidate = Candidate {
                                path: entry.into_path(),
                                class,
                                config: root.config,
                                project: root.project,
                                link,
                            };
                            lock(found).0.push(candidate);
                        }
                    }
                }
                Err(err) => lock(found).1.push(walk_error(&err, &root.path)),
            }
            ignore::WalkState::Continue
        })
    });
    let (candidates, walk_errors) = found.into_inner().unwrap_or_else(|e| e.into_inner());
    out.extend(candidates);
    errors.extend(walk_errors);
}

/// Drops files reached through a symbolic link whose target is linted as well (under its own
/// path) or was already reached through another link: each file is reported once. Only links
/// are resolved; every other candidate's real path is its root's real path plus the rest, since
/// no linked folder is walked.
fn drop_linked_duplicates(roots: &[Root], candidates: &mut Vec<Candidate>) {
    if !candidates.iter().any(|c| c.link) {
        return;
    }
    let real_roots: Vec<(PathBuf, PathBuf)> = roots
        .iter()
        .filter_map(|r| Some((r.path.clone(), std::fs::canonicalize(&r.path).ok()?)))
        .collect();
    let real_of = |p: &Path| -> Option<PathBuf> {
        let (root, real) = real_roots
            .iter()
            .filter(|(root, _)| p.starts_with(root))
            .max_by_key(|(root, _)| root.as_os_str().len())?;
        let rest = p.strip_prefix(root).ok()?;
        Some(if rest.as_os_str().is_empty() {
            real.clone()
        } else {
            real.join(rest)
        })
    };
    let mut seen: std::collections::HashSet<PathBuf> = candidates
        .iter()
        .filter(|c| !c.link)
        .filter_map(|c| real_of(&c.path))
        .collect();
    candidates.retain(|c| {
        !c.link
            || std::fs::canonicalize(&c.path)
                .map(|real| seen.insert(real))
                .unwrap_or(false)
    });
}

/// A poisoned lock only means another walker thread panicked; its data is still sound.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Lints every file under `options.paths`.
pub fn lint(options: &LintOptions) -> LintReport {
    *CWD.write().unwrap_or_else(|e| e.into_inner()) = std::env::current_dir().ok();
    let mut errors = Vec::new();
    let (configs, mut roots) = load_configs(options, &mut errors);
    // One Ansible project per repository (shared by every root inside it), built lazily.
    let mut projects: Vec<fleetpin_ansible::Project> = Vec::new();
    for root in &mut roots {
        let project = fleetpin_ansible::Project::discover(&root.path);
        root.project = match projects.iter().position(|p| p.root() == project.root()) {
            Some(i) => i,
            None => {
                projects.push(project);
                projects.len() - 1
            }
        };
    }
    let mut candidates = Vec::new();
    for root in &roots {
        walk(root, options, &mut candidates, &mut errors);
    }
    candidates.sort_by(|a, b| a.path.cmp(&b.path));
    candidates.dedup_by(|a, b| a.path == b.path);
    drop_linked_duplicates(&roots, &mut candidates);
    // A file belongs to the nearest project with an `ansible.cfg` at or below its root's
    // project (so `fleetpin lint .` over several Ansible repositories resolves each in its own).
    let mut by_dir: HashMap<PathBuf, usize> = HashMap::new();
    for c in &mut candidates {
        let Some(dir) = c.path.parent() else { continue };
        let base = projects[c.project].root().to_path_buf();
        c.project = nearest_project(dir, &base, c.project, &mut projects, &mut by_dir);
    }

    // Index the Ansible projects that have YAML to lint before the files, with every core
    // (see `Project::prepare`).
    let mut with_yaml = vec![false; projects.len()];
    for c in &candidates {
        if !matches!(
            c.class,
            NameClass::Skip | NameClass::Known(FileKind::Dockerfile)
        ) {
            with_yaml[c.project] = true;
        }
    }
    projects
        .par_iter()
        .zip(&with_yaml)
        .filter(|(_, yaml)| **yaml)
        .for_each(|(p, _)| p.prepare());
    errors.extend(inventory_errors(&projects, &candidates, &configs));

    let results: Vec<(LintedFile, Vec<Diagnostic>, Recorded)> = candidates
        .par_iter()
        .map(|c| {
            let (cfg, rules) = &configs.configs[c.config];
            check_file(&c.path, c.class, cfg, rules, &projects[c.project])
        })
        .collect();

    let mut report = LintReport {
        diagnostics: errors,
        ..LintReport::default()
    };
    for (file, diags, (packages, sites)) in results {
        report.files.push(file);
        report.diagnostics.extend(diags);
        report.packages.extend(packages);
        report.pin_sites.extend(sites);
    }
    report.packages.sort();
    report
        .diagnostics
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report.files.sort();
    let mut codes: Vec<&'static str> = configs
        .configs
        .iter()
        .flat_map(|(_, rs)| rs.enabled().iter().copied())
        .collect();
    codes.sort_unstable();
    codes.dedup();
    report.rules = codes
        .iter()
        .filter_map(|c| crate::registry::find(c))
        .copied()
        .collect();
    report
}

/// `E009` for the inventory files of the projects that have YAML to lint, unless the file is
/// linted as YAML and does not parse (that is `E005` already).
fn inventory_errors(
    projects: &[fleetpin_ansible::Project],
    candidates: &[Candidate],
    configs: &Configs,
) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (i, project) in projects.iter().enumerate() {
        // The configuration of the project's first YAML file (none: nothing to report).
        let Some(c) = candidates.iter().find(|c| {
            c.project == i
                && !matches!(
                    c.class,
                    NameClass::Skip | NameClass::Known(FileKind::Dockerfile)
                )
        }) else {
            continue;
        };
        let (cfg, rules) = &configs.configs[c.config];
        if !rules.is_enabled(InvalidInventory::RULE.code) {
            continue;
        }
        for problem in fleetpin_ansible::inventory::inventory_problems(
            project.inventory_files(),
            cfg.max_file_size,
        ) {
            let linted_as_yaml = problem
                .path
                .extension()
                .is_some_and(|e| e == "yml" || e == "yaml")
                && fleetpin_yaml::parse(&problem.text).is_err();
            if linted_as_yaml || cfg.ignores_at(&problem.path, InvalidInventory::RULE.code) {
                continue;
            }
            let (line, message) = (problem.line, problem.message);
            let file = SourceFile::new(display_path(&problem.path), problem.text);
            let d = Diagnostic::input_error(
                InvalidInventory::RULE.code,
                InvalidInventory::RULE.name,
                format!("invalid inventory: {message}"),
            );
            out.push(if line >= 1 && line <= file.line_count() {
                let range = file.line_range(line);
                d.with_primary(Span::new(file.clone(), range), "")
            } else {
                d.with_path(display_path(&problem.path))
            });
        }
    }
    out
}

/// The project of files in `dir`: the nearest directory from `dir` up to (excluding) `base`
/// that has an `ansible.cfg`, else `fallback`. Memoised per directory.
fn nearest_project(
    dir: &Path,
    base: &Path,
    fallback: usize,
    projects: &mut Vec<fleetpin_ansible::Project>,
    by_dir: &mut HashMap<PathBuf, usize>,
) -> usize {
    if let Some(&p) = by_dir.get(dir) {
        return p;
    }
    let found = if dir == base || dir.as_os_str().is_empty() || !dir.starts_with(base) {
        fallback
    } else if dir.join("ansible.cfg").is_file() {
        match projects.iter().position(|p| p.root() == dir) {
            Some(i) => i,
            None => {
                projects.push(fleetpin_ansible::Project::new(dir));
                projects.len() - 1
            }
        }
    } else {
        match dir.parent() {
            Some(parent) => nearest_project(parent, base, fallback, projects, by_dir),
            None => fallback,
        }
    };
    by_dir.insert(dir.to_path_buf(), found);
    found
}

/// Reads a file with the size, binary and UTF-8 checks. `Err` is the input error to report.
fn read_text(path: &Path, display: &Path, max_size: u64) -> Result<String, Box<Diagnostic>> {
    let meta = std::fs::metadata(path).map_err(|e| {
        Box::new(input_error(
            &UnreadableFile::RULE,
            display,
            format!("cannot read file: {e}"),
        ))
    })?;
    if meta.len() > max_size {
        return Err(Box::new(input_error(
            &FileTooLarge::RULE,
            display,
            format!(
                "file is {} bytes, larger than `max-file-size` ({max_size} bytes); not linted",
                meta.len()
            ),
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| {
        Box::new(input_error(
            &UnreadableFile::RULE,
            display,
            format!("cannot read file: {e}"),
        ))
    })?;
    if let Some(pos) = memchr::memchr(0, &bytes) {
        let line = bytes[..pos].iter().filter(|&&b| b == b'\n').count() + 1;
        return Err(Box::new(input_error(
            &BinaryFile::RULE,
            display,
            format!("binary file (NUL byte on line {line}); not linted"),
        )));
    }
    match String::from_utf8(bytes) {
        Ok(mut text) => {
            if text.starts_with('\u{feff}') {
                text.replace_range(..3, "");
            }
            Ok(text)
        }
        Err(e) => {
            let bytes = e.into_bytes();
            let valid = match std::str::from_utf8(&bytes) {
                Err(u) => u.valid_up_to(),
                Ok(_) => 0,
            };
            let line = bytes[..valid].iter().filter(|&&b| b == b'\n').count() + 1;
            let lossy = String::from_utf8_lossy(&bytes).into_owned();
            // Offset of the first replacement character in the lossy text = `valid`.
            let file = SourceFile::new(display, lossy);
            let bad = bytes[valid];
            Err(Box::new(
                Diagnostic::input_error(
                    NonUtf8File::RULE.code,
                    NonUtf8File::RULE.name,
                    format!("file is not valid UTF-8: invalid byte 0x{bad:02x} on line {line}; not linted"),
                )
                .with_primary(Span::new(file, valid..valid + '\u{fffd}'.len_utf8()), "invalid byte"),
            ))
        }
    }
}

/// Whether a file that does not parse as YAML is a template rather than broken YAML: it lives
/// in a `templates/` directory (Ansible roles, Helm charts) or uses Jinja statements or Go
/// template markers, which plain Ansible YAML never needs.
fn is_template_source(path: &Path, text: &str) -> bool {
    display_path(path)
        .components()
        .any(|c| c.as_os_str() == "templates")
        || fleetpin_ansible::jinja::is_template_source(text)
}

fn check_file(
    path: &Path,
    class: NameClass,
    config: &Config,
    rules: &RuleSet,
    project: &fleetpin_ansible::Project,
) -> (LintedFile, Vec<Diagnostic>, Recorded) {
    let display = display_path(path);
    let mut linted = LintedFile {
        path: display.clone(),
        kind: match class {
            NameClass::Known(k) => Some(k),
            _ => None,
        },
    };
    let text = match read_text(path, &display, config.max_file_size) {
        Ok(t) => t,
        Err(d) => {
            let keep = rules.is_enabled(&d.code) && !config.ignores_at(path, &d.code);
            return (
                linted,
                if keep { vec![*d] } else { Vec::new() },
                Recorded::default(),
            );
        }
    };
    let file = SourceFile::new(display.clone(), text);
    let path_ignores = config.path_ignores(path);
    let kind_hint = match class {
        NameClass::Known(k) => Some(k),
        NameClass::Yaml(h) => h,
        NameClass::Skip => None,
    };
    if kind_hint == Some(FileKind::Dockerfile)
        && display.components().any(|c| c.as_os_str() == "templates")
        && fleetpin_ansible::jinja::has_template(file.text())
    {
        // A role's `templates/Dockerfile` with Jinja in it is a Dockerfile only once
        // rendered (`FROM {{ base_image }}`): not linted, as YAML templates are not.
        return (linted, Vec::new(), Recorded::default());
    }
    if kind_hint == Some(FileKind::Dockerfile) || kind_hint == Some(FileKind::InventoryIni) {
        let kind = kind_hint.unwrap_or(FileKind::Dockerfile);
        let mut checker = Checker::new(path.to_path_buf(), file, kind, config, rules, path_ignores);
        rules::check_text(&mut checker);
        let (diags, packages) = checker.into_parts();
        return (linted, diags, packages);
    }
    // The project parses many of the files linted (playbooks, task files it follows, vars
    // files): take its tree when it read the same text, so each file is parsed once (a YAML
    // tree depends on nothing but the text). Its load also keeps the tree for the variable
    // resolution of the files linted after this one.
    let loaded = project.load(path).ok().filter(|f| *f.text == *file.text());
    let parsed = match &loaded {
        Some(_) => Ok(Vec::new()),
        None => fleetpin_yaml::parse(file.text()),
    };
    let docs: &[fleetpin_yaml::Document] = match &parsed {
        Ok(d) => loaded.as_ref().map_or(d, |f| &f.docs),
        Err(_) if is_template_source(path, file.text()) => {
            // A Jinja or Go (Helm) template that is YAML only once rendered: not linted.
            linted.kind = Some(FileKind::OtherYaml);
            return (linted, Vec::new(), Recorded::default());
        }
        Err(e) => {
            let start = e.offset.min(file.text().len());
            let end = file.text()[start..]
                .chars()
                .next()
                .map_or(start, |c| start + c.len_utf8());
            let d = Diagnostic::input_error(
                InvalidYaml::RULE.code,
                InvalidYaml::RULE.name,
                format!("invalid YAML: {}", e.message),
            )
            .with_primary(Span::new(file.clone(), start..end), "");
            let keep = rules.is_enabled(&d.code) && !config.ignores_at(path, &d.code);
            return (
                linted,
                if keep { vec![d] } else { Vec::new() },
                Recorded::default(),
            );
        }
    };
    let kind = match class {
        NameClass::Known(k) => k,
        NameClass::Yaml(hint) => kind::classify_yaml(hint, docs.first().map(|d| &d.root)),
        NameClass::Skip => FileKind::OtherYaml,
    };
    linted.kind = Some(kind);
    let mut checker = Checker::new(path.to_path_buf(), file, kind, config, rules, path_ignores);
    checker.project = Some(project);
    rules::check_yaml(&mut checker, docs);
    let (diags, packages) = checker.into_parts();
    (linted, diags, packages)
}
