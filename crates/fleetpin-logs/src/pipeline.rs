//! Mining a whole input on every core: reading, parsing and masking run in parallel on
//! chunks of the input while the [`Miner`] takes the previous batch, in input order.
//!
//! Template mining is an online algorithm (a line joins the templates made by the lines
//! before it), so the [`Miner`] stays sequential and its result is exactly that of feeding it
//! entry by entry; what runs in parallel is everything before it, about two thirds of the
//! work. Text and `journalctl -o json` inputs are cut into chunks at line starts (a text
//! line starting with a blank continues the entry before it, so chunks never start there)
//! and the chunks of a batch are parsed and masked by the rayon pool while the miner works
//! (a reader thread feeds a short queue of parsed batches).
//! `journalctl -o export` records can hold binary fields with any bytes in them, so there
//! one thread reads and masks while the other mines. Memory is a few batches (of 4 MiB of
//! input each) whatever the input size.

use std::io::{self, BufRead, BufReader, Read};

use rayon::prelude::*;

use crate::read::{BadRecord, Format, ReadOptions, ReadStats, Reader};
use crate::{Entry, Miner, TemplateId, mask};

/// How an input is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    /// A journal or log file, in the given format or detected from its first bytes.
    Journal(Option<Format>),
    /// Bare messages, one per line (no header is parsed): what log-parser benchmarks feed.
    Content,
}

/// One input record, as handed to the callback of [`mine`].
pub type Mined<'a> = Result<(&'a Entry, TemplateId), &'a BadRecord>;

/// The bytes of a chunk handed to one parser: about this much, cut at a line start.
const CHUNK: usize = 1 << 20;
/// Chunks parsed per batch (while the miner takes the previous batch).
const CHUNKS_PER_BATCH: usize = 4;
/// Parsed batches queued between the reader and the miner.
const QUEUE: usize = 4;
/// Records per batch when an export input is read by one thread.
const EXPORT_BATCH: usize = 16_384;

type Parsed = Vec<Result<(Entry, String), BadRecord>>;

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

