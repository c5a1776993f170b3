//! Ansible is the oracle for which `group_vars`/`host_vars` reach a play: build small projects
//! (an inventory, group_vars and host_vars at playbook and inventory level, one play per kind
//! of `hosts:` pattern), run `ansible-playbook` with a local connection so every targeted host
//! dumps the variables it sees, and compare with fleetpin's candidates for the same play:
//!
//! - every value a targeted host uses is a candidate (fleetpin never misses one);
//! - every candidate no targeted host uses is a `base…` value (set for all hosts, in
//!   `group_vars/all` or `[all:vars]`): a value set only for a group or host the play does not
//!   target is never a candidate;
//! - where fleetpin cannot know the hosts (templated pattern, a term the inventory does not
//!   know, no host selected), every value written for the variable stays a candidate.
//!
//! Needs `ansible-playbook` (pip `ansible-core`) on PATH or in `FLEETPIN_ANSIBLE_PLAYBOOK`.
//! Without it the tests say so and pass, unless `FLEETPIN_REQUIRE_ORACLES=1` (CI) makes the
//! absence a failure.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use fleetpin_ansible::{Project, Scope};

mod common;
use common::{ansible_or_skip, oracle_command, write};

/// A task that writes the variables `vars` as one JSON object to
/// `$ORACLE_OUT/<case>--<host>.json` (`case` is a literal, so roles can use it too).
fn dump_task(case: &str, vars: &[&str]) -> String {
    let list = vars.join(", ");
    format!(
        "- name: oracle\n  vars:\n    oracle_vars: [{list}]\n  ansible.builtin.copy:\n    content: \"{{{{ dict(oracle_vars | zip(oracle_vars | map('extract', vars))) | to_json }}}}\"\n    dest: \"{{{{ lookup('env', 'ORACLE_OUT') }}}}/{case}--{{{{ inventory_hostname }}}}.json\"\n"
    )
}

/// Indent a task list under a play's `tasks:`.
fn indented(tasks: &str) -> String {
    tasks
        .lines()
        .map(|l| format!("    {l}\n"))
        .collect::<String>()
}

/// Runs `ansible-playbook -i INVENTORY PLAYBOOK` in `repo` and returns, per case, per
/// variable, the values the hosts used (and per case the hosts that ran).
fn run_ansible(
    ansible_playbook: &Path,
    repo: &Path,
    inventory: &str,
    playbook: &str,
    extra: &[&str],
) -> BTreeMap<String, BTreeMap<String, BTreeSet<String>>> {
    let out_dir = repo.join(format!(".out-{}", inventory.replace('/', "_")));
    std::fs::create_dir_all(&out_dir).unwrap();
    let output = oracle_command(ansible_playbook, repo, &out_dir, &repo.join(".tmp"))
        .args(["-i", inventory, playbook])
        .args(extra)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "ansible-playbook failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut seen: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for entry in std::fs::read_dir(&out_dir).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((case, _host)) = name.strip_suffix(".json").and_then(|n| n.split_once("--"))
        else {
            continue;
        };
        let json = std::fs::read_to_string(entry.path()).unwrap();
        for (var, value) in flat_json_strings(&json) {
            seen.entry(case.to_string())
                .or_default()
                .entry(var)
                .or_default()
                .insert(value);
        }
    }
    seen
}

/// `{"k": "v", ...}` of strings (the fixtures' values need no escapes).
fn flat_json_strings(json: &str) -> Vec<(String, String)> {
    let body = json.trim().trim_start_matches('{').trim_end_matches('}');
    body.split(", \"")
        .filter_map(|pair| {
            let (k, v) = pair.split_once("\": \"")?;
            Some((
                k.trim_matches('"').to_string(),
                v.trim_end_matches('"').to_string(),
            ))
        })
        .collect()
}

/// fleetpin's candidate values for `var` in `scope`.
fn candidates(scope: &Scope, var: &str) -> BTreeSet<String> {
    scope
        .lookup_var(var)
        .candidates()
        .into_iter()
        .filter_map(|(v, _)| v.map(|v| v.to_string()))
        .collect()
}

