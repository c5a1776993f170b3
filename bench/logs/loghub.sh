#!/usr/bin/env bash
# Grouping and parsing accuracy of `fleetpin logs templates` on Loghub-2k (corrected labels),
# next to drain3 (defaults, and logparser's tuned per-dataset Drain settings), same run.
# usage: bench/logs/loghub.sh [EXTRA_DIR...]
#   LOGHUB_DIR  the 8 datasets (default ../shared/data/loghub-2k-corrected from the repo root);
#               read in place, never copied into the repository.
#   EXTRA_DIR   more datasets of the same collection in the same layout (X/X_2k.log_structured_corrected.csv),
#               each directory averaged on its own: the check that defaults carry over.
# Needs drain3 in ${FLEETPIN_TOOLS:-~/.cache/fleetpin-tools}/venv.
set -euo pipefail
cd "$(dirname "$0")/../.."
DATA="${LOGHUB_DIR:-../shared/data/loghub-2k-corrected}"
PY="${FLEETPIN_TOOLS:-$HOME/.cache/fleetpin-tools}/venv/bin/python"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}"
[ -n "${NO_BUILD:-}" ] || cargo build -q --release -p fleetpin  # NO_BUILD=1: binary already built
"$PY" bench/logs/loghub.py "$CARGO_TARGET_DIR/release/fleetpin" "$DATA" "$@"
