//! `fleetpin debian ...`: dpkg-exact version comparison and apt's candidate policy.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use fleetpin_debian::policy::{Cache, Options, PackagePolicy};
use fleetpin_debian::{CompareOp, Version};

use fleetpin_diag::render::json::SchemaMarker;

use crate::ExitStatus;
use crate::printer::Printer;

/// Version of the `fleetpin debian policy --format json` document.
pub const POLICY_SCHEMA_VERSION: u32 = 1;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Compare two Debian versions exactly as dpkg does.
    ///
    /// `compare A B` prints `<`, `=` or `>`. `compare A OP B` answers with the exit status
    /// like `dpkg --compare-versions`: 0 true, 1 false, 2 bad version or operator. OP is one
    /// of lt le eq ne ge gt, lt-nl le-nl ge-nl gt-nl (an empty version counts as later), or
    /// << <= = >= >> (and the obsolete < and >, meaning <= and >=).
    Compare {
        /// `A B`, or `A OP B`.
        #[arg(num_args = 2..=3, allow_hyphen_values = true, value_name = "A [OP] B")]
        args: Vec<String>,
    },
    /// Show installed and candidate versions and the priority of every available version,
    /// computed like `apt-cache policy` from a root's apt lists, dpkg status and preferences.
    Policy(PolicyArgs),
}

#[derive(Debug, clap::Args)]
pub struct PolicyArgs {
    /// Packages to show (`name`, `name:arch`, `name:any`, `name:native`). Without any, list
    /// the indexes and their priorities, then the pinned versions, as `apt-cache policy`.
    pub packages: Vec<String>,
    /// The system root holding var/lib/apt/lists, var/lib/dpkg/status and etc/apt (a root
    /// with none of them is an error).
    #[arg(long, default_value = "/")]
    pub root: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Target release (`-t`): its versions get priority 990. Default: `APT::Default-Release`
    /// from the root's apt.conf.
    #[arg(short = 't', long, value_name = "RELEASE")]
    pub target_release: Option<String>,
    /// Native architecture (default: that of the `dpkg` package in the root's status file).
    #[arg(long)]
    pub arch: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Like `apt-cache policy`.
    Text,
    /// A stable JSON document (see crates/fleetpin-debian/POLICY_JSON.md).
    Json,
}

pub fn run(cmd: Command, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let mut out = printer.stdout();
    match cmd {
        Command::Compare { args } => compare(&args, printer, &mut out),
        Command::Policy(args) => policy(args, printer, &mut out),
    }
}

fn compare(args: &[String], printer: &Printer, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    match args {
        [a, b] => {
            // An empty version (or `<unknown>`) is "no version", earlier than any other, as
            // in `dpkg --compare-versions '' lt 1`.
            let parse = |s: &str| -> anyhow::Result<Option<Version>> {
                if s.is_empty() || s == "<unknown>" {
                    return Ok(None);
                }
                Version::parse(s)
                    .map(Some)
                    .with_context(|| format!("invalid version `{s}`"))
            };
            let (va, vb) = match (parse(a), parse(b)) {
                (Ok(a), Ok(b)) => (a, b),
                (Err(e), _) | (_, Err(e)) => {
                    printer.error(&e);
                    return Ok(ExitStatus::Error);
                }
            };
            let sign = match va.cmp(&vb) {
                std::cmp::Ordering::Less => "<",
                std::cmp::Ordering::Equal => "=",
                std::cmp::Ordering::Greater => ">",
            };
            writeln!(out, "{sign}")?;
            Ok(ExitStatus::Success)
        }
        [a, op, b] => {
            let op = match CompareOp::parse(op) {
                Ok(op) => op,
                Err(e) => {
                    printer.error(&anyhow::Error::new(e));
                    return Ok(ExitStatus::Error);
                }
            };
            if op.is_obsolete() {
                printer.warn(format_args!(
                    "operator is obsolete: it means {}, use that instead",
                    if args[1] == "<" { "<=" } else { ">=" }
                ));
            }
            for v in [a, b] {
                if let Ok(parsed) = Version::parse(v)
                    && let Some(w) = parsed.warning()
                {
                    printer.warn(format_args!("version '{v}' has bad syntax: {w}"));
                }
            }
            match op.eval(a, b) {
                Ok(true) => Ok(ExitStatus::Success),
                Ok(false) => Ok(ExitStatus::Failure),
                Err(e) => {
                    printer.error(&anyhow::Error::new(e));
                    Ok(ExitStatus::Error)
                }
            }
        }
        _ => anyhow::bail!("`compare` takes `A B` or `A OP B`"),
    }
}

