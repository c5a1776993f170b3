//! `--from-ansible`: real `ansible -m package_facts --tree` output, checked against dpkg-query.

use std::path::Path;
use std::process::Command;

use fleetpin_fleet::FactsStore;
use fleetpin_fleet::ansible::{Admit, import_tree, read_tree};
use fleetpin_fleet::facts::PackageManager;
use fleetpin_fleet::import::parse_query;

/// Runs the real Ansible (PyPI ansible-core; the apt backend needs Debian's python3-apt) on
/// this machine and compares what fleetpin reads from its tree with dpkg-query's own answer.
#[test]
fn real_package_facts_tree_matches_dpkg_query() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let out = Command::new("ansible")
        .args([
            "localhost",
            "-c",
            "local",
            "-m",
            "ansible.builtin.package_facts",
            "--tree",
        ])
        .arg(&tree)
        .args(["-e", "ansible_python_interpreter=/usr/bin/python3"])
        .env("ANSIBLE_LOCALHOST_WARNING", "False")
        .env("ANSIBLE_INVENTORY_UNPARSED_WARNING", "False")
        .output()
        .expect("run ansible: install it with `pip install ansible-core` and Debian's python3-apt");
    assert!(
        out.status.success(),
        "ansible failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );

    // A host Ansible could not reach sits next to the good one and must not stop it.
    std::fs::write(
        tree.join("gone.example.com"),
        r#"{"changed": false, "msg": "Failed to connect to the host via ssh: ssh: connect to host gone.example.com port 22: Connection refused", "unreachable": true}"#,
    )
    .unwrap();
    std::fs::write(
        tree.join("cut.example.com"),
        r#"{"ansible_facts": {"packages": {"bash": [{"name": "ba"#,
    )
    .unwrap();

    let (facts, errors) = read_tree(&tree).unwrap();
    assert_eq!(facts.len(), 1);
    let msgs: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    assert!(msgs.iter().any(|m| {
        m.contains("ansible reported host `gone.example.com` unreachable: Failed to connect")
    }));
    assert!(
        msgs.iter()
            .any(|m| m.contains("cut.example.com:1: not a valid facts document: EOF")),
        "{msgs:?}"
    );

    // The streaming import writes, byte for byte, what the owned reader's facts give.
    assert_import_matches_read_tree(&tree, &|_: &str| Admit::Write(Vec::new()));

    let local = &facts[0];
    assert_eq!(local.host, "localhost");
    assert_eq!(local.package_manager, PackageManager::Dpkg);
    let q = Command::new("dpkg-query")
        .args([
            "-W",
            "-f",
            "${Package}\t${Version}\t${Architecture}\t${db:Status-Abbrev}\n",
        ])
        .output()
        .unwrap();
    let oracle = parse_query(
        &String::from_utf8(q.stdout).unwrap(),
        Path::new("dpkg-query"),
    )
    .unwrap();
    let mut want: Vec<(String, String, Option<String>)> = oracle
        .into_iter()
        .map(|p| (p.name, p.version, p.arch))
        .collect();
    want.sort();
    let got: Vec<(String, String, Option<String>)> = local
        .packages
        .iter()
        .map(|p| (p.name.clone(), p.version.clone(), p.arch.clone()))
        .collect();
    assert!(
        got.len() > 50,
        "expected a real package list, got {}",
        got.len()
    );
    assert_eq!(got, want);
}

