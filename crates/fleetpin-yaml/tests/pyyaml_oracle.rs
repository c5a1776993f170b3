//! PyYAML — the loader Ansible uses — is the oracle for the tree: every YAML file of the
//! corpus (this repository's fixtures, the tricky documents below, and the YAML files shipped
//! inside ansible-core when it is installed) is loaded by both, with PyYAML's type resolution
//! turned off (every scalar a string, nulls `None`, merge keys and duplicate keys handled as
//! Ansible sees them), and the trees must be equal.
//!
//! `FLEETPIN_YAML_CORPUS=DIR` adds every YAML file under DIR (the Ansible collections of
//! bench/.venv: 4,668 files agree).
//!
//! Needs a Python with PyYAML: `FLEETPIN_ANSIBLE_PYTHON`, else `python3` on PATH. Without it
//! the test says so and passes, unless `FLEETPIN_REQUIRE_ORACLES=1` (CI) makes the absence a
//! failure.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fleetpin_yaml::{Node, NodeKind, parse};
use serde_json::Value as Json;

const TRICKY: &[&str] = &[
    "a: &x {state: latest, name: docker-ce}\nb:\n  <<: *x\n  name: own\nc:\n  <<: [*x, {extra: 1}]\n",
    "dup: 1\nother: 2\ndup: 3\n",
    "- |\n  literal\n  block\n- >-\n  folded\n  text\n\n  para\n- |+\n  keep\n\n- 'single ''quoted'''\n- \"double \\\"q\\\" \\t tab \\u00e9\"\n",
    "plain: multi\n  line\n  scalar\nempty:\ntilde: ~\nnull_word: null\nquoted_null: 'null'\n",
    "---\nfirst: 1\n...\n---\n- second\n",
    "flow: {a: [1, 2, {b: c}], 'd': \"e\"}\nseq: [a, b, c]\n",
    "? complex key\n: value\n? [a, b]\n: seq key\n",
    "tagged: !!str 123\nvault: !vault |\n  $ANSIBLE_VAULT;1.1;AES256\n  3961\nunsafe: !unsafe '{{ x }}'\n",
    "é: ü\n☃: snow ☃\n",
    "anchors:\n  - &a one\n  - *a\n  - &b [x, y]\n  - *b\n",
    "- name: Install\n  apt: name=docker-ce state=latest\n  when: ansible_os_family == \"Debian\"\n",
    "key: 'multi\n  line single'\nother: \"multi\n  line double\"\n",
    // Tabs starting continuation lines of quoted scalars: PyYAML folds them away (issue 9
    // item 6: such files were E005).
    "key: \"x\n\ty\"\nother: 'a\n\t\tb'\nnested:\n  deep: \"one\n\ttwo\n  \tthree\"\n",
    "- name: \"Install\n\tdocker\"\n  apt: name=docker-ce\n",
    // Issue 9: quoted strings inside the quoted scalar (a Jinja list) before the tab line.
    "ruby__dev_packages: '{{ [\"ruby-dev\", \"build-essential\"]\n\t                if (ruby__dev_support | bool or\n\t                    ruby__gems)\n\t                else [] }}'\nnext: \"a\"\n",
    // A tab indenting a block mapping is an error for PyYAML too.
    "key:\n\tvalue: 1\n",
    "",
    "# only a comment\n",
];

const SCRIPT: &str = r#"
import json, sys, yaml
class L(yaml.SafeLoader):
    pass
def as_str(loader, node):
    return loader.construct_scalar(node)
for tag in ("bool", "int", "float", "timestamp", "binary", "str"):
    L.add_constructor("tag:yaml.org,2002:" + tag, as_str)
L.add_constructor("tag:yaml.org,2002:null", lambda l, n: None)
L.add_constructor(None, lambda l, n: l.construct_scalar(n) if isinstance(n, yaml.ScalarNode) else (l.construct_sequence(n) if isinstance(n, yaml.SequenceNode) else l.construct_mapping(n)))
def key(k):
    if k is None:
        return "\u0000null"
    if isinstance(k, (list, tuple)):
        return "\u0000complex"
    return k
def fix(v):
    if isinstance(v, dict):
        return sorted([[key(k), fix(x)] for k, x in v.items()], key=lambda e: e[0])
    if isinstance(v, list):
        return [fix(x) for x in v]
    return v
# dict keys must be hashable: make sequences tuples
def construct_mapping(loader, node, deep=False):
    loader.flatten_mapping(node)
    out = {}
    for k_node, v_node in node.value:
        k = loader.construct_object(k_node, deep=True)
        if isinstance(k, list):
            k = tuple(k)
        out[k] = loader.construct_object(v_node, deep=True)
    return out
