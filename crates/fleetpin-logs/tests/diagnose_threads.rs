//! `Diagnoser` output does not depend on the number of threads, nor on which host a line came
//! from (issue 12: the per-host merge split one event into one template per host).

mod common;

use fleetpin_logs::read::{Format, ReadOptions, Reader};
use fleetpin_logs::{CauseDb, Diagnoser, Diagnosis, Filter, Miner, MinerOptions, Order};

fn diagnose(input: &[u8], format: Format, order: Order) -> Diagnosis {
    let (db, problems) = CauseDb::builtin();
    assert_eq!(problems, []);
    let mut d = Diagnoser::new(MinerOptions::default());
    d.read(
        "incident",
        None,
        input,
        Some(format),
        ReadOptions::default(),
        &Filter::default(),
    );
    d.finish(order, &db)
}

fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap()
        .install(f)
}

/// `(group, text, count, host counts)` of a template.
type Row = (String, String, u64, Vec<(String, u64)>);

/// Every template, in report order.
fn templates(d: &Diagnosis) -> Vec<Row> {
    d.causes
        .iter()
        .chain(&d.noise)
        .flat_map(|f| &f.templates)
        .chain(&d.remaining)
        .map(|e| {
            (
                e.template.group.clone(),
                e.template.text.clone(),
                e.template.count,
                e.host_counts.iter().map(|(h, n)| (h.clone(), *n)).collect(),
            )
        })
        .collect()
}

#[test]
fn the_diagnosis_is_the_same_on_one_thread_and_on_many() {
    let entries = common::incident(300);
    let json = common::to_json(&entries);
    // Several batches of chunks, so parsing and mining overlap.
    assert!(json.len() > 3 << 20, "{}", json.len());
    let export = common::to_export(&entries);
    for (input, format) in [
        (json.as_bytes(), Format::Json),
        (&export[..], Format::Export),
    ] {
        for order in [Order::FirstSeen, Order::Count] {
            let one = on_threads(1, || diagnose(input, format, order));
            assert_eq!(one.input.entries as usize, entries.len());
            assert_eq!(one.causes.len(), 2);
            let want = serde_json::to_string(&one).unwrap();
            for threads in [2, 3, 8] {
                let many = on_threads(threads, || diagnose(input, format, order));
                assert!(
                    serde_json::to_string(&many).unwrap() == want,
                    "{format:?}, {order:?}, {threads} threads"
                );
                assert_eq!(many.to_string(), one.to_string());
            }
        }
        // And what one miner fed entry by entry gives: same templates, same order.
        let mut reader = Reader::new(input, format, ReadOptions::default());
        let mut miner = Miner::new(MinerOptions::default());
        for record in reader.by_ref() {
            if let Ok(entry) = record.unwrap() {
                miner.add(&entry);
            }
        }
        let sequential: Vec<(String, String, u64)> = miner
            .templates(Order::FirstSeen)
            .into_iter()
            .map(|t| (t.group, t.text, t.count))
            .collect();
        let d = on_threads(4, || diagnose(input, format, Order::FirstSeen));
        let mut got: Vec<_> = d
            .causes
            .iter()
            .chain(&d.noise)
            .flat_map(|f| &f.templates)
            .chain(&d.remaining)
            .map(|e| (e.template.clone(), e.template.first_seq))
            .collect();
        got.sort_by_key(|(t, seq)| (t.first.unwrap_or(u64::MAX), *seq));
        let got: Vec<_> = got
            .into_iter()
            .map(|(t, _)| (t.group, t.text, t.count))
            .collect();
        assert_eq!(got, sequential, "{format:?}");
    }
}

#[test]
fn issue_12_a_template_does_not_depend_on_the_host_of_its_lines() {
    let entries = common::incident(20);
    let base = diagnose(
        common::to_json(&entries).as_bytes(),
        Format::Json,
        Order::Count,
    );
    // The same lines from other hosts: every line from one host, or the hosts rotated.
    let solo = |_: &str| "solo";
    let rotate = |h: &str| match h {
        "node1" => "node2",
        "node2" => "node3",
        _ => "node1",
    };
    let renames: [&dyn Fn(&str) -> &'static str; 2] = [&solo, &rotate];
    for rename in renames {
        let moved: Vec<common::Gen> = entries
            .iter()
            .map(|e| common::Gen {
                host: rename(&e.host).to_owned(),
                ..e.clone()
            })
            .collect();
        let d = diagnose(
            common::to_json(&moved).as_bytes(),
            Format::Json,
            Order::Count,
        );
        let strip = |d: &Diagnosis| {
            templates(d)
                .into_iter()
                .map(|(g, t, n, hosts)| {
                    assert_eq!(hosts.iter().map(|(_, n)| n).sum::<u64>(), n);
                    (g, t, n)
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&d), strip(&base));
    }
}

#[test]
fn issue_12_one_source_per_host_gives_one_template_per_event() {
    // Each host's journal names only its own node (`swarm-w0(id)`): mined per host and then
    // merged, a host's template could differ from the others'; mined together they are one.
    let ids = [
        "ere4pasfck1d",
        "heu5oztljlms",
        "q2oxrtvbnmas",
        "plok9juhygtf",
    ];
    let (db, _) = CauseDb::builtin();
    let mut all = Diagnoser::new(MinerOptions::default());
    for (i, id) in ids.iter().enumerate() {
        let host = format!("swarm-w{i}");
        let mut text = String::new();
        for s in 0..3 {
            text.push_str(&format!(
                "2023-02-20T22:0{s}:0{i}+0000 {host} dockerd[812]: NetworkDB stats {host}({id}) - netID:hu5y8dsktllh7qmewm64umm8f leaving:false netPeers:3 entries:{} Queue qLen:0 netMsg/s:3\n",
                20 + s
            ));
        }
        // One diagnoser per source, merged in order, as `fleetpin diagnose DIR` reads them.
        let mut d = Diagnoser::new(MinerOptions::default());
        d.read(
            &format!("{host}.log"),
            Some(&host),
            text.as_bytes(),
            None,
            ReadOptions::default(),
            &Filter::default(),
        );
        all.merge(d);
    }
    let d = all.finish(Order::FirstSeen, &db);
    let t = templates(&d);
    assert_eq!(t.len(), 1, "{t:#?}");
    assert_eq!(t[0].2, 12);
    assert_eq!(
        t[0].3,
        (0..4)
            .map(|i| (format!("swarm-w{i}"), 3))
            .collect::<Vec<_>>()
    );
    assert_eq!(d.hosts.len(), 4);
}
