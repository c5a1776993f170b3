//! Plain text: `journalctl -o short-iso` / `short-iso-precise`
//! (`2023-02-20T10:01:02+0000 host ident[pid]: message`) and classic syslog / `-o short`
//! (`Feb 20 10:01:02 host ident[pid]: message`).
//!
//! journalctl prints the lines after the first of a multi-line message indented to the column
//! where the message starts; such continuation lines are joined back with `\n`. Marker lines
//! (`-- Boot 0123… --`, `-- No entries --`) are skipped.

use std::io::{self, BufRead};

use std::borrow::Cow;

use super::lines::{BoundedLines, Line, numbered_lines};
use super::{BadRecord, Record, decode};
use crate::entry::{civil_from_days, days_from_civil};
use crate::{Entry, EntryRef};

/// How a year-less syslog timestamp (`Feb 20 10:01:02`) gets its year.
#[derive(Debug, Clone, Copy)]
pub(crate) struct YearRule {
    pub(crate) fixed: Option<i32>,
    pub(crate) reference_us: Option<u64>,
}

impl YearRule {
    pub(crate) fn of(options: &super::ReadOptions) -> Self {
        Self {
            fixed: options.syslog_year,
            reference_us: options.syslog_reference_us,
        }
    }

    /// The timestamp for `at(year)`: the fixed year, else the latest year that puts it no later
    /// than a day after the reference (a file written on 2 January holds December's lines of
    /// the year before), else none.
    fn resolve(self, at: impl Fn(i32) -> u64) -> Option<u64> {
        if let Some(y) = self.fixed {
            return Some(at(y));
        }
        let r = self.reference_us?;
        let (y, _, _) = civil_from_days((r / 86_400_000_000) as i64);
        let y = i32::try_from(y).ok()?;
        let t = at(y);
        Some(if t > r + 86_400_000_000 { at(y - 1) } else { t })
    }
}

pub(crate) struct TextReader {
    syslog_year: YearRule,
    buf: Vec<u8>,
    /// An entry whose continuation lines may still follow, with its message column.
    pending: Option<(Entry, usize)>,
    /// A record read past the pending entry, returned next.
    queued: Option<Record>,
    last: LastStamp,
}

impl TextReader {
    pub(crate) fn new(syslog_year: YearRule) -> Self {
        Self {
            syslog_year,
            buf: Vec::new(),
            pending: None,
            queued: None,
            last: LastStamp::default(),
        }
    }

    pub(crate) fn next<R: BufRead>(
        &mut self,
        lines: &mut BoundedLines<R>,
    ) -> io::Result<Option<Record>> {
        if let Some(q) = self.queued.take() {
            return Ok(Some(q));
        }
        loop {
            let Some(status) = lines.next_line(&mut self.buf)? else {
                return Ok(self.pending.take().map(|(e, _)| Ok(e)));
            };
            let line = lines.line;
            if let Line::TooLong { len } = status {
                let bad = Err(BadRecord {
                    line,
                    reason: format!("line of {len} bytes is longer than the limit, skipped"),
                });
                return Ok(Some(self.emit(bad)));
            }
            if self.buf.first().is_some_and(|b| *b == b' ' || *b == b'\t')
                && let Some((entry, column)) = &mut self.pending
            {
                {
                    let indent = self.buf.iter().take_while(|b| **b == b' ').count();
                    let rest = &self.buf[indent.min(*column)..];
                    let (text, lossy) = decode(rest);
                    entry.message.push('\n');
                    entry.message.push_str(&text);
                    entry.message_lossy |= lossy;
                    continue;
                }
            }
            if self.buf.trim_ascii().is_empty() {
                continue;
            }
            if self.buf.starts_with(b"-- ") && self.buf.ends_with(b" --") {
                continue;
            }
            let record = match parse_line(&self.buf, self.syslog_year, &mut self.last) {
                Ok((mut entry, column)) => {
                    entry.line = line;
                    let previous = self.pending.replace((entry, column));
                    match previous {
                        Some((e, _)) => return Ok(Some(Ok(e))),
                        None => continue,
                    }
                }
                Err(reason) => Err(BadRecord { line, reason }),
            };
            return Ok(Some(self.emit(record)));
        }
    }

    /// Returns the pending entry first if there is one, queueing `record` after it.
    fn emit(&mut self, record: Record) -> Record {
        match self.pending.take() {
            Some((e, _)) => {
                self.queued = Some(record);
                Ok(e)
            }
            None => record,
        }
    }
}

/// The fields of one text line, borrowed from it.
struct LineParts<'a> {
    timestamp_us: Option<u64>,
    host: &'a [u8],
    ident: Option<&'a [u8]>,
    pid: Option<u32>,
    /// The byte column where the message starts.
    column: usize,
}

