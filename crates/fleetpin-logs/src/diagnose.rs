//! Journals → a diagnosis: the causes found (in the order they first appeared, with counts per
//! host), the known noise collapsed to counts, the templates nothing explains, which hosts
//! broke and which are clean, and every input that could not be read, named.
//!
//! A [`Diagnoser`] reads any number of sources (files, SSH outputs, Ansible tree entries) into
//! one [`Miner`]: a template does not depend on the host its lines came from (the fleet's
//! diagnosis has one line per kind of event) and counts its entries on each host. Each source
//! is parsed and masked on every core and mined in input order ([`crate::pipeline`]), so the
//! diagnosis is the same whatever the number of threads; diagnosers that read other sources
//! in parallel are combined with [`Diagnoser::merge`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::io::BufRead;

use regex::Regex;
use serde::{Serialize, Serializer};

use crate::causes::{Cause, CauseDb, looks_like_hazard_id};
use crate::miner::{Example, Miner, MinerOptions, Order, Template};
use crate::pipeline::{self, InputKind};
use crate::read::{Format, ReadOptions, ReadStats};
use crate::{Entry, EntryRef, format_timestamp, priority_name};

/// The `schema.name` of the JSON form of [`Diagnosis`].
pub const SCHEMA_NAME: &str = "fleetpin-diagnosis";
/// The version of the JSON shape of [`Diagnosis`] (`schema.version`).
pub const SCHEMA_VERSION: u32 = 1;

/// The schema marker of the JSON report.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Schema {
    /// [`SCHEMA_NAME`].
    pub name: &'static str,
    /// [`SCHEMA_VERSION`].
    pub version: u32,
}

/// A template with its count on each host.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// The template (its `hosts` lists the hosts, `count` the total).
    #[serde(flatten)]
    pub template: Template,
    /// Entries per host (hosts without a name are not counted here).
    pub host_counts: BTreeMap<String, u64>,
}

/// A cause (or noise pattern) found in the journal.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The cause id.
    pub id: String,
    /// The cause title.
    pub title: String,
    /// Why it happens.
    pub explanation: String,
    /// What to do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
    /// Hazard ids and URLs.
    pub references: Vec<String>,
    /// The hazard ids among the references: the `hazards/` entries describing the same failure.
    pub hazards: Vec<String>,
    /// Entries covered by the matching templates.
    pub count: u64,
    /// First matching entry.
    #[serde(serialize_with = "ser_ts")]
    pub first: Option<u64>,
    /// Last matching entry.
    #[serde(serialize_with = "ser_ts")]
    pub last: Option<u64>,
    /// Hosts with matching entries.
    pub hosts: Vec<String>,
    /// Matching entries per host.
    pub host_counts: BTreeMap<String, u64>,
    /// One raw line: the first example of the first matching template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<Example>,
    /// The matching templates, by first occurrence.
    pub templates: Vec<Event>,
}

fn ser_ts<S: Serializer>(ts: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match ts {
        Some(us) => s.serialize_str(&format_timestamp(*us)),
        None => s.serialize_none(),
    }
}

/// What became of one input.
#[derive(Debug, Clone, Serialize)]
pub struct SourceReport {
    /// A path, `<stdin>`, or `ssh://HOST`.
    pub name: String,
    /// The host every entry of this source is attributed to (an SSH target, a file of an
    /// Ansible tree), when the source is one host's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The format read (none when the source could not be opened).
    pub format: Option<Format>,
    /// What the reader counted.
    #[serde(flatten)]
    pub stats: ReadStats,
    /// Entries read but left out by the filters (`--since`, `--unit`, ...).
    pub filtered_out: u64,
    /// Why the source could not be read (completely or from some point on).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl SourceReport {
    /// Whether nothing usable came from this source: an error before any entry, or only bad
    /// records.
    pub fn unreadable(&self) -> bool {
        self.stats.entries == 0 && (self.error.is_some() || self.stats.bad > 0)
    }
}

/// How one host fared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HostStatus {
    /// At least one known cause matched its entries.
    Broken,
    /// Entries were read and no known cause matched.
    Clean,
    /// Nothing usable came from it (ssh failed, garbage, empty journal).
    Unreadable,
}

