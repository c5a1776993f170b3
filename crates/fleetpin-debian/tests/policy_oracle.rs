//! apt's candidate and priorities checked against libapt-pkg itself (python3-apt's `DepCache`
//! via /usr/bin/python3, and `apt-cache policy` for a sample) for EVERY package, in a temporary
//! root built from this machine's apt lists plus synthetic indexes (NotAutomatic,
//! ButAutomaticUpgrades, compressed as .xz/.gz/.zst), a status file with held, removed,
//! local and newer-than-archive packages, and preferences with pins of every kind.

mod common;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use fleetpin_debian::deb822::{Paragraph, Parser};
use fleetpin_debian::policy::{Cache, Options};

const ORACLE: &str = r#"
import os, sys
root = sys.argv[2]
os.environ["APT_CONFIG"] = root + "/etc/apt/apt.conf"
import apt_pkg
apt_pkg.init_config()
target = sys.argv[3] if len(sys.argv) > 3 else ""
if target:
    apt_pkg.config.set("APT::Default-Release", target)
apt_pkg.init_system()
cache = apt_pkg.Cache(None)
dep = apt_pkg.DepCache(cache)
pol = dep.policy
out = []
for pkg in cache.packages:
    if not pkg.version_list or pkg.architecture != "amd64":
        continue
    cur = pkg.current_ver.ver_str if pkg.current_ver else "-"
    cand = dep.get_candidate_ver(pkg)
    cand = cand.ver_str if cand else "-"
    prios = {}
    for v in pkg.version_list:
        p = pol.get_priority(v)
        prios[v.ver_str] = max(prios.get(v.ver_str, -99999), p)
    out.append("\t".join([pkg.name, cur, cand, " ".join("%s=%d" % kv for kv in sorted(prios.items()))]))
sys.stdout.write("\n".join(out) + "\n")
"#;

fn write(path: &Path, data: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, data).unwrap();
}

fn stanza(p: &Paragraph<'_>, version: &str) -> String {
    let mut s = String::new();
    for f in p.fields() {
        let v = if f.name.eq_ignore_ascii_case("Version") {
            version
        } else {
            f.value
        };
        let _ = writeln!(s, "{}: {}", f.name, v);
    }
    s.push('\n');
    s
}

struct Synthetic {
    host: &'static str,
    suite: &'static str,
    release: &'static str,
    ext: &'static str,
}

