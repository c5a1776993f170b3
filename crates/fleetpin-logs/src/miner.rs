//! Template mining over journal entries: masking, then one [`Drain`] per program (the entry's
//! [`Entry::group`]), so lines of `dockerd` and `systemd-udevd` never merge, with the facts a
//! reader of the story needs per template.

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Serialize, Serializer};

use crate::drain::{Drain, DrainOptions, NO_CLUSTER};
use crate::mask::WILDCARD;
use crate::{Entry, EntryRef, mask};

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
    /// The post-merge: templates of a program that differ in one word only are one template
    /// when that position holds at least this many distinct words (`user root`, `user
    /// admin`, `user guest`). 0 turns the post-merge off. Default 3.
    pub merge_values: usize,
    /// ... and when those words are rare: at most this many lines per word on average (words
    /// seen on many lines each are event types: `VM Started` / `VM Paused` / `VM Stopped`).
    /// Default 4.
    pub merge_lines_per_value: u64,
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
                // Masking already turned the values into `<*>`: what differs between two
                // masked messages is a word, and a different word is most often a different
                // event (`cupsd startup` / `cupsd shutdown`). Words that are values are
                // merged afterwards, by how many there are ([`MinerOptions::merge_values`]).
                similarity_over_constants: true,
                sim_th: 1.0,
                ..DrainOptions::default()
            },
            mask: true,
            examples: 3,
            example_chars: 500,
            max_hosts: 32,
            merge_values: 3,
            merge_lines_per_value: 4,
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
    /// The entry's timestamp, to keep the earliest examples when miners are merged.
    #[serde(skip)]
    pub(crate) ts: Option<u64>,
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

/// Host names interned per miner, so a template counts its entries per host with a `u32` key
/// (one map lookup per entry instead of string compares). Past [`MAX_HOSTS`] distinct names
/// (a journal with a random `_HOSTNAME` per line), further hosts share [`OTHER_HOST`]: memory
/// stays bounded and their entries are still counted, as "more hosts".
pub(crate) const MAX_HOSTS: usize = 100_000;
const OTHER_HOST: u32 = u32::MAX;

type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// A version no [`Drain`] reaches: a message of the chunk not placed yet.
const UNPLACED: u64 = u64::MAX;

/// What [`Miner::chunk_ids`] gives for a chunk: the miner's group and host of each of the
/// chunk's programs and hosts, and where each distinct masked message went, at which
/// [`Drain::version`].
pub(crate) struct ChunkIds {
    groups: Vec<usize>,
    hosts: Vec<u32>,
    clusters: Vec<(usize, u64)>,
}

#[derive(Default, Clone)]
struct Stats {
    count: u64,
    first: Option<u64>,
    last: Option<u64>,
    first_seq: u64,
    /// Entries per interned host ([`OTHER_HOST`]: hosts past the limit).
    hosts: FastMap<u32, u64>,
    units: BTreeSet<String>,
    severity: Option<u8>,
    examples: Vec<Example>,
}

impl Stats {
    fn new(first_seq: u64) -> Self {
        Self {
            first_seq,
            ..Stats::default()
        }
    }

    /// Adds the facts of `other`, a cluster merged into this one (host ids of this miner).
    /// `by_time`: the earliest examples of both are kept (two miners' clusters), else this
    /// one's first (clusters of one miner, whose examples are in input order).
    fn absorb(&mut self, other: &Stats, options: &MinerOptions, by_time: bool) {
        self.count += other.count;
        self.first = min_opt(self.first, other.first);
        self.last = self.last.max(other.last);
        self.first_seq = self.first_seq.min(other.first_seq);
        for (h, n) in &other.hosts {
            *self.hosts.entry(*h).or_default() += n;
        }
        for u in &other.units {
            if self.units.len() < 16 {
                self.units.insert(u.clone());
            }
        }
        self.severity = min_opt(self.severity, other.severity);
        for e in &other.examples {
            if !self.examples.iter().any(|x| x.message == e.message) {
                self.examples.push(e.clone());
            }
        }
        if by_time {
            // Stable: examples of one time keep their input order.
            self.examples.sort_by_key(|e| e.ts.unwrap_or(u64::MAX));
        }
        self.examples.truncate(options.examples);
    }
}

