#!/usr/bin/env bash
# Reloading a folder of bundles under load: `workbench serve FOLDER --log …` while wrk sends rows to
# model m for DURATION seconds (default 12); meanwhile a model t is added (SIGHUP), taken out
# (SIGHUP), and m's bundle is replaced by another model of the same name (SIGHUP). Fails unless:
#   - wrk saw 0 non-2xx answers and 0 socket errors (no request in flight was dropped);
#   - the server said each reload (1 added, 1 removed, 1 replaced) and m answers with the new model;
#   - t answered while it was in the folder and is a 404 after;
#   - m's log holds every request wrk counted (up to the connections in flight at the end),
#     across the replacement.
# Everything runs under a hard 2-minute limit.   Tests/ServingTests/Reload/run.sh
# SCRATCH_PATH=DIR builds into that build directory instead of .build.
set -euo pipefail
if [ "${WORKBENCH_RELOAD_INNER:-}" != 1 ]; then
    WORKBENCH_RELOAD_INNER=1 exec timeout -k 10 120 "$0" "$@"
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"
# shellcheck source=../lib.sh
source "$here/../lib.sh"
duration=${DURATION:-12}
connections=4
ensure_wrk
command -v sqlite3 >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sqlite3 >/dev/null; }
build_workbench
work=$(mktemp -d -t workbench-reload.XXXXXX)
export WORKBENCH_HOME="$work/home"
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

cat > "$work/export.wb" <<WB
load "$root/examples/penguins_train.csv" as penguins
m = train linear on penguins target=species
export m to "$work/staged/m-linear"
t = train tree on penguins target=species
export t to "$work/staged/t"
m = train forest on penguins target=species n_estimators=20
export m to "$work/staged/m-forest"
WB
"$bin" run "$work/export.wb" >/dev/null
mkdir -p "$work/models"
cp -r "$work/staged/m-linear" "$work/models/m-linear"

"$bin" serve "$work/models" --port 0 --log "$work/log.sqlite" >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
port=$(wait_for_port "$work/serve.out" "$server_pid" "$work/serve.err")
url="http://127.0.0.1:$port"

cat > "$work/predict.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/staged/m-linear/example.json"); wrk.body = f:read("*a"); f:close()
LUA
wrk -t1 -c$connections -d"${duration}s" -s "$work/predict.lua" "$url/v1/models/m/predict" >"$work/wrk.txt" &
wrk_pid=$!

# Moves a bundle in as a hidden name and renames it, so a reload never sees half a copy.
add() { cp -r "$work/staged/$1" "$work/models/.$1"; mv "$work/models/.$1" "$work/models/$1"; }
reloaded() {  # waits until the server has said its Nth reload
    for _ in $(seq 1 100); do
        [ "$(grep -c '^reloaded:' "$work/serve.out")" -ge "$1" ] && return 0
        sleep 0.1
    done
    echo "FAIL: reload $1 was not reported"; cat "$work/serve.out" "$work/serve.err"; exit 1
}
failed=0
sleep 2
add t
kill -HUP "$server_pid"; reloaded 1
t_status=$(curl -s -o /dev/null -w '%{http_code}' "$url/v1/models/t/predict" -H 'Content-Type: application/json' -d @"$work/staged/t/example.json")
sleep 2
rm -rf "$work/models/t"
kill -HUP "$server_pid"; reloaded 2
t_after=$(curl -s -o /dev/null -w '%{http_code}' "$url/v1/models/t/predict" -H 'Content-Type: application/json' -d @"$work/staged/t/example.json")
sleep 2
add m-forest
rm -rf "$work/models/m-linear"
kill -HUP "$server_pid"; reloaded 3
wait "$wrk_pid"

grep '^reloaded:' "$work/serve.out"
sed -n '1p;3p' "$work/serve.out" | grep -q . || true
answered=$(awk '/requests in/ { print $1 }' "$work/wrk.txt")
non2xx=$(awk '/Non-2xx/ { print $NF }' "$work/wrk.txt"); non2xx=${non2xx:-0}
socket=$(grep -c "Socket errors" "$work/wrk.txt" || true)
forest_id=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['modelID'])" "$work/staged/m-forest/manifest.json")
now_model=$(curl -s "$url/v1/models/m/predict" -H 'Content-Type: application/json' -d @"$work/staged/m-linear/example.json" | python3 -c "import json,sys; print(json.load(sys.stdin)['model'])")
kill -TERM "$server_pid"; wait "$server_pid" || { echo "FAIL: the server did not stop cleanly"; failed=1; }
server_pid=""
logged=$(sqlite3 "$work/log-m.sqlite" "SELECT count(*) FROM predictions")
models=$(sqlite3 "$work/log-m.sqlite" "SELECT count(DISTINCT model) FROM predictions")
echo "wrk: $answered answered, $non2xx non-2xx, socket errors $socket; t: $t_status while in the folder, $t_after after; m now $now_model; m's log: $logged rows from $models models"

[ "$non2xx" = 0 ] || { echo "FAIL: $non2xx non-2xx answers"; failed=1; }
[ "$socket" = 0 ] || { echo "FAIL: socket errors"; cat "$work/wrk.txt"; failed=1; }
grep -q '^reloaded: 1 added (t), 1 unchanged' "$work/serve.out" || { echo "FAIL: the first reload did not add t"; failed=1; }
grep -q '^reloaded: 1 removed (t), 1 unchanged' "$work/serve.out" || { echo "FAIL: the second reload did not remove t"; failed=1; }
grep -q '^reloaded: 1 replaced (m), 0 unchanged' "$work/serve.out" || { echo "FAIL: the third reload did not replace m"; failed=1; }
[ "$t_status" = 200 ] || { echo "FAIL: t answered $t_status while in the folder"; failed=1; }
[ "$t_after" = 404 ] || { echo "FAIL: t answered $t_after after it was taken out"; failed=1; }
[ "$now_model" = "$forest_id" ] || { echo "FAIL: m answers with $now_model, not the new bundle's $forest_id"; failed=1; }
[ "$models" = 2 ] || { echo "FAIL: m's log holds rows of $models models, not both"; failed=1; }
# +1: the request sent above to check the model.
if [ "$logged" -lt $((answered + 1)) ] || [ "$logged" -gt $((answered + 1 + connections)) ]; then
    echo "FAIL: m's log holds $logged rows, wrk counted $answered answers (+1)"; failed=1
fi
[ "$failed" = 0 ] && echo "reload under load: 3 reloads, $answered requests, none dropped"
exit "$failed"
