//! fleetpin.lock generation and drift on a scenario modelled on the incident: a newly added
//! Swarm worker received a newer Docker, without the hold and without apparmor; plus RPM hosts
//! whose versions order differently under rpm rules than under dpkg rules.

use std::collections::BTreeSet;

use fleetpin_fleet::Error;
use fleetpin_fleet::drift::{self, Direction};
use fleetpin_fleet::facts::{
    FactsSource, FactsStore, HostFacts, OsRelease, Package, PackageManager,
};
use fleetpin_fleet::fleet::Fleet;
use fleetpin_fleet::lock::{Lock, LockOptions, Prefer, Scope};

const D_OLD: &str = "5:23.0.1-1~debian.10~buster";
const D_NEW: &str = "5:23.0.2-1~debian.10~buster";

fn host(
    name: &str,
    groups: &[&str],
    os: (&str, &str),
    mgr: PackageManager,
    pkgs: &[(&str, &str, Option<&str>)],
) -> HostFacts {
    let mut f = HostFacts::new(name, FactsSource::Ssh, mgr);
    f.groups = groups.iter().map(|g| g.to_string()).collect();
    f.os = Some(OsRelease {
        id: os.0.into(),
        version_id: Some(os.1.into()),
        ..OsRelease::default()
    });
    f.native_arch = Some(
        if mgr == PackageManager::Rpm {
            "x86_64"
        } else {
            "amd64"
        }
        .into(),
    );
    f.packages = pkgs
        .iter()
        .map(|(n, v, sel)| Package {
            name: n.to_string(),
            version: v.to_string(),
            arch: Some(
                if mgr == PackageManager::Rpm {
                    "x86_64"
                } else {
                    "amd64"
                }
                .into(),
            ),
            selection: sel.map(str::to_string),
        })
        .collect();
    f
}

fn scenario() -> Vec<HostFacts> {
    let deb = ("debian", "10");
    let rhel = ("rhel", "9");
    let held = |v: &'static str| (v, Some("hold"));
    let inst = |v: &'static str| (v, Some("install"));
    let d = PackageManager::Dpkg;
    let r = PackageManager::Rpm;
    let swarm =
        |docker: (&'static str, Option<&'static str>), containerd: &'static str, apparmor: bool| {
            let mut v = vec![
                ("docker-ce", docker.0, docker.1),
                ("containerd.io", containerd, Some("install")),
                ("bash", "5.0-4", Some("install")),
            ];
            if apparmor {
                v.push(("apparmor", "2.13.2-10", Some("install")));
            }
            v
        };
    vec![
        host(
            "mgr1",
            &["swarm", "managers"],
            deb,
            d,
            &swarm(held(D_OLD), "1.6.18-1", true),
        ),
        host(
            "mgr2",
            &["swarm", "managers"],
            deb,
            d,
            &swarm(held(D_OLD), "1.6.18-1", true),
        ),
        host(
            "wrk1",
            &["swarm", "workers"],
            deb,
            d,
            &swarm(held(D_OLD), "1.6.18-1", true),
        ),
        host(
            "wrk2",
            &["swarm", "workers"],
            deb,
            d,
            &swarm(held(D_OLD), "1.6.18-1", true),
        ),
        host(
            "wrk-new",
            &["swarm", "workers"],
            deb,
            d,
            &swarm(inst(D_NEW), "1.6.20-1", false),
        ),
        host(
            "rh1",
            &["db"],
            rhel,
            r,
            &[
                ("tool", "1.0.1-1", None),
                ("lib", "2.0-1", None),
                ("kernel", "5.14.0-70", None),
                ("kernel", "5.14.0-162", None),
            ],
        ),
        host(
            "rh2",
            &["db"],
            rhel,
            r,
            &[
                ("tool", "1.0.1-1", None),
                ("lib", "2.0-1", None),
                ("kernel", "5.14.0-162", None),
            ],
        ),
        // rpm: 1.0^git1 < 1.0.1 (dpkg would say greater); 2_0 = 2.0 (dpkg: different).
        host(
            "rh3",
            &["db"],
            rhel,
            r,
            &[
                ("tool", "1.0^git1-1", None),
                ("lib", "2_0-1", None),
                ("kernel", "5.14.0-162", None),
            ],
        ),
    ]
}

