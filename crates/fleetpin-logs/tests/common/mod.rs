//! The synthetic incident journal shared by the integration tests, and helpers to run the real
//! journal tools.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;

/// One entry to write, with every field set explicitly.
#[derive(Debug, Clone)]
pub struct Gen {
    pub ts: u64,
    pub host: String,
    pub unit: Option<&'static str>,
    pub ident: &'static str,
    pub comm: &'static str,
    pub pid: u32,
    pub priority: u8,
    pub message: String,
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic ids.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn hex(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from_digit((self.next() % 16) as u32, 16).unwrap())
            .collect()
    }
    fn swarm_id(&mut self) -> String {
        const A: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
        let mut s: String = (0..25)
            .map(|_| A[(self.next() % 36) as usize] as char)
            .collect();
        s.replace_range(0..1, "x");
        s.replace_range(1..2, "1");
        s
    }
}

/// 2023-02-20T10:00:00Z.
pub const T0: u64 = 1_676_887_200_000_000;

/// Who writes an entry: unit, SYSLOG_IDENTIFIER, _COMM and _PID (0: none).
#[derive(Clone, Copy)]
struct Src {
    unit: Option<&'static str>,
    ident: &'static str,
    comm: &'static str,
    pid: u32,
}

const KERNEL: Src = Src {
    unit: None,
    ident: "kernel",
    comm: "kernel",
    pid: 0,
};
const DOCKERD: Src = Src {
    unit: Some("docker.service"),
    ident: "dockerd",
    comm: "dockerd",
    pid: 812,
};
const SYSTEMD: Src = Src {
    unit: Some("docker.service"),
    ident: "systemd",
    comm: "systemd",
    pid: 1,
};
const APT: Src = Src {
    unit: Some("apt-daily.service"),
    ident: "apt-get",
    comm: "apt-get",
    pid: 4242,
};

fn udevd(pid: u32) -> Src {
    Src {
        unit: Some("systemd-udevd.service"),
        ident: "systemd-udevd",
        comm: "systemd-udevd",
        pid,
    }
}

/// The entries written so far, 0.137 s apart (timestamps distinct and increasing).
struct Journal {
    out: Vec<Gen>,
    ts: u64,
}

impl Journal {
    fn log(&mut self, host: &str, src: Src, priority: u8, message: impl Into<String>) {
        self.ts += 137_000;
        self.out.push(Gen {
            ts: self.ts,
            host: host.into(),
            unit: src.unit,
            ident: src.ident,
            comm: src.comm,
            pid: src.pid,
            priority,
            message: message.into(),
        });
    }
}

/// The incident: `rounds` container (re)starts per host and phase, on 3 hosts. Phase 1: the
/// AppArmor failure; phase 2 (after `apparmor` was installed): private images pulled without
/// credentials. Every start floods the kernel/udev veth lines.
pub fn incident(rounds: usize) -> Vec<Gen> {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut j = Journal {
        out: Vec::new(),
        ts: T0,
    };
    let hosts = ["node1", "node2", "node3"];
    for host in hosts {
        j.log(host, DOCKERD, 6, "Loading containers: start.");
        j.log(
            host,
            SYSTEMD,
            6,
            "Started Docker Application Container Engine.",
        );
    }
    let node_ids: Vec<String> = hosts.iter().map(|_| rng.swarm_id()).collect();
    let service = rng.swarm_id();
    for phase in 1..=2 {
        for round in 0..rounds {
            for (h, host) in hosts.iter().enumerate() {
                let veth = rng.hex(7);
                let port = 2 + (round % 5);
                let bridge = if round % 2 == 0 {
                    "docker_gwbridge"
                } else {
                    "docker0"
                };
                let udev = udevd(30_000 + (rng.next() % 5000) as u32);
                j.log(
                    host,
                    KERNEL,
                    6,
                    format!("{bridge}: port {port}(veth{veth}) entered blocking state"),
                );
                j.log(
                    host,
                    KERNEL,
                    6,
                    format!("{bridge}: port {port}(veth{veth}) entered disabled state"),
                );
                j.log(
                    host,
                    KERNEL,
                    6,
                    format!("device veth{veth} entered promiscuous mode"),
                );
                j.log(
                    host,
                    udev,
                    3,
                    format!("veth{veth}: Could not generate persistent MAC: No data available"),
                );
                j.log(
                    host,
                    udev,
                    6,
                    format!("veth{veth}: link_config: autonegotiation is unset or enabled, the speed and duplex are not writable."),
                );
                j.log(
                    host,
                    KERNEL,
                    6,
                    format!("IPv6: ADDRCONF(NETDEV_CHANGE): veth{veth}: link becomes ready"),
                );
                let ts = j.ts;
                let time = format!(
                    "2023-02-20T10:{:02}:{:02}.{:09}Z",
                    (ts / 60_000_000) % 60,
                    (ts / 1_000_000) % 60,
                    (ts % 1_000_000) * 1000
                );
                let task = rng.swarm_id();
                let error = if phase == 1 {
                    "starting container failed: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: unable to apply apparmor profile: apparmor failed to apply profile: write /proc/self/attr/apparmor/exec: no such file or directory: unknown"
                        .to_owned()
                } else {
                    format!(
                        "No such image: registry.example.com/app@sha256:{}",
                        rng.hex(64)
                    )
                };
                let node = &node_ids[h];
                if phase == 2 && round % 3 == 0 {
                    j.log(
                        host,
                        DOCKERD,
                        3,
                        format!(
                            "time=\"{time}\" level=error msg=\"Not continuing with pull after error: errors:\\ndenied: requested access to the resource is denied\\nunauthorized: authentication required\\n\""
                        ),
                    );
                    j.log(
                        host,
                        DOCKERD,
                        4,
                        format!(
                            "time=\"{time}\" level=warning msg=\"pull access denied for registry.example.com/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied\" module=node/agent/taskmanager node.id={node}"
                        ),
                    );
                }
                if phase == 2 && round % 4 == 1 {
                    j.log(
                        host,
                        DOCKERD,
                        3,
                        format!(
                            "time=\"{time}\" level=error msg=\"failed to resolve image digest\" error=\"no basic auth credentials\""
                        ),
                    );
                }
                j.log(
                    host,
                    DOCKERD,
                    3,
                    format!(
                        "time=\"{time}\" level=error msg=\"fatal task error\" error=\"{error}\" module=node/agent/taskmanager node.id={node} service.id={service} task.id={task}"
                    ),
                );
                j.log(
                    host,
                    KERNEL,
                    6,
                    format!("{bridge}: port {port}(veth{veth}) entered disabled state"),
                );
                j.log(
                    host,
                    KERNEL,
                    6,
                    format!("device veth{veth} left promiscuous mode"),
                );
            }
        }
        if phase == 1 {
            for host in hosts {
                j.log(host, APT, 6, "Setting up apparmor (2.13.2-10) ...");
                j.log(
                    host,
                    SYSTEMD,
                    6,
                    "Stopping Docker Application Container Engine...",
                );
            }
        }
    }
    j.out
}

