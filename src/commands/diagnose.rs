//! `fleetpin diagnose`: the real error first, from journals of one host or the whole fleet.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{Context, bail};
use fleetpin_fleet::gather::{Target, for_each_host, run_remote};
use fleetpin_inventory::{Inventory, Pattern};
use fleetpin_logs::read::{Format, ReadOptions, decompress};
use fleetpin_logs::{CauseDb, Diagnoser, Diagnosis, Filter, HostStatus, MinerOptions, Order};
use rayon::prelude::*;

use crate::ExitStatus;
use crate::fleet_args::SshArgs;
use crate::printer::Printer;

mod facts;

/// Input formats of `--input-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Detected from the first bytes of each input.
    Auto,
    /// `journalctl -o json` (also `json-seq`).
    Json,
    /// `journalctl -o export`.
    Export,
    /// `journalctl -o short-iso`.
    ShortIso,
    /// `journalctl -o short-iso-precise`.
    ShortIsoPrecise,
    /// `journalctl -o short` (the default) and `/var/log/syslog`.
    Short,
    /// `journalctl -o short-precise`.
    ShortPrecise,
    /// `/var/log/syslog`, `/var/log/messages` (rotated `.gz` too).
    Syslog,
    /// `docker logs [--timestamps]` and `docker service logs [--timestamps]`.
    Docker,
}

impl InputFormat {
    fn format(self) -> Option<Format> {
        match self {
            InputFormat::Auto => None,
            InputFormat::Json => Some(Format::Json),
            InputFormat::Export => Some(Format::Export),
            InputFormat::Docker => Some(Format::Docker),
            InputFormat::ShortIso
            | InputFormat::ShortIsoPrecise
            | InputFormat::Short
            | InputFormat::ShortPrecise
            | InputFormat::Syslog => Some(Format::Text),
        }
    }
}

/// Output format of `fleetpin diagnose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Causes, noise, hosts and templates, most useful first.
    Text,
    /// JSON with a schema marker (`fleetpin-diagnosis`, see docs/diagnose.md).
    Json,
}

/// Order of the templates no cause explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TemplateOrder {
    /// By first occurrence: the story as it happened.
    FirstSeen,
    /// Most frequent first.
    Count,
}

/// Find the real error in journals: known root causes first, the flood collapsed.
///
/// Reads `journalctl -o json`, `-o export`, `-o short-iso`, `-o short-precise`, classic syslog
/// files (rotated `.gz` too) and `docker logs --timestamps` / `docker service logs` output, the
/// format detected per input. A folder holds one host per file: files fetched from each host and
/// named after it, or `ansible all -m ansible.builtin.command -a 'journalctl -o json ...' --tree
/// DIR` output. With `--ssh`, runs `journalctl -o export` on every host of the inventory.
/// With `--facts DIR`, says for each matched cause whether the facts of each host it was seen
/// on fit its known explanation ("Docker 23.0.1 + no apparmor package on node-w2:
/// FPH-2023-0001").
///
/// Exit status: 0 no known cause matched, 1 a known cause matched, 2 nothing could be read (or a
/// usage error). Unreadable records, files and hosts are named and counted; the rest is still
/// diagnosed.
#[derive(Debug, clap::Args)]
#[command(mut_arg("timeout", |a| a.default_value("300")))]
pub struct Args {
    /// Journals to read (`-` for stdin, the default when no file is given and stdin is not a
    /// terminal); a folder is read as one file per host. With `--ssh`: host patterns over the
    /// inventory (default `all`), or host names without one.
    #[arg(value_name = "FILE|HOST")]
    inputs: Vec<String>,

    /// Input format instead of detecting it (`--ssh` always reads `-o export`).
    #[arg(long, value_enum, default_value_t = InputFormat::Auto, conflicts_with = "ssh")]
    input_format: InputFormat,

