//! The real journal as the oracle: the incident is written to a `.journal` file by
//! systemd-journal-remote, and what `journalctl` prints of it as JSON, export and short-iso
//! text must read back as the same entries (and the same diagnosis).
//!
//! Skips with a note when the tools are missing; fails instead with
//! `FLEETPIN_REQUIRE_ORACLES=1` (CI). Debian package: `systemd-journal-remote`.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fleetpin_logs::read::{Format, ReadOptions, Reader};
use fleetpin_logs::{CauseDb, Entry, MinerOptions, Order, diagnose_input};

fn write_journal(remote: &Path, export: &[u8], out: &Path) {
    let mut child = Command::new(remote)
        .arg(format!("--output={}", out.display()))
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run systemd-journal-remote");
    child.stdin.take().unwrap().write_all(export).unwrap();
    let result = child.wait_with_output().unwrap();
    assert!(
        result.status.success(),
        "systemd-journal-remote: {}",
        String::from_utf8_lossy(&result.stderr)
    );
}

/// `export` written to a real `.journal` file by systemd-journal-remote (the file lives as long
/// as the returned temp dir), or `None` when the tools are missing and tests may skip.
fn real_journal(export: &[u8]) -> Option<(tempfile::TempDir, PathBuf)> {
    let remote = common::journal_remote()?;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("test.journal");
    write_journal(&remote, export, &file);
    Some((dir, file))
}

