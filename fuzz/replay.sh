#!/usr/bin/env bash
# Runs every file under the given directories once through a fuzz target (no fuzzing);
# fails if any input crashes. Used by ctest and scripts/run-fuzzers.
# usage: fuzz/replay.sh TARGET_BINARY DIR...
set -uo pipefail
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
bin=$1
shift
files=()
for d in "$@"; do
  [ -d "$d" ] || continue
  while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$d" -type f ! -name '.*' -print0 | sort -z)
done
if [ ${#files[@]} -eq 0 ]; then
  echo "replay: no inputs for $(basename "$bin")"
  exit 0
fi
# libFuzzer runs each file given as an argument once and stops at the first crash,
# naming the input ("Running: FILE" just before the report).
if out=$("$bin" -rss_limit_mb=2048 -timeout=25 "${files[@]}" 2>&1); then
  echo "replay: $(basename "$bin"): ${#files[@]} inputs OK"
  exit 0
fi
echo "$out" | grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|    #[0-9]+ )' | head -n 20
echo "replay: $(basename "$bin") CRASHES on $(echo "$out" | grep '^Running: ' | tail -n 1 | cut -c10-)"
exit 1
