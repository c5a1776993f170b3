//! `fleetpin pin`: rewrite what `fleetpin lint` finds floating, as minimal byte-range edits.
//!
//! - Package tasks get the versions of `fleetpin.lock` in their module's syntax
//!   ([`packages::pinned_spec`]), `state: latest` becomes `state: present`; a value from a
//!   variable is edited where the variable is set, once.
//! - Images get `@sha256:…` from an [`fleetpin_registry::DigestSource`] (the registry, through
//!   the on-disk digest cache).
//! - GitHub Actions get the commit SHA of their ref ([`actions::GitLsRemote`]), with the ref
//!   kept as a comment.
//! - Galaxy collections get the version installed here ([`galaxy::InstalledCollections`]).
//! - `apt-get install foo` in shell tasks and `RUN` gets the locked version, as an unsafe fix
//!   only (the lock records the hosts, not the images).
//!
//! Safety, as ruff does it: each edit is [`Applicability::Safe`] or `Unsafe` (applied only
//! with `unsafe_fixes`); the edited file is parsed again and refused when anything but the
//! pinned values changed ([`verify`]); writes are atomic (a temporary file in the same folder
//! with the same permissions, fsync, rename) and refused when the file changed on disk since
//! it was read. Every problem is a named [`PinError`]; the other files are still fixed.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use fleetpin_diag::{Applicability, SourceFile};
use fleetpin_fleet::lock::Lock;
use fleetpin_lint::{FileKind, LintOptions, LintReport};

pub mod actions;
mod downgrade;
mod error;
pub mod galaxy;
mod groups;
pub mod images;
pub mod packages;
mod shell;
pub mod verify;
pub mod write;

pub use error::PinError;

/// One edit a fix wants, before edits are grouped per file.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    pub file: SourceFile,
    pub range: Range<usize>,
    pub content: String,
    pub applicability: Applicability,
    pub code: &'static str,
    pub title: String,
}

/// What `fleetpin pin` works with.
#[derive(Default)]
pub struct PinOptions<'a> {
    /// What to lint (paths, configuration).
    pub lint: LintOptions,
    /// The fleet's lock, for package versions.
    pub lock: Option<&'a Lock>,
    /// Apply unsafe fixes too.
    pub unsafe_fixes: bool,
    /// Where image digests come from; `None` leaves images alone.
    pub images: Option<&'a dyn fleetpin_registry::DigestSource>,
    /// Where action SHAs come from; `None` leaves actions alone.
    pub actions: Option<&'a dyn actions::ActionRefs>,
    /// Where Galaxy collection versions come from; `None` leaves requirements alone.
    pub galaxy: Option<&'a dyn galaxy::GalaxyVersions>,
    /// The lock's path, named in the group_vars files fleetpin creates.
    pub lock_path: Option<&'a Path>,
    /// Gathered facts: where a host runs a package above the lock, the task gets
    /// `allow_downgrade: true` (unsafe). `None`: downgrades are not checked (a note says so).
    pub facts: Option<&'a fleetpin_fleet::fleet::Fleet>,
}

/// One edit of a file, with the rule it fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedEdit {
    /// Byte range in the text the file had when it was read.
    pub range: Range<usize>,
    /// The new text.
    pub content: String,
    /// The rule whose finding it fixes.
    pub code: &'static str,
    /// What it does ("pin `docker-ce` to 5:20.10.23~3-0~debian-buster").
    pub title: String,
}

/// The edits of one file.
#[derive(Debug, Clone)]
pub struct FilePlan {
    /// The path as shown (relative to the current directory when below it).
    pub path: PathBuf,
    /// The text the edits apply to (as read, without a byte-order mark).
    pub original: String,
    /// Edits, sorted, non-overlapping.
    pub edits: Vec<PlannedEdit>,
    /// How to re-parse it.
    pub syntax: verify::Syntax,
    /// The file does not exist yet and is created (a group's `group_vars/G/fleetpin.yml`);
    /// it is never written over an existing file.
    pub create: bool,
    /// Group vars files its edits rely on (per-group values): write those first, and this
    /// file only if they were written.
    pub requires: Vec<PathBuf>,
}

impl FilePlan {
    /// The edited text.
    pub fn edited(&self) -> String {
        let mut out = String::with_capacity(self.original.len() + 64);
        let mut pos = 0;
        for e in &self.edits {
            out.push_str(&self.original[pos..e.range.start]);
            out.push_str(&e.content);
            pos = e.range.end;
        }
        out.push_str(&self.original[pos..]);
        out
    }
}

