//! Before/after snapshots of every fixable rule, in the shapes real files take: flow style,
//! block scalars, anchors and aliases, Jinja values, inline comments, several documents,
//! CRLF line endings and a byte-order mark. Each scenario is then written, and a second run
//! must find nothing left to change.

mod common;

use common::*;

/// Plans, snapshots the diff, writes, and checks that a second run is a no-op.
fn scenario(name: &str, files: &[(&str, &str)], unsafe_fixes: bool) -> tempfile::TempDir {
    let dir = tree(files);
    let root = dir.path();
    let plan = plan(root, unsafe_fixes);
    insta::assert_snapshot!(name, render(&plan, root));
    write_all(&plan, root);
    let again = common::plan(root, unsafe_fixes);
    assert_eq!(
        again.edit_count(),
        0,
        "second run changes more:\n{}",
        render(&again, root)
    );
    dir
}

#[test]
fn apt_block_list_and_flow_list() {
    scenario(
        "apt_block_list_and_flow_list",
        &[(
            "roles/docker/tasks/main.yml",
            "---\n- name: Prerequisites\n  ansible.builtin.apt:\n    name:\n      - ca-certificates   # for https\n      - gnupg\n    state: present\n\n- name: Docker\n  apt:\n    name: [docker-ce, 'docker-ce-cli', \"containerd.io\"]\n    state: latest # the incident\n",
        )],
        false,
    );
}

#[test]
fn free_form_and_comma_names() {
    scenario(
        "free_form_and_comma_names",
        &[(
            "playbook.yml",
            "- hosts: all\n  tasks:\n    - apt: name=docker-ce state=latest\n    - ansible.builtin.apt:\n        name: docker-ce-cli,containerd.io\n        state: latest\n",
        )],
        false,
    );
}

#[test]
fn variable_in_role_defaults_fixed_once() {
    let dir = scenario(
        "variable_in_role_defaults_fixed_once",
        &[
            (
                "roles/docker/defaults/main.yml",
                "---\n# State of the docker packages.\ndocker_package_state: \"latest\"\ndocker_packages:\n  - docker-ce\n  - docker-ce-cli\n",
            ),
            (
                "roles/docker/tasks/main.yml",
                "- name: Docker\n  ansible.builtin.apt:\n    name: \"{{ item }}\"\n    state: \"{{ docker_package_state }}\"\n  loop: \"{{ docker_packages }}\"\n\n- name: Docker again (same variables)\n  ansible.builtin.apt:\n    name: \"{{ docker_packages }}\"\n    state: \"{{ docker_package_state }}\"\n",
            ),
        ],
        false,
    );
    // The tasks keep their templates: the variables changed where they are set.
    let tasks = read(dir.path(), "roles/docker/tasks/main.yml");
    assert!(tasks.contains("\"{{ docker_package_state }}\""));
}

#[test]
fn managers_syntax() {
    scenario(
        "managers_syntax",
        &[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - ansible.builtin.dnf:\n        name: nginx\n        state: latest\n    - pip:\n        name: requests\n        state: latest\n    - community.general.npm:\n        name: left-pad\n        state: latest\n    - ansible.builtin.package:\n        name: nginx\n        state: present\n    - community.general.gem:\n        name: requests\n        state: latest\n",
        )],
        false,
    );
}

#[test]
fn generic_package_module_is_unsafe() {
    scenario(
        "generic_package_module_is_unsafe",
        &[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - ansible.builtin.package:\n        name: nginx\n        state: present\n",
        )],
        true,
    );
}

#[test]
fn anchors_aliases_and_block_scalars() {
    scenario(
        "anchors_aliases_and_block_scalars",
        &[(
            "site.yml",
            "- hosts: all\n  vars:\n    note: |\n      docker-ce stays here: this block is text\n  tasks:\n    - name: first\n      apt: &docker\n        name: &pkgs\n          - docker-ce\n        state: latest\n    - name: second, an alias of the first\n      apt: *docker\n    - name: script\n      ansible.builtin.shell: |\n        echo docker-ce\n",
        )],
        false,
    );
}

