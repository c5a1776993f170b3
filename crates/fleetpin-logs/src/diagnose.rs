//! Templates + causes → a diagnosis: the causes found (in the order they first appeared), the
//! known noise collapsed to counts, and the templates nothing explains.

use std::collections::BTreeSet;
use std::fmt;

use serde::{Serialize, Serializer};

use crate::causes::{Cause, CauseDb};
use crate::miner::Template;
use crate::read::ReadStats;
use crate::{format_timestamp, priority_name};

/// The version of the JSON shape of [`Diagnosis`].
pub const SCHEMA_VERSION: u32 = 1;

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
    /// The matching templates, by first occurrence.
    pub templates: Vec<Template>,
}

fn ser_ts<S: Serializer>(ts: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match ts {
        Some(us) => s.serialize_str(&format_timestamp(*us)),
        None => s.serialize_none(),
    }
}

/// The result of [`diagnose`].
#[derive(Debug, Clone, Serialize)]
pub struct Diagnosis {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// What the reader counted (entries, bad records with their lines).
    pub input: ReadStats,
    /// Causes found, ordered by their first entry.
    pub causes: Vec<Finding>,
    /// Known noise found, ordered by their first entry.
    pub noise: Vec<Finding>,
    /// Templates no cause or noise pattern matched, in the order asked for.
    pub remaining: Vec<Template>,
}

/// Matches templates against causes. A template goes to the first cause (not noise) that
/// matches it, else to the first noise pattern, else stays in `remaining`; `templates` keep
/// their order in `remaining` (see [`crate::Order`]).
pub fn diagnose(templates: Vec<Template>, db: &CauseDb, input: ReadStats) -> Diagnosis {
    let causes: Vec<&Cause> = db
        .causes()
        .iter()
        .filter(|c| !c.noise)
        .chain(db.causes().iter().filter(|c| c.noise))
        .collect();
    let mut found: Vec<Option<Finding>> = vec![None; causes.len()];
    let mut remaining = Vec::new();
    for t in templates {
        let Some(i) = causes.iter().position(|c| c.matches(&t)) else {
            remaining.push(t);
            continue;
        };
        let c = causes[i];
        let f = found[i].get_or_insert_with(|| Finding {
            id: c.id.clone(),
            title: c.title.clone(),
            explanation: c.explanation.clone(),
            fix: c.fix.clone(),
            references: c.references.clone(),
            count: 0,
            first: None,
            last: None,
            hosts: Vec::new(),
            templates: Vec::new(),
        });
        f.count += t.count;
        f.first = min_opt(f.first, t.first);
        f.last = t.last.max(f.last);
        f.templates.push(t);
    }
    let mut out_causes = Vec::new();
    let mut out_noise = Vec::new();
    for (c, f) in causes.iter().zip(found) {
        let Some(mut f) = f else { continue };
        let hosts: BTreeSet<&String> = f.templates.iter().flat_map(|t| &t.hosts).collect();
        f.hosts = hosts.into_iter().cloned().collect();
        f.templates
            .sort_by_key(|t| (t.first.unwrap_or(u64::MAX), t.first_seq));
        if c.noise {
            out_noise.push(f)
        } else {
            out_causes.push(f)
        }
    }
    let key = |f: &Finding| {
        (
            f.first.unwrap_or(u64::MAX),
            f.templates.first().map_or(u64::MAX, |t| t.first_seq),
        )
    };
    out_causes.sort_by_key(key);
    out_noise.sort_by_key(key);
    Diagnosis {
        schema_version: SCHEMA_VERSION,
        input,
        causes: out_causes,
        noise: out_noise,
        remaining,
    }
}

/// Reads a whole input (format detected from its first bytes), mines it and diagnoses it: what
/// `fleetpin diagnose FILE` does. Only an I/O error of the input is an `Err`; bad records are
/// counted in [`Diagnosis::input`].
pub fn diagnose_input<R: std::io::BufRead>(
    input: R,
    read: crate::read::ReadOptions,
    mine: crate::MinerOptions,
    order: crate::Order,
    db: &CauseDb,
) -> std::io::Result<Diagnosis> {
    let mut reader = crate::read::Reader::detect(input, read)?;
    let mut miner = crate::Miner::new(mine);
    while let Some(record) = reader.next_record()? {
        if let Ok(entry) = record {
            miner.add(&entry);
        }
    }
    Ok(diagnose(miner.templates(order), db, reader.into_stats()))
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

fn write_template(f: &mut fmt::Formatter<'_>, t: &Template) -> fmt::Result {
    writeln!(
        f,
        "    {:>8}×  {}  [{}] {}: {}",
        t.count,
        ts(t.first),
        t.severity.map_or("-", priority_name),
        t.group,
        t.text
    )
}

/// A plain-text report, readable without colour: causes first, noise collapsed, then the
/// remaining templates.
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
        if self.input.bad > 0 {
            write!(f, "{} unreadable record(s):", self.input.bad)?;
            for b in self.input.bad_samples.iter().take(5) {
                write!(f, " line {} ({});", b.line, b.reason)?;
            }
            writeln!(f)?;
        }
        for c in &self.causes {
            writeln!(f, "\ncause {}: {}", c.id, c.title)?;
            writeln!(
                f,
                "  {} entries on {} host(s), first {}, last {}",
                c.count,
                c.hosts.len(),
                ts(c.first),
                ts(c.last)
            )?;
            for t in &c.templates {
                write_template(f, t)?;
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
                "\nnoise {}: {} — {} entries in {} template(s) collapsed, {} to {}",
                n.id,
                n.title,
                n.count,
                n.templates.len(),
                ts(n.first),
                ts(n.last)
            )?;
        }
        if !self.remaining.is_empty() {
            writeln!(f, "\nother templates:")?;
            for t in &self.remaining {
                write_template(f, t)?;
            }
        }
        Ok(())
    }
}
