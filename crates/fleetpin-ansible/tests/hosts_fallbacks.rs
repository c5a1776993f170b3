//! When fleetpin cannot know which hosts a play targets, every `group_vars`/`host_vars` value
//! stays a candidate (today's conservative behaviour); when it can, values for other groups
//! are dropped. (Which hosts Ansible selects is checked against `ansible-playbook` in
//! `hosts_oracle.rs`; these are fleetpin's own fallbacks.)

use std::collections::BTreeSet;
use std::path::Path;

use fleetpin_ansible::Project;

mod common;
use common::write;

/// A project with an inventory in `inventory/`, `group_vars/{all,legacy}.yml` and a play
/// `hosts: <hosts>` in `site.yml` that uses the role `docker`.
fn project(hosts: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "inventory/hosts.ini",
        "[swarm]\nn1\nn2\n\n[legacy]\nold1\n",
    );
    write(root, "group_vars/all.yml", "docker_state: present\n");
    write(root, "group_vars/legacy.yml", "docker_state: latest\n");
    write(root, "host_vars/old1.yml", "compose_state: latest\n");
    write(
        root,
        "roles/docker/tasks/main.yml",
        "- apt: name=docker-ce state={{ docker_state }}\n",
    );
    write(
        root,
        "site.yml",
        &format!("- hosts: {hosts}\n  roles: [docker]\n"),
    );
    dir
}

/// The candidates of `var` for the play's tasks and for the role's tasks.
fn candidates(root: &Path, var: &str) -> [BTreeSet<String>; 2] {
    let project = Project::new(root);
    let site = root.join("site.yml");
    let loaded = project.load(&site).unwrap();
    let book = fleetpin_ansible::playbook(loaded.root().unwrap(), &loaded.text);
    let play = project.play_scope(&site, book.plays().next().unwrap());
    let role = project.file_scope(&root.join("roles/docker/tasks/main.yml"));
    [play, role].map(|scope| {
        scope
            .lookup_var(var)
            .candidates()
            .into_iter()
            .map(|(v, _)| v.map_or_else(|| "<unresolved>".to_string(), |v| v.to_string()))
            .collect()
    })
}

fn set(values: &[&str]) -> BTreeSet<String> {
    values.iter().map(|s| s.to_string()).collect()
}

#[test]
fn known_hosts_drop_other_groups_values() {
    let dir = project("swarm");
    let [play, role] = candidates(dir.path(), "docker_state");
    assert_eq!(play, set(&["present"]));
    assert_eq!(role, set(&["present"]));
    // Only old1 sets it: for the swarm play it is undefined.
    let [play, _] = candidates(dir.path(), "compose_state");
    assert_eq!(play, set(&["<unresolved>"]));
}

#[test]
fn unknown_hosts_keep_every_value() {
    let all = set(&["present", "latest"]);
    for hosts in [
        "'{{ target }}'",
        "swarm:added_at_run_time",
        "swarm:&legacy",
        "\"{{ groups['swarm'] }}\"",
    ] {
        let dir = project(hosts);
        assert_eq!(
            candidates(dir.path(), "docker_state"),
            [all.clone(), all.clone()],
            "{hosts}"
        );
    }
}

#[test]
fn unreadable_inventories_keep_every_value() {
    let all = set(&["present", "latest"]);
    // No inventory at all.
    let dir = project("swarm");
    std::fs::remove_file(dir.path().join("inventory/hosts.ini")).unwrap();
    assert_eq!(
        candidates(dir.path(), "docker_state"),
        [all.clone(), all.clone()]
    );

    // An inventory plugin configuration (its hosts come from an API).
    let dir = project("swarm");
    std::fs::remove_file(dir.path().join("inventory/hosts.ini")).unwrap();
    write(
        dir.path(),
        "inventory/hosts.yml",
        "plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n",
    );
    assert_eq!(
        candidates(dir.path(), "docker_state"),
        [all.clone(), all.clone()]
    );

    // More inventory sources next to the one fleetpin reads (`-i inventory/` loads them).
    let dir = project("swarm");
    write(
        dir.path(),
        "inventory/cloud.aws_ec2.yml",
        "plugin: amazon.aws.aws_ec2\n",
    );
    assert_eq!(
        candidates(dir.path(), "docker_state"),
        [all.clone(), all.clone()]
    );
    // ... but a README or a backup file is no inventory source.
    let dir = project("swarm");
    write(dir.path(), "inventory/README.md", "# hosts\n");
    write(dir.path(), "inventory/hosts.ini.bak", "[legacy]\nn1\n");
    assert_eq!(
        candidates(dir.path(), "docker_state"),
        [set(&["present"]), set(&["present"])]
    );

    // An inventory that does not parse.
    let dir = project("swarm");
    write(dir.path(), "inventory/hosts.ini", "[swarm\nn1\n");
    assert_eq!(
        candidates(dir.path(), "docker_state"),
        [all.clone(), all.clone()]
    );
}

#[cfg(unix)]
#[test]
fn inventory_scripts_keep_every_value() {
    use std::os::unix::fs::PermissionsExt;
    let dir = project("swarm");
    let script = dir.path().join("inventory/hosts.ini");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let all = set(&["present", "latest"]);
    assert_eq!(candidates(dir.path(), "docker_state"), [all.clone(), all]);
}

#[test]
fn a_role_used_by_several_plays_takes_the_union() {
    let dir = project("swarm");
    write(
        dir.path(),
        "legacy.yml",
        "- hosts: legacy\n  roles: [docker]\n",
    );
    let [play, role] = candidates(dir.path(), "docker_state");
    assert_eq!(play, set(&["present"]));
    assert_eq!(role, set(&["present", "latest"]));
}

#[test]
fn alternative_inventory_without_hosts_file_keeps_its_values() {
    // `inventories/prod` has group_vars but its hosts come from elsewhere (no file fleetpin
    // reads): its values stay candidates; the readable one still narrows its own.
    let dir = project("swarm");
    write(
        dir.path(),
        "inventories/prod/group_vars/legacy.yml",
        "docker_state: prod_latest\n",
    );
    write(
        dir.path(),
        "inventories/staging/hosts",
        "[swarm]\nn1\n\n[legacy]\nold1\n",
    );
    write(
        dir.path(),
        "inventories/staging/group_vars/legacy.yml",
        "docker_state: staging_latest\n",
    );
    let [play, _] = candidates(dir.path(), "docker_state");
    assert!(play.contains("prod_latest"), "{play:?}");
    assert!(!play.contains("staging_latest"), "{play:?}");
}

#[test]
fn inventory_next_to_the_playbook_narrows_too() {
    // The common flat layout: `hosts`, `group_vars/` and `site.yml` side by side (the
    // directory also holds playbooks: it is not taken for an inventory directory).
    let dir = project("swarm");
    std::fs::remove_file(dir.path().join("inventory/hosts.ini")).unwrap();
    write(
        dir.path(),
        "hosts",
        "[swarm]\nn1\nn2\n\n[legacy]\nold1\n\n[legacy:vars]\ncompose_state=latest\n",
    );
    let [play, role] = candidates(dir.path(), "docker_state");
    assert_eq!(play, set(&["present"]));
    assert_eq!(role, set(&["present"]));
    let [play, _] = candidates(dir.path(), "compose_state");
    assert_eq!(play, set(&["<unresolved>"]));
}
