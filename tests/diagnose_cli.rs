//! `fleetpin diagnose` end to end: the example journals, bad inputs, a real Ansible `--tree`,
//! a real journal written by systemd-journal-remote, and real sshd servers on loopback.

mod common;
#[path = "../crates/fleetpin-fleet/tests/support/sshd.rs"]
mod sshd;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Run, fleetpin, piped_into_head, snapshot_text};
use serde_json::Value;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn journal(host: &str) -> PathBuf {
    repo()
        .join("examples/swarm-cluster/journal")
        .join(format!("{host}.export.gz"))
}

const M1: &str = "swarm-m1.example.internal";
const W1: &str = "swarm-w1.example.internal";
const W2: &str = "swarm-w2.example.internal";
const APPARMOR: &str = "docker23-apparmor-missing";
const AUTH: &str = "swarm-missing-registry-auth";

fn json(r: &Run) -> Value {
    serde_json::from_str(&r.stdout).unwrap_or_else(|e| panic!("{e}: {}", r.stdout))
}

/// `(host, status, causes)` of a JSON diagnosis.
fn hosts(d: &Value) -> Vec<(String, String, Vec<String>)> {
    d["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["host"].as_str().unwrap().to_owned(),
                h["status"].as_str().unwrap().to_owned(),
                h["causes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_owned())
                    .collect(),
            )
        })
        .collect()
}

/// `(cause id, host counts)`.
fn causes(d: &Value) -> Vec<(String, Value)> {
    d["causes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["host_counts"].clone(),
            )
        })
        .collect()
}

fn the_example_hosts() -> Vec<(String, String, Vec<String>)> {
    vec![
        (W1.into(), "broken".into(), vec![AUTH.into()]),
        (
            W2.into(),
            "broken".into(),
            vec![APPARMOR.into(), AUTH.into()],
        ),
        (M1.into(), "clean".into(), vec![]),
    ]
}

