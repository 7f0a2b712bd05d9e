#!/usr/bin/env bash
# bench/proxy: the egress proxy end to end. The real agent's egress listener against
# flexport-sim directly and against nginx (Debian package) as a plain keep-alive
# proxy_pass to the same sim, in one run:
#   1. throughput: wrk -t2 -c32 --latency, GET /shipments?per=1, to each of the three;
#   2. added latency: a fixed 500 requests/s (fixed_rate.py; Debian 12 has no wrk2), the
#      three targets taking turns in 1 s slices so they share the same machine load.
# Targets (issue 4): added p99 <= 1 ms at 500 requests/s; throughput within 2x of nginx's.
#
# Usage: bench/proxy/run.sh [BUILD_DIR] [SECONDS]   (defaults: build, 10)
# Env: RATE (500), RATE_CONNECTIONS (4), CONNECTIONS (32), WRK_THREADS (2), WARMUP (2).
# Needs: scripts/install-bench-deps (wrk, nginx-light).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD_DIR=${1:-build}
DURATION=${2:-10}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${WRK_THREADS:-2}
WARMUP=${WARMUP:-2}
RATE=${RATE:-500}
RATE_CONNECTIONS=${RATE_CONNECTIONS:-4}
AGENT=$BUILD_DIR/agent/flexport-agent
SIM=$BUILD_DIR/sim/flexport-sim
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$AGENT" ] && [ -x "$SIM" ] || { echo "build first: $AGENT or $SIM missing" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk missing: scripts/install-bench-deps" >&2; exit 1; }
[ -x "$NGINX" ] || { echo "nginx missing: scripts/install-bench-deps" >&2; exit 1; }

WORK=$(mktemp -d /tmp/fxagent-proxy-XXXXXX)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
KEY=bench-key
PATH_Q="/shipments?per=1"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http_ok() { curl -fsS -o /dev/null -H "Authorization: Bearer $KEY" -H "Flexport-Version: 2" "$1" 2>/dev/null; }
wait_for() { for _ in $(seq 1 400); do "$@" && return 0; sleep 0.025; done; echo "not ready: $*" >&2; return 1; }

# --- flexport-sim: no injected latency, rate limit out of the way. The sim does not set
# TCP_NODELAY (~40 ms Nagle/delayed-ACK stall per response); nodelay_preload.c sets it on
# accepted sockets, as any real API server does. SIM_NODELAY=0 runs the sim as is. ---
SIM_ENV=()
if [ "${SIM_NODELAY:-1}" = 1 ]; then
  cc -O2 -shared -fPIC -o "$WORK/nodelay.so" "$HERE/nodelay_preload.c" -ldl
  SIM_ENV=(env LD_PRELOAD="$WORK/nodelay.so")
fi
"${SIM_ENV[@]}" "$SIM" --listen 127.0.0.1:0 --port-file "$WORK/sim.port" --api-key "$KEY" --quiet --latency-ms 0 \
  --rate-limit-capacity 100000000 --rate-limit-refill 100000000 >"$WORK/sim.log" 2>&1 &
PIDS+=($!)
wait_for test -s "$WORK/sim.port"
SIM_PORT=$(cat "$WORK/sim.port")
SIM_ADDR=127.0.0.1:$SIM_PORT
wait_for http_ok "http://$SIM_ADDR$PATH_Q"

# --- the agent: probes effectively off so only the benchmark's traffic reaches the sim ---
cat >"$WORK/agent.toml" <<TOML
[agent]
instance = "bench"
data_dir = "$WORK/agent-data"
[listen]
public = "127.0.0.1:0"
internal = "127.0.0.1:0"
egress = "127.0.0.1:0"
[flexport]
api_base = "http://$SIM_ADDR"
api_key = "$KEY"
status_page = ""
[probes]
interval = "1h"
status_page_interval = "1h"
subscription_interval = "1h"
TOML
"$AGENT" run -c "$WORK/agent.toml" 2>"$WORK/agent.log" &
PIDS+=($!)
wait_for test -s "$WORK/agent-data/listen.json"
read -r AGENT_INTERNAL AGENT_EGRESS < <(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["internal"], j["egress"])' "$WORK/agent-data/listen.json")
wait_for curl -fsS -o /dev/null "http://$AGENT_INTERNAL/readyz"
wait_for http_ok "http://$AGENT_EGRESS$PATH_Q"

