//! Masks each line of stdin and prints it (`fleetpin_logs::mask::mask_into`): the same-output
//! check and the speed comparison of `bench/logs/mask-same.sh`.
//!
//! `cargo run --release -p fleetpin-logs --example mask < MESSAGES`, one message a line (bytes
//! that are not UTF-8 are replaced, as the journal readers do). `--quiet` masks without
//! printing and prints only the number of lines and output bytes, so that a timing measures
//! the masking and not the writing; `--repeat N` masks the input N times (in memory).
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{BufWriter, Read, Write};

use fleetpin_logs::mask::mask_into;

fn main() -> std::io::Result<()> {
    let mut quiet = false;
    let mut repeat = 1usize;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--quiet" => quiet = true,
            "--repeat" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => repeat = n,
                None => usage(),
            },
            _ => usage(),
        }
    }
    let mut input = Vec::new();
    std::io::stdin().lock().read_to_end(&mut input)?;
    let input = match String::from_utf8(input) {
        Ok(text) => text,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    };
    // The text after the last newline (none for a file that ends with one) is a line too.
    let mut lines: Vec<&str> = input.split('\n').collect();
    if input.is_empty() || input.ends_with('\n') {
        lines.pop();
    }
    let mut out = String::new();
    if quiet {
        let mut bytes = 0usize;
        for _ in 0..repeat {
            for line in &lines {
                mask_into(line, &mut out);
                bytes += out.len();
            }
        }
        println!("lines {} bytes {bytes}", lines.len() * repeat);
        return Ok(());
    }
    let mut w = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    for _ in 0..repeat {
        for line in &lines {
            mask_into(line, &mut out);
            w.write_all(out.as_bytes())?;
            w.write_all(b"\n")?;
        }
    }
    w.flush()
}

fn usage() -> ! {
    eprintln!("usage: mask [--quiet] [--repeat N] < MESSAGES");
    std::process::exit(2);
}
