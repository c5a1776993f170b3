#!/usr/bin/env bash
# Before/after timings of `fleetpin lint` and of the pin of bench/pin (lint + edits + re-parse,
# warm digest cache) in ONE hyperfine run per repository, so both binaries see the same load.
#
# Usage: bench/lint/compare.sh BASE_DIR NEW_DIR [REPO...]
#   BASE_DIR and NEW_DIR each hold a release `fleetpin` and `pin_tree`
#   (crates/fleetpin-pin/examples/pin_tree.rs), e.g. copied from target/release before and
#   after a change. REPO: corpus folders (default kubernetes-sigs+kubespray debops+debops).
# Environment:
#   FLEETPIN_CORPUS  the corpus (default /tmp/fleetpin-corpus; built when missing)
#   RUNS             hyperfine runs per command (default 5)
# Output: one line per repository and command with both medians and their ratio; hyperfine's
# JSON in /tmp/fleetpin-compare-<repo>.json.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CORPUS="${FLEETPIN_CORPUS:-/tmp/fleetpin-corpus}"
RUNS="${RUNS:-5}"
[ $# -ge 2 ] || { echo "usage: $0 BASE_DIR NEW_DIR [REPO...]" >&2; exit 2; }
BASE="$(realpath "$1")"; NEW="$(realpath "$2")"; shift 2
REPOS=("$@")
[ ${#REPOS[@]} -gt 0 ] || REPOS=(kubernetes-sigs+kubespray debops+debops)
command -v hyperfine >/dev/null || { echo "error: hyperfine not found (apt-get install hyperfine)" >&2; exit 2; }
for d in "$BASE" "$NEW"; do
  for b in fleetpin pin_tree; do
    [ -x "$d/$b" ] || { echo "error: no $d/$b" >&2; exit 2; }
  done
done
[ -d "$CORPUS" ] || "$ROOT/bench/corpus/build.sh" "$CORPUS"

for repo in "${REPOS[@]}"; do
  dir="$CORPUS/$repo"
  # The lock of bench/pin/run.sh: every package the code installs, at a made-up version.
  lock="/tmp/fleetpin-compare-$repo.lock"
  "$ROOT/bench/lint/bench-lock.sh" "$BASE/fleetpin" "$dir" >"$lock"
  json="/tmp/fleetpin-compare-$repo.json"
  # Exit status 1 means findings: expected.
  (cd "$dir" && hyperfine -N --warmup 1 --runs "$RUNS" -i --export-json "$json" \
    -n "base lint" "$BASE/fleetpin lint --extend-select IMG002 ." \
    -n "new lint" "$NEW/fleetpin lint --extend-select IMG002 ." \
    -n "base pin" "$BASE/pin_tree . $lock" \
    -n "new pin" "$NEW/pin_tree . $lock" >/dev/null)
  python3 - "$json" "$repo" <<'PY'
import json, statistics, sys
res = {r["command"]: statistics.median(r["times"]) for r in json.load(open(sys.argv[1]))["results"]}
for what in ("lint", "pin"):
    b, n = res[f"base {what}"], res[f"new {what}"]
    print(f"{sys.argv[2]:32} {what:4}  base {b*1000:7.0f} ms  new {n*1000:7.0f} ms  {b/n:5.2f}x")
PY
done