/// Parses one line into an entry and the byte column where its message starts.
fn parse_line(
    line: &[u8],
    syslog_year: YearRule,
    last: &mut LastStamp,
) -> Result<(Entry, usize), String> {
    let parts = parse_parts(line, syslog_year, last)?;
    let (message, message_lossy) = decode(&line[parts.column..]);
    let entry = Entry {
        timestamp_us: parts.timestamp_us,
        host: Some(String::from_utf8_lossy(parts.host).into_owned()),
        identifier: parts.ident.map(|i| String::from_utf8_lossy(i).into_owned()),
        pid: parts.pid,
        message,
        message_lossy,
        ..Entry::default()
    };
    Ok((entry, parts.column))
}

/// The last ISO timestamp parsed, as written, and its value: the lines of one second (or
/// microsecond) share it, and parsing it again was a tenth of the reading time.
#[derive(Default)]
pub(crate) struct LastStamp {
    text: [u8; 32],
    len: usize,
    us: u64,
}

impl LastStamp {
    fn parse(&mut self, raw: &[u8]) -> Result<u64, String> {
        if self.len > 0 && raw == &self.text[..self.len] {
            return Ok(self.us);
        }
        let ts = std::str::from_utf8(raw).map_err(|_| "timestamp is not UTF-8")?;
        let us = parse_iso(ts).ok_or_else(|| format!("not an ISO 8601 timestamp: {ts:?}"))?;
        if raw.len() <= self.text.len() {
            self.text[..raw.len()].copy_from_slice(raw);
            (self.len, self.us) = (raw.len(), us);
        }
        Ok(us)
    }
}

fn parse_parts<'a>(
    line: &'a [u8],
    syslog_year: YearRule,
    last: &mut LastStamp,
) -> Result<LineParts<'a>, String> {
    let (timestamp_us, rest_at) = if line.first().is_some_and(u8::is_ascii_digit) {
        let end = memchr::memchr(b' ', line).ok_or("no space after the timestamp")?;
        (Some(last.parse(&line[..end])?), end + 1)
    } else {
        // `Feb 20 10:01:02` (day padded with a space for 1-9), or `-o short-precise`'s
        // `Feb 20 10:01:02.123456`.
        let head = line
            .get(..15)
            .ok_or("line does not start with a timestamp")?;
        let head = std::str::from_utf8(head).map_err(|_| "line does not start with a timestamp")?;
        let us = parse_syslog(head).ok_or_else(|| {
            format!(
                "line does not start with a timestamp: {:?}",
                &head[..head.len().min(15)]
            )
        })?;
        let mut end = 15;
        let mut micros = 0u64;
        if line.get(15) == Some(&b'.') {
            let digits = line[16..].iter().take_while(|b| b.is_ascii_digit()).count();
            if digits == 0 {
                return Err("no digits after the seconds' `.`".into());
            }
            let frac = &line[16..16 + digits.min(6)];
            micros = frac.iter().fold(0u64, |n, d| n * 10 + u64::from(d - b'0'))
                * 10u64.pow(6 - digits.min(6) as u32);
            end = 16 + digits;
        }
        if line.get(end) != Some(&b' ') {
            return Err("no space after the timestamp".into());
        }
        (syslog_year.resolve(us).map(|t| t + micros), end + 1)
    };
    let rest = &line[rest_at..];
    let host_end = memchr::memchr(b' ', rest).ok_or("no host and message after the timestamp")?;
    let after_host = rest_at + host_end + 1;
    let tail = &line[after_host..];
    let mut parts = LineParts {
        timestamp_us,
        host: &rest[..host_end],
        ident: None,
        pid: None,
        column: after_host,
    };
    // `ident[pid]: message` — the identifier is what comes before the first ": ".
    if let Some(colon) = memchr::memmem::find(tail, b": ")
        && (!tail[..colon].contains(&b' ') || tail[..colon].ends_with(b"]"))
    {
        let mut ident = &tail[..colon];
        if ident.ends_with(b"]")
            && let Some(open) = memchr::memrchr(b'[', ident)
        {
            parts.pid = std::str::from_utf8(&ident[open + 1..ident.len() - 1])
                .ok()
                .and_then(|p| p.parse().ok());
            if parts.pid.is_some() {
                ident = &ident[..open];
            }
        }
        parts.ident = Some(ident);
        parts.column = after_host + colon + 2;
    }
    Ok(parts)
}

