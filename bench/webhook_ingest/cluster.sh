#!/usr/bin/env bash
# bench/webhook_ingest/cluster.sh: webhook ingest of the agent in cluster mode — two
# replicas sharing one PostgreSQL 15 on this machine (every 200 answered only after its
# transaction committed with synchronous_commit=on) — against the Express receiver
# (bench/peers/express-receiver: in-memory, no durability), in the same run, with the same
# total load: 32 connections (16 per replica, as a round-robin Service spreads them)
# posting distinct signed ~1 KB events. RUNS interleaved rounds; in each, the replicas
# are started fresh and measured cold (no warm-up), then warmed, then Express.
#
# Usage: bench/webhook_ingest/cluster.sh [BUILD_DIR] [SECONDS]  (defaults: build, 10; RUNS=3)
# Needs: scripts/install-bench-deps, and Debian's postgresql package (make test installs it).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD_DIR=${1:-build}
DURATION=${2:-10}
RUNS=${RUNS:-3}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=1  # per wrk process; two wrk processes drive the two replicas
AGENT=$BUILD_DIR/agent/flexport-agent
RECEIVER=$ROOT/bench/peers/express-receiver
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$AGENT" ] || { echo "build first: $AGENT missing" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk missing: scripts/install-bench-deps" >&2; exit 1; }
[ -d "$RECEIVER/node_modules/express" ] || { echo "express missing: scripts/install-bench-deps" >&2; exit 1; }
[ -n "$PGBIN" ] || { echo "PostgreSQL missing: apt-get install postgresql" >&2; exit 1; }

WORK=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/fxagent-cluster-XXXXXX")
PIDS=()
AS_PG=()
if [ "$(id -u)" -eq 0 ]; then AS_PG=(runuser -u postgres --); chown postgres "$WORK"; fi
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT
SECRET=bench-webhook-secret
PGPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 --no-locale >/dev/null
"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
  -o "-p $PGPORT -k $WORK -c listen_addresses=127.0.0.1 -c max_connections=100" start >/dev/null
URL="postgresql://postgres@127.0.0.1:$PGPORT/postgres"
psql_q() { "$PGBIN/psql" -X -A -t -d "$URL" -c "$1"; }

COUNT=${BODIES:-$(( 15000 * DURATION ))}
echo "generating signed events..." >&2
for n in $(seq 1 "$RUNS"); do
  for t in cold warm; do
    for r in 1 2; do python3 "$HERE/gen_bodies.py" "$WORK/$n-$t-$r.bodies" "$COUNT" "$SECRET" "r$n$t$r" & done
  done
  python3 "$HERE/gen_bodies.py" "$WORK/$n-express.bodies" "$COUNT" "$SECRET" "e$n" &
  python3 "$HERE/gen_bodies.py" "$WORK/$n-warmup-1.bodies" 10000 "$SECRET" "w$n-1" &
  python3 "$HERE/gen_bodies.py" "$WORK/$n-warmup-2.bodies" 10000 "$SECRET" "w$n-2" &
done
wait

http_ok() { curl -fsS -o /dev/null "$1" 2>/dev/null; }
wait_for() { for _ in $(seq 1 800); do "$@" && return 0; sleep 0.025; done; echo "not ready: $*" >&2; return 1; }

(cd "$RECEIVER" && PORT=0 SECRET=$SECRET exec node server.js) >"$WORK/express.log" 2>&1 &
PIDS+=($!)
wait_for grep -q '^listening' "$WORK/express.log"
EXPRESS_PORT=$(awk '/^listening/ {print $2; exit}' "$WORK/express.log")

AGENT_PIDS=()
start_replicas() {
  AGENT_PIDS=()
  for r in 1 2; do
    rm -rf "$WORK/data-$r"
    cat >"$WORK/agent-$r.toml" <<TOML
[agent]
instance = "bench-$r"
data_dir = "$WORK/data-$r"
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
[storage]
url = "$URL"
TOML
    "$AGENT" run -c "$WORK/agent-$r.toml" 2>"$WORK/agent-$r.log" &
    AGENT_PIDS+=($!)
  done
  for r in 1 2; do
    wait_for test -s "$WORK/data-$r/listen.json"
    read -r pub int < <(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["public"], j["internal"])' "$WORK/data-$r/listen.json")
    wait_for http_ok "http://$int/readyz"
    eval "PUBLIC_$r=$pub"
  done
}
stop_replicas() { for p in "${AGENT_PIDS[@]}"; do kill "$p"; wait "$p" 2>/dev/null || true; done; }