fn loaded(facts: &[HostFacts]) -> (tempfile::TempDir, Fleet) {
    let dir = tempfile::tempdir().unwrap();
    let store = FactsStore::new(dir.path().join("facts"));
    for f in facts {
        store.write(f).unwrap();
    }
    let (fleet, errors) = Fleet::load(&store).unwrap();
    assert!(errors.is_empty(), "{errors:?}");
    (dir, fleet)
}

fn opts(prefer: &[&str]) -> LockOptions {
    LockOptions {
        group_by: vec!["os:rhel-9".into()],
        packages: None,
        prefer: prefer.iter().map(|p| Prefer::parse(p)).collect(),
    }
}

#[test]
fn lock_reports_conflicts_and_needs_an_explicit_rule() {
    let (_d, fleet) = loaded(&scenario());
    let (_, conflicts) = Lock::generate(&fleet, &opts(&[]));
    let summary: Vec<String> = conflicts
        .iter()
        .map(|c| {
            let cands: Vec<String> = c
                .candidates
                .iter()
                .map(|k| {
                    format!(
                        "{}={}",
                        k.version.as_deref().unwrap_or("-"),
                        k.hosts.join("+")
                    )
                })
                .collect();
            format!(
                "{}/{}: {} -> {:?}",
                c.group,
                c.package,
                cands.join(" "),
                c.resolution
            )
        })
        .collect();
    insta::assert_snapshot!("conflicts_unresolved", summary.join("\n"));
    assert!(conflicts.iter().all(|c| c.resolution.is_none()));
    // `lib` 2.0-1 and 2_0-1 are the same rpm version: no conflict for it.
    assert!(!conflicts.iter().any(|c| c.package == "lib"));
}

#[test]
fn lock_file_is_stable_and_round_trips() {
    let (_d, fleet) = loaded(&scenario());
    let (lock, conflicts) = Lock::generate(&fleet, &opts(&["majority"]));
    assert!(conflicts.iter().all(|c| c.resolution.is_some()));
    let text = lock.to_toml();
    insta::assert_snapshot!("lock_majority", text);
    let parsed = Lock::parse(&text, "fleetpin.lock".as_ref()).unwrap();
    assert_eq!(parsed, lock);
    // Regenerating from the same facts in another order gives the same bytes.
    let mut shuffled = scenario();
    shuffled.reverse();
    let (_d2, fleet2) = loaded(&shuffled);
    assert_eq!(
        Lock::generate(&fleet2, &opts(&["majority"])).0.to_toml(),
        text
    );
}

#[test]
fn prefer_rules_follow_version_ordering() {
    let (_d, fleet) = loaded(&scenario());
    let docker = |prefer: &[&str]| {
        let (lock, _) = Lock::generate(&fleet, &opts(prefer));
        lock.groups["all"]
            .get("docker-ce")
            .map(|l| l.version.clone())
    };
    assert_eq!(docker(&["highest"]).as_deref(), Some(D_NEW));
    assert_eq!(docker(&["lowest"]).as_deref(), Some(D_OLD));
    assert_eq!(docker(&["wrk-new"]).as_deref(), Some(D_NEW));
    // A host rule only decides in its own group; the next rule decides elsewhere.
    let (lock, conflicts) = Lock::generate(&fleet, &opts(&["wrk-new", "majority"]));
    assert_eq!(lock.groups["os:rhel-9"]["tool"].version, "1.0.1-1");
    assert!(conflicts.iter().any(
        |c| c.group == "os:rhel-9" && c.resolution.as_ref().is_some_and(|r| r.1 == "majority")
    ));
    // rpm ordering: 1.0^git1-1 is older than 1.0.1-1.
    let (lock, _) = Lock::generate(&fleet, &opts(&["lowest"]));
    assert_eq!(lock.groups["os:rhel-9"]["tool"].version, "1.0^git1-1");
}

