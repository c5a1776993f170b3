//! Template mining over journal entries: masking, then one [`Drain`] per program (the entry's
//! [`Entry::group`]), so lines of `dockerd` and `systemd-udevd` never merge, with the facts a
//! reader of the story needs per template.

use std::collections::{BTreeSet, HashMap};

use serde::{Serialize, Serializer};

use crate::drain::{Drain, DrainOptions};
use crate::{Entry, mask};

/// Mining options.
#[derive(Debug, Clone)]
pub struct MinerOptions {
    /// Drain parameters.
    pub drain: DrainOptions,
    /// Whether to mask variable parts first ([`crate::mask`]). Default on.
    pub mask: bool,
    /// Example messages kept per template (the first distinct ones). Default 3.
    pub examples: usize,
    /// The longest example kept, in characters; longer ones are cut. Default 500.
    pub example_chars: usize,
    /// Distinct hosts listed per template; more are only counted. Default 32.
    pub max_hosts: usize,
}

/// The template text of the lines of a program that found no template once its
/// [`DrainOptions::max_clusters`] was reached.
pub const OVERFLOW_TEMPLATE: &str = "<*> (template limit reached: lines not clustered)";

impl Default for MinerOptions {
    fn default() -> Self {
        Self {
            // Bounded memory on any input: one program with more than 5000 templates is
            // garbage or unmasked ids; the rest of its lines are counted in one overflow
            // template ([`OVERFLOW_TEMPLATE`]).
            drain: DrainOptions {
                max_clusters: Some(5000),
                similarity_over_constants: std::env::var_os("FP_DRAINSIM").is_none(),
                sim_th: std::env::var("FP_ST").ok().and_then(|v| v.parse().ok()).unwrap_or(0.4),
                ..DrainOptions::default()
            },
            mask: true,
            examples: 3,
            example_chars: 500,
            max_hosts: 32,
        }
    }
}

/// How [`Miner::templates`] orders templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Order {
    /// By first occurrence: the story as it happened (timestamp, then input order).
    #[default]
    FirstSeen,
    /// By count, largest first (ties by first occurrence).
    Count,
}

/// An example message of a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Example {
    /// The 1-based input line of the entry.
    pub line: u64,
    /// The host, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The message (cut to [`MinerOptions::example_chars`]).
    pub message: String,
}

/// One event template with its facts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Template {
    /// The program the template belongs to ([`Entry::group`]).
    pub group: String,
    /// The template: the masked message with `<*>` for variable parts.
    pub text: String,
    /// How many entries it covers.
    pub count: u64,
    /// The first entry's timestamp (µs since the epoch), RFC 3339 when serialized.
    #[serde(serialize_with = "ser_ts")]
    pub first: Option<u64>,
    /// The last entry's timestamp.
    #[serde(serialize_with = "ser_ts")]
    pub last: Option<u64>,
    /// The input position (0-based entry number) of the first entry.
    #[serde(skip)]
    pub first_seq: u64,
    /// Hosts seen, sorted (at most [`MinerOptions::max_hosts`]).
    pub hosts: Vec<String>,
    /// Hosts seen beyond those listed.
    #[serde(skip_serializing_if = "is_zero")]
    pub more_hosts: u64,
    /// Systemd units seen, sorted.
    pub units: Vec<String>,
    /// The most severe journal `PRIORITY` seen (0 emerg … 7 debug).
    #[serde(serialize_with = "ser_priority")]
    pub severity: Option<u8>,
    /// The first distinct messages.
    pub examples: Vec<Example>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

fn ser_ts<S: Serializer>(ts: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match ts {
        Some(us) => s.serialize_str(&crate::format_timestamp(*us)),
        None => s.serialize_none(),
    }
}

fn ser_priority<S: Serializer>(p: &Option<u8>, s: S) -> Result<S::Ok, S::Error> {
    match p {
        Some(p) => s.serialize_str(crate::priority_name(*p)),
        None => s.serialize_none(),
    }
}

#[derive(Default)]
struct Stats {
    count: u64,
    first: Option<u64>,
    last: Option<u64>,
    first_seq: u64,
    hosts: BTreeSet<String>,
    more_hosts: BTreeSet<u64>,
    units: BTreeSet<String>,
    severity: Option<u8>,
    examples: Vec<Example>,
}

struct Group {
    name: String,
    drain: Drain,
    stats: Vec<Stats>,
    overflow: Option<Stats>,
}

/// Mines templates from entries, one at a time, in bounded memory per template.
pub struct Miner {
    options: MinerOptions,
    groups: Vec<Group>,
    index: HashMap<String, usize>,
    seq: u64,
    masked: String,
}

impl Miner {
    /// An empty miner.
    pub fn new(options: MinerOptions) -> Self {
        Self {
            options,
            groups: Vec::new(),
            index: HashMap::new(),
            seq: 0,
            masked: String::new(),
        }
    }

