//! `apt-get -s` on every host over SSH.
//!
//! One `ssh` session per host (through [`run_remote`] and [`for_each_host`]: `forks` hosts at
//! once, a per-host deadline, bounded output) runs a short `/bin/sh` script on stdin: for
//! each planned operation, `LC_ALL=C apt-get -s -y -o Debug::NoLocking=1 ...` with stderr
//! folded into stdout, framed by marker lines that carry a per-run nonce. `-s` makes apt
//! simulate: it needs no root, writes nothing, and with `Debug::NoLocking` does not wait for
//! (or take) the dpkg lock of a host that is busy. `-y` is there because Ansible's apt module
//! passes it: with it apt refuses to change a held package unless
//! `allow_change_held_packages` is set, which is exactly what the real run would do.
//!
//! Each operation is simulated against the host's current state, one after the other, as
//! Ansible's `--check` does: the second does not see what the first would have installed.
//! Every value in the script is validated ([`Operation::apt_args`]) and single-quoted.

use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, Instant};

use fleetpin_debian::aptsim;

use super::{InvalidOperation, Operation, OutputIssue, Simulation};
use crate::gather::{HostError, SshConfig, Target, for_each_host, run_remote};

/// What to run on the hosts.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    /// The remote `apt-get` (default `apt-get`, looked up in the remote `PATH`).
    pub apt_get: String,
    /// Extra apt options, each `Key=Value`, passed as `-o Key=Value` to every run (e.g.
    /// `Dir::Etc::SourceParts=...` for a staging source list).
    pub apt_options: Vec<String>,
}

impl Default for LiveOptions {
    fn default() -> Self {
        LiveOptions {
            apt_get: "apt-get".into(),
            apt_options: Vec::new(),
        }
    }
}

/// One host and the operations planned on it, in order.
#[derive(Debug, Clone)]
pub struct HostOperations {
    /// How to reach it.
    pub target: Target,
    /// What the run would do there.
    pub operations: Vec<Operation>,
}

/// apt's answer for one operation.
#[derive(Debug, Clone)]
pub struct OperationResult {
    /// The operation.
    pub operation: Operation,
    /// The command that ran, as shown to people (`apt-get -s -y ... install -- docker-ce`).
    pub command: String,
    /// apt-get's exit status: 0, or 100 when it refused (see `simulation.messages`).
    pub status: Option<i32>,
    /// What apt printed, parsed.
    pub simulation: Simulation,
    /// Lines of its output that did not parse (hostile or unknown), with host and line.
    pub issues: Vec<OutputIssue>,
}

