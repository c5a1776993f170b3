//! Causes qualified by host facts (`CauseDb::qualify`): the diagnosis says whether a cause's
//! known explanation fits each host. The ranges are fleetpin-debian's `VersionRange` (checked
//! against `dpkg --compare-versions` in crates/fleetpin-debian/tests/range_oracle.rs).

use std::collections::BTreeMap;

use fleetpin_logs::causes::When;
use fleetpin_logs::{CauseDb, HostState, Qualification, Verdict};

fn db() -> CauseDb {
    let (db, problems) = CauseDb::builtin();
    assert_eq!(problems, []);
    db
}

fn qualify(id: &str, host: &HostState) -> Qualification {
    let db = db();
    CauseDb::qualify(db.get(id).unwrap(), host)
}

/// node-w2 of the incident: Docker 23.0.1 on Debian 10, AppArmor in the kernel, installed with
/// `--no-install-recommends` (no `apparmor`).
fn node_w2() -> HostState {
    let mut h = HostState::new("node-w2");
    h.docker_version = Some("23.0.1".into());
    h.kernel_release = Some("4.19.0-23-amd64".into());
    h.kernel_apparmor = Some(true);
    h.packages = Some(BTreeMap::from([
        ("containerd.io".into(), "1.6.16-1".into()),
        ("docker-ce".into(), "5:23.0.1-1~debian.10~buster".into()),
        ("docker-ce-cli".into(), "5:23.0.1-1~debian.10~buster".into()),
    ]));
    h
}

#[test]
fn the_incident_host_confirms_the_hazard() {
    let q = qualify("docker23-apparmor-missing", &node_w2());
    assert_eq!(q.verdict, Verdict::Confirmed, "{q:?}");
    assert_eq!(q.hazard.as_deref(), Some("FPH-2023-0001"));
    assert_eq!(
        q.summary(),
        "Docker 23.0.1 + no apparmor package + AppArmor in the kernel on node-w2: FPH-2023-0001"
    );
}

#[test]
fn docker_version_comes_from_the_package_when_not_gathered() {
    let mut h = node_w2();
    h.docker_version = None;
    let q = qualify("docker23-apparmor-missing", &h);
    assert_eq!(q.verdict, Verdict::Confirmed);
    assert_eq!(q.checks[0].fact.as_deref(), Some("Docker 23.0.1"));
}

#[test]
fn facts_that_do_not_fit_contradict() {
    let mut with_apparmor = node_w2();
    with_apparmor
        .packages
        .as_mut()
        .unwrap()
        .insert("apparmor".into(), "2.13.2-10".into());
    let q = qualify("docker23-apparmor-missing", &with_apparmor);
    assert_eq!(q.verdict, Verdict::Contradicted);
    assert_eq!(
        q.summary(),
        "apparmor 2.13.2-10 installed on node-w2: the facts do not fit \
         docker23-apparmor-missing (FPH-2023-0001)"
    );

    let mut fixed = node_w2();
    fixed.docker_version = Some("23.0.2".into());
    assert_eq!(
        qualify("docker23-apparmor-missing", &fixed).verdict,
        Verdict::Contradicted
    );
    let mut old = node_w2();
    old.docker_version = Some("20.10.23".into());
    assert_eq!(
        qualify("docker23-apparmor-missing", &old).verdict,
        Verdict::Contradicted
    );
}

#[test]
fn unknown_facts_never_contradict() {
    let q = qualify("docker23-apparmor-missing", &HostState::new("node-x"));
    assert_eq!(q.verdict, Verdict::Unknown);
    assert!(q.checks.iter().all(|c| c.holds.is_none()));
    assert_eq!(
        q.summary(),
        "docker23-apparmor-missing on node-x: FPH-2023-0001 (not known: Docker >= 23.0.0~, \
         < 23.0.2~, no apparmor package, AppArmor in the kernel)"
    );
    let mut partly = HostState::new("node-y");
    partly.docker_version = Some("23.0.0".into());
    let q = qualify("docker23-apparmor-missing", &partly);
    assert_eq!(q.verdict, Verdict::Unknown);
    assert!(
        q.summary()
            .starts_with("Docker 23.0.0 on node-y: FPH-2023-0001 (not known: ")
    );
}