fn journalctl(file: &Path, mode: &str) -> Vec<u8> {
    let out = Command::new("journalctl")
        .env("TZ", "UTC")
        .args(["--no-pager", "--file"])
        .arg(file)
        .args(["-o", mode])
        .output()
        .expect("run journalctl");
    assert!(
        out.status.success(),
        "journalctl -o {mode}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

fn read_all(bytes: &[u8], format: Format) -> Vec<Entry> {
    let mut reader = Reader::new(bytes, format, ReadOptions::default());
    let entries: Vec<Entry> = reader
        .by_ref()
        .map(|r| r.unwrap().expect("no bad records"))
        .collect();
    assert_eq!(reader.stats().bad, 0, "{:?}", reader.stats().bad_samples);
    entries
}

/// The fields a format carries: text has no unit, no priority, no _COMM, and no line numbers
/// in common with the others.
fn as_text_sees(e: &Entry) -> Entry {
    Entry {
        unit: None,
        about_unit: None,
        priority: None,
        comm: None,
        line: 0,
        ..e.clone()
    }
}

#[test]
fn json_export_and_text_read_the_same_entries_from_a_real_journal() {
    let generated = common::incident(5);
    let Some((_dir, file)) = real_journal(&common::to_export(&generated)) else {
        return;
    };

    let json = read_all(&journalctl(&file, "json"), Format::Json);
    let export = read_all(&journalctl(&file, "export"), Format::Export);
    let text = read_all(&journalctl(&file, "short-iso-precise"), Format::Text);
    let short = read_all(&journalctl(&file, "short-iso"), Format::Text);
    // `-o short-precise` (`Feb 20 10:01:02.137000`): the year comes from the reader's options.
    let precise = {
        let printed = journalctl(&file, "short-precise");
        let options = ReadOptions {
            syslog_year: Some(2023),
            ..ReadOptions::default()
        };
        let mut reader = Reader::new(&printed[..], Format::Text, options);
        let entries: Vec<Entry> = reader.by_ref().map(|r| r.unwrap().unwrap()).collect();
        assert_eq!(reader.stats().bad, 0);
        entries
    };
    assert_eq!(json.len(), generated.len());

    for (i, g) in generated.iter().enumerate() {
        let e = &json[i];
        assert_eq!(
            (
                e.timestamp_us,
                e.host.as_deref(),
                e.identifier.as_deref(),
                e.unit.as_deref(),
                e.priority,
                e.message.as_str()
            ),
            (
                Some(g.ts),
                Some(g.host.as_str()),
                Some(g.ident),
                g.unit,
                Some(g.priority),
                g.message.as_str()
            ),
            "entry {i}"
        );
        assert_eq!(e.pid, (g.pid != 0).then_some(g.pid));
        assert_eq!(
            Entry {
                line: 0,
                ..export[i].clone()
            },
            Entry {
                line: 0,
                ..e.clone()
            },
            "export entry {i}"
        );
        assert_eq!(
            as_text_sees(&text[i]),
            as_text_sees(e),
            "short-iso-precise entry {i}"
        );
        // short-iso has whole seconds.
        let whole = Entry {
            timestamp_us: e.timestamp_us.map(|t| t / 1_000_000 * 1_000_000),
            ..as_text_sees(e)
        };
        assert_eq!(as_text_sees(&short[i]), whole, "short-iso entry {i}");
        assert_eq!(
            as_text_sees(&precise[i]),
            as_text_sees(e),
            "short-precise entry {i}"
        );
    }
}

#[test]
fn the_diagnosis_of_the_real_journal_matches_the_snapshot() {
    let generated = common::incident(40);
    let Some((_dir, file)) = real_journal(&common::to_export(&generated)) else {
        return;
    };
    let printed = journalctl(&file, "json");
    assert_eq!(Format::detect(&printed), Format::Json);
    let (db, _) = CauseDb::builtin();
    let d = diagnose_input(
        &printed[..],
        ReadOptions::default(),
        MinerOptions::default(),
        Order::FirstSeen,
        &db,
    )
    .unwrap();
    // The same report as incident.rs's snapshot of the generated JSON.
    let snap = include_str!("snapshots/incident__incident_diagnosis_snapshot.snap");
    let body = snap.splitn(3, "---\n").nth(2).unwrap();
    assert_eq!(d.to_string().trim_end(), body.trim_end());
}

#[test]
fn binary_messages_through_the_real_journal() {
    let mut export = b"__REALTIME_TIMESTAMP=1676887262000000\n__MONOTONIC_TIMESTAMP=1\n_BOOT_ID=0123456789abcdef0123456789abcdef\n_HOSTNAME=n1\nSYSLOG_IDENTIFIER=dockerd\nPRIORITY=3\nMESSAGE\n".to_vec();
    let message = b"bad \xff\xfe bytes\nsecond line";
    export.extend_from_slice(&(message.len() as u64).to_le_bytes());
    export.extend_from_slice(message);
    export.extend_from_slice(b"\n\n");
    let Some((_dir, file)) = real_journal(&export) else {
        return;
    };
    let json = read_all(&journalctl(&file, "json"), Format::Json);
    let exp = read_all(&journalctl(&file, "export"), Format::Export);
    let want = String::from_utf8_lossy(message);
    for e in [&json[0], &exp[0]] {
        assert_eq!((e.message.as_str(), e.message_lossy), (want.as_ref(), true));
    }
    // journalctl's text output shows a placeholder for binary data, which reads as a message.
    let text = read_all(&journalctl(&file, "short-iso"), Format::Text);
    assert_eq!(text.len(), 1);
    assert_eq!(text[0].identifier.as_deref(), Some("dockerd"));
}

#[test]
fn all_three_formats_give_the_same_templates_and_causes() {
    let generated = common::incident(20);
    let Some((_dir, file)) = real_journal(&common::to_export(&generated)) else {
        return;
    };
    let (db, _) = CauseDb::builtin();
    let summaries: Vec<Vec<(String, String, String, u64)>> =
        ["json", "export", "short-iso-precise"]
            .into_iter()
            .map(|mode| {
                let printed = journalctl(&file, mode);
                let d = diagnose_input(
                    &printed[..],
                    ReadOptions::default(),
                    MinerOptions::default(),
                    Order::FirstSeen,
                    &db,
                )
                .unwrap();
                assert_eq!(d.input.bad, 0, "{mode}: {:?}", d.input.bad_samples);
                let found = d.causes.iter().chain(&d.noise).flat_map(|f| {
                    f.templates
                        .iter()
                        .map(|e| &e.template)
                        .map(move |t| (f.id.clone(), t.group.clone(), t.text.clone(), t.count))
                });
                let rest = d
                    .remaining
                    .iter()
                    .map(|e| &e.template)
                    .map(|t| ("-".to_owned(), t.group.clone(), t.text.clone(), t.count));
                found.chain(rest).collect()
            })
            .collect();
    assert!(summaries[0].len() > 10);
    assert_eq!(summaries[0], summaries[1], "json vs export");
    assert_eq!(summaries[0], summaries[2], "json vs short-iso-precise");
}
