#!/usr/bin/env bash
# bench/webhook_ingest: webhook ingest throughput and acknowledgement latency of the agent
# (durable: SQLite WAL + synchronous=FULL, group commit; forwarding off) against a minimal
# Node.js/Express receiver written the way Flexport's guides recommend (bench/peers/
# express-receiver: raw body, HMAC check, JSON parse, in-memory dedup, no durability), in
# the same run, with the same wrk load: 32 connections posting distinct signed ~1 KB events.
#
# RUNS rounds (default 3), interleaved: each starts a fresh agent (empty data_dir) and a
# fresh Express, measures both cold (the first SECONDS after start, no warm-up), then
# warmed (after WARMUP s of load) for SECONDS more. Prints every run and, per phase, the
# spread; the p99 target counts as met only when every run meets it.
#
# Usage: bench/webhook_ingest/run.sh [BUILD_DIR] [SECONDS] [RUNS]   (defaults: build, 10, 3)
# Needs: scripts/install-bench-deps (wrk, node, npm ci of the receiver).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${1:-build}
DURATION=${2:-10}
RUNS=${3:-3}
P99_TARGET_MS=10
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

# Enough distinct events for the fastest expected rate, per target and phase; every run
# starts fresh stores (the agent's data_dir, Express' in-memory dedup), so runs reuse them.
COUNT=${BODIES:-$(( 25000 * DURATION ))}
echo "generating $COUNT signed events per target and phase (+ warm-up)..." >&2
for t in agent express; do
  for phase in cold warm; do
    python3 "$HERE/gen_bodies.py" "$WORK/$t.$phase.bodies" "$COUNT" "$SECRET" "$t$phase" &
  done
done
python3 "$HERE/gen_bodies.py" "$WORK/warmup.bodies" 20000 "$SECRET" warmup &
wait

http_ok() { curl -fsS -o /dev/null "$1" 2>/dev/null; }
wait_for() { for _ in $(seq 1 400); do "$@" && return 0; sleep 0.025; done; echo "not ready: $*" >&2; return 1; }

bench() {  # URL BODIES SECONDS -> the RESULT line
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${3}s" --latency -s "$HERE/post.lua" "$1" -- "$2" "$THREADS" \
    | grep '^RESULT'
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
rows() { python3 -c 'import sqlite3,sys; print(sqlite3.connect("file:"+sys.argv[1]+"?mode=ro", uri=True).execute("select count(*) from events").fetchone()[0])' "$WORK/agent-data/webhooks.db"; }

# Starts a fresh agent (record-only, forward_to = "", durable store) and Express.
start_targets() {
  rm -rf "$WORK/agent-data"
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
  : >"$WORK/express.log"
  (cd "$RECEIVER" && PORT=0 SECRET=$SECRET exec node server.js) >"$WORK/express.log" 2>&1 &
  EXPRESS_PID=$!
  PIDS+=("$EXPRESS_PID")
  wait_for grep -q '^listening' "$WORK/express.log"
  EXPRESS_PORT=$(awk '/^listening/ {print $2; exit}' "$WORK/express.log")
}
stop_targets() {
  kill "$AGENT_PID" "$EXPRESS_PID" 2>/dev/null || true
  wait "$AGENT_PID" "$EXPRESS_PID" 2>/dev/null || true
}

: >"$WORK/results"
for run in $(seq 1 "$RUNS"); do
  start_targets
  for phase in cold warm; do
    if [ "$phase" = warm ]; then
      echo "run $run: warm-up ${WARMUP}s each..." >&2
      bench "http://$AGENT_PUBLIC/webhooks/flexport" "$WORK/warmup.bodies" "$WARMUP" >/dev/null
      bench "http://127.0.0.1:$EXPRESS_PORT/webhooks/flexport" "$WORK/warmup.bodies" "$WARMUP" >/dev/null
    fi
    ROWS_BEFORE=$(rows)
    echo "run $run, $phase: agent ${DURATION}s, $CONNECTIONS connections..." >&2
    A=$(bench "http://$AGENT_PUBLIC/webhooks/flexport" "$WORK/agent.$phase.bodies" "$DURATION")
    sleep 0.2  # requests cut off by wrk's deadline finish their commit
    STORED=$(( $(rows) - ROWS_BEFORE ))
    echo "run $run, $phase: express ${DURATION}s, $CONNECTIONS connections..." >&2
    E=$(bench "http://127.0.0.1:$EXPRESS_PORT/webhooks/flexport" "$WORK/express.$phase.bodies" "$DURATION")
    OK=$(( $(field "$A" requests) - $(field "$A" status_errors) ))
    [ "$STORED" -ge "$OK" ] || echo "warning: run $run $phase: $OK responses with 200 but $STORED events stored" >&2
    for t in agent express; do
      r=$A; [ $t = express ] && r=$E
      [ "$(field "$r" wrapped)" = 0 ] || echo "warning: $t used every precomputed body; later requests were duplicates (raise BODIES)" >&2
      echo "$run $phase $t $(field "$r" rps) $(field "$r" p50_ms) $(field "$r" p90_ms) $(field "$r" p99_ms) $(field "$r" max_ms) $(field "$r" status_errors) $(field "$r" socket_errors)" >>"$WORK/results"
    done
  done
  stop_targets
done

python3 - "$WORK/results" "$P99_TARGET_MS" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
target = float(sys.argv[2])
print(f"\n{'run':>3} {'phase':<5} {'target':<8} {'requests/s':>11} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8} {'non2xx':>7} {'sockerr':>7}")
for r in rows:
    print(f"{r[0]:>3} {r[1]:<5} {r[2]:<8} {float(r[3]):>11.0f} {r[4]:>8} {r[5]:>8} {r[6]:>8} {r[7]:>8} {r[8]:>7} {r[9]:>7}")
print()
for phase in ("cold", "warm"):
    get = lambda t, i: [float(r[i]) for r in rows if r[1] == phase and r[2] == t]
    a_rps, e_rps = get("agent", 3), get("express", 3)
    ratios = [a / e for a, e in zip(a_rps, e_rps)]
    for t in ("agent", "express"):
        p99 = get(t, 6)
        print(f"{phase} {t}: requests/s {min(get(t, 3)):.0f}-{max(get(t, 3)):.0f}, "
              f"p99 {min(p99)}-{max(p99)} ms (median {statistics.median(p99)})")
    a_p99 = get("agent", 6)
    bad = sum(int(float(r[8])) for r in rows if r[1] == phase and r[2] == "agent")
    met = all(p <= target for p in a_p99) and bad == 0
    print(f"{phase}: throughput agent/express {min(ratios):.2f}-{max(ratios):.2f}x (target >= 2.5x); "
          f"agent p99 <= {target:g} ms in every run: {'met' if met else 'NOT met'}")
PY
echo "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s, $RUNS runs; host: $(nproc) CPUs, $(uname -r); every agent 200 is sent only after its group commit reached disk (synchronous=FULL)"
