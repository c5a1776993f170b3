//! `cargo bench -p fleetpin-logs --bench mask`: masking throughput (`mask::mask_into`).
//!
//! Two inputs, one message a line: the messages of a 200,000-line incident journal written by
//! `bench/logs/gen_incident.py` (the veth/bridge/udev flood, containerd, the AppArmor task
//! errors and the registry-auth pulls), and the `Content` column of the 8 Loghub-2k datasets
//! (`LOGHUB_DIR`, default `../shared/data/loghub-2k-corrected` from the workspace root; left out
//! with a note when it is missing). Both are prepared by `python3`, as `bench/logs/` does. The
//! same-run comparison with an earlier revision is `bench/logs/mask-same.sh`.

#![allow(clippy::print_stderr)]

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::Command;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fleetpin_logs::mask::mask_into;

const PREPARE: &str = r#"
import csv, glob, os, subprocess, sys
root, loghub, tmp = sys.argv[1], sys.argv[2], sys.argv[3]
journal = os.path.join(tmp, "incident.txt")
subprocess.run([sys.executable, os.path.join(root, "bench/logs/gen_incident.py"), "200000", journal],
               check=True, stderr=subprocess.DEVNULL)
with open(journal) as f, open(os.path.join(tmp, "incident-messages.txt"), "w") as out:
    for line in f:
        out.write(line.rstrip("\n").split(": ", 1)[1] + "\n")
with open(os.path.join(tmp, "loghub-messages.txt"), "w") as out:
    for p in sorted(glob.glob(os.path.join(loghub, "*", "*_2k.log_structured_corrected.csv"))):
        with open(p, newline="") as f:
            for r in csv.DictReader(f):
                out.write(r["Content"].replace("\n", " ") + "\n")
"#;

fn prepare() -> (Vec<String>, Vec<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let loghub = std::env::var_os("LOGHUB_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data/loghub-2k-corrected"));
    let tmp = tempfile::tempdir().unwrap();
    let status = Command::new("python3")
        .arg("-c")
        .arg(PREPARE)
        .arg(&root)
        .arg(&loghub)
        .arg(tmp.path())
        .status()
        .expect("python3 prepares the inputs");
    assert!(status.success(), "preparing the inputs failed");
    let read = |name: &str| -> Vec<String> {
        std::fs::read_to_string(tmp.path().join(name))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    };
    (read("incident-messages.txt"), read("loghub-messages.txt"))
}

fn bench(c: &mut Criterion) {
    let (incident, loghub) = prepare();
    let mut g = c.benchmark_group("mask");
    g.sample_size(20);
    let mut out = String::new();
    for (name, messages) in [("incident_messages", &incident), ("loghub_mix", &loghub)] {
        if messages.is_empty() {
            eprintln!("mask/{name}: no input (LOGHUB_DIR holds no datasets), left out");
            continue;
        }
        g.throughput(Throughput::Bytes(
            messages.iter().map(|m| m.len() as u64).sum(),
        ));
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut bytes = 0;
                for m in messages {
                    mask_into(black_box(m), &mut out);
                    bytes += out.len();
                }
                bytes
            })
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
