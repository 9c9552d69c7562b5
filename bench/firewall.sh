#!/usr/bin/env bash
# Load benchmark of `rampart protect` on loopback, bounded in time.
#
# Measures, in one run, POST /orders with a ~1 KB JSON body (request and
# response validated by rampart):
#   throughput with wrk against (a) the upstream directly, (b) a plain
#   httputil.ReverseProxy, (c) rampart; then latency at a fixed 1000
#   requests/s with hey against the same three (in bursts of ten and in
#   pairs); and prints the ratios.
#
# Usage: bench/firewall.sh [seconds]   (default 10: 9 wrk runs and 18 hey
# runs of half of it each, about 2.5 minutes at 10)
# Needs: go, wrk, hey (Debian: apt-get install -y wrk hey).
set -euo pipefail
DUR="${1:-10}"
cd "$(dirname "$0")/.."
for t in wrk hey go; do command -v "$t" >/dev/null || { echo "missing $t (apt-get install -y wrk hey)" >&2; exit 2; }; done
WORK="$(mktemp -d)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

go build -o "$WORK/rampart" ./cmd/rampart
go build -o "$WORK/upstream" ./bench/upstream

UP=127.0.0.1:18081 PLAIN=127.0.0.1:18082 FW=127.0.0.1:18083 ADMIN=127.0.0.1:19903
"$WORK/upstream" -listen "$UP" & PIDS+=($!)
"$WORK/upstream" -listen "$PLAIN" -proxy-to "http://$UP" & PIDS+=($!)
"$WORK/rampart" protect --spec internal/firewall/testdata/bench.yaml --upstream "http://$UP" \
  --listen "$FW" --admin "$ADMIN" --log "$WORK/audit.jsonl" --log-level warn & PIDS+=($!)

BODY="$WORK/body.json"
cat >"$BODY" <<'JSON'
{"customer":{"name":"Ada Lovelace","email":"ada@example.com","phone":"+44 20 7946 0958"},"items":[{"sku":"SKU-0000","quantity":1,"price":10.99,"note":"handle with care, item 0"},{"sku":"SKU-0001","quantity":2,"price":11.99,"note":"handle with care, item 1"},{"sku":"SKU-0002","quantity":3,"price":12.99,"note":"handle with care, item 2"},{"sku":"SKU-0003","quantity":4,"price":13.99,"note":"handle with care, item 3"},{"sku":"SKU-0004","quantity":5,"price":14.99,"note":"handle with care, item 4"},{"sku":"SKU-0005","quantity":6,"price":15.99,"note":"handle with care, item 5"},{"sku":"SKU-0006","quantity":7,"price":16.99,"note":"handle with care, item 6"},{"sku":"SKU-0007","quantity":8,"price":17.99,"note":"handle with care, item 7"}],"currency":"EUR","address":{"street":"12 Analytical Engine Road","city":"London","zip":"N1 9GU","country":"GB"},"notes":"Please deliver between 9 and 5 on weekdays; ring twice.","gift":false}
JSON
LUA="$WORK/post.lua"
printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nlocal f = io.open("%s")\nwrk.body = f:read("*a")\nf:close()\n' "$BODY" >"$LUA"

for i in $(seq 1 50); do
  curl -fsS "http://$ADMIN/readyz" >/dev/null 2>&1 && curl -fsS -o /dev/null "http://$UP/" -X POST -d '{}' 2>/dev/null && break
  sleep 0.1
done
# Sanity: each target accepts the body (201) before measuring.
for a in "$UP" "$PLAIN" "$FW"; do
  code=$(curl -s -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary @"$BODY" "http://$a/orders")
  [ "$code" = 201 ] || { echo "target $a answered $code" >&2; exit 1; }
done

. bench/lib.sh
HDUR=$(( DUR / 2 > 0 ? DUR / 2 : 1 ))
# Throughput: the three targets take turns for three rounds of DUR/2
# seconds; the median of each is kept (the machine's neighbours move the
# figures by 10-20% from one minute to the next).
declare -A RPS P99 WRUNS
for round in 1 2 3; do
  for name in direct plain rampart; do
    case $name in direct) a=$UP;; plain) a=$PLAIN;; rampart) a=$FW;; esac
    out=$(wrk -t1 -c32 -d"${HDUR}s" -s "$LUA" "http://$a/orders")
    WRUNS[$name]+="$(awk '/Requests\/sec/ {print $2}' <<<"$out") "
    sleep 1
  done
done
for name in direct plain rampart; do
  RPS[$name]=$(median "${WRUNS[$name]}")
  echo "wrk $name, req/s of 3 rounds: ${WRUNS[$name]}"
done
# hey -q is a rate per worker and the workers tick in step: -c 10 -q 100
# sends bursts of ten simultaneous requests every 10 ms, -c 2 -q 500
# pairs every 2 ms. Both are 1000 req/s; the first measures queueing
# behind a burst as much as the time each request takes. Latency moves
# with the machine's neighbours, so the three targets take turns for
# three rounds of DUR/2 seconds and the median p99 of each is kept.
declare -A P99B RUNS RUNSB
for round in 1 2 3; do
  for name in direct plain rampart; do
    case $name in direct) a=$UP;; plain) a=$PLAIN;; rampart) a=$FW;; esac
    out=$(hey -z "${HDUR}s" -c 10 -q 100 -m POST -T application/json -D "$BODY" "http://$a/orders")
    RUNS[$name]+="$(awk '/ 99% in / {print $3}' <<<"$out") "
    out=$(hey -z "${HDUR}s" -c 2 -q 500 -m POST -T application/json -D "$BODY" "http://$a/orders")
    RUNSB[$name]+="$(awk '/ 99% in / {print $3}' <<<"$out") "
  done
done
for name in direct plain rampart; do
  P99[$name]=$(median "${RUNS[$name]}")
  P99B[$name]=$(median "${RUNSB[$name]}")
  echo "hey $name at 1000 req/s, p99 of 3 rounds: bursts of 10: ${RUNS[$name]}s; pairs: ${RUNSB[$name]}s"
done
blocked=$(grep -c '"decision":"blocked"' "$WORK/audit.jsonl" || true)
echo
awk -v d="${RPS[direct]}" -v p="${RPS[plain]}" -v r="${RPS[rampart]}" \
    -v pd="${P99[direct]}" -v pp="${P99[plain]}" -v pr="${P99[rampart]}" \
    -v bd="${P99B[direct]}" -v bp="${P99B[plain]}" -v br="${P99B[rampart]}" 'BEGIN {
  printf "throughput (median of 3 rounds)  direct %.0f  plain-proxy %.0f  rampart %.0f req/s\n", d, p, r
  printf "ratio       rampart/plain-proxy %.2f   rampart/direct %.2f   plain/direct %.2f   (api-firewall: 0.3-0.5 of direct)\n", r/p, r/d, p/d
  printf "p99 @1k/s (median of 3 rounds)\n"
  printf "            bursts of 10: direct %.2f ms  plain-proxy %.2f ms  rampart %.2f ms; added by rampart vs plain %.2f ms, vs direct %.2f ms\n", pd*1000, pp*1000, pr*1000, (pr-pp)*1000, (pr-pd)*1000
  printf "            pairs:        direct %.2f ms  plain-proxy %.2f ms  rampart %.2f ms; added by rampart vs plain %.2f ms, vs direct %.2f ms\n", bd*1000, bp*1000, br*1000, (br-bp)*1000, (br-bd)*1000
}'
echo "audit records blocked during the run: $blocked (expect 0)"