    /// Only entries at or after this time (`2023-02-20 10:00`, `-2h`, `yesterday`,
    /// `@UNIX_SECONDS`; times without a zone are UTC). With `--ssh`, passed to the remote
    /// journalctl as it is (which reads it in the host's time zone).
    #[arg(short = 'S', long, value_name = "TIME")]
    since: Option<String>,

    /// Only entries at or before this time (as `--since`).
    #[arg(short = 'U', long, value_name = "TIME")]
    until: Option<String>,

    /// Only entries of this systemd unit (`docker`, `docker.service`, `docker*`). Repeatable.
    /// Inputs without units (text, Docker) match by program name.
    #[arg(short = 'u', long = "unit", value_name = "UNIT")]
    units: Vec<String>,

    /// Only entries of this priority or more severe (`err`, `3`), or of a range
    /// (`warning..err`). Inputs without priorities (text, Docker) are kept whole.
    #[arg(short = 'p', long, value_name = "PRIORITY")]
    priority: Option<String>,

    /// Only entries whose message matches this regex (case-insensitive unless it has an
    /// upper-case letter, as journalctl).
    #[arg(short = 'g', long, value_name = "REGEX")]
    grep: Option<String>,

    /// Order of the templates no cause explains.
    #[arg(long, value_enum, default_value_t = TemplateOrder::FirstSeen)]
    order: TemplateOrder,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,

    /// Load causes from this folder (`*.toml`, the format of the repository's `causes/`)
    /// instead of the built-in ones.
    #[arg(long, value_name = "DIR")]
    causes: Option<PathBuf>,

    /// The year of syslog timestamps, which carry none (default: from each file's
    /// modification time).
    #[arg(long, value_name = "YEAR")]
    year: Option<i32>,

    /// Read the journals of the inventory's hosts over SSH (`journalctl -o export`).
    #[arg(long)]
    ssh: bool,

    /// Ansible inventory (INI, YAML, or a folder). Repeatable. With `--ssh`: the hosts to reach.
    #[arg(short, long, value_name = "FILE", requires = "ssh")]
    inventory: Vec<PathBuf>,

    /// Only hosts matching this Ansible pattern (`workers:!swarm-w3`, `~regex`, `@file`).
    #[arg(short, long, value_name = "PATTERN", requires = "ssh")]
    limit: Option<String>,

    /// Check each matched cause against the facts of the hosts it was seen on (a folder
    /// written by `fleetpin gather`): whether its known explanation fits, which condition
    /// holds or fails, with which value.
    #[arg(long, value_name = "DIR")]
    facts: Option<PathBuf>,

    /// How to reach the hosts of `--ssh` (last: its help heading applies to what follows).
    #[command(flatten)]
    ssh_args: SshArgs,
}

fn now_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

fn filter(args: &Args) -> anyhow::Result<Filter> {
    let now = now_us();
    let time = |flag: &str, v: &Option<String>| -> anyhow::Result<Option<u64>> {
        v.as_deref()
            .map(|s| fleetpin_logs::parse_time(s, now).map_err(|e| anyhow::anyhow!("{flag}: {e}")))
            .transpose()
    };
    Ok(Filter {
        since_us: time("--since", &args.since)?,
        until_us: time("--until", &args.until)?,
        units: args.units.iter().map(|u| Filter::unit_pattern(u)).collect(),
        priority: args
            .priority
            .as_deref()
            .map(Filter::parse_priority)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--priority: {e}"))?,
        grep: args
            .grep
            .as_deref()
            .map(Filter::grep_regex)
            .transpose()
            .context("--grep: invalid regex")?,
    })
}