#[test]
fn drift_names_host_package_direction_with_the_right_ordering() {
    let (_d, fleet) = loaded(&scenario());
    let (lock, _) = Lock::generate(&fleet, &opts(&["majority"]));
    let report = drift::compute(&fleet, &lock);
    insta::assert_json_snapshot!("drift_majority", report);
    let find = |h: &str, p: &str| -> Vec<Direction> {
        report
            .differences
            .iter()
            .filter(|d| d.host == h && d.package == p)
            .map(|d| d.direction)
            .collect()
    };
    assert_eq!(
        find("wrk-new", "docker-ce"),
        [Direction::Ahead, Direction::NotHeld]
    );
    assert_eq!(find("wrk-new", "apparmor"), [Direction::Missing]);
    assert_eq!(find("rh3", "tool"), [Direction::Behind]); // rpm ordering, not dpkg's
    assert!(find("rh3", "lib").is_empty()); // 2_0 == 2.0 for rpm
    assert!(find("rh1", "kernel").is_empty()); // highest installed kernel counts
    assert_eq!(report.summary.hosts_with_drift, 2);
    assert!(report.has_drift());

    // A new node with an extra package; a lock of all packages reports it as extra.
    let mut facts = scenario();
    facts[0].packages.push(Package {
        name: "htop".into(),
        version: "2.2.0-1".into(),
        arch: Some("amd64".into()),
        selection: Some("install".into()),
    });
    let (_d3, fleet3) = loaded(&facts);
    let r = drift::compute(&fleet3, &lock);
    assert!(
        r.differences
            .iter()
            .any(|d| d.host == "mgr1" && d.package == "htop" && d.direction == Direction::Extra)
    );
}

#[test]
fn no_drift_when_hosts_match_and_listed_scope_ignores_other_packages() {
    let (_d, fleet) = loaded(&scenario());
    let only: BTreeSet<String> = ["bash".to_string()].into();
    let (lock, conflicts) = Lock::generate(
        &fleet,
        &LockOptions {
            packages: Some(only),
            ..opts(&[])
        },
    );
    assert!(conflicts.is_empty());
    assert_eq!(lock.scope, Scope::Listed);
    assert!(lock.to_toml().contains("scope = \"listed\""));
    let report = drift::compute(&fleet, &lock);
    // rh hosts have no bash: they lack a locked package only if the lock expects it there.
    assert!(report.differences.is_empty(), "{:?}", report.differences);
}

#[test]
fn check_diff_lists_what_changed() {
    let (_d, fleet) = loaded(&scenario());
    let (old, _) = Lock::generate(&fleet, &opts(&["majority"]));
    let (new, _) = Lock::generate(&fleet, &opts(&["highest"]));
    let diff = old.diff(&new);
    assert!(
        diff.contains(&format!("[all] docker-ce: {D_OLD} (hold) -> {D_NEW}")),
        "{diff:?}"
    );
    assert!(old.diff(&old).is_empty());
}

#[test]
fn lock_errors_are_clear() {
    let newer = "version = 2\n[packages]\nx = \"1\"\n";
    let e = Lock::parse(newer, "fleetpin.lock".as_ref()).unwrap_err();
    assert!(matches!(e, Error::NewerFormat { found: 2, .. }));
    assert_eq!(
        e.to_string(),
        "fleetpin.lock: lock format version 2 was written by a newer fleetpin (this one reads version 1); upgrade fleetpin"
    );
    let e = Lock::parse(
        "version = 1\n\n[packages]\nx = \n",
        "fleetpin.lock".as_ref(),
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("fleetpin.lock:4:"), "{e}");
    let e = Lock::parse("version = 1\n[packages]\nx = 3\n", "fleetpin.lock".as_ref()).unwrap_err();
    assert!(e.to_string().starts_with("fleetpin.lock:"), "{e}");
    let e = Lock::parse(
        "version = 1\n[groups.web.packages]\nx = \"1\"\n",
        "l".as_ref(),
    )
    .unwrap_err();
    assert!(e.to_string().contains("not listed in `group-by`"), "{e}");
    assert!(
        Lock::parse("[packages]\n", "l".as_ref())
            .unwrap_err()
            .to_string()
            .contains("missing `version`")
    );
}

