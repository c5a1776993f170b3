//! Streaming readers for journal output: `journalctl -o json`, `-o export` and plain text
//! (`-o short-iso`, `-o short-iso-precise`, classic syslog lines).
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

mod export;
mod json;
mod lines;
mod text;

use std::io::BufRead;

use serde::Serialize;

use crate::Entry;
use lines::BoundedLines;

/// Input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `journalctl -o json`: one JSON object per line.
    Json,
    /// `journalctl -o export`: `KEY=value` lines, binary fields length-prefixed, entries
    /// separated by blank lines.
    Export,
    /// `journalctl -o short-iso` / `short-iso-precise` / classic syslog lines.
    Text,
}

impl Format {
    /// Guesses the format from the first bytes of the input: `{` is JSON, an upper-case
    /// `KEY=` (journal field names are `[A-Z0-9_]`) is export, anything else text.
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
            Format::Export
        } else {
            Format::Text
        }
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
    /// `None` such entries have no timestamp.
    pub syslog_year: Option<i32>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            max_line: 1 << 20,
            max_bad_samples: 100,
            syslog_year: None,
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
            Ok(e) => {
                self.entries += 1;
                self.non_utf8 += u64::from(e.message_lossy);
            }
            Err(bad) => {
                self.bad += 1;
                if self.bad_samples.len() < max_samples {
                    self.bad_samples.push(bad.clone());
                }
            }
        }
    }
}

enum Inner {
    Json(json::JsonReader),
    Export(export::ExportReader),
    Text(Box<text::TextReader>),
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
            Format::Text => Inner::Text(Box::new(text::TextReader::new(options.syslog_year))),
        };
        Self {
            lines: BoundedLines::new(input, options.max_line),
            inner,
            options,
            stats: ReadStats::default(),
        }
    }

    /// A reader that detects the format from the first bytes of `input`.
    pub fn detect(mut input: R, options: ReadOptions) -> std::io::Result<Self> {
        let format = Format::detect(input.fill_buf()?);
        Ok(Self::new(input, format, options))
    }

    /// The format being read.
    pub fn format(&self) -> Format {
        match self.inner {
            Inner::Json(_) => Format::Json,
            Inner::Export(_) => Format::Export,
            Inner::Text(_) => Format::Text,
        }
    }

    /// The next entry or bad record; `Ok(None)` at the end of the input. Only an I/O error of the
    /// stream itself is an `Err`.
    pub fn next_record(&mut self) -> std::io::Result<Option<Record>> {
        let record = match &mut self.inner {
            Inner::Json(j) => j.next(&mut self.lines, &mut self.stats)?,
            Inner::Export(x) => x.next(&mut self.lines, &mut self.stats)?,
            Inner::Text(t) => t.next(&mut self.lines)?,
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
    }
}
