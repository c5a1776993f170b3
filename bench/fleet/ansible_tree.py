#!/usr/bin/env python3
"""Writes a synthetic `ansible all -m ansible.builtin.package_facts --tree DIR` directory.

Usage: ansible_tree.py DIR HOSTS PKGS

Each file is what Ansible's `tree` callback writes: `json.dumps(result, sort_keys=True)` on
one line (CallbackBase._dump_results), so package names and entry keys come out sorted,
exactly as in a real tree (checked against ansible-core's package_facts on Debian).
One package in 25 is multi-arch (an amd64 and an i386 entry); one host in 50 drifts.
"""
import json
import os
import sys

CATEGORIES = ["libs", "admin", "utils", "net", "python", "devel", "web"]


def host_result(h, pkgs):
    drifts = h % 50 == 7
    packages = {}
    for i in range(pkgs):
        if drifts and i == (h * 31) % pkgs:
            continue  # missing
        bump = 1 if drifts and i % 97 == h % 97 else 0
        name = f"pkg-{i:05d}-{'lib' if i % 3 else 'tool'}"
        version = f"{i % 7}:{i % 13}.{i % 29 + bump}.{i}-{i % 5 + 1}+deb12u{i % 3}"
        entry = {"arch": "amd64", "category": CATEGORIES[i % len(CATEGORIES)],
                 "name": name, "origin": "Debian", "source": "apt", "version": version}
        packages[name] = [entry]
        if i % 25 == 0:
            packages[name].append(dict(entry, arch="i386"))
    return {"ansible_facts": {"packages": packages}, "changed": False}


def main():
    out, hosts, pkgs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    os.makedirs(out, exist_ok=True)
    for h in range(hosts):
        with open(os.path.join(out, f"node{h:05d}.dc{h % 3}.example.com"), "w") as fh:
            fh.write(json.dumps(host_result(h, pkgs), sort_keys=True))


if __name__ == "__main__":
    main()
