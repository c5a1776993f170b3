//! Print what the Dockerfile front end sees in the files given on the command line:
//! `cargo run -p fleetpin-dockerfile --example scan -- path/to/Dockerfile...`
#![allow(clippy::print_stdout, clippy::print_stderr)]

use fleetpin_dockerfile::{DEFAULT_FLOATING_TAGS, parse};

fn main() {
    for path in std::env::args().skip(1) {
        let src = match std::fs::read_to_string(&path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        let line = |off: usize| src[..off].matches('\n').count() + 1;
        let df = parse(&src);
        for e in &df.errors {
            println!("{path}:{}: error: {}", e.line, e.kind);
        }
        let m = df.model();
        for i in &m.images {
            let status = match &i.reference {
                Ok(r) => format!("{:?}", r.status(DEFAULT_FLOATING_TAGS)),
                Err(e) => format!("invalid: {e}"),
            };
            println!(
                "{path}:{}: image {} -> {} {status}",
                line(i.range.start),
                i.written,
                i.resolved
            );
        }
        for r in &m.runs {
            let a = r.analyze();
            for (i, p) in a.packages() {
                println!(
                    "{path}:{}: {} {} {}{}",
                    line(p.range.start),
                    i.manager,
                    p.spec,
                    p.strength,
                    p.note
                        .as_deref()
                        .map_or(String::new(), |n| format!(" ({n})"))
                );
            }
            for u in &a.upgrades {
                println!(
                    "{path}:{}: upgrade {} {}",
                    line(u.range.start),
                    u.program.text,
                    u.subcommand.text
                );
            }
            for p in &a.pipe_to_shell {
                println!(
                    "{path}:{}: pipe-to-shell {:?} -> {}",
                    line(p.range.start),
                    p.url.as_ref().map(|u| &u.text),
                    p.shell.text
                );
            }
            for d in a.downloads.iter().filter(|d| d.latest) {
                println!(
                    "{path}:{}: latest download {}",
                    line(d.url.range.start),
                    d.url.text
                );
            }
            for s in &a.stack_deploys {
                println!(
                    "{path}:{}: stack deploy auth={}",
                    line(s.range.start),
                    s.with_registry_auth
                );
            }
        }
    }
}
