//! `fleetpin init`: writes a configuration fleetpin reads, pre-commit's config and a workflow;
//! never overwrites; `--dry-run` writes nothing.

mod common;
use common::{Run, fleetpin};

fn stderr(out: &Run) -> String {
    out.stderr.clone()
}

#[test]
fn init_writes_three_files_fleetpin_and_its_action_accept() {
    let tmp = tempfile::tempdir().unwrap();
    let out = fleetpin(tmp.path(), &["init"]);
    assert!((out.code == 0), "{}", stderr(&out));
    for f in [
        "fleetpin.toml",
        ".pre-commit-config.yaml",
        ".github/workflows/fleetpin.yml",
    ] {
        assert!(tmp.path().join(f).is_file(), "{f} written");
        assert!(stderr(&out).contains(f), "{}", stderr(&out));
    }
    let precommit = std::fs::read_to_string(tmp.path().join(".pre-commit-config.yaml")).unwrap();
    assert!(precommit.contains("- id: fleetpin-lint") && precommit.contains("rev: v"));

    // The configuration parses (a bad one is input error E008, exit 2) and the workflow it
    // wrote is linted clean by fleetpin itself but for the action's own pin, which names a tag
    // until the user replaces it with the release's commit SHA.
    let lint = fleetpin(
        tmp.path(),
        &["lint", "--format", "json", "--config", "fleetpin.toml", "."],
    );
    let report: serde_json::Value = serde_json::from_str(&lint.stdout).unwrap();
    assert_eq!(report["summary"]["input_errors"], 0, "{report:#}");
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap_or_default())
        .collect();
    assert!(codes.iter().all(|c| *c == "GHA001"), "{report:#}");
}

#[test]
fn init_never_overwrites_and_dry_run_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join(".pre-commit-config.yaml"), "repos: []\n").unwrap();
    let dry = fleetpin(tmp.path(), &["init", "--dry-run"]);
    assert!((dry.code == 0));
    let printed = dry.stdout;
    assert!(printed.contains("==> fleetpin.toml <==") && printed.contains("[lint]"));
    assert!(printed.contains("==> .github/workflows/fleetpin.yml <=="));
    assert!(
        !tmp.path().join("fleetpin.toml").exists(),
        "dry run wrote nothing"
    );

    let out = fleetpin(tmp.path(), &["init"]);
    assert!((out.code == 0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(tmp.path().join(".pre-commit-config.yaml")).unwrap(),
        "repos: []\n",
        "an existing file is left as it is"
    );
    let err = stderr(&out);
    assert!(
        err.contains(".pre-commit-config.yaml exists, left as it is")
            && err.contains("- id: fleetpin-lint"),
        "{err}"
    );
    assert!(tmp.path().join("fleetpin.toml").is_file());
    // A second run changes nothing.
    let toml = std::fs::read(tmp.path().join("fleetpin.toml")).unwrap();
    let again = fleetpin(tmp.path(), &["init"]);
    assert!((again.code == 0));
    assert_eq!(
        std::fs::read(tmp.path().join("fleetpin.toml")).unwrap(),
        toml
    );
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn init_refuses_a_missing_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let out = fleetpin(tmp.path(), &["init", "no-such-dir"]);
    assert_eq!(out.code, 2);
    assert!(stderr(&out).contains("no-such-dir is not a directory"));
}