/// Builds the root. Returns its path holder.
fn build_root(dir: &Path) {
    let lists = dir.join("var/lib/apt/lists");
    std::fs::create_dir_all(&lists).unwrap();
    std::fs::create_dir_all(dir.join("var/cache/apt")).unwrap();
    std::fs::create_dir_all(dir.join("etc/apt/apt.conf.d")).unwrap();
    let host_lists = common::lists_dir();
    for e in std::fs::read_dir(&host_lists).unwrap().flatten() {
        if e.path().is_file() && e.file_name() != "lock" {
            std::os::unix::fs::symlink(e.path(), lists.join(e.file_name())).unwrap();
        }
    }
    write(
        &dir.join("etc/apt/apt.conf"),
        format!(
            "Dir \"{root}/\";\nDir::State::status \"{root}/var/lib/dpkg/status\";\nDir::Cache::pkgcache \"\";\nDir::Cache::srcpkgcache \"\";\nAPT::Architecture \"amd64\";\nAPT::Architectures {{ \"amd64\"; }};\n",
            root = dir.display()
        )
        .as_bytes(),
    );
    // The machine's own sources (whose lists are linked above), plus a source without
    // lists, so the root mirrors this machine without naming its mirrors here.
    let mut sources = Vec::new();
    for e in std::fs::read_dir("/etc/apt/sources.list.d")
        .into_iter()
        .flatten()
        .flatten()
    {
        if e.path().extension().is_some_and(|x| x == "sources") {
            sources.extend(std::fs::read(e.path()).unwrap());
            sources.extend(b"\n");
        }
    }
    sources.extend(b"Types: deb\nURIs: https://deb.example.org/node_20.x\nSuites: nodistro\nComponents: main\nArchitectures: amd64\n");
    write(&dir.join("etc/apt/sources.list.d/host.sources"), &sources);
    if let Ok(list) = std::fs::read("/etc/apt/sources.list") {
        write(&dir.join("etc/apt/sources.list"), &list);
    }
    write(
        &dir.join("etc/apt/sources.list.d/extra.list"),
        b"deb https://packages.example.net/apt cloud-sdk-bookworm main\n\
deb [arch=amd64] http://fleetpin.test/repo fp-backports main\n\
deb http://fleetpin.test/repo fp-experimental main\n\
deb http://fleetpin.test/repo fp-odd main\n\
deb http://fleetpin.test/repo fp-extra main\n\
deb http://mirror.fleetpin.test/repo fp-mirror main\n",
    );
    write(
        &dir.join("etc/apt/sources.list.d/ignored.list.disabled"),
        b"deb http://nowhere.invalid/ x main\n",
    );

    // Source data: bookworm main and the machine's status file.
    let main_list = bookworm_main_list().expect("checked by ready()");
    let main = fleetpin_debian::compress::read_file(&main_list).unwrap();
    let main = String::from_utf8(main).unwrap();
    let host_status = std::fs::read_to_string("/var/lib/dpkg/status").unwrap_or_default();
    let installed: std::collections::HashSet<String> = Parser::new(&host_status)
        .filter_map(Result::ok)
        .filter_map(|p| p.get("Package").map(str::to_string))
        .collect();

    let synth = [
        Synthetic {
            host: "fleetpin.test",
            suite: "fp-backports",
            release: "Origin: Fleetpin Backports\nLabel: Fleetpin Backports\nSuite: fp-backports\nCodename: fp-backports\nNotAutomatic: yes\nButAutomaticUpgrades: yes\n",
            ext: ".xz",
        },
        Synthetic {
            host: "fleetpin.test",
            suite: "fp-experimental",
            release: "Origin: Fleetpin\nLabel: Experimental\nSuite: fp-experimental\nCodename: fp-exp\nNotAutomatic: yes\n",
            ext: ".gz",
        },
        Synthetic {
            host: "fleetpin.test",
            suite: "fp-odd",
            release: "Origin: Fleetpin\nLabel: Odd\nSuite: fp-odd\nCodename: fp-odd\nButAutomaticUpgrades: yes\n",
            ext: ".zst",
        },
        Synthetic {
            host: "fleetpin.test",
            suite: "fp-extra",
            release: "Origin: FleetpinExtra\nLabel: Extra\nSuite: fp-extra\nCodename: fp-extra-cn\nVersion: 12.99\n",
            ext: "",
        },
    ];
    let synth: Vec<Synthetic> = synth
        .into_iter()
        .chain(std::iter::once(Synthetic {
            host: "mirror.fleetpin.test",
            suite: "fp-mirror",
            release: "Origin: Mirror\nSuite: fp-mirror\n",
            ext: ".lz4",
        }))
        .collect();
    let mut texts: Vec<String> = vec![String::new(); synth.len()];
    for (i, p) in Parser::new(&main).filter_map(Result::ok).enumerate() {
        let name = p.get("Package").unwrap();
        let ver = p.get("Version").unwrap();
        let inst = installed.contains(name);
        if i % 40 == 0 || (inst && i % 3 == 0) {
            texts[0].push_str(&stanza(&p, &format!("{ver}+fpbpo1")));
        }
        if i % 55 == 0 || (inst && i % 4 == 0) {
            texts[1].push_str(&stanza(&p, &format!("{ver}+fpexp1")));
        }
        if i % 70 == 0 || (inst && i % 5 == 1) {
            texts[2].push_str(&stanza(&p, &format!("{ver}+fpodd1")));
        }
        if i % 30 == 0 || (inst && i % 2 == 0) {
            // Same version as bookworm (identical stanza) or an older one.
            let v = if i % 4 == 0 {
                ver.to_string()
            } else {
                format!("{ver}~fpold1")
            };
            texts[3].push_str(&stanza(&p, &v));
        }
        if i % 45 == 0 || (inst && i % 7 == 0) || name == "nodejs" {
            texts[4].push_str(&stanza(&p, &format!("{ver}+mirror1")));
        }
    }
    // Synthetic packages for held / removed / local / newer-than-archive states.
    texts[3].push_str("Package: fleetpin-held\nVersion: 2.0\nArchitecture: all\n\nPackage: fleetpin-rc\nVersion: 0.5\nArchitecture: amd64\n\nPackage: fleetpin-newer\nVersion: 4.0\nArchitecture: amd64\n\nPackage: fleetpin-newer\nVersion: 3.0\nArchitecture: amd64\n\nPackage: Fleetpin-Case\nVersion: 1.0\nArchitecture: amd64\n");
    texts[1].push_str("Package: fleetpin-held\nVersion: 3.0~exp1\nArchitecture: all\n\nPackage: fleetpin-expo\nVersion: 1.0\nArchitecture: amd64\n");
    for (s, text) in synth.iter().zip(&texts) {
        let base = lists.join(format!("{}_repo_dists_{}", s.host, s.suite));
        write(
            &PathBuf::from(format!("{}_Release", base.display())),
            s.release.as_bytes(),
        );
        let data: Vec<u8> = match s.ext {
            ".xz" => {
                let mut e = xz2::write::XzEncoder::new(Vec::new(), 1);
                e.write_all(text.as_bytes()).unwrap();
                e.finish().unwrap()
            }
            ".gz" => {
                let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
                e.write_all(text.as_bytes()).unwrap();
                e.finish().unwrap()
            }
            ".zst" => zstd::encode_all(text.as_bytes(), 1).unwrap(),
            ".lz4" => {
                let mut e = lz4_flex::frame::FrameEncoder::new(Vec::new());
                e.write_all(text.as_bytes()).unwrap();
                e.finish().unwrap()
            }
            _ => text.as_bytes().to_vec(),
        };
        write(
            &PathBuf::from(format!(
                "{}_main_binary-amd64_Packages{}",
                base.display(),
                s.ext
            )),
            &data,
        );
    }
    let mut status = host_status.clone();
    if !status.ends_with("\n\n") && !status.is_empty() {
        status.push('\n');
    }
    status.push_str("Package: fleetpin-held\nStatus: hold ok installed\nVersion: 1.0\nArchitecture: all\n\nPackage: fleetpin-rc\nStatus: deinstall ok config-files\nVersion: 1.0\nArchitecture: amd64\n\nPackage: fleetpin-local\nStatus: install ok installed\nVersion: 3.0\nArchitecture: amd64\n\nPackage: fleetpin-newer\nStatus: install ok installed\nVersion: 5.0\nArchitecture: amd64\n");
    write(&dir.join("var/lib/dpkg/status"), status.as_bytes());

    // Preferences of every kind: version glob, release a=/n=/o=/l=/v=/c=, origin, regex and
    // glob package names, src:, negative, >= 1000 downgrades, never, stanzas apt ignores.
    write(
        &dir.join("etc/apt/preferences"),
        b"# main preferences file\nExplanation: downgrade by version glob\nPackage: fleetpin-newer\nPin: version 3.*\nPin-Priority: 1001\n\nPackage: /^python3-[a-f]/\nPin: release a=fp-backports\nPin-Priority: 550\n\nPackage: lib*-dev\nPin: release n=fp-exp\nPin-Priority: 990\n\nPackage: src:openssl src:curl\nPin: release o=FleetpinExtra\nPin-Priority: 1002\n",
    );
    write(
        &dir.join("etc/apt/preferences.d/10-origin"),
        b"Package: nodejs\nPin: origin mirror.fleetpin.test\nPin-Priority: 600\n\nPackage: *\nPin: origin \"mirror.fleetpin.test\"\nPin-Priority: 50\n",
    );
    write(
        &dir.join("etc/apt/preferences.d/20-releases.pref"),
        b"Package: *\nPin: release l=Odd\nPin-Priority: 450\n\nPackage: *\nPin: release n=bookworm-updates\nPin-Priority: 520\n\nPackage: *\nPin: release v=12.9*\nPin-Priority: 510\n\nPackage: *\nPin: release l=Odd\nPin-Priority: 999\n\nPackage: systemd* udev\nPin: release a=fp-backports,c=main\nPin-Priority: -1\n\nPackage: fleetpin-held\nPin: release fp-experimental\nPin-Priority: 700\n\nPackage: [b-d]a*\nPin: version *+fpexp1\nPin-Priority: 1000\n",
    );
    write(
        &dir.join("etc/apt/preferences.d/30-never"),
        b"Package: *\nPin: release o=Fleetpin,l=Experimental,a=fp-exp*\nPin-Priority: -5\n\nPackage: *\nPin: release c=main,b=amd64,o=Fleetpin Backports\nPin-Priority: 120\n\nPackage: fleetpin-expo\nPin: origin fleetpin.test\nPin-Priority: 1\n",
    );
    write(
        &dir.join("etc/apt/preferences.d/ignored.disabled"),
        b"Package: *\nPin: release *\nPin-Priority: never\n",
    );
}

