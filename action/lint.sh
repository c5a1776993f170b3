#!/usr/bin/env bash
# The `fleetpin lint` step of action.yml: the findings in the log (annotations with the default
# `github` format), a SARIF file for code scanning, counts in GITHUB_OUTPUT and the job summary.
# The step itself succeeds; the action's last step fails the job after the SARIF upload, so the
# findings reach code scanning whatever the verdict.
set -euo pipefail
: "${GITHUB_OUTPUT:?set by the runner}" "${GITHUB_WORKSPACE:?set by the runner}"
out_dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/fleetpin"
mkdir -p "$out_dir"
sarif="$out_dir/fleetpin.sarif"
json="$out_dir/fleetpin.json"

format="${FLEETPIN_FORMAT:-github}"
case "$format" in
github | full | text | concise) ;;
*) echo "::error title=fleetpin::format must be github, full or concise, not '$format'" >&2; exit 2 ;;
esac
fail_on="${FLEETPIN_FAIL_ON:-warning}"
case "$fail_on" in
warning | error | never) ;;
*) echo "::error title=fleetpin::fail-on must be warning, error or never, not '$fail_on'" >&2; exit 2 ;;
esac

read -r -a paths <<<"${FLEETPIN_PATHS:-.}"
[ "${#paths[@]}" -gt 0 ] || paths=(.)
common=()
[ -z "${FLEETPIN_CONFIG:-}" ] || common+=(--config "$FLEETPIN_CONFIG")
cd "$GITHUB_WORKSPACE"

# Findings exit 1, which is not this step's verdict; 2 (usage, unreadable input) is kept.
exit2=0
run() {
  local status=0
  fleetpin lint "${common[@]}" "$@" -- "${paths[@]}" || status=$?
  [ "$status" -le 1 ] || exit2=1
}
run --format "$format" --color never
run --format sarif --output-file "$sarif" --quiet
run --format json --output-file "$json" --quiet

[ -s "$json" ] || { echo "::error title=fleetpin::fleetpin lint wrote no report (exit status 2 above)" >&2; exit 2; }
read -r findings errors warnings input_errors < <(
  jq -r '.summary | "\(.findings) \(.errors) \(.warnings) \(.input_errors)"' "$json"
)
failed=false
reason=""
if [ "$input_errors" -gt 0 ] || [ "$exit2" -ne 0 ]; then
  failed=true
  reason="fleetpin could not read all its input"
elif [ "$fail_on" = warning ] && [ "$findings" -gt 0 ]; then
  failed=true
  reason="$findings floating version(s) found"
elif [ "$fail_on" = error ] && [ "$errors" -gt 0 ]; then
  failed=true
  reason="$errors error-level finding(s)"
fi
{
  echo "findings=$findings"
  echo "errors=$errors"
  echo "sarif-file=$sarif"
  echo "failed=$failed"
  echo "reason=$reason"
} >>"$GITHUB_OUTPUT"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo "### fleetpin lint"
    echo
    echo "| findings | errors | warnings | input errors |"
    echo "| --- | --- | --- | --- |"
    echo "| $findings | $errors | $warnings | $input_errors |"
    echo
    if [ "$findings" -gt 0 ]; then
      echo "| rule | count |"
      echo "| --- | --- |"
      jq -r '.summary.by_code | to_entries[] | "| `\(.key)` | \(.value) |"' "$json"
    fi
  } >>"$GITHUB_STEP_SUMMARY"
fi
