//! Shared by the CLI tests: run the `fleetpin` binary and snapshot what a user sees.
#![allow(dead_code)] // each test binary uses its own subset

use std::fs;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

/// What one run of the binary printed, and its exit code.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `fleetpin ARGS` in `dir`, without colours.
pub fn fleetpin(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_fleetpin"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("FLEETPIN_OUTPUT_FORMAT")
        .output()
        .expect("run fleetpin");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Exit code, stdout and stderr together, with `dir` replaced by `[TEMP]`.
pub fn snapshot_text(r: &Run, dir: &Path) -> String {
    let filter = |s: &str| s.replace(&dir.display().to_string(), "[TEMP]");
    format!(
        "exit code: {}\n----- stdout -----\n{}----- stderr -----\n{}",
        r.code,
        filter(&r.stdout),
        filter(&r.stderr)
    )
}

/// Writes `content` to `root/rel`, creating folders.
pub fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, content).unwrap();
}

/// `fleetpin ARGS | head -c 1`, through a real pipe whose reader goes away after one byte:
/// the exit code, and what fleetpin wrote to stderr.
pub fn piped_into_head(dir: &Path, args: &[&str]) -> (i32, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fleetpin"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("FLEETPIN_OUTPUT_FORMAT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 1];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout); // the reader closes the pipe, as `head -1` does
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (status.code().unwrap_or(-1), stderr)
}
