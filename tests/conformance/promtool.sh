#!/bin/sh
# Runs promtool with the given arguments, or skips (exit 77) when it is not installed.
if ! command -v promtool >/dev/null 2>&1; then
  echo "SKIP: promtool not found (Debian package 'prometheus' provides it)"
  exit 77
fi
exec promtool "$@"
