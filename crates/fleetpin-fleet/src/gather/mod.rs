//! Gathering facts over SSH with the system OpenSSH client.
//!
//! Each host gets one `ssh` process, so `~/.ssh/config`, keys, agents, `ProxyJump` and
//! `ControlMaster` behave as the operator expects. At most `forks` run at once. The remote
//! command is the fixed `/bin/sh -s` and the script ([`script::REMOTE_SCRIPT`]) goes on
//! stdin; host names, users and options from the inventory are separate argv items, never
//! shell text, and a destination starting with `-` is refused. `BatchMode=yes` makes ssh fail
//! instead of prompting, `ConnectTimeout` bounds the connection and a per-host deadline
//! kills ssh if the whole exchange takes too long.

mod exec;
pub mod script;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use fleetpin_inventory::Connection;

use crate::facts::HostFacts;
pub use exec::{RemoteOutput, for_each_host, run_remote};
pub use script::{OutputError, REMOTE_SCRIPT, parse_output};

/// How to run ssh.
#[derive(Debug, Clone)]
pub struct SshConfig {
    /// The ssh binary (default `ssh` from `PATH`).
    pub program: PathBuf,
    /// An ssh_config file passed with `-F` (default: the user's own configuration).
    pub config_file: Option<PathBuf>,
    /// Extra `-o` options (`Key=Value`), each passed as its own argv item.
    pub options: Vec<String>,
    /// `ConnectTimeout`, in whole seconds.
    pub connect_timeout: Duration,
    /// Deadline for one host, connection included; ssh is killed past it.
    pub timeout: Duration,
    /// Hosts gathered at once (like Ansible's `--forks`, default 5).
    pub forks: usize,
}

impl Default for SshConfig {
    fn default() -> Self {
        SshConfig {
            program: PathBuf::from("ssh"),
            config_file: None,
            options: Vec::new(),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(120),
            forks: 5,
        }
    }
}

/// One host to gather.
#[derive(Debug, Clone)]
pub struct Target {
    /// Inventory host name (the facts file is named after it).
    pub name: String,
    /// Inventory groups to record in the facts.
    pub groups: Vec<String>,
    /// How to reach it.
    pub connection: Connection,
}

impl Target {
    /// A target reached by its own name, without inventory variables.
    pub fn bare(name: impl Into<String>) -> Target {
        let name = name.into();
        Target {
            connection: Connection {
                address: name.clone(),
                port: None,
                user: None,
                private_key_file: None,
                ssh_args: Vec::new(),
            },
            name,
            groups: Vec::new(),
        }
    }
}

/// Why a host could not be gathered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostError {
    /// The host name, address or user would be read as an option, or contains whitespace.
    InvalidTarget(String),
    /// ssh could not be started.
    Spawn(String),
    /// Connection refused, timed out, name not resolved, or closed before authentication.
    Unreachable(String),
    /// The server refused every key (`Permission denied`).
    AuthFailed(String),
    /// The host key is unknown or changed and strict checking refused it.
    HostKey(String),
    /// Other ssh failure (exit status 255).
    Ssh(String),
    /// The host did not finish within the deadline; ssh was killed.
    Timeout(Duration),
    /// The remote command exited non-zero.
    CommandFailed {
        /// Exit status, if any.
        status: Option<i32>,
        /// Last lines of its stderr.
        stderr: String,
    },
    /// The remote output is incomplete or malformed.
    Output(OutputError),
}

impl HostError {
    /// A short category for summaries: `unreachable`, `auth failed`, `host key`, `timeout`,
    /// `command failed`, `bad output`, `invalid host`, `ssh error`.
    pub fn kind(&self) -> &'static str {
        match self {
            HostError::InvalidTarget(_) => "invalid host",
            HostError::Spawn(_) | HostError::Ssh(_) => "ssh error",
            HostError::Unreachable(_) => "unreachable",
            HostError::AuthFailed(_) => "auth failed",
            HostError::HostKey(_) => "host key",
            HostError::Timeout(_) => "timeout",
            HostError::CommandFailed { .. } => "command failed",
            HostError::Output(_) => "bad output",
        }
    }
}

impl std::fmt::Display for HostError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HostError::InvalidTarget(m) | HostError::Spawn(m) | HostError::Ssh(m) => f.write_str(m),
            HostError::Unreachable(m) | HostError::AuthFailed(m) | HostError::HostKey(m) => {
                f.write_str(m)
            }
            HostError::Timeout(d) => {
                write!(f, "no answer within {}s; ssh was stopped", d.as_secs())
            }
            HostError::CommandFailed { status, stderr } => match status {
                Some(s) => write!(f, "remote command exited with status {s}: {stderr}"),
                None => write!(f, "remote command was killed by a signal: {stderr}"),
            },
            HostError::Output(e) => write!(f, "{e}"),
        }
    }
}

