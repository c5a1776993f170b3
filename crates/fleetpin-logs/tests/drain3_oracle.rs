//! drain3 (PyPI `drain3`, the reference Drain) as the oracle for the clustering: on the same
//! messages without masking and with drain3's default parameters, both must find the same
//! clusters (template and size, in creation order).
//!
//! Runs `$FLEETPIN_TOOLS/venv/bin/python` (default `~/.cache/fleetpin-tools`); skips with a note
//! when drain3 is not importable there, fails with `FLEETPIN_REQUIRE_ORACLES=1`.

mod common;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use fleetpin_logs::drain::{Drain, DrainOptions};

const SCRIPT: &str = r#"
import sys, json
from drain3.drain import Drain
d = Drain(depth=4, sim_th=0.4, max_children=100)
for line in sys.stdin.read().split("\n")[:-1]:
    d.add_log_message(line)
print(json.dumps([[c.get_template(), c.size] for c in sorted(d.clusters, key=lambda c: c.cluster_id)]))
"#;

fn python() -> Option<PathBuf> {
    let py = std::env::var_os("FLEETPIN_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/fleetpin-tools"))
        })
        .map(|tools| tools.join("venv/bin/python"));
    let found = py.filter(|py| {
        Command::new(py)
            .args(["-c", "import drain3"])
            .output()
            .is_ok_and(|o| o.status.success())
    });
    fleetpin_testkit::oracle(
        found,
        "$FLEETPIN_TOOLS/venv/bin/python with drain3 (pip install drain3==0.9.11)",
    )
}

fn drain3_clusters(py: &PathBuf, lines: &[String]) -> Vec<(String, u64)> {
    let mut child = Command::new(py)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = String::new();
    for l in lines {
        input.push_str(l);
        input.push('\n');
    }
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ours(lines: &[String], options: DrainOptions) -> Vec<(String, u64)> {
    let mut d = Drain::new(options);
    for l in lines {
        d.add(l);
    }
    (0..d.len()).map(|i| (d.template(i), d.size(i))).collect()
}

#[test]
fn same_clusters_as_drain3_on_the_incident() {
    let Some(py) = python() else { return };
    // Unmasked messages of every program, one stream: the hardest case for the tree.
    let lines: Vec<String> = common::incident(8).into_iter().map(|g| g.message).collect();
    let want = drain3_clusters(&py, &lines);
    assert!(want.len() > 10, "{want:?}");
    assert_eq!(ours(&lines, DrainOptions::default()), want);
}

#[test]
fn same_clusters_as_drain3_on_edge_cases() {
    let Some(py) = python() else { return };
    let mut lines: Vec<String> = Vec::new();
    // Full nodes (more than max_children first tokens), numeric tokens, empty lines,
    // repeated whitespace, and lines that merge then split.
    for i in 0..130 {
        lines.push(format!(
            "word{} x y z",
            ["a", "b", "c", "d"][i % 4].repeat(i / 4 + 1)
        ));
        lines.push(format!("{i} items in queue q{i}"));
    }
    for l in [
        "",
        "   ",
        "a  b\tc",
        "a b c",
        "user alice logged in",
        "user bob logged out",
        "user <*> logged in",
        "one",
        "two",
    ] {
        lines.push(l.to_owned());
    }
    let want = drain3_clusters(&py, &lines);
    assert_eq!(ours(&lines, DrainOptions::default()), want);
}
