#!/usr/bin/env bash
# Promotion under load: `workbench serve CHAMPION --shadow CHALLENGER` (penguins linear and tree,
# with a token and a prediction log) under wrk for DURATION seconds (default 15) while
# `workbench promote` swaps the two models three times. Fails unless:
#   - wrk saw 0 non-2xx answers and 0 socket errors, and every promote exited 0;
#   - the log holds every answered request (wrk's count, up to the connections in flight at the
#     end), all with status 200, each row answered by one of the two models, both of them;
#   - every answered row has the other model's prediction (table shadow), or was counted as
#     dropped (/metrics);
#   - the run registry holds the three promotions (kind promote).
# Everything runs under a hard 2-minute limit.   Tests/ServingTests/Promotion/run.sh
# SCRATCH_PATH=DIR builds into that build directory instead of .build.
set -euo pipefail
if [ "${WORKBENCH_PROMOTION_INNER:-}" != 1 ]; then
    WORKBENCH_PROMOTION_INNER=1 exec timeout -k 10 120 "$0" "$@"
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"
# shellcheck source=../lib.sh
source "$here/../lib.sh"
duration=${DURATION:-15}
connections=8
ensure_wrk
build_workbench
work=$(mktemp -d -t workbench-promotion.XXXXXX)
export WORKBENCH_HOME="$work/home"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/export.wb" <<WB
load "$root/examples/penguins_train.csv" as penguins
champion = train linear on penguins target=species
challenger = train tree on penguins target=species
export champion to "$work/champion"
export challenger to "$work/challenger"
WB
"$bin" run "$work/export.wb" >/dev/null
echo "promotion-test-token" > "$work/token"
export TOKEN=promotion-test-token

"$bin" serve "$work/champion" --shadow "$work/challenger" --port 0 --log "$work/log.sqlite" --token-file "$work/token" \
    >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
port=$(wait_for_port "$work/serve.out" "$server_pid" "$work/serve.err")
url="http://127.0.0.1:$port"

# Three promotions spread over the run, each in the middle of the load.
( step=$(( duration / 4 )); [ "$step" -ge 1 ] || step=1
  status=0
  for i in 1 2 3; do
      sleep "$step"
      "$bin" promote --server "$url" --token-file "$work/token" >"$work/promote-$i.out" 2>&1 || status=1
  done
  exit "$status" ) &
promoter=$!
result=$(wrk -t2 -c"$connections" -d"${duration}s" -s "$here/load.lua" "$url/v1/predict" | grep '^RESULT')
promoted=0
wait "$promoter" || promoted=$?
# Requests wrk sent as it stopped may still be answered (and queued or dropped for the challenger).
sleep 1
dropped=$(curl -s -H "Authorization: Bearer $TOKEN" "$url/metrics" | awk '/^workbench_shadow_rows_dropped_total/ {print $NF}')
kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""
for i in 1 2 3; do sed "s/^/promote $i: /" "$work/promote-$i.out" | head -n 2; done

python3 - "$result" "$promoted" "${dropped:-missing}" "$work" "$connections" <<'PY'
import json, sqlite3, sys
_, requests, bad, errors = sys.argv[1].split()
requests, bad, errors = int(requests), int(bad), int(errors)
promoted, dropped, work, connections = int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
def model_id(bundle):
    return json.load(open(f"{work}/{bundle}/manifest.json"))["modelID"]
models = {model_id("champion"), model_id("challenger")}
log = sqlite3.connect(f"{work}/log.sqlite")
statuses = dict(log.execute("SELECT status, COUNT(*) FROM requests GROUP BY status").fetchall())
answered = dict(log.execute("SELECT COALESCE(model, 'none'), COUNT(*) FROM predictions GROUP BY model").fetchall())
rows = sum(answered.values())
shadowed = log.execute("SELECT COUNT(*) FROM shadow s JOIN predictions p ON p.id = s.prediction_id WHERE s.model != p.model AND s.answered_by = p.model").fetchone()[0]
promotions = sqlite3.connect(f"{work}/home/runs.sqlite").execute("SELECT COUNT(*) FROM runs WHERE kind = 'promote'").fetchone()[0]
print(f"wrk: {requests} requests, {bad} non-2xx, {errors} socket errors; promote exit {promoted}")
print(f"log: {statuses} by status; rows answered by model {answered}; {shadowed} with the other model's prediction, {dropped} dropped")
problems = []
if bad or errors: problems.append("wrk saw non-2xx answers or socket errors")
if promoted: problems.append("a promote failed")
if set(statuses) != {200}: problems.append("the log has requests that were not answered 200")
if not set(answered) <= models: problems.append(f"rows answered by neither model: {set(answered) - models}")
if set(answered) != models: problems.append("not both models answered (no promotion took effect?)")
if not (requests <= rows <= requests + connections): problems.append(f"{rows} rows logged for {requests} requests")
if dropped == "missing" or shadowed + int(float(dropped)) != rows: problems.append(f"{rows} rows but {shadowed} shadowed + {dropped} dropped")
if promotions != 3: problems.append(f"{promotions} promotions in the run registry, not 3")
for p in problems: print("FAIL: " + p)
sys.exit(1 if problems else 0)
PY
echo "promotion under load: ok"
