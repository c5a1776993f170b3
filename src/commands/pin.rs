//! `fleetpin pin`: rewrite floating versions to the fleet's locked versions, image digests
//! and commit SHAs. `fleetpin lint --fix` runs the same engine ([`apply`]).

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use fleetpin_lint::LintOptions;
use fleetpin_lint::config::RuleOverrides;
use fleetpin_pin::{PinOptions, Plan};

use crate::ExitStatus;
use crate::printer::Printer;

/// Output format of `fleetpin pin`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// What was (or would be) pinned, one line per edit, on stderr; diffs on stdout.
    Text,
    /// A JSON document with a schema version (`fleetpin-pin`, version 1) on stdout.
    Json,
}

/// The options `fleetpin pin` and `fleetpin lint --fix` share.
#[derive(Debug, Clone, clap::Args)]
pub struct FixArgs {
    /// The lock that package versions come from. A missing default `fleetpin.lock` leaves
    /// package findings unfixed (each reported); a missing file given here is an error.
    #[arg(long, value_name = "FILE")]
    pub lock: Option<PathBuf>,

    /// Apply unsafe fixes too (an image without a tag pinned to today's `latest`, names for
    /// the generic `package` module, `allow_downgrade: true` where `--facts` shows a host
    /// above the lock).
    #[arg(long)]
    pub unsafe_fixes: bool,

    /// Facts directory (`fleetpin gather` output): a pinned apt/dnf/yum task whose hosts run
    /// the package above the lock gets `allow_downgrade: true` (an unsafe fix). Without it,
    /// downgrades are not checked (a note says so).
    #[arg(long, value_name = "DIR")]
    pub facts: Option<PathBuf>,

    /// Ask no registry and no git server: image digests come from the digest cache only (an
    /// image not in it is a named error; everything else is still pinned), actions are left
    /// as they are.
    #[arg(long)]
    pub offline: bool,

    /// Base URL that `owner/repo` of a GitHub Action is resolved under (`git ls-remote
    /// BASE/owner/repo`). `GITHUB_TOKEN` is sent when set.
    #[arg(
        long,
        value_name = "URL",
        env = "FLEETPIN_ACTIONS_BASE_URL",
        default_value = "https://github.com"
    )]
    pub actions_base_url: String,

    /// The version to pin a Galaxy collection to (`NAME=VERSION`, repeatable); others get
    /// the version `ansible-galaxy collection list` reports installed.
    #[arg(long, value_name = "NAME=VERSION", value_parser = parse_galaxy_version)]
    pub galaxy_version: Vec<(String, String)>,

    /// The `ansible-galaxy` asked for installed collections.
    #[arg(
        long,
        value_name = "PROGRAM",
        env = "FLEETPIN_ANSIBLE_GALAXY",
        default_value = "ansible-galaxy"
    )]
    pub ansible_galaxy: String,
}

fn parse_galaxy_version(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((n, v)) if !n.is_empty() && !v.is_empty() => Ok((n.to_owned(), v.to_owned())),
        _ => Err(format!("`{s}` is not NAME=VERSION")),
    }
}

/// Pin what `fleetpin lint` finds floating: package names to the versions in
/// `fleetpin.lock` (in the syntax of each module; `state: latest` becomes `state: present`;
/// a value from a variable is edited where the variable is set), image tags to
/// `tag@sha256:…` from their registry, and GitHub Actions refs to commit SHAs (`@<sha> #
/// v4`).
///
/// Edits keep comments, quoting, indentation, key order, line endings and a byte-order mark;
/// each edited file is parsed again and refused if anything but the pinned values changed;
/// writes are atomic and a file changed on disk meanwhile is not overwritten.
///
/// Exit status: 0 done (or nothing to do), 1 with `--check`/`--diff` when something would
/// change, 2 when a value or a file could not be pinned (each named; the rest is still
/// written).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to pin. Directories are walked honouring `.gitignore`.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,

    #[command(flatten)]
    fix: FixArgs,

    /// Print a unified diff of the changes and write nothing.
    #[arg(long)]
    diff: bool,

    /// Write nothing; exit 1 when something would change (for CI).
    #[arg(long)]
    check: bool,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,

    /// Use this configuration file instead of looking for `fleetpin.toml` upwards.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Do not honour `.gitignore`, `.ignore` and git's exclude files.
    #[arg(long)]
    no_ignore: bool,
}

