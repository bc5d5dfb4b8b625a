#!/usr/bin/env bash
# Does a challenger slow the champion's answers? `workbench serve` (release) of a penguins linear
# model, under wrk for DURATION seconds (default 20) at CONNECTIONS connections (default 8), first
# alone, then with a random-forest challenger (--shadow), both with a prediction log. Prints, for
# each run, requests/s and p50 / p99 latency, and for the shadow run the challenger's rows scored,
# failed and dropped (its queue full: the challenger fell behind and the answer did not wait).
# ROUNDS=N (default 1) alternates the two runs N times, so noise from whatever else the machine
# does shows as the spread between rounds.
# A benchmark, not a test: it prints figures and fails only if a run had errors.
#   Benchmarks/shadow/run.sh        DURATION=10 CONNECTIONS=16 ROUNDS=3 Benchmarks/shadow/run.sh
# SCRATCH_PATH=DIR builds into that build directory instead of .build.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
duration=${DURATION:-20}
connections=${CONNECTIONS:-8}
rounds=${ROUNDS:-1}
cd "$root"
# shellcheck source=../../Tests/ServingTests/lib.sh
source "$root/Tests/ServingTests/lib.sh"
ensure_wrk
scratch=()
if [ -n "${SCRATCH_PATH:-}" ]; then scratch=(--scratch-path "$SCRATCH_PATH"); fi
swift build -c release --product workbench "${scratch[@]}" >/dev/null
bin="$(swift build -c release "${scratch[@]}" --show-bin-path)/workbench"
work=$(mktemp -d -t workbench-shadow-bench.XXXXXX)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
cat > "$work/export.wb" <<WB
load "$root/examples/penguins.csv" as penguins
champion = train linear on penguins target=species
challenger = train forest on penguins target=species
export champion to "$work/champion"
export challenger to "$work/challenger"
WB
WORKBENCH_HOME="$work/home" "$bin" run "$work/export.wb" >/dev/null

failed=0
run() {  # run NAME [serve options...]
    local name=$1; shift
    rm -f "$work"/log.sqlite*
    "$bin" serve "$work/champion" --port 0 --log "$work/log.sqlite" "$@" >"$work/serve.out" 2>"$work/serve.err" &
    server_pid=$!
    local port
    port=$(wait_for_port "$work/serve.out" "$server_pid" "$work/serve.err") || exit 1
    # Warm up (first requests page in the model), then measure.
    wrk -t1 -c2 -d2s -s "$here/predict.lua" "http://127.0.0.1:$port/v1/predict" >/dev/null
    local result
    result=$(wrk -t"$(( connections < 2 ? 1 : 2 ))" -c"$connections" -d"${duration}s" -s "$here/predict.lua" "http://127.0.0.1:$port/v1/predict" | grep '^RESULT')
    local metrics
    metrics=$(curl -s "http://127.0.0.1:$port/metrics")
    kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
    read -r _ requests rps p50 p99 bad errors <<<"$result"
    printf '%-18s %8s req/s   p50 %7s ms   p99 %7s ms   (%s requests, %s non-2xx, %s socket errors)\n' "$name" "$rps" "$p50" "$p99" "$requests" "$bad" "$errors"
    if grep -q '^workbench_shadow_rows_scored_total' <<<"$metrics"; then
        local scored dropped failedrows agreement
        scored=$(awk '/^workbench_shadow_rows_scored_total/ {print $NF}' <<<"$metrics")
        dropped=$(awk '/^workbench_shadow_rows_dropped_total/ {print $NF}' <<<"$metrics")
        failedrows=$(awk '/^workbench_shadow_rows_failed_total/ {print $NF}' <<<"$metrics")
        agreement=$(awk '/^workbench_shadow_agreement/ {print $NF}' <<<"$metrics")
        printf '%-18s challenger: %s rows scored, %s failed, %s dropped (queue full); agreement %s\n' "" "$scored" "$failedrows" "$dropped" "$agreement"
    fi
    if [ "$bad" != 0 ] || [ "$errors" != 0 ]; then failed=1; fi
}

echo "wrk -t$(( connections < 2 ? 1 : 2 )) -c$connections -d${duration}s, single-row POST /v1/predict, prediction log on, $(nproc) cores"
for _ in $(seq 1 "$rounds"); do
    run "champion alone"
    run "with --shadow" --shadow "$work/challenger"
done
exit "$failed"
