//! The fixed remote script and the parser of its output.
//!
//! The script is sent on ssh's standard input to `/bin/sh -s`; nothing from the inventory is
//! ever part of it. Its output is a series of sections, each opened by a line `@@name`,
//! between a header `@@fleetpin-facts 1` and a trailer `@@end`. A missing trailer means the
//! output was cut off (connection dropped, host rebooted, command killed) and the host is
//! reported as failed rather than recorded with a partial package list. Anything printed
//! before the header (a chatty shell profile) is ignored.

use std::path::PathBuf;

use crate::Error;
use crate::facts::{FactsSource, HostFacts, OsRelease, PackageManager};
use crate::import::{parse_query, parse_rpm_qa};

/// The remote script, sent on stdin to `/bin/sh -s`.
pub const REMOTE_SCRIPT: &str = r#"LC_ALL=C
export LC_ALL
echo '@@fleetpin-facts 1'
echo '@@os-release'
cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
echo '@@kernel'
uname -r 2>/dev/null
echo '@@machine'
uname -m 2>/dev/null
echo '@@apparmor'
cat /sys/module/apparmor/parameters/enabled 2>/dev/null
echo '@@cgroup'
stat -fc %T /sys/fs/cgroup 2>/dev/null
echo '@@iptables'
# iptables lives in sbin, outside an unprivileged login PATH; -V needs no privileges.
PATH="$PATH:/usr/sbin:/sbin" iptables -V 2>/dev/null
echo '@@docker'
# The engine's version: from the daemon if we may ask it, else from the dockerd binary
# (never the client's version, which can differ).
v=$(docker version --format '{{.Server.Version}}' 2>/dev/null) || v=
if [ -n "$v" ]; then
  echo "$v"
elif command -v dockerd >/dev/null 2>&1; then
  dockerd --version 2>/dev/null
fi
if command -v dpkg-query >/dev/null 2>&1; then
  echo '@@dpkg-arch'
  dpkg --print-architecture 2>/dev/null
  echo '@@dpkg'
  dpkg-query -W -f '${Package}\t${Version}\t${Architecture}\t${db:Status-Abbrev}\n' || echo "@@error dpkg-query failed with exit status $?"
elif command -v rpm >/dev/null 2>&1; then
  echo '@@rpm'
  rpm -qa --qf '%{NAME}\t%{EPOCH}\t%{VERSION}\t%{RELEASE}\t%{ARCH}\n' || echo "@@error rpm -qa failed with exit status $?"
else
  echo '@@error neither dpkg-query nor rpm is installed'
fi
echo '@@end'
"#;

/// Why the output of one host could not be turned into facts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputError {
    /// No `@@fleetpin-facts` header: the remote side did not run the script.
    NoHeader,
    /// No `@@end` trailer: the output was cut off.
    Truncated {
        /// Lines received.
        lines: usize,
    },
    /// The script reported a failure (`@@error ...`).
    Remote(String),
    /// A line that does not parse.
    Garbage {
        /// 1-based line in the output.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

impl std::fmt::Display for OutputError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OutputError::NoHeader => {
                f.write_str("the remote output has no fleetpin header (the script did not run)")
            }
            OutputError::Truncated { lines } => {
                write!(
                    f,
                    "the remote output was cut off after {lines} lines (no end marker)"
                )
            }
            OutputError::Remote(m) => write!(f, "remote: {m}"),
            OutputError::Garbage { line, message } => {
                write!(f, "remote output line {line}: {message}")
            }
        }
    }
}

/// Parses the script's output into facts for `host`.
pub fn parse_output(host: &str, out: &str) -> Result<HostFacts, OutputError> {
    let lines: Vec<&str> = out.lines().collect();
    let Some(start) = lines
        .iter()
        .position(|l| l.trim_end() == "@@fleetpin-facts 1")
    else {
        return Err(OutputError::NoHeader);
    };
    if !lines.iter().skip(start).any(|l| l.trim_end() == "@@end") {
        return Err(OutputError::Truncated { lines: lines.len() });
    }
    let mut facts = HostFacts::new(host, FactsSource::Ssh, PackageManager::Dpkg);
    let mut section = "";
    let mut body: Vec<(usize, &str)> = Vec::new();
    let mut have_packages = false;
    let mut finish = |section: &str,
                      body: &mut Vec<(usize, &str)>,
                      facts: &mut HostFacts|
     -> Result<(), OutputError> {
        let text = || body.iter().map(|(_, l)| *l).collect::<Vec<_>>().join("\n");
        let first = || {
            body.iter()
                .map(|(_, l)| l.trim())
                .find(|l| !l.is_empty())
                .map(str::to_string)
        };
        match section {
            "os-release" => facts.os = OsRelease::parse(&text()),
            "kernel" => facts.kernel = first(),
            "machine" => {
                if facts.native_arch.is_none() {
                    facts.native_arch = first();
                }
            }
            "dpkg-arch" => facts.native_arch = first(),
            "apparmor" => facts.apparmor_enabled = first().map(|v| v == "Y"),
            "cgroup" => facts.cgroup_version = first().and_then(|t| cgroup_version(&t)),
            "iptables" => facts.iptables_backend = first().and_then(|v| iptables_backend(&v)),
            "docker" => facts.docker_version = first().and_then(|v| docker_version(&v)),
            "dpkg" | "rpm" => {
                let base = body.first().map_or(0, |(n, _)| *n);
                let path = PathBuf::from(format!("{host}:output"));
                let parsed = if section == "dpkg" {
                    parse_query(&text(), &path)
                } else {
                    facts.package_manager = PackageManager::Rpm;
                    parse_rpm_qa(&text(), &path)
                };
                facts.packages = parsed.map_err(|e| match e {
                    Error::Parse { line, message, .. } => OutputError::Garbage {
                        line: base + line - 1,
                        message,
                    },
                    other => OutputError::Garbage {
                        line: base,
                        message: other.to_string(),
                    },
                })?;
                have_packages = true;
            }
            "" => {}
            other => {
                return Err(OutputError::Garbage {
                    line: body.first().map_or(0, |(n, _)| n.saturating_sub(1)),
                    message: format!("unknown section `@@{other}`"),
                });
            }
        }
        body.clear();
        Ok(())
    };
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        if let Some(marker) = line.strip_prefix("@@") {
            let marker = marker.trim_end();
            finish(section, &mut body, &mut facts)?;
            if let Some(msg) = marker.strip_prefix("error ") {
                return Err(OutputError::Remote(msg.to_string()));
            }
            if marker == "end" {
                break;
            }
            section = marker;
            continue;
        }
        body.push((i + 1, line));
    }
    if !have_packages {
        return Err(OutputError::Remote("no package list in the output".into()));
    }
    facts.normalize();
    Ok(facts)
}

