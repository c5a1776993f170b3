#!/usr/bin/env bash
# Fleet benchmarks (issue #4). Prints medians of 3 runs.
#
#  1. `fleetpin drift --format json` end to end (read facts files + lock, compute, print) at
#     500 and 5,000 hosts x 2,000 packages: wall time and peak RSS (/usr/bin/time -v).
#  2. Reading $ANSIBLE_HOSTS (default 5,000) Ansible package_facts --tree files, written the
#     way Ansible's tree callback writes them (bench/fleet/ansible_tree.py): fleetpin's readers
#     and `fleetpin lock --from-ansible` vs `python3 json.load` over the same files, side by
#     side in one hyperfine run ($RUNS runs, default 7; medians); then `fleetpin gather
#     --from-ansible` end to end (read + write the facts files, with peak RSS).
#  3. Gather over N loopback sshd hosts for forks 1/4/8 (needs /usr/sbin/sshd).
#
# The in-memory drift/lock figures come from criterion: `cargo bench -p fleetpin-fleet`.
# Usage: [ONLY=drift,ansible,ssh] [ANSIBLE_HOSTS=N] [RUNS=N] bench/fleet/run.sh [WORKDIR]
#        (needs ~3 GB free in WORKDIR)
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
WORK="${1:-$(mktemp -d)}"
PKGS=2000
cargo build --release -q -p fleetpin
cargo build --release -q -p fleetpin-fleet --example synthetic --example gather_scaling
BIN="$CARGO_TARGET_DIR/release"

ONLY="${ONLY:-drift,ansible,ssh}"
want() { [[ ",$ONLY," == *",$1,"* ]]; }
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
  WALL=$(printf '%s\n' "${walls[@]}" | median)
  printf '%-44s wall %6.2fs   peak RSS %7.1f MiB\n' "$label" \
    "$WALL" "$(echo "$(printf '%s\n' "${rss[@]}" | median) / 1024" | bc -l)"
}

if want drift; then
echo "== drift end to end ($PKGS packages per host)"
for N in 500 5000; do
  [ -f "$WORK/f$N/fleetpin.lock" ] || "$BIN/examples/synthetic" facts "$WORK/f$N" "$N" "$PKGS"
  measure "drift $N hosts" "$BIN/fleetpin" drift --facts-dir "$WORK/f$N/facts" --lock "$WORK/f$N/fleetpin.lock" --format json
done
fi

if want ansible; then
NA="${ANSIBLE_HOSTS:-5000}"
RUNS="${RUNS:-7}"
echo "== reading $NA Ansible package_facts files ($PKGS packages each, Ansible's own layout)"
A="$WORK/ansible$NA"
[ -d "$A/tree" ] || python3 bench/fleet/ansible_tree.py "$A/tree" "$NA" "$PKGS"
du -sh "$A/tree" | awk '{print "tree size " $1}'
cat "$A"/tree/* > /dev/null # warm the page cache for every reader
cat > "$WORK/pyload.py" <<'PY'
import json, os, sys
d = sys.argv[1]
for f in os.listdir(d):
    with open(os.path.join(d, f)) as fh:
        json.load(fh)
PY
# Side by side in one hyperfine run; medians and the ratio to python's median.
hyperfine -N -w 1 -r "$RUNS" --export-json "$WORK/ansible.json" \
  -n "python3 json.load (each file)" "python3 $WORK/pyload.py $A/tree" \
  -n "Fleet::load_ansible_tree (interned reader)" "$BIN/examples/synthetic read-ansible $A" \
  -n "fleetpin lock --from-ansible (end to end)" "$BIN/fleetpin lock -q --from-ansible $A/tree --prefer majority --lock $WORK/ansible.lock" \
  -n "read_tree (owned HostFacts, library API)" "$BIN/examples/synthetic read-ansible-owned $A" \
  -n "serde_json IgnoredAny (validation only)" "$BIN/examples/synthetic parse-ignore $A" \
  >/dev/null
python3 - "$WORK/ansible.json" <<'PY'
import json, statistics, sys
res = json.load(open(sys.argv[1]))["results"]
py = statistics.median(res[0]["times"])
for r in res:
    m = statistics.median(r["times"])
    print(f"{r['command']:<46} median {m:8.3f}s  (min {min(r['times']):.3f}s)  python/this {py / m:6.1f}x")
PY
measure "fleetpin gather --from-ansible (read+write)" sh -c \
  'rm -rf "$1" && exec "$2" gather -q --from-ansible "$3" --facts-dir "$1"' sh "$WORK/gathered" "$BIN/fleetpin" "$A/tree"
fi

if want ssh; then
echo "== gather over loopback sshd (remote delay 0.5 s per host, then none)"
"$BIN/examples/gather_scaling" 0.5 8 16
"$BIN/examples/gather_scaling" 0 16
fi