    /// How many entries were added.
    pub fn entries(&self) -> u64 {
        self.seq
    }

    /// Adds one entry.
    pub fn add(&mut self, entry: &Entry) {
        self.add_with_id(entry);
    }

    /// Adds one entry and returns the id of the template it joined; [`Miner::templates_indexed`]
    /// maps ids to templates once every entry is in (a template can still change, or merge with
    /// another, while entries arrive).
    pub fn add_with_id(&mut self, entry: &Entry) -> TemplateId {
        let name = entry.group();
        let g = match self.index.get(name) {
            Some(&g) => g,
            None => {
                self.groups.push(Group {
                    name: name.to_owned(),
                    drain: Drain::new(self.options.drain.clone()),
                    stats: Vec::new(),
                    overflow: None,
                });
                self.index.insert(name.to_owned(), self.groups.len() - 1);
                self.groups.len() - 1
            }
        };
        let group = &mut self.groups[g];
        let (id, _) = if self.options.mask {
            mask::mask_into(&entry.message, &mut self.masked);
            group.drain.add(&self.masked)
        } else {
            group.drain.add(&entry.message)
        };
        let tid = TemplateId {
            group: g as u32,
            cluster: if id == crate::drain::NO_CLUSTER {
                u32::MAX
            } else {
                id as u32
            },
        };
        let s = if id == crate::drain::NO_CLUSTER {
            group.overflow.get_or_insert_with(|| Stats {
                first_seq: self.seq,
                ..Stats::default()
            })
        } else {
            if id == group.stats.len() {
                group.stats.push(Stats {
                    first_seq: self.seq,
                    ..Stats::default()
                });
            }
            &mut group.stats[id]
        };
        s.count += 1;
        if let Some(ts) = entry.timestamp_us {
            s.first = Some(s.first.map_or(ts, |f| f.min(ts)));
            s.last = Some(s.last.map_or(ts, |l| l.max(ts)));
        }
        if let Some(host) = &entry.host
            && !s.hosts.contains(host.as_str())
        {
            if s.hosts.len() < self.options.max_hosts {
                s.hosts.insert(host.clone());
            } else if s.more_hosts.len() < 100_000 {
                s.more_hosts.insert(hash(host));
            }
        }
        if let Some(unit) = &entry.unit
            && !s.units.contains(unit.as_str())
            && s.units.len() < 16
        {
            s.units.insert(unit.clone());
        }
        if let Some(p) = entry.priority {
            s.severity = Some(s.severity.map_or(p, |q| q.min(p)));
        }
        if s.examples.len() < self.options.examples {
            let cut = entry
                .message
                .char_indices()
                .nth(self.options.example_chars)
                .map_or(entry.message.len(), |(i, _)| i);
            let message = &entry.message[..cut];
            if !s.examples.iter().any(|e| e.message == message) {
                s.examples.push(Example {
                    line: entry.line,
                    host: entry.host.clone(),
                    message: message.to_owned(),
                });
            }
        }
        self.seq += 1;
        tid
    }

    /// The number of templates so far (overflow templates included).
    pub fn len(&self) -> usize {
        self.groups
            .iter()
            .map(|g| g.drain.len() + usize::from(g.overflow.is_some()))
            .sum()
    }

    /// Whether no entry was added.
    pub fn is_empty(&self) -> bool {
        self.seq == 0
    }

    /// All templates, in `order`.
    pub fn templates(&self, order: Order) -> Vec<Template> {
        self.templates_indexed(order).0
    }

    /// All templates, in `order`, and the index that maps the [`TemplateId`]s returned by
    /// [`Miner::add_with_id`] to positions in that list.
    pub fn templates_indexed(&self, order: Order) -> (Vec<Template>, TemplateIndex) {
        let mut out: Vec<(TemplateId, Template)> = Vec::with_capacity(self.len());
        for (gi, g) in self.groups.iter().enumerate() {
            let mined = g.stats.iter().enumerate().map(|(id, s)| {
                let tid = TemplateId {
                    group: gi as u32,
                    cluster: id as u32,
                };
                (tid, g.drain.template(id), s)
            });
            let overflow = g.overflow.iter().map(|s| {
                let tid = TemplateId {
                    group: gi as u32,
                    cluster: u32::MAX,
                };
                (tid, OVERFLOW_TEMPLATE.to_owned(), s)
            });
            out.extend(mined.chain(overflow).map(|(tid, text, s)| {
                (
                    tid,
                    Template {
                        group: g.name.clone(),
                        text,
                        count: s.count,
                        first: s.first,
                        last: s.last,
                        first_seq: s.first_seq,
                        hosts: s.hosts.iter().cloned().collect(),
                        more_hosts: s.more_hosts.len() as u64,
                        units: s.units.iter().cloned().collect(),
                        severity: s.severity,
                        examples: s.examples.clone(),
                    },
                )
            }));
        }
        let first_key = |t: &Template| (t.first.unwrap_or(u64::MAX), t.first_seq);
        match order {
            Order::FirstSeen => out.sort_by_key(|(_, t)| first_key(t)),
            Order::Count => out.sort_by_key(|(_, t)| (std::cmp::Reverse(t.count), first_key(t))),
        }
        let mut index = TemplateIndex {
            groups: self
                .groups
                .iter()
                .map(|g| (vec![0; g.stats.len()], 0))
                .collect(),
        };
        for (pos, (tid, _)) in out.iter().enumerate() {
            let (clusters, overflow) = &mut index.groups[tid.group as usize];
            if tid.cluster == u32::MAX {
                *overflow = pos;
            } else {
                clusters[tid.cluster as usize] = pos;
            }
        }
        (out.into_iter().map(|(_, t)| t).collect(), index)
    }
}

