//! Mining a whole input on every core: parsing and masking run in parallel on chunks of the
//! input while the [`Miner`] takes the previous batch, in input order.
//!
//! Template mining is an online algorithm (a line joins the templates made by the lines
//! before it), so the [`Miner`] stays sequential and its result is exactly that of feeding it
//! entry by entry, whatever the number of threads; what runs in parallel is everything before
//! it, about two thirds of the work. Text and `journalctl -o json` inputs are cut into chunks
//! at line starts (a text line starting with a blank continues the entry before it, so chunks
//! never start there); each step mines one batch of parsed chunks while the rayon pool parses
//! and masks the chunks of the next one (`rayon::join`: the thread that mines takes parsing
//! work as soon as it is done, and with one thread it all runs in order, never blocked on
//! another). The input is read by the calling thread, so it need not be `Send` (stdin, a gzip
//! stream). `journalctl -o export` records can hold binary fields with any bytes in them, so
//! there the calling thread parses a batch of records and the pool masks it. Memory is a few
//! batches (of 4 MiB of input each) whatever the input size.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::io::{self, BufRead, BufReader, Read};
use std::ops::Range;

use hashbrown::HashTable;

use rayon::prelude::*;

use crate::read::{BadRecord, Format, ReadOptions, ReadStats, Reader, binary_kind};
use crate::{Entry, EntryRef, Miner, TemplateId, mask};

/// How an input is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A journal or log file, in the given format or detected from its first bytes.
    Journal(Option<Format>),
    /// Bare messages, one per line (no header is parsed): what log-parser benchmarks feed.
    Content,
}

/// One input record, as handed to the callback of [`mine`]: the 1-based input line where an
/// entry starts and the template it joined, or a bad record.
pub type Mined<'a> = Result<(u64, TemplateId), &'a BadRecord>;

/// The bytes of a chunk handed to one parser: about this much, cut at a line start. Small
/// enough that the thread done first with its side of a step finds chunks left to take.
pub(crate) const CHUNK: usize = 256 << 10;
/// Chunks parsed per batch (while the miner takes the previous batch).
const CHUNKS_PER_BATCH: usize = 16;
/// Records per batch when an export input is read.
const EXPORT_BATCH: usize = 16_384;
/// Records per chunk of an export batch.
const EXPORT_CHUNK: usize = 1024;

/// Parsed records: entries, or bad records.
type Parsed = Vec<Result<Rec, BadRecord>>;

/// A parsed entry, its text in its [`Chunk`]: what the miner uses of an [`Entry`], without an
/// allocation per entry.
struct Rec {
    line: u64,
    timestamp_us: Option<u64>,
    priority: Option<u8>,
    /// In `Chunk::hosts` ([`NONE`]: no host).
    host: u32,
    /// In `Chunk::units` ([`NONE`]: no unit).
    unit: u32,
    /// In `Chunk::messages`.
    message: u32,
    /// The message as read: in the chunk's input, or copied into `Chunk::raw`.
    raw: Raw,
}

/// Where the message of a [`Rec`] is.
enum Raw {
    /// In the chunk's input, as it was read (valid UTF-8): a plain-text line's message is
    /// not copied.
    Input(Range<usize>),
    /// In `Chunk::raw` (a message joined from several lines, decoded, or from another format).
    Copied(Range<usize>),
}

const NONE: u32 = u32::MAX;

/// Distinct strings in the order they first occur, each once.
#[derive(Default)]
struct Interner {
    list: Vec<String>,
    index: HashMap<String, u32, foldhash::fast::RandomState>,
    last: Option<u32>,
}

impl Interner {
    fn intern(&mut self, s: &str) -> u32 {
        if let Some(i) = self.last
            && self.list[i as usize] == s
        {
            return i;
        }
        let i = match self.index.get(s) {
            Some(&i) => i,
            None => {
                let i = self.list.len() as u32;
                self.list.push(s.to_owned());
                self.index.insert(s.to_owned(), i);
                i
            }
        };
        self.last = Some(i);
        i
    }
}

