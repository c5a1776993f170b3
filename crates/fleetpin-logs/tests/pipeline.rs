//! The parallel pipeline gives exactly what the sequential reader + miner give, whatever the
//! chunk size: same entries (line numbers included), same bad records, same templates and
//! the same template for every line — for text with continuation lines, JSON, export, bare
//! messages, and inputs with an over-long line or garbage in the middle.

mod common;

use fleetpin_logs::pipeline::{self, InputKind};
use fleetpin_logs::read::{Format, ReadOptions, ReadStats, Reader};
use fleetpin_logs::{Miner, MinerOptions, Order, Template, format_timestamp};

/// What one run produced: per input record, the entry line and template text (or the bad
/// record's line and reason), the template list and the counts.
type Run = (Vec<(u64, Result<String, String>)>, Vec<Template>, ReadStats);

fn sequential(input: &[u8], format: Format, options: &ReadOptions) -> Run {
    sequential_with(input, format, options, MinerOptions::default())
}

fn sequential_with(
    input: &[u8],
    format: Format,
    options: &ReadOptions,
    mining: MinerOptions,
) -> Run {
    let mut reader = Reader::new(input, format, options.clone());
    let mut miner = Miner::new(mining);
    let mut ids = Vec::new();
    while let Some(record) = reader.next_record().unwrap() {
        match record {
            Ok(entry) => ids.push((entry.line, Ok(miner.add_with_id(&entry)))),
            Err(bad) => ids.push((bad.line, Err(bad.reason))),
        }
    }
    resolve(&miner, ids, reader.into_stats())
}

fn parallel(input: &[u8], kind: InputKind, options: &ReadOptions, chunk: usize) -> Run {
    parallel_with(input, kind, options, chunk, MinerOptions::default())
}

fn parallel_with(
    input: &[u8],
    kind: InputKind,
    options: &ReadOptions,
    chunk: usize,
    mining: MinerOptions,
) -> Run {
    let mut miner = Miner::new(mining);
    let mut ids = Vec::new();
    let stats = pipeline::mine_chunked(input, kind, options, chunk, &mut miner, |r| {
        ids.push(match r {
            Ok((line, id)) => (line, Ok(id)),
            Err(bad) => (bad.line, Err(bad.reason.clone())),
        });
    })
    .unwrap();
    resolve(&miner, ids, stats)
}

fn resolve(
    miner: &Miner,
    ids: Vec<(u64, Result<fleetpin_logs::TemplateId, String>)>,
    stats: ReadStats,
) -> Run {
    let (list, index) = miner.templates_indexed(Order::Count);
    let lines = ids
        .into_iter()
        .map(|(line, id)| (line, id.map(|id| list[index.get(id).unwrap()].text.clone())))
        .collect();
    (lines, list, stats)
}

fn assert_same(input: &[u8], format: Format, options: &ReadOptions) -> Run {
    let want = sequential(input, format, options);
    assert!(!want.0.is_empty());
    for chunk in [1, 7, 300, 4096, 1 << 20] {
        for kind in [InputKind::Journal(Some(format)), InputKind::Journal(None)] {
            let got = parallel(input, kind, options, chunk);
            assert_eq!(got.0, want.0, "lines, chunk {chunk}, {kind:?}");
            assert_eq!(got.1, want.1, "templates, chunk {chunk}, {kind:?}");
            assert_eq!(got.2, want.2, "stats, chunk {chunk}, {kind:?}");
        }
    }
    want
}

