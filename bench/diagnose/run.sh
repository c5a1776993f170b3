#!/usr/bin/env bash
# `fleetpin diagnose` on the synthetic incident (bench/logs/gen_incident.py: 8 hosts, the
# AppArmor failure then the registry-auth pulls in the veth/udev flood), same run, same input:
#   - the library's single-stream mining (`mine` example: one Miner, the fleetpin-logs baseline),
#   - `fleetpin diagnose FILE` (per-host miners merged, counts per host, hosts report),
#   - `fleetpin diagnose DIR/` on the same lines split into one file per host (read in parallel),
#   - drain3 (the peer: mining only, no causes) on the same text.
# usage: bench/diagnose/run.sh [LINES]   (default 1000000; RUNS=3); needs hyperfine and drain3 in
# ${FLEETPIN_TOOLS:-~/.cache/fleetpin-tools}/venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
LINES="${1:-1000000}"
PY="${FLEETPIN_TOOLS:-$HOME/.cache/fleetpin-tools}/venv/bin/python"
WORK="${TMPDIR:-/tmp}/fleetpin-diagnose-bench"
rm -rf "$WORK" && mkdir -p "$WORK/hosts"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build -q --release -p fleetpin --bin fleetpin
cargo build -q --release -p fleetpin-logs --example mine
FP="$CARGO_TARGET_DIR/release/fleetpin"
MINE="$CARGO_TARGET_DIR/release/examples/mine"
python3 bench/logs/gen_incident.py "$LINES" "$WORK/incident.txt"
# One file per host (the shape of `fleetpin diagnose DIR/` and of an Ansible tree).
awk -v d="$WORK/hosts" '{ print > (d "/" $2 ".log") }' "$WORK/incident.txt"
echo "mine:          $("$MINE" "$WORK/incident.txt" --summary)"
"$FP" diagnose "$WORK/incident.txt" --format json > "$WORK/one.json" || true
"$FP" diagnose "$WORK/hosts" --format json > "$WORK/dir.json" || true
python3 - "$WORK/one.json" "$WORK/dir.json" <<'PY'
import json, sys
for f in sys.argv[1:]:
    d = json.load(open(f))
    n = sum(len(c["templates"]) for c in d["causes"] + d["noise"]) + len(d["remaining"])
    print("%-60s entries %d templates %d causes %s hosts %d" % (
        f, d["input"]["entries"], n, [c["id"] for c in d["causes"]], len(d["hosts"])))
PY
echo "drain3:        $("$PY" bench/logs/drain3_mine.py "$WORK/incident.txt")"
hyperfine --warmup 1 --runs "${RUNS:-3}" --export-json "$WORK/results.json" \
  -n "mine (one stream, library)" "$MINE $WORK/incident.txt --summary" \
  -n "fleetpin diagnose FILE" "$FP diagnose $WORK/incident.txt --format json -q > /dev/null; test \$? -le 1" \
  -n "fleetpin diagnose DIR/ (8 files)" "$FP diagnose $WORK/hosts --format json -q > /dev/null; test \$? -le 1" \
  -n drain3 "$PY bench/logs/drain3_mine.py $WORK/incident.txt"
python3 - "$WORK/results.json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
med = {x["command"]: statistics.median(x["times"]) for x in r}
peer = med["drain3"]
for name, m in med.items():
    print("%-40s median %8.3f s   drain3/this %6.2fx" % (name, m, peer / m))
PY
rm -rf "$WORK"
