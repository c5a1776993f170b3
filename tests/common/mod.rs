//! Shared by the CLI tests: run the `fleetpin` binary and snapshot what a user sees.
#![allow(dead_code)] // each test binary uses its own subset

use std::fs;
use std::path::Path;
use std::process::Command;

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
