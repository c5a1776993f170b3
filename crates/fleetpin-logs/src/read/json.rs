//! `journalctl -o json`: one object per line.
//!
//! Field values are strings; a value that is not valid UTF-8 is an array of byte numbers; a
//! field present several times in one entry is an array of such values; a value above
//! journalctl's size threshold is `null`.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, BufRead};

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::lines::{BoundedLines, Line, numbered_lines};
use super::{BadRecord, ReadStats, Record, parse_num};
use crate::EntryRef;

#[derive(Default)]
pub(crate) struct JsonReader {
    buf: Vec<u8>,
}

impl JsonReader {
    pub(crate) fn next<R: BufRead>(
        &mut self,
        lines: &mut BoundedLines<R>,
        stats: &mut ReadStats,
    ) -> io::Result<Option<Record>> {
        loop {
            let Some(status) = lines.next_line(&mut self.buf)? else {
                return Ok(None);
            };
            let line = lines.line;
            if let Line::TooLong { len } = status {
                return Ok(Some(Err(too_long(line, len))));
            }
            let mut record = None;
            parse_line(&self.buf, line, &mut stats.without_message, &mut |r| {
                record = Some(r.map(|e| e.to_entry()));
            });
            if record.is_some() {
                return Ok(record);
            }
        }
    }
}

fn too_long(line: u64, len: u64) -> BadRecord {
    BadRecord {
        line,
        reason: format!("line of {len} bytes is longer than the limit, skipped"),
    }
}

/// Parses one line of `-o json` (number `line`): an entry or a bad record for `sink`, or
/// nothing (a blank line; an entry without a message, counted in `without_message`). The entry's
/// strings are borrowed from `text` where JSON escapes allow.
fn parse_line(
    text: &[u8],
    line: u64,
    without_message: &mut u64,
    sink: &mut dyn FnMut(Result<EntryRef<'_>, BadRecord>),
) {
    // `-o json-seq` puts an RS (0x1E) before each object (RFC 7464).
    let text = text.strip_prefix(b"\x1e").unwrap_or(text);
    if text.trim_ascii().is_empty() {
        return;
    }
    let raw: RawEntry<'_> = match serde_json::from_slice(text) {
        Ok(r) => r,
        Err(e) => {
            return sink(Err(BadRecord {
                line,
                reason: format!("invalid JSON: {e}"),
            }));
        }
    };
    let Some(message) = &raw.message else {
        *without_message += 1;
        return;
    };
    let message_lossy = matches!(message, Field::Bytes(b) if std::str::from_utf8(b).is_err());
    let message = message.text();
    let (host, unit, about_unit, identifier, comm) = (
        raw.hostname.as_ref().map(Field::text),
        raw.unit.as_ref().map(Field::text),
        raw.about_unit.as_ref().map(Field::text),
        raw.identifier.as_ref().map(Field::text),
        raw.comm.as_ref().map(Field::text),
    );
    fn num<T: std::str::FromStr>(f: &Option<Field<'_>>) -> Option<T> {
        f.as_ref().and_then(|f| parse_num(&f.text()))
    }
    sink(Ok(EntryRef {
        timestamp_us: num(&raw.realtime),
        host: host.as_deref(),
        unit: unit.as_deref(),
        about_unit: about_unit.as_deref(),
        identifier: identifier.as_deref(),
        comm: comm.as_deref(),
        pid: num(&raw.pid),
        priority: num(&raw.priority),
        message: &message,
        message_lossy,
        line,
    }));
}

/// Parses whole lines of `-o json` held in memory (a chunk of a larger input whose first line
/// is number `start_line + 1`), as [`JsonReader`] does, handing out entries borrowed from
/// `bytes` where JSON escapes allow.
pub(crate) fn parse_chunk(
    bytes: &[u8],
    start_line: u64,
    max_line: usize,
    without_message: &mut u64,
    sink: &mut dyn FnMut(Result<EntryRef<'_>, BadRecord>),
) {
    for (line, raw) in numbered_lines(bytes, start_line + 1) {
        if raw.len() > max_line {
            sink(Err(too_long(line, raw.len() as u64)));
            continue;
        }
        parse_line(
            raw.strip_suffix(b"\r").unwrap_or(raw),
            line,
            without_message,
            sink,
        );
    }
}

/// One field value.
enum Field<'a> {
    Text(Cow<'a, str>),
    Bytes(Vec<u8>),
    /// `null`: journalctl left out a value above its data threshold.
    TooLarge,
}

impl Field<'_> {
    fn text(&self) -> Cow<'_, str> {
        match self {
            Field::Text(s) => Cow::Borrowed(s),
            Field::Bytes(b) => String::from_utf8_lossy(b),
            Field::TooLarge => Cow::Borrowed(""),
        }
    }
}

impl<'de> de::Deserialize<'de> for Field<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Field<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, an array of bytes, an array of values or null")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Field<'de>, E> {
                Ok(Field::Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field<'de>, E> {
                Ok(Field::Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Field<'de>, E> {
                Ok(Field::Text(Cow::Owned(v)))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Field<'de>, E> {
                Ok(Field::TooLarge)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field<'de>, E> {
                Ok(Field::Text(Cow::Owned(v.to_string())))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Field<'de>, A::Error> {
                // Either bytes ([104, 105]) or repeated values (["a", [104]]): the first
                // occurrence wins, as journalctl's own `-o short` shows the first.
                let mut bytes = Vec::new();
                let mut first: Option<Field<'de>> = None;
                while let Some(item) = seq.next_element::<Item>()? {
                    match item {
                        Item::Byte(b) => bytes.push(b),
                        Item::Value(f) => {
                            if first.is_none() {
                                first = Some(f);
                            }
                        }
                    }
                }
                Ok(first.unwrap_or(Field::Bytes(bytes)))
            }
        }
        d.deserialize_any(V)
    }
}

