#!/usr/bin/env bash
# What the checks after `swift test` install when a machine lacks it, fetched ahead of time: .ci/run
# starts this in the background while Swift compiles (downloads overlap the build instead of
# following it) and waits for it before the first check that needs it. Every check still installs
# what it lacks on its own, so a failure here only costs that time later; it is reported, not fatal.
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=../Tests/ServingTests/lib.sh
source Tests/ServingTests/lib.sh
status=0

# Debian: Chromium (report check), wrk (serving under load), sqlite3 (reload check's log count).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v sqlite3 >/dev/null 2>&1 || missing+=(sqlite3)
if [ ${#missing[@]} -gt 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; } || status=1
fi

# PyPI, into this Python: ONNX Runtime (interop), statsmodels (multiple testing), nbformat and
# Pillow (report check), numpy (validate's verdicts).
python3 -c "import onnxruntime, onnx, numpy, statsmodels, nbformat, PIL" >/dev/null 2>&1 \
    || python3 -m pip install --quiet --disable-pip-version-check onnxruntime onnx numpy statsmodels nbformat Pillow || status=1

# PyPI, into the virtual environments the serving checks use.
ensure_venv .build/schemathesis-venv Tests/ServingTests/Schemathesis/requirements.txt || status=1
ensure_venv .build/tritonclient-venv Tests/ServingTests/tritonclient-requirements.txt || status=1
exit $status