/// `import_tree(dir)` must write exactly the files `read_tree(dir)` + `FactsStore::write`
/// would (same groups), report the same errors, and leave no temporary file behind.
fn assert_import_matches_read_tree(tree: &Path, admit: &(dyn Fn(&str) -> Admit + Sync)) {
    let out = tempfile::tempdir().unwrap();
    let streamed = FactsStore::new(out.path().join("streamed"));
    let owned = FactsStore::new(out.path().join("owned"));
    let imported = import_tree(tree, &streamed, admit).unwrap();
    let (facts, errors) = read_tree(tree).unwrap();
    let mut want_written = Vec::new();
    for mut f in facts {
        if let Admit::Write(groups) = admit(&f.host) {
            f.groups = groups;
            owned.write(&f).unwrap();
            want_written.push(f.host);
        }
    }
    assert_eq!(imported.written, want_written);
    let mut got_errors: Vec<String> = imported.errors.iter().map(ToString::to_string).collect();
    let mut want_errors: Vec<String> = errors.iter().map(ToString::to_string).collect();
    got_errors.sort();
    want_errors.sort();
    assert_eq!(got_errors, want_errors);
    let listing = |dir: &Path| -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .map(|rd| {
                rd.map(|e| e.unwrap().file_name().into_string().unwrap())
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    };
    let names = listing(streamed.dir());
    assert_eq!(names, listing(owned.dir()), "no temporary file may remain");
    for name in names {
        assert_eq!(
            std::fs::read_to_string(streamed.dir().join(&name)).unwrap(),
            std::fs::read_to_string(owned.dir().join(&name)).unwrap(),
            "{name}"
        );
    }
}

/// A tree as Ansible writes it (`json.dumps(sort_keys=True)`): apt with a foreign
/// architecture and entries out of order, rpm with epochs and two kernels, a failed host, a
/// truncated file, an escape (the serde path), and hosts the caller leaves out or groups.
#[test]
fn import_tree_streams_what_read_tree_gives() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path();
    let files = [
        (
            "web1",
            r#"{"ansible_facts": {"packages": {"docker-ce": [{"arch": "amd64", "category": "admin", "name": "docker-ce", "origin": "Docker", "source": "apt", "version": "5:23.0.1-1~debian.10~buster"}], "libc6": [{"arch": "i386", "category": "libs", "name": "libc6", "origin": "Debian", "source": "apt", "version": "2.28-10"}, {"arch": "amd64", "category": "libs", "name": "libc6", "origin": "Debian", "source": "apt", "version": "2.28-10"}]}, "pkg_mgr": "apt"}, "changed": false}"#,
        ),
        (
            "db1",
            r#"{"ansible_facts": {"packages": {"bash": [{"arch": "x86_64", "epoch": null, "name": "bash", "release": "6.el9", "source": "rpm", "version": "5.1.8"}], "kernel": [{"arch": "x86_64", "epoch": null, "name": "kernel", "release": "70.el9", "source": "rpm", "version": "5.14.0"}, {"arch": "x86_64", "epoch": null, "name": "kernel", "release": "11.el9", "source": "rpm", "version": "5.14.0"}], "vim-minimal": [{"arch": "x86_64", "epoch": 2, "name": "vim-minimal", "release": "20.el9", "source": "rpm", "version": "8.2.2637"}]}, "pkg_mgr": "dnf"}, "changed": false}"#,
        ),
        (
            "escaped",
            r#"{"ansible_facts": {"packages": {"café": [{"arch": "all", "category": "misc", "name": "café", "origin": "", "source": "apt", "version": "1.0"}]}, "pkg_mgr": "apt"}}"#,
        ),
        (
            "down",
            r#"{"changed": false, "msg": "Failed to connect to the host via ssh", "unreachable": true}"#,
        ),
        (
            "cut",
            r#"{"ansible_facts": {"packages": {"bash": [{"arch": "#,
        ),
        (
            "skipped",
            r#"{"ansible_facts": {"packages": {}, "pkg_mgr": "apt"}}"#,
        ),
    ];
    for (host, text) in files {
        std::fs::write(tree.join(host), text).unwrap();
    }
    let admit = |host: &str| match host {
        "skipped" => Admit::Skip,
        "web1" => Admit::Write(vec!["web".into(), "prod".into(), "web".into()]),
        _ => Admit::Write(Vec::new()),
    };
    assert_import_matches_read_tree(tree, &admit);

    let out = tempfile::tempdir().unwrap();
    let store = FactsStore::new(out.path());
    let imported = import_tree(tree, &store, &admit).unwrap();
    assert_eq!(imported.hosts.len(), 6);
    assert_eq!(imported.written, ["db1", "escaped", "web1"]);
    assert_eq!(imported.errors.len(), 2);
    let web1 = std::fs::read_to_string(store.path_for("web1")).unwrap();
    assert!(web1.contains(r#""groups": ["prod","web"]"#), "{web1}");
    let db1 = std::fs::read_to_string(store.path_for("db1")).unwrap();
    assert!(db1.contains(r#""version":"2:8.2.2637-20.el9""#), "{db1}");
}

/// Runs the real `ansible localhost -c local -m MODULE [-a ARGS] --tree OUT`, through
/// `wrap` (a command and its leading arguments, such as `unshare -m sh -c ...`) when given.
fn ansible_tree(module: &str, args: Option<&str>, out: &Path, wrap: Option<&[&str]>) {
    let mut cmd = match wrap {
        Some([program, rest @ ..]) => {
            let mut c = Command::new(program);
            c.args(rest).arg("ansible");
            c
        }
        _ => Command::new("ansible"),
    };
    cmd.args(["localhost", "-c", "local", "-m", module, "--tree"])
        .arg(out)
        .args(["-e", "ansible_python_interpreter=/usr/bin/python3"])
        .env("ANSIBLE_LOCALHOST_WARNING", "False")
        .env("ANSIBLE_INVENTORY_UNPARSED_WARNING", "False");
    if let Some(a) = args {
        cmd.args(["-a", a]);
    }
    let o = cmd
        .output()
        .expect("run ansible (pip install ansible-core)");
    assert!(
        o.status.success(),
        "ansible failed: {}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The cgroup hierarchy of this machine from the kernel's own mount table (not from Ansible):
/// the file system type mounted at `/sys/fs/cgroup` (the last such mount is the visible one).
fn cgroup_oracle() -> Option<u8> {
    let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap();
    let fstype = mounts
        .lines()
        .map(|l| l.split(' ').collect::<Vec<_>>())
        .filter(|f| f.len() > 2 && f[1] == "/sys/fs/cgroup")
        .map(|f| f[2].to_string())
        .next_back();
    match fstype.as_deref() {
        Some("cgroup2") => Some(2),
        Some("tmpfs" | "cgroup") => Some(1),
        _ => None,
    }
}

const SETUP_SUBSET: &str = "gather_subset=!all,!min,platform,apparmor,distribution,mounts";
const MOUNT_FACTS_ARGS: &str = "fstypes=cgroup2,cgroup,tmpfs include_aggregate_mounts=false";

/// The system facts of the real `ansible -m setup --tree DIR/setup` and `ansible -m
/// mount_facts --tree DIR/mounts` beside the package facts: kernel, AppArmor state,
/// distribution and cgroup hierarchy, checked against this machine's own answers.
#[test]
fn real_setup_tree_adds_kernel_apparmor_distribution_and_cgroup() {
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    ansible_tree("ansible.builtin.package_facts", None, &tree, None);
    ansible_tree(
        "ansible.builtin.setup",
        Some(SETUP_SUBSET),
        &tree.join("setup"),
        None,
    );
    // A second host whose setup file is cut off: its error names the file; localhost is read.
    std::fs::copy(tree.join("localhost"), tree.join("cut.example.com")).unwrap();
    std::fs::write(tree.join("setup/cut.example.com"), "{\"ansible_facts\": {").unwrap();

    let (facts, errors) = read_tree(&tree).unwrap();
    assert_eq!(facts.len(), 1, "{errors:?}");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].to_string().contains("setup/cut.example.com:1:"),
        "{}",
        errors[0]
    );
    let local = &facts[0];
    let uname = Command::new("uname").arg("-r").output().unwrap();
    assert_eq!(
        local.kernel.as_deref(),
        Some(std::str::from_utf8(&uname.stdout).unwrap().trim())
    );
    // Ansible's apparmor collector: enabled when securityfs exposes AppArmor.
    assert_eq!(
        local.apparmor_enabled,
        Some(Path::new("/sys/kernel/security/apparmor").exists())
    );
    let os = fleetpin_fleet::OsRelease::parse(&std::fs::read_to_string("/etc/os-release").unwrap())
        .unwrap();
    let got = local.os.as_ref().expect("distribution facts");
    assert_eq!(
        (&got.id, &got.version_id, &got.version_codename),
        (&os.id, &os.version_id, &os.version_codename)
    );
    // setup's `ansible_mounts` lists only mounts whose source is a path, which the kernel's
    // cgroup mounts (source `cgroup2`, `cgroup` or `tmpfs`) are not: the hierarchy is known
    // from this tree only when the real setup output lists /sys/fs/cgroup. No Ansible module
    // gives the iptables backend: unknown, not guessed.
    let setup: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tree.join("setup/localhost")).unwrap()).unwrap();
    let listed = setup["ansible_facts"]["ansible_mounts"]
        .as_array()
        .expect("the mounts subset")
        .iter()
        .any(|m| m["mount"] == "/sys/fs/cgroup");
    assert_eq!(
        (local.cgroup_version, local.iptables_backend.as_deref()),
        (if listed { cgroup_oracle() } else { None }, None)
    );
    assert_import_matches_read_tree(&tree, &|_: &str| Admit::Write(Vec::new()));

    // `mount_facts` lists every mount: the hierarchy the kernel's mount table gives.
    ansible_tree(
        "ansible.builtin.mount_facts",
        Some(MOUNT_FACTS_ARGS),
        &tree.join("mounts"),
        None,
    );
    let (facts, _) = read_tree(&tree).unwrap();
    let want = cgroup_oracle();
    assert!(want.is_some(), "/sys/fs/cgroup is mounted here");
    assert_eq!(facts[0].cgroup_version, want);
    assert_eq!(facts[0].iptables_backend, None);
    assert_import_matches_read_tree(&tree, &|_: &str| Admit::Write(Vec::new()));
}

/// `ansible_mounts` of the real setup module, from a host whose /sys/fs/cgroup has a path as
/// its source (setup lists only those): a private mount namespace (`unshare -m`) where a
/// cgroup2 file system is mounted over /sys/fs/cgroup from `/dev/fleetpin-cgroup`, so the
/// hierarchy Ansible reports differs from this machine's. The oracle is `stat -f` in the same
/// namespace.
#[test]
fn real_setup_mounts_give_the_cgroup_hierarchy_when_listed() {
    let probe = Command::new("unshare")
        .args(["-m", "sh", "-c", "mount -t tmpfs /dev/fleetpin-probe /mnt"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !fleetpin_testkit::require(
        probe,
        "unshare -m and mount (util-linux; root with CAP_SYS_ADMIN)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tree = dir.path().join("tree");
    let oracle = dir.path().join("fstype");
    ansible_tree("ansible.builtin.package_facts", None, &tree, None);
    // cgroup2 where the kernel has it (a second mount of the unified hierarchy), else a tmpfs
    // as a v1 hierarchy's root; `stat -fc %T` then says which one Ansible will see.
    let script = format!(
        "{{ mount -t cgroup2 /dev/fleetpin-cgroup /sys/fs/cgroup 2>/dev/null || \
         mount -t tmpfs /dev/fleetpin-cgroup /sys/fs/cgroup; }} && \
         stat -fc %T /sys/fs/cgroup > {} && exec \"$@\"",
        oracle.display()
    );
    ansible_tree(
        "ansible.builtin.setup",
        Some(SETUP_SUBSET),
        &tree.join("setup"),
        Some(&["unshare", "-m", "sh", "-c", &script, "sh"]),
    );
    let want = match std::fs::read_to_string(&oracle).unwrap().trim() {
        "cgroup2fs" => Some(2),
        "tmpfs" => Some(1),
        other => panic!("unexpected file system type {other}"),
    };
    // Ansible saw the namespace's mount (its source is a path), and fleetpin reads its type.
    let setup: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tree.join("setup/localhost")).unwrap()).unwrap();
    let listed: Vec<&serde_json::Value> = setup["ansible_facts"]["ansible_mounts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["mount"] == "/sys/fs/cgroup")
        .collect();
    assert_eq!(listed.len(), 1, "{setup:#}");
    assert_eq!(listed[0]["device"], "/dev/fleetpin-cgroup");
    let (facts, errors) = read_tree(&tree).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(facts[0].cgroup_version, want);
}
