//! Analyse each line of standard input as a shell command and print what was found:
//! `grep -h 'shell:' roles/*/tasks/*.yml | cargo run -p fleetpin-shell --example lines`
#![allow(clippy::print_stdout)]

use std::io::BufRead;

fn main() {
    for line in std::io::stdin().lock().lines().map_while(Result::ok) {
        let a = fleetpin_shell::analyze(&line, &fleetpin_shell::NoVars);
        if a.is_empty() {
            continue;
        }
        println!("> {line}");
        for (i, p) in a.packages() {
            println!(
                "  {} {:?} {} {}",
                i.manager,
                p.spec,
                p.strength,
                p.note.as_deref().unwrap_or("")
            );
        }
        for u in &a.upgrades {
            println!("  upgrade {} {}", u.program.text, u.subcommand.text);
        }
        for p in &a.pipe_to_shell {
            println!(
                "  pipe-to-shell {:?} -> {}",
                p.url.as_ref().map(|u| &u.text),
                p.shell.text
            );
        }
        for s in &a.stack_deploys {
            println!("  stack deploy auth={}", s.with_registry_auth);
        }
        for d in &a.downloads {
            println!("  download {} latest={}", d.url.text, d.latest);
        }
        for i in &a.images {
            println!("  image {} {}", i.subcommand, i.image.text);
        }
    }
}