/// Compares one case: `theirs` (Ansible, per variable) against fleetpin's `scope`.
fn check_case(
    case: &str,
    scope: &Scope,
    vars: &[&str],
    theirs: Option<&BTreeMap<String, BTreeSet<String>>>,
) {
    let theirs = theirs.unwrap_or_else(|| panic!("{case}: no host ran the play"));
    for var in vars {
        let ours = candidates(scope, var);
        let used = &theirs[*var];
        assert!(
            used.is_subset(&ours),
            "{case}: {var}: Ansible used {used:?}, fleetpin's candidates are {ours:?}"
        );
        for extra in ours.difference(used) {
            assert!(
                extra.starts_with("base"),
                "{case}: {var}: fleetpin's candidate {extra:?} is used by no targeted host \
                 (Ansible used {used:?})"
            );
        }
    }
}

/// Every value written for each variable of the single-inventory project (fixture data).
const WRITTEN: &[(&str, &[&str])] = &[
    ("v_swarm", &["base", "swarm"]),
    ("v_managers", &["base", "managers"]),
    ("v_workers", &["base", "workers"]),
    ("v_legacy", &["base", "legacy"]),
    ("v_legacy_inv", &["base", "legacy_inv"]),
    ("v_db", &["base", "db"]),
    ("v_ungrouped", &["base", "ungrouped"]),
    ("v_ini_legacy", &["base_ini", "legacy_ini"]),
    ("v_ini_swarm", &["base_ini", "swarm_ini"]),
    ("v_hostline", &["base_ini", "n2_line"]),
    ("v_host_old1", &["base", "old1"]),
    ("v_host_n1", &["base", "n1"]),
    ("v_host_localhost", &["base", "localhost"]),
];

/// The single-inventory project: `inventory/hosts.ini` (with `group_vars/` next to it) and
/// `group_vars/`, `host_vars/` next to the playbook.
fn single_inventory_project(root: &Path) {
    write(
        root,
        "inventory/hosts.ini",
        "lone1\n\n[managers]\nn1\n\n[workers]\nn2 v_hostline=n2_line\nn3\n\n\
         [swarm:children]\nmanagers\nworkers\n\n[legacy]\nold1\n\n[db]\ndb1\nn3\n\n\
         [all:vars]\nv_ini_legacy=base_ini\nv_ini_swarm=base_ini\nv_hostline=base_ini\n\n\
         [legacy:vars]\nv_ini_legacy=legacy_ini\n\n[swarm:vars]\nv_ini_swarm=swarm_ini\n",
    );
    write(root, "inventory/group_vars/all.yml", "v_legacy_inv: base\n");
    write(
        root,
        "inventory/group_vars/legacy.yml",
        "v_legacy_inv: legacy_inv\n",
    );
    let all: String = WRITTEN
        .iter()
        .filter(|(v, written)| *v != "v_legacy_inv" && written[0] == "base")
        .map(|(v, _)| format!("{v}: base\n"))
        .collect();
    write(root, "group_vars/all.yml", &all);
    for (group, var) in [
        ("swarm", "v_swarm"),
        ("managers", "v_managers"),
        ("workers", "v_workers"),
        ("legacy", "v_legacy"),
        ("db", "v_db"),
        ("ungrouped", "v_ungrouped"),
    ] {
        write(
            root,
            &format!("group_vars/{group}.yml"),
            &format!("{var}: {group}\n"),
        );
    }
    for host in ["old1", "n1", "localhost"] {
        write(
            root,
            &format!("host_vars/{host}.yml"),
            &format!("v_host_{host}: {host}\n"),
        );
    }
}

/// `(case, hosts: as YAML)` of the plays whose hosts fleetpin can know.
const KNOWN: &[(&str, &str)] = &[
    ("parent_group", "swarm"),
    ("colon_union", "managers:workers"),
    ("comma_union", "managers,legacy"),
    ("intersection", "swarm:&db"),
    ("exclusion", "all:!swarm"),
    ("exclusion_only", "'!swarm'"),
    ("glob", "'n*'"),
    ("regex", "'~(old|db)1'"),
    ("all", "all"),
    ("star", "'*'"),
    ("implicit_localhost", "localhost"),
    ("ungrouped", "ungrouped"),
    ("host", "n2"),
    ("subscript", "workers[1]"),
    ("list", "[workers, 'db:!n3']"),
];

/// Plays whose hosts fleetpin cannot know; `None` when Ansible runs no host.
const UNKNOWN: &[(&str, &str)] = &[
    ("templated", "'{{ oracle_target }}'"),
    ("unknown_term", "swarm:new_nodes"),
    ("no_host", "workers:&legacy"),
];

