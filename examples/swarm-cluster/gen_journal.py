#!/usr/bin/env python3
"""Writes the example incident journals: one `journalctl -o export` file per node, gzipped.

The night of the outage, as three of the Swarm's nodes logged it (synthetic, seeded, but every
line in the shape dockerd 23.0, containerd 1.6, systemd-udevd 241 and the Debian 10 kernel print):

- 22:00 swarm-w2 (Docker 23.0.1 from a `state: latest` run, no `apparmor` package): every task
  start fails with `unable to apply apparmor profile ... write /proc/self/attr/apparmor/exec: no
  such file or directory`; each retry creates and removes a veth pair, so the journal is
  thousands of kernel bridge / udev `link_config` lines around a handful of dockerd errors.
- 22:40 `apparmor` is installed on swarm-w2 and dockerd restarted.
- 22:45 the stack is redeployed without `--with-registry-auth`: both workers cannot pull the
  private image (`no basic auth credentials`, `No such image: ...@sha256:...`), again drowned in
  veth churn. The manager swarm-m1 has the credentials: its journal is noise and routine only.

Usage (from the repository root):

    python3 examples/swarm-cluster/gen_journal.py examples/swarm-cluster/journal

With systemd-journal-remote installed, each export is written to a real journal file and read
back with `journalctl --file ... -o export`, so the files carry exactly what journalctl prints.
"""
import gzip, os, random, shutil, subprocess, sys, tempfile, time

BOOT = {"swarm-m1.example.internal": "4c1f0f6e2a8b4f6d9a3e5b7c1d2e3f40",
        "swarm-w1.example.internal": "7d2e6a1b3c4f4e5d8a9b0c1d2e3f4a51",
        "swarm-w2.example.internal": "9e3f7b2c4d5a4b6c8d0e1f2a3b4c5d62"}
MACHINE = {h: b[::-1] for h, b in BOOT.items()}
T0 = 1676930400  # 2023-02-20T22:00:00Z
REGISTRY = "registry.example.org/shop/api"