/// What [`plan`] found: the edits per file, the errors, and what was left for
/// `--unsafe-fixes`.
#[derive(Debug, Default)]
pub struct Plan {
    /// Files with edits, by path.
    pub files: Vec<FilePlan>,
    /// Values or files that could not be pinned.
    pub errors: Vec<PinError>,
    /// Unsafe edits not applied (without `unsafe_fixes`): (path, line, title).
    pub skipped_unsafe: Vec<(PathBuf, usize, String)>,
    /// What the user should know that is neither an edit nor an error.
    pub notes: Vec<String>,
    /// The lint run the plan was made from.
    pub report: LintReport,
}

impl Plan {
    /// Number of edits.
    pub fn edit_count(&self) -> usize {
        self.files.iter().map(|f| f.edits.len()).sum()
    }
}

/// Lints, then works out every edit. Writes nothing.
pub fn plan(options: &PinOptions<'_>) -> Plan {
    let mut lint = options.lint.clone();
    // Every image without a digest is pinned, not only floating tags.
    if options.images.is_some() {
        lint.overrides.extend_select.push("IMG002".to_owned());
    }
    let report = fleetpin_lint::lint(&lint);
    plan_from_report(report, options)
}

/// [`plan`] for an existing lint report.
pub fn plan_from_report(report: LintReport, options: &PinOptions<'_>) -> Plan {
    let mut candidates = Vec::new();
    let mut errors = Vec::new();

    // Package sites of findings that were reported (a suppressed finding is not fixed).
    let reported: std::collections::HashSet<(&Path, &str, usize, usize)> = report
        .diagnostics
        .iter()
        .filter_map(|d| {
            let p = d.primary.as_ref()?;
            Some((
                p.span.file.path(),
                &*d.code,
                p.span.range.start,
                p.span.range.end,
            ))
        })
        .collect();
    let sites: Vec<&fleetpin_lint::PinSite> = report
        .pin_sites
        .iter()
        .filter(|s| {
            reported.contains(&(
                s.finding.1.file.path(),
                s.finding.0,
                s.finding.1.range.start,
                s.finding.1.range.end,
            ))
        })
        .collect();
    let mut ctx = packages::Ctx {
        facts: options.facts,
        ..packages::Ctx::default()
    };
    ctx.targeting.playbooks = report
        .files
        .iter()
        .filter(|f| f.kind == Some(FileKind::Playbook))
        .map(|f| f.path.clone())
        .collect();
    packages::candidates(&sites, options.lock, &mut ctx, &mut candidates, &mut errors);
    // Tasks pinned before (by an earlier run or by hand) whose hosts run the package above
    // the version they install.
    if let (Some(facts), Some(lock)) = (options.facts, options.lock) {
        for (file, at, package, ahead) in
            downgrade::already_pinned(&report.packages, facts, lock, &mut ctx.targeting)
        {
            match downgrade::candidate(&file, at, "ANS002", &package, &ahead) {
                Ok(Some(c)) => candidates.push(c),
                Ok(None) => {}
                Err(why) => errors.push(PinError::Unsupported {
                    path: file.path().to_path_buf(),
                    line: file.line_col(at).0,
                    package,
                    module: "apt/dnf/yum".to_owned(),
                    why: format!(
                        "hosts run it above the pinned version, but `allow_downgrade` cannot be \
                         added: {why}"
                    ),
                }),
            }
        }
    }
    let mut notes = Vec::new();
    if ctx.downgrades_unchecked {
        notes.push(
            "downgrades are not checked: without facts (`--facts DIR`, the `fleetpin gather` \
             output) fleetpin cannot tell whether a host runs a package above the lock, where \
             apt refuses the pinned version without `allow_downgrade`"
                .to_owned(),
        );
    }
    // Per-group values: each group's vars file, edited in place or created.
    let mut vars_checks: BTreeMap<PathBuf, VarsCheck> = BTreeMap::new();
    let mut created = Vec::new();
    // (group_vars folder, group) → the vars file its change edits or creates, and those that
    // cannot be changed.
    let mut vars_paths: BTreeMap<(PathBuf, String), PathBuf> = BTreeMap::new();
    let mut unmet_vars: BTreeMap<(PathBuf, String), PathBuf> = BTreeMap::new();
    if let Some(lock) = options.lock {
        let lock_path = options.lock_path.unwrap_or(Path::new("fleetpin.lock"));
        ctx.group_values.sort();
        ctx.group_values.dedup();
        let (changes, failed) =
            groups::vars_changes(&ctx.group_values, lock, lock_path, &mut errors);
        for (dir, group) in failed {
            unmet_vars.insert((dir.clone(), group.clone()), dir.join(&group));
        }
        for change in changes {
            if !change.edits.is_empty() {
                vars_paths.insert(change.for_group.clone(), change.path.clone());
            }
            if change.create {
                let plan = FilePlan {
                    path: change.path.clone(),
                    original: String::new(),
                    edits: change
                        .edits
                        .iter()
                        .map(|(range, content, title)| PlannedEdit {
                            range: range.clone(),
                            content: content.clone(),
                            code: "ANS002",
                            title: title.clone(),
                        })
                        .collect(),
                    syntax: verify::Syntax::Yaml,
                    create: true,
                    requires: Vec::new(),
                };
                match groups::verify_vars("", &plan.edited(), &change.expect, true) {
                    Ok(()) => created.push(plan),
                    Err(why) => errors.push(PinError::Verify {
                        path: change.path.clone(),
                        why,
                    }),
                }
                continue;
            }
            let file = SourceFile::new(&change.path, change.original.as_str());
            for (range, content, title) in &change.edits {
                candidates.push(Candidate {
                    file: file.clone(),
                    range: range.clone(),
                    content: content.clone(),
                    applicability: Applicability::Safe,
                    code: "ANS002",
                    title: title.clone(),
                });
            }
            vars_checks.insert(
                change.path.clone(),
                (
                    change.expect.clone(),
                    change.whole_map,
                    change.edits.iter().map(|(r, _, _)| r.clone()).collect(),
                ),
            );
        }
    }

    // Installs in shell tasks and `RUN`: unsafe, so only looked at when asked for.
    if options.unsafe_fixes {
        let diags: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.code == "SH001")
            .collect();
        shell::candidates(&diags, options.lock, &mut candidates, &mut errors);
    }
    if let Some(source) = options.images {
        let diags: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| images::IMAGE_CODES.contains(&&*d.code))
            .collect();
        images::candidates(&diags, source, &mut candidates, &mut errors);
    }
    if let Some(source) = options.galaxy {
        let diags: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.code == "GLX001")
            .collect();
        galaxy::candidates(&diags, source, &mut candidates, &mut errors);
    }
    if let Some(source) = options.actions {
        let diags: Vec<_> = report
            .diagnostics
            .iter()
            .filter(|d| d.code == "GHA001")
            .collect();
        actions::candidates(&diags, source, &mut candidates, &mut errors);
    }

    let candidates = downgrade::merge(candidates);
    let kinds: BTreeMap<&Path, Option<FileKind>> = report
        .files
        .iter()
        .map(|f| (f.path.as_path(), f.kind))
        .collect();
    let mut skipped_unsafe = Vec::new();
    let mut by_file: BTreeMap<PathBuf, (SourceFile, Vec<Candidate>)> = BTreeMap::new();
    for c in candidates {
        if c.applicability == Applicability::DisplayOnly {
            continue;
        }
        if c.applicability == Applicability::Unsafe && !options.unsafe_fixes {
            let line = c.file.line_col(c.range.start).0;
            skipped_unsafe.push((c.file.path().to_path_buf(), line, c.title.clone()));
            continue;
        }
        by_file
            .entry(c.file.path().to_path_buf())
            .or_insert_with(|| (c.file.clone(), Vec::new()))
            .1
            .push(c);
    }
    skipped_unsafe.sort();
    skipped_unsafe.dedup();

    let mut files = Vec::new();
    for (path, (file, mut cands)) in by_file {
        cands.sort_by(|a, b| {
            (a.range.start, a.range.end, &a.content).cmp(&(b.range.start, b.range.end, &b.content))
        });
        cands.dedup_by(|b, a| a.range == b.range && a.content == b.content);
        // Overlapping edits that disagree: neither is applied.
        let mut edits: Vec<PlannedEdit> = Vec::new();
        let mut bad: Vec<usize> = Vec::new();
        for (i, c) in cands.iter().enumerate() {
            if let Some(prev) = i.checked_sub(1).map(|j| &cands[j])
                && (c.range.start < prev.range.end
                    || (c.range == prev.range && c.content != prev.content))
            {
                errors.push(PinError::Conflict {
                    path: path.clone(),
                    line: file.line_col(c.range.start).0,
                    first: prev.content.clone(),
                    second: c.content.clone(),
                });
                bad.push(i - 1);
                bad.push(i);
            }
        }
        for (i, c) in cands.into_iter().enumerate() {
            if !bad.contains(&i) {
                edits.push(PlannedEdit {
                    range: c.range,
                    content: c.content,
                    code: c.code,
                    title: c.title,
                });
            }
        }
        // Idempotence: an edit that writes what is already there is no edit.
        edits.retain(|e| file.text().get(e.range.clone()) != Some(e.content.as_str()));
        if edits.is_empty() {
            continue;
        }
        let syntax = match kinds.get(path.as_path()).copied().flatten() {
            Some(FileKind::Dockerfile) => verify::Syntax::Dockerfile,
            Some(_) => verify::Syntax::Yaml,
            None if looks_like_dockerfile(&path) => verify::Syntax::Dockerfile,
            None => verify::Syntax::Yaml,
        };
        let plan = FilePlan {
            path: path.clone(),
            original: file.text().to_owned(),
            edits,
            syntax,
            create: false,
            requires: Vec::new(),
        };
        match verify_plan(&plan, vars_checks.get(&path)) {
            Ok(()) => files.push(plan),
            Err(why) => errors.push(PinError::Verify { path, why }),
        }
    }
    files.extend(created);
    files.sort_by(|a, b| a.path.cmp(&b.path));
    // Edits that rely on a group vars file that is not going to be written are dropped (the
    // task would read an undefined variable), and the rest of their file checked again.
    for (key, path) in &vars_paths {
        if !files.iter().any(|f| &f.path == path) {
            unmet_vars.insert(key.clone(), path.clone());
        }
    }
    let needs = |file: &Path, range: &Range<usize>| -> Vec<&(PathBuf, String)> {
        ctx.requires
            .iter()
            .filter(|(f, r, _)| f == file && r == range)
            .flat_map(|(_, _, n)| n)
            .collect()
    };
    let mut kept = Vec::new();
    for mut plan in files {
        let mut dropped = false;
        let mut requires = Vec::new();
        let original = plan.original.clone();
        let path = plan.path.clone();
        plan.edits.retain(|e| {
            let n = needs(&path, &e.range);
            if let Some(vars) = n.iter().find_map(|k| unmet_vars.get(*k)) {
                let line = SourceFile::new(&path, original.as_str())
                    .line_col(e.range.start)
                    .0;
                errors.push(PinError::GroupVarsMissing {
                    path: path.clone(),
                    line,
                    vars: vars.clone(),
                });
                dropped = true;
                return false;
            }
            requires.extend(n.iter().filter_map(|k| vars_paths.get(*k)).cloned());
            true
        });
        requires.sort();
        requires.dedup();
        plan.requires = requires;
        if plan.edits.is_empty() {
            continue;
        }
        if dropped && let Err(why) = verify_plan(&plan, vars_checks.get(&plan.path)) {
            errors.push(PinError::Verify { path, why });
            continue;
        }
        kept.push(plan);
    }
    // A group vars file no kept edit relies on is not created.
    let needed: Vec<PathBuf> = kept.iter().flat_map(|f| f.requires.clone()).collect();
    kept.retain(|f| !f.create || needed.contains(&f.path));
    let files = kept;
    errors.sort_by_key(|e| e.to_string());
    errors.dedup();
    Plan {
        files,
        errors,
        skipped_unsafe,
        notes,
        report,
    }
}

