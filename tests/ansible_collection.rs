//! The Ansible collection `fleetpin.guard` (ansible/), built with the real `ansible-galaxy
//! collection build`, installed from its tarball, and run by the real `ansible-playbook`
//! against localhost and against real sshd servers on loopback (the ssh connection plugin):
//! `fleetpin.guard.facts` writes facts `fleetpin lock` and `drift` read, with each host's own
//! dpkg-query as the oracle of what is installed and the host's mounts and iptables binary as
//! the oracle of its conditions; the `preflight` role stops a risky play before any host is
//! touched and lets a safe one run.

#[path = "../crates/fleetpin-fleet/tests/support/sshd.rs"]
mod sshd;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn venv_tool(name: &str) -> Option<PathBuf> {
    let tools = std::env::var_os("FLEETPIN_TOOLS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/fleetpin-tools"))
        });
    tools
        .map(|t| t.join("venv/bin").join(name))
        .filter(|p| p.is_file())
        .or_else(|| fleetpin_testkit::on_path(name))
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Builds the collection and installs its tarball under `dir/collections`.
fn install_collection(galaxy: &Path, dir: &Path) -> PathBuf {
    let out = Command::new(galaxy)
        .args(["collection", "build", "--force", "--output-path"])
        .arg(dir)
        .arg(workspace_root().join("ansible"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let tarball = dir.join("fleetpin-guard-0.1.0.tar.gz");
    assert!(tarball.is_file(), "{}", text(&out));
    let collections = dir.join("collections");
    let out = Command::new(galaxy)
        .args(["collection", "install", "-p"])
        .arg(&collections)
        .arg(&tarball)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    collections
}

/// localhost through the local connection, with the system Python (python3-apt for
/// package_facts), in two groups like a fleet host.
const LOCAL_INVENTORY: &str = "[web]\nnode1 ansible_connection=local \
     ansible_python_interpreter=/usr/bin/python3\n\n[prod:children]\nweb\n";

fn playbook(ansible_playbook: &Path, dir: &Path, collections: &Path, play: &str) -> Output {
    playbook_on(ansible_playbook, dir, collections, LOCAL_INVENTORY, play)
}

/// Runs `play` with the real ansible-playbook over `inventory` (both written into `dir`).
fn playbook_on(
    ansible_playbook: &Path,
    dir: &Path,
    collections: &Path,
    inventory: &str,
    play: &str,
) -> Output {
    std::fs::write(dir.join("play.yml"), play).unwrap();
    std::fs::write(dir.join("inventory.ini"), inventory).unwrap();
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_fleetpin")).parent().unwrap();
    Command::new(ansible_playbook)
        .current_dir(dir)
        .args(["-i", "inventory.ini", "play.yml"])
        .env("ANSIBLE_COLLECTIONS_PATH", collections)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("FLEETPIN_BIN", env!("CARGO_BIN_EXE_fleetpin"))
        .env("ANSIBLE_HOME", dir.join("ansible-home"))
        .env("ANSIBLE_LOCAL_TEMP", dir.join("ansible-tmp"))
        .env("ANSIBLE_REMOTE_TEMP", dir.join("ansible-tmp"))
        // No ssh master connection outliving the run (Ansible's default keeps one for 60 s,
        // with its sshd session, after the test's servers are gone).
        .env("ANSIBLE_SSH_ARGS", "-o ControlMaster=no")
        .env(
            "PATH",
            format!(
                "{}:{}",
                bin_dir.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .output()
        .unwrap()
}

struct Tools {
    galaxy: PathBuf,
    playbook: PathBuf,
}

fn tools() -> Option<Tools> {
    let galaxy = fleetpin_testkit::oracle(
        venv_tool("ansible-galaxy"),
        "ansible-galaxy (ansible-core in the tools venv: bash .ci/setup)",
    )?;
    let playbook = fleetpin_testkit::oracle(
        venv_tool("ansible-playbook"),
        "ansible-playbook (ansible-core in the tools venv: bash .ci/setup)",
    )?;
    let apt = Path::new("/usr/bin/python3").is_file()
        && Command::new("/usr/bin/python3")
            .args(["-c", "import apt"])
            .status()
            .is_ok_and(|s| s.success());
    fleetpin_testkit::require(apt, "/usr/bin/python3 with python3-apt (package_facts)")
        .then_some(Tools { galaxy, playbook })
}

#[test]
fn facts_action_writes_facts_that_fleetpin_reads_and_dpkg_confirms() {
    let Some(tools) = tools() else { return };
    let Some(_) = fleetpin_testkit::oracle(fleetpin_testkit::on_path("dpkg-query"), "dpkg-query")
    else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let collections = install_collection(&tools.galaxy, tmp.path());
    let out = playbook(
        &tools.playbook,
        tmp.path(),
        &collections,
        "- name: Facts\n  hosts: all\n  gather_facts: false\n  tasks:\n    \
         - name: Write fleetpin facts\n      fleetpin.guard.facts:\n        \
         dest: \"{{ playbook_dir }}/facts\"\n",
    );
    assert!(out.status.success(), "{}", text(&out));

    let facts = read_facts(&tmp.path().join("facts/node1.json"));
    assert_eq!(facts["fleetpin_facts"], 1);
    assert_eq!(facts["source"], "ansible");
    assert_eq!(facts["package_manager"], "dpkg");
    assert_eq!(facts["groups"], serde_json::json!(["prod", "web"]));
    // Host conditions, from other evidence than the action's commands.
    assert_eq!(recorded_conditions(&facts), conditions_oracle(&sh));
    // Ansible's apparmor collector: enabled when securityfs exposes AppArmor.
    assert_eq!(
        facts["apparmor_enabled"],
        Path::new("/sys/kernel/security/apparmor").exists()
    );

    // dpkg's own view: every installed package with its full version.
    let dpkg = Command::new("dpkg-query")
        .args(["-W", "-f", DPKG_QUERY_FORMAT])
        .output()
        .unwrap();
    let installed = installed_packages(&String::from_utf8(dpkg.stdout).unwrap());
    let recorded = recorded_packages(&facts);
    assert!(!installed.is_empty());
    assert_eq!(
        recorded, installed,
        "the facts list exactly what dpkg has installed"
    );

    // fleetpin's own reader accepts the file: `lock` locks every package of the host.
    let lock = Command::new(env!("CARGO_BIN_EXE_fleetpin"))
        .current_dir(tmp.path())
        .args(["lock", "--facts-dir", "facts", "--lock", "fleetpin.lock"])
        .output()
        .unwrap();
    assert!(lock.status.success(), "{}", text(&lock));
    assert!(
        text(&lock).contains(&format!("{} locked versions", installed.len())),
        "{}",
        text(&lock)
    );
}

#[test]
fn preflight_role_stops_the_play_before_any_host_is_touched() {
    let Some(tools) = tools() else { return };
    let has_plan = Command::new(env!("CARGO_BIN_EXE_fleetpin"))
        .args(["plan", "--help"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !fleetpin_testkit::require(has_plan, "`fleetpin plan` (branch h-plan, being merged)") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let collections = install_collection(&tools.galaxy, tmp.path());
    // Facts of node1 from the collection itself, then a plan that upgrades a package node1 has
    // from an index offering a newer version; the cap of 0 hosts changing at once is exceeded,
    // so the play stops before its tasks: the marker file is never written.
    let facts_out = playbook(
        &tools.playbook,
        tmp.path(),
        &collections,
        "- name: Facts\n  hosts: all\n  gather_facts: false\n  tasks:\n    \
         - name: Write fleetpin facts\n      fleetpin.guard.facts:\n        \
         dest: \"{{ playbook_dir }}/.fleetpin/facts\"\n",
    );
    assert!(facts_out.status.success(), "{}", text(&facts_out));
    let dpkg_version = String::from_utf8(
        Command::new("dpkg-query")
            .args(["-W", "-f", "${Version}", "dpkg"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    std::fs::create_dir(tmp.path().join("index")).unwrap();
    std::fs::write(
        tmp.path().join("index/Packages"),
        format!(
            "Package: dpkg\nVersion: {dpkg_version}+fleetpin1\nArchitecture: amd64\n\
             Filename: pool/dpkg.deb\nSize: 1\n\n"
        ),
    )
    .unwrap();
    std::fs::create_dir(tmp.path().join("plays")).unwrap();
    std::fs::write(
        tmp.path().join("plays/site.yml"),
        "- name: Upgrade dpkg\n  hosts: all\n  tasks:\n    - name: dpkg\n      \
         ansible.builtin.apt:\n        name: dpkg\n        state: latest\n",
    )
    .unwrap();
    let out = playbook(
        &tools.playbook,
        tmp.path(),
        &collections,
        "- name: Guarded\n  hosts: all\n  gather_facts: false\n  roles:\n    \
         - role: fleetpin.guard.preflight\n      vars:\n        \
         preflight_bin: \"{{ lookup('env', 'FLEETPIN_BIN') }}\"\n        \
         preflight_playbooks: [\"{{ playbook_dir }}/plays\"]\n        \
         preflight_index: [\"{{ playbook_dir }}/index\"]\n        \
         preflight_max_changing: 0\n  tasks:\n    \
         - name: Touch the host\n      ansible.builtin.file:\n        \
         path: \"{{ playbook_dir }}/touched\"\n        state: touch\n        mode: \"0644\"\n",
    );
    let log = text(&out);
    assert!(!out.status.success(), "{log}");
    assert!(log.contains("fleetpin plan refuses this run"), "{log}");
    assert!(log.contains("1 hosts would change at once"), "{log}");
    assert!(!tmp.path().join("touched").exists(), "no host was touched");
}

#[test]
fn collection_is_ansible_lint_clean_at_the_production_profile() {
    let Some(lint) = fleetpin_testkit::oracle(
        venv_tool("ansible-lint"),
        "ansible-lint (PyPI, in the tools venv: bash .ci/setup)",
    ) else {
        return;
    };
    let out = Command::new(lint)
        .current_dir(workspace_root().join("ansible"))
        .args(["--offline", "--nocolor", "--profile", "production"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("Passed: 0 failure(s), 0 warning(s)"), "{log}");
}

/// The host conditions of a host, from other evidence than the commands the facts action
/// runs: the cgroup hierarchy from the file system type `/proc/self/mounts` gives
/// `/sys/fs/cgroup` (`cgroup2` unified, `tmpfs` legacy or hybrid), the iptables backend from
/// which binary the `iptables` command on the host's PATH is (`xtables-nft-multi` or
/// `xtables-legacy-multi`). `run` runs a shell command on the host.
fn conditions_oracle(run: &dyn Fn(&str) -> String) -> (Option<u64>, Option<String>) {
    let fs = run("awk '$2 == \"/sys/fs/cgroup\" { t = $3 } END { print t }' /proc/self/mounts");
    let cgroup = match fs.trim() {
        "cgroup2" => Some(2),
        "tmpfs" => Some(1),
        _ => None,
    };
    let binary = run(
        "p=$(PATH=\"$PATH:/usr/sbin:/sbin\" command -v iptables) && readlink -f \"$p\" || true",
    );
    let iptables = match binary.trim().rsplit('/').next() {
        Some("xtables-nft-multi") => Some("nft".to_string()),
        Some("xtables-legacy-multi") => Some("legacy".to_string()),
        _ => None,
    };
    (cgroup, iptables)
}

fn sh(command: &str) -> String {
    let out = Command::new("/bin/sh")
        .args(["-c", command])
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// The conditions a facts file records.
fn recorded_conditions(facts: &serde_json::Value) -> (Option<u64>, Option<String>) {
    (
        facts["cgroup_version"].as_u64(),
        facts["iptables_backend"].as_str().map(str::to_string),
    )
}

/// `(name, version, arch)` of every package a facts file lists, sorted.
fn recorded_packages(facts: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut recorded: Vec<(String, String, String)> = facts["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
                p["arch"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    recorded.sort();
    recorded
}

/// `(name, version, arch)` of every installed package in `dpkg-query -W` output printed with
/// `DPKG_QUERY_FORMAT` (`ii` installed, `hi` held and installed), sorted.
fn installed_packages(dpkg_query: &str) -> Vec<(String, String, String)> {
    let mut installed: Vec<(String, String, String)> = dpkg_query
        .lines()
        .filter(|l| l.as_bytes().get(1) == Some(&b'i'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[1].to_string(), f[2].to_string(), f[3].to_string())
        })
        .collect();
    installed.sort();
    installed
}

const DPKG_QUERY_FORMAT: &str = "${db:Status-Abbrev}\t${Package}\t${Version}\t${Architecture}\n";

fn read_facts(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const FACTS_PLAY: &str = "- name: Facts\n  hosts: all\n  gather_facts: false\n  tasks:\n    \
     - name: Write fleetpin facts\n      fleetpin.guard.facts:\n        \
     dest: \"{{ playbook_dir }}/.fleetpin/facts\"\n";

/// Two hosts behind real sshd servers on loopback (crates/fleetpin-fleet/tests/support), each
/// with its own dpkg database: `DPKG_ADMINDIR` for dpkg-query and an `APT_CONFIG` whose
/// `Dir::State::status` is the same status file, so python3-apt (what `package_facts` reads
/// on a dpkg host) sees that host's packages. Ansible reaches them with its ssh connection
/// plugin and the lab's throwaway key; modules run with the hosts' /usr/bin/python3.
struct SshFleet {
    lab: sshd::Lab,
    servers: Vec<(String, sshd::Sshd)>,
    groups: String,
    dir: tempfile::TempDir,
    collections: PathBuf,
    tools: Tools,
}

/// One lab host: its name, an inventory group of its own (besides `web` and `prod`), its
/// packages `(name, version, want)` and whether its `iptables` command is the legacy backend
/// (a PATH whose first `iptables` is `iptables-legacy`).
struct LabHost<'a> {
    name: &'a str,
    group: &'a str,
    packages: &'a [(&'a str, &'a str, &'a str)],
    legacy_iptables: bool,
}

fn native_arch() -> String {
    sh("dpkg --print-architecture").trim().to_string()
}

fn status_text(packages: &[(&str, &str, &str)]) -> String {
    let arch = native_arch();
    packages
        .iter()
        .map(|(name, version, want)| {
            format!(
                "Package: {name}\nStatus: {want} ok installed\nPriority: optional\nSection: admin\n\
                 Maintainer: Test <test@example.org>\nArchitecture: {arch}\nVersion: {version}\n\
                 Description: test package {name}\n\n"
            )
        })
        .collect()
}

impl SshFleet {
    fn start(hosts: &[LabHost<'_>]) -> Option<SshFleet> {
        let tools = tools()?;
        let iptables_both = Path::new("/usr/sbin/iptables-legacy").exists()
            && Path::new("/usr/sbin/iptables-nft").exists();
        if !fleetpin_testkit::require(
            Path::new(sshd::SSHD).exists(),
            "sshd (Debian package openssh-server)",
        ) || !fleetpin_testkit::require(
            iptables_both,
            "iptables-legacy and iptables-nft (Debian package iptables)",
        ) || !fleetpin_testkit::require(
            fleetpin_testkit::on_path("dpkg-query").is_some(),
            "dpkg-query (Debian package dpkg)",
        ) {
            return None;
        }
        let lab = sshd::Lab::new();
        let dir = tempfile::tempdir().unwrap();
        let collections = install_collection(&tools.galaxy, dir.path());
        let mut servers = Vec::new();
        let mut groups = String::new();
        for host in hosts {
            groups.push_str(&format!("\n[{}]\n{}\n", host.group, host.name));
            let apt = dir.path().join(format!("apt-{}", host.name));
            for sub in [
                "state/lists/partial",
                "etc",
                "cache/archives/partial",
                "log",
            ] {
                std::fs::create_dir_all(apt.join(sub)).unwrap();
            }
            let a = apt.display();
            std::fs::write(
                apt.join("apt.conf"),
                format!(
                    "Dir::State \"{a}/state/\";\nDir::State::Lists \"{a}/state/lists/\";\n\
                     Dir::State::status \"{}/status\";\nDir::Etc \"{a}/etc/\";\n\
                     Dir::Cache \"{a}/cache/\";\nDir::Log \"{a}/log/\";\nDebug::NoLocking \"1\";\n",
                    lab.admin_dir(host.name).display()
                ),
            )
            .unwrap();
            let apt_config = apt.join("apt.conf").display().to_string();
            let mut env = vec![("APT_CONFIG", apt_config.as_str())];
            let path;
            if host.legacy_iptables {
                let bin = dir.path().join(format!("bin-{}", host.name));
                std::fs::create_dir_all(&bin).unwrap();
                std::os::unix::fs::symlink("/usr/sbin/iptables-legacy", bin.join("iptables"))
                    .unwrap();
                path = format!("{}:/usr/sbin:/usr/bin:/sbin:/bin", bin.display());
                env.push(("PATH", &path));
            }
            let server = lab.start_with_env(
                host.name,
                sshd::Behaviour::Dpkg(status_text(host.packages)),
                &env,
            );
            servers.push((host.name.to_string(), server));
        }
        Some(SshFleet {
            lab,
            servers,
            groups,
            dir,
            collections,
            tools,
        })
    }

    /// The inventory: every host in `web` (child of `prod`) and its own group, reached with the real ssh
    /// connection plugin as this user with the lab's key and client configuration.
    fn inventory(&self) -> String {
        let mut ini = String::from("[web]\n");
        for (name, server) in &self.servers {
            ini.push_str(&format!(
                "{name} ansible_host=127.0.0.1 ansible_port={}\n",
                server.port
            ));
        }
        ini.push_str(&format!(
            "\n[web:vars]\nansible_connection=ssh\nansible_user={}\n\
             ansible_ssh_private_key_file={}\nansible_ssh_common_args='-F {}'\n\
             ansible_python_interpreter=/usr/bin/python3\n\n[prod:children]\nweb\n{}",
            sh("id -un").trim(),
            self.lab.client_key.display(),
            self.lab.client_config.display(),
            self.groups
        ));
        ini
    }

    fn play(&self, play: &str) -> Output {
        playbook_on(
            &self.tools.playbook,
            self.dir.path(),
            &self.collections,
            &self.inventory(),
            play,
        )
    }

    /// Runs a shell command on host `name` over the lab's ssh (the oracle's way in).
    fn ssh(&self, name: &str, command: &str) -> String {
        let port = self
            .servers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.port)
            .unwrap();
        let out = Command::new("ssh")
            .arg("-F")
            .arg(&self.lab.client_config)
            .args(["-p", &port.to_string(), "127.0.0.1", command])
            .output()
            .unwrap();
        assert!(out.status.success(), "ssh {name} {command}: {}", text(&out));
        String::from_utf8(out.stdout).unwrap()
    }

    /// Rewrites host `name`'s dpkg status (the same file dpkg-query and python3-apt read).
    fn set_packages(&self, name: &str, packages: &[(&str, &str, &str)]) {
        std::fs::write(
            self.lab.admin_dir(name).join("status"),
            status_text(packages),
        )
        .unwrap();
    }

    fn fleetpin(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_fleetpin"))
            .current_dir(self.dir.path())
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    }
}

/// Kubernetes nodes with iptables 1.8.2 (FPH-2019-0001 bites in nft mode only).
const WEB1: &[(&str, &str, &str)] = &[
    ("iptables", "1.8.2-4", "install"),
    ("kubelet", "1.15.3-00", "install"),
    ("bash", "5.2.15-2+b2", "hold"),
    ("libfoo1", "1:2.0-3", "install"),
];
const WEB2: &[(&str, &str, &str)] = &[
    ("iptables", "1.8.2-4", "install"),
    ("kubelet", "1.15.3-00", "install"),
    ("curl", "7.88.1-10+deb12u5", "install"),
];

#[test]
fn facts_action_over_ssh_records_each_hosts_own_packages_and_conditions() {
    let Some(fleet) = SshFleet::start(&[
        LabHost {
            name: "web1",
            group: "blue",
            packages: WEB1,
            legacy_iptables: false,
        },
        LabHost {
            name: "web2",
            group: "green",
            packages: WEB2,
            legacy_iptables: true,
        },
    ]) else {
        return;
    };
    let out = fleet.play(FACTS_PLAY);
    assert!(out.status.success(), "{}", text(&out));

    let mut total = 0;
    for (name, group) in [("web1", "blue"), ("web2", "green")] {
        let facts = read_facts(
            &fleet
                .dir
                .path()
                .join(format!(".fleetpin/facts/{name}.json")),
        );
        assert_eq!(facts["host"], name);
        assert_eq!(facts["source"], "ansible");
        assert_eq!(facts["package_manager"], "dpkg");
        assert_eq!(facts["groups"], serde_json::json!([group, "prod", "web"]));
        // The host's own dpkg-query, over ssh: the same packages with the same versions.
        let installed = installed_packages(
            &fleet.ssh(name, &format!("dpkg-query -W -f '{DPKG_QUERY_FORMAT}'")),
        );
        assert_eq!(installed.len(), if name == "web1" { 4 } else { 3 });
        assert_eq!(recorded_packages(&facts), installed, "{name}");
        total += installed.len();
        // Host conditions: what the host's mounts and its iptables binary say.
        let oracle = conditions_oracle(&|cmd| fleet.ssh(name, cmd));
        assert!(oracle.0.is_some(), "/sys/fs/cgroup is mounted here");
        assert_eq!(recorded_conditions(&facts), oracle, "{name}");
    }
    // The lab really differs between the hosts: web2's iptables is the legacy one.
    let web1 = read_facts(&fleet.dir.path().join(".fleetpin/facts/web1.json"));
    let web2 = read_facts(&fleet.dir.path().join(".fleetpin/facts/web2.json"));
    assert_eq!(web2["iptables_backend"], "legacy");
    assert_eq!(web1["iptables_backend"], "nft");
    // The hazards' host conditions use them: iptables 1.8.2 with the kubelet breaks in nft
    // mode only, so web1 is hit and web2 spared.
    let check = fleet.fleetpin(&["hazard", "check", "--facts-dir", ".fleetpin/facts"]);
    let log = text(&check);
    assert_eq!(check.status.code(), Some(1), "{log}");
    assert!(
        log.contains("web1  iptables 1.8.2-4  FPH-2019-0001"),
        "{log}"
    );
    assert!(log.contains("because: iptables nft backend"), "{log}");
    assert!(log.contains("1 of 2 hosts hit a hazard"), "{log}");
    assert!(!log.lines().any(|l| l.starts_with("web2")), "{log}");

    // `lock` reads both files (each host's group locked on its own, as their packages
    // differ); `drift` against the lock is clean...
    let lock = fleet.fleetpin(&[
        "lock",
        "--facts-dir",
        ".fleetpin/facts",
        "--group-by",
        "blue",
        "--group-by",
        "green",
    ]);
    assert!(lock.status.success(), "{}", text(&lock));
    assert!(
        text(&lock).contains(&format!("{total} locked versions")),
        "{}",
        text(&lock)
    );
    let drift = fleet.fleetpin(&["drift", "--facts-dir", ".fleetpin/facts"]);
    assert_eq!(drift.status.code(), Some(0), "{}", text(&drift));
    // ...until curl moves on web2 and the facts are written again from the hosts.
    fleet.set_packages(
        "web2",
        &[
            ("iptables", "1.8.2-4", "install"),
            ("kubelet", "1.15.3-00", "install"),
            ("curl", "7.88.1-10+deb12u8", "install"),
        ],
    );
    let out = fleet.play(FACTS_PLAY);
    assert!(out.status.success(), "{}", text(&out));
    let drift = fleet.fleetpin(&["drift", "--facts-dir", ".fleetpin/facts"]);
    let log = text(&drift);
    assert_eq!(drift.status.code(), Some(1), "{log}");
    assert!(log.contains("web2") && log.contains("curl"), "{log}");
    assert!(log.contains("7.88.1-10+deb12u8"), "{log}");

    // A host nobody answers for: Ansible reports it unreachable, the others' files are
    // written again, and nothing (not even a temporary file) is left for it.
    let before = read_facts(&fleet.dir.path().join(".fleetpin/facts/web1.json"));
    let inventory = fleet.inventory().replacen(
        "[web]\n",
        &format!(
            "[web]\ngone ansible_host=127.0.0.1 ansible_port={}\n",
            sshd::free_port()
        ),
        1,
    );
    std::thread::sleep(std::time::Duration::from_secs(1));
    let out = playbook_on(
        &fleet.tools.playbook,
        fleet.dir.path(),
        &fleet.collections,
        &inventory,
        FACTS_PLAY,
    );
    let log = text(&out);
    assert!(!out.status.success(), "{log}");
    assert!(log.contains("gone") && log.contains("UNREACHABLE"), "{log}");
    let after = read_facts(&fleet.dir.path().join(".fleetpin/facts/web1.json"));
    assert!(
        after["gathered_at"].as_u64() > before["gathered_at"].as_u64(),
        "{log}"
    );
    let mut names: Vec<String> = std::fs::read_dir(fleet.dir.path().join(".fleetpin/facts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["web1.json", "web2.json"]);
}

/// The guarded play: preflight first (the plan of `plays/`), then a task that touches every
/// host; `serial: 1`, so the role allows one changing host per batch.
const GUARDED_PLAY: &str = "- name: Guarded\n  hosts: web\n  serial: 1\n  gather_facts: false\n  \
     roles:\n    - role: fleetpin.guard.preflight\n      vars:\n        \
     preflight_bin: \"{{ lookup('env', 'FLEETPIN_BIN') }}\"\n        \
     preflight_playbooks: [\"{{ playbook_dir }}/plays\"]\n        \
     preflight_index: [\"{{ playbook_dir }}/index\"]\n  tasks:\n    \
     - name: Touch the host\n      ansible.builtin.file:\n        \
     path: \"{{ playbook_dir }}/touched-{{ inventory_hostname }}\"\n        state: touch\n        \
     mode: \"0644\"\n";

#[test]
fn preflight_over_ssh_stops_a_run_wider_than_serial_and_passes_a_safe_one() {
    if !fleetpin_testkit::require(
        Command::new(env!("CARGO_BIN_EXE_fleetpin"))
            .args(["plan", "--help"])
            .output()
            .is_ok_and(|o| o.status.success()),
        "`fleetpin plan`",
    ) {
        return;
    }
    let demo = &[("demo-app", "1.0-1", "install")];
    let Some(fleet) = SshFleet::start(&[
        LabHost {
            name: "web1",
            group: "blue",
            packages: demo,
            legacy_iptables: false,
        },
        LabHost {
            name: "web2",
            group: "green",
            packages: demo,
            legacy_iptables: false,
        },
    ]) else {
        return;
    };
    let d = fleet.dir.path();
    let out = fleet.play(FACTS_PLAY);
    assert!(out.status.success(), "{}", text(&out));
    std::fs::create_dir(d.join("index")).unwrap();
    std::fs::write(
        d.join("index/Packages"),
        format!(
            "Package: demo-app\nVersion: 1.1-1\nArchitecture: {}\nFilename: pool/demo-app.deb\n\
             Size: 1\n\n",
            native_arch()
        ),
    )
    .unwrap();
    std::fs::create_dir(d.join("plays")).unwrap();
    let upgrade = |serial: &str| {
        std::fs::write(
            d.join("plays/upgrade.yml"),
            format!(
                "- name: Upgrade demo-app\n  hosts: web\n{serial}  tasks:\n    \
                 - name: demo-app\n      ansible.builtin.apt:\n        name: demo-app\n        \
                 state: latest\n"
            ),
        )
        .unwrap();
    };
    let touched = || {
        ["web1", "web2"]
            .into_iter()
            .filter(|h| d.join(format!("touched-{h}")).exists())
            .collect::<Vec<_>>()
    };

    // The upgrade play has no serial: both hosts change at once, more than serial 1 allows.
    upgrade("");
    let out = fleet.play(GUARDED_PLAY);
    let log = text(&out);
    assert!(!out.status.success(), "{log}");
    assert!(log.contains("fleetpin plan: 2 of 2 hosts change"), "{log}");
    assert!(
        log.contains("2 hosts would change at once, more than the 1 allowed"),
        "{log}"
    );
    assert!(log.contains("\"demo-app\""), "the plan is printed: {log}");
    assert_eq!(touched(), Vec::<&str>::new(), "no host was touched: {log}");

    // One host at a time: the plan agrees with serial, the play runs on both hosts over ssh.
    upgrade("  serial: 1\n");
    let out = fleet.play(GUARDED_PLAY);
    let log = text(&out);
    assert!(out.status.success(), "{log}");
    assert!(log.contains("at most 1 at once (allowed: 1)"), "{log}");
    assert_eq!(touched(), ["web1", "web2"], "{log}");
}
