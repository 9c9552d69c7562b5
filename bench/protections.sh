#!/usr/bin/env bash
# Throughput of `rampart protect` with the default protections off and on,
# in one run, on loopback, bounded in time.
#
# Both firewalls enforce internal/firewall/testdata/bench.yaml in front of
# the same upstream; POST /orders with a ~1 KB JSON body. "on" adds, on top
# of the contract: IP rules (a deny list), a per-IP rate limit (memory
# store, high enough never to refuse), response hardening headers, CORS,
# the injection blacklist (default tier) over every string of the body,
# and the tamper-evident audit log (hash chain + Ed25519 checkpoints).
#
# Usage: bench/protections.sh [seconds]   (default 10: 6 wrk runs of half
# of it each)
# Needs: go, wrk (Debian: apt-get install -y wrk).
set -euo pipefail
DUR="${1:-10}"
cd "$(dirname "$0")/.."
for t in wrk go curl; do command -v "$t" >/dev/null || { echo "missing $t (apt-get install -y wrk curl)" >&2; exit 2; }; done
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

go build -o "$WORK/rampart" ./cmd/rampart
go build -o "$WORK/upstream" ./bench/upstream
"$WORK/rampart" log keygen --private "$WORK/audit.key" --public "$WORK/audit.pub" >/dev/null

UP=127.0.0.1:18181 OFF=127.0.0.1:18182 ON=127.0.0.1:18183
SPEC="$PWD/internal/firewall/testdata/bench.yaml"
cat >"$WORK/off.yaml" <<YAML
spec: $SPEC
upstream: http://$UP
listen: $OFF
admin: 127.0.0.1:19912
log: $WORK/off.jsonl
YAML
cat >"$WORK/on.yaml" <<YAML
spec: $SPEC
upstream: http://$UP
listen: $ON
admin: 127.0.0.1:19913
log: $WORK/on.jsonl
ip_rules:
  deny: [203.0.113.0/24]
rate_limits:
  rules:
    - {name: per-ip, key: ip, rate: 1000000, period: 1s, burst: 1000000}
cors:
  allowed_origins: ["https://app.example.com"]
blacklist:
  enabled: true
audit:
  tamper_evident: {enabled: true, signing_key: $WORK/audit.key}
YAML
"$WORK/rampart" config validate "$WORK/on.yaml" >/dev/null
"$WORK/upstream" -listen "$UP" & PIDS+=($!)
"$WORK/rampart" protect --config "$WORK/off.yaml" --log-level warn & PIDS+=($!)
"$WORK/rampart" protect --config "$WORK/on.yaml" --log-level warn & PIDS+=($!)

BODY="$WORK/body.json"
cat >"$BODY" <<'JSON'
{"customer":{"name":"Ada Lovelace","email":"ada@example.com","phone":"+44 20 7946 0958"},"items":[{"sku":"SKU-0000","quantity":1,"price":10.99,"note":"handle with care, item 0"},{"sku":"SKU-0001","quantity":2,"price":11.99,"note":"handle with care, item 1"},{"sku":"SKU-0002","quantity":3,"price":12.99,"note":"handle with care, item 2"},{"sku":"SKU-0003","quantity":4,"price":13.99,"note":"handle with care, item 3"},{"sku":"SKU-0004","quantity":5,"price":14.99,"note":"handle with care, item 4"},{"sku":"SKU-0005","quantity":6,"price":15.99,"note":"handle with care, item 5"},{"sku":"SKU-0006","quantity":7,"price":16.99,"note":"handle with care, item 6"},{"sku":"SKU-0007","quantity":8,"price":17.99,"note":"handle with care, item 7"}],"currency":"EUR","address":{"street":"12 Analytical Engine Road","city":"London","zip":"N1 9GU","country":"GB"},"notes":"Please deliver between 9 and 5 on weekdays; ring twice.","gift":false}
JSON
LUA="$WORK/post.lua"
printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nlocal f = io.open("%s")\nwrk.body = f:read("*a")\nf:close()\n' "$BODY" >"$LUA"

for a in 127.0.0.1:19912 127.0.0.1:19913; do
  for i in $(seq 1 100); do curl -fsS "http://$a/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
done
for a in "$OFF" "$ON"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @"$BODY" "http://$a/orders")
  [ "$code" = 201 ] || { echo "target $a answered $code" >&2; exit 1; }
done
hdrs=$(curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' --data-binary @"$BODY" "http://$ON/orders")
grep -qi '^content-security-policy:' <<<"$hdrs" && grep -qi '^ratelimit-policy:' <<<"$hdrs" || { echo "protections not active on $ON" >&2; exit 1; }

# The two take turns for three rounds of DUR/2 seconds and the median of
# each is compared: the machine's neighbours move single runs by 10-20%.
. bench/lib.sh
HDUR=$(( DUR / 2 > 0 ? DUR / 2 : 1 ))
declare -A RPS RUNS
for round in 1 2 3; do
  for name in off on; do
    case $name in off) a=$OFF;; on) a=$ON;; esac
    out=$(wrk -t1 -c32 -d"${HDUR}s" -s "$LUA" "http://$a/orders")
    RUNS[$name]+="$(awk '/Requests\/sec/ {print $2}' <<<"$out") "
    sleep 1
  done
done
for name in off on; do
  RPS[$name]=$(median "${RUNS[$name]}")
  echo "wrk protections $name, req/s of 3 rounds: ${RUNS[$name]}"
done
kill "${PIDS[2]}" && wait "${PIDS[2]}" 2>/dev/null || true   # final checkpoint
"$WORK/rampart" log verify "$WORK/on.jsonl" --key "$WORK/audit.pub" | tail -n 2
blocked=$(grep -c '"decision":"blocked"' "$WORK/on.jsonl" || true)
awk -v off="${RPS[off]}" -v on="${RPS[on]}" 'BEGIN { printf "throughput (median of 3 rounds)  off %.0f  on %.0f req/s   on/off %.2f\n", off, on, on/off }'
echo "blocked during the run with protections on: $blocked (expect 0)"
