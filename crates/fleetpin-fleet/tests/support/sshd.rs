//! Real OpenSSH servers on loopback for tests and the gather benchmark.
//!
//! Each [`Sshd`] is `/usr/sbin/sshd -D -e -f CFG` running as the current user with a
//! throwaway host key, listening on 127.0.0.1 only, killed on drop. A [`Lab`] owns the
//! keys and the client `ssh_config` (`UserKnownHostsFile` in the tempdir,
//! `StrictHostKeyChecking accept-new`, the lab's identity), so tests never touch `~/.ssh`.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The sshd binary (Debian package openssh-server).
pub const SSHD: &str = "/usr/sbin/sshd";

/// Keys and client configuration shared by the lab's servers.
pub struct Lab {
    pub dir: tempfile::TempDir,
    pub client_config: PathBuf,
    pub client_key: PathBuf,
    pub other_key: PathBuf,
}

/// A running sshd.
pub struct Sshd {
    pub port: u16,
    child: Child,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// How a lab host behaves.
pub enum Behaviour {
    /// Normal host whose dpkg database is this status file text.
    Dpkg(String),
    /// The server only accepts a key the client does not have.
    RefuseKey,
    /// `ForceCommand`: runs this instead of the requested command.
    Force(String, String),
}

/// A port nothing listens on (bound then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind loopback")
        .local_addr()
        .expect("addr")
        .port()
}

fn keygen(path: &Path) {
    let st = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "fleetpin-test", "-f"])
        .arg(path)
        .stdout(Stdio::null())
        .status()
        .expect("run ssh-keygen (package openssh-client)");
    assert!(st.success(), "ssh-keygen failed");
}

/// Whether the real sshd is installed; tests that need it fail loudly without it.
pub fn require_sshd() {
    assert!(
        Path::new(SSHD).exists(),
        "{SSHD} is missing: install the Debian package openssh-server"
    );
}

impl Lab {
    pub fn new() -> Lab {
        require_sshd();
        // sshd insists on its privilege separation directory.
        let _ = std::fs::create_dir_all("/run/sshd");
        let dir = tempfile::tempdir().expect("tempdir");
        let client_key = dir.path().join("client_key");
        let other_key = dir.path().join("other_key");
        keygen(&client_key);
        keygen(&other_key);
        keygen(&dir.path().join("host_key"));
        let client_config = dir.path().join("ssh_config");
        std::fs::write(
            &client_config,
            format!(
                "Host *\n  StrictHostKeyChecking accept-new\n  UserKnownHostsFile {}\n  IdentityFile {}\n  IdentitiesOnly yes\n  LogLevel ERROR\n",
                dir.path().join("known_hosts").display(),
                client_key.display()
            ),
        )
        .expect("write ssh_config");
        Lab {
            dir,
            client_config,
            client_key,
            other_key,
        }
    }

    /// Starts one server; `name` names its files.
    pub fn start(&self, name: &str, behaviour: Behaviour) -> Sshd {
        let d = self.dir.path();
        let port = free_port();
        let admin = d.join(format!("{name}-admin"));
        std::fs::create_dir_all(&admin).expect("admindir");
        let mut extra = String::new();
        let authorized = match &behaviour {
            Behaviour::RefuseKey => self.other_key.with_extension("pub"),
            _ => self.client_key.with_extension("pub"),
        };
        let status = match &behaviour {
            Behaviour::Dpkg(s) => s.clone(),
            Behaviour::Force(s, cmd) => {
                extra.push_str(&format!("ForceCommand {cmd}\n"));
                s.clone()
            }
            Behaviour::RefuseKey => String::new(),
        };
        std::fs::write(admin.join("status"), status).expect("status");
        let cfg = d.join(format!("{name}-sshd_config"));
        std::fs::write(
            &cfg,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile none\nUsePAM no\nStrictModes no\n\
                 PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 AuthorizedKeysFile {ak}\nSetEnv DPKG_ADMINDIR={admin}\nMaxStartups 100:30:200\nLogLevel ERROR\n{extra}",
                hk = d.join("host_key").display(),
                ak = authorized.display(),
                admin = admin.display(),
            ),
        )
        .expect("sshd_config");
        let child = Command::new(SSHD)
            .args(["-D", "-e", "-f"])
            .arg(&cfg)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start sshd");
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "sshd on port {port} did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Sshd { port, child }
    }
}

/// A dpkg status file with the given (name, version, want) packages.
pub fn status_file(pkgs: &[(&str, &str, &str)]) -> String {
    let mut s = String::new();
    for (name, version, want) in pkgs {
        s.push_str(&format!(
            "Package: {name}\nStatus: {want} ok installed\nPriority: optional\nSection: admin\nMaintainer: Test <test@example.org>\nArchitecture: amd64\nVersion: {version}\nDescription: test package {name}\n\n"
        ));
    }
    s
}