/// Which template an entry joined, as returned by [`Miner::add_with_id`]; resolve it with the
/// [`TemplateIndex`] of [`Miner::templates_indexed`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TemplateId {
    group: u32,
    cluster: u32,
}

/// Maps [`TemplateId`]s to positions in the list [`Miner::templates_indexed`] returned with it.
#[derive(Debug, Clone)]
pub struct TemplateIndex {
    groups: Vec<(Vec<usize>, usize)>,
}

impl TemplateIndex {
    /// The position of the template of `id`, if `id` came from the same miner.
    pub fn get(&self, id: TemplateId) -> Option<usize> {
        let (clusters, overflow) = self.groups.get(id.group as usize)?;
        if id.cluster == u32::MAX {
            Some(*overflow)
        } else {
            clusters.get(id.cluster as usize).copied()
        }
    }
}

fn hash(s: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    BuildHasherDefault::<DefaultHasher>::default().hash_one(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_limit_bounds_memory_and_counts_the_rest() {
        let options = MinerOptions {
            drain: DrainOptions {
                max_clusters: Some(3),
                ..DrainOptions::default()
            },
            ..MinerOptions::default()
        };
        let mut m = Miner::new(options);
        let words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"];
        for (i, w) in words.iter().enumerate() {
            m.add(&entry(
                i as u64,
                "junk",
                "n1",
                &format!("{w} one two three"),
            ));
            m.add(&entry(i as u64, "junk", "n1", &format!("{w} four")));
        }
        m.add(&entry(99, "other", "n1", "own group, own limit"));
        let t = m.templates(Order::FirstSeen);
        let junk: Vec<_> = t.iter().filter(|t| t.group == "junk").collect();
        assert_eq!(junk.len(), 4);
        assert_eq!(junk.iter().map(|t| t.count).sum::<u64>(), 12);
        let overflow = junk.iter().find(|t| t.text == OVERFLOW_TEMPLATE).unwrap();
        assert_eq!((overflow.count, overflow.first), (9, Some(1)));
        assert_eq!(m.len(), 5);
    }

    fn entry(ts: u64, ident: &str, host: &str, message: &str) -> Entry {
        Entry {
            timestamp_us: Some(ts),
            identifier: Some(ident.into()),
            host: Some(host.into()),
            priority: Some(6),
            message: message.into(),
            line: ts,
            ..Entry::default()
        }
    }

    #[test]
    fn groups_never_merge_and_order_by_first_seen_or_count() {
        let mut m = Miner::new(MinerOptions::default());
        m.add(&entry(
            5,
            "dockerd",
            "n1",
            "container 4f5e6d7c8b9a0123 failed",
        ));
        for i in 0..3u64 {
            let e = entry(
                10 + i,
                "systemd-udevd",
                &format!("n{i}"),
                &format!(
                    "veth{:07x}: Could not generate persistent MAC",
                    0x1a2b3c4 + i
                ),
            );
            m.add(&e);
        }
        // Same words, another program: its own template.
        m.add(&entry(
            20,
            "kernel",
            "n1",
            "veth1a2b3c4: Could not generate persistent MAC",
        ));
        m.add(&entry(1, "dockerd", "n2", "container 0123456789ab failed"));
        let t = m.templates(Order::FirstSeen);
        assert_eq!(t.len(), 3);
        assert_eq!(
            (t[0].group.as_str(), t[0].text.as_str(), t[0].count),
            ("dockerd", "container <*> failed", 2)
        );
        assert_eq!((t[0].first, t[0].last), (Some(1), Some(5)));
        assert_eq!(t[0].hosts, ["n1", "n2"]);
        assert_eq!(t[1].text, "veth<*>: Could not generate persistent MAC");
        assert_eq!(
            (t[1].group.as_str(), t[1].count, t[1].examples.len()),
            ("systemd-udevd", 3, 3)
        );
        assert_eq!(t[2].group, "kernel");
        let by_count = m.templates(Order::Count);
        assert_eq!(m.len(), 3);
        assert_eq!(by_count[0].group, "systemd-udevd");
        assert_eq!(m.entries(), 6);
    }
}
