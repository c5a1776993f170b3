//! The Ansible model on real task shapes: module detection, argument merging, free-form
//! parsing with source spans, loops, blocks and includes.

use fleetpin_ansible::{
    ArgOrigin, IncludeKind, ModuleKind, PackageManager, looks_like_playbook, looks_like_tasks,
    looks_like_vars, playbook, task::BlockSection, task_list,
};
use fleetpin_yaml::{Node, line_col, parse};

fn doc(src: &str) -> Node {
    parse(src).unwrap().remove(0).root
}

#[test]
fn incident_task() {
    let src = "\
- hosts: swarm
  become: true
  tasks:
    - name: Install Docker
      apt:
        name: [docker-ce, docker-ce-cli, containerd.io]
        state: latest
";
    let root = doc(src);
    let book = playbook(&root, src);
    let play = book.plays().next().unwrap();
    assert_eq!(play.hosts.unwrap().as_str(), Some("swarm"));
    assert!(play.serial.is_none());
    let task = &play.tasks.tasks[0];
    assert_eq!(task.name_str(), Some("Install Docker"));
    let m = task.module.as_ref().unwrap();
    assert_eq!(
        (m.written.as_str(), m.fqcn.as_str(), m.short.as_str()),
        ("apt", "ansible.builtin.apt", "apt")
    );
    assert_eq!(&src[m.span.clone()], "apt");
    let ModuleKind::Package(p) = task.kind() else {
        panic!("apt is a package module")
    };
    assert_eq!(p.manager, PackageManager::Apt);
    let names = task.arg_any(p.name_args).unwrap().value.list_items(src);
    let names: Vec<_> = names
        .iter()
        .map(|(n, r)| (n.as_str(), &src[r.clone()]))
        .collect();
    assert_eq!(
        names,
        [
            ("docker-ce", "docker-ce"),
            ("docker-ce-cli", "docker-ce-cli"),
            ("containerd.io", "containerd.io")
        ]
    );
    let state = task.arg("state").unwrap();
    assert_eq!(state.value.as_str(), Some("latest"));
    assert_eq!(line_col(src, state.value.span().start), (7, 16));
}

#[test]
fn free_form_arguments_map_to_source() {
    let src = "- community.general.apk: name=curl,docker state=\"latest\" update_cache=yes\n- ansible.legacy.apt: 'name=docker-ce state=latest'\n";
    let root = doc(src);
    let list = task_list(&root, src);
    assert!(list.problems.is_empty());
    let apk = &list.tasks[0];
    assert_eq!(apk.module.as_ref().unwrap().fqcn, "community.general.apk");
    let state = apk.arg("state").unwrap();
    assert_eq!(state.origin, ArgOrigin::FreeForm);
    assert_eq!(state.value.as_str(), Some("latest"));
    assert_eq!(&src[state.value.span()], "latest");
    assert_eq!(&src[state.key_span.clone()], "state");
    let names = apk.arg("name").unwrap().value.list_items(src);
    assert_eq!(names.len(), 2);
    assert_eq!(&src[names[1].1.clone()], "docker");
    assert_eq!(apk.arg("update_cache").unwrap().value.as_bool(), Some(true));

    let apt = &list.tasks[1];
    assert_eq!(apt.module.as_ref().unwrap().fqcn, "ansible.builtin.apt");
    assert_eq!(&src[apt.arg("state").unwrap().value.span()], "latest");
}

#[test]
fn shell_block_command_line_maps_lines() {
    let src = "\
- name: install
  ansible.builtin.shell: |
    set -e
    apt-get update
    apt-get install -y docker-ce
  args:
    creates: /usr/bin/docker
    chdir: /tmp
";
    let root = doc(src);
    let list = task_list(&root, src);
    let task = &list.tasks[0];
    let cmd = task.command_line().unwrap();
    let text = cmd.value.as_str().unwrap();
    assert!(text.starts_with("set -e\napt-get update\n"), "{text:?}");
    let fleetpin_ansible::ArgValue::FreeForm { scalar, offset, .. } = &cmd.value else {
        panic!("a free-form command line")
    };
    let scalar = scalar.as_scalar().unwrap();
    let at = text.find("docker-ce").unwrap();
    let pos = scalar.source_offset(src, offset + at);
    assert_eq!(&src[pos..pos + 9], "docker-ce");
    assert_eq!(line_col(src, pos).0, 5);
    // `args:` merged, lower than the module's own.
    assert_eq!(task.arg("creates").unwrap().origin, ArgOrigin::ArgsKeyword);
    assert_eq!(task.arg("chdir").unwrap().value.as_str(), Some("/tmp"));
}

