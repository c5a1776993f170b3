//! Ansible's own templating (`ansible.template.Templar`, ansible-core 2.19) is the oracle
//! for fleetpin's Jinja subset: every expression below is rendered by both with the same
//! variables (loaded from the same YAML), and where fleetpin decides one value it must be
//! Ansible's. Expressions whose value fleetpin cannot decide (an unknown condition) must come
//! back as several candidates, one of them Ansible's.
//!
//! Needs a Python that can `import ansible` (`FLEETPIN_ANSIBLE_PYTHON`, else `python3`).

use std::io::Write;
use std::process::{Command, Stdio};

use fleetpin_ansible::Value;
use fleetpin_ansible::jinja::{Env, Outcome, eval_template};

const VARS: &str = r#"
pcre_release: 2
pcre_version: "10.42"
flag: false
enabled: yes
pkgs: [curl, git]
extra: [jq]
nested: [[a], [b, [c]]]
docker_state: present
channel: stable
arch_map: {x86_64: amd64, aarch64: arm64}
machine: x86_64
count: "3"
nothing: null
"#;

/// Expressions fleetpin decides (one value).
const DECIDED: &[&str] = &[
    "{{ (pcre_release == 2) | ternary('pcre2-' ~ pcre_version, 'pcre-' ~ pcre_version) }}",
    "{{ (pcre_release != 2) | ternary('a', 'b') }}",
    "{{ 'latest' if flag | bool else 'present' }}",
    "{{ 'latest' if enabled | bool else 'present' }}",
    "{{ 'latest' if flag else 'present' }}",
    "{{ 'x' if 'git' in pkgs and not flag else 'y' }}",
    "{{ 'x' if 'svn' not in pkgs else 'y' }}",
    "{{ 'x' if 'git' in pkgs or flag else 'y' }}",
    "{{ 'x' if pcre_version | int >= 10 else 'y' }}",
    "{{ 'x' if count | int < 2 else 'y' }}",
    "{{ 'x' if docker_state == 'present' else 'y' }}",
    "{{ 'x' if channel != 'stable' else 'y' }}",
    "{{ 'x' if nothing is none else 'y' }}",
    "{{ 'x' if pkgs is defined else 'y' }}",
    "{{ 'x' if pkgs is not defined else 'y' }}",
    "{{ 'x' if 'tab' in 'stable' else 'y' }}",
    "{{ 'x' if machine in arch_map else 'y' }}",
    "{{ (pkgs + extra) if enabled | bool else pkgs }}",
    "{{ nothing | ternary('a', 'b', 'none') }}",
    "{{ flag | ternary('a', 'b', 'none') }}",
    "{{ (docker_state == 'latest') | ternary('latest', 'present') }}",
    "{{ 'docker-ce' ~ ('=' ~ pcre_version if pcre_release == 2 else '') }}",
    "{{ pkgs + extra if not flag else [] }}",
    "{{ nested | flatten }}",
    "{{ 'a' if 'x' }}",
    "{{ pcre_version | int }}",
    "{{ 'abc' | int }}",
];

/// Expressions fleetpin cannot decide: several candidates, Ansible's among them.
const UNDECIDED: &[(&str, &str)] = &[
    (
        "{{ 'latest' if upgrade_docker else 'present' }}",
        "upgrade_docker: true",
    ),
    (
        "{{ (ansible_distribution == 'Debian') | ternary('apt', 'dnf') }}",
        "ansible_distribution: Debian",
    ),
];

struct Vars(Vec<(String, Value)>);

impl Env for Vars {
    fn lookup(&self, name: &str, depth: usize) -> Vec<Outcome> {
        match self.0.iter().find(|(n, _)| n == name) {
            Some((_, Value::Str(s))) if fleetpin_ansible::jinja::has_template(s) => {
                eval_template(s, self, depth + 1)
            }
            Some((_, v)) => vec![Ok((v.clone(), Vec::new()))],
            None => Vec::new(),
        }
    }
}

