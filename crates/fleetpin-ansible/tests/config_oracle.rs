//! `ansible.cfg` reading against the real thing: Python's `configparser` set up as Ansible
//! sets it up (`ConfigParser(inline_comment_prefixes=(';',))`, values read with `raw=True`)
//! and `ansible-config dump` for the inventory list (`DEFAULT_HOST_LIST`).
//!
//! Needs Python (`FLEETPIN_ANSIBLE_PYTHON`, else `python3`) and `ansible-config` next to
//! `ansible-playbook`; without them the tests say so and pass, unless
//! `FLEETPIN_REQUIRE_ORACLES=1` (CI) makes the absence a failure.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use fleetpin_ansible::config::AnsibleConfig;

mod common;
use common::ansible_or_skip;

/// Files exercising each rule: comments, inline comments, case, delimiters, continuation
/// lines, blank lines inside values, `[DEFAULT]`, quotes, odd headers.
const CASES: &[&str] = &[
    "[defaults]\ninventory = hosts.ini\nroles_path = roles\n",
    "[defaults]\nINVENTORY: hosts.yml ; where the hosts are\nRoles_Path=roles:more\n",
    "# comment\n; another\n[defaults]\n  # indented comment\ninventory = hosts #not a comment\nkey = a;b ;c\n",
    "[defaults]\nroles_path = roles:\n  more\n\n  after blank\n# c\nnext = 1\n",
    "[defaults]\nroles_path = first\n    # comment inside\n    second\n\n\nother = x\n",
    "[DEFAULT]\ninventory = from_default\ntimeout = 5\n[defaults]\nforks = 3\n[ssh_connection]\npipelining = True\n",
    "[Defaults]\ninventory = ignored\n[defaults]\nhost_key_checking = False\n",
    "[defaults]\ninventory = \"quoted\"\nremote_user = 'deploy'\nempty =\nurl = http://x:8080/a=b\n",
    "[defaults]\r\ninventory = crlf\r\n\r\n[privilege_escalation]\r\nbecome = yes\r\n",
    "[a] trailing\nk = v\n[b]]\nk2 = v2\n   [c]\nk3 = v3\n",
    "[defaults]\n\tinventory = tabbed\nvault_password_file = ~/.vault ; home\n",
];

/// Files Ansible refuses: (text, line Python reports).
const BAD: &[(&str, usize)] = &[
    ("inventory = hosts\n[defaults]\n", 1),
    ("[defaults]\ninventory = a\nInventory = b\n", 3),
    ("[defaults]\nk = 1\n[defaults]\n", 3),
    ("[defaults]\nnot an option line\n", 2),
    ("[defaults]\n= value\n", 2),
];

const DUMP: &str = r#"
import configparser, json, sys
p = configparser.ConfigParser(inline_comment_prefixes=(';',))
try:
    with open(sys.argv[1], encoding='utf-8') as f:
        p.read_string(f.read())
except configparser.MissingSectionHeaderError as e:
    print(json.dumps({"error": e.lineno})); sys.exit(0)
except configparser.ParsingError as e:
    print(json.dumps({"error": e.errors[0][0]})); sys.exit(0)
except configparser.Error as e:
    print(json.dumps({"error": getattr(e, 'lineno', None)})); sys.exit(0)
out = {"DEFAULT": dict(p.defaults())}
for s in p.sections():
    out[s] = dict(p.items(s, raw=True))
print(json.dumps(out))
"#;

fn python() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("FLEETPIN_ANSIBLE_PYTHON") {
        return Some(PathBuf::from(p));
    }
    let found = std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|d| d.join("python3"))
        .find(|p| p.is_file());
    fleetpin_testkit::oracle(found, "python3")
}

fn python_dump(python: &Path, file: &Path) -> serde_json::Value {
    let out = Command::new(python)
        .args(["-c", DUMP])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ours(cfg: &AnsibleConfig) -> serde_json::Value {
    let mut out: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let as_map = |items: Vec<(&str, &str)>| {
        items
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<BTreeMap<_, _>>()
    };
    out.insert("DEFAULT".into(), as_map(cfg.items("DEFAULT")));
    for s in cfg.sections() {
        out.insert(s.to_string(), as_map(cfg.items(s)));
    }
    serde_json::to_value(out).unwrap()
}

#[test]
fn reads_like_python_configparser() {
    let Some(python) = python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ansible.cfg");
    for text in CASES {
        std::fs::write(&file, text).unwrap();
        let want = python_dump(&python, &file);
        let cfg = AnsibleConfig::parse(text, &file).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(ours(&cfg), want, "for {text:?}");
    }
    for (text, line) in BAD {
        std::fs::write(&file, text).unwrap();
        let want = python_dump(&python, &file);
        assert_eq!(want["error"], serde_json::json!(line), "python on {text:?}");
        let err = AnsibleConfig::parse(text, &file).expect_err(text);
        assert_eq!(err.line, *line, "for {text:?}: {err}");
        assert!(
            err.to_string()
                .starts_with(&format!("{}:{line}: ", file.display()))
        );
    }
}

#[test]
fn inventory_list_matches_ansible_config_dump() {
    let Some(playbook) = ansible_or_skip() else {
        return;
    };
    let ansible_config = playbook.with_file_name("ansible-config");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ansible.cfg");
    for text in [
        CASES[0],
        CASES[1],
        CASES[2],
        CASES[5],
        "[defaults]\ninventory = inv/prod , inv/stage,\"q\"\n",
    ] {
        std::fs::write(&file, text).unwrap();
        let out = Command::new(&ansible_config)
            .args(["dump", "--only-changed", "-f", "json"])
            .env("ANSIBLE_CONFIG", &file)
            .env_remove("ANSIBLE_INVENTORY")
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dump: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let want: Vec<PathBuf> = dump
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == "DEFAULT_HOST_LIST")
            .map(|e| {
                e["value"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| PathBuf::from(p.as_str().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        let cfg = AnsibleConfig::parse(text, &file).unwrap();
        assert_eq!(cfg.inventory(), want, "for {text:?}");
    }
}