/// Whether to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Write the files.
    Write,
    /// Write nothing (`--diff`, `--check`).
    DryRun,
}

/// The outcome of [`apply`].
pub struct Applied {
    /// The plan.
    pub plan: Plan,
    /// Errors of the writes (after the plan's own).
    pub write_errors: Vec<fleetpin_pin::PinError>,
    /// Files written.
    pub written: Vec<PathBuf>,
}

impl Applied {
    /// Every named error.
    pub fn errors(&self) -> impl Iterator<Item = &fleetpin_pin::PinError> {
        self.plan.errors.iter().chain(&self.write_errors)
    }
}

/// Plans the fixes for `lint` and writes them (unless `mode` is a dry run).
pub fn apply(
    lint: LintOptions,
    fix: &FixArgs,
    mode: Mode,
    printer: &Printer,
) -> anyhow::Result<Applied> {
    let lock_path = fix
        .lock
        .clone()
        .unwrap_or_else(|| PathBuf::from("fleetpin.lock"));
    let facts = match &fix.facts {
        Some(dir) => {
            if !dir.is_dir() {
                bail!("facts directory `{}` does not exist", dir.display());
            }
            let store = fleetpin_fleet::FactsStore::new(dir);
            let (fleet, errors) = fleetpin_fleet::fleet::Fleet::load(&store)
                .with_context(|| format!("cannot read the facts in `{}`", dir.display()))?;
            for e in errors {
                printer.warn(format_args!("cannot read facts: {e}"));
            }
            Some(fleet)
        }
        None => None,
    };
    let lock = match &fix.lock {
        Some(path) => Some(
            fleetpin_fleet::lock::Lock::read(path)
                .with_context(|| format!("cannot read the lock `{}`", path.display()))?,
        ),
        None => {
            let default = PathBuf::from("fleetpin.lock");
            if default.is_file() {
                Some(
                    fleetpin_fleet::lock::Lock::read(&default)
                        .context("cannot read the lock `fleetpin.lock`")?,
                )
            } else {
                None
            }
        }
    };
    // Digests through the on-disk cache (`$FLEETPIN_CACHE_DIR`, else the user cache dir):
    // a second run asks no registry; `--offline` answers from the cache only.
    // Offline, the resolver is never asked: Docker's credentials are not even read (a broken
    // `config.json` must not stop pinning packages from the cache).
    let resolver = if fix.offline {
        fleetpin_registry::Resolver::builder()
            .docker_config(fleetpin_registry::DockerConfig::empty())
            .build()
    } else {
        fleetpin_registry::Resolver::new()
    }
    .context("cannot set up the registry client")?;
    let (cache, uncached) = match fleetpin_registry::default_cache_dir() {
        Some(dir) => (
            Some(fleetpin_registry::DigestCache::open(resolver, &dir).offline(fix.offline)),
            None,
        ),
        None => {
            printer.warn(format_args!(
                "no cache directory (set XDG_CACHE_HOME, HOME or FLEETPIN_CACHE_DIR): {}",
                if fix.offline {
                    "images are left as they are"
                } else {
                    "image digests are not cached"
                }
            ));
            (None, (!fix.offline).then_some(resolver))
        }
    };
    let images: Option<&dyn fleetpin_registry::DigestSource> = match (&cache, &uncached) {
        (Some(c), _) => Some(c),
        (None, Some(r)) => Some(r),
        (None, None) => None,
    };
    let git;
    let actions: Option<&dyn fleetpin_pin::actions::ActionRefs> = if fix.offline {
        None
    } else {
        git = fleetpin_pin::actions::GitLsRemote::new(fix.actions_base_url.clone());
        Some(&git)
    };
    let tree = fleetpin_pin::write::Tree::new(&lint.paths);
    let galaxy = fleetpin_pin::galaxy::InstalledCollections::new(
        fix.galaxy_version.iter().cloned().collect(),
        Some(fix.ansible_galaxy.clone()),
    );
    let options = PinOptions {
        lint,
        lock: lock.as_ref(),
        unsafe_fixes: fix.unsafe_fixes,
        images,
        actions,
        galaxy: Some(&galaxy),
        lock_path: Some(&lock_path),
        facts: facts.as_ref(),
    };
    let started = std::time::Instant::now();
    let plan = fleetpin_pin::plan(&options);
    printer.debug(format_args!(
        "planned {} edits in {} files in {:.0?}",
        plan.edit_count(),
        plan.files.len(),
        started.elapsed()
    ));
    if let Some(cache) = &cache {
        let stats = cache.stats();
        printer.debug(format_args!(
            "digest cache {}: {} from the cache, {} asked",
            cache.path().display(),
            stats.hits,
            stats.asked
        ));
        for w in cache.take_warnings() {
            printer.warn(format_args!("{w}"));
        }
    }
    let (written, write_errors) = if mode == Mode::Write {
        fleetpin_pin::write::write_plans(&plan.files, &tree)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Applied {
        plan,
        write_errors,
        written,
    })
}