/// What a group's vars file must hold after its edits: the entries of `fleetpin_versions`,
/// whether the map is new, and the ranges of those edits.
type VarsCheck = (BTreeMap<String, String>, bool, Vec<Range<usize>>);

/// Re-parses a plan's result. A group's vars file is checked in two steps: the ordinary
/// edits (only edited scalars change), then the `fleetpin_versions` edits (only that map
/// changes, to exactly the locked versions).
fn verify_plan(plan: &FilePlan, vars: Option<&VarsCheck>) -> Result<(), String> {
    let Some((expect, whole_map, vars_ranges)) = vars else {
        let ranges: Vec<Range<usize>> = plan.edits.iter().map(|e| e.range.clone()).collect();
        return verify::verify(plan.syntax, &plan.original, &plan.edited(), &ranges);
    };
    let first = FilePlan {
        edits: plan
            .edits
            .iter()
            .filter(|e| !vars_ranges.contains(&e.range))
            .cloned()
            .collect(),
        ..plan.clone()
    };
    let ranges: Vec<Range<usize>> = first.edits.iter().map(|e| e.range.clone()).collect();
    let middle = first.edited();
    verify::verify(plan.syntax, &plan.original, &middle, &ranges)?;
    groups::verify_vars(&middle, &plan.edited(), expect, *whole_map)
}

fn looks_like_dockerfile(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.contains("dockerfile") || name.contains("containerfile")
}

/// A unified diff of a file plan (`--- a/PATH` / `+++ b/PATH`; `--- /dev/null` for a file
/// it creates), 3 lines of context.
pub fn unified_diff(plan: &FilePlan) -> String {
    let new = plan.edited();
    let path = plan.path.display().to_string();
    let old = if plan.create {
        "/dev/null".to_owned()
    } else {
        format!("a/{path}")
    };
    similar::TextDiff::from_lines(plan.original.as_str(), new.as_str())
        .unified_diff()
        .context_radius(3)
        .header(&old, &format!("b/{path}"))
        .to_string()
}
