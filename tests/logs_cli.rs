//! `fleetpin logs templates` as a user runs it: every output format on a syslog file, a
//! journal JSON export and bare messages; bad input reported with its file and line.

mod common;

use common::{fleetpin, snapshot_text, write};

const SYSLOG: &str = "\
2023-02-20T10:00:00+0000 node1 kernel: docker_gwbridge: port 3(vethdfde4fb) entered blocking state
2023-02-20T10:00:00+0000 node1 kernel: device vethdfde4fb entered promiscuous mode
2023-02-20T10:00:01+0000 node2 kernel: docker_gwbridge: port 2(veth82267ba) entered blocking state
2023-02-20T10:00:01+0000 node2 kernel: device veth82267ba entered promiscuous mode
2023-02-20T10:00:02+0000 node1 sshd[812]: Failed password for invalid user alice from 10.0.0.7 port 40022 ssh2
2023-02-20T10:00:03+0000 node1 sshd[812]: Failed password for invalid user bob from 10.0.0.8 port 40023 ssh2
2023-02-20T10:00:04+0000 node2 sshd[907]: Failed password for invalid user carol from 10.0.0.9 port 40024 ssh2
2023-02-20T10:00:05+0000 node2 dockerd[700]: time=\"2023-02-20T10:00:05.1Z\" level=error msg=\"fatal task error\" error=\"No such image: registry.example.org/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"
2023-02-20T10:00:06+0000 node1 kernel: device vethdfde4fb left promiscuous mode
2023-02-20T10:00:07+0000 node3 dockerd[701]: time=\"2023-02-20T10:00:07.2Z\" level=error msg=\"fatal task error\" error=\"No such image: registry.example.org/app@sha256:fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210\"
";

#[test]
fn text_lists_templates_by_first_occurrence_or_count() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "syslog", SYSLOG);
    let first = fleetpin(dir.path(), &["logs", "templates", "syslog"]);
    insta::assert_snapshot!("text_first_seen", snapshot_text(&first, dir.path()));
    let count = fleetpin(
        dir.path(),
        &["logs", "templates", "--sort", "count", "syslog"],
    );
    insta::assert_snapshot!("text_by_count", snapshot_text(&count, dir.path()));
    assert_eq!((first.code, count.code), (0, 0));
}

#[test]
fn jsonl_per_line_gives_every_line_its_template() {
    let dir = tempfile::tempdir().unwrap();
    // Bare messages (`--content-only`): the shape log-parser benchmarks feed, headers gone.
    write(
        dir.path(),
        "messages",
        "PacketResponder 1 for block blk_38865049064139660 terminating\n\
         Receiving block blk_-1608999687919862906 src: /10.250.19.102:54106 dest: /10.250.19.102:50010\n\
         PacketResponder 0 for block blk_-6952295868487656571 terminating\n\
         Verification succeeded for blk_-4980916519894289629\n\
         Receiving block blk_7503483334202473044 src: /10.251.215.16:55695 dest: /10.251.215.16:50010\n",
    );
    let r = fleetpin(
        dir.path(),
        &[
            "logs",
            "templates",
            "--content-only",
            "--format",
            "jsonl",
            "--per-line",
            "messages",
        ],
    );
    insta::assert_snapshot!("jsonl_per_line", snapshot_text(&r, dir.path()));
    let rows: Vec<serde_json::Value> = r
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<u64> = rows.iter().map(|v| v["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [0, 1, 0, 2, 1]);
    let lines: Vec<u64> = rows.iter().map(|v| v["line"].as_u64().unwrap()).collect();
    assert_eq!(lines, [1, 2, 3, 4, 5]);

    // Without --per-line: one object per template, ids matching the per-line ids.
    let t = fleetpin(
        dir.path(),
        &[
            "logs",
            "templates",
            "--content-only",
            "--format",
            "jsonl",
            "messages",
        ],
    );
    let templates: Vec<serde_json::Value> = t
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(templates.len(), 3);
    for row in &rows {
        let id = row["id"].as_u64().unwrap() as usize;
        assert_eq!(templates[id]["id"], row["id"]);
        assert_eq!(templates[id]["text"], row["template"]);
    }
}

#[test]
fn json_document_carries_its_schema_and_input_counts() {
    let dir = tempfile::tempdir().unwrap();
    let journal = concat!(
        r#"{"__REALTIME_TIMESTAMP":"1676887262000000","_HOSTNAME":"node1","SYSLOG_IDENTIFIER":"systemd-udevd","PRIORITY":"3","_SYSTEMD_UNIT":"systemd-udevd.service","MESSAGE":"veth1a2b3c4: Could not generate persistent MAC: No data available"}"#,
        "\n",
        "{\"MESSAGE\": truncated\n",
        r#"{"__REALTIME_TIMESTAMP":"1676887263000000","_HOSTNAME":"node2","SYSLOG_IDENTIFIER":"systemd-udevd","PRIORITY":"3","_SYSTEMD_UNIT":"systemd-udevd.service","MESSAGE":"veth9f8e7d6: Could not generate persistent MAC: No data available"}"#,
        "\n",
    );
    write(dir.path(), "journal.json", journal);
    let r = fleetpin(
        dir.path(),
        &["logs", "templates", "--format", "json", "journal.json"],
    );
    insta::assert_snapshot!("json_document", snapshot_text(&r, dir.path()));
    let v: serde_json::Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(v["schema"]["name"], "fleetpin-log-templates");
    assert_eq!(v["schema"]["version"], 1);
    assert_eq!(v["inputs"][0]["entries"], 2);
    assert_eq!(v["inputs"][0]["bad"], 1);
    assert_eq!(v["inputs"][0]["bad_samples"][0]["line"], 2);
    assert_eq!(v["templates"][0]["count"], 2);
    assert_eq!(r.code, 0);
}

#[test]
fn bad_input_is_named_and_the_rest_is_mined() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "syslog", SYSLOG);
    std::fs::write(
        dir.path().join("binary"),
        [0u8, 159, 146, 150, 255, 10, 1, 2, 3],
    )
    .unwrap();
    write(dir.path(), "empty", "");
    // A missing file and a binary file next to a good one: warnings, the good one mined.
    let r = fleetpin(
        dir.path(),
        &[
            "logs",
            "templates",
            "missing.log",
            "binary",
            "syslog",
            "empty",
        ],
    );
    insta::assert_snapshot!("bad_input", snapshot_text(&r, dir.path()));
    assert_eq!(r.code, 0);
    // Nothing readable at all: exit 2.
    let r = fleetpin(dir.path(), &["logs", "templates", "missing.log", "binary"]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    // An empty input is not an error: nothing to mine.
    let r = fleetpin(dir.path(), &["logs", "templates", "empty"]);
    assert_eq!((r.code, r.stdout.as_str()), (0, ""));
    // --per-line prints JSON lines only.
    let r = fleetpin(dir.path(), &["logs", "templates", "--per-line", "syslog"]);
    insta::assert_snapshot!("per_line_needs_jsonl", snapshot_text(&r, dir.path()));
    assert_eq!(r.code, 2);
}
