#!/usr/bin/env bash
# Runs every fuzz target of the project for a bounded time each.
#
# Usage: scripts/fuzz.sh [seconds-per-target] [name-filter]
#   scripts/fuzz.sh            # 60 s each, all targets (a minute per target
#                              # plus build time; grep -r '^func Fuzz' internal
#                              # lists them)
#   scripts/fuzz.sh 30 Load    # FuzzLoad only, 30 s
#
# Minimization is capped (-fuzzminimizetime 50x): by default the Go fuzzer
# spends up to 60 s shrinking every new interesting input before it goes
# on, and on targets where one execution is slow under coverage
# instrumentation (the OpenAPI loader, the blacklist) that showed as
# minutes at 0 execs/s. A failing input is still kept in
# testdata/fuzz/<Target>/ and replayed by plain `go test` afterwards.
set -euo pipefail
SECS="${1:-60}"
FILTER="${2:-}"
cd "$(dirname "$0")/.."
status=0
while IFS=: read -r file target; do
  [[ -n "$FILTER" && "$target" != *"$FILTER"* ]] && continue
  pkg="./$(dirname "$file")"
  echo "== $target ($pkg, ${SECS}s)"
  out="$(mktemp)"
  if go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "${SECS}s" -fuzzminimizetime 50x >"$out" 2>&1; then
    tail -3 "$out"
  else
    # The failing input, the panic or the hang report: more than the
    # last lines, which say only FAIL.
    tail -40 "$out"
    status=1
  fi
  rm -f "$out"
done < <(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' internal cmd | sed 's/:func /:/' | sort)
exit $status