/// Reports the edits and errors of `applied` on stderr; returns whether there were errors.
pub fn report(applied: &Applied, mode: Mode, printer: &Printer) -> bool {
    for f in &applied.plan.files {
        let wrote = mode == Mode::DryRun || applied.written.contains(&f.path);
        if !wrote {
            continue;
        }
        for e in &f.edits {
            let (line, _) = fleetpin_diag::SourceFile::new(&f.path, f.original.as_str())
                .line_col(e.range.start);
            printer.status(format_args!(
                "{}:{line}: {} {}",
                f.path.display(),
                e.code,
                e.title
            ));
        }
    }
    let mut errors = false;
    for e in applied.errors() {
        errors = true;
        printer.warn(format_args!("{e}"));
    }
    for note in &applied.plan.notes {
        printer.status(format_args!("note: {note}"));
    }
    let skipped = &applied.plan.skipped_unsafe;
    if !skipped.is_empty() {
        printer.status(format_args!(
            "{} unsafe fix{} not applied (use `--unsafe-fixes`):",
            skipped.len(),
            if skipped.len() == 1 { "" } else { "es" }
        ));
        for (path, line, title) in skipped {
            printer.status(format_args!("  {}:{line}: {title}", path.display()));
        }
    }
    errors
}

/// (path, line, note) for each value the fix had to leave, from its named error.
pub fn unfixed_notes(applied: &Applied) -> Vec<(PathBuf, usize, String)> {
    use fleetpin_pin::PinError as E;
    applied
        .errors()
        .filter_map(|e| match e {
            E::LockMissingPackage { path, line, .. }
            | E::LockGroupsDiffer { path, line, .. }
            | E::GroupsUnknown { path, line, .. }
            | E::GroupVarsMissing { path, line, .. }
            | E::NoLock { path, line, .. }
            | E::Unsupported { path, line, .. }
            | E::NotLiteral { path, line, .. }
            | E::Registry { path, line, .. }
            | E::Git { path, line, .. } => {
                let text = e.to_string();
                let note = text
                    .strip_prefix(&format!("{}:{line}: ", path.display()))
                    .unwrap_or(&text);
                Some((path.clone(), *line, format!("not fixed: {note}")))
            }
            _ => None,
        })
        .collect()
}