fn compare(dir: &Path, target: Option<&str>) {
    let mut args = vec![dir.display().to_string()];
    args.extend(target.map(str::to_string));
    let oracle = run_oracle(&args);
    let cache = Cache::load_root(
        dir,
        Options {
            native_arch: "amd64".into(),
            foreign_archs: vec![],
            target_release: target.map(str::to_string),
        },
    )
    .unwrap();
    assert!(cache.problems.is_empty(), "{:?}", cache.problems);
    let mut failures = Vec::new();
    let mut seen = 0;
    let mut all_prios = std::collections::BTreeSet::new();
    let mut upgrades = 0;
    for line in &oracle {
        let cols: Vec<&str> = line.split('\t').collect();
        let (name, cur, cand, prios) = (cols[0], cols[1], cols[2], cols[3]);
        for p in prios.split(' ') {
            if let Some((_, n)) = p.rsplit_once('=') {
                all_prios.insert(n.parse::<i32>().unwrap());
            }
        }
        if cur != "-" && cand != cur {
            upgrades += 1;
        }
        let Some(pkg) = cache.package(name) else {
            failures.push(format!("{name}: apt knows it, we do not"));
            continue;
        };
        seen += 1;
        let ours_cur = pkg
            .current
            .map_or("-".to_string(), |i| pkg.versions[i].version.to_string());
        let ours_cand = cache
            .candidate(pkg)
            .map_or("-".to_string(), |i| pkg.versions[i].version.to_string());
        let mut ours: Vec<(String, i32)> = pkg
            .versions
            .iter()
            .enumerate()
            .map(|(i, v)| (v.version.to_string(), cache.priority(pkg, i)))
            .collect();
        ours.sort();
        let ours_prios: Vec<String> = ours.iter().map(|(v, p)| format!("{v}={p}")).collect();
        let ours_prios = ours_prios.join(" ");
        if ours_cur != cur || ours_cand != cand || ours_prios != prios {
            failures.push(format!(
                "{name}: apt installed={cur} candidate={cand} [{prios}]; ours installed={ours_cur} candidate={ours_cand} [{ours_prios}]"
            ));
        }
    }
    let ours_count = cache
        .packages()
        .iter()
        .filter(|p| p.arch == "amd64" && !p.versions.is_empty())
        .count();
    assert!(
        failures.is_empty(),
        "{} of {} packages disagree (target {target:?}), first: {:#?}",
        failures.len(),
        oracle.len(),
        &failures[..failures.len().min(15)]
    );
    assert_eq!(seen, ours_count, "we know packages apt does not");
    // The scenario must exercise the rules, not just defaults.
    let want: &[i32] = if target.is_none() {
        &[
            -5, -1, 1, 50, 100, 120, 500, 520, 550, 600, 990, 1000, 1001, 1002,
        ]
    } else {
        &[990]
    };
    for w in want {
        assert!(
            all_prios.contains(w),
            "priority {w} never seen: {all_prios:?}"
        );
    }
    assert!(
        upgrades > 50,
        "only {upgrades} installed packages have another candidate"
    );
    assert!(seen > 50_000, "only {seen} packages compared");
}