pub fn run(args: Args, printer: &Printer) -> anyhow::Result<ExitStatus> {
    let filter = filter(&args)?;
    let db = match &args.causes {
        Some(dir) => {
            let (db, problems) = CauseDb::load_dir(dir)?;
            for p in &problems {
                printer.warn(format!("{p} (cause left out)"));
            }
            db
        }
        None => CauseDb::builtin().0,
    };
    let diagnoser = if args.ssh {
        read_ssh(&args, &filter, printer)?
    } else {
        read_inputs(&args, &filter, printer)?
    };
    let order = match args.order {
        TemplateOrder::FirstSeen => Order::FirstSeen,
        TemplateOrder::Count => Order::Count,
    };
    let diagnosis = diagnoser.finish(order, &db);
    let facts = match &args.facts {
        Some(dir) => Some(facts::check(dir, &diagnosis, &db, printer)?),
        None => None,
    };
    write_report(&diagnosis, facts.as_ref(), args.format, printer)?;
    if diagnosis.nothing_read() {
        printer.error(&anyhow::anyhow!(
            "nothing could be read from {} input{}",
            diagnosis.sources.len(),
            if diagnosis.sources.len() == 1 {
                ""
            } else {
                "s"
            }
        ));
        return Ok(ExitStatus::Error);
    }
    Ok(if diagnosis.found_cause() {
        ExitStatus::Failure
    } else {
        ExitStatus::Success
    })
}

/// The JSON document: the diagnosis, and what the facts say when `--facts` is given.
#[derive(serde::Serialize)]
struct Report<'a> {
    #[serde(flatten)]
    diagnosis: &'a Diagnosis,
    #[serde(skip_serializing_if = "Option::is_none")]
    facts: Option<&'a facts::FactsReport>,
}

fn write_report(
    d: &Diagnosis,
    facts: Option<&facts::FactsReport>,
    format: OutputFormat,
    printer: &Printer,
) -> anyhow::Result<()> {
    let mut out = printer.stdout();
    match format {
        OutputFormat::Json => {
            let report = Report {
                diagnosis: d,
                facts,
            };
            serde_json::to_writer_pretty(&mut out, &report).context("cannot write JSON")?;
            writeln!(out)?;
            // The JSON has every problem; stderr names them for the person at the terminal.
            for s in &d.sources {
                if let Some(e) = &s.error {
                    printer.warn(format!("{}: {e}", s.name));
                } else if let Some(b) = s.stats.bad_samples.first() {
                    printer.warn(format!(
                        "{}: {} unreadable record(s), first at line {}: {}",
                        s.name, s.stats.bad, b.line, b.reason
                    ));
                }
            }
        }
        OutputFormat::Text => {
            // Messages and host names come from the inputs: escaped for the terminal.
            let mut text = d.to_string();
            if let Some(f) = facts {
                text = f.insert_into(&text, d);
            }
            out.write_all(Printer::text(&text).as_bytes())?;
            if d.causes.is_empty() && d.input.entries > 0 {
                writeln!(out, "\nno known cause matched")?;
            }
        }
    }
    for s in &d.sources {
        if s.error.is_none() && s.stats.entries == 0 && s.stats.bad == 0 {
            printer.warn(format!("{}: no entries", s.name));
        }
    }
    let broken = d
        .hosts
        .iter()
        .filter(|h| h.status == HostStatus::Broken)
        .count();
    if d.hosts.len() > 1 {
        printer.status(format!(
            "{} host{}: {broken} broken, {} clean, {} unreadable",
            d.hosts.len(),
            if d.hosts.len() == 1 { "" } else { "s" },
            d.hosts
                .iter()
                .filter(|h| h.status == HostStatus::Clean)
                .count(),
            d.hosts
                .iter()
                .filter(|h| h.status == HostStatus::Unreadable)
                .count(),
        ));
    }
    Ok(())
}

/// One input to read: a path (or stdin), attributed to a host when it comes from a folder.
struct Input {
    name: String,
    path: Option<PathBuf>,
    host: Option<String>,
    size: u64,
}

/// The host a per-host file is named after: `swarm-w2.example.internal.export.gz` →
/// `swarm-w2.example.internal`.
fn host_of_file(name: &str) -> String {
    let mut s = name;
    for ext in [
        ".gz", ".json", ".export", ".journal", ".log", ".txt", ".jsonl",
    ] {
        s = s.strip_suffix(ext).unwrap_or(s);
    }
    s.to_owned()
}