/// Why a host has no simulation at all.
#[derive(Debug, Clone, thiserror::Error)]
pub enum LiveError {
    /// ssh failed (unreachable, authentication, host key, timeout...).
    #[error("{0}")]
    Ssh(HostError),
    /// An operation could not be turned into a safe command line.
    #[error(transparent)]
    Operation(#[from] InvalidOperation),
    /// The host has no `apt-get` (not a Debian-family host, or a restricted `PATH`).
    #[error("`{0}` is not on the remote PATH (not an apt-based host?)")]
    NoAptGet(String),
    /// Two entries name the same host.
    #[error("host listed twice")]
    Duplicate,
    /// The remote output is not what the script prints.
    #[error("line {line} of the remote output: {message}")]
    Output {
        /// 1-based line of the whole remote output (0 when there is none).
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl LiveError {
    /// A short category for summaries (the [`HostError::kind`] of ssh failures).
    pub fn kind(&self) -> &'static str {
        match self {
            LiveError::Ssh(e) => e.kind(),
            LiveError::Operation(_) | LiveError::Duplicate => "invalid operation",
            LiveError::NoAptGet(_) => "no apt-get",
            LiveError::Output { .. } => "bad output",
        }
    }
}

/// The outcome for one host.
#[derive(Debug, Clone)]
pub struct HostSimulation {
    /// Inventory host name.
    pub host: String,
    /// One result per operation, in order, or why there is none.
    pub outcome: Result<Vec<OperationResult>, LiveError>,
    /// Wall time spent on the host.
    pub elapsed: Duration,
}

/// Simulates every host's operations; `progress` is called (from worker threads) as each host
/// finishes. Results come back in input order; a host that fails does not stop the others.
pub fn simulate(
    hosts: &[HostOperations],
    ssh: &SshConfig,
    options: &LiveOptions,
    progress: &(dyn Fn(&HostSimulation) + Sync),
) -> Vec<HostSimulation> {
    let targets: Vec<Target> = hosts.iter().map(|h| h.target.clone()).collect();
    let mut first = std::collections::HashMap::new();
    let duplicate: Vec<bool> = targets
        .iter()
        .enumerate()
        .map(|(i, t)| *first.entry(t.name.as_str()).or_insert(i) != i)
        .collect();
    let nonce = std::collections::hash_map::RandomState::new()
        .build_hasher()
        .finish();
    for_each_host(
        &targets,
        ssh.forks,
        |t| {
            let i = targets
                .iter()
                .position(|x| std::ptr::eq(x, t))
                .unwrap_or_default();
            let start = Instant::now();
            let outcome = if duplicate[i] {
                Err(LiveError::Duplicate)
            } else {
                simulate_one(t, &hosts[i].operations, ssh, options, nonce)
            };
            HostSimulation {
                host: t.name.clone(),
                outcome,
                elapsed: start.elapsed(),
            }
        },
        |_, r| progress(r),
    )
    .into_iter()
    .zip(&targets)
    .map(|(r, t)| {
        r.unwrap_or_else(|| HostSimulation {
            host: t.name.clone(),
            outcome: Err(LiveError::Ssh(HostError::Spawn(
                "worker thread panicked".into(),
            ))),
            elapsed: Duration::ZERO,
        })
    })
    .collect()
}

/// `'...'` with embedded quotes closed and escaped: one shell word.
fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The script and, per operation, the command line shown to people.
pub fn script(
    operations: &[Operation],
    options: &LiveOptions,
    nonce: u64,
) -> Result<(String, Vec<String>), LiveError> {
    let apt = &options.apt_get;
    if apt.is_empty() || apt.starts_with('-') || apt.chars().any(char::is_control) {
        return Err(
            InvalidOperation(format!("`{}` cannot be the apt-get", apt.escape_debug())).into(),
        );
    }
    let mut common = vec![
        apt.clone(),
        "-s".into(),
        "-y".into(),
        "-o".into(),
        "Debug::NoLocking=1".into(),
    ];
    for o in &options.apt_options {
        let key_ok = o.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty()
                && k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_' | b'.'))
        });
        if !key_ok || o.chars().any(char::is_control) {
            return Err(InvalidOperation(format!(
                "`{}` is not an apt option (Key=Value)",
                o.escape_debug()
            ))
            .into());
        }
        common.push("-o".into());
        common.push(o.clone());
    }
    let marker = format!("@@fleetpin-sim-{nonce:016x}");
    let mut s = format!(
        "LC_ALL=C; export LC_ALL; unset LANGUAGE\n\
         if ! command -v {q} >/dev/null 2>&1; then echo '{marker} noapt'; exit 0; fi\n",
        q = quote(apt)
    );
    let mut shown = Vec::new();
    for (i, op) in operations.iter().enumerate() {
        let argv: Vec<String> = common.iter().cloned().chain(op.apt_args()?).collect();
        let line: Vec<String> = argv.iter().map(|a| quote(a)).collect();
        s.push_str(&format!(
            "echo '{marker} begin {i}'\n{} </dev/null 2>&1\necho \"{marker} end {i} $?\"\n",
            line.join(" ")
        ));
        shown.push(argv.join(" "));
    }
    s.push_str(&format!("echo '{marker} done'\n"));
    Ok((s, shown))
}