#[derive(serde::Serialize)]
struct IndexJson<'a> {
    priority: i32,
    index: &'a str,
    release: String,
    origin: Option<&'a str>,
    path: String,
}

#[derive(serde::Serialize)]
struct PolicyJson<'a> {
    schema: SchemaMarker,
    root: String,
    native_architecture: &'a str,
    target_release: Option<&'a str>,
    indexes: Vec<IndexJson<'a>>,
    packages: Vec<PackagePolicy>,
    missing: Vec<String>,
}

/// Whether `root` holds any apt or dpkg state `debian policy` could read.
fn has_apt_or_dpkg_state(root: &std::path::Path) -> bool {
    [
        "var/lib/dpkg/status",
        "etc/apt/sources.list",
        "etc/apt/sources.list.d",
        "var/lib/apt/lists",
    ]
    .iter()
    .any(|p| root.join(p).exists())
}

fn policy(args: PolicyArgs, printer: &Printer, out: &mut dyn Write) -> anyhow::Result<ExitStatus> {
    if !has_apt_or_dpkg_state(&args.root) {
        anyhow::bail!(
            "{} holds no apt or dpkg state (no var/lib/dpkg/status, etc/apt/sources.list, \
             etc/apt/sources.list.d or var/lib/apt/lists): is --root right?",
            args.root.display()
        );
    }
    let mut opts = Options::for_root(&args.root);
    if let Some(a) = args.arch {
        opts.native_arch = a;
    }
    if args.target_release.is_some() {
        opts.target_release = args.target_release.clone();
    }
    let cache = Cache::load_root(&args.root, opts)
        .with_context(|| format!("cannot compute apt policy for root {}", args.root.display()))?;
    printer.debug(format_args!(
        "{} package indexes under {}",
        cache.files.len(),
        args.root.display()
    ));
    for w in &cache.warnings {
        printer.warn(w);
    }
    // dpkg refuses a status file it cannot read, so do we (exit 2, after the report); a
    // bad apt list only costs its stanzas, as in apt.
    let status_path = args.root.join("var/lib/dpkg/status");
    let mut status_errors = false;
    for p in &cache.problems {
        if p.path() == status_path {
            status_errors = true;
            printer.error(&anyhow::anyhow!("{p}"));
        } else {
            printer.warn(p);
        }
    }
    let mut reports = Vec::new();
    let mut missing = Vec::new();
    for name in &args.packages {
        match cache.package(name) {
            Some(p) => reports.push(cache.report(p)),
            // A virtual package (provided or only depended on): apt prints an empty stanza.
            None if cache.is_virtual(name) => {
                let bare = name.split_once(':').map_or(name.as_str(), |(n, _)| n);
                reports.push(PackagePolicy {
                    name: bare.to_string(),
                    architecture: cache.options().native_arch.clone(),
                    installed: None,
                    candidate: None,
                    selection: None,
                    held: false,
                    versions: Vec::new(),
                });
            }
            None => {
                printer.warn(format_args!("unable to locate package {name}"));
                missing.push(name.clone());
            }
        }
    }
    let native = cache.options().native_arch.clone();
    match args.format {
        Format::Json => {
            let doc = PolicyJson {
                schema: SchemaMarker {
                    name: "fleetpin-debian-policy",
                    version: POLICY_SCHEMA_VERSION,
                },
                root: args.root.display().to_string(),
                native_architecture: &cache.options().native_arch,
                target_release: cache.options().target_release.as_deref(),
                indexes: cache
                    .files_in_apt_order()
                    .map(|f| IndexJson {
                        priority: f.priority,
                        index: &f.describe,
                        release: f.release_line(),
                        origin: f.site.as_deref(),
                        path: f.path.display().to_string(),
                    })
                    .collect(),
                packages: reports,
                missing: missing.clone(),
            };
            serde_json::to_writer_pretty(&mut *out, &doc)?;
            writeln!(out)?;
        }
        Format::Text => {
            // Names and versions come from the index files: control characters are
            // escaped before they reach the terminal.
            let mut text = Vec::new();
            {
                let out: &mut dyn Write = &mut text;
                if args.packages.is_empty() {
                    writeln!(out, "Package files:")?;
                    for f in cache.files_in_apt_order() {
                        writeln!(out, " {:>3} {}", f.priority, f.describe)?;
                        writeln!(out, "     release {}", f.release_line())?;
                        if let Some(site) = f.site.as_deref().filter(|s| !s.is_empty()) {
                            writeln!(out, "     origin {site}")?;
                        }
                    }
                    writeln!(out, "Pinned packages:")?;
                    for (name, version, prio) in cache.pinned() {
                        writeln!(out, "     {name} -> {version} with priority {prio}")?;
                    }
                }
                for r in &reports {
                    let none = "(none)".to_string();
                    if r.architecture == native || r.architecture == "all" {
                        writeln!(out, "{}:", r.name)?;
                    } else {
                        writeln!(out, "{}:{}:", r.name, r.architecture)?;
                    }
                    writeln!(
                        out,
                        "  Installed: {}",
                        r.installed
                            .as_ref()
                            .map_or(none.clone(), Version::to_string)
                    )?;
                    writeln!(
                        out,
                        "  Candidate: {}",
                        r.candidate.as_ref().map_or(none, Version::to_string)
                    )?;
                    writeln!(out, "  Version table:")?;
                    for v in &r.versions {
                        let mark = if v.installed { " ***" } else { "    " };
                        writeln!(out, "{mark} {} {}", v.version, v.priority)?;
                        for s in &v.sources {
                            writeln!(out, "        {:>3} {}", s.priority, s.index)?;
                        }
                    }
                }
            }
            out.write_all(Printer::text(&String::from_utf8_lossy(&text)).as_bytes())?;
        }
    }
    Ok(if status_errors {
        ExitStatus::Error
    } else if missing.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Failure
    })
}

