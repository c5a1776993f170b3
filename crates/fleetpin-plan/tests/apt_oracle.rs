//! The plan engine against the real `apt-get -s -y`, run unprivileged over throwaway roots:
//! for a generated index (Depends/Pre-Depends/Recommends/Breaks/Conflicts/Provides, epochs,
//! `~`) and a generated fleet of 60 host states (varied installed sets, holds, versions),
//! every operation the example's package tasks run (`install` of the Docker packages with and
//! without Recommends, `install` of the prerequisites, `dist-upgrade`, `upgrade
//! --with-new-pkgs`) plus a random install gives, per host, the same `Inst`/`Remv` set, the
//! same refusals and the same "Recommended packages:" list as apt.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use fleetpin_debian::aptsim::{self, Action};
use fleetpin_debian::policy::Options;
use fleetpin_debian::version::Version;
use fleetpin_plan::resolve::{HostSet, InstalledPackage, Op, Outcome, Refusal, Request};
use fleetpin_plan::universe::Universe;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, pct: usize) -> bool {
        self.below(100) < pct
    }
}

#[derive(Clone)]
struct Stanza {
    name: String,
    version: String,
    arch: &'static str,
    fields: Vec<(&'static str, String)>,
}

const LIB_VERSIONS: &[&str] = &["1.0-1", "1.2-1", "2.0~rc1-1", "2.0-1", "1:0.9-1"];
const APP_VERSIONS: &[&str] = &["1.0-1", "1.0-1+deb10u1", "2.0~beta1-1", "2.0-1", "3:1.0-1"];

/// The generated index. Old versions stay in it (hosts run them), as on a real mirror with
/// several suites merged.
fn generate_index(rng: &mut Rng) -> Vec<Stanza> {
    let mut out = Vec::new();
    let libs = 8;
    let apps = 14;
    for l in 0..libs {
        let n = 2 + rng.below(3);
        let mut vs: Vec<&str> = LIB_VERSIONS.to_vec();
        while vs.len() > n {
            vs.remove(rng.below(vs.len()));
        }
        for v in vs {
            let mut fields = Vec::new();
            if l == 3 {
                fields.push(("Provides", "libvirt-x".to_string()));
            }
            if l == 5 && v.starts_with('2') {
                fields.push(("Breaks", "l6 (<< 2.0-1)".to_string()));
            }
            out.push(Stanza {
                name: format!("l{l}"),
                version: v.to_string(),
                arch: if l % 3 == 0 { "all" } else { "amd64" },
                fields,
            });
        }
    }
    for a in 0..apps {
        let n = 2 + rng.below(3);
        let mut vs: Vec<&str> = APP_VERSIONS.to_vec();
        while vs.len() > n {
            vs.remove(rng.below(vs.len()));
        }
        let mut vs_sorted: Vec<Version> = vs.iter().map(|v| Version::parse(v).unwrap()).collect();
        vs_sorted.sort();
        for (rank, v) in vs_sorted.iter().enumerate() {
            let newest = rank + 1 == vs_sorted.len();
            let mut fields = Vec::new();
            let mut deps = Vec::new();
            let l1 = rng.below(libs);
            if newest && rng.chance(50) {
                deps.push(format!("l{l1} (>= 1.2-1)"));
            } else {
                deps.push(format!("l{l1}"));
            }
            if rng.chance(30) {
                let l2 = rng.below(libs);
                let l3 = rng.below(libs);
                deps.push(format!("l{l2} | l{l3}"));
            }
            if rng.chance(15) {
                deps.push("libvirt-x".to_string());
            }
            if rank > 0 && rng.chance(25) && a > 0 {
                // Depend on an older app (acyclic).
                deps.push(format!("a{}", rng.below(a)));
            }
            fields.push(("Depends", deps.join(", ")));
            if rng.chance(15) {
                fields.push(("Pre-Depends", format!("l{}", rng.below(libs))));
            }
            let mut recs = Vec::new();
            if rng.chance(45) {
                recs.push(format!("r{}", rng.below(5)));
            }
            if rng.chance(20) {
                recs.push(format!("l{} | r{}", rng.below(libs), rng.below(5)));
            }
            if !recs.is_empty() {
                fields.push(("Recommends", recs.join(", ")));
            }
            if newest && rank > 0 && rng.chance(30) {
                let other = rng.below(apps);
                if other != a {
                    // << a version above everything: nothing fixes it but a removal.
                    let ver = if rng.chance(50) { "2.0-1" } else { "9.0-1" };
                    fields.push(("Breaks", format!("a{other} (<< {ver})")));
                }
            }
            if newest && rng.chance(10) {
                fields.push(("Conflicts", format!("r{}", rng.below(5))));
            }
            out.push(Stanza {
                name: format!("a{a}"),
                version: v.to_string(),
                arch: "amd64",
                fields,
            });
        }
    }
    // r0..r3 exist (r4 does not: an unmet recommendation apt lists).
    for r in 0..4 {
        out.push(Stanza {
            name: format!("r{r}"),
            version: "1.0-1".into(),
            arch: "all",
            fields: vec![],
        });
    }
    // The incident's packages.
    for (v, cli) in [
        (
            "5:20.10.23~3-0~debian-buster",
            "5:20.10.23~3-0~debian-buster",
        ),
        ("5:23.0.1-1~debian.10~buster", "5:23.0.1-1~debian.10~buster"),
    ] {
        let new = v.starts_with("5:23");
        out.push(Stanza {
            name: "docker-ce".into(),
            version: v.into(),
            arch: "amd64",
            fields: vec![
                (
                    "Depends",
                    format!(
                        "containerd.io (>= {}), docker-ce-cli, iptables, libc6 (>= 2.28)",
                        if new { "1.6.18" } else { "1.4.1" }
                    ),
                ),
                (
                    "Recommends",
                    "apparmor, ca-certificates, git, pigz, xz-utils".into(),
                ),
                (
                    "Conflicts",
                    "docker (<< 1.5~), docker.io, lxc-docker".into(),
                ),
            ],
        });
        out.push(Stanza {
            name: "docker-ce-cli".into(),
            version: cli.into(),
            arch: "amd64",
            fields: vec![("Depends", "libc6 (>= 2.28)".into())],
        });
    }
    for v in ["1.6.16-1", "1.6.18-1"] {
        out.push(Stanza {
            name: "containerd.io".into(),
            version: v.into(),
            arch: "amd64",
            fields: vec![
                ("Depends", "libseccomp2 (>= 2.4.0)".into()),
                ("Provides", "containerd, runc".into()),
                ("Conflicts", "containerd, runc".into()),
            ],
        });
    }
    for (n, v, deps) in [
        ("apparmor", "2.13.2-10", "libc6 (>= 2.28)"),
        ("ca-certificates", "20200601~deb10u2", ""),
        ("gnupg", "2.2.12-1+deb10u2", "gpgv"),
        ("gpgv", "2.2.12-1+deb10u2", "libc6"),
        ("iptables", "1.8.2-4", "libc6"),
        ("libc6", "2.28-10+deb10u2", ""),
        ("libc6", "2.28-10+deb10u1", ""),
        ("libseccomp2", "2.3.3-4", ""),
        ("libseccomp2", "2.5.1-1~bpo10+1", ""),
        ("pigz", "2.4-1", "libc6"),
        ("xz-utils", "5.2.4-1", ""),
        ("docker.io", "18.09.1+dfsg1-7.1+deb10u3", "libc6"),
    ] {
        let mut fields = Vec::new();
        if !deps.is_empty() {
            fields.push(("Depends", deps.to_string()));
        }
        out.push(Stanza {
            name: n.into(),
            version: v.into(),
            arch: if n == "ca-certificates" {
                "all"
            } else {
                "amd64"
            },
            fields,
        });
    }
    out
}

fn render(stanzas: &[Stanza], status: Option<&dyn Fn(&Stanza) -> &'static str>) -> String {
    let mut s = String::new();
    for (i, st) in stanzas.iter().enumerate() {
        s.push_str(&format!("Package: {}\n", st.name));
        if let Some(f) = status {
            s.push_str(&format!("Status: {} ok installed\n", f(st)));
        }
        s.push_str(&format!(
            "Version: {}\nArchitecture: {}\n",
            st.version, st.arch
        ));
        if status.is_none() {
            s.push_str(&format!("Filename: pool/p{i}.deb\nSize: 1000\n"));
        }
        for (k, v) in &st.fields {
            s.push_str(&format!("{k}: {v}\n"));
        }
        s.push('\n');
    }
    s
}

struct Host {
    installed: Vec<Stanza>,
    held: BTreeSet<String>,
}

fn apt_opts(root: &Path, lists: &Path) -> Vec<String> {
    let r = root.display();
    let l = lists.display();
    [
        format!("Dir::State::status={r}/status"),
        format!("Dir::Etc={}/etc", lists.parent().unwrap().display()),
        format!("Dir::State::Lists={l}"),
        format!("Dir::State={r}"),
        format!("Dir::Cache={r}/cache"),
        "Dir::Cache::pkgcache=".into(),
        "Dir::Cache::srcpkgcache=".into(),
        "Debug::NoLocking=1".into(),
        "APT::Architecture=amd64".into(),
        "APT::Architectures=amd64".into(),
        "Dir::Log=/dev/null".into(),
    ]
    .into_iter()
    .flat_map(|o| ["-o".to_string(), o])
    .collect()
}

fn apt(root: &Path, lists: &Path, args: &[&str]) -> (String, String, i32) {
    let out = Command::new("apt-get")
        .args(apt_opts(root, lists))
        .args(args)
        .env("LC_ALL", "C")
        .output()
        .expect("run apt-get");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

/// What we compare: changes as `pkg old new`, `Remv pkg old`, the refusal class, and the
/// Recommended packages tokens.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    changes: BTreeSet<String>,
    refused: Option<&'static str>,
    recommended: BTreeSet<String>,
}

fn from_apt(stdout: &str, stderr: &str) -> Seen {
    let (changes, errors) = aptsim::parse(stdout);
    assert!(errors.is_empty(), "{errors:?}\n{stdout}");
    let mut set = BTreeSet::new();
    for c in changes {
        let old = c.old_version.map(|v| v.to_string()).unwrap_or("-".into());
        match c.action {
            Action::Install => {
                set.insert(format!("{} {} {}", c.package, old, c.new_version.unwrap()));
            }
            Action::Remove | Action::Purge => {
                set.insert(format!("{} {} -", c.package, old));
            }
            Action::Configure => {}
        }
    }
    let refused = if stderr.contains("Held packages were changed") {
        Some("held")
    } else if stderr.contains("E: ") {
        Some("error")
    } else {
        None
    };
    let mut recommended = BTreeSet::new();
    let mut inside = false;
    for line in stdout.lines() {
        if line == "Recommended packages:" {
            inside = true;
            continue;
        }
        if inside {
            if let Some(rest) = line.strip_prefix("  ") {
                // Tokens: `a`, `| b` (joined by spaces).
                let mut toks = rest.split(' ').peekable();
                while let Some(t) = toks.next() {
                    if t == "|" {
                        let n = toks.next().unwrap_or("");
                        recommended.insert(format!("| {n}"));
                    } else if !t.is_empty() {
                        recommended.insert(t.to_string());
                    }
                }
            } else {
                inside = false;
            }
        }
    }
    if refused.is_some() {
        set.clear();
        recommended.clear();
    }
    Seen {
        changes: set,
        refused,
        recommended,
    }
}

fn from_plan(o: &Outcome) -> Seen {
    let mut set = BTreeSet::new();
    for c in &o.changes {
        set.insert(format!(
            "{} {} {}",
            c.package,
            c.from.as_deref().unwrap_or("-"),
            c.to.as_deref().unwrap_or("-")
        ));
    }
    Seen {
        changes: set,
        refused: o.refused.as_ref().map(|r| match r {
            Refusal::Held { .. } => "held",
            _ => "error",
        }),
        recommended: o.recommended.iter().cloned().collect(),
    }
}

/// Adds what the installed set depends on (a random satisfying version of the first
/// alternative that has one; a provider for a virtual name), so dpkg would accept the set.
fn close_dependencies(rng: &mut Rng, index: &[Stanza], installed: &mut Vec<Stanza>) {
    use fleetpin_debian::relation::Relations;
    for _ in 0..20 {
        let mut added = false;
        for i in 0..installed.len() {
            let st = installed[i].clone();
            for (k, v) in &st.fields {
                if *k != "Depends" && *k != "Pre-Depends" {
                    continue;
                }
                for group in Relations::parse(v).unwrap().0 {
                    let sat = group.iter().any(|r| {
                        installed.iter().any(|s| {
                            (s.name == r.name && r.version_ok(&Version::parse(&s.version).unwrap()))
                                || s.fields.iter().any(|(f, p)| {
                                    *f == "Provides"
                                        && r.constraint.is_none()
                                        && p.split(", ").any(|x| x == r.name)
                                })
                        })
                    });
                    if sat {
                        continue;
                    }
                    for r in &group {
                        let opts: Vec<&Stanza> = index
                            .iter()
                            .filter(|s| {
                                (s.name == r.name
                                    && r.version_ok(&Version::parse(&s.version).unwrap()))
                                    || (r.constraint.is_none()
                                        && s.fields.iter().any(|(f, p)| {
                                            *f == "Provides" && p.split(", ").any(|x| x == r.name)
                                        }))
                            })
                            .filter(|s| !installed.iter().any(|i| i.name == s.name))
                            .collect();
                        if !opts.is_empty() {
                            installed.push(opts[rng.below(opts.len())].clone());
                            added = true;
                            break;
                        }
                    }
                }
            }
        }
        if !added {
            break;
        }
    }
}

fn generate_host(rng: &mut Rng, index: &[Stanza]) -> Host {
    let mut names: Vec<&str> = index.iter().map(|s| s.name.as_str()).collect();
    names.sort();
    names.dedup();
    let mut installed: Vec<Stanza> = Vec::new();
    for n in names {
        let pct = if n.starts_with('a') || n.starts_with('l') {
            45
        } else if n.starts_with("docker") || n == "containerd.io" {
            60
        } else {
            30
        };
        if !rng.chance(pct) {
            continue;
        }
        let vs: Vec<&Stanza> = index.iter().filter(|s| s.name == n).collect();
        installed.push(vs[rng.below(vs.len())].clone());
    }
    close_dependencies(rng, index, &mut installed);
    let mut held = BTreeSet::new();
    if rng.chance(35) && !installed.is_empty() {
        held.insert(installed[rng.below(installed.len())].name.clone());
    }
    if rng.chance(20) && installed.iter().any(|s| s.name == "docker-ce") {
        held.insert("docker-ce".into());
    }
    Host { installed, held }
}

#[test]
fn plans_equal_apt_get_simulations() {
    // apt-get needs no root for any of this: as root, the test runs again as `nobody`.
    if fleetpin_testkit::rerun_unprivileged("plans_equal_apt_get_simulations") {
        return;
    }
    if !fleetpin_testkit::require(
        fleetpin_testkit::on_path("apt-get").is_some(),
        "apt-get (Debian package apt)",
    ) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let base = dir.path();
    let mut rng = Rng(0x5eed_f1ee_7219);
    let index = generate_index(&mut rng);
    // The repository and the shared lists.
    let repo = base.join("repo");
    std::fs::create_dir_all(&repo).unwrap();
    std::fs::write(repo.join("Packages"), render(&index, None)).unwrap();
    if let Some(d) = std::env::var_os("FLEETPIN_PLAN_ORACLE_DUMP") {
        // Keep the generated index for a look when a plan differs.
        std::fs::write(Path::new(&d), render(&index, None)).unwrap();
    }
    // Dir::Etc (the folder holding sources.list) is shared/etc, next to the shared lists.
    for d in ["etc/apt.conf.d", "etc/preferences.d", "etc/sources.list.d"] {
        std::fs::create_dir_all(base.join("shared").join(d)).unwrap();
    }
    std::fs::write(
        base.join("shared/etc/sources.list"),
        format!("deb [trusted=yes] file:{} ./\n", repo.display()),
    )
    .unwrap();
    // Pins: a downgrade (≥ 1000), a preference below the default, a version never installed.
    let prefs = "Package: l2\nPin: version 1.2*\nPin-Priority: 1001\n\n\
Package: a5\nPin: version 1.0*\nPin-Priority: 600\n\n\
Package: libseccomp2\nPin: version 2.5*\nPin-Priority: -1\n";
    std::fs::write(base.join("shared/etc/preferences.d/pins"), prefs).unwrap();
    let prefs_file = base.join("shared/etc/preferences.d/pins");
    let lists = base.join("shared/lists");
    std::fs::create_dir_all(lists.join("partial")).unwrap();
    let upd_root = base.join("host-update");
    std::fs::create_dir_all(upd_root.join("cache/archives/partial")).unwrap();
    std::fs::write(upd_root.join("status"), "").unwrap();
    let (o, e, rc) = apt(&upd_root, &lists, &["update"]);
    assert_eq!(rc, 0, "apt-get update failed:\n{o}\n{e}");

    let universe = Universe::load(
        &[repo.join("Packages")],
        &[prefs_file],
        Options {
            native_arch: "amd64".into(),
            foreign_archs: vec![],
            target_release: None,
        },
    )
    .unwrap();
    assert!(universe.problems.is_empty(), "{:?}", universe.problems);

    let docker = ["docker-ce", "docker-ce-cli", "containerd.io"];
    let mut checked = 0usize;
    let mut refusals = 0usize;
    let mut removals = 0usize;
    let mut recommended = 0usize;
    let mut failures = Vec::new();
    let mut usable_hosts = 0;
    for h in 0..400 {
        if usable_hosts == 60 {
            break;
        }
        let host = &generate_host(&mut rng, &index);
        let root = base.join(format!("host{h}"));
        std::fs::create_dir_all(root.join("cache/archives/partial")).unwrap();
        let held = &host.held;
        let status_of = |s: &Stanza| -> &'static str {
            if held.contains(&s.name) {
                "hold"
            } else {
                "install"
            }
        };
        std::fs::write(
            root.join("status"),
            render(&host.installed, Some(&status_of)),
        )
        .unwrap();
        // Only consistent installed sets: apt refuses to plan over a broken one.
        let (co, ce, crc) = apt(&root, &lists, &["-s", "check"]);
        if crc != 0 || ce.contains("E: ") {
            let _ = co;
            continue;
        }
        usable_hosts += 1;
        let installed: Vec<InstalledPackage> = host
            .installed
            .iter()
            .map(|s| InstalledPackage {
                name: s.name.clone(),
                arch: s.arch.to_string(),
                version: Version::parse(&s.version).unwrap(),
                held: host.held.contains(&s.name),
            })
            .collect();
        let set = HostSet::new(&universe, &installed);
        let random_app = format!("a{}", rng.below(14));
        let ops: Vec<(Vec<String>, Op)> = vec![
            (
                ["-s", "-y", "install"]
                    .iter()
                    .map(|s| s.to_string())
                    .chain(docker.iter().map(|s| s.to_string()))
                    .collect(),
                Op::Install {
                    requests: docker.iter().map(|d| Request::parse(d)).collect(),
                    recommends: true,
                },
            ),
            (
                ["-s", "-y", "--no-install-recommends", "install"]
                    .iter()
                    .map(|s| s.to_string())
                    .chain(docker.iter().map(|s| s.to_string()))
                    .collect(),
                Op::Install {
                    requests: docker.iter().map(|d| Request::parse(d)).collect(),
                    recommends: false,
                },
            ),
            (
                vec![
                    "-s".into(),
                    "-y".into(),
                    "install".into(),
                    "ca-certificates".into(),
                    "gnupg".into(),
                ],
                Op::Install {
                    requests: vec![Request::parse("ca-certificates"), Request::parse("gnupg")],
                    recommends: true,
                },
            ),
            (
                vec!["-s".into(), "-y".into(), "dist-upgrade".into()],
                Op::Upgrade {
                    dist: true,
                    recommends: true,
                },
            ),
            (
                vec![
                    "-s".into(),
                    "-y".into(),
                    "upgrade".into(),
                    "--with-new-pkgs".into(),
                ],
                Op::Upgrade {
                    dist: false,
                    recommends: true,
                },
            ),
            (
                vec![
                    "-s".into(),
                    "-y".into(),
                    "--no-install-recommends".into(),
                    "install".into(),
                    random_app.clone(),
                ],
                Op::Install {
                    requests: vec![Request::parse(&random_app)],
                    recommends: false,
                },
            ),
        ];
        for (args, op) in ops {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let (stdout, stderr, _) = apt(&root, &lists, &args);
            let want = from_apt(&stdout, &stderr);
            let got = from_plan(&set.run(&op));
            checked += 1;
            refusals += usize::from(want.refused.is_some());
            removals += usize::from(want.changes.iter().any(|c| c.ends_with(" -")));
            recommended += usize::from(!want.recommended.is_empty());
            if want != got {
                failures.push(format!(
                    "host{h} `apt-get {}`:\n  apt:      {want:?}\n  fleetpin: {got:?}\n  held: {:?}\n{stdout}{stderr}",
                    args.join(" "),
                    host.held
                ));
            }
        }
    }
    // What was covered, in the test log (cargo test -- --nocapture).
    #[allow(clippy::print_stderr)]
    let () = eprintln!(
        "{usable_hosts} host states, {checked} simulations: {refusals} refused, {removals} with removals, {recommended} with Recommended packages; {} differ",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {checked} plans differ from apt:\n{}",
        failures.len(),
        failures[..failures.len().min(6)].join("\n")
    );
    assert!(
        usable_hosts >= 50,
        "only {usable_hosts} consistent host states"
    );
    assert!(refusals > 0 && removals > 0 && recommended > 0);
    assert!(
        failures.is_empty(),
        "{} of {checked} plans differ from apt:\n{}",
        failures.len(),
        failures[..failures.len().min(6)].join("\n")
    );
}
