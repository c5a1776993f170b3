//! `fleetpin init [DIR]`: writes a commented `fleetpin.toml`, a `.pre-commit-config.yaml` with
//! fleetpin's hooks and a GitHub workflow running the action, so adopting fleetpin is one
//! command. An existing file is never overwritten (it is left as it is and named, with what to
//! add by hand); each file is written to a temporary file first and moved into place only if
//! nothing is there, so none is ever half-written. `--dry-run` prints them instead.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::ExitStatus;
use crate::printer::Printer;

/// Arguments of `fleetpin init`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The repository to set up.
    #[arg(default_value = ".")]
    pub dir: PathBuf,

    /// Print the files instead of writing them.
    #[arg(long)]
    pub dry_run: bool,

    /// The git URL of fleetpin for the pre-commit hooks and the workflow's `uses:`.
    #[arg(
        long,
        default_value = "https://example.invalid/fleetpin",
        value_name = "URL"
    )]
    pub repo_url: String,

    /// The fleetpin revision (tag or commit SHA) the hooks and the workflow use.
    #[arg(long, default_value = concat!("v", env!("CARGO_PKG_VERSION")), value_name = "REV")]
    pub rev: String,
}

const CONFIG: &str = r#"# fleetpin configuration (written by `fleetpin init`). Every key is optional; the values
# shown commented out are the defaults. Reference: `fleetpin lint --help`, docs/rules/.

[lint]
# Rules to run: codes (ANS001), prefixes (ANS, IMG00), names (package-state-latest) or ALL.
# select = ["ALL"]
# Rules not to run.
# ignore = []
# Opt-in rules to add, such as IMG002 (images pinned by digest).
# extend-select = []
# The weakest pin that passes: "any", "range", "exact" or "digest".
# required-pin = "exact"
# Image tags that float, added to the built-in list (latest, stable, edge, mainline, ...).
# extend-floating-tags = []
# Files larger than this (bytes) are reported, not read.
# max-file-size = 10485760

# [lint.severity]
# ANS002 = "error"

# [lint.per-path-ignores]
# "roles/vendor/**" = ["ANS001"]
"#;

fn pre_commit_entry(url: &str, rev: &str) -> String {
    format!(
        "  # fleetpin: floating versions in infrastructure code; fleetpin.lock up to date.\n  \
         - repo: {url}\n    rev: {rev}\n    hooks:\n      - id: fleetpin-lint\n      \
         - id: fleetpin-lock-check\n"
    )
}

fn workflow(url: &str, rev: &str) -> String {
    // `owner/name` for `uses:`, from the URL's last two path segments.
    let mut parts = url
        .trim_end_matches('/')
        .trim_end_matches(".git")
        .rsplit('/');
    let name = parts.next().unwrap_or("fleetpin");
    let owner = parts.next().unwrap_or("fleetpin");
    format!(
        r"# fleetpin on every pull request and push to main (written by `fleetpin init`):
# findings as annotations on the pull request and in the code-scanning tab.
# Pin the action to the commit SHA of the release (`git ls-remote {url} {rev}`).
name: fleetpin

on:
  pull_request:
  push:
    branches: [main]

permissions: {{}}

jobs:
  fleetpin:
    runs-on: ubuntu-24.04
    timeout-minutes: 20
    permissions:
      contents: read
      security-events: write # upload the SARIF file to code scanning
    steps:
      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1
        with:
          persist-credentials: false
      - uses: {owner}/{name}@{rev}
        with:
          paths: .
          fail-on: warning
"
    )
}

/// Writes `contents` to `path` unless something is there: a temporary file in the same
/// directory, then a rename that refuses to replace (`persist_noclobber`). `Ok(false)` when
/// `path` exists.
fn write_new(path: &Path, contents: &str) -> Result<bool> {
    if path.symlink_metadata().is_ok() {
        return Ok(false);
    }
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    tmp.write_all(contents.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    match tmp.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e.error).with_context(|| format!("cannot write {}", path.display())),
    }
}

/// Runs `fleetpin init`.
pub fn run(args: Args, printer: &Printer) -> Result<ExitStatus> {
    if !args.dir.is_dir() {
        anyhow::bail!("{} is not a directory", args.dir.display());
    }
    let entry = pre_commit_entry(&args.repo_url, &args.rev);
    let files = [
        (PathBuf::from("fleetpin.toml"), CONFIG.to_string(), None),
        (
            PathBuf::from(".pre-commit-config.yaml"),
            format!(
                "# pre-commit hooks (https://pre-commit.com): `pre-commit install`\nrepos:\n{entry}"
            ),
            Some(format!("add this entry under `repos:`:\n{entry}")),
        ),
        (
            PathBuf::from(".github/workflows/fleetpin.yml"),
            workflow(&args.repo_url, &args.rev),
            None,
        ),
    ];
    if args.dry_run {
        let mut out = printer.stdout();
        for (rel, contents, _) in &files {
            writeln!(out, "==> {} <==\n{contents}", rel.display())?;
        }
        return Ok(ExitStatus::Success);
    }
    for (rel, contents, hint) in files {
        let path = args.dir.join(&rel);
        if write_new(&path, &contents)? {
            printer.status(format_args!("wrote {}", path.display()));
        } else {
            let hint = hint.map_or_else(String::new, |h| format!("; {h}"));
            printer.warn(format_args!(
                "{} exists, left as it is{hint}",
                path.display()
            ));
        }
    }
    Ok(ExitStatus::Success)
}
