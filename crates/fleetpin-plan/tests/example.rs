//! The plan of `examples/swarm-cluster` over the dpkg status files of its nodes and a docker
//! buster index (tests/fixtures/docker-buster), and bad input: a Packages file cut
//! mid-stanza, an index for another architecture, a host without facts, a facts file of an
//! unknown format version.

use std::path::{Path, PathBuf};

use fleetpin_debian::policy::Options;
use fleetpin_fleet::{FactsSource, FactsStore, HostFacts, OsRelease, PackageManager};
use fleetpin_inventory::Inventory;
use fleetpin_plan::plan::{self, CandidateSource, Inputs, Jump, Status};
use fleetpin_plan::universe::Universe;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn example() -> PathBuf {
    root().join("examples/swarm-cluster")
}

fn index() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/docker-buster/Packages")
}

fn facts(host: &str) -> HostFacts {
    let path = example().join("fleet/status").join(host);
    let text = std::fs::read_to_string(&path).unwrap();
    let mut f = HostFacts::new(host, FactsSource::DpkgStatus, PackageManager::Dpkg);
    f.packages = fleetpin_fleet::import::parse_status(&text, &path).unwrap();
    f.os = Some(OsRelease {
        id: "debian".into(),
        version_id: Some("10".into()),
        ..OsRelease::default()
    });
    f.apparmor_enabled = Some(true);
    f.native_arch = Some("amd64".into());
    f
}

fn opts() -> Options {
    Options {
        native_arch: "amd64".into(),
        foreign_archs: vec![],
        target_release: None,
    }
}

/// The plan of one host, without inventory (the plays' `hosts:` matched against the groups its
/// facts record), lock or `--no-install-recommends`.
fn plan_one_host(
    plays: &[fleetpin_plan::tasks::PlaySpec],
    host: &HostFacts,
    source: CandidateSource<'_>,
) -> plan::Plan {
    let (db, _) = fleetpin_guard::Database::builtin();
    plan::plan(&Inputs {
        plays,
        inventory: None,
        limit: None,
        facts: std::slice::from_ref(host),
        lock: None,
        db: &db,
        source,
        no_install_recommends: false,
    })
}

#[test]
fn example_plan_names_the_incident() {
    let u = Universe::load(&[index()], &[], opts()).unwrap();
    assert!(u.problems.is_empty(), "{:?}", u.problems);
    let (plays, errors) = fleetpin_plan::tasks::discover(&[example()]);
    assert!(errors.is_empty(), "{errors:?}");
    let docker_play = plays
        .iter()
        .find(|p| p.hosts == "swarm")
        .expect("the docker play");
    assert!(docker_play.serial.is_empty());
    // A w1 whose apparmor was purged: the node the incident broke.
    let mut w1 = facts("swarm-w1.example.internal");
    w1.packages.retain(|p| p.name != "apparmor");
    let all = vec![
        facts("swarm-m1.example.internal"),
        w1,
        facts("swarm-w2.example.internal"),
    ];
    let inv = Inventory::load(&example().join("inventory/hosts.ini")).unwrap();
    let (db, _) = fleetpin_guard::Database::builtin();
    let p = plan::plan(&Inputs {
        plays: &plays,
        inventory: Some(&inv),
        limit: None,
        facts: &all,
        lock: None,
        db: &db,
        source: CandidateSource::Offline(&u),
        no_install_recommends: false,
    });
    let host = |n: &str| p.hosts.iter().find(|h| h.host == n).unwrap();
    // m1 holds docker-ce: `state: latest` fails there (apt-get -y refuses held changes).
    let m1 = host("swarm-m1.example.internal");
    assert_eq!(m1.refused.len(), 1, "{m1:#?}");
    assert!(m1.refused[0].reason.contains("docker-ce"));
    // w1 goes 20.10 → 23.0.1 (a major jump) and, without apparmor, hits FPH-2023-0001.
    let w1 = host("swarm-w1.example.internal");
    let d = w1
        .packages
        .iter()
        .find(|x| x.package == "docker-ce")
        .unwrap();
    assert_eq!(d.status, Status::Upgrade);
    assert_eq!(d.to.as_deref(), Some("5:23.0.1-1~debian.10~buster"));
    assert_eq!(d.jump, Some(Jump::Major));
    assert!(
        w1.hazards
            .iter()
            .any(|z| z.id == "FPH-2023-0001" && z.breaks && z.missing == ["apparmor"]),
        "{:#?}",
        w1.hazards
    );
    // apparmor is only a Recommends that docker-ce 20.10 had too and the host lacks: apt does
    // not install it on upgrade, so nothing in the run brings it.
    assert!(!w1.packages.iter().any(|x| x.package == "apparmor"));
    // w2 already runs 23.0.1: nothing to change for docker.
    let w2 = host("swarm-w2.example.internal");
    assert!(!w2.packages.iter().any(|x| x.package.starts_with("docker")));
    // Hosts of the inventory without facts are named, the others still planned.
    let m2 = host("swarm-m2.example.internal");
    assert!(m2.error.as_deref().unwrap().contains("no facts"));
    assert!(p.risky());
    assert_eq!(p.rollout[0].batches.len(), 1, "no serial: all at once");
    assert_eq!(
        p.hazard_hosts()["FPH-2023-0001"],
        ["swarm-w1.example.internal"]
    );
}