#[test]
fn causes_without_conditions_are_unconditioned() {
    let q = qualify("swarm-missing-registry-auth", &node_w2());
    assert_eq!(q.verdict, Verdict::Unconditioned);
    assert!(q.checks.is_empty());
}

#[test]
fn kernel_and_cgroup_conditions() {
    let mut board = HostState::new("odroid");
    board.kernel_release = Some("4.9.337-17".into());
    board.cgroup_version = Some(2);
    let q = qualify("cgroup-v2-kernel-too-old", &board);
    assert_eq!(q.verdict, Verdict::Confirmed);
    assert_eq!(q.summary(), "cgroup v2 + kernel 4.9.337-17 on odroid");
    board.kernel_release = Some("5.15.0-91-generic".into());
    assert_eq!(
        qualify("cgroup-v2-kernel-too-old", &board).verdict,
        Verdict::Contradicted
    );
    board.cgroup_version = Some(1);
    board.kernel_release = Some("4.9.337-17".into());
    let q = qualify("cgroup-v2-kernel-too-old", &board);
    assert_eq!(q.verdict, Verdict::Contradicted);
    assert_eq!(
        q.summary(),
        "cgroup v1 on odroid: the facts do not fit cgroup-v2-kernel-too-old"
    );
}

#[test]
fn hazard_links_both_ways() {
    let db = db();
    let linked: Vec<&str> = db
        .for_hazard("FPH-2023-0001")
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(linked, ["docker23-apparmor-missing"]);
    assert_eq!(db.for_hazard("FPH-2099-0001").count(), 0);
}

#[test]
fn when_problems_are_located() {
    let text = r#"id = "x"
title = "t"
explanation = "e"
fix = "f"
hazard = "CVE-2023-1"

[when]
docker = ["23.0.1", ">= 1:"]
cgroup = 3
kernel = "< four"
colour = "red"
packages = { "containerd.io" = ["< 1.4~"] }

[[match]]
message = 'x'
"#;
    let mut problems = Vec::new();
    let mut db = CauseDb::default();
    db.add_file("causes/x.toml".into(), text, &mut problems);
    let rendered: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        rendered,
        [
            "causes/x.toml:5:10: hazard `CVE-2023-1` is not a hazard id (FPH-YYYY-NNNN)",
            "causes/x.toml:8:11: `docker`: `23.0.1` has no operator (one of <, <=, =, >=, >): \
             write `= 23.0.1` for one version",
            "causes/x.toml:8:21: `docker`: `1:` is not a debian version: nothing after colon in \
             version number `1:`",
            "causes/x.toml:9:10: `cgroup` must be 1 or 2",
            "causes/x.toml:10:10: `kernel`: kernel range `< four` compares kernel versions: write \
             them `X.Y` or `X.Y.Z`",
            "causes/x.toml:11:1: unknown key `colour` in `[when]`; expected one of: docker, \
             packages, absent, present, kernel-apparmor, cgroup, kernel",
        ]
    );
    assert!(db.causes().is_empty());
    // The same file without its problems loads, with its package condition.
    let good = text
        .replace("hazard = \"CVE-2023-1\"\n", "")
        .replace("docker = [\"23.0.1\", \">= 1:\"]\n", "")
        .replace("cgroup = 3\n", "cgroup = 2\n")
        .replace("kernel = \"< four\"\n", "")
        .replace("colour = \"red\"\n", "");
    let mut problems = Vec::new();
    db.add_file("causes/x.toml".into(), &good, &mut problems);
    assert_eq!(problems, []);
    let when: &When = &db.causes()[0].when;
    assert_eq!(when.cgroup, Some(2));
    assert_eq!(when.packages[0].0, "containerd.io");
}