/// One host of the diagnosis.
#[derive(Debug, Clone, Serialize)]
pub struct HostReport {
    /// The host name (the inventory name for SSH and Ansible sources, else `_HOSTNAME`).
    pub host: String,
    /// Its status.
    pub status: HostStatus,
    /// Entries read from it (after filters).
    pub entries: u64,
    /// The ids of the causes matched on it.
    pub causes: Vec<String>,
    /// Entries of known noise.
    pub noise: u64,
    /// Why it is unreadable, or what was wrong with part of its input.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// The result of a diagnosis.
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// `{ "name": "fleetpin-diagnosis", "version": 1 }`.
    pub schema: Schema,
    /// What the readers counted, over all sources.
    pub input: ReadStats,
    /// Every source, in the order given.
    pub sources: Vec<SourceReport>,
    /// Every host: broken ones first, then clean, then unreadable, by name.
    pub hosts: Vec<HostReport>,
    /// Causes found, ordered by their first entry.
    pub causes: Vec<Finding>,
    /// Known noise found, ordered by their first entry.
    pub noise: Vec<Finding>,
    /// Templates no cause or noise pattern matched, in the order asked for.
    pub remaining: Vec<Event>,
}

impl Diagnosis {
    /// Whether a known cause matched (exit status 1 of `fleetpin diagnose`).
    pub fn found_cause(&self) -> bool {
        !self.causes.is_empty()
    }

    /// Whether nothing at all could be read: every source unreadable, or no source (exit
    /// status 2). An empty but readable journal is not this.
    pub fn nothing_read(&self) -> bool {
        self.causes.is_empty()
            && self.noise.is_empty()
            && self.remaining.is_empty()
            && self.sources.iter().all(SourceReport::unreadable)
    }
}

/// Which entries to keep, as journalctl's `--since`, `--until`, `--unit`, `--priority` and
/// `--grep` select them.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Entries at or after this time (µs since the epoch). Entries without a time are kept.
    pub since_us: Option<u64>,
    /// Entries at or before this time.
    pub until_us: Option<u64>,
    /// Unit patterns (`docker.service`, `docker*`); an entry matches one by its
    /// `_SYSTEMD_UNIT` or the unit it is about (`UNIT`, as `journalctl -u`), or, when it has none (text and Docker formats), by its program name
    /// against the pattern without its `.service` suffix.
    pub units: Vec<String>,
    /// Priorities kept, most severe first (`(0, 3)`: emerg to err). Entries without a
    /// priority (text formats) are kept.
    pub priority: Option<(u8, u8)>,
    /// A pattern the message must match.
    pub grep: Option<Regex>,
}

impl Filter {
    /// Whether the filter keeps everything.
    pub fn is_empty(&self) -> bool {
        self.since_us.is_none()
            && self.until_us.is_none()
            && self.units.is_empty()
            && self.priority.is_none()
            && self.grep.is_none()
    }

    /// Whether `e` passes.
    pub fn accepts(&self, e: &Entry) -> bool {
        self.accepts_ref(&e.as_ref())
    }

    /// [`Filter::accepts`] for a borrowed entry.
    pub fn accepts_ref(&self, e: &EntryRef<'_>) -> bool {
        if let Some(t) = e.timestamp_us
            && (self.since_us.is_some_and(|s| t < s) || self.until_us.is_some_and(|u| t > u))
        {
            return false;
        }
        if let (Some((hi, lo)), Some(p)) = (self.priority, e.priority)
            && !(hi..=lo).contains(&p)
        {
            return false;
        }
        if !self.units.is_empty() {
            let ok = match e.unit {
                Some(u) => self
                    .units
                    .iter()
                    .any(|p| glob(p, u) || e.about_unit.is_some_and(|a| glob(p, a))),
                None => self.units.iter().any(|p| {
                    let stem = p.strip_suffix(".service").unwrap_or(p);
                    glob(stem, e.group())
                }),
            };
            if !ok {
                return false;
            }
        }
        self.grep.as_ref().is_none_or(|g| g.is_match(e.message))
    }

    /// A unit argument as journalctl reads it: a name without a suffix (and without glob
    /// characters) gets `.service`.
    pub fn unit_pattern(arg: &str) -> String {
        let suffixed = arg
            .rsplit_once('.')
            .is_some_and(|(_, s)| UNIT_SUFFIXES.contains(&s));
        if suffixed || arg.contains(['*', '?', '[']) {
            arg.to_owned()
        } else {
            format!("{arg}.service")
        }
    }

    /// A `--grep` pattern, case-insensitive unless it has an upper-case letter (journalctl's
    /// rule).
    pub fn grep_regex(pattern: &str) -> Result<Regex, regex::Error> {
        regex::RegexBuilder::new(pattern)
            .case_insensitive(!pattern.chars().any(char::is_uppercase))
            .build()
    }