#[test]
fn install_recommends_false_is_named() {
    let u = Universe::load(&[index()], &[], opts()).unwrap();
    let (plays, _) = fleetpin_plan::tasks::discover(&[example()]);
    let mut w = facts("swarm-w2.example.internal");
    w.packages.retain(|p| !p.name.starts_with("docker"));
    w.host = "swarm-w3.example.internal".into();
    let (db, _) = fleetpin_guard::Database::builtin();
    let inv = Inventory::load(&example().join("inventory/hosts.ini")).unwrap();
    let p = plan::plan(&Inputs {
        plays: &plays,
        inventory: Some(&inv),
        limit: Some(&fleetpin_inventory::Pattern::parse("swarm-w3*").unwrap()),
        facts: std::slice::from_ref(&w),
        lock: None,
        db: &db,
        source: CandidateSource::Offline(&u),
        no_install_recommends: true,
    });
    assert_eq!(p.hosts.len(), 1, "--limit");
    let h = &p.hosts[0];
    let d = h
        .packages
        .iter()
        .find(|x| x.package == "docker-ce")
        .unwrap();
    assert_eq!(d.status, Status::New);
    assert!(
        h.unmet_recommends
            .iter()
            .any(|r| r.recommends == "apparmor" && r.because_install_recommends_false),
        "{:#?}",
        h.unmet_recommends
    );
    assert!(
        h.hazards
            .iter()
            .any(|z| z.id == "FPH-2023-0001" && z.breaks)
    );
}

#[test]
fn bad_input_is_named_and_the_rest_still_loads() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(index()).unwrap();
    // Cut in the middle of the last stanza's Version line.
    let cut = dir.path().join("Packages");
    let at = text.rfind("Version: ").unwrap() + 9;
    std::fs::write(&cut, &text[..at]).unwrap();
    let arm = dir.path().join("arm64_Packages");
    std::fs::write(
        &arm,
        "Package: x\nVersion: 1\nArchitecture: arm64\n\nPackage: y\nVersion: 1\nArchitecture: arm64\n",
    )
    .unwrap();
    let u = Universe::load(&[cut.clone(), arm.clone()], &[], opts()).unwrap();
    let msgs: Vec<String> = u.problems.iter().map(ToString::to_string).collect();
    assert!(
        msgs.iter()
            .any(|m| m.starts_with(&format!("{}:", cut.display()))),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with(&format!("{}:1:", arm.display())) && m.contains("arm64")),
        "{msgs:?}"
    );
    // The stanzas before the cut still load.
    assert!(u.lookup("docker-ce").is_some());

    // A facts file of a newer format version is an error naming it; the other host loads.
    let store = FactsStore::new(dir.path().join("facts"));
    store.write(&facts("swarm-w1.example.internal")).unwrap();
    let mut newer = facts("swarm-w2.example.internal").to_json();
    newer = newer.replacen("\"fleetpin_facts\": 1", "\"fleetpin_facts\": 99", 1);
    std::fs::write(store.path_for("swarm-w2.example.internal"), newer).unwrap();
    let (ok, errs) = store.read_all().unwrap();
    assert_eq!(ok.len(), 1);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].to_string().contains("swarm-w2"), "{}", errs[0]);
}

