#!/usr/bin/env bash
# bench/footprint: the agent with the default probe schedule against flexport-sim, side
# by side with prometheus-blackbox-exporter probing the same endpoints at the same rate,
# in the same run. Prints RSS and CPU time of both and the ratios.
#
# Usage: bench/footprint/run.sh [BUILD_DIR] [SECONDS]   (defaults: build, 60)
set -euo pipefail
BUILD_DIR=${1:-build}
DURATION=${2:-60}
AGENT=$BUILD_DIR/agent/flexport-agent
SIM=$BUILD_DIR/sim/flexport-sim
BLACKBOX=$(command -v prometheus-blackbox-exporter || true)
[ -x "$AGENT" ] && [ -x "$SIM" ] || { echo "build first: make build" >&2; exit 1; }
[ -n "$BLACKBOX" ] || { echo "prometheus-blackbox-exporter missing: scripts/install-deps" >&2; exit 1; }

WORK=$(mktemp -d /tmp/fxagent-footprint-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 200); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.05; done; echo "not ready: $1" >&2; return 1; }

KEY=bench-key
"$SIM" --listen 127.0.0.1:0 --port-file "$WORK/sim.port" --api-key "$KEY" --quiet \
  --rate-limit-capacity 100000 --rate-limit-refill 100000 >"$WORK/sim.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 200); do [ -s "$WORK/sim.port" ] && break; sleep 0.05; done
SIM_URL="http://127.0.0.1:$(cat "$WORK/sim.port")"
ENDPOINTS=("/shipments?per=1" "/bookings?per=1" "/purchase_orders?per=1" "/invoices?per=1" "/products?per=1")

# The agent: SPEC defaults (15 s API probes, 60 s status page, 5 min subscription).
AGENT_INTERNAL=$(free_port)
cat >"$WORK/agent.toml" <<TOML
[agent]
instance = "bench"
data_dir = "$WORK/agent-data"
[listen]
public = "127.0.0.1:0"
internal = "127.0.0.1:$AGENT_INTERNAL"
egress = "127.0.0.1:0"
[flexport]
api_base = "$SIM_URL"
api_key = "$KEY"
status_page = "$SIM_URL"
TOML
"$AGENT" run -c "$WORK/agent.toml" 2>"$WORK/agent.log" &
AGENT_PID=$!
PIDS+=($AGENT_PID)

# blackbox_exporter: one module with the same headers, probed by this script at the same
# schedule a Prometheus would (and the agent's own /metrics scraped at the same rate).
BB_PORT=$(free_port)
cat >"$WORK/blackbox.yml" <<YAML
modules:
  flexport_api:
    prober: http
    timeout: 10s
    http:
      method: GET
      headers:
        Authorization: "Bearer $KEY"
        Flexport-Version: "2"
      valid_status_codes: [200]
YAML
"$BLACKBOX" --config.file="$WORK/blackbox.yml" --web.listen-address="127.0.0.1:$BB_PORT" \
  >"$WORK/blackbox.log" 2>&1 &
BB_PID=$!
PIDS+=($BB_PID)
wait_http "http://127.0.0.1:$AGENT_INTERNAL/healthz"
wait_http "http://127.0.0.1:$BB_PORT/metrics"

urlencode() { python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
BB_TARGETS=()
for e in "${ENDPOINTS[@]}"; do BB_TARGETS+=("$(urlencode "$SIM_URL$e")"); done
BB_STATUS=$(urlencode "$SIM_URL/api/v2/summary.json")
BB_HOOKS=$(urlencode "$SIM_URL/webhooks")

cpu_seconds() { awk -v t="$(getconf CLK_TCK)" '{sub(/.*\) /,""); print ($12+$13)/t}' "/proc/$1/stat"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
pss_kib() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }
anon_kib() { awk '/^Anonymous:/ {print $2}' "/proc/$1/smaps_rollup"; }

echo "footprint: ${DURATION}s, 5 API endpoints every 15s, status page every 60s, subscription every 5m"
START=$(date +%s)
tick=0
while [ $(( $(date +%s) - START )) -lt "$DURATION" ]; do
  if [ $((tick % 15)) -eq 0 ]; then
    for t in "${BB_TARGETS[@]}"; do curl -fsS -o /dev/null "http://127.0.0.1:$BB_PORT/probe?module=flexport_api&target=$t" & done
    curl -fsS -o /dev/null "http://127.0.0.1:$AGENT_INTERNAL/metrics" &
  fi
  [ $((tick % 60)) -eq 0 ] && curl -fsS -o /dev/null "http://127.0.0.1:$BB_PORT/probe?module=flexport_api&target=$BB_STATUS" &
  [ $((tick % 300)) -eq 0 ] && curl -fsS -o /dev/null "http://127.0.0.1:$BB_PORT/probe?module=flexport_api&target=$BB_HOOKS" &
  sleep 1
  tick=$((tick + 1))
done
wait_jobs() { for j in $(jobs -p); do case " ${PIDS[*]} " in *" $j "*) ;; *) wait "$j" 2>/dev/null || true;; esac; done; }
wait_jobs

A_CPU=$(cpu_seconds $AGENT_PID); A_RSS=$(rss_kib $AGENT_PID); A_HWM=$(hwm_kib $AGENT_PID)
A_PSS=$(pss_kib $AGENT_PID); A_ANON=$(anon_kib $AGENT_PID)
B_CPU=$(cpu_seconds $BB_PID); B_RSS=$(rss_kib $BB_PID); B_HWM=$(hwm_kib $BB_PID)
B_PSS=$(pss_kib $BB_PID); B_ANON=$(anon_kib $BB_PID)
PROBES=$(curl -fsS "http://127.0.0.1:$AGENT_INTERNAL/metrics" | awk '/^flexport_api_requests_total/ {s+=$2} END {print s+0}')

printf '%-28s %10s %10s %10s %10s %9s\n' "" "RSS KiB" "peak KiB" "PSS KiB" "anon KiB" "CPU s"
printf '%-28s %10s %10s %10s %10s %9.2f\n' "flexport-agent" "$A_RSS" "$A_HWM" "$A_PSS" "$A_ANON" "$A_CPU"
printf '%-28s %10s %10s %10s %10s %9.2f\n' "prometheus-blackbox-exporter" "$B_RSS" "$B_HWM" "$B_PSS" "$B_ANON" "$B_CPU"
awk -v a="$A_RSS" -v b="$B_RSS" -v ap="$A_PSS" -v bp="$B_PSS" -v aa="$A_ANON" -v ba="$B_ANON" \
    -v ac="$A_CPU" -v bc="$B_CPU" 'BEGIN {
  printf "ratio agent/blackbox: RSS %.2fx (target <= 0.60x), PSS %.2fx, anonymous %.2fx, CPU %.2fx (target <= 1.00x)\n",
         a/b, ap/bp, aa/ba, (bc > 0 ? ac/bc : 0) }'
echo "agent API requests recorded: $PROBES"
