#!/usr/bin/env bash
# Same output, and speed, of masking (`fleetpin_logs::mask::mask_into`) at BASE_REV and in
# this checkout: builds the `mask` example of both (BASE_REV in a temporary `git worktree`
# outside the repository, with its own target directory), runs both on the same messages and
# counts the lines whose masked form differs, then times both with hyperfine.
# usage: bench/logs/mask-same.sh BASE_REV
#   LOGHUB_DIR   the 8 Loghub-2k datasets (default ../shared/data/loghub-2k-corrected from the
#                repo root), HOLDOUT_DIR the other 8 (default /tmp/loghub-holdout; logparser
#                `data/loghub_2k_corrected`, commit db27223): the Content column of each CSV,
#                read in place, never copied into the repository. A missing directory is said.
#   LINES        lines of the gen_incident.py journal (default 1000000); RANDOM_LINES random
#                lines (default 300000, seeded); RUNS hyperfine runs (default 10, 1 warm-up);
#                REPEAT times each timed run masks its input (default 5: the masking, not the
#                reading, dominates; a third command only reads it, and the masking alone is
#                the difference); SHOW differing lines shown per input (default 5);
#                NO_SPEED=1 skips hyperfine;
#                PROFILE cargo profile of both builds (default release).
# Exit status 1 when any line differs.
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE_REV="${1:?usage: bench/logs/mask-same.sh BASE_REV}"
BASE_COMMIT="$(git rev-parse --verify "$BASE_REV^{commit}")"
ROOT="$PWD"
WORK="${TMPDIR:-/tmp}/fleetpin-mask-same"
PROFILE="${PROFILE:-release}"
LOGHUB_DIR="${LOGHUB_DIR:-../shared/data/loghub-2k-corrected}"
HOLDOUT_DIR="${HOLDOUT_DIR:-/tmp/loghub-holdout}"
mkdir -p "$WORK/inputs" "$WORK/out"

# BASE_REV: a detached worktree at a fixed path (so its target directory stays warm between
# runs), removed again on exit. When BASE_REV predates the example, this checkout's copy is
# used (it needs nothing but `mask_into`).
BASE="$WORK/base"
git worktree remove --force "$BASE" 2>/dev/null || rm -rf "$BASE"
git worktree prune
git worktree add -q --detach "$BASE" "$BASE_COMMIT"
trap 'git -C "$ROOT" worktree remove --force "$BASE" 2>/dev/null || true' EXIT
if [ ! -f "$BASE/crates/fleetpin-logs/examples/mask.rs" ]; then
  cp crates/fleetpin-logs/examples/mask.rs "$BASE/crates/fleetpin-logs/examples/mask.rs"
fi
(cd "$BASE" && CARGO_TARGET_DIR="$WORK/target-base" \
  cargo build -q --profile "$PROFILE" -p fleetpin-logs --example mask)
cargo build -q --profile "$PROFILE" -p fleetpin-logs --example mask
OLD="$WORK/mask-base"
NEW="$WORK/mask-head"
cp "$WORK/target-base/$PROFILE/examples/mask" "$OLD"
cp "${CARGO_TARGET_DIR:-target}/$PROFILE/examples/mask" "$NEW"

