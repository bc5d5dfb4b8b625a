#!/usr/bin/env bash
# The layouts of `export … format=triton` and `format=kserve` checked with the peers' own parsers
# (installed from PyPI into a virtual environment under .build): config.pbtxt parsed into Triton's
# ModelConfig (tritonclient[grpc]) and compared with model.onnx (onnx); the InferenceService
# manifests read with PyYAML and checked against KServe's CRD schema (check_layouts.py). Runs
# under a hard 5-minute limit.
#   Tests/WorkbenchTests/ServingLayouts/run.sh
# SCRATCH_PATH=DIR builds into that build directory (and keeps the virtual environment there).
set -euo pipefail
if [ "${WORKBENCH_LAYOUTS_INNER:-}" != 1 ]; then
    WORKBENCH_LAYOUTS_INNER=1 exec timeout -k 10 300 "$0" "$@"
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
cd "$root"

scratch=()
build_dir="$root/.build"
if [ -n "${SCRATCH_PATH:-}" ]; then scratch=(--scratch-path "$SCRATCH_PATH"); build_dir="$SCRATCH_PATH"; fi
# shellcheck source=../../ServingTests/lib.sh
source "$root/Tests/ServingTests/lib.sh"
venv="$build_dir/tritonclient-venv"
ensure_venv "$venv" "$root/Tests/ServingTests/tritonclient-requirements.txt"

swift build --product workbench "${scratch[@]}" >/dev/null
binary="$(swift build "${scratch[@]}" --show-bin-path)/workbench"
work=$(mktemp -d -t workbench-layouts.XXXXXX)
trap 'rm -rf "$work"' EXIT

status=0
# forest has conformal sets (a BOOL output per class) and calibrated probabilities; the regression
# model conformal intervals (lower, upper).
for algorithm in linear forest; do
    extra=""
    [ "$algorithm" = forest ] && extra="m = calibrate m on penguins.test method=isotonic
conformal m on penguins.test alpha=0.1"
    cat > "$work/export-$algorithm.wb" <<WB
load "$root/examples/penguins_train.csv" as penguins
split penguins test=0.3 seed=1
m = train $algorithm on penguins.train target=species
$extra
export m to "$work/$algorithm-triton" format=triton
export m to "$work/$algorithm-kserve" format=kserve
WB
    WORKBENCH_HOME="$work/home" "$binary" run "$work/export-$algorithm.wb" >/dev/null
    echo "== $algorithm (classification)"
    "$venv/bin/python" "$here/check_layouts.py" "$work/$algorithm-triton" "$work/$algorithm-kserve" m || status=1
done
cat > "$work/export-regression.wb" <<WB
load "$root/examples/penguins_train.csv" as penguins
split penguins test=0.3 seed=1
m = train boost on penguins.train target=body_mass_g
conformal m on penguins.test alpha=0.1
export m to "$work/regression-triton" format=triton
export m to "$work/regression-kserve" format=kserve
export m to "$work/float-triton" format=triton onnx_precision=float
export m to "$work/float-kserve" format=kserve onnx_precision=float
WB
WORKBENCH_HOME="$work/home" "$binary" run "$work/export-regression.wb" >/dev/null
echo "== boost (regression)"
"$venv/bin/python" "$here/check_layouts.py" "$work/regression-triton" "$work/regression-kserve" m || status=1
# onnx_precision=float: config.pbtxt must say TYPE_FP32 where the graph takes tensor(float).
echo "== boost (regression), float32 inputs"
"$venv/bin/python" "$here/check_layouts.py" "$work/float-triton" "$work/float-kserve" m || status=1
grep -q "TYPE_FP32" "$work/float-triton/m/config.pbtxt" || { echo "FAIL: no TYPE_FP32 input in the float export's config.pbtxt"; status=1; }
exit "$status"
