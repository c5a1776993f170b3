#!/usr/bin/env bash
# Concurrent tag -> digest lookups against a registry with injected latency: N lookups through
# a loopback proxy that holds each request 100 ms in front of a real `docker-registry`,
# one at a time vs `Resolver::resolve_many` (concurrency 8) vs a warm `DigestCache`, medians
# in the same run. Needs docker-registry and skopeo (.ci/setup installs them).
#
# Usage: bash bench/pin/registry-latency.sh
#   FLEETPIN_BENCH_IMAGES=16 FLEETPIN_BENCH_LATENCY_MS=100 FLEETPIN_BENCH_RUNS=5 (defaults)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
cargo bench -q -p fleetpin-registry --bench registry_latency