    /// A `--priority` argument: a name or number (`err`, `3`: that and more severe) or a
    /// range `FROM..TO` (`warning..err`), as journalctl reads it.
    pub fn parse_priority(arg: &str) -> Result<(u8, u8), String> {
        let one = |s: &str| -> Result<u8, String> {
            let s = s.trim();
            if let Ok(n) = s.parse::<u8>()
                && n <= 7
            {
                return Ok(n);
            }
            let s = match s {
                "emergency" => "emerg",
                "critical" => "crit",
                "error" => "err",
                "warn" => "warning",
                "information" => "info",
                other => other,
            };
            crate::PRIORITY_NAMES
                .iter()
                .position(|n| *n == s)
                .map(|p| p as u8)
                .ok_or_else(|| {
                    format!(
                        "unknown priority `{s}`: use 0-7 or {}",
                        crate::PRIORITY_NAMES.join(", ")
                    )
                })
        };
        match arg.split_once("..") {
            Some((a, b)) => {
                let (a, b) = (
                    if a.is_empty() { 0 } else { one(a)? },
                    if b.is_empty() { 7 } else { one(b)? },
                );
                Ok((a.min(b), a.max(b)))
            }
            None => Ok((0, one(arg)?)),
        }
    }
}

const UNIT_SUFFIXES: &[&str] = &[
    "service",
    "socket",
    "device",
    "mount",
    "automount",
    "swap",
    "target",
    "path",
    "timer",
    "slice",
    "scope",
];

/// `*` and `?` glob matching (fnmatch without brackets and escapes).
fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// Parses a `--since`/`--until` time as journalctl does, in UTC: `2023-02-20 10:01:02`,
/// `2023-02-20T10:01:02.5+01:00`, `2023-02-20` (midnight), `10:01` (today), `now`, `today`,
/// `yesterday`, `tomorrow`, `@1676887262` (Unix seconds), `-1h`/`+30min`, `2 hours ago`.
/// `now_us` is the current time.
pub fn parse_time(arg: &str, now_us: u64) -> Result<u64, String> {
    let s = arg.trim();
    let day = 86_400_000_000u64;
    let midnight = now_us / day * day;
    let bad = || {
        format!(
            "cannot read the time `{arg}`: use `YYYY-MM-DD [HH:MM[:SS]]`, `@UNIX_SECONDS`, \
             `-2h`, `30min ago`, `today` or `yesterday`"
        )
    };
    match s {
        "now" => return Ok(now_us),
        "today" => return Ok(midnight),
        "yesterday" => return Ok(midnight.saturating_sub(day)),
        "tomorrow" => return Ok(midnight + day),
        _ => {}
    }
    if let Some(secs) = s.strip_prefix('@') {
        let secs: f64 = secs.parse().map_err(|_| bad())?;
        return Ok((secs * 1e6) as u64);
    }
    let (sign, span) = if let Some(r) = s.strip_suffix(" ago").or_else(|| s.strip_suffix("ago")) {
        (-1i64, Some(r))
    } else if let Some(r) = s.strip_prefix('-') {
        (-1, Some(r))
    } else if let Some(r) = s.strip_prefix('+') {
        (1, Some(r))
    } else {
        (1, None)
    };
    if let Some(span) = span {
        let us = parse_span(span).ok_or_else(bad)?;
        return Ok(if sign < 0 {
            now_us.saturating_sub(us)
        } else {
            now_us + us
        });
    }
    if s.len() <= 8 && s.contains(':') && !s.contains('-') {
        let us = parse_clock(s).ok_or_else(bad)?;
        return Ok(midnight + us);
    }
    let s = s.strip_suffix(" UTC").unwrap_or(s);
    let full = if s.len() == 10 {
        format!("{s}T00:00:00")
    } else {
        let (date, time) = s.split_at(s.find(['T', ' ']).ok_or_else(bad)?);
        let time = &time[1..];
        // `10:01` → `10:01:00`, keeping any zone.
        let zone_at = time.find(['+', '-', 'Z']).unwrap_or(time.len());
        let (clock, zone) = time.split_at(zone_at);
        let clock = if clock.matches(':').count() == 1 {
            format!("{clock}:00")
        } else {
            clock.to_owned()
        };
        format!("{date}T{clock}{zone}")
    };
    crate::read::parse_iso_time(&full).ok_or_else(bad)
}

fn parse_clock(s: &str) -> Option<u64> {
    let mut parts = s.split(':');
    let h: u64 = parts.next()?.parse().ok()?;
    let m: u64 = parts.next()?.parse().ok()?;
    let sec: u64 = parts.next().map_or(Some(0), |p| p.parse().ok())?;
    (h < 24 && m < 60 && sec < 61 && parts.next().is_none())
        .then_some((h * 3600 + m * 60 + sec) * 1_000_000)
}

/// `1h`, `30min`, `2 hours`, `1d 2h`, `90s` → microseconds.
fn parse_span(s: &str) -> Option<u64> {
    let mut total = 0u64;
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let n: u64 = rest[..digits].parse().ok()?;
        rest = rest[digits..].trim_start();
        let letters = rest.bytes().take_while(u8::is_ascii_alphabetic).count();
        let unit = &rest[..letters];
        let secs = match unit {
            "" | "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            "w" | "week" | "weeks" => 604_800,
            _ => return None,
        };
        total += n * secs * 1_000_000;
        rest = rest[letters..].trim_start();
    }
    Some(total)
}

