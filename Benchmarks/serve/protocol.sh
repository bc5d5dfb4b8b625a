#!/usr/bin/env bash
# What the Open Inference Protocol costs (issue 27): `workbench serve` answering /v1/predict and
# /v2/models/linear/infer, against two Python peers on the V2 infer endpoint:
#   - MLServer + mlserver-sklearn (2 parallel workers, debug off) serving the scikit-learn
#     counterpart of `train linear` (sklearn_model.py), and
#   - uvicorn (2 workers, uvloop, httptools) + ONNX Runtime on the bundle's own model.onnx (ort_asgi.py).
# One model, linear on penguins; bodies of 1 row and of 100 rows from examples/penguins_fresh.csv.
# Each server and body: a fresh server, one checked request (a 200 with one label per row, from
# the model's classes, probabilities summing to 1, the labels of Workbench's /v1), a 3 s wrk
# warm-up, then wrk with 2 threads and CONNECTIONS connections (default 32) for DURATION seconds
# (default 20); ROUNDS rounds (default 3) in the same order, then one table of medians:
# requests/s, rows/s, p50, p99, non-2xx and socket errors, peak resident memory (VmHWM summed over
# the server's processes: MLServer and uvicorn run several), and the ratios.
#   Benchmarks/serve/protocol.sh       DURATION=3 ROUNDS=1 Benchmarks/serve/protocol.sh
# The peers install from PyPI into a virtual environment in the build directory (.build, or
# SCRATCH_PATH=DIR, which also builds there); WORKBENCH_BIN=FILE uses that workbench as it is.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${DURATION:-20}
connections=${CONNECTIONS:-32}
rounds=${ROUNDS:-3}
port=18090
cd "$root"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
build_dir=${SCRATCH_PATH:-$root/.build}
if [ -n "${WORKBENCH_BIN:-}" ]; then
    workbench=$(cd "$(dirname "$WORKBENCH_BIN")" && pwd)/$(basename "$WORKBENCH_BIN")
    [ -x "$workbench" ] || { echo "WORKBENCH_BIN=$WORKBENCH_BIN is not an executable" >&2; exit 1; }
else
    swift build -c release --product workbench --scratch-path "$build_dir" >/dev/null
    workbench="$(swift build -c release --scratch-path "$build_dir" --show-bin-path)/workbench"
fi
# Pinned, so a rerun measures the same peers; the versions measured are printed with the table.
# uvloop 0.23 makes MLServer 1.7.1's workers die at start (asyncio.get_event_loop raises).
venv="$build_dir/serve-bench-venv"
if ! "$venv/bin/python" -c "import mlserver, mlserver_sklearn, uvicorn, uvloop, httptools, onnxruntime" >/dev/null 2>&1; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "mlserver==1.7.1" "mlserver-sklearn==1.7.1" "scikit-learn==1.9.1" \
        "onnxruntime==1.32.0" "uvicorn==0.55.0" "uvloop==0.21.0" "httptools==0.9.0" numpy
fi
python="$venv/bin/python"

work=$(mktemp -d -t workbench-protocol-bench.XXXXXX)
server_pid=""
# The server and every process under it (MLServer's and uvicorn's workers).
tree() {
    echo "$1"
    local child
    for child in $(pgrep -P "$1" || true); do tree "$child"; done
}
stop_server() {
    [ -n "$server_pid" ] || return 0
    local pids
    pids=$(tree "$server_pid")
    kill -TERM "$server_pid" 2>/dev/null || true
    # MLServer 1.7.1 can wait forever for "background tasks" after wrk's run: 10 s, then KILL.
    for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    # A worker its parent left behind would eat a core during the next measurement.
    for pid in $pids; do
        if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
    done
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
    sleep 1
}
cleanup() {
    stop_server
    rm -rf "$work"
}
trap cleanup EXIT

# The bundle, its scikit-learn counterpart and the request bodies.
cat > "$work/export.wb" <<WB
load "$root/examples/penguins_train.csv" as penguins
linear = train linear on penguins target=species
export linear to "$work/linear"
WB
WORKBENCH_HOME="$work/home" "$workbench" run "$work/export.wb" >/dev/null
mkdir -p "$work/mlserver/linear"
"$python" "$here/sklearn_model.py" "$root/examples/penguins_train.csv" species "$work/mlserver/linear" > "$work/types.json"
cat > "$work/mlserver/settings.json" <<JSON
{"http_port": $port, "grpc_port": $((port + 1)), "metrics_port": $((port + 2)), "parallel_workers": 2, "debug": false,
 "metrics_dir": "$work/mlserver-metrics"}