fn collect_inputs(args: &Args, printer: &Printer) -> anyhow::Result<Vec<Input>> {
    let mut raw = args.inputs.clone();
    if raw.is_empty() {
        if std::io::stdin().is_terminal() {
            bail!("no input: pass journal files, `-` for stdin, or --ssh");
        }
        raw.push("-".into());
    }
    let mut inputs = Vec::new();
    let mut seen = HashSet::new();
    for arg in raw {
        if arg == "-" {
            inputs.push(Input {
                name: "<stdin>".into(),
                path: None,
                host: None,
                size: 0,
            });
            continue;
        }
        let path = PathBuf::from(&arg);
        if !seen.insert(path.clone()) {
            printer.warn(format!("{arg} is given twice; read once"));
            continue;
        }
        match std::fs::metadata(&path) {
            Ok(m) if m.is_dir() => {
                let mut files: Vec<(PathBuf, u64)> = Vec::new();
                let entries = std::fs::read_dir(&path)
                    .with_context(|| format!("cannot read folder {arg}"))?;
                for e in entries {
                    let e = e.with_context(|| format!("cannot read folder {arg}"))?;
                    let name = e.file_name().to_string_lossy().into_owned();
                    // Hidden files, and a README or script kept beside the journals.
                    if name.starts_with('.')
                        || [
                            ".md", ".py", ".sh", ".toml", ".yml", ".yaml", ".cfg", ".ini",
                        ]
                        .iter()
                        .any(|ext| name.ends_with(ext))
                    {
                        printer.debug(format!("{}: not a journal, skipped", e.path().display()));
                        continue;
                    }
                    // Follows links to files (a tree of links to fetched journals).
                    match std::fs::metadata(e.path()) {
                        Ok(m) if m.is_file() => files.push((e.path(), m.len())),
                        Ok(_) => {
                            printer.debug(format!("{}: not a file, skipped", e.path().display()))
                        }
                        // A dangling link: named as unreadable when it is opened.
                        Err(_) => files.push((e.path(), 0)),
                    }
                }
                files.sort();
                if files.is_empty() {
                    printer.warn(format!("{arg}: empty folder"));
                }
                for (p, size) in files {
                    let name = p.file_name().map(|n| n.to_string_lossy().into_owned());
                    inputs.push(Input {
                        name: p.display().to_string(),
                        host: name.map(|n| host_of_file(&n)),
                        path: Some(p),
                        size,
                    });
                }
            }
            Ok(m) => inputs.push(Input {
                name: arg.clone(),
                path: Some(path),
                host: None,
                size: m.len(),
            }),
            // Named in the report as unreadable; the other inputs are still read.
            Err(_) => inputs.push(Input {
                name: arg.clone(),
                path: Some(path),
                host: None,
                size: 0,
            }),
        }
    }
    Ok(inputs)
}

fn read_options(args: &Args, modified: Option<SystemTime>) -> ReadOptions {
    ReadOptions {
        syslog_year: args.year,
        syslog_reference_us: Some(
            modified
                .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
                .map_or_else(now_us, |d| d.as_micros() as u64),
        ),
        ..ReadOptions::default()
    }
}