/// `journalctl -o short-iso-precise` text: continuation lines of multi-line messages
/// indented under the message column, as journalctl prints them.
fn to_text(entries: &[common::Gen]) -> String {
    let mut out = String::new();
    for e in entries {
        let stamp = format_timestamp(e.ts).replace('Z', "+0000");
        let head = format!("{stamp} {} {}[{}]: ", e.host, e.ident, e.pid);
        let indent = " ".repeat(head.len());
        for (i, line) in e.message.split('\n').enumerate() {
            if i == 0 {
                out.push_str(&head);
            } else {
                out.push_str(&indent);
            }
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn text_with_continuation_lines_is_mined_as_sequentially() {
    let mut entries = common::incident(6);
    // Go panics and Python tracebacks: journalctl indents their continuation lines.
    for i in (0..entries.len()).step_by(37) {
        entries[i].message =
            format!("panic: runtime error {i}\n  goroutine {i} [running]:\n  main.go:{i}");
    }
    let text = to_text(&entries);
    assert!(text.contains("\n   "), "multi-line messages");
    let (lines, templates, stats) =
        assert_same(text.as_bytes(), Format::Text, &ReadOptions::default());
    assert_eq!(stats.entries as usize, entries.len());
    assert_eq!(stats.bad, 0);
    assert_eq!(lines.len(), entries.len());
    assert!(
        templates
            .iter()
            .any(|t| t.text.contains("apparmor failed to apply profile"))
    );
}

/// With drain3's similarity (over all positions, no masking) templates gain wildcards and new
/// clusters appear as lines arrive, so one message can go to one cluster and, repeated later
/// in the same chunk, to another: the pipeline places each distinct message of a chunk once and
/// again after every change of the clustering, and gives every line the template the
/// entry-by-entry miner gives it.
#[test]
fn a_message_that_changes_cluster_within_a_chunk_is_mined_as_sequentially() {
    let mining = || MinerOptions {
        drain: fleetpin_logs::drain::DrainOptions {
            sim_th: 0.5,
            ..Default::default()
        },
        mask: false,
        merge_values: 0,
        ..MinerOptions::default()
    };
    let mut text = String::new();
    for host in 0..40 {
        // `a b c d e` joins the first cluster, which `a b c q r` widened to `a b c <*> <*>`
        // (3 of 5); once `a b x d e` made its own cluster (2 of 5 < 0.5), it goes there (4 of 5).
        for m in [
            "a b c d e",
            "a b c q r",
            "a b c d e",
            "a b x d e",
            "a b c d e",
        ] {
            text.push_str(&format!(
                "2023-02-20T10:00:00+0000 node{host} app{host}[1]: {m}\n"
            ));
        }
    }
    let options = ReadOptions::default();
    let want = sequential_with(text.as_bytes(), Format::Text, &options, mining());
    assert_ne!(want.0[2].1, want.0[4].1, "{:?}", &want.0[..5]);
    for chunk in [1, 300, 4096, 1 << 20] {
        let got = parallel_with(
            text.as_bytes(),
            InputKind::Journal(None),
            &options,
            chunk,
            mining(),
        );
        assert_eq!(got.0, want.0, "lines, chunk {chunk}");
        assert_eq!(got.1, want.1, "templates, chunk {chunk}");
    }
}

#[test]
fn json_and_export_are_mined_as_sequentially() {
    let entries = common::incident(4);
    let json = common::to_json(&entries);
    let (_, templates, stats) = assert_same(json.as_bytes(), Format::Json, &ReadOptions::default());
    assert_eq!(stats.entries as usize, entries.len());
    let export = common::to_export(&entries);
    let (_, export_templates, export_stats) =
        assert_same(&export, Format::Export, &ReadOptions::default());
    assert_eq!(export_stats.entries, stats.entries);
    let texts = |t: &[Template]| {
        t.iter()
            .map(|t| (t.text.clone(), t.count))
            .collect::<Vec<_>>()
    };
    assert_eq!(texts(&export_templates), texts(&templates));
}

#[test]
fn long_lines_and_garbage_are_reported_at_their_line_and_the_rest_is_mined() {
    let entries = common::incident(2);
    let mut json = common::to_json(&entries[..10]);
    json.push_str("{\"MESSAGE\": \"truncated\n");
    json.push_str(&"x".repeat(5000));
    json.push('\n');
    json.push_str("\u{0}\u{1}binary\u{ff}garbage\n");
    json.push_str(&common::to_json(&entries[10..]));
    let options = ReadOptions {
        max_line: 1000,
        ..ReadOptions::default()
    };
    let (lines, _, stats) = assert_same(json.as_bytes(), Format::Json, &options);
    assert_eq!(stats.entries as usize, entries.len());
    let bad: Vec<u64> = lines
        .iter()
        .filter(|(_, r)| r.is_err())
        .map(|(l, _)| *l)
        .collect();
    assert_eq!(bad, [11, 12, 13]);
    assert!(lines.iter().any(|(l, r)| *l == 14 && r.is_ok()));
}

#[test]
fn a_line_longer_than_four_chunks_is_skipped_whole() {
    let mut text = String::from("2023-02-20T10:00:00+0000 n1 a[1]: first 1\n");
    text.push_str("2023-02-20T10:00:01+0000 n1 a[1]: ");
    text.push_str(&"y".repeat(100_000));
    text.push('\n');
    text.push_str("2023-02-20T10:00:02+0000 n1 a[1]: first 2\n");
    let options = ReadOptions {
        max_line: 1000,
        ..ReadOptions::default()
    };
    let want = sequential(text.as_bytes(), Format::Text, &options);
    // Chunks of 100 bytes: the long line spans far more than four of them.
    let got = parallel(text.as_bytes(), InputKind::Journal(None), &options, 100);
    assert_eq!(got.0, want.0);
    assert_eq!(
        got.0
            .iter()
            .map(|(l, r)| (*l, r.is_ok()))
            .collect::<Vec<_>>(),
        [(1, true), (2, false), (3, true)]
    );
    assert_eq!(got.1[0].text, "first <*>");
    assert_eq!(got.1[0].count, 2);
}

#[test]
fn bare_messages_keep_their_line_numbers() {
    let bytes: &[u8] =
        b"user alice logged in\n\nuser bob logged in\r\nbad \xff\xfe\nuser carol logged in";
    let mut runs = Vec::new();
    for chunk in [1, 5, 1 << 20] {
        runs.push(parallel(
            bytes,
            InputKind::Content,
            &ReadOptions::default(),
            chunk,
        ));
    }
    assert!(
        runs.windows(2)
            .all(|w| w[0].0 == w[1].0 && w[0].1 == w[1].1)
    );
    let (lines, templates, stats) = runs.pop().unwrap();
    assert_eq!(stats.entries, 5);
    assert_eq!(stats.non_utf8, 1);
    assert_eq!(stats.lines, 5);
    let lines: Vec<(u64, String)> = lines.into_iter().map(|(l, r)| (l, r.unwrap())).collect();
    assert_eq!(
        lines,
        [
            (1, "user <*> logged in".to_owned()),
            (2, String::new()),
            (3, "user <*> logged in".to_owned()),
            (4, "bad \u{fffd}\u{fffd}".to_owned()),
            (5, "user <*> logged in".to_owned()),
        ]
    );
    // Three users on one line each: one template once merged.
    assert_eq!(templates.len(), 3);
    assert_eq!(templates[0].count, 3);
}

/// `-o json` values the chunk parser borrows from the input where it can: escaped strings,
/// byte arrays (valid and invalid UTF-8), repeated fields, `null` (a value above journalctl's
/// threshold), entries without `MESSAGE` (counted, skipped), `-o json-seq`'s RS and CRLF line
/// ends — read exactly as the streaming reader reads them.
#[test]
fn json_values_of_every_shape_are_read_as_sequentially() {
    let mut json = String::new();
    for i in 0..50 {
        let ts = 1_676_887_262_000_000u64 + i * 1000;
        json.push_str(&format!(
            "{{\"__REALTIME_TIMESTAMP\":\"{ts}\",\"_HOSTNAME\":\"node{}\",\"SYSLOG_IDENTIFIER\":\"dockerd\",\"PRIORITY\":\"3\",\"_PID\":\"{}\",\"MESSAGE\":\"level=error msg=\\\"pull access denied\\\" task\\u00e9 {i}\\tx\"}}\n",
            i % 3,
            800 + i
        ));
        json.push_str(&format!(
            "{{\"_HOSTNAME\":[110,{}],\"SYSLOG_IDENTIFIER\":[\"kernel\",\"other\"],\"MESSAGE\":[98,108,107,95,{}]}}\r\n",
            48 + i % 5,
            if i % 7 == 0 { 255 } else { 49 }
        ));
        json.push_str("\u{1e}{\"MESSAGE\":null,\"_SYSTEMD_UNIT\":\"docker.service\",\"UNIT\":\"a.service\"}\n");
        json.push_str("{\"_HOSTNAME\":\"node1\",\"PRIORITY\":\"6\"}\n\n");
    }
    let (lines, _, stats) = assert_same(json.as_bytes(), Format::Json, &ReadOptions::default());
    assert_eq!(stats.entries, 150);
    assert_eq!(stats.without_message, 50);
    assert_eq!(stats.non_utf8, 8);
    assert_eq!(lines.len(), 150);
}
