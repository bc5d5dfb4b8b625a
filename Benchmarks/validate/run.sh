#!/usr/bin/env bash
# validate's false-alarm and detection rates (see verdicts.py for what is measured).
#   Benchmarks/validate/run.sh              # 50 re-splits per dataset and family
#   Benchmarks/validate/run.sh --splits 20 --check  # the short version .ci/run runs (fails outside the bounds)
#   Benchmarks/validate/run.sh --splits 200 --only diabetes,gauss20  # false alarms only, more splits
# Uses the release build of workbench (built here); WORKBENCH_BINARY overrides it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$root"
python3 -c "import numpy" >/dev/null 2>&1 || python3 -m pip install --quiet numpy
if [ -z "${WORKBENCH_BINARY:-}" ]; then
    swift build -c release --product workbench >/dev/null
    WORKBENCH_BINARY="$(swift build -c release --show-bin-path)/workbench"
fi
exec python3 "$here/verdicts.py" --binary "$WORKBENCH_BINARY" "$@"
