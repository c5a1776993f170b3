//! Mines templates from a journal file (JSON, export or text, detected) and prints the
//! diagnosis; the benchmark's fleetpin side (`bench/logs/run.sh`).
//!
//! `cargo run --release -p fleetpin-logs --example mine -- FILE [--count] [--summary] [--sequential]`
//! (`--sequential`: one thread, entry by entry, for comparison).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs::File;
use std::io::BufReader;

use fleetpin_logs::pipeline::{self, InputKind};
use fleetpin_logs::read::{ReadOptions, Reader};
use fleetpin_logs::{CauseDb, Miner, MinerOptions, Order, diagnose};

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: mine FILE [--count] [--summary]");
        std::process::exit(2);
    };
    let order = if args.iter().any(|a| a == "--count") {
        Order::Count
    } else {
        Order::FirstSeen
    };
    let mut miner = Miner::new(MinerOptions::default());
    let stats = if args.iter().any(|a| a == "--sequential") {
        let input = BufReader::with_capacity(1 << 20, File::open(path)?);
        let mut reader = Reader::detect(input, ReadOptions::default())?;
        while let Some(record) = reader.next_record()? {
            if let Ok(entry) = record {
                miner.add(&entry);
            }
        }
        reader.into_stats()
    } else {
        pipeline::mine(
            File::open(path)?,
            InputKind::Journal(None),
            &ReadOptions::default(),
            &mut miner,
            |_| {},
        )?
    };
    let (db, problems) = CauseDb::builtin();
    for p in problems {
        eprintln!("{p}");
    }
    let list = miner.templates(order);
    let templates = list.len();
    let d = diagnose(list, &db, stats);
    if args.iter().any(|a| a == "--summary") {
        println!("entries {} templates {templates}", d.input.entries);
    } else {
        print!("{d}");
    }
    Ok(())
}
