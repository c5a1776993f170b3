//! `cargo bench -p fleetpin-logs --bench causes`: attributing journal lines to causes.
//!
//! The input is every fixture line of `tests/causes/` (match and near-miss lines of all
//! causes) plus the udev/bridge flood that dominates a real incident journal, repeated to
//! 100,000 lines. `classify` runs one `RegexSet` per program over each line, `classify_naive`
//! (the same answers) every pattern in turn, for a same-run ratio; `first_match` tests each
//! cause's patterns in turn on a one-line template, as template-level attribution does.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fleetpin_logs::read::{ReadOptions, Reader};
use fleetpin_logs::{CauseDb, Entry, Miner, MinerOptions, Order};

fn lines() -> Vec<Entry> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/causes");
    let mut text = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for d in dirs {
        for f in ["match.log", "near-miss.log"] {
            text.extend(std::fs::read(d.join(f)).unwrap());
        }
    }
    // The flood: nine of ten lines of the incident journal are udev/bridge lines.
    for i in 0..2000 {
        text.extend(
            format!(
                "2023-02-20T10:00:00+0000 node-w2 kernel: docker_gwbridge: port {}(veth{i:07x}) \
                 entered blocking state\n2023-02-20T10:00:00+0000 node-w2 systemd-udevd[250]: \
                 veth{i:07x}: Could not generate persistent MAC: No data available\n",
                i % 8
            )
            .bytes(),
        );
    }
    let mut reader = Reader::detect(text.as_slice(), ReadOptions::default()).unwrap();
    let base: Vec<Entry> = reader.by_ref().map(|r| r.unwrap().unwrap()).collect();
    base.iter().cycle().take(100_000).cloned().collect()
}

fn bench(c: &mut Criterion) {
    let (db, problems) = CauseDb::builtin();
    assert!(problems.is_empty());
    let entries = lines();
    let mut g = c.benchmark_group("causes");
    g.throughput(Throughput::Elements(entries.len() as u64));
    g.sample_size(10);
    g.bench_function("classify_100k_lines", |b| {
        b.iter(|| {
            entries
                .iter()
                .filter(|e| db.classify(black_box(e)).is_some())
                .count()
        })
    });
    g.bench_function("classify_naive_100k_lines", |b| {
        b.iter(|| {
            entries
                .iter()
                .filter(|e| db.classify_naive(black_box(e)).is_some())
                .count()
        })
    });
    let templates: Vec<_> = entries
        .iter()
        .take(10_000)
        .map(|e| {
            let mut m = Miner::new(MinerOptions::default());
            m.add(e);
            m.templates(Order::FirstSeen).remove(0)
        })
        .collect();
    g.throughput(Throughput::Elements(templates.len() as u64));
    g.bench_function("first_match_10k_templates", |b| {
        b.iter(|| {
            templates
                .iter()
                .filter(|t| db.first_match(black_box(t)).is_some())
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