#[test]
fn play_hosts_narrow_group_and_host_vars_like_ansible() {
    let Some(ansible_playbook) = ansible_or_skip() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    single_inventory_project(&repo);
    let vars: Vec<&str> = WRITTEN.iter().map(|(v, _)| *v).collect();
    let mut book = String::new();
    for (case, hosts) in KNOWN.iter().chain(UNKNOWN) {
        book.push_str(&format!(
            "- name: {case}\n  hosts: {hosts}\n  gather_facts: false\n  tasks:\n{}",
            indented(&dump_task(case, &vars))
        ));
    }
    // A role used by two plays: its tasks see the union of both plays' hosts.
    book.push_str("- name: role_a\n  hosts: legacy\n  gather_facts: false\n  roles: [both]\n");
    book.push_str("- name: role_b\n  hosts: managers\n  gather_facts: false\n  roles: [both]\n");
    write(
        &repo,
        "roles/both/tasks/main.yml",
        &dump_task("role", &vars),
    );
    write(&repo, "site.yml", &book);

    let seen = run_ansible(
        &ansible_playbook,
        &repo,
        "inventory/hosts.ini",
        "site.yml",
        &["-e", "oracle_target=legacy"],
    );

    let project = Project::new(&repo);
    let site = repo.join("site.yml");
    let loaded = project.load(&site).unwrap();
    let playbook = fleetpin_ansible::playbook(loaded.root().unwrap(), &loaded.text);
    let plays: Vec<_> = playbook.plays().collect();
    for (i, (case, _)) in KNOWN.iter().enumerate() {
        let scope = project.play_scope(&site, plays[i]);
        check_case(case, &scope, &vars, seen.get(*case));
    }
    for (j, (case, _)) in UNKNOWN.iter().enumerate() {
        let scope = project.play_scope(&site, plays[KNOWN.len() + j]);
        if *case == "no_host" {
            assert!(!seen.contains_key(*case), "Ansible ran hosts for {case}");
        }
        for (var, written) in WRITTEN {
            let ours = candidates(&scope, var);
            if let Some(used) = seen.get(*case).map(|c| &c[*var]) {
                assert!(
                    used.is_subset(&ours),
                    "{case}: {var}: Ansible used {used:?}, fleetpin's candidates are {ours:?}"
                );
            }
            for value in *written {
                assert!(
                    ours.contains(*value),
                    "{case}: {var}: unknown hosts keep every candidate, {value:?} missing \
                     from {ours:?}"
                );
            }
        }
    }
    let role_scope = project.file_scope(&repo.join("roles/both/tasks/main.yml"));
    check_case("role", &role_scope, &vars, seen.get("role"));
}

/// Two inventories (`inventories/prod`, `inventories/staging`) that put `old1` in different
/// groups: each inventory is judged on its own, and a playbook-level group's vars apply when
/// the group is targeted in either.
#[test]
fn alternative_inventories_are_judged_each_on_its_own() {
    let Some(ansible_playbook) = ansible_or_skip() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    write(
        &repo,
        "inventories/prod/hosts",
        "[swarm]\nn1\nn2\n\n[legacy]\nold1\n",
    );
    write(
        &repo,
        "inventories/staging/hosts",
        "[swarm]\nn1\nold1\n\n[legacy]\nold1\n\n[other]\nx1\n",
    );
    for env in ["prod", "staging"] {
        write(
            &repo,
            &format!("inventories/{env}/group_vars/all.yml"),
            "v_env_legacy: base\nv_env_other: base\n",
        );
        write(
            &repo,
            &format!("inventories/{env}/group_vars/legacy.yml"),
            &format!("v_env_legacy: legacy_{env}\n"),
        );
        write(
            &repo,
            &format!("inventories/{env}/group_vars/other.yml"),
            &format!("v_env_other: other_{env}\n"),
        );
    }
    write(
        &repo,
        "group_vars/all.yml",
        "v_legacy: base\nv_other: base\n",
    );
    write(&repo, "group_vars/legacy.yml", "v_legacy: legacy\n");
    write(&repo, "group_vars/other.yml", "v_other: other\n");
    let vars = ["v_env_legacy", "v_env_other", "v_legacy", "v_other"];
    let book = format!(
        "- name: swarm\n  hosts: swarm\n  gather_facts: false\n  tasks:\n{}",
        indented(&dump_task("swarm", &vars))
    );
    write(&repo, "site.yml", &book);

    let mut seen: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for env in ["prod", "staging"] {
        let run = run_ansible(
            &ansible_playbook,
            &repo,
            &format!("inventories/{env}/hosts"),
            "site.yml",
            &[],
        );
        for (var, values) in &run["swarm"] {
            seen.entry(var.clone())
                .or_default()
                .extend(values.iter().cloned());
        }
    }
    let project = Project::new(&repo);
    let site = repo.join("site.yml");
    let loaded = project.load(&site).unwrap();
    let playbook = fleetpin_ansible::playbook(loaded.root().unwrap(), &loaded.text);
    let scope = project.play_scope(&site, playbook.plays().next().unwrap());
    check_case("swarm", &scope, &vars, Some(&seen));
    // What the comparison stands on: staging's old1 gets legacy's values, prod's never.
    assert!(seen["v_env_legacy"].contains("legacy_staging"));
    assert!(!candidates(&scope, "v_env_legacy").contains("legacy_prod"));
    assert!(!candidates(&scope, "v_other").contains("other"));
}

