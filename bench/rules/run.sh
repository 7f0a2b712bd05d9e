#!/bin/sh
# bench/rules: 200 rules over 5,000 series with 1 h of 5 s samples.
#   1. in-process: evaluation time per tick (60 ticks after 1 h of data) and bytes/sample;
#   2. the same rules and input as a promtool unit test (721 evaluations at 5 s steps over
#      1 h, plus loading), run by `promtool test rules` and by our `rules_tool test`.
# Usage: bench/rules/run.sh [BUILD_DIR]   (needs targets rules_bench and rules_tool)
set -eu
build=${1:-build}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
echo "== in-process (flexport-agent engine), rule queries on one thread"
"$build/bench/rules/rules_bench" --threads 1
echo "== in-process, rule queries spread over the cores (the agent's default)"
"$build/bench/rules/rules_bench"
"$build/bench/rules/rules_bench" --emit "$dir" >/dev/null
seconds() { /usr/bin/time -f "%e s, %M KiB max RSS" "$@" >/dev/null 2>"$dir/time" || true; tail -1 "$dir/time"; }
echo "== promtool-format test, 721 evaluations of 200 rules (load + evaluate)"
printf "rules_tool test:     %s\n" "$(cd "$dir" && seconds "$OLDPWD/$build/tests/conformance/rules_tool" test bench_test.yml)"
if command -v promtool >/dev/null 2>&1; then
  printf "promtool test rules: %s\n" "$(cd "$dir" && seconds promtool test rules bench_test.yml)"
else
  echo "promtool test rules: skipped (promtool not installed)"
fi
