#!/usr/bin/env bash
# One prediction log for three replicas, through an outage: three `workbench serve` processes of
# one bundle log to one PostgreSQL database (--log postgresql://…, the password from PGPASSWORD)
# while wrk loads each for DURATION seconds (default 20); PostgreSQL is stopped for 5 s in the
# middle (Tests/Postgres/cluster.sh pause / resume). Fails unless:
#   - wrk saw 0 non-2xx answers and 0 socket errors on every replica;
#   - every replica counted failed writes (workbench_log_write_errors_total ≥ 1) and logged rows
#     again after the database came back;
#   - each replica's rows in the database = rows it scored − rows it counted as dropped, and rows
#     scored = wrk's answered requests (up to the connections in flight when wrk stopped);
#   - `workbench monitor postgresql://…` counts the sum of the replicas' rows, and lists all three;
#   - an outcome for one replica's prediction, sent to another, is stored.
# Needs WORKBENCH_TEST_POSTGRES and WORKBENCH_PG_DIR (eval "$(bash Tests/Postgres/cluster.sh start)").
# Everything runs under a hard 3-minute limit.   Tests/ServingTests/SharedLog/run.sh
# SCRATCH_PATH=DIR builds into that build directory instead of .build.
set -euo pipefail
if [ "${WORKBENCH_SHAREDLOG_INNER:-}" != 1 ]; then
    WORKBENCH_SHAREDLOG_INNER=1 exec timeout -k 10 180 "$0" "$@"
fi
: "${WORKBENCH_TEST_POSTGRES:?start the private cluster first: eval \"\$(bash Tests/Postgres/cluster.sh start)\"}"
: "${WORKBENCH_PG_DIR:?start the private cluster first}"
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"
# shellcheck source=../lib.sh
source "$here/../lib.sh"
duration=${DURATION:-20}
connections=4
replicas=3
ensure_wrk
build_workbench
work=$(mktemp -d -t workbench-sharedlog.XXXXXX)
export WORKBENCH_HOME="$work/home"
pids=()
database="wb_sharedlog_$$"
cleanup() {
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    # Started again if a failure left it stopped, so the cluster's owner can stop it cleanly.
    pg_isready -q -d "$WORKBENCH_TEST_POSTGRES" 2>/dev/null || bash Tests/Postgres/cluster.sh resume "$WORKBENCH_PG_DIR" || true
    psql -q "$WORKBENCH_TEST_POSTGRES" -c "DROP DATABASE IF EXISTS $database WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

# The server's URL names no password: it comes from PGPASSWORD, as it would in production.
admin="$WORKBENCH_TEST_POSTGRES"
psql -q "$admin" -c "CREATE DATABASE $database" >/dev/null
eval "$(python3 - "$admin" "$database" <<'PY'
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(f"export PGPASSWORD='{urllib.parse.unquote(u.password or '')}'")
print(f"log_url='postgresql://{u.username}@{u.hostname}:{u.port}/{sys.argv[2]}?{u.query}'")
print(f"db_url='{urllib.parse.urlunsplit((u.scheme, u.netloc, '/' + sys.argv[2], u.query, ''))}'")
PY
)"
sql() { psql -Atq "$db_url" -c "$1"; }

cat > "$work/export.wb" <<WB
load "$root/examples/penguins_train.csv" as penguins
m = train linear on penguins target=species
export m to "$work/bundle"
WB
"$bin" run "$work/export.wb" >/dev/null

ports=()
for r in $(seq 1 $replicas); do
    "$bin" serve "$work/bundle" --port 0 --log "$log_url" --replica "replica-$r" >"$work/serve$r.out" 2>"$work/serve$r.err" &
    pids+=($!)
done
for r in $(seq 1 $replicas); do
    ports+=("$(wait_for_port "$work/serve$r.out" "${pids[$((r - 1))]}" "$work/serve$r.err")")
done
if grep -q "$PGPASSWORD" "$work"/serve*.out "$work"/serve*.err; then echo "a server printed the password"; exit 1; fi

cat > "$work/predict.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$work/bundle/example.json"); wrk.body = f:read("*a"); f:close()
LUA
wrk_pids=()
for r in $(seq 1 $replicas); do
    wrk -t1 -c$connections -d"${duration}s" -s "$work/predict.lua" "http://127.0.0.1:${ports[$((r - 1))]}/v1/predict" >"$work/wrk$r.txt" &
    wrk_pids+=($!)
done
sleep 5
bash Tests/Postgres/cluster.sh pause "$WORKBENCH_PG_DIR"
echo "PostgreSQL stopped at $(date +%T)"
sleep 5
bash Tests/Postgres/cluster.sh resume "$WORKBENCH_PG_DIR"
resumed=$(date +%s.%N)
echo "PostgreSQL started again at $(date +%T)"
for pid in "${wrk_pids[@]}"; do wait "$pid"; done

