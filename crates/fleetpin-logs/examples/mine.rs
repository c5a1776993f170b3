//! Mines templates from a journal file (JSON, export or text, detected) and prints the
//! diagnosis; the benchmark's fleetpin side (`bench/logs/run.sh`).
//!
//! `cargo run --release -p fleetpin-logs --example mine -- FILE [--count] [--summary] [--sequential|--diagnose]`
//! (`--sequential`: one thread, entry by entry, for comparison; `--diagnose`: the library path
//! of `fleetpin diagnose FILE`, a `Diagnoser` reading the file, per-host counts included).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::fs::File;
use std::io::BufReader;

use fleetpin_logs::pipeline::{self, InputKind};
use fleetpin_logs::read::{ReadOptions, Reader};
use fleetpin_logs::{CauseDb, Diagnoser, Filter, Miner, MinerOptions, Order, diagnose};

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
    if args.iter().any(|a| a == "--diagnose") {
        let (db, _) = CauseDb::builtin();
        let mut d = Diagnoser::new(MinerOptions::default());
        let input = BufReader::with_capacity(1 << 16, File::open(path)?);
        d.read(
            path,
            None,
            input,
            None,
            ReadOptions::default(),
            &Filter::default(),
        );
        let d = d.finish(order, &db);
        let templates: usize = d
            .causes
            .iter()
            .chain(&d.noise)
            .map(|c| c.templates.len())
            .sum::<usize>()
            + d.remaining.len();
        if args.iter().any(|a| a == "--summary") {
            println!("entries {} templates {templates}", d.input.entries);
        } else {
            print!("{d}");
        }
        return Ok(());
    }
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
