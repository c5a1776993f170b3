# -*- coding: utf-8 -*-
# fleetpin.guard.facts: package_facts + setup on the host, fleetpin facts JSON on the controller.
from __future__ import annotations

import json
import os
import tempfile
import time

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

FACTS_FORMAT_VERSION = 1
RPM_MANAGERS = ("dnf", "dnf5", "yum", "zypper", "rpm")
# uname -m -> dpkg architecture, for the dpkg hosts (rpm hosts keep uname's name).
DPKG_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "armhf", "i686": "i386",
             "ppc64le": "ppc64el", "s390x": "s390x", "riscv64": "riscv64"}
# The host conditions Ansible's modules do not gather, read by one POSIX shell command over the
# task's connection (no Python needed for it), the same commands `fleetpin gather` runs: the
# file system type of /sys/fs/cgroup and the iptables command's version line. A command that
# is missing prints nothing and the fact stays unknown.
CONDITIONS_MARKER = "@@fleetpin-iptables"
CONDITIONS_COMMAND = (
    "LC_ALL=C; export LC_ALL; stat -fc %T /sys/fs/cgroup 2>/dev/null; "
    "echo " + CONDITIONS_MARKER + "; "
    # iptables lives in sbin, outside an unprivileged login PATH; -V needs no privileges.
    "PATH=\"$PATH:/usr/sbin:/sbin\" iptables -V 2>/dev/null; true"
)


def cgroup_version(fs_type):
    """1 (legacy or hybrid hierarchy: a tmpfs holding the v1 controllers) or 2 (unified:
    cgroup2fs) from the file system type of /sys/fs/cgroup; None when unknown."""
    return {"cgroup2fs": 2, "tmpfs": 1}.get(fs_type.strip())


def iptables_backend(version_line):
    """nft or legacy from `iptables -V` (`iptables v1.8.9 (nf_tables)`; before 1.8 there was
    only the legacy backend and no suffix); None when iptables did not answer."""
    line = version_line.strip()
    if not line.startswith("iptables v"):
        return None
    return "nft" if line.endswith("(nf_tables)") else "legacy"


def host_conditions(stdout):
    """(cgroup_version, iptables_backend) from the output of CONDITIONS_COMMAND."""
    cgroup, _, iptables = stdout.partition(CONDITIONS_MARKER)
    cgroup_lines = cgroup.strip().splitlines()
    iptables_lines = iptables.strip().splitlines()
    return (cgroup_version(cgroup_lines[-1]) if cgroup_lines else None,
            iptables_backend(iptables_lines[0]) if iptables_lines else None)


def _full_version(entry, manager):
    """The full version fleetpin compares: dpkg's as package_facts gives it (epoch and
    revision included); rpm's as epoch:version-release."""
    version = str(entry.get("version", ""))
    if manager == "rpm":
        release = entry.get("release")
        if release:
            version = "%s-%s" % (version, release)
        epoch = entry.get("epoch")
        if epoch not in (None, "", 0, "0"):
            version = "%s:%s" % (epoch, version)
    return version


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("dest",))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        dest = self._task.args.get("dest", ".fleetpin/facts")

        setup = self._execute_module(
            module_name="ansible.builtin.setup",
            module_args={"gather_subset": ["!all", "!min", "distribution", "platform", "pkg_mgr",
                                           "apparmor"]},
            task_vars=task_vars,
        )
        if setup.get("failed"):
            raise AnsibleActionFail("setup failed: %s" % setup.get("msg"))
        facts = setup.get("ansible_facts", {})
        pkgs = self._execute_module(
            module_name="ansible.builtin.package_facts",
            module_args={"manager": "auto"},
            task_vars=task_vars,
        )
        if pkgs.get("failed"):
            raise AnsibleActionFail("package_facts failed: %s" % pkgs.get("msg"))

        conditions = self._low_level_execute_command(CONDITIONS_COMMAND, sudoable=False)
        cgroup, iptables = (None, None)
        if conditions.get("rc") == 0:
            cgroup, iptables = host_conditions(conditions.get("stdout", ""))

        pkg_mgr = facts.get("ansible_pkg_mgr", "")
        manager = "rpm" if pkg_mgr in RPM_MANAGERS else "dpkg"
        packages = []
        for name, entries in pkgs.get("ansible_facts", {}).get("packages", {}).items():
            for entry in entries:
                package = {"name": name, "version": _full_version(entry, manager)}
                if entry.get("arch"):
                    package["arch"] = entry["arch"]
                packages.append(package)
        packages.sort(key=lambda p: (p["name"], p.get("arch", "")))

        host = task_vars.get("inventory_hostname")
        document = {
            "fleetpin_facts": FACTS_FORMAT_VERSION,
            "host": host,
            "groups": sorted(g for g in task_vars.get("group_names", []) if g != "all"),
            "source": "ansible",
            "gathered_at": int(time.time()),
            "package_manager": manager,
            "packages": packages,
        }
        distribution = facts.get("ansible_distribution")
        if distribution:
            os_release = {"id": distribution.lower()}
            # os-release's VERSION_ID: "12" on Debian (whose distribution_version is the point
            # release, 12.5), "22.04" on Ubuntu, "9.3" on RHEL.
            key = "ansible_distribution_major_version" if distribution == "Debian" else "ansible_distribution_version"
            if facts.get(key):
                os_release["version_id"] = facts[key]
            if facts.get("ansible_distribution_release"):
                os_release["version_codename"] = facts["ansible_distribution_release"]
            document["os"] = os_release
        if facts.get("ansible_kernel"):
            document["kernel"] = facts["ansible_kernel"]
        apparmor = facts.get("ansible_apparmor", {}).get("status")
        if apparmor in ("enabled", "disabled"):
            document["apparmor_enabled"] = apparmor == "enabled"
        if cgroup is not None:
            document["cgroup_version"] = cgroup
        if iptables is not None:
            document["iptables_backend"] = iptables
        machine = facts.get("ansible_architecture")
        if machine:
            document["native_arch"] = DPKG_ARCH.get(machine, machine) if manager == "dpkg" else machine

        os.makedirs(dest, exist_ok=True)
        path = os.path.join(dest, "%s.json" % host)
        fd, tmp_path = tempfile.mkstemp(dir=dest, prefix=".%s." % host, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(document, f, indent=2, sort_keys=False)
                f.write("\n")
            os.replace(tmp_path, path)
        except BaseException:
            os.unlink(tmp_path)
            raise
        result.update(changed=False, path=path, packages=len(packages))
        return result