# --- nginx: foreground, unprivileged, every path in $WORK. One worker per core
# (`auto`), as the agent's thread pool may use every core: a fair comparison. ---
NGINX_PORT=$(free_port)
mkdir -p "$WORK/nginx"
USER_LINE=""
[ "$(id -u)" -eq 0 ] && USER_LINE="user root;"  # else workers run as nobody, locked out of $WORK
cat >"$WORK/nginx/nginx.conf" <<CONF
$USER_LINE
daemon off;
master_process on;
worker_processes auto;
error_log $WORK/nginx/error.log warn;
pid $WORK/nginx/nginx.pid;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/client_body;
  proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi;
  uwsgi_temp_path $WORK/nginx/uwsgi;
  scgi_temp_path $WORK/nginx/scgi;
  upstream sim { server $SIM_ADDR; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://sim;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
"$NGINX" -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" \
  >"$WORK/nginx/stdout.log" 2>&1 &
PIDS+=($!)
wait_for http_ok "http://127.0.0.1:$NGINX_PORT$PATH_Q"

declare -A URL=(
  [direct]="http://$SIM_ADDR$PATH_Q"
  [agent]="http://$AGENT_EGRESS$PATH_Q"
  [nginx]="http://127.0.0.1:$NGINX_PORT$PATH_Q"
)
TARGETS=(direct agent nginx)

# wrk's --latency text -> "RESULT rps=.. p50_ms=.. p99_ms=.. non2xx=.. sockerr=.."
wrk_run() {  # URL SECONDS
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"${2}s" --latency \
    -H "Authorization: Bearer $KEY" -H "Flexport-Version: 2" "$1" | python3 -c '
import re, sys
text = sys.stdin.read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s|m)$", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[m.group(2)]
rps = re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)
p = dict(re.findall(r"^\s+(50|99)%\s+(\S+)", text, re.M))
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
print("RESULT rps=%s p50_ms=%.3f p99_ms=%.3f non2xx=%s sockerr=%d" % (
    rps, ms(p["50"]), ms(p["99"]), non2xx.group(1) if non2xx else 0,
    sum(int(x) for x in sock.groups()) if sock else 0))'
}
field() { sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"; }
calc() { python3 -c "print(f'{$1:.${2:-2}f}')"; }
delta() { python3 -c "print(f'{$1 - $2:+.3f}')"; }  # A B -> A-B in ms, signed

echo "warm-up ${WARMUP}s each..." >&2
for t in "${TARGETS[@]}"; do wrk_run "${URL[$t]}" "$WARMUP" >/dev/null; done

declare -A WRK
for t in "${TARGETS[@]}"; do
  echo "wrk $t: ${DURATION}s, $CONNECTIONS connections..." >&2
  WRK[$t]=$(wrk_run "${URL[$t]}" "$DURATION")
done

declare -A FIXED
echo "fixed rate: $RATE requests/s, ${DURATION}s per target in rotating 1 s slices, $RATE_CONNECTIONS connections..." >&2
FIXED_OUT=$(python3 "$HERE/fixed_rate.py" "$RATE" "$DURATION" "$RATE_CONNECTIONS" \
  "${URL[direct]}" "${URL[agent]}" "${URL[nginx]}" \
  -H "Authorization: Bearer $KEY" -H "Flexport-Version: 2")
i=0
for t in "${TARGETS[@]}"; do FIXED[$t]=$(grep "^RESULT target=$i " <<<"$FIXED_OUT"); i=$((i + 1)); done

echo
echo "== throughput: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency GET $PATH_Q =="
printf '%-8s %12s %10s %10s %8s %8s\n' target "requests/s" "p50 ms" "p99 ms" non2xx sockerr
for t in "${TARGETS[@]}"; do
  r=${WRK[$t]}
  printf '%-8s %12s %10s %10s %8s %8s\n' "$t" "$(field "$r" rps)" "$(field "$r" p50_ms)" \
    "$(field "$r" p99_ms)" "$(field "$r" non2xx)" "$(field "$r" sockerr)"
done
RATIO=$(calc "$(field "${WRK[agent]}" rps) / $(field "${WRK[nginx]}" rps)")
echo "throughput agent/nginx: ${RATIO}x  (target >= 0.50x, i.e. within 2x of nginx)"
echo "latency the agent adds over direct at saturation: p50 $(delta "$(field "${WRK[agent]}" p50_ms)" "$(field "${WRK[direct]}" p50_ms)") ms," \
     "p99 $(delta "$(field "${WRK[agent]}" p99_ms)" "$(field "${WRK[direct]}" p99_ms)") ms"

echo
echo "== fixed rate: $RATE requests/s, ${DURATION}s per target (interleaved 1 s slices), $RATE_CONNECTIONS keep-alive connections (fixed_rate.py) =="
printf '%-8s %10s %8s %10s %10s %10s %10s %14s\n' target "achieved/s" errors "p50 ms" "p90 ms" "p99 ms" "max ms" "p99 from due"
for t in "${TARGETS[@]}"; do
  r=${FIXED[$t]}
  printf '%-8s %10s %8s %10s %10s %10s %10s %14s\n' "$t" "$(field "$r" rps)" "$(field "$r" errors)" \
    "$(field "$r" p50_ms)" "$(field "$r" p90_ms)" "$(field "$r" p99_ms)" "$(field "$r" max_ms)" \
    "$(field "$r" cp99_ms)"
done
for t in agent nginx; do
  echo "$t adds over direct: p50 $(delta "$(field "${FIXED[$t]}" p50_ms)" "$(field "${FIXED[direct]}" p50_ms)") ms," \
       "p99 $(delta "$(field "${FIXED[$t]}" p99_ms)" "$(field "${FIXED[direct]}" p99_ms)") ms"
done
echo "(target: the agent adds <= 1 ms at p99)"
echo "sim TCP_NODELAY shim: $([ "${SIM_NODELAY:-1}" = 1 ] && echo on || echo off)"
echo "host: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $(uname -r), $("$NGINX" -v 2>&1)"
