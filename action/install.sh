#!/usr/bin/env bash
# Steps of action.yml that install fleetpin. `key`: writes the install directory and the cache
# key (fleetpin's version, the ref the action is used at, the runner's OS and architecture) to
# GITHUB_OUTPUT. `install`: on a cache miss, `cargo install --locked` from the action's own
# checkout into that directory; then puts its bin/ on GITHUB_PATH.
set -euo pipefail
: "${GITHUB_ACTION_PATH:?set by the runner}" "${GITHUB_OUTPUT:?set by the runner}"

case "${1:-}" in
key)
  # The workspace version, from the root Cargo.toml's [workspace.package].
  version=$(sed -n '/^\[workspace.package\]/,/^\[/s/^version *= *"\(.*\)"/\1/p' "$GITHUB_ACTION_PATH/Cargo.toml" | head -1)
  [ -n "$version" ] || { echo "::error::no version in $GITHUB_ACTION_PATH/Cargo.toml" >&2; exit 2; }
  # The lock's hash too: a branch ref (`@main`) keeps its name while the code moves.
  lock=$(sha256sum "$GITHUB_ACTION_PATH/Cargo.lock" | cut -c1-16)
  ref=$(printf '%s' "${ACTION_REF:-local}" | tr -c 'A-Za-z0-9._-' '_')
  base="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}"
  {
    echo "version=$version"
    echo "dir=$base/fleetpin/$version-$ref"
    echo "key=fleetpin-$version-$ref-$lock-${RUNNER_OS:-Linux}-${RUNNER_ARCH:-X64}"
  } >>"$GITHUB_OUTPUT"
  ;;
install)
  : "${FLEETPIN_DIR:?}" "${GITHUB_PATH:?set by the runner}"
  if [ "${CACHE_HIT:-}" = "true" ] && [ -x "$FLEETPIN_DIR/bin/fleetpin" ]; then
    echo "fleetpin restored from the cache: $FLEETPIN_DIR/bin/fleetpin"
  else
    command -v cargo >/dev/null || {
      echo "::error title=fleetpin::cargo not found: add a Rust toolchain step before this action" >&2
      exit 2
    }
    cargo install --locked --root "$FLEETPIN_DIR" --path "$GITHUB_ACTION_PATH"
  fi
  "$FLEETPIN_DIR/bin/fleetpin" --version
  echo "$FLEETPIN_DIR/bin" >>"$GITHUB_PATH"
  ;;
*)
  echo "usage: install.sh key|install" >&2
  exit 2
  ;;
esac
