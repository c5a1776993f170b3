//! Ansible's own `parse_kv` (ansible.parsing.splitter) is the oracle for free-form module
//! arguments: every string below is parsed by both, with and without `check_raw`, and the
//! results must agree.
//!
//! Needs a Python that can `import ansible` (pip `ansible-core`): `FLEETPIN_ANSIBLE_PYTHON`,
//! else `python3` on PATH. Without it the test says so and passes, unless
//! `FLEETPIN_REQUIRE_ORACLES=1` (CI) makes the absence a failure.

use std::collections::BTreeMap;
use std::io::Write;
use std::process::{Command, Stdio};

use fleetpin_ansible::kv::parse_kv;

const CASES: &[&str] = &[
    "name=docker-ce state=latest",
    "name=docker-ce,docker-ce-cli state=present update_cache=yes",
    r#"name="docker-ce=5:23.0.1-1~debian.10~buster" state='present' msg="a b c""#,
    "name={{ item }} state={{ docker_state | default('latest') }} update_cache=yes",
    r"a\=b state=present state=latest",
    "docker.yml",
    "chdir=/srv curl -fsSL https://get.docker.com | sh",
    "apt-get install -y docker-ce creates=/usr/bin/docker",
    "name=a, b",
    "msg='it''s'",
    "name=x  state = latest",
    r#"key="val with \"escaped\" quotes""#,
    "a='b c'd e=f",
    "x={% if y %}1{% endif %} z=2",
    r#"name="{{ 'a b' }}""#,
    r"k=\u00e9 t=a\tb",
    "pkg=nginx=1.24.0-1~bookworm state=present",
    "repo=https://github.com/org/repo.git version=main dest=/opt/repo",
    "url=https://github.com/docker/compose/releases/latest/download/docker-compose-linux-x86_64 dest=/usr/local/bin/docker-compose mode=0755",
    "docker stack deploy -c stack.yml app removes=/tmp/x",
    "name=foo extra_args='--upgrade --no-cache-dir'",
    "=value",
    "key=",
    "  spaced=1   other=2  ",
    "é=ü ☃",
    "set -e\napt-get install -y x\ncreates=/x",
    "a=1\nb=2",
];

/// Ansible's results, one JSON line per case and mode, decoded by a tiny reader for a flat
/// object of strings (written by Python with `ensure_ascii`).
fn ansible_results(python: &str) -> Vec<BTreeMap<String, String>> {
    let script = r#"
import json, sys
from ansible.parsing.splitter import parse_kv
cases = json.load(sys.stdin)
for c in cases:
    for raw in (False, True):
        try:
            d = parse_kv(c, check_raw=raw)
        except Exception as e:
            d = {"__error__": str(e)}
        print(json.dumps(d, sort_keys=True))
"#;
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let input = format!(
        "[{}]",
        CASES
            .iter()
            .map(|c| json_string(c))
            .collect::<Vec<_>>()
            .join(",")
    );
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(parse_flat_json)
        .collect()
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    out.push_str(&format!("\\u{unit:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn parse_flat_json(line: &str) -> BTreeMap<String, String> {
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    let mut strings = Vec::new();
    while i < chars.len() {
        if chars[i] == '"' {
            i += 1;
            let mut units: Vec<u16> = Vec::new();
            let mut s = String::new();
            while chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                    match chars[i] {
                        'n' => s.push('\n'),
                        't' => s.push('\t'),
                        'r' => s.push('\r'),
                        'b' => s.push('\u{8}'),
                        'f' => s.push('\u{c}'),
                        'u' => {
                            let hex: String = chars[i + 1..i + 5].iter().collect();
                            units.push(u16::from_str_radix(&hex, 16).unwrap());
                            i += 4;
                            if let Ok(decoded) = String::from_utf16(&units) {
                                s.push_str(&decoded);
                                units.clear();
                            }
                        }
                        other => s.push(other),
                    }
                } else {
                    s.push(chars[i]);
                }
                i += 1;
            }
            strings.push(s);
        }
        i += 1;
    }
    strings
        .chunks(2)
        .map(|kv| (kv[0].clone(), kv[1].clone()))
        .collect()
}

#[test]
fn parse_kv_agrees_with_ansible() {
    let Some(python) = fleetpin_testkit::oracle(
        fleetpin_testkit::python_with("import ansible.parsing.splitter"),
        "a python with ansible-core (pip install ansible-core)",
    ) else {
        return;
    };
    let theirs = ansible_results(&python);
    assert_eq!(theirs.len(), CASES.len() * 2);
    let mut failures = Vec::new();
    for (i, case) in CASES.iter().enumerate() {
        for (j, raw) in [false, true].into_iter().enumerate() {
            let mut expected = theirs[i * 2 + j].clone();
            let mut ours: BTreeMap<String, String> = parse_kv(case, raw)
                .into_iter()
                .map(|p| (p.key, p.value))
                .collect();
            // Ansible keeps whitespace around the raw words (a newline ending the last one,
            // leading blanks, an empty `_raw_params` for surrounding blanks); fleetpin's range
            // starts and ends at a word. The command is the same to a shell.
            for m in [&mut expected, &mut ours] {
                if let Some(v) = m.get_mut("_raw_params") {
                    *v = v.trim().to_string();
                    if v.is_empty() {
                        m.remove("_raw_params");
                    }
                }
            }
            if ours != expected {
                failures.push(format!(
                    "{case:?} (check_raw={raw}):\n  ansible:  {expected:?}\n  fleetpin: {ours:?}"
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
