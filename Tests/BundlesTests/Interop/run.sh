#!/usr/bin/env bash
# End-to-end ONNX interop check: trains each exportable algorithm on the example datasets,
# exports model.onnx plus Workbench's predictions (Swift test `ONNX interop export`), then
# scores the models with onnxruntime and compares (onnxruntime_check.py).
# Usage: Tests/BundlesTests/Interop/run.sh [EXPORT_DIR]   (default: a fresh temporary folder;
#        SCRATCH=DIR to build in DIR instead of .build)
# Ends with the line `N passed, M failed`; exits non-zero when any model fails.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here/../../.."

out="${1:-$(mktemp -d -t workbench-onnx.XXXXXX)}"
mkdir -p "$out"
# Clear only earlier exports (subfolders holding a model.onnx), never anything else in $out.
for d in "$out"/*/; do
    if [ -f "${d}model.onnx" ]; then rm -rf "$d"; fi
done

# onnxruntime and onnx from PyPI when this machine lacks them.
if ! python3 -c "import onnxruntime, onnx, numpy" >/dev/null 2>&1; then
    python3 -m pip install --quiet onnxruntime onnx numpy
fi

# --build-tests: the same build configuration `swift test` uses, so nothing is compiled twice.
# SCRATCH=DIR builds in DIR instead of .build (swift's --scratch-path).
scratch=()
if [ -n "${SCRATCH:-}" ]; then scratch=(--scratch-path "$SCRATCH"); fi
swift build --build-tests ${scratch[@]+"${scratch[@]}"}
if ! WORKBENCH_ONNX_EXPORT_DIR="$out" swift test --skip-build ${scratch[@]+"${scratch[@]}"} --filter "BundlesTests.InteropExportTests" >"$out/export.log" 2>&1; then
    tail -n 40 "$out/export.log"
    echo "export failed (log: $out/export.log)"
    echo "0 passed, 1 failed"
    exit 1
fi
grep -E "Test run with|passed after|failed after" "$out/export.log" | tail -n 1
echo "exported to $out"
python3 "$here/onnxruntime_check.py" "$out"