fn min_opt<T: Ord>(a: Option<T>, b: Option<T>) -> Option<T> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The post-merge of a group's clusters: clusters of the same length that differ in one
/// position only, when that position holds at least [`MinerOptions::merge_values`] distinct
/// words across them, each on few lines ([`MinerOptions::merge_lines_per_value`]), are one
/// event whose variable is a word (`user root` / `user admin` / `user guest`), which masking
/// cannot recognise and the similarity threshold keeps apart. Fewer values, or values that
/// each cover many lines, stay apart: `cupsd startup` / `cupsd shutdown`, `VM Started` /
/// `VM Paused` / `VM Stopped` are events (Brain, Yu et al. 2023, splits on the same kind of
/// token-position frequency).
/// Returns the root of every cluster and the template text of merged roots. The cost is
/// one pass per position over the group's templates (bounded by the template limit).
fn merge_plan(
    drain: &Drain,
    size: impl Fn(usize) -> u64,
    options: &MinerOptions,
) -> (Vec<u32>, Vec<Option<String>>) {
    let n = drain.len();
    let (min_values, per_value) = (options.merge_values, options.merge_lines_per_value);
    if min_values == 0 {
        return ((0..n as u32).collect(), vec![None; n]);
    }
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(parent: &mut [u32], mut x: u32) -> u32 {
        while parent[x as usize] != x {
            parent[x as usize] = parent[parent[x as usize] as usize];
            x = parent[x as usize];
        }
        x
    }
    let tokens: Vec<Vec<&str>> = (0..n)
        .map(|id| drain.template_tokens(id).collect())
        .collect();
    let mut by_len: HashMap<usize, Vec<u32>> = HashMap::new();
    for (id, t) in tokens.iter().enumerate() {
        if t.len() >= 2 {
            by_len.entry(t.len()).or_default().push(id as u32);
        }
    }
    let mut any = false;
    for (len, ids) in &by_len {
        if ids.len() < 2 {
            continue;
        }
        for p in 0..*len {
            let mut buckets: HashMap<Vec<&str>, Vec<u32>> = HashMap::new();
            for &id in ids {
                let t = &tokens[id as usize];
                let v = t[p];
                // The position, and the positions that repeat its value
                // (`file /etc/x.d/time [file=/etc/x.d/time]`), are left out of the key.
                let repeats =
                    |q: &&str| *q == v || (v.len() >= 4 && v != WILDCARD && q.contains(v));
                let key: Vec<&str> = t
                    .iter()
                    .map(|q| if repeats(q) { "\0" } else { *q })
                    .collect();
                // Keys of wildcards only say nothing about the event.
                if key.iter().all(|k| *k == WILDCARD || *k == "\0") {
                    continue;
                }
                buckets.entry(key).or_default().push(id);
            }
            for members in buckets.values() {
                if members.len() < 2 {
                    continue;
                }
                let mut union = |set: &mut dyn Iterator<Item = u32>| {
                    let Some(first) = set.next() else { return };
                    let r = find(&mut parent, first);
                    for m in set {
                        let rm = find(&mut parent, m);
                        if rm != r {
                            parent[rm as usize] = r;
                            any = true;
                        }
                    }
                };
                // A value with a masked part (`LOCAL(<*>),`) is an instance of a wildcard
                // (`<*>,`, `<*>(<*>)`) at the same position, and so is a word of the same
                // shape (`docker_gwbridge:` next to `<*>:` masked from `docker0:`): masking
                // found values at that position, the word is one more.
                let value = |m: u32| tokens[m as usize][p];
                let pure = |v: &str| {
                    v.contains(WILDCARD)
                        && v.replace(WILDCARD, "")
                            .bytes()
                            .all(|c| c.is_ascii_punctuation())
                };
                // An empty value (`()` next to `(<*>)`) too.
                if let Some(w) = members.iter().map(|&m| value(m)).find(|v| pure(v)) {
                    let empty = w.replace(WILDCARD, "");
                    union(&mut members.iter().copied().filter(|&m| {
                        let v = value(m);
                        v.contains(WILDCARD) || v == empty || instance(w, v)
                    }));
                }
                // Distinct words and their lines; the most frequent word is left out of the
                // lines per word (`user=root` on most lines, other users on a few each).
                let mut words: HashMap<&str, u64> = HashMap::new();
                for &m in members {
                    if !value(m).contains(WILDCARD) {
                        *words.entry(value(m)).or_default() += size(m as usize);
                    }
                }
                let lines: u64 = words.values().sum::<u64>() - words.values().max().unwrap_or(&0);
                let others = words.len().saturating_sub(1) as u64;
                if words.len() >= min_values && lines <= per_value * others {
                    union(&mut members.iter().copied());
                }
            }
        }
    }
    let mut texts: Vec<Option<String>> = vec![None; n];
    if !any {
        return (parent, texts);
    }
    let roots: Vec<u32> = (0..n as u32).map(|x| find(&mut parent, x)).collect();
    // Roots become the lowest id of their set (the first cluster, so the first line's id).
    let mut lowest: HashMap<u32, u32> = HashMap::new();
    for (id, r) in roots.iter().enumerate() {
        lowest.entry(*r).or_insert(id as u32);
    }
    let roots: Vec<u32> = roots.iter().map(|r| lowest[r]).collect();
    let mut merged: HashMap<u32, Vec<Cow<'_, str>>> = HashMap::new();
    for (id, r) in roots.iter().enumerate() {
        if *r as usize == id {
            continue;
        }
        let m = merged.entry(*r).or_insert_with(|| {
            tokens[*r as usize]
                .iter()
                .map(|t| Cow::Borrowed(*t))
                .collect()
        });
        for (a, b) in m.iter_mut().zip(&tokens[id]) {
            if a != b {
                *a = generalize(a, b);
            }
        }
    }
    for (r, t) in merged {
        texts[r as usize] = Some(t.join(" "));
    }
    (roots, texts)
}