/// `group_by` and `add_host` change group membership while the playbook runs: a later play's
/// hosts may be in groups the inventory does not show (`os_linux`, `extra`), and `all`
/// includes the hosts `add_host` adds.
#[test]
fn groups_filled_at_run_time_are_candidates() {
    let Some(ansible_playbook) = ansible_or_skip() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    write(
        &repo,
        "inventory/hosts.ini",
        "[swarm]\nn1\nn2\n\n[legacy]\nold1\n\n[db]\ndb1\n",
    );
    let vars = ["v_os", "v_dyn", "v_extra", "v_newhost"];
    let mut all = String::from("oracle_os: linux\n");
    for v in vars {
        all.push_str(&format!("{v}: base\n"));
    }
    write(&repo, "group_vars/all.yml", &all);
    write(&repo, "group_vars/os_linux.yml", "v_os: os_linux\n");
    write(&repo, "group_vars/dyn.yml", "v_dyn: dyn\n");
    write(&repo, "group_vars/extra.yml", "v_extra: extra\n");
    write(&repo, "host_vars/new1.yml", "v_newhost: new1\n");
    // The run-time changes live in a role, as they often do.
    write(
        &repo,
        "roles/setup/tasks/main.yml",
        "- ansible.builtin.group_by:\n    key: \"os_{{ oracle_os }}\"\n\
         - ansible.builtin.add_host: name=new1 groups=dyn\n\
         - ansible.builtin.add_host:\n    name: old1\n    groups: [extra]\n",
    );
    let cases = ["swarm", "all", "legacy", "db", "dyn"];
    let mut book =
        String::from("- name: setup\n  hosts: swarm\n  gather_facts: false\n  roles: [setup]\n");
    for case in cases {
        book.push_str(&format!(
            "- name: {case}\n  hosts: {case}\n  gather_facts: false\n  tasks:\n{}",
            indented(&dump_task(case, &vars))
        ));
    }
    write(&repo, "site.yml", &book);
    let seen = run_ansible(
        &ansible_playbook,
        &repo,
        "inventory/hosts.ini",
        "site.yml",
        &[],
    );

    let project = Project::new(&repo);
    let site = repo.join("site.yml");
    let loaded = project.load(&site).unwrap();
    let playbook = fleetpin_ansible::playbook(loaded.root().unwrap(), &loaded.text);
    let plays: Vec<_> = playbook.plays().collect();
    for (i, case) in cases.iter().enumerate() {
        let scope = project.play_scope(&site, plays[i + 1]);
        let theirs = seen
            .get(*case)
            .unwrap_or_else(|| panic!("{case}: no host ran"));
        for var in vars {
            let c = candidates(&scope, var);
            assert!(
                theirs[var].is_subset(&c),
                "{case}: {var}: Ansible used {:?}, fleetpin's candidates are {c:?}",
                theirs[var]
            );
        }
    }
    // What the comparison stands on: the values came from the run-time groups...
    assert!(seen["swarm"]["v_os"].contains("os_linux"));
    assert!(seen["all"]["v_dyn"].contains("dyn"));
    assert!(seen["all"]["v_newhost"].contains("new1"));
    assert!(seen["legacy"]["v_extra"].contains("extra"));
    // ...and narrowing still holds where no run-time change reaches the play: `swarm` holds
    // neither the new host nor old1.
    check_case(
        "swarm",
        &project.play_scope(&site, plays[1]),
        &vars,
        seen.get("swarm"),
    );
}

