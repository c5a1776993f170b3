//! `fleetpin lint`: find floating versions in infrastructure code.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::ValueEnum;
use fleetpin_diag::Severity;
use fleetpin_diag::render::{Format, RenderOptions, render};
use fleetpin_lint::config::RuleOverrides;
use fleetpin_lint::{LintOptions, registry};

use crate::ExitStatus;
use crate::printer::Printer;

/// Output format of the findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Source frames with carets, help and notes (default; `text` is another name for it).
    #[value(alias = "text")]
    Full,
    /// One line per finding: `path:line:col: CODE [severity] message`.
    Concise,
    /// A JSON document with a schema version.
    Json,
    /// SARIF 2.1.0 for GitHub code scanning.
    Sarif,
    /// GitHub workflow commands, shown as annotations on pull requests.
    Github,
}

impl From<OutputFormat> for Format {
    fn from(f: OutputFormat) -> Self {
        match f {
            OutputFormat::Full => Format::Full,
            OutputFormat::Concise => Format::Concise,
            OutputFormat::Json => Format::Json,
            OutputFormat::Sarif => Format::Sarif,
            OutputFormat::Github => Format::Github,
        }
    }
}

/// Lint Ansible, Dockerfile, Compose/stack, Galaxy and GitHub workflow files for floating
/// versions.
///
/// Exit status: 0 no findings, 1 findings, 2 an input error (unreadable or invalid file,
/// invalid configuration) or a usage error. `-` (stdin) is refused: a file's kind and its
/// Ansible context (role defaults, inventory variables) come from its place in the tree, so
/// save the text to a file in the tree and lint that.
///
/// `--statistics`, `--list-files` and `--list-packages` print text (`--format full` or
/// `concise`) or JSON (`--format json`); `sarif` and `github` are refused there.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Files or directories to lint. Directories are walked honouring `.gitignore`.
    #[arg(default_value = ".")]
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Full, env = "FLEETPIN_OUTPUT_FORMAT")]
    format: OutputFormat,

    /// Use this configuration file instead of looking for `fleetpin.toml` upwards from each
    /// path.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Rules to run (codes, prefixes such as `ANS`, or names), replacing the configured
    /// `select`. Comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    select: Option<Vec<String>>,

    /// Rules not to run, added to the configured `ignore`. Comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    ignore: Vec<String>,

    /// Rules to run in addition (for opt-in rules such as `IMG002`). Comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "RULES")]
    extend_select: Vec<String>,

    /// Write the findings to FILE instead of stdout.
    #[arg(long, value_name = "FILE")]
    output_file: Option<PathBuf>,

    /// Print the number of findings per rule instead of the findings.
    #[arg(long)]
    statistics: bool,

    /// Exit with status 0 even when there are findings (input errors still exit 2).
    #[arg(long)]
    exit_zero: bool,

    /// Do not honour `.gitignore`, `.ignore` and git's exclude files.
    #[arg(long)]
    no_ignore: bool,

    /// Print the files that would be linted, with their kind, and exit.
    #[arg(long, conflicts_with = "list_packages")]
    list_files: bool,

    /// Print the system packages the code installs on hosts (Ansible package modules and
    /// apt-get/yum/dnf/zypper in shell tasks, names resolved through variables and loops),
    /// one per line with where, and exit: the list `fleetpin lock --packages` takes.
    /// `--format json` prints them as JSON.
    #[arg(long, conflicts_with = "statistics")]
    list_packages: bool,

    /// Fix what can be fixed first, with the engine of `fleetpin pin` (locked package
    /// versions, image digests, action SHAs), then report what is left.
    #[arg(long, conflicts_with_all = ["list_files", "list_packages", "statistics"])]
    fix: bool,

    #[command(flatten)]
    fix_options: super::pin::FixArgs,
}

/// Warns about each input error; returns the exit status a listing ends with.
fn listing_status(report: &fleetpin_lint::LintReport, printer: &Printer) -> ExitStatus {
    if report.input_errors() == 0 {
        return ExitStatus::Success;
    }
    for d in report.diagnostics.iter().filter(|d| d.is_input_error()) {
        let path = d.file_path().map(|p| p.display().to_string());
        printer.warn(format_args!(
            "{}: {} {}",
            path.as_deref().unwrap_or("-"),
            d.code,
            d.message
        ));
    }
    ExitStatus::Error
}