/// Reads sources into one [`Miner`]; [`Diagnoser::finish`] makes the [`Diagnosis`].
///
/// Every host's entries go to the same miner, so a template is the same whichever host a line
/// came from, and each template counts its entries per host. A source is parsed and masked on
/// every core ([`crate::pipeline`]) and mined in input order: the diagnosis does not depend on
/// the number of threads. Sources read in parallel by several diagnosers are combined with
/// [`Diagnoser::merge`], in a fixed order.
pub struct Diagnoser {
    miner: Miner,
    sources: Vec<SourceReport>,
}

impl Diagnoser {
    /// An empty diagnoser.
    pub fn new(options: MinerOptions) -> Self {
        Self {
            miner: Miner::new(options),
            sources: Vec::new(),
        }
    }

    /// The sources read so far.
    pub fn sources(&self) -> &[SourceReport] {
        &self.sources
    }

    /// Reads one source to its end. `host` attributes every entry to that host (an SSH target,
    /// a file of an Ansible tree named after its host); `format` overrides detection. A stream
    /// error ends this source (recorded in its [`SourceReport::error`] with what was read
    /// before), never the diagnosis.
    pub fn read<R: BufRead>(
        &mut self,
        name: &str,
        host: Option<&str>,
        input: R,
        format: Option<Format>,
        options: ReadOptions,
        filter: &Filter,
    ) -> &SourceReport {
        let keep = |entry: &EntryRef<'_>| filter.accepts_ref(entry);
        let fed = pipeline::feed(
            input,
            InputKind::Journal(format),
            &options,
            pipeline::CHUNK,
            true,
            host,
            &keep,
            &mut self.miner,
            &mut |_| {},
        );
        let error = fed.error.map(|e| {
            if fed.format.is_none() {
                e.to_string()
            } else {
                format!("read error after line {}: {e}", fed.stats.lines)
            }
        });
        self.sources.push(SourceReport {
            name: name.to_owned(),
            host: host.map(str::to_owned),
            format: fed.format,
            stats: fed.stats,
            filtered_out: fed.filtered,
            error,
        });
        self.sources.last().expect("just pushed")
    }

    /// Records a source that could not be read at all (a missing file, a host ssh could not
    /// reach, a host whose command failed).
    pub fn fail(&mut self, name: &str, host: Option<&str>, error: impl Into<String>) {
        self.sources.push(SourceReport {
            name: name.to_owned(),
            host: host.map(str::to_owned),
            format: None,
            stats: ReadStats::default(),
            filtered_out: 0,
            error: Some(error.into()),
        });
    }

    /// Adds one entry (already filtered).
    pub fn add(&mut self, entry: &Entry) {
        self.miner.add(entry);
    }

    /// Adds what another diagnoser read (in another thread) after what this one read
    /// ([`Miner::merge`]).
    pub fn merge(&mut self, other: Diagnoser) {
        self.miner.merge(other.miner);
        self.sources.extend(other.sources);
    }

    /// Matches causes and builds the report.
    pub fn finish(self, order: Order, db: &CauseDb) -> Diagnosis {
        let mut input = ReadStats::default();
        for s in &self.sources {
            input.entries += s.stats.entries;
            input.bad += s.stats.bad;
            input.non_utf8 += s.stats.non_utf8;
            input.without_message += s.stats.without_message;
            input.lines += s.stats.lines;
            let room = 100usize.saturating_sub(input.bad_samples.len());
            input
                .bad_samples
                .extend(s.stats.bad_samples.iter().take(room).cloned());
        }
        let events = self
            .miner
            .templates_with_hosts(order)
            .into_iter()
            .map(|(template, host_counts)| Event {
                template,
                host_counts,
            })
            .collect();
        let mut d = diagnose_events(events, db, input);
        d.sources = self.sources;
        d.hosts = host_reports(&d, &self.miner);
        d
    }
}