one() {  # URL BODIES SECONDS CONNECTIONS -> RESULT line
  wrk -t"$THREADS" -c"$4" -d"${3}s" --latency -s "$HERE/post.lua" "$1" -- "$2" "$THREADS" | grep '^RESULT'
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
pair() {  # BODIES-PREFIX SECONDS -> "rps p99 requests status_errors socket_errors"
  local half=$((CONNECTIONS / 2))
  one "http://$PUBLIC_1/webhooks/flexport" "$1-1.bodies" "$2" "$half" >"$WORK/r1" &
  local a=$!
  one "http://$PUBLIC_2/webhooks/flexport" "$1-2.bodies" "$2" "$half" >"$WORK/r2" &
  wait $a $!
  python3 - "$(cat "$WORK/r1")" "$(cat "$WORK/r2")" <<'PY'
import sys
def parse(line): return dict(kv.split("=") for kv in line.split()[1:])
a, b = parse(sys.argv[1]), parse(sys.argv[2])
print(f"{float(a['rps']) + float(b['rps']):.1f} {max(float(a['p99_ms']), float(b['p99_ms'])):.3f} "
      f"{int(a['requests']) + int(b['requests'])} {int(a['status_errors']) + int(b['status_errors'])} "
      f"{int(a['socket_errors']) + int(b['socket_errors'])} {int(a['wrapped']) + int(b['wrapped'])}")
PY
}

printf '%-4s %-6s %12s %9s %12s %9s %8s %10s %8s\n' run phase "agent rps" "p99 ms" "express rps" "p99 ms" ratio "p99 ratio" non2xx
RESULTS=()
for n in $(seq 1 "$RUNS"); do
  psql_q "DROP SCHEMA IF EXISTS flexport_agent CASCADE" >/dev/null
  start_replicas
  for phase in cold warm; do
    if [ $phase = warm ]; then
      one "http://$PUBLIC_1/webhooks/flexport" "$WORK/$n-warmup-1.bodies" 2 16 >/dev/null &
      w1=$!
      one "http://$PUBLIC_2/webhooks/flexport" "$WORK/$n-warmup-2.bodies" 2 16 >/dev/null &
      wait $w1 $!
    fi
    before=$(psql_q "SELECT count(*) FROM flexport_agent.webhook_events")
    read -r arps ap99 areq abad asock awrap < <(pair "$WORK/$n-$phase" "$DURATION")
    sleep 0.3  # requests cut off by wrk's deadline finish their commit
    after=$(psql_q "SELECT count(*) FROM flexport_agent.webhook_events")
    E=$(one "http://127.0.0.1:$EXPRESS_PORT/webhooks/flexport" "$WORK/$n-express.bodies" "$DURATION" "$CONNECTIONS")
    erps=$(field "$E" rps); ep99=$(field "$E" p99_ms)
    ratio=$(python3 -c "print(f'{$arps / $erps:.2f}')")
    p99r=$(python3 -c "print(f'{$ap99 / $ep99:.2f}')")
    printf '%-4s %-6s %12s %9s %12s %9s %7sx %9sx %8s\n' "$n" $phase "$arps" "$ap99" "$erps" "$ep99" "$ratio" "$p99r" "$abad"
    committed=$((after - before))
    ok=$((areq - abad))
    # wrk counts requests it sent; those cut off at its deadline may still commit.
    if [ "$committed" -lt "$ok" ]; then
      echo "DURABILITY FAILURE: $ok answered 200 but only $committed rows committed" >&2; exit 1
    fi
    [ "$awrap" = 0 ] || echo "warning: bodies wrapped (raise BODIES)" >&2
    RESULTS+=("$ratio $p99r $abad")
  done
  stop_replicas
done
python3 - "${RESULTS[@]}" <<'PY'
import sys
rows = [tuple(map(float, a.split())) for a in sys.argv[1:]]
ratios = [r[0] for r in rows]; p99s = [r[1] for r in rows]
print(f"\nthroughput ratio agent/express: min {min(ratios):.2f}x max {max(ratios):.2f}x over {len(rows)} measurements (target >= 1x)")
print(f"p99 ratio agent/express:        min {min(p99s):.2f}x max {max(p99s):.2f}x (target <= 2x)")
met = all(r[0] >= 1 and r[1] <= 2 and r[2] == 0 for r in rows)
print("target met in every run" if met else "target NOT met in every run")
PY
echo "two replicas on one PostgreSQL 15 (synchronous_commit=on, fsync on), $CONNECTIONS connections in all; host: $(nproc) CPUs, $(uname -r)"