/// [`mine`] with chunks of about `chunk` bytes (at least 1) instead of 1 MiB: the result is
/// the same whatever the size, only the speed changes (small chunks are for tests).
pub fn mine_chunked<R: Read + Send>(
    input: R,
    kind: InputKind,
    options: &ReadOptions,
    chunk: usize,
    miner: &mut Miner,
    mut each: impl FnMut(Mined<'_>) + Send,
) -> io::Result<ReadStats> {
    let chunk = chunk.max(1);
    let mut input = BufReader::with_capacity(CHUNK, input);
    let format = match kind {
        InputKind::Content => None,
        InputKind::Journal(Some(f)) => Some(f),
        InputKind::Journal(None) => Some(Format::detect(input.fill_buf()?)),
    };
    let masking = miner.masks();
    if format == Some(Format::Export) {
        return mine_export(input, options, masking, miner, &mut each);
    }
    let mut chunks = Chunker {
        input,
        carry: Vec::new(),
        line: 0,
        continuation: format == Some(Format::Text),
        eof: false,
        size: chunk,
        skip: false,
    };
    let mut stats = ReadStats::default();
    // A reader thread cuts batches and has the rayon pool parse and mask them; this thread
    // mines. The queue between them (a few batches) absorbs the stalls of either side on a
    // busy machine, where lock-step batches lost more than the second core gave.
    let lines = std::thread::scope(|scope| -> io::Result<u64> {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<(Parsed, ReadStats)>>(QUEUE);
        let reader = scope.spawn(move || -> io::Result<u64> {
            loop {
                let batch = chunks.batch()?;
                if batch.is_empty() {
                    return Ok(chunks.line);
                }
                let ready: Vec<(Parsed, ReadStats)> = batch
                    .into_par_iter()
                    .map(|(start_line, bytes)| {
                        parse_chunk(&bytes, start_line, format, options, masking)
                    })
                    .collect();
                if tx.send(ready).is_err() {
                    return Ok(chunks.line);
                }
            }
        });
        for ready in rx {
            for (records, chunk_stats) in ready {
                add_batch(&records, miner, &mut each);
                merge_stats(&mut stats, chunk_stats, options.max_bad_samples);
            }
        }
        reader
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    stats.lines = lines;
    Ok(stats)
}

fn add_batch(records: &Parsed, miner: &mut Miner, each: &mut impl FnMut(Mined<'_>)) {
    for r in records {
        match r {
            Ok((entry, masked)) => {
                let id = miner.add_masked(entry, masked);
                each(Ok((entry, id)));
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

/// The message as mined: masked, or as it is.
fn masked(entry: &Entry, masking: bool) -> String {
    if masking {
        mask::mask(&entry.message)
    } else {
        entry.message.clone()
    }
}

/// Parses one chunk whose first line is `start_line + 1`.
fn parse_chunk(
    bytes: &[u8],
    start_line: u64,
    format: Option<Format>,
    options: &ReadOptions,
    masking: bool,
) -> (Parsed, ReadStats) {
    let mut out = Parsed::new();
    let Some(format) = format else {
        return parse_content(bytes, start_line, options, masking);
    };
    let mut reader = Reader::new(bytes, format, options.clone());
    // Reading from memory cannot fail.
    while let Ok(Some(record)) = reader.next_record() {
        out.push(match record {
            Ok(mut entry) => {
                entry.line += start_line;
                let m = masked(&entry, masking);
                Ok((entry, m))
            }
            Err(mut bad) => {
                bad.line += start_line;
                Err(bad)
            }
        });
    }
    let mut stats = reader.into_stats();
    for bad in &mut stats.bad_samples {
        bad.line += start_line;
    }
    (out, stats)
}

/// Bare messages, one per line; lines longer than [`ReadOptions::max_line`] are bad records,
/// invalid UTF-8 is decoded lossily and counted.
fn parse_content(
    bytes: &[u8],
    start_line: u64,
    options: &ReadOptions,
    masking: bool,
) -> (Parsed, ReadStats) {
    let mut out = Parsed::new();
    let mut stats = ReadStats::default();
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    if bytes.is_empty() {
        return (out, stats);
    }
    for (line, raw) in (start_line + 1..).zip(body.split(|b| *b == b'\n')) {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if raw.len() > options.max_line {
            let bad = BadRecord {
                line,
                reason: format!(
                    "line of {} bytes is longer than the limit, skipped",
                    raw.len()
                ),
            };
            stats.bad += 1;
            if stats.bad_samples.len() < options.max_bad_samples {
                stats.bad_samples.push(bad.clone());
            }
            out.push(Err(bad));
            continue;
        }
        let message = String::from_utf8_lossy(raw);
        let lossy = matches!(message, std::borrow::Cow::Owned(_));
        stats.non_utf8 += u64::from(lossy);
        stats.entries += 1;
        let entry = Entry {
            message: message.into_owned(),
            message_lossy: lossy,
            line,
            ..Entry::default()
        };
        let m = masked(&entry, masking);
        out.push(Ok((entry, m)));
    }
    (out, stats)
}

/// Cuts an input into chunks of whole lines (whole entries for text).
struct Chunker<R> {
    input: R,
    carry: Vec<u8>,
    /// Lines handed out so far.
    line: u64,
    /// Whether a line starting with a blank continues the one before (text journals).
    continuation: bool,
    eof: bool,
    /// The chunk size.
    size: usize,
    /// Whether the last chunk ended inside a line.
    skip: bool,
}

impl<R: BufRead> Chunker<R> {
    /// The next chunks, each with the number of lines before it; empty at the end.
    fn batch(&mut self) -> io::Result<Vec<(u64, Vec<u8>)>> {
        let mut out = Vec::with_capacity(CHUNKS_PER_BATCH);
        while out.len() < CHUNKS_PER_BATCH {
            match self.chunk()? {
                Some(c) => out.push(c),
                None => break,
            }
        }
        Ok(out)
    }

    fn chunk(&mut self) -> io::Result<Option<(u64, Vec<u8>)>> {
        let mut buf = std::mem::take(&mut self.carry);
        // The rest of a line cut at the end of the last chunk: already reported there.
        while self.skip {
            if let Some(i) = memchr::memchr(b'\n', &buf) {
                buf.drain(..=i);
                self.skip = false;
            } else if self.eof {
                buf.clear();
                self.skip = false;
            } else {
                buf.clear();
                (&mut self.input)
                    .take(self.size as u64)
                    .read_to_end(&mut buf)?;
                self.eof = buf.is_empty();
            }
        }
        loop {
            if !self.eof && buf.len() < self.size {
                let want = self.size - buf.len();
                let before = buf.len();
                (&mut self.input).take(want as u64).read_to_end(&mut buf)?;
                self.eof = buf.len() == before;
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
                    self.carry = buf.split_off(cut);
                    break;
                }
                // No line start in the chunk yet: read more (one line holds at most what
                // the parser keeps of it plus a chunk; past that it is cut anyway, and the
                // parser reports the pieces).
                None if buf.len() < 4 * self.size.max(CHUNK) => {
                    let before = buf.len();
                    (&mut self.input)
                        .take(self.size as u64)
                        .read_to_end(&mut buf)?;
                    self.eof = buf.len() == before;
                }
                None => {
                    match memchr::memrchr(b'\n', &buf) {
                        Some(i) => self.carry = buf.split_off(i + 1),
                        // One line longer than this: its start goes to the parser, which
                        // reports it as too long (or keeps it cut, with a limit above 4
                        // chunks), and the rest is skipped.
                        None => self.skip = true,
                    }
                    break;
                }
            }
        }
        let start = self.line;
        self.line +=
            memchr::memchr_iter(b'\n', &buf).count() as u64 + u64::from(buf.last() != Some(&b'\n'));
        Ok(Some((start, buf)))
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

/// Export input: one thread reads and masks a batch of records while this one mines the last.
fn mine_export<R: BufRead + Send>(
    input: R,
    options: &ReadOptions,
    masking: bool,
    miner: &mut Miner,
    each: &mut (impl FnMut(Mined<'_>) + Send),
) -> io::Result<ReadStats> {
    let mut reader = Reader::new(input, Format::Export, options.clone());
    let mut parsed = Parsed::new();
    let mut done = false;
    while !done || !parsed.is_empty() {
        let current = std::mem::take(&mut parsed);
        let (next, ()) = rayon::join(
            || -> io::Result<(Parsed, bool)> {
                let mut next = Parsed::with_capacity(if done { 0 } else { EXPORT_BATCH });
                let mut end = done;
                while !end && next.len() < EXPORT_BATCH {
                    match reader.next_record()? {
                        Some(Ok(entry)) => {
                            let m = masked(&entry, masking);
                            next.push(Ok((entry, m)));
                        }
                        Some(Err(bad)) => next.push(Err(bad)),
                        None => end = true,
                    }
                }
                Ok((next, end))
            },
            || add_batch(&current, miner, each),
        );
        (parsed, done) = next?;
    }
    Ok(reader.into_stats())
}
