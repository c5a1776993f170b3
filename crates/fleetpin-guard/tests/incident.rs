//! The incident of examples/swarm-cluster, replayed with the real apt: each node's facts
//! (`fleet/facts/`) become a throwaway dpkg root, the shipped Docker buster index
//! (`index/docker-buster-stable/Packages`) its only source, and `apt-get -s install
//! docker-ce docker-ce-cli containerd.io` (what `apt: state: latest` runs) says what the
//! deploy does. Guard then judges apt's own changes: the nodes without `apparmor` break.

use std::path::{Path, PathBuf};
use std::process::Command;

use fleetpin_guard::{Change, Database, HostState, Verdict};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/swarm-cluster")
}

/// A node's facts as guard's host view, and its dpkg status file.
fn node(host: &str) -> (HostState, String) {
    let path = example().join(format!("fleet/facts/{host}.json"));
    let facts: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let mut state = HostState {
        os_id: facts["os"]["id"].as_str().map(str::to_string),
        os_version_id: facts["os"]["version_id"].as_str().map(str::to_string),
        kernel_apparmor: facts["apparmor_enabled"].as_bool(),
        kernel_release: facts["kernel"].as_str().map(str::to_string),
        ..HostState::default()
    };
    let mut status = String::new();
    for p in facts["packages"].as_array().unwrap() {
        let (name, version) = (p["name"].as_str().unwrap(), p["version"].as_str().unwrap());
        state.packages.insert(name.into(), version.into());
        status.push_str(&format!(
            "Package: {name}\nStatus: {} ok installed\nPriority: optional\nSection: misc\n\
             Maintainer: Example <admin@example.org>\nArchitecture: {}\nVersion: {version}\n\
             Description: from the example facts\n\n",
            p["selection"].as_str().unwrap(),
            p["arch"].as_str().unwrap()
        ));
    }
    (state, status)
}

/// `apt-get -s install PACKAGES` over a throwaway root holding `status` and the example's
/// index, run unprivileged. Returns apt's whole output.
fn apt_simulate(root: &Path, status: &str, packages: &[&str]) -> String {
    for d in [
        "var/lib/dpkg",
        "var/lib/apt/lists/partial",
        "var/cache/apt/archives/partial",
        "etc/apt/apt.conf.d",
        "etc/apt/preferences.d",
        "etc/apt/sources.list.d",
        "repo",
    ] {
        std::fs::create_dir_all(root.join(d)).unwrap();
    }
    std::fs::write(root.join("var/lib/dpkg/status"), status).unwrap();
    std::fs::copy(
        example().join("index/docker-buster-stable/Packages"),
        root.join("repo/Packages"),
    )
    .unwrap();
    std::fs::write(
        root.join("etc/apt/sources.list"),
        format!(
            "deb [trusted=yes] file:{} ./\n",
            root.join("repo").display()
        ),
    )
    .unwrap();
    let r = root.display();
    let opts: Vec<String> = [
        format!("Dir={r}/"),
        format!("Dir::State::status={r}/var/lib/dpkg/status"),
        format!("Dir::Etc={r}/etc/apt"),
        format!("Dir::State::Lists={r}/var/lib/apt/lists"),
        format!("Dir::Cache={r}/var/cache/apt"),
        "Debug::NoLocking=1".into(),
        "APT::Architecture=amd64".into(),
        "APT::Architectures::=amd64".into(),
    ]
    .into_iter()
    .flat_map(|o| ["-o".to_string(), o])
    .collect();
    let run = |args: &[&str]| {
        let out = Command::new("apt-get")
            .args(&opts)
            .args(args)
            .env("LC_ALL", "C")
            .output()
            .expect("apt-get runs");
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "apt-get {args:?}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    run(&["update"]);
    let mut args = vec!["-s", "install"];
    args.extend_from_slice(packages);
    run(&args)
}

#[test]
fn state_latest_on_the_example_fleet_breaks_the_nodes_without_apparmor() {
    if !fleetpin_testkit::require(
        fleetpin_testkit::on_path("apt-get").is_some(),
        "apt-get (Debian package apt)",
    ) {
        return;
    }
    let (db, _) = Database::builtin();
    let mut hit = Vec::new();
    for host in [
        "swarm-m1.example.internal",
        "swarm-w1.example.internal",
        "swarm-w2.example.internal",
    ] {
        let (state, status) = node(host);
        let dir = tempfile::tempdir().unwrap();
        let out = apt_simulate(
            dir.path(),
            &status,
            &["docker-ce", "docker-ce-cli", "containerd.io"],
        );
        let (planned, errors) = fleetpin_debian::aptsim::parse(&out);
        assert!(errors.is_empty(), "{errors:?}");
        // apt lists apparmor as recommended, and does not install it.
        assert!(
            out.lines()
                .skip_while(|l| !l.starts_with("Recommended packages:"))
                .nth(1)
                .is_some_and(|l| l.split_whitespace().any(|p| p == "apparmor"))
                || state.packages.contains_key("apparmor"),
            "{host}: {out}"
        );
        let changes: Vec<Change> = planned
            .iter()
            .filter(|p| p.action == fleetpin_debian::aptsim::Action::Install)
            .map(|p| Change {
                package: p.package.clone(),
                from: p.old_version.as_ref().map(ToString::to_string),
                to: p.new_version.as_ref().map(ToString::to_string),
            })
            .collect();
        let docker = changes
            .iter()
            .find(|c| c.package == "docker-ce")
            .unwrap_or_else(|| panic!("{host}: apt upgrades docker-ce: {out}"));
        assert_eq!(docker.to.as_deref(), Some("5:23.0.1-1~debian.10~buster"));
        assert!(changes.iter().all(|c| c.package != "apparmor"), "{host}");
        let findings = db.check_changes(&state, &changes);
        let f = findings
            .iter()
            .find(|f| f.hazard.id == "FPH-2023-0001")
            .unwrap_or_else(|| panic!("{host}: {findings:?}"));
        if f.breaks() {
            assert_eq!(
                f.verdict,
                Verdict::Breaks {
                    missing: vec!["apparmor".into()],
                    unknown: vec![]
                }
            );
            hit.push(host);
        }
    }
    // swarm-m1 has apparmor; the two workers do not.
    assert_eq!(
        hit,
        ["swarm-w1.example.internal", "swarm-w2.example.internal"]
    );
}