/// An element of an array value.
enum Item<'a> {
    Byte(u8),
    Value(Field<'a>),
}

impl<'de> de::Deserialize<'de> for Item<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Item<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a byte (0-255) or a field value")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Item<'de>, E> {
                u8::try_from(v)
                    .map(Item::Byte)
                    .map_err(|_| E::custom(format!("byte value {v} out of range")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Item<'de>, E> {
                u8::try_from(v)
                    .map(Item::Byte)
                    .map_err(|_| E::custom(format!("byte value {v} out of range")))
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Item<'de>, E> {
                Ok(Item::Value(Field::Text(Cow::Borrowed(v))))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Item<'de>, E> {
                Ok(Item::Value(Field::Text(Cow::Owned(v.to_owned()))))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Item<'de>, E> {
                Ok(Item::Value(Field::TooLarge))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Item<'de>, A::Error> {
                <Field as de::Deserialize>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(Item::Value)
            }
        }
        d.deserialize_any(V)
    }
}

/// The fields diagnosis needs; every other field is skipped without allocating.
#[derive(Default)]
struct RawEntry<'a> {
    message: Option<Field<'a>>,
    realtime: Option<Field<'a>>,
    hostname: Option<Field<'a>>,
    unit: Option<Field<'a>>,
    about_unit: Option<Field<'a>>,
    identifier: Option<Field<'a>>,
    comm: Option<Field<'a>>,
    pid: Option<Field<'a>>,
    priority: Option<Field<'a>>,
}

impl<'de> de::Deserialize<'de> for RawEntry<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEntry<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a journal entry object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEntry<'de>, A::Error> {
                let mut e = RawEntry::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    let slot = match key.as_ref() {
                        "MESSAGE" => &mut e.message,
                        "__REALTIME_TIMESTAMP" => &mut e.realtime,
                        "_HOSTNAME" => &mut e.hostname,
                        "_SYSTEMD_UNIT" => &mut e.unit,
                        "UNIT" | "OBJECT_SYSTEMD_UNIT" | "COREDUMP_UNIT"
                            if e.about_unit.is_none() =>
                        {
                            &mut e.about_unit
                        }
                        "SYSLOG_IDENTIFIER" => &mut e.identifier,
                        "_COMM" => &mut e.comm,
                        "_PID" => &mut e.pid,
                        "PRIORITY" => &mut e.priority,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            continue;
                        }
                    };
                    *slot = Some(map.next_value()?);
                }
                Ok(e)
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Format, ReadOptions, Reader};

    fn read(input: &str) -> Vec<super::Record> {
        Reader::new(input.as_bytes(), Format::Json, ReadOptions::default())
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn reads_strings_bytes_and_repeats() {
        let out = read(concat!(
            r#"{"MESSAGE":"hello","PRIORITY":"3","_PID":"12","__REALTIME_TIMESTAMP":"1676887262000000","SYSLOG_IDENTIFIER":"dockerd","_HOSTNAME":"n1","_SYSTEMD_UNIT":"docker.service","_COMM":"dockerd","OTHER":{"x":[1]}}"#,
            "\n",
            r#"{"MESSAGE":[97,98,255]}"#,
            "\n\n",
            r#"{"MESSAGE":["first",[98]],"SYSLOG_IDENTIFIER":["a","b"]}"#,
            "\n",
            r#"{"MESSAGE":null}"#,
            "\n\x1e",
            r#"{"MESSAGE":"seq"}"#,
            "\n",
        ));
        assert_eq!(out[4].as_ref().unwrap().message, "seq");
        let e = out[0].as_ref().unwrap();
        assert_eq!(
            (
                e.message.as_str(),
                e.priority,
                e.pid,
                e.timestamp_us,
                e.line
            ),
            ("hello", Some(3), Some(12), Some(1_676_887_262_000_000), 1)
        );
        assert_eq!(e.unit.as_deref(), Some("docker.service"));
        let e = out[1].as_ref().unwrap();
        assert_eq!((e.message.as_str(), e.message_lossy), ("ab\u{fffd}", true));
        let e = out[2].as_ref().unwrap();
        assert_eq!(
            (e.message.as_str(), e.identifier.as_deref(), e.line),
            ("first", Some("a"), 4)
        );
        assert_eq!(out[3].as_ref().unwrap().message, "");
    }

    #[test]
    fn bad_lines_are_reported_and_skipped() {
        let out = read("{\"MESSAGE\":\"a\"}\nnot json\n{\"MESSAGE\":[300]}\n{\"MESSAGE\":\"b\"}\n");
        assert_eq!(out.len(), 4);
        let bad: Vec<_> = out.iter().filter_map(|r| r.as_ref().err()).collect();
        assert_eq!(bad.iter().map(|b| b.line).collect::<Vec<_>>(), [2, 3]);
        assert!(
            bad[1].reason.contains("byte value 300"),
            "{}",
            bad[1].reason
        );
        assert_eq!(out[3].as_ref().unwrap().message, "b");
    }
}