#[test]
fn bad_facts_files_are_reported_and_the_rest_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let store = FactsStore::new(dir.path());
    for f in scenario() {
        store.write(&f).unwrap();
    }
    std::fs::write(
        dir.path().join("broken.json"),
        "{\n  \"fleetpin_facts\": 1,\n  \"host\": \"broken\",\n  oops\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("future.json"),
        r#"{"fleetpin_facts": 9, "host": "future", "shape": "unknown"}"#,
    )
    .unwrap();
    // The same host twice (copied under another file name): both dropped, error names both.
    std::fs::copy(store.path_for("wrk1"), dir.path().join("wrk1-copy.json")).unwrap();
    let (fleet, errors) = Fleet::load(&store).unwrap();
    let msgs: Vec<String> = errors.iter().map(ToString::to_string).collect();
    assert_eq!(errors.len(), 3, "{msgs:?}");
    assert!(
        msgs.iter()
            .any(|m| m.contains("broken.json:4: not a valid facts document")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m
                .contains("future.json: facts format version 9 was written by a newer fleetpin")),
        "{msgs:?}"
    );
    assert!(
        msgs.iter()
            .any(|m| m.starts_with("host `wrk1` appears twice")),
        "{msgs:?}"
    );
    assert_eq!(fleet.hosts.len(), 7);
    assert!(fleet.host("wrk1").is_none());
    let (facts, errs) = store.read_all().unwrap();
    assert_eq!((facts.len(), errs.len()), (7, 3));
}

#[test]
fn multiarch_packages_are_keyed_by_arch() {
    let mut f = host(
        "m1",
        &[],
        ("debian", "12"),
        PackageManager::Dpkg,
        &[("libc6", "2.36-9", Some("install"))],
    );
    f.packages.push(Package {
        name: "libc6".into(),
        version: "2.36-8".into(),
        arch: Some("i386".into()),
        selection: Some("install".into()),
    });
    f.packages.push(Package {
        name: "tzdata".into(),
        version: "2024a-0".into(),
        arch: Some("all".into()),
        selection: Some("install".into()),
    });
    let (_d, fleet) = loaded(&[f]);
    let keys: Vec<&str> = fleet.hosts[0]
        .installed
        .iter()
        .map(|i| fleet.packages.resolve(i.pkg))
        .collect();
    let mut keys = keys;
    keys.sort();
    assert_eq!(keys, ["libc6", "libc6:i386", "tzdata"]);
}

/// Issue 8: locked packages no host has are reported, the same with and without a limit.
#[test]
fn locked_packages_on_no_host_are_reported_with_or_without_a_limit() {
    use fleetpin_fleet::lock::Locked;
    let (_d, fleet) = loaded(&scenario());
    let (mut lock, _) = Lock::generate(&fleet, &opts(&["majority"]));
    let locked = |v: &str| Locked {
        version: v.into(),
        hold: false,
    };
    lock.groups
        .get_mut("all")
        .unwrap()
        .insert("nosuch".into(), locked("1.0"));
    lock.group_by.push("db".into());
    lock.groups
        .entry("db".into())
        .or_default()
        .insert("postgresql".into(), locked("15.5"));
    let full = drift::compute(&fleet, &lock);
    let found: Vec<(&str, &str, usize)> = full
        .locked_on_no_host
        .iter()
        .map(|l| (l.group.as_str(), l.package.as_str(), l.group_hosts))
        .collect();
    let all_hosts = fleet
        .hosts
        .iter()
        .filter(|h| fleetpin_fleet::lock::lock_group_of(h, &lock.group_by) == "all")
        .count();
    assert_eq!(
        found,
        [("all", "nosuch", all_hosts), ("db", "postgresql", 0)]
    );
    assert!(!full.is_complete());
    let first = fleet.hosts[0].name.clone();
    let limited = drift::compute_selected(&fleet, &lock, &|h| h.name == first);
    assert_eq!(limited.locked_on_no_host, full.locked_on_no_host);
    assert_eq!(limited.summary.locked_on_no_host, 2);
}