fn host_reports(d: &Diagnosis, miner: &Miner) -> Vec<HostReport> {
    let mut by: BTreeMap<String, HostReport> = BTreeMap::new();
    let blank = |host: &str| HostReport {
        host: host.to_owned(),
        status: HostStatus::Clean,
        entries: 0,
        causes: Vec::new(),
        noise: 0,
        error: None,
    };
    for (name, entries) in miner.hosts() {
        by.entry(name.to_owned())
            .or_insert_with(|| blank(name))
            .entries += entries;
    }
    for s in &d.sources {
        if let Some(host) = &s.host {
            let r = by.entry(host.clone()).or_insert_with(|| blank(host));
            if let Some(e) = &s.error {
                r.error = Some(e.clone());
            } else if s.stats.bad > 0 && r.error.is_none() {
                let b = &s.stats.bad_samples[0];
                r.error = Some(format!(
                    "{} unreadable record(s), first at {}:{}: {}",
                    s.stats.bad, s.name, b.line, b.reason
                ));
            }
        }
    }
    for c in &d.causes {
        for host in c.host_counts.keys() {
            if let Some(r) = by.get_mut(host) {
                r.causes.push(c.id.clone());
            }
        }
    }
    for n in &d.noise {
        for (host, count) in &n.host_counts {
            if let Some(r) = by.get_mut(host) {
                r.noise += count;
            }
        }
    }
    let mut out: Vec<HostReport> = by
        .into_values()
        .map(|mut r| {
            r.status = if !r.causes.is_empty() {
                HostStatus::Broken
            } else if r.entries == 0 && r.error.is_some() {
                HostStatus::Unreadable
            } else if r.entries == 0 {
                r.error = Some("no entries".into());
                HostStatus::Unreadable
            } else {
                HostStatus::Clean
            };
            r
        })
        .collect();
    out.sort_by_key(|r| match r.status {
        HostStatus::Broken => 0,
        HostStatus::Clean => 1,
        HostStatus::Unreadable => 2,
    });
    out
}

/// Matches templates against causes, without per-host counts (each template's only host, if it
/// has one, gets its whole count): what a caller mining with its own [`Miner`] uses. A template
/// goes to the first cause (not noise) that matches it, else to the first noise pattern, else
/// stays in `remaining`; `templates` keep their order in `remaining` (see [`crate::Order`]).
pub fn diagnose(templates: Vec<Template>, db: &CauseDb, input: ReadStats) -> Diagnosis {
    let events = templates
        .into_iter()
        .map(|t| {
            let host_counts = match t.hosts.as_slice() {
                [only] if t.more_hosts == 0 => BTreeMap::from([(only.clone(), t.count)]),
                _ => BTreeMap::new(),
            };
            Event {
                template: t,
                host_counts,
            }
        })
        .collect();
    diagnose_events(events, db, input)
}

fn diagnose_events(events: Vec<Event>, db: &CauseDb, input: ReadStats) -> Diagnosis {
    let causes: Vec<&Cause> = db
        .causes()
        .iter()
        .filter(|c| !c.noise)
        .chain(db.causes().iter().filter(|c| c.noise))
        .collect();
    let mut found: Vec<Option<Finding>> = vec![None; causes.len()];
    let mut remaining = Vec::new();
    for ev in events {
        let Some(i) = causes.iter().position(|c| c.matches(&ev.template)) else {
            remaining.push(ev);
            continue;
        };
        let c = causes[i];
        let f = found[i].get_or_insert_with(|| Finding {
            id: c.id.clone(),
            title: c.title.clone(),
            explanation: c.explanation.clone(),
            fix: c.fix.clone(),
            references: c.references.clone(),
            hazards: c
                .references
                .iter()
                .filter(|r| looks_like_hazard_id(r))
                .cloned()
                .collect(),
            count: 0,
            first: None,
            last: None,
            hosts: Vec::new(),
            host_counts: BTreeMap::new(),
            example: None,
            templates: Vec::new(),
        });
        f.count += ev.template.count;
        f.first = min_opt(f.first, ev.template.first);
        f.last = ev.template.last.max(f.last);
        for (h, n) in &ev.host_counts {
            *f.host_counts.entry(h.clone()).or_default() += n;
        }
        f.templates.push(ev);
    }
    let mut out_causes = Vec::new();
    let mut out_noise = Vec::new();
    for (c, f) in causes.iter().zip(found) {
        let Some(mut f) = f else { continue };
        let hosts: BTreeSet<&String> = f.templates.iter().flat_map(|t| &t.template.hosts).collect();
        f.hosts = hosts.into_iter().cloned().collect();
        f.templates
            .sort_by_key(|t| (t.template.first.unwrap_or(u64::MAX), t.template.first_seq));
        f.example = f
            .templates
            .first()
            .and_then(|t| t.template.examples.first().cloned());
        if c.noise {
            out_noise.push(f)
        } else {
            out_causes.push(f)
        }
    }
    let key = |f: &Finding| {
        (
            f.first.unwrap_or(u64::MAX),
            f.templates
                .first()
                .map_or(u64::MAX, |t| t.template.first_seq),
        )
    };
    out_causes.sort_by_key(key);
    out_noise.sort_by_key(key);
    Diagnosis {
        schema: Schema {
            name: SCHEMA_NAME,
            version: SCHEMA_VERSION,
        },
        sources: vec![SourceReport {
            name: "<input>".into(),
            host: None,
            format: None,
            stats: input.clone(),
            filtered_out: 0,
            error: None,
        }],
        hosts: Vec::new(),
        input,
        causes: out_causes,
        noise: out_noise,
        remaining,
    }
}

