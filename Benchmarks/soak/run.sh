#!/usr/bin/env bash
# Soak test: `workbench serve` (release) with a prediction log under wrk at saturation for
# DURATION seconds (default 300), 1% of requests malformed JSON. Checks and prints:
#   - answers by status: zero 5xx, the malformed ones 400, the rest 200;
#   - the prediction log's request rows equal the server's own count of prediction requests
#     (/metrics), and wrk's completed requests are within the connections still in flight;
#   - resident memory sampled every 5 s: after a 30 s warm-up it stays within 10% of its first
#     sample (the figure printed is the largest deviation);
#   - p50 / p99 / max latency and requests/s.
# Exits 1 when a check fails.   Benchmarks/soak/run.sh      DURATION=60 Benchmarks/soak/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${DURATION:-300}
connections=${CONNECTIONS:-32}
warmup=30
cd "$root"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
command -v sqlite3 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; }
swift build -c release --product workbench >/dev/null
bin="$(swift build -c release --show-bin-path)/workbench"
work=$(mktemp -d -t workbench-soak.XXXXXX)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
cat > "$work/export.wb" <<WB
load "$root/examples/penguins.csv" as penguins
linear = train linear on penguins target=species
export linear to "$work/linear"
WB
WORKBENCH_HOME="$work/home" "$bin" run "$work/export.wb" >/dev/null
port=18090
"$bin" serve "$work/linear" --port "$port" --log "$work/log.sqlite" --log-retention 100000000 >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
for _ in $(seq 1 200); do curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break; sleep 0.1; done

# Resident memory every 5 s while wrk runs.
( while kill -0 "$server_pid" 2>/dev/null; do
    awk -v t="$(date +%s)" '/VmRSS/ {print t, $2}' "/proc/$server_pid/status" 2>/dev/null || true
    sleep 5
  done ) > "$work/rss" &
sampler=$!
start=$(date +%s)
result=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$here/soak.lua" "http://127.0.0.1:$port/v1/predict" | grep '^SOAK')
served=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^workbench_http_requests_total\{.*route="\/v1\/predict"/ {s += $NF} END {printf "%d", s}')
kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
logged=$(sqlite3 "$work/log.sqlite" "SELECT COUNT(*) FROM requests")
logged_bad=$(sqlite3 "$work/log.sqlite" "SELECT COUNT(*) FROM requests WHERE status = 400")
predictions=$(sqlite3 "$work/log.sqlite" "SELECT COUNT(*) FROM predictions")

python3 - "$result" "$served" "$logged" "$logged_bad" "$predictions" "$work/rss" "$start" "$warmup" "$connections" "$duration" <<'PY'
import sys
_, total, malformed, ok, client, server, other, rps, p50, p99, pmax, errors = sys.argv[1].split()
total, malformed, ok, client, server, other, errors = map(int, (total, malformed, ok, client, server, other, errors))
served, logged, logged_bad, predictions = map(int, sys.argv[2:6])
start, warmup, connections, duration = int(sys.argv[7]), int(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10])
samples = [tuple(map(int, line.split())) for line in open(sys.argv[6]) if line.strip()]
after = [kb for t, kb in samples if t >= start + warmup]
failures = []
print(f"soak: {duration} s, wrk 2 threads, {connections} connections, 1% malformed JSON, prediction log on")
print(f"requests {total:,} ({float(rps):,.0f}/s); answers 2xx {ok:,}, 4xx {client:,}, 5xx {server:,}, other {other}; socket errors {errors}")
print(f"latency p50 {float(p50):.2f} ms, p99 {float(p99):.2f} ms, max {float(pmax):.1f} ms")
print(f"server counted {served:,} prediction requests; log holds {logged:,} request rows ({logged_bad:,} with status 400) and {predictions:,} prediction rows")
if server: failures.append(f"{server} answers were 5xx")
if logged != served: failures.append(f"the log holds {logged} request rows, the server answered {served}")
if not (total <= served <= total + 2 * connections):
    failures.append(f"wrk completed {total} requests, the server counted {served} (more than the warm-up and in-flight margin apart)")
if predictions != logged - logged_bad: failures.append(f"{predictions} prediction rows for {logged - logged_bad} good requests")
if after:
    first, high, low = after[0], max(after), min(after)
    drift = max(high - first, first - low) / first
    print(f"resident memory after {warmup} s warm-up: first {first / 1024:.1f} MiB, min {low / 1024:.1f}, max {high / 1024:.1f} ({drift * 100:.1f}% from first; {len(after)} samples)")
    if drift > 0.10: failures.append(f"resident memory moved {drift * 100:.1f}% after warm-up")
else:
    failures.append("no memory samples after the warm-up")
print("soak: " + ("FAILED: " + "; ".join(failures) if failures else "passed"))
sys.exit(1 if failures else 0)
PY
