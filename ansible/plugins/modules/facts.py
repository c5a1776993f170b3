# -*- coding: utf-8 -*-
# The documentation of the fleetpin.guard.facts action; the work is done on the controller by
# plugins/action/facts.py.
from __future__ import annotations

DOCUMENTATION = r"""
module: facts
short_description: Write fleetpin facts for the hosts Ansible is connected to
description:
  - Runs C(ansible.builtin.package_facts) and C(ansible.builtin.setup) on the host and writes
    C(DEST/INVENTORY_HOSTNAME.json) on the controller in fleetpin's facts format (version 1), the
    files C(fleetpin lock), C(fleetpin drift), C(fleetpin plan) and C(fleetpin hazard check) read.
  - Recorded per host - the installed packages with their full versions and architectures
    (C(package_facts)); the distribution, kernel release, architecture and AppArmor state
    (C(setup)); the cgroup hierarchy (C(cgroup_version), 2 when C(/sys/fs/cgroup) is a
    C(cgroup2fs), 1 when it is a C(tmpfs)) and the iptables backend (C(iptables_backend),
    C(nft) or C(legacy) from C(iptables -V)), which no Ansible module reports.
  - The two host conditions come from one POSIX shell command run over the task's connection
    without Python (like C(ansible.builtin.raw)); when C(stat) or C(iptables) is missing the
    fact is left out (unknown), never guessed.
  - The modules need Python on the host, and C(package_facts) needs python3-apt on dpkg hosts.
  - The file is written atomically (a temporary file, then a rename).
  - dpkg selections (holds) are not known to C(package_facts); C(fleetpin gather) records them.
version_added: 0.1.0
author: fleetpin developers
options:
  dest:
    description: Facts directory on the controller (created if missing).
    type: path
    default: .fleetpin/facts
attributes:
  check_mode:
    support: full
    description: Facts are written in check mode too (nothing changes on the host).
  diff_mode:
    support: none
    description: No diff.
  platform:
    platforms: posix
    description: Hosts with dpkg or rpm.
"""

EXAMPLES = r"""
- name: Record what every host runs
  fleetpin.guard.facts:
    dest: "{{ playbook_dir }}/.fleetpin/facts"
"""

RETURN = r"""
path:
  description: The facts file written.
  returned: success
  type: str
packages:
  description: Number of packages recorded.
  returned: success
  type: int
"""