/// Adds each note to the findings whose primary or secondary label is at its line.
pub fn attach_notes(
    diagnostics: &mut [fleetpin_diag::Diagnostic],
    notes: &[(PathBuf, usize, String)],
) {
    for d in diagnostics.iter_mut() {
        let mut add = Vec::new();
        let labels = d.primary.iter().chain(&d.secondary);
        for label in labels {
            let path = label.span.file.path();
            let line = label.span.start().0;
            for (p, l, note) in notes {
                if p == path && *l == line && !add.contains(note) {
                    add.push(note.clone());
                }
            }
        }
        for note in add {
            if !d.notes.contains(&note) {
                d.notes.push(note);
            }
        }
    }
}

pub fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitStatus> {
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        bail!("`fleetpin pin -` is not supported: pin files in their tree");
    }
    if let Some(lock) = &args.fix.lock
        && !lock.is_file()
    {
        bail!("lock file `{}` does not exist", lock.display());
    }
    let lint = LintOptions {
        paths: args.paths.clone(),
        config_file: args.config.clone(),
        overrides: RuleOverrides::default(),
        respect_gitignore: !args.no_ignore,
    };
    let mode = if args.diff || args.check {
        Mode::DryRun
    } else {
        Mode::Write
    };
    let applied = apply(lint, &args.fix, mode, printer)?;
    let plan = &applied.plan;
    let mut out = printer.stdout();
    match args.format {
        OutputFormat::Json => {
            let files: Vec<serde_json::Value> = plan
                .files
                .iter()
                .map(|f| {
                    let src = fleetpin_diag::SourceFile::new(&f.path, f.original.as_str());
                    let edits: Vec<serde_json::Value> = f
                        .edits
                        .iter()
                        .map(|e| {
                            let (line, column) = src.line_col(e.range.start);
                            serde_json::json!({
                                "line": line,
                                "column": column,
                                "code": e.code,
                                "title": e.title,
                                "old": &f.original[e.range.clone()],
                                "new": e.content,
                            })
                        })
                        .collect();
                    serde_json::json!({
                        "path": f.path,
                        "created": f.create,
                        "written": applied.written.contains(&f.path),
                        "edits": edits,
                    })
                })
                .collect();
            let errors: Vec<String> = applied.errors().map(ToString::to_string).collect();
            let skipped: Vec<serde_json::Value> = plan
                .skipped_unsafe
                .iter()
                .map(|(p, l, t)| serde_json::json!({"path": p, "line": l, "title": t}))
                .collect();
            let doc = serde_json::json!({
                "schema": {"name": "fleetpin-pin", "version": 1},
                "files": files,
                "errors": errors,
                "skipped_unsafe": skipped,
                "notes": plan.notes,
            });
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        OutputFormat::Text => {
            if args.diff {
                for f in &plan.files {
                    write!(out, "{}", fleetpin_pin::unified_diff(f))?;
                }
            }
        }
    }
    out.flush()?;
    let errors = if args.format == OutputFormat::Text {
        report(&applied, mode, printer)
    } else {
        applied.errors().next().is_some()
    };
    let edits = plan.edit_count();
    let files = plan.files.len();
    if args.format == OutputFormat::Text {
        match mode {
            Mode::DryRun => printer.status(format_args!(
                "Would pin {edits} value{} in {files} file{}.",
                if edits == 1 { "" } else { "s" },
                if files == 1 { "" } else { "s" }
            )),
            Mode::Write => printer.status(format_args!(
                "Pinned {} value{} in {} file{}.",
                plan.files
                    .iter()
                    .filter(|f| applied.written.contains(&f.path))
                    .map(|f| f.edits.len())
                    .sum::<usize>(),
                if edits == 1 { "" } else { "s" },
                applied.written.len(),
                if applied.written.len() == 1 { "" } else { "s" }
            )),
        }
    }
    Ok(if errors {
        ExitStatus::Error
    } else if mode == Mode::DryRun && edits > 0 {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}
