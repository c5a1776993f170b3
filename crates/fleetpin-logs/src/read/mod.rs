//! Streaming readers for journal output: `journalctl -o json`, `-o export`, plain text
//! (`-o short-iso`, `-o short-iso-precise`, `-o short-precise`, classic syslog lines) and
//! `docker logs` / `docker service logs` output; gzip-compressed input is decompressed on the
//! fly ([`decompress`]), and binary files are refused with one bad record naming what they are.
//!
//! Memory is bounded by [`ReadOptions::max_line`] whatever the input size: longer lines and
//! binary fields are skipped and reported. A malformed record never stops the reading: it is
//! returned as a [`BadRecord`] (1-based line number and reason) and counted in [`ReadStats`].
//!
//! ```
//! use fleetpin_logs::read::{Format, ReadOptions, Reader};
//! let input = "2023-02-20T10:01:02+0000 node1 dockerd[812]: fatal task error\n";
//! let mut reader = Reader::new(input.as_bytes(), Format::Text, ReadOptions::default());
//! let entry = reader.next_record().unwrap().unwrap().unwrap();
//! assert_eq!(entry.identifier.as_deref(), Some("dockerd"));
//! assert_eq!(entry.pid, Some(812));
//! ```

mod docker;
mod export;
mod json;
mod lines;
mod text;

use std::io::BufRead;

use serde::Serialize;

use crate::Entry;
use lines::BoundedLines;
pub(crate) use lines::numbered_lines;

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `journalctl -o json`: one JSON object per line.
    Json,
    /// `journalctl -o export`: `KEY=value` lines, binary fields length-prefixed, entries
    /// separated by blank lines.
    Export,
    /// `journalctl -o short-iso` / `short-iso-precise` / `short` / `short-precise` and classic
    /// syslog lines.
    Text,
    /// `docker logs [--timestamps]` / `docker service logs [--timestamps]` output.
    Docker,
}

impl Format {
    /// Guesses the format from the first bytes of the input: `{` is JSON, an upper-case
    /// `KEY=` (journal field names are `[A-Z0-9_]`) is export, a `TASK@NODE    | ` context or
    /// a leading RFC 3339 time in UTC with `Z` (journalctl never prints `Z`) is Docker,
    /// anything else text.
    pub fn detect(head: &[u8]) -> Format {
        let head = head.trim_ascii_start();
        if head.first() == Some(&b'{') {
            return Format::Json;
        }
        let key_len = head
            .iter()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || **b == b'_')
            .count();
        if key_len > 0 && matches!(head.get(key_len), Some(b'=' | b'\n')) {
            return Format::Export;
        }
        let first = &head[..memchr::memchr(b'\n', head).unwrap_or(head.len())];
        if docker::service_context(first).is_some() || docker::docker_timestamp(first).is_some() {
            Format::Docker
        } else {
            Format::Text
        }
    }

    /// The name used by `--input-format` and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Export => "export",
            Format::Text => "text",
            Format::Docker => "docker",
        }
    }
}

/// What the first bytes of an input say it is when it is not text at all, or `None`.
pub fn binary_kind(head: &[u8]) -> Option<String> {
    if head.starts_with(b"LPKSHHRH") {
        return Some(
            "a binary journal file: export it first (`journalctl --file FILE -o export`)".into(),
        );
    }
    if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        return Some("zstd-compressed: decompress it first (`zstdcat FILE`)".into());
    }
    if head.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0]) {
        return Some("xz-compressed: decompress it first (`xzcat FILE`)".into());
    }
    let sample = &head[..head.len().min(8192)];
    memchr::memchr(0, sample)
        .map(|at| format!("a binary file (NUL byte at offset {at}), not a log"))
}

/// `input`, decompressed when it starts with the gzip magic (rotated `syslog.2.gz`, a
/// `journalctl -o export | gzip` capture; concatenated members are read through).
pub fn decompress<'a, R: BufRead + 'a>(mut input: R) -> std::io::Result<Box<dyn BufRead + 'a>> {
    if input.fill_buf()?.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(std::io::BufReader::with_capacity(
            1 << 16,
            flate2::bufread::MultiGzDecoder::new(input),
        )))
    } else {
        Ok(Box::new(input))
    }
}

/// Reader limits and text-format assumptions.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The longest line (or binary field) kept, in bytes; longer ones are skipped and reported
    /// as bad records. Default 1 MiB.
    pub max_line: usize,
    /// How many bad records [`ReadStats`] keeps as samples (all are counted). Default 100.
    pub max_bad_samples: usize,
    /// The year for classic syslog timestamps (`Feb 20 10:01:02`), which carry none. With
    /// `None`, [`ReadOptions::syslog_reference_us`] decides, else such entries have no
    /// timestamp.
    pub syslog_year: Option<i32>,
    /// When the input was last written (µs since the epoch; a file's modification time): a
    /// year-less syslog timestamp gets the latest year that puts it at most a day after this.
    pub syslog_reference_us: Option<u64>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            max_line: 1 << 20,
            max_bad_samples: 100,
            syslog_year: None,
            syslog_reference_us: None,
        }
    }
}