/// `(hosts: as YAML)` of plays whose host list `ansible-playbook --list-hosts` is compared
/// with fleetpin's evaluation of the pattern.
const LIST_PATTERNS: &[&str] = &[
    "swarm",
    "managers:workers",
    "'managers,legacy'",
    "'managers, legacy'",
    "swarm:&db",
    "all:!swarm",
    "'!swarm'",
    "'&db'",
    "'!swarm:&db'",
    "db:!n3",
    "'db,!n3'",
    "'n*'",
    "'n?'",
    "'[nd]*1'",
    "'~(old|db)1'",
    "'~n[0-9]'",
    "all",
    "'*'",
    "'all:*'",
    "localhost",
    "127.0.0.1",
    "'localhost,n1'",
    "ungrouped",
    "n2",
    "workers[0]",
    "workers[1]",
    "workers[-1]",
    "workers[0:1]",
    "swarm[1:]",
    "swarm[1:2]",
    "swarm[0:0]",
    "'swarm[1]:legacy'",
    "[workers, 'db:!n3']",
    "[managers, legacy]",
    "'web*'",
    "'swarm:!managers:&db'",
    "'~n.*:!n3'",
    "db1:n1",
    "'n1,'",
    "managers:legacy:db",
    "swarm[0:5]",
    "ungrouped:&all",
    "'::1'",
    "'localhost:&swarm'",
];

/// `--list-hosts` output: the hosts of each play, in order.
fn list_hosts(ansible_playbook: &Path, repo: &Path) -> Vec<BTreeSet<String>> {
    let output = Command::new(ansible_playbook)
        .current_dir(repo)
        .args(["-i", "hosts", "--list-hosts", "site.yml"])
        .env("ANSIBLE_NOCOLOR", "1")
        .env("ANSIBLE_LOCAL_TEMP", repo.join(".tmp"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "ansible-playbook --list-hosts failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let mut plays: Vec<BTreeSet<String>> = Vec::new();
    let mut in_hosts = false;
    for line in stdout.lines() {
        let t = line.trim();
        if t.starts_with("play #") {
            plays.push(BTreeSet::new());
            in_hosts = false;
        } else if t.starts_with("hosts (") {
            in_hosts = true;
        } else if in_hosts && !t.is_empty() {
            plays.last_mut().unwrap().insert(t.to_string());
        }
    }
    plays
}

#[test]
fn play_patterns_select_the_hosts_ansible_lists() {
    let Some(ansible_playbook) = ansible_or_skip() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let repo = work.path().join("repo");
    let inventory = "lone1\n\n[managers]\nn1\n\n[workers]\nn[2:3]\n\n[swarm:children]\n\
                     managers\nworkers\n\n[legacy]\nold1\n\n[db]\ndb1\nn3\n";
    write(&repo, "hosts", inventory);
    let book: String = LIST_PATTERNS
        .iter()
        .map(|hosts| format!("- hosts: {hosts}\n  gather_facts: false\n"))
        .collect();
    write(&repo, "site.yml", &book);
    let listed = list_hosts(&ansible_playbook, &repo);
    assert_eq!(
        listed.len(),
        LIST_PATTERNS.len(),
        "plays listed: {listed:?}"
    );

    let inv = fleetpin_inventory::Inventory::parse_ini(inventory, "hosts").unwrap();
    let docs = fleetpin_yaml::parse(&book).unwrap();
    let plays: Vec<_> = docs[0].root.as_seq().unwrap().iter().collect();
    for ((hosts, theirs), play) in LIST_PATTERNS.iter().zip(&listed).zip(plays) {
        let pattern = fleetpin_ansible::targets::play_pattern(play.get("hosts"))
            .unwrap_or_else(|| panic!("{hosts}: fleetpin did not parse the pattern"));
        let selection = pattern.evaluate(&inv);
        let mut ours: BTreeSet<String> = selection
            .hosts
            .iter()
            .map(|h| h.name().to_string())
            .collect();
        ours.extend(selection.implicit_localhost);
        assert_eq!(&ours, theirs, "hosts: {hosts}");
    }
}
