//! The causes knowledge base against log lines in the shape the daemons print them.
//!
//! Every cause `causes/<id>.toml` has `tests/causes/<id>/match.log` (lines it must explain, as
//! `journalctl -o short-iso` prints them, taken from the threads the cause cites) and
//! `near-miss.log` (look-alike lines it must not take). Each line is tested on its own, as a
//! one-entry template, and each file as a whole through the real reader, miner and `diagnose`.
//! The cross-matrix checks that no cause matches another cause's lines, except the documented
//! overlaps in [`ALLOWED_OVERLAPS`] and generic wrapper causes (`generic = true`), which are
//! tried after every specific cause.

mod common;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use fleetpin_logs::read::{Format, ReadOptions, Reader};
use fleetpin_logs::{
    Cause, CauseDb, Entry, Miner, MinerOptions, Order, Template, diagnose, diagnose_input,
};

/// Pairs `(cause, other)` where `other` also matches lines of `cause`, and why that is right.
/// `cause` still wins: it comes first in matching order (asserted below).
const ALLOWED_OVERLAPS: &[(&str, &str, &str)] = &[];

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/causes")
}

fn db() -> CauseDb {
    let (db, problems) = CauseDb::builtin();
    assert_eq!(problems, []);
    db
}

/// The entries of a fixture file, read by the real reader (format detected); a bad record is
/// a broken fixture.
fn entries(path: &Path) -> Vec<Entry> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut reader = Reader::detect(bytes.as_slice(), ReadOptions::default()).unwrap();
    let mut out = Vec::new();
    for record in reader.by_ref() {
        match record.unwrap() {
            Ok(e) => out.push(e),
            Err(bad) => panic!("{}:{}: {}", path.display(), bad.line, bad.reason),
        }
    }
    assert!(!out.is_empty(), "{}: no entries", path.display());
    out
}

/// The template one entry makes on its own.
fn template(e: &Entry) -> Template {
    let mut miner = Miner::new(MinerOptions::default());
    miner.add(e);
    let mut ts = miner.templates(Order::FirstSeen);
    assert_eq!(ts.len(), 1);
    ts.remove(0)
}

fn ids<'a>(causes: impl Iterator<Item = &'a Cause>) -> Vec<&'a str> {
    causes.map(|c| c.id.as_str()).collect()
}

#[test]
fn every_cause_has_fixtures_and_every_fixture_a_cause() {
    let db = db();
    let dirs: BTreeSet<String> = std::fs::read_dir(fixtures())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let causes: BTreeSet<String> = db.causes().iter().map(|c| c.id.clone()).collect();
    assert_eq!(dirs, causes, "tests/causes/<id>/ per cause, and no other");
    for id in &causes {
        for f in ["match.log", "near-miss.log"] {
            let p = fixtures().join(id).join(f);
            assert!(!entries(&p).is_empty(), "{}", p.display());
        }
    }
    assert!(db.causes().iter().filter(|c| !c.noise).count() >= 30);
}