#[test]
fn simulated_source_plans_from_apt_output() {
    // What `LC_ALL=C apt-get -s -y install docker-ce ...` printed on a node (the live SSH and
    // Ansible --check sources hand the engine this, parsed).
    let stdout = "\
Reading package lists...
The following packages will be upgraded:
  docker-ce docker-ce-cli
Inst docker-ce-cli [5:20.10.23~3-0~debian-buster] (5:23.0.1-1~debian.10~buster Docker CE:10/buster [amd64])
Inst docker-ce [5:20.10.23~3-0~debian-buster] (5:23.0.1-1~debian.10~buster Docker CE:10/buster [amd64])
Remv lxc-docker [1.0]
Conf docker-ce-cli (5:23.0.1-1~debian.10~buster Docker CE:10/buster [amd64])
Recommended packages:
  apparmor git | git-core
";
    let (sim, errs) = plan::SimulatedHost::from_apt_output(stdout, "");
    assert!(errs.is_empty());
    assert_eq!(sim.steps[0].recommended, ["apparmor", "git", "| git-core"]);
    let mut w1 = facts("swarm-w1.example.internal");
    w1.packages.retain(|p| p.name != "apparmor");
    // No inventory: the plays' `hosts:` are matched against the groups the facts record.
    w1.groups = vec!["swarm".into(), "workers".into()];
    let mut sims = std::collections::HashMap::new();
    sims.insert("swarm-w1.example.internal".to_string(), sim);
    let (plays, _) = fleetpin_plan::tasks::discover(&[example()]);
    let p = plan_one_host(&plays, &w1, CandidateSource::Simulated(&sims));
    let h = &p.hosts[0];
    let d = h
        .packages
        .iter()
        .find(|x| x.package == "docker-ce")
        .unwrap();
    assert_eq!(d.jump, Some(Jump::Major));
    assert!(
        h.packages
            .iter()
            .any(|x| x.package == "lxc-docker" && x.status == Status::Removed)
    );
    assert!(
        h.hazards
            .iter()
            .any(|z| z.id == "FPH-2023-0001" && z.breaks)
    );
    assert!(h.risky());
}

#[test]
fn the_example_tasks_become_the_apt_operations_ansible_runs() {
    use fleetpin_fleet::simulate::{AptOptions, Operation, UpgradeMode};
    let (plays, errors) = fleetpin_plan::tasks::discover(&[example()]);
    assert!(errors.is_empty(), "{errors:?}");
    let docker = plays
        .iter()
        .position(|p| p.name == "Docker engine on every node")
        .unwrap();
    let install =
        |packages: &[&str], no_upgrade: bool, recommends: Option<bool>| Operation::Install {
            packages: packages.iter().map(|s| s.to_string()).collect(),
            no_upgrade,
            only_upgrade: false,
            options: AptOptions {
                install_recommends: recommends,
                ..AptOptions::default()
            },
        };
    let docker_pkgs = ["docker-ce", "docker-ce-cli", "containerd.io"];
    let want = vec![
        install(&["ca-certificates", "gnupg"], true, None),
        install(&docker_pkgs, false, None),
        install(&docker_pkgs, false, None),
        Operation::Upgrade {
            mode: UpgradeMode::Dist,
            options: AptOptions::default(),
        },
    ];
    assert_eq!(
        fleetpin_plan::tasks::operations(&plays, &[docker], false, ("swarm-w1", &[], None)),
        want
    );
    // --no-install-recommends applies to every operation.
    let ops = fleetpin_plan::tasks::operations(&plays, &[docker], true, ("swarm-w1", &[], None));
    assert!(ops.iter().all(|o| match o {
        Operation::Install { options, .. } | Operation::Upgrade { options, .. } =>
            options.install_recommends == Some(false),
        Operation::Remove { .. } => false,
    }));
}

/// A package only a skipped task names is a dependency on that host: the task's `when:` is
/// false with the host's facts, so nothing asked for the package there.
#[test]
fn a_package_named_only_by_a_skipped_task_is_a_dependency() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("site.yml"),
        "- hosts: all\n  tasks:\n    - name: Docker engine\n      ansible.builtin.apt:\n        name: docker-ce\n        state: latest\n    - name: RPM hosts only\n      ansible.builtin.apt:\n        name: libseccomp2\n        state: latest\n      when: ansible_os_family == 'RedHat'\n",
    )
    .unwrap();
    let u = Universe::load(&[index()], &[], opts()).unwrap();
    let (plays, errors) = fleetpin_plan::tasks::discover(&[dir.path().join("site.yml")]);
    assert!(errors.is_empty(), "{errors:?}");
    let w1 = facts("swarm-w1.example.internal");
    let p = plan_one_host(&plays, &w1, CandidateSource::Offline(&u));
    let h = &p.hosts[0];
    assert_eq!(h.skipped.len(), 1, "{h:#?}");
    assert_eq!(h.skipped[0].when, "ansible_os_family == 'RedHat'");
    let pkg = |n: &str| h.packages.iter().find(|x| x.package == n);
    assert!(!pkg("docker-ce").unwrap().dependency);
    // docker-ce 23 needs a newer libseccomp2: pulled in by the upgrade, not by the skipped task.
    assert!(pkg("libseccomp2").unwrap().dependency, "{h:#?}");
}