/// A record the reader could not use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BadRecord {
    /// The 1-based line where the record starts.
    pub line: u64,
    /// What was wrong.
    pub reason: String,
}

/// One reader result: an entry, or a record that could not be read.
pub type Record = Result<Entry, BadRecord>;

/// Counts kept while reading.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReadStats {
    /// Entries read.
    pub entries: u64,
    /// Records skipped as malformed.
    pub bad: u64,
    /// The first [`ReadOptions::max_bad_samples`] bad records.
    pub bad_samples: Vec<BadRecord>,
    /// Entries whose `MESSAGE` was not valid UTF-8 (they are still read, decoded lossily).
    pub non_utf8: u64,
    /// Entries without any `MESSAGE` field (skipped: nothing to diagnose).
    pub without_message: u64,
    /// Lines read.
    pub lines: u64,
}

impl ReadStats {
    fn note(&mut self, record: &Record, max_samples: usize) {
        match record {
            Ok(e) => self.note_entry(e.message_lossy),
            Err(bad) => self.note_bad(bad, max_samples),
        }
    }

    /// Counts an entry read (`lossy`: its message was not valid UTF-8).
    pub(crate) fn note_entry(&mut self, lossy: bool) {
        self.entries += 1;
        self.non_utf8 += u64::from(lossy);
    }

    /// Counts a bad record, keeping it as a sample while there are fewer than `max_samples`.
    pub(crate) fn note_bad(&mut self, bad: &BadRecord, max_samples: usize) {
        self.bad += 1;
        if self.bad_samples.len() < max_samples {
            self.bad_samples.push(bad.clone());
        }
    }
}

/// The entries and bad records of whole lines of a text or `-o json` journal held in memory
/// (the first line is number `start_line + 1`), the fields of most entries borrowed from
/// `bytes`; counted in `stats`. `false`: the format is not read here (read it with a
/// [`Reader`]).
pub(crate) fn parse_chunk(
    bytes: &[u8],
    format: Format,
    start_line: u64,
    options: &ReadOptions,
    stats: &mut ReadStats,
    each: &mut dyn FnMut(Result<crate::EntryRef<'_>, BadRecord>),
) -> bool {
    let mut without_message = 0;
    let mut count = |r: Result<crate::EntryRef<'_>, BadRecord>| {
        match &r {
            Ok(e) => stats.note_entry(e.message_lossy),
            Err(bad) => stats.note_bad(bad, options.max_bad_samples),
        }
        each(r);
    };
    match format {
        Format::Text => text::parse_chunk(
            bytes,
            start_line,
            options.max_line,
            text::YearRule::of(options),
            &mut count,
        ),
        Format::Json => json::parse_chunk(
            bytes,
            start_line,
            options.max_line,
            &mut without_message,
            &mut count,
        ),
        Format::Export | Format::Docker => return false,
    }
    stats.without_message += without_message;
    true
}

enum Inner {
    Json(json::JsonReader),
    Export(export::ExportReader),
    Text(Box<text::TextReader>),
    Docker(docker::DockerReader),
    /// Not a log at all: one bad record with the reason, then the end.
    Refused(Format, Option<String>),
}

/// A streaming reader of one input in one format.
pub struct Reader<R> {
    lines: BoundedLines<R>,
    inner: Inner,
    options: ReadOptions,
    stats: ReadStats,
}

impl<R: BufRead> Reader<R> {
    /// A reader of `input` in `format`.
    pub fn new(input: R, format: Format, options: ReadOptions) -> Self {
        let inner = match format {
            Format::Json => Inner::Json(json::JsonReader::default()),
            Format::Export => Inner::Export(export::ExportReader::default()),
            Format::Text => Inner::Text(Box::new(text::TextReader::new(text::YearRule::of(
                &options,
            )))),
            Format::Docker => Inner::Docker(docker::DockerReader::default()),
        };
        Self {
            lines: BoundedLines::new(input, options.max_line),
            inner,
            options,
            stats: ReadStats::default(),
        }
    }

    /// A reader that detects the format from the first bytes of `input`.
    pub fn detect(input: R, options: ReadOptions) -> std::io::Result<Self> {
        Self::with_format(input, None, options)
    }

    /// A reader of `input` in `format`, or in the format detected from its first bytes. Either
    /// way, an input that is binary ([`binary_kind`]) yields a single bad record saying so
    /// (line 1) instead of thousands of unreadable lines; an export stream may hold binary
    /// fields and is not checked.
    pub fn with_format(
        mut input: R,
        format: Option<Format>,
        options: ReadOptions,
    ) -> std::io::Result<Self> {
        let head = input.fill_buf()?;
        let format = format.unwrap_or_else(|| Format::detect(head));
        let refused = if format == Format::Export && !head.starts_with(b"LPKSHHRH") {
            None
        } else {
            binary_kind(head)
        };
        let mut reader = Self::new(input, format, options);
        if let Some(reason) = refused {
            reader.inner = Inner::Refused(format, Some(reason));
        }
        Ok(reader)
    }

