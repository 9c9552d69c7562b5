#!/usr/bin/env bash
# The audit step of the GitHub Action (action.yml), kept here so a test
# (internal/cli/action_test.go) can run it with a fake rampart on PATH.
#
# Precedence is the command's: an input the workflow sets (a flag) wins
# over the configuration file, which wins over the defaults. So a flag is
# passed only for an input that is set: the action used to pass its input
# defaults (--profile default --min-score 0 --fail-on high) every time,
# and they silently overrode a repository's .rampart.yaml (profile
# financial-rw, min-score 90, fail-on medium). The configuration (CONFIG,
# or ./.rampart.yaml when present) goes to every run, the log's text run
# included. Without any configuration the action fails on high findings,
# as it always has.
#
# Environment: SPEC (required), PROFILE, MIN_SCORE, FAIL_ON, CONFIG,
# GITHUB_OUTPUT (the step's outputs: sarif, code). Always exits 0: the
# action's last step applies the thresholds after the SARIF upload.
set -u
spec=${SPEC:?SPEC names the OpenAPI definition}
config=${CONFIG:-}
if [ -z "$config" ] && [ -f .rampart.yaml ]; then
  config=.rampart.yaml
fi
args=(audit "$spec")
if [ -n "$config" ]; then
  args+=(--config "$config")
fi
if [ -n "${PROFILE:-}" ]; then
  args+=(--profile "$PROFILE")
fi
if [ -n "${MIN_SCORE:-}" ]; then
  args+=(--min-score "$MIN_SCORE")
fi
if [ -n "${FAIL_ON:-}" ]; then
  args+=(--fail-on "$FAIL_ON")
elif [ -z "$config" ]; then
  args+=(--fail-on high)
fi
rampart "${args[@]}" --format sarif -o rampart-audit.sarif
code=$?
out=${GITHUB_OUTPUT:-/dev/null}
echo "sarif=rampart-audit.sarif" >> "$out"
echo "code=$code" >> "$out"
# The same audit again, as text for the job log.
rampart "${args[@]}" --format text || true
exit 0
