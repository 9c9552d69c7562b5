#!/usr/bin/env bash
# Compares `rampart audit` with Spectral's OWASP ruleset on every definition
# in the shared specs folder and prints, per Spectral rule, how many of its
# findings a Rampart finding covers and what is left (docs/audit.md,
# "Comparison with Spectral's OWASP ruleset"). A manual tool: CI does not run
# it, and it needs Node.js with Spectral installed:
#
#   mkdir -p /tmp/spectral && (cd /tmp/spectral && npm install \
#     @stoplight/spectral-cli @stoplight/spectral-owasp-ruleset)
#   SPECTRAL_DIR=/tmp/spectral scripts/compare-spectral.sh [OUT_DIR]
#
# SPECS (default ../shared/specs) is the folder of definitions; every .yaml,
# .yml and .json file in it is one, plus oai-v2.0-petstore-separate's root
# (its other files are fragments). BIG=0 skips stripe.yaml and
# api.github.com.yaml (Spectral takes minutes and gigabytes on them).
# RAMPART names a rampart binary to use instead of building one.
# TIMEOUT (default 600 s) caps each run. OUT_DIR (default /tmp/rampart-spectral)
# receives each tool's JSON, times.tsv (wall time and peak RSS of every
# run), details.tsv (every Spectral finding Rampart does not cover) and
# comparison.md (the tables).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SPECS=${SPECS:-$ROOT/../shared/specs}
OUT=${1:-${TMPDIR:-/tmp}/rampart-spectral}
SPECTRAL_DIR=${SPECTRAL_DIR:-}
TIMEOUT=${TIMEOUT:-600}
BIG=${BIG:-1}

if [ -n "${CI:-}" ]; then
	echo "compare-spectral: not run in CI (it needs Spectral and takes minutes)"
	exit 0
fi
if [ -n "$SPECTRAL_DIR" ] && [ -d "$SPECTRAL_DIR" ]; then SPECTRAL_DIR=$(cd "$SPECTRAL_DIR" && pwd); fi
if [ -n "$SPECTRAL_DIR" ] && [ -x "$SPECTRAL_DIR/node_modules/.bin/spectral" ]; then
	SPECTRAL=("$SPECTRAL_DIR/node_modules/.bin/spectral")
elif command -v spectral >/dev/null 2>&1; then
	SPECTRAL=(spectral)
elif command -v npx >/dev/null 2>&1 && npx --no-install spectral --version >/dev/null 2>&1; then
	SPECTRAL=(npx --no-install spectral)
else
	echo "compare-spectral: skipped, Spectral is not installed (see the comment at the top of $0)"
	exit 0
fi
if [ ! -d "$SPECS" ]; then
	echo "compare-spectral: skipped, no specs folder at $SPECS"
	exit 0
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
SPECS=$(cd "$SPECS" && pwd)
# The audit and the comparison run in the same folder: reports name external
# files relative to it.
cd "$ROOT"
# Spectral resolves `extends` from the ruleset's folder, so the ruleset sits
# next to the node_modules that hold the OWASP ruleset.
RULESET_DIR=${SPECTRAL_DIR:-$OUT}
RULESET="$RULESET_DIR/owasp-ruleset.yaml"
echo 'extends: ["@stoplight/spectral-owasp-ruleset"]' >"$RULESET"
RAMPART=${RAMPART:-}
if [ -z "$RAMPART" ]; then
	go build -o "$OUT/rampart" ./cmd/rampart
	RAMPART="$OUT/rampart"
fi

defs=()
while IFS= read -r f; do
	case "$f" in
	*/oai-v2.0-petstore-separate/*) continue ;;
	*/stripe.yaml | */api.github.com.yaml) [ "$BIG" = 1 ] || continue ;;
	esac
	defs+=("$f")
done < <(find "$SPECS" -maxdepth 1 -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) | sort)
if [ -f "$SPECS/oai-v2.0-petstore-separate/spec/swagger.json" ]; then
	defs+=("$SPECS/oai-v2.0-petstore-separate/spec/swagger.json")
fi

TIME=()
if [ -x /usr/bin/time ]; then TIME=(/usr/bin/time -f '%e\t%U\t%M' -o "$OUT/last.time"); fi

# record TOOL NAME: appends the last run's wall and user CPU seconds and
# peak RSS (MB).
record() {
	if [ -s "$OUT/last.time" ]; then
		awk -v t="$1" -v n="$2" -F'\t' 'END {printf "%s\t%s\t%s\t%s\t%.0f\n", t, n, $1, $2, $3/1024}' "$OUT/last.time" >>"$OUT/times.tsv"
	fi
	rm -f "$OUT/last.time"
}

compared=()
printf 'tool\tdefinition\twall_s\tuser_cpu_s\tpeak_rss_mb\n' >"$OUT/times.tsv"
for f in "${defs[@]}"; do
	name=${f#"$SPECS/"}
	name=${name//\//_}
	echo "== $name" >&2
	# Spectral exits 1 when it reports anything; only a timeout or a crash
	# (no JSON array written) is a failure.
	set +e
	"${TIME[@]}" timeout "$TIMEOUT" "${SPECTRAL[@]}" lint -q -r "$RULESET" -f json "$f" >"$OUT/$name.spectral.json" 2>"$OUT/$name.spectral.err"
	code=$?
	set -e
	record spectral "$name"
	if [ "$code" -gt 1 ] || ! head -c1 "$OUT/$name.spectral.json" | grep -q '\['; then
		echo "   spectral failed (exit $code), see $OUT/$name.spectral.err; definition left out" >&2
		continue
	fi
	set +e
	"${TIME[@]}" "$RAMPART" audit "$f" --ref-root "$SPECS" --format json -o "$OUT/$name.rampart.json" --max-file-size 100000000 2>"$OUT/$name.rampart.err"
	code=$?
	set -e
	record rampart "$name"
	if [ "$code" -gt 1 ]; then
		echo "   rampart audit failed (exit $code), see $OUT/$name.rampart.err; definition left out" >&2
		rm -f "$OUT/$name.spectral.json"
		continue
	fi
	compared+=("$f")
done

if [ "${#compared[@]}" -eq 0 ]; then
	echo "compare-spectral: no definition could be compared" >&2
	exit 1
fi
go run ./scripts/compare-spectral -dir "$OUT" -root "$SPECS" -ref-root "$SPECS" -details "$OUT/details.tsv" "${compared[@]}" >"$OUT/comparison.md"
cat "$OUT/comparison.md"
echo
echo "Times (wall and user CPU seconds, peak RSS in MB):"
column -t -s$'\t' "$OUT/times.tsv" 2>/dev/null || cat "$OUT/times.tsv"
echo
echo "Every uncovered Spectral finding: $OUT/details.tsv"
