#!/usr/bin/env bash
# Workbench's model.onnx against skl2onnx's export of the equivalent scikit-learn pipeline, side
# by side in ONNX Runtime (1 thread): single row and batches of 1,000 rows, plus node counts.
# Trains linear, forest and boost on examples/penguins_train.csv with the release workbench
# (`workbench run` of a load / train / export script, default settings), the scikit-learn
# pipelines on the same file (bench.py peers), and times both graphs on examples/penguins.csv
# (bench.py time: median of 7 alternating rounds of 344 one-row runs and 30 batch runs each).
#   Benchmarks/onnx/run.sh
# Python packages: the pinned requirements.txt, in .build/onnx-bench-venv.
# Environment: SCRATCH (release build folder, default /tmp/sp-onnx-rel), WORKBENCH (a workbench
# binary to use instead of building one), KEEP=1 (keep the work folder and print its path).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
# shellcheck source=../../Tests/ServingTests/lib.sh
source "$root/Tests/ServingTests/lib.sh"
ensure_venv "$root/.build/onnx-bench-venv" "$here/requirements.txt"
python="$root/.build/onnx-bench-venv/bin/python"
if [ -z "${WORKBENCH:-}" ]; then
    scratch=${SCRATCH:-/tmp/sp-onnx-rel}
    swift build -c release --scratch-path "$scratch" --product workbench >/dev/null
    WORKBENCH="$(swift build -c release --scratch-path "$scratch" --show-bin-path)/workbench"
fi
work=$(mktemp -d -t workbench-onnx-bench.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "work folder: $work"; else trap 'rm -rf "$work"' EXIT; fi
mkdir -p "$work/peers"
cat > "$work/export.wb" <<WB
load "$root/examples/penguins_train.csv" as train
linear = train linear on train target=species
forest = train forest on train target=species
boost = train boost on train target=species
export linear to "$work/linear"
export forest to "$work/forest"
export boost to "$work/boost"
WB
WORKBENCH_HOME="$work/home" "$WORKBENCH" run "$work/export.wb" >"$work/export.log"
"$python" "$here/bench.py" peers "$root/examples/penguins_train.csv" "$work/peers" >"$work/peers.log"
"$python" "$here/bench.py" time "$root/examples/penguins.csv" \
    linear "$work/linear/model.onnx" "$work/peers/linear.onnx" \
    forest "$work/forest/model.onnx" "$work/peers/forest.onnx" \
    boost "$work/boost/model.onnx" "$work/peers/boost.onnx" >"$work/results.jsonl"
"$python" "$here/bench.py" report "$work/results.jsonl"