/// The entries in `journalctl -o export` format, as systemd-journal-remote reads them.
pub fn to_export(entries: &[Gen]) -> Vec<u8> {
    let boot = "0123456789abcdef0123456789abcdef";
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let mut field = |k: &str, v: &str| {
            if v.contains('\n') {
                out.extend_from_slice(k.as_bytes());
                out.push(b'\n');
                out.extend_from_slice(&(v.len() as u64).to_le_bytes());
                out.extend_from_slice(v.as_bytes());
                out.push(b'\n');
            } else {
                out.extend_from_slice(format!("{k}={v}\n").as_bytes());
            }
        };
        field("__REALTIME_TIMESTAMP", &e.ts.to_string());
        field(
            "__MONOTONIC_TIMESTAMP",
            &(1_000_000 + i as u64 * 1000).to_string(),
        );
        field("_BOOT_ID", boot);
        field("_HOSTNAME", &e.host);
        field("SYSLOG_IDENTIFIER", e.ident);
        field("_COMM", e.comm);
        if e.pid != 0 {
            field("_PID", &e.pid.to_string());
        }
        if let Some(u) = e.unit {
            field("_SYSTEMD_UNIT", u);
        }
        field("PRIORITY", &e.priority.to_string());
        field("MESSAGE", &e.message);
        out.push(b'\n');
    }
    out
}

/// The entries as `journalctl -o json` lines (what journalctl would print, field for field).
pub fn to_json(entries: &[Gen]) -> String {
    let mut out = String::new();
    for e in entries {
        let mut m = serde_json::Map::new();
        m.insert("__REALTIME_TIMESTAMP".into(), e.ts.to_string().into());
        m.insert("_HOSTNAME".into(), e.host.clone().into());
        m.insert("SYSLOG_IDENTIFIER".into(), e.ident.into());
        m.insert("_COMM".into(), e.comm.into());
        if e.pid != 0 {
            m.insert("_PID".into(), e.pid.to_string().into());
        }
        if let Some(u) = e.unit {
            m.insert("_SYSTEMD_UNIT".into(), u.into());
        }
        m.insert("PRIORITY".into(), e.priority.to_string().into());
        m.insert("MESSAGE".into(), e.message.clone().into());
        out.push_str(&serde_json::Value::Object(m).to_string());
        out.push('\n');
    }
    out
}

/// The path of systemd-journal-remote, or `None` (after a note) when it is missing and
/// oracles are not required (`fleetpin_testkit::oracle`).
pub fn journal_remote() -> Option<PathBuf> {
    let found = [
        "/lib/systemd/systemd-journal-remote",
        "/usr/lib/systemd/systemd-journal-remote",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists() && Command::new("journalctl").arg("--version").output().is_ok());
    fleetpin_testkit::oracle(
        found,
        "systemd-journal-remote and journalctl (Debian package systemd-journal-remote)",
    )
}
