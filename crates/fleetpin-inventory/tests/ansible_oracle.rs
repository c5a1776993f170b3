//! Ansible itself as the oracle: `ansible-inventory --list` on the same files gives the same
//! hosts and variables (duplicate YAML keys: a warning and the last value; ranged INI host
//! lines keep their variables), and the ports fleetpin refuses are ones Ansible cannot
//! connect with (`ansible -m ping` fails on them, naming the port).
//!
//! Needs `ansible-inventory` and `ansible` next to `FLEETPIN_ANSIBLE_PLAYBOOK` or on PATH;
//! without them the tests say so and pass, unless `FLEETPIN_REQUIRE_ORACLES=1` (CI) makes the
//! absence a failure.

use std::path::{Path, PathBuf};
use std::process::Command;

use fleetpin_inventory::Inventory;
use serde_json::Value;

/// The Ansible command `name` (`ansible-inventory`, `ansible`), or `None` with a note.
fn ansible_tool(name: &str) -> Option<PathBuf> {
    let found = std::env::var_os("FLEETPIN_ANSIBLE_PLAYBOOK")
        .map(|p| PathBuf::from(p).with_file_name(name))
        .filter(|p| p.is_file())
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|d| d.join(name))
                .find(|p| p.is_file())
        });
    fleetpin_testkit::oracle(found, &format!("{name} (pip install ansible-core)"))
}

fn ansible_env(cmd: &mut Command, dir: &Path) {
    cmd.current_dir(dir)
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_LOCAL_TEMP", dir.join(".tmp"))
        .env("ANSIBLE_HOST_KEY_CHECKING", "False")
        .env_remove("ANSIBLE_CONFIG")
        .env_remove("ANSIBLE_INVENTORY");
}

/// `ansible-inventory --list -i FILE`: (hostvars per host, stderr).
fn ansible_list(tool: &Path, dir: &Path, file: &str) -> (serde_json::Map<String, Value>, String) {
    let mut cmd = Command::new(tool);
    ansible_env(&mut cmd, dir);
    let out = cmd.args(["--list", "-i", file]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hostvars = list["_meta"]["hostvars"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    (hostvars, stderr)
}

/// fleetpin's merged variables per host, as `ansible-inventory` lists them.
fn ours(inv: &Inventory) -> serde_json::Map<String, Value> {
    inv.hosts()
        .iter()
        .map(|h| {
            let vars: serde_json::Map<String, Value> =
                inv.host_vars(h.name()).into_iter().collect();
            (h.name().to_string(), Value::Object(vars))
        })
        .filter(|(_, v)| v.as_object().is_some_and(|m| !m.is_empty()))
        .collect()
}

#[test]
fn duplicate_keys_warn_and_the_last_wins_like_ansible() {
    let Some(tool) = ansible_tool("ansible-inventory") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let text = "\
all:
  vars:
    docker_state: present
    docker_state: latest
  hosts:
    web1:
      ansible_port: 22
      pkg: a
      pkg: b
    web1:
      other: 1
    db1:
      ansible_port: 2222
";
    std::fs::write(dir.path().join("hosts.yml"), text).unwrap();
    let (want, stderr) = ansible_list(&tool, dir.path(), "hosts.yml");
    let inv = Inventory::load(&dir.path().join("hosts.yml")).unwrap();
    assert_eq!(ours(&inv), want);
    // Ansible warns once per duplicate key ("Found duplicate mapping key 'K'." then
    // "Origin: FILE:LINE:COL"); so does fleetpin, on the same lines.
    let mut ansible_lines: Vec<usize> = stderr
        .lines()
        .filter_map(|l| l.strip_prefix("Origin: "))
        .filter_map(|o| o.rsplit(':').nth(1)?.parse().ok())
        .collect();
    ansible_lines.sort_unstable(); // Ansible warns as it builds mappings, inner ones first
    for key in ["docker_state", "pkg", "web1"] {
        assert!(
            stderr.contains(&format!("Found duplicate mapping key '{key}'")),
            "{stderr}"
        );
    }
    let lines: Vec<usize> = inv.warnings().iter().map(|w| w.line).collect();
    assert_eq!(lines, ansible_lines, "{stderr}");
    assert_eq!(lines, [4, 9, 10]);
    assert!(
        inv.warnings()[0]
            .message
            .starts_with("duplicate mapping key `docker_state`")
    );
}

#[test]
fn ranged_host_lines_keep_their_variables_like_ansible() {
    let Some(tool) = ansible_tool("ansible-inventory") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let text = "\
[web]
web[01:03] docker_state=latest ansible_port=2222
db-[a:b].example.org pkg=\"docker-ce\" n=5 t=True

[web:vars]
ansible_user=deploy
";
    std::fs::write(dir.path().join("hosts"), text).unwrap();
    let (want, _) = ansible_list(&tool, dir.path(), "hosts");
    let inv = Inventory::load(&dir.path().join("hosts")).unwrap();
    assert_eq!(ours(&inv), want);
    assert_eq!(want.len(), 5);
}

#[test]
fn refused_ports_are_ports_ansible_cannot_connect_with() {
    let (Some(list), Some(ansible)) = (ansible_tool("ansible-inventory"), ansible_tool("ansible"))
    else {
        return;
    };
    // What Ansible says for each: it loads every value (`ansible-inventory` lists it), and
    // fails when connecting: ssh's "Bad port" for numbers out of range, a conversion error
    // for text.
    for (value, ansible_says) in [
        ("99999", "Bad port '99999'"),
        ("-1", "Bad port '-1'"),
        ("2222x", "could not be converted to 'int'"),
        ("'22 -oX=y'", "could not be converted to 'int'"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let text = format!("[web]\nweb1 ansible_host=127.0.0.1 ansible_port={value}\n");
        std::fs::write(dir.path().join("hosts"), &text).unwrap();
        let (hostvars, _) = ansible_list(&list, dir.path(), "hosts");
        assert!(hostvars["web1"].get("ansible_port").is_some());
        let mut cmd = Command::new(&ansible);
        ansible_env(&mut cmd, dir.path());
        let out = cmd
            .args(["all", "-i", "hosts", "-m", "ping", "-T", "5"])
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.status.success(), "{value}: {said}");
        assert!(said.contains(ansible_says), "{value}: {said}");

        let err = Inventory::load(&dir.path().join("hosts"))
            .unwrap_err()
            .to_string();
        let file = dir.path().join("hosts");
        assert!(
            err.starts_with(&format!("{}:2: bad port: ", file.display())),
            "{value}: {err}"
        );
    }
}
