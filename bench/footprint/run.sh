#!/usr/bin/env bash
# bench/footprint: the agent with the default probe schedule against flexport-sim, side
# by side with prometheus-blackbox-exporter probing the same endpoints at the same rate,
# in the same run. Prints RSS and CPU time of both and the ratios.
# CPU time is the kernel's exact runtime of every thread the process ever had (wait4's
# rusage, from the scheduler's nanosecond clock, not /proc's 10 ms ticks), read when the
# process ends; both sides' probes must have succeeded, or the run fails.
#
# Usage: bench/footprint/run.sh [BUILD_DIR] [SECONDS]   (defaults: build, 300)
set -euo pipefail
BUILD_DIR=${1:-build}
DURATION=${2:-300}
AGENT=$BUILD_DIR/agent/flexport-agent
SIM=$BUILD_DIR/sim/flexport-sim
BLACKBOX=$(command -v prometheus-blackbox-exporter || true)
[ -x "$AGENT" ] && [ -x "$SIM" ] || { echo "build first: make build" >&2; exit 1; }
[ -n "$BLACKBOX" ] || { echo "prometheus-blackbox-exporter missing: scripts/install-deps" >&2; exit 1; }

WORK=$(mktemp -d /tmp/fxagent-footprint-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

# Runs a command as a child, forwards SIGTERM to it, and once it has ended writes its
# rusage (user + system CPU seconds, microsecond resolution, all threads) to a file.
cat >"$WORK/rusage.py" <<'PY'
import os, signal, sys
out, pidfile, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
child = os.fork()
if child == 0:
    os.execvp(argv[0], argv)
open(pidfile, "w").write(str(child))
signal.signal(signal.SIGTERM, lambda *_: os.kill(child, signal.SIGTERM))
while True:
    try:
        _, status, ru = os.wait4(child, 0)
        break
    except InterruptedError:
        continue
open(out, "w").write("%.6f\n" % (ru.ru_utime + ru.ru_stime))
sys.exit(os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else 0)
PY
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
python3 "$WORK/rusage.py" "$WORK/agent.cpu" "$WORK/agent.pid" \
  "$AGENT" run -c "$WORK/agent.toml" 2>"$WORK/agent.log" &
AGENT_WRAPPER=$!
PIDS+=($AGENT_WRAPPER)

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
python3 "$WORK/rusage.py" "$WORK/blackbox.cpu" "$WORK/blackbox.pid" \
  "$BLACKBOX" --config.file="$WORK/blackbox.yml" --web.listen-address="127.0.0.1:$BB_PORT" \
  >"$WORK/blackbox.log" 2>&1 &
BB_WRAPPER=$!
PIDS+=($BB_WRAPPER)
wait_http "http://127.0.0.1:$AGENT_INTERNAL/healthz"
wait_http "http://127.0.0.1:$BB_PORT/metrics"
AGENT_PID=$(cat "$WORK/agent.pid"); BB_PID=$(cat "$WORK/blackbox.pid")

urlencode() { python3 -c 'import sys,urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
BB_TARGETS=()
for e in "${ENDPOINTS[@]}"; do BB_TARGETS+=("$(urlencode "$SIM_URL$e")"); done
BB_STATUS=$(urlencode "$SIM_URL/api/v2/summary.json")
BB_HOOKS=$(urlencode "$SIM_URL/webhooks")

rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hwm_kib() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
pss_kib() { awk '/^Pss:/ {print $2}' "/proc/$1/smaps_rollup"; }
anon_kib() { awk '/^Anonymous:/ {print $2}' "/proc/$1/smaps_rollup"; }

# One blackbox probe: its result lands in a file, "ok" only when probe_success is 1.
bb_probe() {
  local out="$WORK/bb-probes/$RANDOM$RANDOM"
  if curl -fsS "http://127.0.0.1:$BB_PORT/probe?module=flexport_api&target=$1" 2>/dev/null |
       grep -q '^probe_success 1$'; then echo ok >"$out"; else echo "fail $1" >"$out"; fi
}
mkdir -p "$WORK/bb-probes"
echo "footprint: ${DURATION}s, 5 API endpoints every 15s, status page every 60s, subscription every 5m"
START=$(date +%s)
tick=0
while [ $(( $(date +%s) - START )) -lt "$DURATION" ]; do
  if [ $((tick % 15)) -eq 0 ]; then
    for t in "${BB_TARGETS[@]}"; do bb_probe "$t" & done
    curl -fsS -o /dev/null "http://127.0.0.1:$AGENT_INTERNAL/metrics" &
  fi
  if [ $((tick % 60)) -eq 0 ]; then bb_probe "$BB_STATUS" & fi
  if [ $((tick % 300)) -eq 0 ]; then bb_probe "$BB_HOOKS" & fi
  sleep 1
  tick=$((tick + 1))
done
wait_jobs() { for j in $(jobs -p); do case " ${PIDS[*]} " in *" $j "*) ;; *) wait "$j" 2>/dev/null || true;; esac; done; }
wait_jobs

