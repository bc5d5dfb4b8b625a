#!/usr/bin/env bash
# CSV load benchmark: Workbench's CSVReader vs pandas.read_csv vs polars.read_csv on the synthetic
# benchmark files (100k and 1M rows). Each measurement is one load in a fresh process (so peak RSS,
# from getrusage, belongs to that load alone); the three readers alternate within each round so
# machine load affects them alike. One warm-up round, then the median of RUNS rounds (default 5).
# Besides wall time it reports the CPU time of the load itself (all threads): on a shared machine
# wall time mostly measures the scheduler, MB per CPU-second is what the reader costs.
#
#   Benchmarks/csv/run.sh            # both files
#   RUNS=3 SIZES=1000000 Benchmarks/csv/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${RUNS:-5}
sizes=${SIZES:-"100000 1000000"}
generator=${GEN_SYNTH:-$root/Benchmarks/data/gen_synth.py}

cd "$root"
swift build -c release --product csv-bench >/dev/null
bench="$(swift build -c release --show-bin-path)/csv-bench"
python3 -c "import pandas, polars" 2>/dev/null || pip install -q pandas polars

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for n in $sizes; do
    case $n in
        1000000) file=/tmp/synth_1m.csv ;;
        100000) file=/tmp/synth_100k.csv ;;
        *) file=/tmp/synth_$n.csv ;;
    esac
    [ -s "$file" ] || python3 "$generator" "$n" --out "$file"
    cat "$file" >/dev/null  # into the page cache for everyone
    for round in $(seq 0 "$runs"); do
        for reader in workbench pandas polars; do
            if [ "$reader" = workbench ]; then line=$("$bench" "$file"); else line=$(python3 "$here/peer_load.py" "$reader" "$file"); fi
            [ "$round" -gt 0 ] && echo "$n $reader $(stat -c %s "$file") $line" >>"$results"
        done
    done
done

python3 - "$results" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    n, reader, size, data = line.split(" ", 3)
    rows.setdefault((int(n), int(size)), {}).setdefault(reader, []).append(json.loads(data))
print(f"{'rows':>9} {'reader':<10} {'median s':>9} {'MB/s':>8} {'CPU s':>7} {'MB/CPU-s':>9} {'peak MiB':>9} {'n':>3}  shape")
for (n, size), readers in sorted(rows.items()):
    summary = {}
    for reader in ("workbench", "pandas", "polars"):
        runs = readers.get(reader, [])
        if not runs:
            continue
        seconds = statistics.median(r["seconds"] for r in runs)
        cpu = statistics.median(r["cpu_seconds"] for r in runs)
        peak = statistics.median(r["peak_bytes"] for r in runs) / 2**20
        summary[reader] = (seconds, peak, cpu)
        print(f"{n:>9} {reader:<10} {seconds:>9.3f} {size / seconds / 1e6:>8.0f} {cpu:>7.3f} {size / cpu / 1e6:>9.0f} {peak:>9.0f} {len(runs):>3}  "
              f"{runs[0]['rows']}x{runs[0]['columns']}")
    describe = {r: statistics.median(x.get("describe_seconds", float("nan")) for x in readers[r]) for r in readers}
    print(f"{'':>9} describe (median s): " + ", ".join(f"{r} {describe[r]:.3f}" for r in ("workbench", "pandas", "polars") if r in describe))
    wb = summary.get("workbench")
    if wb:
        for peer in ("pandas", "polars"):
            if peer in summary:
                print(f"{'':>9} throughput workbench/{peer}: {summary[peer][0] / wb[0]:.2f}x (wall)  "
                      f"{summary[peer][2] / wb[2]:.2f}x (per CPU-second)   "
                      f"peak memory workbench/{peer}: {wb[1] / summary[peer][1]:.2f}x")
    decoded = (20 * 8 + 3 * 4) * n / 2**20
    if wb:
        print(f"{'':>9} decoded table ≈ {decoded:.0f} MiB; workbench peak / decoded = {wb[1] / decoded:.2f}")
PY
