#!/usr/bin/env bash
# Fleet benchmarks (issue #4). Prints medians of 3 runs.
#
#  1. `fleetpin drift --format json` end to end (read facts files + lock, compute, print) at
#     500 and 5,000 hosts x 2,000 packages: wall time and peak RSS (/usr/bin/time -v).
#  2. Reading 5,000 Ansible package_facts --tree files: fleetpin's reader vs
#     `python3 -c 'json.load'` over the same files.
#  3. Gather over N loopback sshd hosts for forks 1/4/8 (needs /usr/sbin/sshd).
#
# The in-memory drift/lock figures come from criterion: `cargo bench -p fleetpin-fleet`.
# Usage: bench/fleet/run.sh [WORKDIR]   (needs ~3 GB free in WORKDIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
WORK="${1:-$(mktemp -d)}"
PKGS=2000
cargo build --release -q -p fleetpin
cargo build --release -q -p fleetpin-fleet --example synthetic --example gather_scaling
BIN="$CARGO_TARGET_DIR/release"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# time -v prints "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:01.23" and
# "Maximum resident set size (kbytes): 12345".
measure() { # label, command...
  local label=$1; shift
  local walls=() rss=()
  for _ in 1 2 3; do
    /usr/bin/time -v "$@" >/dev/null 2>"$WORK/time.txt" || true
    walls+=("$(awk -F': ' '/Elapsed \(wall clock\)/ {n=split($2,p,":"); s=0; for(i=1;i<=n;i++) s=s*60+p[i]; print s}' "$WORK/time.txt")")
    rss+=("$(awk -F': ' '/Maximum resident set size/ {print $2}' "$WORK/time.txt")")
  done
  printf '%-34s wall %6.2fs   peak RSS %7.1f MiB\n' "$label" \
    "$(printf '%s\n' "${walls[@]}" | median)" "$(echo "$(printf '%s\n' "${rss[@]}" | median) / 1024" | bc -l)"
}

echo "== drift end to end ($PKGS packages per host)"
for N in 500 5000; do
  [ -f "$WORK/f$N/fleetpin.lock" ] || "$BIN/examples/synthetic" facts "$WORK/f$N" "$N" "$PKGS"
  measure "drift $N hosts" "$BIN/fleetpin" drift --facts-dir "$WORK/f$N/facts" --lock "$WORK/f$N/fleetpin.lock" --format json
done

echo "== reading 5000 Ansible package_facts files"
[ -d "$WORK/a5000/tree" ] || "$BIN/examples/synthetic" ansible "$WORK/a5000" 5000 "$PKGS"
du -sh "$WORK/a5000/tree" | awk '{print "tree size " $1}'
cat "$WORK"/a5000/tree/* > /dev/null # warm the page cache for both readers
measure "fleetpin (rayon, borrowed serde)" "$BIN/examples/synthetic" read-ansible "$WORK/a5000"
measure "python3 json.load" python3 -c 'import json,os,sys
d=sys.argv[1]
for f in os.listdir(d):
    with open(os.path.join(d,f)) as fh: json.load(fh)' "$WORK/a5000/tree"

echo "== gather over loopback sshd (remote delay 0.5 s per host, then none)"
"$BIN/examples/gather_scaling" 0.5 8 16
"$BIN/examples/gather_scaling" 0 16
