#!/usr/bin/env python3
"""CPU used by every process on this machine over a window, in cores, busiest first.

    python3 docs/bench/proc-cpu.py SECONDS
    python3 docs/bench/proc-cpu.py SECONDS --threads PID

Run it while a scenario measures (e.g. after its log prints "fixed rate") to see which process holds the cores: on
`cluster up` the bench's server, Cassandra, PostgreSQL, memcached and the load generator all share them.
With --threads, the CPU of one process's threads instead, summed by thread name with digits dropped (a JVM's
"ForkJoinPool-1-worker-2" counts as "ForkJoinPool-N-worker-N": the carriers of its virtual threads).
Reads utime + stime from /proc/PID/stat (or /proc/PID/task/TID/stat) at the start and the end of the window.
"""
import os
import re
import sys
import time


def ticks_of(stat):
    fields = stat[stat.rindex(")") + 2:].split()
    return int(fields[11]) + int(fields[12])


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
        procs[pid] = (ticks_of(stat), cmd)
    return procs


def thread_snapshot(pid):
    threads = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                stat = f.read()
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                name = re.sub(r"\d+", "N", f.read().strip())
        except OSError:
            continue
        threads[tid] = (ticks_of(stat), name)
    return threads


window = float(sys.argv[1]) if len(sys.argv) > 1 else 25.0
ticks = os.sysconf("SC_CLK_TCK")
if len(sys.argv) > 3 and sys.argv[2] == "--threads":
    pid = sys.argv[3]
    before = thread_snapshot(pid)
    time.sleep(window)
    after = thread_snapshot(pid)
    by_name = {}
    for tid, (t, name) in after.items():
        by_name[name] = by_name.get(name, 0) + t - before.get(tid, (0, ""))[0]
    rows = sorted(((t / ticks / window, name) for name, t in by_name.items() if t > 0), reverse=True)
    print(f"{sum(r[0] for r in rows):.3f} cores in all in process {pid} over {window:.0f} s")
    for cores, name in rows[:15]:
        print(f"{cores:6.3f}  {name}")
    sys.exit(0)

before = snapshot()
time.sleep(window)
after = snapshot()
rows = sorted(((t - before.get(pid, (0, ""))[0]) / ticks / window, pid, cmd)
              for pid, (t, cmd) in after.items() if t > before.get(pid, (0, ""))[0])
rows.reverse()
print(f"{sum(r[0] for r in rows):.2f} cores in all over {window:.0f} s")
for cores, pid, cmd in rows[:15]:
    print(f"{cores:5.2f}  {pid:>7}  {cmd}")
