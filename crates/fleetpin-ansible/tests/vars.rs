//! Variable resolution against a fixture repository that sets variables at every precedence
//! level fleetpin reads (tests/fixtures/precedence). The expected winners were checked against
//! ansible-playbook (see `ansible_agrees` below, which re-checks them when Ansible is
//! installed).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use fleetpin_ansible::{Level, Project, Resolution, Scope, Value, playbook, task_list};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/precedence")
}

fn project() -> Project {
    Project::new(fixture())
}

/// Values of a resolution (`None` for unresolved candidates), sorted, with the file and level
/// of the first origin.
/// A candidate: its value and the (file, level) of its first origin.
type Candidate = (Option<String>, Option<(String, Level)>);

fn outcomes(res: &Resolution) -> Vec<Candidate> {
    let root = fixture();
    let mut out: Vec<_> = res
        .candidates()
        .into_iter()
        .map(|(v, origins)| {
            let v = v.map(|v| v.to_string());
            let o = origins.first().map(|o| {
                let rel = o.path.strip_prefix(&root).unwrap_or(&o.path);
                (rel.display().to_string(), o.level)
            });
            (v, o)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn single(scope: &Scope, var: &str) -> (String, String, Level) {
    match scope.lookup_var(var) {
        Resolution::Resolved { value, origins } => {
            let o = &origins[0];
            let rel = o
                .path
                .strip_prefix(fixture())
                .unwrap()
                .display()
                .to_string();
            (value.to_string(), rel, o.level)
        }
        other => panic!("{var}: expected one value, got {other:?}"),
    }
}

fn role_tasks_scope(p: &Project) -> Scope {
    p.file_scope(&fixture().join("roles/docker/tasks/main.yml"))
}

#[test]
fn role_defaults_only() {
    let p = project();
    let s = role_tasks_scope(&p);
    assert_eq!(
        single(&s, "v_defaults_only"),
        (
            "defaults".into(),
            "roles/docker/defaults/main.yml".into(),
            Level::RoleDefaults
        )
    );
}

#[test]
fn group_vars_all_beats_role_defaults() {
    let p = project();
    let s = role_tasks_scope(&p);
    assert_eq!(
        single(&s, "v_gv_all_over_defaults"),
        (
            "group_all".into(),
            "group_vars/all.yml".into(),
            Level::PlaybookGroupAll
        )
    );
}

#[test]
fn group_specific_values_are_alternatives() {
    let p = project();
    let s = role_tasks_scope(&p);
    let res = s.lookup_var("v_group_over_all");
    assert!(matches!(res, Resolution::Multiple(_)), "{res:?}");
    assert_eq!(
        outcomes(&res),
        [
            (
                Some("group_all".into()),
                Some(("group_vars/all.yml".into(), Level::PlaybookGroupAll))
            ),
            (
                Some("group_swarm".into()),
                Some(("group_vars/swarm/docker.yml".into(), Level::PlaybookGroup))
            ),
        ]
    );
    let host = s.lookup_var("v_host");
    assert_eq!(
        outcomes(&host),
        [
            (
                Some("group_all".into()),
                Some(("group_vars/all.yml".into(), Level::PlaybookGroupAll))
            ),
            (
                Some("host_node1".into()),
                Some(("host_vars/node1.yml".into(), Level::PlaybookHost))
            ),
        ]
    );
}

#[test]
fn play_vars_beat_group_vars() {
    let p = project();
    let s = role_tasks_scope(&p);
    assert_eq!(
        single(&s, "v_play_over_group"),
        ("play".into(), "site.yml".into(), Level::PlayVars)
    );
}

#[test]
fn vars_files_beat_play_vars() {
    let p = project();
    let s = role_tasks_scope(&p);
    assert_eq!(
        single(&s, "v_vars_files_over_play"),
        (
            "vars_files".into(),
            "vars/extra.yml".into(),
            Level::PlayVarsFiles
        )
    );
}

#[test]
fn role_vars_beat_vars_files() {
    let p = project();
    let s = role_tasks_scope(&p);
    assert_eq!(
        single(&s, "v_role_vars_over_vars_files"),
        (
            "role_vars".into(),
            "roles/docker/vars/main.yml".into(),
            Level::RoleVars
        )
    );
}

#[test]
fn role_params_beat_role_vars() {
    let p = project();
    let s = role_tasks_scope(&p);
    assert_eq!(
        single(&s, "v_params_over_role_vars"),
        ("params".into(), "site.yml".into(), Level::RoleParams)
    );
}

#[test]
fn block_and_task_vars() {
    let p = project();
    let path = fixture().join("roles/docker/tasks/main.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let docs = fleetpin_yaml::parse(&text).unwrap();
    let list = task_list(&docs[0].root, &text);
    let task = &list.tasks[1];
    let arc: Arc<Path> = Arc::from(path.as_path());
    let s = p.file_scope(&path).with_task(task, &arc);
    assert_eq!(
        single(&s, "v_task_over_block"),
        (
            "task".into(),
            "roles/docker/tasks/main.yml".into(),
            Level::TaskVars
        )
    );
    assert_eq!(
        single(&s, "v_block"),
        (
            "block".into(),
            "roles/docker/tasks/main.yml".into(),
            Level::BlockVars
        )
    );
    let msg = task.arg("msg").unwrap().value.as_str().unwrap();
    assert_eq!(
        s.resolve(msg).value(),
        Some(Value::Str("task block".into()))
    );
}

#[test]
fn inventories_are_alternatives() {
    let p = project();
    let s = role_tasks_scope(&p);
    assert_eq!(
        outcomes(&s.lookup_var("v_env")),
        [
            (
                Some("prod".into()),
                Some((
                    "inventories/prod/group_vars/all.yml".into(),
                    Level::InventoryGroupAll
                ))
            ),
            (
                Some("staging".into()),
                Some((
                    "inventories/staging/group_vars/all.yml".into(),
                    Level::InventoryGroupAll
                ))
            ),
        ]
    );
}

#[test]
fn dependency_defaults_are_visible() {
    let p = project();
    let s = role_tasks_scope(&p);
    assert_eq!(
        single(&s, "common_default"),
        (
            "from-common".into(),
            "roles/common/defaults/main.yml".into(),
            Level::RoleDefaults
        )
    );
}

#[test]
fn nested_templates_keep_every_origin() {
    let p = project();
    let s = role_tasks_scope(&p);
    let Resolution::Resolved { value, origins } = s.resolve("{{ docker_pkg }}") else {
        panic!("resolves")
    };
    assert_eq!(
        value,
        Value::Str("docker-ce=5:23.0.1-1~debian.10~buster".into())
    );
    let vars: Vec<_> = origins.iter().map(|o| o.var.as_str()).collect();
    assert_eq!(vars, ["docker_pkg", "docker_version"]);
    // The origin span is the value in the defaults file.
    let text = std::fs::read_to_string(fixture().join("roles/docker/defaults/main.yml")).unwrap();
    assert_eq!(
        &text[origins[1].span.clone()],
        "5:23.0.1-1~debian.10~buster"
    );
    assert_eq!(fleetpin_yaml::line_col(&text, origins[0].span.start).0, 5);
}

#[test]
fn incident_variant_resolves_to_latest_with_its_origin() {
    let p = project();
    let path = fixture().join("roles/docker/tasks/main.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let docs = fleetpin_yaml::parse(&text).unwrap();
    let list = task_list(&docs[0].root, &text);
    let task = &list.tasks[0];
    let s = p.file_scope(&path);
    let state = task.arg("state").unwrap().value.as_str().unwrap();
    let Resolution::Resolved { value, origins } = s.resolve(state) else {
        panic!("resolves")
    };
    assert_eq!(value.as_str(), Some("latest"));
    assert_eq!(origins[0].var, "docker_state");
    let defaults =
        std::fs::read_to_string(fixture().join("roles/docker/defaults/main.yml")).unwrap();
    assert_eq!(
        fleetpin_yaml::line_col(&defaults, origins[0].span.start),
        (3, 15)
    );

    // The loop expands through the role default list, templates inside it resolved.
    let items = s.loop_items(task.loop_.as_ref().unwrap());
    let values: Vec<_> = items
        .iter()
        .map(|(r, _)| r.value().unwrap().to_string())
        .collect();
    assert_eq!(values, ["docker-ce", "containerd.io=1.6.18-1"]);
}

#[test]
fn unresolvable_values_are_never_pinned() {
    let p = project();
    let s = role_tasks_scope(&p);
    match s.resolve("docker-ce={{ docker_version_for[ansible_distribution_release] }}") {
        Resolution::Unresolved { .. } => {}
        other => panic!("{other:?}"),
    }
    match s.resolve("{{ ansible_distribution_release }}") {
        Resolution::Unresolved {
            missing,
            expr,
            unsupported,
        } => {
            assert_eq!(missing, ["ansible_distribution_release"]);
            assert_eq!(expr, "{{ ansible_distribution_release }}");
            assert!(unsupported.is_none());
        }
        other => panic!("{other:?}"),
    }
    match s.resolve("{{ docker_state | regex_replace('a', 'b') }}") {
        Resolution::Unresolved {
            unsupported: Some(u),
            ..
        } => assert!(u.contains("regex_replace")),
        other => panic!("{other:?}"),
    }
    assert_eq!(s.resolve("plain"), Resolution::Literal("plain".into()));
}

#[test]
fn play_scope_sees_play_vars_and_role_defaults() {
    let p = project();
    let path = fixture().join("site.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let docs = fleetpin_yaml::parse(&text).unwrap();
    let book = playbook(&docs[0].root, &text);
    let play = book.plays().next().unwrap();
    let s = p.play_scope(&path, play);
    let task = &play.tasks.tasks[0];
    let name = task.arg("name").unwrap().value.as_str().unwrap();
    assert_eq!(
        s.resolve(name).value(),
        Some(Value::Str("docker-ce=5:23.0.1-1~debian.10~buster".into()))
    );
    assert_eq!(single(&s, "play_state").0, "latest");
    assert_eq!(single(&s, "v_vars_files_over_play").0, "vars_files");
}

#[test]
fn task_files_included_by_a_play_see_its_vars() {
    let p = project();
    let s = p.file_scope(&fixture().join("tasks/common.yml"));
    assert_eq!(
        single(&s, "play_state"),
        ("latest".into(), "site.yml".into(), Level::PlayVars)
    );
}

#[test]
fn includes_resolve_and_are_cycle_safe() {
    let p = project();
    let reached = p.follow_includes(&fixture().join("site.yml"));
    let rel: Vec<_> = reached
        .iter()
        .map(|r| r.strip_prefix(fixture()).unwrap().display().to_string())
        .collect();
    assert_eq!(
        rel,
        [
            "site.yml",
            "tasks/common.yml",
            "roles/docker/tasks/main.yml"
        ]
    );
    assert_eq!(
        p.role_of(&fixture().join("roles/docker/tasks/main.yml")),
        Some(fixture().join("roles/docker"))
    );
    assert_eq!(p.role_of(&fixture().join("site.yml")), None);
}

#[test]
fn ansible_test_integration_targets_are_roles() {
    // `ansible-test integration` runs each target as a role, so its `vars/main.yml` applies
    // even without `meta/` or `defaults/` (collections' test targets often have neither).
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("tests/integration/targets/keycloak_client");
    std::fs::create_dir_all(target.join("tasks")).unwrap();
    std::fs::create_dir_all(target.join("vars")).unwrap();
    std::fs::write(target.join("tasks/main.yml"), "- debug: msg=x\n").unwrap();
    std::fs::write(target.join("vars/main.yml"), "keycloak_version: 24.0.5\n").unwrap();
    let p = Project::new(dir.path());
    assert_eq!(
        p.role_of(&target.join("tasks/main.yml")),
        Some(target.clone())
    );
    // The same layout elsewhere (no role markers, not a test target) is not a role.
    let other = dir.path().join("playbooks/thing");
    std::fs::create_dir_all(other.join("tasks")).unwrap();
    std::fs::create_dir_all(other.join("vars")).unwrap();
    std::fs::write(other.join("tasks/main.yml"), "- debug: msg=x\n").unwrap();
    assert_eq!(p.role_of(&other.join("tasks/main.yml")), None);
}

#[test]
fn include_cycles_terminate() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.yml"), "- include_tasks: b.yml\n").unwrap();
    std::fs::write(
        dir.path().join("b.yml"),
        "- import_tasks: a.yml\n- include_tasks: missing.yml\n",
    )
    .unwrap();
    let p = Project::new(dir.path());
    let reached = p.follow_includes(&dir.path().join("a.yml"));
    assert_eq!(reached.len(), 2);
}

#[test]
fn broken_and_vault_vars_files_are_errors_not_values() {
    let dir = tempfile::tempdir().unwrap();
    let role = dir.path().join("roles/x");
    std::fs::create_dir_all(role.join("defaults")).unwrap();
    std::fs::create_dir_all(role.join("vars")).unwrap();
    std::fs::create_dir_all(role.join("tasks")).unwrap();
    std::fs::write(role.join("defaults/main.yml"), "a: [unclosed\n").unwrap();
    std::fs::write(
        role.join("vars/main.yml"),
        "$ANSIBLE_VAULT;1.1;AES256\n3133\n",
    )
    .unwrap();
    std::fs::write(role.join("tasks/main.yml"), "- apt: name=x state={{ a }}\n").unwrap();
    let p = Project::new(dir.path());
    assert!(matches!(
        p.load(&role.join("defaults/main.yml")),
        Err(fleetpin_ansible::LoadError::Yaml { .. })
    ));
    assert!(matches!(
        p.load(&role.join("vars/main.yml")),
        Err(fleetpin_ansible::LoadError::Vault { .. })
    ));
    let s = p.file_scope(&role.join("tasks/main.yml"));
    assert!(matches!(
        s.resolve("{{ a }}"),
        Resolution::Unresolved { .. }
    ));
}

#[test]
fn resolve_in_task_expands_loops() {
    let p = project();
    let path = fixture().join("roles/docker/tasks/main.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let docs = fleetpin_yaml::parse(&text).unwrap();
    let list = task_list(&docs[0].root, &text);
    let task = &list.tasks[0];
    let s = p.file_scope(&path);
    let name = task.arg("name").unwrap().value.as_str().unwrap();
    let items = s.resolve_in_task(task, name);
    let got: Vec<_> = items
        .iter()
        .map(|(r, _)| match r {
            Resolution::Resolved { value, origins } => (
                value.to_string(),
                origins.iter().map(|o| o.var.clone()).collect::<Vec<_>>(),
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        got,
        [
            ("docker-ce".to_string(), vec!["docker_packages".to_string()]),
            (
                "containerd.io=1.6.18-1".to_string(),
                vec!["docker_packages".to_string()]
            ),
        ]
    );
    // Not reading the loop variable: one resolution.
    let state = task.arg("state").unwrap().value.as_str().unwrap();
    let one = s.resolve_in_task(task, state);
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].0.value(), Some(Value::Str("latest".into())));

    // Literal loop items carry their span in the task file.
    let src = "- apt:\n    name: \"{{ item }}\"\n    state: present\n  loop: [docker-ce, \"{{ extra_pkg }}\"]\n";
    let docs = fleetpin_yaml::parse(src).unwrap();
    let list = task_list(&docs[0].root, src);
    let items = Scope::new().resolve_in_task(&list.tasks[0], "{{ item }}");
    assert_eq!(items[0].0.value(), Some(Value::Str("docker-ce".into())));
    assert_eq!(&src[items[0].1.clone().unwrap()], "docker-ce");
    assert!(
        matches!(&items[1].0, Resolution::Unresolved { missing, .. } if missing == &["extra_pkg"])
    );
}

#[test]
fn discover_finds_the_repository_root() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("roles/x/tasks")).unwrap();
    std::fs::write(dir.path().join("ansible.cfg"), "[defaults]\n").unwrap();
    let p = Project::discover(&dir.path().join("roles/x/tasks"));
    assert_eq!(p.root(), dir.path());
    let alone = tempfile::tempdir().unwrap();
    let p = Project::discover(alone.path());
    assert_eq!(p.root(), alone.path());
}

#[test]
fn include_vars_and_include_params() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("tasks")).unwrap();
    std::fs::create_dir_all(d.join("vars")).unwrap();
    std::fs::write(
        d.join("site.yml"),
        "- hosts: all\n  vars:\n    pkg_state: present\n  tasks:\n    - include_tasks: tasks/install.yml\n      vars:\n        pkg_state: latest\n",
    )
    .unwrap();
    std::fs::write(
        d.join("tasks/install.yml"),
        "- apt: name=docker-ce state={{ pkg_state }}\n- include_vars: versions.yml\n- apt: name=docker-ce={{ docker_version }}\n",
    )
    .unwrap();
    std::fs::write(d.join("vars/versions.yml"), "docker_version: 5:24.0.7-1\n").unwrap();
    let p = Project::new(d);
    let path = d.join("tasks/install.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let docs = fleetpin_yaml::parse(&text).unwrap();
    let list = task_list(&docs[0].root, &text);
    let mut scope = p.file_scope(&path);
    // The include's `vars:` beat the play's vars.
    let Resolution::Resolved { value, origins } = scope.resolve("{{ pkg_state }}") else {
        panic!("resolves")
    };
    assert_eq!(value.as_str(), Some("latest"));
    assert_eq!(origins[0].level, Level::IncludeParams);
    // Before the include_vars task the version is unknown; after it, it resolves.
    assert!(matches!(
        scope.resolve("{{ docker_version }}"),
        Resolution::Unresolved { .. }
    ));
    for task in &list.tasks {
        p.apply_include_vars(&mut scope, &path, task);
    }
    let Resolution::Resolved { value, origins } = scope.resolve("docker-ce={{ docker_version }}")
    else {
        panic!("resolves")
    };
    assert_eq!(value.as_str(), Some("docker-ce=5:24.0.7-1"));
    assert_eq!(origins[0].level, Level::IncludeVars);
    assert!(origins[0].path.ends_with("vars/versions.yml"));
}

#[test]
fn relative_paths_with_and_without_dot_agree() {
    let root = fixture();
    let cwd_relative = |p: &str| std::path::PathBuf::from(p);
    // Run from the fixture directory's parent: "precedence/..." vs "./precedence/...".
    let parent = root.parent().unwrap();
    let p = Project::new(parent.join("./precedence/."));
    let a = p.file_scope(&root.join("roles/docker/tasks/main.yml"));
    let b = p.file_scope(&parent.join("precedence/./roles/docker/../docker/tasks/main.yml"));
    assert_eq!(
        a.lookup_var("v_play_over_group"),
        b.lookup_var("v_play_over_group")
    );
    assert_eq!(single(&b, "v_play_over_group").0, "play");
    assert_eq!(
        fleetpin_ansible::project::normalize_path(&cwd_relative("./a/./b/../c")),
        cwd_relative("a/c")
    );
    assert_eq!(
        fleetpin_ansible::project::normalize_path(&cwd_relative("./")),
        cwd_relative(".")
    );
}

#[test]
fn roles_path_from_ansible_cfg() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("vendor/roles/geerlingguy.docker/defaults")).unwrap();
    std::fs::create_dir_all(d.join("vendor/roles/geerlingguy.docker/tasks")).unwrap();
    std::fs::create_dir_all(d.join("playbooks")).unwrap();
    std::fs::write(
        d.join("ansible.cfg"),
        "[ssh_connection]\nroles_path = nope\n[defaults]\ninventory = hosts\nroles_path = ~/.ansible/roles:./vendor/roles\n",
    )
    .unwrap();
    std::fs::write(
        d.join("vendor/roles/geerlingguy.docker/defaults/main.yml"),
        "docker_packages_state: latest\n",
    )
    .unwrap();
    std::fs::write(
        d.join("playbooks/site.yml"),
        "- hosts: all\n  roles:\n    - geerlingguy.docker\n  tasks:\n    - apt: name=docker-ce state={{ docker_packages_state }}\n",
    )
    .unwrap();
    let p = Project::discover(&d.join("playbooks"));
    assert_eq!(p.roles_path(), [d.join("vendor/roles")]);
    let path = d.join("playbooks/site.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    let docs = fleetpin_yaml::parse(&text).unwrap();
    let book = playbook(&docs[0].root, &text);
    let s = p.play_scope(&path, book.plays().next().unwrap());
    let Resolution::Resolved { value, origins } = s.resolve("{{ docker_packages_state }}") else {
        panic!("resolves through roles_path")
    };
    assert_eq!(value.as_str(), Some("latest"));
    assert_eq!(origins[0].level, Level::RoleDefaults);
}

#[test]
fn inventory_file_vars_sit_between_role_defaults_and_group_vars() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("roles/docker/defaults")).unwrap();
    std::fs::create_dir_all(d.join("roles/docker/tasks")).unwrap();
    std::fs::create_dir_all(d.join("inventory/group_vars")).unwrap();
    std::fs::write(
        d.join("roles/docker/defaults/main.yml"),
        "docker_state: present\nall_state: present\nbeaten: default\n",
    )
    .unwrap();
    std::fs::write(
        d.join("roles/docker/tasks/main.yml"),
        "- apt: name=docker-ce\n",
    )
    .unwrap();
    std::fs::write(
        d.join("inventory/hosts"),
        "[swarm]\nnode1 docker_state=latest\n\n[swarm:vars]\ndocker_state=\"present\"\n\n[all:vars]\nall_state=latest\nbeaten=inventory\n",
    )
    .unwrap();
    std::fs::write(
        d.join("inventory/group_vars/all.yml"),
        "beaten: group_vars\n",
    )
    .unwrap();
    std::fs::write(d.join("site.yml"), "- hosts: swarm\n  roles: [docker]\n").unwrap();
    let p = Project::new(d);
    let s = p.file_scope(&d.join("roles/docker/tasks/main.yml"));
    // [all:vars] beats role defaults; group_vars/all beats [all:vars].
    let Resolution::Resolved { value, origins } = s.lookup_var("all_state") else {
        panic!("one value")
    };
    assert_eq!(value.as_str(), Some("latest"));
    assert_eq!(origins[0].level, Level::InventoryFileGroup);
    let text = std::fs::read_to_string(d.join("inventory/hosts")).unwrap();
    assert_eq!(&text[origins[0].span.clone()], "latest");
    let Resolution::Resolved { value, .. } = s.lookup_var("beaten") else {
        panic!("one value")
    };
    assert_eq!(value.as_str(), Some("group_vars"));
    // A group's and a host's values are alternatives to the default.
    let mut values: Vec<_> = s
        .lookup_var("docker_state")
        .candidates()
        .into_iter()
        .map(|(v, o)| (v.unwrap().to_string(), o[0].level))
        .collect();
    values.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        values,
        [
            ("latest".to_string(), Level::InventoryFileHost),
            ("present".to_string(), Level::RoleDefaults),
        ]
    );
}

#[test]
fn inventory_file_group_vars_in_the_fixture() {
    let p = project();
    let s = role_tasks_scope(&p);
    assert_eq!(
        outcomes(&s.lookup_var("v_invfile_vs_defaults")),
        [
            (
                Some("defaults".into()),
                Some(("roles/docker/defaults/main.yml".into(), Level::RoleDefaults))
            ),
            (
                Some("inventory_file".into()),
                Some(("inventories/prod/hosts".into(), Level::InventoryFileGroup))
            ),
        ]
    );
    assert_eq!(
        outcomes(&s.lookup_var("v_invfile_vs_gv_all")),
        [
            (
                Some("defaults".into()),
                Some(("roles/docker/defaults/main.yml".into(), Level::RoleDefaults))
            ),
            (
                Some("prod_group_all".into()),
                Some((
                    "inventories/prod/group_vars/all.yml".into(),
                    Level::InventoryGroupAll
                ))
            ),
        ]
    );
}
