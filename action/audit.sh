#!/usr/bin/env bash
# The optional `fleetpin audit` step of action.yml (input `audit: true`): checks the locked
# versions against the hazards database. Its exit status is the step's: 1 when a hazard matches.
set -euo pipefail
: "${GITHUB_WORKSPACE:?set by the runner}"
cd "$GITHUB_WORKSPACE"
read -r -a args <<<"${FLEETPIN_AUDIT_ARGS:-}"
exec fleetpin audit "${args[@]}"
