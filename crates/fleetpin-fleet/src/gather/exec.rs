//! The SSH machinery shared by every command that reaches hosts (`gather`, `plan --ssh`,
//! `diagnose --ssh`): one `ssh` process per host running `/bin/sh -s` with a script on stdin,
//! a per-host deadline, bounded output, and a bounded number of hosts at once.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use super::{HostError, SshConfig, Target, classify_ssh_failure, ssh_command};

/// Most bytes kept from a remote command's stdout; a runaway remote cannot exhaust memory.
const MAX_STDOUT: u64 = 1 << 30;

/// What a remote command printed, when ssh itself succeeded (any exit status but ssh's 255).
#[derive(Debug, Clone)]
pub struct RemoteOutput {
    /// The remote exit status (`None` when it was killed by a signal).
    pub status: Option<i32>,
    /// Its standard output (at most 1 GiB).
    pub stdout: Vec<u8>,
    /// Its standard error, lossily decoded.
    pub stderr: String,
}

impl RemoteOutput {
    /// The last `n` lines of stderr, joined with `; ` (for one-line error messages).
    pub fn stderr_tail(&self, n: usize) -> String {
        let tail: Vec<&str> = self.stderr.lines().rev().take(n).collect();
        tail.into_iter().rev().collect::<Vec<_>>().join("; ")
    }
}

/// Runs `script` with `/bin/sh -s` on one host. An ssh failure (exit 255: refused, auth, host
/// key) or the deadline is an error; any other exit status is returned with the output, for
/// the caller to judge (`apt-get -s` exits 100 with a useful plan on stdout).
pub fn run_remote(
    target: &Target,
    cfg: &SshConfig,
    script: &[u8],
) -> Result<RemoteOutput, HostError> {
    let mut cmd = ssh_command(target, cfg)?;
    let mut child = cmd
        .spawn()
        .map_err(|e| HostError::Spawn(format!("cannot run {}: {e}", cfg.program.display())))?;
    // Written from a thread: a script larger than a pipe buffer must not block the deadline.
    let writer = child.stdin.take().map(|mut stdin| {
        let script = script.to_vec();
        std::thread::spawn(move || {
            let _ = stdin.write_all(&script);
        })
    });
    let (tx, rx) = mpsc::channel::<(bool, Vec<u8>)>();
    for (is_out, pipe) in [
        (
            true,
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
        (
            false,
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        ),
    ] {
        if let Some(mut pipe) = pipe {
            let tx = tx.clone();
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                let _ = pipe.by_ref().take(MAX_STDOUT).read_to_end(&mut buf);
                let _ = tx.send((is_out, buf));
            });
        }
    }
    drop(tx);
    let deadline = Instant::now() + cfg.timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(HostError::Timeout(cfg.timeout));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => return Err(HostError::Spawn(e.to_string())),
        }
    };
    if let Some(w) = writer {
        let _ = w.join();
    }
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    // A background process (a ControlMaster) may keep a pipe open: wait briefly, not forever.
    let grace = Instant::now() + Duration::from_secs(2);
    for _ in 0..2 {
        let left = grace.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((true, b)) => stdout = b,
            Ok((false, b)) => stderr = b,
            Err(_) => break,
        }
    }
    let stderr = String::from_utf8_lossy(&stderr).into_owned();
    if status.code() == Some(255) {
        return Err(classify_ssh_failure(&stderr));
    }
    Ok(RemoteOutput {
        status: status.code(),
        stdout,
        stderr,
    })
}

/// Runs `work` for every target on at most `forks` threads; `done` is called (from the worker
/// threads) as each target finishes. Results come back in target order; `None` only for a
/// target whose worker panicked.
pub fn for_each_host<R: Send>(
    targets: &[Target],
    forks: usize,
    work: impl Fn(&Target) -> R + Sync,
    done: impl Fn(&Target, &R) + Sync,
) -> Vec<Option<R>> {
    let next = AtomicUsize::new(0);
    let slots: Mutex<Vec<Option<R>>> = Mutex::new((0..targets.len()).map(|_| None).collect());
    let workers = forks.max(1).min(targets.len().max(1));
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(target) = targets.get(i) else { break };
                    let result = work(target);
                    done(target, &result);
                    if let Ok(mut slots) = slots.lock() {
                        slots[i] = Some(result);
                    }
                }
            });
        }
    });
    slots.into_inner().unwrap_or_else(|e| e.into_inner())
}