/// A parsed chunk: its records; their programs, hosts and masked messages, each distinct one
/// once (so the miner runs Drain once per distinct message of a chunk, not once per entry:
/// [`Miner::add_interned`]); the reading counts and how many entries `keep` left out.
#[derive(Default)]
struct Chunk {
    records: Parsed,
    groups: Interner,
    hosts: Interner,
    units: Interner,
    /// The messages as read, one after the other.
    raw: String,
    /// The distinct (program, masked message) pairs: the program in `groups`, the message's
    /// range in `masked`.
    messages: Vec<(u32, Range<usize>)>,
    /// `messages` by content.
    message_index: HashTable<u32>,
    hasher: foldhash::fast::RandomState,
    /// The distinct masked messages of the chunk, one after the other: one buffer per chunk
    /// instead of a `String` per entry.
    masked: String,
    /// Where one message is masked before it is looked up.
    scratch: String,
    stats: ReadStats,
    filtered: u64,
}

impl Interner {
    fn clear(&mut self) {
        self.list.clear();
        self.index.clear();
        self.last = None;
    }
}

impl Chunk {
    /// Empties the chunk, keeping its buffers for the next one.
    fn clear(&mut self) {
        self.records.clear();
        self.groups.clear();
        self.hosts.clear();
        self.units.clear();
        self.raw.clear();
        self.messages.clear();
        self.message_index.clear();
        self.masked.clear();
        self.stats = ReadStats::default();
        self.filtered = 0;
    }

    /// The index of the masked message in `scratch` of program `group`, added if new.
    fn intern_scratch(&mut self, group: u32) -> u32 {
        let text = self.scratch.as_str();
        let hash = self.hasher.hash_one((group, text));
        let (messages, masked) = (&self.messages, &self.masked);
        let found = self.message_index.find(hash, |&m| {
            let (g, r) = &messages[m as usize];
            *g == group && masked[r.clone()] == *text
        });
        if let Some(&m) = found {
            return m;
        }
        let start = self.masked.len();
        self.masked.push_str(text);
        let m = self.messages.len() as u32;
        self.messages.push((group, start..self.masked.len()));
        let (messages, masked, hasher) = (&self.messages, &self.masked, &self.hasher);
        self.message_index.insert_unique(hash, m, |&m| {
            let (g, r) = &messages[m as usize];
            hasher.hash_one((*g, &masked[r.clone()]))
        });
        m
    }

    /// The last line was cut by the [`Chunker`]: its bad record gets the line's full length.
    fn measured(&mut self, len: u64) {
        let reason = format!("line of {len} bytes is longer than the limit, skipped");
        let Some(Err(bad)) = self.records.iter_mut().rev().find(|r| r.is_err()) else {
            return;
        };
        let line = bad.line;
        bad.reason.clone_from(&reason);
        for b in &mut self.stats.bad_samples {
            if b.line == line {
                b.reason.clone_from(&reason);
            }
        }
    }
}

