#!/usr/bin/env bash
# fleetpin-logs vs drain3 on the same synthetic incident journal (short-iso text), same run.
# usage: bench/logs/run.sh [LINES]   (default 1000000; RUNS=5); needs hyperfine and drain3 in
# ${FLEETPIN_TOOLS:-~/.cache/fleetpin-tools}/venv. MEMORY=1 also reports the peak RSS of
# fleetpin-logs on 10x LINES lines and on LINES lines of random bytes (/usr/bin/time -v).
# PROFILE=fast: binaries of another cargo profile (target/fast; defined by CARGO_PROFILE_FAST_*
# variables); the `fleetpin` CLI lines are left out when its binary is not built.
set -euo pipefail
cd "$(dirname "$0")/../.."
LINES="${1:-1000000}"
PY="${FLEETPIN_TOOLS:-$HOME/.cache/fleetpin-tools}/venv/bin/python"
WORK="${TMPDIR:-/tmp}/fleetpin-logs-bench"
mkdir -p "$WORK"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
PROFILE="${PROFILE:-release}"
if [ -z "${NO_BUILD:-}" ]; then  # NO_BUILD=1: use the binaries already built
  cargo build -q --profile "$PROFILE" -p fleetpin-logs --example mine
  cargo build -q --profile "$PROFILE" -p fleetpin
fi
BIN="$CARGO_TARGET_DIR/$PROFILE/examples/mine"
CLI="$CARGO_TARGET_DIR/$PROFILE/fleetpin"
CLI_RUNS=()
if [ -x "$CLI" ]; then
  CLI_RUNS=(-n "fleetpin diagnose" "$CLI --quiet diagnose $WORK/incident.txt"
    -n "fleetpin logs templates" "$CLI --quiet logs templates $WORK/incident.txt")
fi
python3 bench/logs/gen_incident.py "$LINES" "$WORK/incident.txt" "$WORK/incident.json"
echo "fleetpin-logs (text):        $("$BIN" "$WORK/incident.txt" --summary)"
echo "fleetpin-logs (sequential):  $("$BIN" "$WORK/incident.txt" --summary --sequential)"
echo "fleetpin-logs (json):        $("$BIN" "$WORK/incident.json" --summary)"
echo "fleetpin-logs (diagnose):    $("$BIN" "$WORK/incident.txt" --summary --diagnose)"
echo "drain3 (text):               $("$PY" bench/logs/drain3_mine.py "$WORK/incident.txt")"
# The exit status of `fleetpin diagnose` is 1 when a cause matched (it does here).
hyperfine --warmup 1 --runs "${RUNS:-5}" -i --export-json "$WORK/results.json" \
  -n "fleetpin-logs Diagnoser (diagnose path)" "$BIN $WORK/incident.txt --summary --diagnose" \
  "${CLI_RUNS[@]}" \
  -n fleetpin-logs "$BIN $WORK/incident.txt --summary" \
  -n "fleetpin-logs, one thread (--sequential)" "$BIN $WORK/incident.txt --summary --sequential" \
  -n "fleetpin-logs (journalctl -o json input)" "$BIN $WORK/incident.json --summary" \
  -n drain3 "$PY bench/logs/drain3_mine.py $WORK/incident.txt"
python3 - "$WORK/results.json" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
med = {x["command"]: statistics.median(x["times"]) for x in r}
cpu = {x["command"]: x["user"] + x["system"] for x in r}  # hyperfine exports their means
peer, peer_cpu = med["drain3"], cpu["drain3"]
for name, m in med.items():
    print("%-45s median %8.3f s   drain3/this %6.2fx   CPU (mean) %7.3f s, drain3/this %6.2fx"
          % (name, m, peer / m, cpu[name], peer_cpu / cpu[name]))
PY
if [ "${MEMORY:-0}" = 1 ]; then
  big="$WORK/incident-10x.txt"
  : > "$big"
  for _ in $(seq 10); do cat "$WORK/incident.txt" >> "$big"; done
  head -c $((LINES * 150)) /dev/urandom > "$WORK/garbage.bin"
  # Well-formed lines whose messages are random words (no digits, so nothing is masked): every
  # line a new template, until the per-program template cap takes the rest.
  python3 - "$LINES" "$WORK/words.txt" <<'PY'
import random, string, sys
n, rnd = int(sys.argv[1]), random.Random(7)
with open(sys.argv[2], "w") as f:
    for i in range(n):
        words = " ".join("".join(rnd.choice(string.ascii_lowercase) for _ in range(rnd.randint(3, 12))) for _ in range(rnd.randint(2, 30)))
        f.write("2023-02-20T10:00:00+0000 node%d prog%d: %s\n" % (i % 8, i % 3, words))
PY
  for f in "$big" "$WORK/garbage.bin" "$WORK/words.txt"; do
    /usr/bin/time -v "$BIN" "$f" --summary --diagnose 2> "$WORK/time.txt"
    echo "  $(basename "$f"): $(grep -E 'Maximum resident' "$WORK/time.txt" | sed 's/^\s*//'), $(grep -E 'Elapsed' "$WORK/time.txt" | sed 's/^\s*//')"
  done
  rm -f "$big" "$WORK/garbage.bin" "$WORK/words.txt"
fi
rm -f "$WORK/incident.txt" "$WORK/incident.json"
