#!/usr/bin/env bash
# Print the lock bench/pin uses for a tree: every system package `fleetpin lint --list-packages`
# finds there, at a made-up version (`1.0-1+bench`). Same format as bench/pin/run.sh's.
#
# Usage: bench/lint/bench-lock.sh FLEETPIN_BIN DIR > LOCK
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 FLEETPIN_BIN DIR" >&2; exit 2; }
bin="$1"; dir="$2"
printf 'version = 1\ngroup-by = []\nscope = "listed"\nprefer = ["majority"]\n\n[packages]\n'
(cd "$dir" && "$bin" lint --list-packages . 2>/dev/null || true) \
  | awk '$1 !~ /^#/ && $1 != "*" && $1 ~ /^[A-Za-z0-9]/ {print $1}' | sort -u \
  | while read -r p; do printf '"%s" = "1.0-1+bench"\n' "$p"; done
