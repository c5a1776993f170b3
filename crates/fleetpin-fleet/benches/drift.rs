//! Drift and lock generation at 500 and 5,000 hosts × 2,000 packages, in memory.
//! The end-to-end figures (reading facts files, peak RSS) come from `bench/fleet/run.sh`.

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use fleetpin_fleet::drift;
use fleetpin_fleet::facts::PackageManager;
use fleetpin_fleet::fleet::{Fleet, FleetHost, Installed};
use fleetpin_fleet::lock::{Lock, LockOptions, Prefer};

const PKGS: u32 = 2000;

fn fleet(hosts: usize) -> Fleet {
    let mut fleet = Fleet::default();
    let names: Vec<u32> = (0..PKGS)
        .map(|i| fleet.packages.intern(&format!("lib-pkg-{i}")))
        .collect();
    // Each package has a locked version and a newer and an older one.
    let vers: Vec<[u32; 3]> = (0..PKGS)
        .map(|i| {
            let mut v = |p: u32| {
                fleet
                    .versions
                    .intern(&format!("1:{}.{}.{p}-1+deb12u{}", i % 5, i % 17, i % 4))
            };
            [v(4), v(5), v(3)]
        })
        .collect();
    for h in 0..hosts {
        let drifts = h % 50 == 7;
        let installed = (0..PKGS)
            .filter(|&i| !(drifts && i as usize == (h * 31) % PKGS as usize))
            .map(|i| {
                let which = if drifts && i % 97 == (h % 97) as u32 {
                    1
                } else if drifts && i % 89 == 3 {
                    2
                } else {
                    0
                };
                Installed {
                    pkg: names[i as usize],
                    version: vers[i as usize][which],
                    held: Some(false),
                }
            })
            .collect();
        fleet.hosts.push(FleetHost {
            name: format!("node{h:05}"),
            groups: vec!["swarm".into()],
            os: Some("debian-12".into()),
            manager: PackageManager::Dpkg,
            installed,
        });
    }
    fleet
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("fleet");
    g.sample_size(10);
    for hosts in [500usize, 5000] {
        let f = fleet(hosts);
        let opts = LockOptions {
            prefer: vec![Prefer::Majority],
            ..LockOptions::default()
        };
        let (lock, _) = Lock::generate(&f, &opts);
        g.throughput(Throughput::Elements((hosts as u64) * u64::from(PKGS)));
        g.bench_with_input(BenchmarkId::new("drift", hosts), &f, |b, f| {
            b.iter(|| drift::compute(f, &lock))
        });
        g.bench_with_input(BenchmarkId::new("lock", hosts), &f, |b, f| {
            b.iter(|| Lock::generate(f, &opts))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
