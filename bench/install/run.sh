#!/usr/bin/env bash
# The release profile (root Cargo.toml): binary size and `fleetpin lint` speed of the shipped
# profile (fat LTO, one codegen unit, debug info split off into a .dwp) against the profile it
# replaced (no LTO, 16 codegen units, line tables in the binary), built in the same run from the
# same sources (the old one through CARGO_PROFILE_RELEASE_* overrides), timed with hyperfine on
# examples/swarm-cluster and, when present, the lint corpus (bench/lint/corpus.sh).
# Writes bench/out/install.md. Two release builds: several minutes on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=bench/out
mkdir -p "$out"
build() { # name, env overrides...
  local name=$1
  shift
  env "$@" cargo build -q --release --locked -p fleetpin
  cp target/release/fleetpin "$out/fleetpin-$name"
}
build old CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  CARGO_PROFILE_RELEASE_SPLIT_DEBUGINFO=off
build shipped
targets=(examples/swarm-cluster)
[ -d bench/corpus/ansible ] && targets+=(bench/corpus/ansible)
{
  echo "| profile | binary size (bytes) |"
  echo "| --- | --- |"
  for n in old shipped; do echo "| $n | $(stat -c %s "$out/fleetpin-$n") |"; done
  echo
} >"$out/install.md"
for t in "${targets[@]}"; do
  hyperfine -N --warmup 3 --runs 30 -i --export-markdown "$out/install-$(basename "$t").md" \
    "$out/fleetpin-old lint --quiet $t" "$out/fleetpin-shipped lint --quiet $t" >&2
  cat "$out/install-$(basename "$t").md" >>"$out/install.md"
done
cat "$out/install.md"