/// What runs on the parsing threads for each entry before it is masked and mined: `false`
/// leaves the entry out (counted in [`Fed::filtered`]).
pub(crate) type Keep<'a> = &'a (dyn Fn(&EntryRef<'_>) -> bool + Sync);

/// What [`feed`] read.
pub(crate) struct Fed {
    /// The format read (none for bare messages, or when the input could not be read at all).
    pub(crate) format: Option<Format>,
    /// The reading counts.
    pub(crate) stats: ReadStats,
    /// Entries left out by `keep`.
    pub(crate) filtered: u64,
    /// The I/O error that ended the input early; what came before it is mined.
    pub(crate) error: Option<io::Error>,
}

/// Reads `input` and adds every entry to `miner`, calling `each` for every entry (with its
/// template id) and bad record, in input order. Returns the reading counts (the same as
/// [`Reader`] would give on the whole input, with bad-record samples limited to
/// [`ReadOptions::max_bad_samples`]).
pub fn mine<R: Read + Send>(
    input: R,
    kind: InputKind,
    options: &ReadOptions,
    miner: &mut Miner,
    each: impl FnMut(Mined<'_>) + Send,
) -> io::Result<ReadStats> {
    mine_chunked(input, kind, options, CHUNK, miner, each)
}

/// [`mine`] with chunks of about `chunk` bytes (at least 1) instead of 256 KiB: the result is
/// the same whatever the size, only the speed changes (small chunks are for tests).
pub fn mine_chunked<R: Read + Send>(
    input: R,
    kind: InputKind,
    options: &ReadOptions,
    chunk: usize,
    miner: &mut Miner,
    mut each: impl FnMut(Mined<'_>) + Send,
) -> io::Result<ReadStats> {
    let input = BufReader::with_capacity(CHUNK, input);
    let fed = feed(
        input,
        kind,
        options,
        chunk,
        false,
        None,
        &|_| true,
        miner,
        &mut each,
    );
    match fed.error {
        Some(e) => Err(e),
        None => Ok(fed.stats),
    }
}

/// The pipeline behind [`mine`] and [`crate::Diagnoser::read`]: `keep` runs on the parsing
/// threads, `each` sees every mined entry and bad record in input order. With `refuse_binary`,
/// a journal input that is not text at all is one bad record ([`Reader::with_format`]).
/// `host`: every entry is that host's (an SSH target, a file of an Ansible tree).
#[allow(clippy::too_many_arguments)]
pub(crate) fn feed<R: BufRead>(
    mut input: R,
    kind: InputKind,
    options: &ReadOptions,
    chunk: usize,
    refuse_binary: bool,
    host: Option<&str>,
    keep: Keep<'_>,
    miner: &mut Miner,
    each: &mut (dyn FnMut(Mined<'_>) + Send),
) -> Fed {
    let mut fed = Fed {
        format: None,
        stats: ReadStats::default(),
        filtered: 0,
        error: None,
    };
    let head = match input.fill_buf() {
        Ok(head) => head,
        Err(e) => {
            fed.error = Some(e);
            return fed;
        }
    };
    let format = match kind {
        InputKind::Content => None,
        InputKind::Journal(f) => Some(f.unwrap_or_else(|| Format::detect(head))),
    };
    fed.format = format;
    // Not a log at all: one bad record saying what it is, as `Reader::with_format` does.
    let refused = match format {
        _ if !refuse_binary => None,
        Some(Format::Export) if !head.starts_with(b"LPKSHHRH") => None,
        Some(_) => binary_kind(head),
        None => None,
    };
    if let Some(reason) = refused {
        let bad = BadRecord { line: 1, reason };
        each(Err(&bad));
        fed.stats.bad = 1;
        fed.stats.lines = 1;
        if options.max_bad_samples > 0 {
            fed.stats.bad_samples.push(bad);
        }
        return fed;
    }
    let masking = miner.masks();
    if format == Some(Format::Export) {
        let how = Prepare {
            host,
            keep,
            masking,
        };
        feed_export(input, options, &how, miner, each, &mut fed);
        return fed;
    }
    let how = Prepare {
        host,
        keep,
        masking,
    };
    let mut chunks = Chunker::new(input, format == Some(Format::Text), chunk, options.max_line);
    let mut current: Vec<(Chunk, Vec<u8>)> = Vec::new();
    let mut spare: Vec<Chunk> = Vec::new();
    let mut error = None;
    let mut read = |chunks: &mut Chunker<R>| {
        if error.is_some() {
            return Vec::new();
        }
        chunks.batch().unwrap_or_else(|e| {
            error = Some(e);
            Vec::new()
        })
    };
    let mut batch = read(&mut chunks);
    while !(batch.is_empty() && current.is_empty()) {
        // The chunks and buffers of the batch before the last are reused: fresh memory for
        // every batch cost a fifth of the time in page faults.
        let mut reuse: Vec<Chunk> = std::mem::take(&mut spare);
        reuse.resize_with(batch.len(), Chunk::default);
        let mut returned = Vec::with_capacity(current.len());
        let mut parsed = Vec::new();
        let mut next = Vec::new();
        let (stats, filtered) = (&mut fed.stats, &mut fed.filtered);
        rayon::in_place_scope(|s| {
            // On the pool: the miner takes the last batch while the other threads parse this
            // one (and the miner joins them when done) ...
            s.spawn(|_| {
                let mine = || {
                    for (mut c, bytes) in current.drain(..) {
                        add_batch(&c, &bytes, miner, each);
                        returned.push(bytes);
                        merge_stats(stats, std::mem::take(&mut c.stats), options.max_bad_samples);
                        *filtered += c.filtered;
                        c.clear();
                        spare.push(c);
                    }
                };
                let parse = || {
                    batch
                        .into_par_iter()
                        .zip(reuse)
                        .map(|((start_line, bytes, long), mut c)| {
                            parse_chunk(&bytes, start_line, format, options, &how, &mut c);
                            if let Some(len) = long {
                                c.measured(len);
                            }
                            (c, bytes)
                        })
                        .collect::<Vec<(Chunk, Vec<u8>)>>()
                };
                parsed = rayon::join(mine, parse).1;
            });
            // ... and this thread reads the next one meanwhile.
            next = read(&mut chunks);
        });
        chunks.free.append(&mut returned);
        current = parsed;
        batch = next;
    }
    fed.error = error;
    fed.stats.lines = chunks.line;
    fed
}

/// Mines a parsed chunk; `input`: the bytes it was parsed from.
fn add_batch(
    chunk: &Chunk,
    input: &[u8],
    miner: &mut Miner,
    each: &mut (dyn FnMut(Mined<'_>) + Send),
) {
    let mut ids = miner.chunk_ids(
        chunk.groups.list.iter().map(String::as_str),
        chunk.hosts.list.iter().map(String::as_str),
        chunk.messages.len(),
    );
    fn name(list: &Interner, i: u32) -> Option<&str> {
        (i != NONE).then(|| list.list[i as usize].as_str())
    }
    for r in &chunk.records {
        match r {
            Ok(rec) => {
                let (group, range) = &chunk.messages[rec.message as usize];
                let entry = EntryRef {
                    timestamp_us: rec.timestamp_us,
                    host: name(&chunk.hosts, rec.host),
                    unit: name(&chunk.units, rec.unit),
                    priority: rec.priority,
                    line: rec.line,
                    ..EntryRef::default()
                };
                let raw = || match &rec.raw {
                    // Checked when it was parsed.
                    Raw::Input(r) => std::str::from_utf8(&input[r.clone()]).unwrap_or_default(),
                    Raw::Copied(r) => &chunk.raw[r.clone()],
                };
                let id = miner.add_interned(
                    &mut ids,
                    &entry,
                    raw,
                    *group,
                    (rec.host != NONE).then_some(rec.host),
                    rec.message,
                    &chunk.masked[range.clone()],
                );
                each(Ok((rec.line, id)));
            }
            Err(bad) => each(Err(bad)),
        }
    }
}

fn merge_stats(total: &mut ReadStats, part: ReadStats, max_samples: usize) {
    total.entries += part.entries;
    total.bad += part.bad;
    total.non_utf8 += part.non_utf8;
    total.without_message += part.without_message;
    let room = max_samples.saturating_sub(total.bad_samples.len());
    total
        .bad_samples
        .extend(part.bad_samples.into_iter().take(room));
}

/// What is done with each entry before it is mined: the host every entry is attributed to,
/// the filter, whether messages are masked.
struct Prepare<'a> {
    host: Option<&'a str>,
    keep: Keep<'a>,
    masking: bool,
}

impl Prepare<'_> {
    /// Keeps (and masks) an entry into `out`, or counts it as filtered out. `input`: the
    /// chunk's bytes, where the entry's message may be.
    fn entry(&self, entry: EntryRef<'_>, input: &[u8], out: &mut Chunk) {
        let mut entry = entry;
        if let Some(h) = self.host {
            entry = EntryRef {
                host: Some(h),
                ..entry
            };
        }
        if !(self.keep)(&entry) {
            out.filtered += 1;
            return;
        }
        if self.masking {
            mask::mask_into(entry.message, &mut out.scratch);
        } else {
            out.scratch.clear();
            out.scratch.push_str(entry.message);
        }
        let group = out.groups.intern(entry.group());
        let message = out.intern_scratch(group);
        let host = entry.host.map_or(NONE, |h| out.hosts.intern(h));
        let unit = entry.unit.map_or(NONE, |u| out.units.intern(u));
        let m = entry.message.as_bytes();
        let at = (m.as_ptr() as usize).wrapping_sub(input.as_ptr() as usize);
        let raw = if at <= input.len() && m.len() <= input.len() - at {
            Raw::Input(at..at + m.len())
        } else {
            let start = out.raw.len();
            out.raw.push_str(entry.message);
            Raw::Copied(start..out.raw.len())
        };
        out.records.push(Ok(Rec {
            line: entry.line,
            timestamp_us: entry.timestamp_us,
            priority: entry.priority,
            host,
            unit,
            message,
            raw,
        }));
    }
}

/// Parses one chunk whose first line is `start_line + 1` into `out` (empty).
fn parse_chunk(
    bytes: &[u8],
    start_line: u64,
    format: Option<Format>,
    options: &ReadOptions,
    how: &Prepare<'_>,
    out: &mut Chunk,
) {
    let Some(format) = format else {
        return parse_content(bytes, start_line, options, how, out);
    };
    let mut stats = ReadStats::default();
    let read =
        crate::read::parse_chunk(
            bytes,
            format,
            start_line,
            options,
            &mut stats,
            &mut |r| match r {
                Ok(entry) => how.entry(entry, bytes, out),
                Err(bad) => out.records.push(Err(bad)),
            },
        );
    if read {
        out.stats = stats;
        return;
    }
    let mut reader = Reader::new(bytes, format, options.clone());
    // Reading from memory cannot fail.
    while let Ok(Some(record)) = reader.next_record() {
        match record {
            Ok(entry) => {
                let mut e = entry.as_ref();
                e.line += start_line;
                how.entry(e, &[], out);
            }
            Err(mut bad) => {
                bad.line += start_line;
                out.records.push(Err(bad));
            }
        }
    }
    out.stats = reader.into_stats();
    for bad in &mut out.stats.bad_samples {
        bad.line += start_line;
    }
}

/// Bare messages, one per line; lines longer than [`ReadOptions::max_line`] are bad records,
/// invalid UTF-8 is decoded lossily and counted.
fn parse_content(
    bytes: &[u8],
    start_line: u64,
    options: &ReadOptions,
    how: &Prepare<'_>,
    out: &mut Chunk,
) {
    for (line, raw) in crate::read::numbered_lines(bytes, start_line + 1) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.len() > options.max_line {
            let bad = BadRecord {
                line,
                reason: format!(
                    "line of {} bytes is longer than the limit, skipped",
                    raw.len()
                ),
            };
            out.stats.note_bad(&bad, options.max_bad_samples);
            out.records.push(Err(bad));
            continue;
        }
        let message = String::from_utf8_lossy(raw);
        let lossy = matches!(message, std::borrow::Cow::Owned(_));
        out.stats.note_entry(lossy);
        let entry = EntryRef {
            message: &message,
            message_lossy: lossy,
            line,
            ..EntryRef::default()
        };
        how.entry(entry, bytes, out);
    }
}

/// Cuts an input into chunks of whole lines (whole entries for text).
struct Chunker<R> {
    input: R,
    carry: Vec<u8>,
    /// Buffers of chunks already parsed, for the next chunks.
    free: Vec<Vec<u8>>,
    /// Lines handed out so far.
    line: u64,
    /// Whether a line starting with a blank continues the one before (text journals).
    continuation: bool,
    eof: bool,
    /// The chunk size.
    size: usize,
    /// The most bytes of one line kept: past it the parser reports the line as too long.
    bound: usize,
}

/// A chunk: the lines before it, its bytes, and the full length of its last line when that
/// line was longer than [`Chunker::bound`] and only its start is in the bytes.
type RawChunk = (u64, Vec<u8>, Option<u64>);

impl<R: BufRead> Chunker<R> {
    fn new(input: R, continuation: bool, size: usize, max_line: usize) -> Self {
        let size = size.max(1);
        Self {
            input,
            carry: Vec::new(),
            free: Vec::new(),
            line: 0,
            continuation,
            eof: false,
            size,
            bound: (4 * size.max(CHUNK)).max(max_line.saturating_add(2)),
        }
    }

    /// The next chunks; empty at the end.
    fn batch(&mut self) -> io::Result<Vec<RawChunk>> {
        let mut out = Vec::with_capacity(CHUNKS_PER_BATCH);
        while out.len() < CHUNKS_PER_BATCH {
            match self.chunk()? {
                Some(c) => out.push(c),
                None => break,
            }
        }
        Ok(out)
    }

    fn read_more(&mut self, buf: &mut Vec<u8>) -> io::Result<()> {
        let before = buf.len();
        (&mut self.input).take(self.size as u64).read_to_end(buf)?;
        self.eof = buf.len() == before;
        Ok(())
    }

    fn chunk(&mut self) -> io::Result<Option<RawChunk>> {
        let mut buf = self.free.pop().unwrap_or_default();
        buf.clear();
        buf.extend_from_slice(&self.carry);
        self.carry.clear();
        let mut long = None;
        loop {
            if !self.eof && buf.len() < self.size {
                self.read_more(&mut buf)?;
                if !self.eof {
                    continue;
                }
            }
            if buf.is_empty() {
                return Ok(None);
            }
            if self.eof {
                break;
            }
            match self.cut(&buf) {
                Some(cut) => {
                    self.carry.extend_from_slice(&buf[cut..]);
                    buf.truncate(cut);
                    break;
                }
                // No line start in the chunk yet: read more, up to the bound.
                None if buf.len() < self.bound => self.read_more(&mut buf)?,
                None => {
                    if let Some(i) = memchr::memrchr(b'\n', &buf) {
                        self.carry.extend_from_slice(&buf[i + 1..]);
                        buf.truncate(i + 1);
                    } else {
                        // One line longer than the bound: its start goes to the parser,
                        // which reports it as too long; the rest is skipped here and
                        // measured, so the report gives its length.
                        long = Some(self.skip_line(buf.len() as u64, buf.last().copied())?);
                    }
                    break;
                }
            }
        }
        let start = self.line;
        self.line +=
            memchr::memchr_iter(b'\n', &buf).count() as u64 + u64::from(buf.last() != Some(&b'\n'));
        Ok(Some((start, buf, long)))
    }

    /// Skips the rest of a line of which `len` bytes were read (the last one `last`); returns
    /// its full length without the `\n` (and a `\r` before it), as the readers count it.
    fn skip_line(&mut self, mut len: u64, mut last: Option<u8>) -> io::Result<u64> {
        let mut piece = Vec::with_capacity(self.size);
        loop {
            piece.clear();
            self.read_more(&mut piece)?;
            if self.eof {
                return Ok(len);
            }
            match memchr::memchr(b'\n', &piece) {
                Some(i) => {
                    len += i as u64;
                    last = if i > 0 { Some(piece[i - 1]) } else { last };
                    self.carry = piece.split_off(i + 1);
                    return Ok(len - u64::from(last == Some(b'\r')));
                }
                None => {
                    len += piece.len() as u64;
                    last = piece.last().copied();
                }
            }
        }
    }

    /// Just after the last `\n` of `buf` that starts a new entry, if any.
    fn cut(&self, buf: &[u8]) -> Option<usize> {
        let mut end = buf.len();
        while let Some(i) = memchr::memrchr(b'\n', &buf[..end]) {
            match buf.get(i + 1) {
                // The next line is not read yet: it may continue this entry.
                None if self.continuation => end = i,
                None => return Some(i + 1),
                Some(b' ' | b'\t') if self.continuation => end = i,
                Some(_) => return Some(i + 1),
            }
        }
        None
    }
}

/// Export input: the calling thread parses a batch of records while the pool masks the last
/// one and the miner takes the one before.
fn feed_export<R: BufRead>(
    input: R,
    options: &ReadOptions,
    how: &Prepare<'_>,
    miner: &mut Miner,
    each: &mut (dyn FnMut(Mined<'_>) + Send),
    fed: &mut Fed,
) {
    let mut reader = Reader::new(input, Format::Export, options.clone());
    let mut current: Vec<Chunk> = Vec::new();
    let mut done = false;
    loop {
        let mut raw: Vec<Result<Entry, BadRecord>> = Vec::new();
        while !done && raw.len() < EXPORT_BATCH {
            match reader.next_record() {
                Ok(Some(r)) => raw.push(r),
                Ok(None) => done = true,
                Err(e) => {
                    fed.error = Some(e);
                    done = true;
                }
            }
        }
        if raw.is_empty() && current.is_empty() {
            break;
        }
        let (_, next) = rayon::join(
            || {
                for c in current.drain(..) {
                    add_batch(&c, &[], miner, each);
                }
            },
            || {
                raw.into_par_iter()
                    .chunks(EXPORT_CHUNK)
                    .map(|records| {
                        let mut out = Chunk::default();
                        for r in records {
                            match r {
                                Ok(entry) => how.entry(entry.as_ref(), &[], &mut out),
                                Err(bad) => out.records.push(Err(bad)),
                            }
                        }
                        out
                    })
                    .collect::<Vec<Chunk>>()
            },
        );
        fed.filtered += next.iter().map(|c| c.filtered).sum::<u64>();
        current = next;
    }
    fed.stats = reader.into_stats();
}
