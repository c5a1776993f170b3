#!/usr/bin/env python3
"""Writes a synthetic incident journal as `journalctl -o short-iso` text (and optionally JSON):
the veth/udev/bridge flood, the Docker 23 AppArmor failure, then swarm pulls without
--with-registry-auth, interleaved over several hosts. Deterministic (seeded).

usage: gen_incident.py LINES OUT.txt [OUT.json]
"""
import json, random, sys, time

def main():
    n, out_txt = int(sys.argv[1]), sys.argv[2]
    out_json = sys.argv[3] if len(sys.argv) > 3 else None
    rnd = random.Random(42)
    hexs = lambda k: "%0*x" % (k, rnd.getrandbits(4 * k))
    sid = lambda: "".join(rnd.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(25))
    hosts = ["node%d" % i for i in range(1, 9)]
    nodes = {h: sid() for h in hosts}
    service = sid()
    t0 = 1676887200.0
    ts = [t0]
    lines = []
    txt = open(out_txt, "w")
    js = open(out_json, "w") if out_json else None

    def emit(host, ident, pid, prio, msg, unit=None):
        ts[0] += 0.0003
        t = ts[0]
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S+0000", time.gmtime(t))
        who = "%s[%d]" % (ident, pid) if pid else ident
        txt.write("%s %s %s: %s\n" % (stamp, host, who, msg))
        if js:
            e = {"__REALTIME_TIMESTAMP": str(int(t * 1e6)), "_HOSTNAME": host, "SYSLOG_IDENTIFIER": ident,
                 "PRIORITY": str(prio), "MESSAGE": msg}
            if pid:
                e["_PID"] = str(pid)
            if unit:
                e["_SYSTEMD_UNIT"] = unit
            js.write(json.dumps(e) + "\n")
        lines.append(1)

    written = 0
    rounds = 0
    while len(lines) < n:
        phase = 1 if len(lines) < n // 2 else 2
        host = hosts[rounds % len(hosts)]
        rounds += 1
        veth = hexs(7)
        port = 2 + rounds % 7
        br = "docker_gwbridge" if rounds % 2 else "docker0"
        upid = 30000 + rnd.randrange(5000)
        stamp = "2023-02-20T10:%02d:%02d.%09dZ" % ((ts[0] // 60) % 60, ts[0] % 60, rnd.randrange(10**9))
        emit(host, "kernel", 0, 6, "%s: port %d(veth%s) entered blocking state" % (br, port, veth))
        emit(host, "kernel", 0, 6, "%s: port %d(veth%s) entered disabled state" % (br, port, veth))
        emit(host, "kernel", 0, 6, "device veth%s entered promiscuous mode" % veth)
        emit(host, "systemd-udevd", upid, 3, "veth%s: Could not generate persistent MAC: No data available" % veth, "systemd-udevd.service")
        emit(host, "systemd-udevd", upid, 6, "veth%s: link_config: autonegotiation is unset or enabled, the speed and duplex are not writable." % veth, "systemd-udevd.service")
        emit(host, "kernel", 0, 6, "IPv6: ADDRCONF(NETDEV_CHANGE): veth%s: link becomes ready" % veth)
        if phase == 1:
            err = ("starting container failed: failed to create shim task: OCI runtime create failed: runc create failed: "
                   "unable to start container process: error during container init: unable to apply apparmor profile: "
                   "apparmor failed to apply profile: write /proc/self/attr/apparmor/exec: no such file or directory: unknown")
        else:
            err = "No such image: registry.example.com/app@sha256:" + hexs(64)
            if rounds % 3 == 0:
                emit(host, "dockerd", 812, 4, 'time="%s" level=warning msg="pull access denied for registry.example.com/app, repository does not exist or may require \'docker login\': denied: requested access to the resource is denied" module=node/agent/taskmanager node.id=%s' % (stamp, nodes[host]), "docker.service")
            if rounds % 4 == 1:
                emit(host, "dockerd", 812, 3, 'time="%s" level=error msg="failed to resolve image digest" error="no basic auth credentials"' % stamp, "docker.service")
        emit(host, "dockerd", 812, 3, 'time="%s" level=error msg="fatal task error" error="%s" module=node/agent/taskmanager node.id=%s service.id=%s task.id=%s' % (stamp, err, nodes[host], service, sid()), "docker.service")
        emit(host, "containerd", 790, 6, 'time="%s" level=info msg="shim disconnected" id=%s namespace=moby' % (stamp, hexs(64)), "containerd.service")
        emit(host, "kernel", 0, 6, "%s: port %d(veth%s) entered disabled state" % (br, port, veth))
        emit(host, "kernel", 0, 6, "device veth%s left promiscuous mode" % veth)
    txt.close()
    if js:
        js.close()
    print("wrote %d lines" % len(lines), file=sys.stderr)

main()
