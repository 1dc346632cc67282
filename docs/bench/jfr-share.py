#!/usr/bin/env python3
"""Share of a flight recording's execution samples per frame, as docs/benchmarks.md quotes them.

    jfr print --json --events jdk.ExecutionSample --stack-depth 96 server.jfr > samples.json
    python3 docs/bench/jfr-share.py samples.json [FILTER]

"self" is the share of samples whose top frame is the method; "inclusive" the share whose stack holds it anywhere.
With FILTER, only samples whose stack holds a frame containing FILTER count (e.g. MastodonApi).
"""
import collections
import json
import sys

events = json.load(open(sys.argv[1]))["recording"]["events"]
only = sys.argv[2] if len(sys.argv) > 2 else None
top, anywhere, n = collections.Counter(), collections.Counter(), 0
for e in events:
    frames = [f["method"]["type"]["name"] + "." + f["method"]["name"] for f in e["values"]["stackTrace"]["frames"]]
    if not frames or (only and not any(only in f for f in frames)):
        continue
    n += 1
    top[frames[0]] += 1
    anywhere.update(set(frames))
print(f"{n} samples")
print("--- self")
for name, count in top.most_common(25):
    print(f"{100 * count / n:5.1f}% {name}")
print("--- inclusive (dev.scalegram and Jackson frames)")
for name, count in anywhere.most_common(400):
    if "scalegram" in name or "jackson" in name:
        print(f"{100 * count / n:5.1f}% {name}")
