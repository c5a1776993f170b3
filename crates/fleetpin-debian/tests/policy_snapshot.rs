//! The policy report of a small fixture root (Debian + backports + Docker's repository, a held
//! docker-ce and a version pin), snapshotted: the snapshot is the review of the JSON shape
//! `fleetpin debian policy --format json` prints. The same root was checked with
//! `apt-cache policy` (see the note in the snapshot test below).

use std::path::Path;

use fleetpin_debian::policy::{Cache, Options};

fn fixture() -> Cache {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policy-root");
    let cache = Cache::load_root(&root, Options::for_root(&root)).unwrap();
    assert!(cache.problems.is_empty(), "{:?}", cache.problems);
    cache
}

#[test]
fn fixture_policy_report() {
    let cache = fixture();
    assert_eq!(cache.options().native_arch, "amd64");
    let reports: Vec<_> = [
        "docker-ce",
        "docker-ce-cli",
        "containerd.io",
        "curl",
        "apparmor",
    ]
    .iter()
    .map(|n| cache.report(cache.package(n).unwrap()))
    .collect();
    // Candidates agree with `apt-cache policy` on this root (apt 2.6.1): docker-ce is held
    // at 20.10 but the 1001 pin makes 5:23.0.2 the candidate, not 24.0.7.
    assert_eq!(
        reports[0].candidate.as_ref().unwrap().as_str(),
        "5:23.0.2-1~debian.12~bookworm"
    );
    assert!(reports[0].held);
    // The status file is named by its real path: redact the checkout location.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policy-root");
    let redact = |s: String| s.replace(&root.display().to_string(), "[ROOT]");
    insta::assert_snapshot!(
        "fixture_policy_report",
        redact(serde_json::to_string_pretty(&reports).unwrap())
    );
    let files: Vec<String> = cache
        .files
        .iter()
        .map(|f| {
            redact(format!(
                "{} {} [{}]",
                f.priority,
                f.describe,
                f.release_line()
            ))
        })
        .collect();
    insta::assert_json_snapshot!("fixture_index_files", files);
}

#[test]
fn installed_set_from_status_satisfies_docker_dependencies() {
    use fleetpin_debian::control::{DepField, parse_packages};
    use fleetpin_debian::relation::{Installed, InstalledPackage};
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policy-root");
    let status = std::fs::read_to_string(root.join("var/lib/dpkg/status")).unwrap();
    let (recs, errs) = parse_packages(&status);
    assert!(errs.is_empty());
    let mut set = Installed::new("amd64");
    for r in &recs {
        let st = fleetpin_debian::status::Status::parse(r.status.unwrap()).unwrap();
        if st.is_installed() {
            set.insert(InstalledPackage {
                name: r.name.to_string(),
                version: r.parse_version().unwrap(),
                architecture: r.architecture.to_string(),
                multi_arch: r.multi_arch,
                provides: r.relations(DepField::Provides).unwrap(),
            });
        }
    }
    let docker = recs.iter().find(|r| r.name == "docker-ce").unwrap();
    // The incident: apparmor is only a Recommends, and it is not installed.
    let rec = docker.relations(DepField::Recommends).unwrap();
    let missing: Vec<String> = rec
        .unsatisfied(&set)
        .iter()
        .map(|g| g[0].name.clone())
        .collect();
    assert!(missing.contains(&"apparmor".to_string()), "{missing:?}");
    // Docker 23's containerd.io (>= 1.6.4) is met by the installed 1.6.4-1, and the
    // virtual `containerd` by its Provides.
    let dep = fleetpin_debian::relation::Relations::parse("containerd.io (>= 1.6.4), containerd")
        .unwrap();
    assert!(dep.satisfied_by(&set));
}