/// Whether `pattern`'s wildcards, each standing for at least one character, can make `v`
/// (`<*>(<*>)` and `swarm-w2(heunoztljlms)`).
fn instance(pattern: &str, v: &str) -> bool {
    let parts: Vec<&str> = pattern.split(WILDCARD).collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() < 2
        || v.len() < first.len() + last.len() + parts.len() - 1
        || !v.starts_with(first)
        || !v.ends_with(last)
    {
        return false;
    }
    let mut rest = &v[first.len()..v.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        // The wildcard before `mid` takes at least one character.
        let Some((skip, _)) = rest.char_indices().nth(1) else {
            return false;
        };
        match rest[skip..].find(mid) {
            Some(i) => rest = &rest[skip + i + mid.len()..],
            None => return false,
        }
    }
    !rest.is_empty()
}

/// The wildcard that covers two different tokens, keeping the punctuation they share around
/// the value: `<*>,` and `LOCAL(<*>),` → `<*>,`; `(uid=<*>)` and `(alice)` → `(<*>)`.
fn generalize<'a>(a: &str, b: &str) -> Cow<'a, str> {
    // `<*>(<*>)` and `swarm-w2(heunoztljlms)`: the wildcard token already covers the other.
    for (pattern, other) in [(a, b), (b, a)] {
        if pattern.contains(WILDCARD) && instance(pattern, other) {
            return Cow::Owned(pattern.to_owned());
        }
    }
    let punct = |c: &u8, not: u8| c.is_ascii_punctuation() && *c != not;
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let pre = a
        .iter()
        .zip(b)
        .take_while(|(x, y)| x == y && punct(x, b'<'))
        .count();
    let suf = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take_while(|(x, y)| x == y && punct(x, b'>'))
        .count()
        .min(a.len() - pre)
        .min(b.len() - pre);
    if pre == 0 && suf == 0 {
        return Cow::Borrowed(WILDCARD);
    }
    let mut out = String::with_capacity(pre + WILDCARD.len() + suf);
    out.push_str(std::str::from_utf8(&a[..pre]).unwrap_or_default());
    out.push_str(WILDCARD);
    out.push_str(std::str::from_utf8(&a[a.len() - suf..]).unwrap_or_default());
    Cow::Owned(out)
}