# The inputs, one message a line.
python3 bench/logs/gen_incident.py "${LINES:-1000000}" "$WORK/incident.txt" > /dev/null
python3 - "$WORK" "$LOGHUB_DIR" "$HOLDOUT_DIR" "${RANDOM_LINES:-300000}" examples/swarm-cluster/journal/*.export.gz <<'PY'
import csv, glob, gzip, os, random, sys

work, loghub, holdout, n_random, journals = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5:]
inputs = os.path.join(work, "inputs")
for f in glob.glob(os.path.join(inputs, "*.txt")):
    os.remove(f)

def write(name, messages):
    with open(os.path.join(inputs, name + ".txt"), "w", encoding="utf-8", newline="\n") as f:
        for m in messages:
            f.write(m.replace("\n", " ") + "\n")

# short-iso lines: `STAMP HOST IDENT[PID]: MESSAGE`
with open(os.path.join(work, "incident.txt"), encoding="utf-8") as f:
    write("incident", (line.rstrip("\n").split(": ", 1)[1] for line in f))

mix = []
for tag, d in (("loghub", loghub), ("holdout", holdout)):
    paths = sorted(glob.glob(os.path.join(d, "*", "*_2k.log_structured_corrected.csv")))
    if not paths:
        print("no datasets in %s: left out" % d, file=sys.stderr)
    for p in paths:
        with open(p, newline="", encoding="utf-8") as f:
            content = [r["Content"] for r in csv.DictReader(f)]
        write("%s-%s" % (tag, os.path.basename(os.path.dirname(p))), content)
        if tag == "loghub":
            mix.extend(content)
write("loghub-mix", mix * 25)  # the speed input: the 8 datasets, 400,000 messages

def export_messages(path):
    # journalctl -o export: `KEY=value` lines, or `KEY`, a little-endian u64 size, the bytes
    # and a newline for binary fields; entries end with an empty line.
    data = gzip.open(path).read()
    i, out = 0, []
    while i < len(data):
        nl = data.find(b"\n", i)
        nl = len(data) if nl < 0 else nl
        line = data[i:nl]
        if not line:
            i = nl + 1
            continue
        if b"=" in line:
            key, _, value = line.partition(b"=")
            i = nl + 1
        else:
            key, size = line, int.from_bytes(data[nl + 1:nl + 9], "little")
            value = data[nl + 9:nl + 9 + size]
            i = nl + 9 + size + 1
        if key == b"MESSAGE":
            out.append(value.decode("utf-8", "replace"))
    return out

write("swarm-journals", (m for j in journals for m in export_messages(j)))

# Random lines: every rule's triggers and near-misses, glued and spaced at random.
rnd = random.Random(12)
hexd, letters = "0123456789abcdef", "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
months = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
days = "Mon Tue Wed Thu Fri Sat Sun Monday Friday".split()
names = ["ipv4", "IPv6", "sha256", "SHA1", "md5", "x86_64", "i386", "amd64", "utf8", "3des", "2fa",
         "k8s", "ec2", "tls1", "x509", "containerd-shim-runc-v2", "runc-v10", "a-v1", "v1-x"]
units = ["B", "KB", "MB", "GB", "kB", "KiB", "MiB", "GiB", "TB", "PB", "TiB", "ms", "s", "b", "Kb"]
ifaces = ["veth", "vx-", "br-", "tap", "cali", "vxlan-", "eth", "docker", "vethx", "br"]
delims = "=()[]{}<>,;\"'@|"
trail = ":.!?,;)"
words = ["the", "port", "entered", "state", "id", "pid", "user", "error", "failed", "node", "task",
         "container", "name", "value", "from", "to", "at", "in", "ID", "Id", "lr", "cr"]
uni = ["é", "ü", "日本", "ß", "—", "€", "Ω", "🙂", "\u00a0", "\u2003", "ǅ", "İ"]

def hexs(k, alpha=False):
    return "".join(rnd.choice("abcdef" if alpha else hexd) for _ in range(k))

def piece():
    r = rnd.random()
    if r < 0.14:
        return rnd.choice(words)
    if r < 0.22:
        return str(rnd.randint(0, 10 ** rnd.randint(1, 12)))
    if r < 0.27:
        return rnd.choice(ifaces) + hexs(rnd.randint(2, 9), alpha=rnd.random() < 0.5)
    if r < 0.32:
        return rnd.choice(names)
    if r < 0.37:
        return rnd.choice(months + days)
    if r < 0.41:
        return rnd.choice(units)
    if r < 0.46:  # paths
        segs = [rnd.choice(words + [str(rnd.randint(0, 99)), hexs(6), "", "blk_-%d" % rnd.randint(0, 999)])
                for _ in range(rnd.randint(1, 5))]
        return ("/" if rnd.random() < 0.7 else "") + "/".join(segs)
    if r < 0.51:  # IPv6 and IPv4, MACs
        k = rnd.random()
        if k < 0.3:
            return ":".join(hexs(rnd.randint(0, 4), alpha=rnd.random() < 0.3) for _ in range(rnd.randint(2, 8)))
        if k < 0.5:
            return rnd.choice(["fe80::", "::", "::1", "fe80::42:acff:fe11:2", "ab::cd", "abc::", "fe::1%eth0", ":::"])
        if k < 0.8:
            return ".".join(str(rnd.randint(0, 255)) for _ in range(4)) + (":%d" % rnd.randint(1, 65535) if rnd.random() < 0.5 else "")
        return ":".join(hexs(2) for _ in range(6))
    if r < 0.56:  # name:value
        return rnd.choice(words + names + ["a_b", "a-b", "x1", "Foo"]) + ":" + rnd.choice([str(rnd.randint(0, 999)), hexs(8), "abc", "", ":"])
    if r < 0.60:  # dates and times
        return rnd.choice(["2023-02-20T10:01:02.123Z", "07:07:00", "2005", "17", "12:00", "2023-02-20"])
    if r < 0.66:
        return rnd.choice(delims) * rnd.randint(1, 2)
    if r < 0.71:
        return rnd.choice(trail) * rnd.randint(1, 3)
    if r < 0.75:
        return rnd.choice(uni)
    if r < 0.78:
        return rnd.choice(["<*>", "*", "-", "_", "--", "%", "#", "\\", "`", "~", "^", "&", "+", "$"])
    if r < 0.82:
        return "".join(rnd.choice(letters + "0123456789_-.") for _ in range(rnd.randint(1, 12)))
    if r < 0.86:  # key=value with id keys
        return rnd.choice(["task.id", "node.id", "container_id", "service-id", "ID", "nodeID", "requestId",
                           "id", "idle", "valid", "pid", "Id", "uid", "x.id"]) + "=" + rnd.choice(
            ["".join(rnd.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(25)), hexs(12), "abc", "", "moby", "a1"])
    if r < 0.90:
        return "%s%s" % (rnd.choice(["1.5", "5.2", "14", "0"]), rnd.choice(["", "s", "ms", "KB", "%"]))
    return "".join(rnd.choice(letters) for _ in range(rnd.randint(1, 10)))

def token():
    return "".join(piece() for _ in range(rnd.choice([1, 1, 1, 1, 2, 2, 3])))

seps = [" "] * 20 + ["  ", "\t", "\x0c", "\r", " \t ", "\x0b", "\u00a0"]
lines = []
for _ in range(n_random):
    toks = [token() for _ in range(rnd.randint(0, 14))]
    line = rnd.choice(["", "", " ", "\t"])
    for t in toks:
        line += t + rnd.choice(seps)
    lines.append(line if rnd.random() < 0.5 else line.rstrip(" "))
write("random", lines)
PY

# Same output: line by line, per input.
status=0
total=0
printf '%-28s %10s %10s\n' input lines differing
for f in "$WORK"/inputs/*.txt; do
  name="$(basename "$f" .txt)"
  [ "$name" = loghub-mix ] && continue
  "$OLD" < "$f" > "$WORK/out/$name.old"
  "$NEW" < "$f" > "$WORK/out/$name.new"
  read -r lines differing < <(python3 - "$f" "$WORK/out/$name.old" "$WORK/out/$name.new" "${SHOW:-5}" <<'PY'
import sys
src, old, new = (open(p, "rb").read().split(b"\n") for p in sys.argv[1:4])
show = int(sys.argv[4])
if not (len(src) == len(old) == len(new)):
    sys.exit("line counts differ: %d inputs, %d old, %d new" % (len(src), len(old), len(new)))
diff = [i for i, (a, b) in enumerate(zip(old, new)) if a != b]
for i in diff[:show]:
    print("  line %d\n    in:  %r\n    old: %r\n    new: %r" % (i + 1, src[i], old[i], new[i]), file=sys.stderr)
print(len(src) - 1, len(diff))
PY
)
  printf '%-28s %10s %10s\n' "$name" "$lines" "$differing"
  total=$((total + differing))
  [ "$differing" = 0 ] || status=1
done
echo "differing lines in all: $total (base $BASE_REV = ${BASE_COMMIT:0:12}, head $(git rev-parse --short=12 HEAD)$(git diff --quiet HEAD -- crates || echo ' + uncommitted changes'))"

# Speed: the same binaries on the same input, same run; --quiet masks without printing.
if [ -z "${NO_SPEED:-}" ]; then
  for input in incident loghub-mix; do
    f="$WORK/inputs/$input.txt"
    hyperfine --warmup 1 --runs "${RUNS:-10}" --export-json "$WORK/$input.json" \
      -n "base $input" "$OLD --quiet --repeat ${REPEAT:-5} < $f" \
      -n "head $input" "$NEW --quiet --repeat ${REPEAT:-5} < $f" \
      -n "reading only" "$NEW --quiet --repeat 0 < $f" > /dev/null
    python3 - "$WORK/$input.json" "$f" "${REPEAT:-5}" <<'PY'
import json, statistics, sys
r = json.load(open(sys.argv[1]))["results"]
n = sum(1 for _ in open(sys.argv[2], "rb")) * int(sys.argv[3])
med = [statistics.median(x["times"]) for x in r]
for x, m in zip(r, med):
    print("%-22s median %7.3f s  (min %7.3f, max %7.3f)" % (x["command"], m, min(x["times"]), max(x["times"])))
base, head, read = med
print("%-22s base/head %.2fx whole runs; masking alone (minus reading) %.3f s vs %.3f s for %d lines, "
      "%.2fx, %.2f M lines/s (medians, same run, %d runs)"
      % ("", base / head, base - read, head - read, n, (base - read) / (head - read), n / (head - read) / 1e6,
         len(r[0]["times"])))
PY
  done
fi
exit $status
