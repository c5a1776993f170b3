//! `journalctl -o export` (systemd's Journal Export Format): `KEY=value` lines; a value that is
//! binary or holds a newline is written as `KEY\n`, a little-endian u64 length, the bytes and
//! `\n`; entries end with a blank line.

use std::io::{self, BufRead};

use super::lines::{BoundedLines, Line};
use super::{BadRecord, ReadStats, Record, decode, parse_num};
use crate::Entry;

#[derive(Default)]
pub(crate) struct ExportReader {
    buf: Vec<u8>,
    data: Vec<u8>,
}

/// A journal field name: `[A-Z_][A-Z0-9_]*` (systemd's `journal_field_valid`, without its
/// length limit, which journalctl never exceeds).
fn valid_key(key: &[u8]) -> bool {
    !key.is_empty()
        && !key[0].is_ascii_digit()
        && key
            .iter()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
}

impl ExportReader {
    pub(crate) fn next<R: BufRead>(
        &mut self,
        lines: &mut BoundedLines<R>,
        stats: &mut ReadStats,
    ) -> io::Result<Option<Record>> {
        let mut entry = Entry::default();
        let mut message: Option<(String, bool)> = None;
        let mut error: Option<String> = None;
        let mut start = 0;
        loop {
            let status = lines.next_line(&mut self.buf)?;
            let at_end = status.is_none();
            if at_end || (self.buf.is_empty() && status == Some(Line::Ok)) {
                if start == 0 {
                    if at_end {
                        return Ok(None);
                    }
                    continue; // blank lines between entries
                }
                if let Some(reason) = error {
                    return Ok(Some(Err(BadRecord {
                        line: start,
                        reason,
                    })));
                }
                match message.take() {
                    Some((m, lossy)) => {
                        entry.message = m;
                        entry.message_lossy = lossy;
                        entry.line = start;
                        return Ok(Some(Ok(entry)));
                    }
                    None => {
                        stats.without_message += 1;
                        if at_end {
                            return Ok(None);
                        }
                        entry = Entry::default();
                        start = 0;
                        continue;
                    }
                }
            }
            let line = lines.line;
            if start == 0 {
                start = line;
            }
            if error.is_some() {
                continue; // skip to the end of a broken entry
            }
            if let Some(Line::TooLong { len }) = status {
                error = Some(format!(
                    "line {line}: field of {len} bytes is longer than the limit"
                ));
                continue;
            }
            let (key, value): (&[u8], Vec<u8>) = match memchr::memchr(b'=', &self.buf) {
                Some(i) => (&self.buf[..i], self.buf[i + 1..].to_vec()),
                None => {
                    if !valid_key(&self.buf) {
                        error = Some(format!(
                            "line {line}: neither KEY=value nor a binary field name: {:?}",
                            String::from_utf8_lossy(&self.buf[..self.buf.len().min(60)])
                        ));
                        continue;
                    }
                    let mut size = [0u8; 8];
                    let got = lines.read_exact_or_skip(8, &mut self.data)?;
                    if got < 8 {
                        error = Some(format!(
                            "line {line}: binary field {} truncated: input ends inside its length",
                            String::from_utf8_lossy(&self.buf)
                        ));
                        continue;
                    }
                    size.copy_from_slice(&self.data);
                    let len = u64::from_le_bytes(size);
                    let got = lines.read_exact_or_skip(len, &mut self.data)?;
                    let name = String::from_utf8_lossy(&self.buf).into_owned();
                    if got < len {
                        error = Some(format!(
                            "line {line}: binary field {name} truncated: {got} of {len} bytes"
                        ));
                        continue;
                    }
                    if lines.read_byte()? != Some(b'\n') {
                        error = Some(format!(
                            "line {line}: binary field {name} of {len} bytes not followed by a newline"
                        ));
                        continue;
                    }
                    lines.line += 1;
                    if got > 0 && self.data.is_empty() {
                        if name == "MESSAGE" {
                            error = Some(format!(
                                "line {line}: MESSAGE of {len} bytes is longer than the limit"
                            ));
                        }
                        continue;
                    }
                    (self.buf.as_slice(), std::mem::take(&mut self.data))
                }
            };
            if !valid_key(key) {
                error = Some(format!(
                    "line {line}: invalid field name {:?}",
                    String::from_utf8_lossy(&key[..key.len().min(60)])
                ));
                continue;
            }
            let text = || String::from_utf8_lossy(&value).into_owned();
            match key {
                b"MESSAGE" if message.is_none() => message = Some(decode(&value)),
                b"__REALTIME_TIMESTAMP" => entry.timestamp_us = parse_num(&text()),
                b"_HOSTNAME" => entry.host = Some(text()),
                b"_SYSTEMD_UNIT" => entry.unit = Some(text()),
                b"UNIT" | b"OBJECT_SYSTEMD_UNIT" | b"COREDUMP_UNIT"
                    if entry.about_unit.is_none() =>
                {
                    entry.about_unit = Some(text())
                }
                b"SYSLOG_IDENTIFIER" if entry.identifier.is_none() => {
                    entry.identifier = Some(text())
                }
                b"_COMM" => entry.comm = Some(text()),
                b"_PID" => entry.pid = parse_num(&text()),
                b"PRIORITY" => entry.priority = parse_num(&text()),
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, ReadOptions, Reader};

    fn read(input: &[u8], max_line: usize) -> (Vec<super::Record>, super::ReadStats) {
        let options = ReadOptions {
            max_line,
            ..ReadOptions::default()
        };
        let mut r = Reader::new(input, Format::Export, options);
        let out = r.by_ref().map(Result::unwrap).collect();
        (out, r.into_stats())
    }

    #[test]
    fn text_and_binary_fields() {
        let mut input =
            b"__REALTIME_TIMESTAMP=5\nSYSLOG_IDENTIFIER=dockerd\nPRIORITY=3\nMESSAGE\n".to_vec();
        input.extend_from_slice(&5u64.to_le_bytes());
        input.extend_from_slice(b"a\nb\xffc\n_PID=7\n\nMESSAGE=two\n\n");
        let (out, stats) = read(&input, 1 << 20);
        let e = out[0].as_ref().unwrap();
        assert_eq!(
            (
                e.message.as_str(),
                e.message_lossy,
                e.pid,
                e.priority,
                e.timestamp_us,
                e.line
            ),
            ("a\nb\u{fffd}c", true, Some(7), Some(3), Some(5), 1)
        );
        // The binary MESSAGE spans lines 4-6 (one newline inside the data).
        assert_eq!(out[1].as_ref().unwrap().line, 9);
        assert_eq!((stats.entries, stats.non_utf8), (2, 1));
    }

    #[test]
    fn truncated_and_garbage_entries_do_not_stop_reading() {
        let mut input =
            b"MESSAGE=ok\n\nthis is not a field\nMESSAGE=x\n\nMESSAGE=fine\n\nMESSAGE\n".to_vec();
        input.extend_from_slice(&100u64.to_le_bytes());
        input.extend_from_slice(b"short");
        let (out, stats) = read(&input, 1 << 20);
        let lines: Vec<_> = out
            .iter()
            .map(|r| match r {
                Ok(e) => (e.line, e.message.clone()),
                Err(b) => (b.line, b.reason.clone()),
            })
            .collect();
        assert_eq!(lines[0], (1, "ok".into()));
        assert_eq!(lines[1].0, 3);
        assert!(lines[1].1.contains("neither KEY=value"), "{:?}", lines[1]);
        assert_eq!(lines[2], (6, "fine".into()));
        assert_eq!(lines[3].0, 8);
        assert!(
            lines[3].1.contains("truncated: 5 of 100 bytes"),
            "{:?}",
            lines[3]
        );
        assert_eq!((stats.entries, stats.bad), (2, 2));
    }

    #[test]
    fn oversized_binary_message_is_skipped_not_kept() {
        let mut input = b"MESSAGE\n".to_vec();
        input.extend_from_slice(&64u64.to_le_bytes());
        input.extend_from_slice(&[b'x'; 64]);
        input.extend_from_slice(b"\n\nMESSAGE=next\n\n");
        let (out, _) = read(&input, 16);
        assert!(
            out[0]
                .as_ref()
                .unwrap_err()
                .reason
                .contains("longer than the limit")
        );
        assert_eq!(out[1].as_ref().unwrap().message, "next");
    }
}