JSON
cat > "$work/mlserver/linear/model-settings.json" <<JSON
{"name": "linear", "implementation": "mlserver_sklearn.SKLearnModel", "parameters": {"uri": "./model.joblib", "version": "1"}}
JSON
python3 "$here/protocol.py" bodies "$root/examples/penguins_fresh.csv" "$work/types.json" "$work"
cat > "$work/post.lua" <<'LUA'
wrk.method = "POST"
local file = assert(io.open(os.getenv("WRK_BODY"), "rb"))
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json"
done = function(summary, latency, requests)
  io.write(string.format("RESULT %.1f %.3f %.3f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.status + summary.errors.timeout))
end
LUA

# start SERVER: starts it in the background as $server_pid.
start() {
    case $1 in
    workbench) "$workbench" serve "$work/linear" --port "$port" >/dev/null 2>"$work/server.err" & ;;
    mlserver) "$venv/bin/mlserver" start "$work/mlserver" >/dev/null 2>"$work/server.err" & ;;
    uvicorn) ORT_MODEL="$work/linear/model.onnx" "$venv/bin/uvicorn" ort_asgi:app --app-dir "$here" --host 127.0.0.1 \
        --port "$port" --workers 2 --loop uvloop --http httptools --no-access-log --log-level warning >/dev/null 2>"$work/server.err" & ;;
    esac
    server_pid=$!
}

# answer PATH BODY: posts BODY once; prints the status, the answer in $work/answer.json.
answer() {
    curl -s -o "$work/answer.json" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
        --data-binary "@$2" "http://127.0.0.1:$port$1" || echo 000
}

# ready PATH BODY: waits up to 60 s for the first 200 (MLServer loads its workers for seconds).
ready() {
    for _ in $(seq 1 600); do
        [ "$(answer "$1" "$2")" = 200 ] && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "the server never answered 200 on $1; last answer: $(head -c 400 "$work/answer.json" 2>/dev/null)" >&2
    tail -n 20 "$work/server.err" >&2
    return 1
}

peak_rss() {
    local total=0 pid kib
    for pid in $(tree "$server_pid"); do
        kib=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
        total=$((total + ${kib:-0}))
    done
    awk -v k="$total" 'BEGIN {printf "%.1f", k / 1024}'
}

# measure ROUND SERVER LABEL PATH KIND ROWS: a fresh server, a checked answer, warm-up, the run.
measure() {
    local server=$2 label=$3 path=$4 kind=$5 rows=$6 body result
    body="$work/$([ "$kind" = v2 ] && echo v2 || echo "$kind")-$rows.json"
    start "$server"
    ready "$path" "$body"
    python3 "$here/protocol.py" check "$kind" "$work/answer.json" "$rows" "$work/types.json" "$work/reference.json.labels" >&2
    WRK_BODY="$body" wrk -t2 -c"$connections" -d3s -s "$work/post.lua" "http://127.0.0.1:$port$path" >/dev/null
    result=$(WRK_BODY="$body" wrk -t2 -c"$connections" -d"${duration}s" --latency -s "$work/post.lua" "http://127.0.0.1:$port$path" | grep '^RESULT')
    echo "$1 ${label// /_} $rows ${result#RESULT } $(peak_rss)" >> "$work/results"
    stop_server
}

# The reference labels: Workbench's own /v1 answer for the 100 rows.
start workbench
ready /v1/predict "$work/v1-100.json"
python3 "$here/protocol.py" check v1 "$work/answer.json" 100 "$work/types.json" >&2
cp "$work/answer.json.labels" "$work/reference.json.labels"
stop_server

v2=/v2/models/linear/infer
for round in $(seq 1 "$rounds"); do
    for rows in 1 100; do
        echo "round $round, $rows row(s)" >&2
        measure "$round" workbench "workbench /v1/predict" /v1/predict v1 "$rows"
        measure "$round" workbench "workbench $v2" "$v2" v2 "$rows"
        measure "$round" uvicorn "uvicorn+onnxruntime $v2" "$v2" v2 "$rows"
        measure "$round" mlserver "mlserver-sklearn $v2" "$v2" mlserver "$rows"
    done
done
python3 "$here/protocol.py" table "$work/results" "$duration" "$connections"
"$python" -c "import importlib.metadata as m; print('versions: ' + ', '.join(p + ' ' + m.version(p) for p in
    ('mlserver', 'mlserver-sklearn', 'scikit-learn', 'onnxruntime', 'uvicorn', 'uvloop', 'httptools', 'numpy', 'pandas')))"
echo "$(wrk --version 2>&1 | head -n 1 | cut -d' ' -f1-2); workbench $(git -C "$root" rev-parse --short HEAD)"
