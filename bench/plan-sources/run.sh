#!/usr/bin/env bash
# The live plan source against its peer (issue #10, item 2), same hosts, same run:
# `simulate::live` (apt-get -s over ssh, 5 forks) vs `ansible-playbook --check --diff` with the
# ansible.posix json callback (5 forks), over N loopback sshd hosts, each with its own
# throwaway apt root. Prints medians of RUNS runs, the ratio, the time to read Ansible's JSON,
# and on how many hosts both sources found the same plan.
#
# Usage: [HOSTS=8] [RUNS=3] bench/plan-sources/run.sh
# Needs /usr/sbin/sshd, apt-get, the tools venv (ansible-core) and the ansible.posix
# collection that `.ci/setup` installs.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
export FLEETPIN_TOOLS="${FLEETPIN_TOOLS:-$HOME/.cache/fleetpin-tools}"
export FLEETPIN_ANSIBLE_PLAYBOOK="${FLEETPIN_ANSIBLE_PLAYBOOK:-$FLEETPIN_TOOLS/venv/bin/ansible-playbook}"
export FLEETPIN_ANSIBLE_PYTHON="${FLEETPIN_ANSIBLE_PYTHON:-$FLEETPIN_TOOLS/venv/bin/python}"
cargo build --release -q -p fleetpin-fleet --example simulate_vs_ansible
"$CARGO_TARGET_DIR/release/examples/simulate_vs_ansible" "${HOSTS:-8}" "${RUNS:-3}"
