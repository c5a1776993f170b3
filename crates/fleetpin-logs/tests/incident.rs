//! The incident journal, diagnosed end to end from `journalctl -o json` lines.

mod common;

use fleetpin_logs::read::{Format, ReadOptions, Reader};
use fleetpin_logs::{CauseDb, Diagnoser, Filter, Miner, MinerOptions, Order, diagnose};

fn diagnose_json(json: &str, order: Order) -> fleetpin_logs::Diagnosis {
    let mut d = Diagnoser::new(MinerOptions::default());
    d.read(
        "incident.json",
        None,
        json.as_bytes(),
        Some(Format::Json),
        ReadOptions::default(),
        &Filter::default(),
    );
    let (db, problems) = CauseDb::builtin();
    assert_eq!(problems, []);
    d.finish(order, &db)
}

/// The library's own mining of one stream, for comparison.
fn mined_as_one(json: &str) -> Vec<(String, String, u64)> {
    let mut reader = Reader::new(json.as_bytes(), Format::Json, ReadOptions::default());
    let mut miner = Miner::new(MinerOptions::default());
    for record in reader.by_ref() {
        if let Ok(entry) = record.unwrap() {
            miner.add(&entry);
        }
    }
    let (db, _) = CauseDb::builtin();
    let d = diagnose(miner.templates(Order::Count), &db, reader.into_stats());
    let mut v: Vec<_> = d
        .causes
        .iter()
        .chain(&d.noise)
        .flat_map(|f| &f.templates)
        .chain(&d.remaining)
        .map(|e| {
            (
                e.template.group.clone(),
                e.template.text.clone(),
                e.template.count,
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn per_host_mining_merges_into_the_same_templates_as_one_stream() {
    let json = common::to_json(&common::incident(40));
    let d = diagnose_json(&json, Order::Count);
    let mut merged: Vec<_> = d
        .causes
        .iter()
        .chain(&d.noise)
        .flat_map(|f| &f.templates)
        .chain(&d.remaining)
        .map(|e| {
            // Per-host counts add up to the template's count.
            assert_eq!(
                e.host_counts.values().sum::<u64>(),
                e.template.count,
                "{e:?}"
            );
            (
                e.template.group.clone(),
                e.template.text.clone(),
                e.template.count,
            )
        })
        .collect();
    merged.sort();
    assert_eq!(merged, mined_as_one(&json));
}

#[test]
fn incident_diagnosis_snapshot() {
    let entries = common::incident(40);
    let d = diagnose_json(&common::to_json(&entries), Order::FirstSeen);
    assert_eq!(d.input.entries as usize, entries.len());
    let ids: Vec<&str> = d.causes.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(
        ids,
        ["docker23-apparmor-missing", "swarm-missing-registry-auth"]
    );
    assert_eq!(d.noise.len(), 1);
    // The noise is most of the journal, collapsed into one line of the report.
    assert!(
        d.noise[0].count as usize > entries.len() / 2,
        "{}",
        d.noise[0].count
    );
    insta::assert_snapshot!(d.to_string());
}

#[test]
fn incident_diagnosis_json_snapshot() {
    let entries = common::incident(6);
    let d = diagnose_json(&common::to_json(&entries), Order::Count);
    insta::assert_json_snapshot!(d);
}

#[test]
fn bad_input_is_counted_by_line_and_the_rest_is_read() {
    let entries = common::incident(2);
    let mut json = common::to_json(&entries);
    let good = entries.len();
    json.push_str("garbage that is not json\n");
    json.push_str("{\"MESSAGE\":[97,98,255,99],\"SYSLOG_IDENTIFIER\":\"dockerd\"}\n");
    json.push_str("{\"MESSAGE\":\"truncated\n");
    json.push_str(&format!("{{\"MESSAGE\":\"{}\"}}\n", "x".repeat(10 << 20)));
    json.push_str("{\"MESSAGE\":\"after all that\",\"SYSLOG_IDENTIFIER\":\"dockerd\"}\n");
    let d = diagnose_json(&json, Order::FirstSeen);
    assert_eq!(d.input.entries as usize, good + 2);
    assert_eq!(d.input.non_utf8, 1);
    let bad: Vec<u64> = d.input.bad_samples.iter().map(|b| b.line).collect();
    let first = good as u64 + 1;
    assert_eq!(bad, [first, first + 2, first + 3]);
    assert!(
        d.input.bad_samples[2].reason.contains("10485774 bytes"),
        "{:?}",
        d.input.bad_samples[2]
    );
    assert!(
        d.remaining
            .iter()
            .any(|t| t.template.text == "after all that")
    );
    assert!(
        d.remaining
            .iter()
            .any(|t| t.template.examples[0].message == "ab\u{fffd}c")
    );
}
