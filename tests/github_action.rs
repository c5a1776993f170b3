//! The scripts of the composite action (`action.yml` → `action/*.sh`) run as a runner runs them:
//! bash with the `GITHUB_*`/`RUNNER_*` variables and files a runner sets, `fleetpin` on `PATH`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .canonicalize()
        .unwrap()
}

/// A runner's environment in a temporary directory: workspace, temp, tool cache, and the files
/// behind GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, GITHUB_PATH and GITHUB_ENV.
struct Runner {
    dir: tempfile::TempDir,
    bin: PathBuf,
}

impl Runner {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        for sub in ["workspace", "temp", "tool-cache", "bin"] {
            std::fs::create_dir(dir.path().join(sub)).unwrap();
        }
        let bin = dir.path().join("bin");
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_fleetpin"), bin.join("fleetpin")).unwrap();
        Self { dir, bin }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn workspace(&self) -> PathBuf {
        self.path("workspace")
    }

    /// Runs `action/<script>` with `args` and `env` (the step's `env:`), fresh output files.
    fn step(&self, script: &str, args: &[&str], env: &[(&str, &str)]) -> Step {
        for f in ["output", "summary", "path", "env"] {
            std::fs::write(self.path(f), "").unwrap();
        }
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let out = Command::new("bash")
            .arg(workspace_root().join("action").join(script))
            .args(args)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.dir.path())
            .env("CI", "true")
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_ACTION_PATH", workspace_root())
            .env("GITHUB_WORKSPACE", self.workspace())
            .env("GITHUB_OUTPUT", self.path("output"))
            .env("GITHUB_STEP_SUMMARY", self.path("summary"))
            .env("GITHUB_PATH", self.path("path"))
            .env("GITHUB_ENV", self.path("env"))
            .env("RUNNER_TEMP", self.path("temp"))
            .env("RUNNER_TOOL_CACHE", self.path("tool-cache"))
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .envs(env.iter().copied())
            .output()
            .expect("bash runs");
        let outputs = std::fs::read_to_string(self.path("output"))
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Step {
            out,
            outputs,
            summary: std::fs::read_to_string(self.path("summary")).unwrap(),
            path: std::fs::read_to_string(self.path("path")).unwrap(),
        }
    }
}

struct Step {
    out: Output,
    outputs: BTreeMap<String, String>,
    summary: String,
    path: String,
}

impl Step {
    fn log(&self) -> String {
        format!(
            "{}{}",
            String::from_utf8_lossy(&self.out.stdout),
            String::from_utf8_lossy(&self.out.stderr)
        )
    }
    fn output(&self, key: &str) -> &str {
        self.outputs.get(key).map_or_else(
            || panic!("no output {key}: {:?}", self.outputs),
            String::as_str,
        )
    }
}

fn have_jq() -> bool {
    fleetpin_testkit::require(
        fleetpin_testkit::on_path("jq").is_some(),
        "jq (Debian package jq; on every GitHub runner image)",
    )
}

const FLOATING: &str = "\
- name: Docker engine
  hosts: all
  serial: 1
  tasks:
    - name: Install Docker
      ansible.builtin.apt:
        name: docker-ce
        state: latest
";

#[test]
fn every_run_step_of_the_action_is_a_script_this_test_runs() {
    let action = std::fs::read_to_string(workspace_root().join("action.yml")).unwrap();
    let scripts: Vec<&str> = action
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("run: bash \"$GITHUB_ACTION_PATH/action/")
        })
        .collect();
    assert_eq!(
        scripts,
        [
            "install.sh\" key",
            "install.sh\" install",
            "lint.sh\"",
            "audit.sh\""
        ]
    );
    for uses in action
        .lines()
        .filter_map(|l| l.trim().strip_prefix("uses: "))
    {
        let (_, rest) = uses.split_once('@').unwrap();
        let sha = rest.split_whitespace().next().unwrap();
        assert!(
            sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
            "{uses} is not pinned to a commit SHA"
        );
    }
}

