#!/usr/bin/env python3
"""CPU used by every process on this machine over a window, in cores, busiest first.

    python3 docs/bench/proc-cpu.py SECONDS

Run it while a scenario measures (e.g. after its log prints "fixed rate") to see which process holds the cores: on
`cluster up` the bench's server, Cassandra, PostgreSQL, memcached and the load generator all share them.
Reads utime + stime from /proc/PID/stat at the start and the end of the window.
"""
import os
import sys
import time


def snapshot():
    procs = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/cmdline") as f:
                cmd = f.read().replace("\0", " ").strip()[:150]
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        procs[pid] = (int(fields[11]) + int(fields[12]), cmd)
    return procs


window = float(sys.argv[1]) if len(sys.argv) > 1 else 25.0
before = snapshot()
time.sleep(window)
after = snapshot()
ticks = os.sysconf("SC_CLK_TCK")
rows = sorted(((t - before.get(pid, (0, ""))[0]) / ticks / window, pid, cmd)
              for pid, (t, cmd) in after.items() if t > before.get(pid, (0, ""))[0])
rows.reverse()
print(f"{sum(r[0] for r in rows):.2f} cores in all over {window:.0f} s")
for cores, pid, cmd in rows[:15]:
    print(f"{cores:5.2f}  {pid:>7}  {cmd}")
