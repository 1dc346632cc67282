#!/usr/bin/env bash
# Runs every benchmark scenario one after another, each only once the machine is quiet, the way the numbers in
# docs/benchmarks.md were taken:
#   bash docs/bench/run-all.sh bench-results/embedded
#   ./scalegram cluster up && bash docs/bench/run-all.sh bench-results/cluster --topology docs/cluster.default.yaml
# Each scenario writes DIR/SCENARIO.json and DIR/SCENARIO.svg; its console output goes to DIR/SCENARIO.log and
# DIR/runs.log records when each started and the load average then. SCENARIOS="timeline mix" runs only those.
set -uo pipefail
cd "$(dirname "$0")/../.."
out=${1:?usage: run-all.sh OUT_DIR [bench options...]}
shift
mkdir -p "$out"
for s in ${SCENARIOS:-counter herd timeline fanout mix upload}; do
  # Wait (at most 3 minutes) for the 1-minute load average to fall under 0.8: the previous run's tail, a build or
  # anything else on the machine would otherwise be measured too.
  for _ in $(seq 1 36); do
    [[ $(awk '{print ($1 < 0.8)}' /proc/loadavg) == 1 ]] && break
    sleep 5
  done
  echo "=== $s start $(date -u +%H:%M:%S) load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/runs.log"
  ./scalegram bench "$s" --out "$out" "$@" >"$out/$s.log" 2>&1
  echo "=== $s rc=$? end $(date -u +%H:%M:%S)" | tee -a "$out/runs.log"
done
