//! Parse throughput of the YAML front end (and the Ansible task model on top of it is
//! benchmarked in fleetpin-ansible). The input is a synthetic playbook of 2,000 tasks
//! (~300 KB), or the file named by `FLEETPIN_BENCH_YAML` (e.g. ansible-core's
//! `config/ansible_builtin_runtime.yml`, 370 KB) to compare with PyYAML on the same bytes:
//! `python3 -m timeit -s 'import yaml; t=open(F).read()' 'yaml.load(t, Loader=yaml.CSafeLoader)'`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn synthetic_playbook(tasks: usize) -> String {
    let mut s = String::from(
        "- name: Docker hosts\n  hosts: swarm\n  serial: 1\n  vars:\n    docker_state: present\n  tasks:\n",
    );
    for i in 0..tasks {
        match i % 4 {
            0 => s.push_str(&format!(
                "    - name: Install packages {i}\n      ansible.builtin.apt:\n        name: [docker-ce, docker-ce-cli, containerd.io]\n        state: \"{{{{ docker_state }}}}\"\n        update_cache: yes\n      when: ansible_os_family == 'Debian'\n"
            )),
            1 => s.push_str(&format!(
                "    - name: Free form {i}\n      apt: name=docker-ce=5:23.0.1-1~debian.10~buster state=present\n"
            )),
            2 => s.push_str(&format!(
                "    - name: Shell {i}\n      ansible.builtin.shell: |\n        set -e\n        curl -fsSL https://example.invalid/{i}.sh | sh\n      args:\n        creates: /usr/bin/x{i}\n"
            )),
            _ => s.push_str(&format!(
                "    - block:\n        - name: Image {i}\n          community.docker.docker_image:\n            name: 'registry.example/app'\n            tag: \"1.{i}\"\n            source: pull\n      rescue:\n        - debug: msg=\"failed {i}\"\n"
            )),
        }
    }
    s
}

fn bench(c: &mut Criterion) {
    let text = match std::env::var("FLEETPIN_BENCH_YAML") {
        Ok(path) => std::fs::read_to_string(path).expect("FLEETPIN_BENCH_YAML is readable"),
        Err(_) => synthetic_playbook(2000),
    };
    let mut group = c.benchmark_group("fleetpin-yaml");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| fleetpin_yaml::parse(std::hint::black_box(&text)).expect("valid YAML"))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