struct Group {
    name: String,
    drain: Drain,
    stats: Vec<Stats>,
    overflow: Option<Stats>,
}

/// Mines templates from entries, one at a time, in bounded memory per template.
///
/// Entries of every host are mined together: a template does not depend on which host a line
/// came from, and each template counts its entries per host ([`Miner::templates_with_hosts`]).
pub struct Miner {
    options: MinerOptions,
    groups: Vec<Group>,
    index: FastMap<String, usize>,
    /// The group of the last entry: consecutive entries of one program skip the lookup.
    last_group: Option<usize>,
    /// Interned host names, and entries per host.
    hosts: Vec<(String, u64)>,
    host_index: FastMap<String, u32>,
    last_host: Option<u32>,
    /// Entries from hosts past [`MAX_HOSTS`].
    other_host_entries: u64,
    seq: u64,
    masked: String,
}

impl Miner {
    /// An empty miner.
    pub fn new(options: MinerOptions) -> Self {
        Self {
            options,
            groups: Vec::new(),
            index: FastMap::default(),
            last_group: None,
            hosts: Vec::new(),
            host_index: FastMap::default(),
            last_host: None,
            other_host_entries: 0,
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
        let mut masked = std::mem::take(&mut self.masked);
        let id = if self.options.mask {
            mask::mask_into(&entry.message, &mut masked);
            self.add_masked(entry, &masked)
        } else {
            self.add_masked(entry, &entry.message)
        };
        self.masked = masked;
        id
    }

    /// Whether [`Miner::add_masked`] expects messages masked with [`mask::mask_into`]
    /// ([`MinerOptions::mask`]) or as they are.
    pub fn masks(&self) -> bool {
        self.options.mask
    }

    fn group(&mut self, name: &str) -> usize {
        if let Some(g) = self.last_group
            && self.groups[g].name == name
        {
            return g;
        }
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
        self.last_group = Some(g);
        g
    }

    /// The id of a host name, interned on first sight ([`OTHER_HOST`] past [`MAX_HOSTS`]).
    fn host(&mut self, name: &str) -> u32 {
        if let Some(h) = self.last_host
            && self.hosts[h as usize].0 == name
        {
            return h;
        }
        let h = match self.host_index.get(name) {
            Some(&h) => h,
            None if self.hosts.len() >= MAX_HOSTS => return OTHER_HOST,
            None => {
                let h = self.hosts.len() as u32;
                self.hosts.push((name.to_owned(), 0));
                self.host_index.insert(name.to_owned(), h);
                h
            }
        };
        self.last_host = Some(h);
        h
    }

    /// Adds one entry whose message was already masked (or not, per [`Miner::masks`]) into
    /// `masked`, so that masking can run on another thread ([`crate::pipeline`]).
    pub fn add_masked(&mut self, entry: &Entry, masked: &str) -> TemplateId {
        let entry = entry.as_ref();
        let g = self.group(entry.group());
        let host = entry.host.map(|h| self.host(h));
        let (id, _) = self.groups[g].drain.add(masked);
        self.record(&entry, g, host, id, || entry.message)
    }

    /// The miner's ids of a chunk's programs and hosts (in the order they first occur in the
    /// chunk, as entry by entry would intern them), for [`Miner::add_interned`].
    pub(crate) fn chunk_ids<'a>(
        &mut self,
        groups: impl Iterator<Item = &'a str>,
        hosts: impl Iterator<Item = &'a str>,
        messages: usize,
    ) -> ChunkIds {
        ChunkIds {
            groups: groups.map(|g| self.group(g)).collect(),
            hosts: hosts.map(|h| self.host(h)).collect(),
            clusters: vec![(NO_CLUSTER, UNPLACED); messages],
        }
    }

