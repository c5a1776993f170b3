//! ansible-core's own routing table (`ansible/config/ansible_builtin_runtime.yml`, which maps
//! bare module names to the collections they moved to) is the oracle for FQCN normalisation
//! of bare names: for every module fleetpin knows, the bare name must normalise to where
//! Ansible routes it. The table is read with fleetpin-yaml, which doubles as a test on a real
//! 370 KB file.
//!
//! Needs a Python with ansible-core (`FLEETPIN_ANSIBLE_PYTHON`, else `python3`); skipped
//! otherwise unless `FLEETPIN_REQUIRE_ORACLES=1`.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use fleetpin_ansible::module::{MODULES, normalize, short_name};

fn routing_file() -> Option<PathBuf> {
    let python = std::env::var("FLEETPIN_ANSIBLE_PYTHON").unwrap_or_else(|_| "python3".to_string());
    let out = Command::new(python)
        .args([
            "-c",
            "import ansible, os; print(os.path.dirname(ansible.__file__))",
        ])
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let file = dir.join("config/ansible_builtin_runtime.yml");
    file.is_file().then_some(file)
}

#[test]
fn bare_names_route_like_ansible() {
    let Some(file) =
        fleetpin_testkit::oracle(routing_file(), "ansible-core (pip install ansible-core)")
    else {
        return;
    };
    let text = std::fs::read_to_string(&file).unwrap();
    let docs = fleetpin_yaml::parse(&text).unwrap();
    let modules = docs[0]
        .root
        .get("plugin_routing")
        .and_then(|r| r.get("modules"))
        .expect("plugin_routing.modules");
    let mut checked = 0;
    let mut failures = Vec::new();
    for info in MODULES {
        let short = short_name(info.fqcn);
        if info.fqcn.starts_with("ansible.builtin.") {
            // Unrouted builtins: every spelling is the builtin itself.
            for spelling in [short.to_string(), format!("ansible.legacy.{short}")] {
                if modules.get(short).is_none() && normalize(&spelling) != info.fqcn {
                    failures.push(format!(
                        "{spelling}: fleetpin says {}",
                        normalize(&spelling)
                    ));
                }
            }
        }
        let Some(route) = modules.get(short) else {
            // Not routed: a builtin (ansible.builtin.<short>) or a module newer than the
            // routing table (added directly to its collection).
            continue;
        };
        let Some(redirect) = route.get("redirect").and_then(|r| r.as_str()) else {
            continue;
        };
        checked += 1;
        // `ansible.builtin.X` follows the same routing, and `ansible.legacy.X` is the bare
        // name: every spelling must land where Ansible sends it.
        for spelling in [
            format!("ansible.builtin.{short}"),
            format!("ansible.legacy.{short}"),
        ] {
            let ours = normalize(&spelling);
            if short != "yum" && ours != redirect {
                failures.push(format!(
                    "{spelling}: ansible routes to {redirect}, fleetpin says {ours}"
                ));
            }
        }
        let ours = normalize(short);
        // `yum` is routed to `ansible.builtin.dnf` since ansible-core 2.17; fleetpin keeps the
        // module name as written (the knowledge tables are the same) so messages say `yum`.
        if short == "yum" {
            continue;
        }
        if ours != redirect {
            failures.push(format!(
                "{short}: ansible routes to {redirect}, fleetpin says {ours}"
            ));
        }
    }
    assert!(checked >= 20, "only {checked} routed names checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