fn simulate_one(
    target: &Target,
    operations: &[Operation],
    ssh: &SshConfig,
    options: &LiveOptions,
    nonce: u64,
) -> Result<Vec<OperationResult>, LiveError> {
    let (script, commands) = script(operations, options, nonce)?;
    let out = run_remote(target, ssh, script.as_bytes()).map_err(LiveError::Ssh)?;
    read_output(
        &target.name,
        &options.apt_get,
        operations,
        &commands,
        &out.stdout,
        nonce,
    )
    .map_err(|e| {
        // Output without any marker from a command that failed: say what the remote said.
        match (&e, out.status) {
            (LiveError::Output { line: 0, .. }, Some(s)) if s != 0 => {
                LiveError::Ssh(HostError::CommandFailed {
                    status: Some(s),
                    stderr: out.stderr_tail(3),
                })
            }
            _ => e,
        }
    })
}

/// Splits the remote output at the markers and parses each operation's part.
pub fn read_output(
    host: &str,
    apt_get: &str,
    operations: &[Operation],
    commands: &[String],
    stdout: &[u8],
    nonce: u64,
) -> Result<Vec<OperationResult>, LiveError> {
    let marker = format!("@@fleetpin-sim-{nonce:016x} ");
    let mut results = Vec::with_capacity(operations.len());
    let mut current: Option<(usize, Vec<u8>)> = None;
    let mut seen_marker = false;
    let mut done = false;
    let mut lines = 0;
    for (i, line) in stdout.split(|&b| b == b'\n').enumerate() {
        lines = i + 1;
        let Some(rest) = line.strip_prefix(marker.as_bytes()) else {
            if let Some((_, buf)) = current.as_mut() {
                buf.extend_from_slice(line);
                buf.push(b'\n');
            }
            continue;
        };
        seen_marker = true;
        let rest = String::from_utf8_lossy(rest);
        let words: Vec<&str> = rest.split(' ').collect();
        let bad = || LiveError::Output {
            line: i + 1,
            message: format!("unexpected marker `{}`", rest.escape_debug()),
        };
        match words.as_slice() {
            ["noapt"] => return Err(LiveError::NoAptGet(apt_get.to_string())),
            ["begin", n] => {
                let n: usize = n.parse().map_err(|_| bad())?;
                if current.is_some() || n != results.len() || n >= operations.len() {
                    return Err(bad());
                }
                current = Some((n, Vec::new()));
            }
            ["end", n, status] => {
                let n: usize = n.parse().map_err(|_| bad())?;
                let Some((cur, buf)) = current.take() else {
                    return Err(bad());
                };
                if cur != n {
                    return Err(bad());
                }
                let (simulation, errors) = aptsim::parse_simulation_bytes(&buf);
                let origin = format!("host `{host}`, `{}`", commands[n]);
                results.push(OperationResult {
                    operation: operations[n].clone(),
                    command: commands[n].clone(),
                    status: status.parse().ok(),
                    simulation,
                    issues: errors
                        .into_iter()
                        .map(|error| OutputIssue {
                            host: host.to_string(),
                            origin: origin.clone(),
                            error,
                        })
                        .collect(),
                });
            }
            ["done"] => {
                done = true;
                break;
            }
            _ => return Err(bad()),
        }
    }
    if !seen_marker {
        let first = stdout
            .split(|&b| b == b'\n')
            .find(|l| !l.is_empty())
            .map(|l| {
                String::from_utf8_lossy(&l[..l.len().min(120)])
                    .escape_debug()
                    .to_string()
            })
            .unwrap_or_default();
        return Err(LiveError::Output {
            line: 0,
            message: if first.is_empty() {
                "no output: the simulation script did not run".into()
            } else {
                format!("the simulation script did not run; the host printed `{first}`")
            },
        });
    }
    if !done || results.len() != operations.len() {
        let during = current
            .map(|(n, _)| format!(" during `{}`", commands[n]))
            .unwrap_or_default();
        return Err(LiveError::Output {
            line: lines,
            message: format!("the output was cut off{during} (no end marker)"),
        });
    }
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::{AptOptions, UpgradeMode};

    fn ops() -> Vec<Operation> {
        vec![
            Operation::Install {
                packages: vec!["docker-ce".into()],
                no_upgrade: false,
                only_upgrade: false,
                options: AptOptions::default(),
            },
            Operation::Upgrade {
                mode: UpgradeMode::Dist,
                options: AptOptions::default(),
            },
        ]
    }

    #[test]
    fn script_quotes_every_word_and_frames_each_operation() {
        let opts = LiveOptions {
            apt_get: "/usr/bin/apt-get".into(),
            apt_options: vec!["Dir::Etc::SourceParts=/srv/it's".into()],
        };
        let (s, shown) = script(&ops(), &opts, 0xabc).unwrap();
        assert!(s.contains(
            "'/usr/bin/apt-get' '-s' '-y' '-o' 'Debug::NoLocking=1' '-o' 'Dir::Etc::SourceParts=/srv/it'\\''s' 'install' '--' 'docker-ce' </dev/null 2>&1\n"
        ), "{s}");
        assert!(s.contains("echo '@@fleetpin-sim-0000000000000abc begin 1'\n"));
        assert!(s.ends_with("echo '@@fleetpin-sim-0000000000000abc done'\n"));
        assert_eq!(
            shown[1],
            "/usr/bin/apt-get -s -y -o Debug::NoLocking=1 -o Dir::Etc::SourceParts=/srv/it's dist-upgrade"
        );
        // The script is valid sh: `sh -n` parses it.
        let mut child = std::process::Command::new("/bin/sh")
            .arg("-n")
            .stdin(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
        assert!(child.wait().unwrap().success());
        let bad = LiveOptions {
            apt_options: vec!["-q".into()],
            ..LiveOptions::default()
        };
        assert!(script(&ops(), &bad, 1).is_err());
    }

    #[test]
    fn output_framing_errors_are_named() {
        let cmds = vec![
            "apt-get -s install".to_string(),
            "apt-get -s dist-upgrade".into(),
        ];
        let m = "@@fleetpin-sim-0000000000000001";
        let ok = format!(
            "{m} begin 0\nInst a (1 x [amd64])\n{m} end 0 0\n{m} begin 1\nE: boom\n{m} end 1 100\n{m} done\n"
        );
        let r = read_output("h", "apt-get", &ops(), &cmds, ok.as_bytes(), 1).unwrap();
        assert_eq!(r[0].simulation.changes.len(), 1);
        assert_eq!(r[1].status, Some(100));
        assert!(r[1].simulation.failed());
        let cut = format!("{m} begin 0\nInst a (1 x [amd64])\n");
        let e = read_output("h", "apt-get", &ops(), &cmds, cut.as_bytes(), 1).unwrap_err();
        assert!(
            e.to_string()
                .contains("cut off during `apt-get -s install`"),
            "{e}"
        );
        // A marker with another nonce is not ours: it is apt output, not framing.
        let spoof = format!(
            "{m} begin 0\n@@fleetpin-sim-0000000000000002 done\n{m} end 0 0\n{m} begin 1\n{m} end 1 0\n{m} done\n"
        );
        assert!(read_output("h", "apt-get", &ops(), &cmds, spoof.as_bytes(), 1).is_ok());
        let e = read_output("h", "apt-get", &ops(), &cmds, b"\x1b[2JWelcome\n", 1).unwrap_err();
        assert!(e.to_string().contains("\\u{1b}[2JWelcome"), "{e}");
        let twice = format!("{m} begin 0\n{m} begin 0\n");
        let e = read_output("h", "apt-get", &ops(), &cmds, twice.as_bytes(), 1).unwrap_err();
        assert!(matches!(e, LiveError::Output { line: 2, .. }), "{e:?}");
    }
}
