#!/usr/bin/env bash
# bench/plan: offline `fleetpin plan` engine vs the real `apt-get -s` once per host, same run.
#
# Index: this machine's bookworm main list (63k stanzas) when present, plus the docker buster
# fixture index, merged into one flat repository apt reads as `deb [trusted=yes] file:DIR ./`.
# Hosts start from this machine's dpkg status, with docker 20.10 (some held) on 2 of 3.
# Usage: bash bench/plan/run.sh [APT_HOSTS=10]
set -euo pipefail
cd "$(dirname "$0")/../.."
APT_HOSTS=${1:-10}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/repo"
main=$(ls /var/lib/apt/lists/*_bookworm_main_binary-amd64_Packages* 2>/dev/null | head -1 || true)
if [ -n "$main" ]; then
  case "$main" in
    *.lz4) lz4 -dc "$main" ;;
    *.gz) gzip -dc "$main" ;;
    *.xz) xz -dc "$main" ;;
    *) cat "$main" ;;
  esac > "$work/repo/Packages"
else
  echo "no bookworm main list on this machine: run apt-get update first" >&2
  exit 2
fi
printf '\n' >> "$work/repo/Packages"
cat crates/fleetpin-plan/tests/fixtures/docker-buster/Packages >> "$work/repo/Packages"
echo "stanzas: $(grep -c '^Package:' "$work/repo/Packages")"
cargo build --release -q -p fleetpin-plan --example plan_bench
bin=target/release/examples/plan_bench
# Same run: fleetpin on 200 hosts and apt-get on APT_HOSTS of them (median per host).
"$bin" "$work/repo/Packages" /var/lib/dpkg/status 200 "$APT_HOSTS"
# Scaling: time and peak RSS (GNU time if installed, else /proc via bash).
for n in 200 1000 5000; do
  if command -v /usr/bin/time >/dev/null; then
    /usr/bin/time -f "hosts=$n wall_s=%e peak_rss_kb=%M" "$bin" "$work/repo/Packages" /var/lib/dpkg/status "$n" 0
  else
    "$bin" "$work/repo/Packages" /var/lib/dpkg/status "$n" 0
  fi
done
