#!/usr/bin/env bash
# Tree-family speed check against scikit-learn and LightGBM on the synthetic benchmark set.
#   Benchmarks/trees/run.sh [ROWS=100000] [ALGORITHMS=tree,forest,boost] [THREADS=2]
# Compiles Sources/Learning with this driver in one optimized module (no package build needed).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rows=${1:-100000}
algos=${2:-tree,forest,boost}
threads=${3:-2}
csv=/tmp/synth_${rows}.csv
[ -f "$csv" ] || python3 "$root/Benchmarks/data/gen_synth.py" "$rows" --out "$csv"
bin=/tmp/workbench_tree_bench
swiftc -O -wmo -parse-as-library -module-name Learning -o "$bin" \
    $(find "$root/Sources/Learning" -name '*.swift') "$here/bench.swift"
"$bin" "$csv" "$algos" "$threads"
python3 "$here/bench_sklearn.py" "$csv" "$algos,lightgbm" "$threads"
