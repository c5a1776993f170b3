//! One journal entry, whatever format it was read from.

use serde::Serialize;

/// A journal entry with the fields diagnosis uses.
///
/// All readers ([`crate::read`]) produce this type, so an entry read from `journalctl -o json`,
/// `-o export` or `-o short-iso` compares equal field by field where the format carries the field
/// (plain text carries no unit and no priority).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Entry {
    /// `__REALTIME_TIMESTAMP`: microseconds since the Unix epoch (UTC), when known.
    pub timestamp_us: Option<u64>,
    /// `_HOSTNAME`.
    pub host: Option<String>,
    /// `_SYSTEMD_UNIT` (e.g. `docker.service`).
    pub unit: Option<String>,
    /// The unit the entry is *about* when another process wrote it: `UNIT` (systemd's
    /// "Started docker.service" lines), `OBJECT_SYSTEMD_UNIT` or `COREDUMP_UNIT`. `--unit`
    /// matches it too, as `journalctl -u` does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub about_unit: Option<String>,
    /// `SYSLOG_IDENTIFIER` (e.g. `dockerd`, `kernel`, `systemd-udevd`).
    pub identifier: Option<String>,
    /// `_COMM`: the process name.
    pub comm: Option<String>,
    /// `_PID`.
    pub pid: Option<u32>,
    /// `PRIORITY`: syslog severity, 0 (emerg) to 7 (debug).
    pub priority: Option<u8>,
    /// `MESSAGE`, decoded as UTF-8 (invalid sequences replaced with U+FFFD).
    pub message: String,
    /// Whether `MESSAGE` was not valid UTF-8 in the input.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub message_lossy: bool,
    /// The 1-based input line where the entry starts.
    pub line: u64,
}

impl Entry {
    /// The name templates are grouped by: `SYSLOG_IDENTIFIER`, else `_COMM`, else
    /// `_SYSTEMD_UNIT`, else `-`. Lines of different programs never merge into one template.
    pub fn group(&self) -> &str {
        self.as_ref().group()
    }

    /// The entry's fields, borrowed.
    pub fn as_ref(&self) -> EntryRef<'_> {
        EntryRef {
            timestamp_us: self.timestamp_us,
            host: self.host.as_deref(),
            unit: self.unit.as_deref(),
            about_unit: self.about_unit.as_deref(),
            identifier: self.identifier.as_deref(),
            comm: self.comm.as_deref(),
            pid: self.pid,
            priority: self.priority,
            message: &self.message,
            message_lossy: self.message_lossy,
            line: self.line,
        }
    }
}

/// An [`Entry`] whose text fields are borrowed: what the parallel pipeline parses a chunk of
/// input into ([`crate::pipeline`]), the fields of a plain-text line pointing into the input
/// itself, so that reading allocates nothing per line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EntryRef<'a> {
    /// [`Entry::timestamp_us`].
    pub timestamp_us: Option<u64>,
    /// [`Entry::host`].
    pub host: Option<&'a str>,
    /// [`Entry::unit`].
    pub unit: Option<&'a str>,
    /// [`Entry::about_unit`].
    pub about_unit: Option<&'a str>,
    /// [`Entry::identifier`].
    pub identifier: Option<&'a str>,
    /// [`Entry::comm`].
    pub comm: Option<&'a str>,
    /// [`Entry::pid`].
    pub pid: Option<u32>,
    /// [`Entry::priority`].
    pub priority: Option<u8>,
    /// [`Entry::message`].
    pub message: &'a str,
    /// [`Entry::message_lossy`].
    pub message_lossy: bool,
    /// [`Entry::line`].
    pub line: u64,
}

impl<'a> EntryRef<'a> {
    /// [`Entry::group`].
    pub fn group(&self) -> &'a str {
        self.identifier.or(self.comm).or(self.unit).unwrap_or("-")
    }

    /// The entry, owned.
    pub fn to_entry(&self) -> Entry {
        Entry {
            timestamp_us: self.timestamp_us,
            host: self.host.map(str::to_owned),
            unit: self.unit.map(str::to_owned),
            about_unit: self.about_unit.map(str::to_owned),
            identifier: self.identifier.map(str::to_owned),
            comm: self.comm.map(str::to_owned),
            pid: self.pid,
            priority: self.priority,
            message: self.message.to_owned(),
            message_lossy: self.message_lossy,
            line: self.line,
        }
    }
}

/// Syslog severity names, indexed by `PRIORITY`.
pub const PRIORITY_NAMES: [&str; 8] = [
    "emerg", "alert", "crit", "err", "warning", "notice", "info", "debug",
];

/// The syslog name of a journal `PRIORITY` (`3` → `err`), or `unknown`.
pub fn priority_name(priority: u8) -> &'static str {
    PRIORITY_NAMES
        .get(usize::from(priority))
        .copied()
        .unwrap_or("unknown")
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01 (`civil_from_days`).
pub(crate) fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Formats microseconds since the epoch as RFC 3339 UTC with microseconds
/// (`2023-02-20T10:01:02.000000Z`).
pub fn format_timestamp(us: u64) -> String {
    let secs = us / 1_000_000;
    let micros = us % 1_000_000;
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamp_round_trip() {
        // 2023-02-20T10:01:02Z, as `date -u -d 2023-02-20T10:01:02Z +%s` prints.
        assert_eq!(
            days_from_civil(2023, 2, 20) * 86_400 + 36_062,
            1_676_887_262
        );
        assert_eq!(
            format_timestamp(1_676_887_262_000_123),
            "2023-02-20T10:01:02.000123Z"
        );
        assert_eq!(format_timestamp(0), "1970-01-01T00:00:00.000000Z");
        assert_eq!(civil_from_days(days_from_civil(2000, 2, 29)), (2000, 2, 29));
    }

    #[test]
    fn group_falls_back() {
        let mut e = Entry {
            unit: Some("docker.service".into()),
            ..Entry::default()
        };
        assert_eq!(e.group(), "docker.service");
        e.comm = Some("dockerd".into());
        assert_eq!(e.group(), "dockerd");
        assert_eq!(priority_name(3), "err");
        assert_eq!(priority_name(9), "unknown");
    }
}