#[test]
fn jinja_values_and_lock_misses() {
    scenario(
        "jinja_values_and_lock_misses",
        &[(
            "site.yml",
            "- hosts: all\n  tasks:\n    - apt:\n        name: \"{{ extra_packages | default([]) }}\"\n        state: latest\n    - apt:\n        name: [docker-ce, not-in-the-lock]\n        state: latest\n",
        )],
        false,
    );
}

#[test]
fn crlf_bom_and_multi_document() {
    let dir = scenario(
        "crlf_bom_and_multi_document",
        &[(
            "site.yml",
            "\u{feff}---\r\n- hosts: all\r\n  tasks:\r\n    - apt:\r\n        name: docker-ce\r\n        state: latest\r\n---\r\n- hosts: all\r\n  tasks:\r\n    - apt: {name: gnupg, state: latest}\r\n",
        )],
        false,
    );
    let bytes = std::fs::read(dir.path().join("site.yml")).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "the BOM is kept");
    let text = String::from_utf8(bytes).unwrap();
    assert_eq!(
        text.matches('\n').count(),
        text.matches("\r\n").count(),
        "every line still ends in CRLF"
    );
}

#[test]
fn images_dockerfile_compose_ansible_workflow() {
    scenario(
        "images_dockerfile_compose_ansible_workflow",
        &[
            (
                "docker/app/Dockerfile",
                "# syntax=docker/dockerfile:1\nARG BASE=debian:bookworm\nFROM $BASE AS build\nFROM debian:latest\nFROM postgres:16 # not a comment in Docker, part of the line\n",
            ),
            (
                "docker-compose.yml",
                "services:\n  web:\n    image: nginx:1.25   # front\n  cache:\n    image: \"redis\"\n  broken:\n    image: registry.example.org/app:broken\n",
            ),
            (
                "roles/app/tasks/main.yml",
                "- name: pull\n  community.docker.docker_image:\n    name: nginx:mainline\n    source: pull\n",
            ),
        ],
        false,
    );
}

#[test]
fn image_without_tag_with_unsafe_fixes() {
    scenario(
        "image_without_tag_with_unsafe_fixes",
        &[("compose.yaml", "services:\n  cache:\n    image: redis\n")],
        true,
    );
}

#[test]
fn actions_to_commit_sha() {
    scenario(
        "actions_to_commit_sha",
        &[(
            ".github/workflows/ci.yml",
            "on: push\njobs:\n  test:\n    runs-on: ubuntu-24.04\n    steps:\n      - uses: actions/checkout@v4\n      - uses: \"actions/setup-python@v5\"\n        with: {python-version: '3.12'}\n      - uses: actions/cache@v4 # keep this comment\n",
        )],
        false,
    );
}

#[test]
fn shell_and_run_installs_only_with_unsafe_fixes() {
    let files: &[(&str, &str)] = &[
        (
            "Dockerfile",
            "FROM debian:bookworm@sha256:0d17b565c37bcbd895e9d92315a05c1c3c9a29f762b011a10c54a66cd53c9b31\nRUN apt-get update \\\n && apt-get install -y --no-install-recommends ca-certificates gnupg \\\n && pip install requests\n",
        ),
        (
            "site.yml",
            "- hosts: all\n  serial: 1\n  tasks:\n    - ansible.builtin.shell: apt-get install -y nginx not-in-the-lock\n",
        ),
    ];
    // Without --unsafe-fixes: nothing is touched, nothing is listed.
    let dir = tree(files);
    let safe = plan(dir.path(), false);
    assert_eq!(safe.edit_count(), 0, "{}", render(&safe, dir.path()));
    scenario("shell_and_run_installs_only_with_unsafe_fixes", files, true);
}

#[test]
fn galaxy_collections_block_flow_and_crlf() {
    scenario(
        "galaxy_collections_block_flow_and_crlf",
        &[
            (
                "requirements.yml",
                "---\ncollections:\n  - name: community.docker   # containers\n  - name: community.general\n    version: \">=7.0.0\"\n  - {name: ansible.posix, version: 1.5.4}\n  - name: not.installed\n",
            ),
            (
                "collections/requirements.yml",
                "collections:\r\n  - {name: community.docker}\r\n  - name: community.general\r\n",
            ),
        ],
        false,
    );
}
