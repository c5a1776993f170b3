//! Throughput of the Dockerfile and shell front ends: parse + model + analyse every RUN of a
//! large Dockerfile, and analyse one long continued `RUN` line.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn big_dockerfile() -> String {
    let one = include_str!("../tests/fixtures/mixed.Dockerfile");
    // 100 copies: ~4,000 lines, 500 RUN scripts.
    one.repeat(100)
}

fn long_run() -> String {
    let mut s = String::from(
        "apt-get update \\\n && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\\n",
    );
    for i in 0..200 {
        s.push_str(&format!("      package-{i}=1.{i}.0-1+deb12u1 \\\n"));
    }
    s.push_str(" && curl -fsSL https://example.com/install.sh | sudo bash -s -- --version 1.2.3 \\\n && pip install 'x>=1' y==2 \\\n && rm -rf /var/lib/apt/lists/*");
    s
}

fn bench(c: &mut Criterion) {
    let df = big_dockerfile();
    let mut g = c.benchmark_group("dockerfile");
    g.throughput(Throughput::Bytes(df.len() as u64));
    g.bench_function("parse", |b| {
        b.iter(|| fleetpin_dockerfile::parse(black_box(&df)))
    });
    g.bench_function("parse+model+analyze", |b| {
        b.iter(|| {
            let parsed = fleetpin_dockerfile::parse(black_box(&df));
            let m = parsed.model();
            m.runs
                .iter()
                .map(|r| r.analyze().installs.len())
                .sum::<usize>()
        })
    });
    g.finish();
    let run = long_run();
    let mut g = c.benchmark_group("shell");
    g.throughput(Throughput::Bytes(run.len() as u64));
    g.bench_function("analyze-long-run", |b| {
        b.iter(|| fleetpin_shell::analyze(black_box(&run), &fleetpin_shell::NoVars))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