#[cfg(test)]
mod tests {
    //! The CLI against the real tools: `dpkg --compare-versions` for `compare`, and
    //! `apt-cache policy` on the fixture root for `policy` (text output must be identical).
    use std::path::Path;
    use std::process::Command as Proc;

    use super::*;
    use crate::printer::ColorChoice;

    fn printer() -> Printer {
        Printer::new(ColorChoice::Never, true, false)
    }

    fn fixture_root() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("crates/fleetpin-debian/tests/fixtures/policy-root")
    }

    fn have(tool: &str) -> bool {
        let ok = Proc::new(tool)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success());
        fleetpin_testkit::require(ok, tool)
    }

    fn compare_cli(args: &[&str]) -> (ExitStatus, String) {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let mut out = Vec::new();
        let st = compare(&args, &printer(), &mut out).unwrap();
        (st, String::from_utf8(out).unwrap())
    }

    #[test]
    fn compare_prints_sign_and_answers_like_dpkg() {
        assert_eq!(
            compare_cli(&["1.0~rc1", "1.0"]),
            (ExitStatus::Success, "<\n".into())
        );
        assert_eq!(
            compare_cli(&["0:1.0", "1.0-0"]),
            (ExitStatus::Success, "=\n".into())
        );
        assert_eq!(
            compare_cli(&["1:0.1", "2.0"]),
            (ExitStatus::Success, ">\n".into())
        );
        assert_eq!(compare_cli(&["1:", "2.0"]).0, ExitStatus::Error);
        if !have("dpkg") {
            return;
        }
        let cases: &[[&str; 3]] = &[
            ["1.0", "lt", "1.1"],
            ["1.0", "gt", "1.1"],
            [
                "5:23.0.1-1~debian.10~buster",
                ">>",
                "5:20.10.23~3-0~debian-buster",
            ],
            ["1.0", "<<", "1.0"],
            ["", "lt-nl", "1.0"],
            ["", "lt", "1.0"],
            ["1.0", "ne", "1.00"],
            ["1:", "lt", "1.0"],
            ["1.0", "lte", "1.1"],
            ["1.0", ">", "1.0"],
        ];
        for c in cases {
            let code = Proc::new("dpkg")
                .arg("--compare-versions")
                .args(c)
                .stderr(std::process::Stdio::null())
                .status()
                .unwrap()
                .code();
            let want = match code {
                Some(0) => ExitStatus::Success,
                Some(1) => ExitStatus::Failure,
                _ => ExitStatus::Error,
            };
            assert_eq!(compare_cli(c).0, want, "{c:?}");
        }
    }

    fn policy_cli(packages: &[&str], format: Format) -> (ExitStatus, String) {
        let args = PolicyArgs {
            packages: packages.iter().map(|s| s.to_string()).collect(),
            root: fixture_root(),
            format,
            target_release: None,
            arch: None,
        };
        let mut out = Vec::new();
        let st = policy(args, &printer(), &mut out).unwrap();
        (st, String::from_utf8(out).unwrap())
    }

    const PKGS: &[&str] = &[
        "docker-ce",
        "docker-ce-cli",
        "containerd.io",
        "curl",
        "apparmor",
    ];

    #[test]
    fn policy_text_is_identical_to_apt_cache_policy() {
        let (st, ours) = policy_cli(PKGS, Format::Text);
        assert_eq!(st, ExitStatus::Success);
        assert!(
            ours.contains("Candidate: 5:23.0.2-1~debian.12~bookworm"),
            "{ours}"
        );
        if !have("apt-cache") {
            return;
        }
        let tmp = tempfile::tempdir().unwrap();
        let root = fixture_root().canonicalize().unwrap();
        let conf = tmp.path().join("apt.conf");
        std::fs::write(
            &conf,
            format!(
                "Dir \"{r}/\";\nDir::State::status \"{r}/var/lib/dpkg/status\";\nDir::Cache \"{c}\";\nDir::Cache::pkgcache \"\";\nDir::Cache::srcpkgcache \"\";\nAPT::Architecture \"amd64\";\nAPT::Architectures {{ \"amd64\"; }};\n",
                r = root.display(),
                c = tmp.path().display()
            ),
        )
        .unwrap();
        let apt = Proc::new("apt-cache")
            .env("APT_CONFIG", &conf)
            .env("LC_ALL", "C")
            .arg("policy")
            .args(PKGS)
            .output()
            .unwrap();
        let apt = String::from_utf8(apt.stdout).unwrap();
        // apt names the status file by its canonical path; so do we, given the same root.
        let ours = ours.replace(
            &fixture_root().display().to_string(),
            &root.display().to_string(),
        );
        assert_eq!(ours, apt);
    }

    #[test]
    fn policy_json_is_the_documented_shape() {
        let (st, out) = policy_cli(&["docker-ce", "nosuch"], Format::Json);
        assert_eq!(st, ExitStatus::Failure, "a missing package is a finding");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["schema"]["version"], POLICY_SCHEMA_VERSION);
        assert_eq!(v["missing"][0], "nosuch");
        assert_eq!(v["native_architecture"], "amd64");
        let d = &v["packages"][0];
        assert_eq!(d["name"], "docker-ce");
        assert_eq!(d["installed"], "5:20.10.23~3-0~debian-bookworm");
        assert_eq!(d["candidate"], "5:23.0.2-1~debian.12~bookworm");
        assert_eq!(d["held"], true);
        assert_eq!(d["selection"], "hold");
        let mut keys: Vec<&str> = d["versions"][0]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "candidate",
                "installed",
                "pinned",
                "priority",
                "sources",
                "version"
            ]
        );
        assert_eq!(v["indexes"].as_array().unwrap().len(), 4);
    }
}
