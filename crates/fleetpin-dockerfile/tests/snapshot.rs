//! A realistic Dockerfile analysed end to end; the snapshot is the review.

use std::fmt::Write as _;

use fleetpin_dockerfile::{DEFAULT_FLOATING_TAGS, parse};

fn line_col(src: &str, off: usize) -> String {
    let line = src[..off].matches('\n').count() + 1;
    let col = off - src[..off].rfind('\n').map_or(0, |p| p + 1) + 1;
    format!("{line}:{col}")
}

#[test]
fn mixed_dockerfile() {
    let src = include_str!("fixtures/mixed.Dockerfile");
    let df = parse(src);
    let m = df.model();
    let mut out = String::new();
    for e in &df.errors {
        writeln!(out, "error {e}").unwrap();
    }
    for i in &m.images {
        let status = match &i.reference {
            Ok(r) => format!("{:?}", r.status(DEFAULT_FLOATING_TAGS)),
            Err(e) => format!("error: {e}"),
        };
        let set: Vec<String> = i
            .substitutions
            .iter()
            .map(|s| {
                let at = s
                    .defined_at
                    .clone()
                    .map_or("?".into(), |r| line_col(src, r.start));
                format!("{}={} (set at {at})", s.name, s.value)
            })
            .collect();
        writeln!(
            out,
            "image {:?} {} {:?} -> {:?} {status} {set:?} unresolved={:?}",
            i.kind,
            line_col(src, i.range.start),
            i.written,
            i.resolved,
            i.unresolved
        )
        .unwrap();
    }
    for r in &m.runs {
        let a = r.analyze();
        writeln!(
            out,
            "run #{} {:?} line {}",
            r.instruction, r.kind, df.instructions[r.instruction].line
        )
        .unwrap();
        for (i, p) in a.packages() {
            writeln!(
                out,
                "  {} {} {:?} {:?} {}",
                line_col(src, p.range.start),
                i.manager,
                &src[p.range.clone()],
                p.strength,
                p.note.as_deref().unwrap_or("")
            )
            .unwrap();
        }
        for u in &a.upgrades {
            writeln!(
                out,
                "  {} upgrade {}",
                line_col(src, u.range.start),
                u.subcommand.text
            )
            .unwrap();
        }
        for p in &a.pipe_to_shell {
            writeln!(
                out,
                "  {} pipe-to-shell {} -> {}{}",
                line_col(src, p.range.start),
                p.url.as_ref().map_or("", |u| u.text.as_str()),
                p.shell.text,
                p.saved_to
                    .as_ref()
                    .map_or(String::new(), |s| format!(" (saved to {})", s.text))
            )
            .unwrap();
        }
        for d in &a.downloads {
            writeln!(
                out,
                "  {} download {} latest={}",
                line_col(src, d.url.range.start),
                d.url.text,
                d.latest
            )
            .unwrap();
        }
        for i in &a.images {
            writeln!(
                out,
                "  {} docker {} image {}",
                line_col(src, i.image.range.start),
                i.subcommand,
                i.image.text
            )
            .unwrap();
        }
        for s in &a.services {
            writeln!(
                out,
                "  {} {} {} {:?} interrupts={}",
                line_col(src, s.range.start),
                s.tool,
                s.action.text,
                s.unit_names().collect::<Vec<_>>(),
                s.interrupts()
            )
            .unwrap();
        }
        for s in &a.stack_deploys {
            writeln!(
                out,
                "  {} stack-deploy with_registry_auth={}",
                line_col(src, s.range.start),
                s.with_registry_auth
            )
            .unwrap();
        }
    }
    for r in &m.remote_sources {
        writeln!(
            out,
            "add {} {:?} {} ref={:?} checksum={} {:?}",
            line_col(src, r.range.start),
            r.kind,
            r.url,
            r.git_ref,
            r.checksum.is_some(),
            r.strength
        )
        .unwrap();
    }
    for ins in &df.instructions {
        for c in &ins.comments {
            writeln!(
                out,
                "comment {} before {} line {}: {}",
                c.line,
                ins.keyword.as_str(),
                ins.line,
                c.text
            )
            .unwrap();
        }
    }
    insta::assert_snapshot!(out);
}
