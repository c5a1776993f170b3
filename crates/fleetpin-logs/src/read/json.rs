//! `journalctl -o json`: one object per line.
//!
//! Field values are strings; a value that is not valid UTF-8 is an array of byte numbers; a
//! field present several times in one entry is an array of such values; a value above
//! journalctl's size threshold is `null`.

use std::fmt;
use std::io::{self, BufRead};

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::lines::{BoundedLines, Line};
use super::{BadRecord, ReadStats, Record, decode, parse_num};
use crate::Entry;

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
                return Ok(Some(Err(BadRecord {
                    line,
                    reason: format!("line of {len} bytes is longer than the limit, skipped"),
                })));
            }
            // `-o json-seq` puts an RS (0x1E) before each object (RFC 7464).
            let text = self.buf.strip_prefix(b"\x1e").unwrap_or(&self.buf);
            if text.trim_ascii().is_empty() {
                continue;
            }
            let raw: RawEntry = match serde_json::from_slice(text) {
                Ok(r) => r,
                Err(e) => {
                    return Ok(Some(Err(BadRecord {
                        line,
                        reason: format!("invalid JSON: {e}"),
                    })));
                }
            };
            let Some(message) = raw.message else {
                stats.without_message += 1;
                continue;
            };
            let (message, lossy) = match message {
                Field::Text(s) => (s, false),
                Field::Bytes(b) => decode(&b),
                Field::TooLarge => (String::new(), false),
            };
            return Ok(Some(Ok(Entry {
                timestamp_us: raw.realtime.and_then(|f| parse_num(&f.text())),
                host: raw.hostname.map(Field::text),
                unit: raw.unit.map(Field::text),
                about_unit: raw.about_unit.map(Field::text),
                identifier: raw.identifier.map(Field::text),
                comm: raw.comm.map(Field::text),
                pid: raw.pid.and_then(|f| parse_num(&f.text())),
                priority: raw.priority.and_then(|f| parse_num(&f.text())),
                message,
                message_lossy: lossy,
                line,
            })));
        }
    }
}

/// One field value.
enum Field {
    Text(String),
    Bytes(Vec<u8>),
    /// `null`: journalctl left out a value above its data threshold.
    TooLarge,
}

impl Field {
    fn text(self) -> String {
        match self {
            Field::Text(s) => s,
            Field::Bytes(b) => String::from_utf8_lossy(&b).into_owned(),
            Field::TooLarge => String::new(),
        }
    }
}

impl<'de> de::Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string, an array of bytes, an array of values or null")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
                Ok(Field::Text(v.to_owned()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Field, E> {
                Ok(Field::Text(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Field, E> {
                Ok(Field::TooLarge)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field, E> {
                Ok(Field::Text(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Field, A::Error> {
                // Either bytes ([104, 105]) or repeated values (["a", [104]]): the first
                // occurrence wins, as journalctl's own `-o short` shows the first.
                let mut bytes = Vec::new();
                let mut first: Option<Field> = None;
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
enum Item {
    Byte(u8),
    Value(Field),
}

impl<'de> de::Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Item;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a byte (0-255) or a field value")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Item, E> {
                u8::try_from(v)
                    .map(Item::Byte)
                    .map_err(|_| E::custom(format!("byte value {v} out of range")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Item, E> {
                u8::try_from(v)
                    .map(Item::Byte)
                    .map_err(|_| E::custom(format!("byte value {v} out of range")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Item, E> {
                Ok(Item::Value(Field::Text(v.to_owned())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Item, E> {
                Ok(Item::Value(Field::TooLarge))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Item, A::Error> {
                <Field as de::Deserialize>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(Item::Value)
            }
        }
        d.deserialize_any(V)
    }
}

/// The fields diagnosis needs; every other field is skipped without allocating.
#[derive(Default)]
struct RawEntry {
    message: Option<Field>,
    realtime: Option<Field>,
    hostname: Option<Field>,
    unit: Option<Field>,
    about_unit: Option<Field>,
    identifier: Option<Field>,
    comm: Option<Field>,
    pid: Option<Field>,
    priority: Option<Field>,
}

impl<'de> de::Deserialize<'de> for RawEntry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawEntry;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a journal entry object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawEntry, A::Error> {
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
