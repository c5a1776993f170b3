//! Ansible is the oracle for which vars files `include_vars` loads: a role that picks its
//! per-OS files by facts (a templated path, `with_first_found`, `lookup('first_found')` with
//! `files`/`paths`) runs on hosts whose distribution facts differ (set as inventory variables,
//! no fact gathering), and every value a host ends up with must be one of fleetpin's
//! candidates after the same tasks. A value that only one OS file sets is among them, with
//! the file that sets it.
//!
//! What the oracle showed: `with_first_found` on `include_vars` searches the role's `vars/`,
//! but `lookup('first_found', ...)` in the argument does not (Ansible picks the `vars`
//! subdirectory only for the `with_` form), so its relative `paths` are written from the role
//! directory (`vars/os`) as real roles do.
//!
//! Needs `ansible-playbook` (pip `ansible-core`) on PATH or in `FLEETPIN_ANSIBLE_PLAYBOOK`;
//! without it the test says so and passes, unless `FLEETPIN_REQUIRE_ORACLES=1` (CI).

use std::collections::{BTreeMap, BTreeSet};

use fleetpin_ansible::{Project, task_list};

mod common;
use common::{ansible_or_skip, oracle_command, write};

const VARS: &[&str] = &["nginx_state", "base_state", "monitoring_state", "tools"];

#[test]
fn include_vars_candidates_cover_what_ansible_loads() {
    let Some(ansible_playbook) = ansible_or_skip() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    write(&repo, "ansible.cfg", "[defaults]\nroles_path = roles\n");
    write(
        &repo,
        "hosts.ini",
        "[web]\n\
         deb12 ansible_distribution=Debian ansible_distribution_major_version=12 ansible_os_family=Debian\n\
         ubuntu ansible_distribution=Ubuntu ansible_distribution_major_version=24 ansible_os_family=Debian\n\
         sles ansible_distribution=SLES ansible_distribution_major_version=15 ansible_os_family=Suse\n\
         alma ansible_distribution=AlmaLinux ansible_distribution_major_version=9 ansible_os_family=RedHat\n",
    );
    write(
        &repo,
        "site.yml",
        "- hosts: web\n  gather_facts: false\n  roles:\n    - os\n",
    );
    write(
        &repo,
        "roles/os/defaults/main.yml",
        "nginx_state: present\nbase_state: present\ntools: [curl]\n",
    );
    write(&repo, "roles/os/vars/Debian.yml", "nginx_state: present\n");
    write(&repo, "roles/os/vars/Suse.yml", "nginx_state: latest\n");
    write(
        &repo,
        "roles/os/vars/Debian-12.yml",
        "base_state: latest\ntools: [curl, htop]\n",
    );
    write(&repo, "roles/os/vars/default.yml", "base_state: present\n");
    write(
        &repo,
        "roles/os/vars/os/Ubuntu.yml",
        "monitoring_state: latest\n",
    );
    write(
        &repo,
        "roles/os/vars/os/default.yml",
        "monitoring_state: present\n",
    );
    let tasks = "\
- name: Plain, templated on a fact - RedHat has no file, its host fails and is ignored
  ansible.builtin.include_vars: \"{{ ansible_os_family }}.yml\"
  ignore_errors: true
- name: First found
  ansible.builtin.include_vars: \"{{ item }}\"
  with_first_found:
    - \"{{ ansible_distribution }}-{{ ansible_distribution_major_version }}.yml\"
    - default.yml
- name: First found lookup with paths
  ansible.builtin.include_vars: \"{{ lookup('first_found', monitoring_vars) }}\"
  vars:
    monitoring_vars:
      files:
        - \"{{ ansible_distribution }}.yml\"
        - default.yml
      paths:
        - vars/os
";
    let oracle = format!(
        "- name: oracle\n  vars:\n    oracle_vars: [{}]\n  ansible.builtin.copy:\n    content: \"{{{{ dict(oracle_vars | zip(oracle_vars | map('extract', vars))) | to_json }}}}\"\n    dest: \"{{{{ lookup('env', 'ORACLE_OUT') }}}}/{{{{ inventory_hostname }}}}.json\"\n",
        VARS.join(", ")
    );
    write(
        &repo,
        "roles/os/tasks/main.yml",
        &format!("{tasks}{oracle}"),
    );

    let out_dir = work.path().join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    let mut cmd = oracle_command(&ansible_playbook, &repo, &out_dir, &work.path().join("tmp"));
    cmd.args(["-i", "hosts.ini", "site.yml"]);
    let output = cmd.output().unwrap();
    // RedHat has no `RedHat.yml`: its first task fails (ignored); the run still succeeds.
    assert!(
        output.status.success(),
        "ansible-playbook failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut seen: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for host in ["deb12", "ubuntu", "sles", "alma"] {
        let json = std::fs::read_to_string(out_dir.join(format!("{host}.json"))).unwrap();
        for var in VARS {
            seen.entry(var).or_default().insert(json_value(&json, var));
        }
    }

    // fleetpin, after the same include_vars tasks (the oracle task is not one).
    let project = Project::new(&repo);
    let path = repo.join("roles/os/tasks/main.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let docs = fleetpin_yaml::parse(&text).unwrap();
    let mut scope = project.file_scope(&path);
    for task in &task_list(&docs[0].root, &text).tasks {
        project.apply_include_vars(&mut scope, &path, task);
    }
    for var in VARS {
        let ours: BTreeSet<String> = scope
            .lookup_var(var)
            .candidates()
            .into_iter()
            .filter_map(|(v, _)| v.map(|v| v.to_string()))
            .collect();
        let theirs = &seen[var];
        assert!(
            theirs.is_subset(&ours),
            "{var}: Ansible used {theirs:?}, fleetpin's candidates are {ours:?}"
        );
    }
    // The per-OS values are there, each with the file that sets it.
    for (var, file) in [
        ("nginx_state", "vars/Suse.yml"),
        ("base_state", "vars/Debian-12.yml"),
        ("monitoring_state", "vars/os/Ubuntu.yml"),
    ] {
        let res = scope.lookup_var(var);
        let latest = res
            .candidates()
            .into_iter()
            .find(|(v, _)| v.as_ref().is_some_and(|v| v.to_string() == "latest"))
            .unwrap_or_else(|| panic!("{var}: no `latest` candidate in {res:?}"));
        assert!(
            latest.1.first().is_some_and(|o| o.path.ends_with(file)),
            "{var}: `latest` should come from {file}: {latest:?}"
        );
    }
}

/// The value of `"key": ...` in the oracle's flat JSON object, as fleetpin prints values
/// (strings bare, lists as `['a', 'b']`).
fn json_value(json: &str, key: &str) -> String {
    let pat = format!("\"{key}\": ");
    let start = json
        .find(&pat)
        .unwrap_or_else(|| panic!("{key} missing from {json}"))
        + pat.len();
    let rest = &json[start..];
    if let Some(list) = rest.strip_prefix('[') {
        let items: Vec<String> = list[..list.find(']').unwrap()]
            .split(',')
            .map(|s| format!("'{}'", s.trim().trim_matches('"')))
            .collect();
        return format!("[{}]", items.join(", "));
    }
    let s = rest.strip_prefix('"').unwrap();
    s[..s.find('"').unwrap()].to_string()
}
