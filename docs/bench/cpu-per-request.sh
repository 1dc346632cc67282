#!/usr/bin/env bash
# Server CPU per request, endpoint by endpoint, at a fixed open-loop rate: where a home timeline request's CPU goes
# (docs/benchmarks.md, timeline). Seeds a dataset once (kept in DIR), starts one server on it, and for each endpoint
# runs `scalegram loadgen http` (8 s warm-up, then 15 s measured) while reading the server process's CPU time from
# /proc. Prints one line per endpoint: server CPU microseconds per request, and the run's latency summary.
#   bash docs/bench/cpu-per-request.sh [DIR] [RATE]     (defaults: bench-results/cpu-per-request, 1000/s)
# With TOPOLOGY=FILE (e.g. data/cluster/topology.yaml after `./scalegram cluster up`) the dataset goes into that
# topology's engines and the server runs on them; the topology must not set `limits:` (the script adds its own).
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${1:-bench-results/cpu-per-request}
rate=${2:-1000}
port=${PORT:-8090}
mkdir -p "$dir"
# No per-token rate limit: one reader sends every request.
if [[ -n ${TOPOLOGY:-} ]]; then
  cat "$TOPOLOGY" >"$dir/serve.yaml"
else
  : >"$dir/serve.yaml"
fi
printf '\nlimits:\n  requests_per_5min: 0\n' >>"$dir/serve.yaml"
if [[ ! -f $dir/manifest.json ]]; then
  ./scalegram loadgen seed --users 10000 --following 50 --posts-per-user 5 --likes-per-post 3 --tokens 100 \
    --data-dir "$dir/data" ${TOPOLOGY:+--config "$dir/serve.yaml"} --manifest "$dir/manifest.json"
fi
./scalegram serve --port "$port" --data-dir "$dir/data" --config "$dir/serve.yaml" >"$dir/server.log" 2>&1 &
launcher=$!
trap 'kill $launcher 2>/dev/null; wait $launcher 2>/dev/null || true' EXIT
for _ in $(seq 1 90); do curl -sf "localhost:$port/ready" >/dev/null && break; sleep 1; done
pid=$launcher  # the launcher execs the JVM
token=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['network']['tokens'][0])" "$dir/manifest.json")
base=http://127.0.0.1:$port
cpu() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
measure() {
  local name=$1 url=$2
  shift 2
  ./scalegram loadgen http "$url" "$@" --rate "$rate" --warmup 8 --duration 3 >/dev/null 2>&1
  local c0 c1
  c0=$(cpu)
  ./scalegram loadgen http "$url" "$@" --rate "$rate" --warmup 1 --duration 15 >"$dir/$name.log" 2>&1
  c1=$(cpu)
  # clock ticks (1/100 s) over the 16 s of load
  printf '%-22s server %4d us/request   %s\n' "$name" $(((c1 - c0) * 10000 / (16 * rate))) \
    "$(grep 'CO-corrected' "$dir/$name.log" | tail -1 | sed 's/.*CO-corrected), //')"
}
echo "server pid $pid, $rate requests/s each, one reader ($(nproc) cores, $(uname -n))"
measure plaintext "$base/plaintext"
measure verify_credentials "$base/api/v1/accounts/verify_credentials" -H "Authorization: Bearer $token"
measure home_limit_1 "$base/api/v1/timelines/home?limit=1" -H "Authorization: Bearer $token"
measure home_limit_20 "$base/api/v1/timelines/home?limit=20" -H "Authorization: Bearer $token"