fn read_inputs(args: &Args, filter: &Filter, printer: &Printer) -> anyhow::Result<Diagnoser> {
    let inputs = collect_inputs(args, printer)?;
    let total: u64 = inputs.iter().map(|i| i.size).sum();
    // Small inputs are read before a bar could be seen.
    let bar = if total > 16 << 20 {
        printer.progress(
            total,
            "{spinner} reading [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}), {msg}",
        )
    } else {
        indicatif::ProgressBar::hidden()
    };
    let format = args.input_format.format();
    let parts: Vec<Diagnoser> = inputs
        .par_iter()
        .map(|input| {
            let mut d = Diagnoser::new(MinerOptions::default());
            let host = input.host.as_deref();
            match &input.path {
                None => {
                    let stdin = std::io::stdin().lock();
                    read_one(
                        &mut d,
                        input,
                        stdin,
                        format,
                        read_options(args, None),
                        filter,
                    );
                }
                Some(path) => match std::fs::File::open(path) {
                    Ok(file) => {
                        let modified = file.metadata().and_then(|m| m.modified()).ok();
                        let counted = bar.wrap_read(file);
                        read_one(
                            &mut d,
                            input,
                            counted,
                            format,
                            read_options(args, modified),
                            filter,
                        );
                    }
                    Err(e) => d.fail(&input.name, host, e.to_string()),
                },
            }
            bar.set_message(Printer::text(&input.name).into_owned());
            d
        })
        .collect();
    bar.finish_and_clear();
    let mut all = Diagnoser::new(MinerOptions::default());
    for d in parts {
        all.merge(d);
    }
    Ok(all)
}

/// Reads one input: decompressed if gzip, unwrapped if it is an Ansible `--tree` result.
fn read_one<R: Read>(
    d: &mut Diagnoser,
    input: &Input,
    raw: R,
    format: Option<Format>,
    options: ReadOptions,
    filter: &Filter,
) {
    let host = input.host.as_deref();
    let mut reader = match decompress(BufReader::with_capacity(1 << 16, raw)) {
        Ok(r) => r,
        Err(e) => return d.fail(&input.name, host, e.to_string()),
    };
    // An Ansible tree file is one JSON object holding the command's stdout.
    if host.is_some() && format.is_none() {
        let head = match reader.fill_buf() {
            Ok(h) => h,
            Err(e) => return d.fail(&input.name, host, e.to_string()),
        };
        if head.trim_ascii_start().starts_with(b"{") && looks_like_ansible_result(head) {
            let mut text = Vec::new();
            if let Err(e) = reader.read_to_end(&mut text) {
                return d.fail(&input.name, host, e.to_string());
            }
            match ansible_stdout(&text) {
                Ok(stdout) => {
                    d.read(&input.name, host, stdout.as_bytes(), None, options, filter);
                }
                Err(e) => d.fail(&input.name, host, e),
            }
            return;
        }
    }
    d.read(&input.name, host, reader, format, options, filter);
}

/// Whether the first bytes of a JSON file are an Ansible module result rather than a
/// `journalctl -o json` line: journal entries have upper-case field names.
fn looks_like_ansible_result(head: &[u8]) -> bool {
    let first_key = head
        .iter()
        .position(|b| *b == b'"')
        .map(|i| &head[i + 1..])
        .and_then(|rest| rest.iter().position(|b| *b == b'"').map(|j| &rest[..j]));
    first_key.is_some_and(|k| k.iter().any(u8::is_ascii_lowercase))
}

/// The stdout of an `ansible ... -m command --tree DIR` result, or why there is none.
fn ansible_stdout(text: &[u8]) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Result {
        #[serde(default)]
        stdout: Option<String>,
        #[serde(default)]
        rc: Option<i64>,
        #[serde(default)]
        failed: bool,
        #[serde(default)]
        unreachable: bool,
        #[serde(default)]
        msg: Option<String>,
        #[serde(default)]
        stderr: Option<String>,
    }
    let r: Result = serde_json::from_slice(text)
        .map_err(|e| format!("not an Ansible result (--tree) file: {e}"))?;
    let why = r
        .stderr
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .or(r.msg.as_deref())
        .unwrap_or("no message")
        .trim()
        .lines()
        .last()
        .unwrap_or("")
        .to_owned();
    if r.unreachable {
        return Err(format!("Ansible could not reach the host: {why}"));
    }
    if r.failed || r.rc.is_some_and(|rc| rc != 0) {
        return Err(format!(
            "the command failed on the host (rc {}): {why}",
            r.rc.map_or("-".into(), |rc| rc.to_string())
        ));
    }
    // Ansible also writes results without `failed` when the task never ran (an undefined
    // variable in its arguments): no stdout, a `msg`.
    r.stdout
        .ok_or_else(|| format!("the Ansible result has no command output: {why}"))
}

