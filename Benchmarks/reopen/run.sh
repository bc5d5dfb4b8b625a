#!/usr/bin/env bash
# Reopening a session against replaying it (issue 23, item 6).
#   Benchmarks/reopen/run.sh [ROWS=1000000] [ROUNDS=3]
# Records a session that loads the synthetic set (Benchmarks/data/gen_synth.py ROWS, generated into
# /tmp/synth_ROWS.csv if absent), splits it, trains boost on the training part and evaluates it on
# the test part, then times, with the release binary, ROUNDS times each (median):
#   load     `workbench run` of the load alone: process start and the data load
#   replay   `workbench replay s.wbt`: every cell again, boost fitted again (fresh home)
#   open     `workbench open s.wbt`: the names restored, boost from the model cache
# and prints open − load (what reopening costs beyond the data load) and replay / open.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${1:-1000000}
rounds=${2:-3}
csv=/tmp/synth_${rows}.csv
[ -f "$csv" ] || python3 "$root/Benchmarks/data/gen_synth.py" "$rows" --out "$csv"
(cd "$root" && swift build -c release --product workbench >/dev/null)
bin="$(cd "$root" && swift build -c release --show-bin-path)/workbench"
work=$(mktemp -d /tmp/workbench-reopen-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
ln -s "$csv" synth.csv
cat > session.wb <<'WB'
load "synth.csv"
split synth test=0.2 seed=7
m = train boost on synth.train target=target
evaluate m on synth.test
WB
echo 'load "synth.csv"' > load.wb

now() { date +%s.%N; }
seconds() { python3 -c "print(f'{$2 - $1:.2f}')"; }
median() { python3 -c "import statistics,sys; print(f'{statistics.median(float(x) for x in sys.argv[1:]):.2f}')" "$@"; }

echo "recording the session ($rows rows) …" >&2
start=$(now)
WORKBENCH_HOME="$work/home" "$bin" run session.wb --record s.wbt >/dev/null
record=$(seconds "$start" "$(now)")

loads=(); replays=(); opens=()
for round in $(seq "$rounds"); do
    start=$(now); WORKBENCH_HOME="$work/load-home" "$bin" run load.wb >/dev/null; loads+=("$(seconds "$start" "$(now)")")
    start=$(now); "$bin" replay s.wbt > replay.out; replays+=("$(seconds "$start" "$(now)")")
    grep -q "replayed 4 cells, 4 matched" replay.out || { echo "replay did not match:" >&2; cat replay.out >&2; exit 1; }
    start=$(now); WORKBENCH_HOME="$work/home" "$bin" open s.wbt --no-record < /dev/null > open.out; opens+=("$(seconds "$start" "$(now)")")
    grep -q "models: 1 from the model cache, 0 fitted again" open.out || { echo "open did not take the model from the cache:" >&2; cat open.out >&2; exit 1; }
    echo "round $round: load ${loads[-1]} s, replay ${replays[-1]} s, open ${opens[-1]} s" >&2
done
load=$(median "${loads[@]}"); replay=$(median "${replays[@]}"); open=$(median "${opens[@]}")
beyond=$(seconds "$load" "$open")
ratio=$(python3 -c "print(f'{$replay / $open:.1f}')")
cache=$(du -sh "$work/home/models" | cut -f1)
echo
echo "| rows | record (train) | load alone | replay (refit) | open (cache) | open − load | replay / open | cache entry |"
echo "|---|---|---|---|---|---|---|---|"
echo "| $rows | $record s | $load s | $replay s | $open s | $beyond s | ${ratio}× | $cache |"
echo
echo "open's own summary (last round):"
cat open.out