/// Parses whole lines of a text journal held in memory (a chunk of a larger input whose first
/// line is number `start_line + 1`), giving `sink` every entry and bad record in input order:
/// what [`TextReader`] gives on the same lines (the `pipeline` tests compare the two), but an
/// entry that fits on one line of valid UTF-8 is handed out borrowed from `bytes`, without a
/// copy or an allocation.
pub(crate) fn parse_chunk(
    bytes: &[u8],
    start_line: u64,
    max_line: usize,
    syslog_year: YearRule,
    sink: &mut dyn FnMut(Result<EntryRef<'_>, BadRecord>),
) {
    /// An entry whose continuation lines may still follow: its first line, and the message
    /// joined with them once there is one.
    struct Pending<'b> {
        parts: LineParts<'b>,
        head: &'b [u8],
        line: u64,
        joined: Option<(String, bool)>,
    }
    fn emit(p: Pending<'_>, sink: &mut dyn FnMut(Result<EntryRef<'_>, BadRecord>)) {
        let host = String::from_utf8_lossy(p.parts.host);
        let ident = p.parts.ident.map(String::from_utf8_lossy);
        let (message, message_lossy) = match p.joined {
            Some((joined, lossy)) => (Cow::Owned(joined), lossy),
            None => {
                let raw = &p.head[p.parts.column..];
                match std::str::from_utf8(raw) {
                    Ok(s) => (Cow::Borrowed(s), false),
                    Err(_) => (String::from_utf8_lossy(raw), true),
                }
            }
        };
        sink(Ok(EntryRef {
            timestamp_us: p.parts.timestamp_us,
            host: Some(&host),
            identifier: ident.as_deref(),
            pid: p.parts.pid,
            message: &message,
            message_lossy,
            line: p.line,
            ..EntryRef::default()
        }));
    }
    let mut pending: Option<Pending<'_>> = None;
    let mut last = LastStamp::default();
    for (line, raw) in numbered_lines(bytes, start_line + 1) {
        if raw.len() > max_line {
            if let Some(p) = pending.take() {
                emit(p, sink);
            }
            let reason = format!(
                "line of {} bytes is longer than the limit, skipped",
                raw.len()
            );
            sink(Err(BadRecord { line, reason }));
            continue;
        }
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        if matches!(raw.first(), Some(b' ' | b'\t'))
            && let Some(p) = &mut pending
        {
            let indent = raw.iter().take_while(|b| **b == b' ').count();
            let (text, lossy) = decode(&raw[indent.min(p.parts.column)..]);
            let (message, any_lossy) = p
                .joined
                .get_or_insert_with(|| decode(&p.head[p.parts.column..]));
            message.push('\n');
            message.push_str(&text);
            *any_lossy |= lossy;
            continue;
        }
        if raw.trim_ascii().is_empty() || (raw.starts_with(b"-- ") && raw.ends_with(b" --")) {
            continue;
        }
        match parse_parts(raw, syslog_year, &mut last) {
            Ok(parts) => {
                let next = Pending {
                    parts,
                    head: raw,
                    line,
                    joined: None,
                };
                if let Some(p) = pending.replace(next) {
                    emit(p, sink);
                }
            }
            Err(reason) => {
                if let Some(p) = pending.take() {
                    emit(p, sink);
                }
                sink(Err(BadRecord { line, reason }));
            }
        }
    }
    if let Some(p) = pending {
        emit(p, sink);
    }
}