A_RSS=$(rss_kib $AGENT_PID); A_HWM=$(hwm_kib $AGENT_PID)
A_PSS=$(pss_kib $AGENT_PID); A_ANON=$(anon_kib $AGENT_PID)
B_RSS=$(rss_kib $BB_PID); B_HWM=$(hwm_kib $BB_PID)
B_PSS=$(pss_kib $BB_PID); B_ANON=$(anon_kib $BB_PID)
METRICS=$(curl -fsS "http://127.0.0.1:$AGENT_INTERNAL/metrics")
PROBES=$(awk '/^flexport_api_requests_total/ {s+=$2} END {print s+0}' <<<"$METRICS")
# The agent's probes: every flexport_probe_success series is 1.
A_PROBE_FAIL=$(awk '/^flexport_probe_success[{ ]/ && $NF != 1 {n++} END {print n+0}' <<<"$METRICS")
A_PROBE_SERIES=$(grep -c '^flexport_probe_success[{ ]' <<<"$METRICS" || true)
B_PROBE_OK=$(cat "$WORK"/bb-probes/* | grep -c '^ok$' || true)
B_PROBE_FAIL=$(cat "$WORK"/bb-probes/* | grep -c '^fail' || true)

# End both (SIGTERM) and read their CPU time from wait4.
kill -TERM "$AGENT_WRAPPER" "$BB_WRAPPER"
wait "$AGENT_WRAPPER" "$BB_WRAPPER" 2>/dev/null || true
A_CPU=$(cat "$WORK/agent.cpu"); B_CPU=$(cat "$WORK/blackbox.cpu")

printf '%-28s %10s %10s %10s %10s %10s\n' "" "RSS KiB" "peak KiB" "PSS KiB" "anon KiB" "CPU ms"
printf '%-28s %10s %10s %10s %10s %10.1f\n' "flexport-agent" "$A_RSS" "$A_HWM" "$A_PSS" "$A_ANON" "$(awk -v c="$A_CPU" 'BEGIN {print c * 1000}')"
printf '%-28s %10s %10s %10s %10s %10.1f\n' "prometheus-blackbox-exporter" "$B_RSS" "$B_HWM" "$B_PSS" "$B_ANON" "$(awk -v c="$B_CPU" 'BEGIN {print c * 1000}')"
echo "probes: agent $PROBES API requests, $A_PROBE_SERIES probe series, $A_PROBE_FAIL failing; blackbox $B_PROBE_OK succeeded, $B_PROBE_FAIL failed"
status=0
if [ "$A_PROBE_SERIES" -eq 0 ] || [ "$A_PROBE_FAIL" -ne 0 ] || [ "$PROBES" -eq 0 ]; then
  echo "footprint: the agent's probes did not all succeed: not a comparison" >&2; status=1
fi
if [ "$B_PROBE_OK" -eq 0 ] || [ "$B_PROBE_FAIL" -ne 0 ]; then
  echo "footprint: blackbox_exporter's probes did not all succeed: not a comparison" >&2; status=1
fi
if awk -v a="$A_CPU" -v b="$B_CPU" 'BEGIN {exit !(a <= 0 || b <= 0)}'; then
  echo "footprint: a CPU time of 0: no ratio" >&2; status=1
fi
awk -v a="$A_RSS" -v b="$B_RSS" -v ap="$A_PSS" -v bp="$B_PSS" -v aa="$A_ANON" -v ba="$B_ANON" \
    -v ac="$A_CPU" -v bc="$B_CPU" 'BEGIN {
  printf "ratio agent/blackbox: RSS %.2fx (target <= 0.60x), PSS %.2fx, anonymous %.2fx", a/b, ap/bp, aa/ba
  if (ac > 0 && bc > 0) printf ", CPU %.3fx (target <= 1.00x)\n", ac/bc; else printf ", CPU n/a\n" }'
exit $status
