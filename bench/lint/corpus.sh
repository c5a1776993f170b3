#!/usr/bin/env bash
# Time `fleetpin lint` on the precision corpus (bench/corpus/build.sh) with hyperfine.
#
# Usage: bench/lint/corpus.sh [FLEETPIN_BIN...]
#   With no argument, builds and times this checkout's release binary. With several binaries
#   (e.g. one built from the previous commit and one from this one), times each and reports
#   their medians side by side.
# Environment:
#   FLEETPIN_CORPUS  the corpus (default /tmp/fleetpin-corpus; built when missing)
#   FLEETPIN_RUNS    hyperfine runs (default 10)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CORPUS="${FLEETPIN_CORPUS:-/tmp/fleetpin-corpus}"
RUNS="${FLEETPIN_RUNS:-10}"
command -v hyperfine >/dev/null || { echo "error: hyperfine not found (apt-get install hyperfine)" >&2; exit 2; }
[ -d "$CORPUS" ] || "$ROOT/bench/corpus/build.sh" "$CORPUS"

bins=("$@")
if [ ${#bins[@]} -eq 0 ]; then
  (cd "$ROOT" && cargo build --release --quiet -p fleetpin)
  bins=("${CARGO_TARGET_DIR:-$ROOT/target}/release/fleetpin")
fi
cmds=()
for b in "${bins[@]}"; do
  cmds+=("$b lint --format json --output-file /dev/null .")
done
cd "$CORPUS"
# Exit status 1 means findings: expected on this corpus.
hyperfine --warmup 1 --runs "$RUNS" -i --export-json /tmp/fleetpin-corpus-bench.json "${cmds[@]}"
python3 - <<'PY'
import json, statistics
for r in json.load(open("/tmp/fleetpin-corpus-bench.json"))["results"]:
    print(f"median {statistics.median(r['times']):.3f} s  {r['command']}")
PY
