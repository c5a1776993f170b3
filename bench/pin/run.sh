#!/usr/bin/env bash
# fleetpin pin on real repositories: every rewritten YAML file must load with PyYAML to the same
# tree except the pinned values, every Dockerfile must still parse, a second run must change
# nothing; counts and timings (warm digest cache: digests and SHAs in memory) against
# `fleetpin lint` of the same tree in the same run (the pin includes a lint).
#
# Usage: bench/pin/run.sh [REPO...]   (default: the four below; snapshots from $FLEETPIN_MIRROR)
# Needs: python3 with PyYAML ($FLEETPIN_TOOLS/venv), git; builds the release driver
# (crates/fleetpin-pin/examples/pin_tree.rs) and binary. Writes only under $WORK.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
MIRROR="${FLEETPIN_MIRROR:-/work/.mirror}"
WORK="${FLEETPIN_PIN_BENCH:-/tmp/fleetpin-pin-bench}"
TOOLS="${FLEETPIN_TOOLS:-$HOME/.cache/fleetpin-tools}"
PY="${PYTHON:-$TOOLS/venv/bin/python}"
RUNS="${RUNS:-5}"
REPOS=("$@")
[ ${#REPOS[@]} -gt 0 ] || REPOS=(kubernetes-sigs+kubespray debops+debops docker-library+python docker+awesome-compose)

cargo build -q --release --manifest-path "$ROOT/Cargo.toml" -p fleetpin-pin --example pin_tree
cargo build -q --release --manifest-path "$ROOT/Cargo.toml" -p fleetpin --bin fleetpin
PIN="$ROOT/target/release/examples/pin_tree"
FLEETPIN="$ROOT/target/release/fleetpin"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000000)); }

for repo in "${REPOS[@]}"; do
  gitdir="$MIRROR/$repo/repo"; [ -d "$gitdir" ] || gitdir="$MIRROR/$repo"
  src="$WORK/src/$repo"; dst="$WORK/pinned/$repo"
  rm -rf "$src" "$dst"; mkdir -p "$src" "$dst"
  git --git-dir="$gitdir" archive HEAD | tar -x -C "$src"
  commit=$(git --git-dir="$gitdir" rev-parse HEAD)
  # A generated lock: every system package the code installs, at a made-up version.
  lock="$WORK/$repo.lock"
  {
    printf 'version = 1\ngroup-by = []\nscope = "listed"\nprefer = ["majority"]\n\n[packages]\n'
    (cd "$src" && "$FLEETPIN" lint --list-packages . 2>/dev/null || true) \
      | awk '$1 !~ /^#/ && $1 != "*" && $1 ~ /^[A-Za-z0-9]/ {print $1}' | sort -u \
      | while read -r p; do printf '"%s" = "1.0-1+bench"\n' "$p"; done
  } > "$lock"
  # Warm-run timings on an untouched copy (plan only: lint + edits + verification).
  lint_ms=(); pin_ms=()
  for _ in $(seq "$RUNS"); do
    lint_ms+=("$(cd "$src" && ms "$FLEETPIN" lint --extend-select IMG002 .)")
    pin_ms+=("$(cd "$src" && ms "$PIN" . "$lock")")
  done
  # The real rewrite, on a copy.
  cp -a "$src/." "$dst/"
  first=$(cd "$dst" && "$PIN" . "$lock" --write)
  second=$(cd "$dst" && "$PIN" . "$lock")
  files=$(printf '%s' "$first" | "$PY" -c 'import json,sys; print("\n".join(json.load(sys.stdin)["edited_files"]))')
  # shellcheck disable=SC2086
  cmp=$(cd "$WORK" && "$PY" "$HERE/compare.py" "src/$repo" "pinned/$repo" $files)
  printf '{"repo": "%s", "commit": "%s", "lock_packages": %s, "lint_ms_median": %s, "pin_ms_median": %s, "first": %s, "second": %s, "pyyaml": %s}\n' \
    "$repo" "$commit" "$(grep -c '= "1.0-1+bench"' "$lock" || true)" \
    "$(printf '%s\n' "${lint_ms[@]}" | median)" "$(printf '%s\n' "${pin_ms[@]}" | median)" \
    "$first" "$second" "$cmp"
done