fn num(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `2023-02-20T10:01:02[.123456][+0000|+00:00|Z]` → microseconds since the epoch (UTC).
pub(crate) fn parse_iso(s: &str) -> Option<u64> {
    let (date, time) = s.split_once('T').or_else(|| s.split_once(' '))?;
    let mut d = date.splitn(3, '-');
    let (y, mo, da) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    let zone_at = time.find(['+', '-', 'Z']).unwrap_or(time.len());
    let (clock, zone) = time.split_at(zone_at);
    let (hms, frac) = clock.split_once('.').unwrap_or((clock, ""));
    let mut t = hms.splitn(3, ':');
    let (h, mi, se) = (num(t.next()?)?, num(t.next()?)?, num(t.next()?)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&da) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let micros = if frac.is_empty() {
        0
    } else {
        let digits: String = frac.chars().chain(std::iter::repeat('0')).take(6).collect();
        num(&digits)?
    };
    let offset_secs: i64 = match zone {
        "" | "Z" => 0,
        z => {
            let sign = if z.starts_with('-') { -1 } else { 1 };
            let digits: String = z[1..].chars().filter(|c| *c != ':').collect();
            if digits.len() != 4 {
                return None;
            }
            let v = num(&digits)?;
            sign * i64::from(v / 100 * 3600 + v % 100 * 60)
        }
    };
    let secs = days_from_civil(i64::from(y), mo, da) * 86_400 + i64::from(h * 3600 + mi * 60 + se)
        - offset_secs;
    u64::try_from(secs)
        .ok()
        .map(|s| s * 1_000_000 + u64::from(micros))
}

/// `Feb 20 10:01:02` → a function of the year giving microseconds since the epoch (UTC).
fn parse_syslog(s: &str) -> Option<impl Fn(i32) -> u64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let mo = MONTHS.iter().position(|m| s.starts_with(m))? as u32 + 1;
    let day = num(s.get(4..6)?.trim_start())?;
    let mut t = s.get(7..15)?.splitn(3, ':');
    let (h, mi, se) = (num(t.next()?)?, num(t.next()?)?, num(t.next()?)?);
    if s.as_bytes()[3] != b' '
        || s.as_bytes()[6] != b' '
        || day == 0
        || day > 31
        || h > 23
        || mi > 59
    {
        return None;
    }
    Some(move |year: i32| {
        let secs =
            days_from_civil(i64::from(year), mo, day) * 86_400 + i64::from(h * 3600 + mi * 60 + se);
        u64::try_from(secs).unwrap_or(0) * 1_000_000
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Format, ReadOptions, Reader};
    use super::*;

    #[test]
    fn iso_timestamps() {
        assert_eq!(
            parse_iso("2023-02-20T10:01:02+0000"),
            Some(1_676_887_262_000_000)
        );
        assert_eq!(
            parse_iso("2023-02-20T11:01:02.5+0100"),
            Some(1_676_887_262_500_000)
        );
        assert_eq!(
            parse_iso("2023-02-20T10:01:02.000001Z"),
            Some(1_676_887_262_000_001)
        );
        assert_eq!(
            parse_iso("2023-02-20T05:01:02-05:00"),
            Some(1_676_887_262_000_000)
        );
        assert_eq!(parse_iso("2023-13-20T10:01:02Z"), None);
        assert_eq!(parse_iso("garbage"), None);
    }

    #[test]
    fn syslog_years_from_the_file_time_and_short_precise() {
        // A file last written on 2 January 2024 holds 31 December's lines of 2023.
        let jan2 = (days_from_civil(2024, 1, 2) * 86_400) as u64 * 1_000_000;
        let input = "Dec 31 23:59:59.5 h k: old\nJan  2 00:00:01.123456 h k: new\n";
        let options = ReadOptions {
            syslog_reference_us: Some(jan2),
            ..ReadOptions::default()
        };
        let out: Vec<_> = Reader::new(input.as_bytes(), Format::Text, options)
            .map(|r| r.unwrap().unwrap().timestamp_us)
            .collect();
        assert_eq!(
            out,
            [
                Some(jan2 - 500_000 - 86_400_000_000),
                Some(jan2 + 1_123_456)
            ]
        );
        assert!(
            parse_line(
                b"Jan  2 00:00:01. h k: x",
                YearRule {
                    fixed: Some(1),
                    reference_us: None
                },
                &mut LastStamp::default()
            )
            .is_err()
        );
    }

    #[test]
    fn lines_continuations_markers_and_garbage() {
        let input = "-- Journal begins at Mon 2023-02-20 10:00:00 UTC. --\n\
            2023-02-20T10:01:02+0000 node1 systemd-udevd[1234]: veth1: Could not generate persistent MAC: No data available\n\
            2023-02-20T10:01:03+0000 node1 kernel: docker_gwbridge: port 3(veth1a2b3c4) entered blocking state\n\
            garbage without a timestamp\n\
            2023-02-20T10:01:04+0000 node2 dockerd[812]: first line\n\
            \x20                                            second: line\n\
            Feb 20 10:01:05 node3 sshd[9]: Accepted publickey\n";
        let options = ReadOptions {
            syslog_year: Some(2023),
            ..ReadOptions::default()
        };
        let mut reader = Reader::new(input.as_bytes(), Format::Text, options);
        let out: Vec<_> = reader.by_ref().map(Result::unwrap).collect();
        let e = out[0].as_ref().unwrap();
        assert_eq!(
            (e.identifier.as_deref(), e.pid, e.host.as_deref(), e.line),
            (Some("systemd-udevd"), Some(1234), Some("node1"), 2)
        );
        assert_eq!(
            e.message,
            "veth1: Could not generate persistent MAC: No data available"
        );
        let e = out[1].as_ref().unwrap();
        assert_eq!((e.identifier.as_deref(), e.pid), (Some("kernel"), None));
        assert_eq!(
            e.message,
            "docker_gwbridge: port 3(veth1a2b3c4) entered blocking state"
        );
        assert_eq!(out[2].as_ref().unwrap_err().line, 4);
        let e = out[3].as_ref().unwrap();
        assert_eq!(e.message, "first line\nsecond: line");
        let e = out[4].as_ref().unwrap();
        assert_eq!((e.timestamp_us, e.line), (Some(1_676_887_265_000_000), 7));
        assert_eq!(out.len(), 5);
        assert_eq!(reader.stats().bad, 1);
    }
}
