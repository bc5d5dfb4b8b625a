#!/usr/bin/env bash
# The benchmark suite: Workbench and its peers, same steps, same files, one run.
#   Benchmarks/suite/run.sh --quick     # 10k / 100k rows, under 5 minutes
#   Benchmarks/suite/run.sh             # 10k / 100k / 1M rows, under 30 minutes
# Other flags: --reps N (rounds after the warm-up, default 3), --steps fit,CSV (name filters).
# Installs the peers from PyPI when missing, builds the runner in release mode, generates the
# data with Benchmarks/data/gen_synth.py (cached in Benchmarks/.data), then runs bench.py.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
if ! python3 -c "import numpy, pandas, polars, sklearn, lightgbm, onnxruntime, scipy, joblib" >/dev/null 2>&1; then
    python3 -m pip install --quiet numpy pandas polars scikit-learn lightgbm onnxruntime scipy joblib
fi
swift build -c release --product workbench-bench >/dev/null
bin="$(swift build -c release --show-bin-path)/workbench-bench"
exec python3 "$here/bench.py" --binary "$bin" "$@"