class Node:
    def __init__(self, host, rnd):
        self.host, self.rnd, self.t = host, rnd, T0 * 1_000_000 + rnd.randrange(1_000_000)
        self.entries = []
        self.node_id = self.sid()
        self.dockerd, self.containerd = 812 + rnd.randrange(100), 640 + rnd.randrange(100)

    def hexs(self, k):
        return "%0*x" % (k, self.rnd.getrandbits(4 * k))

    def sid(self):
        return "".join(self.rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(25))

    def at(self, minute):
        self.t = max(self.t, (T0 + 60 * minute) * 1_000_000 + self.rnd.randrange(500_000))

    def tick(self, lo=200, hi=90_000):
        self.t += self.rnd.randrange(lo, hi)

    def gotime(self):
        s, us = divmod(self.t - self.rnd.randrange(20, 400), 1_000_000)
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%06d%03dZ" % (us, self.rnd.randrange(1000))

    def log(self, ident, prio, msg, pid=None, unit=None, comm=None, transport="stdout", ticked=False):
        if not ticked:
            self.tick()
        e = [("__REALTIME_TIMESTAMP", str(self.t)),
             ("__MONOTONIC_TIMESTAMP", str(self.t - T0 * 1_000_000 + 86_000_000_000)),
             ("_BOOT_ID", BOOT[self.host]), ("_MACHINE_ID", MACHINE[self.host]),
             ("_HOSTNAME", self.host.split(".")[0]), ("PRIORITY", str(prio)),
             ("_TRANSPORT", "kernel" if ident == "kernel" else transport),
             ("SYSLOG_FACILITY", "0" if ident == "kernel" else "3"),
             ("SYSLOG_IDENTIFIER", ident)]
        if pid:
            e += [("_PID", str(pid)), ("_UID", "0"), ("_GID", "0"), ("_COMM", comm or ident)]
        if unit:
            slice_ = "" if unit == "init.scope" else "system.slice/"
            e += [("_SYSTEMD_UNIT", unit), ("_SYSTEMD_CGROUP", "/" + slice_ + unit)]
        if ident == "systemd" and ("Docker" in msg or "docker" in msg):
            # systemd's job messages name the unit they are about.
            e += [("UNIT", "docker.service"), ("CODE_FILE", "src/core/job.c")]
        e.append(("MESSAGE", msg))
        self.entries.append(e)

    def kernel(self, msg):
        self.log("kernel", 6, msg)

    def docker(self, prio, level, msg):
        # The daemon's own time is a few microseconds before journald receives the line.
        self.tick()
        self.log("dockerd", prio, 'time="%s" level=%s msg=%s' % (self.gotime(), level, msg),
                 self.dockerd, "docker.service", ticked=True)

    def containerd_log(self, level, msg):
        self.tick()
        self.log("containerd", 6 if level == "info" else 4,
                 'time="%s" level=%s msg=%s' % (self.gotime(), level, msg),
                 self.containerd, "containerd.service", ticked=True)

    def veth_up(self, bridge, port):
        veth, peer = self.hexs(7), self.hexs(7)
        udev = 30000 + self.rnd.randrange(5000)
        self.kernel("%s: port %d(veth%s) entered blocking state" % (bridge, port, veth))
        self.kernel("%s: port %d(veth%s) entered disabled state" % (bridge, port, veth))
        self.kernel("device veth%s entered promiscuous mode" % veth)
        for v in (veth, peer):
            self.log("systemd-udevd", 3, "veth%s: Could not generate persistent MAC: No data available" % v,
                     udev, "systemd-udevd.service")
            self.log("systemd-udevd", 6, "veth%s: link_config: autonegotiation is unset or enabled, the speed and duplex are not writable." % v,
                     udev, "systemd-udevd.service")
        self.kernel("eth0: renamed from veth%s" % peer)
        self.kernel("IPv6: ADDRCONF(NETDEV_CHANGE): veth%s: link becomes ready" % veth)
        self.kernel("%s: port %d(veth%s) entered blocking state" % (bridge, port, veth))
        self.kernel("%s: port %d(veth%s) entered forwarding state" % (bridge, port, veth))
        return veth, peer

    def veth_down(self, bridge, port, veth, peer):
        cid = self.hexs(64)
        self.containerd_log("info", '"shim disconnected" id=%s namespace=moby' % cid)
        self.containerd_log("warning", '"cleaning up after shim disconnected" id=%s namespace=moby' % cid)
        self.kernel("%s: port %d(veth%s) entered disabled state" % (bridge, port, veth))
        self.kernel("veth%s: renamed from eth0" % peer)
        self.kernel("%s: port %d(veth%s) entered disabled state" % (bridge, port, veth))
        self.kernel("device veth%s left promiscuous mode" % veth)
        self.kernel("%s: port %d(veth%s) entered disabled state" % (bridge, port, veth))

    def routine(self):
        r = self.rnd.random()
        if r < 0.3:
            self.log("sshd", 6, "Accepted publickey for deploy from 10.20.0.%d port %d ssh2: ED25519 SHA256:%s"
                     % (self.rnd.randrange(2, 250), self.rnd.randrange(30000, 60000), self.hexs(43)),
                     5000 + self.rnd.randrange(4000), "ssh.service")
        elif r < 0.5:
            self.log("CRON", 6, "(root) CMD (   test -x /etc/cron.daily/popularity-contest && /etc/cron.daily/popularity-contest --crond)",
                     9000 + self.rnd.randrange(900), "cron.service", "cron")
        else:
            self.docker(6, "info", '"NetworkDB stats %s(%s) - netID:%s leaving:false netPeers:3 entries:%d Queue qLen:0 netMsg/s:%d"'
                        % (self.host.split(".")[0], self.node_id[:12], self.sid(), self.rnd.randrange(8, 40), self.rnd.randrange(0, 5)))


def apparmor_failures(n, rounds):
    service, image = n.sid(), REGISTRY + ":1.4.2"
    for i in range(rounds):
        bridge, port = ("docker_gwbridge", 2 + i % 3) if i % 2 else ("docker0", 1 + i % 4)
        veth, peer = n.veth_up(bridge, port)
        task, cid = n.sid(), n.hexs(64)
        err = ("failed to create task for container: failed to create shim task: OCI runtime create failed: "
               "runc create failed: unable to start container process: error during container init: "
               "unable to apply apparmor profile: apparmor failed to apply profile: "
               "write /proc/self/attr/apparmor/exec: no such file or directory: unknown")
        n.docker(3, "error", '"Handler for POST /v1.42/containers/%s/start returned error: %s"' % (cid, err))
        n.docker(3, "error", '"fatal task error" error="starting container failed: %s" module=node/agent/taskmanager node.id=%s service.id=%s task.id=%s'
                 % (err, n.node_id, service, task))
        n.veth_down(bridge, port, veth, peer)
        for _ in range(n.rnd.randrange(0, 3)):
            n.routine()


