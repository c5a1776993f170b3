#!/usr/bin/env bash
# fleetpin-logs vs drain3 on the same synthetic incident journal (short-iso text).
# usage: bench/logs/run.sh [LINES]   (default 1000000); needs hyperfine and drain3 in
# ${FLEETPIN_TOOLS:-~/.cache/fleetpin-tools}/venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
LINES="${1:-1000000}"
PY="${FLEETPIN_TOOLS:-$HOME/.cache/fleetpin-tools}/venv/bin/python"
WORK="${TMPDIR:-/tmp}/fleetpin-logs-bench"
mkdir -p "$WORK"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
cargo build -q --release -p fleetpin-logs --example mine
BIN="$CARGO_TARGET_DIR/release/examples/mine"
python3 bench/logs/gen_incident.py "$LINES" "$WORK/incident.txt"
echo "fleetpin-logs: $("$BIN" "$WORK/incident.txt" --summary)"
echo "drain3:        $("$PY" bench/logs/drain3_mine.py "$WORK/incident.txt")"
hyperfine --warmup 1 --runs "${RUNS:-5}" --export-markdown "$WORK/results.md" \
  -n fleetpin-logs "$BIN $WORK/incident.txt --summary" \
  -n drain3 "$PY bench/logs/drain3_mine.py $WORK/incident.txt"
cat "$WORK/results.md"
