//! `docker logs [--timestamps]` and `docker service logs [--timestamps]` output.
//!
//! - `docker logs -t`: `2023-02-20T10:01:02.123456789Z message` (RFC 3339 with nanoseconds,
//!   always UTC, `Z`); without `-t` the bare message.
//! - `docker service logs`: `SERVICE.SLOT.TASK@NODE    | [TIMESTAMP ]message`, the context
//!   padded with spaces so the bars line up (`--no-task-ids` drops `.TASK`, `--no-resolve`
//!   prints ids instead of names). The node becomes the entry's host and the service its
//!   program, so the lines of one service on every node mine into the same templates.

use std::io::{self, BufRead};

use super::lines::{BoundedLines, Line};
use super::text::parse_iso;
use super::{BadRecord, Record, decode};
use crate::Entry;

#[derive(Default)]
pub(crate) struct DockerReader {
    buf: Vec<u8>,
}

impl DockerReader {
    pub(crate) fn next<R: BufRead>(
        &mut self,
        lines: &mut BoundedLines<R>,
    ) -> io::Result<Option<Record>> {
        loop {
            let Some(status) = lines.next_line(&mut self.buf)? else {
                return Ok(None);
            };
            let line = lines.line;
            if let Line::TooLong { len } = status {
                return Ok(Some(Err(BadRecord {
                    line,
                    reason: format!("line of {len} bytes is longer than the limit, skipped"),
                })));
            }
            if self.buf.trim_ascii().is_empty() {
                continue;
            }
            let mut entry = parse(&self.buf);
            entry.line = line;
            return Ok(Some(Ok(entry)));
        }
    }
}

/// The `SERVICE.SLOT.TASK@NODE` context of a `docker service logs` line and the offset of
/// what follows its `| ` separator.
pub(crate) fn service_context(line: &[u8]) -> Option<(&[u8], usize)> {
    let end = line.iter().position(|b| *b == b' ')?;
    let ctx = &line[..end];
    if !ctx.contains(&b'@') {
        return None;
    }
    let pad = line[end..].iter().take_while(|b| **b == b' ').count();
    let bar = end + pad;
    if line.get(bar) != Some(&b'|') {
        return None;
    }
    let rest = bar + 1 + usize::from(line.get(bar + 1) == Some(&b' '));
    Some((ctx, rest))
}

/// A `docker logs --timestamps` timestamp: RFC 3339 in UTC with a `Z`.
pub(crate) fn docker_timestamp(text: &[u8]) -> Option<(u64, usize)> {
    let end = text.iter().position(|b| *b == b' ').unwrap_or(text.len());
    let token = std::str::from_utf8(&text[..end]).ok()?;
    if !token.ends_with('Z') || !token.as_bytes().first()?.is_ascii_digit() {
        return None;
    }
    Some((parse_iso(token)?, (end + 1).min(text.len())))
}

fn parse(line: &[u8]) -> Entry {
    let mut entry = Entry::default();
    let mut at = 0;
    if let Some((ctx, rest)) = service_context(line) {
        let ctx = String::from_utf8_lossy(ctx);
        let (task, node) = ctx.rsplit_once('@').unwrap_or((&ctx, ""));
        entry.host = (!node.is_empty()).then(|| node.to_owned());
        entry.comm = Some(task.to_owned());
        entry.identifier = Some(service_name(task).to_owned());
        at = rest;
    }
    if let Some((ts, skip)) = docker_timestamp(&line[at..]) {
        entry.timestamp_us = Some(ts);
        at += skip;
    }
    let (message, lossy) = decode(&line[at..]);
    entry.message = message;
    entry.message_lossy = lossy;
    entry
}

/// `web.1.x1y2z3…` → `web`; `web.1` (`--no-task-ids`) → `web`. A service name may contain
/// dots, so only a trailing task id (25 lower-case alphanumerics) and slot (digits, or a node
/// id for global services) are removed.
fn service_name(task: &str) -> &str {
    let mut name = task;
    if let Some((head, last)) = name.rsplit_once('.')
        && last.len() == 25
        && last
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        name = head;
    }
    if let Some((head, last)) = name.rsplit_once('.')
        && !head.is_empty()
        && (last.bytes().all(|b| b.is_ascii_digit())
            || (last.len() == 25
                && last
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())))
    {
        name = head;
    }
    name
}

#[cfg(test)]
mod tests {
    use super::super::{Format, ReadOptions, Reader};

    #[test]
    fn docker_logs_and_service_logs() {
        let input = "2023-02-20T10:01:02.123456789Z starting\n\
            app_web.1.x1y2z3a4b5c6d7e8f9g0h1i2j@swarm-w2    | 2023-02-20T10:01:03.000000000Z fatal: no such file\n\
            app_web.2.abcdefghijklmnopqrstuvwxy@swarm-w1    | plain\n\
            \n\
            app_web.1@swarm-w1    | \n\
            no timestamp at all\n";
        let mut r = Reader::new(input.as_bytes(), Format::Docker, ReadOptions::default());
        let out: Vec<_> = r.by_ref().map(|r| r.unwrap().unwrap()).collect();
        assert_eq!(out.len(), 5);
        assert_eq!(
            (
                out[0].timestamp_us,
                out[0].message.as_str(),
                out[0].host.as_deref()
            ),
            (Some(1_676_887_262_123_456), "starting", None)
        );
        let e = &out[1];
        assert_eq!(
            (
                e.host.as_deref(),
                e.identifier.as_deref(),
                e.timestamp_us,
                e.message.as_str(),
                e.line
            ),
            (
                Some("swarm-w2"),
                Some("app_web"),
                Some(1_676_887_263_000_000),
                "fatal: no such file",
                2
            )
        );
        assert_eq!(
            (
                out[2].identifier.as_deref(),
                out[2].timestamp_us,
                out[2].message.as_str()
            ),
            (Some("app_web"), None, "plain")
        );
        assert_eq!(
            (out[3].identifier.as_deref(), out[3].message.as_str()),
            (Some("app_web"), "")
        );
        assert_eq!(
            (out[4].message.as_str(), out[4].line),
            ("no timestamp at all", 6)
        );
    }

    #[test]
    fn service_names_keep_their_dots() {
        assert_eq!(super::service_name("my.svc.3"), "my.svc");
        assert_eq!(super::service_name("web"), "web");
        assert_eq!(
            super::service_name("web.1.x1y2z3a4b5c6d7e8f9g0h1i2j"),
            "web"
        );
    }
}