/// `--list-packages`: one line per package name, the places after a `#`, unresolved names
/// as comments (the format `fleetpin lock --packages` reads); or JSON.
fn write_packages(
    sink: &mut dyn Write,
    packages: &[fleetpin_lint::ManagedPackage],
    json: bool,
) -> std::io::Result<()> {
    let mut by_name: BTreeMap<&str, Vec<&fleetpin_lint::ManagedPackage>> = BTreeMap::new();
    let mut unresolved = Vec::new();
    for p in packages {
        match &p.name {
            Some(n) => by_name.entry(n.as_str()).or_default().push(p),
            None => unresolved.push(p),
        }
    }
    for places in by_name.values_mut() {
        places.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    }
    let place = |p: &fleetpin_lint::ManagedPackage| {
        Printer::text(&format!("{}:{}", p.path.display(), p.line)).into_owned()
    };
    if json {
        let packages: Vec<serde_json::Value> = by_name
            .iter()
            .map(|(name, places)| {
                let mut managers: Vec<&str> = places.iter().map(|p| p.manager).collect();
                managers.sort_unstable();
                managers.dedup();
                serde_json::json!({
                    "name": name,
                    "managers": managers,
                    "locations": places.iter().map(|p| serde_json::json!({
                        "path": p.path, "line": p.line, "spec": p.spec,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        let doc = serde_json::json!({
            "schema": schema("fleetpin-packages"),
            "packages": packages,
            "unresolved": unresolved,
        });
        serde_json::to_writer_pretty(&mut *sink, &doc)?;
        return writeln!(sink);
    }
    writeln!(
        sink,
        "# System packages the infrastructure code installs on hosts (fleetpin lint --list-packages);\n\
         # `fleetpin lock --packages FILE` locks only these."
    )?;
    let width = by_name.keys().map(|n| n.len()).max().unwrap_or(0);
    for (name, places) in &by_name {
        let name = Printer::text(name);
        let mut shown: Vec<String> = places.iter().take(3).map(|p| place(p)).collect();
        if places.len() > 3 {
            shown.push(format!("and {} more", places.len() - 3));
        }
        writeln!(
            sink,
            "{name:<width$}  # {}: {}",
            places[0].manager,
            shown.join(", ")
        )?;
    }
    for p in unresolved {
        writeln!(
            sink,
            "# unresolved, not listed: `{}` ({}) at {}",
            Printer::text(&p.spec),
            p.manager,
            place(p)
        )?;
    }
    Ok(())
}

/// The `schema` marker of a JSON document `name`, version 1 (see `docs/json.md`).
fn schema(name: &'static str) -> fleetpin_diag::render::json::SchemaMarker {
    fleetpin_diag::render::json::SchemaMarker { name, version: 1 }
}

/// The output of a listing or `--statistics`: text or JSON; SARIF and GitHub annotations
/// carry findings only, so they are refused with the option that asked for the listing.
fn listing_format(args: &Args) -> anyhow::Result<bool> {
    let option = if args.list_files {
        "--list-files"
    } else if args.list_packages {
        "--list-packages"
    } else {
        "--statistics"
    };
    match args.format {
        OutputFormat::Full | OutputFormat::Concise => Ok(false),
        OutputFormat::Json => Ok(true),
        OutputFormat::Sarif | OutputFormat::Github => bail!(
            "`{option}` prints text or JSON, not `--format {}`",
            args.format
                .to_possible_value()
                .map_or_else(String::new, |v| v.get_name().to_owned())
        ),
    }
}

fn check_selectors(flag: &str, list: &[String]) -> anyhow::Result<()> {
    for s in list {
        if !registry::is_valid_selector(s) {
            bail!(
                "invalid value `{s}` for `--{flag}`: no rule has this code, prefix or name \
                 (`fleetpin rule` lists them)"
            );
        }
    }
    Ok(())
}

/// Runs `fleetpin lint`.
pub fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitStatus> {
    if args.paths.iter().any(|p| p.as_os_str() == "-") {
        bail!(
            "`fleetpin lint -` is not supported: fleetpin does not lint stdin, since a file's \
             kind and its Ansible context come from its place in the tree\n\n\
             hint: save the text to a file in the tree and lint that file"
        );
    }
    let listing = args.statistics || args.list_files || args.list_packages;
    let listing_json = if listing {
        listing_format(&args)?
    } else {
        false
    };
    if let Some(select) = &args.select {
        check_selectors("select", select)?;
    }
    check_selectors("ignore", &args.ignore)?;
    check_selectors("extend-select", &args.extend_select)?;
    if let Some(config) = &args.config
        && !config.is_file()
    {
        bail!("configuration file `{}` does not exist", config.display());
    }
    let options = LintOptions {
        paths: args.paths.clone(),
        config_file: args.config.clone(),
        overrides: RuleOverrides {
            select: args.select.clone(),
            ignore: args.ignore.clone(),
            extend_select: args.extend_select.clone(),
        },
        respect_gitignore: !args.no_ignore,
    };
    let mut fix_errors = false;
    let mut unfixed: Vec<(PathBuf, usize, String)> = Vec::new();
    if args.fix {
        if let Some(lock) = &args.fix_options.lock
            && !lock.is_file()
        {
            bail!("lock file `{}` does not exist", lock.display());
        }
        let mode = super::pin::Mode::Write;
        let applied = super::pin::apply(options.clone(), &args.fix_options, mode, printer)?;
        fix_errors = super::pin::report(&applied, mode, printer);
        unfixed = super::pin::unfixed_notes(&applied);
    }
    let started = std::time::Instant::now();
    let mut report = fleetpin_lint::lint(&options);
    // A finding the fix had to leave says why, where it is shown.
    super::pin::attach_notes(&mut report.diagnostics, &unfixed);
    printer.debug(format_args!(
        "linted {} files with {} rules in {:.0?}",
        report.files.len(),
        report.rules.len(),
        started.elapsed()
    ));

    let mut sink: Box<dyn Write> = match &args.output_file {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create `{}`", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(printer.stdout())),
    };

    if args.list_files {
        if listing_json {
            let files: Vec<serde_json::Value> = report
                .files
                .iter()
                .map(|f| serde_json::json!({"path": f.path, "kind": f.kind.map(|k| k.as_str())}))
                .collect();
            let doc = serde_json::json!({"schema": schema("fleetpin-files"), "files": files});
            serde_json::to_writer_pretty(&mut sink, &doc)?;
            writeln!(sink)?;
        } else {
            for f in &report.files {
                let kind = f.kind.map_or("unreadable", |k| k.as_str());
                let path = f.path.display().to_string();
                writeln!(sink, "{}\t{kind}", Printer::text(&path))?;
            }
        }
        sink.flush()?;
        return Ok(listing_status(&report, printer));
    }
    if args.list_packages {
        write_packages(&mut sink, &report.packages, listing_json)?;
        sink.flush()?;
        return Ok(listing_status(&report, printer));
    }

    // The status the run ends with, known before anything is written.
    let findings = report.findings();
    let input_errors = report.input_errors();
    let status = if input_errors > 0 || fix_errors {
        ExitStatus::Error
    } else if findings > 0 && !args.exit_zero {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    };

    if args.statistics {
        let mut by_code: BTreeMap<&str, (usize, &str)> = BTreeMap::new();
        for d in &report.diagnostics {
            by_code.entry(&d.code).or_insert((0, &d.name)).0 += 1;
        }
        // Most frequent first, then by code (as ruff's `--statistics`).
        let mut rows: Vec<_> = by_code.iter().collect();
        rows.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
        if listing_json {
            let rows: Vec<serde_json::Value> = rows
                .iter()
                .map(
                    |(code, (n, name))| serde_json::json!({"code": code, "name": name, "count": n}),
                )
                .collect();
            let doc =
                serde_json::json!({"schema": schema("fleetpin-statistics"), "statistics": rows});
            serde_json::to_writer_pretty(&mut sink, &doc)?;
            writeln!(sink)?;
        } else {
            let width = by_code
                .values()
                .map(|(n, _)| n.to_string().len())
                .max()
                .unwrap_or(1);
            for (code, (n, name)) in rows {
                writeln!(sink, "{n:>width$}  {code:<6}  {name}")?;
            }
        }
    } else {
        let cwd = std::env::current_dir().ok();
        let color = args.output_file.is_none() && printer.color;
        let render_options = RenderOptions {
            color,
            rules: &report.rules,
            tool_version: env!("CARGO_PKG_VERSION"),
            root: cwd.as_deref(),
            rule_docs_url: None,
            sarif_hint: "`fleetpin lint --format sarif` (uploaded to code scanning)",
        };
        render(
            &mut sink,
            &report.diagnostics,
            args.format.into(),
            &render_options,
        )
        .context("cannot write the findings")?;
    }
    sink.flush().context("cannot write the findings")?;

    let files = report.files.len();
    let plural = |n: usize, one: &str, many: &str| {
        if n == 1 {
            format!("{n} {one}")
        } else {
            format!("{n} {many}")
        }
    };
    if findings == 0 && files == 0 && input_errors > 0 {
        // Nothing was linted (for example an invalid configuration): the errors say why.
    } else if findings == 0 {
        printer.status(format_args!(
            "No findings in {}.",
            plural(files, "file", "files")
        ));
    } else {
        let summary = fleetpin_diag::render::Summary::new(&report.diagnostics);
        let mut parts = vec![
            plural(report.count(Severity::Error), "error", "errors"),
            plural(report.count(Severity::Warning), "warning", "warnings"),
        ];
        let infos = report.count(Severity::Info);
        if infos > 0 {
            parts.push(format!("{infos} info"));
        }
        printer.status(format_args!(
            "Found {} ({}) in {} (of {} linted).",
            plural(findings, "finding", "findings"),
            parts.join(", "),
            plural(summary.files_with_findings, "file", "files"),
            files
        ));
    }
    if input_errors > 0 {
        printer.status(format_args!(
            "{} could not be linted (see the input errors above).",
            plural(
                input_errors,
                "input error: a file or setting",
                "input errors: files or settings"
            )
        ));
    }
    Ok(status)
}