#[test]
fn each_cause_explains_each_of_its_lines() {
    let db = db();
    let mut failures = Vec::new();
    for cause in db.causes() {
        let path = fixtures().join(&cause.id).join("match.log");
        for e in entries(&path) {
            let t = template(&e);
            let first = db.first_match(&t).map(|c| c.id.as_str());
            if first != Some(cause.id.as_str()) {
                failures.push(format!(
                    "{}:{}: attributed to {first:?}, not {}\n    {}",
                    path.display(),
                    e.line,
                    cause.id,
                    e.message
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn near_misses_are_not_taken() {
    let db = db();
    let mut failures = Vec::new();
    for cause in db.causes() {
        let path = fixtures().join(&cause.id).join("near-miss.log");
        for e in entries(&path) {
            let t = template(&e);
            if cause.matches(&t) {
                failures.push(format!(
                    "{}:{}: {} matches its near miss\n    {}",
                    path.display(),
                    e.line,
                    cause.id,
                    e.message
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// No cause matches another cause's lines, unless documented; generic causes may match the
/// wrapped lines of specific ones, and the specific cause must then come first.
#[test]
fn cross_matrix_no_cause_matches_anothers_lines() {
    let db = db();
    let mut failures = Vec::new();
    let mut overlaps_seen = BTreeSet::new();
    let mut generic_overlaps = 0;
    for owner in db.causes() {
        let path = fixtures().join(&owner.id).join("match.log");
        for e in entries(&path) {
            let t = template(&e);
            for other in db.causes().iter().filter(|c| c.id != owner.id) {
                if !other.matches(&t) {
                    continue;
                }
                let allowed = ALLOWED_OVERLAPS
                    .iter()
                    .any(|(a, b, _)| *a == owner.id && *b == other.id);
                if other.generic && !owner.generic {
                    generic_overlaps += 1;
                } else if allowed {
                    overlaps_seen.insert((owner.id.clone(), other.id.clone()));
                } else {
                    failures.push(format!(
                        "{}:{}: {} also matches this line of {}",
                        path.display(),
                        e.line,
                        other.id,
                        owner.id
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    for (a, b, why) in ALLOWED_OVERLAPS {
        assert!(
            overlaps_seen.contains(&(a.to_string(), b.to_string())),
            "documented overlap {a} / {b} ({why}) no longer happens: remove it"
        );
    }
    // The runc wrapper is around several specific causes' lines (apparmor, cgroups, seccomp,
    // exec, mounts): the matrix above saw it and the specific causes won.
    assert!(generic_overlaps >= 5, "{generic_overlaps}");
}

/// The runc wrapper alone never names a specific cause: the suffix decides.
#[test]
fn the_runc_wrapper_defers_to_its_suffix() {
    let db = db();
    let generic = db.get("runc-create-failed").unwrap();
    assert!(generic.generic);
    let at = |id: &str| db.causes().iter().position(|c| c.id == id).unwrap();
    for specific in db.causes().iter().filter(|c| !c.generic && !c.noise) {
        assert!(at(&specific.id) < at(&generic.id), "{}", specific.id);
    }
    let wrapper = "failed to create task for container: failed to create shim task: OCI runtime \
                   create failed: runc create failed: unable to start container process: error \
                   during container init: ";
    let line = |suffix: &str| Entry {
        identifier: Some("dockerd".into()),
        message: format!(
            "time=\"2023-02-20T10:00:00Z\" level=error msg=\"fatal task error\" \
             error=\"starting container failed: {wrapper}{suffix}: unknown\""
        ),
        ..Entry::default()
    };
    let cases = [
        (
            "unable to apply apparmor profile: apparmor failed to apply profile: write \
             /proc/self/attr/apparmor/exec: no such file or directory",
            "docker23-apparmor-missing",
        ),
        (
            "error setting cgroup config for procHooks process: bpf_prog_query(BPF_CGROUP_DEVICE) \
             failed: invalid argument",
            "cgroup-v2-kernel-too-old",
        ),
        (
            "exec: \\\"/app/run\\\": stat /app/run: no such file or directory",
            "container-executable-not-found",
        ),
        (
            "error adding seccomp filter rule for syscall clone3: permission denied",
            "seccomp-clone3-libseccomp-too-old",
        ),
        // Unknown suffixes, and the bare wrapper: only the generic cause.
        (
            "write /proc/self/attr/keycreate: invalid argument",
            "runc-create-failed",
        ),
        ("", "runc-create-failed"),
    ];
    for (suffix, want) in cases {
        let t = template(&line(suffix));
        assert_eq!(
            db.first_match(&t).map(|c| c.id.as_str()),
            Some(want),
            "{suffix}"
        );
        let specific: Vec<&str> = ids(db
            .causes()
            .iter()
            .filter(|c| !c.generic && !c.noise && c.matches(&t)));
        if want == "runc-create-failed" {
            assert_eq!(specific, Vec::<&str>::new(), "{suffix}");
        }
    }
}

/// Whole files through the reader, the miner and `diagnose`, as `fleetpin diagnose` runs them:
/// each match file yields exactly its cause and leaves no line unexplained.
#[test]
fn each_match_file_diagnoses_as_its_cause() {
    let db = db();
    for cause in db.causes() {
        let path = fixtures().join(&cause.id).join("match.log");
        let input = std::fs::read(&path).unwrap();
        let d = diagnose_input(
            input.as_slice(),
            ReadOptions::default(),
            MinerOptions::default(),
            Order::FirstSeen,
            &db,
        )
        .unwrap();
        assert_eq!(d.input.bad, 0, "{}", path.display());
        let found: Vec<&str> = d
            .causes
            .iter()
            .chain(&d.noise)
            .map(|f| f.id.as_str())
            .collect();
        assert_eq!(found, [cause.id.as_str()], "{}", path.display());
        assert!(
            d.remaining.is_empty(),
            "{}: unexplained {:?}",
            path.display(),
            d.remaining
                .iter()
                .map(|t| &t.template.text)
                .collect::<Vec<_>>()
        );
    }
}

/// Line by line, as `CauseDb::classify` sees them: every match line of every cause goes to its
/// cause, every near miss elsewhere, and `classify` agrees with template matching.
#[test]
fn classify_agrees_line_by_line() {
    let db = db();
    let mut failures = Vec::new();
    for cause in db.causes() {
        for (file, want_own) in [("match.log", true), ("near-miss.log", false)] {
            let path = fixtures().join(&cause.id).join(file);
            for e in entries(&path) {
                let got = db.classify(&e).map(|c| c.id.as_str());
                assert_eq!(
                    got,
                    db.classify_naive(&e).map(|c| c.id.as_str()),
                    "{}:{}",
                    path.display(),
                    e.line
                );
                let by_template = db.first_match(&template(&e)).map(|c| c.id.as_str());
                let own = got == Some(cause.id.as_str());
                if own != want_own || got != by_template {
                    failures.push(format!(
                        "{}:{}: classify {got:?}, template {by_template:?}",
                        path.display(),
                        e.line
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// All match files in one journal: a known limit of template-level attribution. Drain puts
/// `fatal task error` lines of different causes into one template when they differ in few
/// tokens, and that template goes to one cause; `classify` per line does not have the limit.
#[test]
fn one_journal_of_all_fixtures_per_line_and_per_template() {
    let db = db();
    let mut all = Vec::new();
    for cause in db.causes() {
        all.extend(entries(&fixtures().join(&cause.id).join("match.log")));
    }
    let per_line: BTreeSet<&str> = all
        .iter()
        .filter_map(|e| db.classify(e).map(|c| c.id.as_str()))
        .collect();
    let every: BTreeSet<&str> = db.causes().iter().map(|c| c.id.as_str()).collect();
    assert_eq!(per_line, every);
    let mut miner = Miner::new(MinerOptions::default());
    for e in &all {
        miner.add(e);
    }
    let d = diagnose(miner.templates(Order::FirstSeen), &db, Default::default());
    let per_template: BTreeSet<&str> = d
        .causes
        .iter()
        .chain(&d.noise)
        .map(|f| f.id.as_str())
        .collect();
    // Every line is still explained by some cause or noise entry...
    let explained: u64 = d.causes.iter().chain(&d.noise).map(|f| f.count).sum();
    assert_eq!(explained as usize, all.len(), "{:#?}", d.remaining);
    // ...but merged templates hide causes: record which, so a miner change that keys
    // templates by cause shows up here (then make this an equality).
    let hidden: Vec<&str> = every.difference(&per_template).copied().collect();
    assert_eq!(hidden, ["task-exits-nonzero"]);
}

/// Entries in `journalctl -o export` form, as systemd-journal-remote reads them.
fn to_export(entries: &[Entry]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, e) in entries.iter().enumerate() {
        let mut field = |k: &str, v: &str| {
            if v.contains('\n') {
                out.extend_from_slice(k.as_bytes());
                out.push(b'\n');
                out.extend_from_slice(&(v.len() as u64).to_le_bytes());
                out.extend_from_slice(v.as_bytes());
                out.push(b'\n');
            } else {
                out.extend_from_slice(format!("{k}={v}\n").as_bytes());
            }
        };
        field("__REALTIME_TIMESTAMP", &e.timestamp_us.unwrap().to_string());
        field("__MONOTONIC_TIMESTAMP", &(1_000_000 + i * 1000).to_string());
        field("_BOOT_ID", "0123456789abcdef0123456789abcdef");
        field("_HOSTNAME", e.host.as_deref().unwrap());
        field("SYSLOG_IDENTIFIER", e.identifier.as_deref().unwrap());
        if let Some(pid) = e.pid {
            field("_PID", &pid.to_string());
        }
        field("MESSAGE", &e.message);
        out.push(b'\n');
    }
    out
}

/// Every match line written to a real journal by systemd-journal-remote and read back as
/// `journalctl -o export` and `-o json` prints it: the lines survive unchanged and every cause
/// is still found, line by line.
#[test]
fn fixtures_through_a_real_journal() {
    let Some(remote) = common::journal_remote() else {
        return;
    };
    let db = db();
    let mut all = Vec::new();
    for cause in db.causes() {
        all.extend(entries(&fixtures().join(&cause.id).join("match.log")));
    }
    all.sort_by_key(|e| e.timestamp_us);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("causes.journal");
    let mut child = Command::new(&remote)
        .arg(format!("--output={}", file.display()))
        .arg("-")
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&to_export(&all))
        .unwrap();
    let done = child.wait_with_output().unwrap();
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let every: BTreeSet<&str> = db.causes().iter().map(|c| c.id.as_str()).collect();
    for (mode, format) in [("export", Format::Export), ("json", Format::Json)] {
        let out = Command::new("journalctl")
            .env("TZ", "UTC")
            .args(["--no-pager", "--file"])
            .arg(&file)
            .args(["-o", mode])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut reader = Reader::new(out.stdout.as_slice(), format, ReadOptions::default());
        let back: Vec<Entry> = reader.by_ref().map(|r| r.unwrap().unwrap()).collect();
        assert_eq!(back.len(), all.len(), "{mode}");
        for (a, b) in all.iter().zip(&back) {
            assert_eq!(
                (&a.message, &a.host, &a.identifier, a.timestamp_us),
                (&b.message, &b.host, &b.identifier, b.timestamp_us),
                "{mode}"
            );
        }
        let found: BTreeSet<&str> = back
            .iter()
            .filter_map(|e| db.classify(e).map(|c| c.id.as_str()))
            .collect();
        assert_eq!(found, every, "{mode}");
    }
}
