#!/usr/bin/env bash
# bench/soak: a warm-up plus SECONDS of mixed load against the real flexport-agent and
# flexport-sim (signed webhooks to the public listener, API calls through the egress
# proxy, probes and rule evaluation every second, and a fault cycle: outage, 429 storm,
# status page major, webhook secret mismatch, app down, key rotated, partial outage),
# then checks that RSS over the SECONDS after the warm-up grew < 5 %, open fds stayed
# flat, no acked webhook was lost and every fault's alert fired and resolved. Prints the figures; exits 1 when a criterion fails.
#
# The warm-up lasts until the rule engine's series store holds its full retention (the
# soak's rules: 1 min lookback + 5 min = 6 min, plus 30 s; SOAK_WARMUP=seconds overrides):
# the store grows by design until then, so growth after it is what a leak would show.
# Usage: bench/soak/run.sh [BUILD_DIR] [SECONDS]   (defaults: build, 600)
# Environment: SOAK_WEBHOOK_RATE (50/s), SOAK_PROXY_RATE (50/s), SOAK_CYCLE (60 s between
# faults, each held half of it), SOAK_KEEP=1 keeps the work directory (logs, samples.csv).
set -euo pipefail
BUILD_DIR=${1:-build}
SECONDS_TOTAL=${2:-600}
HERE=$(cd "$(dirname "$0")" && pwd)
SRC=$(cd "$HERE/../.." && pwd)
AGENT=$BUILD_DIR/agent/flexport-agent
SIM=$BUILD_DIR/sim/flexport-sim
[ -x "$AGENT" ] && [ -x "$SIM" ] || { echo "build first: make build (missing $AGENT or $SIM)" >&2; exit 1; }
WORK=$(mktemp -d /tmp/fxagent-soak-XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ "${SOAK_KEEP:-0}" = 1 ]; then echo "work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

API_KEY=soak_api_key_3e7b
SECRET=soak_whsec_91c4
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_file() { for _ in $(seq 1 400); do [ -s "$1" ] && return 0; sleep 0.05; done; echo "timed out waiting for $1" >&2; return 1; }
wait_http() { for _ in $(seq 1 400); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.05; done; echo "timed out waiting for $1" >&2; return 1; }

# The integration's webhook endpoint and the on-call's notification endpoint.
APP_PORT=$(free_port)
ALERTS_PORT=$(free_port)
: >"$WORK/app.ids"; : >"$WORK/alerts.jsonl"
python3 "$HERE/receivers.py" app "$APP_PORT" "$WORK/app.ids" 2>"$WORK/app.log" & PIDS+=($!)
python3 "$HERE/receivers.py" alerts "$ALERTS_PORT" "$WORK/alerts.jsonl" 2>"$WORK/alerts.log" & PIDS+=($!)

# A bucket that never drains under the soak's load: only the 429-storm fault rate-limits.
"$SIM" --listen 127.0.0.1:0 --port-file "$WORK/sim.port" --api-key "$API_KEY" \
  --webhook-secret "$SECRET" --latency-ms 1 --rate-limit-capacity 1000000 \
  --rate-limit-refill 1000000 --quiet >"$WORK/sim.log" 2>&1 & PIDS+=($!)
wait_file "$WORK/sim.port"
SIM_URL="http://127.0.0.1:$(cat "$WORK/sim.port")"
wait_http "$SIM_URL/_sim/state"
for port in "$APP_PORT" "$ALERTS_PORT"; do  # both receivers answer before anything starts
  for _ in $(seq 1 400); do curl -fsS -o /dev/null -X POST -d '{}' "http://127.0.0.1:$port/_control" 2>/dev/null && break; sleep 0.05; done
done

# The default rules with hold times and windows scaled to a 60 s fault cycle.
python3 "$HERE/fast_rules.py" "$SRC/rules/default.toml" "$WORK/rules.toml"
cat >"$WORK/agent.toml" <<TOML
[agent]
instance = "soak"
data_dir = "$WORK/data"
[listen]
public = "127.0.0.1:0"
internal = "127.0.0.1:0"
egress = "127.0.0.1:0"
[flexport]
api_base = "$SIM_URL"
api_key = "\${SOAK_API_KEY}"
status_page = "$SIM_URL"
api_key_expires_at = "2030-01-01T00:00:00Z"
[probes]
interval = "1s"
timeout = "2s"
status_page_interval = "1s"
subscription_interval = "2s"
[webhooks]
secrets = ["\${SOAK_WEBHOOK_SECRET}"]
forward_to = "http://127.0.0.1:$APP_PORT/webhooks/flexport"
max_attempts = 3
[[webhooks.expect]]
types = ["shipment.milestone"]
max_gap = "10s"
[rules]
files = ["$WORK/rules.toml"]
evaluation_interval = "1s"
[[receivers]]
name = "soak-hook"
type = "webhook"
url = "http://127.0.0.1:$ALERTS_PORT/"
[[routes]]
receivers = ["soak-hook"]
group_wait = "0s"
group_interval = "1s"
TOML
SOAK_API_KEY=$API_KEY SOAK_WEBHOOK_SECRET=$SECRET "$AGENT" run -c "$WORK/agent.toml" \
  --log-level warn 2>"$WORK/agent.log" & AGENT_PID=$!
PIDS+=($AGENT_PID)
wait_file "$WORK/data/listen.json" || { tail -20 "$WORK/agent.log" >&2; exit 1; }
listen() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$WORK/data/listen.json" "$1"; }
INTERNAL=$(listen internal)
wait_http "http://$INTERNAL/healthz"

set +e
python3 "$HERE/drive.py" --seconds "$SECONDS_TOTAL" --cycle "${SOAK_CYCLE:-60}" --warmup "${SOAK_WARMUP:--1}" ${SOAK_FAULTS:+--faults "$SOAK_FAULTS"} \
  --webhook-rate "${SOAK_WEBHOOK_RATE:-50}" --proxy-rate "${SOAK_PROXY_RATE:-50}" \
  --agent-pid "$AGENT_PID" --sim "$SIM_URL" --public "$(listen public)" \
  --internal "$INTERNAL" --egress "$(listen egress)" \
  --app-control "http://127.0.0.1:$APP_PORT/_control" --app-ids "$WORK/app.ids" \
  --alerts "$WORK/alerts.jsonl" --api-key "$API_KEY" --secret "$SECRET" --out "$WORK"
STATUS=$?
set -e
if ! kill -0 "$AGENT_PID" 2>/dev/null; then echo "the agent died during the soak:" >&2; tail -20 "$WORK/agent.log" >&2; STATUS=1; fi
exit $STATUS
