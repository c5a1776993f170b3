#!/usr/bin/env bash
# Check that two fleetpin binaries find exactly the same things on the precision corpus
# (bench/corpus): for every repository, byte-identical output of
#   fleetpin lint --format json                 (every diagnostic, with spans and fixes)
#   fleetpin lint --list-files --format json     (every file and the kind it was taken for)
#   fleetpin lint --list-packages --format json  (the packages the code installs)
#   fleetpin pin --offline --diff --format json  (the pin plan from the lint's pin sites, with a
#                                                 lock generated from --list-packages)
# Use it around a speed change: build the baseline binary from the base commit into its own
# directory (e.g. `git worktree add /tmp/base main && cd /tmp/base && cargo build --release`),
# then compare it with this checkout's.
#
# Usage: bench/lint/same-findings.sh BASE_BIN NEW_BIN
# Environment:
#   FLEETPIN_CORPUS    the corpus (default /tmp/fleetpin-corpus; built when missing)
#   FLEETPIN_SAME_OUT  where outputs are kept for inspection (default /tmp/fleetpin-same-findings)
# Exit status: 0 identical, 1 some output differs (the diffs are printed), 2 usage error.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CORPUS="${FLEETPIN_CORPUS:-/tmp/fleetpin-corpus}"
OUT="${FLEETPIN_SAME_OUT:-/tmp/fleetpin-same-findings}"
[ $# -eq 2 ] || { echo "usage: $0 BASE_BIN NEW_BIN" >&2; exit 2; }
BASE="$(realpath "$1")"
NEW="$(realpath "$2")"
for b in "$BASE" "$NEW"; do
  [ -x "$b" ] || { echo "error: $b is not an executable" >&2; exit 2; }
done
[ -d "$CORPUS" ] || "$ROOT/bench/corpus/build.sh" "$CORPUS"

rm -rf "$OUT"
mkdir -p "$OUT/base" "$OUT/new" "$OUT/locks" "$OUT/cache"
# An empty digest cache of its own: `pin --offline` then names every image instead of reading
# whatever the user's cache holds.
export FLEETPIN_CACHE_DIR="$OUT/cache"

# Each command's stdout and exit status (1 means findings; the status must match too).
run() {
  local out="$1"; shift
  local rc=0
  "$@" >"$out" 2>/dev/null || rc=$?
  echo "exit status $rc" >>"$out"
}

differ=0
checked=0
for dir in "$CORPUS"/*/; do
  repo="$(basename "$dir")"
  lock="$OUT/locks/$repo.lock"
  "$ROOT/bench/lint/bench-lock.sh" "$BASE" "$dir" >"$lock"
  for side in base new; do
    bin="$BASE"; [ "$side" = new ] && bin="$NEW"
    o="$OUT/$side/$repo"
    mkdir -p "$o"
    (
      cd "$dir"
      run "$o/lint.json" "$bin" lint --format json .
      run "$o/files.json" "$bin" lint --list-files --format json .
      run "$o/packages.json" "$bin" lint --list-packages --format json .
      run "$o/pin.json" "$bin" pin --offline --diff --format json --lock "$lock" .
    )
  done
  for f in lint files packages pin; do
    checked=$((checked + 1))
    if ! cmp -s "$OUT/base/$repo/$f.json" "$OUT/new/$repo/$f.json"; then
      differ=$((differ + 1))
      echo "DIFFERS: $repo $f"
      diff -u "$OUT/base/$repo/$f.json" "$OUT/new/$repo/$f.json" | head -40 || true
    fi
  done
done
diags=$(cat "$OUT"/base/*/lint.json | grep -c '"code"' || true)
echo "$checked outputs compared over $(find "$CORPUS" -mindepth 1 -maxdepth 1 -type d | wc -l) repositories ($diags \"code\" lines in the lint JSON); $differ differ; outputs in $OUT"
[ "$differ" -eq 0 ]
