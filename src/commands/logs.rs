//! `fleetpin logs`: log tools that stand on their own; `logs templates` mines the event
//! templates of any log.

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use fleetpin_logs::pipeline::{self, InputKind};
use fleetpin_logs::read::{ReadOptions, ReadStats};
use fleetpin_logs::{Miner, MinerOptions, Order, Template, TemplateId, format_timestamp};
use serde::Serialize;

use crate::ExitStatus;
use crate::printer::Printer;

/// `fleetpin logs` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print the event templates of any log (journal exports, syslog files, bare messages).
    Templates(TemplatesArgs),
}

/// Output format of `fleetpin logs templates`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per template: count, program and template.
    Text,
    /// One JSON document (`fleetpin-log-templates`) with every template and the input counts.
    Json,
    /// One JSON object per line: a template per line, or with `--per-line` an input line per
    /// line.
    Jsonl,
}

/// Template order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SortBy {
    /// By first occurrence (timestamp, then input order).
    FirstSeen,
    /// By count, largest first.
    Count,
}

/// Print the event templates of any log: the fixed text of each kind of message, with `<*>`
/// where the message varies (numbers, ids, addresses, paths, names), and how many lines each
/// covers.
///
/// The input format is detected per file: `journalctl -o json`, `-o export`, or text
/// (`journalctl -o short-iso`/`short-precise`, syslog files), whose header (time, host,
/// program) is not part of the message; lines of different programs never share a template.
/// `--content-only` takes every line as a bare message instead (the shape log-parser
/// benchmarks use). Unreadable files and records are reported on stderr (file and line) and
/// the rest is mined. Exit status: 0 when entries were read (or the input is empty), 2 when
/// nothing could be read.
#[derive(Debug, clap::Args)]
pub struct TemplatesArgs {
    /// Log files; `-` or none reads standard input.
    #[arg(value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,

    /// With `--format jsonl`: one object per input line, `{"file", "line", "id", "template"}`
    /// (`id` is the template's position in the template list), instead of one per template.
    #[arg(long)]
    per_line: bool,

    /// Take each line as a bare message: no journal or syslog header is parsed, and all lines
    /// are mined together.
    #[arg(long)]
    content_only: bool,

    /// Template order.
    #[arg(long, value_enum, default_value_t = SortBy::FirstSeen)]
    sort: SortBy,
}

/// Runs `fleetpin logs`.
pub fn run(cmd: Command, printer: &Printer) -> anyhow::Result<ExitStatus> {
    match cmd {
        Command::Templates(args) => templates(args, printer),
    }
}

/// The JSON marker of `--format json` (see `docs/cli.md`, "JSON documents").
const SCHEMA: &str = "fleetpin-log-templates";

/// The `--format json` document (see `docs/logs.md`).
#[derive(Serialize)]
struct Document<'a> {
    schema: Schema,
    inputs: Vec<JsonInput<'a>>,
    templates: Vec<JsonTemplate<'a>>,
}

#[derive(Serialize)]
struct Schema {
    name: &'static str,
    version: u32,
}

#[derive(Serialize)]
struct JsonTemplate<'a> {
    id: usize,
    #[serde(flatten)]
    template: &'a Template,
}

#[derive(Serialize)]
struct JsonInput<'a> {
    path: String,
    #[serde(flatten)]
    stats: &'a ReadStats,
}

/// One input line in `--per-line` output.
struct LineRef {
    file: u32,
    line: u64,
    id: Result<TemplateId, String>,
}

