//! Gather wall time over N loopback sshd hosts for several `--forks` values.
//!
//! ```text
//! gather_scaling [REMOTE_DELAY_SECS] [N...]
//! ```
//!
//! Each host is a real `/usr/sbin/sshd` on 127.0.0.1 (see `tests/support/sshd.rs`). With a
//! remote delay (sshd `ForceCommand sleep D; /bin/sh -s`) each host models a remote that
//! takes D seconds to answer, as over a real network; without one, loopback ssh is bound by
//! the CPU (key exchange) and 2 cores cap the speed-up at about 2.
#![allow(clippy::print_stdout, clippy::print_stderr)]

#[path = "../tests/support/sshd.rs"]
mod sshd;

use std::time::{Duration, Instant};

use fleetpin_fleet::gather::{self, SshConfig, Target};
use sshd::{Behaviour, Lab, status_file};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let delay: f64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(0.0);
    let sizes: Vec<usize> = if args.len() > 1 {
        args[1..].iter().filter_map(|s| s.parse().ok()).collect()
    } else {
        vec![8, 16, 32]
    };
    let lab = Lab::new();
    let max = sizes.iter().copied().max().unwrap_or(8);
    let status = status_file(
        &(0..200)
            .map(|i| {
                (
                    Box::leak(format!("pkg{i}").into_boxed_str()) as &str,
                    "1.0-1",
                    "install",
                )
            })
            .collect::<Vec<_>>(),
    );
    let servers: Vec<_> = (0..max)
        .map(|i| {
            let b = if delay > 0.0 {
                Behaviour::Force(status.clone(), format!("sleep {delay}; /bin/sh -s"))
            } else {
                Behaviour::Dpkg(status.clone())
            };
            lab.start(&format!("h{i}"), b)
        })
        .collect();
    println!("remote delay {delay}s; columns: hosts forks seconds seconds-per-(hosts/forks)");
    for &n in &sizes {
        for forks in [1usize, 4, 8] {
            let targets: Vec<Target> = servers[..n]
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let mut t = Target::bare(format!("h{i}"));
                    t.connection.address = "127.0.0.1".into();
                    t.connection.port = Some(s.port);
                    t
                })
                .collect();
            let cfg = SshConfig {
                config_file: Some(lab.client_config.clone()),
                forks,
                timeout: Duration::from_secs(120),
                ..SshConfig::default()
            };
            let t = Instant::now();
            let results = gather::gather(&targets, &cfg, &|_| {});
            let secs = t.elapsed().as_secs_f64();
            let ok = results.iter().filter(|r| r.outcome.is_ok()).count();
            assert_eq!(
                ok,
                n,
                "all hosts must succeed: {:?}",
                results.iter().find(|r| r.outcome.is_err())
            );
            let batches = (n as f64 / forks as f64).ceil();
            println!("{n:5} {forks:5} {secs:8.2} {:8.3}", secs / batches);
        }
    }
}