/// Reads a whole input (format detected from its first bytes), mines it and diagnoses it: what
/// `fleetpin diagnose FILE` does for one file. Only an I/O error of the input is an `Err`; bad
/// records are counted in [`Diagnosis::input`].
pub fn diagnose_input<R: BufRead>(
    input: R,
    read: ReadOptions,
    mine: MinerOptions,
    order: Order,
    db: &CauseDb,
) -> std::io::Result<Diagnosis> {
    let mut d = Diagnoser::new(mine);
    let report = d.read("<input>", None, input, None, read, &Filter::default());
    if let Some(e) = &report.error {
        return Err(std::io::Error::other(e.clone()));
    }
    Ok(d.finish(order, db))
}

fn min_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn ts(t: Option<u64>) -> String {
    t.map_or_else(|| "-".to_owned(), format_timestamp)
}

/// `first` alone when both are equal, else `first to last`.
fn span(first: Option<u64>, last: Option<u64>) -> String {
    if first == last {
        ts(first)
    } else {
        format!("{} to {}", ts(first), ts(last))
    }
}

/// `node1 40, node2 3` (at most `max` hosts, then `and N more`).
fn host_list(counts: &BTreeMap<String, u64>, max: usize) -> String {
    let mut v: Vec<(&String, &u64)> = counts.iter().collect();
    v.sort_by_key(|(h, n)| (std::cmp::Reverse(**n), *h));
    let mut s: Vec<String> = v
        .iter()
        .take(max)
        .map(|(h, n)| format!("{h} {n}"))
        .collect();
    if v.len() > max {
        s.push(format!("and {} more", v.len() - max));
    }
    s.join(", ")
}

