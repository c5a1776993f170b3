//! N tag lookups against a real `docker-registry` on loopback behind a proxy that holds every
//! request 100 ms (a registry across the internet): one at a time, concurrently
//! (`Resolver::resolve_many`), and through a warm `DigestCache` (no request), medians of a
//! few runs in the same process. Run with `bash bench/pin/registry-latency.sh`.
//!
//! Environment: `FLEETPIN_BENCH_IMAGES` (default 16), `FLEETPIN_BENCH_LATENCY_MS` (100),
//! `FLEETPIN_BENCH_RUNS` (5).
#![allow(clippy::print_stdout)] // a benchmark's report is its output

#[path = "../tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use fleetpin_registry::{DigestCache, DigestSource, DockerConfig, Resolver};
use support::{Auth, LatencyProxy, Layout, Registry};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn resolver(concurrency: usize) -> Resolver {
    Resolver::builder()
        .docker_config(DockerConfig::empty())
        .proxy_from_env(false)
        .concurrency(concurrency)
        .build()
        .unwrap()
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs it with no argument: then
    // only check that it starts.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let n = env("FLEETPIN_BENCH_IMAGES", 16) as usize;
    let latency = Duration::from_millis(env("FLEETPIN_BENCH_LATENCY_MS", 100));
    let runs = env("FLEETPIN_BENCH_RUNS", 5) as usize;
    let reg = Registry::start(Auth::None);
    let layout = Layout::single("bench");
    for i in 0..n {
        reg.push(&layout, &format!("app{i}:1"), false);
    }
    let want = reg.oracle("app0:1").digest;
    let proxy = LatencyProxy::start(reg.port, latency);
    let images: Vec<String> = (0..n).map(|i| proxy.image(&format!("app{i}:1"))).collect();
    let refs: Vec<&str> = images.iter().map(String::as_str).collect();

    let time = |label: &str, f: &dyn Fn() -> usize| {
        let before = proxy.manifest_requests();
        let mut samples = Vec::new();
        let mut ok = 0;
        for _ in 0..runs {
            let t = Instant::now();
            ok = f();
            samples.push(t.elapsed());
        }
        let requests = (proxy.manifest_requests() - before) / runs;
        assert_eq!(ok, n, "{label}: every lookup must succeed");
        let m = median(samples);
        println!(
            "{label:<28} median {:>8.1} ms   manifest requests/run {requests:>3}",
            m.as_secs_f64() * 1000.0
        );
        m
    };
    let check = |out: Vec<Result<fleetpin_registry::Resolved, fleetpin_registry::Error>>| {
        out.iter()
            .filter(|r| r.as_ref().is_ok_and(|r| r.digest.to_string() == want))
            .count()
    };
    println!(
        "{n} lookups, {} ms injected per request, median of {runs} runs (fresh resolver each run)",
        latency.as_millis()
    );
    let seq = time("sequential (concurrency 1)", &|| {
        check(resolver(1).resolve_many(&refs))
    });
    let conc = time("concurrent (concurrency 8)", &|| {
        check(resolver(8).resolve_many(&refs))
    });
    let dir = tempfile::tempdir().unwrap();
    let _ = DigestCache::open(resolver(8), dir.path()).resolve_many(&refs);
    // A second run: a new cache over the file the first run wrote, online.
    let warm = time("warm DigestCache (2nd run)", &|| {
        check(DigestCache::open(resolver(8), dir.path()).resolve_many(&refs))
    });
    println!(
        "ratio sequential/concurrent {:.1}x; concurrent/warm cache {:.0}x",
        seq.as_secs_f64() / conc.as_secs_f64(),
        conc.as_secs_f64() / warm.as_secs_f64()
    );
}