    /// [`Miner::add_masked`] for an entry of a chunk whose programs, hosts and masked
    /// messages were interned on the parsing thread: `group` and `host` index the chunk's
    /// lists of [`Miner::chunk_ids`], `message` its distinct masked messages (`masked` the
    /// text). Drain runs once per distinct message of the chunk, and again only when the
    /// clustering changed in between ([`Drain::version`]): the result is that of
    /// [`Miner::add_masked`], entry by entry. The entry's message is asked of `raw` only when
    /// it is kept as an example (`entry.message` is not read).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_interned<'m>(
        &mut self,
        ids: &mut ChunkIds,
        entry: &EntryRef<'_>,
        raw: impl FnOnce() -> &'m str,
        group: u32,
        host: Option<u32>,
        message: u32,
        masked: &str,
    ) -> TemplateId {
        let g = ids.groups[group as usize];
        let host = host.map(|h| ids.hosts[h as usize]);
        let drain = &mut self.groups[g].drain;
        let placed = &mut ids.clusters[message as usize];
        let id = if placed.1 == drain.version() {
            drain.hit(placed.0);
            placed.0
        } else {
            let (id, _) = drain.add(masked);
            *placed = (id, drain.version());
            id
        };
        self.record(entry, g, host, id, raw)
    }

    /// Counts an entry of group `g` (from interned `host`) in cluster `id` of that group.
    fn record<'m>(
        &mut self,
        entry: &EntryRef<'_>,
        g: usize,
        host: Option<u32>,
        id: usize,
        message: impl FnOnce() -> &'m str,
    ) -> TemplateId {
        match host {
            Some(OTHER_HOST) => self.other_host_entries += 1,
            Some(h) => self.hosts[h as usize].1 += 1,
            None => {}
        }
        let group = &mut self.groups[g];
        let tid = TemplateId {
            group: g as u32,
            cluster: if id == NO_CLUSTER {
                u32::MAX
            } else {
                id as u32
            },
        };
        let s = if id == NO_CLUSTER {
            group.overflow.get_or_insert_with(|| Stats::new(self.seq))
        } else {
            if id == group.stats.len() {
                group.stats.push(Stats::new(self.seq));
            }
            &mut group.stats[id]
        };
        s.count += 1;
        if let Some(ts) = entry.timestamp_us {
            s.first = Some(s.first.map_or(ts, |f| f.min(ts)));
            s.last = Some(s.last.map_or(ts, |l| l.max(ts)));
        }
        if let Some(h) = host {
            *s.hosts.entry(h).or_default() += 1;
        }
        if let Some(unit) = entry.unit
            && s.units.len() < 16
            && !s.units.contains(unit)
        {
            s.units.insert(unit.to_owned());
        }
        if let Some(p) = entry.priority {
            s.severity = Some(s.severity.map_or(p, |q| q.min(p)));
        }
        if s.examples.len() < self.options.examples {
            let message = cut(message(), self.options.example_chars);
            if !s.examples.iter().any(|e| e.message == message) {
                s.examples.push(Example {
                    line: entry.line,
                    host: entry.host.map(str::to_owned),
                    message: message.to_owned(),
                    ts: entry.timestamp_us,
                });
            }
        }
        self.seq += 1;
        tid
    }

    /// Adds what `other` mined after what this miner mined, as if its entries had come after
    /// these: each of its clusters (before the post-merge, with its facts) joins the cluster
    /// of this miner its template falls into, or becomes a new one; the post-merge then runs
    /// over the union. What one [`crate::Diagnoser`] per input gives, merged in input order,
    /// whatever the number of threads that read them.
    pub fn merge(&mut self, other: Miner) {
        let offset = self.seq;
        let hosts: Vec<u32> = other.hosts.iter().map(|(h, _)| self.host(h)).collect();
        for ((_, n), h) in other.hosts.iter().zip(&hosts) {
            match *h {
                OTHER_HOST => self.other_host_entries += n,
                h => self.hosts[h as usize].1 += n,
            }
        }
        self.other_host_entries += other.other_host_entries;
        let remap = |s: &Stats| Stats {
            first_seq: s.first_seq + offset,
            hosts: s
                .hosts
                .iter()
                .map(|(h, n)| (hosts.get(*h as usize).copied().unwrap_or(OTHER_HOST), *n))
                .collect(),
            ..s.clone()
        };
        for og in other.groups {
            let g = self.group(&og.name);
            let options = &self.options;
            let group = &mut self.groups[g];
            let clusters = og.stats.iter().enumerate().map(|(id, s)| {
                let (to, _) = group.drain.add(&og.drain.template(id));
                (to, s)
            });
            let clusters: Vec<(usize, &Stats)> = clusters
                .chain(og.overflow.iter().map(|s| (NO_CLUSTER, s)))
                .collect();
            for (to, s) in clusters {
                let s = remap(s);
                if to == NO_CLUSTER {
                    match &mut group.overflow {
                        Some(o) => o.absorb(&s, options, true),
                        None => group.overflow = Some(s),
                    }
                } else if to == group.stats.len() {
                    group.stats.push(s);
                } else {
                    group.stats[to].absorb(&s, options, true);
                }
            }
        }
        self.last_group = None;
        self.seq += other.seq;
    }

    /// The hosts seen, in the order first seen, with their entries (hosts past the limit of
    /// 100,000 names are not listed).
    pub fn hosts(&self) -> impl Iterator<Item = (&str, u64)> + '_ {
        self.hosts.iter().map(|(h, n)| (h.as_str(), *n))
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

    /// All templates, in `order`, each with its entries per host.
    pub fn templates_with_hosts(&self, order: Order) -> Vec<(Template, BTreeMap<String, u64>)> {
        self.collect(order, true).0
    }

    /// All templates, in `order`, and the index that maps the [`TemplateId`]s returned by
    /// [`Miner::add_with_id`] to positions in that list.
    pub fn templates_indexed(&self, order: Order) -> (Vec<Template>, TemplateIndex) {
        let (list, index) = self.collect(order, false);
        (list.into_iter().map(|(t, _)| t).collect(), index)
    }

    #[allow(clippy::type_complexity)]
    fn collect(
        &self,
        order: Order,
        per_host: bool,
    ) -> (Vec<(Template, BTreeMap<String, u64>)>, TemplateIndex) {
        let mut out: Vec<(TemplateId, Template, BTreeMap<String, u64>)> =
            Vec::with_capacity(self.len());
        // Where each cluster went: the root cluster it was merged into.
        let mut roots: Vec<Vec<u32>> = Vec::with_capacity(self.groups.len());
        let name = |h: u32| self.hosts.get(h as usize).map(|(n, _)| n.as_str());
        for (gi, g) in self.groups.iter().enumerate() {
            let (root, texts) = merge_plan(&g.drain, |id| g.stats[id].count, &self.options);
            let mut merged: Vec<Option<Stats>> = Vec::new();
            merged.resize_with(g.stats.len(), || None);
            for (id, s) in g.stats.iter().enumerate() {
                let r = root[id] as usize;
                match &mut merged[r] {
                    Some(m) => m.absorb(s, &self.options, false),
                    slot @ None => *slot = Some(s.clone()),
                }
            }
            let mined = merged.iter().enumerate().filter_map(|(id, s)| {
                let s = s.as_ref()?;
                let tid = TemplateId {
                    group: gi as u32,
                    cluster: id as u32,
                };
                let text = texts[id].clone().unwrap_or_else(|| g.drain.template(id));
                Some((tid, text, s))
            });
            let overflow = g.overflow.iter().map(|s| {
                let tid = TemplateId {
                    group: gi as u32,
                    cluster: u32::MAX,
                };
                (tid, OVERFLOW_TEMPLATE.to_owned(), s)
            });
            out.extend(mined.chain(overflow).map(|(tid, text, s)| {
                // Hosts by name; the first `max_hosts` are listed, the rest counted.
                let mut names: Vec<&str> = s.hosts.keys().filter_map(|h| name(*h)).collect();
                names.sort_unstable();
                let listed = names.len().min(self.options.max_hosts);
                let more = names.len() - listed + usize::from(s.hosts.contains_key(&OTHER_HOST));
                let host_counts = if per_host {
                    s.hosts
                        .iter()
                        .filter_map(|(h, n)| Some((name(*h)?.to_owned(), *n)))
                        .collect()
                } else {
                    BTreeMap::new()
                };
                (
                    tid,
                    Template {
                        group: g.name.clone(),
                        text,
                        count: s.count,
                        first: s.first,
                        last: s.last,
                        first_seq: s.first_seq,
                        hosts: names[..listed].iter().map(|h| (*h).to_owned()).collect(),
                        more_hosts: more as u64,
                        units: s.units.iter().cloned().collect(),
                        severity: s.severity,
                        examples: s.examples.clone(),
                    },
                    host_counts,
                )
            }));
            roots.push(root);
        }
        let first_key = |t: &Template| (t.first.unwrap_or(u64::MAX), t.first_seq);
        match order {
            Order::FirstSeen => out.sort_by_key(|(_, t, _)| first_key(t)),
            Order::Count => out.sort_by_key(|(_, t, _)| (std::cmp::Reverse(t.count), first_key(t))),
        }
        let mut index = TemplateIndex {
            groups: self
                .groups
                .iter()
                .map(|g| (vec![0; g.stats.len()], 0))
                .collect(),
        };
        for (pos, (tid, _, _)) in out.iter().enumerate() {
            let (clusters, overflow) = &mut index.groups[tid.group as usize];
            if tid.cluster == u32::MAX {
                *overflow = pos;
            } else {
                clusters[tid.cluster as usize] = pos;
            }
        }
        for (g, root) in roots.iter().enumerate() {
            let clusters = &mut index.groups[g].0;
            for (id, r) in root.iter().enumerate() {
                clusters[id] = clusters[*r as usize];
            }
        }
        (out.into_iter().map(|(_, t, h)| (t, h)).collect(), index)
    }
}