/// The outcome for one host.
#[derive(Debug, Clone)]
pub struct HostResult {
    /// Inventory host name.
    pub host: String,
    /// Facts, or why there are none.
    pub outcome: Result<HostFacts, HostError>,
    /// Wall time spent on the host.
    pub elapsed: Duration,
}

fn check_arg(what: &str, value: &str) -> Result<(), HostError> {
    if value.starts_with('-') {
        return Err(HostError::InvalidTarget(format!(
            "{what} `{value}` starts with `-` and would be read as an ssh option; refusing it"
        )));
    }
    if value.is_empty() || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(HostError::InvalidTarget(format!(
            "{what} `{value:?}` is empty or contains whitespace"
        )));
    }
    Ok(())
}

/// The ssh command for a target: every value a separate argv item, the remote command fixed.
pub fn ssh_command(target: &Target, cfg: &SshConfig) -> Result<Command, HostError> {
    let c = &target.connection;
    check_arg("host name", &target.name)?;
    check_arg("address", &c.address)?;
    if let Some(user) = &c.user {
        check_arg("user", user)?;
    }
    let mut cmd = Command::new(&cfg.program);
    if let Some(f) = &cfg.config_file {
        cmd.arg("-F").arg(f);
    }
    // First obtained value wins in ssh: BatchMode cannot be overridden, the user's options
    // and the inventory's beat our ConnectTimeout default.
    cmd.args(["-o", "BatchMode=yes"]);
    for o in &cfg.options {
        cmd.arg("-o").arg(o);
    }
    cmd.args(&c.ssh_args);
    cmd.arg("-o").arg(format!(
        "ConnectTimeout={}",
        cfg.connect_timeout.as_secs().max(1)
    ));
    if let Some(p) = c.port {
        cmd.arg("-p").arg(p.to_string());
    }
    if let Some(u) = &c.user {
        cmd.arg("-l").arg(u);
    }
    if let Some(k) = &c.private_key_file {
        cmd.arg("-i").arg(k);
    }
    cmd.arg("-T").arg("--").arg(&c.address).arg("/bin/sh -s");
    cmd.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Ok(cmd)
}

pub(crate) fn classify_ssh_failure(stderr: &str) -> HostError {
    let last = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Warning: Permanently added"))
        .collect::<Vec<_>>()
        .join("; ");
    let has = |needles: &[&str]| needles.iter().any(|n| stderr.contains(n));
    if has(&["Permission denied", "Too many authentication failures"]) {
        HostError::AuthFailed(last)
    } else if has(&[
        "Host key verification failed",
        "REMOTE HOST IDENTIFICATION HAS CHANGED",
        "No ED25519 host key is known",
        "host key for",
    ]) {
        HostError::HostKey(last)
    } else if has(&[
        "Connection refused",
        "Connection timed out",
        "timed out",
        "No route to host",
        "Could not resolve hostname",
        "Network is unreachable",
        "Connection closed by",
        "Connection reset",
        "kex_exchange_identification",
        "Name or service not known",
    ]) {
        HostError::Unreachable(last)
    } else {
        HostError::Ssh(if last.is_empty() {
            "ssh exited with status 255".into()
        } else {
            last
        })
    }
}

/// Runs the script on one host.
pub fn gather_one(target: &Target, cfg: &SshConfig) -> HostResult {
    let start = Instant::now();
    let outcome = run_one(target, cfg).map(|mut facts| {
        facts.groups = target.groups.clone();
        facts.gathered_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs());
        facts.normalize();
        facts
    });
    HostResult {
        host: target.name.clone(),
        outcome,
        elapsed: start.elapsed(),
    }
}

fn run_one(target: &Target, cfg: &SshConfig) -> Result<HostFacts, HostError> {
    let out = run_remote(target, cfg, REMOTE_SCRIPT.as_bytes())?;
    let text = String::from_utf8_lossy(&out.stdout);
    match out.status {
        Some(0) => parse_output(&target.name, &text).map_err(HostError::Output),
        code => {
            // Prefer the output's own diagnosis (cut off) when there is output at all.
            if text.contains("@@fleetpin-facts")
                && let Err(e) = parse_output(&target.name, &text)
            {
                return Err(HostError::Output(e));
            }
            Err(HostError::CommandFailed {
                status: code,
                stderr: out.stderr_tail(5),
            })
        }
    }
}

/// Gathers all targets with at most `cfg.forks` ssh processes at once. `progress` is called
/// (from worker threads) as each host finishes. Results come back in target order.
pub fn gather(
    targets: &[Target],
    cfg: &SshConfig,
    progress: &(dyn Fn(&HostResult) + Sync),
) -> Vec<HostResult> {
    for_each_host(
        targets,
        cfg.forks,
        |t| gather_one(t, cfg),
        |_, r| progress(r),
    )
    .into_iter()
    .zip(targets)
    .map(|(r, t)| {
        r.unwrap_or_else(|| HostResult {
            host: t.name.clone(),
            outcome: Err(HostError::Spawn("worker thread panicked".into())),
            elapsed: Duration::ZERO,
        })
    })
    .collect()
}