#[test]
fn the_readme_command_names_both_root_causes_on_the_example() {
    let r = fleetpin(&repo(), &["diagnose", "examples/swarm-cluster/journal"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!(snapshot_text(&r, &repo()));

    let r = fleetpin(
        &repo(),
        &[
            "diagnose",
            "examples/swarm-cluster/journal",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 1);
    let d = json(&r);
    assert_eq!(d["schema"]["name"], "fleetpin-diagnosis");
    assert_eq!(d["schema"]["version"], 1);
    assert_eq!(hosts(&d), the_example_hosts());
    let c = causes(&d);
    assert_eq!(c[0].0, APPARMOR);
    assert_eq!(c[0].1, serde_json::json!({ W2: 300 }));
    assert_eq!(c[1].0, AUTH);
    assert_eq!(c[1].1, serde_json::json!({ W1: 221, W2: 221 }));
    assert_eq!(
        d["causes"][0]["hazards"],
        serde_json::json!(["FPH-2023-0001"])
    );
    assert_eq!(d["input"]["bad"], 0);
}

/// The README's second command: the example's facts of the morning after confirm the known
/// explanation on swarm-w2. Those shipped facts hold exactly the packages `fleetpin gather`
/// imports from the example's dpkg status files.
#[test]
fn the_readme_facts_command_confirms_the_hazard_on_the_broken_node() {
    let r = fleetpin(
        &repo(),
        &[
            "diagnose",
            "examples/swarm-cluster/journal/",
            "--facts",
            "examples/swarm-cluster/fleet/facts-after",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    let line = format!(
        "  facts: Docker 23.0.1 + no apparmor package + AppArmor in the kernel on {W2}: FPH-2023-0001"
    );
    assert!(r.stdout.lines().any(|l| l == line), "{}", r.stdout);

    let tmp = tempfile::tempdir().unwrap();
    let imported = facts_after_the_incident(tmp.path());
    for h in [M1, W1, W2] {
        let read = |dir: &Path| -> Value {
            serde_json::from_slice(&std::fs::read(dir.join(format!("{h}.json"))).unwrap()).unwrap()
        };
        let shipped = read(&repo().join("examples/swarm-cluster/fleet/facts-after"));
        assert_eq!(shipped["packages"], read(&imported)["packages"], "{h}");
    }
}

/// Facts of the three journal hosts *after* the incident, as `fleetpin gather` imports them
/// from their dpkg status files (`examples/swarm-cluster/fleet/status/`): swarm-w2 runs
/// docker-ce 23.0.1 and has only the config files of `apparmor` left.
fn facts_after_the_incident(dir: &Path) -> PathBuf {
    let facts = dir.join("facts");
    let status = repo().join("examples/swarm-cluster/fleet/status");
    let specs: Vec<String> = [M1, W1, W2]
        .iter()
        .map(|h| format!("{h}={}", status.join(h).display()))
        .collect();
    let mut args = vec!["gather", "--facts-dir", facts.to_str().unwrap()];
    for s in &specs {
        args.extend_from_slice(&["--from-dpkg-status", s]);
    }
    let r = fleetpin(dir, &args);
    assert_eq!(r.code, 0, "{}", r.stderr);
    facts
}

/// The cause headers and their `facts:` lines of a text report, with exit code and stderr.
fn facts_view(r: &Run, dir: &Path) -> String {
    let lines: String = r
        .stdout
        .lines()
        .filter(|l| l.starts_with("cause ") || l.starts_with("  facts: "))
        .map(|l| format!("{l}\n"))
        .collect();
    snapshot_text(
        &Run {
            code: r.code,
            stdout: lines,
            stderr: r.stderr.clone(),
        },
        dir,
    )
}

/// The `(cause, host, verdict)` of every fit in a JSON report.
fn fits(d: &Value) -> Vec<(String, String, String)> {
    d["facts"]["fits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["cause"].as_str().unwrap().to_owned(),
                f["host"].as_str().unwrap().to_owned(),
                f["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Issue 12, item 3: "Docker 23.0.1 + no apparmor package on node-w2: FPH-2023-0001".
#[test]
fn facts_say_whether_the_known_explanation_fits_each_host() {
    let tmp = tempfile::tempdir().unwrap();
    let facts = facts_after_the_incident(tmp.path());
    let journal = repo().join("examples/swarm-cluster/journal");
    let args = [
        "diagnose",
        journal.to_str().unwrap(),
        "--facts",
        facts.to_str().unwrap(),
    ];
    let r = fleetpin(tmp.path(), &args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!(facts_view(&r, tmp.path()));
    // Everything else is the report without --facts.
    let plain = fleetpin(tmp.path(), &["diagnose", journal.to_str().unwrap()]);
    let without_facts: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| !l.starts_with("  facts: "))
        .collect();
    assert_eq!(without_facts, plain.stdout.lines().collect::<Vec<_>>());

    // A gather over SSH also records the kernel's AppArmor state: then every condition holds.
    let w2 = facts.join(format!("{W2}.json"));
    let mut doc: Value = serde_json::from_slice(&std::fs::read(&w2).unwrap()).unwrap();
    doc["apparmor_enabled"] = Value::Bool(true);
    doc["kernel"] = Value::String("4.19.0-23-amd64".into());
    std::fs::write(&w2, serde_json::to_vec_pretty(&doc).unwrap()).unwrap();
    let mut json_args = args.to_vec();
    json_args.extend_from_slice(&["--format", "json"]);
    let r = fleetpin(tmp.path(), &json_args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let d = json(&r);
    assert_eq!(d["schema"]["version"], 1);
    assert_eq!(
        fits(&d),
        [
            (APPARMOR.into(), W2.into(), "confirmed".into()),
            (AUTH.into(), W1.into(), "unconditioned".into()),
            (AUTH.into(), W2.into(), "unconditioned".into()),
        ]
    );
    let fit = &d["facts"]["fits"][0];
    assert_eq!(
        fit["summary"],
        "Docker 23.0.1 + no apparmor package + AppArmor in the kernel on \
         swarm-w2.example.internal: FPH-2023-0001"
    );
    assert_eq!(fit["hazard"], "FPH-2023-0001");
    assert_eq!(
        fit["checks"],
        serde_json::json!([
            { "condition": "Docker >= 23.0.0~, < 23.0.2~", "fact": "Docker 23.0.1", "holds": true },
            { "condition": "no apparmor package", "fact": "no apparmor package", "holds": true },
            { "condition": "AppArmor in the kernel", "fact": "AppArmor in the kernel", "holds": true },
        ])
    );
    assert_eq!(fit["gathered_before_lines"], false);
    assert_eq!(d["facts"]["errors"], serde_json::json!([]));
    assert_eq!(d["facts"]["hosts_without_facts"], serde_json::json!([]));
    let r = fleetpin(tmp.path(), &args);
    assert!(
        r.stdout.contains(
            "\n  facts: Docker 23.0.1 + no apparmor package + AppArmor in the kernel on \
             swarm-w2.example.internal: FPH-2023-0001\n"
        ),
        "{}",
        r.stdout
    );
}

/// The example's `fleet/facts` were gathered on 2023-02-09, before the upgrade: swarm-w2 still
/// ran Docker 20.10.24, which the cause's Docker range excludes.
#[test]
fn facts_that_contradict_the_cause_say_which_value() {
    let args = [
        "diagnose",
        "examples/swarm-cluster/journal",
        "--facts",
        "examples/swarm-cluster/fleet/facts",
    ];
    let r = fleetpin(&repo(), &args);
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!(facts_view(&r, &repo()));

    let mut json_args = args.to_vec();
    json_args.extend_from_slice(&["--format", "json"]);
    let d = json(&fleetpin(&repo(), &json_args));
    assert_eq!(
        fits(&d)[0],
        (APPARMOR.into(), W2.into(), "contradicted".into())
    );
    let fit = &d["facts"]["fits"][0];
    assert_eq!(
        fit["checks"][0],
        serde_json::json!({
            "condition": "Docker >= 23.0.0~, < 23.0.2~", "fact": "Docker 20.10.24", "holds": false
        })
    );
    assert_eq!(fit["gathered_at"], "2023-02-09T00:00:00.000000Z");
    assert_eq!(fit["gathered_before_lines"], true);

    // The same journal under a short host name still finds the facts of the long one; the
    // apparmor package of swarm-m1 contradicts the cause there.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("journal");
    std::fs::create_dir(&dir).unwrap();
    std::fs::copy(journal(W2), dir.join("swarm-m1.export.gz")).unwrap();
    let r = fleetpin(
        &repo(),
        &[
            "diagnose",
            dir.to_str().unwrap(),
            "--facts",
            "examples/swarm-cluster/fleet/facts",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.contains(
            "\n  facts: Docker 20.10.23 + apparmor 2.13.2-10 installed on swarm-m1: the facts do \
             not fit docker23-apparmor-missing (FPH-2023-0001) (facts gathered 2023-02-09, \
             before these lines: run `fleetpin gather` again)\n"
        ),
        "{}",
        r.stdout
    );
}

/// A facts file that cannot be read is named with its line; its host, and a host with no
/// file, are said to have no facts; the other hosts are still checked.
#[test]
fn bad_facts_files_are_named_and_the_rest_is_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let facts = facts_after_the_incident(tmp.path());
    std::fs::remove_file(facts.join(format!("{M1}.json"))).unwrap();
    std::fs::write(
        facts.join(format!("{W2}.json")),
        "{\n  \"fleetpin_facts\": 1,\n  \"host\": ",
    )
    .unwrap();
    let journal = repo().join("examples/swarm-cluster/journal");
    let r = fleetpin(
        tmp.path(),
        &[
            "diagnose",
            journal.to_str().unwrap(),
            "--facts",
            facts.to_str().unwrap(),
        ],
    );
    assert_eq!(r.code, 1, "the causes still matched: {}", r.stderr);
    insta::assert_snapshot!(facts_view(&r, tmp.path()));

    let r = fleetpin(
        tmp.path(),
        &[
            "diagnose",
            journal.to_str().unwrap(),
            "--facts",
            "no-such-dir",
            "--format",
            "json",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(r.stdout.is_empty());
    assert!(
        r.stderr.contains("cannot read facts directory no-such-dir"),
        "{}",
        r.stderr
    );
}

#[test]
fn filters_select_like_journalctl() {
    let dir = repo();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "diagnose",
            "examples/swarm-cluster/journal",
            "--format",
            "json",
        ];
        args.extend_from_slice(extra);
        let r = fleetpin(&dir, &args);
        (r.code, json(&r))
    };
    // Before the redeploy only the AppArmor failure.
    let (code, d) = run(&["--until", "2023-02-20 22:30"]);
    assert_eq!(code, 1);
    assert_eq!(causes(&d).len(), 1);
    assert_eq!(causes(&d)[0].0, APPARMOR);
    // After it, only the pulls.
    let (_, d) = run(&["--since", "2023-02-20T22:44:00Z"]);
    assert_eq!(
        causes(&d).iter().map(|c| c.0.as_str()).collect::<Vec<_>>(),
        [AUTH]
    );
    // Errors only: the kernel's info lines go, udev's errors stay.
    let (_, d) = run(&["-p", "err", "-u", "docker", "-u", "systemd-udevd"]);
    for t in d["remaining"].as_array().unwrap() {
        assert_eq!(t["severity"], "err", "{t}");
    }
    assert_eq!(d["noise"][0]["templates"].as_array().unwrap().len(), 1);
    // `-u docker`, like journalctl, also keeps systemd's lines about docker.service.
    let (_, d) = run(&["-u", "docker"]);
    let texts: Vec<&str> = d["remaining"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["text"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"Started Docker Application Container Engine."),
        "{texts:?}"
    );
    assert!(
        !texts.iter().any(|t| t.contains("Accepted publickey")),
        "{texts:?}"
    );
    // --grep, smart case; nothing matches → exit 0 and no causes.
    let (code, d) = run(&["--grep", "NO SUCH THING"]);
    assert_eq!((code, causes(&d).len()), (0, 0));
    let (code, d) = run(&["--grep", "apparmor profile"]);
    assert_eq!(code, 1);
    assert_eq!(d["remaining"].as_array().unwrap().len(), 0);
    // Usage errors name the flag.
    let r = fleetpin(&dir, &["diagnose", "-", "--since", "last tuesday"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr
            .contains("--since: cannot read the time `last tuesday`"),
        "{}",
        r.stderr
    );
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

#[test]
fn bad_inputs_are_named_and_the_rest_is_diagnosed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "good.log",
        b"2023-02-20T22:00:01+00:00 swarm-w2 dockerd[812]: time=\"2023-02-20T22:00:01.1Z\" level=error msg=\"fatal task error\" error=\"... unable to apply apparmor profile: apparmor failed to apply profile: write /proc/self/attr/apparmor/exec: no such file or directory: unknown\"\n\
          2023-02-20T22:00:02+00:00 swarm-w2 sshd[9]: Accepted publickey for \xff\xfe\n",
    );
    write(
        d,
        "binary.bin",
        b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0garbage",
    );
    write(d, "journal.journal", b"LPKSHHRH\0\0\0\0\x01\0\0\0");
    write(d, "empty.log", b"");
    let mut export = b"__REALTIME_TIMESTAMP=1676930401000000\n_HOSTNAME=swarm-w1\nSYSLOG_IDENTIFIER=dockerd\nMESSAGE=fine\n\n_HOSTNAME=swarm-w1\nMESSAGE\n".to_vec();
    export.extend_from_slice(&1000u64.to_le_bytes());
    export.extend_from_slice(b"cut short");
    write(d, "truncated.export", &export);
    let mut huge = b"2023-02-20T22:00:03+00:00 swarm-w1 app[1]: ".to_vec();
    huge.extend(std::iter::repeat_n(b'x', 10 << 20));
    huge.extend_from_slice(b"\n2023-02-20T22:00:04+00:00 swarm-w1 app[1]: after the long line\n");
    write(d, "huge.log", &huge);
    let names = [
        "good.log",
        "binary.bin",
        "journal.journal",
        "empty.log",
        "truncated.export",
        "huge.log",
        "missing.log",
    ];
    let mut args = vec!["diagnose"];
    args.extend_from_slice(&names);
    let r = fleetpin(d, &args);
    assert_eq!(r.code, 1, "a cause matched in good.log: {}", r.stderr);
    insta::assert_snapshot!(snapshot_text(&r, d));

    args.extend_from_slice(&["--format", "json"]);
    let j = json(&fleetpin(d, &args));
    let by = |name: &str| {
        j["sources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["name"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(by("good.log")["non_utf8"], 1);
    assert_eq!(by("binary.bin")["bad_samples"][0]["line"], 1);
    assert!(
        by("binary.bin")["bad_samples"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("NUL byte at offset 7")
    );
    assert_eq!(by("truncated.export")["entries"], 1);
    assert_eq!(by("truncated.export")["bad_samples"][0]["line"], 6);
    assert_eq!(by("huge.log")["entries"], 1);
    assert!(
        by("missing.log")["error"]
            .as_str()
            .unwrap()
            .contains("No such file")
    );
    assert_eq!(by("empty.log")["entries"], 0);

    // Nothing readable at all: exit 2, each input named.
    let r = fleetpin(d, &["diagnose", "binary.bin", "missing.log"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("nothing could be read from 2 inputs"),
        "{}",
        r.stderr
    );
    assert!(
        r.stdout.contains("binary.bin:1: unreadable: a binary file"),
        "{}",
        r.stdout
    );
    // An empty journal is read, not broken: exit 0 with a warning.
    let r = fleetpin(d, &["diagnose", "empty.log"]);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr.contains("warning: empty.log: no entries"),
        "{}",
        r.stderr
    );
}

#[test]
fn stdin_docker_and_syslog_inputs() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str], input: &[u8]| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fleetpin"))
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    // `docker service logs --timestamps`: the node is the host, the service the program.
    let service = "api.1.x1y2z3a4b5c6d7e8f9g0h1i2j@swarm-w1    | 2023-02-20T22:45:00.000000000Z Error response from daemon: pull access denied for registry.example.org/shop/api, repository does not exist or may require 'docker login': denied: requested access to the resource is denied\n\
                   api.2.abcdefghijklmnopqrstuvwxy@swarm-w2    | 2023-02-20T22:45:01.000000000Z listening on :8080\n";
    let (code, out) = run(&["diagnose", "--format", "json", "-"], service.as_bytes());
    assert_eq!(code, 0, "{out}");
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["sources"][0]["format"], "docker");
    let groups: Vec<&str> = d["remaining"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["group"].as_str().unwrap())
        .collect();
    assert_eq!(groups, ["api", "api"]);
    assert_eq!(d["remaining"][0]["hosts"], serde_json::json!(["swarm-w1"]));
    // Rotated syslog, gzip-compressed, year given.
    let mut gz = system_gzip(b"Feb 20 22:00:01 swarm-w2 dockerd[812]: time=\"2023-02-20T22:00:01Z\" level=error msg=\"fatal task error\" error=\"unable to apply apparmor profile: apparmor failed to apply profile: write /proc/self/attr/apparmor/exec: no such file or directory\"\n");
    gz.extend(system_gzip(b"Feb 20 22:00:02.250000 swarm-w2 kernel: docker0: port 1(veth1a2b3c4) entered blocking state\n"));
    let (code, out) = run(&["diagnose", "--year", "2023", "--format", "json"], &gz);
    assert_eq!(code, 1, "{out}");
    let d: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(d["causes"][0]["first"], "2023-02-20T22:00:01.000000Z");
    assert_eq!(d["noise"][0]["first"], "2023-02-20T22:00:02.250000Z");
}

/// gzip through the system `gzip` (the tool users compress rotated logs with).
fn system_gzip(data: &[u8]) -> Vec<u8> {
    let Some(gzip) = fleetpin_testkit::oracle(fleetpin_testkit::on_path("gzip"), "gzip") else {
        return data.to_vec();
    };
    let mut child = Command::new(gzip)
        .arg("-c")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(data).unwrap();
    child.wait_with_output().unwrap().stdout
}

fn journal_remote() -> Option<PathBuf> {
    let found = [
        "/lib/systemd/systemd-journal-remote",
        "/usr/lib/systemd/systemd-journal-remote",
    ]
    .into_iter()
    .map(PathBuf::from)
    .find(|p| p.exists() && fleetpin_testkit::on_path("journalctl").is_some());
    fleetpin_testkit::oracle(
        found,
        "systemd-journal-remote and journalctl (Debian package systemd-journal-remote)",
    )
}

/// The example journals written into real `.journal` files by systemd-journal-remote and read
/// back by the real journalctl as JSON and as short-iso-precise text: the same diagnosis as
/// from the export files.
#[test]
fn a_real_journal_read_back_by_journalctl_gives_the_same_diagnosis() {
    let Some(remote) = journal_remote() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let from_export = json(&fleetpin(
        &repo(),
        &[
            "diagnose",
            "examples/swarm-cluster/journal",
            "--format",
            "json",
        ],
    ));
    for mode in ["json", "short-iso-precise"] {
        let out = dir.path().join(mode);
        std::fs::create_dir_all(&out).unwrap();
        for host in [M1, W1, W2] {
            let file = dir.path().join(format!("{host}-{mode}.journal"));
            let export = Command::new("gzip")
                .arg("-dc")
                .arg(journal(host))
                .output()
                .unwrap()
                .stdout;
            let mut child = Command::new(&remote)
                .arg(format!("--output={}", file.display()))
                .arg("-")
                .stdin(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            child.stdin.take().unwrap().write_all(&export).unwrap();
            assert!(child.wait_with_output().unwrap().status.success());
            let printed = Command::new("journalctl")
                .env("TZ", "UTC")
                .args(["--no-pager", "-o", mode, "--file"])
                .arg(&file)
                .output()
                .unwrap();
            assert!(printed.status.success());
            std::fs::write(out.join(host), printed.stdout).unwrap();
        }
        let d = json(&fleetpin(
            dir.path(),
            &["diagnose", mode, "--format", "json"],
        ));
        assert_eq!(d["input"]["bad"], 0, "{mode}");
        assert_eq!(hosts(&d), the_example_hosts(), "{mode}");
        assert_eq!(causes(&d), causes(&from_export), "{mode}");
        let templates = |d: &Value| -> Vec<(Value, Value)> {
            d["remaining"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| (t["text"].clone(), t["host_counts"].clone()))
                .collect()
        };
        assert_eq!(templates(&d), templates(&from_export), "{mode}");
    }
}

/// A real `ansible all -m ansible.builtin.command --tree DIR` run (local connection; the
/// command prints the host's export journal as `journalctl -o export` would), plus a host
/// Ansible cannot reach and one whose command fails.
#[test]
fn a_real_ansible_tree_is_read_per_host() {
    let Some(ansible) = fleetpin_testkit::oracle(
        fleetpin_testkit::on_path("ansible"),
        "ansible (ansible-core from the tools venv on PATH)",
    ) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("hosts.ini");
    std::fs::write(
        &inv,
        format!(
            "{W1} ansible_connection=local journal={}\n{W2} ansible_connection=local journal={}\n\
             {M1} ansible_connection=local journal=/nonexistent/{M1}.export.gz\n\
             swarm-w3.example.internal ansible_host=127.0.0.1 ansible_port={} ansible_user=nobody journal=/x\n\
             swarm-w4.example.internal ansible_connection=local\n",
            journal(W1).display(),
            journal(W2).display(),
            sshd::free_port()
        ),
    )
    .unwrap();
    let tree = dir.path().join("tree");
    let out = Command::new(ansible)
        .args(["all", "-i"])
        .arg(&inv)
        .args([
            "-m",
            "ansible.builtin.command",
            "-a",
            "gzip -dc {{ journal }}",
            "--tree",
        ])
        .arg(&tree)
        .args(["-e", "ansible_python_interpreter=/usr/bin/python3"])
        .env("ANSIBLE_HOST_KEY_CHECKING", "False")
        .env("ANSIBLE_SSH_ARGS", "-o ConnectTimeout=5 -o BatchMode=yes")
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "two hosts fail");
    let r = fleetpin(dir.path(), &["diagnose", "tree", "--format", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let d = json(&r);
    let h = hosts(&d);
    assert_eq!(
        h[..2],
        [
            (W1.into(), "broken".into(), vec![AUTH.to_owned()]),
            (
                W2.into(),
                "broken".into(),
                vec![APPARMOR.to_owned(), AUTH.to_owned()]
            ),
        ]
    );
    let errors: Vec<(String, String)> = d["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|h| h["status"] == "unreadable")
        .map(|h| {
            (
                h["host"].as_str().unwrap().to_owned(),
                h["error"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert_eq!(errors[0].0, M1);
    assert!(
        errors[0].1.contains("rc 1") && errors[0].1.contains("No such file"),
        "{errors:?}"
    );
    assert_eq!(errors[1].0, "swarm-w3.example.internal");
    assert!(errors[1].1.contains("could not reach"), "{errors:?}");
    // The task never ran (`journal` undefined): Ansible's message, named.
    assert_eq!(errors[2].0, "swarm-w4.example.internal");
    assert!(
        errors[2].1.contains("no command output") && errors[2].1.contains("'journal' is undefined"),
        "{errors:?}"
    );
    // The same counts as reading the example folder (the manager has no cause).
    let direct = json(&fleetpin(
        &repo(),
        &[
            "diagnose",
            "examples/swarm-cluster/journal",
            "--format",
            "json",
        ],
    ));
    assert_eq!(causes(&d), causes(&direct));
}

/// A lab host whose `journalctl` prints this example journal and records its arguments.
fn journal_host(lab: &sshd::Lab, name: &str, host: &str) -> (sshd::Sshd, PathBuf) {
    let bin = lab.dir.path().join(format!("{name}-bin"));
    std::fs::create_dir_all(&bin).unwrap();
    let args = lab.dir.path().join(format!("{name}-args"));
    let stub = bin.join("journalctl");
    std::fs::write(
        &stub,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > {}\nexec /bin/gzip -dc {}\n",
            args.display(),
            journal(host).display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&stub, std::fs::Permissions::from_mode(0o755)).unwrap();
    (lab.start(name, sshd::Behaviour::Rpm(bin)), args)
}

#[test]
fn ssh_reads_every_host_and_names_the_broken_the_clean_and_the_unreadable() {
    if !fleetpin_testkit::require(
        Path::new(sshd::SSHD).exists(),
        "sshd (Debian package openssh-server)",
    ) {
        return;
    }
    let lab = sshd::Lab::new();
    let (m1, m1_args) = journal_host(&lab, "m1", M1);
    let (w1, _) = journal_host(&lab, "w1", W1);
    let (w2, _) = journal_host(&lab, "w2", W2);
    let garbage = lab.start(
        "garbage",
        sshd::Behaviour::Force(
            String::new(),
            "echo 'Welcome to swarm-w3!'; echo '%% not a journal %%'".into(),
        ),
    );
    let down = sshd::free_port();
    let dir = tempfile::tempdir().unwrap();
    let inv = dir.path().join("hosts.ini");
    std::fs::write(
        &inv,
        format!(
            "[managers]\n{M1} ansible_host=127.0.0.1 ansible_port={}\n\n[workers]\n\
             {W1} ansible_host=127.0.0.1 ansible_port={}\n{W2} ansible_host=127.0.0.1 ansible_port={}\n\
             swarm-w3.example.internal ansible_host=127.0.0.1 ansible_port={}\n\
             swarm-w4.example.internal ansible_host=127.0.0.1 ansible_port={down}\n",
            m1.port, w1.port, w2.port, garbage.port
        ),
    )
    .unwrap();
    let config = lab.client_config.display().to_string();
    let base = [
        "diagnose",
        "--ssh",
        "-i",
        "hosts.ini",
        "--ssh-config",
        config.as_str(),
        "--connect-timeout",
        "5",
        "--since",
        "2023-02-20 21:00",
        "-p",
        "info",
        "--format",
        "json",
    ];
    let r = fleetpin(dir.path(), &base);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let d = json(&r);
    let h = hosts(&d);
    assert_eq!(h[..3], the_example_hosts()[..]);
    let bad: Vec<(&str, &str)> = d["hosts"]
        .as_array()
        .unwrap()
        .iter()
        .skip(3)
        .map(|h| (h["host"].as_str().unwrap(), h["error"].as_str().unwrap()))
        .collect();
    assert_eq!(bad.len(), 2, "{bad:?}");
    assert_eq!(bad[0].0, "swarm-w3.example.internal");
    assert!(bad[0].1.contains("neither KEY=value"), "{bad:?}");
    assert_eq!(bad[1].0, "swarm-w4.example.internal");
    assert!(bad[1].1.starts_with("unreachable"), "{bad:?}");
    // The per-host counts are those of the files themselves.
    let direct = json(&fleetpin(
        &repo(),
        &[
            "diagnose",
            "examples/swarm-cluster/journal",
            "--format",
            "json",
        ],
    ));
    assert_eq!(causes(&d), causes(&direct));
    // The filters went to the remote journalctl, each value its own word.
    assert_eq!(
        std::fs::read_to_string(&m1_args).unwrap(),
        "--no-pager\n-o\nexport\n--since\n2023-02-20 21:00\n--priority\ninfo\n"
    );

    // --limit: only the workers that answer.
    let mut limited = base.to_vec();
    limited.extend_from_slice(&["--limit", "workers:!swarm-w3*:!swarm-w4*"]);
    let d = json(&fleetpin(dir.path(), &limited));
    let names: Vec<String> = hosts(&d).into_iter().map(|h| h.0).collect();
    assert_eq!(names, [W1, W2]);

    // Every host unreachable: nothing could be read.
    let r = fleetpin(
        dir.path(),
        &[
            "diagnose",
            "--ssh",
            "-i",
            "hosts.ini",
            "--ssh-config",
            config.as_str(),
            "swarm-w4*",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stdout);
    assert!(
        r.stdout
            .contains("ssh://swarm-w4.example.internal: cannot read: unreachable"),
        "{}",
        r.stdout
    );
}

#[test]
fn a_closed_pipe_ends_quietly_with_the_status_of_the_work() {
    for format in ["text", "json"] {
        let (code, stderr) = piped_into_head(
            &repo(),
            &[
                "diagnose",
                "examples/swarm-cluster/journal",
                "--order",
                "count",
                "--format",
                format,
            ],
        );
        assert_eq!(code, 1, "{format}: {stderr}");
        assert!(
            !stderr.contains("Broken pipe") && !stderr.contains("error:"),
            "{stderr}"
        );
    }
}