/// `message` cut to its first `max` characters.
fn cut(message: &str, max: usize) -> &str {
    // Most messages are shorter than `max` bytes: no need to count characters.
    if message.len() <= max {
        return message;
    }
    let end = message
        .char_indices()
        .nth(max)
        .map_or(message.len(), |(i, _)| i);
    &message[..end]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_word_of_the_shape_of_a_wildcard_is_one_more_value() {
        assert!(instance("<*>:", "docker_gwbridge:"));
        assert!(instance("<*>(<*>)", "swarm-w2(heunoztljlms)"));
        assert!(!instance("<*>(<*>)", "swarm-w2()"));
        assert!(!instance("<*>:", ":"));
        assert!(!instance("(<*>)", "x)"));
        let mut m = Miner::new(MinerOptions::default());
        for (i, bridge) in ["docker0", "docker_gwbridge", "br-1a2b3c", "docker_gwbridge"]
            .iter()
            .enumerate()
        {
            m.add(&entry(
                i as u64,
                "kernel",
                "n1",
                &format!("{bridge}: port 2(veth1a2b3c4) entered blocking state"),
            ));
        }
        let t = m.templates(Order::FirstSeen);
        assert_eq!(t.len(), 1, "{t:#?}");
        assert_eq!(t[0].text, "<*>: port <*>(<*>) entered blocking state");
        assert_eq!(t[0].count, 4);
        assert_eq!(generalize("<*>(<*>)", "swarm-w2(heunoztljlms)"), "<*>(<*>)");
        assert_eq!(generalize("(alice)", "(uid=<*>)"), "(<*>)");
    }

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
        assert_eq!(t[1].text, "<*>: Could not generate persistent MAC");
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