metric() { curl -s "http://127.0.0.1:$1/metrics" | awk -v name="$2" '$1 == name { print int($2) }'; }
# Everything queued before the load ended is written within a few seconds (the writers' backoff
# is at most 5 s). A writer in its backoff leaves the count unchanged for seconds, so first wait
# until no replica has rows waiting (CI once checked after half a second of no change, with
# 17,000 rows still queued), then until every replica's rows in the database stop changing.
for _ in $(seq 1 120); do
    waiting=0
    for port in "${ports[@]}"; do
        rows=$(metric "$port" workbench_log_rows_waiting)
        waiting=$((waiting + ${rows:-1}))
    done
    [ "$waiting" = 0 ] && break
    sleep 0.5
done
previous=""
for _ in $(seq 1 40); do
    current=$(sql "SELECT replica, count(*) FROM workbench_predictions GROUP BY replica ORDER BY replica" | tr '\n' ' ')
    [ -n "$current" ] && [ "$current" = "$previous" ] && break
    previous=$current
    sleep 0.5
done

failed=0
total_scored=0
total_logged=0
for r in $(seq 1 $replicas); do
    port=${ports[$((r - 1))]}
    answered=$(awk '/requests in/ { print $1 }' "$work/wrk$r.txt")
    non2xx=$(awk '/Non-2xx/ { print $NF }' "$work/wrk$r.txt"); non2xx=${non2xx:-0}
    socket=$(grep -c "Socket errors" "$work/wrk$r.txt" || true)
    scored=$(metric "$port" workbench_rows_scored_total)
    errors=$(metric "$port" workbench_log_write_errors_total)
    dropped=$(metric "$port" workbench_log_rows_dropped_total)
    logged=$(sql "SELECT count(*) FROM workbench_predictions WHERE replica = 'replica-$r'")
    after=$(sql "SELECT count(*) FROM workbench_predictions WHERE replica = 'replica-$r' AND time > $resumed")
    latency=$(awk '/Latency/ { print "latency mean " $2 ", max " $4 }' "$work/wrk$r.txt")
    echo "replica-$r: wrk answered $answered ($latency), non-2xx $non2xx, socket errors $socket; scored $scored, logged $logged, dropped $dropped, write errors $errors, rows logged after the restart $after"
    [ "$non2xx" = 0 ] || { echo "FAIL replica-$r: $non2xx non-2xx answers"; failed=1; }
    [ "$socket" = 0 ] || { echo "FAIL replica-$r: socket errors"; cat "$work/wrk$r.txt"; failed=1; }
    [ "$errors" -ge 1 ] || { echo "FAIL replica-$r: no failed write counted while PostgreSQL was stopped"; failed=1; }
    [ "$after" -ge 1 ] || { echo "FAIL replica-$r: nothing logged after PostgreSQL came back"; failed=1; }
    [ "$logged" = $((scored - dropped)) ] || { echo "FAIL replica-$r: $logged rows logged, but $scored scored − $dropped dropped = $((scored - dropped))"; failed=1; }
    if [ "$scored" -lt "$answered" ] || [ "$scored" -gt $((answered + connections)) ]; then
        echo "FAIL replica-$r: $scored rows scored, wrk counted $answered answers"; failed=1
    fi
    total_scored=$((total_scored + scored))
    total_logged=$((total_logged + logged))
done

"$bin" monitor "$log_url" >"$work/monitor.txt" 2>&1 || { cat "$work/monitor.txt"; echo "FAIL: monitor"; failed=1; }
grep -E "^traffic|^replicas" "$work/monitor.txt" || true
grep -q " $total_logged rows scored in all" "$work/monitor.txt" || { echo "FAIL: monitor does not count the $total_logged rows logged"; failed=1; }
grep -q "^replicas: $replicas, $total_logged rows in all" "$work/monitor.txt" || { echo "FAIL: monitor does not list the $replicas replicas"; failed=1; }

# An outcome for replica 1's last prediction, sent to replica 3.
id=$(sql "SELECT max(id) FROM workbench_predictions WHERE replica = 'replica-1'")
answer=$(curl -s "http://127.0.0.1:${ports[2]}/v1/feedback" -H 'Content-Type: application/json' -d "{\"outcomes\":[{\"id\":$id,\"label\":\"Adelie\"}]}")
echo "feedback for replica-1's id $id on replica-3: $answer"
[ "$answer" = '{"recorded":1,"unchanged":0}' ] || { echo "FAIL: the outcome was not stored"; failed=1; }
duplicates=$(sql "SELECT count(*) - count(DISTINCT id) FROM workbench_predictions")
[ "$duplicates" = 0 ] || { echo "FAIL: $duplicates duplicate ids"; failed=1; }

for pid in "${pids[@]}"; do kill -TERM "$pid"; done
for pid in "${pids[@]}"; do wait "$pid" || { echo "FAIL: a replica did not stop cleanly"; failed=1; }; done
pids=()
[ "$failed" = 0 ] && echo "shared log: $replicas replicas, $total_scored rows scored, $total_logged logged, through a 5 s outage"
exit "$failed"
