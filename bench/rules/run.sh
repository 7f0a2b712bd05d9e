#!/bin/sh
# bench/rules: 200 rules over 5,000 series with 1 h of 5 s samples.
#   1. in-process: evaluation time per tick (60 ticks after 1 h of data), bytes per sample
#      in the sample arrays and the store's whole heap per sample;
#   2. the same rules and input as a promtool unit test (721 evaluations at 5 s steps over
#      1 h, plus loading) that expects, for every rule, the alerts our engine has firing at
#      1 h: run by `promtool test rules` (the peer) and by our `rules_tool test`. Both must
#      pass (same alerts); prints both times and the ratio.
# Usage: bench/rules/run.sh [BUILD_DIR]   (needs targets rules_bench and rules_tool, promtool)
set -eu
build=$(cd "${1:-build}" && pwd)
command -v promtool >/dev/null 2>&1 || { echo "promtool missing: scripts/install-deps" >&2; exit 1; }
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "== in-process (flexport-agent engine), rule queries on one thread"
"$build/bench/rules/rules_bench" --threads 1
echo "== in-process, rule queries spread over the cores (the agent's default)"
"$build/bench/rules/rules_bench"
"$build/bench/rules/rules_bench" --emit "$dir" >/dev/null
# Runs a test tool in $dir; prints "<seconds> <max RSS KiB>" and keeps its exit status.
timed() {
  name=$1; shift
  rc=0
  (cd "$dir" && /usr/bin/time -f "%e %M" -o "$dir/$name.time" "$@" >"$dir/$name.out" 2>&1) || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "$name failed (exit $rc):" >&2
    head -40 "$dir/$name.out" >&2
  fi
  return "$rc"
}
echo "== promtool-format test, 721 evaluations of 200 rules (load + evaluate), same alerts expected"
status=0
timed rules_tool "$build/tests/conformance/rules_tool" test bench_test.yml || status=1
timed promtool promtool test rules bench_test.yml || status=1
read -r ours ours_kib <"$dir/rules_tool.time"
read -r theirs theirs_kib <"$dir/promtool.time"
printf "rules_tool test:     %s s, %s KiB max RSS\n" "$ours" "$ours_kib"
printf "promtool test rules: %s s, %s KiB max RSS (%s)\n" "$theirs" "$theirs_kib" "$(promtool --version 2>&1 | head -1)"
awk -v a="$ours" -v b="$theirs" -v am="$ours_kib" -v bm="$theirs_kib" 'BEGIN {
  if (a > 0) printf "ratio promtool/rules_tool: %.1fx the time, %.1fx the memory\n", b / a, bm / am }'
[ "$status" -eq 0 ] || { echo "a tool failed: the alerts differ or a tool broke" >&2; exit 1; }
echo "both tools passed: the same alerts for all 200 rules at 1 h"
