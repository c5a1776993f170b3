//! pip requirement specifiers against pip's own parser: `packaging.requirements.Requirement`
//! (what pip uses), from the Python of `FLEETPIN_ANSIBLE_PYTHON` (the tools venv, where
//! ansible-core brings `packaging`), else `python3`. A spec `packaging` rejects must be
//! [`PackageSource::Invalid`] (pip installs nothing, so it neither floats nor pins); a spec it
//! accepts must not be, and its strength must follow the specifier set.

use std::io::Write as _;
use std::process::{Command, Stdio};

use fleetpin_spec::PinStrength;
use fleetpin_spec::package::{Manager, PackageSource, parse_spec};

/// Specs as test suites and roles write them: valid ones and the invalid ones suites use to
/// check that the install fails.
const CASES: &[&str] = &[
    "tox>>>>>3.27.0",
    "tox=3.27.0",
    "tox~3",
    "tox<>3",
    "tox>=3.22.0,<3.27.0",
    "tox>=3.22.0,,<3.27.0",
    "tox==3.*",
    "tox>=3.*",
    "tox~=3.27",
    "tox===3.27.0-custom",
    "tox!=3.1.*",
    "tox==1!2.0.post1",
    "tox==v3.27.0",
    "tox==3.27.0+local.7",
    "tox[testing]>=4",
    "tox (>=4)",
    "tox>=4; python_version >= '3.8'",
    "tox==",
    "tox>=abc",
    "tox",
];

fn python() -> Option<String> {
    let p = std::env::var("FLEETPIN_ANSIBLE_PYTHON").unwrap_or_else(|_| "python3".to_owned());
    Command::new(&p)
        .args(["-c", "import packaging.requirements"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        .then_some(p)
}

/// Per case: `None` when `packaging` rejects it, else its specifier set as `packaging` prints it.
fn packaging_verdicts(python: &str) -> Vec<Option<String>> {
    let script = r#"
import sys
from packaging.requirements import Requirement, InvalidRequirement
for line in sys.stdin.read().split("\n")[:-1]:
    try:
        print("ok " + str(Requirement(line).specifier))
    except InvalidRequirement:
        print("invalid")
"#;
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run python");
    let mut input = CASES.join("\n");
    input.push('\n');
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write cases");
    let out = child.wait_with_output().expect("python output");
    assert!(out.status.success(), "python failed");
    String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(|l| l.strip_prefix("ok ").map(str::to_owned))
        .collect()
}

#[test]
fn invalid_pip_specifiers_are_what_packaging_rejects() {
    let Some(python) = fleetpin_testkit::oracle(
        python(),
        "Python with `packaging` (FLEETPIN_ANSIBLE_PYTHON or python3; pip install packaging)",
    ) else {
        return;
    };
    let verdicts = packaging_verdicts(&python);
    assert_eq!(verdicts.len(), CASES.len());
    let mut invalid = 0;
    for (case, verdict) in CASES.iter().zip(&verdicts) {
        let parsed = parse_spec(Manager::Pip, case);
        match verdict {
            None => {
                invalid += 1;
                assert_eq!(
                    parsed.source,
                    PackageSource::Invalid,
                    "{case}: packaging rejects it, fleetpin read {parsed:?}"
                );
            }
            Some(spec) => {
                assert_ne!(
                    parsed.source,
                    PackageSource::Invalid,
                    "{case}: packaging accepts it ({spec:?})"
                );
                // `==`/`===` alone pin one version; `.*` is a glob; other operators a range.
                let clauses: Vec<&str> = spec.split(',').filter(|c| !c.is_empty()).collect();
                let expected = if clauses.is_empty() {
                    PinStrength::None
                } else if clauses.iter().any(|c| c.starts_with("===")) {
                    PinStrength::Exact
                } else if clauses
                    .iter()
                    .any(|c| c.starts_with("==") && c.ends_with(".*"))
                {
                    PinStrength::Glob
                } else if clauses.iter().any(|c| c.starts_with("==")) {
                    PinStrength::Exact
                } else {
                    PinStrength::Range
                };
                assert_eq!(
                    parsed.strength, expected,
                    "{case}: packaging reads {spec:?}"
                );
            }
        }
    }
    assert!(invalid >= 5, "the cases must include rejected specs");
}