def auth_failures(n, rounds):
    service = n.sid()
    for i in range(rounds):
        digest = n.hexs(64)
        task = n.sid()
        if i % 3 == 0:
            n.docker(6, "info", '"Attempting next endpoint for pull after error: no basic auth credentials"')
            n.docker(3, "error", '"Not continuing with pull after error: errors:\\ndenied: requested access to the resource is denied\\nunauthorized: authentication required\\n"')
            n.docker(4, "warning", '"pull access denied for %s, repository does not exist or may require \'docker login\': denied: requested access to the resource is denied" module=node/agent/taskmanager node.id=%s'
                     % (REGISTRY, n.node_id))
        bridge, port = "docker_gwbridge", 2 + i % 3
        veth, peer = n.veth_up(bridge, port)
        n.docker(3, "error", '"fatal task error" error="No such image: %s:1.4.3@sha256:%s" module=node/agent/taskmanager node.id=%s service.id=%s task.id=%s'
                 % (REGISTRY, digest, n.node_id, service, task))
        n.veth_down(bridge, port, veth, peer)
        for _ in range(n.rnd.randrange(0, 2)):
            n.routine()


def healthy(n, rounds):
    for i in range(rounds):
        bridge, port = "docker_gwbridge", 2 + i % 3
        veth, peer = n.veth_up(bridge, port)
        for _ in range(n.rnd.randrange(2, 6)):
            n.routine()
        if i % 4 == 3:
            n.veth_down(bridge, port, veth, peer)


def export(entries):
    out = bytearray()
    for e in entries:
        for k, v in e:
            b = v.encode()
            if b"\n" in b:
                out += k.encode() + b"\n" + len(b).to_bytes(8, "little") + b + b"\n"
            else:
                out += k.encode() + b"=" + b + b"\n"
        out += b"\n"
    return bytes(out)


def through_real_journal(data):
    remote = next((p for p in ("/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote")
                   if os.path.exists(p)), None)
    if not remote or not shutil.which("journalctl"):
        print("note: systemd-journal-remote missing: writing the generated export as it is", file=sys.stderr)
        return data
    with tempfile.TemporaryDirectory() as d:
        f = os.path.join(d, "node.journal")
        subprocess.run([remote, "--output=" + f, "-"], input=data, check=True, capture_output=True)
        return subprocess.run(["journalctl", "--no-pager", "--file", f, "-o", "export"],
                              check=True, capture_output=True).stdout


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "journal")
    rnd = random.Random(20230220)
    nodes = {h: Node(h, rnd) for h in BOOT}
    m1, w1, w2 = (nodes[h] for h in BOOT)
    for n in nodes.values():
        n.log("systemd", 6, "Started Docker Application Container Engine.", 1, "init.scope")
    # 22:00-22:40: swarm-w2 cannot start any container; the others run as usual.
    healthy(m1, 120)
    healthy(w1, 120)
    apparmor_failures(w2, 150)
    # 22:40: apparmor installed on swarm-w2, dockerd restarted.
    w2.at(40)
    w2.log("apt-get", 6, "Setting up apparmor (2.13.2-10) ...", 21077, "session-41.scope")
    w2.log("systemd", 6, "Stopping Docker Application Container Engine...", 1, "init.scope")
    w2.docker(6, "info", '"Processing signal \'terminated\'"')
    w2.log("systemd", 6, "docker.service: Succeeded.", 1, "init.scope")
    w2.log("systemd", 6, "Started Docker Application Container Engine.", 1, "init.scope")
    # 22:45: the stack redeployed without --with-registry-auth.
    for n in nodes.values():
        n.at(45)
    healthy(m1, 100)
    auth_failures(w1, 110)
    auth_failures(w2, 110)
    os.makedirs(out, exist_ok=True)
    for h, n in nodes.items():
        data = through_real_journal(export(n.entries))
        with open(os.path.join(out, h + ".export.gz"), "wb") as f:
            # mtime 0: the same bytes on every run.
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as z:
                z.write(data)
        print("%s: %d entries" % (h, len(n.entries)))


if __name__ == "__main__":
    main()