/// Quotes a word for `/bin/sh`.
fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The script each host runs: `journalctl -o export` with the time, unit and priority filters
/// (the grep is applied locally: not every journalctl has PCRE2).
fn remote_script(args: &Args) -> String {
    let mut cmd = String::from("journalctl --no-pager -o export");
    if let Some(s) = &args.since {
        cmd.push_str(&format!(" --since {}", sh_quote(s)));
    }
    if let Some(u) = &args.until {
        cmd.push_str(&format!(" --until {}", sh_quote(u)));
    }
    for u in &args.units {
        cmd.push_str(&format!(" --unit {}", sh_quote(u)));
    }
    if let Some(p) = &args.priority {
        cmd.push_str(&format!(" --priority {}", sh_quote(p)));
    }
    format!("LC_ALL=C exec {cmd}\n")
}

fn targets(args: &Args, printer: &Printer) -> anyhow::Result<Vec<Target>> {
    if args.inventory.is_empty() {
        if args.limit.is_some() {
            bail!("--limit needs an --inventory");
        }
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for h in &args.inputs {
            if !seen.insert(h.as_str()) {
                bail!("host `{h}` is given twice");
            }
            out.push(Target::bare(h.clone()));
        }
        if out.is_empty() {
            bail!("--ssh needs hosts: pass an --inventory or HOST arguments");
        }
        return Ok(out);
    }
    let inv = Inventory::load_all(&args.inventory).context("cannot load the inventory")?;
    for w in inv.warnings() {
        printer.warn(w);
    }
    let pattern_text = if args.inputs.is_empty() {
        "all".to_string()
    } else {
        args.inputs.join(",")
    };
    let pattern = Pattern::parse(&pattern_text)?;
    for t in pattern.unmatched_terms(&inv) {
        printer.warn(format!("pattern `{t}` matches no host or group"));
    }
    let mut selected = inv.select(&pattern);
    if let Some(limit) = &args.limit {
        let limited = Pattern::parse_limit(limit, Path::new("."))
            .with_context(|| format!("invalid --limit `{limit}`"))?;
        let allowed: HashSet<&str> = inv.select(&limited).iter().map(|h| h.name()).collect();
        selected.retain(|h| allowed.contains(h.name()));
    }
    if selected.is_empty() {
        bail!(
            "no host matches `{pattern_text}`{}",
            args.limit
                .as_ref()
                .map_or(String::new(), |l| format!(" limited to `{l}`"))
        );
    }
    Ok(selected
        .iter()
        .map(|h| Target {
            name: h.name().to_string(),
            groups: Vec::new(),
            connection: inv.connection(h.name()).expect("selected host exists"),
        })
        .collect())
}

