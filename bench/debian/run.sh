#!/usr/bin/env bash
# Benchmarks fleetpin-debian against its peers on the same inputs, in the same run:
#   parse:   bookworm main Packages (decompressed) -> records   vs  rg -c '^Package:'  and
#            apt's C++ pkgTagFile/pkgTagSection reading the same fields (libapt-pkg-dev)
#   compare: 1,000,000 random version pairs                      vs  dpkg's C dpkg_version_compare (libdpkg-dev)
#   sort:    all distinct versions of the list
# Needs: g++, gcc, libapt-pkg-dev, libdpkg-dev, ripgrep, lz4, perf (linux-perf) or hyperfine.
# Reports medians over interleaved runs: CPU time (task-clock, robust on a loaded machine)
# and wall time. Usage: bench/debian/run.sh [RUNS]
set -euo pipefail
RUNS=${1:-15}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
WORK=${WORK:-$(mktemp -d)}
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
LISTS=${LISTS:-/var/lib/apt/lists}
SRC=$(ls "$LISTS"/*_debian_dists_bookworm_main_binary-amd64_Packages* | head -1)

echo "# input: $SRC"
case "$SRC" in
  *.lz4) lz4 -d -q -c "$SRC" > "$WORK/Packages" ;;
  *.xz) xz -d -c "$SRC" > "$WORK/Packages" ;;
  *.gz) gzip -d -c "$SRC" > "$WORK/Packages" ;;
  *.zst) zstd -d -q -c "$SRC" > "$WORK/Packages" ;;
  *) cp "$SRC" "$WORK/Packages" ;;
esac
echo "# decompressed: $(stat -c %s "$WORK/Packages") bytes, $(grep -c '^Package:' "$WORK/Packages") stanzas"

gcc -O2 -o "$WORK/dpkg_compare" "$HERE/dpkg_compare.c" -ldpkg
g++ -O2 -o "$WORK/apt_tagfile" "$HERE/apt_tagfile.cc" -lapt-pkg
(cd "$ROOT" && cargo build -q --release -p fleetpin-debian --example debian_bench)
BENCH="$CARGO_TARGET_DIR/release/examples/debian_bench"
"$BENCH" pairs "$WORK/Packages" 1000000 20260101 > "$WORK/pairs.tsv"

# One measurement: prints "task_ms wall_ms" for a command (stdout of the command discarded).
measure() {
  local out
  out=$(perf stat -x, -e task-clock "$@" 2>&1 >/dev/null | grep task-clock | cut -d, -f1)
  echo "$out"
}

python3 - "$RUNS" "$WORK" "$BENCH" <<'PY'
import statistics, subprocess, sys, time
runs, work, bench = int(sys.argv[1]), sys.argv[2], sys.argv[3]
pk = f"{work}/Packages"
cmds = {
    "rg -c '^Package:'": ["rg", "-c", "^Package:", pk],
    "apt pkgTagFile (C++)": [f"{work}/apt_tagfile", pk],
    "fleetpin stream (read+parse)": [bench, "stream", pk],
    "fleetpin parse (read whole+parse)": [bench, "parse", pk],
}
def one(cmd):
    t = time.perf_counter()
    p = subprocess.run(["perf", "stat", "-x,", "-e", "task-clock"] + cmd,
                       capture_output=True, text=True, check=True)
    wall = (time.perf_counter() - t) * 1e3
    cpu = float([l for l in p.stderr.splitlines() if "task-clock" in l][0].split(",")[0])
    return cpu, wall, p.stdout.strip()
res = {k: ([], []) for k in cmds}
for _ in range(2):
    for c in cmds.values(): one(c)
for _ in range(runs):
    for k, c in cmds.items():
        cpu, wall, _ = one(c)
        res[k][0].append(cpu); res[k][1].append(wall)
med = {k: (statistics.median(v[0]), statistics.median(v[1])) for k, v in res.items()}
print(f"\n## parse ({runs} interleaved runs, medians)")
print(f"{'command':40} {'cpu ms':>8} {'wall ms':>8}")
for k, (c, w) in med.items():
    print(f"{k:40} {c:8.1f} {w:8.1f}")
f = med["fleetpin stream (read+parse)"]
print(f"ratio fleetpin stream / rg          cpu {f[0]/med[chr(114)+'g -c '+chr(39)+'^Package:'+chr(39)][0]:.2f}x  (target <= 4x)")
print(f"ratio fleetpin stream / apt TagFile cpu {f[0]/med['apt pkgTagFile (C++)'][0]:.2f}x  (target < 1x)")
# In-process timings of the compare harnesses (pre-parsed pairs; the loops are timed inside).
def inproc(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    d = {}
    for line in out.splitlines():
        parts = line.split()
        name = parts[0] + " " + parts[1]
        kv = dict(p.split("=") for p in parts[2:])
        d[name] = float(kv.get("ms", kv.get("median_ms", "nan")))
        if "versions" in kv: d["count"] = int(kv["versions"])
    return d
acc = {}
for _ in range(runs):
    for cmd in ([f"{work}/dpkg_compare", f"{work}/pairs.tsv"], [bench, "compare", f"{work}/pairs.tsv"], [bench, "sort", pk]):
        for k, v in inproc(cmd).items():
            acc.setdefault(k, []).append(v)
print(f"\n## compare 1,000,000 pairs (in-process loop CPU time, medians of {runs})")
for k, v in acc.items():
    if k == "count": continue
    print(f"{k:40} {statistics.median(v):8.2f} ms")
print(f"ratio fleetpin compare_parsed / dpkg compare_parsed  {statistics.median(acc['fleetpin compare_parsed'])/statistics.median(acc['dpkg compare_parsed']):.2f}x (target <= 1x)")
print(f"ratio fleetpin parse_and_compare / dpkg parse_and_compare  {statistics.median(acc['fleetpin parse_and_compare'])/statistics.median(acc['dpkg parse_and_compare']):.2f}x")
print(f"sort of all {acc['count'][0]} versions of the list: median {statistics.median(acc['fleetpin sort']):.2f} ms CPU (target well under 100 ms)")
PY
