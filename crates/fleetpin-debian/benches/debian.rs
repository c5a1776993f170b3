//! `cargo bench -p fleetpin-debian`: parsing bookworm main's Packages (from this machine's
//! apt lists), comparing version pairs and sorting every version of the list. The peer
//! comparison (rg, apt's pkgTagFile, dpkg's C comparison) is bench/debian/run.sh.
#![allow(clippy::print_stderr)]

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fleetpin_debian::Version;
use fleetpin_debian::control::{parse_packages, stream_packages};

fn packages_text() -> Option<String> {
    let dir = std::env::var_os("FLEETPIN_APT_LISTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/var/lib/apt/lists"));
    let path = std::fs::read_dir(&dir)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.contains("_debian_dists_bookworm_main_binary-") && n.contains("_Packages")
            })
        })?;
    let data = fleetpin_debian::compress::read_file(&path).ok()?;
    String::from_utf8(data).ok()
}

fn bench(c: &mut Criterion) {
    let Some(text) = packages_text() else {
        eprintln!("no bookworm main Packages in the apt lists: skipping");
        return;
    };
    let mut g = c.benchmark_group("packages");
    g.throughput(Throughput::Bytes(text.len() as u64));
    g.sample_size(20);
    g.bench_function("parse_packages (in memory)", |b| {
        b.iter(|| black_box(parse_packages(black_box(&text)).0.len()))
    });
    g.bench_function("stream_packages (1 MiB buffer)", |b| {
        b.iter(|| {
            let mut n = 0usize;
            stream_packages(text.as_bytes(), 1 << 20, |_| n += 1, |_| {}).unwrap();
            black_box(n)
        })
    });
    g.finish();

    let (recs, _) = parse_packages(&text);
    let versions: Vec<Version> = recs
        .iter()
        .map(|r| Version::parse(r.version).unwrap())
        .collect();
    let mut g = c.benchmark_group("versions");
    g.bench_function(format!("sort all {} versions", versions.len()), |b| {
        b.iter_batched(
            || versions.clone(),
            |mut v| {
                v.sort();
                black_box(v)
            },
            criterion::BatchSize::LargeInput,
        )
    });
    let n = versions.len();
    let pairs: Vec<(usize, usize)> = (0..100_000)
        .map(|i| ((i * 7919) % n, (i * 104_729 + 13) % n))
        .collect();
    g.throughput(Throughput::Elements(pairs.len() as u64));
    g.bench_function("compare 100k parsed pairs", |b| {
        b.iter(|| {
            let mut s = 0i64;
            for &(i, j) in &pairs {
                s += versions[i].cmp(&versions[j]) as i64;
            }
            black_box(s)
        })
    });
    g.bench_function("compare_str 100k string pairs", |b| {
        b.iter(|| {
            let mut s = 0i64;
            for &(i, j) in &pairs {
                s += fleetpin_debian::version::compare_str(recs[i].version, recs[j].version) as i64;
            }
            black_box(s)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