fn read_ssh(args: &Args, filter: &Filter, printer: &Printer) -> anyhow::Result<Diagnoser> {
    let targets = targets(args, printer)?;
    let cfg = args.ssh_args.config();
    // Time, unit and priority were applied by the remote journalctl.
    let local = Filter {
        grep: filter.grep.clone(),
        ..Filter::default()
    };
    let script = remote_script(args);
    let bar = printer.progress(
        targets.len() as u64,
        "{spinner} reading journals [{bar:30}] {pos}/{len} hosts, {msg}",
    );
    let failed = std::sync::atomic::AtomicUsize::new(0);
    let results = for_each_host(
        &targets,
        cfg.forks,
        |t| {
            // Parsed and mined here, in the worker, as each host answers.
            let mut d = Diagnoser::new(MinerOptions::default());
            let name = format!("ssh://{}", t.name);
            let host = Some(t.name.as_str());
            match run_remote(t, &cfg, script.as_bytes()) {
                Err(e) => d.fail(&name, host, format!("{}: {e}", e.kind())),
                Ok(out) if out.status != Some(0) && out.stdout.is_empty() => d.fail(
                    &name,
                    host,
                    format!(
                        "journalctl exited with {}: {}",
                        out.status.map_or("a signal".into(), |s| s.to_string()),
                        out.stderr_tail(2)
                    ),
                ),
                Ok(out) => {
                    d.read(
                        &name,
                        host,
                        &out.stdout[..],
                        Some(Format::Export),
                        read_options(args, None),
                        &local,
                    );
                    if out.status != Some(0) || !out.stderr.trim().is_empty() {
                        printer.warn(format!(
                            "{}: journalctl {}: {}",
                            t.name,
                            out.status
                                .map_or("killed".into(), |s| format!("exited with {s}")),
                            out.stderr_tail(2)
                        ));
                    }
                }
            }
            d
        },
        |t, d| {
            if d.sources().iter().any(|s| s.unreadable()) {
                failed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            bar.set_message(format!(
                "{} unreadable, last {}",
                failed.load(std::sync::atomic::Ordering::Relaxed),
                Printer::text(&t.name)
            ));
            bar.inc(1);
        },
    );
    bar.finish_and_clear();
    let mut all = Diagnoser::new(MinerOptions::default());
    for (t, d) in targets.iter().zip(results) {
        match d {
            Some(d) => all.merge(d),
            None => all.fail(
                &format!("ssh://{}", t.name),
                Some(&t.name),
                "internal error while reading this host",
            ),
        }
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_give_hosts() {
        assert_eq!(
            host_of_file("swarm-w2.example.internal.export.gz"),
            "swarm-w2.example.internal"
        );
        assert_eq!(host_of_file("node1"), "node1");
    }

    #[test]
    fn ansible_results() {
        assert!(looks_like_ansible_result(
            br#"{"changed": true, "stdout": ""}"#
        ));
        assert!(!looks_like_ansible_result(
            br#"{"__CURSOR":"s=1","MESSAGE":"x"}"#
        ));
        assert_eq!(
            ansible_stdout(br#"{"rc": 0, "stdout": "MESSAGE=hi", "changed": true}"#),
            Ok("MESSAGE=hi".into())
        );
        let e = ansible_stdout(
            br#"{"unreachable": true, "msg": "Failed to connect to the host via ssh: refused"}"#,
        )
        .unwrap_err();
        assert!(
            e.contains("could not reach") && e.contains("refused"),
            "{e}"
        );
        let e = ansible_stdout(
            br#"{"rc": 1, "failed": true, "stderr": "No journal files were found.", "stdout": ""}"#,
        )
        .unwrap_err();
        assert!(e.contains("rc 1") && e.contains("No journal files"), "{e}");
    }

    /// Reading a whole journal takes longer than gathering facts: 300 s, not `gather`'s 120.
    #[test]
    fn ssh_timeout_defaults_to_five_minutes() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let cfg = Cli::parse_from(["x", "--ssh", "h1"]).args.ssh_args.config();
        assert_eq!(cfg.timeout, std::time::Duration::from_secs(300));
        assert_eq!(cfg.forks, 5);
        let cfg = Cli::parse_from(["x", "--ssh", "--timeout", "20", "h1"])
            .args
            .ssh_args
            .config();
        assert_eq!(cfg.timeout, std::time::Duration::from_secs(20));
    }

    #[test]
    fn remote_script_quotes_every_value() {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            args: Args,
        }
        let cli = Cli::parse_from([
            "x",
            "--ssh",
            "--since",
            "2023-02-20 10:00",
            "-u",
            "docker; rm -rf /",
            "-p",
            "err",
            "h1",
        ]);
        assert_eq!(
            remote_script(&cli.args),
            "LC_ALL=C exec journalctl --no-pager -o export --since '2023-02-20 10:00' --unit 'docker; rm -rf /' --priority 'err'\n"
        );
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
    }
}