/// The first line of a message, cut to `max` characters.
fn one_line(message: &str, max: usize) -> String {
    let first = message.lines().next().unwrap_or("");
    let mut out: String = first.chars().take(max).collect();
    if out.len() < first.len() || first.len() < message.trim_end().len() {
        out.push_str(" …");
    }
    out
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One template: count, severity, program, text; its time span, hosts and an example (unless
/// it is `shown`, the example already printed above it).
fn write_event(f: &mut fmt::Formatter<'_>, e: &Event, shown: Option<&Example>) -> fmt::Result {
    let t = &e.template;
    writeln!(
        f,
        "  {:>8}×  [{}] {}: {}",
        t.count,
        t.severity.map_or("-", priority_name),
        t.group,
        t.text
    )?;
    writeln!(f, "             {}", span(t.first, t.last))?;
    if e.host_counts.len() > 1 {
        writeln!(f, "             hosts: {}", host_list(&e.host_counts, 8))?;
    }
    if let Some(x) = t.examples.first()
        && x.message != t.text
        && shown != Some(x)
    {
        writeln!(f, "             e.g. {}", one_line(&x.message, 200))?;
    }
    Ok(())
}

/// A plain-text report, readable without colour: causes first, noise collapsed, the hosts,
/// then the remaining templates.
impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let templates: usize = self
            .causes
            .iter()
            .chain(&self.noise)
            .map(|c| c.templates.len())
            .sum::<usize>()
            + self.remaining.len();
        writeln!(
            f,
            "{} entries, {} templates: {} cause(s), {} noise pattern(s), {} other template(s)",
            self.input.entries,
            templates,
            self.causes.len(),
            self.noise.len(),
            self.remaining.len()
        )?;
        for s in &self.sources {
            if let Some(e) = &s.error {
                writeln!(f, "{}: cannot read: {e}", s.name)?;
            }
            // `file:line: reason`, as compilers print, at most 5 per source.
            for b in s.stats.bad_samples.iter().take(5) {
                writeln!(f, "{}:{}: unreadable: {}", s.name, b.line, b.reason)?;
            }
            let more = s.stats.bad.saturating_sub(5);
            if more > 0 {
                writeln!(
                    f,
                    "{}: {more} more unreadable record(s) (up to 100 in --format json)",
                    s.name
                )?;
            }
        }
        for c in &self.causes {
            write!(f, "\ncause {}: {}", c.id, c.title)?;
            if !c.hazards.is_empty() {
                write!(f, " [hazard {}]", c.hazards.join(", "))?;
            }
            writeln!(f)?;
            writeln!(
                f,
                "  {} on {}, {}",
                plural(c.count, "line", "lines"),
                plural(c.hosts.len() as u64, "host", "hosts"),
                span(c.first, c.last)
            )?;
            if !c.host_counts.is_empty() {
                writeln!(f, "  hosts: {}", host_list(&c.host_counts, 12))?;
            }
            if let Some(x) = &c.example {
                writeln!(
                    f,
                    "  example ({}line {}): {}",
                    x.host.as_ref().map_or(String::new(), |h| format!("{h}, ")),
                    x.line,
                    one_line(&x.message, 400)
                )?;
            }
            for t in &c.templates {
                write_event(f, t, c.example.as_ref())?;
            }
            if let Some(fix) = &c.fix {
                writeln!(
                    f,
                    "  fix: {}",
                    fix.split_whitespace().collect::<Vec<_>>().join(" ")
                )?;
            }
            if !c.references.is_empty() {
                writeln!(f, "  see: {}", c.references.join(", "))?;
            }
        }
        for n in &self.noise {
            writeln!(
                f,
                "\nnoise {}: {} — {} in {} collapsed, {}",
                n.id,
                n.title,
                plural(n.count, "entry", "entries"),
                plural(n.templates.len() as u64, "template", "templates"),
                span(n.first, n.last)
            )?;
        }
        let named = self.hosts.len();
        if named > 1 || self.hosts.iter().any(|h| h.status != HostStatus::Clean) {
            writeln!(f, "\nhosts:")?;
            for h in &self.hosts {
                let what = match h.status {
                    HostStatus::Broken => format!("broken: {}", h.causes.join(", ")),
                    HostStatus::Clean => "clean".to_owned(),
                    HostStatus::Unreadable => {
                        format!("unreadable: {}", h.error.as_deref().unwrap_or("no entries"))
                    }
                };
                writeln!(f, "  {:<24} {:>8} entries  {what}", h.host, h.entries)?;
            }
        }
        if !self.remaining.is_empty() {
            writeln!(f, "\nother templates:")?;
            for t in &self.remaining {
                write_event(f, t, None)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_676_887_262_000_000; // 2023-02-20T10:01:02Z

    #[test]
    fn times_as_journalctl_reads_them() {
        assert_eq!(parse_time("2023-02-20 10:01:02", 0), Ok(NOW));
        assert_eq!(parse_time("2023-02-20T11:01:02+01:00", 0), Ok(NOW));
        assert_eq!(parse_time("2023-02-20 10:01", 0), Ok(NOW - 2_000_000));
        assert_eq!(parse_time("2023-02-20", 0), Ok(NOW - 36_062_000_000));
        assert_eq!(parse_time("@1676887262", 0), Ok(NOW));
        assert_eq!(parse_time("-1h", NOW), Ok(NOW - 3_600_000_000));
        assert_eq!(parse_time("2 hours ago", NOW), Ok(NOW - 7_200_000_000));
        assert_eq!(parse_time("+30min", NOW), Ok(NOW + 1_800_000_000));
        assert_eq!(parse_time("today", NOW), Ok(NOW - 36_062_000_000));
        assert_eq!(
            parse_time("yesterday", NOW),
            Ok(NOW - 36_062_000_000 - 86_400_000_000)
        );
        assert_eq!(parse_time("10:00", NOW), Ok(NOW - 62_000_000));
        assert!(
            parse_time("last tuesday", NOW)
                .unwrap_err()
                .contains("last tuesday")
        );
        assert!(parse_time("-1 fortnight", NOW).is_err());
    }

    #[test]
    fn priorities_units_and_grep() {
        assert_eq!(Filter::parse_priority("err"), Ok((0, 3)));
        assert_eq!(Filter::parse_priority("4"), Ok((0, 4)));
        assert_eq!(Filter::parse_priority("warning..err"), Ok((3, 4)));
        assert_eq!(Filter::parse_priority("..crit"), Ok((0, 2)));
        assert!(Filter::parse_priority("loud").is_err());
        assert_eq!(Filter::unit_pattern("docker"), "docker.service");
        assert_eq!(Filter::unit_pattern("docker.socket"), "docker.socket");
        assert_eq!(Filter::unit_pattern("docker*"), "docker*");
        let f = Filter {
            units: vec![Filter::unit_pattern("docker*")],
            priority: Some((0, 3)),
            grep: Some(Filter::grep_regex("apparmor").unwrap()),
            ..Filter::default()
        };
        let mut e = Entry {
            unit: Some("docker.service".into()),
            priority: Some(3),
            message: "unable to apply AppArmor profile".into(),
            ..Entry::default()
        };
        assert!(f.accepts(&e));
        e.priority = Some(6);
        assert!(!f.accepts(&e));
        e.priority = None; // text formats carry none: kept
        assert!(f.accepts(&e));
        e.unit = Some("containerd.service".into());
        assert!(!f.accepts(&e));
        // systemd's own line about the unit (`UNIT=docker.service`, written by init.scope).
        e.unit = Some("init.scope".into());
        e.about_unit = Some("docker.service".into());
        assert!(f.accepts(&e));
        e.about_unit = None;
        // No unit (text): the program name against the pattern without `.service`.
        e.unit = None;
        e.identifier = Some("dockerd".into());
        assert!(f.accepts(&e));
        let strict = Filter {
            grep: Some(Filter::grep_regex("AppArmor").unwrap()),
            ..Filter::default()
        };
        e.message = "apparmor".into();
        assert!(!strict.accepts(&e));
        assert!(glob("a*b?d", "axxbcd") && !glob("a*b", "ab c"));
    }

    fn entry(host: &str, ts: u64, ident: &str, message: &str) -> Entry {
        Entry {
            timestamp_us: Some(ts),
            host: Some(host.into()),
            identifier: Some(ident.into()),
            priority: Some(3),
            message: message.into(),
            ..Entry::default()
        }
    }

    #[test]
    fn hosts_are_mined_together_with_counts() {
        let (db, _) = CauseDb::builtin();
        let mut a = Diagnoser::new(MinerOptions::default());
        let mut b = Diagnoser::new(MinerOptions::default());
        let apparmor = "unable to apply apparmor profile: apparmor failed to apply profile: write /proc/self/attr/apparmor/exec: no such file or directory";
        for i in 0..3 {
            a.add(&entry(
                "w1",
                10 + i,
                "dockerd",
                &format!("task t{i} failed: {apparmor}"),
            ));
            a.add(&entry(
                "w1",
                20 + i,
                "sshd",
                &format!("Accepted publickey for user{i}"),
            ));
        }
        b.add(&entry(
            "w2",
            5,
            "dockerd",
            &format!("task t9 failed: {apparmor}"),
        ));
        b.add(&entry("m1", 7, "sshd", "Accepted publickey for user7"));
        b.fail("ssh://w3", Some("w3"), "ssh: connection refused");
        a.merge(b);
        let d = a.finish(Order::FirstSeen, &db);
        assert_eq!(d.causes.len(), 1);
        let c = &d.causes[0];
        assert_eq!(c.count, 4);
        assert_eq!(c.hazards, ["FPH-2023-0001"]);
        assert_eq!(
            c.host_counts,
            BTreeMap::from([("w1".into(), 3), ("w2".into(), 1)])
        );
        assert_eq!(c.first, Some(5));
        assert_eq!(c.example.as_ref().unwrap().host.as_deref(), Some("w2"));
        let sshd: Vec<_> = d
            .remaining
            .iter()
            .filter(|e| e.template.group == "sshd")
            .collect();
        assert_eq!(sshd.len(), 1, "{sshd:#?}");
        assert_eq!(sshd[0].template.text, "Accepted publickey for <*>");
        assert_eq!(
            sshd[0].host_counts,
            BTreeMap::from([("m1".into(), 1), ("w1".into(), 3)])
        );
        let status: Vec<(&str, HostStatus)> = d
            .hosts
            .iter()
            .map(|h| (h.host.as_str(), h.status))
            .collect();
        assert_eq!(
            status,
            [
                ("w1", HostStatus::Broken),
                ("w2", HostStatus::Broken),
                ("m1", HostStatus::Clean),
                ("w3", HostStatus::Unreadable)
            ]
        );
        assert!(d.found_cause() && !d.nothing_read());
    }

    #[test]
    fn a_source_is_attributed_to_its_host_and_filtered() {
        let (db, _) = CauseDb::builtin();
        let mut d = Diagnoser::new(MinerOptions::default());
        let input = "2023-02-20T10:01:02+0000 localhost dockerd[1]: early\n\
                     2023-02-20T10:05:00+0000 localhost dockerd[1]: late task t1\n\
                     2023-02-20T10:06:00+0000 localhost dockerd[1]: late task t2\n\
                     garbage\n";
        let filter = Filter {
            since_us: Some(parse_time("2023-02-20 10:02", 0).unwrap()),
            ..Filter::default()
        };
        let r = d.read(
            "n1.log",
            Some("node1"),
            input.as_bytes(),
            None,
            ReadOptions::default(),
            &filter,
        );
        assert_eq!((r.stats.entries, r.filtered_out, r.stats.bad), (3, 1, 1));
        let out = d.finish(Order::Count, &db);
        assert_eq!(out.remaining.len(), 1);
        assert_eq!(out.remaining[0].template.hosts, ["node1"]);
        assert_eq!(out.remaining[0].host_counts["node1"], 2);
        assert_eq!(out.hosts[0].status, HostStatus::Clean);
        assert!(!out.found_cause() && !out.nothing_read());
    }
}
