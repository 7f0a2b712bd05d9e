#!/usr/bin/env python3
"""Rewrites rules/default.toml for the soak: every `for` and `keep_firing_for` becomes
"5s" and range windows shrink ([2m] -> [10s], [5m] -> [15s], [10m] -> [15s],
[1h] -> [1m]), so a fault held for ~30 s fires its alert and clearing it resolves the
alert within the next ~30 s. Expressions are otherwise unchanged (the same rules as the
daemon's built-in set). Usage: fast_rules.py DEFAULT_TOML OUT_TOML"""
import re
import sys

WINDOWS = {"2m": "10s", "5m": "15s", "10m": "15s", "1h": "1m"}

src, dst = sys.argv[1], sys.argv[2]
out = []
for line in open(src):
    line = re.sub(r'^(for|keep_firing_for) = "[^"]*"', r'\1 = "5s"', line)
    line = re.sub(r"\[(\d+[mh])\]", lambda m: "[" + WINDOWS.get(m.group(1), m.group(1)) + "]", line)
    out.append(line)
open(dst, "w").write("".join(out))