fn run_oracle(args: &[String]) -> Vec<String> {
    let tmp = tempfile::tempdir().unwrap();
    let py = tmp.path().join("oracle.py");
    std::fs::write(&py, ORACLE).unwrap();
    let out = Command::new("/usr/bin/python3")
        .arg(&py)
        .arg("unused")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn ready() -> bool {
    common::require(
        common::python_has("apt_pkg"),
        "/usr/bin/python3 with apt_pkg (python3-apt)",
    ) && common::require(
        bookworm_main_list().is_some(),
        "bookworm main apt lists in /var/lib/apt/lists",
    )
}

#[test]
fn every_candidate_and_priority_agrees_with_libapt() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    if let Some(keep) = std::env::var_os("FLEETPIN_KEEP_ROOT") {
        build_root(Path::new(&keep));
    }
    build_root(dir.path());
    compare(dir.path(), None);
}

#[test]
fn target_release_agrees_with_libapt() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    build_root(dir.path());
    compare(dir.path(), Some("fp-backports"));
    compare(dir.path(), Some("bookworm-updates"));
}

#[test]
fn apt_cache_policy_sample_agrees() {
    if !ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    build_root(dir.path());
    let cache = Cache::load_root(
        dir.path(),
        Options {
            native_arch: "amd64".into(),
            foreign_archs: vec![],
            target_release: None,
        },
    )
    .unwrap();
    let names = [
        "fleetpin-held",
        "fleetpin-rc",
        "fleetpin-local",
        "fleetpin-newer",
        "nodejs",
        "bash",
        "libssl-dev",
        "openssl",
        "curl",
        "systemd",
        "udev",
        "python3-certifi",
        "fleetpin-expo",
    ];
    let out = Command::new("apt-cache")
        .env("APT_CONFIG", dir.path().join("etc/apt/apt.conf"))
        .env("LC_ALL", "C")
        .arg("policy")
        .args(names)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut apt: HashMap<String, (String, String)> = HashMap::new();
    let mut current = String::new();
    for line in text.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            current = line.trim_end_matches(':').to_string();
        } else if let Some(v) = line.trim().strip_prefix("Installed: ") {
            apt.entry(current.clone()).or_default().0 = v.to_string();
        } else if let Some(v) = line.trim().strip_prefix("Candidate: ") {
            apt.entry(current.clone()).or_default().1 = v.to_string();
        }
    }
    for n in names {
        let Some((inst, cand)) = apt.get(n) else {
            continue;
        };
        let p = cache.package(n).unwrap();
        let ours_inst = p
            .current
            .map_or("(none)".into(), |i| p.versions[i].version.to_string());
        let ours_cand = cache
            .candidate(p)
            .map_or("(none)".into(), |i| p.versions[i].version.to_string());
        assert_eq!((&ours_inst, &ours_cand), (inst, cand), "{n}");
    }
    assert!(apt.len() >= 8, "apt-cache policy output: {text}");
}

/// This machine's index of bookworm `main` for amd64 (whatever mirror it names).
fn bookworm_main_list() -> Option<PathBuf> {
    common::packages_files(&common::lists_dir())
        .into_iter()
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.ends_with("_dists_bookworm_main_binary-amd64_Packages.lz4"))
        })
}