#[test]
fn command_free_form_keeps_options_apart() {
    let src = "- command: curl -fsSL https://get.docker.com -o get-docker.sh creates=/x\n";
    let root = doc(src);
    let list = task_list(&root, src);
    let task = &list.tasks[0];
    let cmd = task.command_line().unwrap();
    assert_eq!(
        cmd.value.as_str(),
        Some("curl -fsSL https://get.docker.com -o get-docker.sh")
    );
    assert_eq!(
        &src[cmd.value.span()],
        "curl -fsSL https://get.docker.com -o get-docker.sh"
    );
    assert_eq!(task.arg("creates").unwrap().value.as_str(), Some("/x"));
}

#[test]
fn module_args_override_args_keyword() {
    let src = "- apt:\n    name: nginx\n    state: present\n  args:\n    state: latest\n    update_cache: yes\n";
    let root = doc(src);
    let task = &task_list(&root, src).tasks[0];
    assert_eq!(task.arg("state").unwrap().value.as_str(), Some("present"));
    assert_eq!(
        task.arg("update_cache").unwrap().value.as_bool(),
        Some(true)
    );
}

#[test]
fn action_and_local_action_forms() {
    let src = "\
- action: apt name=docker-ce state=latest
- local_action:
    module: ansible.builtin.pip
    name: docker
    state: latest
- action: {module: git, repo: 'https://x/y.git', version: main}
";
    let root = doc(src);
    let list = task_list(&root, src);
    assert_eq!(list.tasks.len(), 3);
    let a = &list.tasks[0];
    let m = a.module.as_ref().unwrap();
    assert_eq!(m.fqcn, "ansible.builtin.apt");
    assert_eq!(&src[m.span.clone()], "apt");
    assert_eq!(&src[a.arg("state").unwrap().value.span()], "latest");
    assert!(!a.delegated);
    let b = &list.tasks[1];
    assert_eq!(b.module.as_ref().unwrap().fqcn, "ansible.builtin.pip");
    assert!(b.delegated);
    assert!(b.arg("module").is_none());
    let c = &list.tasks[2];
    assert!(matches!(c.kind(), ModuleKind::Vcs(v) if v.ref_arg == "version"));
    assert_eq!(c.arg("version").unwrap().value.as_str(), Some("main"));
}

#[test]
fn loops_literal_and_templated() {
    let src = "\
- apt:
    name: \"{{ item }}\"
    state: present
  with_items:
    - docker-ce
    - [containerd.io, docker-ce-cli]
- apt: name={{ pkg }} state=latest
  loop: \"{{ docker_packages }}\"
  loop_control:
    loop_var: pkg
";
    let root = doc(src);
    let list = task_list(&root, src);
    let first = list.tasks[0].loop_.as_ref().unwrap();
    assert_eq!(first.keyword, "with_items");
    assert_eq!(first.loop_var, "item");
    let items: Vec<_> = first
        .literal_items()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap())
        .collect();
    assert_eq!(items, ["docker-ce", "containerd.io", "docker-ce-cli"]);
    let second = list.tasks[1].loop_.as_ref().unwrap();
    assert_eq!(second.loop_var, "pkg");
    assert!(second.literal_items().is_none());
    assert_eq!(second.value.as_str(), Some("{{ docker_packages }}"));
    assert_eq!(
        list.tasks[1].arg("name").unwrap().value.as_str(),
        Some("{{ pkg }}")
    );
}

#[test]
fn blocks_flatten_with_inherited_context() {
    let src = "\
- name: outer
  when: ansible_os_family == 'Debian'
  become: true
  vars:
    a: 1
  block:
    - apt: name=docker-ce state=latest
    - block:
        - pip: name=docker
      rescue:
        - debug: msg=failed
      always:
        - service: name=docker state=restarted
      vars:
        b: 2
      when: inner
- yum: name=x
";
    let root = doc(src);
    let list = task_list(&root, src);
    let modules: Vec<_> = list
        .tasks
        .iter()
        .map(|t| t.module.as_ref().unwrap().short.as_str())
        .collect();
    assert_eq!(modules, ["apt", "pip", "debug", "service", "yum"]);
    let pip = &list.tasks[1];
    assert_eq!(pip.when.len(), 2);
    assert_eq!(pip.vars.len(), 2);
    assert_eq!(pip.become_.unwrap().as_bool(), Some(true));
    assert_eq!(pip.blocks.len(), 2);
    assert!(!pip.in_rescue_or_always());
    assert_eq!(list.tasks[2].blocks[1].section, BlockSection::Rescue);
    assert_eq!(list.tasks[3].blocks[1].section, BlockSection::Always);
    assert!(matches!(list.tasks[3].kind(), ModuleKind::Service));
    assert!(list.tasks[4].blocks.is_empty());
}

