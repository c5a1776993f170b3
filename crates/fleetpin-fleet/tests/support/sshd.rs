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
    /// An RPM host: sessions get `PATH=<dir>` (which must hold `rpm` and the basic tools
    /// but no `dpkg-query`), so the remote script takes its rpm branch.
    Rpm(PathBuf),
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

    /// The dpkg database directory (`DPKG_ADMINDIR`) of the server named `name`: its
    /// `status` file is that host's dpkg status.
    pub fn admin_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join(format!("{name}-admin"))
    }

    /// Starts one server; `name` names its files.
    pub fn start(&self, name: &str, behaviour: Behaviour) -> Sshd {
        self.start_with_env(name, behaviour, &[])
    }

    /// [`Lab::start`] with more variables in the sessions' environment (`SetEnv`), e.g.
    /// `APT_CONFIG` pointing at a throwaway apt root (values must not contain whitespace).
    pub fn start_with_env(&self, name: &str, behaviour: Behaviour, env: &[(&str, &str)]) -> Sshd {
        let d = self.dir.path();
        let port = free_port();
        let admin = self.admin_dir(name);
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
            Behaviour::RefuseKey | Behaviour::Rpm(_) => String::new(),
        };
        let mut path_env = match &behaviour {
            Behaviour::Rpm(bin) => format!(" PATH={}", bin.display()),
            _ => String::new(),
        };
        for (k, v) in env {
            assert!(
                !v.contains(char::is_whitespace),
                "SetEnv value with whitespace: {v}"
            );
            path_env.push_str(&format!(" {k}={v}"));
        }
        std::fs::write(admin.join("status"), status).expect("status");
        let cfg = d.join(format!("{name}-sshd_config"));
        std::fs::write(
            &cfg,
            format!(
                "Port {port}\nListenAddress 127.0.0.1\nHostKey {hk}\nPidFile none\nUsePAM no\nStrictModes no\n\
                 PermitRootLogin prohibit-password\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n\
                 AuthorizedKeysFile {ak}\nSetEnv DPKG_ADMINDIR={admin}{path_env}\nMaxStartups 100:30:200\nLogLevel ERROR\n{extra}",
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

/// Builds empty RPM packages `(name, epoch, version, release, arch)` with the real rpmbuild
/// and registers them in a fresh database under `dir` (`rpm -i --justdb`); returns a
/// directory to use as an [`Behaviour::Rpm`] host's `PATH`: `rpm` (bound to that database),
/// `cat` and `uname`, and no `dpkg-query`.
pub fn rpm_host(dir: &Path, pkgs: &[(&str, Option<u32>, &str, &str, &str)]) -> PathBuf {
    let top = dir.join("rpmbuild");
    let db = dir.join("rpmdb");
    std::fs::create_dir_all(top.join("SPECS")).expect("rpmbuild dir");
    let run = |cmd: &mut Command| {
        let out = cmd.output().expect("run rpm/rpmbuild (Debian package rpm)");
        assert!(
            out.status.success(),
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new("rpm").arg("--initdb").arg("--dbpath").arg(&db));
    for (name, epoch, version, release, arch) in pkgs {
        let spec = top
            .join("SPECS")
            .join(format!("{name}-{version}-{release}.spec"));
        let epoch = epoch.map(|e| format!("Epoch: {e}\n")).unwrap_or_default();
        std::fs::write(
            &spec,
            format!(
                "Name: {name}\n{epoch}Version: {version}\nRelease: {release}\nSummary: test\nLicense: MIT\n\
                 %description\ntest package\n%files\n"
            ),
        )
        .expect("spec");
        run(Command::new("rpmbuild")
            .arg("-bb")
            .arg("--quiet")
            .arg("--target")
            .arg(arch)
            .arg("--define")
            .arg(format!("_topdir {}", top.display()))
            .arg("--define")
            .arg(format!("_dbpath {}", db.display()))
            .arg(&spec));
        let rpm = top
            .join("RPMS")
            .join(arch)
            .join(format!("{name}-{version}-{release}.{arch}.rpm"));
        run(Command::new("rpm")
            .args([
                "-i",
                "--justdb",
                "--nodeps",
                "--ignorearch",
                "--ignoreos",
                "--dbpath",
            ])
            .arg(&db)
            .arg(&rpm));
    }
    let bin = dir.join("rpm-bin");
    std::fs::create_dir_all(&bin).expect("bin dir");
    for tool in ["cat", "uname"] {
        std::os::unix::fs::symlink(format!("/usr/bin/{tool}"), bin.join(tool)).expect("symlink");
    }
    let wrapper = bin.join("rpm");
    std::fs::write(
        &wrapper,
        format!(
            "#!/bin/sh\nexec /usr/bin/rpm --dbpath {} \"$@\"\n",
            db.display()
        ),
    )
    .expect("rpm wrapper");
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&wrapper, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    bin
}
