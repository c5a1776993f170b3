//! Ansible itself is the oracle for variable precedence: run `ansible-playbook` (local
//! connection, no facts) on a copy of tests/fixtures/precedence with an extra task that dumps
//! the variables each host sees, once per inventory, and check fleetpin's resolution against
//! it: every value Ansible uses must be one of fleetpin's candidates, and where fleetpin finds
//! a single value Ansible must agree on every host.
//!
//! Needs `ansible-playbook` (pip `ansible-core`) on PATH or in `FLEETPIN_ANSIBLE_PLAYBOOK`.
//! Without it the test says so and passes, unless `FLEETPIN_REQUIRE_ORACLES=1` (CI) makes the
//! absence a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fleetpin_ansible::{Project, Resolution};

mod common;
use common::{ansible_or_skip, copy_dir, oracle_command};

const VARS: &[&str] = &[
    "v_defaults_only",
    "v_gv_all_over_defaults",
    "v_group_over_all",
    "v_play_over_group",
    "v_vars_files_over_play",
    "v_role_vars_over_vars_files",
    "v_params_over_role_vars",
    "v_env",
    "v_host",
    "common_default",
    "docker_pkg",
    "docker_state",
    "v_invfile_vs_defaults",
    "v_invfile_vs_gv_all",
];

#[test]
fn ansible_agrees_with_fleetpin_precedence() {
    let Some(ansible_playbook) = ansible_or_skip() else {
        return;
    };
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/precedence");
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    copy_dir(&fixture, &repo);
    let tasks = repo.join("roles/docker/tasks/main.yml");
    let mut text = std::fs::read_to_string(&tasks).unwrap();
    let list = VARS.join(", ");
    text.push_str(&format!(
        "- name: oracle\n  tags: [oracle]\n  vars:\n    oracle_vars: [{list}]\n  ansible.builtin.copy:\n    content: \"{{{{ dict(oracle_vars | zip(oracle_vars | map('extract', vars))) | to_json }}}}\"\n    dest: \"{{{{ lookup('env', 'ORACLE_OUT') }}}}/{{{{ inventory_hostname }}}}.json\"\n"
    ));
    std::fs::write(&tasks, text).unwrap();

    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for inventory in ["prod", "staging"] {
        let out_dir = work.path().join(format!("out-{inventory}"));
        std::fs::create_dir_all(&out_dir).unwrap();
        let mut cmd = oracle_command(&ansible_playbook, &repo, &out_dir, &work.path().join("tmp"));
        cmd.args(["-i", &format!("inventories/{inventory}/hosts")])
            .args(["site.yml", "--tags", "oracle"]);
        let output = cmd.output().unwrap();
        assert!(
            output.status.success(),
            "ansible-playbook failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        for host in ["node1", "node2"] {
            let json = std::fs::read_to_string(out_dir.join(format!("{host}.json"))).unwrap();
            for var in VARS {
                let value = extract_json_string(&json, var)
                    .unwrap_or_else(|| panic!("{var} missing from Ansible output {json}"));
                seen.entry(var.to_string()).or_default().insert(value);
            }
        }
    }

    let project = Project::new(&fixture);
    let scope = project.file_scope(&fixture.join("roles/docker/tasks/main.yml"));
    for var in VARS {
        let res = scope.lookup_var(var);
        let ours: BTreeSet<String> = res
            .candidates()
            .into_iter()
            .filter_map(|(v, _)| v.map(|v| v.to_string()))
            .collect();
        let theirs = &seen[*var];
        assert!(
            theirs.is_subset(&ours),
            "{var}: Ansible used {theirs:?}, fleetpin's candidates are {ours:?}"
        );
        if matches!(res, Resolution::Resolved { .. }) {
            assert_eq!(theirs, &ours, "{var}: fleetpin found one value");
        }
    }
}

/// The string value of `"key": "value"` in a flat JSON object of strings (no escapes needed
/// for the fixture's values).
fn extract_json_string(json: &str, key: &str) -> Option<String> {
    let pat = format!("\"{key}\": \"");
    let start = json.find(&pat)? + pat.len();
    let end = json[start..].find('"')? + start;
    Some(json[start..end].to_string())
}
