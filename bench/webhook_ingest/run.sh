#!/usr/bin/env bash
# bench/webhook_ingest: webhook ingest throughput and acknowledgement latency of the agent
# (durable: SQLite WAL + synchronous=FULL, group commit; forwarding off) against a minimal
# Node.js/Express receiver written the way Flexport's guides recommend (bench/peers/
# express-receiver: raw body, HMAC check, JSON parse, in-memory dedup, no durability), in
# the same run, with the same wrk load: 32 connections posting distinct signed ~1 KB events.
#
# Usage: bench/webhook_ingest/run.sh [BUILD_DIR] [SECONDS]   (defaults: build, 10)
# Needs: scripts/install-bench-deps (wrk, node, npm ci of the receiver).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${1:-build}
DURATION=${2:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${WRK_THREADS:-2}
WARMUP=${WARMUP:-2}
AGENT=$BUILD_DIR/agent/flexport-agent
RECEIVER=$ROOT/bench/peers/express-receiver
[ -x "$AGENT" ] || { echo "build first: $AGENT missing" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk missing: scripts/install-bench-deps" >&2; exit 1; }
[ -d "$RECEIVER/node_modules/express" ] || { echo "express missing: scripts/install-bench-deps" >&2; exit 1; }
[ "$DURATION" -ge 8 ] || { echo "run at least 8 s" >&2; exit 1; }

# Disk-backed (not tmpfs) so the agent's fsyncs are real.
WORK=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/fxagent-ingest-XXXXXX")
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
SECRET=bench-webhook-secret

# Enough distinct events for the fastest expected rate; the Lua script reports a wrap.
COUNT=${BODIES:-$(( 25000 * DURATION ))}
echo "generating $COUNT signed events per target (+ warm-up)..." >&2
python3 "$HERE/gen_bodies.py" "$WORK/agent.bodies" "$COUNT" "$SECRET" agent &
python3 "$HERE/gen_bodies.py" "$WORK/express.bodies" "$COUNT" "$SECRET" express &
python3 "$HERE/gen_bodies.py" "$WORK/warmup.bodies" 20000 "$SECRET" warmup &
wait

http_ok() { curl -fsS -o /dev/null "$1" 2>/dev/null; }
wait_for() { for _ in $(seq 1 400); do "$@" && return 0; sleep 0.025; done; echo "not ready: $*" >&2; return 1; }

# --- the agent: record-only (forward_to = ""), durable store in $WORK/agent-data ---
cat >"$WORK/agent.toml" <<TOML
[agent]
instance = "bench"
data_dir = "$WORK/agent-data"
[listen]
public = "127.0.0.1:0"
internal = "127.0.0.1:0"
egress = "127.0.0.1:0"
[flexport]
api_base = "http://127.0.0.1:9"
api_key = "unused"
status_page = ""
[probes]
interval = "1h"
status_page_interval = "1h"
subscription_interval = "1h"
[webhooks]
secrets = ["$SECRET"]
forward_to = ""
TOML
"$AGENT" run -c "$WORK/agent.toml" 2>"$WORK/agent.log" &
AGENT_PID=$!
PIDS+=("$AGENT_PID")
wait_for test -s "$WORK/agent-data/listen.json"
read -r AGENT_PUBLIC AGENT_INTERNAL < <(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["public"], j["internal"])' "$WORK/agent-data/listen.json")
wait_for http_ok "http://$AGENT_INTERNAL/readyz"

# --- the Express receiver ---
(cd "$RECEIVER" && PORT=0 SECRET=$SECRET exec node server.js) >"$WORK/express.log" 2>&1 &
PIDS+=($!)
wait_for grep -q '^listening' "$WORK/express.log"
EXPRESS_PORT=$(awk '/^listening/ {print $2; exit}' "$WORK/express.log")

rows() { python3 -c 'import sqlite3,sys; print(sqlite3.connect("file:"+sys.argv[1]+"?mode=ro", uri=True).execute("select count(*) from events").fetchone()[0])' "$WORK/agent-data/webhooks.db"; }

bench() {  # URL BODIES SECONDS -> the RESULT line
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${3}s" --latency -s "$HERE/post.lua" "$1" -- "$2" "$THREADS" \
    | grep '^RESULT'
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }

echo "warm-up ${WARMUP}s each..." >&2
bench "http://$AGENT_PUBLIC/webhooks/flexport" "$WORK/warmup.bodies" "$WARMUP" >/dev/null
bench "http://127.0.0.1:$EXPRESS_PORT/webhooks/flexport" "$WORK/warmup.bodies" "$WARMUP" >/dev/null

ROWS_BEFORE=$(rows)
echo "agent: ${DURATION}s, $CONNECTIONS connections..." >&2
AGENT_RESULT=$(bench "http://$AGENT_PUBLIC/webhooks/flexport" "$WORK/agent.bodies" "$DURATION")
sleep 0.2  # requests cut off by wrk's deadline finish their commit
ROWS_AFTER=$(rows)
echo "express: ${DURATION}s, $CONNECTIONS connections..." >&2
EXPRESS_RESULT=$(bench "http://127.0.0.1:$EXPRESS_PORT/webhooks/flexport" "$WORK/express.bodies" "$DURATION")

printf '\n%-8s %12s %10s %10s %10s %10s %8s %8s\n' target "requests/s" "p50 ms" "p90 ms" "p99 ms" "max ms" non2xx sockerr
for t in agent express; do
  r=$AGENT_RESULT; [ $t = express ] && r=$EXPRESS_RESULT
  printf '%-8s %12s %10s %10s %10s %10s %8s %8s\n' $t "$(field "$r" rps)" "$(field "$r" p50_ms)" \
    "$(field "$r" p90_ms)" "$(field "$r" p99_ms)" "$(field "$r" max_ms)" \
    "$(field "$r" status_errors)" "$(field "$r" socket_errors)"
done
RATIO=$(python3 -c "print(f'{float(\"$(field "$AGENT_RESULT" rps)\") / float(\"$(field "$EXPRESS_RESULT" rps)\"):.2f}')")
AGENT_REQ=$(field "$AGENT_RESULT" requests)
AGENT_BAD=$(field "$AGENT_RESULT" status_errors)
STORED=$((ROWS_AFTER - ROWS_BEFORE))
echo
echo "throughput ratio agent/express: ${RATIO}x   (target >= 2.5x; p99 ack target <= 10 ms; non-2xx target 0)"
echo "agent durability: $STORED events in the SQLite store for $((AGENT_REQ - AGENT_BAD)) responses with 200 counted by wrk" \
     "(each 200 is sent only after its group commit reached disk, synchronous=FULL)"
for t in agent express; do
  r=$AGENT_RESULT; [ $t = express ] && r=$EXPRESS_RESULT
  [ "$(field "$r" wrapped)" = 0 ] || echo "warning: $t used every precomputed body; later requests were duplicates (raise BODIES)"
done
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s; host: $(nproc) CPUs, $(uname -r)"
