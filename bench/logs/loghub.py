#!/usr/bin/env python3
"""Grouping and parsing accuracy of `fleetpin logs templates` on Loghub-2k (corrected labels),
next to drain3 with its defaults and drain3 with the per-dataset settings of logparser's Drain
benchmark, all run here on the same messages (the `Content` column of each dataset).

usage: loghub.py FLEETPIN_BIN DATA_DIR [DATA_DIR...]
Each DATA_DIR holds dataset folders `X/` with `X_2k.log_structured_corrected.csv`; every
dataset found is measured, and each DATA_DIR gets its own average.

GA (grouping accuracy, Zhu et al. ICSE-SEIP 2019): a line is correct when the set of lines the
parser grouped with it is exactly the set of lines sharing its ground-truth EventId.
PA (parsing accuracy, Khan et al. ICSE 2022): a line is correct when its template equals the
ground-truth template, both normalised (whitespace runs to one space, runs of `<*>` to one).
"""
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

from drain3 import TemplateMiner
from drain3.masking import MaskingInstruction
from drain3.template_miner_config import TemplateMinerConfig

# logparser `logparser/Drain/benchmark.py` (commit db27223): per-dataset regexes, st, depth.
TUNED = {
    "HDFS": ([r"blk_-?\d+", r"(\d+\.){3}\d+(:\d+)?"], 0.5, 4),
    "Hadoop": ([r"(\d+\.){3}\d+"], 0.5, 4),
    "Spark": ([r"(\d+\.){3}\d+", r"\b[KGTM]?B\b", r"([\w-]+\.){2,}[\w-]+"], 0.5, 4),
    "Zookeeper": ([r"(/|)(\d+\.){3}\d+(:\d+)?"], 0.5, 4),
    "BGL": ([r"core\.\d+"], 0.5, 4),
    "HPC": ([r"=\d+"], 0.5, 4),
    "Thunderbird": ([r"(\d+\.){3}\d+"], 0.5, 4),
    "Windows": ([r"0x.*?\s"], 0.7, 5),
    "Linux": ([r"(\d+\.){3}\d+", r"\d{2}:\d{2}:\d{2}"], 0.39, 6),
    "Android": (
        [
            r"(/[\w-]+)+",
            r"([\w-]+\.){2,}[\w-]+",
            r"\b(\-?\+?\d+)\b|\b0[Xx][a-fA-F\d]+\b|\b[a-fA-F\d]{4,}\b",
        ],
        0.2,
        6,
    ),
    "HealthApp": ([], 0.2, 4),
    "Apache": ([r"(\d+\.){3}\d+"], 0.5, 4),
    "Proxifier": (
        [r"<\d+\ssec", r"([\w-]+\.)+[\w-]+(:\d+)?", r"\d{2}:\d{2}(:\d{2})*", r"[KGTM]B"],
        0.6,
        3,
    ),
    "OpenSSH": ([r"(\d+\.){3}\d+", r"([\w-]+\.){2,}[\w-]+"], 0.6, 5),
    "OpenStack": ([r"((\d+\.){3}\d+,?)+", r"/.+?\s", r"\d+"], 0.5, 5),
    "Mac": ([r"([\w-]+\.){2,}[\w-]+"], 0.7, 6),
}

WS = re.compile(r"\s+")
WILDS = re.compile(r"<\*>(?:\s*<\*>)+")


def norm(t):
    return WILDS.sub("<*>", WS.sub(" ", t).strip())


def ga(truth, parsed):
    """Grouping accuracy: lines whose parsed group equals their ground-truth group."""
    by_parsed = defaultdict(list)
    for i, p in enumerate(parsed):
        by_parsed[p].append(i)
    truth_size = Counter(truth)
    ok = 0
    for lines in by_parsed.values():
        ids = {truth[i] for i in lines}
        if len(ids) == 1 and truth_size[next(iter(ids))] == len(lines):
            ok += len(lines)
    return ok / len(truth)


def pa(truth_templates, templates):
    return sum(norm(a) == norm(b) for a, b in zip(truth_templates, templates)) / len(truth_templates)


def load(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["Content"] for r in rows], [r["EventId"] for r in rows], [r["EventTemplate"] for r in rows]


def run_fleetpin(binary, contents):
    with tempfile.NamedTemporaryFile("w", suffix=".log", encoding="utf-8", delete=False) as f:
        for c in contents:
            f.write(c + "\n")
        name = f.name
    try:
        t = time.perf_counter()
        out = subprocess.run(
            [binary, "--quiet", "logs", "templates", "--content-only", "--format", "jsonl", "--per-line", name],
            check=True, capture_output=True, text=True,
        ).stdout
        secs = time.perf_counter() - t
    finally:
        os.unlink(name)
    rows = [json.loads(l) for l in out.splitlines()]
    assert len(rows) == len(contents), (len(rows), len(contents))
    return [r["id"] for r in rows], [r["template"] for r in rows], secs


def run_drain3(contents, masking=(), sim_th=0.4, depth=4):
    c = TemplateMinerConfig()
    c.profiling_enabled = False
    c.drain_sim_th = sim_th
    c.drain_depth = depth
    c.masking_instructions = [MaskingInstruction(r, "*") for r in masking]
    c.mask_prefix, c.mask_suffix = "<", ">"
    tm = TemplateMiner(config=c)
    t = time.perf_counter()
    ids = [tm.add_log_message(m)["cluster_id"] for m in contents]
    secs = time.perf_counter() - t
    templates = {cl.cluster_id: cl.get_template() for cl in tm.drain.clusters}
    return ids, [templates[i] for i in ids], secs


def main():
    binary, dirs = sys.argv[1], sys.argv[2:]
    cols = ["fleetpin", "drain3 defaults", "drain3 tuned"]
    print("| dataset | " + " | ".join("%s GA | PA" % c for c in cols) + " | templates: truth / fleetpin / drain3 tuned |")
    print("| --- |" + " ---: | ---: |" * len(cols) + " ---: |")
    for d in dirs:
        sums = defaultdict(float)
        n = 0
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name, "%s_2k.log_structured_corrected.csv" % name)
            if not os.path.exists(path):
                continue
            contents, truth, truth_t = load(path)
            regexes, st, depth = TUNED.get(name, ([], 0.4, 4))
            results = [
                run_fleetpin(binary, contents),
                run_drain3(contents),
                run_drain3(contents, regexes, st, depth),
            ]
            cells = []
            for col, (ids, templates, _) in zip(cols, results):
                g, p = ga(truth, ids), pa(truth_t, templates)
                sums[col + "GA"] += g
                sums[col + "PA"] += p
                cells.append("%.3f | %.3f" % (g, p))
            counts = "%d / %d / %d" % (len(set(truth)), len(set(results[0][0])), len(set(results[2][0])))
            print("| %s | %s | %s |" % (name, " | ".join(cells), counts))
            n += 1
        if n:
            avg = " | ".join("**%.3f** | **%.3f**" % (sums[c + "GA"] / n, sums[c + "PA"] / n) for c in cols)
            print("| average of %d (%s) | %s | |" % (n, os.path.basename(os.path.normpath(d)), avg))
        sys.stdout.flush()


main()
