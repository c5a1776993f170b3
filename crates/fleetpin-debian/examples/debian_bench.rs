//! Harness for bench/debian/run.sh (the peers run over the same inputs):
//!
//! - `debian_bench parse FILE`: parse a decompressed Packages file into records (name,
//!   version, architecture, dependency fields); prints in-process timings.
//! - `debian_bench stream FILE`: the same through a reused 1 MiB buffer (read + parse).
//! - `debian_bench pairs FILE N SEED`: print N random version pairs from FILE (tab-separated).
//! - `debian_bench compare PAIRS`: compare every pair (pre-parsed `Version`s, straight from
//!   the strings, and parse+compare); CPU time of each loop.
//! - `debian_bench policy ROOT`: load a root (lists, status, preferences) and compute every
//!   candidate; CPU time.
//! - `debian_bench sort FILE`: sort every version of a Packages file (median CPU time).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::time::Instant;

/// CPU time of this thread in ms (Linux `/proc/thread-self/schedstat`), so timings are robust
/// on a loaded machine; the C harness uses CLOCK_THREAD_CPUTIME_ID likewise.
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e6)
}

use fleetpin_debian::Version;
use fleetpin_debian::control::{DepField, parse_packages};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("parse") => parse(&args[2]),
        Some("stream") => stream(&args[2]),
        Some("pairs") => pairs(&args[2], args[3].parse().unwrap(), args[4].parse().unwrap()),
        Some("compare") => compare(&args[2]),
        Some("sort") => sort(&args[2]),
        Some("policy") => policy(&args[2]),
        _ => {
            eprintln!("usage: debian_bench parse FILE | pairs FILE N SEED | compare PAIRS");
            std::process::exit(2);
        }
    }
}

fn parse(path: &str) {
    let t0 = Instant::now();
    let data = std::fs::read(path).unwrap();
    let t1 = Instant::now();
    let text = fleetpin_debian::deb822::to_text(&data).unwrap();
    let (recs, errs) = parse_packages(text);
    let t2 = Instant::now();
    assert!(errs.is_empty());
    let mut bytes = 0usize;
    for r in &recs {
        bytes += r.name.len() + r.version.len() + r.architecture.len();
        for f in DepField::ALL {
            bytes += r.dep(f).map_or(0, str::len);
        }
    }
    println!(
        "fleetpin-parse stanzas={} field_bytes={} read_ms={:.3} parse_ms={:.3} total_ms={:.3}",
        recs.len(),
        bytes,
        (t1 - t0).as_secs_f64() * 1e3,
        (t2 - t1).as_secs_f64() * 1e3,
        (t2 - t0).as_secs_f64() * 1e3
    );
}

fn stream(path: &str) {
    let t0 = Instant::now();
    let file = std::fs::File::open(path).unwrap();
    let mut n = 0usize;
    let mut bytes = 0usize;
    fleetpin_debian::control::stream_packages(
        file,
        1 << 20,
        |r| {
            n += 1;
            bytes += r.name.len() + r.version.len() + r.architecture.len();
            for f in DepField::ALL {
                bytes += r.dep(f).map_or(0, str::len);
            }
        },
        |e| panic!("{e}"),
    )
    .unwrap();
    println!(
        "fleetpin-stream stanzas={n} field_bytes={bytes} total_ms={:.3}",
        t0.elapsed().as_secs_f64() * 1e3
    );
}

fn pairs(path: &str, n: usize, seed: u64) {
    let data = fleetpin_debian::compress::read_file(std::path::Path::new(path)).unwrap();
    let text = fleetpin_debian::deb822::to_text(&data).unwrap();
    let (recs, _) = parse_packages(text);
    let versions: Vec<&str> = recs.iter().map(|r| r.version).collect();
    let mut state = seed;
    let mut next = || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        ((z ^ (z >> 31)) % versions.len() as u64) as usize
    };
    let mut out = String::with_capacity(n * 40);
    for _ in 0..n {
        out.push_str(versions[next()]);
        out.push('\t');
        out.push_str(versions[next()]);
        out.push('\n');
    }
    print!("{out}");
}

fn compare(path: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    let raw: Vec<(&str, &str)> = text.lines().filter_map(|l| l.split_once('\t')).collect();
    let parsed: Vec<(Version, Version)> = raw
        .iter()
        .map(|(a, b)| (Version::parse(a).unwrap(), Version::parse(b).unwrap()))
        .collect();
    let t0 = cpu_ms();
    let mut sum = 0i64;
    for (a, b) in &parsed {
        sum += a.cmp(b) as i64;
    }
    let t1 = cpu_ms();
    let mut sum2 = 0i64;
    for (a, b) in &raw {
        sum2 += fleetpin_debian::version::compare_str(a, b) as i64;
    }
    let t2 = cpu_ms();
    let mut sum3 = 0i64;
    for (a, b) in &raw {
        let (a, b) = (Version::parse(a).unwrap(), Version::parse(b).unwrap());
        sum3 += a.cmp(&b) as i64;
    }
    let t3 = cpu_ms();
    println!(
        "fleetpin compare_parsed pairs={} ms={:.3} checksum={sum}",
        parsed.len(),
        t1 - t0
    );
    println!(
        "fleetpin compare_str pairs={} ms={:.3} checksum={sum2}",
        raw.len(),
        t2 - t1
    );
    println!(
        "fleetpin parse_and_compare pairs={} ms={:.3} checksum={sum3}",
        raw.len(),
        t3 - t2
    );
}

/// Sorts every version of a Packages file (duplicates included), median of 11 CPU timings.
fn sort(path: &str) {
    let data = fleetpin_debian::compress::read_file(std::path::Path::new(path)).unwrap();
    let text = fleetpin_debian::deb822::to_text(&data).unwrap();
    let (recs, _) = parse_packages(text);
    let all: Vec<Version> = recs
        .iter()
        .map(|r| Version::parse(r.version).unwrap())
        .collect();
    let mut times = Vec::new();
    for _ in 0..11 {
        let mut v = all.clone();
        let t = cpu_ms();
        v.sort();
        times.push(cpu_ms() - t);
        std::hint::black_box(&v);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "fleetpin sort versions={} median_ms={:.3}",
        all.len(),
        times[times.len() / 2]
    );
}

fn policy(root: &str) {
    let root = std::path::Path::new(root);
    let t0 = cpu_ms();
    let cache = fleetpin_debian::policy::Cache::load_root(
        root,
        fleetpin_debian::policy::Options::for_root(root),
    )
    .unwrap();
    let t1 = cpu_ms();
    let n = cache
        .packages()
        .iter()
        .filter(|p| cache.candidate(p).is_some())
        .count();
    let t2 = cpu_ms();
    println!(
        "fleetpin policy packages={} with_candidate={n} load_ms={:.1} candidates_ms={:.1} problems={}",
        cache.packages().len(),
        t1 - t0,
        t2 - t1,
        cache.problems.len()
    );
}
