//! Bad input in every format: counted with its line, never stopping the rest.

use fleetpin_logs::read::{Format, ReadOptions, Reader};

fn read(input: &[u8], format: Format) -> (Vec<(u64, String)>, fleetpin_logs::read::ReadStats) {
    let mut reader = Reader::new(input, format, ReadOptions::default());
    let out = reader
        .by_ref()
        .map(|r| match r.unwrap() {
            Ok(e) => (e.line, e.message),
            Err(b) => (b.line, format!("BAD {}", b.reason)),
        })
        .collect();
    (out, reader.into_stats())
}

#[test]
fn a_10_mb_line_in_text_is_skipped_and_reported() {
    let mut input = b"2023-02-20T10:01:02+0000 n1 dockerd[1]: before\n".to_vec();
    input.extend_from_slice(b"2023-02-20T10:01:03+0000 n1 dockerd[1]: ");
    input.extend(std::iter::repeat_n(b'x', 10 << 20));
    input.extend_from_slice(
        b"\n\xff\xfe garbage\n2023-02-20T10:01:04+0000 n1 dockerd[1]: after \xff\n",
    );
    let (out, stats) = read(&input, Format::Text);
    assert_eq!(out[0], (1, "before".into()));
    assert_eq!(out[1].0, 2);
    assert!(
        out[1].1.starts_with("BAD line of 10485800 bytes"),
        "{}",
        out[1].1
    );
    assert_eq!(out[2].0, 3);
    assert!(
        out[2]
            .1
            .starts_with("BAD line does not start with a timestamp"),
        "{}",
        out[2].1
    );
    assert_eq!(out[3], (4, "after \u{fffd}".into()));
    assert_eq!(
        (stats.entries, stats.bad, stats.non_utf8, stats.lines),
        (2, 2, 1, 4)
    );
}

#[test]
fn a_10_mb_field_in_export_is_skipped_and_reported() {
    let mut input = b"MESSAGE=before\n\nMESSAGE=".to_vec();
    input.extend(std::iter::repeat_n(b'x', 10 << 20));
    input.extend_from_slice(b"\nPRIORITY=3\n\nMESSAGE\n");
    input.extend_from_slice(&(11u64 << 20).to_le_bytes());
    input.extend(std::iter::repeat_n(b'y', 11 << 20));
    input.extend_from_slice(b"\n\nMESSAGE=after\n");
    let (out, stats) = read(&input, Format::Export);
    assert_eq!(out[0], (1, "before".into()));
    assert_eq!(out[1].0, 3);
    assert!(
        out[1]
            .1
            .contains("line 3: field of 10485768 bytes is longer than the limit"),
        "{}",
        out[1].1
    );
    assert_eq!(out[2].0, 6);
    assert!(
        out[2]
            .1
            .contains("MESSAGE of 11534336 bytes is longer than the limit"),
        "{}",
        out[2].1
    );
    assert_eq!(out[3], (9, "after".into()));
    assert_eq!((stats.entries, stats.bad), (2, 2));
}

#[test]
fn truncated_export_at_the_end_of_input() {
    let (out, stats) = read(
        b"MESSAGE=one\n\nMESSAGE=two\nPRIORITY=3\nMESS",
        Format::Export,
    );
    assert_eq!(out[0], (1, "one".into()));
    // `MESS` at the end reads as a binary field name whose length is missing.
    assert_eq!(out[1].0, 3);
    assert!(
        out[1].1.contains("line 5: binary field MESS truncated"),
        "{}",
        out[1].1
    );
    assert_eq!(stats.bad, 1);
}

#[test]
fn bad_samples_are_bounded_but_all_are_counted() {
    let input = "garbage\n".repeat(500);
    let mut reader = Reader::new(
        input.as_bytes(),
        Format::Json,
        ReadOptions {
            max_bad_samples: 10,
            ..ReadOptions::default()
        },
    );
    assert_eq!(reader.by_ref().count(), 500);
    let stats = reader.into_stats();
    assert_eq!((stats.bad, stats.bad_samples.len()), (500, 10));
    assert_eq!(stats.bad_samples[9].line, 10);
}
