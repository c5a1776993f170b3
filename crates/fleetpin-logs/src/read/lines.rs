//! A line reader with a length bound, so one 10 GB line cannot exhaust memory.

use std::io::{self, BufRead};

/// The lines of `bytes` held in memory, without their `\n`, numbered from `first`: what
/// [`BoundedLines`] reads from the same bytes (a last line without `\n` included, nothing for
/// empty input). Split with `memchr` (a byte-by-byte `split` was a tenth of the reading).
pub(crate) fn numbered_lines(bytes: &[u8], first: u64) -> impl Iterator<Item = (u64, &[u8])> {
    let body = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    let mut rest = (!bytes.is_empty()).then_some(body);
    let lines = std::iter::from_fn(move || {
        let r = rest?;
        Some(match memchr::memchr(b'\n', r) {
            Some(i) => {
                rest = Some(&r[i + 1..]);
                &r[..i]
            }
            None => {
                rest = None;
                r
            }
        })
    });
    (first..).zip(lines)
}

/// What [`BoundedLines::next_line`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Line {
    /// A line (without its `\n`) is in the buffer.
    Ok,
    /// The line was longer than the limit: its first `limit` bytes are in the buffer, the rest
    /// was skipped. `len` is the full length.
    TooLong { len: u64 },
}

/// Reads `\n`-terminated lines, keeping at most `limit` bytes of each.
pub(crate) struct BoundedLines<R> {
    inner: R,
    limit: usize,
    /// 1-based number of the line last returned.
    pub(crate) line: u64,
}

impl<R: BufRead> BoundedLines<R> {
    pub(crate) fn new(inner: R, limit: usize) -> Self {
        Self {
            inner,
            limit,
            line: 0,
        }
    }

    /// Reads the next line into `buf` (cleared first). `None` at end of input.
    pub(crate) fn next_line(&mut self, buf: &mut Vec<u8>) -> io::Result<Option<Line>> {
        buf.clear();
        let mut len: u64 = 0;
        let mut any = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            any = true;
            let (chunk, done) = match memchr::memchr(b'\n', available) {
                Some(i) => (&available[..i], Some(i + 1)),
                None => (available, None),
            };
            let room = self.limit.saturating_sub(buf.len());
            buf.extend_from_slice(&chunk[..chunk.len().min(room)]);
            len += chunk.len() as u64;
            let consumed = done.unwrap_or(available.len());
            self.inner.consume(consumed);
            if done.is_some() {
                break;
            }
        }
        if !any {
            return Ok(None);
        }
        self.line += 1;
        if buf.last() == Some(&b'\r') && len as usize == buf.len() {
            buf.pop();
            len -= 1;
        }
        if len > self.limit as u64 {
            Ok(Some(Line::TooLong { len }))
        } else {
            Ok(Some(Line::Ok))
        }
    }

    /// Reads exactly `n` bytes into `buf` if `n <= limit`, else skips them; returns how many
    /// bytes were available (fewer than `n` at end of input).
    pub(crate) fn read_exact_or_skip(&mut self, n: u64, buf: &mut Vec<u8>) -> io::Result<u64> {
        buf.clear();
        let keep = n <= self.limit as u64;
        let mut left = n;
        while left > 0 {
            let available = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                break;
            }
            let take = available
                .len()
                .min(usize::try_from(left).unwrap_or(usize::MAX));
            if keep {
                buf.extend_from_slice(&available[..take]);
            }
            // Line numbers stay meaningful after binary data with newlines in it.
            self.line += memchr::memchr_iter(b'\n', &available[..take]).count() as u64;
            self.inner.consume(take);
            left -= take as u64;
        }
        Ok(n - left)
    }

    /// Reads one byte, or `None` at end of input.
    pub(crate) fn read_byte(&mut self) -> io::Result<Option<u8>> {
        let b = loop {
            match self.inner.fill_buf() {
                Ok(b) => break b.first().copied(),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        };
        if b.is_some() {
            self.inner.consume(1);
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_and_measured() {
        let data = b"short\nabcdefghij\r\n\nlast";
        let mut r = BoundedLines::new(&data[..], 4);
        let mut buf = Vec::new();
        assert_eq!(
            r.next_line(&mut buf).unwrap(),
            Some(Line::TooLong { len: 5 })
        );
        assert_eq!(buf, b"shor");
        assert_eq!(
            r.next_line(&mut buf).unwrap(),
            Some(Line::TooLong { len: 11 })
        );
        assert_eq!(r.next_line(&mut buf).unwrap(), Some(Line::Ok));
        assert!(buf.is_empty());
        assert_eq!(r.next_line(&mut buf).unwrap(), Some(Line::Ok));
        assert_eq!(buf, b"last");
        assert_eq!(r.line, 4);
        assert_eq!(r.next_line(&mut buf).unwrap(), None);
    }
}