fn templates(args: TemplatesArgs, printer: &Printer) -> anyhow::Result<ExitStatus> {
    if args.per_line && args.format != Format::Jsonl {
        anyhow::bail!(
            "`--per-line` prints JSON lines\n\nhint: add `--format jsonl`, or leave out `--per-line` for the template list"
        );
    }
    let files = if args.files.is_empty() {
        vec![PathBuf::from("-")]
    } else {
        args.files.clone()
    };
    let mut miner = Miner::new(MinerOptions::default());
    let mut per_line: Vec<LineRef> = Vec::new();
    let mut inputs: Vec<(String, ReadStats)> = Vec::new();
    let mut unreadable = 0usize;
    for (fi, path) in files.iter().enumerate() {
        let name = path.display().to_string();
        let input: Box<dyn Read + Send> = if name == "-" {
            Box::new(std::io::stdin())
        } else {
            match File::open(path) {
                Ok(f) => Box::new(f),
                Err(e) => {
                    printer.warn(format!("{name}: {e}"));
                    unreadable += 1;
                    continue;
                }
            }
        };
        let kind = if args.content_only {
            InputKind::Content
        } else {
            InputKind::Journal(None)
        };
        let per_line_wanted = args.per_line;
        let read = pipeline::mine(input, kind, &ReadOptions::default(), &mut miner, |r| {
            if per_line_wanted {
                per_line.push(match r {
                    Ok((line, id)) => LineRef {
                        file: fi as u32,
                        line,
                        id: Ok(id),
                    },
                    Err(bad) => LineRef {
                        file: fi as u32,
                        line: bad.line,
                        id: Err(bad.reason.clone()),
                    },
                });
            }
        });
        match read.with_context(|| format!("reading {name}")) {
            Ok(stats) => {
                for bad in &stats.bad_samples {
                    printer.debug(format!("{name}:{}: {}", bad.line, bad.reason));
                }
                if stats.bad > 0 {
                    printer.warn(format!(
                        "{name}: {} record(s) could not be read (first at line {}: {})",
                        stats.bad,
                        stats.bad_samples.first().map_or(0, |b| b.line),
                        stats.bad_samples.first().map_or("", |b| b.reason.as_str())
                    ));
                }
                inputs.push((name, stats));
            }
            Err(e) => {
                printer.warn(format!("{e:#}"));
                unreadable += 1;
            }
        }
    }
    if inputs.is_empty() {
        anyhow::bail!("no input could be read");
    }
    let order = match args.sort {
        SortBy::FirstSeen => Order::FirstSeen,
        SortBy::Count => Order::Count,
    };
    let (list, index) = miner.templates_indexed(order);
    let mut out = BufWriter::with_capacity(1 << 16, printer.stdout());
    match args.format {
        Format::Text => {
            for t in &list {
                let group = if t.group == "-" {
                    String::new()
                } else {
                    format!("{}: ", Printer::text(&t.group))
                };
                writeln!(out, "{:>9}  {group}{}", t.count, Printer::text(&t.text))?;
            }
        }
        Format::Json => {
            let doc = Document {
                schema: Schema {
                    name: SCHEMA,
                    version: 1,
                },
                inputs: inputs
                    .iter()
                    .map(|(path, stats)| JsonInput {
                        path: path.clone(),
                        stats,
                    })
                    .collect(),
                templates: list
                    .iter()
                    .enumerate()
                    .map(|(id, template)| JsonTemplate { id, template })
                    .collect(),
            };
            serde_json::to_writer_pretty(&mut out, &doc)?;
            writeln!(out)?;
        }
        Format::Jsonl if args.per_line => {
            for l in &per_line {
                let file = &inputs_name(&files, l.file);
                let row = match &l.id {
                    Ok(id) => {
                        let pos = index.get(*id).context("template id from another miner")?;
                        serde_json::json!({"file": file, "line": l.line, "id": pos, "template": list[pos].text})
                    }
                    Err(reason) => {
                        serde_json::json!({"file": file, "line": l.line, "id": null, "error": reason})
                    }
                };
                serde_json::to_writer(&mut out, &row)?;
                writeln!(out)?;
            }
        }
        Format::Jsonl => {
            for (id, template) in list.iter().enumerate() {
                serde_json::to_writer(&mut out, &JsonTemplate { id, template })?;
                writeln!(out)?;
            }
        }
    }
    out.flush()?;
    let entries: u64 = inputs.iter().map(|(_, s)| s.entries).sum();
    let span = list
        .iter()
        .filter_map(|t| t.first)
        .min()
        .zip(list.iter().filter_map(|t| t.last).max());
    let span = span.map_or(String::new(), |(a, b)| {
        format!(", {} to {}", format_timestamp(a), format_timestamp(b))
    });
    printer.status(format!("{entries} entries, {} templates{span}", list.len()));
    let bad: u64 = inputs.iter().map(|(_, s)| s.bad).sum();
    Ok(if entries == 0 && (unreadable > 0 || bad > 0) {
        ExitStatus::Error
    } else {
        ExitStatus::Success
    })
}

fn inputs_name(files: &[PathBuf], i: u32) -> String {
    files[i as usize].display().to_string()
}
