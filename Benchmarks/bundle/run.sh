#!/usr/bin/env bash
# Batch and single-row prediction speed: Workbench in process vs ONNX Runtime running the same
# bundle's model.onnx, on the same rows of the synthetic 100k set, in one run. Trains linear,
# forest and boost on the first 80,000 rows (release build), exports bundles, then alternates
# bundle-bench and ort_bench.py per model (one warm-up, median of RUNS, default 3).
#   Benchmarks/bundle/run.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=${RUNS:-3}
cd "$root"
python3 -c "import onnxruntime, pandas" 2>/dev/null || python3 -m pip install -q onnxruntime pandas
swift build -c release --product workbench >/dev/null
swift build -c release --product bundle-bench >/dev/null
bin="$(swift build -c release --show-bin-path)"
work=$(mktemp -d -t workbench-bundle-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
data=/tmp/synth_100k.csv
[ -s "$data" ] || python3 "$root/Benchmarks/data/gen_synth.py" 100000 --out "$data"
head -n 80001 "$data" > "$work/train.csv"
{ head -n 1 "$data"; tail -n 20000 "$data"; } > "$work/score.csv"
cat > "$work/export.wb" <<WB
load "$work/train.csv" as train
lin = train linear on train target=target
forest = train forest on train target=target
boost = train boost on train target=target
export lin to "$work/linear"
export forest to "$work/forest"
export boost to "$work/boost"
WB
WORKBENCH_HOME="$work/home" "$bin/workbench" run "$work/export.wb" >/dev/null
results="$work/results"
for model in linear forest boost; do
    for round in $(seq 0 "$runs"); do
        wb=$("$bin/bundle-bench" "$work/$model" "$work/score.csv")
        ort=$(python3 "$here/ort_bench.py" "$work/$model/model.onnx" "$work/score.csv")
        [ "$round" -gt 0 ] && echo "$model $wb $ort" >> "$results"
    done
done
python3 - "$results" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    model, rest = line.split(" ", 1)
    wb_text, ort_text = rest.strip().split("} {")
    rows.setdefault(model, []).append((json.loads(wb_text + "}"), json.loads("{" + ort_text)))
print(f"{'model':<8} {'WB 1-row µs':>11} {'ORT 1-row µs':>12} {'ratio':>6} {'WB rows/s':>11} {'ORT rows/s':>11} {'ratio':>6}")
for model, runs in rows.items():
    wb1 = statistics.median(w["single_row_us"] for w, _ in runs)
    or1 = statistics.median(o["single_row_us"] for _, o in runs)
    wbb = statistics.median(w["batch_rows_per_s"] for w, _ in runs)
    orb = statistics.median(o["batch_rows_per_s"] for _, o in runs)
    print(f"{model:<8} {wb1:>11.1f} {or1:>12.1f} {or1 / wb1:>5.2f}x {wbb:>11.0f} {orb:>11.0f} {wbb / orb:>5.2f}x")
print(f"(ratio > 1: Workbench faster; median of {len(next(iter(rows.values())))} runs; onnxruntime {runs[0][1]['onnxruntime']})")
PY
