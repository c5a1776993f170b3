#!/usr/bin/env python3
"""Draw the seeded, stratified precision sample from a `fleetpin lint --format json` run.

Usage: bench/corpus/sample.py FINDINGS.json [--seed N] [--per-rule K] [--corpus DIR]

Every rule that fired is represented: min(K, count) findings per rule code (input errors,
the E codes, included), drawn with Python's `random.Random(seed)` from the findings sorted by
(code, path, line, column, message), so the same JSON and seed always give the same sample.
Prints a Markdown table (id, rule, repo, file:line, message) and, with --corpus, the source
lines around each finding for hand-checking.
"""
import argparse
import json
import random
from collections import defaultdict

ap = argparse.ArgumentParser()
ap.add_argument("findings")
ap.add_argument("--seed", type=int, default=9)
ap.add_argument("--per-rule", type=int, default=11)
ap.add_argument("--corpus")
args = ap.parse_args()

diags = json.load(open(args.findings))["diagnostics"]
by_rule = defaultdict(list)
for d in diags:
    by_rule[d["code"]].append(d)
rng = random.Random(args.seed)
sample = []
for code in sorted(by_rule):
    items = sorted(
        by_rule[code],
        key=lambda d: (d["path"], d["line"] or 0, d["column"] or 0, d["message"]),
    )
    sample.extend(rng.sample(items, min(args.per_rule, len(items))))

print(f"<!-- seed {args.seed}, {args.per_rule} per rule, {len(sample)} findings of {len(diags)} -->")
print("| # | rule | repo | file:line | message |")
print("|---|------|------|-----------|---------|")
for i, d in enumerate(sample, 1):
    repo, _, rel = d["path"].partition("/")
    msg = d["message"].replace("|", "\\|").replace("\n", " ")
    print(f"| {i} | {d['code']} | {repo} | {rel}:{d['line']} | {msg[:140]} |")
if args.corpus:
    for i, d in enumerate(sample, 1):
        print(f"\n### {i} {d['code']} {d['path']}:{d['line']}\n{d['message']}")
        try:
            lines = open(f"{args.corpus}/{d['path']}", encoding="utf-8", errors="replace").read().splitlines()
        except OSError as e:
            print(f"  ({e})")
            continue
        ln = d["line"] or 1
        for n in range(max(1, ln - 6), min(len(lines), ln + 3) + 1):
            print(f"{'>' if n == ln else ' '}{n:5} {lines[n - 1][:160]}")