    /// The format being read.
    pub fn format(&self) -> Format {
        match self.inner {
            Inner::Json(_) => Format::Json,
            Inner::Export(_) => Format::Export,
            Inner::Text(_) => Format::Text,
            Inner::Docker(_) => Format::Docker,
            Inner::Refused(f, _) => f,
        }
    }

    /// The next entry or bad record; `Ok(None)` at the end of the input. Only an I/O error of the
    /// stream itself is an `Err`.
    pub fn next_record(&mut self) -> std::io::Result<Option<Record>> {
        let record = match &mut self.inner {
            Inner::Json(j) => j.next(&mut self.lines, &mut self.stats)?,
            Inner::Export(x) => x.next(&mut self.lines, &mut self.stats)?,
            Inner::Text(t) => t.next(&mut self.lines)?,
            Inner::Docker(d) => d.next(&mut self.lines)?,
            Inner::Refused(_, reason) => reason
                .take()
                .map(|reason| Err(BadRecord { line: 1, reason })),
        };
        self.stats.lines = self.lines.line;
        if let Some(r) = &record {
            self.stats.note(r, self.options.max_bad_samples);
        }
        Ok(record)
    }

    /// What was read so far.
    pub fn stats(&self) -> &ReadStats {
        &self.stats
    }

    /// Ends the reading, returning the counts.
    pub fn into_stats(self) -> ReadStats {
        self.stats
    }
}

impl<R: BufRead> Iterator for Reader<R> {
    type Item = std::io::Result<Record>;

    fn next(&mut self) -> Option<Self::Item> {
        self.next_record().transpose()
    }
}

/// `2023-02-20T10:01:02[.123456][Z|+0000|+00:00]` → microseconds since the epoch (UTC).
pub(crate) fn parse_iso_time(s: &str) -> Option<u64> {
    text::parse_iso(s)
}

/// Parses a decimal field value.
fn parse_num<T: std::str::FromStr>(s: &str) -> Option<T> {
    s.trim().parse().ok()
}

/// Decodes a message, remembering whether it was valid UTF-8.
fn decode(bytes: &[u8]) -> (String, bool) {
    match std::str::from_utf8(bytes) {
        Ok(s) => (s.to_owned(), false),
        Err(_) => (String::from_utf8_lossy(bytes).into_owned(), true),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_formats() {
        assert_eq!(Format::detect(b"  {\"MESSAGE\":1}"), Format::Json);
        assert_eq!(Format::detect(b"__CURSOR=s=1\n"), Format::Export);
        assert_eq!(Format::detect(b"MESSAGE\n\x01"), Format::Export);
        assert_eq!(
            Format::detect(b"2023-02-20T10:01:02+0000 h k: m"),
            Format::Text
        );
        assert_eq!(Format::detect(b"Feb 20 10:01:02 h k: m"), Format::Text);
        assert_eq!(
            Format::detect(b"2023-02-20T10:01:02.123456789Z hello\n"),
            Format::Docker
        );
        assert_eq!(
            Format::detect(b"web.1.abc@node1    | hello\n"),
            Format::Docker
        );
        assert_eq!(
            Format::detect(b"2023-02-20T10:01:02+00:00 h k: m"),
            Format::Text
        );
    }

    #[test]
    fn binary_inputs_are_one_bad_record() {
        for (input, want) in [
            (&b"LPKSHHRH\0\0\0\x01"[..], "binary journal file"),
            (&b"\x7fELF\x02\x01\x01\0\0\0"[..], "NUL byte at offset 7"),
            (&[0x28, 0xb5, 0x2f, 0xfd, 1][..], "zstd"),
        ] {
            let mut r = Reader::detect(input, ReadOptions::default()).unwrap();
            let bad = r.next_record().unwrap().unwrap().unwrap_err();
            assert!(bad.reason.contains(want), "{}", bad.reason);
            assert_eq!(bad.line, 1);
            assert!(r.next_record().unwrap().is_none());
            assert_eq!(r.stats().bad, 1);
        }
    }

    #[test]
    fn gzip_is_read_through() {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"Feb 20 10:01:02 h k: one\n").unwrap();
        let mut bytes = gz.finish().unwrap();
        // A second member, as `cat a.gz b.gz` makes.
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(b"Feb 20 10:01:03 h k: two\n").unwrap();
        bytes.extend(gz.finish().unwrap());
        let input = decompress(&bytes[..]).unwrap();
        let options = ReadOptions {
            syslog_year: Some(2023),
            ..ReadOptions::default()
        };
        let out: Vec<String> = Reader::detect(input, options)
            .unwrap()
            .map(|r| r.unwrap().unwrap().message)
            .collect();
        assert_eq!(out, ["one", "two"]);
    }
}