#[test]
fn install_steps_key_the_cache_by_version_and_put_fleetpin_on_path() {
    let runner = Runner::new();
    let key = runner.step("install.sh", &["key"], &[("ACTION_REF", "v0.1.0")]);
    assert!(key.out.status.success(), "{}", key.log());
    let version = key.output("version");
    assert!(
        version.split('.').count() == 3 && version.split('.').all(|p| p.parse::<u32>().is_ok()),
        "{version}"
    );
    assert!(
        key.output("key")
            .starts_with(&format!("fleetpin-{version}-v0.1.0-")),
        "{:?}",
        key.outputs
    );
    assert!(key.output("key").ends_with("-Linux-X64"));
    let dir = PathBuf::from(key.output("dir"));
    assert!(dir.starts_with(runner.path("tool-cache")), "{dir:?}");

    // A cache hit: the restored binary is used as it is (no cargo run).
    std::fs::create_dir_all(dir.join("bin")).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_fleetpin"), dir.join("bin/fleetpin")).unwrap();
    let dir_s = dir.to_str().unwrap();
    let install = runner.step(
        "install.sh",
        &["install"],
        &[("FLEETPIN_DIR", dir_s), ("CACHE_HIT", "true")],
    );
    assert!(install.out.status.success(), "{}", install.log());
    assert!(install.log().contains("restored from the cache"));
    assert!(install.log().contains(&format!("fleetpin {version}")));
    assert_eq!(install.path.trim(), dir.join("bin").to_str().unwrap());
}

#[test]
fn lint_step_annotates_writes_sarif_outputs_and_summary() {
    if !have_jq() {
        return;
    }
    let runner = Runner::new();
    std::fs::write(runner.workspace().join("site.yml"), FLOATING).unwrap();
    let step = runner.step("lint.sh", &[], &[("FLEETPIN_PATHS", "site.yml")]);
    assert!(step.out.status.success(), "{}", step.log());
    let log = step.log();
    assert!(
        log.contains("::error file=site.yml,line=8") && log.contains("title=ANS001"),
        "{log}"
    );
    assert_eq!(step.output("findings"), "1");
    assert_eq!(step.output("errors"), "1");
    assert_eq!(step.output("failed"), "true");
    assert!(step.output("reason").contains("1 floating"));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(step.output("sarif-file")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "ANS001");
    assert!(
        step.summary.contains("| 1 | 1 | 0 | 0 |") && step.summary.contains("| `ANS001` | 1 |"),
        "{}",
        step.summary
    );

    // fail-on: never reports but does not fail; a pinned file has nothing to report.
    let never = runner.step(
        "lint.sh",
        &[],
        &[
            ("FLEETPIN_PATHS", "site.yml"),
            ("FLEETPIN_FAIL_ON", "never"),
        ],
    );
    assert_eq!(never.output("findings"), "1");
    assert_eq!(never.output("failed"), "false");
    std::fs::write(
        runner.workspace().join("site.yml"),
        FLOATING.replace("state: latest", "state: present").replace(
            "name: docker-ce\n",
            "name: docker-ce=5:24.0.7-1~debian.12~bookworm\n",
        ),
    )
    .unwrap();
    let clean = runner.step("lint.sh", &[], &[]);
    assert!(clean.out.status.success(), "{}", clean.log());
    assert_eq!(clean.output("findings"), "0");
    assert_eq!(clean.output("failed"), "false");
}

#[test]
fn lint_step_fails_on_unreadable_input_and_bad_inputs() {
    if !have_jq() {
        return;
    }
    let runner = Runner::new();
    std::fs::write(
        runner.workspace().join("site.yml"),
        "- hosts: [all\n  tasks: {\n",
    )
    .unwrap();
    let step = runner.step("lint.sh", &[], &[]);
    assert_eq!(step.output("failed"), "true", "{}", step.log());
    assert!(step.output("reason").contains("could not read"));
    assert!(step.log().contains("site.yml"), "{}", step.log());

    let bad = runner.step("lint.sh", &[], &[("FLEETPIN_FAIL_ON", "sometimes")]);
    assert_eq!(bad.out.status.code(), Some(2));
    assert!(bad.log().contains("fail-on must be"), "{}", bad.log());
    let bad = runner.step("lint.sh", &[], &[("FLEETPIN_FORMAT", "sarif")]);
    assert_eq!(bad.out.status.code(), Some(2));
}

#[test]
fn the_action_lints_clean_with_fleetpin_itself() {
    let out = Command::new(env!("CARGO_BIN_EXE_fleetpin"))
        .args(["lint", "--format", "concise"])
        .arg(workspace_root().join("action.yml"))
        .arg(workspace_root().join(".pre-commit-hooks.yaml"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
