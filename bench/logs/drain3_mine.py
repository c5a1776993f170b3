#!/usr/bin/env python3
"""drain3's side of the benchmark: reads the same short-iso text as fleetpin-logs, mines one
TemplateMiner per program (as fleetpin-logs groups by SYSLOG_IDENTIFIER), with masking
equivalent to fleetpin-logs' (numbers, hex ids, IPs, MACs, UUIDs, swarm ids, veth names) and
drain3's default tree (depth 4, sim_th 0.4, max_children 100).

usage: drain3_mine.py FILE   (prints: entries N templates M)
"""
import re, sys
from drain3 import TemplateMiner
from drain3.template_miner_config import TemplateMinerConfig
from drain3.masking import MaskingInstruction

LINE = re.compile(r"^(\S+) (\S+) ([^\s\[:]+)(?:\[(\d+)\])?: (.*)$")

def config():
    c = TemplateMinerConfig()
    c.profiling_enabled = False
    c.masking_instructions = [
        MaskingInstruction(r"(?<=veth)[0-9a-f]{5,}", "*"),
        MaskingInstruction(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", "*"),
        MaskingInstruction(r"\b(?:[0-9a-f]{2}:){5}[0-9a-f]{2}\b", "*"),
        MaskingInstruction(r"(?<=sha256:)[0-9a-f]{64}", "*"),
        MaskingInstruction(r"\b[0-9a-f]{8,}\b", "*"),
        MaskingInstruction(r"\b[a-z0-9]{25}\b", "*"),
        MaskingInstruction(r"\d{4}-\d\d-\d\dT[\d:.]+Z?", "*"),
        MaskingInstruction(r"\b\d+(?:\.\d+)*(?::\d+)?\b", "*"),
    ]
    c.mask_prefix = "<"
    c.mask_suffix = ">"
    return c

def main():
    miners = {}
    cfg = config()
    entries = 0
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        for line in f:
            m = LINE.match(line.rstrip("\n"))
            if not m:
                continue
            ident, msg = m.group(3), m.group(5)
            tm = miners.get(ident)
            if tm is None:
                tm = miners[ident] = TemplateMiner(config=cfg)
            tm.add_log_message(msg)
            entries += 1
    templates = sum(len(tm.drain.clusters) for tm in miners.values())
    print("entries %d templates %d" % (entries, templates))

main()