#[test]
fn includes_are_recognised() {
    let src = "\
- include_tasks: docker.yml
- ansible.builtin.import_tasks:
    file: \"{{ role_path }}/tasks/x.yml\"
- include_role:
    name: docker
    tasks_from: install
- import_role: name=common
- include_vars: vars/main.yml
";
    let root = doc(src);
    let list = task_list(&root, src);
    let inc: Vec<_> = list.tasks.iter().map(|t| t.include().unwrap()).collect();
    assert_eq!(inc[0].kind, IncludeKind::IncludeTasks);
    assert_eq!(inc[0].target, "docker.yml");
    assert_eq!(&src[inc[0].span.clone()], "docker.yml");
    assert!(inc[1].is_templated());
    assert_eq!(inc[2].kind, IncludeKind::IncludeRole);
    assert_eq!(inc[2].target, "docker");
    assert_eq!(inc[2].tasks_from.as_deref(), Some("install"));
    assert_eq!(inc[3].kind, IncludeKind::ImportRole);
    assert_eq!(inc[3].target, "common");
    assert_eq!(inc[4].kind, IncludeKind::IncludeVars);
}

#[test]
fn structural_problems_are_reported_not_panicked() {
    let src = "- just a string\n- apt: name=x\n  yum: name=y\n- name: keyword only\n- 42\n-\n";
    let root = doc(src);
    let list = task_list(&root, src);
    assert_eq!(list.problems.len(), 3, "{:?}", list.problems);
    assert!(list.problems[1].message.contains("conflicting action"));
    assert_eq!(list.tasks.len(), 1);
    assert!(list.tasks[0].module.is_none());
    let not_a_list = doc("a: 1\n");
    assert_eq!(task_list(&not_a_list, "a: 1\n").problems.len(), 1);
}

#[test]
fn playbook_structure_and_imports() {
    let src = "\
- import_playbook: site.yml
- name: docker
  hosts: swarm
  serial: 1
  vars:
    docker_state: latest
  vars_files:
    - vars/docker.yml
  roles:
    - common
    - role: docker
      docker_edition: ce
      vars:
        docker_state: present
      when: x
  pre_tasks:
    - apt: update_cache=yes
  tasks:
    - include_role: name=docker
  handlers:
    - name: restart docker
      service: name=docker state=restarted
";
    let root = doc(src);
    assert!(looks_like_playbook(&root));
    assert!(!looks_like_tasks(&root));
    let book = playbook(&root, src);
    assert!(
        matches!(&book.entries[0], fleetpin_ansible::PlaybookEntry::Import { target, .. } if target == "site.yml")
    );
    let play = book.plays().next().unwrap();
    assert_eq!(play.serial.unwrap().as_i64(), Some(1));
    assert_eq!(play.roles.len(), 2);
    assert_eq!(play.roles[0].name, "common");
    assert_eq!(play.roles[1].name, "docker");
    let params: Vec<_> = play.roles[1].params.iter().map(|(k, _)| *k).collect();
    assert_eq!(params, ["docker_edition", "docker_state"]);
    assert!(play.roles[1].when.is_some());
    assert_eq!(play.all_tasks().count(), 3);
    assert_eq!(play.problems().count(), 0);
}

#[test]
fn classification() {
    let tasks = doc("- name: x\n  apt: name=y\n- block:\n    - debug: msg=z\n");
    assert!(looks_like_tasks(&tasks));
    assert!(!looks_like_playbook(&tasks));
    let custom = doc("- my_module: {a: 1}\n");
    assert!(looks_like_tasks(&custom));
    let vars = doc("docker_state: latest\n");
    assert!(looks_like_vars(&vars));
    assert!(!looks_like_tasks(&vars));
    assert!(!looks_like_playbook(&vars));
    let requirements = doc(
        "- src: geerlingguy.docker\n  version: 1.0.0\n- name: x\n  src: https://x/y.git\n  scm: git\n",
    );
    assert!(!looks_like_playbook(&requirements));
    assert!(!looks_like_tasks(&requirements));
    // Galaxy requirement lists are not task lists (the lint classifies requirements.yml by
    // path first; this is for content-based detection).
    let list_of_strings = doc("- a\n- b\n");
    assert!(!looks_like_tasks(&list_of_strings));
    assert!(!looks_like_playbook(&list_of_strings));
}