fn vars(yaml: &str) -> Vars {
    let docs = fleetpin_yaml::parse(yaml).unwrap();
    let Value::Map(entries) = Value::from_node(&docs[0].root) else {
        panic!("vars are a mapping")
    };
    Vars(entries)
}

/// Ansible's rendering of each `(expression, extra vars YAML)`, as canonical JSON (scalars as
/// Python's `str`, so `2` and `"2"` and YAML's `false` compare as fleetpin models them).
fn ansible(python: &str, cases: &[(&str, &str)]) -> Vec<String> {
    let script = r#"
import json, sys, yaml
from ansible.template import Templar, trust_as_template
from ansible.parsing.dataloader import DataLoader
def trust(v):
    if isinstance(v, str): return trust_as_template(v)
    if isinstance(v, list): return [trust(x) for x in v]
    if isinstance(v, dict): return {k: trust(x) for k, x in v.items()}
    return v
def canon(v):
    if isinstance(v, list): return [canon(x) for x in v]
    if v is None: return None
    return str(v)
for line in sys.stdin:
    expr, extra = json.loads(line)
    base = yaml.safe_load(extra)
    t = Templar(loader=DataLoader(), variables=trust(base))
    try:
        print(json.dumps(canon(t.template(trust_as_template(expr)))))
    except Exception as e:
        print(json.dumps({"error": str(e).splitlines()[0]}))
"#;
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = String::new();
    for (expr, extra) in cases {
        input.push_str(&serde_json::to_string(&(expr, extra)).unwrap());
        input.push('\n');
    }
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
        .map(str::to_string)
        .collect()
}

fn canon(v: &Value) -> serde_json::Value {
    match v {
        Value::Str(s) => serde_json::Value::String(s.clone()),
        Value::List(items) => serde_json::Value::Array(items.iter().map(canon).collect()),
        Value::Null => serde_json::Value::Null,
        other => serde_json::Value::String(other.to_string()),
    }
}

#[test]
fn conditions_and_filters_agree_with_ansible() {
    let Some(python) = fleetpin_testkit::oracle(
        fleetpin_testkit::python_with("from ansible.template import Templar, trust_as_template"),
        "a python with ansible-core 2.19 (pip install ansible-core)",
    ) else {
        return;
    };
    let mut cases: Vec<(&str, String)> = DECIDED.iter().map(|e| (*e, VARS.to_string())).collect();
    for (e, extra) in UNDECIDED {
        cases.push((e, format!("{VARS}{extra}\n")));
    }
    let borrowed: Vec<(&str, &str)> = cases.iter().map(|(e, v)| (*e, v.as_str())).collect();
    let theirs = ansible(&python, &borrowed);
    assert_eq!(theirs.len(), cases.len());
    let env = vars(VARS);
    let mut failures = Vec::new();
    for (i, expr) in DECIDED.iter().enumerate() {
        let expected: serde_json::Value = serde_json::from_str(&theirs[i]).unwrap();
        let ours: Vec<_> = eval_template(expr, &env, 0);
        match ours.as_slice() {
            [Ok((v, _))] if canon(v) == expected => {}
            _ => failures.push(format!(
                "{expr}\n  ansible: {expected}\n  fleetpin: {ours:?}"
            )),
        }
    }
    for (j, (expr, _)) in UNDECIDED.iter().enumerate() {
        let expected: serde_json::Value = serde_json::from_str(&theirs[DECIDED.len() + j]).unwrap();
        let ours = eval_template(expr, &env, 0);
        let values: Vec<_> = ours
            .iter()
            .filter_map(|o| o.as_ref().ok())
            .map(|(v, _)| canon(v))
            .collect();
        if values.len() < 2 || !values.contains(&expected) {
            failures.push(format!(
                "{expr} (undecided)\n  ansible: {expected}\n  fleetpin: {ours:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