L.add_constructor("tag:yaml.org,2002:map", construct_mapping)
for path in sys.stdin.read().split("\0"):
    if not path:
        continue
    try:
        with open(path, encoding="utf-8") as f:
            docs = list(yaml.load_all(f, Loader=L))
        print(json.dumps({"ok": [fix(d) for d in docs if d is not None or True]}))
    except Exception as e:
        print(json.dumps({"error": str(e).splitlines()[0] if str(e) else type(e).__name__}))
"#;

fn to_json(node: &Node) -> Json {
    match &node.kind {
        NodeKind::Null => Json::Null,
        NodeKind::Scalar(s) => Json::String(s.value.clone()),
        NodeKind::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        NodeKind::Map(entries) => Json::Array({
            let mut out: Vec<Json> = entries
                .iter()
                .map(|(k, v)| {
                    let key = match &k.kind {
                        NodeKind::Null => Json::String("\u{0}null".into()),
                        NodeKind::Scalar(s) => Json::String(s.value.clone()),
                        _ => Json::String("\u{0}complex".into()),
                    };
                    Json::Array(vec![key, to_json(v)])
                })
                .collect();
            // Key order of merged mappings differs between PyYAML versions (5.x reverses
            // merge lists, 6.x does not); compare mappings as sets of entries.
            out.sort_by(|a, b| a[0].as_str().cmp(&b[0].as_str()));
            out
        }),
    }
}

fn corpus(python: &str, tmp: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for (i, doc) in TRICKY.iter().enumerate() {
        let p = tmp.join(format!("tricky-{i}.yml"));
        std::fs::write(&p, doc).unwrap();
        files.push(p);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut roots = vec![workspace.join("crates")];
    // An extra corpus, e.g. the collections of the PyPI `ansible` package (bench/.venv).
    if let Some(extra) = std::env::var_os("FLEETPIN_YAML_CORPUS") {
        roots.push(PathBuf::from(extra));
    }
    // The YAML shipped inside ansible-core, when this Python has it.
    if let Ok(out) = Command::new(python)
        .args([
            "-c",
            "import ansible, os; print(os.path.dirname(ansible.__file__))",
        ])
        .stderr(Stdio::null())
        .output()
        && out.status.success()
    {
        roots.push(PathBuf::from(String::from_utf8_lossy(&out.stdout).trim()));
    }
    while let Some(dir) = roots.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            let name = e.file_name().to_string_lossy().to_string();
            if p.is_dir() {
                if name != "target" && !name.starts_with('.') && name != "fuzz" {
                    roots.push(p);
                }
            } else if name.ends_with(".yml") || name.ends_with(".yaml") {
                files.push(p);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn tree_agrees_with_pyyaml() {
    let Some(python) = fleetpin_testkit::oracle(
        fleetpin_testkit::python_with("import yaml"),
        "a python with PyYAML (pip install ansible-core)",
    ) else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    let files = corpus(&python, tmp.path());
    assert!(files.len() > TRICKY.len(), "the corpus has the fixtures");
    let mut child = Command::new(&python)
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let list: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(list.join("\0").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Json> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(results.len(), files.len());
    let mut failures = Vec::new();
    let mut compared = 0;
    for (file, theirs) in files.iter().zip(&results) {
        let text = std::fs::read_to_string(file).unwrap();
        let ours = parse(&text);
        match (theirs.get("ok").and_then(Json::as_array), ours) {
            (Some(docs), Ok(ours)) => {
                // PyYAML yields None for an empty explicit document; we yield no document.
                let theirs: Vec<&Json> = docs.iter().filter(|d| !d.is_null()).collect();
                let ours: Vec<Json> = ours
                    .iter()
                    .map(|d| to_json(&d.root))
                    .filter(|d| !d.is_null())
                    .collect();
                compared += 1;
                if theirs.len() != ours.len() || theirs.iter().zip(&ours).any(|(a, b)| *a != b) {
                    failures.push(format!(
                        "{}: trees differ\n  pyyaml:   {}\n  fleetpin: {}",
                        file.display(),
                        serde_json::to_string(&theirs).unwrap(),
                        serde_json::to_string(&ours).unwrap()
                    ));
                }
            }
            (Some(_), Err(e)) => failures.push(format!(
                "{}: PyYAML loads it, fleetpin says {e}",
                file.display()
            )),
            (None, Ok(_)) => failures.push(format!(
                "{}: PyYAML rejects it ({}), fleetpin loads it",
                file.display(),
                theirs["error"]
            )),
            (None, Err(_)) => compared += 1,
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} files differ:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
    assert!(compared > 0);
}