/// The cgroup hierarchy from the file system type of `/sys/fs/cgroup` (`stat -fc %T`):
/// `cgroup2fs` is the unified hierarchy (2); `tmpfs` holds the v1 controllers of the legacy
/// or hybrid hierarchy (1).
pub(crate) fn cgroup_version(fs_type: &str) -> Option<u8> {
    match fs_type.trim() {
        "cgroup2fs" => Some(2),
        "tmpfs" => Some(1),
        _ => None,
    }
}

/// `nft` or `legacy` from `iptables -V` (`iptables v1.8.9 (nf_tables)`; before 1.8 there
/// was only the legacy backend and no suffix).
pub(crate) fn iptables_backend(version: &str) -> Option<String> {
    let v = version.trim();
    if !v.starts_with("iptables v") {
        return None;
    }
    Some(
        if v.ends_with("(nf_tables)") {
            "nft"
        } else {
            "legacy"
        }
        .to_string(),
    )
}

/// `23.0.1` from `23.0.1` (docker version --format) or `Docker version 23.0.1, build bc3805a`.
fn docker_version(s: &str) -> Option<String> {
    let s = s.trim();
    let v = s
        .strip_prefix("Docker version ")
        .map_or(s, |rest| rest.split(',').next().unwrap_or(rest));
    let v = v.trim();
    (!v.is_empty() && v.starts_with(|c: char| c.is_ascii_digit())).then(|| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "Welcome to node1!\n@@fleetpin-facts 1\n@@os-release\nID=debian\nVERSION_ID=\"10\"\nVERSION_CODENAME=buster\n@@kernel\n4.19.0-23-amd64\n@@machine\nx86_64\n@@apparmor\nY\n@@cgroup\ncgroup2fs\n@@iptables\niptables v1.8.2 (nf_tables)\n@@docker\nDocker version 23.0.1, build a5ee5b1\n@@dpkg-arch\namd64\n@@dpkg\ndocker-ce\t5:23.0.1-1~debian.10~buster\tamd64\thi \nbash\t5.0-4\tamd64\tii \n@@end\n";

    #[test]
    fn parses_good_output() {
        let f = parse_output("node1", GOOD).unwrap();
        assert_eq!(f.os.as_ref().unwrap().key(), "debian-10");
        assert_eq!(f.kernel.as_deref(), Some("4.19.0-23-amd64"));
        assert_eq!(f.native_arch.as_deref(), Some("amd64"));
        assert_eq!(f.apparmor_enabled, Some(true));
        assert_eq!(f.cgroup_version, Some(2));
        assert_eq!(f.iptables_backend.as_deref(), Some("nft"));
        assert_eq!(f.docker_version.as_deref(), Some("23.0.1"));
        assert_eq!(f.packages.len(), 2);
        assert_eq!(f.packages[1].held(), Some(true));
    }

    #[test]
    fn cgroup_and_iptables_facts() {
        assert_eq!(cgroup_version("cgroup2fs"), Some(2));
        assert_eq!(cgroup_version("tmpfs"), Some(1));
        assert_eq!(cgroup_version("sysfs"), None);
        assert_eq!(
            iptables_backend("iptables v1.8.9 (legacy)").as_deref(),
            Some("legacy")
        );
        assert_eq!(
            iptables_backend("iptables v1.6.0").as_deref(),
            Some("legacy")
        );
        assert_eq!(iptables_backend("sh: iptables: not found"), None);
        // A host without iptables or cgroup file system: the facts are unknown, not errors.
        let none = GOOD
            .replace("cgroup2fs\n", "")
            .replace("iptables v1.8.2 (nf_tables)\n", "");
        let f = parse_output("n", &none).unwrap();
        assert_eq!((f.cgroup_version, f.iptables_backend), (None, None));
    }

    #[test]
    fn rejects_truncated_garbage_and_missing_header() {
        let cut = &GOOD[..GOOD.find("bash").unwrap()];
        assert_eq!(
            parse_output("n", cut),
            Err(OutputError::Truncated { lines: 22 })
        );
        assert_eq!(parse_output("n", "hello\n"), Err(OutputError::NoHeader));
        let garbage = GOOD.replace("bash\t5.0-4\tamd64\tii ", "%%% random noise %%%");
        match parse_output("n", &garbage) {
            Err(OutputError::Garbage { line: 23, message }) => {
                assert!(message.contains("random noise"), "{message}")
            }
            other => panic!("{other:?}"),
        }
        let failed = GOOD.replace(
            "@@dpkg\n",
            "@@dpkg\n@@error dpkg-query failed with exit status 2\n",
        );
        assert!(matches!(
            parse_output("n", &failed),
            Err(OutputError::Remote(_))
        ));
    }
}
