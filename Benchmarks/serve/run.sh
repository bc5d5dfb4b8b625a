#!/usr/bin/env bash
# HTTP serving speed: `workbench serve` against ONNX Runtime behind a minimal Python HTTP server
# (ort_server.py), same bundle, same single-row POST /v1/predict, same load generator, one run.
# For linear and boost trained on penguins: wrk with 2 threads and 32 connections for DURATION
# seconds (default 30) after a 3 s warm-up; prints requests/s, p50 / p99 latency, errors and the
# server's peak resident memory (VmHWM from /proc), then the Workbench / Python ratio.
#   Benchmarks/serve/run.sh            DURATION=5 Benchmarks/serve/run.sh
# SCRATCH_PATH=DIR builds into that build directory instead of .build; WORKBENCH_BIN=FILE uses that
# workbench executable as it is (no build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${DURATION:-30}
connections=${CONNECTIONS:-32}
cd "$root"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
python3 -c "import onnxruntime, numpy" 2>/dev/null || python3 -m pip install -q onnxruntime numpy
if [ -n "${WORKBENCH_BIN:-}" ]; then
    workbench=$(cd "$(dirname "$WORKBENCH_BIN")" && pwd)/$(basename "$WORKBENCH_BIN")
    [ -x "$workbench" ] || { echo "WORKBENCH_BIN=$WORKBENCH_BIN is not an executable" >&2; exit 1; }
else
    scratch=()
    if [ -n "${SCRATCH_PATH:-}" ]; then scratch=(--scratch-path "$SCRATCH_PATH"); fi
    swift build -c release --product workbench "${scratch[@]}" >/dev/null
    workbench="$(swift build -c release "${scratch[@]}" --show-bin-path)/workbench"
fi
work=$(mktemp -d -t workbench-serve-bench.XXXXXX)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
cat > "$work/export.wb" <<WB
load "$root/examples/penguins_train.csv" as penguins
linear = train linear on penguins target=species
boost = train boost on penguins target=species
export linear to "$work/linear"
export boost to "$work/boost"
WB
WORKBENCH_HOME="$work/home" "$workbench" run "$work/export.wb" >/dev/null
row='{"island": "Biscoe", "bill_length_mm": 48.6, "bill_depth_mm": 16.0, "flipper_length_mm": 230, "body_mass_g": 5800, "sex": "male", "year": 2009}'
cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$row'
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
LUA

wait_port() {
    for _ in $(seq 1 200); do
        if curl -s -o /dev/null -X POST -H 'Content-Type: application/json' -d "$row" "http://127.0.0.1:$1/v1/predict"; then return 0; fi
        sleep 0.1
    done
    echo "server on port $1 did not start" >&2
    return 1
}

# measure NAME PORT: warm-up, then the measured run; prints "NAME rps p50 p99 errors peak_rss_mib".
measure() {
    wait_port "$2"
    wrk -t2 -c"$connections" -d3s -s "$work/post.lua" "http://127.0.0.1:$2/v1/predict" >/dev/null
    result=$(wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$work/post.lua" "http://127.0.0.1:$2/v1/predict" | grep '^RESULT')
    peak=$(awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$server_pid/status")
    echo "$1 ${result#RESULT } $peak"
}

results="$work/results"
port=18080
for model in linear boost; do
    "$workbench" serve "$work/$model" --port "$port" >/dev/null 2>"$work/serve.err" &
    server_pid=$!
    measure "workbench-$model" "$port" >> "$results"
    kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
    python3 "$here/ort_server.py" "$work/$model/model.onnx" "$port" &
    server_pid=$!
    measure "python-ort-$model" "$port" >> "$results"
    kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
done
python3 - "$results" "$duration" "$connections" <<'PY'
import sys
rows = {}
for line in open(sys.argv[1]):
    name, rps, p50, p99, errors, rss = line.split()
    rows[name] = (float(rps), float(p50), float(p99), int(errors), float(rss))
print(f"single-row POST /v1/predict, wrk 2 threads, {sys.argv[3]} connections, {sys.argv[2]} s each")
print(f"{'server':<20} {'req/s':>9} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'peak RSS MiB':>12}")
for name, (rps, p50, p99, errors, rss) in rows.items():
    print(f"{name:<20} {rps:>9.0f} {p50:>7.2f} {p99:>7.2f} {errors:>6} {rss:>12.1f}")
for model in ("linear", "boost"):
    wb, py = rows.get("workbench-" + model), rows.get("python-ort-" + model)
    if wb and py:
        print(f"{model}: Workbench {wb[0] / py[0]:.1f}x the requests/s of Python + ONNX Runtime")
PY
